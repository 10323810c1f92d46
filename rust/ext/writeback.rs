// SPDX-License-Identifier: GPL-2.0

//! Writeback driven by the kernel: `->writepages` (the flusher, `sync(2)`)
//! and `->sync_fs` (`sync(2)`) of a page cache whose inode has a backing
//! device of its own.
//!
//! C: [`include/linux/writeback.h`](srctree/include/linux/writeback.h),
//! [`fs/fs-writeback.c`](srctree/fs/fs-writeback.c) (`wb_writeback`,
//! `__writeback_single_inode` -> `do_writepages`) and
//! [`fs/sync.c`](srctree/fs/sync.c) (`ksys_sync` -> `sync_inodes_sb`, then
//! `->sync_fs`).
//!
//! The inode ([`PageCacheInode::with_writeback`]) lives in a superblock of
//! its own whose bdi writes back: `filemap_dirty_folio` accounts each page
//! dirtied and puts the inode on the bdi's dirty list, `balance_dirty_pages`
//! throttles whoever dirties pages past the kernel's dirty limits (after
//! the fault lock is dropped, in `fault_dirty_shared_page`), and the
//! flusher, `sync(2)` and `sync_inodes_sb` come back through the handler
//! registered here.

use super::{ffi, mapping::PageCacheInode};
use core::ptr::NonNull;
use kernel::{bindings, prelude::*, sync::Arc, types::ForeignOwnable};

/// What a page cache does when the kernel writes it back.
///
/// # Examples
///
/// ```
/// impl Writeback for Cache {
///     fn inode(&self) -> &PageCacheInode {
///         &self.inode
///     }
///
///     fn writepages(&self, wbc: &mut WritebackControl<'_>) -> Result {
///         let written = self.write_dirty_pages()?;
///         wbc.wrote(written);
///         Ok(())
///     }
///
///     fn sync_fs(&self, wait: bool) -> Result {
///         if wait { self.store.sync() } else { Ok(()) }
///     }
/// }
/// ```
pub(crate) trait Writeback: Send + Sync + 'static {
    /// The inode whose pages these are; it must have been made by
    /// [`PageCacheInode::with_writeback`].
    fn inode(&self) -> &PageCacheInode;

    /// `->writepages`: write dirty pages (the flusher, `sync(2)`,
    /// `filemap_fdatawrite`). It may sleep and do I/O: the kernel calls it
    /// holding no lock of the page cache's (`I_SYNC` on the inode, the
    /// superblock's `s_umount` shared).
    fn writepages(&self, wbc: &mut WritebackControl<'_>) -> Result;

    /// `->sync_fs`: after `sync(2)` wrote the pages, make them durable
    /// (`wait`: wait for it; else only start it).
    fn sync_fs(&self, wait: bool) -> Result;
}

/// The `writeback_control` of one `->writepages` call.
///
/// # Invariants
///
/// `wbc` is the call's, valid and not used by anyone else for `'a`.
pub(crate) struct WritebackControl<'a> {
    wbc: &'a mut bindings::writeback_control,
}

impl WritebackControl<'_> {
    /// Count `pages` written in the caller's budget (`nr_to_write`), as
    /// `writeback_iter` does: the flusher measures its progress by it.
    pub(crate) fn wrote(&mut self, pages: usize) {
        let pages = kernel::ffi::c_long::try_from(pages).unwrap_or(kernel::ffi::c_long::MAX);
        self.wbc.nr_to_write = self.wbc.nr_to_write.saturating_sub(pages);
    }
}

/// `T` registered as the writeback handler of its inode, holding a
/// reference on `T`.
///
/// # Invariants
///
/// `inode` is `T`'s inode, whose handler was set by [`register`] with
/// `data` from `Arc::into_foreign`, given back in `Drop` after
/// `pcc_inode_clear_wb_handler` has waited for every running call.
///
/// [`register`]: WritebackHandler::register
pub(crate) struct WritebackHandler<T: Writeback> {
    inode: NonNull<bindings::inode>,
    data: *mut kernel::ffi::c_void,
    _t: core::marker::PhantomData<Arc<T>>,
}

// SAFETY: Dropped from any thread; `T` is `Send + Sync`.
unsafe impl<T: Writeback> Send for WritebackHandler<T> {}
// SAFETY: No `&self` method.
unsafe impl<T: Writeback> Sync for WritebackHandler<T> {}

impl<T: Writeback> WritebackHandler<T> {
    /// Route the kernel's writeback of `data`'s page cache to `data`.
    /// `EINVAL` if its inode has no writeback (not made by
    /// [`PageCacheInode::with_writeback`]), `EBUSY` if it has a handler
    /// already.
    pub(crate) fn register(data: Arc<T>) -> Result<Self> {
        let inode = data.inode().inode_ptr();
        let ptr = data.into_foreign();
        // SAFETY: `inode` is live (`data` owns it); the callbacks match the
        // prototypes and read `data` as `Arc<T>`.
        let r = unsafe {
            ffi::pcc_inode_set_wb_handler(inode.as_ptr(), ptr, Self::writepages, Self::sync_fs)
        };
        if let Err(e) = kernel::error::to_result(r) {
            // SAFETY: Not registered: the reference is still ours.
            drop(unsafe { Arc::<T>::from_foreign(ptr) });
            return Err(e);
        }
        // INVARIANT: registered on `T`'s inode with `ptr`.
        Ok(Self {
            inode,
            data: ptr,
            _t: core::marker::PhantomData,
        })
    }

    /// # Safety
    ///
    /// Called by `pcc_writepages` (under its rwsem, so the handler is
    /// registered) with `data` from `register` and the `->writepages`
    /// call's `wbc`.
    unsafe extern "C" fn writepages(
        data: *mut kernel::ffi::c_void,
        wbc: *mut bindings::writeback_control,
    ) -> kernel::ffi::c_int {
        // SAFETY: `data` holds an `Arc<T>` until `Drop`, which waits for
        // this call to return.
        let t = unsafe { Arc::<T>::borrow(data) };
        // SAFETY: The kernel passes the call's own control, valid and
        // unshared for the call.
        let Some(wbc) = (unsafe { wbc.as_mut() }) else {
            return EINVAL.to_errno();
        };
        // INVARIANT: the call's control, for the call.
        match t.writepages(&mut WritebackControl { wbc }) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// Called by `pcc_sync_fs` (under its rwsem, so the handler is
    /// registered) with `data` from `register`.
    unsafe extern "C" fn sync_fs(
        data: *mut kernel::ffi::c_void,
        wait: kernel::ffi::c_int,
    ) -> kernel::ffi::c_int {
        // SAFETY: `data` holds an `Arc<T>` until `Drop`, which waits for
        // this call to return.
        let t = unsafe { Arc::<T>::borrow(data) };
        match t.sync_fs(wait != 0) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }
}

impl<T: Writeback> Drop for WritebackHandler<T> {
    fn drop(&mut self) {
        // SAFETY: The inode is live: the `Arc<T>` we still hold owns it.
        // Returns when no call of the handler runs any more.
        unsafe { ffi::pcc_inode_clear_wb_handler(self.inode.as_ptr()) };
        // SAFETY: The reference `register` stored, given back once.
        drop(unsafe { Arc::<T>::from_foreign(self.data) });
    }
}
