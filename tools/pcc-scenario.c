// SPDX-License-Identifier: GPL-2.0
/*
 * pcc-scenario: set up one fault scenario on /dev/pcc, then make the one
 * access it is about with tracing switched on around it only (when
 * /sys/kernel/tracing/tracing_on is writable), so a capture holds just
 * that fault. Used by `make trace SCENARIO=`, which runs it as
 * `make trace PROG=` does any program (scripts/guest/prog.job, with the
 * module parameters of scripts/scenarios.py); also handy by hand in
 * `make shell`.
 *
 * It switches tracing off as soon as it starts, after a marker
 * "pcc-scenario: NAME": what was captured before it (exec, the program's
 * own start) is not the scenario's, and scripts/trace_tree.py checks only
 * what comes after it.
 *
 *   pcc-scenario NAME
 *
 * NAME is a scenario of scripts/scenarios.py, the one table of them, which
 * gives each its module parameters (the store scenarios need pcc loaded
 * with backing=/dev/vda and an io_delay_us that holds an I/O in flight;
 * vma-lock-fallback, fault_around=0; store-without-write-notify,
 * write_notify=0), its exit status and what its capture
 * must show. What a scenario needs beyond the module's parameters it sets
 * itself and puts back: oom arms fail_page_alloc for this task,
 * fault-around-4k and -64k set fault_around_bytes in debugfs.
 *
 * What user space saw (a signal and its si_code, a syscall's result) is
 * written to the trace buffer too, as a "pcc-user:" marker.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/futex.h>
#include <linux/kernel-page-flags.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pcc.h"
#include "pcc_arch.h"
#include "pcc_test.h"

#define TRACING "/sys/kernel/tracing/"
#define FAB "/sys/kernel/debug/fault_around_bytes"
#define FAIL_PAGE_ALLOC "/sys/kernel/debug/fail_page_alloc/"

static int fd, trace_fd = -1, marker_fd = -1;
static long psz;
static sigjmp_buf jmp;
static volatile int got_signal, sig_code, sig_lsb;
static __u64 size;

static void die(const char *what)
{
	fprintf(stderr, "pcc-scenario: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int tracing_is_on, marked;
static const char *scenario;

static void scenario_marker(void);

static void tracing(int on)
{
	if (trace_fd >= 0 && write(trace_fd, on ? "1" : "0", 1) != 1)
		die("write " TRACING "tracing_on");
	tracing_is_on = on;
	if (on && !marked)
		scenario_marker();
}

/*
 * Where the scenario's capture begins, "pcc-scenario: NAME": what came
 * before it (exec, the program's start, when tracing was on from exec) is
 * not the scenario's. Written at the start if tracing is on, else (a
 * marker is refused while tracing is off) when it is first switched on.
 */
static void scenario_marker(void)
{
	char mark[96];
	int n = snprintf(mark, sizeof(mark), "pcc-scenario: %s", scenario);

	if (marker_fd < 0)
		return;
	if (write(marker_fd, mark, n) == n)
		marked = 1;
	else if (errno != EBADF)
		die("write " TRACING "trace_marker");
}

/* What user space saw, into the trace (and on stdout). */
static void user_saw(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void user_saw(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "pcc-user: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	va_end(ap);
	if (marker_fd >= 0) {
		/* A marker is refused while tracing is off; only this pid is traced. */
		int was_on = tracing_is_on;

		if (!was_on)
			tracing(1);
		if (write(marker_fd, buf, n) != n)
			die("write " TRACING "trace_marker");
		if (!was_on)
			tracing(0);
	}
	printf("%s\n", buf);
}

static const char *code_name(int sig, int code)
{
	if (sig == SIGSEGV)
		return code == SEGV_MAPERR ? "SEGV_MAPERR" : code == SEGV_ACCERR ? "SEGV_ACCERR" : "other";
	return code == BUS_ADRERR ? "BUS_ADRERR" : code == BUS_MCEERR_AR ? "BUS_MCEERR_AR" :
	       code == BUS_MCEERR_AO ? "BUS_MCEERR_AO" : "other";
}

/* A signal delivered on a syscall's return: note it, go on. */
static void on_signal_note(int sig, siginfo_t *si, void *uc)
{
	got_signal = sig;
	sig_code = si->si_code;
}

/* A fault's signal: say so while tracing is still on, then leave the access. */
static void on_fault_signal(int sig, siginfo_t *si, void *uc)
{
	got_signal = sig;
	sig_code = si->si_code;
	sig_lsb = si->si_addr_lsb;
	if (sig == SIGBUS && (si->si_code == BUS_MCEERR_AR || si->si_code == BUS_MCEERR_AO))
		user_saw("%s %s si_addr_lsb=%d", sig == SIGBUS ? "SIGBUS" : "SIGSEGV",
			 code_name(sig, si->si_code), si->si_addr_lsb);
	else
		user_saw("%s %s", sig == SIGBUS ? "SIGBUS" : "SIGSEGV", code_name(sig, si->si_code));
	tracing(0);
	siglongjmp(jmp, 1);
}

/*
 * Map this program's own pages (stack included), and after a fork break
 * their copy-on-write sharing, so that the only fault traced is the
 * scenario's: not the signal frame's stack page, not a COW of the stack.
 * Call it before the scenario's pcc mapping exists, or when that mapping
 * is shared and mapped already (populating it is then a no-op).
 */
static void prefault_self(void)
{
	if (mlockall(MCL_CURRENT) == 0)
		munlockall();
}

static char *map_at(void *addr, size_t pages, int prot, int flags, off_t pgoff)
{
	char *p = mmap(addr, pages * psz, prot, flags | (addr ? MAP_FIXED : 0), fd, pgoff * psz);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

static char *map(size_t pages, int flags, off_t pgoff)
{
	return map_at(NULL, pages, PROT_READ | PROT_WRITE, flags, pgoff);
}

/* Fill pages [0, n) of the device through write(): cached, not mapped. */
static void cache_pages(int n)
{
	char page[4096];
	int i;

	memset(page, 'x', sizeof(page));
	for (i = 0; i < n; i++)
		if (pwrite(fd, page, sizeof(page), (off_t)i * psz) != sizeof(page))
			die("pwrite");
}

/* A 2 MiB-aligned address with `before` pages free below it and room above. */
static char *aligned_area(void)
{
	size_t pmd = 2UL << 20;
	char *r = mmap(NULL, 3 * pmd, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (r == MAP_FAILED)
		die("mmap reserve");
	return (char *)(((uintptr_t)r + pmd - 1) & ~(pmd - 1));
}

/* The store page 0, written back and evicted: its next access reads it. */
static void page_only_in_store(void)
{
	cache_pages(1);
	if (ioctl(fd, PCC_IOC_WRITEBACK) != 1 || ioctl(fd, PCC_IOC_EVICT) != 1)
		die("writeback and evict (is pcc loaded with backing=?)");
}

/*
 * Root the graph at `fn` too (add), or no longer (!add): a scenario whose
 * access is a syscall that takes no fault (madvise, fsync) adds the
 * function its path goes through, for its run only. A hash swap in
 * ftrace, no text patched; nothing to do without tracing.
 */
static void graph_root(const char *fn, int add)
{
	char buf[96];

	if (trace_fd < 0)
		return;
	/* Opened without O_TRUNC, the file keeps its roots: this one is added. */
	snprintf(buf, sizeof(buf), "%s%s", add ? "" : "!", fn);
	if (pcc_write_file(TRACING "set_graph_function", buf))
		die("write " TRACING "set_graph_function");
}

/*
 * Trace the kernel's worker threads too, for this run: every kworker and
 * kthreadd (pid 2; with function-fork and event-fork, prog.job's options,
 * a worker it forks meanwhile is traced as well) joins the pid filters,
 * which hold this task already, so no text is patched (guest lib.sh,
 * pcc_pid_filters_on). The next run's prog.job writes its own pid over
 * them. Nothing to do without tracing.
 */
static void trace_kworkers(void)
{
	static const char *const filters[] = { TRACING "set_ftrace_pid", TRACING "set_event_pid" };
	char path[64], comm[32];
	struct dirent *e;
	int i, f, n, added = 0;
	DIR *d;

	if (trace_fd < 0)
		return;
	for (i = 0; i < 2; i++) {
		f = open(filters[i], O_WRONLY | O_APPEND | O_CLOEXEC);
		if (f < 0)
			die(filters[i]);
		d = opendir("/proc");
		if (!d)
			die("opendir /proc");
		while ((e = readdir(d))) {
			FILE *c;

			if (e->d_name[0] < '0' || e->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%.16s/comm", e->d_name);
			c = fopen(path, "r");
			if (!c)
				continue;
			n = fscanf(c, "%31s", comm);
			fclose(c);
			if (n != 1 || (strncmp(comm, "kworker/", 8) && strcmp(e->d_name, "2")))
				continue;
			n = snprintf(path, sizeof(path), "%.16s\n", e->d_name);
			if (write(f, path, n) != n)
				die(filters[i]);
			added += !i;
		}
		closedir(d);
		close(f);
	}
	printf("traced the kernel's workers too: %d tasks\n", added);
}

/*
 * pcc's inode off its bdi's dirty list: an earlier scenario's pages, made
 * clean by PCC_IOC_WRITEBACK (which the kernel's writeback does not see),
 * leave the inode dirty since then, so the flusher would take it as
 * expired and write this scenario's pages while they are being dirtied.
 * sync(2) finds nothing dirty and lets the inode go; the next page
 * dirtied puts it back with the time it was dirtied.
 */
static void sync_pcc_inode(void)
{
	sync();
}

/* The readahead window of a file opened now, in pages: pcc's bdi's read_ahead_kb. */
static long ra_window(void)
{
	char path[300];
	struct dirent *e;
	long kb = -1;
	DIR *d = opendir("/sys/class/bdi");
	FILE *f;

	if (!d)
		die("opendir /sys/class/bdi");
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "pcc-", 4)) {
			snprintf(path, sizeof(path), "/sys/class/bdi/%s/read_ahead_kb", e->d_name);
			f = fopen(path, "r");
			if (!f || fscanf(f, "%ld", &kb) != 1)
				die(path);
			fclose(f);
		}
	closedir(d);
	if (kb * 1024 / psz < 8) {
		errno = EINVAL;
		die("no pcc bdi with a readahead window of 8 pages or more (is pcc loaded with backing=?)");
	}
	return kb * 1024 / psz;
}

/*
 * A child that maps page 0 of the device and waits until release_child();
 * returns its pid, and the mapping's address in the child in *addr.
 */
static int release_fd = -1;

static pid_t mapping_child(char **addr)
{
	int to_parent[2], to_child[2];
	pid_t pid;
	char c;

	if (pipe(to_parent) || pipe(to_child))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char *p = map(1, MAP_SHARED, 0);

		if (write(to_parent[1], &p, sizeof(p)) != sizeof(p))
			_exit(1);
		/* Until the parent is done with our memory. */
		_exit(read(to_child[0], &c, 1) == 1 ? 0 : 1);
	}
	prefault_self();
	if (read(to_parent[0], addr, sizeof(*addr)) != sizeof(*addr))
		die("read child's address");
	close(to_parent[0]);
	release_fd = to_child[1];
	return pid;
}

static void release_child(pid_t pid)
{
	int status;

	if (write(release_fd, "x", 1) != 1 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		die("the mapping child");
}

/*
 * A child that goes on only once the parent calls child_go(): fork_waiting()
 * returns 0 in the child, after the parent's go, and the child's pid in the
 * parent, which has prefaulted itself (after the fork, which made its
 * private pages copy-on-write again), so that what the child starts comes
 * when the parent is ready to act within it.
 */
static int go_fd = -1;

static pid_t fork_waiting(void)
{
	int go[2];
	pid_t pid;
	char c;

	if (pipe(go))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		return 0;
	}
	close(go[0]);
	prefault_self();
	go_fd = go[1];
	return pid;
}

static void child_go(void)
{
	if (write(go_fd, "g", 1) != 1)
		die("start the child");
	close(go_fd);
	go_fd = -1;
}

/*
 * The kernel's page-allocation fault injection, armed for the tasks that
 * ask (/proc/self/make-it-fail) and for every allocation pcc's mapping
 * makes (__GFP_HIGHMEM, may reclaim), failing none until `times` is set.
 */
static void arm_fail_page_alloc(void)
{
	static const char *const knobs[][2] = {
		{ "task-filter", "Y" }, { "ignore-gfp-wait", "N" }, { "ignore-gfp-highmem", "N" },
		{ "probability", "100" }, { "interval", "1" }, { "min-order", "0" },
		{ "verbose", "1" }, { "times", "0" },
	};
	char path[128];
	size_t i;

	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		snprintf(path, sizeof(path), FAIL_PAGE_ALLOC "%s", knobs[i][0]);
		if (pcc_write_file(path, knobs[i][1]))
			die(path);
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_fault_signal, .sa_flags = SA_SIGINFO | SA_NODEFER };
	const char *s = argc > 1 ? argv[1] : "";
	volatile char *p;
	char page[4096];
	int v = -1;
	ssize_t n;

	/* Each line out at once: a run killed at its time limit keeps it. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	psz = sysconf(_SC_PAGESIZE);
	trace_fd = open(TRACING "tracing_on", O_WRONLY);
	marker_fd = open(TRACING "trace_marker", O_WRONLY);
	scenario = s;
	scenario_marker();
	tracing(0);
	prefault_self();
	fd = open(PCC_DEVICE, O_RDWR);
	if (fd < 0)
		die("open " PCC_DEVICE);
	if (ioctl(fd, PCC_IOC_RESET) < 0 || ioctl(fd, PCC_IOC_GET_SIZE, &size))
		die("ioctl");
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	memset(page, 'x', sizeof(page));
	if (sigsetjmp(jmp, 1)) {
		/* A fault's signal ended the scenario's access. */
		printf("%s: done\n", s);
		return 0;
	}

	if (!strcmp(s, "cold-read")) {
		p = map(1, MAP_SHARED, 0);
		tracing(1);
		v = p[0];
		tracing(0);
	} else if (!strcmp(s, "fault-around") || !strcmp(s, "fault-around-4k") ||
		   !strcmp(s, "fault-around-64k")) {
		/*
		 * 32 cached pages, a read of the fifth: the window is the
		 * kernel's, of fault_around_bytes (4k, 64k: set here).
		 */
		const char *fab = !strcmp(s, "fault-around-4k") ? "4096" :
				  !strcmp(s, "fault-around-64k") ? "65536" : NULL;
		long saved = fab ? pcc_read_long(FAB) : 0;
		char old[32];

		snprintf(old, sizeof(old), "%ld", saved);
		if (fab && (saved < 0 || pcc_write_file(FAB, fab)))
			die(FAB);
		cache_pages(32);
		p = map_at(aligned_area(), 32, PROT_READ, MAP_SHARED, 0);
		tracing(1);
		v = p[4 * psz];
		tracing(0);
		if (fab && pcc_write_file(FAB, old))
			die("put back " FAB);
	} else if (!strcmp(s, "fault-around-vma")) {
		/*
		 * A VMA of 20 pages starting 8 pages into a 64 KiB window: the
		 * window moves to start at the VMA's start (first read), then
		 * is cut at its end (read of its last page).
		 */
		cache_pages(20);
		p = map_at(aligned_area() + 8 * psz, 20, PROT_READ, MAP_SHARED, 0);
		tracing(1);
		v = p[0];
		v += p[19 * psz];
		tracing(0);
	} else if (!strcmp(s, "fault-around-table")) {
		/*
		 * A VMA of 32 pages whose first 8 are the last 8 PTEs of one page
		 * table: the window of the first read stops at the table's end;
		 * the read of page 8 (first PTE of the next table) starts a new one.
		 */
		cache_pages(32);
		p = map_at(aligned_area() + (2UL << 20) - 8 * psz, 32, PROT_READ, MAP_SHARED, 0);
		tracing(1);
		v = p[0];
		v += p[8 * psz];
		tracing(0);
	} else if (!strcmp(s, "shared-first-store")) {
		p = map(1, MAP_SHARED, 0);
		tracing(1);
		p[0] = 1;
		tracing(0);
		v = p[0];
	} else if (!strcmp(s, "shared-store-after-read")) {
		p = map(1, MAP_SHARED, 0);
		v = p[0];
		tracing(1);
		p[0] = 1;
		tracing(0);
	} else if (!strcmp(s, "store-without-write-notify")) {
		/*
		 * pcc loaded with write_notify=0: no ->page_mkwrite. The first
		 * store maps the page writable and dirty; writeback cleans it
		 * and write-protects the PTE (folio_mkclean); the traced store
		 * makes it writable again in wp_page_shared() without a call.
		 */
		p = map(1, MAP_SHARED, 0);
		p[0] = 1;
		if (ioctl(fd, PCC_IOC_WRITEBACK) != 1)
			die("PCC_IOC_WRITEBACK did not clean the one page");
		tracing(1);
		p[0] = 2;
		tracing(0);
	} else if (!strcmp(s, "private-store")) {
		p = map(1, MAP_PRIVATE, 0);
		tracing(1);
		p[0] = 1;
		tracing(0);
		v = p[0];
	} else if (!strcmp(s, "sigbus")) {
		p = map(2, MAP_SHARED, size / psz - 1);
		(void)p[0];
		tracing(1);
		v = p[psz];
		tracing(0);
	} else if (!strcmp(s, "bad-access-write")) {
		/* A store to a read-only shared mapping: refused before handle_mm_fault. */
		p = map_at(NULL, 1, PROT_READ, MAP_SHARED, 0);
		tracing(1);
		p[0] = 1;
		tracing(0);
	} else if (!strcmp(s, "bad-access-exec")) {
		/* An instruction fetch from a mapping without PROT_EXEC. */
		int (*fn)(void);

		p = map(1, MAP_SHARED, 0);
		fn = (int (*)(void))(uintptr_t)p;
		tracing(1);
		v = fn();
		tracing(0);
	} else if (!strcmp(s, "bad-map")) {
		/* An access after munmap: no VMA there. */
		p = map(1, MAP_SHARED, 0);
		if (munmap((void *)p, psz))
			die("munmap");
		tracing(1);
		v = p[0];
		tracing(0);
	} else if (!strcmp(s, "exec")) {
		/*
		 * Code written with write(), mapped executable, called:
		 * "return 42" (PCC_RETURN_42). The instruction abort is a read
		 * fault (FAULT_FLAG_INSTRUCTION) that fault-around serves from
		 * the cache.
		 */
		static const uint8_t code[] = PCC_RETURN_42;
		int (*fn)(void);

		if (pwrite(fd, code, sizeof(code), 0) != sizeof(code))
			die("pwrite code");
		p = map_at(NULL, 1, PROT_READ | PROT_EXEC, MAP_SHARED, 0);
		fn = (int (*)(void))(uintptr_t)p;
		tracing(1);
		v = fn();
		tracing(0);
		user_saw("called code in pcc: returned %d", v);
	} else if (!strcmp(s, "vma-lock-fallback")) {
		/* Without ->map_pages (pcc loaded with fault_around=0). */
		p = map(1, MAP_SHARED, 0);
		tracing(1);
		v = p[0];
		tracing(0);
	} else if (!strcmp(s, "oom")) {
		/*
		 * fail_page_alloc fails the next page allocation of a task that
		 * asks (armed here, times=1 at the access). It is
		 * meant for pcc's allocation on this miss (the page tables are
		 * there already: page 1 faulted first), but a silent
		 * (__GFP_NOWARN) allocation of the debug kernel's own in this
		 * task, e.g. a new stack depot pool, can take it first; then the
		 * capture is cleared and the scenario tried on the next pages.
		 */
		int mf = open("/proc/self/make-it-fail", O_WRONLY);
		int times = open("/sys/kernel/debug/fail_page_alloc/times", O_WRONLY);
		struct pcc_stats a, b;
		int attempt;

		if (mf < 0 || times < 0)
			die("/proc/self/make-it-fail or fail_page_alloc/times");
		arm_fail_page_alloc();
		for (attempt = 1; ; attempt++) {
			p = map(2, MAP_SHARED, 2 * attempt);
			v = p[psz];
			if (write(times, "1", 1) != 1 || ioctl(fd, PCC_IOC_GET_STATS, &a) ||
			    write(mf, "1", 1) != 1)
				die("arm fail_page_alloc");
			tracing(1);
			v = p[0];
			tracing(0);
			if (write(mf, "0", 1) != 1 || ioctl(fd, PCC_IOC_GET_STATS, &b))
				die("disarm fail_page_alloc");
			if (b.faults - a.faults == 2 || attempt == 10)
				break;
			if (truncate(TRACING "trace", 0))
				die("clear the trace");
			marked = 0;
			tracing(1);
			tracing(0);
		}
		if (write(times, "0", 1) != 1)
			die("disarm fail_page_alloc");
		printf("oom: pcc's allocation failed at attempt %d\n", attempt);
		user_saw("survived: read %d after the retry", v);
	} else if (!strcmp(s, "hwpoison")) {
		/*
		 * A page lost to a memory error (madvise(MADV_HWPOISON), which
		 * needs CAP_SYS_ADMIN): the mapping that had it sees a hwpoison
		 * entry; a new mapping of that offset asks pcc, which reports it.
		 */
		struct sigaction note = { .sa_sigaction = on_signal_note, .sa_flags = SA_SIGINFO };

		p = map(1, MAP_SHARED, 0);
		p[0] = 'h';
		/* The page is dirty: memory failure signals this process at once. */
		sigaction(SIGBUS, &note, NULL);
		n = madvise((void *)p, psz, MADV_HWPOISON);
		sigaction(SIGBUS, &sa, NULL);
		user_saw("madvise(MADV_HWPOISON) = %zd%s%s, then %s %s", n, n ? " " : "",
			 n ? strerror(errno) : "", got_signal == SIGBUS ? "SIGBUS" : "no signal",
			 got_signal ? code_name(SIGBUS, sig_code) : "");
		got_signal = 0;
		p = map(1, MAP_SHARED, 0);
		if (!sigsetjmp(jmp, 1)) {
			tracing(1);
			v = p[0];
			tracing(0);
		}
		n = pread(fd, page, psz, 0);
		user_saw("read() of the page: %zd (%s)", n, n < 0 ? strerror(errno) : "data");
		return 0;
	} else if (!strcmp(s, "kernel-uaccess")) {
		/* read() into an unpopulated pcc mapping: the kernel's store faults. */
		int pfd[2];

		if (pipe(pfd) || write(pfd[1], page, psz) != psz)
			die("pipe");
		p = map(1, MAP_SHARED, 0);
		tracing(1);
		n = read(pfd[0], (void *)p, psz);
		tracing(0);
		user_saw("read(pipe, pcc mapping, %ld) = %zd", psz, n);
	} else if (!strcmp(s, "kernel-no-context")) {
		/*
		 * write() from a buffer running past the device's end: the
		 * kernel's load from the page past capacity gets SIGBUS from pcc,
		 * which in kernel mode is no_context: the exception table ends
		 * the copy, and write() returns the bytes before it.
		 */
		int pfd[2];

		if (pipe(pfd))
			die("pipe");
		p = map(2, MAP_SHARED, size / psz - 1);
		tracing(1);
		n = write(pfd[1], (void *)p, 2 * psz);
		tracing(0);
		user_saw("write(pipe, pcc mapping, %ld) = %zd", 2 * psz, n);
	} else if (!strcmp(s, "kernel-pagefault-disabled")) {
		/*
		 * futex(FUTEX_WAIT) reads the futex word with page faults
		 * disabled (futex_get_value_locked): on an unpopulated pcc page
		 * that fault goes straight to no_context and the exception
		 * table; futex then reads it again with get_user(), which
		 * faults normally, and finds 0, not the value it waits for.
		 */
		p = map(1, MAP_SHARED, 0);
		tracing(1);
		n = syscall(SYS_futex, p, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
		tracing(0);
		user_saw("futex(FUTEX_WAIT) = %zd (%s)", n, n < 0 ? strerror(errno) : "woken");
	} else if (!strcmp(s, "gup-populate")) {
		tracing(1);
		p = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
		tracing(0);
		if (p == MAP_FAILED)
			die("mmap(MAP_POPULATE)");
	} else if (!strcmp(s, "gup-mlock")) {
		p = map(1, MAP_SHARED, 0);
		tracing(1);
		if (mlock((void *)p, psz))
			die("mlock");
		tracing(0);
	} else if (!strcmp(s, "gup-madvise-read") || !strcmp(s, "gup-madvise-write")) {
		int advice = !strcmp(s, "gup-madvise-read") ? MADV_POPULATE_READ : MADV_POPULATE_WRITE;

		p = map(1, MAP_SHARED, 0);
		tracing(1);
		if (madvise((void *)p, psz, advice))
			die("madvise(MADV_POPULATE_*)");
		tracing(0);
	} else if (!strcmp(s, "gup-remote-read") || !strcmp(s, "gup-remote-write")) {
		/*
		 * A read or a write of another process's pcc mapping through
		 * /proc/PID/mem (process_vm_readv() takes the same path, but
		 * needs CONFIG_CROSS_MEMORY_ATTACH).
		 */
		char *addr, path[64];
		pid_t pid = mapping_child(&addr);
		int mem, wr = !strcmp(s, "gup-remote-write");

		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		mem = open(path, O_RDWR);
		if (mem < 0)
			die(path);
		tracing(1);
		if (wr)
			n = pwrite(mem, "remote", 6, (off_t)(uintptr_t)addr);
		else
			n = pread(mem, page, 16, (off_t)(uintptr_t)addr);
		tracing(0);
		release_child(pid);
		user_saw("%s(/proc/PID/mem) = %zd", wr ? "pwrite" : "pread", n);
	} else if (!strcmp(s, "major-fault")) {
		/* A page the store holds and the cache does not: first access. */
		page_only_in_store();
		p = map(1, MAP_SHARED, 0);
		tracing(1);
		v = p[0];
		tracing(0);
	} else if (!strcmp(s, "evict-refault")) {
		/* Mapped, written back, evicted (which unmaps it), read again. */
		p = map(1, MAP_SHARED, 0);
		p[0] = 'e';
		if (ioctl(fd, PCC_IOC_WRITEBACK) != 1 || ioctl(fd, PCC_IOC_EVICT) != 1)
			die("writeback and evict (is pcc loaded with backing=?)");
		tracing(1);
		v = p[0];
		tracing(0);
	} else if (!strcmp(s, "readahead-async")) {
		/*
		 * Pages [0, 3W) only in the store, W the readahead window. A
		 * read of page W (not traced) reads the window [W/2, 3W/2)
		 * and marks its page W/2 + 3W/4 (PG_readahead); the traced
		 * read is of that mark.
		 */
		long w = ra_window();

		cache_pages(3 * w);
		if (ioctl(fd, PCC_IOC_WRITEBACK) != 3 * w || ioctl(fd, PCC_IOC_EVICT) != 3 * w)
			die("writeback and evict (is pcc loaded with backing=?)");
		p = map(3 * w, MAP_SHARED, 0);
		v = p[w * psz];
		tracing(1);
		v = p[(w / 2 + w - w / 4) * psz];
		tracing(0);
	} else if (!strcmp(s, "willneed")) {
		/*
		 * Pages [0, 8) only in the store; madvise(MADV_WILLNEED) reads
		 * them before any access, with no fault: vfs_fadvise ->
		 * generic_fadvise -> force_page_cache_readahead, then pcc's
		 * ->readahead through read_pages.
		 */
		cache_pages(8);
		if (ioctl(fd, PCC_IOC_WRITEBACK) != 8 || ioctl(fd, PCC_IOC_EVICT) != 8)
			die("writeback and evict (is pcc loaded with backing=?)");
		p = map(8, MAP_SHARED, 0);
		graph_root("vfs_fadvise", 1);
		tracing(1);
		n = madvise((void *)p, 8 * psz, MADV_WILLNEED);
		tracing(0);
		graph_root("vfs_fadvise", 0);
		user_saw("madvise(MADV_WILLNEED) = %zd", n);
	} else if (!strcmp(s, "fsync")) {
		/*
		 * Pages 0 to 3 and page 6 dirty: fsync writes each run in one
		 * store write (two), then saves the store's bitmap and syncs
		 * the store.
		 */
		sync_pcc_inode();
		cache_pages(4);
		if (pwrite(fd, page, sizeof(page), 6 * psz) != sizeof(page))
			die("pwrite");
		/* vfs_fsync_range() is inlined into it. */
		graph_root(PCC_SYSCALL_ENTRY(fsync), 1);
		tracing(1);
		n = fsync(fd);
		tracing(0);
		graph_root(PCC_SYSCALL_ENTRY(fsync), 0);
		user_saw("fsync = %zd", n);
	} else if (!strcmp(s, "flusher-writeback")) {
		/*
		 * Pages 0 to 2 dirty, then written by the kernel's flusher
		 * once older than dirty_expire_centisecs (1 s here, the
		 * flusher waking every 0.5 s; both put back after), with no
		 * call of this program's: a kworker runs wb_workfn ->
		 * wb_writeback -> __writeback_single_inode -> do_writepages ->
		 * pcc's ->writepages. The kworkers are traced for this run,
		 * and the graph rooted at wb_workfn.
		 */
		static const char *const knobs[] = { "/proc/sys/vm/dirty_expire_centisecs",
						     "/proc/sys/vm/dirty_writeback_centisecs" };
		static const long vals[] = { 100, 50 };
		struct pcc_knob old[2] = { 0 };
		struct pcc_stats st0, st;
		int i, ms;

		/* Slow under TCG: done before the pages are dirty, so that their second starts after. */
		trace_kworkers();
		graph_root("wb_workfn", 1);
		for (i = 0; i < 2; i++)
			if (pcc_knob_set(&old[i], knobs[i], vals[i]))
				die(knobs[i]);
		sync_pcc_inode();
		cache_pages(3);
		if (ioctl(fd, PCC_IOC_GET_STATS, &st0))
			die("PCC_IOC_GET_STATS");
		tracing(1);
		for (ms = 0; ms < 10000; ms += 50) {
			if (ioctl(fd, PCC_IOC_GET_STATS, &st))
				die("PCC_IOC_GET_STATS");
			if (st.pages_written_back >= st0.pages_written_back + 3)
				break;
			usleep(50000);
		}
		tracing(0);
		graph_root("wb_workfn", 0);
		for (i = 0; i < 2; i++)
			if (pcc_knob_restore(&old[i]))
				die(knobs[i]);
		user_saw("pages written back by the flusher: %llu",
			 (unsigned long long)(st.pages_written_back - st0.pages_written_back));
	} else if (!strcmp(s, "mkwrite-under-writeback")) {
		/*
		 * A child writes the dirty page back (slowly: io_delay_us); the
		 * store meanwhile write-faults and waits in ->page_mkwrite until
		 * the writeback ends (stable pages).
		 */
		pid_t pid;
		int status;

		p = map(1, MAP_SHARED, 0);
		p[0] = 'a';
		/*
		 * The child starts the writeback only once this process is
		 * ready to watch for it: its io_delay_us is the window in
		 * which the store must come, and prefaulting this process
		 * can take longer than that under TCG.
		 */
		pid = fork_waiting();
		if (pid == 0)
			_exit(ioctl(fd, PCC_IOC_WRITEBACK) == 1 ? 0 : 1);
		child_go();
		/*
		 * Store only once the page is under writeback: a fixed sleep
		 * was too short when the child was slow to start (the store
		 * then found a dirty page and did not wait). Per page and
		 * exact (pcc_test.h); a writeback that ended before it was
		 * seen is said, not waited for.
		 */
		if (pcc_wait_writeback((const void *)p, 10000))
			die(errno == ENODATA ? "the child's writeback ended before this process saw it"
					     : "the child's writeback did not start within 10 s");
		tracing(1);
		p[0] = 'b';
		tracing(0);
		v = p[0];
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			die("the child's writeback");
	} else if (!strcmp(s, "huge-read")) {
		/*
		 * pcc loaded with huge=always. A read of a PMD-aligned range of
		 * 512 pages, nothing cached; then, through a new mapping of
		 * 1024 pages with MADV_HUGEPAGE, a read of the same range, its
		 * folio cached, and one of the next, nothing cached. With the
		 * THP switch at "madvise" (the kernel's boot setting here),
		 * __handle_mm_fault calls ->huge_fault only in the second
		 * mapping: the first read goes to do_read_fault, ->fault
		 * allocates a PMD-sized folio and finish_fault maps it by one
		 * PMD (do_set_pmd); ->huge_fault maps the cached folio, and a
		 * new one of zeros for the last read (vmf_insert_folio_pmd).
		 */
		char *at = aligned_area();

		p = map_at(at, 512, PROT_READ, MAP_SHARED, 0);
		tracing(1);
		v = p[0];
		tracing(0);
		if (munmap((void *)p, 512 * psz))
			die("munmap");
		p = map_at(at, 1024, PROT_READ, MAP_SHARED, 0);
		if (madvise((void *)p, 1024 * psz, MADV_HUGEPAGE))
			die("madvise(MADV_HUGEPAGE)");
		tracing(1);
		v += p[psz];
		v += p[512 * psz];
		tracing(0);
	} else if (!strcmp(s, "huge-write-notify")) {
		/*
		 * A store to a PMD mapped read-only (write-notify): one fault,
		 * wp_huge_pmd -> ->huge_fault with WRITE, whatever the switch
		 * says; pcc dirties the whole folio and the PMD becomes
		 * writable. No ->page_mkwrite, no split.
		 */
		p = map_at(aligned_area(), 512, PROT_READ | PROT_WRITE, MAP_SHARED, 0);
		v = p[0];
		tracing(1);
		p[7 * psz] = 1;
		tracing(0);
	} else if (!strcmp(s, "huge-fallback")) {
		/*
		 * MADV_HUGEPAGE on a mapping whose addresses are one page off
		 * its file offsets: ->huge_fault is called (the fault path
		 * leaves the alignment check to it), finds no PMD-sized folio
		 * it could map there, and returns FALLBACK; ->fault allocates
		 * one page, mapped by a PTE.
		 */
		p = map_at(aligned_area() + psz, 1024, PROT_READ, MAP_SHARED, 0);
		if (madvise((void *)p, 1024 * psz, MADV_HUGEPAGE))
			die("madvise(MADV_HUGEPAGE)");
		tracing(1);
		v = p[600 * psz];
		tracing(0);
	} else if (!strcmp(s, "huge-split")) {
		/*
		 * MADV_DONTNEED of one page of a PMD mapping: the kernel splits
		 * the PMD (a file PMD is zapped whole: its folio stays cached,
		 * whole); the next read maps it by one PMD again, from
		 * fault-around (filemap_map_pmd -> do_set_pmd).
		 */
		p = map_at(aligned_area(), 512, PROT_READ, MAP_SHARED, 0);
		v = p[0];
		graph_root("__split_huge_pmd", 1);
		tracing(1);
		n = madvise((void *)(p + 3 * psz), psz, MADV_DONTNEED);
		v += p[0];
		tracing(0);
		graph_root("__split_huge_pmd", 0);
		user_saw("madvise(MADV_DONTNEED) = %zd", n);
	} else if (!strcmp(s, "fatal-retry")) {
		/*
		 * A child kills this process while its fault waits for the
		 * store's read (io_delay_us): the fault ends in RETRY with a
		 * fatal signal pending, and is not retried. This process dies
		 * of SIGKILL (scripts/scenarios.py expects it).
		 */
		pid_t parent = getpid();

		if (fork_waiting() == 0) {
			usleep(100000);
			kill(parent, SIGKILL);
			_exit(0);
		}
		page_only_in_store();
		p = map(1, MAP_SHARED, 0);
		child_go();
		tracing(1);
		v = p[0];
		tracing(0);
		user_saw("not killed: read %d", v);
		return 1;
	} else {
		fprintf(stderr, "pcc-scenario: unknown scenario '%s' (scripts/scenarios.py lists them)\n", s);
		return 2;
	}
	printf("%s: value %d\n", s, v);
	return 0;
}
