// SPDX-License-Identifier: GPL-2.0
//! A `HugeFaulted` that says a PMD was mapped can only come from
//! `HugeFault::map_pmd`, which checks the folio (PMD-sized, of this file at
//! the PMD's offset, uptodate, not poisoned) and maps it; one built by hand
//! would return `VM_FAULT_NOPAGE` with nothing mapped, and the access
//! would fault for ever.
// expect: error\[E0451\]: fields? `outcome`.* (of struct `HugeFaulted` )?(is|are) private

use crate::ext::vm_ops::{
    HugeFault,
    HugeFaulted, //
};
use core::marker::PhantomData;

pub(crate) fn forged<'a>(_vmf: HugeFault<'a>) -> HugeFaulted<'a> {
    HugeFaulted {
        outcome: todo!(),
        _brand: PhantomData,
    }
}
