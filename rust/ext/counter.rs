// SPDX-License-Identifier: GPL-2.0

//! Statistics counters bumped on the fault path.
//!
//! These counters live in Rust-only memory: no C code reads or writes
//! them, so the LKMM rule for memory shared with C (use
//! `kernel::sync::atomic`, as pcc does for every C-owned field it reads)
//! does not reach them, and `core`'s atomics are sound here. They are kept
//! for cost: `kernel::sync::atomic` implements every operation by a call
//! into C (`rust_helper_atomic64_add` and friends). 7.3 can inline those
//! helpers (`CONFIG_RUST_INLINE_HELPERS`), but only when clang and rustc
//! share an LLVM major, and pcc's kernels pair clang 19 with rustc's LLVM
//! 22, so it is off. Measured with `make bench` in the guest, one such
//! out-of-line `add` per `->fault` was about 8% of a cached-page fault. A
//! statistics counter orders nothing: it needs a relaxed read-modify-write
//! and nothing more, and `core`'s relaxed atomics are exactly that, inline
//! (an LL/SC loop on arm64, `lock xadd` on x86_64). Nothing here may be
//! used to order other memory accesses: the only ordering is `Relaxed`.
//! Per-CPU counters would remove the shared cache lines too, but 7.3 has
//! no Rust per-CPU API, so each bump would again be a call into C.
//!
//! Each counter has a cache line of its own, so that callbacks bumping
//! different counters on different CPUs do not share one.

use super::vm_ops::AtomicContext;
use core::sync::atomic::{
    AtomicU64,
    Ordering::Relaxed, //
};

/// A count of events since load.
#[repr(align(64))]
pub(crate) struct EventCounter(AtomicU64);

// SAFETY: Relaxed atomic operations only: nothing sleeps.
unsafe impl AtomicContext for EventCounter {}

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
