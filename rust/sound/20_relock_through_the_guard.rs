// SPDX-License-Identifier: GPL-2.0
//! A guard holds the folio lock, a bit lock that lockdep does not see:
//! locking the folio again, or waiting for it to be unlocked, through the
//! guard would sleep for ever. The guard derefs to `FolioState`, which has
//! neither: only `Folio` (a handle) does.
// expect: error\[E0599\]: no method named `lock` found for struct `FolioGuard<

use crate::ext::folio::{
    Folio,
    FolioGuard, //
};
use kernel::sync::aref::ARef;

pub(crate) fn twice(locked: FolioGuard<ARef<Folio>>) {
    let again = locked.lock();
    drop(again);
}
