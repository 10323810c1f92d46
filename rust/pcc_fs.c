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
#include <linux/rwsem.h>
#include <linux/slab.h>

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
 * Memory failure (mm/memory-failure.c: me_pagecache_clean/_dirty ->
 * truncate_error_folio) asks the mapping to drop a poisoned folio through
 * ->error_remove_folio, with the folio locked. pcc's index holds its own
 * reference on every folio, so only pcc can let go of one: the call goes
 * to the handler registered on the inode (rust/ext/memory_failure.rs), if
 * any. The rwsem orders a running call against the handler's removal; it
 * is taken under a folio lock and never the other way round.
 */
struct pcc_error_handler {
	void *data;
	int (*remove)(void *data, struct folio *folio);
};

static DECLARE_RWSEM(pcc_error_rwsem);

static int pcc_error_remove_folio(struct address_space *mapping, struct folio *folio)
{
	struct pcc_error_handler *h;
	int ret = -EBUSY;

	down_read(&pcc_error_rwsem);
	h = mapping->host->i_private;
	if (h)
		ret = h->remove(h->data, folio);
	up_read(&pcc_error_rwsem);
	return ret;
}

int pcc_inode_set_error_handler(struct inode *inode, void *data,
				int (*remove)(void *data, struct folio *folio))
{
	struct pcc_error_handler *h = kmalloc(sizeof(*h), GFP_KERNEL);

	if (!h)
		return -ENOMEM;
	h->data = data;
	h->remove = remove;
	down_write(&pcc_error_rwsem);
	if (inode->i_private) {
		up_write(&pcc_error_rwsem);
		kfree(h);
		return -EBUSY;
	}
	inode->i_private = h;
	up_write(&pcc_error_rwsem);
	return 0;
}

/* Returns only when no call of the handler runs any more. */
void pcc_inode_clear_error_handler(struct inode *inode)
{
	struct pcc_error_handler *h;

	down_write(&pcc_error_rwsem);
	h = inode->i_private;
	inode->i_private = NULL;
	up_write(&pcc_error_rwsem);
	kfree(h);
}

/* anon_aops (fs/libfs.c), plus memory failure. */
static const struct address_space_operations pcc_aops = {
	.dirty_folio = noop_dirty_folio,
	.error_remove_folio = pcc_error_remove_folio,
};

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
	inode->i_mapping->a_ops = &pcc_aops;
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
