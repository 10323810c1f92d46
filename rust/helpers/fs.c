// SPDX-License-Identifier: GPL-2.0
/* include/linux/fs.h, include/linux/bvec.h: the backing store's file */

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
 * len bytes of file at pos, into folio at offset, as loop does; a buffered
 * read uncached where the file allows it.
 */
ssize_t pcc_file_folio_read(struct file *file, struct folio *folio, size_t offset, size_t len,
			    loff_t pos)
{
	struct bio_vec bv;
	struct iov_iter iter;

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
