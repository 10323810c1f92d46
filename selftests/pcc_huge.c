// SPDX-License-Identifier: GPL-2.0
/*
 * PMD-sized folios (huge=) and ->huge_fault: what a read, a store, a
 * split, a private copy, a fallback, writeback and eviction do to a PMD
 * mapping of /dev/pcc, counted exactly (the thread's minor faults, pcc's
 * counters, FilePmdMapped in /proc/self/smaps), and every byte checked.
 *
 * The kernel maps a PMD-sized folio two ways, and these tests take both:
 * create_huge_pmd() calls ->huge_fault only where the global switch
 * (/sys/kernel/mm/transparent_hugepage/enabled) allows, so with "never"
 * the folio ->fault returns is mapped by do_set_pmd() from finish_fault()
 * (or fault-around); a store to a PMD mapped read-only goes through
 * wp_huge_pmd() -> ->huge_fault whatever the switch says.
 */
#include <signal.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "pcc_test.h"

#define THP "/sys/kernel/mm/transparent_hugepage/"

static long psz;
/* Bytes and pages a PMD maps. */
static long pmd_size, pmd_pages;

/* Why this kernel cannot run these tests, or NULL. */
static const char *no_thp(void)
{
	if (access(THP "enabled", W_OK))
		return "no transparent huge pages in this kernel (32-bit ARM would need LPAE)";
	return NULL;
}

static int huge_stats(int fd, struct pcc_huge_stats *s)
{
	return ioctl(fd, PCC_IOC_GET_HUGE_STATS, s);
}

/* The global switch: "always", "madvise" or "never". */
static int thp_switch(const char *v)
{
	return pcc_write_file(THP "enabled", v);
}

static int thp_switch_now(char *out, size_t len);

/* A field of /proc/self/smaps, in kB, for the VMA that holds addr; -1 if none. */
static long smaps_kb(const void *addr, const char *field)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	unsigned long a = (unsigned long)addr, start, end;
	char line[256];
	int in = 0;
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = a >= start && a < end;
			continue;
		}
		if (in && !strncmp(line, field, strlen(field))) {
			kb = strtol(line + strlen(field), NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* A counter of /proc/vmstat, or -1. */
static long vmstat(const char *name)
{
	FILE *f = fopen("/proc/vmstat", "re");
	char key[64];
	long v, found = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

static long pmd_mapped_kb(const void *addr)
{
	return smaps_kb(addr, "FilePmdMapped:");
}

/*
 * Store c at page i of p; then read pcc's counters into *h and *s. The
 * minor faults the store took, or -1 if a counter could not be read.
 */
static long store_counted(int fd, volatile char *p, long i, char c, struct pcc_huge_stats *h,
			  struct pcc_stats *s)
{
	struct pcc_flt f0, f1;

	pcc_thread_faults(&f0);
	p[i * psz] = c;
	pcc_thread_faults(&f1);
	if (huge_stats(fd, h) || pcc_stats(fd, s))
		return -1;
	return f1.min - f0.min;
}

/*
 * A shared (or private) mapping of len bytes at file offset off, placed
 * at a PMD boundary plus shift bytes: with shift 0 the range can take
 * PMDs, with another it cannot.
 */
static char *map_at(int fd, size_t len, off_t off, int prot, int flags, long shift)
{
	return pcc_mmap_aligned(len, pmd_size, shift, prot, flags, fd, off);
}

/* Every byte of page i of [p, p + n pages) is (char)(i + seed)? */
static int check_pages(const char *p, long first, long n, int seed)
{
	long i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < psz; j += 512)
			if (p[(i * psz) + j] != (char)(first + i + seed))
				return first + i;
	return -1;
}

/* The same through pread(). */
static int check_device(int fd, long first, long n, int seed)
{
	char *buf = malloc(psz);
	long i;
	int bad = -1;

	for (i = 0; i < n && bad < 0; i++) {
		if (pread(fd, buf, psz, (first + i) * psz) != psz ||
		    buf[0] != (char)(first + i + seed) || buf[psz - 1] != (char)(first + i + seed))
			bad = first + i;
	}
	free(buf);
	return bad;
}

static void fill_device(int fd, long first, long n, int seed)
{
	char *buf = malloc(psz);
	long i;

	for (i = 0; i < n; i++) {
		memset(buf, (char)(first + i + seed), psz);
		if (pwrite(fd, buf, psz, (first + i) * psz) != psz)
			ksft_exit_fail_msg("pwrite: %s\n", strerror(errno));
	}
	free(buf);
}

#define HUGE_STORE "/tmp/pcc-huge-store"

/*
 * pcc loaded on a fresh store of 2048 pages, a regular file, with "more"
 * for its other parameters: an open file of /dev/pcc, or -1.
 */
static int huge_store(const char *more)
{
	char params[256];
	int fd = open(HUGE_STORE, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	close(fd);
	if (pcc_reload_fresh_store(HUGE_STORE, 2048, more, params, sizeof(params)))
		return -1;
	return open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
}

FIXTURE(huge) {
	int fd;
	char sw[32];
};

FIXTURE_VARIANT(huge) {
	const char *params;
};

/* Memory only: 4 PMDs and 16 pages. */
FIXTURE_VARIANT_ADD(huge, always) {
	.params = "huge=always size_pages=2064",
};

FIXTURE_SETUP(huge)
{
	const char *why = no_thp();

	self->fd = -1;
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, thp_switch_now(self->sw, sizeof(self->sw)));
	ASSERT_EQ(0, pcc_reload(variant->params))
		TH_LOG("load %s: %s", variant->params, strerror(errno));
	self->fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	pcc_prefault_self();
}

FIXTURE_TEARDOWN(huge)
{
	if (self->fd >= 0)
		close(self->fd);
	if (self->sw[0])
		thp_switch(self->sw);
}

/*
 * Switch "never": ->huge_fault is not called; ->fault allocates a
 * PMD-sized folio and finish_fault() maps it by one PMD (do_set_pmd).
 */
TEST_F(huge, a_read_of_an_aligned_pmd_takes_one_fault_and_maps_one_pmd)
{
	struct pcc_huge_stats h0, h1;
	struct pcc_stats s0, s1;
	struct pcc_flt f0, f1;
	volatile char *p;
	long i, nth;

	ASSERT_EQ(0, thp_switch("never"));
	p = map_at(self->fd, 2 * pmd_size, 0, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, huge_stats(self->fd, &h0));
	ASSERT_EQ(0, pcc_stats(self->fd, &s0));
	pcc_thread_faults(&f0);
	for (i = 0; i < pmd_pages; i++)
		(void)p[i * psz];
	pcc_thread_faults(&f1);
	ASSERT_EQ(0, pcc_stats(self->fd, &s1));
	ASSERT_EQ(0, huge_stats(self->fd, &h1));
	EXPECT_EQ(1, f1.min - f0.min);
	EXPECT_EQ(1, s1.faults - s0.faults);
	EXPECT_EQ(pmd_pages, s1.pages_cached);
	EXPECT_EQ(1, h1.pmd_folios - h0.pmd_folios);
	EXPECT_EQ(0, h1.huge_fault_calls - h0.huge_fault_calls);
	EXPECT_EQ(0, h1.pmd_folio_fallbacks);
	EXPECT_EQ(pmd_size / 1024, pmd_mapped_kb((void *)p));
	EXPECT_EQ(pmd_pages, pcc_folio_pages((void *)p, &nth));
	munmap((void *)p, 2 * pmd_size);
}

/*
 * Switch "always": every fault on an empty PMD calls ->huge_fault. A
 * miss gets a new PMD-sized folio of zeros there, mapped; a folio cached
 * is mapped as it is. Neither reaches ->fault.
 */
TEST_F(huge, with_the_switch_always_huge_fault_maps_a_new_or_a_cached_folio)
{
	struct pcc_huge_stats h;
	struct pcc_stats s;
	long mapped0 = vmstat("thp_file_mapped");
	struct pcc_flt f0, f1, f2;
	volatile char *p;

	ASSERT_EQ(0, thp_switch("always"));
	p = map_at(self->fd, pmd_size, 0, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	pcc_thread_faults(&f0);
	EXPECT_EQ(0, p[5]);
	pcc_thread_faults(&f1);
	EXPECT_EQ(pmd_size / 1024, pmd_mapped_kb((void *)p));
	ASSERT_EQ(0, munmap((void *)p, pmd_size));
	p = map_at(self->fd, pmd_size, 0, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, p[pmd_size - 1]);
	pcc_thread_faults(&f2);
	ASSERT_EQ(0, huge_stats(self->fd, &h));
	ASSERT_EQ(0, pcc_stats(self->fd, &s));
	EXPECT_EQ(1, f1.min - f0.min);
	EXPECT_EQ(1, f2.min - f1.min);
	EXPECT_EQ(2, h.huge_fault_calls);
	EXPECT_EQ(0, h.huge_fault_fallbacks);
	EXPECT_EQ(2, h.huge_fault_pmds);
	EXPECT_EQ(0, s.faults);
	EXPECT_EQ(1, h.pmd_folios);
	EXPECT_EQ(pmd_pages, s.pages_cached);
	EXPECT_EQ(0, s.pages_dirty);
	EXPECT_EQ(pmd_size / 1024, pmd_mapped_kb((void *)p));
	EXPECT_EQ(2, vmstat("thp_file_mapped") - mapped0);
	munmap((void *)p, pmd_size);
}

/*
 * The same for a first store to a shared mapping: one ->huge_fault maps
 * a new folio by a writable PMD, all of it dirty; no ->fault, no
 * ->page_mkwrite. (With a store holding pages of the range, ->huge_fault
 * leaves the miss to ->fault, which reads them:
 * a_pmd_folio_is_written_back_evicted_and_read_back_from_the_store.)
 */
TEST_F(huge, a_first_store_with_the_switch_always_is_one_huge_fault)
{
	struct pcc_huge_stats h;
	struct pcc_stats s;
	struct pcc_flt f0, f1;
	volatile char *p;

	ASSERT_EQ(0, thp_switch("always"));
	p = map_at(self->fd, pmd_size, pmd_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	pcc_thread_faults(&f0);
	p[9 * psz] = 'w';
	p[10 * psz] = 'x';
	pcc_thread_faults(&f1);
	ASSERT_EQ(0, huge_stats(self->fd, &h));
	ASSERT_EQ(0, pcc_stats(self->fd, &s));
	EXPECT_EQ(1, f1.min - f0.min);
	EXPECT_EQ(1, h.huge_fault_pmds);
	EXPECT_EQ(0, s.faults);
	EXPECT_EQ(0, s.mkwrite_calls);
	EXPECT_EQ(pmd_pages, s.pages_dirty);
	munmap((void *)p, pmd_size);
}

/*
 * A store to a PMD mapped read-only (write-notify) is one fault:
 * wp_huge_pmd() -> ->huge_fault, whatever the switch; the whole folio
 * becomes dirty; writeback cleans it and write-protects the PMD again,
 * so the next store is one more ->huge_fault.
 */
TEST_F(huge, a_store_to_a_read_only_pmd_is_one_huge_fault_and_dirties_the_whole_folio)
{
	struct pcc_huge_stats h0, h1;
	struct pcc_stats s0, s1;
	volatile char *p;
	long faults;

	ASSERT_EQ(0, thp_switch("never"));
	p = map_at(self->fd, pmd_size, 0, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	(void)p[0];
	ASSERT_EQ(pmd_size / 1024, pmd_mapped_kb((void *)p));
	ASSERT_EQ(0, huge_stats(self->fd, &h0));
	ASSERT_EQ(0, pcc_stats(self->fd, &s0));
	EXPECT_EQ(0, s0.pages_dirty);
	faults = store_counted(self->fd, p, 7, 'x', &h1, &s1);
	ASSERT_LE(0, faults);
	EXPECT_EQ(1, faults);
	EXPECT_EQ(1, h1.huge_fault_calls - h0.huge_fault_calls);
	EXPECT_EQ(1, h1.huge_fault_pmds - h0.huge_fault_pmds);
	EXPECT_EQ(0, s1.mkwrite_calls - s0.mkwrite_calls);
	EXPECT_EQ(pmd_pages, s1.pages_dirty);
	EXPECT_EQ(pmd_size / 1024, pmd_mapped_kb((void *)p));

	/* Writeback cleans all of it and write-protects the PMD. */
	EXPECT_EQ(pmd_pages, ioctl(self->fd, PCC_IOC_WRITEBACK));
	ASSERT_EQ(0, pcc_stats(self->fd, &s1));
	EXPECT_EQ(0, s1.pages_dirty);
	faults = store_counted(self->fd, p, 9, 'y', &h1, &s1);
	ASSERT_LE(0, faults);
	EXPECT_EQ(1, faults);
	EXPECT_EQ(2, h1.huge_fault_pmds - h0.huge_fault_pmds);
	EXPECT_EQ(pmd_pages, s1.pages_dirty);
	EXPECT_EQ(pmd_size / 1024, pmd_mapped_kb((void *)p));
	munmap((void *)p, pmd_size);
}

/*
 * A partial munmap, mprotect or MADV_DONTNEED splits the PMD (the kernel
 * zaps a file PMD whole); the folio stays cached whole, and every byte
 * stays. Where the VMA still covers the aligned range, the next access
 * maps a PMD again.
 */
TEST_F(huge, a_partial_munmap_mprotect_or_dontneed_splits_the_pmd_and_keeps_every_byte)
{
	volatile char *p;
	long nth;

	ASSERT_EQ(0, thp_switch("never"));
	fill_device(self->fd, 0, 3 * pmd_pages, 3);
	p = map_at(self->fd, 3 * pmd_size, 0, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, check_pages((char *)p, 0, 3 * pmd_pages, 3));
	EXPECT_EQ(3 * pmd_size / 1024, pmd_mapped_kb((void *)p));

	/* MADV_DONTNEED of one page: the PMD goes, the data stays. */
	ASSERT_EQ(0, madvise((void *)(p + 5 * psz), psz, MADV_DONTNEED));
	EXPECT_EQ(2 * pmd_size / 1024, pmd_mapped_kb((void *)p));
	EXPECT_EQ(-1, check_pages((char *)p, 0, pmd_pages, 3));
	EXPECT_EQ(3 * pmd_size / 1024, pmd_mapped_kb((void *)p));

	/*
	 * mprotect of one page of the second: three VMAs, none of which
	 * covers the second PMD's range; the first and the last keep theirs.
	 */
	ASSERT_EQ(0, mprotect((void *)(p + pmd_size + psz), psz, PROT_READ));
	EXPECT_EQ(-1, check_pages((char *)p + pmd_size, pmd_pages, pmd_pages, 3));
	EXPECT_EQ(pmd_size / 1024, pmd_mapped_kb((void *)p));
	EXPECT_EQ(0, pmd_mapped_kb((void *)(p + pmd_size + psz)));
	EXPECT_EQ(pmd_size / 1024, pmd_mapped_kb((void *)(p + 2 * pmd_size)));
	EXPECT_EQ(pmd_pages, pcc_folio_pages((void *)(p + pmd_size), &nth));

	/* munmap of the third's second half. */
	ASSERT_EQ(0, munmap((void *)(p + 2 * pmd_size + pmd_size / 2), pmd_size / 2));
	EXPECT_EQ(0, pmd_mapped_kb((void *)(p + 2 * pmd_size)));
	EXPECT_EQ(-1, check_pages((char *)p + 2 * pmd_size, 2 * pmd_pages, pmd_pages / 2, 3));
	EXPECT_EQ(-1, check_device(self->fd, 0, 3 * pmd_pages, 3));
	munmap((void *)p, 2 * pmd_size + pmd_size / 2);
}

/* A store to a private mapping of a PMD copies one page; the device keeps its data. */
TEST_F(huge, a_private_store_copies_and_leaves_the_device_unchanged)
{
	struct pcc_huge_stats h;
	volatile char *p;

	ASSERT_EQ(0, thp_switch("always"));
	fill_device(self->fd, 0, pmd_pages, 1);
	p = map_at(self->fd, pmd_size, 0, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, check_pages((char *)p, 0, pmd_pages, 1));
	EXPECT_EQ(pmd_size / 1024, pmd_mapped_kb((void *)p));
	p[3 * psz] = 'z';
	EXPECT_EQ('z', p[3 * psz]);
	EXPECT_EQ(0, pmd_mapped_kb((void *)p));
	EXPECT_EQ(-1, check_device(self->fd, 0, pmd_pages, 1));
	EXPECT_EQ(-1, check_pages((char *)p, 0, 3, 1));
	ASSERT_EQ(0, huge_stats(self->fd, &h));
	/* The read's PMD; the store split it. */
	EXPECT_EQ(1, h.huge_fault_pmds);
	munmap((void *)p, pmd_size);
}

/*
 * A mapping whose addresses are not aligned as its file offsets cannot
 * take a PMD: pcc allocates one page (nothing asked for more), and with
 * the switch "always" ->huge_fault falls back, counted.
 */
TEST_F(huge, an_unaligned_mapping_falls_back_to_ptes_and_counts_it)
{
	struct pcc_huge_stats h;
	volatile char *p;
	long nth;

	ASSERT_EQ(0, thp_switch("always"));
	p = map_at(self->fd, 2 * pmd_size, 0, PROT_READ, MAP_SHARED, psz);
	ASSERT_NE(MAP_FAILED, p);
	(void)p[pmd_size];
	ASSERT_EQ(0, huge_stats(self->fd, &h));
	EXPECT_EQ(1, h.huge_fault_calls);
	EXPECT_EQ(1, h.huge_fault_fallbacks);
	EXPECT_EQ(0, h.pmd_folios);
	EXPECT_EQ(0, h.pmd_folio_fallbacks);
	EXPECT_EQ(0, pmd_mapped_kb((void *)p));
	EXPECT_EQ(1, pcc_folio_pages((void *)(p + pmd_size), &nth));
	munmap((void *)p, 2 * pmd_size);
}

/* The last 16 pages hold no whole PMD: one page each, mapped by PTEs. */
TEST_F(huge, the_end_of_the_device_is_cached_in_pages)
{
	struct pcc_huge_stats h;
	struct pcc_stats s;
	volatile char *p;
	long nth;

	ASSERT_EQ(0, thp_switch("always"));
	p = map_at(self->fd, 16 * psz, 4 * pmd_size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	(void)p[15 * psz];
	ASSERT_EQ(0, huge_stats(self->fd, &h));
	ASSERT_EQ(0, pcc_stats(self->fd, &s));
	EXPECT_EQ(0, h.pmd_folios);
	EXPECT_EQ(1, s.pages_cached);
	EXPECT_EQ(1, pcc_folio_pages((void *)(p + 15 * psz), &nth));
	munmap((void *)p, 16 * psz);
}

/* No huge page free: one page, counted; the fault still succeeds. */
TEST_F(huge, a_failed_huge_allocation_falls_back_to_one_page_and_counts_it)
{
	struct pcc_huge_stats h;
	volatile char *p;
	long nth;

	ASSERT_EQ(0, thp_switch("never"));
	if (pcc_fail_page_alloc_setup() || pcc_write_file(PCC_FPA "min-order", "9"))
		SKIP(return, "no fail_page_alloc in this kernel");
	p = map_at(self->fd, pmd_size, 0, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, pcc_write_file(PCC_FPA "times", "1"));
	ASSERT_EQ(0, pcc_write_file("/proc/self/make-it-fail", "1"));
	(void)p[0];
	pcc_write_file("/proc/self/make-it-fail", "0");
	pcc_write_file(PCC_FPA "times", "0");
	pcc_write_file(PCC_FPA "min-order", "0");
	ASSERT_EQ(0, huge_stats(self->fd, &h));
	EXPECT_EQ(0, h.pmd_folios);
	EXPECT_EQ(1, h.pmd_folio_fallbacks);
	EXPECT_EQ(0, pmd_mapped_kb((void *)p));
	EXPECT_EQ(1, pcc_folio_pages((void *)p, &nth));
	munmap((void *)p, pmd_size);
}

/* MADV_NOHUGEPAGE: one page, whatever huge= says. */
TEST_F(huge, madv_nohugepage_is_honoured)
{
	struct pcc_huge_stats h;
	volatile char *p;
	long nth;

	ASSERT_EQ(0, thp_switch("never"));
	p = map_at(self->fd, pmd_size, 0, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise((void *)p, pmd_size, MADV_NOHUGEPAGE));
	(void)p[0];
	ASSERT_EQ(0, huge_stats(self->fd, &h));
	EXPECT_EQ(0, h.pmd_folios);
	EXPECT_EQ(1, pcc_folio_pages((void *)p, &nth));
	EXPECT_EQ(0, pmd_mapped_kb((void *)p));
	munmap((void *)p, pmd_size);
}

/* write() under huge=always allocates PMD-sized folios too, as shmem's. */
TEST_F(huge, write_allocates_a_pmd_sized_folio)
{
	struct pcc_huge_stats h;
	struct pcc_stats s;

	fill_device(self->fd, pmd_pages, 1, 0);
	ASSERT_EQ(0, huge_stats(self->fd, &h));
	ASSERT_EQ(0, pcc_stats(self->fd, &s));
	EXPECT_EQ(1, h.pmd_folios);
	EXPECT_EQ(pmd_pages, s.pages_cached);
	EXPECT_EQ(pmd_pages, s.pages_dirty);
	EXPECT_EQ(-1, check_device(self->fd, pmd_pages, 1, 0));
}

static volatile sig_atomic_t sigbus_seen;

static void on_sigbus(int sig)
{
	sigbus_seen = sig;
}

/*
 * A memory error in a page of a PMD-sized folio without a store: the
 * kernel splits the folio (its split asks ->release_folio, which a
 * memory-only cache refuses but for this), and pcc loses the one page,
 * the only copy of its data: EIO from then on. The other 511 stay cached,
 * their data intact, and so does the next folio.
 */
TEST_F(huge, a_memory_error_in_a_pmd_folio_without_a_store_splits_it_and_loses_one_page)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	struct pcc_stats s;
	char *p, buf[64];
	long nth;

	if (pcc_hwpoison_unavailable())
		SKIP(return, "%s", pcc_hwpoison_unavailable());
	ASSERT_EQ(0, thp_switch("never"));
	fill_device(self->fd, 0, 2 * pmd_pages, 9);
	p = map_at(self->fd, pmd_size, 0, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, check_pages(p, 0, pmd_pages, 9));
	ASSERT_EQ(pmd_pages, pcc_folio_pages(p, &nth));
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, &old));
	madvise(p + 5 * psz, psz, MADV_HWPOISON);
	sigaction(SIGBUS, &old, NULL);
	ASSERT_EQ(0, pcc_stats(self->fd, &s));
	EXPECT_EQ(2 * pmd_pages - 1, s.pages_cached);
	EXPECT_EQ(-1, pread(self->fd, buf, sizeof(buf), 5 * psz));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(-1, check_device(self->fd, 0, 5, 9));
	EXPECT_EQ(-1, check_device(self->fd, 6, 2 * pmd_pages - 6, 9));
	/* The split unmapped the pages: they fault in again, one page each. */
	EXPECT_EQ(-1, check_pages(p + 6 * psz, 6, 1, 9));
	EXPECT_EQ(1, pcc_folio_pages(p + 6 * psz, &nth)) TH_LOG("the folio was not split");
	munmap(p, pmd_size);
}

/*
 * The same with a store, the folio clean (written back): the kernel
 * splits it, and pcc drops the one page, whose data the store still
 * holds: one store read brings it back; the other pages stay cached.
 */
TEST(a_memory_error_in_a_clean_pmd_folio_with_a_store_splits_it_and_takes_one_page)
{
	const char *why = no_thp() ? no_thp() : pcc_hwpoison_unavailable();
	struct pcc_io_stats io0, io1;
	struct pcc_stats s;
	char sw[32];
	long nth;
	char *p;
	int fd;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, thp_switch_now(sw, sizeof(sw)));
	ASSERT_EQ(0, thp_switch("never"));
	fd = huge_store("huge=always");
	ASSERT_LE(0, fd) TH_LOG("load on a fresh store: %s", strerror(errno));
	fill_device(fd, 0, pmd_pages, 11);
	EXPECT_EQ(pmd_pages, ioctl(fd, PCC_IOC_WRITEBACK));
	p = map_at(fd, pmd_size, 0, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, check_pages(p, 0, pmd_pages, 11));
	ASSERT_EQ(pmd_pages, pcc_folio_pages(p, &nth));
	ASSERT_EQ(0, madvise(p + 5 * psz, psz, MADV_HWPOISON)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, pcc_stats(fd, &s));
	EXPECT_EQ(pmd_pages - 1, s.pages_cached);
	/* The split unmapped the pages: they fault in again, one page each. */
	EXPECT_EQ(-1, check_pages(p + 6 * psz, 6, 1, 11));
	EXPECT_EQ(1, pcc_folio_pages(p + 6 * psz, &nth)) TH_LOG("the folio was not split");
	ASSERT_EQ(0, pcc_io_stats(fd, &io0));
	EXPECT_EQ(-1, check_device(fd, 0, pmd_pages, 11));
	ASSERT_EQ(0, pcc_io_stats(fd, &io1));
	EXPECT_EQ(1, io1.store_reads - io0.store_reads);
	munmap(p, pmd_size);
	close(fd);
	unlink(HUGE_STORE);
	thp_switch(sw);
}

/*
 * A mapping of 2 MiB or more without a hint is placed so that its
 * addresses are aligned as its file offsets (thp_get_unmapped_area): PMDs
 * can map it without MAP_FIXED.
 */
TEST_F(huge, a_mapping_of_a_pmd_or_more_is_placed_aligned_with_its_offset)
{
	struct pcc_huge_stats h;
	char *p, *q;

	p = mmap(NULL, 2 * pmd_size, PROT_READ, MAP_SHARED, self->fd, 0);
	/* Offsets 3 pages to 4 MiB + 3 pages: one whole aligned PMD inside. */
	q = mmap(NULL, 2 * pmd_size, PROT_READ, MAP_SHARED, self->fd, 3 * psz);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0, (unsigned long)p % pmd_size);
	EXPECT_EQ(3 * psz, (unsigned long)q % pmd_size);
	ASSERT_EQ(0, thp_switch("never"));
	(void)*(volatile char *)p;
	EXPECT_EQ(pmd_size / 1024, pmd_mapped_kb(p));
	ASSERT_EQ(0, huge_stats(self->fd, &h));
	EXPECT_EQ(1, h.pmd_folios);
	munmap(p, 2 * pmd_size);
	munmap(q, 2 * pmd_size);
}

/*
 * cache_pages= counts a PMD-sized folio as its pages: without a store,
 * with room for 700 pages, one PMD-sized folio fits and a second does
 * not; that fault gets one page instead, counted.
 */
TEST(the_memory_limit_counts_a_pmd_folio_as_its_pages)
{
	const char *why = no_thp();
	struct pcc_huge_stats h;
	struct pcc_stats s;
	long nth;
	char *p;
	int fd;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, pcc_reload("huge=always size_pages=2048 cache_pages=700"));
	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	p = map_at(fd, 2 * pmd_size, 0, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	(void)*(volatile char *)p;
	(void)*(volatile char *)(p + pmd_size);
	ASSERT_EQ(0, huge_stats(fd, &h));
	ASSERT_EQ(0, pcc_stats(fd, &s));
	EXPECT_EQ(1, h.pmd_folios);
	EXPECT_EQ(1, h.pmd_folio_fallbacks);
	EXPECT_EQ(pmd_pages + 1, s.pages_cached);
	EXPECT_EQ(pmd_pages, pcc_folio_pages(p, &nth));
	EXPECT_EQ(1, pcc_folio_pages(p + pmd_size, &nth));
	munmap(p, 2 * pmd_size);
	close(fd);
}

/*
 * With a store, cache_pages= makes room for a whole PMD-sized folio
 * before it comes in: with 600 pages allowed and one clean, unmapped
 * PMD-sized folio cached, the next one evicts it first.
 */
TEST(with_a_store_the_memory_limit_evicts_room_for_a_pmd_folio)
{
	const char *why = no_thp();
	struct pcc_io_stats io;
	struct pcc_stats s;
	char sw[32];
	char *p;
	int fd;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, thp_switch_now(sw, sizeof(sw)));
	ASSERT_EQ(0, thp_switch("never"));
	fd = huge_store("huge=always cache_pages=600");
	ASSERT_LE(0, fd) TH_LOG("load on a fresh store: %s", strerror(errno));
	p = map_at(fd, 2 * pmd_size, 0, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	(void)*(volatile char *)p;
	ASSERT_EQ(0, munmap(p, pmd_size));
	(void)*(volatile char *)(p + pmd_size);
	ASSERT_EQ(0, pcc_stats(fd, &s));
	ASSERT_EQ(0, pcc_io_stats(fd, &io));
	EXPECT_EQ(pmd_pages, s.pages_cached);
	EXPECT_EQ(pmd_pages, io.pages_evicted);
	EXPECT_EQ(pmd_size / 1024, pmd_mapped_kb(p + pmd_size));
	munmap(p + pmd_size, pmd_size);
	close(fd);
	unlink(HUGE_STORE);
	thp_switch(sw);
}

/* huge=advise: a PMD-sized folio only where MADV_HUGEPAGE asks, and none for write(). */
TEST(advise_allocates_only_where_madv_hugepage_asks)
{
	const char *why = no_thp();
	struct pcc_huge_stats h;
	char *p, *q;
	long nth;
	int fd;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, pcc_reload("huge=advise size_pages=2048"));
	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	fill_device(fd, 0, 1, 0);
	p = map_at(fd, pmd_size, pmd_size, PROT_READ, MAP_SHARED, 0);
	q = map_at(fd, pmd_size, 2 * pmd_size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(0, madvise(q, pmd_size, MADV_HUGEPAGE));
	(void)*(volatile char *)p;
	(void)*(volatile char *)q;
	ASSERT_EQ(0, huge_stats(fd, &h));
	EXPECT_EQ(1, h.pmd_folios);
	EXPECT_EQ(1, pcc_folio_pages(p, &nth));
	EXPECT_EQ(pmd_pages, pcc_folio_pages(q, &nth));
	munmap(p, pmd_size);
	munmap(q, pmd_size);
	close(fd);
}

/*
 * write_notify=0 with PMD-sized folios: a read maps the folio by one PMD
 * (finish_fault -> do_set_pmd), writable at once, so a store takes no
 * fault and dirties only the PMD. Writeback finds it dirty there
 * (folio_mkclean), cleans all 512 pages and write-protects the PMD; the
 * next store is one ->huge_fault (wp_huge_pmd), which dirties the folio.
 */
TEST(write_notify_off_maps_a_pmd_writable_and_writeback_finds_it_dirty)
{
	const char *why = no_thp();
	struct pcc_huge_stats h0, h1;
	struct pcc_stats s0, s1;
	volatile char *p;
	char sw[32];
	long faults;
	int fd;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, thp_switch_now(sw, sizeof(sw)));
	ASSERT_EQ(0, thp_switch("never"));
	ASSERT_EQ(0, pcc_reload("huge=always size_pages=2048 write_notify=0"));
	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	pcc_prefault_self();
	p = map_at(fd, pmd_size, 0, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	(void)p[0];
	ASSERT_EQ(pmd_size / 1024, pmd_mapped_kb((void *)p));
	ASSERT_EQ(0, huge_stats(fd, &h0));
	ASSERT_EQ(0, pcc_stats(fd, &s0));
	/*
	 * Nothing of pcc's ran. The task's faults are not counted: where the
	 * CPU does not set a PMD's dirty bit itself (arm64 here took one),
	 * the kernel sets it in huge_pmd_set_accessed(), alone.
	 */
	ASSERT_LE(0, store_counted(fd, p, 7, 'x', &h1, &s1));
	EXPECT_EQ(0, h1.huge_fault_calls - h0.huge_fault_calls);
	EXPECT_EQ(0, s1.faults - s0.faults);
	EXPECT_EQ(0, s1.pages_dirty);

	EXPECT_EQ(pmd_pages, ioctl(fd, PCC_IOC_WRITEBACK));
	faults = store_counted(fd, p, 9, 'y', &h1, &s1);
	ASSERT_LE(0, faults);
	EXPECT_EQ(1, faults);
	EXPECT_EQ(1, h1.huge_fault_pmds - h0.huge_fault_pmds);
	EXPECT_EQ(pmd_pages, s1.pages_dirty);
	EXPECT_EQ(0, s1.mkwrite_calls);
	EXPECT_EQ(pmd_size / 1024, pmd_mapped_kb((void *)p));
	EXPECT_EQ('x', p[7 * psz]);
	munmap((void *)p, pmd_size);
	close(fd);
	thp_switch(sw);
}

/* huge= takes shmem's four values, and refuses anything else at load. */
TEST(huge_takes_only_never_always_within_size_advise)
{
	const char *why = no_thp();

	EXPECT_EQ(-1, pcc_reload("huge=sometimes"));
	EXPECT_EQ(EINVAL, errno);
	if (why) {
		/* Without transparent huge pages only never loads. */
		EXPECT_EQ(-1, pcc_reload("huge=always"));
		EXPECT_EQ(EINVAL, errno);
	} else {
		EXPECT_EQ(0, pcc_reload("huge=within_size"));
	}
	EXPECT_EQ(0, pcc_reload("huge=never"));
}

/*
 * With a store: a PMD-sized folio written through a mapping is written
 * back whole, evicted whole once unmapped, and read back whole by one
 * major fault, which maps it by one PMD again.
 */
TEST(a_pmd_folio_is_written_back_evicted_and_read_back_from_the_store)
{
	const char *why = no_thp();
	struct pcc_io_stats io0, io1;
	struct pcc_huge_stats h;
	struct pcc_flt f0, f1;
	char sw[32];
	char *p;
	int fd;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, thp_switch_now(sw, sizeof(sw)));
	ASSERT_EQ(0, thp_switch("always"));
	fd = huge_store("huge=always");
	ASSERT_LE(0, fd) TH_LOG("load on a fresh store: %s", strerror(errno));
	p = map_at(fd, pmd_size, pmd_size, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (long i = 0; i < pmd_pages; i++)
		memset(p + i * psz, (char)(pmd_pages + i + 5), psz);
	EXPECT_EQ(pmd_size / 1024, pmd_mapped_kb(p));
	ASSERT_EQ(0, munmap(p, pmd_size));
	ASSERT_EQ(0, pcc_io_stats(fd, &io0));
	EXPECT_EQ(pmd_pages, ioctl(fd, PCC_IOC_WRITEBACK));
	EXPECT_EQ(pmd_pages, ioctl(fd, PCC_IOC_EVICT));
	ASSERT_EQ(0, pcc_io_stats(fd, &io1));
	EXPECT_EQ(pmd_pages, io1.store_writes - io0.store_writes);

	p = map_at(fd, pmd_size, pmd_size, PROT_READ, MAP_SHARED, 0);
	ASSERT_NE(MAP_FAILED, p);
	pcc_thread_faults(&f0);
	(void)*(volatile char *)p;
	pcc_thread_faults(&f1);
	ASSERT_EQ(0, pcc_io_stats(fd, &io0));
	EXPECT_EQ(1, f1.maj - f0.maj);
	EXPECT_EQ(pmd_pages, io0.store_reads - io1.store_reads);
	EXPECT_EQ(pmd_size / 1024, pmd_mapped_kb(p));
	EXPECT_EQ(-1, check_pages(p, pmd_pages, pmd_pages, 5));
	ASSERT_EQ(0, huge_stats(fd, &h));
	EXPECT_EQ(2, h.pmd_folios);
	/*
	 * The store: one ->huge_fault, a new folio. The read: ->huge_fault
	 * falls back (the store holds the pages), ->fault reads them and
	 * retries, and the retry's ->huge_fault maps the folio.
	 */
	EXPECT_EQ(1, h.huge_fault_fallbacks);
	EXPECT_EQ(2, h.huge_fault_pmds);
	munmap(p, pmd_size);
	close(fd);
	unlink(HUGE_STORE);
	thp_switch(sw);
}

static pid_t main_pid;
static char boot_switch[32];

static void restore_defaults(void)
{
	if (getpid() != main_pid)
		return;
	if (pcc_reload("") != 0)
		printf("# could not load pcc with its defaults again: %s\n", strerror(errno));
	if (boot_switch[0] && thp_switch(boot_switch))
		printf("# could not set the THP switch back to %s\n", boot_switch);
}

/* The switch's setting now: the bracketed word of "always [madvise] never". */
static int thp_switch_now(char *out, size_t len)
{
	char line[128], *b;
	FILE *f = fopen(THP "enabled", "re");

	if (!f)
		return -1;
	b = fgets(line, sizeof(line), f) ? strchr(line, '[') : NULL;
	fclose(f);
	if (!b || len < 32)
		return -1;
	return sscanf(b + 1, "%31[a-z]", out) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
	pcc_require_device();
	psz = sysconf(_SC_PAGESIZE);
	pmd_size = pcc_read_long(THP "hpage_pmd_size");
	if (pmd_size <= 0)
		pmd_size = 2L << 20;	/* unused: every test skips without THP */
	pmd_pages = pmd_size / psz;
	thp_switch_now(boot_switch, sizeof(boot_switch));
	main_pid = getpid();
	atexit(restore_defaults);
	return test_harness_run(argc, argv);
}
