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
//! is allocated (a miss in `fault` or `write`), what a fresh page holds
//! (zeros), when it becomes dirty (`page_mkwrite`, `write`), when it is
//! cleaned (`writeback`) and when it goes away (`reset`, module unload).
//!
//! `slots` is pcc's index of the cache: slot `i` holds a reference to the
//! folio at page offset `i`. That reference is what keeps a clean page in
//! memory: there is no backing store, so the kernel must never drop one
//! (reclaim and `drop_caches` leave folios with extra references alone;
//! the mapping is also marked unevictable).
//!
//! # Page states
//!
//! ```text
//!  absent --(fault miss / write)--> clean --(page_mkwrite / write)--> dirty
//!    ^                                ^                                 |
//!    |                                +----------(writeback)------------+
//!    +--------------(reset, rmmod: unmapped everywhere, freed)----------+
//! ```
//! A clean page is mapped read-only in shared mappings, so the first store
//! to it calls `page_mkwrite`; `writeback` write-protects it again.
//! An absent page reads as zeros (`read` does not allocate).
//!
//! # Lock order
//!
//! ```text
//! mmap_lock or VMA lock (fault path)
//!   -> slots (pcc's Mutex)
//!     -> folio lock
//!       -> i_mmap_rwsem -> page table lock  (folio_mkclean, truncate)
//! ```
//! `page_mkwrite` takes only the folio lock. `map_pages` runs under RCU and
//! takes no lock of pcc's (`filemap_map_pages` only trylocks folios).
//! No user copy happens under `slots` or a folio lock: a `read`/`write`
//! whose buffer is a mapping of `/dev/pcc` faults on the same pages.

use crate::{
    ext::{
        counter::{
            EventCounter,
            Level, //
        },
        folio::{
            fatal_signal_pending,
            fault_in_readable,
            zeros_to_iter,
            Folio,
            FolioGuard, //
        },
        mapping::{
            NewFolio,
            PageCacheInode, //
        },
        memory_failure::{
            HandleMemoryFailure,
            PoisonedFolio,
            Removed, //
        },
        mm::totalram_pages,
        print::{
            pr_err_ratelimited,
            pr_info_ratelimited, //
        },
        shrinker::{
            Shrink,
            ShrinkControl,
            ShrinkCount,
            ShrinkScan, //
        },
        trace::{
            self,
            CacheLookup,
            FaultCall,
            MapPagesCall, //
        },
        vm_ops::{
            result_bits,
            Borrowed,
            FaultError,
            Faulted,
            LockOrRetry,
            MapPagesFault,
            MappedAround,
            Mkwrite,
            MkwriteFault,
            VmFault,
            VmOperations, //
        },
        workqueue::IoQueue,
    },
    store::{
        Bitmap,
        ReadWork,
        Store, //
    },
    uapi::{
        IoStats,
        Stats, //
    },
};
use kernel::{
    bindings::{
        vm_fault_reason_VM_FAULT_MAJOR as VM_FAULT_MAJOR,
        vm_fault_reason_VM_FAULT_RETRY as VM_FAULT_RETRY, //
    },
    iov::{
        IovIterDest,
        IovIterSource, //
    },
    new_mutex,
    page::PAGE_SIZE,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::ordering::Relaxed,
        Arc,
        Mutex, //
    },
};

/// `read`/`write` of a page lost to a memory error fail with `EIO`
/// (`shmem_file_read_iter`, `shmem_write_begin`).
fn hwpoison_is_eio(e: Error) -> Error {
    if e == EHWPOISON {
        EIO
    } else {
        e
    }
}

/// How many clean pages a task that cannot allocate evicts at a time.
const EVICT_BATCH: usize = 1024;

/// The index of cached folios, under `PageCache::slots`.
struct Slots {
    /// Slot `i`: the folio at page offset `i`, if cached.
    folios: KVVec<Option<ARef<Folio>>>,
    /// How many slots are `Some`.
    cached: usize,
    /// Which pages the store holds (empty without a store).
    held: Bitmap,
    /// Where the shrinker goes on scanning.
    cursor: usize,
    /// Pages whose data a memory error took: they read as `EIO` and fault
    /// as `VM_FAULT_HWPOISON` until `PCC_IOC_RESET`.
    poisoned: KVec<usize>,
}

impl Slots {
    /// The folio cached at `index`, if any.
    fn folio(&self, index: usize) -> Option<ARef<Folio>> {
        self.folios.get(index).cloned().flatten()
    }
}

/// What `->map_pages` counts: (calls, PTEs mapped).
type AroundCounters = (EventCounter, EventCounter);

/// `->map_pages`: fault-around maps what is cached near the fault; never
/// allocates. It runs under RCU and gets only its counters.
fn map_pages<'a>(around: &AroundCounters, vmf: MapPagesFault<'a>) -> MappedAround<'a> {
    let (calls, ptes) = around;
    calls.inc();
    let call = MapPagesCall::of(&vmf);
    let mapped = vmf.map_cached_pages();
    ptes.add(mapped.ptes() as u64);
    trace::map_pages(&call, &mapped);
    mapped
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
    pages_evicted: EventCounter,
    /// Dirty pages now, as pcc dirtied and cleaned them (for throttling).
    dirty: Level,
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
            pages_evicted: EventCounter::new(),
            dirty: Level::new(),
        }
    }
}

/// The part of a `read`/`write` at byte `off` that falls in one page:
/// (page index, offset in the page, length), the length bounded by the
/// page, by what is left of the user buffer (`want`) and by `end`.
fn chunk(off: u64, end: u64, want: usize) -> (usize, usize, usize) {
    let index = (off / PAGE_SIZE as u64) as usize;
    let in_page = (off % PAGE_SIZE as u64) as usize;
    let len = (PAGE_SIZE - in_page).min(want).min((end - off) as usize);
    (index, in_page, len)
}

/// The device's page cache.
#[pin_data]
pub(crate) struct PageCache {
    #[pin]
    slots: Mutex<Slots>,
    inode: PageCacheInode,
    capacity: usize,
    fault_around: bool,
    /// The most pages kept in memory (`cache_pages=`, by default half of
    /// RAM, as tmpfs's `size=`). With a store, a task that needs a new page
    /// past it evicts clean ones first; without one, there is no room:
    /// `ENOSPC` (`write`), `SIGBUS` (a fault), as tmpfs when full.
    cache_limit: usize,
    counters: Counters,
    backing: Backing,
}

/// Where a page lives when it is not cached: the one place where a
/// memory-only cache and a store-backed one behave differently.
enum Backing {
    /// No store (`backing=` not given): a page not cached is a hole, which
    /// reads as zeros. A cached page is the only copy of its data, so none
    /// is evicted, and the cache is full at its limit, as tmpfs is.
    MemoryOnly,
    /// A store: a page not cached is read from it, unless its bitmap says
    /// the page is a hole. Dirty pages are written back to it; clean ones
    /// may be evicted, to be read again on their next access.
    Store(StoreBacking),
}

/// The store-backed configuration: the store, the queue its fault reads
/// run on, and how many pages may be dirty before writers write back.
struct StoreBacking {
    store: Arc<Store>,
    /// Where fault-started reads run.
    queue: IoQueue,
    /// Above this many dirty pages, a writer writes back first.
    dirty_limit: i64,
}

/// How [`PageCache::lookup`] reads a page the store holds into a new folio.
#[derive(Clone, Copy)]
enum ReadBy {
    /// On the I/O queue; the caller waits for the folio lock, as
    /// `filemap_fault` starts a read and then waits (a fault).
    Queue,
    /// Here, before `lookup` returns (`read`/`write`).
    Caller,
}

/// What [`PageCache::lookup`] found or made.
enum Lookup {
    /// Not cached: a new folio of zeros (a hole), locked and uptodate.
    Zeroed(FolioGuard<ARef<Folio>>),
    /// Not cached: a new folio this call filled from the store
    /// ([`ReadBy::Caller`]) or started filling ([`ReadBy::Queue`]: it stays
    /// locked until the read ends).
    FromStore(ARef<Folio>),
    /// Cached, maybe locked by another task or by I/O.
    Cached(ARef<Folio>),
}

impl Backing {
    fn new(store: Option<Store>, capacity: usize) -> Result<Self> {
        let Some(store) = store else {
            return Ok(Self::MemoryOnly);
        };
        // As the kernel's own dirty limits do, relative to memory: an
        // eighth of RAM, so that writeback comes before reclaim has nothing
        // clean left to take.
        let ram = totalram_pages();
        let limit = (ram / 8).clamp(256, capacity.max(256));
        Ok(Self::Store(StoreBacking {
            store: Arc::new(store, GFP_KERNEL)?,
            queue: IoQueue::new(c"pcc_io")?,
            dirty_limit: limit as i64,
        }))
    }

    /// The store, if there is one.
    fn store(&self) -> Option<&StoreBacking> {
        match self {
            Self::MemoryOnly => None,
            Self::Store(s) => Some(s),
        }
    }

    /// Whether clean pages may be dropped from memory: only with a store,
    /// which holds their data.
    fn evicts(&self) -> bool {
        matches!(self, Self::Store(_))
    }

    /// Whether a cache holding `cached` pages has no room for one more:
    /// only a memory-only one at its `limit` (a store-backed one evicts
    /// clean pages to make room instead).
    fn is_full(&self, cached: usize, limit: usize) -> bool {
        !self.evicts() && cached >= limit
    }

    /// Fill `locked`, a new folio just added to the cache at `index`: with
    /// zeros for a hole (no I/O), else with the store's page (`held`: the
    /// store holds it), read as `by` says.
    fn fill(
        &self,
        locked: FolioGuard<ARef<Folio>>,
        index: usize,
        held: bool,
        by: ReadBy,
    ) -> Result<Lookup> {
        match self {
            Self::Store(s) if held && !locked.is_uptodate() => {
                let folio = locked.handle();
                match by {
                    ReadBy::Queue => ReadWork::start(&s.queue, &s.store, locked, index)?,
                    ReadBy::Caller => {
                        // An error shows as a folio not uptodate
                        // (`PageCache::revalidate`).
                        let _ = s.store.read(&locked, index);
                        drop(locked);
                    }
                }
                Ok(Lookup::FromStore(folio))
            }
            _ => {
                locked.zero_fill();
                Ok(Lookup::Zeroed(locked))
            }
        }
    }

    /// Read page `index` into `locked` once more, after a read left it not
    /// uptodate, as `filemap_fault` does (`page_not_uptodate`). Returns
    /// whether it is uptodate now; without a store there is nothing to
    /// read.
    fn read_again(&self, locked: &FolioGuard<ARef<Folio>>, index: usize) -> bool {
        match self {
            Self::MemoryOnly => false,
            Self::Store(s) => s.store.read(locked, index).is_ok(),
        }
    }

    /// Lock `folio`, cached, for a fault. With a store it may be locked
    /// for I/O: wait through the kernel's retry protocol
    /// ([`VmFault::lock_folio_or_retry`]), as in `filemap_fault`. Without
    /// one no I/O ever holds a folio lock: sleep for it, the fault lock
    /// held.
    fn lock_for_fault<'a>(&self, vmf: VmFault<'a>, folio: ARef<Folio>) -> LockOrRetry<'a> {
        match self {
            Self::MemoryOnly => LockOrRetry::Locked(vmf, FolioGuard::new(folio)),
            Self::Store(_) => vmf.lock_folio_or_retry(folio),
        }
    }

    /// The store's (reads, writes) of pages; none without one.
    fn io_counts(&self) -> (u64, u64) {
        match self {
            Self::MemoryOnly => (0, 0),
            Self::Store(s) => (s.store.reads.load(Relaxed), s.store.writes.load(Relaxed)),
        }
    }
}

/// What one [`PageCache::writeback`] did.
#[derive(Default)]
pub(crate) struct Written {
    /// Pages cleaned: with a store, written to it.
    pub(crate) pages: usize,
    /// Pages whose store write failed: still dirty, their data in memory.
    pub(crate) failed: usize,
    /// The first error (a failed write, or the bitmap not saved).
    pub(crate) error: Option<Error>,
}

impl Written {
    fn fail(&mut self, e: Error) {
        self.failed += 1;
        self.error.get_or_insert(e);
    }
}

impl PageCache {
    /// A cache of `capacity` pages, empty.
    /// With `store`, pages come from it on a miss and go back by writeback;
    /// clean ones may be evicted.
    pub(crate) fn new(
        capacity: usize,
        fault_around: bool,
        cache_limit: usize,
        store: Option<(Store, Bitmap)>,
    ) -> Result<Arc<Self>> {
        let folios = KVVec::from_elem(None, capacity, GFP_KERNEL)?;
        let (store, held) = match store {
            Some((store, held)) => (Some(store), held),
            None => (None, Bitmap::empty()),
        };
        let backing = Backing::new(store, capacity)?;
        Arc::pin_init(
            try_pin_init!(Self {
                slots <- new_mutex!(Slots {
                    folios,
                    cached: 0,
                    held,
                    cursor: 0,
                    poisoned: KVec::new(),
                }),
                inode: PageCacheInode::new(capacity)?,
                capacity,
                fault_around,
                cache_limit,
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
        (self.capacity * PAGE_SIZE) as u64
    }

    pub(crate) fn fault_around(&self) -> bool {
        self.fault_around
    }

    /// The folio at `index`: a cached one as it is; on a miss a new one,
    /// zero-filled when the store does not hold the page (a hole, no I/O),
    /// else read from the store as `by` says ([`Backing::fill`]). `index`
    /// must be below capacity.
    fn lookup(&self, index: usize, by: ReadBy) -> Result<Lookup> {
        loop {
            // A hit needs no lock of pcc's: the mapping's xarray holds every
            // cached folio (`filemap_get_entry` under RCU, as shmem_fault).
            // One that eviction or reset takes right after is caught by the
            // caller's `revalidate` once locked.
            if let Some(folio) = self.inode.get(index) {
                folio.set_referenced();
                return Ok(Lookup::Cached(folio));
            }
            // A device at its limit without a store refuses before it
            // allocates: a write or fault that gets `ENOSPC`/`SIGBUS` must
            // not make the system reclaim first. The mapping's page count
            // mirrors `slots.cached`; the exact check is under `slots`.
            if self
                .backing
                .is_full(self.inode.nr_pages(), self.cache_limit)
            {
                self.may_cache(&self.slots.lock(), index)?;
            }
            // Allocate before taking `slots`: the allocation may reclaim,
            // and reclaim can only run pcc's shrinker while `slots` is free
            // (the shrinker try-locks it). Under memory pressure a writer
            // faulting in new pages is the one that must make room.
            let new = self.alloc_folio()?;
            let mut slots = self.slots.lock();
            // Whether the page may be cached is only known under `slots`;
            // a refused page gives its new folio back (a poisoned page, or
            // the last free room taken by another task meanwhile).
            self.may_cache(&slots, index)?;
            let held = slots.held.get(index);
            let slot = slots.folios.get_mut(index).ok_or(EINVAL)?;
            if slot.is_some() {
                // Another task cached it since we looked.
                continue;
            }
            let locked = self.inode.lock_for_add().add_locked(new, index)?;
            locked.set_referenced();
            *slot = Some(locked.handle());
            slots.cached += 1;
            drop(slots);
            return self.backing.fill(locked, index, held, by);
        }
    }

    /// Whether page `index`, not cached, may get a new folio: not if a
    /// memory error took its data (`EHWPOISON`), nor, without a store, past
    /// the memory limit (`ENOSPC`).
    fn may_cache(&self, slots: &Slots, index: usize) -> Result {
        if slots.poisoned.contains(&index) {
            return Err(EHWPOISON);
        }
        if self.backing.is_full(slots.cached, self.cache_limit) {
            pr_info_ratelimited!(
                "page {index} not cached: pcc holds its limit of {} pages (cache_pages=) (ENOSPC)\n",
                self.cache_limit
            );
            return Err(ENOSPC);
        }
        Ok(())
    }

    /// A new folio. With a store, an allocation that reclaim could not
    /// satisfy (the shrinker only try-locks `slots`, and another task may
    /// hold it) fails instead of invoking the OOM killer; pcc then evicts
    /// clean pages itself, waiting for `slots` (it holds nothing here), and
    /// tries again, as a filesystem under memory pressure gives back its
    /// own clean cache before the system runs out.
    fn alloc_folio(&self) -> Result<NewFolio> {
        if !self.backing.evicts() {
            return self.inode.alloc_folio(false);
        }
        // Keep memory for everyone else: reclaim of other kinds (page
        // tables, slab) cannot always get pcc's pages back in time through
        // the shrinker, which only try-locks `slots`.
        // The mapping's page count stands for `slots.cached` (without the
        // lock, which every miss would otherwise take once more).
        if self.inode.nr_pages() >= self.cache_limit {
            self.evict_some(Some(EVICT_BATCH), false);
        }
        loop {
            if let Ok(new) = self.inode.alloc_folio(true) {
                return Ok(new);
            }
            match self.evict_some(Some(EVICT_BATCH), false) {
                Some(n) if n > 0 => continue,
                // Nothing clean to drop: write back, then evict, or give up.
                _ => {
                    if self.writeback().pages == 0 {
                        return self.inode.alloc_folio(false);
                    }
                }
            }
        }
    }

    /// A folio of `index` just locked after a wait, checked again as
    /// `filemap_fault` does: `None` if eviction or reset took it meanwhile
    /// (look again); `EIO` if its read failed, in which case it leaves the
    /// cache so that the next access reads again.
    fn revalidate(
        &self,
        index: usize,
        locked: FolioGuard<ARef<Folio>>,
    ) -> Result<Option<FolioGuard<ARef<Folio>>>> {
        if !self.inode.owns(&locked) {
            return Ok(None);
        }
        // Memory failure is taking it (it sets the flag first).
        if locked.is_hwpoison() {
            return Err(EHWPOISON);
        }
        if locked.is_uptodate() {
            return Ok(Some(locked));
        }
        // The read failed (an I/O error, or the task that started a
        // synchronous read was killed): read once more ourselves before
        // giving up.
        if self.backing.read_again(&locked, index) {
            return Ok(Some(locked));
        }
        let folio = locked.unlock();
        let mut slots = self.slots.lock();
        if let Ok(guard) = FolioGuard::try_new(folio) {
            if self.inode.evict_locked(&guard) {
                if let Some(slot) = slots.folios.get_mut(index) {
                    *slot = None;
                    slots.cached -= 1;
                }
            }
        }
        Err(EIO)
    }

    /// The folio at `index`, locked and uptodate, reading it from the store
    /// or zero-filling it on a miss, for `read`/`write`: the wait for the
    /// lock is killable (`EINTR`).
    fn get_locked(&self, index: usize) -> Result<FolioGuard<ARef<Folio>>> {
        loop {
            match self.lookup(index, ReadBy::Caller)? {
                Lookup::Zeroed(locked) => return Ok(locked),
                Lookup::FromStore(folio) | Lookup::Cached(folio) => {
                    let locked = FolioGuard::new_killable(folio).map_err(|_| EINTR)?;
                    if let Some(locked) = self.revalidate(index, locked)? {
                        return Ok(locked);
                    }
                }
            }
        }
    }

    /// What `read` copies page `index` from: the cached folio once it is
    /// uptodate, or the store's page brought into the cache; `None` for a
    /// hole (zeros, nothing allocated).
    fn readable(&self, index: usize) -> Result<Option<ARef<Folio>>> {
        let cached = self.slots.lock().folio(index);
        match cached {
            Some(folio) if folio.is_hwpoison() => Err(EHWPOISON),
            Some(folio) if folio.is_uptodate() => {
                folio.set_referenced();
                Ok(Some(folio))
            }
            Some(_) => Ok(Some(self.get_locked(index)?.unlock())),
            None => {
                let slots = self.slots.lock();
                if slots.poisoned.contains(&index) {
                    Err(EHWPOISON)
                } else if slots.held.get(index) {
                    drop(slots);
                    Ok(Some(self.get_locked(index)?.unlock()))
                } else {
                    Ok(None)
                }
            }
        }
    }

    /// `read`: copy from the cache at `*pos`; pages not cached read as zeros.
    pub(crate) fn read(&self, pos: &mut i64, iov: &mut IovIterDest<'_>) -> Result<usize> {
        let start = u64::try_from(*pos).map_err(|_| EINVAL)?;
        let end = self.capacity_bytes();
        let mut off = start;
        while off < end && !iov.is_empty() {
            // A killed reader stops, as in filemap_read().
            if fatal_signal_pending() {
                if off == start {
                    return Err(EINTR);
                }
                break;
            }
            let (index, in_page, len) = chunk(off, end, iov.len());
            // A page lost to a memory error reads as EIO, as in shmem.
            let n = match self.readable(index).map_err(hwpoison_is_eio) {
                Ok(Some(folio)) => match folio.copy_to_iter(in_page, len, iov) {
                    Ok(n) => n,
                    Err(e) if off == start => return Err(e),
                    Err(_) => break,
                },
                Ok(None) => zeros_to_iter(len, iov),
                Err(e) if off == start => return Err(e),
                Err(_) => break,
            };
            off += n as u64;
            if n < len {
                break;
            }
        }
        if off == start && start < end && !iov.is_empty() {
            return Err(EFAULT);
        }
        *pos = off as i64;
        Ok((off - start) as usize)
    }

    /// `write`: copy into the cache at `*pos`, allocating pages and marking
    /// them dirty. `ENOSPC` at or past capacity.
    pub(crate) fn write(&self, pos: &mut i64, iov: &mut IovIterSource<'_>) -> Result<usize> {
        let start = u64::try_from(*pos).map_err(|_| EINVAL)?;
        let end = self.capacity_bytes();
        if iov.is_empty() {
            return Ok(0);
        }
        if start >= end {
            pr_info_ratelimited!(
                "write at offset {start} refused: the device holds {end} bytes (ENOSPC)\n"
            );
            return Err(ENOSPC);
        }
        let mut off = start;
        while off < end && !iov.is_empty() {
            // A killed writer stops, as in generic_perform_write().
            if fatal_signal_pending() {
                if off == start {
                    return Err(EINTR);
                }
                break;
            }
            let (index, in_page, len) = chunk(off, end, iov.len());
            // As generic_perform_write(): fault the source in with no lock
            // held (it may be a mapping of this very device), then copy
            // under the folio lock with page faults disabled, so that
            // writeback and eviction see the page dirty with its new data.
            if fault_in_readable(iov, len) == len {
                break;
            }
            self.throttle();
            let n = match self.get_locked(index).map_err(hwpoison_is_eio) {
                Ok(locked) => {
                    // Waits for a writeback in flight first (stable pages).
                    let n = locked.copy_from_iter_atomic(in_page, len, iov)?;
                    if n > 0 && locked.mark_dirty() {
                        self.counters.dirty.add(1);
                    }
                    n
                }
                Err(e) if off == start => return Err(e),
                Err(_) => break,
            };
            // 0: the source went away between fault-in and copy; try again.
            off += n as u64;
        }
        if off == start {
            return Err(EFAULT);
        }
        *pos = off as i64;
        Ok((off - start) as usize)
    }

    /// `PCC_IOC_WRITEBACK`: clean every dirty page and write-protect it in
    /// every mapping; with a store, write it there under the folio
    /// writeback state first. A page whose write fails stays dirty, with
    /// its data, for the next writeback; the result counts it and keeps
    /// the first error, for the caller to report.
    pub(crate) fn writeback(&self) -> Written {
        let Some(io) = self.backing.store() else {
            return self.clean_all();
        };
        let mut done = Written::default();
        // The dirty pages, and the store holds them from now on (their
        // bits are saved after their data, below). A bit stays set when
        // the page's write fails: another writeback may be writing it
        // meanwhile, and the page, still dirty, is not read from the store
        // while it is cached.
        let mut dirty = KVVec::new();
        {
            let mut slots = self.slots.lock();
            let Slots { folios, held, .. } = &mut *slots;
            for (index, folio) in folios.iter().enumerate() {
                if let Some(folio) = folio.as_ref().filter(|f| f.is_dirty()) {
                    if let Err(e) = dirty.push((index, folio.clone()), GFP_KERNEL) {
                        done.fail(e.into());
                        break;
                    }
                    held.set(index);
                }
            }
        }
        for (index, folio) in dirty {
            let locked = FolioGuard::new(folio);
            if !self.inode.owns(&locked) {
                continue;
            }
            // Cleaned and under writeback; one writeback at a time per
            // folio (a store may have dirtied it again while an earlier
            // one was in flight): `start_writeback` waits for it.
            let Ok(wb) = locked.start_writeback() else {
                continue;
            };
            self.counters.dirty.add(-1);
            match io.store.write(&wb, index) {
                Ok(()) => done.pages += 1,
                Err(e) => {
                    // Keep the data: dirty again, for the next writeback,
                    // before the writeback state ends.
                    if wb.redirty() {
                        self.counters.dirty.add(1);
                    }
                    done.fail(e);
                }
            }
        }
        let mut slots = self.slots.lock();
        if let Err(e) = io.store.save(&mut slots.held) {
            // The pages are in the store, but a reload would not know it.
            pr_err!(
                "writeback: saving the store's bitmap failed (errno {})\n",
                e.to_errno()
            );
            done.error.get_or_insert(e);
        }
        drop(slots);
        self.counters.pages_written_back.add(done.pages as u64);
        trace::writeback(done.pages);
        done
    }

    /// Writeback without a store: clean and write-protect, nothing to write.
    fn clean_all(&self) -> Written {
        let slots = self.slots.lock();
        let mut cleaned = 0;
        for folio in slots.folios.iter().flatten() {
            let guard = folio.lock();
            if self.inode.owns(folio) && guard.clear_dirty_for_io() {
                cleaned += 1;
            }
        }
        self.counters.dirty.set(0);
        self.counters.pages_written_back.add(cleaned as u64);
        trace::writeback(cleaned);
        Written {
            pages: cleaned,
            ..Written::default()
        }
    }

    /// A writer's share of writeback, as `balance_dirty_pages` makes
    /// writers do: past the dirty limit, write everything back first, so
    /// that memory pressure always finds clean pages to evict.
    fn throttle(&self) {
        if let Some(io) = self.backing.store() {
            if self.counters.dirty.get() >= io.dirty_limit {
                self.writeback();
            }
        }
    }

    /// Drop clean pages, starting at the cursor: all of them (`nr` None,
    /// `PCC_IOC_EVICT`) or up to `nr` (the shrinker). Dirty pages, pages
    /// under writeback and locked pages (a read in flight, a fault) stay.
    /// Returns how many were dropped; `None` if `slots` was taken and
    /// `try` was asked (reclaim must not wait for pcc's locks).
    fn evict_some(&self, nr: Option<usize>, try_only: bool) -> Option<usize> {
        if !self.backing.evicts() {
            return None;
        }
        let mut slots = if try_only {
            self.slots.try_lock()?
        } else {
            self.slots.lock()
        };
        let total = slots.folios.len();
        let want = nr.unwrap_or(usize::MAX);
        let mut dropped = 0;
        let mut i = if nr.is_some() { slots.cursor } else { 0 };
        for _ in 0..total {
            if dropped >= want {
                break;
            }
            let index = i;
            i = (i + 1) % total.max(1);
            let Some(folio) = slots.folio(index) else {
                continue;
            };
            if folio.is_dirty() || folio.is_writeback() {
                continue;
            }
            // A page used since the hand last passed gets a second chance
            // (`folio_check_references`), except from `PCC_IOC_EVICT`, which
            // drops every clean page. Without it, at the limit a `write()`
            // whose source is a mapping of a page not cached livelocks: its
            // destination's allocation evicts the source it just faulted in,
            // and the source's fault evicts the destination.
            if nr.is_some() && folio.test_clear_referenced() {
                continue;
            }
            // Trylock: under `slots` we never wait for a folio (lock order).
            let Ok(locked) = FolioGuard::try_new(folio) else {
                continue;
            };
            if self.inode.evict_locked(&locked) {
                if let Some(slot) = slots.folios.get_mut(index) {
                    *slot = None;
                }
                slots.cached -= 1;
                dropped += 1;
            }
        }
        slots.cursor = i;
        drop(slots);
        self.counters.pages_evicted.add(dropped as u64);
        Some(dropped)
    }

    /// `PCC_IOC_EVICT`: drop every clean page (0 without a store).
    pub(crate) fn evict(&self) -> usize {
        self.evict_some(None, false).unwrap_or(0)
    }

    /// `PCC_IOC_RESET`: unmap every page from every mapping and free it.
    pub(crate) fn reset(&self) -> usize {
        let mut slots = self.slots.lock();
        let freed = slots.cached;
        self.inode.lock_for_truncate().truncate_all();
        for slot in slots.folios.iter_mut() {
            *slot = None;
        }
        slots.cached = 0;
        slots.poisoned.clear();
        self.counters.dirty.set(0);
        if let Some(io) = self.backing.store() {
            // Every page a hole again, on the store too.
            slots.held.clear_all();
            if let Err(e) = io.store.save(&mut slots.held) {
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
        let (cached, dirty) = {
            let slots = self.slots.lock();
            let dirty = slots
                .folios
                .iter()
                .flatten()
                .filter(|f| f.is_dirty())
                .count();
            (slots.cached, dirty)
        };
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
            pages_evicted: c.pages_evicted.get(),
        }
    }

    /// `->fault`: a page is not mapped: return it locked, allocating it on
    /// a miss; past capacity, `SIGBUS` (like a file's end). A miss on a
    /// page the store holds starts a read and is a major fault.
    fn fault<'a>(&self, vmf: VmFault<'a>) -> Result<Faulted<'a>, FaultError> {
        self.counters.faults.inc();
        let index = vmf.pgoff();
        let call = FaultCall::of_fault(&vmf);
        let (result, lookup) = if index >= self.capacity {
            (Err(FaultError::SigBus), CacheLookup::None)
        } else {
            self.fault_in(vmf, index)
        };
        if let CacheLookup::Miss | CacheLookup::Read = lookup {
            self.counters.fault_misses.inc();
        }
        let bits = result_bits(&result, Faulted::bits);
        if bits.bits() & VM_FAULT_MAJOR != 0 {
            self.counters.major_faults.inc();
        }
        if bits.bits() & VM_FAULT_RETRY != 0 {
            self.counters.fault_retries.inc();
        }
        trace::fault(&call, lookup, bits);
        result
    }

    /// The page at `index`, below capacity, for `fault` (the shape of
    /// `filemap_fault`): a read this call starts is waited for through the
    /// retry protocol ([`VmFault::wait_for_read`]), and so is a cached
    /// folio locked for I/O ([`Backing::lock_for_fault`]).
    fn fault_in<'a>(
        &self,
        mut vmf: VmFault<'a>,
        index: usize,
    ) -> (Result<Faulted<'a>, FaultError>, CacheLookup) {
        let mut major = false;
        loop {
            let (folio, started) = match self.lookup(index, ReadBy::Queue) {
                Ok(Lookup::Zeroed(locked)) => return (vmf.page(locked, major), CacheLookup::Miss),
                Ok(Lookup::FromStore(folio)) => (folio, true),
                Ok(Lookup::Cached(folio)) => (folio, false),
                Err(e) => return (Err(FaultError::from(e)), CacheLookup::None),
            };
            major |= started;
            let lookup = if major {
                CacheLookup::Read
            } else {
                CacheLookup::Hit
            };
            let waited = if started {
                vmf.wait_for_read(folio)
            } else {
                self.backing.lock_for_fault(vmf, folio)
            };
            match waited {
                LockOrRetry::Retry(retry) => return (Ok(retry.faulted(major)), lookup),
                LockOrRetry::Locked(v, locked) => {
                    vmf = v;
                    match self.revalidate(index, locked) {
                        Ok(Some(locked)) => return (vmf.page(locked, major), lookup),
                        // Evicted or reset meanwhile: look again.
                        Ok(None) => continue,
                        Err(e) => return (Err(FaultError::from(e)), lookup),
                    }
                }
            }
        }
    }

    /// `->page_mkwrite`: a clean page is about to become writable: mark it
    /// dirty and hand it back locked, so writeback cannot clean it before
    /// the PTE is set. A page that reset removed meanwhile faults again.
    fn page_mkwrite<'a>(&self, vmf: MkwriteFault<'a>) -> Result<Mkwrite<'a>, FaultError> {
        self.counters.mkwrite_calls.inc();
        let call = FaultCall::of_mkwrite(&vmf);
        self.throttle();
        // filemap_page_mkwrite(): locked, checked, dirtied, and a
        // writeback in flight waited for (stable pages).
        let result = vmf.lock();
        if let Mkwrite::Locked(folio) = &result {
            if folio.was_clean() {
                self.counters.dirty.add(1);
            }
        }
        trace::page_mkwrite(&call, result.bits());
        Ok(result)
    }
}

/// Memory pressure evicts clean pages, as reclaim drops a file's clean
/// page cache; pcc's index holds a reference on every page, so the kernel's
/// own LRU reclaim cannot, and the shrinker does it instead.
impl Shrink for PageCache {
    fn count(&self, _sc: &ShrinkControl<'_>) -> ShrinkCount {
        if !self.backing.evicts() {
            return ShrinkCount::Freeable(0);
        }
        let Some(cached) = self.slots.try_lock().map(|s| s.cached) else {
            return ShrinkCount::Freeable(0);
        };
        if cached == 0 {
            return ShrinkCount::Empty;
        }
        let dirty = self.counters.dirty.get().max(0) as usize;
        ShrinkCount::Freeable(cached.saturating_sub(dirty))
    }

    /// Eviction does no I/O (clean pages only) and enters no file system:
    /// it serves any reclaim context, as reclaim drops clean page cache.
    fn scan(&self, sc: &ShrinkControl<'_>) -> ShrinkScan {
        match self.evict_some(Some(sc.nr_to_scan()), true) {
            Some(n) => ShrinkScan::Freed(n),
            None => ShrinkScan::Stop,
        }
    }
}

/// pcc's `vm_operations_struct` with fault-around: `fault`, `map_pages`
/// and `page_mkwrite`.
pub(crate) struct WithFaultAround;

/// pcc's `vm_operations_struct` without `map_pages` (`fault_around=0`):
/// every read fault calls `fault`.
pub(crate) struct WithoutFaultAround;

#[vtable]
impl VmOperations for WithFaultAround {
    type Data = PageCache;
    type Around = AroundCounters;

    fn fault<'a>(cache: Borrowed<'_, Self>, vmf: VmFault<'a>) -> Result<Faulted<'a>, FaultError> {
        cache.fault(vmf)
    }

    fn around<'c>(cache: &'c Borrowed<'_, Self>) -> &'c AroundCounters {
        &cache.counters.around
    }

    fn map_pages<'a>(around: &AroundCounters, vmf: MapPagesFault<'a>) -> MappedAround<'a> {
        map_pages(around, vmf)
    }

    fn page_mkwrite<'a>(
        cache: Borrowed<'_, Self>,
        vmf: MkwriteFault<'a>,
    ) -> Result<Mkwrite<'a>, FaultError> {
        cache.page_mkwrite(vmf)
    }
}

#[vtable]
impl VmOperations for WithoutFaultAround {
    type Data = PageCache;
    type Around = ();

    fn fault<'a>(cache: Borrowed<'_, Self>, vmf: VmFault<'a>) -> Result<Faulted<'a>, FaultError> {
        cache.fault(vmf)
    }

    fn page_mkwrite<'a>(
        cache: Borrowed<'_, Self>,
        vmf: MkwriteFault<'a>,
    ) -> Result<Mkwrite<'a>, FaultError> {
        cache.page_mkwrite(vmf)
    }
}

/// Memory failure (`me_pagecache_dirty`/`_clean`): pcc gives up the page,
/// and its data with it. Like shmem, which keeps a poisoned page in the
/// cache to report it, pcc reports the loss at that offset: a fault gets
/// `VM_FAULT_HWPOISON` (`SIGBUS`, `BUS_MCEERR_AR`), `read`/`write` get
/// `EIO`, until `PCC_IOC_RESET`. A clean page the store holds is not lost:
/// like a filesystem's clean page, it is dropped and read again on the
/// next access.
impl HandleMemoryFailure for PageCache {
    fn inode(&self) -> &PageCacheInode {
        &self.inode
    }

    fn error_remove_folio<'a>(&self, folio: PoisonedFolio<'a>) -> Result<Removed<'a>> {
        let index = folio.index();
        // Memory failure holds `mf_mutex` and the folio lock, and pcc's
        // lock order is `slots` -> folio (reset, writeback without a
        // store): waiting for `slots` could wait for a task that waits for
        // this folio (a reset truncating it), so it is only tried, once.
        // Taken, the folio is not recovered here: memory failure reports
        // it failed and leaves it poisoned in the cache, where a fault gets
        // `SIGBUS` and `read`/`write` `EIO` until `PCC_IOC_RESET`.
        let Some(mut slots) = self.slots.try_lock() else {
            pr_err_ratelimited!(
                "page {index}: memory error not recovered, pcc's index is busy (EBUSY)\n"
            );
            return Err(EBUSY);
        };
        let ours = slots
            .folios
            .get(index)
            .and_then(|slot| slot.as_deref())
            .is_some_and(|f| f.as_ptr() == folio.folio().as_ptr());
        if !ours {
            return Err(EBUSY);
        }
        let dirty = folio.folio().is_dirty();
        // Not lost if the store holds it, clean (never without a store:
        // its bitmap is empty).
        let lost = dirty || !slots.held.get(index);
        // No allocation that waits for reclaim under `mf_mutex`: without
        // memory for the record the page stays poisoned in the cache, which
        // reports the loss all the same.
        if lost {
            slots.poisoned.push(index, GFP_NOWAIT | __GFP_NOWARN)?;
        }
        let removed = match folio.remove() {
            Ok(removed) => removed,
            Err(e) => {
                if lost {
                    slots.poisoned.pop();
                }
                return Err(e);
            }
        };
        if let Some(slot) = slots.folios.get_mut(index) {
            *slot = None;
        }
        slots.cached -= 1;
        drop(slots);
        if dirty {
            self.counters.dirty.add(-1);
        }
        pr_err!(
            "page {index} lost to a memory error{}\n",
            if lost {
                ""
            } else {
                "; the store still holds it"
            }
        );
        Ok(removed)
    }
}
