// SPDX-License-Identifier: GPL-2.0
//! A folio of a batch is referenced by the batch alone: once the batch
//! is dropped (`folios_put`), the folio may be freed, so what was taken
//! from it cannot be used after.
// expect: error\[E0505\]: cannot move out of `batch` because it is borrowed

use crate::ext::mapping::PageCacheInode;

pub(crate) fn after_drop(inode: &PageCacheInode) -> bool {
    let batch = inode.contig_folios(0, 30);
    let first = batch.iter().next();
    drop(batch);
    first.is_some_and(|f| f.is_uptodate())
}
