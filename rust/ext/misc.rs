// SPDX-License-Identifier: GPL-2.0

//! A misc device whose files share one object, and that can seek.
//!
//! C header: [`include/linux/miscdevice.h`](srctree/include/linux/miscdevice.h).
//!
//! Upstream's [`kernel::miscdevice`] gives `open` no way to reach data that
//! belongs to the device (rather than to one open file), and its file
//! operations have no `llseek`. [`SharedMiscRegistration`] adds both while
//! keeping upstream's trampolines for everything else: it copies the
//! `file_operations` that [`MiscDeviceOptions::into_raw`] builds for `T`,
//! replaces `open` with one that passes the registration's shared `Arc` to
//! [`SharedMiscDevice::open_shared`], and sets `llseek` to
//! `generic_file_llseek()` (which seeks within `f_mapping->host`'s
//! `i_size`, so `SEEK_END` is the end of the device's data).

use core::{
    marker::PhantomPinned,
    mem::offset_of, //
};
use kernel::{
    bindings,
    error::to_result,
    fs::File,
    miscdevice::{
        MiscDevice,
        MiscDeviceOptions, //
    },
    prelude::*,
    sync::Arc,
    types::{
        ForeignOwnable,
        Opaque, //
    },
};

/// A [`MiscDevice`] whose `open` receives the device's shared data.
pub(crate) trait SharedMiscDevice: MiscDevice {
    /// What every open file of the device shares.
    type Shared: Send + Sync;

    /// Called instead of [`MiscDevice::open`].
    fn open_shared(file: &File, shared: &Arc<Self::Shared>) -> Result<Self::Ptr>;
}

/// A registered misc device with shared data.
///
/// # Invariants
///
/// `misc` is the first field (`repr(C)`), so the `struct miscdevice *` that
/// `misc_open()` stores in `file->private_data` points to `Self`; it stays
/// registered, with `fops`, from a successful `register` until `Drop`.
#[repr(C)]
#[pin_data(PinnedDrop)]
pub(crate) struct SharedMiscRegistration<T: SharedMiscDevice> {
    #[pin]
    misc: Opaque<bindings::miscdevice>,
    #[pin]
    fops: Opaque<bindings::file_operations>,
    shared: Arc<T::Shared>,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: `misc_deregister` may run on any thread; `shared` is `Send`.
unsafe impl<T: SharedMiscDevice> Send for SharedMiscRegistration<T> {}
// SAFETY: `&self` only gives out `&Arc<Shared>`, and `Shared` is `Sync`.
unsafe impl<T: SharedMiscDevice> Sync for SharedMiscRegistration<T> {}

impl<T: SharedMiscDevice> SharedMiscRegistration<T> {
    /// Register `/dev/<name>`.
    pub(crate) fn register(
        name: &'static CStr,
        shared: Arc<T::Shared>,
    ) -> impl PinInit<Self, Error> {
        let opts = MiscDeviceOptions { name };
        try_pin_init!(Self {
            shared,
            fops <- Opaque::ffi_init(move |slot: *mut bindings::file_operations| {
                // SAFETY: `into_raw` returns a pointer to a `'static` table.
                let mut fops = unsafe { *opts.into_raw::<T>().fops };
                fops.open = Some(Self::open);
                fops.llseek = Some(bindings::generic_file_llseek);
                // SAFETY: The initializer may write to `slot`.
                unsafe { slot.write(fops) };
            }),
            misc <- Opaque::try_ffi_init(move |slot: *mut bindings::miscdevice| {
                let mut misc = opts.into_raw::<T>();
                // `misc` is at offset 0 (`repr(C)`), so `slot` is `Self`'s
                // address and `fops`, initialized above, is at its offset.
                misc.fops = slot
                    .cast::<u8>()
                    .wrapping_add(offset_of!(Self, fops))
                    .cast::<bindings::file_operations>();
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

    /// # Safety
    ///
    /// Called by the VFS through `misc_open()` for a file of a device
    /// registered by [`Self::register`].
    unsafe extern "C" fn open(inode: *mut bindings::inode, file: *mut bindings::file) -> c_int {
        // SAFETY: The pointers are valid and for a file being opened.
        let ret = unsafe { bindings::generic_file_open(inode, file) };
        if ret != 0 {
            return ret;
        }
        // SAFETY: `misc_open()` set `private_data` to our `struct
        // miscdevice`, the first field of a live `Self` (type invariant); it
        // cannot be deregistered during open.
        let this = unsafe { &*(*file).private_data.cast::<Self>() };
        // SAFETY: The file is valid for the call; no fdget_pos region is
        // active on it.
        let f = unsafe { File::from_raw_file(file) };
        match T::open_shared(f, &this.shared) {
            Ok(ptr) => {
                // SAFETY: Like upstream's miscdevice `open`: from now on
                // `private_data` is `T::Ptr`, which the upstream trampolines
                // in `fops` expect.
                unsafe { (*file).private_data = ptr.into_foreign() };
                0
            }
            Err(e) => e.to_errno(),
        }
    }
}

#[pinned_drop]
impl<T: SharedMiscDevice> PinnedDrop for SharedMiscRegistration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: Registered by the type invariant; deregistered once.
        unsafe { bindings::misc_deregister(self.misc.get()) };
    }
}
