// SPDX-License-Identifier: GPL-2.0
//! `VM_FAULT_NOPAGE` makes the kernel retry the access at once: a driver
//! that answered it for a page it cannot provide would livelock the fault.
//! Only `VmFault::page` answers it, for a folio truncated meanwhile.
// expect: error\[E0624\]: method `no_page` is private

use crate::ext::vm_ops::{
    FaultError,
    Faulted,
    VmFault, //
};

pub(crate) fn forever<'a>(vmf: VmFault<'a>) -> Result<Faulted<'a>, FaultError> {
    Ok(vmf.no_page())
}
