// SPDX-License-Identifier: GPL-2.0
//! `filemap_map_pages` trusts `do_fault_around` to keep the range
//! inside the VMA and one page table. The window is the kernel's: a driver
//! cannot pass a range of its own.
// expect: error\[E0061\]: this method takes 0 arguments but 2 arguments were supplied

use crate::ext::vm_ops::{
    MapPagesFault,
    MappedAround, //
};

pub(crate) fn wide<'a>(vmf: MapPagesFault<'a>) -> MappedAround<'a> {
    vmf.map_cached_pages(0, usize::MAX)
}
