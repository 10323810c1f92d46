// SPDX-License-Identifier: GPL-2.0
/*
 * Reads of a file opened by the kernel that complete after the call that
 * starts them returns, as a filesystem's ->readahead submits its bios and
 * returns (mpage_readahead, iomap_readahead): one kiocb with ki_complete
 * per read, calling the file's ->read_iter directly, as the loop driver's
 * lo_rw_aio does. On a store opened O_DIRECT (a block device) the read is
 * queued and completes from the block layer's end_io; on a file whose
 * ->read_iter cannot queue (a buffered read) it completes before
 * ->read_iter returns. The completion ends the read of each folio
 * (folio_end_read: uptodate when every byte came, and unlocked, as
 * mpage_read_end_io does) and drops the reference the read held.
 *
 * rust/ext/kernel_file.rs wraps it (KernelFile::read_folios_async, and the
 * count of reads in flight a KernelFile waits for before it closes).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/bvec.h>
#include <linux/fs.h>
#include <linux/pagemap.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/wait_bit.h>

#include "pcc_helpers.h"

/* The reads of one file: how many are in flight. */
struct pcc_reads {
	atomic_t in_flight;
};

/*
 * One read: a run of locked folios, each with a reference of the read's.
 * Two references to the read itself, as loop's lo_rw_aio takes: the
 * completion's and the submitter's, since ->read_iter may still use the
 * kiocb after the read it queued has completed (ext4_dio_read_iter's
 * file_accessed()), so the read ends when both are put.
 */
struct pcc_read {
	struct kiocb iocb;
	atomic_t ref;
	long ret;
	struct pcc_reads *reads;
	unsigned long first;	/* the first page's index, for the error line */
	size_t len;
	unsigned int nr;
	struct bio_vec bvec[] __counted_by(nr);
};

struct pcc_reads *pcc_reads_new(void)
{
	return kzalloc(sizeof(struct pcc_reads), GFP_KERNEL);
}

/*
 * Wait for every read in flight to complete, then free. After the wait no
 * completion touches reads; the RCU grace period lets a completion that
 * ran from interrupt context (the block layer's end_io, an RCU reader)
 * return from pcc's code before the module may go. A completion from a
 * task (iomap's error path, a workqueue) may still be in its last
 * instructions after the wait, the window loop's lo_rw_aio_complete has
 * too.
 */
void pcc_reads_free(struct pcc_reads *reads)
{
	wait_var_event(&reads->in_flight, !atomic_read(&reads->in_flight));
	synchronize_rcu();
	kfree(reads);
}

/*
 * The most pages one read of file should take: on a block device, the
 * segments its requests hold (each order-0 page is one: a bio of more is
 * split, the rest a request of its own), at most a bio's worth; else a
 * bio's worth. A large folio is one segment where the device's segments
 * are as large (else the block layer splits it).
 */
unsigned int pcc_read_max_folios(struct file *file)
{
	if (S_ISBLK(file_inode(file)->i_mode))
		return min_t(unsigned int, bdev_max_segments(file_bdev(file)), BIO_MAX_VECS);
	return BIO_MAX_VECS;
}

struct pcc_read *pcc_read_alloc(unsigned int nr)
{
	struct pcc_read *r = kmalloc(struct_size(r, bvec, nr), GFP_KERNEL);

	if (r) {
		r->nr = nr;
		r->len = 0;
	}
	return r;
}

/* Entry i is folio, whose lock and one reference the read now holds. */
void pcc_read_set_folio(struct pcc_read *r, unsigned int i, struct folio *folio)
{
	bvec_set_folio(&r->bvec[i], folio, folio_size(folio), 0);
	r->len += folio_size(folio);
}

static void pcc_read_end(struct pcc_read *r, long ret)
{
	struct pcc_reads *reads = r->reads;
	bool ok = ret >= 0 && (size_t)ret == r->len;
	unsigned int i;

	for (i = 0; i < r->nr; i++) {
		struct folio *folio = page_folio(r->bvec[i].bv_page);

		folio_end_read(folio, ok);
		folio_put(folio);
	}
	if (!ok) {
		/* As the synchronous reads' line (rust/store.rs); short: EIO. */
		long err = ret < 0 ? ret : -EIO;

		size_t pages = r->len >> PAGE_SHIFT;

		if (pages == 1)
			pr_err_ratelimited("store read of page %lu failed (errno %ld)\n", r->first,
					   err);
		else
			pr_err_ratelimited("store read of pages %lu..%lu failed (errno %ld)\n",
					   r->first, r->first + pages, err);
	}
	kfree(r);
	if (atomic_dec_and_test(&reads->in_flight))
		wake_up_var(&reads->in_flight);
}

static void pcc_read_put(struct pcc_read *r)
{
	/* Fully ordered: the side that puts last sees r->ret. */
	if (atomic_dec_and_test(&r->ref))
		pcc_read_end(r, r->ret);
}

static void pcc_read_complete(struct kiocb *iocb, long ret)
{
	struct pcc_read *r = container_of(iocb, struct pcc_read, iocb);

	r->ret = ret;
	pcc_read_put(r);
}

/*
 * Read r's folios, the store's pages first.., from byte pos of file. The
 * read, and every folio of it, is the completion's from here on.
 */
void pcc_read_submit(struct pcc_read *r, struct file *file, loff_t pos, unsigned long first,
		     struct pcc_reads *reads)
{
	struct iov_iter iter;
	ssize_t ret;

	r->reads = reads;
	r->first = first;
	atomic_inc(&reads->in_flight);
	/*
	 * ki_flags from the file's: IOCB_DIRECT when it was opened O_DIRECT;
	 * else a buffered read, uncached where the file allows it.
	 */
	init_sync_kiocb(&r->iocb, file);
	if (pcc_file_reads_uncached(file))
		r->iocb.ki_flags |= IOCB_DONTCACHE;
	r->iocb.ki_pos = pos;
	r->iocb.ki_complete = pcc_read_complete;
	atomic_set(&r->ref, 2);
	iov_iter_bvec(&iter, ITER_DEST, r->bvec, r->nr, r->len);
	ret = file->f_op->read_iter(&r->iocb, &iter);
	/* Not queued: done (or failed) already, and ki_complete not called. */
	if (ret != -EIOCBQUEUED)
		pcc_read_complete(&r->iocb, ret);
	pcc_read_put(r);
}
