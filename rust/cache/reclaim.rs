// SPDX-License-Identifier: GPL-2.0

//! Reclaim: allocation under memory pressure, eviction of clean pages
//! (`PCC_IOC_EVICT`, the shrinker).

use super::{
    PageCache,
    State, //
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

/// Where a task that finds no room for a new page, with every cached page
/// dirty, may write dirty pages back to make some.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum MakeRoom {
    /// Here and now: `read`, `write` (no lock held).
    Here,
    /// Only once the fault lock is released: a fault. The allocation
    /// fails with `EAGAIN`, and the fault releases the lock, calls
    /// [`PageCache::make_room`] and retries, as `filemap_fault` drops the
    /// lock before I/O: the store's writes take its own locks
    /// (`sb_start_write`, `inode_lock` for a regular file), which
    /// `vfs_write` takes before `mmap_lock` when it faults on its buffer.
    AfterUnlock,
}

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
    /// satisfy (the shrinker only try-locks `state`, and another task may
    /// hold it) fails instead of invoking the OOM killer; pcc then evicts
    /// clean pages itself, waiting for `state` (it holds nothing here), and
    /// tries again, as a filesystem under memory pressure gives back its
    /// own clean cache before the system runs out. With no clean page left
    /// it writes dirty ones back first, where `room` allows; `EAGAIN` if
    /// that must wait for the fault lock's release.
    pub(super) fn alloc_folio(&self, room: MakeRoom) -> Result<NewFolio> {
        if !self.backing.evicts() {
            return self.inode.alloc_folio();
        }
        self.evict_at_limit();
        loop {
            if let Ok(new) = self.inode.alloc_folio_no_oom() {
                return Ok(new);
            }
            if self.evict(Evict::UpTo(EVICT_BATCH)) > 0 {
                continue;
            }
            // Nothing clean to drop: write back, then evict, or give up
            // (the allocation may invoke the OOM killer).
            if self.counters.dirty.get() <= 0 {
                return self.inode.alloc_folio();
            }
            if room == MakeRoom::AfterUnlock {
                return Err(EAGAIN);
            }
            if self.make_room() == 0 {
                return self.inode.alloc_folio();
            }
        }
    }

    /// With a store, before new pages come in (a miss, readahead): at pcc's
    /// `cache_pages=` limit, evict a batch of clean pages first. This keeps
    /// memory for everyone else: reclaim of other kinds (page tables, slab)
    /// cannot always get pcc's pages back in time through the shrinker,
    /// which only try-locks `state`. The mapping's page count, read without
    /// `state` (which every miss would otherwise take once more), is a
    /// hint: eviction is exact under it.
    pub(super) fn evict_at_limit(&self) {
        if self.backing.evicts() && self.inode.nr_pages() >= self.cache_limit {
            self.evict(Evict::UpTo(EVICT_BATCH));
        }
    }

    /// Write dirty pages back so that they can be evicted: how many were
    /// written. Call it with no lock held (a fault: after releasing the
    /// fault lock).
    pub(super) fn make_room(&self) -> usize {
        self.writeback().pages
    }

    /// `PCC_IOC_EVICT`: drop every clean page (0 without a store).
    pub(crate) fn evict_all(&self) -> usize {
        self.evict(Evict::All)
    }

    /// Drop clean pages, waiting for `state`; 0 without a store.
    fn evict(&self, which: Evict) -> usize {
        if !self.backing.evicts() {
            return 0;
        }
        let mut state = self.state.lock();
        let dropped = self.evict_from(&mut state, which);
        drop(state);
        self.counters.pages_evicted.add(dropped as u64);
        dropped
    }

    /// Drop up to `nr` clean pages if `state` is free now (reclaim must
    /// not wait for pcc's locks); `None` if it is taken, or without a
    /// store.
    fn try_evict(&self, nr: usize) -> Option<usize> {
        if !self.backing.evicts() {
            return None;
        }
        let mut state = self.state.try_lock()?;
        let dropped = self.evict_from(&mut state, Evict::UpTo(nr));
        drop(state);
        self.counters.pages_evicted.add(dropped as u64);
        Some(dropped)
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
            next = folio.index() + 1;
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
                dropped += 1;
            }
        }
        state.cursor = if next >= self.capacity { 0 } else { next };
        dropped
    }
}

/// Memory pressure evicts clean pages, as reclaim drops a file's clean
/// page cache. The mapping is unevictable to the kernel's LRU: a
/// memory-only cache's pages are the only copy of their data (as ramfs's),
/// and with a store pcc evicts them itself, here and at its `cache_pages=`
/// limit, so that both count in `pages_evicted` and spare the same pages
/// (mlocked, pinned, used since the hand last passed).
impl Shrink for PageCache {
    fn count(&self, _sc: &ShrinkControl<'_>) -> ShrinkCount {
        if !self.backing.evicts() {
            return ShrinkCount::Freeable(0);
        }
        let cached = self.inode.nr_pages();
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
