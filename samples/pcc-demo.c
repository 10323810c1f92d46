// SPDX-License-Identifier: GPL-2.0
/*
 * pcc-demo: walk the page-fault paths of a /dev/pcc mapping one by one and
 * show, after each step, what pcc's callbacks counted and what the task's
 * fault counters say.
 *
 *   cold read            do_read_fault  -> __do_fault -> pcc fault (miss)
 *   fault-around read    do_read_fault  -> do_fault_around -> pcc map_pages
 *   first store, shared  do_shared_fault -> pcc fault + pcc page_mkwrite
 *   store after read     do_wp_page -> wp_page_shared -> pcc page_mkwrite
 *   store, private       do_cow_fault -> pcc fault, copy; no page_mkwrite
 *   writeback            PCC_IOC_WRITEBACK, then a store: page_mkwrite again
 *   reset                PCC_IOC_RESET: pages gone, reads give zeros
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "pcc.h"

static int fd;
static long psz;
static struct pcc_stats before;
static struct pcc_io_stats io_before;
static long minflt_before, majflt_before;

static void die(const char *what)
{
	fprintf(stderr, "pcc-demo: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* This thread's minor and major fault counts. */
static void task_faults(long *min, long *maj)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	*min = ru.ru_minflt;
	*maj = ru.ru_majflt;
}

/* An ioctl that returns a page count; dies on an error. */
static int count_ioctl(unsigned long req, const char *name)
{
	int n = ioctl(fd, req);

	if (n < 0)
		die(name);
	return n;
}

/* The I/O counters; all zero when pcc has no store. */
static void get_io(struct pcc_io_stats *s)
{
	if (ioctl(fd, PCC_IOC_GET_IO_STATS, s))
		memset(s, 0, sizeof(*s));
}

static void get(struct pcc_stats *s)
{
	if (ioctl(fd, PCC_IOC_GET_STATS, s))
		die("PCC_IOC_GET_STATS");
}

static void begin(void)
{
	get(&before);
	get_io(&io_before);
	task_faults(&minflt_before, &majflt_before);
}

static void row(const char *step, const char *path)
{
	struct pcc_io_stats io;
	struct pcc_stats a;
	long mf, jf;

	task_faults(&mf, &jf);
	mf -= minflt_before;
	jf -= majflt_before;
	get(&a);
	get_io(&io);
	printf("%-22s %6llu %6llu %9llu %7llu %7llu %6llu %5llu %6ld %6ld %5llu %5llu %5llu  %s\n", step,
	       a.faults - before.faults, a.fault_misses - before.fault_misses,
	       a.map_pages_calls - before.map_pages_calls,
	       a.pages_mapped_around - before.pages_mapped_around,
	       a.mkwrite_calls - before.mkwrite_calls, a.pages_cached, a.pages_dirty, mf, jf,
	       io.major_faults - io_before.major_faults, io.fault_retries - io_before.fault_retries,
	       io.store_reads - io_before.store_reads, path);
}

static char *map(size_t pages, int flags, off_t pgoff)
{
	char *p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, flags, fd, pgoff * psz);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

int main(void)
{
	volatile char *p;
	char buf[8];
	__u64 size;
	int i, n;

	psz = sysconf(_SC_PAGESIZE);
	fd = open(PCC_DEVICE, O_RDWR);
	if (fd < 0)
		die("open " PCC_DEVICE);
	if (ioctl(fd, PCC_IOC_GET_SIZE, &size))
		die("PCC_IOC_GET_SIZE");
	if (ioctl(fd, PCC_IOC_RESET))
		die("PCC_IOC_RESET");
	printf("%s: %llu bytes (%llu pages of %ld)\n\n", PCC_DEVICE, size, size / psz, psz);
	printf("%-22s %6s %6s %9s %7s %7s %6s %5s %6s %6s %5s %5s %5s  %s\n", "step", "fault", "miss",
	       "map_pages", "mapped", "mkwrite", "cached", "dirty", "minflt", "majflt", "major",
	       "retry", "reads", "kernel path");

	begin();
	p = map(1, MAP_SHARED, 0);
	(void)p[0];
	row("cold read", "do_read_fault -> __do_fault -> fault (miss)");
	munmap((void *)p, psz);

	/* Cache 64 pages by write(), then read them through a fresh mapping. */
	memset(buf, 'a', sizeof(buf));
	for (i = 0; i < 64; i++)
		if (pwrite(fd, buf, sizeof(buf), (off_t)(16 + i) * psz) != sizeof(buf))
			die("pwrite");
	begin();
	p = map(64, MAP_SHARED, 16);
	for (i = 0; i < 64; i++)
		(void)p[i * psz];
	row("fault-around read", "do_read_fault -> do_fault_around -> map_pages");
	munmap((void *)p, 64 * psz);

	begin();
	p = map(1, MAP_SHARED, 100);
	p[0] = 1;
	row("first store, shared", "do_shared_fault -> fault, page_mkwrite");
	munmap((void *)p, psz);

	p = map(1, MAP_SHARED, 101);
	(void)p[0];
	begin();
	p[0] = 1;
	row("store after read", "do_wp_page -> wp_page_shared -> page_mkwrite");
	begin();
	p[1] = 2;
	row("store to dirty page", "none: the PTE is writable");
	munmap((void *)p, psz);

	begin();
	p = map(1, MAP_PRIVATE, 102);
	p[0] = 'P';
	row("store, private", "do_cow_fault -> fault, copy (no mkwrite)");
	if (pread(fd, buf, 1, 102 * psz) != 1)
		die("pread");
	printf("%-22s device byte at page 102 is %d (the private store stayed private)\n", "", buf[0]);
	munmap((void *)p, psz);

	p = map(1, MAP_SHARED, 101);
	p[0] = 3;		/* writable, dirty PTE before writeback */
	begin();
	n = count_ioctl(PCC_IOC_WRITEBACK, "PCC_IOC_WRITEBACK");
	row("writeback", "folio_mkclean: write-protect again");
	printf("%-22s %d page(s) cleaned\n", "", n);
	begin();
	p[0] = 4;
	row("store after writeback", "do_wp_page -> wp_page_shared -> page_mkwrite");

	/* With a store (make demo loads pcc with backing=/dev/vda). */
	count_ioctl(PCC_IOC_WRITEBACK, "PCC_IOC_WRITEBACK");
	begin();
	n = count_ioctl(PCC_IOC_EVICT, "PCC_IOC_EVICT");
	row("evict", "unmap, drop clean pages (store holds them)");
	printf("%-22s %d page(s) evicted\n", "", n);
	begin();
	buf[0] = p[0];
	row("read after evict", "fault: readahead, RETRY|MAJOR; TRIED: map_pages");
	printf("%-22s byte at page 101 came back from the store: %d\n", "", buf[0]);

	begin();
	if (ioctl(fd, PCC_IOC_RESET))
		die("PCC_IOC_RESET");
	row("reset", "unmap_mapping_range + truncate");
	printf("%-22s byte at page 101 through the old mapping now reads %d\n", "", p[0]);
	munmap((void *)p, psz);
	close(fd);
	return 0;
}
