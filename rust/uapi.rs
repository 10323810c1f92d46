// SPDX-License-Identifier: GPL-2.0

//! pcc's user-space ABI, restated from `include/uapi/pcc.h`; `rust/uapi_check.c`
//! fails the build when the header and this restatement part.

use kernel::ioctl::{
    _IO,
    _IOR, //
};

const MAGIC: u32 = b'P' as u32;

/// `struct pcc_stats`, written field by field in this order.
pub(crate) struct Stats {
    pub(crate) faults: u64,
    pub(crate) fault_misses: u64,
    pub(crate) map_pages_calls: u64,
    pub(crate) pages_mapped_around: u64,
    pub(crate) mkwrite_calls: u64,
    pub(crate) pages_cached: u64,
    pub(crate) pages_dirty: u64,
    pub(crate) pages_written_back: u64,
}

impl Stats {
    /// The fields in ABI order.
    pub(crate) fn as_array(&self) -> [u64; 8] {
        [
            self.faults,
            self.fault_misses,
            self.map_pages_calls,
            self.pages_mapped_around,
            self.mkwrite_calls,
            self.pages_cached,
            self.pages_dirty,
            self.pages_written_back,
        ]
    }
}

/// `struct pcc_io_stats`, written field by field in this order.
pub(crate) struct IoStats {
    pub(crate) major_faults: u64,
    pub(crate) fault_retries: u64,
    pub(crate) store_reads: u64,
    pub(crate) store_writes: u64,
    pub(crate) pages_evicted: u64,
}

impl IoStats {
    /// The fields in ABI order.
    pub(crate) fn as_array(&self) -> [u64; 5] {
        [
            self.major_faults,
            self.fault_retries,
            self.store_reads,
            self.store_writes,
            self.pages_evicted,
        ]
    }
}

/// `struct pcc_huge_stats`, written field by field in this order.
pub(crate) struct HugeStats {
    pub(crate) huge_fault_calls: u64,
    pub(crate) huge_fault_pmds: u64,
    pub(crate) huge_fault_fallbacks: u64,
    pub(crate) pmd_folios: u64,
    pub(crate) pmd_folio_fallbacks: u64,
}

impl HugeStats {
    /// The fields in ABI order.
    pub(crate) fn as_array(&self) -> [u64; 5] {
        [
            self.huge_fault_calls,
            self.huge_fault_pmds,
            self.huge_fault_fallbacks,
            self.pmd_folios,
            self.pmd_folio_fallbacks,
        ]
    }
}

pub(crate) const PCC_IOC_GET_STATS: u32 = _IOR::<[u64; 8]>(MAGIC, 1);
pub(crate) const PCC_IOC_WRITEBACK: u32 = _IO(MAGIC, 2);
pub(crate) const PCC_IOC_RESET: u32 = _IO(MAGIC, 3);
pub(crate) const PCC_IOC_GET_SIZE: u32 = _IOR::<u64>(MAGIC, 4);
pub(crate) const PCC_IOC_EVICT: u32 = _IO(MAGIC, 5);
pub(crate) const PCC_IOC_GET_IO_STATS: u32 = _IOR::<[u64; 5]>(MAGIC, 6);
pub(crate) const PCC_IOC_GET_HUGE_STATS: u32 = _IOR::<[u64; 5]>(MAGIC, 7);

/// `PCC_STORE_MAGIC`: the first bytes of `struct pcc_store_header`, which
/// begins the store's header page.
pub(crate) const STORE_MAGIC: &[u8; 8] = b"PCCSTOR1";
/// Where `struct pcc_store_header` holds `size_pages` (le64).
pub(crate) const STORE_HEADER_SIZE_PAGES: core::ops::Range<usize> = 8..16;
/// Where `struct pcc_store_header` holds `page_size` (le64).
pub(crate) const STORE_HEADER_PAGE_SIZE: core::ops::Range<usize> = 16..24;
