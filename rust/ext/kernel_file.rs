// SPDX-License-Identifier: GPL-2.0

//! A file opened by the kernel itself: a regular file or a block device
//! that a driver reads and writes, as the loop driver and swap do.
//!
//! C header: [`include/linux/fs.h`](srctree/include/linux/fs.h).
//!
//! It is read and written through the VFS (`vfs_iter_read` /
//! `vfs_iter_write` on one folio, `kernel_read` / `kernel_write` on a
//! buffer; the loop driver calls the file's `->read_iter`/`->write_iter`
//! directly), so a regular file and a block device work alike; but a
//! folio's synchronous read from a block device opened `O_DIRECT` is one
//! bio, as a direct read of the device is, without the VFS's checks
//! around it (`pcc_file_folio_read`), as a file system reads its own
//! device. Folio I/O
//! takes the handle that proves the state it needs: a locked folio not yet
//! uptodate to fill ([`FolioGuard`]), a folio under writeback to write
//! ([`FolioWriteback`]). A run of folios may also be read asynchronously
//! ([`KernelFile::read_folios_async`], `rust/pcc_read.c`): the read is
//! queued and its completion unlocks them, as a filesystem's `->readahead`
//! returns once its bios are submitted.

use super::{
    ffi,
    folio::{
        Folio,
        FolioGuard,
        FolioRef,
        FolioState,
        FolioWriteback, //
    },
};
use core::{
    mem::ManuallyDrop,
    ptr::NonNull, //
};
use kernel::{
    bindings,
    error::from_err_ptr,
    page::PAGE_SHIFT,
    prelude::*,
    sync::aref::ARef, //
};

/// An open file or block device, read and written by the kernel.
///
/// # Invariants
///
/// `file` is a file opened by [`KernelFile::open`], read-write, and
/// closed only by `Drop`, after every read started by
/// [`KernelFile::read_folios_async`] has completed. `reads` came from
/// `pcc_reads_new` and is freed once, in `Drop`.
pub(crate) struct KernelFile {
    file: NonNull<bindings::file>,
    reads: NonNull<ffi::PccReads>,
}

// SAFETY: A `struct file` may be used and closed from any thread; the VFS
// serializes what needs serializing. `reads` is atomics only.
unsafe impl Send for KernelFile {}
// SAFETY: As above; every method takes `&self` and is safe concurrently.
unsafe impl Sync for KernelFile {}

impl KernelFile {
    /// Open `path` read-write (`filp_open`), as the kernel does for swap
    /// files and the loop driver's backing files.
    pub(crate) fn open(path: &CStr) -> Result<Self> {
        Self::open_flags(path, 0)
    }

    /// As [`Self::open`], for direct I/O (`O_DIRECT`: no second copy in
    /// the file's or device's page cache, as loop's `use_dio`).
    pub(crate) fn open_direct(path: &CStr) -> Result<Self> {
        Self::open_flags(path, bindings::O_DIRECT)
    }

    fn open_flags(path: &CStr, extra: u32) -> Result<Self> {
        let flags = (bindings::O_RDWR | bindings::O_LARGEFILE | extra) as i32;
        // SAFETY: No preconditions; null without memory.
        let reads = NonNull::new(unsafe { ffi::pcc_reads_new() }).ok_or(ENOMEM)?;
        // SAFETY: `path` is a NUL-terminated string; `filp_open` returns a
        // file or an error pointer, never null.
        let file = from_err_ptr(unsafe { bindings::filp_open(path.as_char_ptr(), flags, 0) })
            .and_then(|file| NonNull::new(file).ok_or(ENOENT));
        match file {
            // INVARIANT: just opened read-write; `reads` just allocated.
            Ok(file) => Ok(Self { file, reads }),
            Err(e) => {
                // SAFETY: Just allocated, no read started.
                unsafe { ffi::pcc_reads_free(reads.as_ptr()) };
                Err(e)
            }
        }
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

    /// Fill `folio` from byte `pos` and mark it uptodate, the way a
    /// filesystem's `->read_folio` does: page `p` of the folio (from 0;
    /// a large folio has several) is zero-filled if `hole(p)`, else read
    /// from byte `pos + p * PAGE_SIZE`, each run of consecutive pages of
    /// one kind in one zeroing or one read, as `iomap_read_folio` zeroes
    /// the blocks a file's map says are holes and reads the others (on a
    /// block device opened `O_DIRECT`, a bio waited for). A
    /// short read or an I/O error leaves it not uptodate (its memory
    /// partly filled, which nobody reads before it is uptodate). An
    /// uptodate folio holds data (it may be mapped, or dirty): a read must
    /// not overwrite it, nor a failed one leave it half written, so it is
    /// refused (`EBUSY`).
    pub(crate) fn read_folio<P: FolioRef>(
        &self,
        folio: &FolioGuard<P>,
        pos: u64,
        hole: impl Fn(usize) -> bool,
    ) -> Result {
        if folio.is_uptodate() {
            return Err(EBUSY);
        }
        let nr = folio.nr_pages();
        let mut p = 0;
        while p < nr {
            let is_hole = hole(p);
            let end = (p + 1..nr).find(|&q| hole(q) != is_hole).unwrap_or(nr);
            let (offset, len) = (p << PAGE_SHIFT, (end - p) << PAGE_SHIFT);
            if is_hole {
                // SAFETY: The folio is locked (`FolioGuard`) and not
                // uptodate, so nobody else reads or writes its memory;
                // `offset + len` is inside it (`end <= nr`).
                unsafe { ffi::pcc_folio_zero_range(folio.as_ptr(), offset, len) };
            } else {
                let at = i64::try_from(pos + offset as u64).map_err(|_| EINVAL)?;
                // SAFETY: As above, for the read into it; the file is open
                // (type invariant).
                let n = unsafe {
                    ffi::pcc_file_folio_read(self.as_ptr(), folio.as_ptr(), offset, len, at)
                };
                transferred(n, len)?;
            }
            p = end;
        }
        // SAFETY: The folio is locked, as `folio_mark_uptodate` requires,
        // and every byte of it was just read or zeroed.
        unsafe { ffi::pcc_folio_mark_uptodate(folio.as_ptr()) };
        Ok(())
    }

    /// The most pages one [`Self::read_folios_async`] should take:
    /// a block device's segments per request (a larger read is split, its
    /// rest a request of its own), at most a bio's worth (256).
    pub(crate) fn max_read_pages(&self) -> usize {
        // SAFETY: The file is open (type invariant).
        unsafe { ffi::pcc_read_max_folios(self.as_ptr()) as usize }
    }

    /// Fill `folios`, consecutive pages of the file from byte `pos` (pages
    /// `first..` in the caller's numbering, for the error line), in one
    /// read that completes after this returns, as a filesystem's
    /// `->readahead` submits its bios: the completion marks each folio
    /// uptodate if every byte of the read came, unlocks it and drops its
    /// handle (`folio_end_read`, `folio_put`), and logs a failed read.
    /// The read and the folios are the completion's once this returns
    /// `Ok`; on `Err` (an uptodate folio: `EBUSY`, as
    /// [`Self::read_folio`]; no memory) they are unlocked, not read.
    pub(crate) fn read_folios_async(
        &self,
        folios: KVec<FolioGuard<ARef<Folio>>>,
        pos: u64,
        first: usize,
    ) -> Result {
        if folios.iter().any(|f| f.is_uptodate()) {
            return Err(EBUSY);
        }
        let pos = i64::try_from(pos).map_err(|_| EINVAL)?;
        let n = u32::try_from(folios.len()).map_err(|_| EINVAL)?;
        // SAFETY: No preconditions; null without memory.
        let r = NonNull::new(unsafe { ffi::pcc_read_alloc(n) }).ok_or(ENOMEM)?;
        for (i, locked) in (0..n).zip(folios) {
            // The guard and the handle are forgotten: the lock and the
            // reference are the read's.
            let folio = ManuallyDrop::new(locked.into_kernel());
            // SAFETY: `r` has `n` entries and `i < n`; the folio is locked,
            // not uptodate (checked above; nobody makes it uptodate but
            // the lock's holder) and referenced, and the read now holds
            // both, so nobody else reads or writes its memory until the
            // completion ends the read.
            unsafe { ffi::pcc_read_set_folio(r.as_ptr(), i, folio.as_ptr()) };
        }
        // SAFETY: Every entry of `r` is set (above), and `r` is handed over;
        // the file is open and `reads` live until every read completes
        // (type invariant: `Drop` waits for them).
        unsafe {
            ffi::pcc_read_submit(
                r.as_ptr(),
                self.as_ptr(),
                pos,
                first as kernel::ffi::c_ulong,
                self.reads.as_ptr(),
            )
        };
        Ok(())
    }

    /// Write `folios`, consecutive pages of the file from byte `pos`, in
    /// one write (a `bio_vec` per folio), as a filesystem's `->writepages`
    /// sends a contiguous run of the folios it put under writeback.
    pub(crate) fn write_folios<P: FolioRef>(
        &self,
        folios: &[FolioWriteback<P>],
        pos: u64,
    ) -> Result {
        let pos = i64::try_from(pos).map_err(|_| EINVAL)?;
        let (mut bv, n, len) = bio_vecs(folios.iter().map(|f| &**f))?;
        // SAFETY: Each handle keeps its folio alive; `bv` describes exactly
        // them, `n` entries of `len` bytes in all; the file is open (type
        // invariant); each folio's memory is the file's data (uptodate) and
        // reading it races with no writer (stable pages): the type
        // invariant of `FolioWriteback`.
        let r = unsafe { ffi::pcc_file_bvec_write(self.as_ptr(), bv.as_mut_ptr(), n, len, pos) };
        transferred(r, len)
    }
}

/// A `bio_vec` for each of `folios`, whole, in order: the array, its length
/// and the bytes it spans. The caller keeps the folios alive while it uses
/// the array.
fn bio_vecs<'a>(
    folios: impl ExactSizeIterator<Item = &'a FolioState>,
) -> Result<(KVec<bindings::bio_vec>, u32, usize)> {
    let n = u32::try_from(folios.len()).map_err(|_| EINVAL)?;
    let mut bv = KVec::with_capacity(folios.len(), GFP_KERNEL)?;
    let mut len = 0usize;
    for f in folios {
        let mut v = bindings::bio_vec::default();
        // SAFETY: `v` is ours; the folio is live (the caller's guard or
        // handle holds it).
        unsafe { ffi::pcc_bvec_set_folio(&mut v, f.as_ptr()) };
        bv.push(v, GFP_KERNEL)?;
        len += f.size();
    }
    Ok((bv, n, len))
}

/// `Ok` if `n`, what one VFS read or write returned, is all `want` bytes;
/// a negative `n` is its errno, a short transfer `EIO`.
fn transferred(n: isize, want: usize) -> Result {
    match n {
        n if n < 0 => Err(Error::from_errno(n as i32)),
        n if n as usize == want => Ok(()),
        _ => Err(EIO),
    }
}

impl Drop for KernelFile {
    fn drop(&mut self) {
        // SAFETY: Allocated by `open`, freed once, here; it waits for every
        // read in flight, which uses the file, to complete.
        unsafe { ffi::pcc_reads_free(self.reads.as_ptr()) };
        // SAFETY: Opened by `open`, closed once, here, with no read in
        // flight (type invariant).
        unsafe { bindings::filp_close(self.as_ptr(), core::ptr::null_mut()) };
    }
}
