// SPDX-License-Identifier: GPL-2.0
/* include/linux/mm.h, include/linux/page-flags.h, include/linux/pagemap.h: folios */

#include <linux/backing-dev.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/rmap.h>

#include "pcc_helpers.h"

void pcc_folio_get(struct folio *folio) { folio_get(folio); }
void pcc_folio_put(struct folio *folio) { folio_put(folio); }
void pcc_folio_lock(struct folio *folio) { folio_lock(folio); }
void pcc_folio_unlock(struct folio *folio) { folio_unlock(folio); }
void pcc_folio_mark_uptodate(struct folio *folio) { folio_mark_uptodate(folio); }
bool pcc_folio_mark_dirty(struct folio *folio) { return folio_mark_dirty(folio); }
struct page *pcc_folio_file_page(struct folio *folio, pgoff_t index) { return folio_file_page(folio, index); }
bool pcc_folio_contains(struct folio *folio, pgoff_t index) { return folio_contains(folio, index); }
size_t pcc_folio_size(struct folio *folio) { return folio_size(folio); }
struct folio *pcc_page_folio(struct page *page) { return page_folio(page); }
/* A locked folio that is not uptodate, zeroed and marked uptodate. */
void pcc_folio_zero_uptodate(struct folio *folio)
{
	folio_zero_range(folio, 0, folio_size(folio));
	folio_mark_uptodate(folio);
}
void pcc_folio_zero_range(struct folio *folio, size_t start, size_t len)
{
	folio_zero_range(folio, start, len);
}
/*
 * One read of what a folio's tests look at: the flags (test_bit()'s
 * READ_ONCE), with folio_test_uptodate()'s smp_rmb() when PG_uptodate is
 * set, then its mapping and index (READ_ONCE each: stable only while it is
 * locked). One call where reading the three from Rust is three, and the
 * barrier a fourth.
 */
struct pcc_folio_now pcc_folio_now(const struct folio *folio)
{
	struct pcc_folio_now now;

	now.flags = READ_ONCE(folio->flags.f);
	if (now.flags & BIT(PG_uptodate))
		smp_rmb();
	now.mapping = READ_ONCE(folio->mapping);
	now.index = READ_ONCE(folio->index);
	return now;
}
bool pcc_folio_trylock(struct folio *folio) { return folio_trylock(folio); }
int pcc_folio_lock_killable(struct folio *folio) { return folio_lock_killable(folio); }
void pcc_folio_wait_locked(struct folio *folio) { folio_wait_locked(folio); }
int pcc_folio_wait_locked_killable(struct folio *folio) { return folio_wait_locked_killable(folio); }
void pcc_folio_start_writeback(struct folio *folio) { folio_start_writeback(folio); }
bool pcc_folio_mapped(struct folio *folio) { return folio_mapped(folio); }
bool pcc_folio_contain_hwpoisoned_page(struct folio *folio)
{
	return folio_contain_hwpoisoned_page(folio);
}
bool pcc_folio_maybe_dma_pinned(struct folio *folio) { return folio_maybe_dma_pinned(folio); }
void pcc_folio_set_referenced(struct folio *folio) { folio_set_referenced(folio); }
bool pcc_folio_test_clear_referenced(struct folio *folio) { return folio_test_clear_referenced(folio); }

/*
 * folio_clear_dirty_for_io() where the mapping accounts dirty pages (a bdi
 * with writeback); without one it only clears the flag, so write-protect
 * first and carry a dirty PTE over, as it does.
 */
bool pcc_folio_clear_dirty_for_io(struct folio *folio)
{
	struct address_space *mapping = folio_mapping(folio);

	if (mapping && mapping_can_writeback(mapping))
		return folio_clear_dirty_for_io(folio);
	if (folio_mkclean(folio))
		folio_mark_dirty(folio);
	return folio_test_clear_dirty(folio);
}
