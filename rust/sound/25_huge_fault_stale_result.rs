// SPDX-License-Identifier: GPL-2.0
//! A `HugeFaulted` kept from another `->huge_fault` call could say a PMD
//! was mapped for a range this call never mapped. Each call's result is
//! branded with that call's lifetime.
// expect: the struct `HugeFaulted<'a>` is invariant over the parameter `'a`

use crate::ext::vm_ops::{
    HugeFault,
    HugeFaulted, //
};

pub(crate) fn stale<'a, 'b>(vmf: HugeFault<'a>, old: HugeFaulted<'b>) -> HugeFaulted<'a> {
    let _ = vmf.fallback();
    old
}
