// SPDX-License-Identifier: GPL-2.0

//! Folios of a page cache: reference-counted handles and the folio lock.
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h),
//! [`include/linux/pagemap.h`](srctree/include/linux/pagemap.h).
//!
//! [`Folio`] is to `struct folio` what [`kernel::page::Page`] is to
//! `struct page`, except that a folio is never owned outright: it is reached
//! through a reference count ([`ARef<Folio>`]) or a borrow that the kernel
//! keeps alive. [`FolioGuard`] is the folio lock, held on either kind of
//! handle; everything that needs the lock is a method of the guard, or
//! takes one (folio I/O, in [`super::kernel_file`]).

use super::ffi;
use core::{
    mem::ManuallyDrop,
    ops::Deref,
    ptr::NonNull, //
};
use kernel::{
    bindings,
    iov::{
        IovIterDest,
        IovIterSource, //
    },
    prelude::*,
    sync::{
        aref::{
            ARef,
            AlwaysRefCounted, //
        },
        atomic::{
            ordering::Relaxed,
            Atomic, //
        },
    },
    types::Opaque,
};

/// A `struct folio`: what can be read of it without its lock (flags,
/// index, mapping, the contents once uptodate), through any handle or a
/// [`FolioGuard`]. What takes or waits for the lock is on [`Folio`] only,
/// which a guard does not deref to: locking a folio again through the
/// guard that holds its lock would sleep for ever, on a bit lock lockdep
/// does not see.
///
/// # Invariants
///
/// Instances are only reached through a [`Folio`] or a [`FolioGuard`] (see
/// there), so the folio is never freed while a `&FolioState` exists.
#[repr(transparent)]
pub(crate) struct FolioState(Opaque<bindings::folio>);

/// A `struct folio` that may be locked: [`FolioState`], plus the lock.
///
/// # Invariants
///
/// Instances are only reached through a reference count (`ARef<Folio>`) or
/// a borrow whose lifetime the kernel guarantees (e.g. `vmf->page` inside a
/// fault callback), so the folio is never freed while a `&Folio` exists.
#[repr(transparent)]
pub(crate) struct Folio(FolioState);

// SAFETY: Folio reference counts may be taken and dropped on any thread.
unsafe impl Send for Folio {}
// SAFETY: All `&self` methods are safe to call concurrently (they use the
// folio's own atomic flags and lock).
unsafe impl Sync for Folio {}
// SAFETY: As for `Folio`.
unsafe impl Send for FolioState {}
// SAFETY: As for `Folio`.
unsafe impl Sync for FolioState {}

impl Deref for Folio {
    type Target = FolioState;

    fn deref(&self) -> &FolioState {
        &self.0
    }
}

// SAFETY: `folio_get`/`folio_put` implement the folio's reference count; a
// folio is freed only when its count drops to zero.
unsafe impl AlwaysRefCounted for Folio {
    fn inc_ref(&self) {
        // SAFETY: `self` is a live folio by the type invariant.
        unsafe { ffi::pcc_folio_get(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: The caller owns one reference, which is given up here.
        unsafe { ffi::pcc_folio_put(obj.cast().as_ptr()) };
    }
}

impl FolioState {
    /// The raw `struct folio`.
    pub(crate) fn as_ptr(&self) -> *mut bindings::folio {
        self.0.get()
    }

    /// The folio's `address_space`, or null once truncated. Stable while
    /// the folio is locked.
    #[inline]
    pub(crate) fn mapping_ptr(&self) -> *mut bindings::address_space {
        // SAFETY: `self` is a live folio; only the field's address is taken.
        let m = unsafe { &raw mut (*self.as_ptr()).__bindgen_anon_1.__bindgen_anon_1.mapping };
        // SAFETY: `m` is valid and aligned while the folio lives; truncation
        // clears it with a plain store under the folio lock, and C reads
        // it unlocked with plain loads too (`folio_mapping`). pcc reads it
        // under the lock, or unlocked as a hint it checks again under the
        // lock: a relaxed LKMM load, which cannot tear an aligned pointer.
        unsafe { Atomic::from_ptr(m) }.load(Relaxed)
    }

    /// `folio->flags`, read once, as `test_bit()` does (one `READ_ONCE`,
    /// no read-modify-write).
    #[inline]
    fn flags(&self) -> usize {
        // SAFETY: `self` is a live folio; only the field's address is taken.
        let f = unsafe { &raw mut (*self.as_ptr()).__bindgen_anon_1.__bindgen_anon_1.flags.f };
        // SAFETY: `f` is valid and aligned for as long as the folio lives;
        // C changes the word with atomic bit operations (and non-atomic
        // ones only on a folio no one else can see yet), so an LKMM relaxed
        // load is what `test_bit()`'s `READ_ONCE` is.
        unsafe { Atomic::from_ptr(f) }.load(Relaxed)
    }

    #[inline]
    fn test_flag(&self, flag: bindings::pageflags) -> bool {
        self.flags() & (1usize << flag) != 0
    }

    /// `folio->index`: the file page offset of its first page; stable
    /// while the folio is locked in its mapping.
    #[inline]
    pub(crate) fn index(&self) -> usize {
        // SAFETY: `self` is a live folio; only the field's address is taken.
        let i = unsafe {
            &raw mut (*self.as_ptr())
                .__bindgen_anon_1
                .__bindgen_anon_1
                .__bindgen_anon_2
                .index
        };
        // SAFETY: `i` is valid and aligned while the folio lives; the page
        // cache sets it before the folio is visible in a mapping and under
        // the folio lock after: read once, as `READ_ONCE`.
        unsafe { Atomic::from_ptr(i) }.load(Relaxed)
    }

    /// `folio_test_dirty`.
    #[inline]
    pub(crate) fn is_dirty(&self) -> bool {
        self.test_flag(bindings::pageflags_PG_dirty)
    }

    /// `folio_test_uptodate`: its contents are valid. As the C function,
    /// a set flag is followed by a read barrier (`smp_rmb()`), so that the
    /// contents read afterwards are not older than the flag.
    #[inline]
    pub(crate) fn is_uptodate(&self) -> bool {
        self.now().is_uptodate()
    }

    /// Whether the folio is being written to its store (`folio_test_writeback`).
    #[inline]
    pub(crate) fn is_writeback(&self) -> bool {
        self.test_flag(bindings::pageflags_PG_writeback)
    }

    /// `folio_test_readahead`: the readahead code marked it as the point
    /// where the next window starts (`PG_readahead`, the bit `PG_reclaim`
    /// has on a folio not under writeback); `filemap_map_pages` leaves
    /// such a folio unmapped, so its first access reaches `->fault`.
    #[inline]
    pub(crate) fn is_readahead(&self) -> bool {
        self.now().is_readahead()
    }

    /// `folio_contain_hwpoisoned_page`: a memory error took the data of
    /// a page of it (always false in a kernel without
    /// `CONFIG_MEMORY_FAILURE`). Memory failure splits a large folio before
    /// it handles the page; where the split fails (the folio under
    /// writeback, or referenced for a moment), the folio stays whole with
    /// the flag on the bad page and `has_hwpoisoned` on the folio, and the
    /// whole folio counts as poisoned.
    #[inline]
    pub(crate) fn is_hwpoison(&self) -> bool {
        self.now().is_hwpoison()
    }

    /// `folio_test_mlocked`: mapped by a `VM_LOCKED` VMA (`mlock`);
    /// reclaim keeps such a folio.
    #[inline]
    pub(crate) fn is_mlocked(&self) -> bool {
        self.test_flag(bindings::pageflags_PG_mlocked)
    }

    /// `folio_set_referenced`: it was just used. Reclaim's second chance
    /// (`folio_check_references`) reads the same bit.
    pub(crate) fn set_referenced(&self) {
        self.now().set_referenced()
    }

    /// `folio_test_clear_referenced`: whether it was used since the last
    /// call, forgetting it.
    pub(crate) fn test_clear_referenced(&self) -> bool {
        // SAFETY: `self` is a live folio; the bit is cleared atomically.
        self.test_flag(bindings::pageflags_PG_referenced)
            && unsafe { ffi::pcc_folio_test_clear_referenced(self.as_ptr()) }
    }

    /// Whether the folio may be pinned for DMA (`folio_maybe_dma_pinned`:
    /// GUP with `FOLL_PIN`, e.g. `O_DIRECT` or io_uring fixed buffers); a
    /// false positive is possible, a false negative is not.
    pub(crate) fn is_maybe_dma_pinned(&self) -> bool {
        // SAFETY: `self` is a live folio; the counts are read atomically.
        unsafe { ffi::pcc_folio_maybe_dma_pinned(self.as_ptr()) }
    }

    /// Whether any page table maps the folio (`folio_mapped`).
    pub(crate) fn is_mapped(&self) -> bool {
        // SAFETY: `self` is a live folio; the counters are read atomically.
        unsafe { ffi::pcc_folio_mapped(self.as_ptr()) }
    }

    /// The byte offset in the folio of byte `in_page` (below `PAGE_SIZE`)
    /// of file page `index`, or `None` if the folio does not hold that page.
    pub(crate) fn offset_of(&self, index: usize, in_page: usize) -> Option<usize> {
        self.now().offset_of(index, in_page)
    }

    /// How many pages it spans (`folio_nr_pages`): 1, or more for a large
    /// folio, whose pages are file pages `index()..index() + nr_pages()`.
    pub(crate) fn nr_pages(&self) -> usize {
        self.now().nr_pages()
    }

    /// Its size in bytes (`folio_size`).
    pub(crate) fn size(&self) -> usize {
        self.now().size()
    }

    /// The folio with its flags, mapping and index read by one call, for
    /// several tests of one moment ([`FolioNow`]).
    #[inline]
    pub(crate) fn now(&self) -> FolioNow<'_> {
        // SAFETY: `self` is a live folio; the call only reads it, as
        // `test_bit()`, `folio_test_uptodate()` and `READ_ONCE` do.
        let raw = unsafe { ffi::pcc_folio_now(self.as_ptr()) };
        FolioNow::of(self, &raw)
    }

    fn check_range(&self, offset: usize, len: usize) -> Result {
        match offset.checked_add(len) {
            Some(end) if end <= self.size() => Ok(()),
            _ => Err(EINVAL),
        }
    }
}

/// A folio's flags, mapping and index as one call read them
/// ([`FolioState::now`]): several tests of one moment, as C code tests a
/// word it loaded once (`READ_ONCE(folio->flags)`). Each test of
/// [`FolioState`] reads its field again, and each read is a call into C:
/// `kernel::sync::atomic`, which pcc uses for every field C owns, reaches
/// the LKMM through helpers that this kernel does not inline (see
/// `counter.rs`), and so does the barrier after a set `PG_uptodate`. A
/// path that tests several things of a folio takes one view, read by one
/// call (`pcc_folio_now`, which does `folio_test_uptodate`'s barrier).
/// The flags may change right after the read, as after any test of them;
/// the mapping and index are stable while the folio is locked.
pub(crate) struct FolioNow<'a> {
    folio: &'a FolioState,
    flags: usize,
    mapping: *mut bindings::address_space,
    index: usize,
}

impl<'a> FolioNow<'a> {
    #[inline]
    fn of(folio: &'a FolioState, raw: &ffi::PccFolioNow) -> Self {
        Self {
            folio,
            flags: raw.flags,
            mapping: raw.mapping,
            index: raw.index,
        }
    }

    #[inline]
    fn has(&self, flag: bindings::pageflags) -> bool {
        self.flags & (1usize << flag) != 0
    }

    /// More than one page (`folio_test_large`).
    #[inline]
    fn is_large(&self) -> bool {
        self.has(bindings::pageflags_PG_head)
    }

    /// [`FolioState::is_uptodate`]: the read that made this view followed
    /// a set flag with `smp_rmb()`, as `folio_test_uptodate` does, so that
    /// contents read afterwards are not older than the flag.
    #[inline]
    pub(crate) fn is_uptodate(&self) -> bool {
        self.has(bindings::pageflags_PG_uptodate)
    }

    /// [`FolioState::mapping_ptr`] as this view read it.
    #[inline]
    pub(crate) fn mapping_ptr(&self) -> *mut bindings::address_space {
        self.mapping
    }

    /// [`FolioState::index`] as this view read it.
    #[inline]
    pub(crate) fn index(&self) -> usize {
        self.index
    }

    /// [`FolioState::is_writeback`].
    #[inline]
    pub(crate) fn is_writeback(&self) -> bool {
        self.has(bindings::pageflags_PG_writeback)
    }

    /// [`FolioState::is_readahead`].
    #[inline]
    pub(crate) fn is_readahead(&self) -> bool {
        self.has(bindings::pageflags_PG_reclaim) && !self.has(bindings::pageflags_PG_writeback)
    }

    /// [`FolioState::is_hwpoison`].
    #[inline]
    pub(crate) fn is_hwpoison(&self) -> bool {
        #[cfg(CONFIG_MEMORY_FAILURE)]
        {
            if !self.is_large() {
                return self.has(bindings::pageflags_PG_hwpoison);
            }
            // SAFETY: The folio is live (the view borrows it); the flags
            // are read atomically.
            unsafe { ffi::pcc_folio_contain_hwpoisoned_page(self.folio.as_ptr()) }
        }
        #[cfg(not(CONFIG_MEMORY_FAILURE))]
        {
            false
        }
    }

    /// [`FolioState::set_referenced`]: the bit is set only if it was not.
    #[inline]
    pub(crate) fn set_referenced(&self) {
        if !self.has(bindings::pageflags_PG_referenced) {
            // SAFETY: The folio is live; the bit is set atomically.
            unsafe { ffi::pcc_folio_set_referenced(self.folio.as_ptr()) };
        }
    }

    /// [`FolioState::nr_pages`].
    #[inline]
    pub(crate) fn nr_pages(&self) -> usize {
        self.size() >> kernel::page::PAGE_SHIFT
    }

    /// Whether page offset `index` of the file is in the folio
    /// (`folio_contains`).
    #[inline]
    pub(crate) fn contains(&self, index: usize) -> bool {
        if !self.is_large() {
            // A single page (`folio_nr_pages` is 1).
            return index == self.index;
        }
        // SAFETY: The folio is live.
        unsafe { ffi::pcc_folio_contains(self.folio.as_ptr(), index) }
    }

    /// The page of the folio that holds file page `index`
    /// (`folio_file_page`), or `None` if the folio does not hold it.
    #[inline]
    pub(crate) fn file_page(&self, index: usize) -> Option<*mut bindings::page> {
        if !self.contains(index) {
            return None;
        }
        if !self.is_large() {
            // A single page: the folio's own `struct page` (`&folio->page`).
            return Some(self.folio.as_ptr().cast());
        }
        // SAFETY: The folio is live and contains `index`.
        Some(unsafe { ffi::pcc_folio_file_page(self.folio.as_ptr(), index) })
    }

    /// [`FolioState::offset_of`].
    #[inline]
    pub(crate) fn offset_of(&self, index: usize, in_page: usize) -> Option<usize> {
        match index.checked_sub(self.index) {
            Some(p) if p < self.nr_pages() && in_page < kernel::page::PAGE_SIZE => {
                Some((p << kernel::page::PAGE_SHIFT) + in_page)
            }
            _ => None,
        }
    }

    /// Copy to user space from byte `in_page` of file page `index` to the
    /// folio's end, `max` bytes at most, as `filemap_read()` copies a folio
    /// at a time (`copy_folio_to_iter`). Returns the bytes copied and the
    /// bytes asked for (fewer copied: a fault on the user buffer). `EIO` if
    /// the folio is not uptodate in this view (its memory holds nothing
    /// valid yet: as `filemap_read()` does), whose uptodate test is the
    /// one the copy follows; `EINVAL` if it does not hold page `index`
    /// (found there, it was truncated and used again since).
    pub(crate) fn copy_to_iter(
        &self,
        index: usize,
        in_page: usize,
        max: usize,
        iov: &mut IovIterDest<'_>,
    ) -> Result<(usize, usize)> {
        let offset = self.offset_of(index, in_page).ok_or(EINVAL)?;
        let len = (self.size() - offset).min(max);
        if !self.is_uptodate() {
            return Err(EIO);
        }
        // SAFETY: The folio is live (the view borrows it) and `offset +
        // len` is inside it (above); the call handles user faults itself.
        // `copy_folio_to_iter` is this call on the folio's first page (a
        // large folio's pages are contiguous `struct page`s, which
        // `copy_page_to_iter` walks).
        let copied = unsafe {
            bindings::copy_page_to_iter(self.folio.as_ptr().cast(), offset, len, iov.as_raw())
        };
        Ok((copied, len))
    }

    /// [`FolioState::size`]: a single page's without a call into C.
    #[inline]
    pub(crate) fn size(&self) -> usize {
        if !self.is_large() {
            return kernel::page::PAGE_SIZE;
        }
        // SAFETY: The folio is live; its order does not change while it is
        // referenced.
        unsafe { ffi::pcc_folio_size(self.folio.as_ptr()) }
    }
}

impl Folio {
    /// Borrow a folio the caller keeps alive for `'a`.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a folio that stays referenced for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: *mut bindings::folio) -> &'a Folio {
        // SAFETY: `Folio` is a transparent wrapper; validity is the caller's promise.
        unsafe { &*ptr.cast() }
    }

    /// Take ownership of one reference the caller already holds.
    ///
    /// # Safety
    ///
    /// `ptr` must be a valid folio and the caller must own one reference to it.
    pub(crate) unsafe fn from_raw_owned(ptr: NonNull<bindings::folio>) -> ARef<Folio> {
        // SAFETY: The caller transfers its reference to the returned `ARef`.
        unsafe { ARef::from_raw(ptr.cast()) }
    }

    /// Sleep until nobody holds the folio lock, without taking it
    /// (`folio_wait_locked`).
    pub(crate) fn wait_locked(&self) {
        // SAFETY: `self` is a live folio.
        unsafe { ffi::pcc_folio_wait_locked(self.as_ptr()) }
    }

    /// As [`Folio::wait_locked`], but a fatal signal ends the wait with
    /// `EINTR` (`folio_wait_locked_killable`).
    pub(crate) fn wait_locked_killable(&self) -> Result {
        // SAFETY: `self` is a live folio.
        match unsafe { ffi::pcc_folio_wait_locked_killable(self.as_ptr()) } {
            0 => Ok(()),
            _ => Err(EINTR),
        }
    }

    /// Sleep until the folio lock is ours (`folio_lock`).
    pub(crate) fn lock(&self) -> FolioGuard<&Folio> {
        FolioGuard::new(self)
    }
}

mod private {
    /// Seals [`super::FolioRef`].
    pub(crate) trait Sealed {}
}

/// A handle that keeps a folio alive and always derefs to that same folio:
/// `&Folio` (a borrow) or `ARef<Folio>` (a reference of its own). Sealed,
/// so that [`FolioGuard`] unlocks exactly the folio it locked.
pub(crate) trait FolioRef: Deref<Target = Folio> + private::Sealed {}

impl private::Sealed for &Folio {}
impl FolioRef for &Folio {}
impl private::Sealed for ARef<Folio> {}
impl FolioRef for ARef<Folio> {}

/// The folio lock (`folio_lock` ... `folio_unlock`), held on a folio that
/// `P` keeps alive. Unlocks on drop.
///
/// # Examples
///
/// Writing a dirty folio to a store, as a `->writepages` does:
///
/// ```
/// let locked = FolioGuard::new(folio);
/// if let Ok(wb) = locked.start_writeback() {
///     if file.write_folios(core::slice::from_ref(&wb), pos).is_err() {
///         wb.redirty(); // dirty again, then writeback ends
///     } // else dropping `wb` ends writeback
/// }
/// ```
///
/// # Invariants
///
/// The folio lock of `*folio` is held by this guard; `*folio` is the same
/// folio for the guard's whole life ([`FolioRef`] is sealed).
pub(crate) struct FolioGuard<P: FolioRef> {
    folio: ManuallyDrop<P>,
}

impl<P: FolioRef> FolioGuard<P> {
    /// Lock `folio`, sleeping until the lock is ours.
    pub(crate) fn new(folio: P) -> Self {
        // SAFETY: `P` keeps the folio alive; the lock is released by `Drop`
        // or passed on by `into_kernel`.
        unsafe { ffi::pcc_folio_lock(folio.as_ptr()) };
        // INVARIANT: the lock was just taken.
        Self {
            folio: ManuallyDrop::new(folio),
        }
    }

    /// The lock if it is free now (`folio_trylock`); else the handle back.
    pub(crate) fn try_new(folio: P) -> core::result::Result<Self, P> {
        // SAFETY: `P` keeps the folio alive.
        if unsafe { ffi::pcc_folio_trylock(folio.as_ptr()) } {
            // INVARIANT: the lock was just taken.
            Ok(Self {
                folio: ManuallyDrop::new(folio),
            })
        } else {
            Err(folio)
        }
    }

    /// Sleep for the lock; a fatal signal ends the wait and gives the
    /// handle back (`folio_lock_killable`).
    pub(crate) fn new_killable(folio: P) -> core::result::Result<Self, P> {
        // SAFETY: `P` keeps the folio alive.
        if unsafe { ffi::pcc_folio_lock_killable(folio.as_ptr()) } == 0 {
            // INVARIANT: the lock was just taken.
            Ok(Self {
                folio: ManuallyDrop::new(folio),
            })
        } else {
            Err(folio)
        }
    }

    /// Wrap a folio whose lock the caller holds.
    ///
    /// # Safety
    ///
    /// The caller holds the lock of `*folio` and gives it to the guard.
    pub(crate) unsafe fn from_locked(folio: P) -> Self {
        // INVARIANT: the caller passes the lock.
        Self {
            folio: ManuallyDrop::new(folio),
        }
    }

    /// Fill a folio that is not uptodate with zeros and mark it uptodate
    /// (`folio_zero_range`, `folio_mark_uptodate`): what a page that was
    /// never written holds. With [`KernelFile::read_folio`] and
    /// [`Self::overwrite_from_iter_atomic`], the only ways to make a folio
    /// uptodate, so no folio is handed out before its every byte was
    /// written. An uptodate folio holds data (it may be mapped):
    /// it is left alone.
    ///
    /// [`KernelFile::read_folio`]: super::kernel_file::KernelFile::read_folio
    pub(crate) fn zero_fill(&self) {
        if self.is_uptodate() {
            return;
        }
        let f = self.folio.as_ptr();
        // SAFETY: The folio is locked (type invariant), as
        // `folio_mark_uptodate` requires; zeroing writes only its own memory.
        unsafe { ffi::pcc_folio_zero_uptodate(f) };
    }

    /// `folio_mark_dirty`: returns true if it was clean before.
    pub(crate) fn mark_dirty(&self) -> bool {
        // SAFETY: The folio is locked, so it cannot be truncated meanwhile.
        unsafe { ffi::pcc_folio_mark_dirty(self.folio.as_ptr()) }
    }

    /// Clean the folio, `folio_clear_dirty_for_io()`: write-protect
    /// it in every mapping (`folio_mkclean`), carry a dirty PTE over into
    /// the folio's dirty flag, then clear that flag. Returns whether the
    /// folio was dirty. For a cache without a store, where cleaning is all
    /// there is to writeback; with a store, [`FolioGuard::start_writeback`]
    /// cleans and starts writeback in one step.
    pub(crate) fn clear_dirty_for_io(&self) -> bool {
        // SAFETY: The folio is locked, which `folio_clear_dirty_for_io` and
        // `folio_mkclean` require, and live. No new writable PTE can
        // appear meanwhile: that goes through `->page_mkwrite`, which waits
        // for this lock. Where the mapping accounts dirty pages the
        // kernel's call undoes that accounting.
        unsafe { ffi::pcc_folio_clear_dirty_for_io(self.folio.as_ptr()) }
    }

    /// Wait while the folio is under writeback, when the mapping asks for
    /// stable pages (`folio_wait_stable`), as `filemap_page_mkwrite` and
    /// `write_begin` do before the folio is changed.
    pub(crate) fn wait_stable(&self) {
        // `folio_wait_stable` reads the mapping's flags: a truncated folio
        // has none, and no writeback can start on it any more.
        if self.mapping_ptr().is_null() {
            return;
        }
        // Writeback starts only under the folio lock (`folio_start_writeback`
        // requires it), which we hold: a folio not under writeback now
        // cannot be until we unlock, and `folio_wait_stable` would only
        // return. Every store fault passes here; skip the call.
        if !self.is_writeback() {
            return;
        }
        // SAFETY: The folio is locked, so it stays in its mapping and
        // writeback cannot start anew.
        unsafe { bindings::folio_wait_stable(self.folio.as_ptr()) };
    }

    /// Copy from user space into the locked folio with page faults
    /// disabled (`copy_folio_from_iter_atomic`), as `generic_perform_write`
    /// does: a fault on a page of this same file would wait for this lock.
    /// Returns 0 if the source was not resident: fault it in with
    /// [`fault_in_readable`] outside the lock, then try again.
    pub(crate) fn copy_from_iter_atomic(
        &self,
        offset: usize,
        len: usize,
        iov: &mut IovIterSource<'_>,
    ) -> Result<usize> {
        self.check_range(offset, len)?;
        self.wait_stable();
        // SAFETY: The folio is live and locked and `offset + len` is inside
        // it (checked above); no writeback reads it (waited for above, and
        // none starts without the lock); page faults are disabled.
        Ok(unsafe {
            ffi::pcc_copy_folio_from_iter_atomic(self.folio.as_ptr(), offset, len, iov.as_raw())
        })
    }

    /// Fill a folio that is not uptodate with the whole of its size from
    /// user space, page faults disabled, as `generic_perform_write` does for
    /// a write that covers a page (`simple_write_begin` neither reads nor
    /// zeroes it then): uptodate if every byte was copied, and `true`.
    /// After a short copy the folio stays not uptodate, its memory partly
    /// copied and partly stale: `false`, and the caller fills it another way
    /// ([`Self::zero_fill`], a read) or removes it. An uptodate folio is
    /// left alone (`false`): it holds data.
    pub(crate) fn overwrite_from_iter_atomic(&self, iov: &mut IovIterSource<'_>) -> Result<bool> {
        if self.is_uptodate() {
            return Ok(false);
        }
        let size = self.size();
        if iov.len() < size {
            return Ok(false);
        }
        // A folio that is not uptodate is under no writeback and mapped
        // nowhere (`filemap_map_pages` and the fault path skip or wait for
        // it), so the copy is all that touches it.
        let f = self.folio.as_ptr();
        // SAFETY: The folio is live and locked (type invariant); the range
        // is the whole folio; page faults are disabled in the call.
        let n = unsafe { ffi::pcc_copy_folio_from_iter_atomic(f, 0, size, iov.as_raw()) };
        if n < size {
            // Give back what was consumed: the caller copies it again.
            // SAFETY: The iterator advanced by exactly `n` in this call.
            unsafe { iov.revert(n) };
            return Ok(false);
        }
        // SAFETY: Locked, as `folio_mark_uptodate` requires; every byte
        // of the folio was just written.
        unsafe { ffi::pcc_folio_mark_uptodate(f) };
        Ok(true)
    }

    /// Clean a dirty folio and start its writeback, as a filesystem's
    /// `->writepages` does for each folio (`folio_clear_dirty_for_io`,
    /// then `folio_start_writeback`), and unlock: the folio stays under
    /// writeback, and stable-page waiters wait, until the returned handle
    /// is dropped (`folio_end_writeback`). A folio that is not dirty has
    /// nothing to write: `Err` gives the guard back. So is one that is not
    /// uptodate: its memory is not the file's data (the kernel never
    /// dirties such a folio; `__folio_mark_dirty` warns if it is asked to),
    /// and no [`FolioWriteback`] exists whose memory was not written in
    /// full first, which is what lets [`KernelFile::write_folios`] send it
    /// to a store.
    ///
    /// [`KernelFile::write_folios`]: super::kernel_file::KernelFile::write_folios
    ///
    /// A writeback already in flight (started by another task, which ends
    /// it without the lock) is waited for first: one writeback at a time.
    pub(crate) fn start_writeback(self) -> core::result::Result<FolioWriteback<P>, Self> {
        let f = self.folio.as_ptr();
        // SAFETY: The folio is locked; a writeback in flight (started under
        // the lock by someone else, ended without it) is waited for, and
        // none can start while we hold the lock.
        unsafe { bindings::folio_wait_writeback(f) };
        if !self.is_uptodate() || !self.clear_dirty_for_io() {
            return Err(self);
        }
        // SAFETY: Locked and not under writeback (above), as
        // `folio_start_writeback` requires.
        unsafe { ffi::pcc_folio_start_writeback(f) };
        // INVARIANT: writeback was just started, on a folio that is
        // uptodate and was cleaned under its lock: every later change to
        // its memory waits in `wait_stable` (a store through
        // `->page_mkwrite`, a `write()`), until writeback ends.
        Ok(FolioWriteback {
            folio: ManuallyDrop::new(self.unlock()),
        })
    }

    /// A new reference to the folio, for an index that keeps it. Do not
    /// lock it while this guard lives: the lock is held here.
    pub(crate) fn handle(&self) -> ARef<Folio> {
        ARef::from(&**self.folio)
    }

    /// Unlock, keeping the handle.
    pub(crate) fn unlock(self) -> P {
        let mut me = ManuallyDrop::new(self);
        // SAFETY: By the type invariant we hold the lock.
        unsafe { ffi::pcc_folio_unlock(me.folio.as_ptr()) };
        // SAFETY: `me` is forgotten, so the handle moves out exactly once.
        unsafe { ManuallyDrop::take(&mut me.folio) }
    }

    /// Give the lock to the kernel without unlocking (`VM_FAULT_LOCKED`):
    /// the kernel unlocks the folio later. Returns the handle. Only the
    /// fault trampolines call this, for a result that says `VM_FAULT_LOCKED`.
    pub(super) fn into_kernel(self) -> P {
        let mut me = ManuallyDrop::new(self);
        // SAFETY: `me` is forgotten, so the handle moves out exactly once.
        unsafe { ManuallyDrop::take(&mut me.folio) }
    }
}

/// A guard derefs to what may be read of the folio, not to [`Folio`]: its
/// lock is held here.
impl<P: FolioRef> Deref for FolioGuard<P> {
    type Target = FolioState;

    fn deref(&self) -> &FolioState {
        &self.folio
    }
}

impl<P: FolioRef> Drop for FolioGuard<P> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we hold the lock.
        unsafe { ffi::pcc_folio_unlock(self.folio.as_ptr()) };
        // SAFETY: `folio` is not used after this.
        unsafe { ManuallyDrop::drop(&mut self.folio) };
    }
}

/// A locked folio and a view read under its lock ([`FolioGuard::into_view`],
/// or `From` a guard): the tests of a path that checks a folio it locked
/// ([`FolioNow`]) at the cost of one call, and the view stays true for
/// what it is trusted with while the lock is held: no one else changes
/// the mapping, index or size of a locked folio (truncation and splitting
/// take the lock), nor clears its `PG_uptodate` (the page cache clears it
/// only under the lock, after a failed read). The guard is reached only by
/// giving the view up ([`Self::into_guard`]), so nothing done through it
/// can make the view stale.
///
/// # Invariants
///
/// `raw` was read by `pcc_folio_now` of `guard`'s folio while `guard`
/// held its lock.
pub(crate) struct LockedView<P: FolioRef> {
    guard: FolioGuard<P>,
    raw: ffi::PccFolioNow,
}

impl<P: FolioRef> LockedView<P> {
    /// The view, as the lock's holder read it.
    #[inline]
    pub(crate) fn now(&self) -> FolioNow<'_> {
        FolioNow::of(&self.guard, &self.raw)
    }

    /// The guard back, the view given up.
    #[inline]
    pub(crate) fn into_guard(self) -> FolioGuard<P> {
        self.guard
    }
}

impl<P: FolioRef> FolioGuard<P> {
    /// The folio with a view read now, under its lock ([`LockedView`]).
    #[inline]
    pub(crate) fn into_view(self) -> LockedView<P> {
        // SAFETY: The guard keeps the folio alive; the call only reads it.
        let raw = unsafe { ffi::pcc_folio_now(self.as_ptr()) };
        // INVARIANT: read just now, under the lock `self` holds.
        LockedView { guard: self, raw }
    }
}

impl<P: FolioRef> From<FolioGuard<P>> for LockedView<P> {
    fn from(guard: FolioGuard<P>) -> Self {
        guard.into_view()
    }
}

/// A folio under writeback, unlocked.
///
/// # Invariants
///
/// `folio` is under writeback, started by [`FolioGuard::start_writeback`]
/// on an uptodate folio it cleaned; dropping the handle ends it. While it
/// lasts the folio stays in its mapping (truncation, eviction and memory
/// failure wait for writeback to end, under the folio lock, before they
/// remove a folio) and its memory does not change through the page cache
/// (every writer waits in [`FolioGuard::wait_stable`] first). A `FOLL_PIN`
/// user (`O_DIRECT` into a mapping of the file) may still write it, as
/// into any file's page under writeback: the store then gets either
/// version of those bytes, which only C reads.
pub(crate) struct FolioWriteback<P: FolioRef> {
    folio: ManuallyDrop<P>,
}

impl<P: FolioRef> FolioWriteback<P> {
    /// The write failed: dirty the folio again, then end its writeback,
    /// so that no one finds it clean (and evicts it) with data the store
    /// does not hold. Returns whether it was clean (no store dirtied it
    /// meanwhile).
    ///
    /// Without the folio lock, as `nfs_redirty_request` does: tasks that
    /// hold the lock wait for this writeback to end (`folio_wait_stable`
    /// in `->page_mkwrite` and `write()`, truncation, memory failure, a
    /// second writeback), so waiting here for the lock before ending the
    /// writeback would deadlock with any of them.
    pub(crate) fn redirty(self) -> bool {
        let mut me = ManuallyDrop::new(self);
        // SAFETY: `me` is forgotten, so the handle moves out exactly once.
        let folio = unsafe { ManuallyDrop::take(&mut me.folio) };
        let f = folio.as_ptr();
        // SAFETY: The handle keeps the folio alive. `folio_mark_dirty`
        // must not race with truncation: under writeback the folio cannot
        // leave its mapping (type invariant). Then we end the writeback we
        // started (type invariant), once: `me` is not dropped.
        unsafe {
            let was_clean = ffi::pcc_folio_mark_dirty(f);
            bindings::folio_end_writeback(f);
            was_clean
        }
    }
}

impl<P: FolioRef> Deref for FolioWriteback<P> {
    type Target = FolioState;

    fn deref(&self) -> &FolioState {
        &self.folio
    }
}

impl<P: FolioRef> Drop for FolioWriteback<P> {
    fn drop(&mut self) {
        // SAFETY: Writeback was started by us (type invariant) and ends
        // once.
        unsafe { bindings::folio_end_writeback(self.folio.as_ptr()) };
        // SAFETY: `folio` is not used after this.
        unsafe { ManuallyDrop::drop(&mut self.folio) };
    }
}

/// Whether the current task has been sent a fatal signal
/// (`fatal_signal_pending(current)`): a loop over a user buffer stops
/// then, as `generic_perform_write()` and `filemap_read()` do.
pub(crate) fn fatal_signal_pending() -> bool {
    // SAFETY: `current` is always a valid task.
    unsafe { ffi::pcc_fatal_signal_pending() }
}

/// Fault in up to `len` bytes of the source (`fault_in_iov_iter_readable`);
/// returns how many bytes could not be.
pub(crate) fn fault_in_readable(iov: &mut IovIterSource<'_>, len: usize) -> usize {
    // SAFETY: `iov` is a live source iterator; the call only touches user
    // memory, handling faults itself.
    unsafe { bindings::fault_in_iov_iter_readable(iov.as_raw(), len) }
}

/// Write `len` zero bytes to user space (`iov_iter_zero`): what a page that
/// is not cached reads as. Returns the bytes written.
pub(crate) fn zeros_to_iter(len: usize, iov: &mut IovIterDest<'_>) -> usize {
    // SAFETY: `iov` is a live destination iterator; the call handles user
    // faults itself.
    unsafe { bindings::iov_iter_zero(len, iov.as_raw()) }
}
