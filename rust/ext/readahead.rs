// SPDX-License-Identifier: GPL-2.0

//! Readahead: `->readahead` of a page cache whose inode has a backing
//! device of its own, and the readahead a fault starts.
//!
//! C: [`include/linux/pagemap.h`](srctree/include/linux/pagemap.h)
//! (`struct readahead_control`, `readahead_folio`) and
//! [`mm/readahead.c`](srctree/mm/readahead.c) (`page_cache_ra_unbounded`
//! -> `read_pages` -> `->readahead`; `page_cache_sync_ra`,
//! `page_cache_async_ra`; `force_page_cache_ra` for `MADV_WILLNEED` and
//! `POSIX_FADV_WILLNEED`).
//!
//! The kernel's readahead code chooses a range, allocates a folio for each
//! page of it that is not cached, adds it to the page cache locked and not
//! uptodate, marks one `PG_readahead`, and hands the batch to
//! `->readahead`, holding the mapping's `invalidate_lock` shared. The
//! handler registered here fills each folio and unlocks it ([`Readahead`]),
//! or hands it to a read that does so when it completes, after the call
//! returns ([`super::kernel_file::KernelFile::read_folios_async`]), as a
//! filesystem's bios do; a folio it does not take is removed again by
//! `read_pages`.

use super::{
    ffi,
    folio::{
        Folio,
        FolioGuard, //
    },
    mapping::{
        InodeHandler,
        PageCacheInode, //
    },
};
use core::{
    marker::PhantomData,
    ops::Range,
    ptr::NonNull, //
};
use kernel::{
    bindings,
    fs::Kiocb,
    prelude::*,
    sync::{
        aref::ARef,
        Arc, //
    },
    types::ForeignOwnable,
};

/// What a page cache does when the kernel reads ahead in it.
///
/// # Examples
///
/// ```
/// impl ReadPages for Cache {
///     fn inode(&self) -> &PageCacheInode {
///         &self.inode
///     }
///
///     fn readahead(&self, mut rac: Readahead<'_>) {
///         while let Some((folio, _pages)) = rac.next_folio() {
///             // Not uptodate when the read fails: the fault that needs
///             // the page reads it again, or gets SIGBUS.
///             let _ = self.store.read(&folio);
///         }
///     }
/// }
/// ```
pub(crate) trait ReadPages: Send + Sync + 'static {
    /// The inode whose pages these are; it must have been made by
    /// [`PageCacheInode::with_writeback`].
    fn inode(&self) -> &PageCacheInode;

    /// `->readahead`: fill the folios of `rac`. It may sleep and do I/O;
    /// the kernel holds the mapping's `invalidate_lock` shared and every
    /// folio of the batch locked (so the handler must not wait for a lock
    /// under which something waits for a folio lock, or for the
    /// `invalidate_lock` exclusive).
    fn readahead(&self, rac: Readahead<'_>);
}

/// The folios of one `->readahead` call, in index order.
///
/// # Invariants
///
/// `rac` is the call's `readahead_control`, valid and used by no one else
/// for `'a`.
pub(crate) struct Readahead<'a> {
    rac: NonNull<bindings::readahead_control>,
    _call: PhantomData<&'a mut bindings::readahead_control>,
}

impl Readahead<'_> {
    /// The next folio of the batch, and the file pages it spans: new, in
    /// the page cache, locked, not uptodate. The guard unlocks it when
    /// dropped: fill it and mark it uptodate first (a folio left not
    /// uptodate is a failed read, which the next access sees), or give it
    /// to an asynchronous read, whose completion does both. The pages are
    /// the control's (`readahead_index`, and the folio's size that
    /// `__readahead_folio` records): no read of the folio.
    pub(crate) fn next_folio(&mut self) -> Option<(FolioGuard<ARef<Folio>>, Range<usize>)> {
        let rac = self.rac.as_ptr();
        // SAFETY: The call's control (type invariant).
        let f = unsafe { ffi::pcc_readahead_folio(rac) };
        let f = NonNull::new(f)?;
        // SAFETY: The call's control, which no one else uses meanwhile
        // (type invariant): `__readahead_folio` has just set `_index` to
        // the folio's first page and `_batch_count` to its pages.
        let pages = unsafe {
            let index = (*rac)._index;
            index..index + (*rac)._batch_count as usize
        };
        // SAFETY: `__readahead_folio` hands over the reference the
        // readahead code took at allocation, and the folio is locked:
        // `read_pages` expects the handler to unlock every folio it takes.
        let locked = unsafe { FolioGuard::from_locked(Folio::from_raw_owned(f)) };
        Some((locked, pages))
    }
}

/// `T` registered as the readahead handler of its inode, holding a
/// reference on `T` until dropped (which waits for every running call).
pub(crate) struct ReadPagesHandler<T: ReadPages> {
    _handler: InodeHandler<T>,
}

impl<T: ReadPages> ReadPagesHandler<T> {
    /// Route the kernel's readahead in `data`'s page cache to `data`.
    /// `EINVAL` if its inode has no backing device of its own (not made by
    /// [`PageCacheInode::with_writeback`]), `EBUSY` if it has a handler
    /// already.
    pub(crate) fn register(data: Arc<T>) -> Result<Self> {
        let inode = data.inode().inode_ptr();
        let set = |inode, ptr| {
            // SAFETY: `inode` is live (`data` owns it); the callback matches
            // the prototype and reads `ptr` as `Arc<T>`.
            unsafe { ffi::pcc_inode_set_ra_handler(inode, ptr, Self::readahead) }
        };
        // SAFETY: `inode` is `data`'s; `set` stores the pointer for the
        // callback, which reads it as `Arc<T>` while registered, and
        // `pcc_inode_clear_ra_handler` removes it once no call runs.
        let handler =
            unsafe { InodeHandler::new(inode, data, set, ffi::pcc_inode_clear_ra_handler) }?;
        Ok(Self { _handler: handler })
    }

    /// # Safety
    ///
    /// Called by `pcc_readahead` (under its rwsem, so the handler is
    /// registered) with the `data` `register` lent and the `->readahead`
    /// call's control.
    unsafe extern "C" fn readahead(
        data: *mut kernel::ffi::c_void,
        rac: *mut bindings::readahead_control,
    ) {
        // SAFETY: `data` holds an `Arc<T>` until the registration is
        // dropped, which waits for this call to return.
        let t = unsafe { Arc::<T>::borrow(data) };
        let Some(rac) = NonNull::new(rac) else {
            return;
        };
        // INVARIANT: the call's control, for the call.
        t.readahead(Readahead {
            rac,
            _call: PhantomData,
        });
    }
}

/// How the faulting mapping asked to be read (`madvise`), as
/// `do_sync_mmap_readahead` reads `vm_flags`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum AccessHint {
    /// No advice: read around the fault.
    Normal,
    /// `MADV_SEQUENTIAL` (`VM_SEQ_READ`): read ahead of it.
    Sequential,
    /// `MADV_RANDOM` (`VM_RAND_READ`): no readahead.
    Random,
}

/// The file of a fault or of a `read()`, for the readahead it starts: what
/// `do_sync_mmap_readahead`, `do_async_mmap_readahead` and `filemap_read`
/// use (the file, its `f_ra`, its mapping).
///
/// # Invariants
///
/// `file` stays live for `'a`: the faulting VMA's file for the `->fault`
/// call (the VMA holds it while the fault lock is held, and releasing that
/// lock pins it first, `VmFault::release_for_io`), or the file of a
/// `->read_iter` call for the call.
pub(crate) struct ReadaheadFile<'a> {
    file: NonNull<bindings::file>,
    hint: AccessHint,
    _call: PhantomData<&'a bindings::file>,
}

impl<'a> ReadaheadFile<'a> {
    /// The file a `->read_iter` call reads (`kiocb->ki_filp`), for the
    /// call; no `madvise` hint applies (`POSIX_FADV_RANDOM` and
    /// `POSIX_FADV_SEQUENTIAL` are the file's own, in `f_ra` and
    /// `FMODE_RANDOM`, which [`Self::sync_ra`] honours).
    pub(crate) fn of_kiocb<T: ForeignOwnable>(kiocb: &Kiocb<'a, T>) -> Self {
        // SAFETY: The kiocb of the running call; its file is live for the
        // call, never null.
        let file = unsafe { NonNull::new_unchecked((*kiocb.as_raw()).ki_filp) };
        // INVARIANT: the file of the `->read_iter` call, which lasts `'a`.
        Self {
            file,
            hint: AccessHint::Normal,
            _call: PhantomData,
        }
    }

    /// # Safety
    ///
    /// `file` must be the file of the VMA of a `->fault` call that lasts
    /// `'a`, pinned by that call if it releases the fault lock.
    pub(super) unsafe fn new(file: NonNull<bindings::file>, hint: AccessHint) -> Self {
        // INVARIANT: the caller's guarantee.
        Self {
            file,
            hint,
            _call: PhantomData,
        }
    }

    /// The mapping's access advice, as it was when the fault began.
    pub(crate) fn hint(&self) -> AccessHint {
        self.hint
    }

    /// The file's readahead window in pages (`f_ra.ra_pages`: the bdi's
    /// `read_ahead_kb` at open, twice it after `POSIX_FADV_SEQUENTIAL`);
    /// 0 when readahead is off.
    pub(crate) fn ra_pages(&self) -> usize {
        // SAFETY: The file is live (type invariant); the helper reads one
        // word with `READ_ONCE`.
        unsafe { ffi::pcc_file_ra_pages(self.file.as_ptr()) }
    }

    /// `page_cache_sync_ra(index, req_count)`: the kernel's synchronous
    /// readahead from `index` (`do_sync_mmap_readahead` for a
    /// `MADV_SEQUENTIAL` mapping). It calls the handler of [`ReadPages`]
    /// in this task. Call it holding no lock of the page cache's (not the
    /// fault lock either, where it may be released).
    pub(crate) fn sync_ra(&self, index: usize, req_count: usize) {
        // SAFETY: The file is live (type invariant); the call takes the
        // locks it needs.
        unsafe { ffi::pcc_page_cache_sync_ra(self.file.as_ptr(), index, req_count) };
    }

    /// `page_cache_async_ra()` at `folio`, found marked `PG_readahead`
    /// (`do_async_mmap_readahead`): the next window, in this task. Holding
    /// no lock, as [`Self::sync_ra`].
    pub(crate) fn async_ra(&self, folio: &Folio, req_count: usize) {
        // SAFETY: The file is live (type invariant) and the folio
        // referenced by the caller.
        unsafe { ffi::pcc_page_cache_async_ra(self.file.as_ptr(), folio.as_ptr(), req_count) };
    }

    /// Read `nr` pages from `start`, the last `lookahead` of them marked
    /// for asynchronous readahead (`page_cache_ra_unbounded` under the
    /// invalidate lock, as `do_page_cache_ra` calls it), and record that
    /// window in the file's readahead state. `start + nr` must not pass
    /// the file's end (it is not checked: the call is "unbounded").
    /// Holding no lock, as [`Self::sync_ra`].
    pub(crate) fn read_around(&self, start: usize, nr: usize, lookahead: usize) {
        // SAFETY: The file is live (type invariant); the helper takes the
        // invalidate lock shared around the call.
        unsafe { ffi::pcc_page_cache_read_around(self.file.as_ptr(), start, nr, lookahead) };
    }
}
