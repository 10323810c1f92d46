// SPDX-License-Identifier: GPL-2.0

//! pcc's trace events, defined with `TRACE_EVENT` in `rust/pcc_trace.h`
//! and emitted through the one-line C callers in `rust/trace.c` (like
//! binder's `declare_trace!`, but out of tree). They land in the same ftrace
//! buffer as function_graph, so a capture shows where in the kernel's fault
//! path pcc's callbacks ran.

use super::{
    ffi,
    vm_ops::{
        MapPagesFault,
        MappedAround,
        VmFault,
        VmFaultBits, //
    },
};

/// How `->fault` found the page (`cache=` in `pcc_fault`).
#[derive(Clone, Copy)]
pub(crate) enum CacheLookup {
    Hit = 0,
    Miss = 1,
    /// Past capacity: no page at all.
    None = 2,
}

/// `pcc:pcc_fault`.
pub(crate) fn fault(vmf: &VmFault<'_>, cache: CacheLookup, ret: VmFaultBits) {
    // SAFETY: Plain values; the C function only records them.
    unsafe {
        ffi::pcc_trace_fault(
            vmf.pgoff(),
            vmf.address(),
            vmf.flags().bits(),
            cache as i32,
            ret.0,
        )
    };
}

/// `pcc:pcc_map_pages`.
pub(crate) fn map_pages(vmf: &MapPagesFault<'_>, start: usize, end: usize, m: &MappedAround) {
    // SAFETY: Plain values; safe in atomic context (a tracepoint).
    unsafe {
        ffi::pcc_trace_map_pages(
            start,
            end,
            vmf.address(),
            vmf.flags().bits(),
            m.ptes(),
            m.bits().0,
        )
    };
}

/// `pcc:pcc_page_mkwrite`.
pub(crate) fn page_mkwrite(vmf: &VmFault<'_>, ret: VmFaultBits) {
    // SAFETY: Plain values; the C function only records them.
    unsafe { ffi::pcc_trace_page_mkwrite(vmf.pgoff(), vmf.address(), vmf.flags().bits(), ret.0) };
}

/// `pcc:pcc_writeback`.
pub(crate) fn writeback(cleaned: usize) {
    // SAFETY: A plain value.
    unsafe { ffi::pcc_trace_writeback(cleaned) };
}

/// `pcc:pcc_reset`.
pub(crate) fn reset(freed: usize) {
    // SAFETY: A plain value.
    unsafe { ffi::pcc_trace_reset(freed) };
}
