/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of pcc's selftests: open the device (or skip the whole
 * suite when it is truly absent), read the counters, reload the module.
 */
#ifndef PCC_TEST_H
#define PCC_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pcc.h"
#include "kselftest.h"

/* Skip the whole program, never pass, when /dev/pcc is not there. */
static inline void pcc_require_device(void)
{
	struct stat st;

	if (stat(PCC_DEVICE, &st) != 0)
		ksft_exit_skip("%s not present (%s): is pcc.ko loaded?\n",
			       PCC_DEVICE, strerror(errno));
}

static inline int pcc_stats(int fd, struct pcc_stats *s)
{
	return ioctl(fd, PCC_IOC_GET_STATS, s);
}

/* Path of pcc.ko in the guest; the runner exports PCC_KO. */
static inline const char *pcc_ko_path(void)
{
	const char *p = getenv("PCC_KO");

	return p ? p : "/pcc/pcc.ko";
}

static inline int pcc_unload(void)
{
	return syscall(__NR_delete_module, "pcc", O_NONBLOCK);
}

/* Load pcc.ko with the given parameters ("" for the defaults). */
static inline int pcc_load(const char *params)
{
	int fd = open(pcc_ko_path(), O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = syscall(__NR_finit_module, fd, params, 0);
	close(fd);
	return ret;
}

/*
 * Unload, waiting up to 5 s while pcc is still in use: the last reference
 * of a process that just exited or unmapped can be dropped a moment later
 * (a file's release may be deferred to a workqueue, delayed_fput). Says so
 * when it had to wait. Use pcc_unload() to check that unload is refused.
 */
static inline int pcc_unload_wait(void)
{
	int i;

	for (i = 0; i < 50; i++) {
		if (pcc_unload() == 0) {
			if (i)
				printf("# pcc was busy for %d ms before unloading\n", i * 100);
			return 0;
		}
		if (errno != EWOULDBLOCK)
			return -1;
		usleep(100 * 1000);
	}
	return -1;
}

/* Unload and load again with params; 0 on success, -1 with errno set. */
static inline int pcc_reload(const char *params)
{
	if (pcc_unload_wait() != 0 && errno != ENOENT)
		return -1;
	return pcc_load(params);
}

#endif /* PCC_TEST_H */
