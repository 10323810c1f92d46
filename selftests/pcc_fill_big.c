// SPDX-License-Identifier: GPL-2.0
/*
 * Fill the largest device (1048576 pages, 4 GiB) without a store: pcc
 * stops at its memory limit (cache_pages=, by default half of RAM) with
 * ENOSPC, exactly there, and no process is killed: not the writer, not a
 * bystander holding memory of its own. Half of RAM is as much as a tmpfs
 * may hold by default; like tmpfs's pages, pcc's cannot be reclaimed
 * without a store, so the guest must have room for the rest (make check's
 * 1 GiB boot has; a guest of 192 MiB with a debug kernel has not).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "pcc_test.h"

#define CHUNK (1L << 20)

/* Filling half of a 1 GiB guest's memory takes longer than the default 30 s under TCG. */
FIXTURE(fill) {};
FIXTURE_SETUP(fill) {}
FIXTURE_TEARDOWN(fill) {}

TEST_F_TIMEOUT(fill, the_largest_device_stops_at_half_of_ram_with_enospc, 300)
{
	static char buf[CHUNK];
	unsigned long long written = 0, limit;
	struct sysinfo si;
	struct pcc_stats st;
	int fd, status, alive[2];
	pid_t bystander;
	ssize_t n;
	char c;

	ASSERT_EQ(0, pcc_reload("size_pages=1048576")) TH_LOG("reload: %s", strerror(errno));
	ASSERT_EQ(0, sysinfo(&si));
	/* totalram_pages() / 2, as pcc's default (and tmpfs's size=). */
	limit = (unsigned long long)si.totalram * si.mem_unit / 4096 / 2;
	ASSERT_EQ(0, pipe(alive));
	bystander = fork();
	ASSERT_LE(0, bystander);
	if (bystander == 0) {
		/* 16 MiB of its own, touched, then wait to be told to go. */
		char *m = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			_exit(1);
		memset(m, 1, 16 << 20);
		_exit(read(alive[0], &c, 1) == 1 ? 0 : 2);
	}
	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	memset(buf, 'f', sizeof(buf));
	for (;;) {
		n = pwrite(fd, buf, CHUNK, written);
		if (n <= 0)
			break;
		written += n;
	}
	EXPECT_EQ(-1, n);
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ(limit * 4096, written) TH_LOG("%llu pages written, limit %llu", written / 4096, limit);
	ASSERT_EQ(0, pcc_stats(fd, &st));
	EXPECT_EQ(limit, st.pages_cached);
	printf("# %llu MiB written of 4096 MiB: the limit is %llu pages (%lu MiB of RAM)\n",
	       written >> 20, limit, (unsigned long)(si.totalram * si.mem_unit >> 20));
	/* The bystander lived through it. */
	EXPECT_EQ(1, write(alive[1], "x", 1));
	ASSERT_EQ(bystander, waitpid(bystander, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) TH_LOG("status %#x", status);
	ASSERT_LE(0, ioctl(fd, PCC_IOC_RESET));
	close(fd);
	EXPECT_EQ(0, pcc_reload("")) TH_LOG("reload: %s", strerror(errno));
}

TEST_HARNESS_MAIN
