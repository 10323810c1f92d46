// SPDX-License-Identifier: GPL-2.0
/*
 * pcc as a module: its parameters, unload while in use, and that unload
 * frees every page. These tests unload and reload pcc.ko ($PCC_KO), so
 * nothing else may hold /dev/pcc while they run; each leaves pcc loaded
 * with its default parameters.
 */
#include <sched.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/times.h>
#include <sys/uio.h>

#include "kselftest_harness.h"
#include "pcc_test.h"

/* Reload with the defaults at the end of a test, whatever happened. */
static void restore_default(struct __test_metadata *_metadata)
{
	if (pcc_reload("") != 0)
		TH_LOG("could not reload pcc with its defaults: %s", strerror(errno));
}

/* nr_file_pages from /proc/vmstat: pcc's pages are page-cache pages. */
static long file_pages(void)
{
	char line[128];
	long v = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "nr_file_pages %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

TEST(fault_around_off_means_one_fault_per_page_and_no_map_pages)
{
	const int n = 256;
	long psz = sysconf(_SC_PAGESIZE);
	struct pcc_stats a, b;
	struct rusage r0, r1;
	char *p, *buf;
	int fd, i;

	ASSERT_EQ(0, pcc_reload("fault_around=0")) TH_LOG("reload: %s", strerror(errno));
	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	buf = malloc(psz);
	memset(buf, 'f', psz);
	for (i = 0; i < n; i++)
		ASSERT_EQ(psz, pwrite(fd, buf, psz, (off_t)i * psz));
	pcc_prefault_self();
	p = mmap(NULL, n * psz, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, pcc_stats(fd, &a));
	getrusage(RUSAGE_THREAD, &r0);
	for (i = 0; i < n; i++)
		EXPECT_EQ('f', p[(long)i * psz]);
	getrusage(RUSAGE_THREAD, &r1);
	ASSERT_EQ(0, pcc_stats(fd, &b));
	EXPECT_EQ(n, (long)(b.faults - a.faults));
	EXPECT_EQ(0, (long)(b.fault_misses - a.fault_misses));
	EXPECT_EQ(0, (long)b.map_pages_calls);
	EXPECT_EQ(0, (long)b.pages_mapped_around);
	EXPECT_EQ(n, r1.ru_minflt - r0.ru_minflt);
	munmap(p, n * psz);
	close(fd);
	free(buf);
	restore_default(_metadata);
}

/*
 * write_notify=0: mappings have no ->page_mkwrite, so the kernel maps a
 * shared writable mapping's pages writable at once, as shmem's
 * (vma_wants_writenotify). A store through a PTE a read mapped (by
 * ->fault or by fault-around) calls nothing of pcc's, and the page is
 * counted dirty only once the kernel learns of it: PCC_IOC_WRITEBACK
 * (folio_mkclean carries the PTE's dirty bit over, and counts the page
 * cleaned), or munmap (zap_present_ptes). A store to a page write-
 * protected by writeback is made writable by wp_page_shared() without a
 * call, and dirties it; a store to a page not mapped takes ->fault alone.
 */
TEST(write_notify_off_maps_shared_pages_writable_without_page_mkwrite)
{
	const int n = 64;
	long psz = sysconf(_SC_PAGESIZE);
	struct pcc_stats a, b;
	char *p, *buf;
	int fd, i;

	ASSERT_EQ(0, pcc_reload("write_notify=0")) TH_LOG("reload: %s", strerror(errno));
	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	buf = malloc(psz);
	ASSERT_NE(NULL, buf);
	p = pcc_mmap_in_one_table(2 * n * psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);

	/* Read pages 0..n-1 in, then store to them. */
	ASSERT_EQ(0, pcc_stats(fd, &a));
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, p[(long)i * psz]);
	for (i = 0; i < n; i++)
		p[(long)i * psz] = 'a';
	ASSERT_EQ(0, pcc_stats(fd, &b));
	EXPECT_EQ(n, (long)(b.faults - a.faults));
	EXPECT_EQ(0, (long)(b.mkwrite_calls - a.mkwrite_calls));
	EXPECT_EQ(n, (long)b.pages_cached);
	EXPECT_EQ(0, (long)b.pages_dirty) TH_LOG("a store through a writable PTE dirtied a folio");

	/* Writeback finds them dirty in their PTEs, and write-protects them. */
	EXPECT_EQ(n, ioctl(fd, PCC_IOC_WRITEBACK));
	for (i = 0; i < n; i++)
		p[(long)i * psz] = 'b';
	ASSERT_EQ(0, pcc_stats(fd, &a));
	EXPECT_EQ(0, (long)(a.faults - b.faults));
	EXPECT_EQ(0, (long)(a.mkwrite_calls - b.mkwrite_calls));
	EXPECT_EQ(n, (long)(a.pages_written_back - b.pages_written_back));
	EXPECT_EQ(n, (long)a.pages_dirty);

	/* Stores to pages n..2n-1, not cached: a ->fault each, dirty. */
	for (i = n; i < 2 * n; i++)
		p[(long)i * psz] = 'c';
	ASSERT_EQ(0, pcc_stats(fd, &b));
	EXPECT_EQ(n, (long)(b.faults - a.faults));
	EXPECT_EQ(n, (long)(b.fault_misses - a.fault_misses));
	EXPECT_EQ(0, (long)(b.mkwrite_calls - a.mkwrite_calls));
	EXPECT_EQ(2 * n, (long)b.pages_dirty);

	/* Cleaned; mapped anew and read (fault-around), stored to, unmapped. */
	EXPECT_EQ(2 * n, ioctl(fd, PCC_IOC_WRITEBACK));
	ASSERT_EQ(0, munmap(p, 2 * n * psz));
	p = pcc_mmap_in_one_table(2 * n * psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < 2 * n; i++)
		EXPECT_EQ(i < n ? 'b' : 'c', p[(long)i * psz]);
	for (i = 0; i < 2 * n; i++)
		p[(long)i * psz + 1] = 'd';
	ASSERT_EQ(0, pcc_stats(fd, &a));
	EXPECT_EQ(0, (long)a.pages_dirty);
	ASSERT_EQ(0, munmap(p, 2 * n * psz));
	ASSERT_EQ(0, pcc_stats(fd, &b));
	EXPECT_EQ(2 * n, (long)b.pages_dirty) TH_LOG("munmap lost the PTEs' dirty bits");
	EXPECT_EQ(0, (long)b.mkwrite_calls);
	for (i = 0; i < 2 * n; i++) {
		ASSERT_EQ(psz, pread(fd, buf, psz, (off_t)i * psz));
		EXPECT_EQ(i < n ? 'b' : 'c', buf[0]);
		EXPECT_EQ('d', buf[1]);
	}
	close(fd);
	free(buf);
	restore_default(_metadata);
}

TEST(size_pages_sets_the_capacity_and_bad_values_are_refused)
{
	long psz = sysconf(_SC_PAGESIZE);
	__u64 size = 0;
	int fd;

	ASSERT_EQ(0, pcc_reload("size_pages=16"));
	fd = open(PCC_DEVICE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ioctl(fd, PCC_IOC_GET_SIZE, &size));
	EXPECT_EQ(16 * psz, (long)size);
	EXPECT_EQ(16 * psz, lseek(fd, 0, SEEK_END));
	close(fd);
	ASSERT_EQ(0, pcc_unload_wait());
	EXPECT_EQ(-1, pcc_load("size_pages=0"));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pcc_load("size_pages=2000000"));
	EXPECT_EQ(EINVAL, errno);
	restore_default(_metadata);
}

TEST(rmmod_is_refused_while_mapped_and_works_after_munmap)
{
	long psz = sysconf(_SC_PAGESIZE);
	int fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	char *p;

	ASSERT_LE(0, fd);
	p = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 1;
	EXPECT_EQ(-1, pcc_unload()) TH_LOG("unloaded while open and mapped");
	EXPECT_EQ(EWOULDBLOCK, errno);
	close(fd);
	EXPECT_EQ(-1, pcc_unload()) TH_LOG("unloaded while still mapped");
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_EQ(1, p[0]) TH_LOG("the mapping must keep working");
	munmap(p, psz);
	EXPECT_EQ(0, pcc_unload_wait()) TH_LOG("unload after munmap: %s", strerror(errno));
	EXPECT_NE(0, access(PCC_DEVICE, F_OK));
	EXPECT_EQ(0, pcc_load("")) TH_LOG("reload: %s", strerror(errno));
	EXPECT_EQ(0, access(PCC_DEVICE, F_OK));
}

TEST(unload_frees_every_cached_page)
{
	const int n = 2048, slack = 256;
	long psz = sysconf(_SC_PAGESIZE);
	struct pcc_stats s;
	long before, cached, after;
	char *buf;
	int fd, i;

	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, PCC_IOC_RESET));
	before = file_pages();
	ASSERT_LT(0, before);
	buf = malloc(psz);
	memset(buf, 'l', psz);
	for (i = 0; i < n; i++)
		ASSERT_EQ(psz, pwrite(fd, buf, psz, (off_t)i * psz));
	ASSERT_EQ(0, pcc_stats(fd, &s));
	EXPECT_EQ(n, (long)s.pages_cached);
	EXPECT_EQ(n, (long)s.pages_dirty);
	cached = file_pages();
	close(fd);
	free(buf);
	EXPECT_LE(before + n - slack, cached) TH_LOG("pcc's pages are not page cache?");
	ASSERT_EQ(0, pcc_unload_wait());
	after = file_pages();
	TH_LOG("nr_file_pages: %ld before, %ld with %d pages cached, %ld after unload",
	       before, cached, n, after);
	EXPECT_GE(before + slack, after) TH_LOG("unload left pages behind");
	restore_default(_metadata);
}

TEST(parameters_are_visible_read_only_in_sysfs)
{
	mode_t mode = 0;

	ASSERT_EQ(0, pcc_reload("size_pages=2048 fault_around=0 write_notify=0 io_delay_us=7"))
		TH_LOG("reload: %s", strerror(errno));
	EXPECT_STREQ("2048", pcc_param("size_pages", &mode));
	EXPECT_EQ(0444, mode);
	mode = 0;
	EXPECT_STREQ("N", pcc_param("fault_around", &mode));
	EXPECT_EQ(0444, mode);
	mode = 0;
	EXPECT_STREQ("N", pcc_param("write_notify", &mode));
	EXPECT_EQ(0444, mode);
	mode = 0;
	EXPECT_STREQ("7", pcc_param("io_delay_us", &mode));
	EXPECT_EQ(0444, mode);
	mode = 0;
	EXPECT_STREQ("", pcc_param("backing", &mode));
	EXPECT_EQ(0444, mode);
	ASSERT_EQ(0, pcc_reload("")) TH_LOG("reload: %s", strerror(errno));
	EXPECT_STREQ("4096", pcc_param("size_pages", &mode));
	EXPECT_STREQ("Y", pcc_param("fault_around", &mode));
	EXPECT_STREQ("Y", pcc_param("write_notify", &mode));
	EXPECT_STREQ("0", pcc_param("io_delay_us", &mode));
}

/*
 * A file open read-only may look (stats, size) but not change the cache:
 * reset, writeback and evict get EBADF, as write() to it does, and every
 * page stays as it was.
 */
/*
 * cache_pages= bounds the memory pcc keeps, as tmpfs's size=: without a
 * store, a page past it cannot be cached: write() stops with ENOSPC (a
 * short count first), a fault gets SIGBUS; what is cached stays usable.
 */
TEST(cache_pages_bounds_memory_as_tmpfs_size_does)
{
	static char buf[65 * 4096];
	struct pcc_stats st;
	mode_t mode = 0;
	char page[4096];
	int fd, status;
	pid_t pid;

	ASSERT_EQ(0, pcc_reload("cache_pages=64")) TH_LOG("reload: %s", strerror(errno));
	EXPECT_STREQ("64", pcc_param("cache_pages", &mode));
	EXPECT_EQ(0444, mode);
	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	memset(buf, 'c', sizeof(buf));
	EXPECT_EQ(64 * 4096, pwrite(fd, buf, sizeof(buf), 0));
	errno = 0;
	EXPECT_EQ(-1, pwrite(fd, buf, 4096, 64 * 4096));
	EXPECT_EQ(ENOSPC, errno);
	ASSERT_EQ(0, pcc_stats(fd, &st));
	EXPECT_EQ(64, st.pages_cached);
	/* What is cached stays writable; a hole still reads as zeros. */
	EXPECT_EQ(4096, pwrite(fd, buf, 4096, 0));
	memset(page, 'x', sizeof(page));
	EXPECT_EQ(4096, pread(fd, page, 4096, 100 * 4096));
	EXPECT_EQ(0, page[0]);
	/* A fault that needs a new page: SIGBUS, as in a full tmpfs. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 100 * 4096);

		if (p == MAP_FAILED)
			_exit(1);
		(void)p[0];
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS) TH_LOG("status %#x", status);
	/* Reset gives the room back. */
	ASSERT_LE(0, ioctl(fd, PCC_IOC_RESET));
	EXPECT_EQ(4096, pwrite(fd, buf, 4096, 64 * 4096));
	close(fd);
	ASSERT_EQ(0, pcc_reload("")) TH_LOG("reload: %s", strerror(errno));
	EXPECT_STREQ("0", pcc_param("cache_pages", &mode));
}

/* The room of concurrent_misses_stop_exactly_at_the_memory_limit: odd. */
#define RACE_LIMIT 255

/*
 * Two writers over twice RACE_LIMIT pages, meeting at a barrier before
 * each write: on the same page each time (same), so that both miss it
 * and one loses the race to add it, or on two neighbouring pages, so
 * that at the limit both miss with room for one. Then exactly the
 * limit's worth of pages is cached, each holding a writer's data, and a
 * hole is refused; reset gives the room back.
 */
static void race_two_writers(struct __test_metadata *_metadata, int fd, int same)
{
	enum { PAGES = 2 * RACE_LIMIT };
	int w, status, written = 0, hole = -1;
	unsigned int *arrived;
	struct pcc_stats st;
	char page[4096];
	pid_t pid[2];

	arrived = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, arrived);
	for (w = 0; w < 2; w++) {
		pid[w] = fork();
		ASSERT_LE(0, pid[w]);
		if (pid[w] == 0) {
			int i, n = same ? PAGES : PAGES / 2;

			memset(page, 'a' + w, sizeof(page));
			for (i = 0; i < n; i++) {
				off_t at = (off_t)(same ? i : 2 * i + w) * 4096;

				__atomic_fetch_add(arrived, 1, __ATOMIC_SEQ_CST);
				while (__atomic_load_n(arrived, __ATOMIC_ACQUIRE) < 2u * (i + 1))
					sched_yield();
				if (pwrite(fd, page, sizeof(page), at) != sizeof(page) && errno != ENOSPC)
					_exit(1);
			}
			_exit(0);
		}
	}
	for (w = 0; w < 2; w++) {
		ASSERT_EQ(pid[w], waitpid(pid[w], &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("writer %d: status %#x (1: an error other than ENOSPC)", w, status);
	}
	munmap(arrived, 4096);
	ASSERT_EQ(0, pcc_stats(fd, &st));
	EXPECT_EQ(RACE_LIMIT, st.pages_cached) TH_LOG("%s pages", same ? "same" : "neighbouring");
	for (w = 0; w < PAGES; w++) {
		ASSERT_EQ(sizeof(page), pread(fd, page, sizeof(page), (off_t)w * 4096));
		if (!page[0]) {
			hole = w;
			continue;
		}
		written++;
		EXPECT_TRUE((page[0] == 'a' || page[0] == 'b') && page[4095] == page[0])
			TH_LOG("page %d holds %#x", w, page[0]);
	}
	EXPECT_EQ(RACE_LIMIT, written);
	ASSERT_LE(0, hole);
	errno = 0;
	EXPECT_EQ(-1, pwrite(fd, page, sizeof(page), (off_t)hole * 4096));
	EXPECT_EQ(ENOSPC, errno);
	ASSERT_LE(0, ioctl(fd, PCC_IOC_RESET));
	for (w = 0; w < RACE_LIMIT; w++)
		ASSERT_EQ(sizeof(page), pwrite(fd, page, sizeof(page), (off_t)w * 4096))
			TH_LOG("page %d after reset: %s", w, strerror(errno));
	ASSERT_LE(0, ioctl(fd, PCC_IOC_RESET));
}

/*
 * Without a store, misses take no lock of pcc's to stay within
 * cache_pages=: each reserves its page's room in one atomic step before
 * adding it, and one that finds the page cached by another (EEXIST)
 * gives the room back. Two writers race for the same pages, then for
 * neighbouring ones (race_two_writers): the limit holds exactly.
 */
TEST(concurrent_misses_stop_exactly_at_the_memory_limit)
{
	char params[32];
	int fd;

	snprintf(params, sizeof(params), "cache_pages=%d", RACE_LIMIT);
	ASSERT_EQ(0, pcc_reload(params)) TH_LOG("reload: %s", strerror(errno));
	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	race_two_writers(_metadata, fd, 1);
	race_two_writers(_metadata, fd, 0);
	close(fd);
	ASSERT_EQ(0, pcc_reload("")) TH_LOG("reload: %s", strerror(errno));
}

/*
 * Without a store, a page lost to a memory error keeps its room under
 * cache_pages= until PCC_IOC_RESET, as a poisoned tmpfs page keeps its
 * block until it is truncated: it is no longer cached, it reads as EIO,
 * and a new page past the limit is still refused. Reset gives the room
 * back and makes the page a hole again.
 */
TEST(a_page_lost_to_a_memory_error_keeps_its_room_until_reset)
{
	struct pcc_stats st;
	char page[4096];
	int fd, i, status;
	pid_t pid;

	if (pcc_hwpoison_unavailable())
		SKIP(return, "%s", pcc_hwpoison_unavailable());
	ASSERT_EQ(0, pcc_reload("cache_pages=8")) TH_LOG("reload: %s", strerror(errno));
	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	memset(page, 'm', sizeof(page));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(sizeof(page), pwrite(fd, page, sizeof(page), (off_t)i * 4096));
	/* In a child: memory failure may signal the task that maps the page. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 3 * 4096);

		if (p == MAP_FAILED || *(volatile char *)p != 'm')
			_exit(2);
		_exit(madvise(p, 4096, MADV_HWPOISON) ? 1 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE((WIFEXITED(status) && WEXITSTATUS(status) == 0) ||
		    (WIFSIGNALED(status) && WTERMSIG(status) == SIGBUS))
		TH_LOG("poisoning child: status %#x (1: madvise failed, 2: no page)", status);
	ASSERT_EQ(0, pcc_stats(fd, &st));
	EXPECT_EQ(7, st.pages_cached);
	errno = 0;
	EXPECT_EQ(-1, pread(fd, page, sizeof(page), 3 * 4096));
	EXPECT_EQ(EIO, errno);
	/* Full, yet the lost page reports its loss, not the limit. */
	errno = 0;
	EXPECT_EQ(-1, pwrite(fd, page, sizeof(page), 3 * 4096));
	EXPECT_EQ(EIO, errno);
	errno = 0;
	EXPECT_EQ(-1, pwrite(fd, page, sizeof(page), 20 * 4096));
	EXPECT_EQ(ENOSPC, errno);
	ASSERT_LE(0, ioctl(fd, PCC_IOC_RESET));
	EXPECT_EQ(sizeof(page), pread(fd, page, sizeof(page), 3 * 4096));
	EXPECT_EQ(0, page[0]);
	memset(page, 'n', sizeof(page));
	for (i = 0; i < 8; i++)
		EXPECT_EQ(sizeof(page), pwrite(fd, page, sizeof(page), (off_t)(20 + i) * 4096))
			TH_LOG("page %d after reset: %s", 20 + i, strerror(errno));
	close(fd);
	ASSERT_EQ(0, pcc_reload("")) TH_LOG("reload: %s", strerror(errno));
}

TEST(a_read_only_file_cannot_reset_write_back_or_evict)
{
	long psz = sysconf(_SC_PAGESIZE);
	struct pcc_stats s;
	struct pcc_io_stats io;
	char *buf = malloc(psz);
	__u64 size;
	int rw, ro, i;

	rw = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, rw);
	ASSERT_EQ(0, ioctl(rw, PCC_IOC_RESET));
	memset(buf, 'r', psz);
	for (i = 0; i < 4; i++)
		ASSERT_EQ(psz, pwrite(rw, buf, psz, (off_t)i * psz));
	ro = open(PCC_DEVICE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, ro);
	errno = 0;
	EXPECT_EQ(-1, ioctl(ro, PCC_IOC_RESET));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(ro, PCC_IOC_WRITEBACK));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(ro, PCC_IOC_EVICT));
	EXPECT_EQ(EBADF, errno);
	errno = 0;
	EXPECT_EQ(-1, write(ro, buf, psz));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(0, ioctl(ro, PCC_IOC_GET_STATS, &s));
	EXPECT_EQ(0, ioctl(ro, PCC_IOC_GET_SIZE, &size));
	EXPECT_EQ(0, ioctl(ro, PCC_IOC_GET_IO_STATS, &io));
	EXPECT_EQ(4, (long)s.pages_cached);
	EXPECT_EQ(4, (long)s.pages_dirty);
	for (i = 0; i < 4; i++) {
		memset(buf, 0, psz);
		ASSERT_EQ(psz, pread(ro, buf, psz, (off_t)i * psz));
		EXPECT_EQ('r', buf[0]);
		EXPECT_EQ('r', buf[psz - 1]);
	}
	EXPECT_EQ(0, ioctl(rw, PCC_IOC_RESET));
	close(ro);
	close(rw);
	free(buf);
}

/* The kernel log (klogctl), NUL-terminated, or NULL; free() it. */
static char *read_log(void)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf;

	if (len <= 0)
		return NULL;
	buf = malloc(len + 1);
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	if (len < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = 0;
	return buf;
}

/* The log's last line (with its timestamp), into `line`: 0, or -1. */
static int last_log_line(char *line, size_t size)
{
	char *buf = read_log(), *end, *start;

	if (!buf)
		return -1;
	end = buf + strlen(buf);
	while (end > buf && end[-1] == '\n')
		end--;
	*end = 0;
	start = strrchr(buf, '\n');
	start = start ? start + 1 : buf;
	snprintf(line, size, "%s", start);
	free(buf);
	return *line ? 0 : -1;
}

/*
 * How many lines of the kernel log after `mark` (a line last_log_line()
 * read before) contain `what`, or -1 if `mark` is no longer there.
 * Counting from a mark keeps the count exact when the ring buffer is full
 * and older lines fall out of it meanwhile.
 */
static int log_lines(const char *mark, const char *what)
{
	char *buf = read_log(), *p = NULL, *m;
	int n = 0;

	if (!buf)
		return -1;
	for (m = buf; (m = strstr(m, mark)); m++)
		p = m;
	if (!p) {
		free(buf);
		return -1;
	}
	p += strlen(mark);
	for (; (p = strstr(p, what)); p++)
		n++;
	free(buf);
	return n;
}

/*
 * Wait until `seconds` have passed in the kernel's jiffies, which times()
 * counts (in clock ticks). ___ratelimit() measures its interval in
 * jiffies, and on a loaded emulated machine jiffies can fall behind the
 * clock usleep() sleeps by: a run slept 5.33 s after an earlier test's
 * last message and found its window still open (7 lines of 10).
 */
static void wait_jiffies(double seconds)
{
	long hz = sysconf(_SC_CLK_TCK);
	clock_t t0 = times(NULL);

	while ((double)(times(NULL) - t0) / hz <= seconds)
		usleep(100 * 1000);
}

/*
 * 100 refused mmaps leave DEFAULT_RATELIMIT_BURST (10) lines in dmesg, not
 * 100: pcc's messages about refused requests share one rate limit of 10
 * lines per 5 s. The test first waits out any window earlier tests opened
 * (each began before this test did), in jiffies.
 */
TEST(refusal_messages_are_rate_limited)
{
	long psz = sysconf(_SC_PAGESIZE);
	char mark[512];
	int fd, i;
	__u64 size;

	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, PCC_IOC_GET_SIZE, &size));
	wait_jiffies(5.2);
	ASSERT_EQ(0, last_log_line(mark, sizeof(mark)));
	for (i = 0; i < 100; i++)
		EXPECT_EQ(MAP_FAILED, mmap(NULL, psz, PROT_READ, MAP_SHARED, fd, size));
	EXPECT_EQ(10, log_lines(mark, "refused: the device holds")) TH_LOG("after: %s", mark);
	close(fd);
}

/*
 * write_notify=0 with a store is refused: a store's bdi writes back, and
 * the kernel write-notifies its shared mappings whatever their callbacks.
 */
TEST(write_notify_off_with_a_store_is_refused)
{
	char mark[512];

	ASSERT_EQ(0, pcc_unload_wait());
	ASSERT_EQ(0, last_log_line(mark, sizeof(mark)));
	EXPECT_EQ(-1, pcc_load("write_notify=0 backing=" PCC_STORE_DISK));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, log_lines(mark, "write_notify=0 is for a cache without a store"));
	EXPECT_NE(0, access(PCC_DEVICE, F_OK));
	restore_default(_metadata);
}

/*
 * vmsplice() puts a reference to a pcc page into a pipe. With every file
 * and mapping gone pcc can be unloaded; the pipe still holds the page
 * (its reference keeps it), and reading the pipe afterwards gives the data.
 */
TEST(unload_with_a_pcc_page_in_a_pipe_is_safe)
{
	long psz = sysconf(_SC_PAGESIZE);
	char *buf = malloc(psz), *p;
	struct iovec iov;
	int fd, pipefd[2];

	ASSERT_EQ(0, pipe(pipefd));
	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	memset(buf, 'v', psz);
	ASSERT_EQ(psz, pwrite(fd, buf, psz, 0));
	p = mmap(NULL, psz, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	iov.iov_base = p;
	iov.iov_len = psz;
	ASSERT_EQ(psz, vmsplice(pipefd[1], &iov, 1, 0));
	munmap(p, psz);
	close(fd);
	ASSERT_EQ(0, pcc_unload_wait()) TH_LOG("rmmod: %s", strerror(errno));
	memset(buf, 0, psz);
	ASSERT_EQ(psz, read(pipefd[0], buf, psz));
	EXPECT_EQ('v', buf[0]);
	EXPECT_EQ('v', buf[psz - 1]);
	close(pipefd[0]);
	close(pipefd[1]);
	free(buf);
	restore_default(_metadata);
}

int main(int argc, char **argv)
{
	pcc_require_device();
	return test_harness_run(argc, argv);
}
