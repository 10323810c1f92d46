// SPDX-License-Identifier: GPL-2.0
//! Locking the mkwrite folio a second time would sleep for ever on a lock
//! this thread holds; `MkwriteFault::lock` consumes the view.
// expect: error\[E0382\]: use of moved value: `vmf`

use crate::ext::vm_ops::{
    Mkwrite,
    MkwriteFault, //
};

pub(crate) fn twice<'a>(vmf: MkwriteFault<'a>) -> Mkwrite<'a> {
    let _first = vmf.lock();
    vmf.lock()
}
