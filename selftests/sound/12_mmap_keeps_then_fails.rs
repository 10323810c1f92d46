// SPDX-License-Identifier: GPL-2.0
//! Only the `->mmap` trampoline may keep an install, once `->mmap` has
//! returned it: keeping it and then failing would leak the data (the kernel
//! calls no `->close` on a VMA whose `->mmap` failed).
// expect: error\[E0624\]: method `keep` is private

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
    vma.install::<WithFaultAround>(cache.into())?.keep();
    Err(EINVAL)
}
