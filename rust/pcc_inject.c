// SPDX-License-Identifier: GPL-2.0
/*
 * Store I/O errors on demand, with the kernel's fault-injection framework
 * (Documentation/fault-injection/fault-injection.rst), as drivers offer
 * their own (mmc's fail_mmc_request, null_blk's timeout): while pcc has a
 * store, /sys/kernel/debug/pcc/fail_store_read/ and fail_store_write/
 * hold the usual knobs (probability, interval, times, space, verbose,
 * task-filter). An injected failure makes that store read or write fail
 * with EIO before it reaches the store, whatever the store is: a block
 * device (where fail_make_request would also do, if the kernel had it) or
 * a regular file (which nothing else can fail on demand). "times" counts
 * down with each failure, so a test reads how many there were.
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
static struct dentry *pcc_debugfs_dir;

int pcc_inject_init(void)
{
	struct dentry *d;

	if (pcc_debugfs_dir)
		return -EBUSY;
	/* Quiet by default: a stack dump per failure would read as a splat. */
	pcc_fail_store_read.verbose = 0;
	pcc_fail_store_write.verbose = 0;
	d = debugfs_create_dir("pcc", NULL);
	if (IS_ERR(d))
		return PTR_ERR(d);
	pcc_debugfs_dir = d;
	d = fault_create_debugfs_attr("fail_store_read", pcc_debugfs_dir, &pcc_fail_store_read);
	if (!IS_ERR(d))
		d = fault_create_debugfs_attr("fail_store_write", pcc_debugfs_dir,
					      &pcc_fail_store_write);
	if (IS_ERR(d)) {
		debugfs_remove_recursive(pcc_debugfs_dir);
		pcc_debugfs_dir = NULL;
		return PTR_ERR(d);
	}
	return 0;
}

void pcc_inject_exit(void)
{
	debugfs_remove_recursive(pcc_debugfs_dir);
	pcc_debugfs_dir = NULL;
}

bool pcc_inject_store_fails(bool write, size_t bytes)
{
	return should_fail(write ? &pcc_fail_store_write : &pcc_fail_store_read, bytes);
}
#else
int pcc_inject_init(void)
{
	return 0;
}

void pcc_inject_exit(void)
{
}

bool pcc_inject_store_fails(bool write, size_t bytes)
{
	return false;
}
#endif
