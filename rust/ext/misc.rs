// SPDX-License-Identifier: GPL-2.0

//! A misc device whose open files share one object and its page cache.
//!
//! C header: [`include/linux/miscdevice.h`](srctree/include/linux/miscdevice.h).
//!
//! Shaped like upstream's [`kernel::miscdevice`] (a `#[vtable]` trait,
//! private trampolines, one `const` `file_operations` per type, so every
//! open file's `f_op` points at a `'static` table that outlives any
//! registration), with what that module does not offer:
//!
//! - every open file holds an `Arc` of the device's shared object, given to
//!   every callback as an [`ArcBorrow`];
//! - the shared object owns a [`PageCacheInode`], and `open` points the
//!   file's `f_mapping` at it (as DRM does with its anonymous inode), so the
//!   kernel's page-cache machinery works on the device; nothing else can
//!   change `f_mapping`;
//! - `llseek` is `generic_file_llseek()` over that inode's `i_size`, so
//!   `SEEK_END` is the end of the device's data;
//! - mappings are set up by `->mmap_prepare` (7.3's replacement of
//!   `->mmap`), with a [`VmaDesc`] that knows the file's data is an
//!   `Arc<T>`, so only operations whose data is `T` can be installed.

use super::{
    mapping::PageCacheInode,
    vm_ops::VmaDesc, //
};
use core::marker::{
    PhantomData,
    PhantomPinned, //
};
use kernel::{
    bindings,
    error::{
        to_result,
        VTABLE_DEFAULT_ERROR, //
    },
    fs::{
        File,
        Kiocb, //
    },
    iov::{
        IovIterDest,
        IovIterSource, //
    },
    module::this_module,
    prelude::*,
    sync::{
        Arc,
        ArcBorrow, //
    },
    types::{
        ForeignOwnable,
        Opaque, //
    },
};

/// The shared object of a misc device: what every open file of it holds.
#[vtable]
pub(crate) trait SharedMiscDevice: Send + Sync + Sized + 'static {
    /// The page cache every open file's `f_mapping` points at. It lives as
    /// long as `self`, which every open file keeps alive.
    fn page_cache(&self) -> &PageCacheInode;

    /// Whether a mapping of at least a PMD's size is placed at an address
    /// aligned as its file offset is, modulo the PMD size
    /// (`thp_get_unmapped_area` as `->get_unmapped_area`), so that PMDs
    /// can map the page cache's PMD-sized folios. Only on a kernel with
    /// transparent huge pages, and not for 32-bit tasks (the kernel's
    /// choice there).
    const PMD_ALIGNED: bool = false;

    /// `->open`: may refuse the open. On success the file holds an
    /// `Arc<Self>` until it is released.
    fn open(_this: ArcBorrow<'_, Self>, _file: &File) -> Result {
        Ok(())
    }

    /// `->mmap_prepare`: check the mapping asked for and install its
    /// operations ([`VmaDesc::install`]). It runs before the kernel tries
    /// to merge the new range into a neighbour, so its checks hold for
    /// every mapping made; it must be stateless (the mapping may still
    /// fail, or be merged), which `VmaDesc` ensures.
    fn mmap_prepare(
        _this: ArcBorrow<'_, Self>,
        _file: &File,
        _desc: &mut VmaDesc<'_, Self>,
    ) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `->read_iter`.
    fn read_iter(_kiocb: Kiocb<'_, Arc<Self>>, _iov: &mut IovIterDest<'_>) -> Result<usize> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `->write_iter`.
    fn write_iter(_kiocb: Kiocb<'_, Arc<Self>>, _iov: &mut IovIterSource<'_>) -> Result<usize> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `->fsync` (`fsync`, `fdatasync`, `msync(MS_SYNC)` of a shared
    /// mapping): make what was written to bytes `start..=end` durable, with
    /// `datasync` only what reading it back needs. Called without the
    /// mmap lock (`msync` drops it first) and without the inode lock.
    fn fsync(
        _this: ArcBorrow<'_, Self>,
        _file: &File,
        _start: i64,
        _end: i64,
        _datasync: bool,
    ) -> Result {
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// `->unlocked_ioctl`.
    fn ioctl(_this: ArcBorrow<'_, Self>, _file: &File, _cmd: u32, _arg: usize) -> Result<isize> {
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}

/// A registered misc device with a shared object.
///
/// # Invariants
///
/// `misc` is the first field (`repr(C)`), so the `struct miscdevice *` that
/// `misc_open()` stores in `file->private_data` points to `Self`; it is
/// registered, with `T`'s `'static` table, from a successful `register`
/// until `Drop`.
#[repr(C)]
#[pin_data(PinnedDrop)]
pub(crate) struct SharedMiscRegistration<T: SharedMiscDevice> {
    #[pin]
    misc: Opaque<bindings::miscdevice>,
    shared: Arc<T>,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: `misc_deregister` may run on any thread; `shared` is `Send`.
unsafe impl<T: SharedMiscDevice> Send for SharedMiscRegistration<T> {}
// SAFETY: `&self` only gives out `&Arc<T>`, and `T` is `Sync`.
unsafe impl<T: SharedMiscDevice> Sync for SharedMiscRegistration<T> {}

impl<T: SharedMiscDevice> SharedMiscRegistration<T> {
    /// Register `/dev/<name>`, whose files share `shared`.
    pub(crate) fn register(name: &'static CStr, shared: Arc<T>) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            shared,
            misc <- Opaque::try_ffi_init(move |slot: *mut bindings::miscdevice| {
                let mut misc: bindings::miscdevice = pin_init::zeroed();
                misc.minor = bindings::MISC_DYNAMIC_MINOR as c_int;
                misc.name = name.as_char_ptr();
                misc.fops = MiscVTable::<T>::build();
                // SAFETY: The initializer may write to `slot`.
                unsafe { slot.write(misc) };
                // SAFETY: `slot` holds a filled-in miscdevice whose memory
                // is pinned until `Drop` deregisters it.
                // INVARIANT: registered on success.
                to_result(unsafe { bindings::misc_register(slot) })
            }),
            _pin: PhantomPinned,
        })
    }
}

#[pinned_drop]
impl<T: SharedMiscDevice> PinnedDrop for SharedMiscRegistration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: Registered by the type invariant; deregistered once. Files
        // still open keep working: their `f_op` is `T`'s `'static` table,
        // their `private_data` an `Arc<T>` of their own.
        unsafe { bindings::misc_deregister(self.misc.get()) };
    }
}

/// The `&File` a file operation gets, as upstream's `miscdevice` makes it.
///
/// # Safety
///
/// `file` is valid for `'a`.
unsafe fn callback_file<'a>(file: *mut bindings::file) -> &'a File {
    // SAFETY: Valid for `'a` (the caller). `File::from_raw_file` also asks
    // that no `fdget_pos` that skipped `f_pos_lock` be active on another
    // thread, which a character device cannot promise: only regular files
    // and directories get `FMODE_ATOMIC_POS` (`do_dentry_open`), so another
    // thread's `read()` may hold such an `fdget_pos`. What the rule
    // protects is `f_pos`, which `File` has no accessor for; nothing here
    // reaches it through this `&File` (pcc reads `flags()`).
    unsafe { File::from_raw_file(file) }
}

struct MiscVTable<T>(PhantomData<T>);

impl<T: SharedMiscDevice> MiscVTable<T> {
    /// # Safety
    ///
    /// Called by the VFS through `misc_open()` for a file of a device
    /// registered by [`SharedMiscRegistration::register`] with this `T`.
    unsafe extern "C" fn open(inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
        // SAFETY: The pointers are valid and for a file being opened.
        let ret = unsafe { bindings::generic_file_open(inode, file) };
        if ret != 0 {
            return ret;
        }
        // SAFETY: `misc_open()` set `private_data` to our `struct
        // miscdevice`, the first field of a live registration (type
        // invariant); it cannot be deregistered during open.
        let reg = unsafe { &*(*file).private_data.cast::<SharedMiscRegistration<T>>() };
        let shared = reg.shared.clone();
        // SAFETY: The file is valid for the call, and not yet in any file
        // table, so no `fdget_pos` can be active on it.
        let f = unsafe { File::from_raw_file(file) };
        if let Err(e) = T::open(shared.as_arc_borrow(), f) {
            return e.to_errno();
        }
        // SAFETY: The file is being opened by this thread: nothing else uses
        // `f_mapping` or `private_data` yet. The page cache lives as long as
        // `shared`, which the file owns from here to `release`, so it
        // outlives every use of `f_mapping` through this file and its
        // mappings (a VMA holds its file).
        unsafe {
            (*file).f_mapping = shared.page_cache().mapping();
            (*file).private_data = shared.into_foreign();
        }
        0
    }

    /// # Safety
    ///
    /// Called by the VFS once, when a file opened by [`Self::open`] goes away.
    unsafe extern "C" fn release(_inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
        // SAFETY: `open` stored an `Arc<T>` in `private_data`; release owns it.
        drop(unsafe { Arc::<T>::from_foreign((*file).private_data) });
        0
    }

    /// # Safety
    ///
    /// `file` was opened by [`Self::open`] and is not yet released.
    unsafe fn shared<'a>(file: *mut bindings::file) -> ArcBorrow<'a, T> {
        // SAFETY: `private_data` is the `Arc<T>` `open` stored, alive until
        // `release`, which cannot run during another file operation.
        unsafe { Arc::<T>::borrow((*file).private_data) }
    }

    /// # Safety
    ///
    /// `kiocb` is for a file opened by [`Self::open`]; `iter` is a valid
    /// destination `struct iov_iter`.
    unsafe extern "C" fn read_iter(
        kiocb: *mut bindings::kiocb,
        iter: *mut bindings::iov_iter,
    ) -> isize {
        // SAFETY: The file's private data is an `Arc<T>` (see `open`).
        let kiocb = unsafe { Kiocb::<Arc<T>>::from_raw(kiocb) };
        // SAFETY: A valid `struct iov_iter` for writing.
        let iov = unsafe { IovIterDest::from_raw(iter) };
        match T::read_iter(kiocb, iov) {
            Ok(n) => n as isize,
            Err(e) => e.to_errno() as isize,
        }
    }

    /// # Safety
    ///
    /// `kiocb` is for a file opened by [`Self::open`]; `iter` is a valid
    /// source `struct iov_iter`.
    unsafe extern "C" fn write_iter(
        kiocb: *mut bindings::kiocb,
        iter: *mut bindings::iov_iter,
    ) -> isize {
        // SAFETY: The file's private data is an `Arc<T>` (see `open`).
        let kiocb = unsafe { Kiocb::<Arc<T>>::from_raw(kiocb) };
        // SAFETY: A valid `struct iov_iter` for reading.
        let iov = unsafe { IovIterSource::from_raw(iter) };
        match T::write_iter(kiocb, iov) {
            Ok(n) => n as isize,
            Err(e) => e.to_errno() as isize,
        }
    }

    /// # Safety
    ///
    /// Called by `vfs_mmap_prepare()` with the descriptor of a mapping of
    /// a file opened by [`Self::open`].
    unsafe extern "C" fn mmap_prepare(desc: *mut bindings::vm_area_desc) -> c_int {
        // SAFETY: The descriptor is live for the call; `file` is the file
        // whose `->mmap_prepare` this is, open for the call.
        let (file, vm_file) = unsafe { ((*desc).file, (*desc).vm_file) };
        // A stacking caller (`vfs_mmap_prepare` from another file's mmap,
        // as ipc/shm does) may map a file other than ours: `->mapped` gets
        // `vm_file` and reads its `private_data` as ours, so refuse that.
        if file != vm_file {
            return EINVAL.to_errno();
        }
        // SAFETY: See `shared`.
        let this = unsafe { Self::shared(file) };
        // SAFETY: The file is valid for the call (see `callback_file`).
        let f = unsafe { callback_file(file) };
        // SAFETY: The descriptor of this call; `vm_file` is `file` (checked
        // above; `VmaDesc` cannot change it), whose `private_data` holds the
        // `Arc<T>` `open` stored until `release`.
        let mut d = unsafe { VmaDesc::<T>::from_raw(desc) };
        match T::mmap_prepare(this, f, &mut d) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    /// # Safety
    ///
    /// `file` was opened by [`Self::open`].
    unsafe extern "C" fn ioctl(file: *mut bindings::file, cmd: c_uint, arg: c_ulong) -> c_long {
        // SAFETY: See `shared`.
        let this = unsafe { Self::shared(file) };
        // SAFETY: The file is valid for the call (see `callback_file`).
        let f = unsafe { callback_file(file) };
        match T::ioctl(this, f, cmd, arg) {
            Ok(ret) => ret as c_long,
            Err(e) => e.to_errno() as c_long,
        }
    }

    /// # Safety
    ///
    /// `file` was opened by [`Self::open`].
    unsafe extern "C" fn fsync(
        file: *mut bindings::file,
        start: bindings::loff_t,
        end: bindings::loff_t,
        datasync: c_int,
    ) -> c_int {
        // SAFETY: See `shared`.
        let this = unsafe { Self::shared(file) };
        // SAFETY: The file is valid for the call (see `callback_file`).
        let f = unsafe { callback_file(file) };
        match T::fsync(this, f, start, end, datasync != 0) {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        }
    }

    const VTABLE: bindings::file_operations = bindings::file_operations {
        open: Some(Self::open),
        release: Some(Self::release),
        llseek: Some(bindings::generic_file_llseek),
        mmap_prepare: if T::HAS_MMAP_PREPARE {
            Some(Self::mmap_prepare)
        } else {
            None
        },
        read_iter: if T::HAS_READ_ITER {
            Some(Self::read_iter)
        } else {
            None
        },
        write_iter: if T::HAS_WRITE_ITER {
            Some(Self::write_iter)
        } else {
            None
        },
        fsync: if T::HAS_FSYNC {
            Some(Self::fsync)
        } else {
            None
        },
        unlocked_ioctl: if T::HAS_IOCTL {
            Some(Self::ioctl)
        } else {
            None
        },
        #[cfg(CONFIG_COMPAT)]
        compat_ioctl: if T::HAS_IOCTL {
            bindings::compat_ptr_ioctl
        } else {
            None
        },
        #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
        get_unmapped_area: if T::PMD_ALIGNED {
            Some(bindings::thp_get_unmapped_area)
        } else {
            None
        },
        owner: this_module::<T::OwnerModule>().as_ptr(),
        ..pin_init::zeroed()
    };

    const fn build() -> &'static bindings::file_operations {
        &Self::VTABLE
    }
}
