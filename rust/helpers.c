// SPDX-License-Identifier: GPL-2.0
/*
 * pcc's C side, in the manner of upstream's rust/helpers/: thin wrappers
 * so the Rust code can call kernel functions that are inline-only or whose
 * header kernel::bindings does not include. No logic lives here beyond the
 * private pseudo file system that gives pcc its own inode (as DRM does).
 */
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>
#include <linux/rmap.h>
#include <linux/uio.h>

#include "pcc_helpers.h"

/* --- folio ------------------------------------------------------------ */

void pcc_folio_get(struct folio *folio) { folio_get(folio); }
void pcc_folio_put(struct folio *folio) { folio_put(folio); }
void pcc_folio_lock(struct folio *folio) { folio_lock(folio); }
void pcc_folio_unlock(struct folio *folio) { folio_unlock(folio); }
bool pcc_folio_test_uptodate(struct folio *folio) { return folio_test_uptodate(folio); }
void pcc_folio_mark_uptodate(struct folio *folio) { folio_mark_uptodate(folio); }
bool pcc_folio_test_dirty(struct folio *folio) { return folio_test_dirty(folio); }
bool pcc_folio_test_clear_dirty(struct folio *folio) { return folio_test_clear_dirty(folio); }
bool pcc_folio_mark_dirty(struct folio *folio) { return folio_mark_dirty(folio); }
int pcc_folio_mkclean(struct folio *folio) { return folio_mkclean(folio); }
struct address_space *pcc_folio_mapping(struct folio *folio) { return READ_ONCE(folio->mapping); }
struct page *pcc_folio_file_page(struct folio *folio, pgoff_t index) { return folio_file_page(folio, index); }
bool pcc_folio_contains(struct folio *folio, pgoff_t index) { return folio_contains(folio, index); }
size_t pcc_folio_size(struct folio *folio) { return folio_size(folio); }
size_t pcc_copy_folio_to_iter(struct folio *folio, size_t offset, size_t len, struct iov_iter *i)
{
	return copy_folio_to_iter(folio, offset, len, i);
}
size_t pcc_copy_folio_from_iter(struct folio *folio, size_t offset, size_t len, struct iov_iter *i)
{
	return copy_folio_from_iter(folio, offset, len, i);
}
struct folio *pcc_page_folio(struct page *page) { return page_folio(page); }
void pcc_folio_zero(struct folio *folio) { folio_zero_range(folio, 0, folio_size(folio)); }

/* --- address_space ---------------------------------------------------- */

/* The folio at index, locked, allocated and added if absent. */
struct folio *pcc_filemap_lock_folio_create(struct address_space *mapping, pgoff_t index)
{
	return __filemap_get_folio(mapping, index, FGP_LOCK | FGP_CREAT, mapping_gfp_mask(mapping));
}

struct address_space *pcc_vma_file_mapping(struct vm_area_struct *vma)
{
	return vma->vm_file->f_mapping;
}

unsigned long pcc_mm_file_rss(struct mm_struct *mm)
{
	/* What filemap_map_pages() adds to with add_mm_counter(). */
	return get_mm_counter_sum(mm, MM_FILEPAGES) + get_mm_counter_sum(mm, MM_SHMEMPAGES);
}

/* --- the private pseudo file system ----------------------------------- */

#define PCC_FS_MAGIC 0x50434346 /* "PCCF" */

static int pcc_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, PCC_FS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * No .owner: the internal mount would then hold a reference on pcc itself
 * and rmmod could never succeed. The mount is ours alone, and the last
 * pcc_inode_free() (module exit) unmounts it synchronously (MNT_INTERNAL).
 */
static struct file_system_type pcc_fs_type = {
	.name = "pcc",
	.init_fs_context = pcc_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

static struct vfsmount *pcc_fs_mnt;
static int pcc_fs_cnt;

/*
 * A new inode of pcc's own: its i_mapping is the page cache pcc manages.
 * Pages are not movable (no ->migrate_folio) and unevictable (there is no
 * backing store: a clean page must not be dropped).
 */
struct inode *pcc_inode_new(loff_t size)
{
	struct inode *inode;
	int ret;

	ret = simple_pin_fs(&pcc_fs_type, &pcc_fs_mnt, &pcc_fs_cnt);
	if (ret < 0)
		return ERR_PTR(ret);
	inode = alloc_anon_inode(pcc_fs_mnt->mnt_sb);
	if (IS_ERR(inode)) {
		simple_release_fs(&pcc_fs_mnt, &pcc_fs_cnt);
		return inode;
	}
	i_size_write(inode, size);
	mapping_set_gfp_mask(inode->i_mapping, GFP_HIGHUSER);
	mapping_set_unevictable(inode->i_mapping);
	return inode;
}

void pcc_inode_free(struct inode *inode)
{
	iput(inode);
	simple_release_fs(&pcc_fs_mnt, &pcc_fs_cnt);
}

struct address_space *pcc_inode_mapping(struct inode *inode) { return inode->i_mapping; }
