// SPDX-License-Identifier: GPL-2.0
//! The control: the same calls the other cases get wrong, made right.
// expect-success

use crate::{
    cache::{
        PageCache,
        WithFaultAround, //
    },
    ext::{
        folio::{
            Folio,
            FolioGuard, //
        },
        mapping::PageCacheInode,
        vm_ops::{
            FaultError,
            Faulted,
            HugeFault,
            HugeFaulted,
            LockOrRetry,
            MapPagesFault,
            MappedAround,
            Mkwrite,
            MkwriteFault,
            VmFault,
            VmaDesc, //
        },
    },
};
use kernel::sync::aref::ARef;

pub(crate) fn map<'a>(vmf: MapPagesFault<'a>) -> MappedAround<'a> {
    vmf.map_cached_pages()
}

pub(crate) fn fault<'a>(
    vmf: VmFault<'a>,
    folio: FolioGuard<ARef<Folio>>,
) -> Result<Faulted<'a>, FaultError> {
    folio.zero_fill();
    vmf.page(folio, false)
}

pub(crate) fn huge<'a>(
    vmf: HugeFault<'a>,
    folio: FolioGuard<ARef<Folio>>,
) -> Result<HugeFaulted<'a>, FaultError> {
    if folio.index() == vmf.pmd_pgoff() && folio.nr_pages() == vmf.nr_pages() {
        vmf.map_pmd(folio)
    } else {
        Ok(vmf.fallback())
    }
}

pub(crate) fn mkwrite<'a>(vmf: MkwriteFault<'a>) -> Mkwrite<'a> {
    vmf.lock()
}

pub(crate) fn wait<'a>(vmf: VmFault<'a>, folio: ARef<Folio>) -> Result<Faulted<'a>, FaultError> {
    match vmf.lock_folio_or_retry(folio) {
        LockOrRetry::Retry(retry) => Ok(retry.faulted(true)),
        LockOrRetry::Locked(vmf, locked) => vmf.page(locked, false),
    }
}

pub(crate) fn mmap_prepare(desc: &mut VmaDesc<'_, PageCache>) {
    desc.install::<WithFaultAround>();
}

pub(crate) fn cached_uptodate(inode: &PageCacheInode) -> usize {
    let batch = inode.contig_folios(0, 30);
    batch.iter().filter(|f| f.is_uptodate()).count()
}
