// SPDX-License-Identifier: GPL-2.0

//! An inode of pcc's own whose `address_space` holds pcc's pages.
//!
//! C header: [`include/linux/pagemap.h`](srctree/include/linux/pagemap.h).
//!
//! Pointing a file's `f_mapping` at this `address_space` (as DRM does with
//! its anonymous inode) makes the kernel's generic page-cache machinery
//! apply to `/dev/pcc`: `filemap_map_pages` for fault-around, the rmap walk
//! of `folio_mkclean`, `unmap_mapping_range`, `generic_file_llseek`.

use super::{
    ffi,
    folio::{
        Folio,
        FolioGuard,
        FolioNow,
        FolioState, //
    },
    kernel_file::KernelFile,
};
use core::{
    marker::PhantomData,
    ptr::NonNull, //
};
use kernel::{
    bindings,
    error::from_err_ptr,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{
            ordering::Relaxed,
            Atomic, //
        },
        Arc, //
    },
    types::ForeignOwnable,
};

/// The inode and its page cache.
///
/// # Invariants
///
/// `inode` came from `pcc_inode_new` and is released once, in `Drop`;
/// `mapping` is its `i_mapping`; its `i_size`, which never changes, is
/// `pages` pages.
pub(crate) struct PageCacheInode {
    inode: NonNull<bindings::inode>,
    mapping: NonNull<bindings::address_space>,
    pages: usize,
}

// SAFETY: The inode is only used through functions that may be called from
// any thread; it is freed once, in `Drop`.
unsafe impl Send for PageCacheInode {}
// SAFETY: See `Send`; `&self` methods use the page cache's own locking.
unsafe impl Sync for PageCacheInode {}

impl PageCacheInode {
    /// A new inode with `i_size` = `pages` pages, for good: no folio is
    /// ever added at or past its end ([`InvalidateShared::add_locked`]).
    /// With `pmd_folios` (on a kernel with transparent huge pages), its
    /// mapping takes PMD-sized folios ([`Self::alloc_pmd_folio`]).
    /// Its pages are never written back by the kernel, as tmpfs's: the
    /// inode's bdi does no writeback, and dirty pages are not accounted.
    pub(crate) fn new(pages: usize, pmd_folios: bool) -> Result<Self> {
        Self::new_inode(pages, None, pmd_folios)
    }

    /// As [`Self::new`], in a superblock of its own whose bdi writes back,
    /// as a disk filesystem's: dirty pages are accounted and throttled
    /// (`balance_dirty_pages`), and the flusher and `sync(2)` write them
    /// through the handler registered with
    /// [`super::writeback::WritebackHandler`]; until there is one they
    /// stay dirty. When `store` is a block device, its bdi reads ahead as
    /// the device does (its `read_ahead_kb` and largest request, taken
    /// now), as a filesystem reads with its disk's; else as the kernel's
    /// default.
    pub(crate) fn with_writeback(
        pages: usize,
        store: &KernelFile,
        pmd_folios: bool,
    ) -> Result<Self> {
        Self::new_inode(pages, Some(store), pmd_folios)
    }

    fn new_inode(pages: usize, store: Option<&KernelFile>, pmd_folios: bool) -> Result<Self> {
        // In bytes, an `loff_t`: widened before the shift (on a 32-bit
        // machine 1 << 20 pages are 4 GiB, past a `usize`), and bounded
        // first so that the shift keeps every bit.
        let pages64 = pages as u64;
        if pages64 > (i64::MAX as u64) >> kernel::page::PAGE_SHIFT {
            return Err(EINVAL);
        }
        let size = (pages64 << kernel::page::PAGE_SHIFT) as i64;
        let store = store.map_or(core::ptr::null_mut(), KernelFile::as_ptr);
        // SAFETY: `store` is null or an open file (`KernelFile`'s
        // invariant), read only during the call; returns an inode or an
        // ERR_PTR.
        let inode = from_err_ptr(unsafe { ffi::pcc_inode_new(size, store, pmd_folios) })?;
        let inode = NonNull::new(inode).ok_or(ENOMEM)?;
        // SAFETY: `inode` is a live inode.
        let mapping = unsafe { ffi::pcc_inode_mapping(inode.as_ptr()) };
        // INVARIANT: fresh inode from `pcc_inode_new`, its mapping, and
        // its size.
        Ok(Self {
            inode,
            mapping: NonNull::new(mapping).ok_or(ENOMEM)?,
            pages,
        })
    }

    /// The inode (for [`super::memory_failure`]'s handler).
    pub(super) fn inode_ptr(&self) -> NonNull<bindings::inode> {
        self.inode
    }

    /// The `address_space`: what a file of the device points `f_mapping`
    /// at (only [`super::misc`] does, at open).
    pub(super) fn mapping(&self) -> *mut bindings::address_space {
        self.mapping.as_ptr()
    }

    /// After dirtying pages, holding no folio lock, as
    /// `generic_perform_write` does: past the kernel's dirty limits, wait
    /// for the flusher (`balance_dirty_pages_ratelimited`). It may sleep
    /// for long: call it under the fault lock only where the kernel would
    /// (a huge fault, which cannot drop it). A no-op for an inode made by
    /// [`Self::new`], whose bdi does no writeback.
    pub(crate) fn balance_dirty_pages(&self) {
        // SAFETY: The mapping is live as long as `self`; the call may
        // sleep, and the caller holds no folio lock (the method's
        // contract, as the kernel's callers: a fault calls it with the
        // fault lock only where it may not drop it, as
        // `fault_dirty_shared_page` does).
        unsafe { bindings::balance_dirty_pages_ratelimited(self.mapping()) };
    }

    /// Whether `folio` still belongs to this page cache (not truncated).
    pub(crate) fn owns(&self, folio: &FolioState) -> bool {
        folio.mapping_ptr() == self.mapping()
    }

    /// [`Self::owns`], of a folio as a [`FolioNow`] view read it.
    pub(crate) fn owns_view(&self, now: &FolioNow<'_>) -> bool {
        now.mapping_ptr() == self.mapping()
    }

    /// The folio at `index`, with a reference of its own
    /// (`filemap_get_folio`: a lookup in the mapping's xarray under RCU,
    /// no lock taken), or `None`. It may be locked by someone else, not yet
    /// uptodate (a read in flight), or truncated right after the lookup:
    /// lock it and check [`Self::owns`] before trusting what it holds, as
    /// `filemap_fault` does.
    pub(crate) fn get(&self, index: usize) -> Option<ARef<Folio>> {
        // SAFETY: The mapping is live as long as `self`; no flags: a plain
        // lookup, which takes a reference on what it finds.
        let f = unsafe {
            bindings::__filemap_get_folio_mpol(self.mapping(), index, 0, 0, core::ptr::null_mut())
        };
        let f = found(f)?;
        // SAFETY: `__filemap_get_folio_mpol` returned a folio with a
        // reference taken for us.
        Some(unsafe { Folio::from_raw_owned(f) })
    }

    /// The folio at `index`, locked, with a reference of its own
    /// (`filemap_lock_folio`: [`Self::get`]'s lookup, then `folio_lock`,
    /// sleeping for it, and the lookup again if the folio was truncated
    /// meanwhile), or `None`. One call where [`Self::get`] and
    /// [`FolioGuard::new`] are two. It may not be uptodate (a read that
    /// failed): check before trusting what it holds.
    ///
    /// The caller must hold no folio lock, as for [`FolioGuard::new`].
    pub(crate) fn lock(&self, index: usize) -> Option<FolioGuard<ARef<Folio>>> {
        // SAFETY: The mapping is live as long as `self`; `FGP_LOCK` alone:
        // the lookup, which takes a reference on what it finds, then
        // `folio_lock`, which may sleep (the caller holds no folio lock).
        let f = unsafe {
            bindings::__filemap_get_folio_mpol(
                self.mapping(),
                index,
                ffi::FGP_LOCK,
                0,
                core::ptr::null_mut(),
            )
        };
        let f = found(f)?;
        // SAFETY: `__filemap_get_folio_mpol` returned a folio with a
        // reference taken for us, locked, its mapping checked under the
        // lock (`FGP_LOCK`); both pass to the guard.
        Some(unsafe { FolioGuard::from_locked(Folio::from_raw_owned(f)) })
    }

    /// The folios cached at page offset `from` and after, in index order,
    /// each with a reference of its own: the mapping's xarray walked in
    /// batches (`filemap_get_folios`, under RCU, no lock taken). As with
    /// [`Self::get`], a folio may be truncated right after it is found:
    /// lock it and check [`Self::owns`] before trusting it.
    pub(crate) fn folios_from(&self, from: usize) -> CachedFolios<'_> {
        CachedFolios {
            inode: self,
            next: from,
            done: from >= self.pages,
            // `folio_batch_init`: no folio, nothing taken yet.
            batch: bindings::folio_batch::default(),
        }
    }

    /// The folios cached one after another from page offset `from`, a
    /// batch of them (`FOLIO_BATCH_SIZE`, 31) at most, up to the one that
    /// holds page `last`, each referenced until the batch is dropped: one
    /// walk of the mapping's xarray under RCU, no lock taken
    /// (`filemap_get_folios_contig`; `filemap_read` takes its batch with
    /// `filemap_get_read_batch`, which is not exported). Empty if page
    /// `from` is not cached; the first folio begins before `from` when a
    /// large folio holds it (the lookup resolves the xarray's sibling
    /// entries to the folio, `xas_descend`). As with [`Self::get`], a folio
    /// may be truncated, or not yet uptodate, when it is used.
    pub(crate) fn contig_folios(&self, from: usize, last: usize) -> FolioBatch {
        // `folio_batch_init`: empty.
        let mut batch = bindings::folio_batch::default();
        let mut start = from;
        // SAFETY: The mapping is live as long as `self`; the batch is
        // empty, as the call requires. It adds folios with a reference
        // taken for each.
        unsafe {
            bindings::filemap_get_folios_contig(self.mapping(), &mut start, last, &mut batch)
        };
        // INVARIANT: the references taken above pass to the batch.
        FolioBatch { batch }
    }

    /// How many clean pages left a cache with a store, their data still in
    /// the store or a hole: dropped by the kernel's reclaim (the mapping is
    /// on the LRU, as a file's), `drop_caches`, `POSIX_FADV_DONTNEED`, or
    /// [`Self::evict_locked`]; counted by the mapping's `->free_folio`.
    /// Not counted: a folio not uptodate, a poisoned one, and what
    /// [`InvalidateExclusive::truncate_all`] removes. 0 without a store.
    pub(crate) fn pages_evicted(&self) -> u64 {
        // SAFETY: The inode is live as long as `self`.
        unsafe { ffi::pcc_inode_pages_evicted(self.inode.as_ptr()) }
    }

    /// How many pages the mapping caches, and how many of them are dirty,
    /// counted in one walk (`filemap_cachestat`'s: under RCU, each folio's
    /// size from its xarray entry), so that no more are dirty than cached.
    /// No reference is taken on any folio: memory failure, which fails to
    /// take a poisoned folio out of the cache while anyone else holds a
    /// reference on it, is not disturbed by a reader of the counts.
    pub(crate) fn count_pages(&self) -> (usize, usize) {
        let (mut cached, mut dirty) = (0, 0);
        // SAFETY: The mapping is live as long as `self`; the helper walks
        // its xarray under RCU and writes both counts before it returns.
        unsafe { ffi::pcc_mapping_count_pages(self.mapping(), &mut cached, &mut dirty) };
        (cached, dirty)
    }

    /// How many pages the mapping holds now (`mapping->nrpages`, which the
    /// page cache keeps under the xarray lock): a hint, read unlocked.
    pub(crate) fn nr_pages(&self) -> usize {
        // SAFETY: The mapping is live as long as `self`; only the
        // field's address is taken.
        let n = unsafe { &raw mut (*self.mapping()).nrpages };
        // SAFETY: `n` is valid and aligned while the mapping lives; the
        // page cache updates it under the xarray lock, and readers outside
        // it load it once (`READ_ONCE(mapping->nrpages)` in
        // `shmem_alloc_and_add_folio`): an LKMM relaxed load.
        unsafe { Atomic::from_ptr(n) }.load(Relaxed)
    }

    /// A new folio for this mapping, not in it yet (`filemap_alloc_folio`
    /// with the mapping's gfp mask), marked referenced: it is about to be
    /// used. The allocation may reclaim, and may invoke the OOM killer.
    pub(crate) fn alloc_folio(&self) -> Result<NewFolio> {
        // SAFETY: The mapping is live as long as `self`.
        let f = unsafe { ffi::pcc_filemap_alloc_folio(self.mapping()) };
        let f = NonNull::new(f).ok_or(ENOMEM)?;
        // SAFETY: A new folio whose one reference is ours.
        let folio = unsafe { Folio::from_raw_owned(f) };
        // INVARIANT: `pcc_filemap_alloc_folio` allocates one page.
        Ok(NewFolio { folio, pages: 1 })
    }

    /// A new PMD-sized folio for this mapping, not in it yet, marked
    /// referenced as [`Self::alloc_folio`]'s, or `None`:
    /// no transparent huge pages, or no huge page free without reclaim or
    /// compaction (the caller falls back to one page, as shmem does).
    pub(crate) fn alloc_pmd_folio(&self) -> Option<NewFolio> {
        #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
        {
            // SAFETY: Allocates; no argument.
            let f = NonNull::new(unsafe { ffi::pcc_filemap_alloc_pmd_folio() })?;
            // SAFETY: A new folio whose one reference is ours.
            let folio = unsafe { Folio::from_raw_owned(f) };
            // INVARIANT: `pcc_filemap_alloc_pmd_folio` allocates
            // `HPAGE_PMD_ORDER`, which `pmd_pages` is.
            Some(NewFolio {
                folio,
                pages: super::mm::pmd_pages(),
            })
        }
        #[cfg(not(CONFIG_TRANSPARENT_HUGEPAGE))]
        None
    }

    /// Whether any page of `first..first + nr` is cached
    /// (`filemap_range_has_page`): a hint, as any lookup without a lock.
    pub(crate) fn has_pages(&self, first: usize, nr: usize) -> bool {
        let start = (first as i64) << kernel::page::PAGE_SHIFT;
        let end = ((first + nr) as i64) << kernel::page::PAGE_SHIFT;
        // SAFETY: The mapping is live as long as `self`.
        unsafe { bindings::filemap_range_has_page(self.mapping(), start, end - 1) }
    }

    /// Take `mapping->invalidate_lock` shared (`filemap_invalidate_lock_shared`),
    /// which adding folios to the page cache needs: truncation
    /// ([`InvalidateExclusive::truncate_all`]) waits until it is released,
    /// as it waits for `filemap_fault` and readahead.
    pub(crate) fn lock_for_add(&self) -> InvalidateShared<'_> {
        // SAFETY: The mapping is live as long as `self`, and its
        // `invalidate_lock` an initialised rwsem; released by `Drop`. What
        // `filemap_invalidate_lock_shared` is, without a call to reach it.
        unsafe { bindings::down_read(&raw mut (*self.mapping()).invalidate_lock) };
        // INVARIANT: just taken shared.
        InvalidateShared { inode: self }
    }

    /// Take `mapping->invalidate_lock` exclusive (`filemap_invalidate_lock`),
    /// which truncation needs: no folio is added meanwhile.
    pub(crate) fn lock_for_truncate(&self) -> InvalidateExclusive<'_> {
        // SAFETY: The mapping is live as long as `self`; released by `Drop`.
        unsafe { ffi::pcc_filemap_invalidate_lock(self.mapping()) };
        // INVARIANT: just taken exclusive.
        InvalidateExclusive { inode: self }
    }

    /// Drop a locked, clean folio from the page cache: unmap it from every
    /// process, then remove it from the mapping (`generic_error_remove_folio`,
    /// which is `truncate_inode_folio` on one folio: the exported way to take
    /// one locked folio out of a mapping). Returns whether it was removed.
    /// A dirty folio or one under writeback stays: it holds data the store
    /// does not; so does a pinned or mlocked one, and a large folio that
    /// is mapped.
    pub(crate) fn evict_locked(&self, folio: &FolioGuard<ARef<Folio>>) -> bool {
        if !self.owns(folio) || folio.is_dirty() || folio.is_writeback() {
            return false;
        }
        // An mlocked folio stays, as reclaim keeps it (`mlock` promises
        // the page stays resident). Best effort: `mlock_fixup` sets
        // `VM_LOCKED` before its walk marks the folio, so a folio evicted
        // in between is gone once `mlock` returns (its next access reads
        // it back from the store); reclaim checks `VM_LOCKED` per VMA under
        // the PTE lock instead (`try_to_unmap_one`), which pcc cannot.
        if folio.is_mlocked() {
            return false;
        }
        // A large folio is marked mlocked only when a `VM_LOCKED` VMA maps
        // it whole (`mlock_folio` from the rmap, the `mlock` walk);
        // fault-around and `finish_fault` map one in pieces. Without the
        // mark, only the VMAs say whether it is locked, and the tree of
        // them is not for modules (`vma_interval_tree_iter_first` is not
        // exported): a mapped large folio stays, as `mapping_evict_folio`
        // (`POSIX_FADV_DONTNEED`, `drop_caches`) leaves every mapped folio;
        // reclaim, which checks `VM_LOCKED` per VMA, may still take it.
        if folio.nr_pages() > 1 && folio.is_mapped() {
            return false;
        }
        // A folio pinned for DMA (GUP with FOLL_PIN: O_DIRECT, io_uring
        // fixed buffers) may still be written through the pin: dropping it
        // would lose that data, so it stays, as reclaim leaves it.
        if folio.is_maybe_dma_pinned() {
            return false;
        }
        if folio.is_mapped() {
            // SAFETY: The mapping is live; lock order folio -> i_mmap_rwsem,
            // as truncation has it.
            unsafe {
                bindings::unmap_mapping_pages(
                    self.mapping(),
                    folio.index(),
                    folio.nr_pages(),
                    false,
                )
            };
            // A dirty PTE, had there been one, moved its bit to the folio.
            if folio.is_dirty() {
                return false;
            }
            // GUP-fast pins through the page tables without any lock of
            // ours: a pin taken between the check above and the unmap is
            // seen now. Once no PTE maps the folio none can be taken
            // (GUP-fast re-reads the PTE after pinning and drops a pin
            // whose PTE changed, `gup_fast_pte_range`; slow GUP pins under
            // the PTE lock that the unmap takes), so this second check is
            // final, as the one `shrink_folio_list` makes after
            // `try_to_unmap` ("Folio is unmapped now so it cannot be newly
            // pinned anymore"). The folio stays, unmapped: the next access
            // maps it again.
            if folio.is_maybe_dma_pinned() {
                return false;
            }
        }
        // SAFETY: The folio is locked (`FolioGuard`), as the call requires,
        // and belongs to this mapping (checked above, stable under the
        // lock). Unmapping cannot dirty it: a clean page of a shared
        // mapping is mapped read-only (write-notify), and a store first
        // waits in `->page_mkwrite` for the lock we hold.
        unsafe { bindings::generic_error_remove_folio(self.mapping(), folio.as_ptr()) == 0 }
    }
}

/// The folios of a [`PageCacheInode`] from an offset on
/// ([`PageCacheInode::folios_from`]).
///
/// # Invariants
///
/// `batch.folios[batch.i..batch.nr]` are folios `filemap_get_folios`
/// returned with a reference each that this iterator still owns; the ones
/// before `batch.i` were handed out with their references.
pub(crate) struct CachedFolios<'a> {
    inode: &'a PageCacheInode,
    /// Where the next batch starts.
    next: usize,
    /// No folio left past `next` (the walk reached the end of the file).
    done: bool,
    batch: bindings::folio_batch,
}

impl Iterator for CachedFolios<'_> {
    type Item = ARef<Folio>;

    fn next(&mut self) -> Option<ARef<Folio>> {
        if self.batch.i >= self.batch.nr {
            if self.done {
                return None;
            }
            let mut start = self.next;
            // `folio_batch_reinit`: every folio of the last batch was
            // handed out; `filemap_get_folios` adds at `nr`.
            self.batch.nr = 0;
            self.batch.i = 0;
            // SAFETY: The mapping is live as long as the inode; the batch is
            // empty, as `filemap_get_folios` requires. It fills the batch
            // with referenced folios and moves `start` past the last one.
            let n = unsafe {
                bindings::filemap_get_folios(
                    self.inode.mapping(),
                    &mut start,
                    self.inode.pages.saturating_sub(1),
                    &mut self.batch,
                )
            };
            // Past the last page: a batch not full ends the walk (`start`
            // is then `end + 1`); a full one may have more after it.
            self.done = start >= self.inode.pages;
            self.next = start;
            if n == 0 {
                return None;
            }
        }
        let f = self.batch.folios[usize::from(self.batch.i)];
        self.batch.i += 1;
        // INVARIANT: the folio leaves the owned range with its reference.
        // SAFETY: `filemap_get_folios` took a reference for this folio,
        // which passes to the `ARef` (type invariant).
        Some(unsafe { Folio::from_raw_owned(NonNull::new(f)?) })
    }
}

impl Drop for CachedFolios<'_> {
    fn drop(&mut self) {
        while self.batch.i < self.batch.nr {
            let f = self.batch.folios[usize::from(self.batch.i)];
            self.batch.i += 1;
            if let Some(f) = NonNull::new(f) {
                // SAFETY: A reference this iterator owns (type invariant),
                // dropped once.
                drop(unsafe { Folio::from_raw_owned(f) });
            }
        }
    }
}

/// Folios referenced together, and released together when dropped
/// (`folio_batch_release`): [`PageCacheInode::contig_folios`].
///
/// # Invariants
///
/// `batch.folios[..batch.nr]` are folios with a reference each that the
/// batch owns.
pub(crate) struct FolioBatch {
    batch: bindings::folio_batch,
}

impl FolioBatch {
    /// The folios, in index order, live as long as the batch.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Folio> + '_ {
        self.batch.folios[..usize::from(self.batch.nr)]
            .iter()
            // SAFETY: The batch holds a reference on each (type invariant)
            // for as long as it is borrowed.
            .map(|&f| unsafe { Folio::from_raw(f) })
    }
}

impl Drop for FolioBatch {
    fn drop(&mut self) {
        if self.batch.nr > 0 {
            // SAFETY: The batch's references (type invariant), each put
            // once: the call empties the batch (`folios_put`).
            unsafe { bindings::folios_put_refs(&mut self.batch, core::ptr::null_mut()) };
        }
    }
}

/// `mapping->invalidate_lock` held shared: folios may be added.
///
/// # Invariants
///
/// The invalidate lock of `inode`'s mapping is held shared by this guard.
pub(crate) struct InvalidateShared<'a> {
    inode: &'a PageCacheInode,
}

impl InvalidateShared<'_> {
    /// Insert a new folio at `index`, locked (`filemap_add_folio`), as
    /// `__filemap_get_folio(FGP_LOCK | FGP_CREAT)` does after allocating:
    /// not uptodate, the caller fills it. `EEXIST` if a folio is anywhere
    /// in its range already, `EINVAL` if it would reach past the file's
    /// end or is not aligned to its size.
    pub(crate) fn add_locked(
        &self,
        new: NewFolio,
        index: usize,
    ) -> Result<FolioGuard<ARef<Folio>>> {
        // The file's end is the capacity a mapping promises: past it an
        // access is `SIGBUS` (as `filemap_fault`'s `i_size` check), so no
        // page may ever be cached there.
        let (folio, nr) = (new.folio, new.pages);
        if index >= self.inode.pages || nr > self.inode.pages - index || !index.is_multiple_of(nr) {
            return Err(EINVAL);
        }
        // SAFETY: `folio` is new: no one else knows it (`NewFolio`), as
        // `filemap_add_folio` requires (it sets the lock bit non-atomically);
        // the invalidate lock is held shared (type invariant), so no
        // truncation runs meanwhile.
        let r = unsafe { ffi::pcc_filemap_add_folio(self.inode.mapping(), folio.as_ptr(), index) };
        kernel::error::to_result(r)?;
        // SAFETY: `filemap_add_folio` returned with the folio locked, and
        // the page cache holds its own reference; ours passes to the guard.
        Ok(unsafe { FolioGuard::from_locked(folio) })
    }
}

impl Drop for InvalidateShared<'_> {
    fn drop(&mut self) {
        // SAFETY: Held shared (type invariant), released once
        // (`filemap_invalidate_unlock_shared`).
        unsafe { bindings::up_read(&raw mut (*self.inode.mapping()).invalidate_lock) };
    }
}

/// `mapping->invalidate_lock` held exclusive: no folio is added.
///
/// # Invariants
///
/// The invalidate lock of `inode`'s mapping is held exclusive by this guard.
pub(crate) struct InvalidateExclusive<'a> {
    inode: &'a PageCacheInode,
}

impl InvalidateExclusive<'_> {
    /// `truncate_pagecache(inode, 0)`: remove every PTE of every shared
    /// mapping of this page cache (private COW copies, which belong to
    /// their process, stay), then drop every folio from the page cache
    /// (`truncate_inode_pages`, which waits for each folio's lock and
    /// writeback), then unmap once more, for a page mapped meanwhile.
    /// What it removes is not counted in [`PageCacheInode::pages_evicted`].
    pub(crate) fn truncate_all(&self) {
        // SAFETY: The inode is live as long as `self.inode`; the call takes
        // its own locks (folio lock, `i_mmap_rwsem`), below the invalidate
        // lock we hold, as it requires.
        unsafe { ffi::pcc_inode_truncate(self.inode.inode.as_ptr()) };
    }
}

impl Drop for InvalidateExclusive<'_> {
    fn drop(&mut self) {
        // SAFETY: Held exclusive (type invariant), released once.
        unsafe { ffi::pcc_filemap_invalidate_unlock(self.inode.mapping()) };
    }
}

impl Drop for PageCacheInode {
    fn drop(&mut self) {
        self.lock_for_truncate().truncate_all();
        // SAFETY: By the type invariant this is the one release of `inode`.
        unsafe { ffi::pcc_inode_free(self.inode.as_ptr()) };
    }
}

/// A folio just allocated for a mapping and not yet in it: only its owner
/// knows it.
///
/// # Invariants
///
/// `pages` is the number of pages `folio` was allocated with.
pub(crate) struct NewFolio {
    folio: ARef<Folio>,
    pages: usize,
}

impl NewFolio {
    /// Pages it holds: the allocation's order says it, without a read of
    /// the folio.
    pub(crate) fn nr_pages(&self) -> usize {
        self.pages
    }
}

/// An `Arc<T>` lent to C as the data of a handler that C keeps on a
/// [`PageCacheInode`]'s inode (memory failure's, writeback's), given back
/// once the handler is removed.
///
/// # Invariants
///
/// `data` came from `Arc::<T>::into_foreign` and is stored as the data of
/// a handler of `inode` that reads it as an `Arc<T>` until `clear(inode)`
/// removes it; `clear` returns only when no call of that handler runs.
pub(super) struct InodeHandler<T: Send + Sync + 'static> {
    inode: NonNull<bindings::inode>,
    data: *mut kernel::ffi::c_void,
    clear: unsafe extern "C" fn(*mut bindings::inode),
    _t: PhantomData<Arc<T>>,
}

// SAFETY: Dropped from any thread; `T` is `Send + Sync`.
unsafe impl<T: Send + Sync + 'static> Send for InodeHandler<T> {}
// SAFETY: No `&self` method.
unsafe impl<T: Send + Sync + 'static> Sync for InodeHandler<T> {}

impl<T: Send + Sync + 'static> InodeHandler<T> {
    /// Lend `data` to C: `set` gets the inode and the pointer to store as
    /// the handler's data and returns 0, or an errno if it stored nothing
    /// (the reference is then given back).
    ///
    /// # Safety
    ///
    /// `inode` must be the inode `data` owns (so it lives while the
    /// registration does). A `set` that returns 0 must have stored the
    /// pointer for a handler that reads it as an `Arc<T>`, and only until
    /// `clear(inode)` removes it; `clear` must return only when no call of
    /// the handler runs any more.
    pub(super) unsafe fn new(
        inode: NonNull<bindings::inode>,
        data: Arc<T>,
        set: impl FnOnce(*mut bindings::inode, *mut kernel::ffi::c_void) -> kernel::ffi::c_int,
        clear: unsafe extern "C" fn(*mut bindings::inode),
    ) -> Result<Self> {
        let ptr = data.into_foreign();
        if let Err(e) = kernel::error::to_result(set(inode.as_ptr(), ptr)) {
            // SAFETY: Not stored: the reference is still ours.
            drop(unsafe { Arc::<T>::from_foreign(ptr) });
            return Err(e);
        }
        // INVARIANT: stored by `set` for a handler that reads it as
        // `Arc<T>` until `clear` (the caller's guarantee).
        Ok(Self {
            inode,
            data: ptr,
            clear,
            _t: PhantomData,
        })
    }
}

impl<T: Send + Sync + 'static> Drop for InodeHandler<T> {
    fn drop(&mut self) {
        // SAFETY: The inode is live: the `Arc<T>` we still hold owns it.
        // `clear` returns when no call of the handler runs any more.
        unsafe { (self.clear)(self.inode.as_ptr()) };
        // SAFETY: The reference `new` lent, given back once, no longer
        // reachable from C (type invariant).
        drop(unsafe { Arc::<T>::from_foreign(self.data) });
    }
}

/// What a page cache lookup (`__filemap_get_folio_mpol`) returned, as a
/// folio, or `None` for an error pointer (a miss is `-ENOENT`). `IS_ERR`
/// without a call into C (`from_err_ptr` makes one): an error is a pointer
/// into the last `MAX_ERRNO` bytes of the address space.
#[inline(always)]
fn found(f: *mut bindings::folio) -> Option<NonNull<bindings::folio>> {
    if f as usize >= (bindings::MAX_ERRNO as usize).wrapping_neg() {
        return None;
    }
    NonNull::new(f)
}
