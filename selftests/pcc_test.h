/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of pcc's selftests: open the device (or skip the whole
 * suite when it is truly absent), read the counters, reload the module,
 * and for the backing store: the task's fault counts, a perf counter of
 * major faults, the store's layout, its header, and a page pattern.
 */
#ifndef PCC_TEST_H
#define PCC_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/kernel-page-flags.h>
#include <linux/perf_event.h>

#include "pcc.h"
#include "pcc_arch.h"
#include "kselftest.h"

/* Skip the whole program, never pass, when /dev/pcc is not there. */
static inline void pcc_require_device(void)
{
	struct stat st;

	if (stat(PCC_DEVICE, &st) != 0)
		ksft_exit_skip("%s not present (%s): is pcc.ko loaded?\n",
			       PCC_DEVICE, strerror(errno));
}

static inline int pcc_stats(int fd, struct pcc_stats *s)
{
	return ioctl(fd, PCC_IOC_GET_STATS, s);
}

/* Path of pcc.ko in the guest; the runner exports PCC_KO. */
static inline const char *pcc_ko_path(void)
{
	const char *p = getenv("PCC_KO");

	return p ? p : "/pcc/pcc.ko";
}

static inline int pcc_unload(void)
{
	return syscall(__NR_delete_module, "pcc", O_NONBLOCK);
}

/* Load pcc.ko with the given parameters ("" for the defaults). */
static inline int pcc_load(const char *params)
{
	int fd = open(pcc_ko_path(), O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -1;
	ret = syscall(__NR_finit_module, fd, params, 0);
	close(fd);
	return ret;
}

/*
 * Unload, waiting up to 5 s while pcc is still in use: the last reference
 * of a process that just exited or unmapped can be dropped a moment later
 * (a file's release may be deferred to a workqueue, delayed_fput). Says so
 * when it had to wait. Use pcc_unload() to check that unload is refused.
 */
static inline int pcc_unload_wait(void)
{
	int i;

	for (i = 0; i < 50; i++) {
		if (pcc_unload() == 0) {
			if (i)
				printf("# pcc was busy for %d ms before unloading\n", i * 100);
			return 0;
		}
		if (errno != EWOULDBLOCK)
			return -1;
		usleep(100 * 1000);
	}
	return -1;
}

/* Unload and load again with params; 0 on success, -1 with errno set. */
static inline int pcc_reload(const char *params)
{
	if (pcc_unload_wait() != 0 && errno != ENOENT)
		return -1;
	return pcc_load(params);
}

/* The C library's <sys/mman.h> has MADV_HWPOISON but not this one. */
#ifndef MADV_SOFT_OFFLINE
#define MADV_SOFT_OFFLINE 101	/* include/uapi/asm-generic/mman-common.h */
#endif

/*
 * Why madvise(MADV_HWPOISON) cannot be used here, or NULL if it can: it
 * needs CAP_SYS_ADMIN and a kernel with CONFIG_MEMORY_FAILURE, which 32-bit
 * ARM does not have (the sysctl below exists only with it).
 */
static inline const char *pcc_hwpoison_unavailable(void)
{
	if (access("/proc/sys/vm/memory_failure_recovery", F_OK))
		return "no CONFIG_MEMORY_FAILURE in this kernel (32-bit ARM has none): no hardware poison";
	if (geteuid())
		return "MADV_HWPOISON needs CAP_SYS_ADMIN";
	return NULL;
}

/* Write a short text to a sysfs, debugfs or procfs file: 0, or -1. */
static inline int pcc_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/* The number a sysfs, debugfs or procfs file holds, or -1. */
static inline long pcc_read_long(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/*
 * The contents of /sys/module/pcc/parameters/NAME, newline cut, or "" on
 * error (a static buffer, overwritten by the next call); its mode bits in
 * *mode, if mode is not NULL.
 */
static inline const char *pcc_param(const char *name, mode_t *mode)
{
	static char buf[256];
	char path[128];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/pcc/parameters/%s", name);
	buf[0] = 0;
	if (mode && stat(path, &st) == 0)
		*mode = st.st_mode & 07777;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = 0;
	return buf;
}

/* A number in a sysfs or procfs file that a test changes, and what it was. */
struct pcc_knob {
	const char *path;
	long was;
};

/* Remember what path holds, then write val there; 0, or -1 with errno. */
static inline int pcc_knob_set(struct pcc_knob *k, const char *path, long val)
{
	char buf[24];

	k->path = path;
	k->was = pcc_read_long(path);
	if (k->was < 0)
		return -1;
	snprintf(buf, sizeof(buf), "%ld", val);
	return pcc_write_file(path, buf);
}

/* Write back what pcc_knob_set() found; 0 too when it found nothing. */
static inline int pcc_knob_restore(const struct pcc_knob *k)
{
	char buf[24];

	if (!k->path || k->was < 0)
		return 0;
	snprintf(buf, sizeof(buf), "%ld", k->was);
	return pcc_write_file(k->path, buf);
}

#define PCC_FPA "/sys/kernel/debug/fail_page_alloc/"

/*
 * Set fail_page_alloc up so that, once its "times" is 1 and
 * /proc/self/make-it-fail is 1, the next order-0 page allocation of this
 * task fails (__GFP_NOWARN ones included: pcc's are). 0, or -1 when the
 * kernel has no CONFIG_FAIL_PAGE_ALLOC (or debugfs is not mounted).
 */
static inline int pcc_fail_page_alloc_setup(void)
{
	if (access(PCC_FPA "times", W_OK))
		return -1;
	if (pcc_write_file(PCC_FPA "task-filter", "Y") ||
	    pcc_write_file(PCC_FPA "ignore-gfp-wait", "N") ||
	    pcc_write_file(PCC_FPA "ignore-gfp-highmem", "N") ||
	    pcc_write_file(PCC_FPA "probability", "100") ||
	    pcc_write_file(PCC_FPA "interval", "1") ||
	    pcc_write_file(PCC_FPA "min-order", "0") ||	/* pcc's pages are order 0 */
	    pcc_write_file(PCC_FPA "verbose", "1"))
		return -1;
	return 0;
}

/*
 * Map every page the test program already has (text, data, heap, stack),
 * so that a fault count taken around one access counts that access only:
 * otherwise the first run of a piece of the test's own code between two
 * snapshots faults its text page in (a minor fault, file-backed), and
 * whether it does depends on where the linker put it. mlockall populates
 * the mappings; munlockall leaves them populated. Call it before mapping
 * /dev/pcc.
 */
static inline void pcc_prefault_self(void)
{
	if (mlockall(MCL_CURRENT) == 0)
		munlockall();
}

/*
 * What one page table maps on each architecture pcc tests (512 entries of
 * 4 KiB; 32-bit ARM pairs its 256-entry tables, as a PMD of 2 MiB).
 */
#define PCC_PTE_TABLE_SPAN	(2UL << 20)

/*
 * mmap(2) of len bytes placed shift bytes (at most align) past an address
 * aligned to align, a power of two: MAP_FIXED inside a reservation
 * (PROT_NONE) of len + 2 * align bytes, whose unused parts are unmapped
 * again.
 */
static inline void *pcc_mmap_aligned(size_t len, size_t align, size_t shift, int prot, int flags,
				     int fd, off_t off)
{
	const size_t psz = getpagesize(), size = len + 2 * align;
	char *r, *at, *end;
	void *p;

	r = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return MAP_FAILED;
	at = (char *)(((uintptr_t)r + align - 1) & ~(align - 1)) + shift;
	p = mmap(at, len, prot, flags | MAP_FIXED, fd, off);
	if (p == MAP_FAILED) {
		munmap(r, size);
		return MAP_FAILED;
	}
	end = at + ((len + psz - 1) & ~(psz - 1));
	if (at > r)
		munmap(r, at - r);
	if (r + size > end)
		munmap(end, r + size - end);
	return p;
}

/*
 * mmap(2) at the start of a page table (a 2 MiB-aligned address), for a
 * test that counts the faults of a mapping of several pages: fault-around
 * never crosses a page table (do_fault_around() stops at PTRS_PER_PTE), so
 * a mapping that mmap(NULL) happens to put across one takes a fault more
 * for the pages past it. len is at most PCC_PTE_TABLE_SPAN.
 */
static inline void *pcc_mmap_in_one_table(size_t len, int prot, int flags, int fd, off_t off)
{
	if (len > PCC_PTE_TABLE_SPAN)
		return MAP_FAILED;
	return pcc_mmap_aligned(len, PCC_PTE_TABLE_SPAN, 0, prot, flags, fd, off);
}

/* Put 'c' in every byte of pages [first, first + n) through write(). */
static inline int pcc_fill_pages(int fd, long psz, off_t first, int n, int c)
{
	char *buf = malloc(psz);
	int i, ret = buf ? 0 : -1;

	if (buf)
		memset(buf, c, psz);
	for (i = 0; i < n && !ret; i++)
		if (pwrite(fd, buf, psz, (first + i) * psz) != psz)
			ret = -1;
	free(buf);
	return ret;
}

static inline int pcc_io_stats(int fd, struct pcc_io_stats *s)
{
	return ioctl(fd, PCC_IOC_GET_IO_STATS, s);
}

/* The calling thread's own fault counts, as getrusage(RUSAGE_THREAD) keeps them. */
struct pcc_flt {
	long min, maj;
};

static inline void pcc_thread_faults(struct pcc_flt *f)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	f->min = ru.ru_minflt;
	f->maj = ru.ru_majflt;
}

/*
 * A software perf counter (e.g. PERF_COUNT_SW_PAGE_FAULTS_MAJ) of the
 * calling thread, kernel included, created disabled: pcc_perf_start()
 * zeroes and enables it, pcc_perf_stop() disables it and returns the
 * count (-1 on error).
 */
static inline int pcc_perf_open(__u64 config)
{
	struct perf_event_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_SOFTWARE;
	attr.size = sizeof(attr);
	attr.config = config;
	attr.disabled = 1;
	return syscall(__NR_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static inline int pcc_perf_start(int fd)
{
	if (ioctl(fd, PERF_EVENT_IOC_RESET, 0))
		return -1;
	return ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
}

static inline long long pcc_perf_stop(int fd)
{
	__u64 n;

	if (ioctl(fd, PERF_EVENT_IOC_DISABLE, 0) || read(fd, &n, sizeof(n)) != sizeof(n))
		return -1;
	return n;
}

/*
 * Every page fault of the calling thread with its address and instruction
 * pointer: the software perf event PERF_COUNT_SW_PAGE_FAULTS, sampled at
 * each fault into a ring buffer. The architecture's fault handler (arm64
 * do_page_fault, x86 do_user_addr_fault) emits it for every fault it takes
 * from user space or from the kernel's user accesses, including the ones
 * that turn out to need no work (a stale TLB entry); faults of
 * get_user_pages() have no regs and emit none.
 *
 * A count of a thread's faults (ru_minflt) cannot tell the fault of the
 * access a test makes from one the same thread takes elsewhere in the same
 * window; this log can, by address. pcc_fault_log_head() says where the
 * log is now (take it just before the getrusage() of a snapshot: a fault
 * of getrusage()'s own copy-out is then in the same window for both);
 * pcc_fault_log_count() counts the faults logged between two heads inside
 * [lo, hi) and outside it, and prints each one outside.
 */
struct pcc_fault_log {
	int fd;
	struct perf_event_mmap_page *meta;
	char *data;
	__u64 size;	/* of the data area, a power of two */
};

#define PCC_FAULT_LOG_PAGES	16

static inline int pcc_fault_log_open(struct pcc_fault_log *l)
{
	struct perf_event_attr attr;
	long psz = sysconf(_SC_PAGESIZE);
	void *m;

	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_SOFTWARE;
	attr.size = sizeof(attr);
	attr.config = PERF_COUNT_SW_PAGE_FAULTS;
	attr.sample_period = 1;
	attr.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_ADDR;
	attr.exclude_hv = 1;
	l->fd = syscall(__NR_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (l->fd < 0)
		return -1;
	l->size = PCC_FAULT_LOG_PAGES * psz;
	m = mmap(NULL, psz + l->size, PROT_READ | PROT_WRITE, MAP_SHARED, l->fd, 0);
	if (m == MAP_FAILED) {
		close(l->fd);
		return -1;
	}
	l->meta = m;
	l->data = (char *)m + psz;
	/*
	 * perf maps its control page read-only and makes it writable at the
	 * first store (a write fault, logged): take that fault here, not in
	 * the first pcc_fault_log_head() of a window.
	 */
	__atomic_store_n(&l->meta->data_tail, 0, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Where the log is now. What came before is given back to the kernel
 * (data_tail), which keeps it until the ring wraps: PCC_FAULT_LOG_PAGES
 * pages, some two thousand faults.
 */
static inline __u64 pcc_fault_log_head(struct pcc_fault_log *l)
{
	__u64 head = __atomic_load_n(&l->meta->data_head, __ATOMIC_ACQUIRE);

	__atomic_store_n(&l->meta->data_tail, head, __ATOMIC_RELEASE);
	return head;
}

/* len bytes of the ring at offset off (it wraps). */
static inline void pcc_fault_log_read(struct pcc_fault_log *l, __u64 off, void *to, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		((char *)to)[i] = l->data[(off + i) & (l->size - 1)];
}

/*
 * Faults logged between heads from and to: *in those at an address in
 * [lo, hi), *out the others, each printed with its address and ip. -1 if
 * the log lost records.
 */
static inline int pcc_fault_log_count(struct pcc_fault_log *l, __u64 from, __u64 to,
				      uintptr_t lo, uintptr_t hi, long *in, long *out)
{
	struct perf_event_header h;
	struct { __u64 ip, addr; } smp;
	__u64 off;
	int ret = 0;

	*in = *out = 0;
	for (off = from; off < to; off += h.size) {
		pcc_fault_log_read(l, off, &h, sizeof(h));
		if (h.size < sizeof(h))
			return -1;
		if (h.type != PERF_RECORD_SAMPLE) {
			ksft_print_msg("fault log: record type %u (lost samples?)\n", h.type);
			ret = -1;
			continue;
		}
		pcc_fault_log_read(l, off + sizeof(h), &smp, sizeof(smp));
		if (smp.addr >= lo && smp.addr < hi) {
			(*in)++;
		} else {
			(*out)++;
			ksft_print_msg("fault log: a fault outside the access: address %#llx, ip %#llx (%s mode)\n",
				       (unsigned long long)smp.addr, (unsigned long long)smp.ip,
				       (h.misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_KERNEL ?
				       "kernel" : "user");
		}
	}
	return ret;
}

/*
 * The backing store (module parameter backing=PATH); its format is
 * include/uapi/pcc.h's. The tests run on 4096-byte pages.
 */
#define PCC_STORE_DISK	"/dev/vda"	/* the VM's disk (scripts/vm.sh) */
#define PCC_STORE_PAGE	4096L

/* Pages a store for size_pages needs: data, header, bitmap. */
static inline unsigned long pcc_store_pages(unsigned long size_pages)
{
	return PCC_STORE_PAGES(size_pages, PCC_STORE_PAGE);
}

/*
 * pread/pwrite on a store's path. A block device is opened O_DIRECT, so
 * what is read is what the disk holds, whether pcc writes through the
 * block device's page cache (a direct read writes that range back first)
 * or around it; a regular file is read through its page cache, which is
 * what pcc reads and writes too. len and off: multiples of 512.
 */
static inline ssize_t pcc_store_io(const char *path, void *buf, size_t len, off_t off, int write)
{
	struct stat st;
	ssize_t ret = -1;
	void *bounce;
	int fd, err;

	if (stat(path, &st))
		return -1;
	fd = open(path, (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC |
		  (S_ISBLK(st.st_mode) ? O_DIRECT : 0));
	if (fd < 0)
		return -1;
	if (posix_memalign(&bounce, PCC_STORE_PAGE, len) == 0) {
		if (write) {
			memcpy(bounce, buf, len);
			ret = pwrite(fd, bounce, len, off);
			if (ret >= 0 && fsync(fd))
				ret = -1;
		} else {
			ret = pread(fd, bounce, len, off);
			if (ret > 0)
				memcpy(buf, bounce, ret);
		}
		err = errno;
		free(bounce);
		errno = err;
	}
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

static inline ssize_t pcc_store_pread(const char *path, void *buf, size_t len, off_t off)
{
	return pcc_store_io(path, buf, len, off, 0);
}

static inline ssize_t pcc_store_pwrite(const char *path, const void *buf, size_t len, off_t off)
{
	return pcc_store_io(path, (void *)buf, len, off, 1);
}

/*
 * Zero the header page of a store for size_pages, so that the next load
 * with that size finds a fresh store. pcc must not be loaded on it.
 */
static inline int pcc_wipe_store_header(const char *path, unsigned long size_pages)
{
	static const char zero[PCC_STORE_PAGE];

	if (pcc_store_pwrite(path, zero, sizeof(zero), size_pages * PCC_STORE_PAGE) != sizeof(zero))
		return -1;
	return 0;
}

/*
 * Unload pcc (if loaded), wipe the header of a store for size_pages at
 * path, and load "backing=path size_pages=N more". The parameters used
 * are left in params. 0 on success, -1 with errno set.
 */
static inline int pcc_reload_fresh_store(const char *path, unsigned long size_pages,
					 const char *more, char *params, size_t len)
{
	snprintf(params, len, "backing=%s size_pages=%lu%s%s", path, size_pages,
		 more && *more ? " " : "", more ? more : "");
	if (pcc_unload_wait() != 0 && errno != ENOENT)
		return -1;
	if (pcc_wipe_store_header(path, size_pages))
		return -1;
	return pcc_load(params);
}

/*
 * The 8-byte word 'word' of page 'page' under 'seed' (seed < 2^16):
 * never zero, so a page that reads as a hole never matches.
 */
static inline uint64_t pcc_pattern(unsigned long page, unsigned long word, uint64_t seed)
{
	return 0xa5a5000000000000ULL ^ (seed << 32) ^ ((uint64_t)page << 12) ^ word;
}

static inline void pcc_fill_page(void *p, unsigned long page, uint64_t seed)
{
	uint64_t *w = p;
	unsigned long i;

	for (i = 0; i < PCC_STORE_PAGE / 8; i++)
		w[i] = pcc_pattern(page, i, seed);
}

/* Index of the first word of p that differs from the pattern, or -1. */
static inline long pcc_check_page(const void *p, unsigned long page, uint64_t seed)
{
	const uint64_t *w = p;
	unsigned long i;

	for (i = 0; i < PCC_STORE_PAGE / 8; i++)
		if (w[i] != pcc_pattern(page, i, seed))
			return i;
	return -1;
}

/* Index of the first non-zero byte of p[0..len), or -1. */
static inline long pcc_first_nonzero(const void *p, size_t len)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		if (b[i])
			return i;
	return -1;
}

/*
 * The physical frame mapped at addr, from /proc/self/pagemap (root sees
 * PFNs), or 0 if no page is mapped there.
 */
static inline uint64_t pcc_pfn(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &e, sizeof(e), (uintptr_t)addr / getpagesize() * sizeof(e)) != sizeof(e))
		e = 0;
	close(fd);
	if (!(e >> 63))
		return 0;
	return e & ((1ULL << 55) - 1);
}

/* A page's /proc/kpageflags, or KPF_NOPAGE's bit if it cannot be read. */
static inline uint64_t pcc_kpageflags(int kf, uint64_t pfn)
{
	uint64_t flags;

	if (pread(kf, &flags, sizeof(flags), pfn * sizeof(flags)) != sizeof(flags))
		return 1ULL << KPF_NOPAGE;
	return flags;
}

/*
 * The folio that holds the page mapped at addr: how many pages it spans,
 * and in *nth which of them this page is (from 0), from its PFN and the
 * KPF_COMPOUND_HEAD/KPF_COMPOUND_TAIL bits of /proc/kpageflags, which
 * together give a large folio's first page and its end. 1 and 0 for a
 * folio of one page; -1 if no page is mapped there or the flags cannot be
 * read.
 */
static inline long pcc_folio_pages(const void *addr, long *nth)
{
	const uint64_t tail = 1ULL << KPF_COMPOUND_TAIL, head = 1ULL << KPF_COMPOUND_HEAD;
	uint64_t pfn = pcc_pfn(addr), first, flags;
	int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	long n = -1;

	if (kf < 0 || !pfn)
		goto out;
	flags = pcc_kpageflags(kf, pfn);
	if (flags & 1ULL << KPF_NOPAGE)
		goto out;
	*nth = 0;
	n = 1;
	if (!(flags & (head | tail)))
		goto out;
	for (first = pfn; pcc_kpageflags(kf, first) & tail; first--)
		;
	while (pcc_kpageflags(kf, first + n) & tail)
		n++;
	*nth = pfn - first;
out:
	if (kf >= 0)
		close(kf);
	return n;
}

/*
 * Wait until the page mapped at addr is under writeback (PG_writeback):
 * its PFN from /proc/self/pagemap, its flags from /proc/kpageflags
 * (KPF_WRITEBACK). Per page and exact; the global Writeback: count
 * of /proc/meminfo is not (its per-CPU deltas are folded once a second).
 * Returns 0 once it is, -1 with errno set: ETIMEDOUT after ms; ENODATA as
 * soon as the page is clean, unlocked and not under writeback (there is
 * nothing dirty to write back: it ended before it was seen, or it cleaned
 * the page without a store). Writeback starts with the page locked
 * (folio_clear_dirty_for_io, then folio_start_writeback), so a page seen
 * between the two is locked, not taken for clean.
 */
static inline int pcc_wait_writeback(const void *addr, int ms)
{
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int kf = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	uint64_t ent, flags, pfn;
	int i, ret = -1, err = ETIMEDOUT;

	if (pm < 0 || kf < 0) {
		err = errno;
		goto out;
	}
	for (i = 0; i < ms; i++) {
		if (pread(pm, &ent, sizeof(ent), (uintptr_t)addr / 4096 * sizeof(ent)) != sizeof(ent)) {
			err = errno;
			break;
		}
		pfn = ent & ((1ULL << 55) - 1);
		/* Present, with a PFN (bits 0-54). */
		if ((ent >> 63) & 1 && pfn) {
			if (pread(kf, &flags, sizeof(flags), pfn * sizeof(flags)) != sizeof(flags)) {
				err = errno;
				break;
			}
			if ((flags >> KPF_WRITEBACK) & 1) {
				ret = 0;
				break;
			}
			if (!(flags & (1ULL << KPF_DIRTY | 1ULL << KPF_LOCKED))) {
				err = ENODATA;
				break;
			}
		}
		usleep(1000);
	}
out:
	if (pm >= 0)
		close(pm);
	if (kf >= 0)
		close(kf);
	if (ret)
		errno = err;
	return ret;
}

#endif /* PCC_TEST_H */
