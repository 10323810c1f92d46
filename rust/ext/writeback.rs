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

use super::{
    ffi,
    mapping::{
        InodeHandler,
        PageCacheInode, //
    },
};
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
    /// The pages asked for, first and last: `range_start..=range_end` in
    /// pages, or every page for a cyclic pass (the flusher's, which
    /// `writeback_iter` starts at `mapping->writeback_index` and wraps;
    /// a caller that starts at 0 writes the same pages).
    pub(crate) fn pages(&self) -> (usize, usize) {
        if self.wbc.range_cyclic() != 0 {
            return (0, usize::MAX);
        }
        let page = |pos: bindings::loff_t| {
            usize::try_from(pos.max(0) >> bindings::PAGE_SHIFT).unwrap_or(usize::MAX)
        };
        (page(self.wbc.range_start), page(self.wbc.range_end))
    }

    /// Whether the caller waits for every page, one under writeback
    /// included (`WB_SYNC_ALL`: `sync(2)`, `filemap_write_and_wait`), or
    /// writes what it can without waiting, within its budget
    /// (`WB_SYNC_NONE`: the flusher, background writeback).
    pub(crate) fn sync_all(&self) -> bool {
        self.wbc.sync_mode == bindings::writeback_sync_modes_WB_SYNC_ALL
    }

    /// Pages left in the caller's budget (`nr_to_write`), which a
    /// `WB_SYNC_NONE` pass stops at.
    pub(crate) fn budget(&self) -> usize {
        usize::try_from(self.wbc.nr_to_write).unwrap_or(0)
    }

    /// Count `pages` written in the caller's budget (`nr_to_write`), as
    /// `writeback_iter` does: the flusher measures its progress by it.
    pub(crate) fn wrote(&mut self, pages: usize) {
        let pages = kernel::ffi::c_long::try_from(pages).unwrap_or(kernel::ffi::c_long::MAX);
        self.wbc.nr_to_write = self.wbc.nr_to_write.saturating_sub(pages);
    }
}

/// `T` registered as the writeback handler of its inode, holding a
/// reference on `T` until dropped (which waits for every running call).
pub(crate) struct WritebackHandler<T: Writeback> {
    _handler: InodeHandler<T>,
}

impl<T: Writeback> WritebackHandler<T> {
    /// Route the kernel's writeback of `data`'s page cache to `data`.
    /// `EINVAL` if its inode has no writeback (not made by
    /// [`PageCacheInode::with_writeback`]), `EBUSY` if it has a handler
    /// already.
    pub(crate) fn register(data: Arc<T>) -> Result<Self> {
        let inode = data.inode().inode_ptr();
        let set = |inode, ptr| {
            // SAFETY: `inode` is live (`data` owns it); the callbacks match
            // the prototypes and read `ptr` as `Arc<T>`.
            unsafe { ffi::pcc_inode_set_wb_handler(inode, ptr, Self::writepages, Self::sync_fs) }
        };
        // SAFETY: `inode` is `data`'s; `set` stores the pointer for the two
        // callbacks, which read it as `Arc<T>` while registered, and
        // `pcc_inode_clear_wb_handler` removes it once no call runs.
        let handler =
            unsafe { InodeHandler::new(inode, data, set, ffi::pcc_inode_clear_wb_handler) }?;
        Ok(Self { _handler: handler })
    }

    /// # Safety
    ///
    /// Called by `pcc_writepages` (under its rwsem, so the handler is
    /// registered) with the `data` `register` lent and the `->writepages`
    /// call's `wbc`.
    unsafe extern "C" fn writepages(
        data: *mut kernel::ffi::c_void,
        wbc: *mut bindings::writeback_control,
    ) -> kernel::ffi::c_int {
        // SAFETY: `data` holds an `Arc<T>` until the registration is
        // dropped, which waits for this call to return.
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
    /// registered) with the `data` `register` lent.
    unsafe extern "C" fn sync_fs(
        data: *mut kernel::ffi::c_void,
        wait: kernel::ffi::c_int,
    ) -> kernel::ffi::c_int {
        // SAFETY: `data` holds an `Arc<T>` until the registration is
        // dropped, which waits for this call to return.
        let t = unsafe { Arc::<T>::borrow(data) };
        match t.sync_fs(wait != 0) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }
}
