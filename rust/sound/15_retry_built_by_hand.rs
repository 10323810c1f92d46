// SPDX-License-Identifier: GPL-2.0
//! `VM_FAULT_RETRY` tells the kernel the fault lock may be gone; only
//! `VmFault::lock_folio_or_retry` can say so, having consumed the view.
// expect: error\[E0451\]: fields? `_brand`.* (of struct `Retry` )?(is|are) private

use crate::ext::vm_ops::{
    Faulted,
    Retry,
    VmFault, //
};
use core::marker::PhantomData;

pub(crate) fn forged<'a>(_vmf: VmFault<'a>) -> Faulted<'a> {
    Retry {
        _brand: PhantomData,
    }
    .faulted(false)
}
