// SPDX-License-Identifier: GPL-2.0
/*
 * pcc's module parameters. They are declared here, in C, so that they show
 * read-only in /sys/module/pcc/parameters/ as modules' parameters
 * conventionally do (this kernel's Rust module! macro registers its
 * parameters without a sysfs file, and takes no strings); Rust reads them
 * through the pcc_param_*() accessors (rust/ext/params.rs) at load.
 */
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "pcc_helpers.h"

static unsigned long size_pages = 4096;
module_param(size_pages, ulong, 0444);
MODULE_PARM_DESC(size_pages, "Capacity of /dev/pcc in pages (1 to 1048576)");

static bool fault_around = true;
module_param(fault_around, bool, 0444);
MODULE_PARM_DESC(fault_around, "Provide ->map_pages, so read faults map cached neighbours");

static bool write_notify = true;
module_param(write_notify, bool, 0444);
MODULE_PARM_DESC(write_notify, "Provide ->page_mkwrite, so the first store to a page of a shared mapping "
		 "calls it (0: mapped writable at once, as shmem's pages; only without a store)");

static char *backing = "";
module_param(backing, charp, 0444);
MODULE_PARM_DESC(backing, "Backing store: a block device or a file (empty: no store, pages live in memory only)");

static unsigned int io_delay_us;
module_param(io_delay_us, uint, 0444);
MODULE_PARM_DESC(io_delay_us, "Delay before each backing-store page read and write, in microseconds");

static unsigned long cache_pages;
module_param(cache_pages, ulong, 0444);
MODULE_PARM_DESC(cache_pages, "Most pages kept in memory (0: half of RAM, as tmpfs's size=). "
		 "Without a store, past it write() fails with ENOSPC and a fault gets SIGBUS; "
		 "with one, clean pages are evicted to stay under it");

/*
 * huge=: which folios pcc allocates, with the values and meaning of shmem's
 * huge= mount option (shmem_parse_huge). Parsed at load: a value not among
 * these fails the load with EINVAL, as a bad mount option does.
 */
static const char *const pcc_huge_names[] = { "never", "always", "within_size", "advise" };
static int huge;

static int pcc_huge_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(pcc_huge_names, val);

	if (i < 0) {
		pr_err("pcc: huge=%s is not one of never, always, within_size, advise (EINVAL)\n", val);
		return -EINVAL;
	}
	huge = i;
	return 0;
}

static int pcc_huge_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", pcc_huge_names[huge]);
}

static const struct kernel_param_ops pcc_huge_ops = {
	.set = pcc_huge_set,
	.get = pcc_huge_get,
};
module_param_cb(huge, &pcc_huge_ops, NULL, 0444);
MODULE_PARM_DESC(huge, "Which folios pcc allocates, as shmem's huge=: never (default), always, "
		 "within_size (the huge page within size_pages), advise (where MADV_HUGEPAGE asks)");

unsigned long pcc_param_size_pages(void) { return size_pages; }
bool pcc_param_fault_around(void) { return fault_around; }
bool pcc_param_write_notify(void) { return write_notify; }
const char *pcc_param_backing(void) { return backing ? backing : ""; }
unsigned int pcc_param_io_delay_us(void) { return io_delay_us; }
unsigned long pcc_param_cache_pages(void) { return cache_pages; }
/* 0 never, 1 always, 2 within_size, 3 advise. */
int pcc_param_huge(void) { return huge; }
