// SPDX-License-Identifier: GPL-2.0
//! `->map_pages` runs under `rcu_read_lock()`; the VMA offers
//! sleeping operations (`zap_vma_range`, `mmap_read_lock`), so the
//! fault-around view does not hand it out.
// expect: error\[E0599\]: no method named `vma` found for struct `MapPagesFault

use crate::ext::vm_ops::{
    MapPagesFault,
    MappedAround, //
};

pub(crate) fn zap<'a>(vmf: MapPagesFault<'a>) -> MappedAround<'a> {
    vmf.vma().zap_vma_range(0, 4096);
    vmf.map_cached_pages()
}
