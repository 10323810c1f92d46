// SPDX-License-Identifier: GPL-2.0

//! Writeback: dirty pages cleaned, and with a store written to it, when
//! asked (`PCC_IOC_WRITEBACK`, `fsync`, unload) and when the kernel's
//! writeback asks (the flusher, `sync(2)`: [`Writeback`]).

use super::{
    backing::StoreBacking,
    PageCache,
    State, //
};
use crate::ext::{
    folio::FolioGuard,
    mapping::PageCacheInode,
    print::pr_info_ratelimited,
    trace,
    writeback::{
        Writeback,
        WritebackControl, //
    },
};
use kernel::{
    prelude::*,
    sync::MutexGuard, //
};

/// What one [`PageCache::writeback`] did.
#[derive(Default)]
pub(crate) struct Written {
    /// Pages cleaned: with a store, written to it.
    pub(crate) pages: usize,
    /// Pages whose store write failed: still dirty, their data in memory.
    pub(crate) failed: usize,
    /// The first error (a failed write, or the bitmap not saved).
    pub(crate) error: Option<Error>,
}

impl Written {
    fn fail(&mut self, e: Error) {
        self.failed += 1;
        self.error.get_or_insert(e);
    }
}

impl PageCache {
    /// `PCC_IOC_WRITEBACK`: clean every dirty page and write-protect it in
    /// every mapping; with a store, write it there under the folio
    /// writeback state first. A page whose write fails stays dirty, with
    /// its data, for the next writeback; the result counts it and keeps
    /// the first error, for the caller to report.
    pub(crate) fn writeback(&self) -> Written {
        let Some(io) = self.backing.store() else {
            return self.clean_all();
        };
        let mut done = Written::default();
        // The dirty pages, and the store holds them from now on (their
        // bits are saved after their data, below). A bit stays set when
        // the page's write fails: another writeback may be writing it
        // meanwhile, and the page, still dirty, is not read from the store
        // while it is cached. A page a memory error poisoned but could not
        // take out of the cache (pcc's `state` was busy) is not written: its
        // memory is bad, and reading it could take the machine down; it
        // stays dirty and reports the loss (`EIO`) until reset. A page
        // another task is writing (clean, under writeback) is taken too:
        // its write is waited for below, and if it failed the page is
        // dirty again and written here, so that this writeback (an
        // `fsync`) ends only once the page is in the store or its error is
        // reported, as `file_write_and_wait_range` waits for writeback in
        // flight.
        let mut dirty = KVVec::new();
        {
            let mut state = self.state.lock();
            let pending = self
                .inode
                .folios_from(0)
                .filter(|f| (f.is_dirty() || f.is_writeback()) && !f.is_hwpoison());
            for folio in pending {
                let index = folio.index();
                if let Err(e) = dirty.push((index, folio), GFP_KERNEL) {
                    done.fail(e.into());
                    break;
                }
                state.held.set(index);
            }
        }
        for (index, folio) in dirty {
            let locked = FolioGuard::new(folio);
            if !self.inode.owns(&locked) {
                continue;
            }
            // Cleaned and under writeback; one writeback at a time per
            // folio (a store may have dirtied it again while an earlier
            // one was in flight): `start_writeback` waits for it, and
            // gives a page that write left clean back.
            let Ok(wb) = locked.start_writeback() else {
                continue;
            };
            self.counters.dirty.add(-1);
            match io.store.write(&wb, index) {
                Ok(()) => done.pages += 1,
                Err(e) => {
                    // Keep the data: dirty again, for the next writeback,
                    // before the writeback state ends.
                    if wb.redirty() {
                        self.counters.dirty.add(1);
                    }
                    done.fail(e);
                }
            }
        }
        let saving = self.saving.lock();
        if let Err(e) = self.save_bitmap(&saving, io, self.state.lock()) {
            // The pages are in the store, but a reload would not know it.
            pr_err!(
                "writeback: saving the store's bitmap failed (errno {})\n",
                e.to_errno()
            );
            done.error.get_or_insert(e);
        }
        drop(saving);
        self.counters.pages_written_back.add(done.pages as u64);
        trace::writeback(done.pages);
        done
    }

    /// `fsync` and `fdatasync`: with a store, every dirty page written to
    /// it and the store synced ([`Self::writeback`]; the bitmap that says
    /// which pages the store holds is what reading the data back needs, so
    /// `fdatasync` saves it too). The call fails
    /// - with `EIO` once a sync of the store itself failed (its own error
    ///   state reports that once; what was written before may not be on
    ///   the device), until `PCC_IOC_RESET`;
    /// - with `EIO` while a page's data is lost to a memory error (until
    ///   `PCC_IOC_RESET`, as `read` and `write` of that page fail);
    /// - else with the store's errno if a page could not be written: the
    ///   page stays dirty with its data, and every later call fails until
    ///   it is written. The error is not reported once and then forgotten
    ///   (`errseq`, the kernel's way when the page is cleaned regardless),
    ///   because the data it concerns is not dropped.
    ///
    /// Without a store nothing can be made durable and nothing is done, as
    /// tmpfs's `noop_fsync`.
    pub(crate) fn sync(&self) -> Result {
        if self.backing.store().is_none() {
            return Ok(());
        }
        let done = self.writeback();
        let (lost, sync_failed) = {
            let state = self.state.lock();
            let stuck = self
                .inode
                .folios_from(0)
                .filter(|f| f.is_hwpoison() && (f.is_dirty() || !state.held.get(f.index())));
            (
                state.poisoned.len() + stuck.count(),
                state.held.sync_failed(),
            )
        };
        if sync_failed {
            pr_info_ratelimited!(
                "fsync: a sync of the store failed: what was written to it before may not be there, until reset (EIO)\n"
            );
            return Err(EIO);
        }
        if lost > 0 {
            pr_info_ratelimited!(
                "fsync: {lost} page(s) lost to memory errors, until reset (EIO)\n"
            );
            return Err(EIO);
        }
        match done.error {
            Some(e) => {
                if done.failed > 0 {
                    pr_info_ratelimited!(
                        "fsync: {} dirty page(s) not written to the store, kept dirty (errno {})\n",
                        done.failed,
                        e.to_errno()
                    );
                } else {
                    pr_info_ratelimited!(
                        "fsync: the store's bitmap not saved (errno {})\n",
                        e.to_errno()
                    );
                }
                Err(e)
            }
            None => Ok(()),
        }
    }

    /// Save the store's bitmap: its changes taken under `state`, which is
    /// then released, and written to the store without it (the store's
    /// I/O takes the store's own locks, which a task holding them may need
    /// `state` under: a `write()` to the store from a buffer mapped from
    /// pcc faults on pcc). `saving` (held: the guard proves it) keeps the
    /// saves in the order their changes were taken.
    pub(super) fn save_bitmap(
        &self,
        _saving: &MutexGuard<'_, ()>,
        io: &StoreBacking,
        mut state: MutexGuard<'_, State>,
    ) -> Result {
        let changes = state.held.take_changes();
        drop(state);
        if let Err(failed) = io.store.save(changes?) {
            self.state.lock().held.save_failed(&failed);
            return Err(failed.error);
        }
        Ok(())
    }

    /// Writeback without a store: clean and write-protect, nothing to write.
    fn clean_all(&self) -> Written {
        let state = self.state.lock();
        let mut cleaned = 0;
        for folio in self.inode.folios_from(0) {
            let guard = folio.lock();
            if self.inode.owns(&folio) && guard.clear_dirty_for_io() {
                cleaned += 1;
            }
        }
        drop(state);
        self.counters.dirty.set(0);
        self.counters.pages_written_back.add(cleaned as u64);
        trace::writeback(cleaned);
        Written {
            pages: cleaned,
            ..Written::default()
        }
    }
}

/// With a store, the kernel's writeback reaches pcc here: the flusher
/// (`dirty_expire_centisecs`, or background writeback once
/// `balance_dirty_pages` finds too many dirty pages), `sync(2)` and
/// `syncfs`-like callers of `sync_inodes_sb`.
impl Writeback for PageCache {
    fn inode(&self) -> &PageCacheInode {
        &self.inode
    }

    /// Every dirty page, whatever range and budget the caller asked for
    /// ([`PageCache::writeback`]: the store is synced once per call). A
    /// page whose write fails stays dirty, so the flusher tries it again
    /// after `dirty_expire_centisecs` (its inode is dirty again) and the
    /// next `fsync` reports it.
    fn writepages(&self, wbc: &mut WritebackControl<'_>) -> Result {
        let done = self.writeback();
        wbc.wrote(done.pages);
        match done.error {
            Some(e) if done.failed > 0 => {
                pr_info_ratelimited!(
                    "kernel writeback (flusher, sync): {} dirty page(s) not written to the store, kept dirty (errno {})\n",
                    done.failed,
                    e.to_errno()
                );
                Err(e)
            }
            // The bitmap: `writeback` logged it.
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// `sync(2)` has written every page through `writepages`, which synced
    /// the store; waiting, sync again and report what `fsync` would.
    fn sync_fs(&self, wait: bool) -> Result {
        if wait {
            self.sync()
        } else {
            Ok(())
        }
    }
}
