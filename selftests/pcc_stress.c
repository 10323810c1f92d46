// SPDX-License-Identifier: GPL-2.0
/*
 * Faults, stores, read/write, writeback and reset racing each other on the
 * same pages, for a bounded time, in several processes. What it checks is
 * that every process finishes normally (no SIGBUS inside capacity, no
 * hang) and the counters stay consistent; the kernel's checkers in the
 * test kernel (lockdep, KASAN, DEBUG_VM, might_sleep) judge the rest, and
 * make check fails on any splat they print.
 *
 * make soak runs it beside the fuzzer, longer and on pages the fuzzer does
 * not use: PCC_STRESS_SECONDS sets the time, PCC_STRESS_FIRST the first
 * page (then it does not reset, which would wipe the fuzzer's pages too;
 * the fuzzer resets the device itself).
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "pcc_test.h"

#define PAGES	64

static long first;	/* first page used */
static int seconds = 3;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Each worker runs until the deadline; returns its exit status. */
static int worker(int kind, double deadline)
{
	long psz = sysconf(_SC_PAGESIZE);
	int fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	unsigned int seed = getpid();
	char buf[64];
	volatile char *p;
	long ops = 0;

	if (fd < 0)
		return 10;
	while (now() < deadline) {
		int pg = rand_r(&seed) % PAGES;

		switch (kind) {
		case 0:	/* shared mapping: loads and stores */
		case 1:
			p = mmap(NULL, PAGES * psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, first * psz);
			if (p == MAP_FAILED)
				return 11;
			for (int i = 0; i < 256; i++) {
				pg = rand_r(&seed) % PAGES;
				if (rand_r(&seed) & 1)
					p[pg * psz + (i % psz)] = (char)i;
				else
					(void)p[pg * psz];
			}
			munmap((void *)p, PAGES * psz);
			break;
		case 2:	/* private mapping: reads and copy-on-write stores */
			p = mmap(NULL, PAGES * psz, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, first * psz);
			if (p == MAP_FAILED)
				return 12;
			for (int i = 0; i < 64; i++)
				p[(rand_r(&seed) % PAGES) * psz] += 1;
			munmap((void *)p, PAGES * psz);
			break;
		case 3:	/* read/write, writeback, reset */
			if (pwrite(fd, buf, sizeof(buf), (off_t)(first + pg) * psz) != sizeof(buf))
				return 13;
			if (pread(fd, buf, sizeof(buf), (off_t)(first + pg) * psz) != sizeof(buf))
				return 14;
			if (ioctl(fd, PCC_IOC_WRITEBACK) < 0)
				return 15;
			if (!first && ops % 8 == 0 && ioctl(fd, PCC_IOC_RESET))
				return 16;
			break;
		}
		ops++;
	}
	close(fd);
	printf("# worker %d: %ld rounds\n", kind, ops);
	return 0;
}

/* No state: a fixture only for a timeout longer than the harness's 30 s. */
FIXTURE(race) {};
FIXTURE_SETUP(race) {}
FIXTURE_TEARDOWN(race) {}

/* make soak runs it for minutes; the VM's own timeout bounds it too. */
TEST_F_TIMEOUT(race, faults_writeback_and_reset_race_without_harm, 24 * 3600)
{
	double deadline = now() + seconds;
	struct pcc_stats s;
	pid_t pids[4];
	int i, st, fd;

	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0)
			_exit(worker(i, deadline));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &st, 0));
		EXPECT_TRUE(WIFEXITED(st)) TH_LOG("worker %d killed by signal %d", i,
						  WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		if (WIFEXITED(st))
			EXPECT_EQ(0, WEXITSTATUS(st)) TH_LOG("worker %d failed", i);
	}
	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pcc_stats(fd, &s));
	if (!first)
		EXPECT_GE(PAGES, s.pages_cached);
	EXPECT_GE(s.pages_cached, s.pages_dirty);
	EXPECT_LE(1, s.faults);
	/* Stores to pages a read mapped call ->page_mkwrite, if it is there. */
	if (strcmp(pcc_param("write_notify", NULL), "N")) {
		EXPECT_LE(1, s.mkwrite_calls);
	} else {
		EXPECT_EQ(0, s.mkwrite_calls);
	}
	TH_LOG("after the race: %llu faults, %llu mkwrite, %llu cached, %llu dirty, %llu written back",
	       s.faults, s.mkwrite_calls, s.pages_cached, s.pages_dirty, s.pages_written_back);
	if (!first)
		EXPECT_EQ(0, ioctl(fd, PCC_IOC_RESET));
	close(fd);
}

int main(int argc, char **argv)
{
	if (getenv("PCC_STRESS_SECONDS"))
		seconds = atoi(getenv("PCC_STRESS_SECONDS"));
	if (getenv("PCC_STRESS_FIRST"))
		first = atol(getenv("PCC_STRESS_FIRST"));
	pcc_require_device();
	return test_harness_run(argc, argv);
}
