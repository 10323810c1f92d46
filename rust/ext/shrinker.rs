// SPDX-License-Identifier: GPL-2.0

//! Shrinkers: how a cache gives memory back when the kernel runs short.
//!
//! C header: [`include/linux/shrinker.h`](srctree/include/linux/shrinker.h).
//!
//! Reclaim calls `count_objects` to ask how much could be freed and
//! `scan_objects` to free some. Both run in reclaim context, possibly on a
//! task that already holds the driver's locks (an allocation under them),
//! so an implementation must only try-lock.

use super::ffi;
use core::ptr::NonNull;
use kernel::{
    bindings,
    prelude::*,
    sync::Arc,
    types::ForeignOwnable, //
};

/// What a shrinker frees.
pub(crate) trait Shrink: Send + Sync + 'static {
    /// How many objects could be freed now (0: nothing to do).
    fn count(&self) -> usize;

    /// Free up to `nr` objects; how many were freed, or `None` when nothing
    /// can be done in this context (`SHRINK_STOP`: e.g. a lock is taken).
    fn scan(&self, nr: usize) -> Option<usize>;
}

/// A registered shrinker holding a reference on its `T`.
///
/// # Invariants
///
/// `shrinker` was registered by [`Shrinker::register`] with
/// `private_data` a reference from `Arc::into_foreign`, given back in
/// `Drop` after `shrinker_free` has waited for every running callback.
pub(crate) struct Shrinker<T: Shrink> {
    shrinker: NonNull<bindings::shrinker>,
    _t: core::marker::PhantomData<Arc<T>>,
}

// SAFETY: The shrinker is freed from any thread; `T` is `Send + Sync`.
unsafe impl<T: Shrink> Send for Shrinker<T> {}
// SAFETY: No `&self` method.
unsafe impl<T: Shrink> Sync for Shrinker<T> {}

impl<T: Shrink> Shrinker<T> {
    pub(crate) fn register(name: &CStr, data: Arc<T>) -> Result<Self> {
        let ptr = data.into_foreign();
        // SAFETY: `name` is NUL-terminated and copied; the callbacks match
        // the shrinker's prototypes and read `private_data` as `Arc<T>`.
        let s = unsafe { ffi::pcc_shrinker_new(name.as_char_ptr(), ptr, Self::count, Self::scan) };
        match NonNull::new(s) {
            // INVARIANT: registered with `ptr` as its data.
            Some(shrinker) => Ok(Self {
                shrinker,
                _t: core::marker::PhantomData,
            }),
            None => {
                // SAFETY: Not registered: the reference is still ours.
                drop(unsafe { Arc::<T>::from_foreign(ptr) });
                Err(ENOMEM)
            }
        }
    }

    /// # Safety
    ///
    /// `s` is a shrinker registered by `register` for `T`, live for `'a`.
    unsafe fn data<'a>(s: *mut bindings::shrinker) -> &'a T {
        // SAFETY: `private_data` holds an `Arc<T>` until `Drop`, which
        // waits for this callback to return.
        let arc = unsafe { Arc::<T>::borrow((*s).private_data) };
        // SAFETY: Same lifetime as the borrow above.
        unsafe { &*core::ptr::from_ref::<T>(&arc) }
    }

    /// # Safety
    ///
    /// Called by reclaim with a shrinker registered by `register` for `T`.
    unsafe extern "C" fn count(
        s: *mut bindings::shrinker,
        _sc: *mut bindings::shrink_control,
    ) -> kernel::ffi::c_ulong {
        // SAFETY: Called by reclaim on our registered shrinker.
        let t = unsafe { Self::data(s) };
        t.count() as kernel::ffi::c_ulong
    }

    /// # Safety
    ///
    /// Called by reclaim with a shrinker registered by `register` for `T`
    /// and a live `shrink_control`.
    unsafe extern "C" fn scan(
        s: *mut bindings::shrinker,
        sc: *mut bindings::shrink_control,
    ) -> kernel::ffi::c_ulong {
        // SAFETY: Called by reclaim on our registered shrinker, with a live
        // control structure.
        let (t, nr) = unsafe { (Self::data(s), (*sc).nr_to_scan) };
        match t.scan(nr) {
            Some(n) => n as kernel::ffi::c_ulong,
            None => !0, // SHRINK_STOP
        }
    }
}

impl<T: Shrink> Drop for Shrinker<T> {
    fn drop(&mut self) {
        let s = self.shrinker.as_ptr();
        // SAFETY: Registered (type invariant); read before it is freed.
        let data = unsafe { (*s).private_data };
        // SAFETY: Frees the shrinker once; it returns only when no callback
        // runs any more.
        unsafe { bindings::shrinker_free(s) };
        // SAFETY: The reference `register` stored, given back once.
        drop(unsafe { Arc::<T>::from_foreign(data) });
    }
}
