// SPDX-License-Identifier: GPL-2.0
//! `->error_remove_folio` succeeds only if the folio left the page cache:
//! memory failure then counts the page recovered, though the cache still
//! hands out its poisoned memory. `Removed`, the only `Ok` the handler can
//! return, is made by `PoisonedFolio::remove` alone.
// expect: error\[E0423\]: cannot initialize a tuple struct which contains private fields

use crate::ext::{
    memory_failure::{
        PoisonedFolio,
        Removed, //
    },
};
use kernel::prelude::*;

pub(crate) fn keep<'a>(_folio: PoisonedFolio<'a>) -> Result<Removed<'a>> {
    Ok(Removed(core::marker::PhantomData))
}
