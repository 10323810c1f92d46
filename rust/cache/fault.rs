// SPDX-License-Identifier: GPL-2.0

//! The fault callbacks: `->fault`, `->map_pages`, `->page_mkwrite`, and
//! the four `vm_operations_struct`s that install them (with or without
//! fault-around, with or without `->huge_fault`, in [`super::huge`]).

use super::{
    Found,
    PageCache, //
};
use crate::ext::{
    counter::EventCounter,
    folio::{
        Folio,
        FolioGuard, //
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
        ForIo,
        HugeFault,
        HugeFaulted,
        LockOrRetry,
        MapPagesFault,
        MappedAround,
        Mkwrite,
        MkwriteFault,
        VmFault,
        VmOperations, //
    },
};
use kernel::{
    bindings::{
        vm_fault_reason_VM_FAULT_MAJOR as VM_FAULT_MAJOR,
        vm_fault_reason_VM_FAULT_RETRY as VM_FAULT_RETRY, //
    },
    prelude::*,
    sync::aref::ARef,
};

/// What `->map_pages` counts: (calls, PTEs mapped).
pub(super) type AroundCounters = (EventCounter, EventCounter);

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

impl PageCache {
    /// `->fault`: a page is not mapped: return it locked, allocating it on
    /// a miss; past capacity, `SIGBUS` (like a file's end). A miss on a
    /// page the store holds reads it and is a major fault.
    ///
    /// This, [`Self::fault_in`], [`Self::hit`] and the tables' `fault` are
    /// inlined into each table's `->fault` entry: a hit then makes no call
    /// inside pcc (about 20 instructions and a call less; left to itself
    /// the compiler kept one of them out of line, with four tables calling
    /// it).
    #[inline(always)]
    fn fault<'a>(&self, vmf: VmFault<'a>) -> Result<Faulted<'a>, FaultError> {
        self.counters.faults.inc();
        let index = vmf.pgoff();
        let call = FaultCall::of_fault(&vmf);
        let (result, lookup) = if index >= self.capacity {
            (Err(FaultError::SigBus), CacheLookup::NoPage)
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
    /// `filemap_fault`): on a miss of a page the store holds, the kernel's
    /// readahead reads it and its neighbours after the fault lock is
    /// released where it may be ([`VmFault::release_for_io`]), the fault
    /// waits for the page's read, and retries; a hit on a page marked for
    /// readahead starts the next window the same way; a cached folio locked
    /// for I/O is waited for through the retry protocol
    /// ([`super::Backing::lock_for_fault`]). Where the fault lock may not
    /// be released, the one page is read under it and nothing is read
    /// ahead.
    ///
    /// Where `huge=` wants a PMD-sized folio, a miss allocates one and
    /// reads what the store holds of it in place of readahead's window
    /// (`finish_fault()` then maps it by a PMD, `do_set_pmd`).
    #[inline(always)]
    fn fault_in<'a>(
        &self,
        mut vmf: VmFault<'a>,
        index: usize,
    ) -> (Result<Faulted<'a>, FaultError>, CacheLookup) {
        let mut major = false;
        let pmd = self.huge.wants_pmd_with(|| vmf.pmd_hint());
        loop {
            let found = if self.backing.store().is_none() {
                // Without a store no folio is locked for I/O or marked for
                // readahead: the lookup locks what it finds
                // (`filemap_lock_folio`: one call where a lookup and a
                // lock are two), as `shmem_get_folio_gfp` does.
                match self.inode.lock(index) {
                    Some(locked) => match self.hit(vmf, locked, false, CacheLookup::Hit) {
                        Ok(done) => return done,
                        Err(v) => {
                            vmf = v;
                            continue;
                        }
                    },
                    None => self.add_after_miss(index, pmd),
                }
            } else {
                match self.inode.get(index) {
                    // Marked referenced once locked and checked, from the
                    // view of that check (below).
                    Some(folio) => Ok(Found::Cached(folio)),
                    None if self.backing.evicts() && !pmd => {
                        let file = vmf.file();
                        if self.reads_ahead(&file, index) {
                            major = true;
                            match vmf.release_for_io() {
                                ForIo::Released(retry) => {
                                    self.read_ahead(&file, index);
                                    // filemap_fault(): with the fault lock
                                    // released, it waits for the page's read
                                    // (lock_folio_maybe_drop_mmap) before it
                                    // retries, so the retry finds the page
                                    // read; a fatal signal ends the wait.
                                    if let Some(folio) = self.inode.get(index) {
                                        let _ = folio.wait_locked_killable();
                                    }
                                    return (Ok(retry.faulted(true)), CacheLookup::Read);
                                }
                                ForIo::Held(v) => vmf = v,
                            }
                        }
                        self.add_after_miss(index, false)
                    }
                    None => self.add_after_miss(index, pmd),
                }
            };
            let (waited, lookup) = match found {
                Ok(Found::New(locked, held)) if self.backing.reads(&held) => {
                    major = true;
                    match vmf.release_for_io() {
                        ForIo::Released(retry) => {
                            // Not uptodate after a failed read: the retry
                            // finds it and reads once more
                            // (`PageCache::revalidate`).
                            self.backing.read(&locked, &held);
                            return (Ok(retry.faulted(true)), CacheLookup::Read);
                        }
                        ForIo::Held(v) => {
                            self.backing.read(&locked, &held);
                            (LockOrRetry::Locked(v, locked), CacheLookup::Read)
                        }
                    }
                }
                Ok(Found::New(locked, _)) => {
                    locked.zero_fill();
                    return (vmf.page(locked, major), CacheLookup::Miss);
                }
                Ok(Found::Cached(folio)) => {
                    // do_async_mmap_readahead(): the next window, with the
                    // fault lock released; the fault then retries.
                    // The flag last: without a store no folio has it.
                    if !major && self.backing.evicts() && folio.is_readahead() {
                        let file = vmf.file();
                        if self.reads_ahead_from(&file) {
                            match vmf.release_for_io() {
                                ForIo::Released(retry) => {
                                    file.async_ra(&folio, file.ra_pages());
                                    return (Ok(retry.faulted(false)), CacheLookup::Hit);
                                }
                                ForIo::Held(v) => vmf = v,
                            }
                        }
                    }
                    let lookup = if major {
                        CacheLookup::Read
                    } else {
                        CacheLookup::Hit
                    };
                    (self.backing.lock_for_fault(vmf, folio), lookup)
                }
                Err(e) => return (Err(FaultError::from(e)), CacheLookup::NoPage),
            };
            match waited {
                LockOrRetry::Retry(retry) => return (Ok(retry.faulted(major)), lookup),
                LockOrRetry::Locked(v, locked) => match self.hit(v, locked, major, lookup) {
                    Ok(done) => return done,
                    Err(v) => vmf = v,
                },
            }
        }
    }

    /// A cached folio `fault_in` found and locked: handed to the kernel if
    /// it still belongs to the cache and is uptodate (read again if a read
    /// failed), or the fault back to look again (`Err`) if it was evicted
    /// or reset meanwhile.
    #[inline(always)]
    fn hit<'a>(
        &self,
        vmf: VmFault<'a>,
        locked: FolioGuard<ARef<Folio>>,
        major: bool,
        lookup: CacheLookup,
    ) -> core::result::Result<(Result<Faulted<'a>, FaultError>, CacheLookup), VmFault<'a>> {
        match self.revalidate(locked) {
            Ok(Some(locked)) => {
                // Used: reclaim's second chance. A new folio has the bit
                // from its allocation.
                locked.now().set_referenced();
                Ok((vmf.page(locked, major), lookup))
            }
            Ok(None) => Err(vmf),
            Err(e) => Ok((Err(FaultError::from(e)), lookup)),
        }
    }

    /// `->page_mkwrite`: a clean page is about to become writable: mark it
    /// dirty and hand it back locked, so writeback cannot clean it before
    /// the PTE is set. A page that reset removed meanwhile faults again.
    /// No I/O here, under the fault lock: with a store, the kernel throttles
    /// the writer once the fault has dropped that lock
    /// (`fault_dirty_shared_page` -> `balance_dirty_pages_ratelimited`).
    fn page_mkwrite<'a>(&self, vmf: MkwriteFault<'a>) -> Result<Mkwrite<'a>, FaultError> {
        self.counters.mkwrite_calls.inc();
        let call = FaultCall::of_mkwrite(&vmf);
        // filemap_page_mkwrite(): locked, checked, dirtied, and a
        // writeback in flight waited for (stable pages).
        let result = vmf.lock();
        trace::page_mkwrite(&call, result.bits());
        Ok(result)
    }
}

/// Implements [`VmOperations`] for `$ops` on [`PageCache`], with
/// `->map_pages` data `$around`: `fault` and `page_mkwrite`, and the
/// callbacks given in braces (`map_pages`, `huge_fault`). They are spelled
/// out in each use: `#[vtable]` sees the functions the impl holds once
/// this macro has expanded, and a macro call inside the impl would hide
/// them from it (its `HAS_*` would stay false).
macro_rules! page_cache_vm_ops {
    ($ops:ident, $around:ty, { $($more:tt)* }) => {
        #[vtable]
        impl VmOperations for $ops {
            type Data = PageCache;
            type Around = $around;

            #[inline(always)]
            fn fault<'a>(
                cache: Borrowed<'_, Self>,
                vmf: VmFault<'a>,
            ) -> Result<Faulted<'a>, FaultError> {
                cache.fault(vmf)
            }

            fn page_mkwrite<'a>(
                cache: Borrowed<'_, Self>,
                vmf: MkwriteFault<'a>,
            ) -> Result<Mkwrite<'a>, FaultError> {
                cache.page_mkwrite(vmf)
            }

            $($more)*
        }
    };
}

/// pcc's `vm_operations_struct` with fault-around: `fault`, `map_pages`
/// and `page_mkwrite`.
pub(crate) struct WithFaultAround;

/// pcc's `vm_operations_struct` without `map_pages` (`fault_around=0`):
/// every read fault calls `fault`.
pub(crate) struct WithoutFaultAround;

/// As [`WithFaultAround`], with `huge_fault` (`huge=` other than `never`).
pub(crate) struct HugeWithFaultAround;

/// As [`WithoutFaultAround`], with `huge_fault`.
pub(crate) struct HugeWithoutFaultAround;

page_cache_vm_ops!(WithFaultAround, AroundCounters, {
    fn around<'c>(cache: &'c Borrowed<'_, Self>) -> &'c AroundCounters {
        &cache.counters.around
    }

    fn map_pages<'a>(around: &AroundCounters, vmf: MapPagesFault<'a>) -> MappedAround<'a> {
        map_pages(around, vmf)
    }
});

page_cache_vm_ops!(WithoutFaultAround, (), {});

page_cache_vm_ops!(HugeWithFaultAround, AroundCounters, {
    fn around<'c>(cache: &'c Borrowed<'_, Self>) -> &'c AroundCounters {
        &cache.counters.around
    }

    fn map_pages<'a>(around: &AroundCounters, vmf: MapPagesFault<'a>) -> MappedAround<'a> {
        map_pages(around, vmf)
    }

    fn huge_fault<'a>(
        cache: Borrowed<'_, Self>,
        vmf: HugeFault<'a>,
    ) -> Result<HugeFaulted<'a>, FaultError> {
        cache.huge_fault(vmf)
    }
});

page_cache_vm_ops!(HugeWithoutFaultAround, (), {
    fn huge_fault<'a>(
        cache: Borrowed<'_, Self>,
        vmf: HugeFault<'a>,
    ) -> Result<HugeFaulted<'a>, FaultError> {
        cache.huge_fault(vmf)
    }
});
