// SPDX-License-Identifier: GPL-2.0
//! The faulting file is pinned only for the `->fault` call (the VMA holds
//! it, or the pin taken when the fault lock is released): a driver cannot
//! keep it for readahead after the call returns.
// expect: error: lifetime may not live long enough

use crate::ext::{
    readahead::ReadaheadFile,
    vm_ops::VmFault, //
};

pub(crate) fn keep<'a>(vmf: &VmFault<'a>) -> ReadaheadFile<'static> {
    vmf.file()
}
