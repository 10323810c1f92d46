// SPDX-License-Identifier: GPL-2.0

//! pcc's page cache: one per device, shared by every open file and mapping.
//!
//! # Design
//!
//! The pages are folios in the `address_space` of an inode of pcc's own
//! ([`PageCacheInode`]); every open file's `f_mapping` points at it. That
//! is what lets the kernel's generic machinery work on `/dev/pcc`:
//! `filemap_map_pages()` maps cached pages for fault-around, `folio_mkclean()`
//! finds every PTE of a page through the mapping's rmap tree, and
//! `unmap_mapping_range()` / `truncate_inode_pages()` remove pages from
//! every process. The decisions are pcc's, here, in safe Rust: when a page
//! is allocated (a miss in `fault` or `write`, or a `read` of a page the
//! store holds), what a new page holds (zeros for a hole, else the store's
//! copy), when it becomes dirty (`page_mkwrite`, `write`), when it is
//! cleaned (`writeback`) and when it leaves memory (eviction, a failed
//! read, a memory error, `reset`, module unload).
//!
//! Where a page lives when it is not cached is [`Backing`], the one place
//! where the two configurations differ. Memory only (no `backing=`): a page
//! not cached is a hole, which reads as zeros; a cached page is the only
//! copy of its data, so none is evicted, and past its limit
//! (`cache_pages=`, by default half of RAM) a new page is refused
//! (`ENOSPC` from `write`, `SIGBUS` from a fault), as tmpfs refuses when
//! full. With a store ([`crate::store`]): a page not cached is read from
//! it unless its bitmap says the page is a hole; `writeback` writes dirty
//! pages to it; clean pages are evicted (by the kernel's reclaim, by
//! `PCC_IOC_EVICT`, and by a task that needs a new page past
//! `cache_pages=`). The inode then has a backing device of its own, as a
//! disk filesystem's: the kernel accounts dirty pages, throttles writers
//! past its dirty limits (`balance_dirty_pages`, after the fault lock is
//! dropped), and its flusher and `sync(2)` call `writeback` too
//! ([`crate::ext::writeback::Writeback`]).
//!
//! The mapping's xarray is pcc's only index of the cache: a cached page is
//! in a folio there, held by the page cache's own reference and by nothing
//! of pcc's, so that the kernel can split and migrate it as any page-cache
//! folio. pcc's own new folios are one page each; with a store, on a
//! kernel with transparent huge pages, the readahead code adds larger ones
//! (`page_cache_ra_order`), which pcc reads, writes back and evicts whole:
//! a folio is dirty or clean as a whole, and every count is of pages. A lookup that finds a page there (a fault, `read`, `write`) takes
//! no lock of pcc's. Without a store the mapping is unevictable to the
//! kernel's LRU (as ramfs's): its pages are the only copy of their data.
//! With a store it is on the LRU as a disk file's, and reclaim drops clean
//! pages as it drops any file's, without asking pcc: no record of pcc's
//! changes when a clean page leaves (the store or a hole holds its data).
//! pcc's own eviction (`PCC_IOC_EVICT`, its `cache_pages=` limit) walks
//! the xarray as a clock hand. `state` holds what the xarray does not:
//! which pages the store holds (its bitmap, empty without a store) and
//! where pcc's eviction goes on; the pages a memory error took are a
//! record of their own ([`poison::Poisoned`], under a spinlock). With a
//! store, every change pcc makes to which pages are cached (a page added,
//! evicted, poisoned or reset) is made under `state`, so that a page's
//! record and its presence in the mapping change together. Without one, a
//! miss takes no lock of pcc's: it reserves its room under the limit
//! ([`backing::Room`], as shmem accounts a tmpfs's blocks) and, once its
//! folio is added, looks for a memory error's record of the page, which
//! memory failure makes before the page leaves the mapping.
//!
//! The code is split by concern: [`backing`] (memory only or a store),
//! [`fault`] (the fault callbacks and the `vm_operations_struct`s),
//! [`rw`] (`read`/`write`), [`writeback`] (writeback and the throttling of
//! writers), [`reclaim`] (allocation and pcc's own eviction) and
//! [`poison`] (memory failure); lookup, revalidation,
//! `reset` and the statistics are here.
//!
//! # Page states
//!
//! ```text
//!  hole   --(fault, write: zero-filled)------------------> clean
//!  stored --(fault, read, write: read from the store)----> clean
//!  clean  --(page_mkwrite, write)--> dirty --(writeback)--> clean
//!  clean  --(evict)--> stored; a hole if never written back
//!  cached --(memory error)--> poisoned; stored if clean and in the store
//!  any    --(reset)--> hole
//! ```
//! `hole`, `stored` and `poisoned` are not cached; `stored` exists only
//! with a store. Without one, `writeback` only cleans (write-protects)
//! pages, and a page stays cached until a memory error, `reset` or module
//! unload. A page whose read from the store fails leaves the cache again
//! (`stored`). Module unload writes dirty pages to the store first; `reset`
//! clears the store's bitmap too. A clean page is mapped read-only in
//! shared mappings, so the first store to it calls `page_mkwrite`;
//! `writeback` write-protects it again. A hole reads as zeros (`read` does
//! not allocate); a poisoned page reads and writes as `EIO` and faults as
//! `VM_FAULT_HWPOISON`.
//!
//! # Lock order
//!
//! ```text
//! mmap_lock or VMA lock (fault path)
//!   -> saving (pcc's Mutex: writeback, reset)
//!     -> invalidate_lock (shared: adding a folio, readahead; exclusive: reset)
//!       -> folio lock, writeback  (reset's truncation, before `state`)
//!       -> state (pcc's Mutex)
//!         -> folio lock  (writeback without a store)
//!           -> i_mmap_rwsem -> page table lock  (folio_mkclean, unmapping)
//!       -> the folio locks of a readahead batch -> state
//!     -> the store's file  (its bitmap written and synced, `state` released)
//! folio lock -> the store's file  (a page read into a locked folio)
//! state, folio lock -> the poisoned pages' record (a spinlock, the last
//!   lock of pcc's: memory failure, a miss without a store that checks
//!   the folio it added)
//! a run's writeback -> state  (the run noted written before it ends)
//! I_SYNC, s_umount (the flusher, sync(2)) -> what writeback takes above
//! ```
//! Both `state -> folio lock` and `folio lock -> state` occur, never at
//! once: `->readahead` asks `state` what its locked folios are, holding the
//! invalidate lock shared, and in a cache with a store no task waits for a
//! folio lock, or for a writeback, under `state` (without a store there is
//! no readahead and no store write).
//! A fault reads a page after releasing the fault lock when the kernel
//! lets it (as `filemap_fault`); a fault that may not (a `TRIED` pass
//! reading again after an error, `RETRY_NOWAIT`, no `ALLOW_RETRY`, a
//! kernel thread) reads under it: fault lock -> folio lock -> the store's
//! file, as `filemap_fault` reads its own file under it then. A fault
//! never writes to the store: dirty pages reach it through the flusher,
//! `sync(2)`, `fsync` and the ioctls, and the kernel throttles a writer
//! that dirties too many (`balance_dirty_pages`, after the fault lock is
//! dropped).
//! Under `state`, pcc waits for a folio's lock only in a writeback without
//! a store; elsewhere it try-locks (`reset` truncates before it takes
//! `state`). A writeback
//! with a store locks each folio after releasing `state`, and writes it to
//! the store under the folio's writeback state, unlocked. `page_mkwrite`
//! does no I/O: it takes the folio lock, and the kernel throttles the
//! writer after the fault lock is dropped. `map_pages` runs under RCU and
//! takes no lock of pcc's (`filemap_map_pages` only trylocks folios). A
//! new folio is allocated with `state` free: the allocation may reclaim
//! and wait, and reclaim removes pcc's clean folios under their own locks
//! (it try-locks them), taking none of pcc's. Memory failure's handler, holding a folio's lock,
//! waits for `state` only while its holder cannot be waiting for a folio
//! lock ([`PageCache::lock_state_holding_a_folio`]). No user copy that may
//! fault happens under `state` or a folio lock (`write` copies with page
//! faults disabled, `read` from an unlocked folio): a `read`/`write` whose
//! buffer is a mapping of `/dev/pcc` faults on the same pages.

mod backing;
mod fault;
mod huge;
mod poison;
mod readahead;
mod reclaim;
mod rw;
mod writeback;

pub(crate) use fault::{
    HugeWithFaultAround,
    HugeWithoutFaultAround,
    WithFaultAround,
    WithoutFaultAround, //
};
pub(crate) use huge::Huge;
pub(crate) use writeback::Pass;

use crate::{
    ext::{
        counter::EventCounter,
        folio::{
            Folio,
            FolioGuard,
            FolioState,
            LockedView, //
        },
        mapping::{
            InvalidateShared,
            NewFolio,
            PageCacheInode, //
        },
        mm,
        print::pr_info_ratelimited,
        trace,
        vm_ops::PmdHint,
    },
    store::{
        Bitmap,
        Store, //
    },
    uapi::{
        IoStats,
        Stats, //
    },
};
use backing::{
    Backing,
    Held,
    Reserved, //
};
use fault::AroundCounters;
use huge::HugeCounters;
use kernel::{
    bitmap::BitmapVec,
    new_mutex,
    page::PAGE_SHIFT,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{
            ordering::Relaxed,
            Atomic, //
        },
        Arc,
        Mutex,
        MutexGuard, //
    },
    time::{
        delay::fsleep,
        Delta, //
    },
};
use poison::Poisoned;

/// What pcc records of its pages beyond the mapping, under
/// `PageCache::state`.
struct State {
    /// Which pages the store holds (empty without a store).
    held: Bitmap,
    /// Where pcc's eviction at its `cache_pages=` limit goes on: a page
    /// offset.
    cursor: usize,
}

struct Counters {
    faults: EventCounter,
    fault_misses: EventCounter,
    /// `->map_pages` calls and the PTEs they set: all `->map_pages` sees
    /// of the cache (it runs under RCU).
    around: AroundCounters,
    mkwrite_calls: EventCounter,
    pages_written_back: EventCounter,
    major_faults: EventCounter,
    fault_retries: EventCounter,
    huge: HugeCounters,
}

impl Counters {
    const fn new() -> Self {
        Self {
            faults: EventCounter::new(),
            fault_misses: EventCounter::new(),
            around: (EventCounter::new(), EventCounter::new()),
            mkwrite_calls: EventCounter::new(),
            pages_written_back: EventCounter::new(),
            major_faults: EventCounter::new(),
            fault_retries: EventCounter::new(),
            huge: HugeCounters::new(),
        }
    }
}

/// The device's page cache.
#[pin_data]
pub(crate) struct PageCache {
    #[pin]
    state: Mutex<State>,
    /// Held while the store's bitmap is saved ([`PageCache::save_bitmap`]),
    /// taken before `state`: the saves reach the store in the order their
    /// bitmaps were taken, and the store's I/O runs without `state`.
    #[pin]
    saving: Mutex<()>,
    /// Dirty pages whose last store write failed, which the flusher leaves
    /// to the calls that report (`writeback::Pass`); made at the first
    /// failure, none until then. A lock of its own, taken after `state`
    /// (or alone): a failed write marks its pages before their writeback
    /// ends, which needs no `state`, and memory failure's handler gives up
    /// on `state` while its holder may wait for a folio lock.
    #[pin]
    write_failed: Mutex<Option<BitmapVec>>,
    /// The pages a memory error took.
    #[pin]
    poisoned: Poisoned,
    /// Set while the holder of `state` may wait for a folio's lock (a
    /// writeback without a store): memory failure's handler,
    /// which holds a folio's lock, waits for `state` only while it is
    /// clear ([`PageCache::lock_state_holding_a_folio`]).
    state_waits_for_folios: Atomic<bool>,
    inode: PageCacheInode,
    capacity: usize,
    fault_around: bool,
    /// `write_notify=`: whether mappings get `->page_mkwrite`. Off only
    /// without a store (a store's bdi writes back, and the kernel then
    /// write-notifies shared mappings whatever their callbacks).
    write_notify: bool,
    /// The most pages kept in memory (`cache_pages=`, by default half of
    /// RAM, as tmpfs's `size=`). With a store, a task that needs a new page
    /// past it evicts clean ones first (and memory pressure evicts below
    /// it, through the kernel's reclaim); without one, there is no room:
    /// `ENOSPC` (`write`), `SIGBUS` (a fault), as tmpfs when full.
    cache_limit: usize,
    /// `huge=`: where new folios are PMD-sized.
    huge: Huge,
    counters: Counters,
    backing: Backing,
}

/// What [`PageCache::find_or_add`] found or made.
enum Found {
    /// Cached, maybe locked by another task or by I/O.
    Cached(ARef<Folio>),
    /// Not cached: a new folio in the cache (one page, or PMD-sized where
    /// `huge=` wants it), locked, neither read nor zeroed (not uptodate),
    /// and which of its pages the store holds.
    New(FolioGuard<ARef<Folio>>, Held),
}

/// What [`PageCache::get_for_write`] gives `write`, locked.
pub(super) enum ForWrite {
    /// Uptodate: cached, or read or zero-filled on a miss.
    Uptodate(FolioGuard<ARef<Folio>>),
    /// New, of one page, for a write of the whole page: neither read from
    /// the store nor zero-filled (the write overwrites it), and whether
    /// the store holds the page, for [`Backing::fill`] after a short copy.
    Unfilled(FolioGuard<ARef<Folio>>, Held),
}

/// What a new folio may be added with ([`PageCache::admit`]).
enum Admitted<'a> {
    /// Without a store: room for its pages, given back if it is not added.
    Room(Reserved<'a>),
    /// With a store: `state`, held until it is added, and which of its
    /// pages the store holds.
    Store(MutexGuard<'a, State>, Held),
}

/// What [`PageCache::lookup`] found or made.
enum Lookup {
    /// Not cached: a new folio of zeros (a hole), locked and uptodate.
    Zeroed(FolioGuard<ARef<Folio>>),
    /// Not cached: a new folio this call filled from the store (unlocked;
    /// not uptodate if the read failed).
    FromStore(ARef<Folio>),
    /// Cached, maybe locked by another task or by I/O.
    Cached(ARef<Folio>),
}

/// Room for which pages of a folio of `nr` the store holds, when they may
/// be mixed, allocated before `state` is taken. None for one page: no map
/// is needed, and an empty `KVec` costs a call into the allocator when it
/// is dropped.
fn held_map(nr: usize) -> Result<Option<KVec<bool>>> {
    Ok(match nr {
        1 => None,
        _ => Some(KVec::with_capacity(nr, GFP_KERNEL)?),
    })
}

/// Whether a memory error took one of pages `first..first + nr`, and which
/// of them the store holds (`map`: from [`held_map`]), under `state`.
fn held_in(
    state: &State,
    poisoned: &Poisoned,
    first: usize,
    nr: usize,
    mut map: Option<KVec<bool>>,
) -> (bool, Held) {
    let pages = first..first + nr;
    // Exact under `state`, under which memory failure records a page and
    // removes it.
    let poisoned = poisoned.any_in(first, nr);
    let mut held = 0;
    for i in pages {
        let h = state.held.get(i);
        held += usize::from(h);
        if let Some(map) = map.as_mut() {
            // Within the capacity reserved.
            let _ = map.push_within_capacity(h);
        }
    }
    let held = match held {
        0 => Held::None,
        n if n == nr => Held::All,
        // Mixed: at least two pages, so `map` is there.
        _ => Held::Some(map.unwrap_or_default()),
    };
    (poisoned, held)
}

impl PageCache {
    /// A cache of `capacity` pages, empty.
    /// With `store`, pages come from it on a miss and go back by writeback;
    /// clean ones may be evicted.
    pub(crate) fn new(
        capacity: usize,
        fault_around: bool,
        write_notify: bool,
        cache_limit: usize,
        huge: Huge,
        store: Option<(Store, Bitmap)>,
    ) -> Result<Arc<Self>> {
        let (store, held) = match store {
            Some((store, held)) => (Some(store), held),
            None => (None, Bitmap::empty()),
        };
        // With a store, the kernel's writeback machinery writes the dirty
        // pages (`Writeback`, in `writeback`), and the kernel reads ahead
        // as much as the store's device takes; without one there is
        // nowhere to write them, as tmpfs.
        let pmd_folios = huge != Huge::Never;
        let inode = match &store {
            Some(store) => PageCacheInode::with_writeback(capacity, store.pages(), pmd_folios)?,
            None => PageCacheInode::new(capacity, pmd_folios)?,
        };
        let backing = Backing::new(store, cache_limit)?;
        Arc::pin_init(
            try_pin_init!(Self {
                state <- new_mutex!(State { held, cursor: 0 }),
                saving <- new_mutex!(()),
                write_failed <- new_mutex!(None),
                poisoned <- Poisoned::new(),
                state_waits_for_folios: Atomic::new(false),
                inode,
                capacity,
                fault_around,
                write_notify,
                cache_limit,
                huge,
                counters: Counters::new(),
                backing,
            }),
            GFP_KERNEL,
        )
    }

    pub(crate) fn has_store(&self) -> bool {
        self.backing.store().is_some()
    }

    pub(crate) fn inode(&self) -> &PageCacheInode {
        &self.inode
    }

    pub(crate) fn capacity_pages(&self) -> usize {
        self.capacity
    }

    pub(crate) fn capacity_bytes(&self) -> u64 {
        // Widened first: 1 << 20 pages are 4 GiB, past a 32-bit `usize`.
        (self.capacity as u64) << PAGE_SHIFT
    }

    pub(crate) fn fault_around(&self) -> bool {
        self.fault_around
    }

    pub(crate) fn write_notify(&self) -> bool {
        self.write_notify
    }

    /// Whether mappings get `->huge_fault`: only where `huge=` may make
    /// PMD-sized folios for it to map.
    pub(crate) fn huge_faults(&self) -> bool {
        self.huge != Huge::Never
    }

    /// The folio at `index`: a cached one as it is; on a miss a new one,
    /// zero-filled when the store does not hold the page (a hole, no I/O),
    /// else read from the store before this returns ([`Backing::fill`]);
    /// PMD-sized if `pmd` and `huge=` wants one there.
    /// `index` must be below capacity.
    fn lookup(&self, index: usize, pmd: bool) -> Result<Lookup> {
        Ok(match self.find_or_add(index, pmd)? {
            Found::Cached(folio) => Lookup::Cached(folio),
            Found::New(locked, held) => self.backing.fill(locked, held),
        })
    }

    /// The folio at `index`: a cached one as it is, or on a miss a new one
    /// added to the cache, locked and not filled yet, with which of its
    /// pages the store holds. With `pmd` (`huge=` wants a PMD-sized folio
    /// there: [`Huge::wants_pmd`]) the new folio is PMD-sized, holding the
    /// aligned range around `index`, if that range lies within capacity,
    /// none of it is cached or poisoned, there is room for it, a huge page
    /// is free and the memory cgroup takes it without reclaim; else it is
    /// one page (counted in `pmd_folio_fallbacks`), as
    /// `shmem_alloc_and_add_folio` falls back.
    /// `index` must be below capacity.
    fn find_or_add(&self, index: usize, pmd: bool) -> Result<Found> {
        match self.cached(index) {
            Some(found) => Ok(found),
            None => self.add_after_miss(index, pmd),
        }
    }

    /// The folio at `index` if it is cached, marked referenced. A hit needs
    /// no lock of pcc's: the mapping's xarray holds every cached folio
    /// (`filemap_get_entry` under RCU, as shmem_fault). One that eviction
    /// or reset takes right after is caught by the caller's `revalidate`
    /// once locked.
    fn cached(&self, index: usize) -> Option<Found> {
        let folio = self.inode.get(index)?;
        folio.set_referenced();
        Some(Found::Cached(folio))
    }

    /// [`Self::find_or_add`] for a caller that has just looked `index` up
    /// and missed: it looks again only when another task cached a page
    /// there first (`EEXIST`), as `shmem_get_folio_gfp` looks up once
    /// before it allocates.
    fn add_after_miss(&self, index: usize, pmd: bool) -> Result<Found> {
        let mut pmd = pmd && mm::pmd_pages() > 1;
        loop {
            // A device at its limit without a store refuses before it
            // allocates: a write or fault that gets `ENOSPC`/`SIGBUS` must
            // not make the system reclaim first; so does a page a memory
            // error took. Both are hints here, exact once the folio is
            // added (below).
            if let Some(room) = self.backing.room() {
                if self.poisoned.any_in(index, 1) {
                    return Err(EHWPOISON);
                }
                if room.is_full(1) {
                    return self.refuse(index);
                }
            }
            let (new, first) = match pmd.then(|| self.alloc_pmd_folio(index)).flatten() {
                Some(new) => new,
                None => {
                    if pmd {
                        self.fall_back(&mut pmd);
                    }
                    // Allocate before taking `state`: the allocation may
                    // reclaim and wait, and at pcc's `cache_pages=` limit it
                    // evicts, under `state`.
                    (self.alloc_folio()?, index)
                }
            };
            let nr = new.nr_pages();
            // For a large folio's mixed pages, allocated before `state`.
            let map = match self.backing.evicts() {
                true => held_map(nr)?,
                false => None,
            };
            // The invalidate lock first: a reset adds nothing while it
            // truncates, and readahead holds it when it asks `state` what
            // its pages are (`read_ahead`).
            let add = self.inode.lock_for_add();
            // Whether the pages may be cached is only known now; refused
            // pages give the new folio back (a poisoned page, or the last
            // free room taken by another task meanwhile). A PMD-sized folio
            // refused so falls back to one page.
            let admitted = match self.admit(&add, first, nr, map) {
                Ok(admitted) => admitted,
                Err(_) if nr > 1 => {
                    self.fall_back(&mut pmd);
                    continue;
                }
                Err(e) if e == ENOSPC => return self.refuse(index),
                Err(e) => return Err(e),
            };
            match add.add_locked(new, first) {
                // New folios come referenced (`PageCacheInode::alloc_folio`).
                Ok(locked) => {
                    let held = match admitted {
                        Admitted::Room(room) => {
                            // Without `state`, a memory error that took a
                            // page here before this folio came recorded it
                            // before the page left the mapping: seen now.
                            if self.poisoned.any_in(first, nr) {
                                match self.inode.evict_locked(&locked) {
                                    true => drop(room),
                                    false => room.keep(),
                                }
                                if nr == 1 {
                                    return Err(EHWPOISON);
                                }
                                self.fall_back(&mut pmd);
                                continue;
                            }
                            room.keep();
                            Held::None
                        }
                        Admitted::Store(_state, held) => held,
                    };
                    if nr > 1 {
                        self.counters.huge.pmd_folios.inc();
                    }
                    return Ok(Found::New(locked, held));
                }
                // Another task cached a page of it since we looked: a
                // PMD-sized folio then finds its range busy.
                Err(e) if e == EEXIST => {
                    drop(admitted);
                    if let Some(found) = self.cached(index) {
                        return Ok(found);
                    }
                }
                // A PMD-sized folio the memory cgroup would not take
                // without reclaim (`ENOMEM`): one page instead, as shmem
                // falls back.
                Err(_) if nr > 1 => {
                    self.fall_back(&mut pmd);
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// A miss that wanted a PMD-sized folio takes one page instead,
    /// counted in `pmd_folio_fallbacks`, as `shmem_alloc_and_add_folio`
    /// falls back.
    fn fall_back(&self, pmd: &mut bool) {
        *pmd = false;
        self.counters.huge.pmd_folio_fallbacks.inc();
    }

    /// Whether pages `first..first + nr`, not cached, may get a new folio,
    /// and what that takes, with the invalidate lock held shared (`add`):
    /// without a store, room under the limit (`ENOSPC` past it; the pages
    /// a memory error took are checked once the folio is added); with one,
    /// `state`, under which the pages a memory error took are refused
    /// (`EHWPOISON`) and which of them the store holds is read.
    fn admit<'a>(
        &'a self,
        add: &'a InvalidateShared<'_>,
        first: usize,
        nr: usize,
        map: Option<KVec<bool>>,
    ) -> Result<Admitted<'a>> {
        if let Some(room) = self.backing.room() {
            return room.reserve(add, nr).map(Admitted::Room).ok_or(ENOSPC);
        }
        let state = self.state.lock();
        match held_in(&state, &self.poisoned, first, nr, map) {
            (true, _) => Err(EHWPOISON),
            (false, held) => Ok(Admitted::Store(state, held)),
        }
    }

    /// No room for page `index` without a store (`ENOSPC`), unless another
    /// task cached it meanwhile (then that page) or a memory error took it
    /// (`EHWPOISON`, from the record under its lock: exact for a lookup
    /// that missed, where the check before the allocation is a hint).
    /// The room a PMD-sized folio reserves for its pages until it is added
    /// or falls back may refuse a page meanwhile, as shmem's reservation
    /// of a huge page's blocks may.
    #[cold]
    fn refuse(&self, index: usize) -> Result<Found> {
        if let Some(found) = self.cached(index) {
            return Ok(found);
        }
        if self.poisoned.any_in_locked(index, 1) {
            return Err(EHWPOISON);
        }
        pr_info_ratelimited!(
            "page {index} not cached: pcc holds its limit of {} pages (cache_pages=) (ENOSPC)\n",
            self.cache_limit
        );
        Err(ENOSPC)
    }

    /// A new PMD-sized folio for the aligned range around `index`, and the
    /// range's first page, if the range lies within capacity, none of it
    /// is cached or poisoned, a cache without a store has room for all of
    /// it, and a huge page is free (hints: exact once it is added).
    fn alloc_pmd_folio(&self, index: usize) -> Option<(NewFolio, usize)> {
        let nr = mm::pmd_pages();
        let first = index & !(nr - 1);
        if first + nr > self.capacity
            || self.inode.has_pages(first, nr)
            || self.backing.is_full(nr)
            || self.poisoned.any_in(first, nr)
        {
            return None;
        }
        self.evict_at_limit(nr);
        Some((self.inode.alloc_pmd_folio()?, first))
    }

    /// Whether the store holds any of pages `first..first + nr` (none
    /// without a store).
    fn store_holds_any(&self, first: usize, nr: usize) -> bool {
        if !self.backing.evicts() {
            return false;
        }
        let state = self.state.lock();
        (first..first + nr).any(|i| state.held.get(i))
    }

    /// A folio just locked after a wait, checked again as `filemap_fault`
    /// does, and returned with the view its checks read (`LockedView`, for
    /// the fault's own): `None` if eviction or reset took it meanwhile (look again);
    /// `EIO` if its read failed, in which case it leaves the cache so that
    /// the next access reads again.
    /// Inline for the common case (cached, uptodate); the rest is
    /// [`Self::reread`]'s, out of line.
    #[inline]
    fn revalidate(
        &self,
        locked: FolioGuard<ARef<Folio>>,
    ) -> Result<Option<LockedView<ARef<Folio>>>> {
        // One read for the three tests, kept for the caller's (`LockedView`).
        let view = locked.into_view();
        let now = view.now();
        if !self.inode.owns_view(&now) {
            return Ok(None);
        }
        // Memory failure is taking it (it sets the flag first).
        if now.is_hwpoison() {
            return Err(EHWPOISON);
        }
        if now.is_uptodate() {
            return Ok(Some(view));
        }
        Ok(self.reread(view.into_guard())?.map(FolioGuard::into_view))
    }

    /// [`Self::revalidate`] of a cached folio that is not uptodate.
    #[cold]
    #[inline(never)]
    fn reread(&self, locked: FolioGuard<ARef<Folio>>) -> Result<Option<FolioGuard<ARef<Folio>>>> {
        // The read failed (an I/O error, or the task that started a
        // synchronous read was killed): read once more ourselves before
        // giving up. What the store holds of it is asked again: a large
        // folio (readahead's) may span holes, and so may a page split from
        // one that was never read.
        let held = match self.stored(&locked)? {
            (false, held) => held,
            // A memory error took one of its pages since: it goes, and the
            // page is looked up again on its own. With a store under
            // `state`, under which the mapping and the record change
            // together; without one, not: a writeback without a store
            // waits for folio locks under it. A folio that cannot go
            // reports the loss rather than being looked up again.
            (true, _) => {
                let _state = self.backing.evicts().then(|| self.state.lock());
                return match self.inode.evict_locked(&locked) {
                    true => Ok(None),
                    false => Err(EHWPOISON),
                };
            }
        };
        if self.backing.read(&locked, &held) {
            return Ok(Some(locked));
        }
        let folio = locked.unlock();
        let state = self.state.lock();
        if let Ok(guard) = FolioGuard::try_new(folio) {
            self.inode.evict_locked(&guard);
        }
        drop(state);
        Err(EIO)
    }

    /// Whether a memory error took one of the pages of `folio` (locked, in
    /// the cache), and which of them the store holds, for a read of it.
    fn stored(&self, folio: &FolioState) -> Result<(bool, Held)> {
        let (first, nr) = (folio.index(), folio.nr_pages());
        let map = held_map(nr)?;
        Ok(held_in(&self.state.lock(), &self.poisoned, first, nr, map))
    }

    /// The folio at `index`, locked and uptodate, reading it from the store
    /// or zero-filling it on a miss, for `read`/`write`: the wait for the
    /// lock is killable (`EINTR`).
    fn get_locked(&self, index: usize, pmd: bool) -> Result<FolioGuard<ARef<Folio>>> {
        loop {
            match self.lookup(index, pmd)? {
                Lookup::Zeroed(locked) => return Ok(locked),
                Lookup::FromStore(folio) | Lookup::Cached(folio) => {
                    let locked = FolioGuard::new_killable(folio).map_err(|_| EINTR)?;
                    if let Some(locked) = self.revalidate(locked)? {
                        return Ok(locked.into_guard());
                    }
                }
            }
        }
    }

    /// The folio at `index` for `write`, locked: as [`Self::get_locked`],
    /// except that a write of the whole page (`whole`) that misses gets a
    /// new folio of one page unfilled, as `simple_write_begin` neither
    /// reads nor zeroes a page the write covers. A new PMD-sized folio
    /// (`huge=always` or `within_size`) is filled first.
    pub(super) fn get_for_write(&self, index: usize, whole: bool) -> Result<ForWrite> {
        let pmd = self.huge.wants_pmd(PmdHint::Allowed);
        if whole {
            match self.find_or_add(index, pmd)? {
                Found::New(locked, held) if locked.nr_pages() == 1 => {
                    return Ok(ForWrite::Unfilled(locked, held));
                }
                Found::New(locked, held) => {
                    if let Lookup::Zeroed(locked) = self.backing.fill(locked, held) {
                        return Ok(ForWrite::Uptodate(locked));
                    }
                }
                Found::Cached(_) => {}
            }
        }
        Ok(ForWrite::Uptodate(self.get_locked(index, pmd)?))
    }

    /// Run `wait`, which may wait for folio locks, under `state` (held:
    /// the guard proves it), with [`Self::state_waits_for_folios`] set.
    fn waiting_for_folios<R>(&self, _state: &MutexGuard<'_, State>, wait: impl FnOnce() -> R) -> R {
        self.state_waits_for_folios.store(true, Relaxed);
        let r = wait();
        self.state_waits_for_folios.store(false, Relaxed);
        r
    }

    /// `state`, for a task that holds a folio's lock (memory failure's
    /// handler): waited for while its holder does not wait for a folio's
    /// lock, which no holder does but a writeback without a store, which
    /// sets [`Self::state_waits_for_folios`] first.
    /// `None` once one does: waiting could then wait for ever (for a
    /// truncation waiting for the folio the caller holds).
    fn lock_state_holding_a_folio(&self) -> Option<MutexGuard<'_, State>> {
        loop {
            if let Some(state) = self.state.try_lock() {
                return Some(state);
            }
            // A holder sets the flag before it waits for a folio, and
            // keeps `state` until it has cleared it: seen here at the
            // latest at the next turn after it was set.
            if self.state_waits_for_folios.load(Relaxed) {
                return None;
            }
            // Holders that do not wait for folios hold `state` briefly.
            fsleep(Delta::from_micros(20));
        }
    }

    /// `PCC_IOC_RESET`: unmap every page from every mapping and free it.
    pub(crate) fn reset(&self) -> usize {
        let saving = self.saving.lock();
        // No page is added, nor read ahead, until every store bit is clear.
        let truncate = self.inode.lock_for_truncate();
        let freed = self.inode.nr_pages();
        // Before `state`: the truncation waits for writeback, and a
        // writeback notes its run written under `state` before the run's
        // writeback ends (`write_run`). What the truncation leaves to
        // record, `state` records below: nothing is added meanwhile.
        truncate.truncate_all();
        if let Some(room) = self.backing.room() {
            room.recount(&truncate, self.inode.nr_pages());
        }
        let mut state = self.state.lock();
        self.poisoned.clear();
        *self.write_failed.lock() = None;
        if let Some(io) = self.backing.store() {
            // Every page a hole again, on the store too; the store's I/O
            // runs without the invalidate lock, which a fault from a
            // `write()` to the store (holding the store's locks) may wait
            // for.
            state.held.clear_all();
            drop(truncate);
            if let Err(e) = self.save_bitmap(&saving, io, state) {
                pr_err!(
                    "reset: clearing the store's bitmap failed (errno {})\n",
                    e.to_errno()
                );
            }
        }
        trace::reset(freed);
        freed
    }

    /// `PCC_IOC_GET_STATS`.
    pub(crate) fn stats(&self) -> Stats {
        let c = &self.counters;
        // Both counted in one walk of the mapping, so that dirty <= cached
        // whatever changes meanwhile: a miss without a store adds a page
        // without `state`, and reclaim drops clean pages without it. The
        // walk takes no folio reference, which would fail a concurrent
        // memory failure's removal of a poisoned page.
        let (cached, dirty) = self.inode.count_pages();
        Stats {
            faults: c.faults.get(),
            fault_misses: c.fault_misses.get(),
            map_pages_calls: c.around.0.get(),
            pages_mapped_around: c.around.1.get(),
            mkwrite_calls: c.mkwrite_calls.get(),
            pages_cached: cached as u64,
            pages_dirty: dirty as u64,
            pages_written_back: c.pages_written_back.get(),
        }
    }

    /// `PCC_IOC_GET_IO_STATS`.
    pub(crate) fn io_stats(&self) -> IoStats {
        let c = &self.counters;
        let (reads, writes) = self.backing.io_counts();
        IoStats {
            major_faults: c.major_faults.get(),
            fault_retries: c.fault_retries.get(),
            store_reads: reads,
            store_writes: writes,
            pages_evicted: self.inode.pages_evicted(),
        }
    }
}
