// SPDX-License-Identifier: GPL-2.0
/*
 * A store larger than the machine's memory: pcc with backing=/dev/vda and
 * a store of MIB MiB (the first argument, a multiple of 64; 1024 without
 * one), more than all the memory the kernel has (make check: 128 MiB in a
 * guest of 160 MiB, whose debug kernel has 60 to 70 MiB; make check-long:
 * 1 GiB in 512 MiB, 370 MiB). Every
 * page is written through 64 MiB MAP_SHARED windows (each munmapped before
 * the next), then every 8-byte word is read back through fresh windows and
 * compared. Only eviction can make room (pcc's own at its cache_pages=
 * limit, and the kernel's reclaim, which drops its clean pages from the
 * LRU as a file's), so pages must be written to the store and dropped
 * (pages_evicted) and come back from it.
 *
 * Built by `make user` as $(PCC_OUT)/selftests-big/pcc_store_big, to be
 * run in a boot of its own with little memory (make check's second boot).
 * It unloads pcc, starts from a fresh store (header zeroed) and leaves pcc
 * loaded with its defaults. Prints TAP.
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <time.h>

#include "pcc_test.h"

#define PSZ		PCC_STORE_PAGE
#define WINDOW_PAGES	((64UL << 20) / PSZ)	/* 16384 pages, 64 MiB */
#define SHOW_BAD	5			/* wrong words printed at most */

static unsigned long size_pages = 262144;	/* 1 GiB */

static sigjmp_buf bus_jmp;
static void *volatile bus_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	bus_addr = si->si_addr;
	siglongjmp(bus_jmp, 1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Fill the window's pages, or count (and show the first few of) its wrong words. */
static void __attribute__((noinline))
touch_window(uint64_t *p, unsigned long first, uint64_t seed, int write, unsigned long *bad)
{
	unsigned long i, w;

	for (i = 0; i < WINDOW_PAGES; i++) {
		uint64_t *page = p + i * (PSZ / 8);

		if (write) {
			pcc_fill_page(page, first + i, seed);
			continue;
		}
		for (w = 0; w < PSZ / 8; w++) {
			uint64_t want = pcc_pattern(first + i, w, seed);

			if (page[w] == want)
				continue;
			if (++*bad <= SHOW_BAD)
				ksft_print_msg("page %lu word %lu: %#llx, want %#llx\n", first + i, w,
					       (unsigned long long)page[w], (unsigned long long)want);
		}
	}
}

/* One 64 MiB window: 0, or -1 after printing why. */
static int window(int fd, unsigned long first, uint64_t seed, int write, unsigned long *bad)
{
	size_t len = WINDOW_PAGES * PSZ;
	void *p = mmap(NULL, len, write ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED, fd,
		       first * PSZ);
	int ret = 0;

	if (p == MAP_FAILED) {
		ksft_print_msg("mmap of pages %lu-%lu: %s\n", first, first + WINDOW_PAGES - 1,
			       strerror(errno));
		return -1;
	}
	if (sigsetjmp(bus_jmp, 1) == 0) {
		touch_window(p, first, seed, write, bad);
	} else {
		ksft_print_msg("SIGBUS at page %lu\n",
			       first + ((char *)bus_addr - (char *)p) / PSZ);
		ret = -1;
	}
	munmap(p, len);
	return ret;
}

/* Every window in turn; 0 if nothing failed and no word was wrong. */
static int pass(int fd, uint64_t seed, int write)
{
	unsigned long w, bad = 0;
	double t0 = now();

	for (w = 0; w < size_pages / WINDOW_PAGES; w++) {
		if (window(fd, w * WINDOW_PAGES, seed, write, &bad))
			return -1;
		ksft_print_msg("%s %lu MiB in %.1f s\n", write ? "wrote" : "checked",
			       (w + 1) * WINDOW_PAGES * PSZ >> 20, now() - t0);
	}
	if (bad)
		ksft_print_msg("%lu wrong words\n", bad);
	return bad ? -1 : 0;
}

static void show(int fd, const char *when)
{
	struct pcc_io_stats io;
	struct pcc_stats s;

	if (pcc_stats(fd, &s) || pcc_io_stats(fd, &io)) {
		ksft_print_msg("%s: stats: %s\n", when, strerror(errno));
		return;
	}
	ksft_print_msg("%s: cached %llu dirty %llu, store reads %llu writes %llu, evicted %llu, major faults %llu, retries %llu\n",
		       when, (unsigned long long)s.pages_cached, (unsigned long long)s.pages_dirty,
		       (unsigned long long)io.store_reads, (unsigned long long)io.store_writes,
		       (unsigned long long)io.pages_evicted, (unsigned long long)io.major_faults,
		       (unsigned long long)io.fault_retries);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	uint64_t seed = ((uint64_t)time(NULL) ^ (uint64_t)getpid()) % 0xffff + 1;
	struct pcc_io_stats io;
	char params[160];
	struct sysinfo si;
	int fd, written, checked, ok;
	unsigned long long ram = 0;
	struct stat st;
	long cleaned;

	if (argc > 1) {
		char *end;
		unsigned long mib = strtoul(argv[1], &end, 10);

		if (*end || !mib || mib % 64) {
			fprintf(stderr, "usage: %s [MiB, a multiple of 64; 1024 by default]\n", argv[0]);
			return 2;
		}
		size_pages = mib << 20 >> 12;
	}
	ksft_print_header();
	if (sysconf(_SC_PAGESIZE) != PSZ)
		ksft_exit_skip("the store's layout is in 4096-byte pages\n");
	if (stat(PCC_STORE_DISK, &st) != 0)
		ksft_exit_skip("%s not present: the VM has no disk for the store\n", PCC_STORE_DISK);
	ksft_set_plan(7);
	if (sysinfo(&si) == 0)
		ram = (unsigned long long)si.totalram * si.mem_unit;
	ksft_print_msg("seed %llu\n", (unsigned long long)seed);
	/* The premise: no cache of the kernel's could hold the data. */
	ksft_test_result(ram && size_pages * PSZ > ram,
			 "the store (%lu MiB) is larger than all the memory the kernel has (%llu MiB)\n",
			 size_pages * PSZ >> 20, ram >> 20);

	ok = pcc_reload_fresh_store(PCC_STORE_DISK, size_pages, "", params, sizeof(params)) == 0;
	if (!ok)
		ksft_print_msg("%s: %s\n", params, strerror(errno));
	ksft_test_result(ok, "load pcc with %s on a fresh store\n", params);
	fd = ok ? open(PCC_DEVICE, O_RDWR | O_CLOEXEC) : -1;
	if (fd < 0) {
		pcc_reload("");
		ksft_exit_fail_msg("no device to test: %s\n", strerror(errno));
	}
	sigaction(SIGBUS, &sa, NULL);

	written = pass(fd, seed, 1) == 0;
	show(fd, "after writing");
	ksft_test_result(written, "every page written through 64 MiB MAP_SHARED windows\n");

	checked = written && pass(fd, seed, 0) == 0;
	show(fd, "after reading");
	ksft_test_result(checked, "every word read back through fresh windows as written\n");

	/*
	 * Whatever is still dirty goes to the store now, so that every page
	 * has been written at least once: store_writes >= size_pages, more when
	 * reclaim wrote a page back while it was being filled and it was
	 * dirtied again.
	 */
	cleaned = ioctl(fd, PCC_IOC_WRITEBACK);
	ksft_print_msg("final writeback: %ld pages\n", cleaned);
	if (pcc_io_stats(fd, &io))
		memset(&io, 0, sizeof(io));
	ksft_test_result(io.pages_evicted > 0, "pages were evicted (%llu)\n",
			 (unsigned long long)io.pages_evicted);
	ksft_test_result(cleaned >= 0 && io.store_writes >= size_pages,
			 "every page was written to the store (store_writes %llu)\n",
			 (unsigned long long)io.store_writes);
	close(fd);

	ksft_test_result(pcc_reload("") == 0, "pcc loads with its defaults again\n");
	ksft_finished();
}
