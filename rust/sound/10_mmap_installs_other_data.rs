// SPDX-License-Identifier: GPL-2.0
//! `->mapped` takes the VMA's reference on the data from the mapped
//! file's `private_data`, which holds the device's `Arc`: a table whose
//! data is of another type would read that pointer as something it is
//! not. `VmaDesc` knows the file's data type and installs only tables of
//! that type.
// expect: error\[E0271\]: type mismatch resolving `<Other as VmOperations>::Data == PageCache`

use crate::{
    cache::PageCache,
    ext::vm_ops::{
        Borrowed,
        FaultError,
        Faulted,
        VmFault,
        VmOperations,
        VmaDesc, //
    },
};
use kernel::prelude::*;

pub(crate) struct Other;

#[vtable]
impl VmOperations for Other {
    type Data = u64;
    type Around = ();

    fn fault<'a>(_data: Borrowed<'_, Self>, _vmf: VmFault<'a>) -> Result<Faulted<'a>, FaultError> {
        Err(FaultError::SigBus)
    }
}

pub(crate) fn mmap_prepare(desc: &mut VmaDesc<'_, PageCache>) -> Result {
    desc.install::<Other>();
    Ok(())
}
