// SPDX-License-Identifier: GPL-2.0
//! Handing a folio lock "to the kernel" outside a fault result would leave
//! the folio locked for ever; only the trampolines can, for a result that
//! says `VM_FAULT_LOCKED`.
// expect: error\[E0624\]: method `into_kernel` is private

use crate::ext::folio::Folio;

pub(crate) fn leak_lock(folio: &Folio) {
    let _ = folio.lock().into_kernel();
}
