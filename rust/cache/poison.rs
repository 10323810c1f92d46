// SPDX-License-Identifier: GPL-2.0

//! Memory failure: a page whose memory went bad leaves the cache.

use super::PageCache;
use crate::ext::{
    folio::FolioState,
    mapping::PageCacheInode,
    memory_failure::{
        HandleMemoryFailure,
        PoisonedFolio,
        Removed, //
    },
    print::pr_err_ratelimited,
};
use kernel::{
    new_spinlock,
    prelude::*,
    sync::{
        atomic::{
            ordering::Relaxed,
            Atomic, //
        },
        SpinLock, //
    },
};

/// The pages whose data a memory error took: they read as `EIO` and fault
/// as `VM_FAULT_HWPOISON` until `PCC_IOC_RESET`. A lock of their own, the
/// last in pcc's order (taken under `state` and under a folio's lock, and
/// taking nothing), so that a miss without a store checks them without
/// `state` ([`PageCache::add_after_miss`]).
#[pin_data]
pub(super) struct Poisoned {
    #[pin]
    pages: SpinLock<KVec<usize>>,
    /// Whether `pages` holds any: set under the lock with each record,
    /// before the page leaves the mapping.
    any: Atomic<bool>,
}

impl Poisoned {
    pub(super) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            pages <- new_spinlock!(KVec::new()),
            any: Atomic::new(false),
        })
    }

    /// Whether one of pages `first..first + nr` is recorded.
    ///
    /// Without the lock while none is: exact for a caller that has taken
    /// a lock that a page's removal from the mapping released after its
    /// record (the xarray's, which adding a folio takes: a folio added
    /// there after a poisoned one left sees its record; memory failure
    /// records before it removes), a hint for any other.
    #[inline]
    pub(super) fn any_in(&self, first: usize, nr: usize) -> bool {
        self.any.load(Relaxed) && self.any_in_locked(first, nr)
    }

    /// [`Self::any_in`] under the lock, exact for every caller: a lookup
    /// that missed a page a memory error removed sees its record, made
    /// before the removal that the lookup saw.
    pub(super) fn any_in_locked(&self, first: usize, nr: usize) -> bool {
        let pages = first..first + nr;
        self.pages.lock().iter().any(|p| pages.contains(p))
    }

    /// How many pages are recorded.
    pub(super) fn count(&self) -> usize {
        self.pages.lock().len()
    }

    /// Record pages `first..first + nr` not recorded yet. No allocation
    /// that waits: memory failure calls, holding a folio's lock and
    /// `mf_mutex`. Recorded before the caller removes a page from the
    /// mapping ([`Self::any_in`] relies on it). Returns whether one was
    /// new.
    fn record(&self, first: usize, nr: usize) -> Result<bool> {
        let mut pages = self.pages.lock();
        let mut new = false;
        for i in first..first + nr {
            if !pages.contains(&i) {
                let pushed = pages.push(i, GFP_NOWAIT | __GFP_NOWARN);
                // Set with the first record, before an error returns.
                self.any.store(!pages.is_empty(), Relaxed);
                pushed?;
                new = true;
            }
        }
        Ok(new)
    }

    /// Undo the [`Self::record`] of one page that was new, whose removal
    /// failed.
    fn unrecord(&self, index: usize) {
        let mut pages = self.pages.lock();
        pages.retain(|p| *p != index);
        self.any.store(!pages.is_empty(), Relaxed);
    }

    /// Forget every record (`PCC_IOC_RESET`, with no page added meanwhile).
    pub(super) fn clear(&self) {
        let mut pages = self.pages.lock();
        pages.clear();
        self.any.store(false, Relaxed);
    }
}

/// Memory failure (`me_pagecache_dirty`/`_clean`): pcc gives up the page,
/// and its data with it. Like shmem, which keeps a poisoned page in the
/// cache to report it, pcc reports the loss at that offset: a fault gets
/// `VM_FAULT_HWPOISON` (`SIGBUS`, `BUS_MCEERR_AR`), `read`/`write` get
/// `EIO`, until `PCC_IOC_RESET`. A clean page the store holds is not lost:
/// like a filesystem's clean page, it is dropped and read again on the
/// next access.
impl HandleMemoryFailure for PageCache {
    fn inode(&self) -> &PageCacheInode {
        &self.inode
    }

    fn error_remove_folio<'a>(&self, folio: PoisonedFolio<'a>) -> Result<Removed<'a>> {
        let index = folio.index();
        // Memory failure holds `mf_mutex` and the folio lock, and pcc's
        // lock order is `state` -> folio (reset, writeback without a
        // store): `state` is waited for only while its holder is not one
        // that may wait for this folio (a reset truncating it). If it is,
        // the folio is not recovered here: memory failure reports it
        // failed and leaves it poisoned in the cache, where a fault gets
        // `SIGBUS` and `read`/`write` `EIO` until `PCC_IOC_RESET`.
        let Some(state) = self.lock_state_holding_a_folio() else {
            pr_err_ratelimited!(
                "page {index}: memory error not recovered, a reset or a writeback without a store holds pcc's state (EBUSY)\n"
            );
            return Err(EBUSY);
        };
        let dirty = folio.folio().is_dirty();
        // Not lost if the store holds it, clean (never without a store:
        // its bitmap is empty).
        let lost = dirty || !state.held.get(index);
        // No allocation that waits for reclaim under `mf_mutex`: without
        // memory for the record the page stays poisoned in the cache, which
        // reports the loss all the same.
        let recorded = lost && self.poisoned.record(index, 1)?;
        let removed = match folio.remove() {
            Ok(removed) => removed,
            Err(e) => {
                if recorded {
                    self.poisoned.unrecord(index);
                }
                return Err(e);
            }
        };
        drop(state);
        pr_err!(
            "page {index} lost to a memory error{}\n",
            if lost {
                ""
            } else {
                "; the store still holds it"
            }
        );
        Ok(removed)
    }

    /// Asked only without a store (its `->release_folio` refuses every
    /// other folio): memory failure is about to split a PMD-sized folio
    /// (`huge=`) to give up its bad page, or something drops one whose
    /// split failed. Every page of it is recorded as lost first. If the
    /// split succeeds, the good pages stay cached, where the record is
    /// not read (it is for pages not cached), and the bad one is removed
    /// as any poisoned page; if it fails, the folio is lost whole, as
    /// [`FolioState::is_hwpoison`] says of it while cached, and the record
    /// keeps saying so if it is dropped. Without a store nothing else is
    /// recorded of a page, so no lock is taken but the record's own (the
    /// last in pcc's order): no holder of `state` can keep the split from
    /// happening.
    fn large_folio_poisoned(&self, folio: &FolioState) -> Result {
        self.poisoned
            .record(folio.index(), folio.nr_pages())
            .map(|_| ())
    }
}
