// SPDX-License-Identifier: GPL-2.0
/*
 * The fault paths of a /dev/pcc mapping, each checked by what pcc's
 * callbacks counted (PCC_IOC_GET_STATS deltas), by the task's own fault
 * counters (getrusage(RUSAGE_THREAD)), and by the page contents.
 *
 * Every test starts from an empty cache (PCC_IOC_RESET in the setup).
 */
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "pcc_test.h"

struct snap {
	struct pcc_stats s;
	long minflt, majflt;
	__u64 head;	/* of the fault log */
};

/* Every fault of the test's thread, by address (pcc_test.h). */
static struct pcc_fault_log flog;

static void snap(int fd, struct snap *out)
{
	struct rusage ru;

	if (pcc_stats(fd, &out->s))
		ksft_exit_fail_msg("PCC_IOC_GET_STATS: %s\n", strerror(errno));
	out->head = pcc_fault_log_head(&flog);
	getrusage(RUSAGE_THREAD, &ru);
	out->minflt = ru.ru_minflt;
	out->majflt = ru.ru_majflt;
}

/*
 * The access between snapshots a and b took exactly n page faults: n
 * faults at an address in [lo, lo + len) in the fault log. And the thread
 * was charged (ru_minflt) with exactly the faults the log saw, those and
 * any elsewhere, which are printed with their address: no fault is left
 * unexplained. A fault elsewhere is not the access's, and its address
 * says what it was (see README, "Reliability").
 */
#define EXPECT_ACCESS_FAULTS(n, lo, len, a, b) do {					\
	long __in, __out;								\
	ASSERT_EQ(0, pcc_fault_log_count(&flog, (a).head, (b).head, (uintptr_t)(lo),	\
					 (uintptr_t)(lo) + (len), &__in, &__out));	\
	EXPECT_EQ((n), __in) TH_LOG("page faults at the accessed addresses");		\
	EXPECT_EQ((b).minflt - (a).minflt, __in + __out)				\
		TH_LOG("minor faults charged vs. faults logged (%ld there, %ld elsewhere)", \
		       __in, __out);							\
} while (0)

/* after - before, field by field */
#define D(a, b, f) ((long long)((a).s.f - (b).s.f))

/*
 * Fixtures with the same setup: "pcc" runs its tests for MAP_SHARED
 * and MAP_PRIVATE; "shared" and "private" hold the tests that only mean
 * something for one of them; "dev" maps nothing.
 */
#define PCC_FIXTURE(name)							\
FIXTURE(name)									\
{										\
	int fd;									\
	long psz;								\
	__u64 size;								\
};										\
FIXTURE_SETUP(name)								\
{										\
	self->psz = sysconf(_SC_PAGESIZE);					\
	self->fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);			\
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", PCC_DEVICE, strerror(errno)); \
	ASSERT_EQ(0, ioctl(self->fd, PCC_IOC_RESET));				\
	ASSERT_EQ(0, ioctl(self->fd, PCC_IOC_GET_SIZE, &self->size));		\
	ASSERT_EQ(0, pcc_fault_log_open(&flog)) TH_LOG("perf_event_open: %s", strerror(errno)); \
	pcc_prefault_self();							\
}										\
FIXTURE_TEARDOWN(name)								\
{										\
	ioctl(self->fd, PCC_IOC_RESET);						\
	close(self->fd);							\
}

PCC_FIXTURE(pcc);
PCC_FIXTURE(shared);
PCC_FIXTURE(private);
PCC_FIXTURE(dev);

FIXTURE_VARIANT(pcc)
{
	int flags;
};

FIXTURE_VARIANT_ADD(pcc, shared)
{
	.flags = MAP_SHARED,
};

FIXTURE_VARIANT_ADD(pcc, private)
{
	.flags = MAP_PRIVATE,
};

static char *map_at(int fd, long psz, size_t pages, int flags, off_t pgoff)
{
	return mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, flags, fd, pgoff * psz);
}


TEST_F(pcc, cold_read_faults_once_with_one_miss_and_reads_zeros)
{
	struct snap a, b;
	char *p;
	long i;

	p = map_at(self->fd, self->psz, 1, variant->flags, 7);
	ASSERT_NE(MAP_FAILED, p);
	snap(self->fd, &a);
	for (i = 0; i < self->psz; i++)
		if (p[i])
			break;
	snap(self->fd, &b);
	EXPECT_EQ(self->psz, i) TH_LOG("byte %ld of a fresh page is %d", i, p[i]);
	EXPECT_EQ(1, D(b, a, faults));
	EXPECT_EQ(1, D(b, a, fault_misses));
	EXPECT_EQ(0, D(b, a, mkwrite_calls));
	EXPECT_EQ(1, b.s.pages_cached);
	EXPECT_EQ(0, b.s.pages_dirty);
	EXPECT_ACCESS_FAULTS(1, p, self->psz, a, b);
	EXPECT_EQ(0, b.majflt - a.majflt);
	munmap(p, self->psz);
}

TEST_F(pcc, sequential_read_of_cached_pages_is_served_by_fault_around)
{
	const int n = 256;
	struct snap a, b;
	int i, bad = -1;
	char *p;

	ASSERT_EQ(0, pcc_fill_pages(self->fd, self->psz, 0, n, 'r'));
	p = map_at(self->fd, self->psz, n, variant->flags, 0);
	ASSERT_NE(MAP_FAILED, p);
	snap(self->fd, &a);
	for (i = 0; i < n; i++)
		if (p[i * self->psz] != 'r' && bad < 0)
			bad = i;
	snap(self->fd, &b);
	EXPECT_EQ(-1, bad) TH_LOG("page %d reads %d", bad, p[bad * self->psz]);
	EXPECT_GE(17, b.minflt - a.minflt);
	EXPECT_LE(239, D(b, a, pages_mapped_around));
	EXPECT_LE(1, D(b, a, map_pages_calls));
	/* Every page was cached, so map_pages mapped each faulting page too. */
	EXPECT_EQ(0, D(b, a, faults));
	TH_LOG("minflt %ld, map_pages calls %lld, PTEs mapped around %lld",
	       b.minflt - a.minflt, D(b, a, map_pages_calls), D(b, a, pages_mapped_around));
	munmap(p, n * self->psz);
}

TEST_F(shared, first_store_to_an_unmapped_page_calls_fault_then_page_mkwrite)
{
	struct snap a, b;
	char *p;

	p = map_at(self->fd, self->psz, 1, MAP_SHARED, 3);
	ASSERT_NE(MAP_FAILED, p);
	snap(self->fd, &a);
	p[0] = 'w';
	snap(self->fd, &b);
	EXPECT_EQ(1, D(b, a, faults));
	EXPECT_EQ(1, D(b, a, mkwrite_calls));
	EXPECT_EQ(1, b.s.pages_dirty);
	EXPECT_ACCESS_FAULTS(1, p, self->psz, a, b);
	munmap(p, self->psz);
}

TEST_F(shared, store_after_read_calls_only_page_mkwrite)
{
	struct snap a, b;
	char *p;

	p = map_at(self->fd, self->psz, 1, MAP_SHARED, 4);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, p[0]);
	snap(self->fd, &a);
	EXPECT_EQ(0, a.s.pages_dirty);
	p[0] = 'w';
	snap(self->fd, &b);
	EXPECT_EQ(0, D(b, a, faults));
	EXPECT_EQ(1, D(b, a, mkwrite_calls));
	EXPECT_EQ(1, b.s.pages_dirty);
	EXPECT_ACCESS_FAULTS(1, p, self->psz, a, b);
	munmap(p, self->psz);
}

TEST_F(pcc, second_store_to_a_dirty_page_calls_nothing)
{
	struct snap a, b;
	char *p;

	p = map_at(self->fd, self->psz, 1, variant->flags, 5);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 'a';
	snap(self->fd, &a);
	p[1] = 'b';
	p[self->psz - 1] = 'c';
	snap(self->fd, &b);
	EXPECT_EQ(0, D(b, a, faults));
	EXPECT_EQ(0, D(b, a, mkwrite_calls));
	EXPECT_EQ(0, D(b, a, map_pages_calls));
	EXPECT_ACCESS_FAULTS(0, p, self->psz, a, b);
	munmap(p, self->psz);
}

TEST_F(private, private_store_leaves_the_device_page_unchanged)
{
	struct snap a, b;
	char *p, *shared, c = 1;

	ASSERT_EQ(0, pcc_fill_pages(self->fd, self->psz, 6, 1, 'd'));
	p = map_at(self->fd, self->psz, 1, MAP_PRIVATE, 6);
	shared = map_at(self->fd, self->psz, 1, MAP_SHARED, 6);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, shared);
	snap(self->fd, &a);
	p[0] = 'P';
	snap(self->fd, &b);
	EXPECT_EQ('P', p[0]);
	EXPECT_EQ(1, pread(self->fd, &c, 1, 6 * self->psz));
	EXPECT_EQ('d', c);
	EXPECT_EQ('d', shared[0]);
	EXPECT_EQ(0, D(b, a, mkwrite_calls));
	EXPECT_EQ(1, D(b, a, faults)) TH_LOG("do_cow_fault reads the device page through ->fault");
	munmap(p, self->psz);
	munmap(shared, self->psz);
}

TEST_F(shared, forked_processes_see_each_others_shared_stores)
{
	int to_child[2], to_parent[2];
	char *p, x;
	pid_t pid;
	int st;

	p = map_at(self->fd, self->psz, 2, MAP_SHARED, 8);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Child: store in page 0, wait, check the parent's store in page 1. */
		p[0] = 'c';
		if (write(to_parent[1], "1", 1) != 1 || read(to_child[0], &x, 1) != 1)
			_exit(2);
		_exit(p[self->psz] == 'p' ? 0 : 1);
	}
	ASSERT_EQ(1, read(to_parent[0], &x, 1));
	EXPECT_EQ('c', p[0]);
	p[self->psz] = 'p';
	ASSERT_EQ(1, write(to_child[1], "1", 1));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) TH_LOG("child did not see the parent's store");
	munmap(p, 2 * self->psz);
}

TEST_F(shared, separate_opens_share_the_same_pages)
{
	int fd2 = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	char *a, *b, c = 0;

	ASSERT_LE(0, fd2);
	a = map_at(self->fd, self->psz, 1, MAP_SHARED, 9);
	b = map_at(fd2, self->psz, 1, MAP_SHARED, 9);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, b);
	a[10] = 'x';
	EXPECT_EQ('x', b[10]);
	b[11] = 'y';
	EXPECT_EQ('y', a[11]);
	munmap(a, self->psz);
	munmap(b, self->psz);
	close(fd2);
	/* The pages outlive the files: a new open reads them back. */
	fd2 = open(PCC_DEVICE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(1, pread(fd2, &c, 1, 9 * self->psz + 11));
	EXPECT_EQ('y', c);
	close(fd2);
}

TEST_F(pcc, pwrite_shows_in_a_mapping_and_a_store_shows_in_pread)
{
	char *p, buf[16] = { 0 };

	p = map_at(self->fd, self->psz, 1, variant->flags, 10);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, p[100]);	/* mapped before the pwrite */
	ASSERT_EQ(5, pwrite(self->fd, "hello", 5, 10 * self->psz + 100));
	EXPECT_EQ(0, memcmp(p + 100, "hello", 5));
	if (variant->flags == MAP_SHARED) {
		memcpy(p + 200, "world", 5);
		ASSERT_EQ(5, pread(self->fd, buf, 5, 10 * self->psz + 200));
		EXPECT_EQ(0, memcmp(buf, "world", 5));
	}
	munmap(p, self->psz);
}

/*
 * write(2) copies under the page's lock with page faults disabled, and
 * faults its source in only when nothing could be copied, with the lock
 * released, as generic_perform_write() does: a source that is a mapping
 * of the very page written, not faulted in yet, completes (faulting it
 * in under the lock would wait for that lock forever); a source not
 * mapped at all gets EFAULT and writes nothing; one that runs into an
 * unmapped page writes what came before it.
 */
TEST_F(shared, write_faults_its_source_in_only_with_the_page_unlocked)
{
	char *p, *src, buf[8] = { 0 };

	ASSERT_EQ(5, pwrite(self->fd, "hello", 5, 20 * self->psz + 8));
	p = map_at(self->fd, self->psz, 1, MAP_SHARED, 20);
	ASSERT_NE(MAP_FAILED, p);
	/* Page 20 onto itself, through a mapping not yet faulted in. */
	ASSERT_EQ(self->psz, pwrite(self->fd, p, self->psz, 20 * self->psz));
	ASSERT_EQ(5, pread(self->fd, buf, 5, 20 * self->psz + 8));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));

	/* Two pages of which the second is unmapped. */
	src = mmap(NULL, 2 * self->psz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, src);
	memcpy(src, "world", 5);
	ASSERT_EQ(0, munmap(src + self->psz, self->psz));
	EXPECT_EQ(-1, pwrite(self->fd, src + self->psz, self->psz, 22 * self->psz));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(self->psz, pwrite(self->fd, src, 2 * self->psz, 23 * self->psz));
	ASSERT_EQ(5, pread(self->fd, buf, 5, 23 * self->psz));
	EXPECT_EQ(0, memcmp(buf, "world", 5));
	/* Nothing of the refused write reached the device. */
	ASSERT_EQ(5, pread(self->fd, buf, 5, 22 * self->psz));
	EXPECT_EQ(0, memcmp(buf, "\0\0\0\0\0", 5));
	munmap(src, self->psz);
	munmap(p, self->psz);
}

TEST_F(shared, writeback_cleans_write_protects_and_keeps_data)
{
	struct snap a, b;
	char *p;
	int i;

	p = map_at(self->fd, self->psz, 3, MAP_SHARED, 11);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < 3; i++)
		p[i * self->psz] = 'A' + i;
	snap(self->fd, &a);
	EXPECT_EQ(3, a.s.pages_dirty);
	EXPECT_EQ(3, ioctl(self->fd, PCC_IOC_WRITEBACK));
	snap(self->fd, &b);
	EXPECT_EQ(0, b.s.pages_dirty);
	EXPECT_EQ(3, D(b, a, pages_written_back));
	EXPECT_EQ(0, ioctl(self->fd, PCC_IOC_WRITEBACK)) TH_LOG("nothing left to clean");
	for (i = 0; i < 3; i++)
		EXPECT_EQ('A' + i, p[i * self->psz]);
	snap(self->fd, &a);
	p[self->psz] = 'z';
	snap(self->fd, &b);
	EXPECT_EQ(1, D(b, a, mkwrite_calls)) TH_LOG("the store after writeback must call page_mkwrite");
	EXPECT_EQ(0, D(b, a, faults));
	EXPECT_EQ(1, b.s.pages_dirty);
	munmap(p, 3 * self->psz);
}

TEST_F(pcc, reset_empties_the_cache_and_mapped_pages_read_zeros)
{
	struct snap a;
	char *p;

	p = map_at(self->fd, self->psz, 2, variant->flags, 12);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, pcc_fill_pages(self->fd, self->psz, 12, 2, 'Z'));
	EXPECT_EQ('Z', p[0]);
	EXPECT_EQ('Z', p[self->psz + 1]);
	ASSERT_EQ(0, ioctl(self->fd, PCC_IOC_RESET));
	snap(self->fd, &a);
	EXPECT_EQ(0, a.s.pages_cached);
	EXPECT_EQ(0, a.s.pages_dirty);
	EXPECT_EQ(0, p[0]);
	EXPECT_EQ(0, p[self->psz + 1]);
	munmap(p, 2 * self->psz);
}

TEST_F(shared, clean_pages_survive_reclaim_hints_and_drop_caches)
{
	const int n = 8;
	struct pcc_stats st;
	char *p;
	int i, dc;

	p = map_at(self->fd, self->psz, n, MAP_SHARED, 20);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < n; i++)
		p[i * self->psz] = 'k' + i;
	ASSERT_EQ(n, ioctl(self->fd, PCC_IOC_WRITEBACK));	/* now clean: no backing store */
	/*
	 * Everything that may drop clean page-cache pages; the ones that
	 * skip mapped pages (mapping_evict_folio) after the pages are
	 * unmapped. A memory-only cache's mapping is unevictable (reclaim and
	 * MADV_PAGEOUT leave it), its inode has no bdi that fadvise acts on
	 * and is on no superblock list that drop_caches walks, and its
	 * ->release_folio refuses. A store-backed one is a disk file's, whose
	 * clean pages all of these drop
	 * (store.clean_pages_leave_through_fadvise_and_drop_caches_as_a_files_do).
	 */
	EXPECT_EQ(0, madvise(p, n * self->psz, MADV_PAGEOUT));
	EXPECT_EQ(0, madvise(p, n * self->psz, MADV_DONTNEED));
	EXPECT_EQ(0, posix_fadvise(self->fd, 0, 0, POSIX_FADV_DONTNEED));
	EXPECT_EQ(0, posix_fadvise(self->fd, 0, 0, POSIX_FADV_WILLNEED));
	dc = open("/proc/sys/vm/drop_caches", O_WRONLY);
	ASSERT_LE(0, dc);
	EXPECT_EQ(1, write(dc, "3", 1));
	close(dc);
	ASSERT_EQ(0, pcc_stats(self->fd, &st));
	EXPECT_EQ(n, st.pages_cached);
	for (i = 0; i < n; i++)
		EXPECT_EQ('k' + i, p[i * self->psz]) TH_LOG("page %d lost its data", i);
	munmap(p, n * self->psz);
}

/*
 * Nothing of pcc's pins its pages: the kernel may move one (soft offline,
 * compaction, longterm pinning) through ->migrate_folio, and its data, its
 * place in the cache, its dirty state and write-notify go with it.
 * MADV_SOFT_OFFLINE moves a mapped page to a new frame (migrate_pages) and
 * retires the old one; the PTEs move with it, so no access faults again.
 */
TEST_F(shared, a_page_the_kernel_migrates_keeps_its_data_state_and_mappings)
{
	struct pcc_stats s0, s1;
	uint64_t pfn[2], moved;
	char *p;
	int i;

	if (pcc_hwpoison_unavailable())
		SKIP(return, "%s", pcc_hwpoison_unavailable());
	p = map_at(self->fd, self->psz, 2, MAP_SHARED, 40);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 'm';
	p[self->psz] = 'n';
	ASSERT_EQ(2, ioctl(self->fd, PCC_IOC_WRITEBACK));
	p[0] = 'M';		/* page 0 dirty again; page 1 clean, write-protected */
	ASSERT_EQ(0, pcc_stats(self->fd, &s0));
	for (i = 0; i < 2; i++) {
		pfn[i] = pcc_pfn(p + i * self->psz);
		ASSERT_NE(0, pfn[i]);
		ASSERT_EQ(0, madvise(p + i * self->psz, self->psz, MADV_SOFT_OFFLINE))
			TH_LOG("page %d (%s): %s", i, i ? "clean" : "dirty", strerror(errno));
		moved = pcc_pfn(p + i * self->psz);
		EXPECT_NE(0, moved);
		EXPECT_NE(pfn[i], moved) TH_LOG("page %d still at frame %#llx", i,
						(unsigned long long)moved);
	}
	EXPECT_EQ('M', p[0]);
	EXPECT_EQ('n', p[self->psz]);
	p[self->psz] = 'N';	/* still write-protected: page_mkwrite */
	ASSERT_EQ(0, pcc_stats(self->fd, &s1));
	EXPECT_EQ(s0.pages_cached, s1.pages_cached);
	EXPECT_EQ(0, s1.faults - s0.faults);
	EXPECT_EQ(1, s1.mkwrite_calls - s0.mkwrite_calls);
	EXPECT_EQ(1, s0.pages_dirty);
	EXPECT_EQ(2, s1.pages_dirty);
	ASSERT_EQ(2, ioctl(self->fd, PCC_IOC_WRITEBACK));
	munmap(p, 2 * self->psz);
}

static sigjmp_buf sigbus_jmp;
static volatile int sigbus_code;
static void *volatile sigbus_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	sigbus_code = si->si_code;
	sigbus_addr = si->si_addr;
	siglongjmp(sigbus_jmp, 1);
}

TEST_F(pcc, access_past_capacity_raises_sigbus_adrerr)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	off_t last = self->size / self->psz - 1;
	volatile char *p;

	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	p = (volatile char *)map_at(self->fd, self->psz, 2, variant->flags, last);
	ASSERT_NE(MAP_FAILED, (void *)p);
	EXPECT_EQ(0, p[0]) TH_LOG("the last page is inside the device");
	sigbus_code = 0;
	if (sigsetjmp(sigbus_jmp, 1) == 0) {
		(void)p[self->psz];
		ASSERT_TRUE(0) TH_LOG("no SIGBUS past the end of the device");
	}
	EXPECT_EQ(BUS_ADRERR, sigbus_code);
	EXPECT_EQ((void *)(p + self->psz), sigbus_addr);
	munmap((void *)p, 2 * self->psz);
}

TEST_F(pcc, mmap_at_or_past_capacity_fails_with_einval)
{
	void *p = mmap(NULL, self->psz, PROT_READ, variant->flags, self->fd, self->size);

	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

/*
 * Map the device's last page, then ask for the next page offset (the
 * capacity) right after it: a mapping the kernel could merge into the
 * first one. It must fail like any mmap at capacity: pcc checks in
 * ->mmap_prepare, which the kernel calls before it tries to merge.
 */
static void map_past_capacity_adjacent(struct __test_metadata *_metadata,
				       FIXTURE_DATA(pcc) *self, int flags, int fixed)
{
	off_t last = self->size / self->psz - 1;
	char *area, *p, *q;

	/* Reserve two pages so the second address is ours to replace. */
	area = mmap(NULL, 2 * self->psz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	p = mmap(area, self->psz, PROT_READ | PROT_WRITE, flags | MAP_FIXED, self->fd,
		 last * self->psz);
	ASSERT_EQ(area, p);
	if (fixed == MAP_FIXED_NOREPLACE)
		ASSERT_EQ(0, munmap(area + self->psz, self->psz));
	errno = 0;
	q = mmap(area + self->psz, self->psz, PROT_READ | PROT_WRITE, flags | fixed, self->fd,
		 self->size);
	EXPECT_EQ(MAP_FAILED, q) TH_LOG("a mapping at capacity was merged after the last page");
	EXPECT_EQ(EINVAL, errno);
	munmap(area, 2 * self->psz);
}

TEST_F(pcc, map_fixed_at_capacity_next_to_the_last_page_fails_with_einval)
{
	map_past_capacity_adjacent(_metadata, self, variant->flags, MAP_FIXED);
}

TEST_F(pcc, map_fixed_noreplace_at_capacity_next_to_the_last_page_fails_with_einval)
{
	map_past_capacity_adjacent(_metadata, self, variant->flags, MAP_FIXED_NOREPLACE);
}

/*
 * Read addr: 1 when that raised SIGBUS (sigbus_code and sigbus_addr say
 * how), 0 when it did not. A function of its own, so that no local of a
 * test lives across the longjmp.
 */
static int __attribute__((noinline)) read_sigbus(volatile char *addr)
{
	sigbus_code = 0;
	if (sigsetjmp(sigbus_jmp, 1) == 0) {
		(void)*addr;
		return 0;
	}
	return 1;
}

/*
 * mremap grows a mapping of the device as it grows one of a file on tmpfs
 * or ext4 (pcc's mappings are not VM_DONTEXPAND): within capacity the new
 * page is the device's, data and all; past capacity growing works too,
 * and an access there gets SIGBUS (BUS_ADRERR), as past a file's end.
 */
TEST_F(pcc, mremap_grows_a_mapping_within_capacity_and_sigbus_past_it)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	off_t last = self->size / self->psz - 1;
	volatile char *q;
	char *area, *p;

	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	ASSERT_EQ(1, pwrite(self->fd, "x", 1, last * self->psz));
	/* Room to grow in place: three pages, the last two given back. */
	area = mmap(NULL, 3 * self->psz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	p = mmap(area, self->psz, PROT_READ | PROT_WRITE, variant->flags | MAP_FIXED, self->fd,
		 (last - 1) * self->psz);
	ASSERT_EQ(area, p);
	ASSERT_EQ(0, munmap(area + self->psz, 2 * self->psz));

	q = mremap(p, self->psz, 2 * self->psz, 0);
	ASSERT_EQ((void *)p, (void *)q) TH_LOG("grow to the last page: %s", strerror(errno));
	EXPECT_EQ('x', q[self->psz]) TH_LOG("the grown page is the device's last page");

	q = mremap(p, 2 * self->psz, 3 * self->psz, 0);
	ASSERT_EQ((void *)p, (void *)q) TH_LOG("grow past capacity: %s", strerror(errno));
	ASSERT_EQ(1, read_sigbus(q + 2 * self->psz)) TH_LOG("no SIGBUS past the end of the device");
	EXPECT_EQ(BUS_ADRERR, sigbus_code);
	EXPECT_EQ((void *)(q + 2 * self->psz), sigbus_addr);
	EXPECT_EQ('x', q[self->psz]);
	munmap((void *)q, 3 * self->psz);
}

/*
 * mlock2(MLOCK_ONFAULT) locks the range without faulting it in, as on a
 * file: no pcc callback runs until the pages are touched.
 */
TEST_F(pcc, mlock_onfault_faults_nothing_in)
{
	struct snap a, b;
	char *p;

	p = map_at(self->fd, self->psz, 2, variant->flags, 0);
	ASSERT_NE(MAP_FAILED, p);
	snap(self->fd, &a);
	ASSERT_EQ(0, syscall(__NR_mlock2, p, 2 * self->psz, MLOCK_ONFAULT)) TH_LOG("%s",
										 strerror(errno));
	snap(self->fd, &b);
	EXPECT_EQ(0, D(b, a, faults)) TH_LOG("mlock2(MLOCK_ONFAULT) faulted pages in");
	EXPECT_EQ(0, D(b, a, map_pages_calls));
	munlock(p, 2 * self->psz);
	munmap(p, 2 * self->psz);
}

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL	102
#define MADV_GUARD_REMOVE	103
#endif

static sigjmp_buf sigsegv_jmp;
static volatile int sigsegv_seen;

static void on_sigsegv(int sig)
{
	sigsegv_seen = 1;
	siglongjmp(sigsegv_jmp, 1);
}

/*
 * Guard regions install on a mapping of the device as on a file's (it is
 * no special VMA): touching the guard page is SIGSEGV without a fault
 * into pcc; removed, the page reads the device's data again.
 */
TEST_F(pcc, guard_region_installs_and_removes)
{
	struct sigaction sa = { .sa_handler = on_sigsegv };
	struct sigaction old;
	volatile char *p;
	struct snap a, b;

	ASSERT_EQ(1, pwrite(self->fd, "g", 1, self->psz));
	p = (volatile char *)map_at(self->fd, self->psz, 2, variant->flags, 0);
	ASSERT_NE(MAP_FAILED, (void *)p);
	ASSERT_EQ(0, madvise((void *)(p + self->psz), self->psz, MADV_GUARD_INSTALL))
		TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, sigaction(SIGSEGV, &sa, &old));
	snap(self->fd, &a);
	sigsegv_seen = 0;
	if (sigsetjmp(sigsegv_jmp, 1) == 0)
		(void)p[self->psz];
	snap(self->fd, &b);
	sigaction(SIGSEGV, &old, NULL);
	EXPECT_EQ(1, sigsegv_seen) TH_LOG("no SIGSEGV on the guard page");
	EXPECT_EQ(0, D(b, a, faults)) TH_LOG("a guard page never reaches pcc");
	ASSERT_EQ(0, madvise((void *)(p + self->psz), self->psz, MADV_GUARD_REMOVE));
	EXPECT_EQ('g', p[self->psz]);
	munmap((void *)p, 2 * self->psz);
}

TEST_F(pcc, mremap_moves_and_shrinks_a_mapping)
{
	char *area, *p, *q;

	/* Six reserved pages: the mapping's two, and room to move it to. */
	area = mmap(NULL, 6 * self->psz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	p = mmap(area, 2 * self->psz, PROT_READ | PROT_WRITE, variant->flags | MAP_FIXED,
		 self->fd, 0);
	ASSERT_EQ(area, p);
	p[0] = 'm';
	q = mremap(p, 2 * self->psz, self->psz, 0);
	EXPECT_EQ(p, q);
	q = mremap(p, self->psz, self->psz, MREMAP_MAYMOVE | MREMAP_FIXED, area + 4 * self->psz);
	ASSERT_EQ(area + 4 * self->psz, q);
	EXPECT_EQ('m', q[0]);
	munmap(area, 6 * self->psz);
}

TEST_F(dev, lseek_read_write_at_the_edges)
{
	char buf[8] = "12345678", in[8];

	EXPECT_EQ((off_t)self->size, lseek(self->fd, 0, SEEK_END));
	EXPECT_EQ(0, read(self->fd, in, sizeof(in))) TH_LOG("read at capacity is end of file");
	EXPECT_EQ(-1, write(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_EQ((off_t)self->size - 3, lseek(self->fd, -3, SEEK_END));
	EXPECT_EQ(3, write(self->fd, buf, sizeof(buf))) TH_LOG("a write across the end is short");
	EXPECT_EQ((off_t)self->size - 3, lseek(self->fd, -3, SEEK_CUR));
	EXPECT_EQ(3, read(self->fd, in, sizeof(in)));
	EXPECT_EQ(0, memcmp(in, "123", 3));
	EXPECT_EQ(0, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(-1, lseek(self->fd, -1, SEEK_SET));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, pread(self->fd, in, 1, -1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, pread(self->fd, in, 1, self->size + self->psz));
}

TEST_F(dev, bad_ioctls_fail_cleanly)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(PCC_IOC_MAGIC, 99)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO('Q', 1)));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, PCC_IOC_GET_STATS, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, PCC_IOC_GET_SIZE, (void *)16));
	EXPECT_EQ(EFAULT, errno);
}

int main(int argc, char **argv)
{
	pcc_require_device();
	return test_harness_run(argc, argv);
}
