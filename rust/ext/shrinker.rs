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
///
/// # Examples
///
/// ```
/// impl Shrink for Cache {
///     fn count(&self, _sc: &ShrinkControl<'_>) -> ShrinkCount {
///         match self.clean.try_lock() {
///             Some(l) if l.is_empty() => ShrinkCount::Empty,
///             Some(l) => ShrinkCount::Freeable(l.len()),
///             None => ShrinkCount::Freeable(0),
///         }
///     }
///
///     fn scan(&self, sc: &ShrinkControl<'_>) -> ShrinkScan {
///         match self.clean.try_lock() {
///             Some(mut l) => ShrinkScan::Freed(l.drop_some(sc.nr_to_scan())),
///             None => ShrinkScan::Stop,
///         }
///     }
/// }
/// ```
pub(crate) trait Shrink: Send + Sync + 'static {
    /// How many objects could be freed now (`count_objects`).
    fn count(&self, sc: &ShrinkControl<'_>) -> ShrinkCount;

    /// Free up to `sc.nr_to_scan()` objects (`scan_objects`).
    fn scan(&self, sc: &ShrinkControl<'_>) -> ShrinkScan;
}

/// What `count_objects` answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShrinkCount {
    /// The cache holds no objects at all (`SHRINK_EMPTY`).
    Empty,
    /// This many could be freed now; 0 if some are held but none can go.
    Freeable(usize),
}

/// What `scan_objects` answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ShrinkScan {
    /// This many objects were freed.
    Freed(usize),
    /// No progress is possible in this context (`SHRINK_STOP`: e.g. a lock
    /// is taken, or the allocation context forbids what freeing needs).
    Stop,
}

/// The largest count a shrinker may return: the values above are the
/// sentinels `SHRINK_EMPTY` and `SHRINK_STOP`, which a count must never
/// become by accident.
const MAX_COUNT: usize = bindings::SHRINK_EMPTY as usize - 1;

/// `struct shrink_control`: the reclaim request a callback serves.
///
/// # Invariants
///
/// `raw` is the `shrink_control` reclaim passed to the callback running
/// now, which lasts `'a`.
pub(crate) struct ShrinkControl<'a> {
    raw: &'a bindings::shrink_control,
}

// The whole of `shrink_control` a shrinker may read; pcc's own needs only
// `nr_to_scan` (see `PageCache`'s `Shrink`), the rest is the abstraction's.
#[allow(dead_code)]
impl ShrinkControl<'_> {
    /// How many objects reclaim asks to scan (`nr_to_scan`).
    pub(crate) fn nr_to_scan(&self) -> usize {
        self.raw.nr_to_scan
    }

    /// The NUMA node reclaimed (`nid`; 0 for a shrinker that is not
    /// `SHRINKER_NUMA_AWARE`, as this one).
    pub(crate) fn nid(&self) -> i32 {
        self.raw.nid
    }

    /// Whether the allocation that reclaims may wait (`__GFP_DIRECT_RECLAIM`).
    pub(crate) fn may_wait(&self) -> bool {
        self.gfp(bindings::___GFP_DIRECT_RECLAIM_BIT)
    }

    /// Whether it may do I/O (`__GFP_IO`).
    pub(crate) fn may_do_io(&self) -> bool {
        self.gfp(bindings::___GFP_IO_BIT)
    }

    /// Whether it may call into file systems (`__GFP_FS`): not from a file
    /// system holding its own locks (`GFP_NOFS`).
    pub(crate) fn may_enter_fs(&self) -> bool {
        self.gfp(bindings::___GFP_FS_BIT)
    }

    /// Whether `gfp_mask` has the flag of bit number `bit` (`___GFP_*_BIT`).
    fn gfp(&self, bit: u32) -> bool {
        self.raw.gfp_mask & (1 << bit) != 0
    }
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
    /// Called by reclaim with a shrinker registered by `register` for `T`
    /// and a live `shrink_control`.
    unsafe extern "C" fn count(
        s: *mut bindings::shrinker,
        sc: *mut bindings::shrink_control,
    ) -> kernel::ffi::c_ulong {
        // SAFETY: Called by reclaim on our registered shrinker, with a live
        // control structure that lasts the call.
        let (t, sc) = unsafe { (Self::data(s), ShrinkControl { raw: &*sc }) };
        match t.count(&sc) {
            ShrinkCount::Empty => bindings::SHRINK_EMPTY as kernel::ffi::c_ulong,
            ShrinkCount::Freeable(n) => n.min(MAX_COUNT) as kernel::ffi::c_ulong,
        }
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
        // control structure that lasts the call.
        let (t, sc) = unsafe { (Self::data(s), ShrinkControl { raw: &*sc }) };
        match t.scan(&sc) {
            ShrinkScan::Freed(n) => n.min(MAX_COUNT) as kernel::ffi::c_ulong,
            ShrinkScan::Stop => bindings::SHRINK_STOP as kernel::ffi::c_ulong,
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
