// SPDX-License-Identifier: GPL-2.0

//! Declarations of the C functions in `rust/helpers.c`.
//!
//! They wrap kernel functions that are `static inline` (so `kernel::bindings`
//! cannot call them) or whose header `kernel::bindings` does not include.

use kernel::bindings;

extern "C" {
    pub(crate) fn pcc_folio_get(folio: *mut bindings::folio);
    pub(crate) fn pcc_folio_put(folio: *mut bindings::folio);
    pub(crate) fn pcc_folio_lock(folio: *mut bindings::folio);
    pub(crate) fn pcc_folio_unlock(folio: *mut bindings::folio);
    pub(crate) fn pcc_folio_test_uptodate(folio: *mut bindings::folio) -> bool;
    pub(crate) fn pcc_folio_mark_uptodate(folio: *mut bindings::folio);
    pub(crate) fn pcc_folio_test_dirty(folio: *mut bindings::folio) -> bool;
    pub(crate) fn pcc_folio_test_clear_dirty(folio: *mut bindings::folio) -> bool;
    pub(crate) fn pcc_folio_mark_dirty(folio: *mut bindings::folio) -> bool;
    pub(crate) fn pcc_folio_mkclean(folio: *mut bindings::folio) -> kernel::ffi::c_int;
    pub(crate) fn pcc_folio_mapping(folio: *mut bindings::folio) -> *mut bindings::address_space;
    pub(crate) fn pcc_folio_index(folio: *mut bindings::folio) -> bindings::pgoff_t;
    pub(crate) fn pcc_folio_page(folio: *mut bindings::folio) -> *mut bindings::page;
    pub(crate) fn pcc_page_folio(page: *mut bindings::page) -> *mut bindings::folio;
    pub(crate) fn pcc_folio_zero(folio: *mut bindings::folio);

    pub(crate) fn pcc_filemap_get_folio(
        mapping: *mut bindings::address_space,
        index: bindings::pgoff_t,
        create: bool,
    ) -> *mut bindings::folio;
    pub(crate) fn pcc_mm_file_rss(mm: *mut bindings::mm_struct) -> kernel::ffi::c_ulong;

    pub(crate) fn pcc_inode_new(size: bindings::loff_t) -> *mut bindings::inode;
    pub(crate) fn pcc_inode_free(inode: *mut bindings::inode);
    pub(crate) fn pcc_inode_mapping(inode: *mut bindings::inode) -> *mut bindings::address_space;
}
