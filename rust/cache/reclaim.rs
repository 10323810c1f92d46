// SPDX-License-Identifier: GPL-2.0

//! Reclaim: allocation under memory pressure, eviction of clean pages
//! (`PCC_IOC_EVICT`, the shrinker).

use super::{
    PageCache,
    Slots, //
};
use crate::ext::{
    folio::FolioGuard,
    mapping::NewFolio,
    shrinker::{
        Shrink,
        ShrinkControl,
        ShrinkCount,
        ShrinkScan, //
    },
};
use kernel::prelude::*;

/// How many clean pages a task that cannot allocate evicts at a time.
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
    /// A new folio. With a store, an allocation that reclaim could not
    /// satisfy (the shrinker only try-locks `slots`, and another task may
    /// hold it) fails instead of invoking the OOM killer; pcc then evicts
    /// clean pages itself, waiting for `slots` (it holds nothing here), and
    /// tries again, as a filesystem under memory pressure gives back its
    /// own clean cache before the system runs out.
    pub(super) fn alloc_folio(&self) -> Result<NewFolio> {
        if !self.backing.evicts() {
            return self.inode.alloc_folio();
        }
        // Keep memory for everyone else: reclaim of other kinds (page
        // tables, slab) cannot always get pcc's pages back in time through
        // the shrinker, which only try-locks `slots`.
        // The mapping's page count stands for `slots.cached` (without the
        // lock, which every miss would otherwise take once more).
        if self.inode.nr_pages() >= self.cache_limit {
            self.evict(Evict::UpTo(EVICT_BATCH));
        }
        loop {
            if let Ok(new) = self.inode.alloc_folio_no_oom() {
                return Ok(new);
            }
            if self.evict(Evict::UpTo(EVICT_BATCH)) > 0 {
                continue;
            }
            // Nothing clean to drop: write back, then evict, or give up.
            if self.writeback().pages == 0 {
                return self.inode.alloc_folio();
            }
        }
    }

    /// `PCC_IOC_EVICT`: drop every clean page (0 without a store).
    pub(crate) fn evict_all(&self) -> usize {
        self.evict(Evict::All)
    }

    /// Drop clean pages, waiting for `slots`; 0 without a store.
    fn evict(&self, which: Evict) -> usize {
        if !self.backing.evicts() {
            return 0;
        }
        let mut slots = self.slots.lock();
        let dropped = self.evict_from(&mut slots, which);
        drop(slots);
        self.counters.pages_evicted.add(dropped as u64);
        dropped
    }

    /// Drop up to `nr` clean pages if `slots` is free now (reclaim must
    /// not wait for pcc's locks); `None` if it is taken, or without a
    /// store.
    fn try_evict(&self, nr: usize) -> Option<usize> {
        if !self.backing.evicts() {
            return None;
        }
        let mut slots = self.slots.try_lock()?;
        let dropped = self.evict_from(&mut slots, Evict::UpTo(nr));
        drop(slots);
        self.counters.pages_evicted.add(dropped as u64);
        Some(dropped)
    }

    /// Drop clean pages of `slots`, as `which` says. Dirty pages, pages
    /// under writeback, locked pages (a read in flight, a fault) and
    /// poisoned pages (which report the loss until reset) stay.
    /// Returns how many were dropped.
    fn evict_from(&self, slots: &mut Slots, which: Evict) -> usize {
        let total = slots.folios.len();
        let (want, mut i, second_chance) = match which {
            Evict::All => (usize::MAX, 0, false),
            Evict::UpTo(nr) => (nr, slots.cursor, true),
        };
        let mut dropped = 0;
        for _ in 0..total {
            if dropped >= want {
                break;
            }
            let index = i;
            i = (i + 1) % total.max(1);
            let Some(folio) = slots.folio(index) else {
                continue;
            };
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
            // Trylock: under `slots` we never wait for a folio (lock order).
            let Ok(locked) = FolioGuard::try_new(folio) else {
                continue;
            };
            if self.inode.evict_locked(&locked) {
                if let Some(slot) = slots.folios.get_mut(index) {
                    *slot = None;
                }
                slots.cached -= 1;
                dropped += 1;
            }
        }
        slots.cursor = i;
        dropped
    }
}

/// Memory pressure evicts clean pages, as reclaim drops a file's clean
/// page cache; pcc's index holds a reference on every page, so the kernel's
/// own LRU reclaim cannot, and the shrinker does it instead.
impl Shrink for PageCache {
    fn count(&self, _sc: &ShrinkControl<'_>) -> ShrinkCount {
        if !self.backing.evicts() {
            return ShrinkCount::Freeable(0);
        }
        let Some(cached) = self.slots.try_lock().map(|s| s.cached) else {
            return ShrinkCount::Freeable(0);
        };
        if cached == 0 {
            return ShrinkCount::Empty;
        }
        let dirty = self.counters.dirty.get().max(0) as usize;
        ShrinkCount::Freeable(cached.saturating_sub(dirty))
    }

    /// Eviction does no I/O (clean pages only) and enters no file system:
    /// it serves any reclaim context, as reclaim drops clean page cache.
    fn scan(&self, sc: &ShrinkControl<'_>) -> ShrinkScan {
        match self.try_evict(sc.nr_to_scan()) {
            Some(n) => ShrinkScan::Freed(n),
            None => ShrinkScan::Stop,
        }
    }
}
