// SPDX-License-Identifier: GPL-2.0
//! A folio under writeback is written to the store as it is. Only
//! `FolioGuard::start_writeback` makes one, and only of a folio that is
//! uptodate and was dirty: a fresh folio from `__filemap_get_folio` holds
//! whatever the allocator left, and building the handle by hand would send
//! that memory to the store.
// expect: error\[E0451\]: field `folio` of struct `FolioWriteback` is private

use crate::ext::{
    folio::{
        Folio,
        FolioGuard,
        FolioWriteback, //
    },
    kernel_file::KernelFile,
};
use core::mem::ManuallyDrop;
use kernel::{prelude::*, sync::aref::ARef};

pub(crate) fn stale(fresh: FolioGuard<ARef<Folio>>, store: &KernelFile) -> Result {
    let wb = FolioWriteback {
        folio: ManuallyDrop::new(fresh.unlock()),
    };
    store.write_folios(core::slice::from_ref(&wb), 0)
}
