// SPDX-License-Identifier: GPL-2.0
/*
 * The atlas of do_page_fault's branches on a pcc mapping (README, "Fault
 * paths on arm64"): what user space sees in each, and what pcc's counters
 * say ran. `make trace` captures the same scenarios (tools/pcc-scenario)
 * and the host checks each path's key frames and pcc's flags.
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
#include <sys/ioctl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pcc_test.h"
#include "kselftest_harness.h"

#define PSZ 4096L
#define FAB "/sys/kernel/debug/fault_around_bytes"
#define FPA PCC_FPA

static sigjmp_buf jmp;
static volatile int sig_no, sig_code, sig_lsb, sig_count;
static void *volatile sig_addr;

/* Record a signal without leaving: for one delivered on a syscall's return. */
static void on_signal_note(int sig, siginfo_t *si, void *uc)
{
	sig_no = sig;
	sig_code = si->si_code;
	sig_addr = si->si_addr;
	sig_lsb = si->si_addr_lsb;
	sig_count++;
}

/* Record a fault's signal and leave the access (ACCESS below). */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	on_signal_note(sig, si, uc);
	siglongjmp(jmp, 1);
}

/* Install fn for SIGSEGV and SIGBUS; forget earlier signals if reset. */
static void catch_signals(void (*fn)(int, siginfo_t *, void *), int reset)
{
	struct sigaction sa = { .sa_sigaction = fn, .sa_flags = SA_SIGINFO | SA_NODEFER };

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	if (reset) {
		sig_no = sig_code = sig_lsb = sig_count = 0;
		sig_addr = NULL;
	}
}

/* Make one access; 0 if it completed, the signal number if one ended it. */
#define ACCESS(stmt) ({ volatile int __s = 0; if (!sigsetjmp(jmp, 1)) { stmt; } else { __s = sig_no; } __s; })

static int read_byte(volatile char *p) { return *p; }

/* The start of a page table, with a page table of room on both sides. */
static char *aligned_area(void)
{
	size_t pmd = PCC_PTE_TABLE_SPAN;
	char *r = mmap(NULL, 3 * pmd, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED)
		return NULL;
	return (char *)(((uintptr_t)r + pmd - 1) & ~(pmd - 1));
}

FIXTURE(atlas) {
	int fd;
	__u64 size;
	struct pcc_stats st;
};

FIXTURE_SETUP(atlas)
{
	pcc_require_device();
	self->fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd) TH_LOG("open: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(self->fd, PCC_IOC_RESET) < 0);
	ASSERT_EQ(0, ioctl(self->fd, PCC_IOC_GET_SIZE, &self->size));
	pcc_prefault_self();
	catch_signals(on_signal, 1);
	ASSERT_EQ(0, pcc_stats(self->fd, &self->st));
}

FIXTURE_TEARDOWN(atlas)
{
	if (self->fd >= 0) {
		ioctl(self->fd, PCC_IOC_RESET);
		close(self->fd);
	}
}

/* pcc's counters moved by exactly these amounts since the last snapshot. */
#define EXPECT_CALLS(faults_, map_pages_, mkwrite_) do {				\
	struct pcc_stats __n;								\
	ASSERT_EQ(0, pcc_stats(self->fd, &__n));					\
	EXPECT_EQ((faults_), __n.faults - self->st.faults) TH_LOG("->fault calls");	\
	EXPECT_EQ((map_pages_), __n.map_pages_calls - self->st.map_pages_calls)	\
		TH_LOG("->map_pages calls");						\
	EXPECT_EQ((mkwrite_), __n.mkwrite_calls - self->st.mkwrite_calls)		\
		TH_LOG("->page_mkwrite calls");						\
	self->st = __n;									\
} while (0)

/* 1. Bad access: decided on the VMA's flags; no pcc callback runs (x86: but see the fetch). */
TEST_F(atlas, store_to_read_only_mapping_is_segv_accerr_before_pcc)
{
	volatile char *p = mmap(NULL, PSZ, PROT_READ, MAP_SHARED, self->fd, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(SIGSEGV, ACCESS(p[0] = 1));
	EXPECT_EQ(SEGV_ACCERR, sig_code);
	EXPECT_EQ((void *)p, sig_addr);
	EXPECT_CALLS(0, 0, 0);
}

/*
 * arm64 refuses the fetch on the VMA's flags, before handle_mm_fault: no
 * pcc callback. x86's access_error() looks at VM_EXEC only when the page is
 * present (a PROT fault): the first fetch from the unmapped page is served
 * like a read (->map_pages finds nothing cached, ->fault allocates), the
 * PTE it installs is NX, and the fetch faults again, with PROT|INSTR, and
 * is refused then (make trace SCENARIO=bad-access-exec shows both faults).
 */
TEST_F(atlas, fetch_from_mapping_without_exec_is_segv_accerr)
{
	char *p = mmap(NULL, PSZ, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	int (*fn)(void) = (int (*)(void))(uintptr_t)p;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(SIGSEGV, ACCESS(fn()));
	EXPECT_EQ(SEGV_ACCERR, sig_code);
	EXPECT_EQ((void *)p, sig_addr);
#if defined(__x86_64__)
	EXPECT_CALLS(1, 1, 0);
#else
	EXPECT_CALLS(0, 0, 0);
#endif
}

/* 2. Bad map: no VMA at the address. */
TEST_F(atlas, access_after_munmap_is_segv_maperr)
{
	volatile char *p = mmap(NULL, PSZ, PROT_READ, MAP_SHARED, self->fd, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap((void *)p, PSZ));
	ASSERT_EQ(SIGSEGV, ACCESS(read_byte(p)));
	EXPECT_EQ(SEGV_MAPERR, sig_code);
	EXPECT_EQ((void *)p, sig_addr);
	EXPECT_CALLS(0, 0, 0);
}

/* 3. Execute from pcc: "return 42" (PCC_RETURN_42), written with write(). */
TEST_F(atlas, code_written_to_pcc_runs_from_an_exec_mapping)
{
	static const uint8_t code[] = PCC_RETURN_42;
	int (*fn)(void);
	void *p;
	volatile int v = -1;

	ASSERT_EQ(sizeof(code), pwrite(self->fd, code, sizeof(code), 0));
	ASSERT_EQ(0, pcc_stats(self->fd, &self->st));
	p = mmap(NULL, PSZ, PROT_READ | PROT_EXEC, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	fn = (int (*)(void))(uintptr_t)p;
	ASSERT_EQ(0, ACCESS(v = fn()));
	EXPECT_EQ(42, v);
	/* The instruction abort was served by fault-around from the cache. */
	EXPECT_CALLS(0, 1, 0);
}

/* 4. Without ->map_pages, ->fault runs once: in the retry under mmap_lock. */
TEST(vma_lock_fallback_calls_fault_once)
{
	struct pcc_stats a, b;
	struct pcc_flt f0, f1;
	volatile char *p;
	int fd;

	pcc_require_device();
	ASSERT_EQ(0, pcc_reload("fault_around=0")) TH_LOG("reload: %s", strerror(errno));
	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	pcc_prefault_self();
	p = mmap(NULL, PSZ, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, pcc_stats(fd, &a));
	pcc_thread_faults(&f0);
	EXPECT_EQ(0, p[0]);
	pcc_thread_faults(&f1);
	ASSERT_EQ(0, pcc_stats(fd, &b));
	EXPECT_EQ(1, b.faults - a.faults);
	EXPECT_EQ(0, b.map_pages_calls - a.map_pages_calls);
	/* The VMA-lock pass ended in RETRY, which is not accounted. */
	EXPECT_EQ(1, f1.min - f0.min);
	EXPECT_EQ(0, f1.maj - f0.maj);
	munmap((void *)p, PSZ);
	close(fd);
	EXPECT_EQ(0, pcc_reload("")) TH_LOG("reload: %s", strerror(errno));
}

/*
 * 5. OOM: fail_page_alloc fails this task's next page allocation, pcc's
 * on a miss: VM_FAULT_OOM, pagefault_out_of_memory(), the access again.
 */
TEST_F(atlas, failed_allocation_is_oom_then_the_access_is_retried)
{
	struct pcc_flt f0 = { 0 }, f1 = { 0 };
	struct pcc_stats n;
	volatile char *p;
	volatile int v;
	volatile int attempt;

	if (access(FPA "times", W_OK))
		SKIP(return, "no fail_page_alloc in debugfs (CONFIG_FAIL_PAGE_ALLOC)");
	ASSERT_EQ(0, pcc_fail_page_alloc_setup());
	/*
	 * The one failure is meant for pcc's allocation on the miss, but a
	 * silent (__GFP_NOWARN) allocation of the debug kernel's own in this
	 * task (a new stack depot pool for KASAN or kmemleak) can take it
	 * first: then pcc is called once and succeeds. Try again on the next
	 * pages until pcc's allocation is the one that fails; that attempt
	 * is checked exactly.
	 */
	for (attempt = 1; attempt <= 10; attempt++) {
		p = mmap(NULL, 2 * PSZ, PROT_READ, MAP_SHARED, self->fd, 2 * attempt * PSZ);
		ASSERT_NE(MAP_FAILED, p);
		ASSERT_EQ(0, p[PSZ]);	/* page tables, and page 1 cached */
		ASSERT_EQ(0, pcc_write_file(FPA "times", "1"));
		ASSERT_EQ(0, pcc_stats(self->fd, &self->st));
		pcc_thread_faults(&f0);
		v = -1;
		ASSERT_EQ(0, pcc_write_file("/proc/self/make-it-fail", "1"));
		ASSERT_EQ(0, ACCESS(v = p[0]));
		ASSERT_EQ(0, pcc_write_file("/proc/self/make-it-fail", "0"));
		pcc_thread_faults(&f1);
		/* The one failure was used, by some allocation. */
		EXPECT_EQ(0, pcc_read_long(FPA "times"));
		EXPECT_EQ(0, v);
		ASSERT_EQ(0, pcc_stats(self->fd, &n));
		if (n.faults - self->st.faults == 2)
			break;
		/* pcc's allocation did not fail: one call, which got the page. */
		EXPECT_EQ(1, n.faults - self->st.faults);
		TH_LOG("attempt %d: another allocation took the failure", attempt);
	}
	pcc_write_file(FPA "times", "0");
	ASSERT_GE(10, attempt) TH_LOG("pcc's allocation never got the injected failure");
	/* Two calls of ->fault: OOM, then the page. Only the second is accounted. */
	EXPECT_CALLS(2, 2, 0);
	EXPECT_EQ(1, f1.min - f0.min);
	ASSERT_EQ(0, pcc_stats(self->fd, &n));
	EXPECT_EQ(2 * attempt, n.pages_cached);
}

/*
 * 6. Hardware poison. The page's data is lost: the mapping that had it
 * gets SIGBUS (BUS_MCEERR_AR) without asking pcc; a new mapping asks pcc,
 * which says HWPOISON; read() and write() get EIO; reset clears it.
 */
static void poison(struct __test_metadata *_metadata, volatile char *p)
{
	catch_signals(on_signal_note, 1);
	ASSERT_EQ(0, madvise((void *)p, PSZ, MADV_HWPOISON)) TH_LOG("%s", strerror(errno));
	catch_signals(on_signal, 0);
}

TEST_F(atlas, poisoned_dirty_page_reports_until_reset)
{
	volatile char *p = mmap(NULL, 2 * PSZ, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	volatile char *q;
	struct pcc_stats n;
	char buf[PSZ];

	ASSERT_NE(MAP_FAILED, p);
	if (pcc_hwpoison_unavailable())
		SKIP(return, "%s", pcc_hwpoison_unavailable());
	p[0] = 'a';
	p[PSZ] = 'b';
	poison(_metadata, p);
	/*
	 * The page was dirty: memory failure signals the caller at once
	 * (kill_proc: MF_ACTION_REQUIRED, the caller maps it).
	 */
	EXPECT_EQ(1, sig_count);
	EXPECT_EQ(SIGBUS, sig_no);
	EXPECT_EQ(BUS_MCEERR_AR, sig_code);
	EXPECT_EQ((void *)p, sig_addr);
	EXPECT_EQ(12, sig_lsb);
	ASSERT_EQ(0, pcc_stats(self->fd, &n));
	EXPECT_EQ(1, n.pages_cached) TH_LOG("the poisoned page left pcc's cache");
	self->st = n;

	/* This mapping: a hwpoison entry, no pcc callback. */
	ASSERT_EQ(SIGBUS, ACCESS(read_byte(p)));
	EXPECT_EQ(BUS_MCEERR_AR, sig_code);
	EXPECT_EQ((void *)p, sig_addr);
	EXPECT_EQ(12, sig_lsb);
	EXPECT_CALLS(0, 0, 0);

	/* A new mapping: pcc is asked and reports the loss. */
	q = mmap(NULL, PSZ, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(SIGBUS, ACCESS(read_byte(q)));
	EXPECT_EQ(BUS_MCEERR_AR, sig_code);
	EXPECT_EQ((void *)q, sig_addr);
	EXPECT_EQ(12, sig_lsb);
	EXPECT_CALLS(1, 1, 0);
	EXPECT_EQ(-1, pread(self->fd, buf, PSZ, 0));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(-1, pwrite(self->fd, buf, 1, 0));
	EXPECT_EQ(EIO, errno);
	/* Its neighbour is intact. */
	EXPECT_EQ(1, pread(self->fd, buf, 1, PSZ));
	EXPECT_EQ('b', buf[0]);

	/* Reset: every page a hole again, the lost one too. */
	ASSERT_LE(0, ioctl(self->fd, PCC_IOC_RESET));
	EXPECT_EQ(PSZ, pread(self->fd, buf, PSZ, 0));
	EXPECT_EQ(-1, pcc_first_nonzero(buf, PSZ));
	ASSERT_EQ(0, ACCESS(read_byte(q)));
	munmap((void *)q, PSZ);
	munmap((void *)p, 2 * PSZ);
}

/* 7. The kernel's own accesses to a pcc mapping, inside uaccess routines. */
TEST_F(atlas, read_into_unpopulated_mapping_faults_in_kernel_mode)
{
	char *p = mmap(NULL, PSZ, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	char page[PSZ], back[PSZ];
	struct pcc_flt f0, f1;
	int pfd[2];

	ASSERT_NE(MAP_FAILED, p);
	memset(page, 'k', sizeof(page));
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(PSZ, write(pfd[1], page, PSZ));
	ASSERT_EQ(0, pcc_stats(self->fd, &self->st));
	pcc_thread_faults(&f0);
	EXPECT_EQ(PSZ, read(pfd[0], p, PSZ));
	pcc_thread_faults(&f1);
	/* A write fault from EL1: ->fault, then ->page_mkwrite; the task pays it. */
	EXPECT_CALLS(1, 0, 1);
	EXPECT_EQ(1, f1.min - f0.min);
	EXPECT_EQ(PSZ, pread(self->fd, back, PSZ, 0));
	EXPECT_EQ(0, memcmp(page, back, PSZ));
	EXPECT_EQ(0, sig_count);
}

/* Whether a user copy that faults tries once more from the fixup (above). */
static int copy_fixup_retries(void)
{
#if defined(__x86_64__)
	char line[4096];
	int rep_movsb = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) && (strstr(line, " erms") || strstr(line, " fsrm")))
			rep_movsb = 1;
	if (f)
		fclose(f);
	return !rep_movsb;
#elif defined(__arm__)
	/*
	 * 32-bit ARM's copy fixup (arch/arm/lib/copy_from_user.S,
	 * copy_abort_preamble) returns what is left at the first fault.
	 */
	return 0;
#else
	return 1;
#endif
}

TEST_F(atlas, copy_past_capacity_is_a_short_count_not_a_signal)
{
	char *p = mmap(NULL, 2 * PSZ, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		       self->size - PSZ);
	char buf[2 * PSZ];
	int pfd[2];

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, pipe(pfd));
	/* write(): the kernel loads from the buffer; its second page has no data. */
	EXPECT_EQ(PSZ, write(pfd[1], p, 2 * PSZ));
	/*
	 * The last page, then SIGBUS past it; fault-around before each. On
	 * arm64 SIGBUS comes twice: the copy's exception fixup tries one byte
	 * more before it gives up (copy_from_user.S: "try harder"). x86 does
	 * the same only in rep_movs_alternative's movsq path (its fixup goes
	 * on byte by byte, .Lcopy_user_tail); a CPU with ERMS or FSRM copies
	 * with one "rep movsb", whose fixup returns at the first fault, as
	 * 32-bit ARM's does.
	 */
	EXPECT_CALLS(copy_fixup_retries() ? 3 : 2, copy_fixup_retries() ? 3 : 2, 0);
	/* read(): the kernel stores into it. */
	memset(buf, 'r', sizeof(buf));
	ASSERT_EQ(PSZ, read(pfd[0], buf, PSZ));
	ASSERT_EQ(2 * PSZ, write(pfd[1], buf, 2 * PSZ));
	EXPECT_EQ(PSZ, read(pfd[0], p, 2 * PSZ));
	/* Entirely past capacity: nothing copied, EFAULT. */
	errno = 0;
	EXPECT_EQ(-1, write(pfd[1], p + PSZ, PSZ));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, sig_count) TH_LOG("a kernel-mode fault must not signal");
	munmap(p, 2 * PSZ);
}

/*
 * With page faults disabled (futex_get_value_locked), a fault goes to
 * no_context at once; futex reads the word again with get_user().
 */
TEST_F(atlas, fault_with_pagefaults_disabled_is_fixed_up_then_retried)
{
	void *p = mmap(NULL, PSZ, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);

	ASSERT_NE(MAP_FAILED, p);
	errno = 0;
	EXPECT_EQ(-1, syscall(SYS_futex, p, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0));
	EXPECT_EQ(EAGAIN, errno);
	/* Only the second, get_user()'s, reached pcc. */
	EXPECT_CALLS(1, 1, 0);
	EXPECT_EQ(0, sig_count);
}

/* 8. Faults from get_user_pages(): populated before any access. */
static void expect_populated(struct __test_metadata *_metadata, volatile char *p)
{
	struct pcc_flt f0, f1;

	pcc_thread_faults(&f0);
	(void)p[0];
	pcc_thread_faults(&f1);
	EXPECT_EQ(0, f1.min - f0.min) TH_LOG("the page must be mapped already");
}

TEST_F(atlas, map_populate_faults_through_gup)
{
	volatile char *p = mmap(NULL, PSZ, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
				self->fd, 0);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_CALLS(1, 1, 0);
	expect_populated(_metadata, p);
	EXPECT_CALLS(0, 0, 0);
}

TEST_F(atlas, mlock_faults_through_gup)
{
	volatile char *p = mmap(NULL, PSZ, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, mlock((void *)p, PSZ));
	EXPECT_CALLS(1, 1, 0);
	expect_populated(_metadata, p);
	EXPECT_CALLS(0, 0, 0);
	munlock((void *)p, PSZ);
}

TEST_F(atlas, madv_populate_read_and_write_fault_through_gup)
{
	volatile char *p = mmap(NULL, 2 * PSZ, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
	struct pcc_stats n;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, madvise((void *)p, PSZ, MADV_POPULATE_READ));
	EXPECT_CALLS(1, 1, 0);
	expect_populated(_metadata, p);
	ASSERT_EQ(0, madvise((void *)(p + PSZ), PSZ, MADV_POPULATE_WRITE));
	EXPECT_CALLS(1, 0, 1);	/* do_shared_fault: no fault-around */
	ASSERT_EQ(0, pcc_stats(self->fd, &n));
	EXPECT_EQ(1, n.pages_dirty);
	self->st = n;
	/* Writable already: a store does not fault. */
	{
		struct pcc_flt f0, f1;

		pcc_thread_faults(&f0);
		p[PSZ] = 1;
		pcc_thread_faults(&f1);
		EXPECT_EQ(0, f1.min - f0.min);
	}
	EXPECT_CALLS(0, 0, 0);
}

/* A child with page 0 mapped, which checks it holds want (if any) at the end. */
static pid_t mapping_child(int *release, char **addr, const char *want)
{
	int up[2], down[2];
	pid_t pid;

	if (pipe(up) || pipe(down))
		return -1;
	pid = fork();
	if (pid == 0) {
		int fd = open(PCC_DEVICE, O_RDWR);
		char *p = mmap(NULL, PSZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		char c;

		if (write(up[1], &p, sizeof(p)) != sizeof(p) || read(down[0], &c, 1) != 1)
			_exit(2);
		_exit(want && memcmp(p, want, strlen(want)) ? 1 : 0);
	}
	if (pid < 0 || read(up[0], addr, sizeof(*addr)) != sizeof(*addr))
		return -1;
	*release = down[1];
	return pid;
}

static int child_result(int release, pid_t pid)
{
	int status;

	if (write(release, "x", 1) != 1 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* process_vm_readv() takes the same path, but needs CONFIG_CROSS_MEMORY_ATTACH. */
TEST_F(atlas, proc_pid_mem_read_faults_another_process_mapping)
{
	char *addr, path[64], buf[16];
	int release, mem;
	pid_t pid = mapping_child(&release, &addr, NULL);

	ASSERT_LT(0, pid);
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDONLY);
	ASSERT_LE(0, mem);
	memset(buf, 'x', sizeof(buf));
	EXPECT_EQ(sizeof(buf), pread(mem, buf, sizeof(buf), (off_t)(uintptr_t)addr));
	EXPECT_EQ(-1, pcc_first_nonzero(buf, sizeof(buf)));
	EXPECT_CALLS(1, 1, 0);
	EXPECT_EQ(0, child_result(release, pid));
	close(mem);
}

TEST_F(atlas, proc_pid_mem_write_faults_another_process_mapping)
{
	char *addr, path[64];
	int release, mem;
	pid_t pid = mapping_child(&release, &addr, "remote");

	ASSERT_LT(0, pid);
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	mem = open(path, O_RDWR);
	ASSERT_LE(0, mem);
	EXPECT_EQ(6, pwrite(mem, "remote", 6, (off_t)(uintptr_t)addr));
	EXPECT_CALLS(1, 0, 1);
	EXPECT_EQ(0, child_result(release, pid)) TH_LOG("the child must see the write");
	close(mem);
}

/* 9. The fault-around window, as the kernel computes it. */
static void read_all(volatile char *p, int pages)
{
	int i;

	for (i = 0; i < pages; i++)
		(void)p[i * PSZ];
}

static void expect_window(struct __test_metadata *_metadata, int fd, char *at, int pages,
			  long faults, long map_pages, long mapped)
{
	struct pcc_stats a, b;
	struct pcc_flt f0, f1;
	char *p;

	p = mmap(at, pages * PSZ, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0);
	ASSERT_EQ(at, p);
	ASSERT_EQ(0, pcc_stats(fd, &a));
	pcc_thread_faults(&f0);
	read_all(p, pages);
	pcc_thread_faults(&f1);
	ASSERT_EQ(0, pcc_stats(fd, &b));
	EXPECT_EQ(faults, f1.min - f0.min) TH_LOG("task faults for %d cached pages", pages);
	EXPECT_EQ(map_pages, b.map_pages_calls - a.map_pages_calls);
	EXPECT_EQ(mapped, b.pages_mapped_around - a.pages_mapped_around);
	EXPECT_EQ(0, b.faults - a.faults) TH_LOG("every page was cached");
	munmap(p, pages * PSZ);
}

TEST_F(atlas, fault_around_bytes_sets_faults_per_256_cached_pages)
{
	char *area = aligned_area();
	long saved = pcc_read_long(FAB);
	char val[32];

	ASSERT_NE(NULL, area);
	if (saved < 0)
		SKIP(return, "no %s", FAB);
	ASSERT_EQ(0, pcc_fill_pages(self->fd, PSZ, 0, 256, 'w'));
	ASSERT_EQ(0, pcc_write_file(FAB, "65536"));
	expect_window(_metadata, self->fd, area, 256, 16, 16, 256);
	ASSERT_EQ(0, pcc_write_file(FAB, "4096"));
	/* One page: no fault-around at all, ->fault finds each page cached. */
	struct pcc_stats a, b;
	struct pcc_flt f0, f1;
	char *p = mmap(area, 256 * PSZ, PROT_READ, MAP_SHARED | MAP_FIXED, self->fd, 0);

	ASSERT_EQ(area, p);
	ASSERT_EQ(0, pcc_stats(self->fd, &a));
	pcc_thread_faults(&f0);
	read_all(p, 256);
	pcc_thread_faults(&f1);
	ASSERT_EQ(0, pcc_stats(self->fd, &b));
	EXPECT_EQ(256, f1.min - f0.min);
	EXPECT_EQ(256, b.faults - a.faults);
	EXPECT_EQ(0, b.fault_misses - a.fault_misses);
	EXPECT_EQ(0, b.map_pages_calls - a.map_pages_calls);
	munmap(p, 256 * PSZ);
	ASSERT_EQ(0, pcc_write_file(FAB, "32768"));
	expect_window(_metadata, self->fd, area, 256, 32, 32, 256);
	snprintf(val, sizeof(val), "%ld", saved);
	EXPECT_EQ(0, pcc_write_file(FAB, val));
}

TEST_F(atlas, fault_around_window_is_cut_at_vma_and_page_table_edges)
{
	char *area = aligned_area();
	long fab = pcc_read_long(FAB);

	ASSERT_NE(NULL, area);
	if (fab != 65536)
		SKIP(return, "fault_around_bytes is %ld, not 65536", fab);
	ASSERT_EQ(0, pcc_fill_pages(self->fd, PSZ, 0, 32, 'w'));
	/* 20 pages from PTE 8: windows [8, 24) and [24, 28) in PTEs. */
	expect_window(_metadata, self->fd, area + 8 * PSZ, 20, 2, 2, 20);
	/* 32 pages from PTE 504: [504, 512), [0, 16), [16, 24) of the next table. */
	expect_window(_metadata, self->fd, area + (2L << 20) - 8 * PSZ, 32, 3, 3, 32);
}

/*
 * 10. A fatal signal while the fault waits for the store: RETRY with the
 * signal pending ends the fault; it is never retried.
 */
TEST(fatal_signal_during_retry_ends_the_fault)
{
	char params[160], buf[PSZ];
	struct pcc_io_stats a, b;
	struct pcc_stats sa, sb;
	int fd, status, go[2];
	pid_t pid;

	pcc_require_device();
	if (access(PCC_STORE_DISK, F_OK))
		SKIP(return, "no %s for the store", PCC_STORE_DISK);
	ASSERT_EQ(0, pcc_reload_fresh_store(PCC_STORE_DISK, 4096, "io_delay_us=200000",
					    params, sizeof(params))) TH_LOG("%s", strerror(errno));
	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	memset(buf, 's', sizeof(buf));
	ASSERT_EQ(PSZ, pwrite(fd, buf, PSZ, 0));
	ASSERT_EQ(1, ioctl(fd, PCC_IOC_WRITEBACK));
	ASSERT_EQ(1, ioctl(fd, PCC_IOC_EVICT));
	ASSERT_EQ(0, pcc_io_stats(fd, &a));
	ASSERT_EQ(0, pcc_stats(fd, &sa));
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		volatile char *p = mmap(NULL, PSZ, PROT_READ, MAP_SHARED, fd, 0);

		if (p == MAP_FAILED || write(go[1], "g", 1) != 1)
			_exit(1);
		(void)p[0];
		_exit(0);
	}
	ASSERT_EQ(1, read(go[0], buf, 1));
	usleep(100 * 1000);	/* the read takes 200 ms */
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ASSERT_EQ(0, pcc_stats(fd, &sb));
	/* One ->fault, which started the read and returned MAJOR|RETRY; no second pass. */
	EXPECT_EQ(1, sb.faults - sa.faults);
	/* The read goes on without the task: read() waits for it and finds the page. */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(PSZ, pread(fd, buf, PSZ, 0));
	EXPECT_EQ('s', buf[0]);
	ASSERT_EQ(0, pcc_io_stats(fd, &b));
	EXPECT_EQ(1, b.fault_retries - a.fault_retries);
	EXPECT_EQ(1, b.major_faults - a.major_faults);
	EXPECT_EQ(1, b.store_reads - a.store_reads) TH_LOG("one read of the store, the fault's");
	close(fd);
	EXPECT_EQ(0, pcc_reload("")) TH_LOG("reload: %s", strerror(errno));
}

/* A clean page the store holds is not lost to a memory error: it is read again. */
TEST(poisoned_clean_page_with_store_is_read_again)
{
	char params[160], buf[PSZ];
	volatile char *p, *q, c = 0;
	int fd;

	pcc_require_device();
	if (pcc_hwpoison_unavailable())
		SKIP(return, "%s", pcc_hwpoison_unavailable());
	if (access(PCC_STORE_DISK, F_OK))
		SKIP(return, "no %s for the store", PCC_STORE_DISK);
	ASSERT_EQ(0, pcc_reload_fresh_store(PCC_STORE_DISK, 4096, "", params, sizeof(params)))
		TH_LOG("%s", strerror(errno));
	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	catch_signals(on_signal_note, 1);
	p = mmap(NULL, 2 * PSZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 'c';
	p[PSZ] = 'd';
	ASSERT_EQ(2, ioctl(fd, PCC_IOC_WRITEBACK));
	/* Page 1 dirty again: its new data exists only in memory. */
	p[PSZ] = 'e';
	ASSERT_EQ(0, madvise((void *)p, PSZ, MADV_HWPOISON));
	EXPECT_EQ(0, sig_count) TH_LOG("a clean page: no process needs killing");
	ASSERT_EQ(0, madvise((void *)(p + PSZ), PSZ, MADV_HWPOISON));
	EXPECT_EQ(1, sig_count) TH_LOG("a dirty page: this process loses data");
	EXPECT_EQ(BUS_MCEERR_AR, sig_code);
	EXPECT_EQ((void *)(p + PSZ), sig_addr);
	catch_signals(on_signal, 1);
	q = mmap(NULL, 2 * PSZ, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(0, ACCESS(c = q[0]));
	EXPECT_EQ('c', c);
	/* The dirty one is lost: not the store's older copy either. */
	EXPECT_EQ(SIGBUS, ACCESS(read_byte(q + PSZ)));
	EXPECT_EQ(BUS_MCEERR_AR, sig_code);
	EXPECT_EQ(-1, pread(fd, buf, PSZ, PSZ));
	EXPECT_EQ(EIO, errno);
	munmap((void *)q, 2 * PSZ);
	munmap((void *)p, 2 * PSZ);
	close(fd);
	EXPECT_EQ(0, pcc_reload("")) TH_LOG("reload: %s", strerror(errno));
}

#define BUSY_PAGES	16
#define HOLE_PAGES	1024

/*
 * A task that keeps pcc's state Mutex busy until told to stop: it reads
 * the HOLE_PAGES pages of holes after BUSY_PAGES of a device with a
 * store, each page looked up in the store's bitmap under the Mutex.
 */
struct busy_reader {
	int fd;
	volatile int stop;
	long reads;
};

static void *keep_reading(void *arg)
{
	static char buf[HOLE_PAGES * PSZ];
	struct busy_reader *r = arg;

	while (!r->stop)
		if (pread(r->fd, buf, sizeof(buf), BUSY_PAGES * PSZ) == sizeof(buf))
			r->reads++;
	return NULL;
}

/*
 * Memory failure takes a dirty page out of the cache while another task
 * keeps pcc's state Mutex busy: its handler, holding the page's lock,
 * waits for the Mutex, as no holder waits for a folio lock under it but
 * a writeback without a store (then the handler gives up, EBUSY). The
 * other task reads holes of the store in a loop, each page taking the
 * Mutex; eight dirty pages poisoned meanwhile each leave the cache, and
 * the caller gets SIGBUS for each. Only the pages written are dirty, too
 * few for the kernel to write any back meanwhile.
 */
TEST(poisoned_dirty_page_leaves_the_cache_while_pcc_is_busy)
{
	struct busy_reader r = { 0 };
	char params[160];
	struct pcc_stats n;
	volatile char *p;
	pthread_t t;
	int i;

	pcc_require_device();
	if (pcc_hwpoison_unavailable())
		SKIP(return, "%s", pcc_hwpoison_unavailable());
	if (access(PCC_STORE_DISK, F_OK))
		SKIP(return, "no %s for the store", PCC_STORE_DISK);
	ASSERT_EQ(0, pcc_reload_fresh_store(PCC_STORE_DISK, BUSY_PAGES + HOLE_PAGES, "", params,
					    sizeof(params)))
		TH_LOG("%s", strerror(errno));
	r.fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, r.fd);
	p = mmap(NULL, BUSY_PAGES * PSZ, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	for (i = 0; i < BUSY_PAGES; i++)
		p[i * PSZ] = 'b';
	ASSERT_EQ(0, pthread_create(&t, NULL, keep_reading, &r));
	while (r.reads < 3)
		usleep(1000);
	catch_signals(on_signal_note, 1);
	for (i = 0; i < BUSY_PAGES; i += 2) {
		EXPECT_EQ(0, madvise((void *)(p + i * PSZ), PSZ, MADV_HWPOISON))
			TH_LOG("page %d: %s", i, strerror(errno));
	}
	catch_signals(on_signal, 0);
	r.stop = 1;
	pthread_join(t, NULL);
	EXPECT_EQ(BUSY_PAGES / 2, sig_count) TH_LOG("after %ld reads of the hole", r.reads);
	ASSERT_EQ(0, pcc_stats(r.fd, &n));
	EXPECT_EQ(BUSY_PAGES / 2, n.pages_cached);
	EXPECT_EQ(BUSY_PAGES / 2, n.pages_dirty);
	munmap((void *)p, BUSY_PAGES * PSZ);
	close(r.fd);
	EXPECT_EQ(0, pcc_reload("")) TH_LOG("reload: %s", strerror(errno));
}

TEST_HARNESS_MAIN
