// SPDX-License-Identifier: GPL-2.0

//! Store I/O errors on demand, through the kernel's fault injection
//! (`should_fail`): the knobs of `/sys/kernel/debug/pcc/fail_store_read/`,
//! `fail_store_write/` and `fail_store_sync/` (`probability`, `interval`,
//! `times`, ...), as Documentation/fault-injection/fault-injection.rst
//! describes them; and a pause that holds one window open for tests
//! (`written_delay_us`, [`StoreFaults::written_delay_us`]).
//!
//! C: `rust/pcc_inject.c`, over
//! [`include/linux/fault-inject.h`](srctree/include/linux/fault-inject.h).
//! Without `CONFIG_FAULT_INJECTION_DEBUG_FS` the knobs do not exist and
//! nothing fails.

use super::ffi;
use kernel::prelude::*;

/// Which store I/O may be made to fail: `enum pcc_store_io` of
/// `rust/pcc_helpers.h`, value for value.
#[derive(Clone, Copy)]
#[repr(u32)]
pub(crate) enum StoreIo {
    /// A read of pages.
    Read = 0,
    /// A write of pages.
    Write = 1,
    /// A sync of the store (`vfs_fsync`).
    Sync = 2,
}

/// The knobs, in debugfs while this lives. There is one set: a second
/// [`StoreFaults::register`] fails with `EBUSY` while the first lives.
pub(crate) struct StoreFaults(());

impl StoreFaults {
    /// Create the knobs (every failure off until they are set).
    pub(crate) fn register() -> Result<Self> {
        // SAFETY: No precondition; the C side refuses a second set.
        kernel::error::to_result(unsafe { ffi::pcc_inject_init() })?;
        Ok(Self(()))
    }

    /// Whether this store I/O of `bytes` bytes is to fail, as the knobs say
    /// (each failure counts down `times`).
    pub(crate) fn fails(&self, io: StoreIo, bytes: usize) -> bool {
        // SAFETY: The knobs exist while `self` lives (type invariant);
        // `should_fail` may be called from any context.
        unsafe { ffi::pcc_inject_store_fails(io as u32, bytes) }
    }

    /// `/sys/kernel/debug/pcc/written_delay_us`: how long to pause, in
    /// microseconds, between a store write that succeeded and the note
    /// that the store holds its pages (0: not at all).
    pub(crate) fn written_delay_us(&self) -> u32 {
        // SAFETY: The knob exists while `self` lives (type invariant); it is
        // read once.
        unsafe { ffi::pcc_inject_written_delay_us() }
    }
}

impl Drop for StoreFaults {
    fn drop(&mut self) {
        // SAFETY: Registered by `register`, removed once, here.
        unsafe { ffi::pcc_inject_exit() };
    }
}
