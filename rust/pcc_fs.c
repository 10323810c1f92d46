// SPDX-License-Identifier: GPL-2.0
/*
 * pcc's private pseudo file system: it gives pcc an inode of its own, whose
 * address_space holds pcc's page cache (as DRM does with its anonymous
 * inode). rust/ext/mapping.rs wraps it.
 *
 * A cache without a store shares one superblock whose bdi does no
 * writeback, as tmpfs's. A cache with a store gets a superblock of its own
 * with a bdi of its own (super_setup_bdi), as a filesystem on a disk: the
 * kernel then accounts its dirty pages, balance_dirty_pages() throttles
 * whoever dirties them, the flusher writes them through ->writepages after
 * dirty_expire_centisecs, and sync(2) writes them and calls ->sync_fs.
 * Both go to the handler pcc registers (rust/ext/writeback.rs).
 */
#include <linux/backing-dev.h>
#include <linux/fs.h>
#include <linux/huge_mm.h>
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
 * ->error_remove_folio, with the folio locked. pcc records which offsets
 * lost their data (they report it until reset), so the call goes to the
 * handler registered on the inode (rust/ext/memory_failure.rs), if any. The rwsem orders a running call against the handler's removal; it
 * is taken under a folio lock and never the other way round.
 */
struct pcc_error_handler {
	void *data;
	int (*remove)(void *data, struct folio *folio);
	int (*split)(void *data, struct folio *folio);
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
				int (*remove)(void *data, struct folio *folio),
				int (*split)(void *data, struct folio *folio))
{
	struct pcc_error_handler *h = kmalloc(sizeof(*h), GFP_KERNEL);

	if (!h)
		return -ENOMEM;
	h->data = data;
	h->remove = remove;
	h->split = split;
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

/*
 * A memory-only cache's clean page is the only copy of its data: nothing
 * but pcc may drop it. Its mapping is unevictable to the kernel's LRU and
 * marked AS_RELEASE_ALWAYS: every kernel path that would drop a clean,
 * unmapped folio without the filesystem -- drop_caches and
 * POSIX_FADV_DONTNEED (mapping_evict_folio), soft offline, a splice steal
 * -- asks ->release_folio first, and pcc says no. Truncation (reset,
 * unload) and memory failure remove folios without asking; migration
 * moves them (filemap_migrate_folio) without asking either. A cache with
 * a store is a disk filesystem's file instead (pcc_wb_aops).
 *
 * One caller may have its way: memory failure splitting a large folio
 * (huge=) to give up only the bad page. __folio_split asks here first,
 * after memory_failure marked the folio has_hwpoisoned; pcc agrees once
 * the handler has recorded all of the folio's pages as lost, so that if
 * the split fails after all, the folio (then lost whole) reads as EIO even
 * if something drops it later. If the split succeeds, the good pages stay
 * cached, where the record is not consulted, and memory failure then
 * removes the bad one (pcc_error_remove_folio).
 */
static bool pcc_release_folio(struct folio *folio, gfp_t gfp)
{
	struct pcc_error_handler *h;
	bool ok = false;

	if (!folio_test_large(folio) || !folio_test_has_hwpoisoned(folio))
		return false;
	down_read(&pcc_error_rwsem);
	h = folio->mapping->host->i_private;
	if (h)
		ok = h->split(h->data, folio) == 0;
	up_read(&pcc_error_rwsem);
	return ok;
}

/* anon_aops (fs/libfs.c), plus memory failure and migration. */
static const struct address_space_operations pcc_aops = {
	.dirty_folio = noop_dirty_folio,
	.release_folio = pcc_release_folio,
	.migrate_folio = filemap_migrate_folio,
	.error_remove_folio = pcc_error_remove_folio,
};

/*
 * The superblock of a cache with a store (its s_fs_info): the mount that
 * holds it, and the handler of ->writepages and ->sync_fs. pcc_wb_rwsem
 * orders a running call against the handler's removal. It has a lock of
 * its own, not pcc_error_rwsem: a ->writepages takes folio locks under it,
 * and memory failure takes pcc_error_rwsem under one.
 */
struct pcc_wb_sb {
	struct vfsmount *mnt;
	void *data;
	int (*writepages)(void *data, struct writeback_control *wbc);
	int (*sync_fs)(void *data, int wait);
	/* ->readahead's handler, under pcc_ra_rwsem. */
	void *ra_data;
	void (*readahead)(void *data, struct readahead_control *rac);
};

static DECLARE_RWSEM(pcc_wb_rwsem);
static struct file_system_type pcc_wb_fs_type;

/*
 * A lock of its own again: ->readahead runs with its folios locked, and a
 * ->writepages waits for folio locks under pcc_wb_rwsem; a handler's
 * removal (down_write) queued between them would block both.
 */
static DECLARE_RWSEM(pcc_ra_rwsem);

/*
 * The kernel's readahead (page_cache_ra_unbounded -> read_pages, for a
 * fault's read-around, page_cache_sync_ra/async_ra, MADV_WILLNEED and
 * POSIX_FADV_WILLNEED) has added locked folios for a range; pcc fills
 * them. A folio the handler does not take is removed again by read_pages.
 */
static void pcc_readahead(struct readahead_control *rac)
{
	struct pcc_wb_sb *info = rac->mapping->host->i_sb->s_fs_info;

	down_read(&pcc_ra_rwsem);
	if (info->ra_data)
		info->readahead(info->ra_data, rac);
	up_read(&pcc_ra_rwsem);
}

int pcc_inode_set_ra_handler(struct inode *inode, void *data,
			     void (*readahead)(void *data, struct readahead_control *rac))
{
	struct pcc_wb_sb *info = inode->i_sb->s_fs_info;
	int ret = 0;

	if (inode->i_sb->s_type != &pcc_wb_fs_type)
		return -EINVAL;
	down_write(&pcc_ra_rwsem);
	if (info->ra_data) {
		ret = -EBUSY;
	} else {
		info->readahead = readahead;
		info->ra_data = data;
	}
	up_write(&pcc_ra_rwsem);
	return ret;
}

/* Returns only when no call of the handler runs any more. */
void pcc_inode_clear_ra_handler(struct inode *inode)
{
	struct pcc_wb_sb *info = inode->i_sb->s_fs_info;

	down_write(&pcc_ra_rwsem);
	info->ra_data = NULL;
	up_write(&pcc_ra_rwsem);
}

static int pcc_writepages(struct address_space *mapping, struct writeback_control *wbc)
{
	struct pcc_wb_sb *info = mapping->host->i_sb->s_fs_info;
	int ret = 0;

	down_read(&pcc_wb_rwsem);
	if (info->data)
		ret = info->writepages(info->data, wbc);
	up_read(&pcc_wb_rwsem);
	return ret;
}

/* sync(2) may reach the superblock before pcc_wb_inode_new() has set s_fs_info. */
static int pcc_sync_fs(struct super_block *sb, int wait)
{
	struct pcc_wb_sb *info = smp_load_acquire(&sb->s_fs_info);
	int ret = 0;

	down_read(&pcc_wb_rwsem);
	if (info && info->data)
		ret = info->sync_fs(info->data, wait);
	up_read(&pcc_wb_rwsem);
	return ret;
}

/*
 * Clean pages of the cache with a store that left memory, their data
 * still in the store (or a hole): dropped by the kernel's reclaim, as a
 * file's clean page cache (the mapping is on the LRU), by drop_caches,
 * POSIX_FADV_DONTNEED, a splice steal, and by pcc's own eviction
 * (PCC_IOC_EVICT, its cache_pages= limit). ->free_folio sees every
 * removal from the mapping, after folio->mapping is cleared: so one count
 * for the module, which has one cache. Not counted: a folio not uptodate
 * (a read that failed or never ran: there was no data to drop), a
 * poisoned one (memory failure took it), and what leaves while pcc
 * truncates (reset, unload: pcc_inode_truncate).
 */
static atomic64_t pcc_wb_evicted = ATOMIC64_INIT(0);
static atomic_t pcc_wb_truncating = ATOMIC_INIT(0);

static void pcc_wb_free_folio(struct folio *folio)
{
	if (folio_test_uptodate(folio) && !folio_test_hwpoison(folio) &&
	    !atomic_read(&pcc_wb_truncating))
		atomic64_add(folio_nr_pages(folio), &pcc_wb_evicted);
}

/* A u64 on every architecture, as the ABI's pages_evicted. */
u64 pcc_inode_pages_evicted(struct inode *inode)
{
	if (inode->i_sb->s_type != &pcc_wb_fs_type)
		return 0;
	return atomic64_read(&pcc_wb_evicted);
}

/*
 * truncate_pagecache(inode, 0), with what it removes not counted as
 * evicted: unmap every shared mapping's PTEs, drop every folio (waiting
 * for each one's lock and writeback), unmap again for a page mapped
 * meanwhile. The caller holds the invalidate lock exclusive.
 */
void pcc_inode_truncate(struct inode *inode)
{
	struct address_space *mapping = inode->i_mapping;

	atomic_inc(&pcc_wb_truncating);
	unmap_mapping_range(mapping, 0, 0, 0);
	truncate_inode_pages(mapping, 0);
	unmap_mapping_range(mapping, 0, 0, 0);
	atomic_dec(&pcc_wb_truncating);
}

/*
 * A disk-backed filesystem's file: filemap_dirty_folio() accounts a dirty
 * page and puts the inode on the bdi's dirty list; the flusher, sync(2)
 * and fsync come back through ->writepages. Clean pages are on the
 * kernel's LRU, and reclaim drops them as any file's (no ->release_folio:
 * nothing of pcc's is attached to a folio).
 */
static const struct address_space_operations pcc_wb_aops = {
	.dirty_folio = filemap_dirty_folio,
	.writepages = pcc_writepages,
	.readahead = pcc_readahead,
	.free_folio = pcc_wb_free_folio,
	.migrate_folio = filemap_migrate_folio,
	.error_remove_folio = pcc_error_remove_folio,
};

/* The inode is dropped (evicted) at its last iput, as an unlinked file's. */
static const struct super_operations pcc_wb_sops = {
	.statfs = simple_statfs,
	.drop_inode = inode_just_drop,
	.sync_fs = pcc_sync_fs,
};

static int pcc_wb_init_fs_context(struct fs_context *fc)
{
	struct pseudo_fs_context *ctx = init_pseudo(fc, PCC_FS_MAGIC);

	if (!ctx)
		return -ENOMEM;
	ctx->ops = &pcc_wb_sops;
	return 0;
}

/* One superblock per cache with a store: kern_mount() makes a new one. */
static struct file_system_type pcc_wb_fs_type = {
	.name = "pcc",
	.init_fs_context = pcc_wb_init_fs_context,
	.kill_sb = kill_anon_super,
};

int pcc_inode_set_wb_handler(struct inode *inode, void *data,
			     int (*writepages)(void *data, struct writeback_control *wbc),
			     int (*sync_fs)(void *data, int wait))
{
	struct pcc_wb_sb *info = inode->i_sb->s_fs_info;
	int ret = 0;

	if (inode->i_sb->s_type != &pcc_wb_fs_type)
		return -EINVAL;
	down_write(&pcc_wb_rwsem);
	if (info->data) {
		ret = -EBUSY;
	} else {
		info->writepages = writepages;
		info->sync_fs = sync_fs;
		info->data = data;
	}
	up_write(&pcc_wb_rwsem);
	return ret;
}

/* Returns only when no call of the handler runs any more. */
void pcc_inode_clear_wb_handler(struct inode *inode)
{
	struct pcc_wb_sb *info = inode->i_sb->s_fs_info;

	down_write(&pcc_wb_rwsem);
	info->data = NULL;
	up_write(&pcc_wb_rwsem);
}

/*
 * A store on a block device: pcc's bdi reads ahead as the device does, its
 * readahead size (read_ahead_kb) and the most a read may take in one
 * request (io_pages, the device's max_sectors), as a filesystem on a disk
 * reads with the disk's bdi (its s_bdi is the disk's). Taken once, at
 * load: pcc's own read_ahead_kb changes it afterwards. A store that is a
 * regular file keeps the kernel's default (bdi_init), as the loop
 * driver's disk over a file does: its filesystem's bdi may read ahead
 * nothing (tmpfs's is noop_backing_dev_info, all zeros).
 */
static void pcc_wb_bdi_like(struct backing_dev_info *bdi, struct file *store)
{
	struct backing_dev_info *src;

	if (!S_ISBLK(file_inode(store)->i_mode))
		return;
	/* The device's inode, whose bdi is its disk's. */
	src = inode_to_bdi(store->f_mapping->host);
	bdi->ra_pages = READ_ONCE(src->ra_pages);
	bdi->io_pages = READ_ONCE(src->io_pages);
}

/*
 * A superblock of its own with a bdi of its own reading ahead as the
 * store's, and a new inode in it.
 */
static struct inode *pcc_wb_inode_new(struct file *store)
{
	struct pcc_wb_sb *info;
	struct vfsmount *mnt;
	struct inode *inode;
	int ret;

	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return ERR_PTR(-ENOMEM);
	mnt = kern_mount(&pcc_wb_fs_type);
	if (IS_ERR(mnt)) {
		kfree(info);
		return ERR_CAST(mnt);
	}
	info->mnt = mnt;
	/*
	 * Before any inode of pcc's exists: inode_to_bdi() reads s_bdi.
	 * SB_I_PERSB_BDI (set here) has the superblock's shutdown unregister
	 * the bdi.
	 */
	ret = super_setup_bdi(mnt->mnt_sb);
	if (ret)
		goto out_umount;
	pcc_wb_bdi_like(mnt->mnt_sb->s_bdi, store);
	smp_store_release(&mnt->mnt_sb->s_fs_info, info);
	/*
	 * Not alloc_anon_inode(), which marks its inode I_DIRTY for good so
	 * that __mark_inode_dirty() never puts it on a dirty list: this one
	 * starts clean, as a file's, and is set up as that function does.
	 */
	inode = new_inode(mnt->mnt_sb);
	if (!inode) {
		ret = -ENOMEM;
		goto out_umount;
	}
	inode->i_ino = get_next_ino();
	inode->i_mode = S_IRUSR | S_IWUSR;
	inode->i_uid = current_fsuid();
	inode->i_gid = current_fsgid();
	inode->i_flags |= S_PRIVATE;
	simple_inode_init_ts(inode);
	/*
	 * __mark_inode_dirty() puts only hashed inodes on the bdi's dirty
	 * list, where the flusher and sync(2) find them: hashed by its
	 * number, as a disk filesystem's inode is, and unhashed again by
	 * evict(). Not inode_fake_hash(): remove_inode_hash() leaves a fake
	 * hash in place, inode_init_always() does not reset i_hash, and the
	 * shared inode cache would hand the memory to the next inode of any
	 * file system (a pipe's) looking hashed, so never dropped at its last
	 * iput: leaked (kmemleak found pipe inodes so).
	 */
	__insert_inode_hash(inode, inode->i_ino);
	inode->i_mapping->a_ops = &pcc_wb_aops;
	return inode;

out_umount:
	kern_unmount(mnt);
	kfree(info);
	return ERR_PTR(ret);
}

/*
 * A new inode of pcc's own: its i_mapping is the page cache pcc manages.
 * With a store, in a superblock of its own with a bdi that writes back and
 * reads ahead as the store's device (pcc_wb_inode_new); else in the shared
 * one, whose bdi does neither.
 * Without a store, its pages are unevictable to the kernel's LRU and kept
 * from every other way of dropping clean page cache (pcc_release_folio);
 * with one, reclaim drops clean ones as a file's. They are movable, as shmem's:
 * allocated __GFP_MOVABLE, and moved by compaction, soft offline and
 * longterm pinning through filemap_migrate_folio (nothing of pcc's holds a
 * reference on them; a folio locked or referenced by pcc at that moment
 * is not moved, and migration tries again or gives up).
 */
struct inode *pcc_inode_new(loff_t size, struct file *store, bool pmd_folios)
{
	struct inode *inode;
	int ret;

	if (store) {
		inode = pcc_wb_inode_new(store);
		if (IS_ERR(inode))
			return inode;
	} else {
		ret = simple_pin_fs(&pcc_fs_type, &pcc_fs_mnt, &pcc_fs_cnt);
		if (ret < 0)
			return ERR_PTR(ret);
		inode = alloc_anon_inode(pcc_fs_mnt->mnt_sb);
		if (IS_ERR(inode)) {
			simple_release_fs(&pcc_fs_mnt, &pcc_fs_cnt);
			return inode;
		}
		inode->i_mapping->a_ops = &pcc_aops;
		/*
		 * No writeback tags, as shmem and swap: the inode belongs to
		 * no writeback-capable bdi (its folios are dirtied by
		 * noop_dirty_folio, so inode_attach_wb() never runs, and with
		 * CONFIG_CGROUP_WRITEBACK inode_to_wb() would be NULL in
		 * __folio_start_writeback()).
		 */
		mapping_set_no_writeback_tags(inode->i_mapping);
	}
	/*
	 * A regular file's data pages: generic_error_remove_folio() drops
	 * one locked folio (eviction) only from such a mapping.
	 */
	inode->i_mode |= S_IFREG;
	i_size_write(inode, size);
	mapping_set_gfp_mask(inode->i_mapping, GFP_HIGHUSER_MOVABLE);
	if (!store) {
		mapping_set_unevictable(inode->i_mapping);
		mapping_set_release_always(inode->i_mapping);
	} else {
		/*
		 * pcc's writeback does the store's I/O in the task that
		 * started it, its folios under writeback, and that I/O may
		 * allocate and reclaim: reclaim must not wait for those
		 * folios' writeback (shrink_folio_list's third case, cgroup v1
		 * reclaim), as for FUSE, whose writeback may need reclaim too.
		 */
		mapping_set_writeback_may_deadlock_on_reclaim(inode->i_mapping);
	}
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	/*
	 * Large folios, as a disk filesystem's page cache has them (ext4's,
	 * xfs's): with a store, the readahead code allocates folios as large
	 * as its window (page_cache_ra_order), and pcc reads, writes back and
	 * evicts each in one I/O. Below PMD size unless huge= asks for PMD
	 * folios: a PMD-sized folio is mapped by one PMD (do_set_pmd,
	 * ->huge_fault), which huge=never promises not to do. Without a store
	 * only huge= makes large folios, and only memory failure splits them
	 * (pcc_release_folio). Only with transparent huge pages: without them
	 * no large folio can be split, which memory failure needs.
	 */
	if (store || pmd_folios)
		mapping_set_folio_order_range(inode->i_mapping, 0,
					      min_t(unsigned int, MAX_PAGECACHE_ORDER,
						    pmd_folios ? HPAGE_PMD_ORDER :
						    HPAGE_PMD_ORDER - 1));
#endif
	/* A store or write() waits while a page is under writeback. */
	mapping_set_stable_writes(inode->i_mapping);
	return inode;
}

/*
 * The last reference: the inode is evicted (evict() waits for a flusher
 * still writing it), then its superblock goes, synchronously
 * (MNT_INTERNAL), with its bdi; the shutdown waits for a sync(2) in
 * ->sync_fs (s_umount), so info is freed last.
 */
void pcc_inode_free(struct inode *inode)
{
	struct super_block *sb = inode->i_sb;
	struct pcc_wb_sb *info;

	if (sb->s_type != &pcc_wb_fs_type) {
		iput(inode);
		simple_release_fs(&pcc_fs_mnt, &pcc_fs_cnt);
		return;
	}
	info = sb->s_fs_info;
	iput(inode);
	kern_unmount(info->mnt);
	kfree(info);
}

struct address_space *pcc_inode_mapping(struct inode *inode) { return inode->i_mapping; }
