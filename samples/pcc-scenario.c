// SPDX-License-Identifier: GPL-2.0
/*
 * pcc-scenario: set up one fault scenario on /dev/pcc, then make the one
 * access it is about with tracing switched on around it only (when
 * /sys/kernel/tracing/tracing_on is writable), so a capture holds just
 * that fault. Used by `make trace`; also handy by hand in `make shell`.
 *
 *   pcc-scenario cold-read | fault-around | shared-first-store |
 *                shared-store-after-read | private-store | sigbus
 *
 * These three need pcc loaded with a store (backing=/dev/vda), the last
 * one with io_delay_us long enough to hold a writeback in flight:
 *
 *   pcc-scenario major-fault | evict-refault | mkwrite-under-writeback
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pcc.h"

#define TRACING_ON "/sys/kernel/tracing/tracing_on"

static int fd, trace_fd = -1;
static long psz;
static sigjmp_buf jmp;
static volatile int got_sigbus, sigbus_code;

static void die(const char *what)
{
	fprintf(stderr, "pcc-scenario: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void tracing(int on)
{
	if (trace_fd >= 0 && write(trace_fd, on ? "1" : "0", 1) != 1)
		die("write " TRACING_ON);
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	tracing(0);
	got_sigbus = 1;
	sigbus_code = si->si_code;
	siglongjmp(jmp, 1);
}

static char *map(size_t pages, int flags, off_t pgoff)
{
	char *p = mmap(NULL, pages * psz, PROT_READ | PROT_WRITE, flags, fd, pgoff * psz);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	const char *s = argc > 1 ? argv[1] : "";
	volatile char *p;
	char page[4096];
	__u64 size;
	int i, v = -1;

	psz = sysconf(_SC_PAGESIZE);
	fd = open(PCC_DEVICE, O_RDWR);
	if (fd < 0)
		die("open " PCC_DEVICE);
	if (ioctl(fd, PCC_IOC_RESET) || ioctl(fd, PCC_IOC_GET_SIZE, &size))
		die("ioctl");
	trace_fd = open(TRACING_ON, O_WRONLY);
	sigaction(SIGBUS, &sa, NULL);
	memset(page, 'x', sizeof(page));

	if (!strcmp(s, "cold-read")) {
		p = map(1, MAP_SHARED, 0);
		tracing(1);
		v = p[0];
		tracing(0);
	} else if (!strcmp(s, "fault-around")) {
		for (i = 0; i < 32; i++)
			if (pwrite(fd, page, sizeof(page), (off_t)i * psz) != sizeof(page))
				die("pwrite");
		p = map(32, MAP_SHARED, 0);
		tracing(1);
		v = p[4 * psz];
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
	} else if (!strcmp(s, "private-store")) {
		p = map(1, MAP_PRIVATE, 0);
		tracing(1);
		p[0] = 1;
		tracing(0);
		v = p[0];
	} else if (!strcmp(s, "sigbus")) {
		p = map(2, MAP_SHARED, size / psz - 1);
		(void)p[0];
		if (sigsetjmp(jmp, 1) == 0) {
			tracing(1);
			v = p[psz];
			tracing(0);
		}
	} else if (!strcmp(s, "major-fault")) {
		/* A page the store holds and the cache does not: first access. */
		if (pwrite(fd, page, sizeof(page), 0) != sizeof(page))
			die("pwrite");
		if (ioctl(fd, PCC_IOC_WRITEBACK) != 1 || ioctl(fd, PCC_IOC_EVICT) != 1)
			die("writeback and evict (is pcc loaded with backing=?)");
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
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0)
			_exit(ioctl(fd, PCC_IOC_WRITEBACK) == 1 ? 0 : 1);
		usleep(100000);
		tracing(1);
		p[0] = 'b';
		tracing(0);
		v = p[0];
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			die("the child's writeback");
	} else {
		fprintf(stderr, "usage: %s cold-read|fault-around|shared-first-store|"
			"shared-store-after-read|private-store|sigbus|major-fault|"
			"evict-refault|mkwrite-under-writeback\n", argv[0]);
		return 2;
	}
	printf("%s: value %d%s\n", s, v, got_sigbus ?
	       (sigbus_code == BUS_ADRERR ? ", SIGBUS (BUS_ADRERR)" : ", SIGBUS (other code)") : "");
	return 0;
}
