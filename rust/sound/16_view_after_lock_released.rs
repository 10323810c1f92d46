// SPDX-License-Identifier: GPL-2.0
//! After `lock_folio_or_retry` may have released the mmap or per-VMA lock,
//! the VMA can be unmapped and freed: the view is gone, so nothing of the
//! fault can be used any more.
// expect: error\[E0382\]: (borrow|use) of moved value: `vmf`

use crate::ext::{
    folio::Folio,
    vm_ops::{
        FaultError,
        Faulted,
        LockOrRetry,
        VmFault, //
    },
};
use kernel::sync::aref::ARef;

pub(crate) fn after<'a>(vmf: VmFault<'a>, folio: ARef<Folio>) -> Result<Faulted<'a>, FaultError> {
    match vmf.lock_folio_or_retry(folio) {
        LockOrRetry::Retry(retry) => {
            let _ = vmf.pgoff();
            Ok(retry.faulted(true))
        }
        LockOrRetry::Locked(vmf, locked) => vmf.page(locked, false),
    }
}
