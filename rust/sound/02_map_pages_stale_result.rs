// SPDX-License-Identifier: GPL-2.0
//! A `MappedAround` kept from another `->map_pages` call could say
//! `VM_FAULT_NOPAGE` for a page this call never mapped, looping the fault.
//! Each call's result is branded with that call's lifetime.
// expect: the struct `MappedAround<'a>` is invariant over the parameter `'a`

use crate::ext::vm_ops::{
    MapPagesFault,
    MappedAround, //
};

pub(crate) fn stale<'a, 'b>(vmf: MapPagesFault<'a>, old: MappedAround<'b>) -> MappedAround<'a> {
    let _ = vmf.map_cached_pages();
    old
}
