// SPDX-License-Identifier: GPL-2.0

//! Memory failure: what a page cache does when the kernel finds one of its
//! pages poisoned (an uncorrectable memory error, or `madvise(MADV_HWPOISON)`).
//!
//! C: [`mm/memory-failure.c`](srctree/mm/memory-failure.c)
//! (`me_pagecache_clean`, `me_pagecache_dirty`, `truncate_error_folio`) and
//! `address_space_operations.error_remove_folio` in
//! [`include/linux/fs.h`](srctree/include/linux/fs.h).
//!
//! Memory failure unmaps the folio from every process (their PTEs become
//! hwpoison entries: a later access there is `SIGBUS`/`BUS_MCEERR_AR`
//! without calling the driver), then, the folio locked, asks the mapping
//! to drop it. It counts the page recovered only if no reference but its
//! own is left: a cache that holds references of its own must give them
//! up in this call, which is why it goes to the driver.

use super::{
    ffi,
    folio::{
        Folio,
        FolioState, //
    },
    mapping::{
        InodeHandler,
        PageCacheInode, //
    },
};
use core::marker::PhantomData;
use kernel::{bindings, prelude::*, sync::Arc, types::ForeignOwnable};

/// What a page cache does with a poisoned folio.
///
/// # Examples
///
/// ```
/// impl HandleMemoryFailure for Cache {
///     fn inode(&self) -> &PageCacheInode {
///         &self.inode
///     }
///
///     fn error_remove_folio<'a>(&self, folio: PoisonedFolio<'a>) -> Result<Removed<'a>> {
///         let mut index = self.index.try_lock().ok_or(EBUSY)?; // never wait here
///         index.forget(folio.index());
///         folio.remove()
///     }
/// }
/// ```
pub(crate) trait HandleMemoryFailure: Send + Sync + 'static {
    /// The inode whose folios this handles.
    fn inode(&self) -> &PageCacheInode;

    /// `->error_remove_folio`: drop every reference the cache holds on
    /// `folio` (the data in it is lost), then take it out of the page
    /// cache with [`PoisonedFolio::remove`], whose [`Removed`] is the only
    /// way to return `Ok`. An error leaves the folio where it is, and
    /// memory failure reports the page as not recovered.
    ///
    /// Memory failure calls this holding `mf_mutex` (every other memory
    /// failure in the system waits) and the folio lock: the handler must
    /// not sleep waiting for a lock whose holder may wait for this folio,
    /// nor allocate in a way that waits for reclaim.
    fn error_remove_folio<'a>(&self, folio: PoisonedFolio<'a>) -> Result<Removed<'a>>;

    /// A large folio that memory failure marked as holding a bad page,
    /// locked, which the kernel asks to let go of (`->release_folio`,
    /// which a cache that refuses every folio routes here): before it
    /// splits the folio to give up only the bad page, or before a path
    /// that drops clean folios takes one whose split failed. `Ok` lets it:
    /// whatever the cache must remember of the folio's pages (lost, if the
    /// split fails and the folio goes whole) it records first. The same
    /// context as [`Self::error_remove_folio`]: never wait for a folio
    /// lock. An error keeps the folio, whole.
    fn large_folio_poisoned(&self, _folio: &FolioState) -> Result {
        Err(EBUSY)
    }
}

/// Proof that the poisoned folio of one `->error_remove_folio` call left
/// the page cache: only [`PoisonedFolio::remove`] makes one, branded with
/// that call's invariant lifetime, so one kept from another call is not
/// this call's proof.
pub(crate) struct Removed<'a>(PhantomData<fn(&'a ()) -> &'a ()>);

/// A folio memory failure found poisoned.
///
/// # Invariants
///
/// Memory failure holds the folio's lock for as long as this lives, and
/// the folio belongs to the mapping of the inode the handler serves.
pub(crate) struct PoisonedFolio<'a> {
    folio: &'a Folio,
    inode: &'a PageCacheInode,
    _brand: PhantomData<fn(&'a ()) -> &'a ()>,
}

impl<'a> PoisonedFolio<'a> {
    /// Its page offset in the file (stable: the folio is locked in its mapping).
    pub(crate) fn index(&self) -> usize {
        self.folio.index()
    }

    /// The folio, to read: memory failure holds its lock.
    pub(crate) fn folio(&self) -> &FolioState {
        self.folio
    }

    /// Take the folio out of the page cache and out of every page table
    /// still mapping it: `generic_error_remove_folio`, which
    /// `truncate_error_folio` calls for a filesystem that has it as its
    /// `->error_remove_folio`.
    pub(crate) fn remove(self) -> Result<Removed<'a>> {
        // SAFETY: The folio is locked and in the mapping of `inode` (type
        // invariant), as the call requires; the mapping is live.
        let r = unsafe {
            bindings::generic_error_remove_folio(self.inode.mapping(), self.folio.as_ptr())
        };
        kernel::error::to_result(r)?;
        Ok(Removed(PhantomData))
    }
}

/// `T` registered as the memory-failure handler of its inode, holding a
/// reference on `T` until dropped (which waits for every running call).
pub(crate) struct MemoryFailureHandler<T: HandleMemoryFailure> {
    _handler: InodeHandler<T>,
}

impl<T: HandleMemoryFailure> MemoryFailureHandler<T> {
    /// Route memory failures of `data`'s page cache to `data`. `EBUSY` if
    /// the inode has a handler already.
    pub(crate) fn register(data: Arc<T>) -> Result<Self> {
        let inode = data.inode().inode_ptr();
        let set = |inode, ptr| {
            // SAFETY: `inode` is live (`data` owns it); the callback matches
            // the prototype and reads `ptr` as `Arc<T>`.
            unsafe { ffi::pcc_inode_set_error_handler(inode, ptr, Self::remove, Self::split) }
        };
        // SAFETY: `inode` is `data`'s; `set` stores the pointer for
        // `Self::remove` and `Self::split`, which read it as `Arc<T>` while
        // registered, and `pcc_inode_clear_error_handler` removes it once no
        // call runs.
        let handler =
            unsafe { InodeHandler::new(inode, data, set, ffi::pcc_inode_clear_error_handler) }?;
        Ok(Self { _handler: handler })
    }

    /// # Safety
    ///
    /// Called by `pcc_release_folio` (under the handler's rwsem, so the
    /// handler is registered) with the `data` `register` lent and a large
    /// folio of that inode's mapping, locked and referenced by its caller
    /// (`__folio_split`, `mapping_evict_folio`), that memory failure marked
    /// `has_hwpoisoned`.
    unsafe extern "C" fn split(
        data: *mut kernel::ffi::c_void,
        folio: *mut bindings::folio,
    ) -> kernel::ffi::c_int {
        // SAFETY: `data` holds an `Arc<T>` until the registration is
        // dropped, which waits for this call to return.
        let t = unsafe { Arc::<T>::borrow(data) };
        // SAFETY: The caller holds a reference on the folio for the call.
        let folio = unsafe { Folio::from_raw(folio) };
        if !t.inode().owns(folio) {
            return EBUSY.to_errno();
        }
        match t.large_folio_poisoned(folio) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called by `pcc_error_remove_folio` (under its rwsem, so the handler
    /// is registered) with the `data` `register` lent and the folio memory
    /// failure holds locked in that inode's mapping.
    unsafe extern "C" fn remove(
        data: *mut kernel::ffi::c_void,
        folio: *mut bindings::folio,
    ) -> kernel::ffi::c_int {
        // SAFETY: `data` holds an `Arc<T>` until the registration is
        // dropped, which waits for this call to return.
        let t = unsafe { Arc::<T>::borrow(data) };
        // SAFETY: Memory failure holds a reference on the folio for the call.
        let folio = unsafe { Folio::from_raw(folio) };
        let inode = t.inode();
        if !inode.owns(folio) {
            return EBUSY.to_errno();
        }
        // INVARIANT: locked by memory failure for this call; in the mapping
        // of `inode` (checked above, stable under the folio lock).
        let poisoned = PoisonedFolio {
            folio,
            inode,
            _brand: PhantomData,
        };
        match t.error_remove_folio(poisoned) {
            Ok(Removed(_)) => 0,
            Err(e) => e.to_errno(),
        }
    }
}
