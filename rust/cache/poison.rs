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
use kernel::prelude::*;

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
        let Some(mut state) = self.lock_state_holding_a_folio() else {
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
        if lost {
            state.poisoned.push(index, GFP_NOWAIT | __GFP_NOWARN)?;
        }
        let removed = match folio.remove() {
            Ok(removed) => removed,
            Err(e) => {
                if lost {
                    state.poisoned.pop();
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
    /// keeps saying so if it is dropped. As for `error_remove_folio`,
    /// `state` is not waited for while its holder may wait for this
    /// folio.
    fn large_folio_poisoned(&self, folio: &FolioState) -> Result {
        let (first, nr) = (folio.index(), folio.nr_pages());
        let Some(mut state) = self.lock_state_holding_a_folio() else {
            return Err(EBUSY);
        };
        for i in first..first + nr {
            if !state.poisoned.contains(&i) {
                state.poisoned.push(i, GFP_NOWAIT | __GFP_NOWARN)?;
            }
        }
        Ok(())
    }
}
