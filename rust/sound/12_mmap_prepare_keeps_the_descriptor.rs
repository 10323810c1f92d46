// SPDX-License-Identifier: GPL-2.0
//! `->mmap_prepare` must be stateless: the descriptor lives for that call
//! only (the mapping may be merged, or fail, right after), so a driver
//! cannot keep it to install or read later.
// expect: borrowed data escapes outside of function|lifetime may not live long enough

use crate::{
    cache::PageCache,
    ext::vm_ops::VmaDesc, //
};

pub(crate) fn mmap_prepare<'a>(desc: VmaDesc<'a, PageCache>) -> VmaDesc<'static, PageCache> {
    desc
}
