// SPDX-License-Identifier: GPL-2.0

//! pcc's backing store: where clean pages live when they are not cached.
//!
//! # Layout
//!
//! The format is user space's too, defined in `include/uapi/pcc.h`
//! (`struct pcc_store_header`, `PCC_STORE_PAGES()`): data page `i` at byte
//! `i * PAGE_SIZE`, the header page after the data, then the allocation
//! bitmap; a header of zeros is a fresh store. The bitmap is what
//! lets a page that was never written back fault in without I/O (a minor
//! fault), as a filesystem knows its holes from its block map. It is
//! written after the data it describes (`writeback`), and cleared by
//! `reset`.
//!
//! I/O goes through the VFS on the open file, so a regular file and a
//! block device work alike. Pages are written with direct I/O (`O_DIRECT`,
//! as loop's `use_dio`) where the file allows it: no second copy of them
//! sits in the device's page cache, and writeback does its own I/O rather
//! than leaving it to the flusher under memory pressure. They are read
//! directly from a block device, and from a regular file through its page
//! cache, uncached where the file system allows it (`RWF_DONTCACHE`):
//! a direct read of a file takes its inode lock, which a fault must not
//! ([`Store::for_reads`]).
//! A run of consecutive pages is one read or one write (a `bio_vec` per
//! page). The header and bitmap go through a second, buffered handle
//! (their buffers are not page-aligned memory), then `vfs_fsync`;
//! `io_delay_us` sleeps before each page read and write, as `null_blk`'s
//! `completion_nsec` does, and the kernel's fault injection fails page
//! reads and writes on demand (`/sys/kernel/debug/pcc/`, as `null_blk`'s
//! and mmc's own fault attributes).

use crate::{
    ext::{
        folio::{
            Folio,
            FolioGuard,
            FolioWriteback, //
        },
        inject::{
            StoreFaults,
            StoreIo, //
        },
        kernel_file::KernelFile,
        print::{
            pr_err_ratelimited,
            Dec, //
        },
    },
    uapi::{
        STORE_HEADER_PAGE_SIZE,
        STORE_HEADER_SIZE_PAGES,
        STORE_MAGIC, //
    },
};
use kernel::{
    page::{
        PAGE_SHIFT,
        PAGE_SIZE, //
    },
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{
            ordering::Relaxed,
            Atomic, //
        },
    },
    time::{
        delay::fsleep,
        Delta, //
    },
};

const BITS_PER_PAGE: usize = PAGE_SIZE * 8;

/// An open store for a cache of `pages` pages.
pub(crate) struct Store {
    /// Header, bitmap, size: buffered.
    file: KernelFile,
    /// Pages: direct I/O if the file supports it, else the same as `file`.
    data: Option<KernelFile>,
    pages: usize,
    io_delay_us: u32,
    pub(crate) reads: Atomic<u64>,
    pub(crate) writes: Atomic<u64>,
    /// Page reads and writes, and syncs, that fail on demand (`EIO`):
    /// `/sys/kernel/debug/pcc/fail_store_{read,write,sync}/`. The writes of
    /// the header and the bitmap are never failed.
    faults: Option<StoreFaults>,
}

/// Which pages the store holds; pcc keeps it under its `state` mutex.
///
/// A page's bit is set when a writeback takes the page, before its data is
/// written (from then on the page may be clean, and dropped, while its
/// write is in flight: a fault must read it from the store). Until a write
/// of the page succeeds, a bit set so (the page was a hole before) is also
/// in `unwritten`, and the bitmap saved to the store leaves it out: a page
/// whose write failed, or that the writeback did not reach, is still a
/// hole on the device, where a reload, or a reboot without unload, finds
/// it so.
pub(crate) struct Bitmap {
    words: KVVec<u64>,
    /// Set ahead of a write not yet done: not saved ([`Bitmap::written`]).
    unwritten: KVVec<u64>,
    /// How many times every bit was cleared ([`Bitmap::clear_all`]): a
    /// write taken before that says nothing of the pages after it.
    generation: u64,
    /// Changed since it was last written to the store.
    dirty: bool,
    /// A sync of the store failed: what was written to it before may not
    /// be on the device, and the store's own error state (`errseq`) has
    /// reported it once, so no later sync would say so. Kept until every
    /// page is a hole again ([`Bitmap::clear_all`]).
    sync_failed: bool,
}

impl Bitmap {
    pub(crate) fn empty() -> Self {
        Self {
            words: KVVec::new(),
            unwritten: KVVec::new(),
            generation: 0,
            dirty: false,
            sync_failed: false,
        }
    }

    pub(crate) fn get(&self, i: usize) -> bool {
        let (word, bit) = word_bit(i);
        self.words.get(word).is_some_and(|w| w & bit != 0)
    }

    /// A writeback took page `i`, and is about to write it: set its bit;
    /// if it was a hole, the saved bitmap leaves it out until
    /// [`Bitmap::written`] says its data is in the store.
    pub(crate) fn set_ahead_of_write(&mut self, i: usize) {
        let (word, bit) = word_bit(i);
        if let (Some(w), Some(u)) = (self.words.get_mut(word), self.unwritten.get_mut(word)) {
            if *w & bit == 0 {
                *w |= bit;
                *u |= bit;
            }
        }
    }

    /// The count of [`Bitmap::clear_all`]s, for [`Bitmap::written`].
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// Pages `first..first + n`, taken by a writeback when the bitmap's
    /// [`Bitmap::generation`] was `generation`, were written to the store:
    /// their bits are saved from now on. If every bit was cleared since,
    /// the write was of data that is gone, and nothing changes.
    pub(crate) fn written(&mut self, generation: u64, first: usize, n: usize) {
        if generation != self.generation {
            return;
        }
        for i in first..first + n {
            let (word, bit) = word_bit(i);
            if let Some(u) = self.unwritten.get_mut(word) {
                if *u & bit != 0 {
                    *u &= !bit;
                    self.dirty = true;
                }
            }
        }
    }

    /// The bytes to write to the store if the bitmap changed since it was
    /// last taken, else `None`; from now on it counts as saved, until
    /// [`Bitmap::save_failed`] says otherwise. Taken under the cache's lock
    /// and written by [`Store::save`] without it.
    pub(crate) fn take_changes(&mut self) -> Result<Option<KVVec<u8>>> {
        if !self.dirty {
            return Ok(None);
        }
        let mut bytes = KVVec::with_capacity(self.words.len() * 8, GFP_KERNEL)?;
        for (w, u) in self.words.iter().zip(self.unwritten.iter()) {
            bytes.extend_from_slice(&(w & !u).to_le_bytes(), GFP_KERNEL)?;
        }
        self.dirty = false;
        Ok(Some(bytes))
    }

    /// [`Store::save`] failed: the bitmap is written again next time, and
    /// what a failed sync may have lost is remembered
    /// ([`Bitmap::sync_failed`]).
    pub(crate) fn save_failed(&mut self, failed: &SaveFailed) {
        self.dirty = true;
        self.sync_failed |= failed.sync;
    }

    /// Whether a sync of the store failed since the last [`Bitmap::clear_all`].
    pub(crate) fn sync_failed(&self) -> bool {
        self.sync_failed
    }

    /// Every page a hole; what a failed sync may have lost no longer matters.
    pub(crate) fn clear_all(&mut self) {
        self.sync_failed = false;
        self.generation += 1;
        self.unwritten.iter_mut().for_each(|u| *u = 0);
        for w in self.words.iter_mut() {
            if *w != 0 {
                *w = 0;
                self.dirty = true;
            }
        }
    }
}

/// Page `i`'s word in a [`Bitmap`] and its bit there.
fn word_bit(i: usize) -> (usize, u64) {
    (i / 64, 1u64 << (i % 64))
}

fn bitmap_pages(pages: usize) -> usize {
    pages.div_ceil(BITS_PER_PAGE)
}

/// The byte offset of page `index` in the store, widened before it is
/// multiplied: on a 32-bit machine the store's largest size (1 << 20 pages
/// and the header after them) is past 4 GiB.
fn byte_pos(index: usize) -> u64 {
    (index as u64) << PAGE_SHIFT
}

/// Why [`Store::save`] failed.
pub(crate) struct SaveFailed {
    pub(crate) error: Error,
    /// The sync failed (not only the bitmap's write).
    pub(crate) sync: bool,
}

impl Store {
    /// Open `path` for a cache of `pages` pages: extend a short regular
    /// file, refuse a short device or a store made for another size, and
    /// format a fresh one. Returns the store and what it holds.
    pub(crate) fn open(path: &CStr, pages: usize, io_delay_us: u32) -> Result<(Self, Bitmap)> {
        let file = KernelFile::open(path).inspect_err(|e| {
            pr_err!(
                "backing={path:?}: cannot open it (errno {})\n",
                e.to_errno()
            );
        })?;
        let need = byte_pos(pages + 1 + bitmap_pages(pages));
        let have = file.size();
        if have < need {
            if file.is_regular() {
                file.set_size(need).inspect_err(|e| {
                    pr_err!(
                        "backing={path:?}: cannot extend it to {} bytes (errno {})\n",
                        Dec(need),
                        e.to_errno()
                    );
                })?;
            } else {
                pr_err!(
                    "backing={path:?} holds {} bytes; size_pages={pages} needs {} (data, header, bitmap) (EINVAL)\n",
                    Dec(have),
                    Dec(need)
                );
                return Err(EINVAL);
            }
        } else if !file.is_regular() && !file.is_block_device() {
            pr_err!("backing={path:?} is neither a regular file nor a block device (EINVAL)\n");
            return Err(EINVAL);
        }
        // A file system without direct I/O refuses O_DIRECT (EINVAL): its
        // pages then go through the buffered handle too.
        let data = KernelFile::open_direct(path).ok();
        let store = Self {
            file,
            data,
            pages,
            io_delay_us,
            reads: Atomic::new(0),
            writes: Atomic::new(0),
            faults: StoreFaults::register()
                .inspect_err(|e| {
                    pr_info!(
                        "no store error injection in debugfs (errno {})\n",
                        e.to_errno()
                    )
                })
                .ok(),
        };
        let held = store.load(path)?;
        Ok((store, held))
    }

    fn header_pos(&self) -> u64 {
        byte_pos(self.pages)
    }

    fn header(&self) -> Result<KVVec<u8>> {
        let mut h = KVVec::from_elem(0u8, PAGE_SIZE, GFP_KERNEL)?;
        h[..STORE_MAGIC.len()].copy_from_slice(STORE_MAGIC);
        h[STORE_HEADER_SIZE_PAGES].copy_from_slice(&(self.pages as u64).to_le_bytes());
        h[STORE_HEADER_PAGE_SIZE].copy_from_slice(&(PAGE_SIZE as u64).to_le_bytes());
        Ok(h)
    }

    /// Read the header and bitmap, or format a fresh store.
    fn load(&self, path: &CStr) -> Result<Bitmap> {
        let mut found = KVVec::from_elem(0u8, PAGE_SIZE, GFP_KERNEL)?;
        self.file.read_exact(self.header_pos(), &mut found)?;
        let words = KVVec::from_elem(0u64, bitmap_pages(self.pages) * PAGE_SIZE / 8, GFP_KERNEL)?;
        let unwritten = KVVec::from_elem(0u64, words.len(), GFP_KERNEL)?;
        let mut held = Bitmap {
            words,
            unwritten,
            generation: 0,
            dirty: false,
            sync_failed: false,
        };
        if found.iter().all(|&b| b == 0) {
            pr_info!(
                "backing={path:?}: a fresh store of {} pages, formatted\n",
                self.pages
            );
            self.file.write_all(self.header_pos(), &self.header()?)?;
            held.dirty = true;
            self.save(held.take_changes()?).map_err(|f| f.error)?;
            return Ok(held);
        }
        if found[..] != self.header()?[..] {
            let n = u64::from_le_bytes(found[STORE_HEADER_SIZE_PAGES].try_into().unwrap_or([0; 8]));
            if &found[..STORE_MAGIC.len()] == STORE_MAGIC {
                pr_err!(
                    "backing={path:?} is a store of {} pages, not size_pages={} (EINVAL)\n",
                    Dec(n),
                    self.pages
                );
            } else {
                pr_err!(
                    "backing={path:?} has no pcc header at byte {} (EINVAL); zero that page to start afresh\n",
                    Dec(self.header_pos())
                );
            }
            return Err(EINVAL);
        }
        let mut bytes = KVVec::from_elem(0u8, held.words.len() * 8, GFP_KERNEL)?;
        self.file
            .read_exact(self.header_pos() + PAGE_SIZE as u64, &mut bytes)?;
        // `as_chunks`: the chunk size is checked at compile time, so there is
        // no panic path (objtool on x86_64 does not know every Rust panic
        // function as noreturn, and warned of `chunks_exact`'s).
        for (w, b) in held.words.iter_mut().zip(bytes.as_chunks::<8>().0) {
            *w = u64::from_le_bytes(*b);
        }
        Ok(held)
    }

    /// Write the bitmap's `changes` ([`Bitmap::take_changes`]), then make
    /// everything durable. On failure, give the error to
    /// [`Bitmap::save_failed`].
    ///
    /// Called without the cache's lock: the store's I/O takes the store's
    /// own locks (a block device's or a file's inode lock), and a task
    /// holding those may fault on a pcc mapping and need the cache's lock
    /// (a `write()` to the store from a buffer mapped from pcc).
    pub(crate) fn save(&self, changes: Option<KVVec<u8>>) -> Result<(), SaveFailed> {
        if let Some(bytes) = changes {
            self.file
                .write_all(self.header_pos() + PAGE_SIZE as u64, &bytes)
                .map_err(|error| SaveFailed { error, sync: false })?;
        }
        let synced = match &self.data {
            _ if self
                .faults
                .as_ref()
                .is_some_and(|f| f.fails(StoreIo::Sync, 0)) =>
            {
                Err(EIO)
            }
            Some(data) => data.sync().and_then(|()| self.file.sync()),
            None => self.file.sync(),
        };
        synced.map_err(|error| SaveFailed { error, sync: true })
    }

    /// The handle for page I/O (its device's readahead sizes are pcc's).
    pub(crate) fn pages(&self) -> &KernelFile {
        self.data.as_ref().unwrap_or(&self.file)
    }

    /// The handle page reads go through. A block device's direct reads
    /// take no lock of the device's inode. A file system's may: ext4's and
    /// xfs's take the file's inode lock (`i_rwsem`, `ext4_dio_read_iter`)
    /// around a direct read. pcc reads in a fault, under the mmap or VMA
    /// lock where the fault may not give it up, and in a task that may
    /// hold an inode lock of the same class (a `write(2)` to an ext4 file
    /// faults its source in under that file's lock,
    /// `generic_perform_write`), where that lock must not be taken: the
    /// kernel's own order is the inode lock, then the mmap lock. So a
    /// store that is a regular file is read through the buffered handle,
    /// as the file's own `filemap_fault` reads it (ext4's buffered read
    /// takes no inode lock), and uncached where the file system offers it
    /// (`RWF_DONTCACHE`: the store file's page cache keeps no second copy
    /// of what was read). Writes stay direct: they run in writeback, which
    /// holds neither.
    fn for_reads(&self) -> &KernelFile {
        if self.file.is_regular() {
            &self.file
        } else {
            self.pages()
        }
    }

    fn delay(&self) {
        if self.io_delay_us > 0 {
            fsleep(Delta::from_micros(self.io_delay_us.into()));
        }
    }

    /// Fill a locked, not uptodate folio with its pages: from the store,
    /// but the pages of the folio (numbered from 0) that are `hole`,
    /// zero-filled; `pages` of them are read. It becomes uptodate if every
    /// byte was filled. Each run of consecutive pages to read is one read
    /// ([`KernelFile::read_folio`]); the delay and an injected
    /// failure come once, before them.
    pub(crate) fn read(
        &self,
        folio: &FolioGuard<ARef<Folio>>,
        pages: usize,
        hole: impl Fn(usize) -> bool,
    ) -> Result {
        self.page_io(false, folio.index(), pages, |file, pos| {
            file.read_folio(folio, pos, hole)
        })
    }

    /// Fill locked, not uptodate folios, pages `index..` of the store, in
    /// one read that completes after this returns: its completion marks
    /// them uptodate (if every byte came) and unlocks them, as a
    /// filesystem's `->readahead` ends its bios. The delay (`io_delay_us`)
    /// and an injected failure come before it is queued ([`Self::page_io`]).
    pub(crate) fn read_run_async(&self, folios: KVec<FolioGuard<ARef<Folio>>>, index: usize) {
        // Counted when queued, as the kernel counts `pgpgin` at
        // `submit_bio`. On an injected failure, or one to queue it, the
        // folios are dropped unlocked and not uptodate, as a failed read
        // leaves them: whoever needs one reads it again.
        let pages = folios.iter().map(|f| f.nr_pages()).sum();
        let _ = self.page_io(false, index, pages, |file, pos| {
            file.read_folios_async(folios, pos, index)
        });
    }

    /// The most pages one [`Self::read_run_async`] should take (at least
    /// one): as many as one request of the store's device holds.
    pub(crate) fn max_read_pages(&self) -> usize {
        self.pages().max_read_pages().max(1)
    }

    /// Write folios under writeback, pages `index..` of the store, in one
    /// write. The delay is per write, the counter per page.
    pub(crate) fn write_run(&self, folios: &[FolioWriteback<ARef<Folio>>], index: usize) -> Result {
        let pages = folios.iter().map(|f| f.nr_pages()).sum();
        self.page_io(true, index, pages, |file, pos| {
            file.write_folios(folios, pos)
        })
    }

    /// The pause a test may ask for (`written_delay_us` in debugfs; none
    /// otherwise), which the caller makes between a write that succeeded
    /// and its note that the store holds the written pages.
    pub(crate) fn written_pause(&self) {
        let us = self.faults.as_ref().map_or(0, |f| f.written_delay_us());
        if us > 0 {
            fsleep(Delta::from_micros(us.into()));
        }
    }

    /// One read (or `write`) of `pages` pages from page `index`: the delay,
    /// an injected failure if one is due (`transfer` is then dropped
    /// uncalled), the page counter on success (for a read queued by
    /// `transfer`, once queued), a rate-limited line on failure.
    fn page_io(
        &self,
        write: bool,
        index: usize,
        pages: usize,
        transfer: impl FnOnce(&KernelFile, u64) -> Result,
    ) -> Result {
        let (io, what, done) = match write {
            false => (StoreIo::Read, "read", &self.reads),
            true => (StoreIo::Write, "write", &self.writes),
        };
        self.delay();
        let r = match &self.faults {
            Some(f) if f.fails(io, pages << PAGE_SHIFT) => Err(EIO),
            _ if write => transfer(self.pages(), byte_pos(index)),
            _ => transfer(self.for_reads(), byte_pos(index)),
        };
        match &r {
            Ok(()) => {
                done.add(pages as u64, Relaxed);
            }
            Err(e) if pages == 1 => pr_err_ratelimited!(
                "store {what} of page {index} failed (errno {})\n",
                e.to_errno()
            ),
            Err(e) => pr_err_ratelimited!(
                "store {what} of pages {index}..{} failed (errno {})\n",
                index + pages,
                e.to_errno()
            ),
        }
        r
    }
}
