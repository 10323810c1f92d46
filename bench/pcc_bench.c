// SPDX-License-Identifier: GPL-2.0
/*
 * pcc_bench: what a page fault costs through pcc, against the kernel's own
 * C paths doing the same work: shmem (a memfd, MAP_SHARED), anonymous
 * memory, and a file on ext4 (filemap_fault) for major faults.
 *
 *   pcc_bench [-n pages] [-r rounds] [-w warmup] [-f ext4-file] [-d pcc-disk] [-e ext4-disk]
 *             [-c case,...] [-s system] PHASE
 *
 * PHASE is what the loaded pcc was configured for (scripts/bench.sh loads
 * it and sets fault_around_bytes):
 *   main   fault-around on: every case but the major fault;
 *   nofa   fault_around=0 (and fault_around_bytes=4096 for shmem);
 *   fab4k  fault_around=1 but fault_around_bytes=4096 for both: each
 *          read calls ->fault, and pcc keeps ->map_pages, so the fault
 *          stays under the per-VMA lock as shmem's does;
 *   nonotify  pcc loaded with write_notify=0 (no ->page_mkwrite, as
 *          shmem has none): the stores, against shmem's, by one thread
 *          and by two on the same pages;
 *   major  pcc on a store, against the ext4 file -f;
 *   huge   pcc loaded with huge=always, against shmem with its huge pages
 *          on (shmem_enabled=always): PMD-sized folios on both, mapped
 *          by one PMD per 2 MiB.
 *
 * Every round runs every case once on every system, the systems in an
 * order that rotates with the round, so that drift in the machine hits all
 * of them alike; the first -w rounds are warm-up and not printed. Each run
 * prints one line:
 *
 *   S <case> <system> <round> <ns per page> <task faults per page>
 *
 * (scripts/bench_table.py turns them into the table). Only the accesses
 * are timed: mapping, populating and unmapping are not. The fault count is
 * the task's minor + major faults (getrusage) over the timed accesses.
 * The major cases also print what the system's disk did meanwhile (its
 * /sys/class/block/<dev>/stat: -d for pcc's store, -e for ext4's):
 *
 *   D <case> <system> <round> <read requests> <sectors read>
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "pcc.h"

#define PAGE 4096UL

static unsigned long npages = 4096;
static int rounds = 11, warmup = 2;
static const char *ext4_path;
static const char *only;	/* -c: these cases only (comma-separated) */
static const char *only_sys;	/* -s: this system only */
static const char *pcc_disk, *ext4_disk;	/* -d, -e: their disks (major) */
static char *buf;		/* one page of data for pwrite */

static void die(const char *what)
{
	fprintf(stderr, "pcc_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* 64-bit on every architecture: a 32-bit long wraps every 4.3 s. */
static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long task_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

/* A system under test: a file (or none, for anonymous memory). */
struct sys {
	const char *name;
	int fd;			/* -1: anonymous memory */
	int (*empty)(struct sys *);	/* drop every cached page */
	int (*fill)(struct sys *);	/* every page cached (clean for pcc's store) */
	const char *disk;	/* its block device's name in /sys/class/block, or NULL */
};

/* The disk's completed read requests and sectors read so far; 0 without one. */
static void disk_reads(const struct sys *s, unsigned long long *reqs, unsigned long long *sectors)
{
	char path[96];
	unsigned long long f[3];
	FILE *st;

	*reqs = *sectors = 0;
	if (!s->disk)
		return;
	snprintf(path, sizeof(path), "/sys/class/block/%s/stat", s->disk);
	st = fopen(path, "r");
	if (!st)
		die(path);
	if (fscanf(st, "%llu %llu %llu", &f[0], &f[1], &f[2]) != 3)
		die(path);
	fclose(st);
	*reqs = f[0];
	*sectors = f[2];
}

static unsigned long long disk_r0, disk_s0;

static void disk_start(const struct sys *s)
{
	disk_reads(s, &disk_r0, &disk_s0);
}

static void disk_end(const char *c, const struct sys *s, int round)
{
	unsigned long long r, sec;

	disk_reads(s, &r, &sec);
	if (s->disk && round >= 0)
		printf("D %s %s %d %llu %llu\n", c, s->name, round, r - disk_r0, sec - disk_s0);
}

static int pwrite_all(int fd)
{
	for (unsigned long i = 0; i < npages; i++)
		if (pwrite(fd, buf, PAGE, i * PAGE) != (ssize_t)PAGE)
			return -1;
	return 0;
}

static int pcc_empty(struct sys *s) { return ioctl(s->fd, PCC_IOC_RESET); }
static int pcc_fill(struct sys *s) { return pwrite_all(s->fd); }

static int shmem_empty(struct sys *s)
{
	if (ftruncate(s->fd, 0) || ftruncate(s->fd, npages * PAGE))
		return -1;
	return 0;
}

static int shmem_fill(struct sys *s) { return pwrite_all(s->fd); }

/* The store's pages out of memory: written back, then evicted. */
static int pcc_store_cold(struct sys *s)
{
	if (ioctl(s->fd, PCC_IOC_WRITEBACK) < 0)
		return -1;
	return ioctl(s->fd, PCC_IOC_EVICT) < 0 ? -1 : 0;
}

static int ext4_cold(struct sys *s)
{
	if (fsync(s->fd))
		return -1;
	errno = posix_fadvise(s->fd, 0, 0, POSIX_FADV_DONTNEED);
	return errno ? -1 : 0;
}

static char *map(struct sys *s, int prot, int flags)
{
	void *p;

	if (s->fd < 0)
		p = mmap(NULL, npages * PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	else
		p = mmap(NULL, npages * PAGE, prot, flags, s->fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static volatile unsigned long sink;

static void touch(char *p, unsigned long first, unsigned long n, int store)
{
	unsigned long sum = 0;

	for (unsigned long i = first; i < first + n; i++) {
		if (store)
			((volatile char *)p)[i * PAGE] = (char)i;
		else
			sum += ((volatile char *)p)[i * PAGE];
	}
	sink += sum;
}

struct half {
	char *p;
	unsigned long first, n;
	int store;
	pthread_barrier_t *ready, *go;
	/* When this thread's last access returned. */
	int64_t end;
};

static void *half_thread(void *arg)
{
	struct half *h = arg;

	pthread_barrier_wait(h->ready);
	pthread_barrier_wait(h->go);
	touch(h->p, h->first, h->n, h->store);
	h->end = now_ns();
	return NULL;
}

/*
 * Time accesses to every page, by one thread, or by two on disjoint halves,
 * or by two each over every page in the same order (`same`: they fault
 * the same pages at the same time). Two threads are timed from their
 * release, once both are running (the ready barrier), to the later one's
 * last access: thread creation and exit are not timed, as the one-thread
 * case has none.
 */
static void timed(const char *name, const char *sys, int round, char *p, int store,
		  int threads, int same)
{
	long f0;
	int64_t t0, t1;

	if (threads == 1) {
		int64_t t2, t3;

		f0 = task_faults();
		t0 = now_ns();
		touch(p, 0, npages, store);
		t1 = now_ns();
		/*
		 * The same accesses again, every page now mapped: what the loop
		 * and the accesses cost without a fault. The <case>-net line is
		 * the first pass less this one: the fault path's own cost.
		 */
		t2 = now_ns();
		touch(p, 0, npages, store);
		t3 = now_ns();
		if (round >= 0)
			printf("S %s-net %s %d %.1f %.3f\n", name, sys, round,
			       (double)((t1 - t0) - (t3 - t2)) / npages,
			       (double)(task_faults() - f0) / npages);
	} else {
		pthread_t t[2];
		struct half h[2];
		pthread_barrier_t ready, go;

		pthread_barrier_init(&ready, NULL, 3);
		pthread_barrier_init(&go, NULL, 3);
		for (int i = 0; i < 2; i++) {
			h[i] = same ? (struct half){ p, 0, npages, store, &ready, &go, 0 } :
				      (struct half){ p, i * (npages / 2), npages / 2, store, &ready, &go, 0 };
			if (pthread_create(&t[i], NULL, half_thread, &h[i]))
				die("pthread_create");
		}
		pthread_barrier_wait(&ready);
		f0 = task_faults();
		t0 = now_ns();
		pthread_barrier_wait(&go);
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
		t1 = h[0].end > h[1].end ? h[0].end : h[1].end;
		pthread_barrier_destroy(&ready);
		pthread_barrier_destroy(&go);
	}
	if (round >= 0)
		printf("S %s %s %d %.1f %.3f\n", name, sys, round,
		       (double)(t1 - t0) / npages, (double)(task_faults() - f0) / npages);
}

enum what { READ, STORE };

/* The user buffer of the read() and write() cases: 128 KiB a call. */
static char syscall_buf[128 << 10];

/* Time read() (or write()) of every page in 128 KiB calls. */
static void syscalls(const char *c, struct sys *s, int round, int write)
{
	long f0 = task_faults();
	int64_t t0 = now_ns(), t1;

	for (unsigned long off = 0; off < npages * PAGE; off += sizeof(syscall_buf))
		if ((write ? pwrite(s->fd, syscall_buf, sizeof(syscall_buf), off) :
			     pread(s->fd, syscall_buf, sizeof(syscall_buf), off)) !=
		    (ssize_t)sizeof(syscall_buf))
			die(write ? "pwrite" : "pread");
	t1 = now_ns();
	if (round >= 0)
		printf("S %s %s %d %.1f %.3f\n", c, s->name, round,
		       (double)(t1 - t0) / npages, (double)(task_faults() - f0) / npages);
}

static void must(int r, const char *what)
{
	if (r < 0)
		die(what);
}

/*
 * One case on one system. The cases (Documentation/performance.md):
 *   read-cached     every page cached, read through a fresh shared mapping
 *   read-cold       nothing cached: each read allocates (anon: zero page)
 *   store-cold      nothing cached: each store allocates (anon: private)
 *   store-after-read  cached pages read through the mapping, then stored
 *                   to: pcc's page_mkwrite (shmem maps them writable, and
 *                   so does pcc in the nonotify phase)
 *   writeback       pcc's PCC_IOC_WRITEBACK of every dirty mapped page,
 *                   per page (shmem: msync(MS_ASYNC), nothing to write)
 *   store-after-writeback  the stores that follow it
 *   store-private   stores to cached pages in a MAP_PRIVATE mapping (COW)
 *   read-cold-2t, read-cached-2t, store-cold-2t, and their -1t twins:
 *                   the same work by one thread or two on disjoint halves
 *   read-syscall-cached  every page cached, read with read() in 128 KiB
 *                   calls (pread)
 *   write-syscall-cold  nothing cached, every page written with write()
 *                   in 128 KiB calls (pwrite)
 *   read-cold-same-2t, store-cold-same-2t  two threads, each over every
 *                   page in the same order: both fault the same pages
 *   read-major-seq  (major) pages on the disk only, read in order through
 *                   a mapping: both read ahead (read-around, then the
 *                   asynchronous window at each PG_readahead mark)
 *   read-major-rand the same with MADV_RANDOM on both: one page per fault
 *   read-syscall-seq  the same pages read with read() in 128 KiB calls
 */
static void run_case(const char *c, struct sys *s, int round)
{
	int anon = s->fd < 0;
	char *p;

	if (!strcmp(c, "read-cached") || !strcmp(c, "read-cached-1t") ||
	    !strcmp(c, "read-cached-2t")) {
		if (anon)
			return;
		must(s->fill(s), "fill");
		p = map(s, PROT_READ, MAP_SHARED);
		timed(c, s->name, round, p, 0, strstr(c, "-2t") ? 2 : 1, 0);
	} else if (!strcmp(c, "read-cold") || !strcmp(c, "read-cold-1t") ||
		   !strcmp(c, "read-cold-2t") || !strcmp(c, "read-cold-same-2t") ||
		   !strcmp(c, "store-cold") || !strcmp(c, "store-cold-1t") ||
		   !strcmp(c, "store-cold-2t") || !strcmp(c, "store-cold-same-2t")) {
		int store = c[0] == 's';

		if (!anon)
			must(s->empty(s), "empty");
		p = map(s, store ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED);
		timed(c, s->name, round, p, store, strstr(c, "-2t") ? 2 : 1, !!strstr(c, "-same"));
	} else if (!strcmp(c, "store-after-read")) {
		if (anon)
			return;
		must(s->fill(s), "fill");
		p = map(s, PROT_READ | PROT_WRITE, MAP_SHARED);
		touch(p, 0, npages, 0);
		timed(c, s->name, round, p, 1, 1, 0);
	} else if (!strcmp(c, "writeback")) {
		long f0;
		int64_t t0, t1, t2;

		if (anon)
			return;
		must(s->fill(s), "fill");
		p = map(s, PROT_READ | PROT_WRITE, MAP_SHARED);
		touch(p, 0, npages, 1);
		f0 = task_faults();
		t0 = now_ns();
		if (!strcmp(s->name, "pcc"))
			must(ioctl(s->fd, PCC_IOC_WRITEBACK), "PCC_IOC_WRITEBACK");
		else
			must(msync(p, npages * PAGE, MS_ASYNC), "msync");
		t1 = now_ns();
		if (round >= 0)
			printf("S writeback %s %d %.1f %.3f\n", s->name, round,
			       (double)(t1 - t0) / npages, (double)(task_faults() - f0) / npages);
		f0 = task_faults();
		t1 = now_ns();
		touch(p, 0, npages, 1);
		t2 = now_ns();
		if (round >= 0)
			printf("S store-after-writeback %s %d %.1f %.3f\n", s->name, round,
			       (double)(t2 - t1) / npages, (double)(task_faults() - f0) / npages);
	} else if (!strcmp(c, "store-private")) {
		if (anon)
			return;
		must(s->fill(s), "fill");
		p = map(s, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		timed(c, s->name, round, p, 1, 1, 0);
	} else if (!strcmp(c, "read-major-seq") || !strcmp(c, "read-major-rand")) {
		must(s->empty(s), "cold");
		p = map(s, PROT_READ, MAP_SHARED);
		if (!strcmp(c, "read-major-rand"))
			must(madvise(p, npages * PAGE, MADV_RANDOM), "madvise");
		disk_start(s);
		timed(c, s->name, round, p, 0, 1, 0);
		disk_end(c, s, round);
	} else if (!strcmp(c, "read-syscall-cached") || !strcmp(c, "write-syscall-cold")) {
		int write = c[0] == 'w';

		if (anon)
			return;
		must(write ? s->empty(s) : s->fill(s), "prepare");
		syscalls(c, s, round, write);
		return;
	} else if (!strcmp(c, "read-syscall-seq")) {
		must(s->empty(s), "cold");
		disk_start(s);
		syscalls(c, s, round, 0);
		disk_end(c, s, round);
		return;
	} else {
		fprintf(stderr, "pcc_bench: no case %s\n", c);
		exit(2);
	}
	if (munmap(p, npages * PAGE))
		die("munmap");
}

static int selected(const char *c)
{
	size_t n = strlen(c);

	for (const char *p = only; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncmp(p, c, n) && (p[n] == ',' || !p[n]))
			return 1;
	return 0;
}

static const char *main_cases[] = {
	"read-cached", "read-cold", "store-cold", "store-after-read", "writeback",
	"store-private", "read-cold-1t", "read-cold-2t", "read-cached-1t",
	"read-cached-2t", "store-cold-1t", "store-cold-2t", "read-cold-same-2t",
	"store-cold-same-2t", "read-syscall-cached", "write-syscall-cold", NULL,
};
static const char *nofa_cases[] = { "read-cached", NULL };
static const char *nonotify_cases[] = { "store-cold", "store-after-read", "store-cold-1t",
					 "store-cold-same-2t", NULL };
static const char *major_cases[] = { "read-major-seq", "read-major-rand", "read-syscall-seq", NULL };
static const char *huge_cases[] = { "read-cached", "read-cold", "store-cold", "store-after-read", NULL };

int main(int argc, char **argv)
{
	struct sys sys[3];
	const char **cases;
	const char *phase;
	int nsys = 0, opt;

	while ((opt = getopt(argc, argv, "n:r:w:f:c:s:d:e:")) != -1) {
		switch (opt) {
		case 'n': npages = strtoul(optarg, NULL, 0); break;
		case 'r': rounds = atoi(optarg); break;
		case 'w': warmup = atoi(optarg); break;
		case 'f': ext4_path = optarg; break;
		case 'c': only = optarg; break;
		case 's': only_sys = optarg; break;
		case 'd': pcc_disk = optarg; break;
		case 'e': ext4_disk = optarg; break;
		default:
			fprintf(stderr, "usage: pcc_bench [-n pages] [-r rounds] [-w warmup] [-f ext4-file] [-d pcc-disk] [-e ext4-disk] [-c case,...] [-s system] main|nofa|fab4k|nonotify|major|huge\n");
			return 2;
		}
	}
	if (optind != argc - 1 || npages < 2 || npages % 2)
		return fprintf(stderr, "pcc_bench: one phase, and an even number of pages\n"), 2;
	phase = argv[optind];
	buf = malloc(PAGE);
	if (!buf)
		die("malloc");
	memset(buf, 0x5a, PAGE);

	int pfd = open(PCC_DEVICE, O_RDWR);
	__u64 size;

	if (pfd < 0)
		die(PCC_DEVICE);
	must(ioctl(pfd, PCC_IOC_GET_SIZE, &size), "PCC_IOC_GET_SIZE");
	if (size < npages * PAGE)
		return fprintf(stderr, "pcc_bench: /dev/pcc has %llu bytes, -n wants %lu\n",
			       (unsigned long long)size, npages * PAGE), 2;

	if (!strcmp(phase, "major")) {
		int efd;

		if (!ext4_path)
			return fprintf(stderr, "pcc_bench: major needs -f ext4-file\n"), 2;
		efd = open(ext4_path, O_RDWR | O_CREAT, 0644);
		if (efd < 0)
			die(ext4_path);
		must(pwrite_all(efd), "writing the ext4 file");
		must(pwrite_all(pfd), "writing pcc");
		sys[nsys++] = (struct sys){ "pcc", pfd, pcc_store_cold, NULL, pcc_disk };
		sys[nsys++] = (struct sys){ "ext4", efd, ext4_cold, NULL, ext4_disk };
		cases = major_cases;
	} else {
		int mfd = memfd_create("pcc_bench", 0);

		if (mfd < 0 || ftruncate(mfd, npages * PAGE))
			die("memfd");
		sys[nsys++] = (struct sys){ "pcc", pfd, pcc_empty, pcc_fill, NULL };
		sys[nsys++] = (struct sys){ "shmem", mfd, shmem_empty, shmem_fill, NULL };
		if (!strcmp(phase, "main")) {
			sys[nsys++] = (struct sys){ "anon", -1, NULL, NULL, NULL };
			cases = main_cases;
		} else if (!strcmp(phase, "nofa") || !strcmp(phase, "fab4k")) {
			cases = nofa_cases;
		} else if (!strcmp(phase, "nonotify")) {
			cases = nonotify_cases;
		} else if (!strcmp(phase, "huge")) {
			cases = huge_cases;
		} else {
			return fprintf(stderr, "pcc_bench: no phase %s\n", phase), 2;
		}
	}
	printf("# pcc_bench %s: %lu pages, %d rounds after %d warm-up\n", phase, npages,
	       rounds, warmup);
	for (int r = 0; r < warmup + rounds; r++) {
		for (const char **c = cases; *c; c++)
			if (!only || selected(*c))
				for (int i = 0; i < nsys; i++)
					if (!only_sys || !strcmp(only_sys, sys[(i + r) % nsys].name))
						run_case(*c, &sys[(i + r) % nsys], r - warmup);
		fflush(stdout);
	}
	return 0;
}
