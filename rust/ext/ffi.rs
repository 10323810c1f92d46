// SPDX-License-Identifier: GPL-2.0

//! Declarations of the C functions in `rust/helpers/`, `rust/pcc_fs.c` and `rust/trace.c`
//! (prototypes in `rust/pcc_helpers.h`).
//!
//! They wrap kernel functions that are `static inline` (so `kernel::bindings`
//! cannot call them) or whose header `kernel::bindings` does not include.

use kernel::bindings;

// `struct folio` and friends contain zero-sized bindgen fields; only
// pointers to them cross this boundary.
#[allow(improper_ctypes)]
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
    pub(crate) fn pcc_folio_file_page(
        folio: *mut bindings::folio,
        index: usize,
    ) -> *mut bindings::page;
    pub(crate) fn pcc_folio_contains(folio: *mut bindings::folio, index: usize) -> bool;
    pub(crate) fn pcc_folio_size(folio: *mut bindings::folio) -> usize;
    pub(crate) fn pcc_copy_folio_to_iter(
        folio: *mut bindings::folio,
        offset: usize,
        len: usize,
        iter: *mut bindings::iov_iter,
    ) -> usize;
    pub(crate) fn pcc_copy_folio_from_iter(
        folio: *mut bindings::folio,
        offset: usize,
        len: usize,
        iter: *mut bindings::iov_iter,
    ) -> usize;
    pub(crate) fn pcc_vma_file_mapping(
        vma: *mut bindings::vm_area_struct,
    ) -> *mut bindings::address_space;
    pub(crate) fn pcc_page_folio(page: *mut bindings::page) -> *mut bindings::folio;
    pub(crate) fn pcc_folio_zero(folio: *mut bindings::folio);

    pub(crate) fn pcc_filemap_lock_folio_create(
        mapping: *mut bindings::address_space,
        index: usize,
    ) -> *mut bindings::folio;
    pub(crate) fn pcc_mm_file_rss(mm: *mut bindings::mm_struct) -> kernel::ffi::c_ulong;

    pub(crate) fn pcc_inode_new(size: bindings::loff_t) -> *mut bindings::inode;
    pub(crate) fn pcc_inode_free(inode: *mut bindings::inode);
    pub(crate) fn pcc_inode_mapping(inode: *mut bindings::inode) -> *mut bindings::address_space;

    pub(crate) fn pcc_trace_fault(pgoff: usize, address: usize, flags: u32, cache: i32, ret: u32);
    pub(crate) fn pcc_trace_map_pages(
        start: usize,
        end: usize,
        address: usize,
        flags: u32,
        mapped: usize,
        ret: u32,
    );
    pub(crate) fn pcc_trace_page_mkwrite(pgoff: usize, address: usize, flags: u32, ret: u32);
    pub(crate) fn pcc_trace_writeback(cleaned: usize);
    pub(crate) fn pcc_trace_reset(freed: usize);
}
