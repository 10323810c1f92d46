// SPDX-License-Identifier: GPL-2.0
//! A result is not `Copy`: it cannot be kept for later.
// expect: error\[E0382\]: use of moved value: `m`

use crate::ext::vm_ops::{
    MapPagesFault,
    MappedAround, //
};

pub(crate) fn twice<'a>(vmf: MapPagesFault<'a>) -> (MappedAround<'a>, MappedAround<'a>) {
    let m = vmf.map_cached_pages();
    (m, m)
}
