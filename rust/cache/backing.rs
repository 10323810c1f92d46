// SPDX-License-Identifier: GPL-2.0

//! Where a page lives when it is not cached: nowhere (memory only) or in
//! the backing store.

use super::Lookup;
use crate::{
    ext::{
        folio::{
            Folio,
            FolioGuard, //
        },
        mapping::{
            InvalidateExclusive,
            InvalidateShared, //
        },
        vm_ops::{
            LockOrRetry,
            VmFault, //
        },
    },
    store::Store,
};
use kernel::{
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{
            ordering::Relaxed,
            Atomic, //
        },
        Arc, //
    },
};

/// Where a page lives when it is not cached: the one place where a
/// memory-only cache and a store-backed one behave differently.
pub(super) enum Backing {
    /// No store (`backing=` not given): a page not cached is a hole, which
    /// reads as zeros. A cached page is the only copy of its data, so none
    /// is evicted, and the cache is full at its limit, as tmpfs is.
    MemoryOnly(Room),
    /// A store: a page not cached is read from it, unless its bitmap says
    /// the page is a hole. Dirty pages are written back to it; clean ones
    /// may be evicted, to be read again on their next access.
    Store(StoreBacking),
}

/// The room a memory-only cache has under its `cache_pages=` limit, kept
/// as shmem keeps a tmpfs's blocks (`shmem_inode_acct_blocks`): a miss
/// reserves room for its pages before it adds them, in one atomic step,
/// so that misses need no lock of pcc's to stop exactly at the limit.
/// `used` counts the pages cached and the pages reserved for folios being
/// added. A page lost to a memory error keeps its room until
/// `PCC_IOC_RESET`, as a poisoned tmpfs page keeps its block until it is
/// truncated.
pub(super) struct Room {
    used: Atomic<usize>,
    limit: usize,
}

impl Room {
    fn new(limit: usize) -> Self {
        Self {
            used: Atomic::new(0),
            limit,
        }
    }

    /// Whether there is no room for `nr` more pages now: a hint, which a
    /// miss reads before it allocates ([`Self::reserve`] is exact).
    #[inline]
    pub(super) fn is_full(&self, nr: usize) -> bool {
        self.used.load(Relaxed) + nr > self.limit
    }

    /// Room for `nr` pages, reserved until the [`Reserved`] is dropped or
    /// kept; `None` if it would pass the limit (`percpu_counter_limited_add`).
    /// Only while folios may be added (`add`), which the reservation
    /// borrows, so that it ends before the lock is released: a reset, which
    /// adds none meanwhile, counts again what is cached ([`Self::recount`]).
    #[inline]
    pub(super) fn reserve<'a>(
        &'a self,
        add: &'a InvalidateShared<'_>,
        nr: usize,
    ) -> Option<Reserved<'a>> {
        let mut used = self.used.load(Relaxed);
        loop {
            if used + nr > self.limit {
                return None;
            }
            match self.used.cmpxchg(used, used + nr, Relaxed) {
                Ok(_) => {
                    return Some(Reserved {
                        room: self,
                        nr,
                        _add: add,
                    })
                }
                Err(now) => used = now,
            }
        }
    }

    /// After a reset's truncation, with no folio added meanwhile
    /// (`_truncate`) and so none reserved: the room is what `cached`, the
    /// pages still cached, leave. The lost pages' room comes back.
    pub(super) fn recount(&self, _truncate: &InvalidateExclusive<'_>, cached: usize) {
        self.used.store(cached, Relaxed);
    }
}

/// Room for a folio's pages ([`Room::reserve`]), given back when dropped
/// unless [`Self::keep`] says the folio was added.
pub(super) struct Reserved<'a> {
    room: &'a Room,
    nr: usize,
    /// The invalidate lock the reservation was made under, held until it
    /// ends.
    _add: &'a InvalidateShared<'a>,
}

impl Reserved<'_> {
    /// The folio was added: its pages keep the room.
    pub(super) fn keep(self) {
        core::mem::forget(self);
    }
}

impl Drop for Reserved<'_> {
    fn drop(&mut self) {
        self.room.used.fetch_sub(self.nr, Relaxed);
    }
}

/// Which pages of a folio the store holds, taken under `PageCache::state`
/// ([`super::PageCache::stored`]) for a read of the folio.
pub(crate) enum Held {
    /// Every one.
    All,
    /// None: the folio is a hole, zero-filled without I/O.
    None,
    /// Some: whether it holds each page of the folio, in order (a large
    /// folio over pages written back and pages never written).
    Some(KVec<bool>),
}

/// The store-backed configuration. How many pages may be dirty is the
/// kernel's business (`vm.dirty_ratio`, `balance_dirty_pages`), as for any
/// disk filesystem.
pub(super) struct StoreBacking {
    pub(super) store: Arc<Store>,
}

impl Backing {
    /// Memory only without `store`, with room for `limit` pages.
    pub(super) fn new(store: Option<Store>, limit: usize) -> Result<Self> {
        let Some(store) = store else {
            return Ok(Self::MemoryOnly(Room::new(limit)));
        };
        Ok(Self::Store(StoreBacking {
            store: Arc::new(store, GFP_KERNEL)?,
        }))
    }

    /// The store, if there is one.
    pub(super) fn store(&self) -> Option<&StoreBacking> {
        match self {
            Self::MemoryOnly(_) => None,
            Self::Store(s) => Some(s),
        }
    }

    /// The room under the limit, without a store (with one, the limit is
    /// kept by evicting clean pages).
    #[inline]
    pub(super) fn room(&self) -> Option<&Room> {
        match self {
            Self::MemoryOnly(room) => Some(room),
            Self::Store(_) => None,
        }
    }

    /// Whether clean pages may be dropped from memory: only with a store,
    /// which holds their data.
    pub(super) fn evicts(&self) -> bool {
        matches!(self, Self::Store(_))
    }

    /// Whether there is no room for `nr` more pages: only a memory-only
    /// cache at its limit (a store-backed one evicts clean pages to make
    /// room instead). A hint ([`Room::is_full`]).
    pub(super) fn is_full(&self, nr: usize) -> bool {
        self.room().is_some_and(|room| room.is_full(nr))
    }

    /// Whether a new folio of which the store holds `held` is read from
    /// the store (else it is a hole, zero-filled without I/O).
    pub(super) fn reads(&self, held: &Held) -> bool {
        !matches!(held, Held::None) && self.evicts()
    }

    /// Fill `locked`, a new folio just added to the cache, here and now:
    /// with zeros for a hole (no I/O), else with the store's pages
    /// (`held`), which unlocks it.
    pub(super) fn fill(&self, locked: FolioGuard<ARef<Folio>>, held: Held) -> Lookup {
        if self.reads(&held) {
            let folio = locked.handle();
            // An error shows as a folio not uptodate
            // (`PageCache::revalidate`).
            self.read(&locked, &held);
            drop(locked);
            Lookup::FromStore(folio)
        } else {
            locked.zero_fill();
            Lookup::Zeroed(locked)
        }
    }

    /// Read `locked`, not uptodate, from the store: a new folio, or one a
    /// read left not uptodate (`filemap_fault`'s `page_not_uptodate`).
    /// The pages the store does not hold (`held`) are zero-filled. Returns
    /// whether it is uptodate now; without a store there is nothing to
    /// read.
    pub(super) fn read(&self, locked: &FolioGuard<ARef<Folio>>, held: &Held) -> bool {
        let Self::Store(s) = self else {
            return false;
        };
        let r = match held {
            Held::All => s.store.read(locked, locked.nr_pages(), |_| false),
            Held::None => {
                locked.zero_fill();
                return true;
            }
            Held::Some(map) => {
                let reads = map.iter().filter(|&&h| h).count();
                s.store
                    .read(locked, reads, |p| !map.get(p).copied().unwrap_or(false))
            }
        };
        r.is_ok()
    }

    /// Read consecutive pages `index..` of the store into `folios`, new and
    /// locked, every page of which the store holds, in one read that
    /// completes after this returns and unlocks them: a run of a readahead. An error leaves them not uptodate;
    /// without a store there is nothing to read (they are unlocked).
    pub(super) fn read_run(&self, folios: KVec<FolioGuard<ARef<Folio>>>, index: usize) {
        if let Self::Store(s) = self {
            s.store.read_run_async(folios, index);
        }
    }

    /// The most pages one [`Self::read_run`] should take (a larger folio
    /// is read alone); 1 without a store.
    pub(super) fn max_read_pages(&self) -> usize {
        match self {
            Self::MemoryOnly(_) => 1,
            Self::Store(s) => s.store.max_read_pages(),
        }
    }

    /// Lock `folio`, cached, for a fault. With a store it may be locked
    /// for I/O: wait through the kernel's retry protocol
    /// ([`VmFault::lock_folio_or_retry`]), as in `filemap_fault`. Without
    /// one no I/O ever holds a folio lock: sleep for it, the fault lock
    /// held.
    #[inline(always)]
    pub(super) fn lock_for_fault<'a>(
        &self,
        vmf: VmFault<'a>,
        folio: ARef<Folio>,
    ) -> LockOrRetry<'a> {
        match self {
            Self::MemoryOnly(_) => LockOrRetry::Locked(vmf, FolioGuard::new(folio)),
            Self::Store(_) => vmf.lock_folio_or_retry(folio),
        }
    }

    /// The store's (reads, writes) of pages; none without one.
    pub(super) fn io_counts(&self) -> (u64, u64) {
        match self {
            Self::MemoryOnly(_) => (0, 0),
            Self::Store(s) => (s.store.reads.load(Relaxed), s.store.writes.load(Relaxed)),
        }
    }
}
