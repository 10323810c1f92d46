// SPDX-License-Identifier: GPL-2.0
//! One `->huge_fault` call maps at most one PMD and returns one result:
//! `map_pmd` and `fallback` consume the view, so a second folio cannot be
//! mapped over the first, nor a fallback returned after a PMD was mapped.
// expect: use of moved value: `vmf`

use crate::ext::{
    folio::{
        Folio,
        FolioGuard, //
    },
    vm_ops::{
        FaultError,
        HugeFault,
        HugeFaulted, //
    },
};
use kernel::sync::aref::ARef;

pub(crate) fn twice<'a>(
    vmf: HugeFault<'a>,
    folio: FolioGuard<ARef<Folio>>,
) -> Result<HugeFaulted<'a>, FaultError> {
    let _mapped = vmf.map_pmd(folio)?;
    Ok(vmf.fallback())
}
