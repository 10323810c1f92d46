// SPDX-License-Identifier: GPL-2.0
//! `Removed` proves that this call's folio left the page cache. One kept
//! from an earlier call proves nothing about this folio: it carries that
//! call's invariant lifetime and is not this call's result.
// expect: lifetime may not live long enough

use crate::ext::memory_failure::{
    PoisonedFolio,
    Removed, //
};
use kernel::prelude::*;

pub(crate) fn again<'a, 'b>(_folio: PoisonedFolio<'a>, earlier: Removed<'b>) -> Result<Removed<'a>> {
    Ok(earlier)
}
