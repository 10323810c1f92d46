// SPDX-License-Identifier: GPL-2.0
/* include/linux/uio.h: copies between folios and user iterators */

#include <linux/uio.h>

#include "pcc_helpers.h"

size_t pcc_copy_folio_to_iter(struct folio *folio, size_t offset, size_t len, struct iov_iter *i)
{
	return copy_folio_to_iter(folio, offset, len, i);
}

size_t pcc_copy_folio_from_iter(struct folio *folio, size_t offset, size_t len, struct iov_iter *i)
{
	return copy_folio_from_iter(folio, offset, len, i);
}
