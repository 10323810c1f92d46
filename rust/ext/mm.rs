// SPDX-License-Identifier: GPL-2.0

//! System-wide memory facts: RAM, transparent huge pages.
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h).

use super::ffi;

/// Pages of RAM (`totalram_pages`).
pub(crate) fn totalram_pages() -> usize {
    // SAFETY: Reads a counter.
    unsafe { ffi::pcc_totalram_pages() as usize }
}

/// Whether this kernel and machine have transparent huge pages
/// (`has_transparent_hugepage`).
pub(crate) fn has_transparent_hugepage() -> bool {
    // SAFETY: Reads the architecture's answer.
    unsafe { ffi::pcc_has_transparent_hugepage() }
}

/// `HPAGE_PMD_ORDER`: the order of a folio a PMD maps; 0 without
/// transparent huge pages.
pub(crate) fn pmd_order() -> usize {
    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    // SAFETY: Reads a constant.
    return unsafe { ffi::pcc_pmd_order() as usize };
    #[cfg(not(CONFIG_TRANSPARENT_HUGEPAGE))]
    0
}

/// `HPAGE_PMD_NR`: pages a PMD maps; 1 without transparent huge pages.
pub(crate) fn pmd_pages() -> usize {
    1 << pmd_order()
}
