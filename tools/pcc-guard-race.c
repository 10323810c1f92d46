// SPDX-License-Identifier: GPL-2.0
/*
 * pcc-guard-race: are guard regions (MADV_GUARD_INSTALL) of a MAP_SHARED
 * file mapping lost when the file is truncated while threads fault it?
 *
 *   pcc-guard-race [seconds (10)] [faulting threads (2)] [seed (1)]
 *                  [all | ftruncate | punch | remove (all)]
 *
 * pcc: a /dev/pcc mapping takes guard regions as a file's does (it is
 * not VM_SPECIAL); that MADV_GUARD_INSTALL works there is checked last, so
 * the same race applies to PCC_IOC_RESET, a truncation.
 *
 * memfd: 8 guard pages in a 64-page MAP_SHARED mapping G. The main thread
 * empties the file again and again by ftruncate(0) + ftruncate(size),
 * fallocate(PUNCH_HOLE) or madvise(MADV_REMOVE) (in turn, or only the one
 * named), then reads each guard page's /proc/self/pagemap entry (bit 58,
 * PM_GUARD_REGION). A guard gone is confirmed by an access that raises no
 * SIGSEGV, counted and installed again. Two phases of half the time each:
 *   neighbours  the faulting threads touch (and MADV_DONTNEED) random
 *               unguarded pages of G: the claim as stated;
 *   alias       they touch random pages of a second mapping A of the same
 *               memfd, half of them at the guard pages' file offsets.
 * A marker goes when truncate_cleanup_folio() finds the folio mapped again
 * after unmap_mapping_range(): unmap_mapping_folio() then zaps that file
 * offset in every mapping with ZAP_FLAG_DROP_MARKER. G cannot map a folio
 * at its own guard page, so only another mapping (or a large folio) can.
 *
 * Exit status 0 whatever was found; 1 on an unexpected error.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pcc.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#define PM_GUARD_REGION (1ULL << 58)

#define NPAGES 64
#define NGUARD 8
#define MAXF 4
#define GUARD(i) (4 + 8 * (i))	/* pages 4, 12, ..., 60 */

static long psz;
static int mfd, pagemap_fd;
static char *g, *a;		/* guarded mapping, alias mapping (or NULL) */
static volatile int stop;
static unsigned int seed = 1;
static int only = -1;		/* the one way to empty the file, or -1: all */
static long faults[MAXF], sigbus[MAXF], bad_segv;
static __thread sigjmp_buf *jb;

static void die(const char *what)
{
	fprintf(stderr, "pcc-guard-race: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void on_fault(int sig)
{
	siglongjmp(*jb, sig);
}

/* Load or store one byte: 0, or the signal it raised. */
static int touch(char *p, int write)
{
	sigjmp_buf here;
	int sig;

	jb = &here;
	sig = sigsetjmp(here, 1);
	if (!sig) {
		if (write)
			*(volatile char *)p = 1;
		else
			(void)*(volatile char *)p;
	}
	return sig;
}

static void *faulter(void *arg)
{
	int t = (int)(intptr_t)arg, pg, sig;
	unsigned int r = seed * 1000003u + t;
	char *p;

	while (!stop) {
		pg = rand_r(&r) % NPAGES;
		if (a) {
			if (rand_r(&r) & 1)
				pg = GUARD(pg % NGUARD);
			p = a + pg * psz;
		} else {
			if (pg % 8 == 4)	/* a guard page */
				pg++;
			p = g + pg * psz;
		}
		sig = touch(p, rand_r(&r) & 1);
		if (sig == SIGBUS)
			sigbus[t]++;	/* between ftruncate(0) and ftruncate(size) */
		else if (sig)
			__atomic_add_fetch(&bad_segv, 1, __ATOMIC_RELAXED);
		faults[t]++;
		madvise(p, psz, MADV_DONTNEED);
	}
	return NULL;
}

static int guard_present(int i)
{
	uint64_t e;
	off_t off = (off_t)((uintptr_t)(g + GUARD(i) * psz) / psz) * 8;

	if (pread(pagemap_fd, &e, 8, off) != 8)
		die("pread /proc/self/pagemap");
	return !!(e & PM_GUARD_REGION);
}

static void install(int i)
{
	if (madvise(g + GUARD(i) * psz, psz, MADV_GUARD_INSTALL))
		die("MADV_GUARD_INSTALL on memfd");
}

/* Every guard page in pagemap and raising SIGSEGV, or exit. */
static void check_all(const char *when)
{
	for (int i = 0; i < NGUARD; i++)
		if (!guard_present(i) || touch(g + GUARD(i) * psz, 0) != SIGSEGV) {
			fprintf(stderr, "pcc-guard-race: guard page %d gone %s\n", GUARD(i), when);
			exit(1);
		}
}

/* One phase; returns the number of guard pages lost at least once. */
static int phase(const char *name, int alias, int secs, int nf, long *events)
{
	long rounds[3] = { 0 }, lost[3] = { 0 }, nfaults = 0, nbus = 0;
	int ever[NGUARD] = { 0 }, i, k, n = 0;
	size_t size = NPAGES * psz;
	pthread_t th[MAXF];
	time_t end;

	if (ftruncate(mfd, size))
		die("ftruncate");
	g = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	a = alias ? mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0) : NULL;
	if (g == MAP_FAILED || a == MAP_FAILED)
		die("mmap memfd");
	memset(g, 'x', size);	/* every page cached and mapped before the guards */
	for (i = 0; i < NGUARD; i++)
		install(i);
	check_all("after install");
	stop = 0;
	for (i = 0; i < nf; i++)
		if ((errno = pthread_create(&th[i], NULL, faulter, (void *)(intptr_t)i)))
			die("pthread_create");
	end = time(NULL) + secs;
	for (k = only < 0 ? 0 : only; time(NULL) < end; k = only < 0 ? (k + 1) % 3 : only) {
		if (k == 0 && (ftruncate(mfd, 0) || ftruncate(mfd, size)))
			die("ftruncate");
		if (k == 1 && fallocate(mfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, size))
			die("fallocate PUNCH_HOLE");
		if (k == 2 && madvise(g, size, MADV_REMOVE))
			die("MADV_REMOVE");
		rounds[k]++;
		for (i = 0; i < NGUARD; i++) {
			if (guard_present(i))
				continue;
			if (touch(g + GUARD(i) * psz, 0) == SIGSEGV)
				die("no marker in pagemap, yet SIGSEGV");
			lost[k]++;
			ever[i] = 1;
			install(i);
		}
	}
	stop = 1;
	for (i = 0; i < nf; i++) {
		pthread_join(th[i], NULL);
		nfaults += faults[i];
		nbus += sigbus[i];
		faults[i] = sigbus[i] = 0;
	}
	check_all("at the end, with no truncation running");
	for (i = 0; i < NGUARD; i++)
		n += ever[i];
	printf("phase %-10s %ld rounds (ftruncate %ld, punch %ld, MADV_REMOVE %ld), %ld accesses (%ld SIGBUS), "
	       "markers lost: %ld (ftruncate %ld, punch %ld, MADV_REMOVE %ld), %d of %d guard pages\n",
	       name, rounds[0] + rounds[1] + rounds[2], rounds[0], rounds[1], rounds[2], nfaults, nbus,
	       lost[0] + lost[1] + lost[2], lost[0], lost[1], lost[2], n, NGUARD);
	*events += lost[0] + lost[1] + lost[2];
	munmap(g, size);
	if (a)
		munmap(a, size);
	return n;
}

/* pcc: guards are installed on its mapping as on a file's. Returns 0 if so. */
static int try_pcc(void)
{
	int fd = open(PCC_DEVICE, O_RDWR);
	char *p;

	if (fd < 0) {
		printf("pcc: %s: %s: not tried\n", PCC_DEVICE, strerror(errno));
		return 0;
	}
	p = mmap(NULL, 4 * psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap " PCC_DEVICE);
	if (madvise(p + psz, psz, MADV_GUARD_INSTALL) != 0) {
		printf("pcc: MADV_GUARD_INSTALL failed (%s), as it does not on a file\n", strerror(errno));
		return 1;
	}
	printf("pcc: MADV_GUARD_INSTALL works, as on a file: PCC_IOC_RESET meets the same race\n");
	munmap(p, 4 * psz);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 10, nf = argc > 2 ? atoi(argv[2]) : 2, n;
	struct sigaction sa = { .sa_handler = on_fault };
	long events = 0;

	if (argc > 3)
		seed = strtoul(argv[3], NULL, 0);
	for (n = 0; argc > 4 && n < 3; n++)
		if (!strcmp(argv[4], (const char *[]){ "ftruncate", "punch", "remove" }[n]))
			only = n;
	if (secs < 2 || nf < 1 || nf > MAXF || (argc > 4 && only < 0 && strcmp(argv[4], "all"))) {
		fprintf(stderr, "usage: pcc-guard-race [seconds >= 2] [threads 1-%d] [seed] "
			"[all|ftruncate|punch|remove]\n", MAXF);
		return 1;
	}
	psz = sysconf(_SC_PAGESIZE);
	if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGBUS, &sa, NULL))
		die("sigaction");
	mfd = memfd_create("pcc-guard-race", 0);
	pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	if (mfd < 0 || pagemap_fd < 0)
		die("memfd_create or open /proc/self/pagemap");
	printf("memfd: %d s, %d faulting threads, seed %u, %s, %d pages, guards at pages 4, 12, ..., 60\n",
	       secs, nf, seed, argc > 4 ? argv[4] : "all", NPAGES);
	n = phase("neighbours", 0, secs / 2, nf, &events);
	n += phase("alias", 1, secs - secs / 2, nf, &events);
	if (bad_segv) {
		fprintf(stderr, "pcc-guard-race: %ld SIGSEGV on unguarded pages\n", bad_segv);
		return 1;
	}
	printf("memfd: %d of %d guard pages lost (%ld marker losses in all)\n", n, 2 * NGUARD, events);
	return try_pcc();
}
