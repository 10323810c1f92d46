// SPDX-License-Identifier: GPL-2.0
/*
 * Store I/O errors on demand, with the kernel's fault-injection framework
 * (Documentation/fault-injection/fault-injection.rst), as drivers offer
 * their own (mmc's fail_mmc_request, null_blk's timeout): while pcc has a
 * store, /sys/kernel/debug/pcc/fail_store_read/, fail_store_write/ and
 * fail_store_sync/ hold the usual knobs (probability, interval, times,
 * space, verbose, task-filter). An injected failure makes that store page
 * read or write, or that sync of the store, fail with EIO before it
 * reaches the store, whatever the store is: a block device (where
 * fail_make_request would also do, if the kernel had it) or a regular
 * file (which nothing else can fail on demand). "times" counts down with
 * each failure, so a test reads how many there were.
 *
 * One more knob holds a window open that is otherwise too short to hit:
 * /sys/kernel/debug/pcc/written_delay_us, a pause between a store write
 * that succeeded and pcc's note that the store holds its pages, made while
 * those pages are still under writeback (0, the default: none).
 *
 * Without CONFIG_FAULT_INJECTION_DEBUG_FS there is nothing to set, and
 * nothing fails. rust/ext/inject.rs wraps it.
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>

#include "pcc_helpers.h"

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
static DECLARE_FAULT_ATTR(pcc_fail_store_read);
static DECLARE_FAULT_ATTR(pcc_fail_store_write);
static DECLARE_FAULT_ATTR(pcc_fail_store_sync);
static struct dentry *pcc_debugfs_dir;
static u32 pcc_written_delay_us;

/* Indexed by enum pcc_store_io (pcc_helpers.h). */
static struct {
	const char *name;
	struct fault_attr *attr;
} pcc_store_faults[] = {
	[PCC_STORE_READ] = { "fail_store_read", &pcc_fail_store_read },
	[PCC_STORE_WRITE] = { "fail_store_write", &pcc_fail_store_write },
	[PCC_STORE_SYNC] = { "fail_store_sync", &pcc_fail_store_sync },
};

int pcc_inject_init(void)
{
	struct dentry *d;
	unsigned int i;

	if (pcc_debugfs_dir)
		return -EBUSY;
	d = debugfs_create_dir("pcc", NULL);
	if (IS_ERR(d))
		return PTR_ERR(d);
	pcc_debugfs_dir = d;
	for (i = 0; i < ARRAY_SIZE(pcc_store_faults); i++) {
		/* Quiet by default: a stack dump per failure would read as a splat. */
		pcc_store_faults[i].attr->verbose = 0;
		d = fault_create_debugfs_attr(pcc_store_faults[i].name, pcc_debugfs_dir,
					      pcc_store_faults[i].attr);
		if (IS_ERR(d)) {
			debugfs_remove_recursive(pcc_debugfs_dir);
			pcc_debugfs_dir = NULL;
			return PTR_ERR(d);
		}
	}
	pcc_written_delay_us = 0;
	debugfs_create_u32("written_delay_us", 0600, pcc_debugfs_dir, &pcc_written_delay_us);
	return 0;
}

void pcc_inject_exit(void)
{
	debugfs_remove_recursive(pcc_debugfs_dir);
	pcc_debugfs_dir = NULL;
}

bool pcc_inject_store_fails(enum pcc_store_io io, size_t bytes)
{
	return io < ARRAY_SIZE(pcc_store_faults) && should_fail(pcc_store_faults[io].attr, bytes);
}

u32 pcc_inject_written_delay_us(void)
{
	return READ_ONCE(pcc_written_delay_us);
}
#else
int pcc_inject_init(void)
{
	return 0;
}

void pcc_inject_exit(void)
{
}

bool pcc_inject_store_fails(enum pcc_store_io io, size_t bytes)
{
	return false;
}

u32 pcc_inject_written_delay_us(void)
{
	return 0;
}
#endif
