// SPDX-License-Identifier: GPL-2.0

//! Statistics counters bumped on the fault path.
//!
//! `kernel::sync::atomic` implements every operation by a call into C
//! (`rust_helper_atomic64_add` and friends: 7.3 builds Rust without
//! `CONFIG_RUST_INLINE_HELPERS`). Measured with `make bench` in the guest,
//! one such `add` per `->fault` was about 8% of a cached-page fault. A
//! statistics counter orders nothing: it needs a relaxed read-modify-write
//! and nothing more, and `core`'s relaxed atomics are exactly that, inline
//! (an LL/SC loop on arm64, `lock xadd` on x86_64). Nothing here may be
//! used to order other memory accesses: the only ordering is `Relaxed`.
//!
//! Each counter has a cache line of its own, so that callbacks bumping
//! different counters on different CPUs do not share one.

use core::sync::atomic::{
    AtomicI64,
    AtomicU64,
    Ordering::Relaxed, //
};

/// A count of events since load.
#[repr(align(64))]
pub(crate) struct EventCounter(AtomicU64);

impl EventCounter {
    pub(crate) const fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    /// Count one event.
    #[inline]
    pub(crate) fn inc(&self) {
        self.0.fetch_add(1, Relaxed);
    }

    /// Count `n` events.
    #[inline]
    pub(crate) fn add(&self, n: u64) {
        self.0.fetch_add(n, Relaxed);
    }

    /// The count now.
    #[inline]
    pub(crate) fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

/// A level that goes up and down (e.g. pages dirty now).
#[repr(align(64))]
pub(crate) struct Level(AtomicI64);

impl Level {
    pub(crate) const fn new() -> Self {
        Self(AtomicI64::new(0))
    }

    #[inline]
    pub(crate) fn add(&self, n: i64) {
        self.0.fetch_add(n, Relaxed);
    }

    #[inline]
    pub(crate) fn set(&self, v: i64) {
        self.0.store(v, Relaxed);
    }

    #[inline]
    pub(crate) fn get(&self) -> i64 {
        self.0.load(Relaxed)
    }
}
