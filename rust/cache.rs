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
        folio::{
            zeros_to_iter,
            Folio,
            FolioGuard, //
        },
        mapping::PageCacheInode,
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
            MapPagesFault,
            MappedAround,
            Mkwrite,
            MkwriteFault,
            VmFault,
            VmOperations, //
        },
    },
    uapi::Stats,
};
use kernel::{
    iov::{
        IovIterDest,
        IovIterSource, //
    },
    new_mutex,
    page::PAGE_SIZE,
    prelude::*,
    sync::{
        aref::ARef,
        atomic::{
            ordering::Relaxed,
            Atomic, //
        },
        Arc,
        Mutex, //
    },
};

/// The index of cached folios, under `PageCache::slots`.
struct Slots {
    /// Slot `i`: the folio at page offset `i`, if cached.
    folios: KVVec<Option<ARef<Folio>>>,
    /// How many slots are `Some`.
    cached: usize,
}

struct Counters {
    faults: Atomic<u64>,
    fault_misses: Atomic<u64>,
    map_pages_calls: Atomic<u64>,
    pages_mapped_around: Atomic<u64>,
    mkwrite_calls: Atomic<u64>,
    pages_written_back: Atomic<u64>,
}

impl Counters {
    const fn new() -> Self {
        Self {
            faults: Atomic::new(0),
            fault_misses: Atomic::new(0),
            map_pages_calls: Atomic::new(0),
            pages_mapped_around: Atomic::new(0),
            mkwrite_calls: Atomic::new(0),
            pages_written_back: Atomic::new(0),
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
    counters: Counters,
}

impl PageCache {
    /// A cache of `capacity` pages, empty.
    pub(crate) fn new(capacity: usize, fault_around: bool) -> Result<Arc<Self>> {
        let bytes = capacity.checked_mul(PAGE_SIZE).ok_or(EINVAL)?;
        let folios = KVVec::from_elem(None, capacity, GFP_KERNEL)?;
        Arc::pin_init(
            try_pin_init!(Self {
                slots <- new_mutex!(Slots { folios, cached: 0 }),
                inode: PageCacheInode::new(bytes as u64)?,
                capacity,
                fault_around,
                counters: Counters::new(),
            }),
            GFP_KERNEL,
        )
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

    fn cached(&self, index: usize) -> Option<ARef<Folio>> {
        self.slots.lock().folios.get(index).cloned().flatten()
    }

    /// The folio at `index`, locked, allocating and zeroing it on a miss.
    /// Returns whether it was a miss. `index` must be below capacity.
    fn get_locked(&self, index: usize) -> Result<(FolioGuard<ARef<Folio>>, bool)> {
        loop {
            if let Some(folio) = self.cached(index) {
                let locked = FolioGuard::new(folio);
                if self.inode.owns(&locked) {
                    return Ok((locked, false));
                }
                // Reset removed it while we waited for the lock: look again.
                continue;
            }
            let mut slots = self.slots.lock();
            let slot = slots.folios.get_mut(index).ok_or(EINVAL)?;
            if slot.is_some() {
                // Another task cached it since we looked.
                continue;
            }
            let locked = self.inode.get_or_create_locked(index)?;
            let miss = !locked.is_uptodate();
            if miss {
                locked.zero_fill();
            }
            *slot = Some(ARef::from(&*locked));
            slots.cached += 1;
            return Ok((locked, miss));
        }
    }

    /// `read`: copy from the cache at `*pos`; pages not cached read as zeros.
    pub(crate) fn read(&self, pos: &mut i64, iov: &mut IovIterDest<'_>) -> Result<usize> {
        let start = u64::try_from(*pos).map_err(|_| EINVAL)?;
        let end = self.capacity_bytes();
        let mut off = start;
        while off < end && !iov.is_empty() {
            let (index, in_page, len) = chunk(off, end, iov.len());
            let n = match self.cached(index) {
                // Cached folios are uptodate: `get_locked` fills them first.
                Some(folio) => match folio.copy_to_iter(in_page, len, iov) {
                    Ok(n) => n,
                    Err(e) if off == start => return Err(e),
                    Err(_) => break,
                },
                None => zeros_to_iter(len, iov),
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
            pr_info!("write at offset {start} refused: the device holds {end} bytes (ENOSPC)\n");
            return Err(ENOSPC);
        }
        let mut off = start;
        while off < end && !iov.is_empty() {
            let (index, in_page, len) = chunk(off, end, iov.len());
            let folio = match self.get_locked(index) {
                Ok((locked, _miss)) => locked.unlock(),
                Err(e) if off == start => return Err(e),
                Err(_) => break,
            };
            // No lock is held while copying from user space (see the lock
            // order above).
            let n = folio.copy_from_iter(in_page, len, iov)?;
            if n > 0 {
                let locked = FolioGuard::new(folio);
                if self.inode.owns(&locked) {
                    locked.mark_dirty();
                }
            }
            off += n as u64;
            if n < len {
                if off == start {
                    return Err(EFAULT);
                }
                break;
            }
        }
        *pos = off as i64;
        Ok((off - start) as usize)
    }

    /// `PCC_IOC_WRITEBACK`: clean every dirty page and write-protect it in
    /// every mapping. Returns how many pages were cleaned.
    pub(crate) fn writeback(&self) -> usize {
        let slots = self.slots.lock();
        let mut cleaned = 0;
        for folio in slots.folios.iter().flatten() {
            let guard = folio.lock();
            if self.inode.owns(folio) && guard.clear_dirty_for_io() {
                cleaned += 1;
            }
        }
        self.counters
            .pages_written_back
            .add(cleaned as u64, Relaxed);
        trace::writeback(cleaned);
        cleaned
    }

    /// `PCC_IOC_RESET`: unmap every page from every mapping and free it.
    pub(crate) fn reset(&self) -> usize {
        let mut slots = self.slots.lock();
        let freed = slots.cached;
        self.inode.unmap_all();
        self.inode.truncate_all();
        for slot in slots.folios.iter_mut() {
            *slot = None;
        }
        slots.cached = 0;
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
            faults: c.faults.load(Relaxed),
            fault_misses: c.fault_misses.load(Relaxed),
            map_pages_calls: c.map_pages_calls.load(Relaxed),
            pages_mapped_around: c.pages_mapped_around.load(Relaxed),
            mkwrite_calls: c.mkwrite_calls.load(Relaxed),
            pages_cached: cached as u64,
            pages_dirty: dirty as u64,
            pages_written_back: c.pages_written_back.load(Relaxed),
        }
    }

    /// `->fault`: a page is not mapped: return it locked, allocating it on
    /// a miss; past capacity, `SIGBUS` (like a file's end).
    fn fault<'a>(&self, vmf: VmFault<'a>) -> Result<Faulted<'a>, FaultError> {
        self.counters.faults.add(1u64, Relaxed);
        let index = vmf.pgoff();
        let (result, lookup) = if index >= self.capacity {
            (Err(FaultError::SigBus), CacheLookup::None)
        } else {
            match self.get_locked(index) {
                Ok((folio, miss)) => (
                    vmf.page(folio, false),
                    if miss {
                        CacheLookup::Miss
                    } else {
                        CacheLookup::Hit
                    },
                ),
                Err(e) => (Err(FaultError::from(e)), CacheLookup::None),
            }
        };
        if let CacheLookup::Miss = lookup {
            self.counters.fault_misses.add(1u64, Relaxed);
        }
        trace::fault(&vmf, lookup, result_bits(&result, Faulted::bits));
        result
    }

    /// `->map_pages`: fault-around maps what is cached near the fault;
    /// never allocates.
    fn map_pages<'a>(&self, vmf: MapPagesFault<'a>) -> MappedAround<'a> {
        self.counters.map_pages_calls.add(1u64, Relaxed);
        let call = MapPagesCall::of(&vmf);
        let mapped = vmf.map_cached_pages();
        self.counters
            .pages_mapped_around
            .add(mapped.ptes() as u64, Relaxed);
        trace::map_pages(&call, &mapped);
        mapped
    }

    /// `->page_mkwrite`: a clean page is about to become writable: mark it
    /// dirty and hand it back locked, so writeback cannot clean it before
    /// the PTE is set. A page that reset removed meanwhile faults again.
    fn page_mkwrite<'a>(&self, vmf: MkwriteFault<'a>) -> Result<Mkwrite<'a>, FaultError> {
        self.counters.mkwrite_calls.add(1u64, Relaxed);
        let call = FaultCall::of_mkwrite(&vmf);
        let result = vmf.lock();
        if let Mkwrite::Locked(folio) = &result {
            folio.mark_dirty();
        }
        trace::page_mkwrite(&call, result.bits());
        Ok(result)
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
    type Ptr = Arc<PageCache>;

    fn fault<'a>(cache: Borrowed<'_, Self>, vmf: VmFault<'a>) -> Result<Faulted<'a>, FaultError> {
        cache.fault(vmf)
    }

    fn map_pages<'a>(cache: Borrowed<'_, Self>, vmf: MapPagesFault<'a>) -> MappedAround<'a> {
        cache.map_pages(vmf)
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
    type Ptr = Arc<PageCache>;

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
