// SPDX-License-Identifier: GPL-2.0
/*
 * pcc as a module: its parameters, unload while in use, and that unload
 * frees every page. These tests unload and reload pcc.ko ($PCC_KO), so
 * nothing else may hold /dev/pcc while they run; each leaves pcc loaded
 * with its default parameters.
 */
#include <sys/mman.h>

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

int main(int argc, char **argv)
{
	pcc_require_device();
	return test_harness_run(argc, argv);
}
