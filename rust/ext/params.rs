// SPDX-License-Identifier: GPL-2.0

//! pcc's module parameters, declared in C (`rust/pcc_params.c`) so that
//! they appear read-only under `/sys/module/pcc/parameters/`.

use super::ffi;
use kernel::prelude::*;

/// `size_pages=`.
pub(crate) fn size_pages() -> u64 {
    // SAFETY: Reads a parameter that is read-only after load (mode 0444).
    unsafe { ffi::pcc_param_size_pages() as u64 }
}

/// `fault_around=`.
pub(crate) fn fault_around() -> bool {
    // SAFETY: As for `size_pages`.
    unsafe { ffi::pcc_param_fault_around() }
}

/// `write_notify=`.
pub(crate) fn write_notify() -> bool {
    // SAFETY: As for `size_pages`.
    unsafe { ffi::pcc_param_write_notify() }
}

/// `io_delay_us=`.
pub(crate) fn io_delay_us() -> u32 {
    // SAFETY: As for `size_pages`.
    unsafe { ffi::pcc_param_io_delay_us() }
}

/// `cache_pages=`; 0 when not given.
pub(crate) fn cache_pages() -> u64 {
    // SAFETY: As for `size_pages`.
    unsafe { ffi::pcc_param_cache_pages() as u64 }
}

/// `backing=`; empty when not given.
pub(crate) fn backing() -> &'static CStr {
    // SAFETY: The parameter is a NUL-terminated string that lives as long
    // as the module and is read-only after load (mode 0444).
    unsafe { CStr::from_char_ptr(ffi::pcc_param_backing()) }
}

/// `huge=`: 0 never, 1 always, 2 within_size, 3 advise (parsed at load).
pub(crate) fn huge() -> i32 {
    // SAFETY: As for `size_pages`.
    unsafe { ffi::pcc_param_huge() }
}
