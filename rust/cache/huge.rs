// SPDX-License-Identifier: GPL-2.0

//! PMD-sized folios: which pcc allocates (`huge=`), and `->huge_fault`,
//! which maps a cached one by one PMD.
//!
//! What pcc allocates is its own policy, with the meaning of shmem's
//! `huge=` mount option. How the kernel maps a PMD-sized folio is not:
//! `create_huge_pmd()` calls `->huge_fault` only where the global switch
//! (`/sys/kernel/mm/transparent_hugepage/enabled`) allows (`always`, or
//! `madvise` with `MADV_HUGEPAGE`); otherwise `finish_fault()` or
//! fault-around (`filemap_map_pmd`) maps the folio `->fault` returned by
//! one PMD (`do_set_pmd`) whatever the switch says. A store to a PMD
//! mapped read-only calls `->huge_fault` through `wp_huge_pmd()` in every
//! case.

use super::{
    Found,
    Lookup,
    PageCache, //
};
use crate::{
    ext::{
        counter::EventCounter,
        folio::FolioGuard,
        trace::{
            self,
            FaultCall, //
        },
        vm_ops::{
            result_bits,
            FaultError,
            FaultFlag,
            HugeFault,
            HugeFaulted,
            PmdHint, //
        },
    },
    uapi::HugeStats,
};
use kernel::prelude::*;

/// `huge=`: where pcc allocates PMD-sized folios, as shmem's option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Huge {
    /// Never (the default): nothing changes unless asked.
    Never,
    /// Wherever the whole huge page lies within the device's capacity.
    /// shmem allocates one past `i_size` too, for a file that grows; pcc's
    /// size is fixed, and no page is ever cached past it.
    Always,
    /// Only where the whole huge page lies within the device's size: as
    /// `always`, since that size never changes.
    WithinSize,
    /// Only in a mapping `MADV_HUGEPAGE` asked it for; never for
    /// `read()`/`write()`.
    Advise,
}

impl Huge {
    /// From the parameter's value (0 to 3, in the order of the names
    /// `rust/pcc_params.c` accepts).
    pub(crate) fn from_param(v: i32) -> Self {
        match v {
            1 => Self::Always,
            2 => Self::WithinSize,
            3 => Self::Advise,
            _ => Self::Never,
        }
    }

    /// The parameter's value.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Never => "never",
            Self::Always => "always",
            Self::WithinSize => "within_size",
            Self::Advise => "advise",
        }
    }

    /// Whether a new folio for a fault whose VMA says `hint` (or for
    /// `read()`/`write()`, which have no VMA: [`PmdHint::Allowed`]) should
    /// be PMD-sized, as `shmem_huge_global_enabled()` decides.
    /// `MADV_NOHUGEPAGE` and an unaligned mapping always say no.
    pub(super) fn wants_pmd(self, hint: PmdHint) -> bool {
        self.wants_pmd_with(|| hint)
    }

    /// [`Self::wants_pmd`], asking for the hint only where the policy
    /// depends on it: what the VMA allows takes two calls into C, which
    /// a fault under `huge=never` (the default) does not make.
    pub(super) fn wants_pmd_with(self, hint: impl FnOnce() -> PmdHint) -> bool {
        match self {
            Self::Never => false,
            Self::Always | Self::WithinSize => hint() != PmdHint::Unsuitable,
            Self::Advise => hint() == PmdHint::Advised,
        }
    }
}

/// The counters of `struct pcc_huge_stats`.
pub(super) struct HugeCounters {
    calls: EventCounter,
    pmds: EventCounter,
    fallbacks: EventCounter,
    pub(super) pmd_folios: EventCounter,
    pub(super) pmd_folio_fallbacks: EventCounter,
}

impl HugeCounters {
    pub(super) const fn new() -> Self {
        Self {
            calls: EventCounter::new(),
            pmds: EventCounter::new(),
            fallbacks: EventCounter::new(),
            pmd_folios: EventCounter::new(),
            pmd_folio_fallbacks: EventCounter::new(),
        }
    }
}

impl PageCache {
    /// `->huge_fault`: map the PMD-sized folio at the PMD's offset by one
    /// PMD: a cached one, or on a miss where `huge=` wants one and the
    /// store holds none of its pages, a new one of zeros (as
    /// `do_huge_pmd_anonymous_page` makes one for anonymous memory).
    /// Anything else falls back to PTEs, where `->fault` does what may need
    /// I/O or a retry (a huge fault has neither): a miss of pages the store
    /// holds (`->fault` allocates and reads the folio, and `finish_fault()`
    /// then maps it by a PMD), a smaller folio, one locked for I/O or not
    /// read, the end of the device, a store to a private mapping (copied at
    /// PTE level).
    #[cfg_attr(not(CONFIG_TRANSPARENT_HUGEPAGE), allow(dead_code))]
    pub(super) fn huge_fault<'a>(&self, vmf: HugeFault<'a>) -> Result<HugeFaulted<'a>, FaultError> {
        let c = &self.counters.huge;
        c.calls.inc();
        let call = FaultCall::of_huge(&vmf);
        let write = vmf.flags().contains(FaultFlag::Write);
        let first = vmf.pmd_pgoff();
        let nr = vmf.nr_pages();
        let r = if first + nr > self.capacity {
            Ok(vmf.fallback())
        } else {
            match self.inode.get(first).map(FolioGuard::try_new) {
                None => self.huge_miss(vmf, first),
                Some(Ok(locked))
                    if locked.nr_pages() == nr && locked.is_uptodate() && !locked.is_hwpoison() =>
                {
                    locked.set_referenced();
                    vmf.map_pmd(locked)
                }
                // A smaller folio, one locked (I/O in flight) or not read.
                Some(_) => Ok(vmf.fallback()),
            }
        };
        match &r {
            Ok(h) if h.is_mapped() => c.pmds.inc(),
            Ok(h) if h.is_fallback() => c.fallbacks.inc(),
            _ => {}
        }
        trace::huge_fault(&call, result_bits(&r, HugeFaulted::bits));
        // A store dirtied 512 pages: past the kernel's dirty limits, wait
        // for the flusher, as `fault_dirty_shared_page` does after
        // `->page_mkwrite` (a huge fault returns before it would run). The
        // fault lock stays held, as that function keeps it when it may
        // not drop it; the folio is unlocked.
        if write && matches!(&r, Ok(h) if h.is_mapped()) {
            self.inode.balance_dirty_pages();
        }
        r
    }

    /// A miss of the folio at `first` in `->huge_fault`: a new PMD-sized
    /// folio of zeros, mapped, where `huge=` wants one and the store holds
    /// none of its pages. What `find_or_add` makes instead (one page: no
    /// huge page free, part of the range cached, the memory limit) is
    /// filled and left to `->fault`, with the fallback.
    fn huge_miss<'a>(
        &self,
        vmf: HugeFault<'a>,
        first: usize,
    ) -> Result<HugeFaulted<'a>, FaultError> {
        let nr = vmf.nr_pages();
        if !self.huge.wants_pmd_with(|| vmf.pmd_hint()) || self.store_holds_any(first, nr) {
            return Ok(vmf.fallback());
        }
        match self.find_or_add(vmf.pgoff(), true) {
            Ok(Found::New(locked, held)) => match self.backing.fill(locked, held) {
                Lookup::Zeroed(locked) if locked.nr_pages() == nr => vmf.map_pmd(locked),
                // Filled (zeros, or read from the store had a page of it
                // been written back meanwhile): the fault finds it cached.
                _ => Ok(vmf.fallback()),
            },
            // Cached meanwhile, or refused (a poisoned page, the memory
            // limit): `->fault` says what it says.
            Ok(Found::Cached(_)) | Err(_) => Ok(vmf.fallback()),
        }
    }

    /// `PCC_IOC_GET_HUGE_STATS`.
    pub(crate) fn huge_stats(&self) -> HugeStats {
        let c = &self.counters.huge;
        HugeStats {
            huge_fault_calls: c.calls.get(),
            huge_fault_pmds: c.pmds.get(),
            huge_fault_fallbacks: c.fallbacks.get(),
            pmd_folios: c.pmd_folios.get(),
            pmd_folio_fallbacks: c.pmd_folio_fallbacks.get(),
        }
    }
}
