// SPDX-License-Identifier: GPL-2.0
/* include/linux/pagemap.h: the page cache */

#include <linux/pagemap.h>
#include <linux/rcupdate_wait.h>

#include "pcc_helpers.h"

/* rust/ext/ffi.rs's FGP_LOCK, which bindgen cannot evaluate. */
static_assert((__force unsigned int)FGP_LOCK == 2);

/*
 * A new folio for the mapping, not yet in it (filemap_create_folio's first
 * step), with the mapping's gfp mask, marked referenced: it is about to be
 * used. Nobody else knows it yet, so the flag is set non-atomically, as
 * shmem_alloc_and_add_folio marks a folio it allocates for a write.
 */
struct folio *pcc_filemap_alloc_folio(struct address_space *mapping)
{
	struct folio *folio = filemap_alloc_folio(mapping_gfp_mask(mapping), 0, NULL);

	if (folio)
		__folio_set_referenced(folio);
	return folio;
}

/*
 * Insert a new folio at index, locked (filemap_create_folio's second step).
 * A large one (a PMD-sized folio of huge=) is charged to the memcg without
 * direct reclaim, as it was allocated, so that a cgroup near its limit
 * fails it at once and the caller falls back to one page
 * (shmem_alloc_and_add_folio's way).
 */
int pcc_filemap_add_folio(struct address_space *mapping, struct folio *folio, pgoff_t index)
{
	gfp_t gfp = mapping_gfp_mask(mapping);

	if (folio_test_large(folio))
		gfp = (gfp & ~__GFP_DIRECT_RECLAIM) | __GFP_NOWARN;
	return filemap_add_folio(mapping, folio, index, gfp);
}

/* mapping->invalidate_lock: adding folios (shared) against truncation (exclusive). */
void pcc_filemap_invalidate_lock(struct address_space *mapping) { filemap_invalidate_lock(mapping); }
void pcc_filemap_invalidate_unlock(struct address_space *mapping) { filemap_invalidate_unlock(mapping); }

/*
 * The next folio of a ->readahead call, locked, with the reference the
 * readahead code took when it allocated it, which passes to the caller
 * (__readahead_folio; readahead_folio() drops it instead).
 */
struct folio *pcc_readahead_folio(struct readahead_control *rac)
{
	return __readahead_folio(rac);
}

/* The file's readahead window, in pages (0: readahead off), read once. */
unsigned long pcc_file_ra_pages(struct file *file)
{
	return READ_ONCE(file->f_ra.ra_pages);
}

/*
 * Readahead on file at index for a fault or a read(), the calls
 * do_sync_mmap_readahead, do_async_mmap_readahead and filemap_read make:
 * page_cache_sync_ra() (a sequential mapping, a read() that misses),
 * page_cache_async_ra() at a folio marked PG_readahead.
 */
void pcc_page_cache_sync_ra(struct file *file, pgoff_t index, unsigned long req_count)
{
	DEFINE_READAHEAD(ractl, file, &file->f_ra, file->f_mapping, index);

	page_cache_sync_ra(&ractl, req_count);
}

void pcc_page_cache_async_ra(struct file *file, struct folio *folio, unsigned long req_count)
{
	DEFINE_READAHEAD(ractl, file, &file->f_ra, file->f_mapping, folio->index);

	page_cache_async_ra(&ractl, folio, req_count);
}

/*
 * Read nr pages from start (the caller keeps them within the file), the
 * last lookahead of them marked for asynchronous readahead, and record
 * that window in the file's readahead state, so that a later hit on the
 * mark continues it (page_cache_async_ra). page_cache_ra_unbounded() needs
 * the invalidate lock held, at least shared.
 */
void pcc_page_cache_read_around(struct file *file, pgoff_t start, unsigned long nr,
				unsigned long lookahead)
{
	struct address_space *mapping = file->f_mapping;
	DEFINE_READAHEAD(ractl, file, &file->f_ra, mapping, start);

	file->f_ra.start = start;
	file->f_ra.size = nr;
	file->f_ra.async_size = lookahead;
	file->f_ra.order = 0;
	filemap_invalidate_lock_shared(mapping);
	page_cache_ra_unbounded(&ractl, nr, lookahead);
	filemap_invalidate_unlock_shared(mapping);
}

/*
 * How many pages the mapping caches, and how many of them are dirty, as
 * filemap_cachestat() counts them: one walk of the xarray under RCU, each
 * folio's size from its entry's order, no reference taken on any folio.
 * A reference, even for the time of a batch, would be an extra one to
 * memory failure (has_extra_refcount()), which would then fail to take a
 * poisoned folio out of the cache. The dirty test reads the folio's flag,
 * as filemap_range_has_writeback() does unpinned, rather than the
 * xarray's dirty mark: without a store the folios are dirtied by
 * noop_dirty_folio(), which sets no mark. A folio freed meanwhile may be
 * counted as it was: the counts are a snapshot, each folio's pages
 * counted once, and no more dirty than cached.
 */
void pcc_mapping_count_pages(struct address_space *mapping, unsigned long *cached,
			     unsigned long *dirty)
{
	XA_STATE(xas, &mapping->i_pages, 0);
	unsigned long c = 0, d = 0;
	struct folio *folio;

	rcu_read_lock();
	xas_for_each(&xas, folio, ULONG_MAX) {
		unsigned long nr;

		if (xas_retry(&xas, folio) || xa_is_value(folio))
			continue;
		nr = 1UL << xas_get_order(&xas);
		c += nr;
		if (folio_test_dirty(folio))
			d += nr;
		if (need_resched()) {
			xas_pause(&xas);
			cond_resched_rcu();
		}
	}
	rcu_read_unlock();
	*cached = c;
	*dirty = d;
}
