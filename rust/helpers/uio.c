// SPDX-License-Identifier: GPL-2.0
/* include/linux/uio.h: copies between folios and user iterators */

#include <linux/uaccess.h>
#include <linux/uio.h>

#include "pcc_helpers.h"

/* generic_perform_write()'s copy: under the folio lock, so no page fault. */
size_t pcc_copy_folio_from_iter_atomic(struct folio *folio, size_t offset, size_t len,
				       struct iov_iter *i)
{
	size_t n;

	pagefault_disable();
	n = copy_folio_from_iter_atomic(folio, offset, len, i);
	pagefault_enable();
	return n;
}
