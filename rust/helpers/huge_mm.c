// SPDX-License-Identifier: GPL-2.0
/* include/linux/huge_mm.h: PMD-sized folios and their mapping */

#include <linux/huge_mm.h>
#include <linux/mm.h>
#include <linux/pagemap.h>

#include "pcc_helpers.h"

/*
 * Whether this kernel and machine have transparent huge pages at all. A
 * module cannot read thp_disabled_by_hw() (transparent_hugepage_flags is
 * not exported); only s390 sets it, for KVM guests.
 */
bool pcc_has_transparent_hugepage(void)
{
#ifdef CONFIG_TRANSPARENT_HUGEPAGE
	return has_transparent_hugepage();
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
 * GFP_HIGHUSER_MOVABLE), or NULL: without direct reclaim or compaction
 * (GFP_TRANSHUGE_LIGHT, waking kswapd), as the kernel allocates a huge
 * page by default (the "madvise" defrag setting for a fault that did not
 * ask): a failure falls back to one page, as shmem_alloc_and_add_folio
 * does.
 */
struct folio *pcc_filemap_alloc_pmd_folio(void)
{
	return filemap_alloc_folio(GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM, HPAGE_PMD_ORDER,
				   NULL);
}

/*
 * Map folio, locked, PMD-sized, uptodate, at vmf->pgoff's aligned index of
 * the VMA's file, by one PMD (vmf_insert_folio_pmd), writable if write.
 * The checks do_set_pmd() makes first, which vmf_insert_folio_pmd() does
 * not: THP not disabled for the VMA, the VMA covering the aligned range at
 * a matching offset, no poisoned page, nothing past the file's size
 * (finish_fault's check). Then the PMD: empty, or already
 * mapping this folio (wp_huge_pmd); anything else, a page table of PTEs
 * above all, is VM_FAULT_FALLBACK, where vmf_insert_folio_pmd() would
 * warn. The check holds until the insert takes the PMD lock: a page table
 * is installed there only by a fault that holds a folio of this range
 * locked (finish_fault, filemap_map_pmd), and this whole range is the one
 * folio, which the caller holds locked.
 */
vm_fault_t pcc_vmf_insert_folio_pmd(struct vm_fault *vmf, struct folio *folio, bool write)
{
	struct vm_area_struct *vma = vmf->vma;
	pmd_t pmd;

	if (vma_thp_disabled(vma, vma->vm_flags, true) ||
	    !thp_vma_suitable_order(vma, vmf->address, HPAGE_PMD_ORDER) ||
	    folio_order(folio) != HPAGE_PMD_ORDER || folio_test_has_hwpoisoned(folio) ||
	    folio_next_index(folio) > DIV_ROUND_UP(i_size_read(folio->mapping->host), PAGE_SIZE))
		return VM_FAULT_FALLBACK;
	pmd = pmdp_get_lockless(vmf->pmd);
	if (!pmd_none(pmd) && !(pmd_trans_huge(pmd) && pmd_pfn(pmd) == folio_pfn(folio)))
		return VM_FAULT_FALLBACK;
	flush_icache_pages(vma, &folio->page, HPAGE_PMD_NR);
	return vmf_insert_folio_pmd(vmf, folio, write);
}
#endif
