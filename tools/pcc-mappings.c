// SPDX-License-Identifier: GPL-2.0
/*
 * pcc-mappings: one first access to each kind of mapping, for `make trace
 * PROG=` and for make check's test of it (scripts/trace_checks.py):
 *
 *   pcc-read       a read of /dev/pcc, MAP_SHARED (->map_pages, ->fault)
 *   pcc-store      a first store to another page of it (->fault, ->page_mkwrite)
 *   memfd-read     a read of a memfd, MAP_SHARED (shmem_fault)
 *   anon-store     a store to anonymous memory (do_anonymous_page)
 *   private-store  a store to a memfd mapped MAP_PRIVATE (do_cow_fault)
 *
 * Before each access it writes "mark: <name> <address>" to the trace
 * buffer (when tracing is there), so that a check can find that access's
 * fault among the program's others; the same line goes to stdout.
 *
 *   pcc-mappings segv   then a store to address 8: killed by SIGSEGV
 *   pcc-mappings hang   then sleep for ever (make trace's time limit)
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static int marker = -1;

static void mark(const char *name, volatile char *p)
{
	char buf[96];
	int n = snprintf(buf, sizeof(buf), "mark: %s %p", name, (void *)p);

	printf("%s\n", buf);
	fflush(stdout);
	if (marker >= 0 && write(marker, buf, n) != n)
		perror("write trace_marker");
}

static char *map(int fd, int flags, const char *what)
{
	char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, flags, fd, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "pcc-mappings: mmap of %s: ", what);
		perror(NULL);
		exit(1);
	}
	return p;
}

int main(int argc, char **argv)
{
	volatile char *p;
	int pcc, memfd;
	char sink;

	marker = open("/sys/kernel/tracing/trace_marker", O_WRONLY);
	pcc = open("/dev/pcc", O_RDWR);
	if (pcc < 0) {
		perror("pcc-mappings: /dev/pcc");
		return 1;
	}
	memfd = memfd_create("pcc-mappings", 0);
	if (memfd < 0 || ftruncate(memfd, 4 * 4096)) {
		perror("pcc-mappings: memfd");
		return 1;
	}

	p = map(pcc, MAP_SHARED, "/dev/pcc");
	mark("pcc-read", p);
	sink = p[0];
	mark("pcc-store", p + 2 * 4096);
	p[2 * 4096] = 1;

	p = map(memfd, MAP_SHARED, "a memfd");
	mark("memfd-read", p);
	sink = p[0];

	p = map(-1, MAP_PRIVATE | MAP_ANONYMOUS, "anonymous memory");
	mark("anon-store", p);
	p[0] = 1;

	p = map(memfd, MAP_PRIVATE, "a memfd, private");
	mark("private-store", p + 4096);
	p[4096] = 1;

	(void)sink;
	if (argc > 1 && !strcmp(argv[1], "segv")) {
		volatile uintptr_t eight = 8;

		p = (volatile char *)eight;
		mark("segv", p);
		*p = 1;
	}
	if (argc > 1 && !strcmp(argv[1], "hang")) {
		printf("sleeping\n");
		fflush(stdout);
		for (;;)
			pause();
	}
	printf("done\n");
	return 0;
}
