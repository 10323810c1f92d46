// SPDX-License-Identifier: GPL-2.0
/* include/linux/pagemap.h: the page cache */

#include <linux/pagemap.h>

#include "pcc_helpers.h"

/* The folio at index, locked, allocated and added if absent. */
struct folio *pcc_filemap_lock_folio_create(struct address_space *mapping, pgoff_t index)
{
	return __filemap_get_folio(mapping, index, FGP_LOCK | FGP_CREAT, mapping_gfp_mask(mapping));
}
