// SPDX-License-Identifier: GPL-2.0

//! Declarations of the C functions in `rust/helpers/`, `rust/pcc_fs.c`, `rust/pcc_inject.c`,
//! `rust/pcc_read.c` and `rust/trace.c`
//! (prototypes in `rust/pcc_helpers.h`).
//!
//! They wrap kernel functions that are `static inline` (so `kernel::bindings`
//! cannot call them) or whose header `kernel::bindings` does not include.

use kernel::bindings;

/// `struct pcc_reads` (`rust/pcc_read.c`): only pointers to it cross.
#[repr(C)]
pub(crate) struct PccReads {
    _opaque: [u8; 0],
}

/// `struct pcc_read` (`rust/pcc_read.c`): only pointers to it cross.
#[repr(C)]
pub(crate) struct PccRead {
    _opaque: [u8; 0],
}

/// `struct pcc_folio_now` (`rust/helpers/folio.c`): a folio's flags,
/// mapping and index as one call read them.
#[repr(C)]
pub(crate) struct PccFolioNow {
    pub(crate) flags: usize,
    pub(crate) mapping: *mut bindings::address_space,
    pub(crate) index: usize,
}

/// `FGP_LOCK` (`include/linux/pagemap.h`): a page cache lookup that locks
/// what it finds. bindgen leaves it out (a `__force` cast);
/// `rust/helpers/pagemap.c` checks this value against it at build time.
pub(crate) const FGP_LOCK: bindings::fgf_t = 2;

// `struct folio` and friends contain zero-sized bindgen fields; only
// pointers to them cross this boundary.
#[allow(improper_ctypes)]
extern "C" {
    pub(crate) fn pcc_folio_get(folio: *mut bindings::folio);
    pub(crate) fn pcc_folio_put(folio: *mut bindings::folio);
    pub(crate) fn pcc_folio_lock(folio: *mut bindings::folio);
    pub(crate) fn pcc_folio_unlock(folio: *mut bindings::folio);
    pub(crate) fn pcc_folio_mark_uptodate(folio: *mut bindings::folio);
    pub(crate) fn pcc_folio_clear_dirty_for_io(folio: *mut bindings::folio) -> bool;
    pub(crate) fn pcc_folio_mark_dirty(folio: *mut bindings::folio) -> bool;
    pub(crate) fn pcc_folio_file_page(
        folio: *mut bindings::folio,
        index: usize,
    ) -> *mut bindings::page;
    pub(crate) fn pcc_folio_contains(folio: *mut bindings::folio, index: usize) -> bool;
    pub(crate) fn pcc_folio_size(folio: *mut bindings::folio) -> usize;
    pub(crate) fn pcc_page_folio(page: *mut bindings::page) -> *mut bindings::folio;
    pub(crate) fn pcc_folio_zero_uptodate(folio: *mut bindings::folio);
    pub(crate) fn pcc_folio_zero_range(folio: *mut bindings::folio, start: usize, len: usize);

    pub(crate) fn pcc_filemap_alloc_folio(
        mapping: *mut bindings::address_space,
    ) -> *mut bindings::folio;
    pub(crate) fn pcc_filemap_add_folio(
        mapping: *mut bindings::address_space,
        folio: *mut bindings::folio,
        index: usize,
    ) -> kernel::ffi::c_int;
    pub(crate) fn pcc_filemap_invalidate_lock(mapping: *mut bindings::address_space);
    pub(crate) fn pcc_filemap_invalidate_unlock(mapping: *mut bindings::address_space);
    pub(crate) fn pcc_mapping_count_pages(
        mapping: *mut bindings::address_space,
        cached: *mut kernel::ffi::c_ulong,
        dirty: *mut kernel::ffi::c_ulong,
    );
    pub(crate) fn pcc_filemap_map_pages_counted(
        vmf: *mut bindings::vm_fault,
        start: usize,
        end: usize,
        ptes: *mut kernel::ffi::c_ulong,
    ) -> bindings::vm_fault_t;
    pub(crate) fn pcc_release_fault_lock(vmf: *mut bindings::vm_fault);
    pub(crate) fn pcc_current_is_kthread() -> bool;
    pub(crate) fn pcc_folio_maybe_dma_pinned(folio: *mut bindings::folio) -> bool;
    pub(crate) fn pcc_folio_set_referenced(folio: *mut bindings::folio);
    pub(crate) fn pcc_folio_test_clear_referenced(folio: *mut bindings::folio) -> bool;
    pub(crate) fn pcc_fatal_signal_pending() -> bool;
    pub(crate) fn pcc_totalram_pages() -> kernel::ffi::c_ulong;
    pub(crate) fn pcc_folio_now(folio: *const bindings::folio) -> PccFolioNow;
    pub(crate) fn pcc_folio_trylock(folio: *mut bindings::folio) -> bool;
    pub(crate) fn pcc_folio_lock_killable(folio: *mut bindings::folio) -> kernel::ffi::c_int;
    pub(crate) fn pcc_folio_wait_locked(folio: *mut bindings::folio);
    pub(crate) fn pcc_folio_wait_locked_killable(folio: *mut bindings::folio)
        -> kernel::ffi::c_int;
    pub(crate) fn pcc_folio_start_writeback(folio: *mut bindings::folio);
    pub(crate) fn pcc_folio_mapped(folio: *mut bindings::folio) -> bool;
    #[cfg(CONFIG_MEMORY_FAILURE)]
    pub(crate) fn pcc_folio_contain_hwpoisoned_page(folio: *mut bindings::folio) -> bool;
    pub(crate) fn pcc_copy_folio_from_iter_atomic(
        folio: *mut bindings::folio,
        offset: usize,
        len: usize,
        iter: *mut bindings::iov_iter,
    ) -> usize;
    pub(crate) fn pcc_file_size(file: *mut bindings::file) -> bindings::loff_t;
    pub(crate) fn pcc_file_is_reg(file: *mut bindings::file) -> bool;
    pub(crate) fn pcc_file_is_blk(file: *mut bindings::file) -> bool;
    pub(crate) fn pcc_file_truncate(
        file: *mut bindings::file,
        size: bindings::loff_t,
    ) -> kernel::ffi::c_int;
    pub(crate) fn pcc_file_folio_read(
        file: *mut bindings::file,
        folio: *mut bindings::folio,
        offset: usize,
        len: usize,
        pos: bindings::loff_t,
    ) -> isize;
    pub(crate) fn pcc_bvec_set_folio(bv: *mut bindings::bio_vec, folio: *mut bindings::folio);
    pub(crate) fn pcc_file_bvec_write(
        file: *mut bindings::file,
        bv: *mut bindings::bio_vec,
        n: kernel::ffi::c_uint,
        len: usize,
        pos: bindings::loff_t,
    ) -> isize;
    pub(crate) fn pcc_param_size_pages() -> kernel::ffi::c_ulong;
    pub(crate) fn pcc_param_fault_around() -> bool;
    pub(crate) fn pcc_param_write_notify() -> bool;
    pub(crate) fn pcc_param_backing() -> *const kernel::ffi::c_char;
    pub(crate) fn pcc_param_io_delay_us() -> kernel::ffi::c_uint;
    pub(crate) fn pcc_param_cache_pages() -> kernel::ffi::c_ulong;
    pub(crate) fn pcc_param_huge() -> kernel::ffi::c_int;
    pub(crate) fn pcc_has_transparent_hugepage() -> bool;
    #[cfg_attr(not(CONFIG_TRANSPARENT_HUGEPAGE), allow(dead_code))]
    pub(crate) fn pcc_vma_is_shared(vma: *mut bindings::vm_area_struct) -> bool;
    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    pub(crate) fn pcc_pmd_order() -> kernel::ffi::c_uint;
    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    pub(crate) fn pcc_vma_huge_advice(vma: *mut bindings::vm_area_struct) -> kernel::ffi::c_int;
    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    pub(crate) fn pcc_vma_suits_pmd(vma: *mut bindings::vm_area_struct, addr: usize) -> bool;
    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    pub(crate) fn pcc_filemap_alloc_pmd_folio() -> *mut bindings::folio;
    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    pub(crate) fn pcc_vmf_pmd_suits(
        vmf: *mut bindings::vm_fault,
        folio: *mut bindings::folio,
    ) -> bool;
    #[cfg(CONFIG_TRANSPARENT_HUGEPAGE)]
    pub(crate) fn pcc_vmf_insert_folio_pmd(
        vmf: *mut bindings::vm_fault,
        folio: *mut bindings::folio,
        write: bool,
    ) -> bindings::vm_fault_t;
    pub(crate) fn pcc_ratelimit() -> bool;
    pub(crate) fn pcc_reads_new() -> *mut PccReads;
    pub(crate) fn pcc_reads_free(reads: *mut PccReads);
    pub(crate) fn pcc_read_max_folios(file: *mut bindings::file) -> kernel::ffi::c_uint;
    pub(crate) fn pcc_read_alloc(nr: kernel::ffi::c_uint) -> *mut PccRead;
    pub(crate) fn pcc_read_set_folio(
        r: *mut PccRead,
        i: kernel::ffi::c_uint,
        folio: *mut bindings::folio,
    );
    pub(crate) fn pcc_read_submit(
        r: *mut PccRead,
        file: *mut bindings::file,
        pos: bindings::loff_t,
        first: kernel::ffi::c_ulong,
        reads: *mut PccReads,
    );

    pub(crate) fn pcc_inject_init() -> kernel::ffi::c_int;
    pub(crate) fn pcc_inject_exit();
    pub(crate) fn pcc_inject_store_fails(io: kernel::ffi::c_uint, bytes: usize) -> bool;
    pub(crate) fn pcc_inject_written_delay_us() -> u32;

    pub(crate) fn pcc_inode_new(
        size: bindings::loff_t,
        store: *mut bindings::file,
        pmd_folios: bool,
    ) -> *mut bindings::inode;
    pub(crate) fn pcc_inode_set_wb_handler(
        inode: *mut bindings::inode,
        data: *mut kernel::ffi::c_void,
        writepages: unsafe extern "C" fn(
            *mut kernel::ffi::c_void,
            *mut bindings::writeback_control,
        ) -> kernel::ffi::c_int,
        sync_fs: unsafe extern "C" fn(
            *mut kernel::ffi::c_void,
            kernel::ffi::c_int,
        ) -> kernel::ffi::c_int,
    ) -> kernel::ffi::c_int;
    pub(crate) fn pcc_inode_clear_wb_handler(inode: *mut bindings::inode);
    pub(crate) fn pcc_inode_set_ra_handler(
        inode: *mut bindings::inode,
        data: *mut kernel::ffi::c_void,
        readahead: unsafe extern "C" fn(*mut kernel::ffi::c_void, *mut bindings::readahead_control),
    ) -> kernel::ffi::c_int;
    pub(crate) fn pcc_inode_clear_ra_handler(inode: *mut bindings::inode);
    pub(crate) fn pcc_readahead_folio(
        rac: *mut bindings::readahead_control,
    ) -> *mut bindings::folio;
    pub(crate) fn pcc_file_ra_pages(file: *mut bindings::file) -> kernel::ffi::c_ulong;
    pub(crate) fn pcc_vma_access_hint(vma: *mut bindings::vm_area_struct) -> kernel::ffi::c_int;
    pub(crate) fn pcc_page_cache_sync_ra(
        file: *mut bindings::file,
        index: usize,
        req_count: kernel::ffi::c_ulong,
    );
    pub(crate) fn pcc_page_cache_async_ra(
        file: *mut bindings::file,
        folio: *mut bindings::folio,
        req_count: kernel::ffi::c_ulong,
    );
    pub(crate) fn pcc_page_cache_read_around(
        file: *mut bindings::file,
        start: usize,
        nr: kernel::ffi::c_ulong,
        lookahead: kernel::ffi::c_ulong,
    );
    pub(crate) fn pcc_inode_free(inode: *mut bindings::inode);
    pub(crate) fn pcc_inode_truncate(inode: *mut bindings::inode);
    pub(crate) fn pcc_inode_pages_evicted(inode: *mut bindings::inode) -> u64;
    pub(crate) fn pcc_inode_mapping(inode: *mut bindings::inode) -> *mut bindings::address_space;
    pub(crate) fn pcc_inode_set_error_handler(
        inode: *mut bindings::inode,
        data: *mut kernel::ffi::c_void,
        remove: unsafe extern "C" fn(
            *mut kernel::ffi::c_void,
            *mut bindings::folio,
        ) -> kernel::ffi::c_int,
        split: unsafe extern "C" fn(
            *mut kernel::ffi::c_void,
            *mut bindings::folio,
        ) -> kernel::ffi::c_int,
    ) -> kernel::ffi::c_int;
    pub(crate) fn pcc_inode_clear_error_handler(inode: *mut bindings::inode);

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
    pub(crate) fn pcc_trace_huge_fault(pgoff: usize, address: usize, flags: u32, ret: u32);
    pub(crate) fn pcc_trace_readahead(start: usize, nr: usize, read: usize, zeroed: usize);
    pub(crate) fn pcc_trace_writeback(cleaned: usize);
    pub(crate) fn pcc_trace_reset(freed: usize);

    // The tracepoints `rust/trace.c` defines (`CREATE_TRACE_POINTS`): their
    // static keys are tested inline before calling the functions above.
    // `mut`: C changes them (as bindgen declares the kernel's own); only
    // their addresses are taken.
    #[cfg(CONFIG_TRACEPOINTS)]
    pub(crate) static mut __tracepoint_pcc_fault: bindings::tracepoint;
    #[cfg(CONFIG_TRACEPOINTS)]
    pub(crate) static mut __tracepoint_pcc_map_pages: bindings::tracepoint;
    #[cfg(CONFIG_TRACEPOINTS)]
    pub(crate) static mut __tracepoint_pcc_page_mkwrite: bindings::tracepoint;
    #[cfg(CONFIG_TRACEPOINTS)]
    pub(crate) static mut __tracepoint_pcc_huge_fault: bindings::tracepoint;
}
