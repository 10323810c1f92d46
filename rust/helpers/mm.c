// SPDX-License-Identifier: GPL-2.0
/* include/linux/mm.h, include/linux/mm_types.h: mm and VMA fields */

#include <linux/fs.h>
#include <linux/mm.h>

#include "pcc_helpers.h"

struct address_space *pcc_vma_file_mapping(struct vm_area_struct *vma)
{
	return vma->vm_file->f_mapping;
}

unsigned long pcc_mm_file_rss(struct mm_struct *mm)
{
	/* What filemap_map_pages() adds to with add_mm_counter(). */
	return get_mm_counter_sum(mm, MM_FILEPAGES) + get_mm_counter_sum(mm, MM_SHMEMPAGES);
}

void pcc_release_fault_lock(struct vm_fault *vmf) { release_fault_lock(vmf); }
unsigned long pcc_totalram_pages(void) { return totalram_pages(); }

/* filemap_fault's fpin: the VMA's file, pinned across a fault lock release. */
struct file *pcc_vma_get_file(struct vm_area_struct *vma) { return get_file(vma->vm_file); }
