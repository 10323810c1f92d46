// SPDX-License-Identifier: GPL-2.0
/* include/linux/pagemap.h: the page cache */

#include <linux/pagemap.h>

#include "pcc_helpers.h"

/*
 * A new folio for the mapping, not yet in it (filemap_create_folio's first
 * step). With may_fail, the allocation fails quietly rather than invoke
 * the OOM killer (__GFP_RETRY_MAYFAIL | __GFP_NOWARN), so that the caller
 * can free memory of its own and try again.
 */
struct folio *pcc_filemap_alloc_folio(struct address_space *mapping, bool may_fail)
{
	gfp_t gfp = mapping_gfp_mask(mapping);

	if (may_fail)
		gfp |= __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	return filemap_alloc_folio(gfp, 0, NULL);
}

/* Insert a new folio at index, locked (filemap_create_folio's second step). */
int pcc_filemap_add_folio(struct address_space *mapping, struct folio *folio, pgoff_t index)
{
	return filemap_add_folio(mapping, folio, index, mapping_gfp_mask(mapping));
}

/* mapping->invalidate_lock: adding folios (shared) against truncation (exclusive). */
void pcc_filemap_invalidate_lock(struct address_space *mapping) { filemap_invalidate_lock(mapping); }
void pcc_filemap_invalidate_unlock(struct address_space *mapping) { filemap_invalidate_unlock(mapping); }
void pcc_filemap_invalidate_lock_shared(struct address_space *mapping)
{
	filemap_invalidate_lock_shared(mapping);
}
void pcc_filemap_invalidate_unlock_shared(struct address_space *mapping)
{
	filemap_invalidate_unlock_shared(mapping);
}
