// SPDX-License-Identifier: GPL-2.0

//! Eviction: pcc's own dropping of clean pages, for `PCC_IOC_EVICT` and
//! at its `cache_pages=` limit. Memory pressure is the kernel's: with a
//! store the mapping is on the kernel's LRU, and reclaim drops clean pages
//! as it drops any file's (`shrink_folio_list`); pcc is not asked.

use super::{
    PageCache,
    State, //
};
use crate::ext::{
    folio::FolioGuard,
    mapping::NewFolio, //
};
use kernel::prelude::*;

/// How many clean pages a task at pcc's `cache_pages=` limit evicts at a
/// time.
const EVICT_BATCH: usize = 1024;

/// Which clean pages an eviction drops.
#[derive(Clone, Copy)]
enum Evict {
    /// Every one (`PCC_IOC_EVICT`), from the first page, used recently or
    /// not.
    All,
    /// Up to this many, from where the last eviction stopped, sparing a
    /// page used since (reclaim's second chance).
    UpTo(usize),
}

impl PageCache {
    /// A new folio, evicting clean pages first at pcc's `cache_pages=`
    /// limit. The allocation may reclaim (the kernel's reclaim, which with
    /// a store may drop pcc's own clean pages) and may invoke the OOM
    /// killer, as `filemap_alloc_folio` for any file: call it holding no
    /// lock of pcc's.
    pub(super) fn alloc_folio(&self) -> Result<NewFolio> {
        self.evict_at_limit(1);
        self.inode.alloc_folio()
    }

    /// With a store, before `nr` new pages come in (a miss, readahead): at
    /// pcc's `cache_pages=` limit, evict a batch of clean pages first (a
    /// batch is more than a PMD-sized folio's pages). A
    /// bound of the device's own, as a memory cgroup's limit bounds a
    /// file's cache: by default it keeps half of RAM for everyone else,
    /// so that the kernel's reclaim seldom has to take pcc's pages back
    /// in a hurry, and a small one lets eviction and store reads be
    /// exercised without memory pressure. The mapping's page count, read
    /// without `state` (which every miss would otherwise take once more),
    /// is a hint: eviction is exact under it.
    pub(super) fn evict_at_limit(&self, nr: usize) {
        if self.backing.evicts() && self.inode.nr_pages() + nr > self.cache_limit {
            self.evict(Evict::UpTo(EVICT_BATCH));
        }
    }

    /// `PCC_IOC_EVICT`: drop every clean page (0 without a store).
    pub(crate) fn evict_all(&self) -> usize {
        self.evict(Evict::All)
    }

    /// Drop clean pages, waiting for `state`; 0 without a store. Each one
    /// dropped counts in `pages_evicted` ([`crate::ext::mapping::PageCacheInode::pages_evicted`]).
    fn evict(&self, which: Evict) -> usize {
        if !self.backing.evicts() {
            return 0;
        }
        let mut state = self.state.lock();
        self.evict_from(&mut state, which)
    }

    /// Drop clean pages, as `which` says, walking the mapping's xarray as a
    /// clock hand: from `state.cursor` to the end, then from the start.
    /// Dirty pages, pages under writeback, locked pages (a read in flight,
    /// a fault) and poisoned pages (which report the loss until reset)
    /// stay. Returns how many were dropped.
    fn evict_from(&self, state: &mut State, which: Evict) -> usize {
        let (want, start, second_chance) = match which {
            Evict::All => (usize::MAX, 0, false),
            Evict::UpTo(nr) => (nr, state.cursor, true),
        };
        let hand = Iterator::chain(
            self.inode.folios_from(start),
            self.inode
                .folios_from(0)
                .take_while(move |f| f.index() < start),
        );
        let mut dropped = 0;
        let mut next = start;
        for folio in hand {
            if dropped >= want {
                break;
            }
            next = folio.index() + folio.nr_pages();
            if folio.is_dirty() || folio.is_writeback() || folio.is_hwpoison() {
                continue;
            }
            // A page used since the hand last passed gets a second chance
            // (`folio_check_references`), except from `PCC_IOC_EVICT`, which
            // drops every clean page. Without it, at the limit a `write()`
            // whose source is a mapping of a page not cached livelocks: its
            // destination's allocation evicts the source it just faulted in,
            // and the source's fault evicts the destination.
            if second_chance && folio.test_clear_referenced() {
                continue;
            }
            // Trylock: under `state` we never wait for a folio (lock order).
            let Ok(locked) = FolioGuard::try_new(folio) else {
                continue;
            };
            if self.inode.evict_locked(&locked) {
                dropped += locked.nr_pages();
            }
        }
        state.cursor = if next >= self.capacity { 0 } else { next };
        dropped
    }
}
