// SPDX-License-Identifier: GPL-2.0

//! System-wide memory counters.
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h).

use super::ffi;

/// Pages of RAM (`totalram_pages`).
pub(crate) fn totalram_pages() -> usize {
    // SAFETY: Reads a counter.
    unsafe { ffi::pcc_totalram_pages() as usize }
}
