// SPDX-License-Identifier: GPL-2.0
//! A fresh folio from `__filemap_get_folio` holds stale memory.
//! Marking it uptodate without writing every byte would pass
//! `VmFault::page`'s check, so the only way to make a folio uptodate is to
//! fill it (`zero_fill`).
// expect: error\[E0599\]: no method named `mark_uptodate` found

use crate::ext::{
    folio::{
        Folio,
        FolioGuard, //
    },
    vm_ops::{
        FaultError,
        Faulted,
        VmFault, //
    },
};
use kernel::sync::aref::ARef;

pub(crate) fn stale<'a>(
    vmf: VmFault<'a>,
    fresh: FolioGuard<ARef<Folio>>,
) -> Result<Faulted<'a>, FaultError> {
    fresh.mark_uptodate();
    vmf.page(fresh, false)
}
