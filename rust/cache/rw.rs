// SPDX-License-Identifier: GPL-2.0

//! `read` and `write`: copies between the cache and user memory.

use super::{
    ForWrite,
    PageCache, //
};
use crate::ext::{
    folio::{
        fatal_signal_pending,
        fault_in_readable,
        zeros_to_iter,
        Folio,
        FolioNow,
        FolioState, //
    },
    print::{
        pr_info_ratelimited,
        Dec, //
    },
    readahead::ReadaheadFile,
};
use kernel::{
    iov::{
        IovIterDest,
        IovIterSource, //
    },
    page::{
        PAGE_SHIFT,
        PAGE_SIZE, //
    },
    prelude::*,
    sync::aref::ARef,
};

/// The pages `read` copies between two tests for a fatal signal:
/// `filemap_read`'s batch of folios (`FOLIO_BATCH_SIZE`), in pages.
const READ_BATCH: usize = 31;

/// `read`/`write` of a page lost to a memory error fail with `EIO`
/// (`shmem_file_read_iter`, `shmem_write_begin`).
fn hwpoison_is_eio(e: Error) -> Error {
    if e == EHWPOISON {
        EIO
    } else {
        e
    }
}

/// The part of a `read`/`write` at byte `off` that falls in one page:
/// (page index, offset in the page, length), the length bounded by the
/// page, by what is left of the user buffer (`want`) and by `end`.
fn chunk(off: u64, end: u64, want: usize) -> (usize, usize, usize) {
    // Shifts and masks, and the bound by `end` taken in `u64` before it
    // narrows: on a 32-bit machine `end - off` may be 4 GiB.
    let index = (off >> PAGE_SHIFT) as usize;
    let in_page = (off & (PAGE_SIZE as u64 - 1)) as usize;
    let len = ((PAGE_SIZE - in_page).min(want) as u64).min(end - off) as usize;
    (index, in_page, len)
}

/// The byte offset in `folio` of byte `in_page` of page `index` (a large
/// folio holds several pages from its own index). The folio was found at
/// `index`; were it not to hold it, the offset is past its end, which the
/// copies refuse (`EINVAL`), rather than another page's.
fn in_folio(folio: &FolioState, index: usize, in_page: usize) -> usize {
    folio.offset_of(index, in_page).unwrap_or(usize::MAX)
}

/// The pages a read at page `index` still wants, up to page `last` (one
/// past it): the readahead request's size, one page at least.
fn wanted(index: usize, last: usize) -> usize {
    last.saturating_sub(index).max(1)
}

impl PageCache {
    /// What `read` copies page `index` from: the cached folio once it is
    /// uptodate, or the store's page brought into the cache; `None` for a
    /// hole (zeros, nothing allocated). As `filemap_read` does, a miss of a
    /// page the store holds reads ahead what this read still wants, up to
    /// page `last` (`page_cache_sync_ra`), and a page marked for readahead
    /// starts the next window (`page_cache_async_ra`).
    fn readable(
        &self,
        file: &ReadaheadFile<'_>,
        index: usize,
        last: usize,
    ) -> Result<Option<ARef<Folio>>> {
        // A hit needs no lock of pcc's, as in `lookup`. A miss with a
        // store takes `state`, under which pcc's eviction, reset and memory
        // failure take a page out of the mapping and record what it is now
        // (in the store, a hole, poisoned); the kernel's reclaim drops only
        // clean pages, whose record does not change. Without a store, only
        // a memory error records a page (a hole otherwise), before it takes
        // it out: the record's own lock is enough.
        match self.inode.get(index) {
            Some(folio) => {
                // The flags read once for the tests below (FolioNow).
                let now = folio.now();
                if now.is_hwpoison() {
                    return Err(EHWPOISON);
                }
                self.at_mark(file, &folio, &now, index, last);
                // The copy tests it again, in the view its read of the
                // contents follows.
                if now.is_uptodate() {
                    now.set_referenced();
                    Ok(Some(folio))
                } else {
                    Ok(Some(self.get_locked(index, false)?.unlock()))
                }
            }
            None => {
                let (poisoned, held) = match self.backing.evicts() {
                    true => {
                        let state = self.state.lock();
                        (self.poisoned.any_in(index, 1), state.held.get(index))
                    }
                    false => (self.poisoned.any_in_locked(index, 1), false),
                };
                if poisoned {
                    Err(EHWPOISON)
                } else if held {
                    if self.reads_ahead_from(file) {
                        file.sync_ra(index, wanted(index, last));
                    }
                    Ok(Some(self.get_locked(index, false)?.unlock()))
                } else {
                    Ok(None)
                }
            }
        }
    }

    /// `read`: copy from the cache at `*pos`; pages not cached read as zeros.
    /// With a store, pages only it holds are read ahead, in `file`'s
    /// readahead state. As `filemap_read()`, the cached, uptodate folios
    /// are copied a batch at a time, found in one walk of the mapping
    /// ([`Self::copy_cached`]); the first page that is not is
    /// [`Self::readable`]'s, one at a time.
    pub(crate) fn read(
        &self,
        file: &ReadaheadFile<'_>,
        pos: &mut i64,
        iov: &mut IovIterDest<'_>,
    ) -> Result<usize> {
        let start = u64::try_from(*pos).map_err(|_| EINVAL)?;
        let end = self.capacity_bytes();
        let mut off = start;
        // Where the next test for a fatal signal is due.
        let mut check = start;
        while off < end && !iov.is_empty() {
            // A killed reader stops, as in filemap_read(), which looks once
            // per batch of folios it copies.
            if off >= check {
                if fatal_signal_pending() {
                    if off == start {
                        return Err(EINTR);
                    }
                    break;
                }
                check = off + (READ_BATCH * PAGE_SIZE) as u64;
            }
            // One past the last page this read wants.
            let last = ((off + iov.len() as u64).min(end).div_ceil(PAGE_SIZE as u64)) as usize;
            match self.copy_cached(file, &mut off, end, last, iov) {
                (Err(e), _) if off == start => return Err(e),
                (Err(_), _) | (Ok(_), false) => break,
                (Ok(true), true) => continue,
                (Ok(false), true) => {}
            }
            let (index, in_page, len) = chunk(off, end, iov.len());
            // A page lost to a memory error reads as EIO, as in shmem.
            let (n, len) = match self.readable(file, index, last).map_err(hwpoison_is_eio) {
                Ok(Some(folio)) => {
                    // The rest of the folio at once, as filemap_read()
                    // copies a folio at a time.
                    let max = (iov.len() as u64).min(end - off) as usize;
                    match folio.now().copy_to_iter(index, in_page, max, iov) {
                        Ok(copied) => copied,
                        Err(e) if off == start => return Err(e),
                        Err(_) => break,
                    }
                }
                Ok(None) => (zeros_to_iter(len, iov), len),
                Err(e) if off == start => return Err(e),
                Err(_) => break,
            };
            off += n as u64;
            if n < len {
                break;
            }
        }
        if off == start && start < end && !iov.is_empty() {
            return Err(EFAULT);
        }
        *pos = off as i64;
        Ok((off - start) as usize)
    }

    /// A cached folio marked for readahead starts the next window whether
    /// or not its own read has completed, as in `filemap_get_pages()`, so
    /// that the next window is read while this one is copied: for a hit of
    /// page `index` in `now`, by a read that wants pages up to `last`.
    fn at_mark(
        &self,
        file: &ReadaheadFile<'_>,
        folio: &Folio,
        now: &FolioNow<'_>,
        index: usize,
        last: usize,
    ) {
        if now.is_readahead() && self.reads_ahead_from(file) {
            file.async_ra(folio, wanted(index, last));
        }
    }

    /// Copy the folios cached from `*off` on, up to page `last` (one past
    /// it), while each is uptodate: a batch of them, each tested as
    /// [`Self::readable`] tests a hit, `*off` moved past what was copied.
    /// Returns whether anything was copied (`EINVAL` if a folio was
    /// truncated and used again meanwhile), and whether the read goes on
    /// (false when the user buffer faulted); a page not cached, not
    /// uptodate or poisoned is left to [`Self::readable`].
    fn copy_cached(
        &self,
        file: &ReadaheadFile<'_>,
        off: &mut u64,
        end: u64,
        last: usize,
        iov: &mut IovIterDest<'_>,
    ) -> (Result<bool>, bool) {
        let first = (*off >> PAGE_SHIFT) as usize;
        let batch = self.inode.contig_folios(first, last - 1);
        let mut copied = false;
        for folio in batch.iter() {
            let (index, in_page, _) = chunk(*off, end, iov.len());
            let now = folio.now();
            if now.is_hwpoison() || !now.is_uptodate() {
                break;
            }
            self.at_mark(file, folio, &now, index, last);
            now.set_referenced();
            let max = (iov.len() as u64).min(end - *off) as usize;
            match now.copy_to_iter(index, in_page, max, iov) {
                Ok((n, len)) => {
                    *off += n as u64;
                    copied = true;
                    if n < len {
                        return (Ok(true), false);
                    }
                }
                Err(e) if !copied => return (Err(e), true),
                Err(_) => break,
            }
            if iov.is_empty() || *off >= end {
                break;
            }
        }
        (Ok(copied), true)
    }

    /// `write`: copy into the cache at `*pos`, allocating pages and marking
    /// them dirty. `ENOSPC` at or past capacity.
    pub(crate) fn write(&self, pos: &mut i64, iov: &mut IovIterSource<'_>) -> Result<usize> {
        let start = u64::try_from(*pos).map_err(|_| EINVAL)?;
        let end = self.capacity_bytes();
        if iov.is_empty() {
            return Ok(0);
        }
        if start >= end {
            pr_info_ratelimited!(
                "write at offset {} refused: the device holds {} bytes (ENOSPC)\n",
                Dec(start),
                Dec(end)
            );
            return Err(ENOSPC);
        }
        let mut off = start;
        while off < end && !iov.is_empty() {
            // A killed writer stops, as in generic_perform_write().
            if fatal_signal_pending() {
                if off == start {
                    return Err(EINTR);
                }
                break;
            }
            let (index, in_page, len) = chunk(off, end, iov.len());
            // As generic_perform_write(): copy under the folio lock with
            // page faults disabled, so that writeback and eviction see the
            // page dirty with its new data; only when nothing could be
            // copied, fault the source in with no lock held (it may be a
            // mapping of this very device) and try again.
            let whole = in_page == 0 && len == PAGE_SIZE;
            let n = match self.get_for_write(index, whole).map_err(hwpoison_is_eio) {
                Ok(ForWrite::Uptodate(locked)) => {
                    // Waits for a writeback in flight first (stable pages).
                    // A large folio becomes dirty as a whole, and is
                    // written back whole, as a store through a mapping
                    // dirties it (`filemap_page_mkwrite`).
                    let at = in_folio(&locked, index, in_page);
                    let n = locked.copy_from_iter_atomic(at, len, iov)?;
                    if n > 0 {
                        locked.mark_dirty();
                    }
                    n
                }
                // A page the write covers, not cached: no store read, no
                // zeroing, as a filesystem's write_begin for a whole page.
                Ok(ForWrite::Unfilled(locked, held)) => {
                    if locked.overwrite_from_iter_atomic(iov)? {
                        locked.mark_dirty();
                        len
                    } else {
                        // The source was not all resident: fill the page
                        // as any miss is (zeros, or the store's page), so
                        // that it holds the file's data; copy again.
                        self.backing.fill(locked, held);
                        0
                    }
                }
                Err(e) if off == start => return Err(e),
                Err(_) => break,
            };
            // Nothing copied: the source is not resident (or not there).
            // Fault it in with the folio unlocked and try again; if none
            // of it can be, the write ends here (EFAULT if it wrote
            // nothing).
            if n == 0 && fault_in_readable(iov, len) == len {
                break;
            }
            off += n as u64;
            // The page unlocked: past the kernel's dirty limits, wait for
            // the flusher, as generic_perform_write() does.
            self.inode.balance_dirty_pages();
        }
        if off == start {
            return Err(EFAULT);
        }
        *pos = off as i64;
        Ok((off - start) as usize)
    }
}
