// SPDX-License-Identifier: GPL-2.0
//! `VmFault::page` checks the folio it hands the kernel with a
//! `LockedView`'s view, read under the folio's lock. Only
//! `FolioGuard::into_view` reads one: a view written by hand could say
//! that a fresh folio, whose memory holds whatever the allocator left, is
//! uptodate and this file's, and the kernel would map it.
// expect: error\[E0451\]: fields? `guard`.* of struct `LockedView` (is|are) private

use crate::ext::{
    ffi::PccFolioNow,
    folio::{
        Folio,
        FolioGuard,
        LockedView, //
    },
    vm_ops::{
        FaultError,
        Faulted,
        VmFault, //
    },
};
use kernel::{bindings, sync::aref::ARef};

pub(crate) fn forged<'a>(
    vmf: VmFault<'a>,
    fresh: FolioGuard<ARef<Folio>>,
) -> Result<Faulted<'a>, FaultError> {
    let raw = PccFolioNow {
        flags: 1 << bindings::pageflags_PG_uptodate,
        mapping: fresh.mapping_ptr(),
        index: vmf.pgoff(),
    };
    vmf.page(LockedView { guard: fresh, raw }, false)
}
