// SPDX-License-Identifier: GPL-2.0
//! `->page_mkwrite` returns `VM_FAULT_LOCKED` for `vmf->page`
//! only, checked to be still in the file's page cache
//! (`filemap_page_mkwrite`). Any other locked folio is the wrong type.
// expect: expected `MkwriteLocked<'_>`, found `FolioGuard<&Folio>`

use crate::ext::{
    folio::Folio,
    vm_ops::{
        Mkwrite,
        MkwriteFault, //
    },
};

pub(crate) fn other<'a>(_vmf: MkwriteFault<'a>, folio: &'a Folio) -> Mkwrite<'a> {
    Mkwrite::Locked(folio.lock())
}
