/* SPDX-License-Identifier: GPL-2.0 */
/* Prototypes of rust/helpers/, rust/pcc_fs.c and rust/trace.c, called from Rust (rust/ext/ffi.rs). */
#ifndef _PCC_HELPERS_H
#define _PCC_HELPERS_H

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/uio.h>

void pcc_folio_get(struct folio *folio);
void pcc_folio_put(struct folio *folio);
void pcc_folio_lock(struct folio *folio);
void pcc_folio_unlock(struct folio *folio);
void pcc_folio_mark_uptodate(struct folio *folio);
bool pcc_folio_clear_dirty_for_io(struct folio *folio);
bool pcc_folio_mark_dirty(struct folio *folio);
struct page *pcc_folio_file_page(struct folio *folio, pgoff_t index);
bool pcc_folio_contains(struct folio *folio, pgoff_t index);
size_t pcc_folio_size(struct folio *folio);
struct folio *pcc_page_folio(struct page *page);
void pcc_folio_zero_uptodate(struct folio *folio);
void pcc_folio_zero_range(struct folio *folio, size_t start, size_t len);
struct folio *pcc_filemap_alloc_folio(struct address_space *mapping);
int pcc_filemap_add_folio(struct address_space *mapping, struct folio *folio, pgoff_t index);
void pcc_filemap_invalidate_lock(struct address_space *mapping);
void pcc_filemap_invalidate_unlock(struct address_space *mapping);
void pcc_mapping_count_pages(struct address_space *mapping, unsigned long *cached,
			     unsigned long *dirty);
vm_fault_t pcc_filemap_map_pages_counted(struct vm_fault *vmf, pgoff_t start, pgoff_t end,
					 unsigned long *ptes);
void pcc_release_fault_lock(struct vm_fault *vmf);
bool pcc_current_is_kthread(void);
bool pcc_folio_maybe_dma_pinned(struct folio *folio);
void pcc_folio_set_referenced(struct folio *folio);
bool pcc_folio_test_clear_referenced(struct folio *folio);
bool pcc_fatal_signal_pending(void);
unsigned long pcc_totalram_pages(void);
/* A folio's flags, mapping and index as one call read them (FolioNow). */
struct pcc_folio_now {
	unsigned long flags;
	struct address_space *mapping;
	pgoff_t index;
};
struct pcc_folio_now pcc_folio_now(const struct folio *folio);
bool pcc_folio_trylock(struct folio *folio);
int pcc_folio_lock_killable(struct folio *folio);
void pcc_folio_wait_locked(struct folio *folio);
int pcc_folio_wait_locked_killable(struct folio *folio);
void pcc_folio_start_writeback(struct folio *folio);
bool pcc_folio_mapped(struct folio *folio);
bool pcc_folio_contain_hwpoisoned_page(struct folio *folio);
size_t pcc_copy_folio_from_iter_atomic(struct folio *folio, size_t offset, size_t len,
				       struct iov_iter *i);
loff_t pcc_file_size(struct file *file);
bool pcc_file_is_reg(struct file *file);
bool pcc_file_is_blk(struct file *file);
int pcc_file_truncate(struct file *file, loff_t size);
bool pcc_file_reads_uncached(struct file *file);
ssize_t pcc_file_folio_read(struct file *file, struct folio *folio, size_t offset, size_t len,
			    loff_t pos);
void pcc_bvec_set_folio(struct bio_vec *bv, struct folio *folio);
ssize_t pcc_file_bvec_write(struct file *file, struct bio_vec *bv, unsigned int n, size_t len,
			    loff_t pos);
unsigned long pcc_param_size_pages(void);
bool pcc_param_fault_around(void);
bool pcc_param_write_notify(void);
const char *pcc_param_backing(void);
unsigned int pcc_param_io_delay_us(void);
unsigned long pcc_param_cache_pages(void);
int pcc_param_huge(void);
bool pcc_vma_is_shared(struct vm_area_struct *vma);
bool pcc_has_transparent_hugepage(void);
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
unsigned int pcc_pmd_order(void);
int pcc_vma_huge_advice(struct vm_area_struct *vma);
bool pcc_vma_suits_pmd(struct vm_area_struct *vma, unsigned long addr);
struct folio *pcc_filemap_alloc_pmd_folio(void);
bool pcc_vmf_pmd_suits(struct vm_fault *vmf, struct folio *folio);
vm_fault_t pcc_vmf_insert_folio_pmd(struct vm_fault *vmf, struct folio *folio, bool write);
#endif
bool pcc_ratelimit(void);
struct inode *pcc_inode_new(loff_t size, struct file *store, bool pmd_folios);
int pcc_inode_set_wb_handler(struct inode *inode, void *data,
			     int (*writepages)(void *data, struct writeback_control *wbc),
			     int (*sync_fs)(void *data, int wait));
void pcc_inode_clear_wb_handler(struct inode *inode);
int pcc_inode_set_ra_handler(struct inode *inode, void *data,
			     void (*readahead)(void *data, struct readahead_control *rac));
void pcc_inode_clear_ra_handler(struct inode *inode);
struct folio *pcc_readahead_folio(struct readahead_control *rac);
int pcc_vma_access_hint(struct vm_area_struct *vma);
unsigned long pcc_file_ra_pages(struct file *file);
void pcc_page_cache_sync_ra(struct file *file, pgoff_t index, unsigned long req_count);
void pcc_page_cache_async_ra(struct file *file, struct folio *folio, unsigned long req_count);
void pcc_page_cache_read_around(struct file *file, pgoff_t start, unsigned long nr,
				unsigned long lookahead);
void pcc_inode_free(struct inode *inode);
void pcc_inode_truncate(struct inode *inode);
u64 pcc_inode_pages_evicted(struct inode *inode);
struct address_space *pcc_inode_mapping(struct inode *inode);
int pcc_inode_set_error_handler(struct inode *inode, void *data,
				int (*remove)(void *data, struct folio *folio),
				int (*split)(void *data, struct folio *folio));
void pcc_inode_clear_error_handler(struct inode *inode);

/* What rust/pcc_inject.c can fail (rust/ext/inject.rs: StoreIo). */
enum pcc_store_io {
	PCC_STORE_READ,
	PCC_STORE_WRITE,
	PCC_STORE_SYNC,
};
/* rust/pcc_read.c: reads that complete after the call returns. */
struct pcc_reads;
struct pcc_read;
struct pcc_reads *pcc_reads_new(void);
void pcc_reads_free(struct pcc_reads *reads);
unsigned int pcc_read_max_folios(struct file *file);
struct pcc_read *pcc_read_alloc(unsigned int nr);
void pcc_read_set_folio(struct pcc_read *r, unsigned int i, struct folio *folio);
void pcc_read_submit(struct pcc_read *r, struct file *file, loff_t pos, unsigned long first,
		     struct pcc_reads *reads);

int pcc_inject_init(void);
void pcc_inject_exit(void);
bool pcc_inject_store_fails(enum pcc_store_io io, size_t bytes);
u32 pcc_inject_written_delay_us(void);

void pcc_trace_fault(unsigned long pgoff, unsigned long address, unsigned int flags,
		     int cache, unsigned int ret);
void pcc_trace_map_pages(unsigned long start, unsigned long end, unsigned long address,
			 unsigned int flags, unsigned long mapped, unsigned int ret);
void pcc_trace_page_mkwrite(unsigned long pgoff, unsigned long address, unsigned int flags,
			    unsigned int ret);
void pcc_trace_huge_fault(unsigned long pgoff, unsigned long address, unsigned int flags,
			  unsigned int ret);
void pcc_trace_readahead(unsigned long start, unsigned long nr, unsigned long read,
			 unsigned long zeroed);
void pcc_trace_writeback(unsigned long cleaned);
void pcc_trace_reset(unsigned long freed);

#endif
