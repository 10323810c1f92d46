// SPDX-License-Identifier: GPL-2.0
//! `map_pmd` checks the folio's mapping and index, and a store dirties
//! it, under the folio's lock, so that truncation, eviction or writeback
//! cannot change it between the checks and the PMD: it takes the folio
//! locked, as a `FolioGuard`, never a bare reference.
// expect: expected `FolioGuard<ARef<Folio>>`, found `ARef<Folio>`

use crate::ext::{
    folio::Folio,
    vm_ops::{
        FaultError,
        HugeFault,
        HugeFaulted, //
    },
};
use kernel::sync::aref::ARef;

pub(crate) fn unlocked<'a>(
    vmf: HugeFault<'a>,
    folio: ARef<Folio>,
) -> Result<HugeFaulted<'a>, FaultError> {
    vmf.map_pmd(folio)
}
