// SPDX-License-Identifier: GPL-2.0

//! Folios of a page cache: reference-counted handles and the folio lock.
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h),
//! [`include/linux/pagemap.h`](srctree/include/linux/pagemap.h).

use super::ffi;
use core::{
    mem::ManuallyDrop,
    ptr::NonNull, //
};
use kernel::{
    bindings,
    iov::{
        IovIterDest,
        IovIterSource, //
    },
    sync::aref::{
        ARef,
        AlwaysRefCounted, //
    },
    types::Opaque,
};

/// A `struct folio` (always order 0 in pcc: its mapping has no large folios).
///
/// # Invariants
///
/// Instances are only reached through a reference count (`ARef<Folio>`) or
/// a borrow whose lifetime the kernel guarantees (e.g. `vmf->page` inside a
/// fault callback), so the folio is never freed while a `&Folio` exists.
#[repr(transparent)]
pub(crate) struct Folio(Opaque<bindings::folio>);

// SAFETY: Folio reference counts may be taken and dropped on any thread.
unsafe impl Send for Folio {}
// SAFETY: All `&self` methods are safe to call concurrently (they use the
// folio's own atomic flags and lock).
unsafe impl Sync for Folio {}

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

    pub(crate) fn as_ptr(&self) -> *mut bindings::folio {
        self.0.get()
    }

    /// The folio's first (and only) page.
    pub(crate) fn page_ptr(&self) -> *mut bindings::page {
        // SAFETY: `self` is a live folio.
        unsafe { ffi::pcc_folio_page(self.as_ptr()) }
    }

    /// The folio's `address_space`, or null once truncated.
    pub(crate) fn mapping_ptr(&self) -> *mut bindings::address_space {
        // SAFETY: `self` is a live folio; `folio->mapping` is read once.
        unsafe { ffi::pcc_folio_mapping(self.as_ptr()) }
    }

    pub(crate) fn is_dirty(&self) -> bool {
        // SAFETY: `self` is a live folio; the flag is read atomically.
        unsafe { ffi::pcc_folio_test_dirty(self.as_ptr()) }
    }

    pub(crate) fn is_uptodate(&self) -> bool {
        // SAFETY: `self` is a live folio; the flag is read atomically.
        unsafe { ffi::pcc_folio_test_uptodate(self.as_ptr()) }
    }

    /// Sleep until the folio lock is ours (`folio_lock`).
    pub(crate) fn lock(&self) -> FolioGuard<'_> {
        // SAFETY: `self` is a live folio; the lock is released by the guard.
        unsafe { ffi::pcc_folio_lock(self.as_ptr()) };
        // INVARIANT: we just took the folio lock.
        FolioGuard { folio: self }
    }

    /// Copy `len` bytes at `offset` of the folio to user space
    /// (`copy_page_to_iter`). Returns the bytes copied.
    pub(crate) fn copy_to_iter(
        &self,
        offset: usize,
        len: usize,
        iov: &mut IovIterDest<'_>,
    ) -> usize {
        // SAFETY: The page is live; `copy_page_to_iter` checks `offset + len`
        // against the page and handles user faults itself.
        unsafe { bindings::copy_page_to_iter(self.page_ptr(), offset, len, iov.as_raw()) }
    }

    /// Copy `len` bytes from user space into the folio at `offset`
    /// (`copy_page_from_iter`). Returns the bytes copied.
    pub(crate) fn copy_from_iter(
        &self,
        offset: usize,
        len: usize,
        iov: &mut IovIterSource<'_>,
    ) -> usize {
        // SAFETY: As for `copy_to_iter`, in the other direction.
        unsafe { bindings::copy_page_from_iter(self.page_ptr(), offset, len, iov.as_raw()) }
    }
}

/// Operations that need the folio lock, for every type that holds it.
///
/// # Safety
///
/// Implementors must hold the lock of the folio `locked_folio` returns for
/// as long as they exist.
pub(crate) unsafe trait Locked {
    /// The locked folio.
    fn locked_folio(&self) -> &Folio;

    /// Fill the folio with zeros (`folio_zero_range`).
    fn zero(&self) {
        // SAFETY: The folio is locked (trait contract), so nobody else fills
        // it through the page cache meanwhile.
        unsafe { ffi::pcc_folio_zero(self.locked_folio().as_ptr()) };
    }

    /// `folio_mark_uptodate`: its contents are valid from now on.
    fn mark_uptodate(&self) {
        // SAFETY: The folio is locked, as `folio_mark_uptodate` requires.
        unsafe { ffi::pcc_folio_mark_uptodate(self.locked_folio().as_ptr()) };
    }

    /// `folio_mark_dirty`: returns true if it was clean before.
    fn mark_dirty(&self) -> bool {
        // SAFETY: The folio is locked, so it cannot be truncated meanwhile.
        unsafe { ffi::pcc_folio_mark_dirty(self.locked_folio().as_ptr()) }
    }

    /// Clean the folio for writeback, like `folio_clear_dirty_for_io()`:
    /// write-protect it in every mapping (`folio_mkclean`), carry a dirty
    /// PTE over into the folio's dirty flag, then clear that flag. Returns
    /// whether the folio was dirty.
    fn clear_dirty_for_io(&self) -> bool {
        let f = self.locked_folio().as_ptr();
        // SAFETY: The folio is locked, which `folio_mkclean` requires, and
        // live. No new writable PTE can appear meanwhile: that goes through
        // `->page_mkwrite`, which waits for this lock.
        unsafe {
            if ffi::pcc_folio_mkclean(f) != 0 {
                ffi::pcc_folio_mark_dirty(f);
            }
            ffi::pcc_folio_test_clear_dirty(f)
        }
    }
}

/// The folio lock, held on a borrowed folio (`folio_lock` ... `folio_unlock`).
///
/// # Invariants
///
/// The folio lock of `folio` is held by this guard.
pub(crate) struct FolioGuard<'a> {
    folio: &'a Folio,
}

// SAFETY: By the type invariant the guard holds the lock.
unsafe impl Locked for FolioGuard<'_> {
    fn locked_folio(&self) -> &Folio {
        self.folio
    }
}

impl<'a> FolioGuard<'a> {
    /// Hand the lock over without unlocking: the kernel unlocks it later
    /// (`VM_FAULT_LOCKED` from `->page_mkwrite`). Returns the folio.
    pub(super) fn into_kernel(self) -> &'a Folio {
        let me = ManuallyDrop::new(self);
        me.folio
    }
}

impl Drop for FolioGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the lock is held by us.
        unsafe { ffi::pcc_folio_unlock(self.folio.as_ptr()) };
    }
}

/// A locked folio with a reference of its own: what `->fault` hands back to
/// the kernel in `vmf->page` with `VM_FAULT_LOCKED`.
///
/// # Invariants
///
/// `folio` holds one reference and its folio lock is held by this object.
pub(crate) struct LockedFolioRef {
    folio: ManuallyDrop<ARef<Folio>>,
}

// SAFETY: By the type invariant the lock is held by us.
unsafe impl Locked for LockedFolioRef {
    fn locked_folio(&self) -> &Folio {
        &self.folio
    }
}

impl LockedFolioRef {
    /// Lock `folio`, sleeping until the lock is ours.
    pub(crate) fn lock(folio: ARef<Folio>) -> Self {
        // SAFETY: The folio is live (we hold a reference); the lock is
        // released by `Drop` or passed on by `into_raw_page`.
        unsafe { ffi::pcc_folio_lock(folio.as_ptr()) };
        // INVARIANT: reference owned, lock just taken.
        Self {
            folio: ManuallyDrop::new(folio),
        }
    }

    /// Wrap a folio that `__filemap_get_folio(FGP_LOCK)` returned.
    ///
    /// # Safety
    ///
    /// The caller owns one reference to `ptr` and holds its lock.
    pub(super) unsafe fn from_raw_locked(ptr: NonNull<bindings::folio>) -> Self {
        // INVARIANT: the caller passes a reference and the lock.
        Self {
            // SAFETY: The caller owns one reference.
            folio: ManuallyDrop::new(unsafe { Folio::from_raw_owned(ptr) }),
        }
    }

    /// Unlock, keeping the reference.
    pub(crate) fn unlock(self) -> ARef<Folio> {
        let mut me = ManuallyDrop::new(self);
        // SAFETY: By the type invariant we hold the lock.
        unsafe { ffi::pcc_folio_unlock(me.folio.as_ptr()) };
        // SAFETY: `me` is forgotten, so the reference moves out exactly once.
        unsafe { ManuallyDrop::take(&mut me.folio) }
    }

    /// Give both the reference and the lock to the kernel; returns the page.
    pub(super) fn into_raw_page(self) -> *mut bindings::page {
        let me = ManuallyDrop::new(self);
        me.folio.page_ptr()
    }
}

impl core::ops::Deref for LockedFolioRef {
    type Target = Folio;

    fn deref(&self) -> &Folio {
        &self.folio
    }
}

impl Drop for LockedFolioRef {
    fn drop(&mut self) {
        // SAFETY: By the type invariant we hold the lock.
        unsafe { ffi::pcc_folio_unlock(self.folio.as_ptr()) };
        // SAFETY: `folio` is not used after this.
        unsafe { ManuallyDrop::drop(&mut self.folio) };
    }
}

/// Write `len` zero bytes to user space (`iov_iter_zero`): what a page
/// that is not cached reads as. Returns the bytes written.
pub(crate) fn zeros_to_iter(len: usize, iov: &mut IovIterDest<'_>) -> usize {
    // SAFETY: `iov` is a live destination iterator; the call handles user
    // faults itself.
    unsafe { bindings::iov_iter_zero(len, iov.as_raw()) }
}
