// SPDX-License-Identifier: GPL-2.0

//! Readahead: with a store, the kernel's readahead reads pcc's pages ahead
//! of (and around) the fault that needs one, and `MADV_WILLNEED` /
//! `POSIX_FADV_WILLNEED` start reads; pcc decides the fault's window and
//! fills the folios the readahead code adds.

use super::{
    held_in,
    held_map,
    Held,
    PageCache, //
};
use crate::ext::{
    folio::{
        Folio,
        FolioGuard, //
    },
    mapping::PageCacheInode,
    readahead::{
        AccessHint,
        ReadPages,
        Readahead, //
        ReadaheadFile,
    },
    trace,
};
use kernel::{
    prelude::*,
    sync::aref::ARef, //
};

impl PageCache {
    /// Whether a fault that missed page `index` reads ahead: with a store,
    /// for a page the store holds (a hole is zero-filled without I/O, a
    /// poisoned page reports its loss), unless the mapping asked for
    /// `MADV_RANDOM` or the file's readahead is off (`read_ahead_kb` 0).
    pub(super) fn reads_ahead(&self, file: &ReadaheadFile<'_>, index: usize) -> bool {
        if !self.reads_ahead_from(file) {
            return false;
        }
        let state = self.state.lock();
        state.held.get(index) && !self.poisoned.any_in(index, 1)
    }

    /// Whether a fault on `file` may read ahead at all: with a store, the
    /// mapping not `MADV_RANDOM`, the file's readahead on.
    pub(super) fn reads_ahead_from(&self, file: &ReadaheadFile<'_>) -> bool {
        self.backing.evicts() && file.hint() != AccessHint::Random && file.ra_pages() > 0
    }

    /// Read ahead for a fault on page `index`, in this task, with no lock
    /// held (the fault lock released), as `do_sync_mmap_readahead`: for a
    /// `MADV_SEQUENTIAL` mapping the kernel's synchronous readahead from
    /// the fault (`page_cache_sync_ra`); otherwise a window of the file's
    /// readahead size around it (half before), its last quarter marked for
    /// asynchronous readahead (`page_cache_ra_unbounded`). Pages already
    /// cached are skipped; the kernel calls [`ReadPages::readahead`] for
    /// each contiguous run of new ones.
    pub(super) fn read_ahead(&self, file: &ReadaheadFile<'_>, index: usize) {
        // Room first at pcc's limit, as a miss makes it.
        self.evict_at_limit(1);
        let window = file.ra_pages();
        match file.hint() {
            AccessHint::Sequential => file.sync_ra(index, window),
            _ => {
                let start = index.saturating_sub(window / 2);
                let nr = window.min(self.capacity - start);
                file.read_around(start, nr, (window / 4).min(nr));
            }
        }
    }

    /// Start the read of `run`, pages `first..` the store holds, in one
    /// read whose completion unlocks them (uptodate unless it failed);
    /// `run` is empty again.
    fn read_run(&self, run: &mut Run, first: usize) {
        if !run.0.is_empty() {
            self.backing.read_run(core::mem::take(&mut run.0), first);
            run.1 = 0;
        }
    }
}

/// A run of folios to read in one store read, and how many pages they span.
type Run = (KVec<FolioGuard<ARef<Folio>>>, usize);

/// The folios the kernel's readahead added (large ones where the window
/// allows, `page_cache_ra_order`): pcc fills them as a miss fills a new
/// page (zeros for a hole, else the store's copy): each run of
/// consecutive folios whose every page the store holds (as many pages as
/// one request of the store's device holds, at most, or one larger folio)
/// is one store read, started here and completed after `->readahead`
/// returns, as a filesystem's bios are; its completion unlocks the
/// folios. A large folio over pages the store holds and holes is read
/// here and now, its holes zero-filled, as `iomap_readahead` zeroes the
/// holes of a folio it reads.
impl ReadPages for PageCache {
    fn inode(&self) -> &PageCacheInode {
        &self.inode
    }

    /// The batch's folios are locked and the invalidate lock is held
    /// shared: `state` may be taken under them (pcc's lock order), and no
    /// one waits for a folio lock holding `state` in a cache with a store
    /// but `reset`, which holds the invalidate lock exclusive first. It is
    /// taken once for the folios between two store reads, not once a
    /// folio, and let go before each read. A page a memory error took
    /// leaves the cache again, so that it goes on reporting the loss; a
    /// failed read leaves its folio not uptodate, for the fault that needs
    /// it to read again.
    fn readahead(&self, mut rac: Readahead<'_>) {
        // The run of pages the store holds being gathered, and its first
        // page; it is read when a page does not continue it, and at the end.
        let mut run: Run = (KVec::new(), 0);
        let mut first = 0;
        // At most what one request of the store's device holds (a bio's
        // worth at most), so that each read is one request.
        let max = self.backing.max_read_pages();
        // For the trace event: the batch's first page, its size, the
        // pages read and zero-filled, in pages.
        let (mut start, mut nr, mut read, mut zeroed) = (None, 0, 0, 0);
        // `state`, while held: no I/O is started under it.
        let mut state = None;
        while let Some((locked, range)) = rac.next_folio() {
            let (index, pages) = (range.start, range.len());
            start.get_or_insert(index);
            nr += pages;
            // The record of a large folio's pages is allocated before
            // `state`, as everywhere. Without memory for it the folio is
            // dropped unread (unlocked, not uptodate): its fault reads it.
            if pages > 1 {
                state = None;
            }
            let Ok(map) = held_map(pages) else {
                continue;
            };
            let locked_state = state.get_or_insert_with(|| self.state.lock());
            let (poisoned, held) = held_in(locked_state, &self.poisoned, index, pages, map);
            match held {
                // A page a memory error took goes on reporting the loss.
                _ if poisoned => {
                    self.inode.evict_locked(&locked);
                }
                Held::All if self.backing.evicts() => {
                    if first + run.1 != index || (run.1 > 0 && run.1 + pages > max) {
                        state = None;
                        self.read_run(&mut run, first);
                        first = index;
                    }
                    // As above, without memory for the list, which grows
                    // with `state` let go.
                    if run.0.len() == run.0.capacity() {
                        state = None;
                    }
                    if run.0.push(locked, GFP_KERNEL).is_ok() {
                        run.1 += pages;
                        read += pages;
                    }
                }
                Held::Some(map) => {
                    state = None;
                    let n = map.iter().filter(|&&h| h).count();
                    if self.backing.read(&locked, &Held::Some(map)) {
                        read += n;
                        zeroed += pages - n;
                    }
                }
                _ => {
                    locked.zero_fill();
                    zeroed += pages;
                }
            }
        }
        drop(state);
        self.read_run(&mut run, first);
        if let Some(start) = start {
            trace::readahead(start, nr, read, zeroed);
        }
    }
}
