// SPDX-License-Identifier: GPL-2.0
/*
 * pcc's module parameters. They are declared here, in C, so that they show
 * read-only in /sys/module/pcc/parameters/ as modules' parameters
 * conventionally do (this kernel's Rust module! macro registers its
 * parameters without a sysfs file, and takes no strings); Rust reads them
 * through the pcc_param_*() accessors (rust/ext/params.rs) at load.
 */
#include <linux/moduleparam.h>

#include "pcc_helpers.h"

static unsigned long size_pages = 4096;
module_param(size_pages, ulong, 0444);
MODULE_PARM_DESC(size_pages, "Capacity of /dev/pcc in pages (1 to 1048576)");

static bool fault_around = true;
module_param(fault_around, bool, 0444);
MODULE_PARM_DESC(fault_around, "Provide ->map_pages, so read faults map cached neighbours");

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

unsigned long pcc_param_size_pages(void) { return size_pages; }
bool pcc_param_fault_around(void) { return fault_around; }
const char *pcc_param_backing(void) { return backing ? backing : ""; }
unsigned int pcc_param_io_delay_us(void) { return io_delay_us; }
unsigned long pcc_param_cache_pages(void) { return cache_pages; }
