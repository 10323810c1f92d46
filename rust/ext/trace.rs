// SPDX-License-Identifier: GPL-2.0

//! pcc's trace events, defined with `TRACE_EVENT` in `rust/pcc_trace.h`
//! and emitted through the one-line C callers in `rust/trace.c` (like
//! binder's `declare_trace!`, but out of tree). They land in the same ftrace
//! buffer as function_graph, so a capture shows where in the kernel's fault
//! path pcc's callbacks ran.

use super::{
    ffi,
    vm_ops::{
        FaultFlags,
        HugeFault,
        MapPagesFault,
        MappedAround,
        MkwriteFault,
        VmFault,
        VmFaultBits, //
    },
};

/// How `->fault` found the page (`cache=` in `pcc_fault`).
#[derive(Clone, Copy)]
pub(crate) enum CacheLookup {
    Hit = 0,
    Miss = 1,
    /// No page: past capacity, or none could be cached (a page lost to a
    /// memory error, the cache full, no memory).
    NoPage = 2,
    /// Not cached, and the store holds it: read from the store.
    Read = 3,
}

/// Whether tracepoint `$tp` (one of `rust/trace.c`) is on: its static
/// key, tested inline (a patched branch, as `trace_*()` in C), so that a
/// callback pays no call while tracing is off.
macro_rules! enabled {
    ($tp:ident) => {{
        #[cfg(CONFIG_TRACEPOINTS)]
        let on = {
            // SAFETY: The tracepoint is defined in C (`rust/trace.c`);
            // testing its static key is always allowed.
            unsafe { kernel::static_branch_unlikely!(ffi::$tp, kernel::bindings::tracepoint, key) }
        };
        #[cfg(not(CONFIG_TRACEPOINTS))]
        let on = false;
        on
    }};
}

/// `pcc:pcc_fault`.
pub(crate) fn fault(call: &FaultCall, cache: CacheLookup, ret: VmFaultBits) {
    if !enabled!(__tracepoint_pcc_fault) {
        return;
    }
    // SAFETY: Plain values; the C function only records them.
    unsafe {
        ffi::pcc_trace_fault(
            call.pgoff,
            call.address,
            u32::from(call.flags),
            cache as i32,
            ret.bits(),
        )
    };
}

pub(crate) struct MapPagesCall {
    start: usize,
    end: usize,
    address: usize,
    flags: FaultFlags,
}

impl MapPagesCall {
    pub(crate) fn of(vmf: &MapPagesFault<'_>) -> Self {
        Self {
            start: vmf.start_pgoff(),
            end: vmf.end_pgoff(),
            address: vmf.address(),
            flags: vmf.flags(),
        }
    }
}

/// `pcc:pcc_map_pages`.
pub(crate) fn map_pages(call: &MapPagesCall, m: &MappedAround<'_>) {
    if !enabled!(__tracepoint_pcc_map_pages) {
        return;
    }
    // SAFETY: Plain values; safe in atomic context (a tracepoint).
    unsafe {
        ffi::pcc_trace_map_pages(
            call.start,
            call.end,
            call.address,
            u32::from(call.flags),
            m.ptes(),
            m.bits().bits(),
        )
    };
}

/// The fields of a `->fault` or `->page_mkwrite` call, read before its
/// view is consumed.
pub(crate) struct FaultCall {
    pgoff: usize,
    address: usize,
    flags: FaultFlags,
}

impl FaultCall {
    /// Taken before the callback may give up the fault lock and its view.
    pub(crate) fn of_fault(vmf: &VmFault<'_>) -> Self {
        Self {
            pgoff: vmf.pgoff(),
            address: vmf.address(),
            flags: vmf.flags(),
        }
    }

    pub(crate) fn of_mkwrite(vmf: &MkwriteFault<'_>) -> Self {
        Self {
            pgoff: vmf.pgoff(),
            address: vmf.address(),
            flags: vmf.flags(),
        }
    }

    pub(crate) fn of_huge(vmf: &HugeFault<'_>) -> Self {
        Self {
            pgoff: vmf.pgoff(),
            address: vmf.address(),
            flags: vmf.flags(),
        }
    }
}

/// `pcc:pcc_page_mkwrite`.
pub(crate) fn page_mkwrite(call: &FaultCall, ret: VmFaultBits) {
    if !enabled!(__tracepoint_pcc_page_mkwrite) {
        return;
    }
    // SAFETY: Plain values; the C function only records them.
    unsafe {
        ffi::pcc_trace_page_mkwrite(call.pgoff, call.address, u32::from(call.flags), ret.bits())
    };
}

/// `pcc:pcc_huge_fault`.
pub(crate) fn huge_fault(call: &FaultCall, ret: VmFaultBits) {
    if !enabled!(__tracepoint_pcc_huge_fault) {
        return;
    }
    // SAFETY: Plain values; the C function only records them.
    unsafe {
        ffi::pcc_trace_huge_fault(call.pgoff, call.address, u32::from(call.flags), ret.bits())
    };
}

/// `pcc:pcc_readahead`: a `->readahead` batch of `nr` pages from `start`,
/// `read` of them from the store and `zeroed` of them holes.
pub(crate) fn readahead(start: usize, nr: usize, read: usize, zeroed: usize) {
    // SAFETY: Plain values; the C function only records them.
    unsafe { ffi::pcc_trace_readahead(start, nr, read, zeroed) };
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
