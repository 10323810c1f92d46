// SPDX-License-Identifier: GPL-2.0
//! `->mmap` must return the `Installed` of its install: an `mmap`
//! that installs and then reports success without it cannot be written
//! (one that fails drops it, which undoes the install).
// expect: expected `Installed<'_>`, found `\(\)`

use crate::{
    cache::{
        PageCache,
        WithFaultAround, //
    },
    ext::vm_ops::{
        Installed,
        VmaNewVmOps, //
    },
};
use kernel::{
    mm::virt::VmaNew,
    prelude::*,
    sync::ArcBorrow, //
};

pub(crate) fn mmap<'a>(cache: ArcBorrow<'_, PageCache>, vma: &'a VmaNew) -> Result<Installed<'a>> {
    let _installed = vma.install::<WithFaultAround>(cache.into())?;
    Ok(())
}
