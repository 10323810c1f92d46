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
    folio::{
        Folio,
        FolioGuard,
        FolioState,
        FolioWriteback, //
    },
    mapping::PageCacheInode,
    print::pr_info_ratelimited,
    trace,
    writeback::{
        Writeback,
        WritebackControl, //
    },
};
use core::ops::Range;
use kernel::{
    alloc::kvec::PushError,
    bitmap::BitmapVec,
    prelude::*,
    sync::{
        aref::ARef,
        MutexGuard, //
    },
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
    /// `pages` pages not written, for `e`.
    fn fail(&mut self, e: Error, pages: usize) {
        self.failed += pages;
        self.error.get_or_insert(e);
    }
}

/// The most pages one store write takes: a run of consecutive dirty pages
/// longer than this is written in several (1 MiB with 4 KiB pages, as
/// `BIO_MAX_VECS` bounds one bio).
const MAX_RUN: usize = 256;

/// Which dirty pages one [`PageCache::write_back`] takes, and how, as
/// `writeback_iter` takes them for a `writeback_control`.
#[derive(Clone, Copy)]
pub(crate) struct Pass {
    /// Pages `first..=last`.
    first: usize,
    last: usize,
    /// The flusher's kind of pass (`WB_SYNC_NONE`), with its budget of
    /// pages (`nr_to_write`); `None`: a pass that waits for every page
    /// (`WB_SYNC_ALL`, `fsync`, `PCC_IOC_WRITEBACK`, unload).
    background: Option<usize>,
}

impl Pass {
    /// Every dirty page, each waited for.
    pub(crate) const ALL: Self = Self {
        first: 0,
        last: usize::MAX,
        background: None,
    };

    /// Pages `first..=last`, each waited for (`fsync` of a range).
    pub(crate) fn range(first: usize, last: usize) -> Self {
        Self {
            first,
            last,
            background: None,
        }
    }

    /// What the kernel's `->writepages` call asks for.
    fn of(wbc: &WritebackControl<'_>) -> Self {
        let (first, last) = wbc.pages();
        Self {
            first,
            last,
            background: (!wbc.sync_all()).then(|| wbc.budget()),
        }
    }
}

/// Whether the last store write of a page of `pages` failed (and no pass
/// that reports has tried it since), in [`PageCache`]'s `write_failed`.
fn marked(failed: &Option<BitmapVec>, pages: Range<usize>) -> bool {
    // The first bit set from the first page (`Bitmap` has no `test_bit`).
    failed
        .as_ref()
        .is_some_and(|f| f.next_bit(pages.start).is_some_and(|i| i < pages.end))
}

/// The pages of `folio`, from its index.
fn pages_of(folio: &FolioState) -> Range<usize> {
    folio.index()..folio.index() + folio.nr_pages()
}

impl PageCache {
    /// Whether the last store write of a page of `pages` failed.
    fn last_write_failed(&self, pages: Range<usize>) -> bool {
        marked(&self.write_failed.lock(), pages)
    }

    /// Take the failed-write marks of `pages` off.
    fn clear_write_failed(&self, pages: Range<usize>) {
        if let Some(failed) = &mut *self.write_failed.lock() {
            pages.for_each(|i| failed.clear_bit(i));
        }
    }

    /// Every dirty page: [`Self::write_back`] of [`Pass::ALL`].
    pub(crate) fn writeback(&self) -> Written {
        self.write_back(Pass::ALL)
    }

    /// Clean the dirty pages `pass` takes and write-protect them in every
    /// mapping; with a store, write them there under the folio writeback
    /// state first, each run of consecutive pages in one write, and save
    /// the bitmap after them. A page whose write fails stays dirty, with
    /// its data, for the next writeback; the result counts it and keeps
    /// the first error, for the caller to report.
    ///
    /// A background pass does what `writeback_iter` does for
    /// `WB_SYNC_NONE`: it skips a page under writeback rather than wait,
    /// stops at its budget and at the first failed write. It also skips a
    /// page whose last store write failed: a store that keeps failing (a
    /// full disk) is then not written every `dirty_expire_centisecs` for
    /// ever. Such a page waits, dirty, for a pass that reports (`fsync`,
    /// `sync(2)`, `PCC_IOC_WRITEBACK`, unload), which tries it again.
    pub(crate) fn write_back(&self, pass: Pass) -> Written {
        let Some(io) = self.backing.store() else {
            return self.clean_all();
        };
        let mut done = Written::default();
        // The dirty pages, and the store holds them from now on: a page may
        // be clean, and dropped, once its write is in flight. A page that
        // was a hole is saved as held only once a write of it succeeded
        // (`Bitmap::written`), so the store on the device never claims a
        // page whose write failed or was not reached. Its bit stays set in
        // memory: another writeback may be writing it meanwhile, and the
        // page, still dirty, is not read from the store while it is
        // cached. A page a memory error poisoned but could not
        // take out of the cache (pcc's `state` was busy) is not written: its
        // memory is bad, and reading it could take the machine down; it
        // stays dirty and reports the loss (`EIO`) until reset. A page
        // another task is writing (clean, under writeback) is taken by a
        // pass that waits: its write is waited for below, and if it failed
        // the page is dirty again and written here, so that this writeback
        // (an `fsync`) ends only once the page is in the store or its error
        // is reported, as `file_write_and_wait_range` waits for writeback
        // in flight.
        let mut dirty = KVVec::new();
        // The pages `dirty` spans, against a background pass's budget.
        let mut dirty_pages = 0;
        let generation;
        {
            let mut state = self.state.lock();
            generation = state.held.generation();
            let failed = self.write_failed.lock();
            let pending = self
                .inode
                .folios_from(pass.first)
                .take_while(|f| f.index() <= pass.last);
            for folio in pending {
                let pages = pages_of(&folio);
                let wanted = match pass.background {
                    None => folio.is_dirty() || folio.is_writeback(),
                    Some(_) => folio.is_dirty() && !marked(&failed, pages.clone()),
                };
                if !wanted || folio.is_hwpoison() {
                    continue;
                }
                if pass.background.is_some_and(|budget| dirty_pages >= budget) {
                    break;
                }
                dirty_pages += pages.len();
                if let Err(e) = dirty.push((pages.start, folio), GFP_KERNEL) {
                    done.fail(e.into(), pages.len());
                    break;
                }
                pages.for_each(|i| state.held.set_ahead_of_write(i));
            }
        }
        // Without memory for a run nothing is written: the pages stay dirty
        // (their bits, if new, unsaved), for the next writeback.
        let mut run = KVec::with_capacity(MAX_RUN, GFP_KERNEL).unwrap_or_else(|e| {
            done.fail(e.into(), dirty_pages);
            dirty.clear();
            KVec::new()
        });
        // The run's first page, and how many pages it spans.
        let (mut run_start, mut run_pages) = (0, 0);
        for (index, folio) in dirty {
            // The run so far written before the next folio is locked (no
            // folio lock held over the store's I/O, whose locks a task may
            // hold while it faults on pcc), at a gap or at its longest (a
            // folio of more pages goes alone).
            if !run.is_empty()
                && (run_start + run_pages != index || run_pages + folio.nr_pages() > MAX_RUN)
            {
                self.write_run(io, &mut run, run_start, generation, &mut done);
                run_pages = 0;
                if pass.background.is_some() && done.failed > 0 {
                    break;
                }
            }
            let locked = FolioGuard::new(folio);
            if !self.inode.owns(&locked) {
                continue;
            }
            let pages = pages_of(&locked);
            // Another task's writeback in flight: a background pass goes
            // on (`folio_prepare_writeback`); one that waits, waits in
            // `start_writeback`. A background pass also leaves a page
            // marked since it was collected: a pass that waits wrote it
            // meanwhile, and the write failed (the mark is made before
            // that writeback ends, so it is seen here once it has).
            if pass.background.is_some()
                && (locked.is_writeback() || self.last_write_failed(pages.clone()))
            {
                continue;
            }
            // Cleaned and under writeback; one writeback at a time per
            // folio (a store may have dirtied it again while an earlier
            // one was in flight): `start_writeback` waits for it, and
            // gives a page that write left clean back.
            let Ok(wb) = locked.start_writeback() else {
                continue;
            };
            // A pass that waits tries a marked page again, and takes its
            // mark off only now, under its writeback: until then the
            // flusher still leaves it (marked again if it fails again).
            if pass.background.is_none() {
                self.clear_write_failed(pages.clone());
            }
            if run.is_empty() {
                run_start = index;
            }
            // Within the capacity reserved above: no allocation, so no
            // failure that would drop (end the writeback of) an unwritten
            // page.
            match run.push_within_capacity(wb) {
                Ok(()) => run_pages += pages.len(),
                Err(PushError(wb)) => {
                    wb.redirty();
                }
            }
        }
        if !run.is_empty() {
            self.write_run(io, &mut run, run_start, generation, &mut done);
        }
        // A background pass that wrote nothing has nothing to save or sync.
        if pass.background.is_none() || done.pages > 0 || done.failed > 0 {
            let saving = self.saving.lock();
            if let Err(e) = self.save_bitmap(&saving, io, self.state.lock()) {
                // The pages are in the store, but a reload would not know it.
                pr_err!(
                    "writeback: saving the store's bitmap failed (errno {})\n",
                    e.to_errno()
                );
                done.error.get_or_insert(e);
            }
        }
        // The event first: whoever sees the count (a trace scenario
        // that then stops tracing) also finds the event, with the stack
        // its trigger records.
        trace::writeback(done.pages);
        self.counters.pages_written_back.add(done.pages as u64);
        done
    }

    /// Write `run`, folios under writeback over pages `first..`, taken
    /// when the store's bitmap had `generation`, in one store write, and
    /// empty it. A failed write dirties every folio again and marks its
    /// pages, for a background [`Pass`] to leave.
    fn write_run(
        &self,
        io: &StoreBacking,
        run: &mut KVec<FolioWriteback<ARef<Folio>>>,
        first: usize,
        generation: u64,
        done: &mut Written,
    ) {
        let n = run.iter().map(|wb| wb.nr_pages()).sum::<usize>();
        match io.store.write_run(run, first) {
            Ok(()) => {
                done.pages += n;
                io.store.written_pause();
                // Their bits are saved from now on: noted before their
                // writeback ends, so that an `fsync` that finds them clean,
                // or waits for this writeback, and then saves the bitmap,
                // saves their bits too; and so does one after reclaim
                // dropped them. Under writeback: no holder of `state` waits
                // for a writeback (`reset` truncates before it takes it).
                self.state.lock().held.written(generation, first, n);
                // Ends their writeback.
                run.clear();
            }
            Err(e) => {
                // The marks first, while the pages are still under
                // writeback (`write_failed` alone: no one waits for a
                // writeback holding it), so that nothing of this write is
                // left to do once its writeback ends and the tasks waiting
                // for that go on. Without room for the marks, the flusher
                // tries the pages again.
                {
                    let mut failed = self.write_failed.lock();
                    if failed.is_none() {
                        *failed = BitmapVec::new(self.capacity, GFP_KERNEL).ok();
                    }
                    if let Some(failed) = &mut *failed {
                        for i in first..first + n {
                            failed.set_bit(i);
                        }
                    }
                }
                // Keep the data: dirty again, for the next writeback,
                // before the writeback state ends.
                for wb in run.drain_all() {
                    let pages = wb.nr_pages();
                    wb.redirty();
                    done.fail(e, pages);
                }
            }
        }
    }

    /// `fsync`, `fdatasync` and `msync(MS_SYNC)`: with a store, the dirty
    /// pages of `pass` (the call's range) written to it and the store
    /// synced ([`Self::write_back`]; the bitmap that says which pages the
    /// store holds is what reading the data back needs, so `fdatasync`
    /// saves it too). The call fails
    /// - with `EIO` once a sync of the store itself failed (its own error
    ///   state reports that once; what was written before may not be on
    ///   the device), until `PCC_IOC_RESET`;
    /// - with `EIO` while a page's data is lost to a memory error (until
    ///   `PCC_IOC_RESET`, as `read` and `write` of that page fail);
    /// - else with the store's errno if a page of the range could not be
    ///   written: the page stays dirty with its data, and every later call
    ///   whose range holds it tries it again and fails until it is
    ///   written. The error is not reported once and then forgotten
    ///   (`errseq`, the kernel's way when the page is cleaned regardless),
    ///   because the data it concerns is not dropped.
    ///
    /// Without a store nothing can be made durable and nothing is done, as
    /// tmpfs's `noop_fsync`.
    pub(crate) fn sync(&self, pass: Pass) -> Result {
        if self.backing.store().is_none() {
            return Ok(());
        }
        let done = self.write_back(pass);
        let (lost, sync_failed) = {
            let state = self.state.lock();
            let stuck = self.inode.folios_from(0).filter(|f| {
                f.is_hwpoison() && (f.is_dirty() || pages_of(f).any(|i| !state.held.get(i)))
            });
            (
                self.poisoned.count() + stuck.count(),
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
        let cleaned = self.waiting_for_folios(&state, || {
            let mut cleaned = 0;
            for folio in self.inode.folios_from(0) {
                let guard = folio.lock();
                if self.inode.owns(&folio) && guard.clear_dirty_for_io() {
                    // A PMD-sized folio (`huge=`) is cleaned whole.
                    cleaned += guard.nr_pages();
                }
            }
            cleaned
        });
        drop(state);
        // The event before the count, as in `write_back`.
        trace::writeback(cleaned);
        self.counters.pages_written_back.add(cleaned as u64);
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

    /// The dirty pages the call asks for ([`Pass::of`]: its range, and
    /// for the flusher its budget; the store is synced once per call). A
    /// page whose write fails stays dirty: a call that waits (`sync(2)`)
    /// tries it again, the flusher leaves it to one ([`PageCache::write_back`]).
    fn writepages(&self, wbc: &mut WritebackControl<'_>) -> Result {
        let done = self.write_back(Pass::of(wbc));
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
            // The bitmap: `write_back` logged it.
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// `sync(2)` has written every page through `writepages`, which synced
    /// the store; waiting, sync again and report what `fsync` would.
    fn sync_fs(&self, wait: bool) -> Result {
        if wait {
            self.sync(Pass::ALL)
        } else {
            Ok(())
        }
    }
}
