// SPDX-License-Identifier: GPL-2.0
/* include/linux/mm.h, include/linux/mm_types.h: mm and VMA fields */

#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched.h>

#include "pcc_helpers.h"

/*
 * This CPU's view of an mm counter: the folded count plus this CPU's
 * pending part. add_mm_counter() on this CPU raises their sum by exactly
 * what it adds, whether it folds into ->count (past the batch) or not.
 * Call with migration disabled.
 */
static s64 pcc_rss_here(struct percpu_counter *fbc)
{
#ifdef CONFIG_SMP
	return READ_ONCE(fbc->count) + READ_ONCE(*this_cpu_ptr(fbc->counters));
#else
	return READ_ONCE(fbc->count);
#endif
}

static s64 pcc_file_rss_here(struct mm_struct *mm)
{
	/* What filemap_map_pages() adds to with add_mm_counter(). */
	return pcc_rss_here(&mm->rss_stat[MM_FILEPAGES]) +
	       pcc_rss_here(&mm->rss_stat[MM_SHMEMPAGES]);
}

/*
 * filemap_map_pages(), and how many PTEs it set in *ptes: the growth of the
 * mm's file RSS across the call, which filemap_map_pages() raises by
 * exactly the PTEs it sets. The task stays on one CPU meanwhile
 * (migrate_disable(), which allows the PTE lock to sleep on PREEMPT_RT),
 * so both reads see that CPU's part; percpu_counter_sum() instead takes
 * the counter's lock and walks every CPU, four times per call, which make
 * bench measured at about a tenth of a fault-around. Exact for a
 * single-threaded process when nothing else changes its RSS meanwhile;
 * another thread of the same mm faulting on this CPU, a fold from another
 * CPU, or reclaim unmapping other pages of this mm (this task may be
 * preempted: migration, not preemption, is disabled) move it too, as they
 * moved the sum.
 */
vm_fault_t pcc_filemap_map_pages_counted(struct vm_fault *vmf, pgoff_t start, pgoff_t end,
					 unsigned long *ptes)
{
	struct mm_struct *mm = vmf->vma->vm_mm;
	vm_fault_t ret;
	s64 before, grown;

	migrate_disable();
	before = pcc_file_rss_here(mm);
	ret = filemap_map_pages(vmf, start, end);
	grown = pcc_file_rss_here(mm) - before;
	migrate_enable();
	/* Reclaim unmapping other pages of this mm meanwhile lowers it. */
	*ptes = grown > 0 ? grown : 0;
	return ret;
}

void pcc_release_fault_lock(struct vm_fault *vmf) { release_fault_lock(vmf); }
/* madvise's access advice, as do_sync_mmap_readahead reads it: 0 none, 1 sequential, 2 random. */
int pcc_vma_access_hint(struct vm_area_struct *vma)
{
	if (vma->vm_flags & VM_RAND_READ)
		return 2;
	if (vma->vm_flags & VM_SEQ_READ)
		return 1;
	return 0;
}
bool pcc_vma_is_shared(struct vm_area_struct *vma) { return vma->vm_flags & VM_SHARED; }
/* A kernel thread's last fput() goes to delayed_fput_work (__fput_deferred). */
bool pcc_current_is_kthread(void) { return current->flags & PF_KTHREAD; }
unsigned long pcc_totalram_pages(void) { return totalram_pages(); }

