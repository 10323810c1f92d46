// SPDX-License-Identifier: GPL-2.0
//! A `Faulted` page can only come from `VmFault::page`, which
//! checks that the folio is uptodate, in this file's page cache and holds
//! this fault's offset.
// expect: error\[E0451\]: fields? `page`.* (of struct `Faulted` )?(is|are) private

use crate::ext::vm_ops::{
    Faulted,
    VmFault, //
};
use core::marker::PhantomData;

pub(crate) fn forged<'a>(_vmf: VmFault<'a>) -> Faulted<'a> {
    Faulted {
        page: todo!(),
        _brand: PhantomData,
    }
}
