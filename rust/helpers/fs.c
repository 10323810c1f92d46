// SPDX-License-Identifier: GPL-2.0
/* include/linux/fs.h, include/linux/bvec.h: the backing store's file */

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/bvec.h>
#include <linux/fs.h>
#include <linux/uio.h>

#include "pcc_helpers.h"

/* The size of a regular file or of a block device (its bdev inode). */
loff_t pcc_file_size(struct file *file) { return i_size_read(file->f_mapping->host); }
bool pcc_file_is_reg(struct file *file) { return S_ISREG(file_inode(file)->i_mode); }
bool pcc_file_is_blk(struct file *file) { return S_ISBLK(file_inode(file)->i_mode); }
int pcc_file_truncate(struct file *file, loff_t size) { return vfs_truncate(&file->f_path, size); }

/*
 * Whether a read of file goes through its page cache and may leave
 * nothing there (RWF_DONTCACHE: the folios the read brought in are
 * dropped once read), which ext4, xfs and block devices offer.
 */
bool pcc_file_reads_uncached(struct file *file)
{
	return !(file->f_flags & O_DIRECT) && (file->f_op->fop_flags & FOP_DONTCACHE) &&
	       !IS_DAX(file->f_mapping->host);
}

/*
 * len bytes of the block device bdev from pos, into folio at offset: one
 * bio, waited for, as a direct read of the device is
 * (__blkdev_direct_IO_simple), without the layers around that read
 * (rw_verify_area, fsnotify, blkdev_read_iter), as a file system reads its
 * own device (mpage_read_folio). The device's page cache is not looked at,
 * as a direct read does not look at it. Returns len or an errno.
 */
static ssize_t pcc_bdev_folio_read(struct block_device *bdev, struct folio *folio, size_t offset,
				   size_t len, loff_t pos)
{
	struct bio_vec bv;
	struct bio bio;
	int err;

	if (pos < 0 || pos + len > bdev_nr_bytes(bdev) ||
	    ((pos | len) & (bdev_logical_block_size(bdev) - 1)))
		return -EINVAL;
	bio_init(&bio, bdev, &bv, 1, REQ_OP_READ);
	bio.bi_iter.bi_sector = pos >> SECTOR_SHIFT;
	bio_add_folio_nofail(&bio, folio, len, offset);
	err = submit_bio_wait(&bio);
	bio_uninit(&bio);
	return err ? err : len;
}

/*
 * len bytes of file at pos, into folio at offset: from a block device
 * opened O_DIRECT by one bio of pcc's (pcc_bdev_folio_read); else through
 * the file's ->read_iter, as loop does, a buffered read uncached where the
 * file allows it.
 */
ssize_t pcc_file_folio_read(struct file *file, struct folio *folio, size_t offset, size_t len,
			    loff_t pos)
{
	struct bio_vec bv;
	struct iov_iter iter;

	if ((file->f_flags & O_DIRECT) && S_ISBLK(file_inode(file)->i_mode))
		return pcc_bdev_folio_read(file_bdev(file), folio, offset, len, pos);

	bvec_set_folio(&bv, folio, len, offset);
	iov_iter_bvec(&iter, ITER_DEST, &bv, 1, len);
	return vfs_iter_read(file, &iter, &pos,
			     pcc_file_reads_uncached(file) ? RWF_DONTCACHE : 0);
}

/* A bio_vec for the whole of folio (bvec_set_folio). */
void pcc_bvec_set_folio(struct bio_vec *bv, struct folio *folio)
{
	bvec_set_folio(bv, folio, folio_size(folio), 0);
}

/* n folios out to the file at pos, in one write (lo_rw_aio's ITER_SOURCE). */
ssize_t pcc_file_bvec_write(struct file *file, struct bio_vec *bv, unsigned int n, size_t len,
			    loff_t pos)
{
	struct iov_iter iter;

	iov_iter_bvec(&iter, ITER_SOURCE, bv, n, len);
	return vfs_iter_write(file, &iter, &pos, 0);
}
