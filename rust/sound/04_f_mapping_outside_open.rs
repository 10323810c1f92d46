// SPDX-License-Identifier: GPL-2.0
//! Pointing `f_mapping` somewhere after a file is mapped unbalances
//! `i_mmap` and `i_mmap_writable`. Only the misc device's `open` trampoline
//! can reach the raw mapping to do it.
// expect: error\[E0624\]: method `mapping` is private

use crate::cache::PageCache;
use kernel::fs::File;

pub(crate) fn ioctl(cache: &PageCache, _file: &File) -> *mut kernel::bindings::address_space {
    cache.inode().mapping()
}
