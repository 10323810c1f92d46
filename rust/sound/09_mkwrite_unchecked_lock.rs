// SPDX-License-Identifier: GPL-2.0
//! Locking the folio by hand skips the check that it still belongs to
//! the file, the dirtying and the wait for writeback; only
//! `MkwriteFault::lock` builds the result.
// expect: error\[E0451\]: fields? `guard`.* (of struct `MkwriteLocked` )?(is|are) private

use crate::ext::{
    folio::Folio,
    vm_ops::{
        Mkwrite,
        MkwriteFault,
        MkwriteLocked, //
    },
};
use core::marker::PhantomData;

pub(crate) fn unchecked<'a>(_vmf: MkwriteFault<'a>, page: &'a Folio) -> Mkwrite<'a> {
    Mkwrite::Locked(MkwriteLocked {
        guard: page.lock(),
        _brand: PhantomData,
    })
}
