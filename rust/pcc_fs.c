// SPDX-License-Identifier: GPL-2.0
/*
 * pcc's private pseudo file system: it gives pcc an inode of its own, whose
 * address_space holds pcc's page cache (as DRM does with its anonymous
 * inode). rust/ext/mapping.rs wraps it.
 */
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pseudo_fs.h>

#include "pcc_helpers.h"

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
 * Its pages are unevictable to the kernel's LRU (pcc's index holds a
 * reference on each; with a store, pcc's shrinker evicts clean ones) and allocated without __GFP_MOVABLE. Migration may still
 * try a clean one (fallback_migrate_folio: the empty aops have no
 * ->migrate_folio) and fails on the reference pcc's index holds.
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
	/*
	 * A regular file's data pages: generic_error_remove_folio() drops
	 * one locked folio (eviction) only from such a mapping.
	 */
	inode->i_mode |= S_IFREG;
	i_size_write(inode, size);
	mapping_set_gfp_mask(inode->i_mapping, GFP_HIGHUSER);
	mapping_set_unevictable(inode->i_mapping);
	/* A store or write() waits while a page is under writeback. */
	mapping_set_stable_writes(inode->i_mapping);
	/*
	 * No writeback tags, as shmem and swap: the inode belongs to no
	 * writeback-capable bdi (its folios are dirtied by noop_dirty_folio,
	 * so inode_attach_wb() never runs, and with CONFIG_CGROUP_WRITEBACK
	 * inode_to_wb() would be NULL in __folio_start_writeback()).
	 */
	mapping_set_no_writeback_tags(inode->i_mapping);
	return inode;
}

void pcc_inode_free(struct inode *inode)
{
	iput(inode);
	simple_release_fs(&pcc_fs_mnt, &pcc_fs_cnt);
}

struct address_space *pcc_inode_mapping(struct inode *inode) { return inode->i_mapping; }
