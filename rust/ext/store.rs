// SPDX-License-Identifier: GPL-2.0

//! A backing store: a file or block device opened by the kernel itself,
//! and a workqueue of its own for the reads a fault starts.
//!
//! C header: [`include/linux/fs.h`](srctree/include/linux/fs.h),
//! [`include/linux/workqueue.h`](srctree/include/linux/workqueue.h).
//!
//! The store is read and written through the VFS (`vfs_iter_read` /
//! `vfs_iter_write` on one folio, `kernel_read` / `kernel_write` on a
//! buffer; the loop driver calls the file's `->read_iter`/`->write_iter`
//! directly), so a regular file and a block device work alike. Page I/O is on [`FolioGuard`] and
//! [`FolioWriteback`], which hold the folio state the I/O needs.
//!
//! [`FolioGuard`]: super::folio::FolioGuard
//! [`FolioWriteback`]: super::folio::FolioWriteback

use super::ffi;
use core::{
    ops::Deref,
    ptr::NonNull, //
};
use kernel::{
    bindings,
    error::from_err_ptr,
    prelude::*,
    workqueue::Queue, //
};

/// An open file or block device, read and written by the kernel.
///
/// # Invariants
///
/// `file` is a file opened by [`BackingFile::open`], read-write, and
/// closed only by `Drop`.
pub(crate) struct BackingFile {
    file: NonNull<bindings::file>,
}

// SAFETY: A `struct file` may be used and closed from any thread; the VFS
// serializes what needs serializing.
unsafe impl Send for BackingFile {}
// SAFETY: As above; every method takes `&self` and is safe concurrently.
unsafe impl Sync for BackingFile {}

impl BackingFile {
    /// Open `path` read-write (`filp_open`), as the kernel does for swap
    /// files and the loop driver's backing files; with `direct`, for direct
    /// I/O (`O_DIRECT`: no second copy in the file's or device's page
    /// cache, as loop's `use_dio`).
    pub(crate) fn open(path: &CStr, direct: bool) -> Result<Self> {
        let mut flags = bindings::O_RDWR | bindings::O_LARGEFILE;
        if direct {
            flags |= bindings::O_DIRECT;
        }
        let flags = flags as i32;
        // SAFETY: `path` is a NUL-terminated string; `filp_open` returns a
        // file or an error pointer.
        let file = from_err_ptr(unsafe { bindings::filp_open(path.as_char_ptr(), flags, 0) })?;
        // INVARIANT: just opened read-write.
        Ok(Self {
            file: NonNull::new(file).ok_or(ENOENT)?,
        })
    }

    pub(super) fn as_ptr(&self) -> *mut bindings::file {
        self.file.as_ptr()
    }

    /// Its size in bytes (of a block device: the device's).
    pub(crate) fn size(&self) -> u64 {
        // SAFETY: The file is open (type invariant).
        unsafe { ffi::pcc_file_size(self.as_ptr()) as u64 }
    }

    /// Whether it is a regular file (else a block device or other).
    pub(crate) fn is_regular(&self) -> bool {
        // SAFETY: The file is open (type invariant).
        unsafe { ffi::pcc_file_is_reg(self.as_ptr()) }
    }

    /// Whether it is a block device.
    pub(crate) fn is_block_device(&self) -> bool {
        // SAFETY: The file is open (type invariant).
        unsafe { ffi::pcc_file_is_blk(self.as_ptr()) }
    }

    /// Set a regular file's size (`vfs_truncate`).
    pub(crate) fn set_size(&self, size: u64) -> Result {
        let size = i64::try_from(size).map_err(|_| EFBIG)?;
        // SAFETY: The file is open (type invariant).
        kernel::error::to_result(unsafe { ffi::pcc_file_truncate(self.as_ptr(), size) })
    }

    /// Read exactly `buf.len()` bytes at byte `pos` (`kernel_read`).
    pub(crate) fn read_exact(&self, pos: u64, buf: &mut [u8]) -> Result {
        let mut pos = i64::try_from(pos).map_err(|_| EINVAL)?;
        // SAFETY: The file is open; `buf` is valid for writes of its length.
        let n = unsafe {
            bindings::kernel_read(self.as_ptr(), buf.as_mut_ptr().cast(), buf.len(), &mut pos)
        };
        transferred(n, buf.len())
    }

    /// Write all of `buf` at byte `pos` (`kernel_write`).
    pub(crate) fn write_all(&self, pos: u64, buf: &[u8]) -> Result {
        let mut pos = i64::try_from(pos).map_err(|_| EINVAL)?;
        // SAFETY: The file is open; `buf` is valid for reads of its length.
        let n = unsafe {
            bindings::kernel_write(self.as_ptr(), buf.as_ptr().cast(), buf.len(), &mut pos)
        };
        transferred(n, buf.len())
    }

    /// Make what was written durable (`vfs_fsync`).
    pub(crate) fn sync(&self) -> Result {
        // SAFETY: The file is open (type invariant).
        kernel::error::to_result(unsafe { bindings::vfs_fsync(self.as_ptr(), 0) })
    }
}

/// `Ok` if `n`, what one VFS read or write returned, is all `want` bytes;
/// a negative `n` is its errno, a short transfer `EIO`.
pub(super) fn transferred(n: isize, want: usize) -> Result {
    match n {
        n if n < 0 => Err(Error::from_errno(n as i32)),
        n if n as usize == want => Ok(()),
        _ => Err(EIO),
    }
}

impl Drop for BackingFile {
    fn drop(&mut self) {
        // SAFETY: Opened by `open`, closed once, here (type invariant).
        unsafe { bindings::filp_close(self.as_ptr(), core::ptr::null_mut()) };
    }
}

/// A workqueue of the driver's own (`alloc_workqueue`, unbound, with a
/// rescuer as I/O on the reclaim path needs). Dropping it runs every queued
/// item to the end and frees it (`destroy_workqueue`), so no item outlives
/// the module whose code it runs.
pub(crate) struct IoQueue {
    wq: NonNull<bindings::workqueue_struct>,
}

// SAFETY: A workqueue may be used and destroyed from any thread.
unsafe impl Send for IoQueue {}
// SAFETY: Queueing is safe concurrently.
unsafe impl Sync for IoQueue {}

impl IoQueue {
    pub(crate) fn new(name: &CStr) -> Result<Self> {
        // SAFETY: `name` is a NUL-terminated string, copied by the call.
        let wq = unsafe { ffi::pcc_alloc_io_workqueue(name.as_char_ptr()) };
        Ok(Self {
            wq: NonNull::new(wq).ok_or(ENOMEM)?,
        })
    }
}

impl Deref for IoQueue {
    type Target = Queue;

    fn deref(&self) -> &Queue {
        // SAFETY: The workqueue lives until `self` is dropped, which the
        // borrow cannot outlive.
        unsafe { Queue::from_raw(self.wq.as_ptr()) }
    }
}

impl Drop for IoQueue {
    fn drop(&mut self) {
        // SAFETY: Allocated by `new`, destroyed once; it drains first.
        unsafe { bindings::destroy_workqueue(self.wq.as_ptr()) };
    }
}

/// Pages of RAM (`totalram_pages`).
pub(crate) fn totalram_pages() -> usize {
    // SAFETY: Reads a counter.
    unsafe { ffi::pcc_totalram_pages() as usize }
}
