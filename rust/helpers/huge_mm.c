// SPDX-License-Identifier: GPL-2.0
/* include/linux/huge_mm.h: PMD-sized folios and their mapping */

#include <linux/huge_mm.h>
#include <linux/mm.h>
#include <linux/pagemap.h>

#include "pcc_helpers.h"

/*
 * Whether this kernel and machine can map a page cache folio by one PMD:
 * transparent huge pages, and a PMD no larger than the page cache's
 * largest folio (arm64 with 64 KiB pages has 512 MiB PMDs, past
 * MAX_PAGECACHE_ORDER: shmem_huge_global_enabled refuses those too). A
 * module cannot read thp_disabled_by_hw() (transparent_hugepage_flags is
 * not exported); only s390 sets it, for KVM guests.
 */
bool pcc_has_transparent_hugepage(void)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	return has_transparent_hugepage() && HPAGE_PMD_ORDER <= MAX_PAGECACHE_ORDER;
#else
	return false;
#endif
}

#ifdef CONFIG_TRANSPARENT_HUGEPAGE
unsigned int pcc_pmd_order(void) { return HPAGE_PMD_ORDER; }

/*
 * What a VMA says of huge pages, as shmem_allowable_huge_orders() reads
 * it: -1 none here (MADV_NOHUGEPAGE, prctl(PR_SET_THP_DISABLE)), 1
 * MADV_HUGEPAGE, 0 neither.
 */
int pcc_vma_huge_advice(struct vm_area_struct *vma)
{
	if (vma_thp_disabled(vma, vma->vm_flags, false))
		return -1;
	return !!(vma->vm_flags & VM_HUGEPAGE);
}

/*
 * Whether the VMA maps the whole PMD-aligned range around addr, at a file
 * offset aligned as the address is (thp_vma_suitable_order).
 */
bool pcc_vma_suits_pmd(struct vm_area_struct *vma, unsigned long addr)
{
	return thp_vma_suitable_order(vma, addr, HPAGE_PMD_ORDER);
}

/*
 * A new PMD-sized folio for a mapping of pcc's (movable, as its
 * GFP_HIGHUSER_MOVABLE), marked referenced, or NULL: without direct
 * reclaim or compaction (GFP_TRANSHUGE_LIGHT, waking kswapd), as the
 * kernel allocates a huge page by default (the "madvise" defrag setting
 * for a fault that did not ask): a failure falls back to one page, as
 * shmem_alloc_and_add_folio does.
 */
struct folio *pcc_filemap_alloc_pmd_folio(void)
{
	struct folio *folio = filemap_alloc_folio(GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM,
						  HPAGE_PMD_ORDER, NULL);

	/* As pcc_filemap_alloc_folio. */
	if (folio)
		__folio_set_referenced(folio);
	return folio;
}

/*
 * Whether folio, locked, uptodate, of the VMA's file at vmf->pgoff's
 * aligned index, may be mapped by the fault's PMD: the checks do_set_pmd()
 * makes first, which vmf_insert_folio_pmd() does not. PMD-sized, THP not
 * disabled for the VMA, the VMA covering the aligned range at a matching
 * offset, no poisoned page, nothing past the file's size (finish_fault's
 * check).
 */
bool pcc_vmf_pmd_suits(struct vm_fault *vmf, struct folio *folio)
{
	struct vm_area_struct *vma = vmf->vma;

	return !vma_thp_disabled(vma, vma->vm_flags, true) &&
	       thp_vma_suitable_order(vma, vmf->address, HPAGE_PMD_ORDER) &&
	       folio_order(folio) == HPAGE_PMD_ORDER && !folio_test_has_hwpoisoned(folio) &&
	       folio_next_index(folio) <=
		       DIV_ROUND_UP(i_size_read(folio->mapping->host), PAGE_SIZE);
}

/*
 * Map folio, for which pcc_vmf_pmd_suits() held (the caller still holds
 * it locked), by the fault's PMD (vmf_insert_folio_pmd), writable if
 * write; VM_FAULT_FALLBACK if the PMD is neither empty nor already
 * mapping this folio (wp_huge_pmd): a page table of PTEs above all, where
 * vmf_insert_folio_pmd() would warn for a write. The PMD is read without
 * its lock, which only vmf_insert_folio_pmd() can take: no fault installs
 * a page table there meanwhile (finish_fault and filemap_map_pmd hold a
 * folio of the range locked, and the range is this one folio), but
 * MADV_GUARD_INSTALL (under the VMA lock only) and userfaultfd's
 * asynchronous write-protect (under the mmap read lock) may. Then the
 * insert finds the table under the PMD lock and leaves it, returning
 * VM_FAULT_NOPAGE, and the access faults again at PTE level; for a write
 * it first warns once (insert_pmd's WARN_ON_ONCE), as for a DAX file,
 * whose ->huge_fault reads the PMD the same way. Counts THP_FILE_MAPPED
 * as do_set_pmd() does, when the PMD was empty (one more if another fault
 * mapped it in between).
 */
vm_fault_t pcc_vmf_insert_folio_pmd(struct vm_fault *vmf, struct folio *folio, bool write)
{
	pmd_t pmd = pmdp_get_lockless(vmf->pmd);
	vm_fault_t ret;

	if (!pmd_none(pmd) && !(pmd_trans_huge(pmd) && pmd_pfn(pmd) == folio_pfn(folio)))
		return VM_FAULT_FALLBACK;
	flush_icache_pages(vmf->vma, &folio->page, HPAGE_PMD_NR);
	ret = vmf_insert_folio_pmd(vmf, folio, write);
	if (ret == VM_FAULT_NOPAGE && pmd_none(pmd))
		count_vm_event(THP_FILE_MAPPED);
	return ret;
}
#endif
