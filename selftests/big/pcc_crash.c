// SPDX-License-Identifier: GPL-2.0
/*
 * What a program made durable survives a crash: make check's crash test,
 * two boots on one disk, pcc loaded at boot with backing=/dev/vda
 * size_pages=64 (scripts/check.sh).
 *
 *   pcc_crash write   first boot, on a fresh store: one page made durable
 *                     by each of sync(2), the kernel's flusher
 *                     (dirty_expire_centisecs at 1 s), fsync, fdatasync
 *                     and msync(MS_SYNC); after each, the disk holds the
 *                     page's data, and before it did not. Then the job
 *                     reboots at once (reboot -f -n: no unload, no
 *                     writeback asked for, no sync).
 *   pcc_crash check   second boot, the same disk: pcc finds the store, and
 *                     each page reads back with its data, read from the
 *                     store (its bit survived too); a page never written
 *                     is still a hole.
 *
 * The store's bitmap is checked in the second boot only (pcc reads each
 * page from the store, so each bit survived): pcc writes it through the
 * block device's page cache and syncs it, and a direct read of it in the
 * first boot would write that cache back itself. For the same reason the
 * fd's own calls come last, with the flusher slowed down again (expiry
 * 30 s, no periodic wakeup): the bitmap they change reaches the disk only
 * if pcc syncs the store. QEMU writes its own cache to the image file when
 * it exits, so this checks what pcc sent to the device before the reboot,
 * not the device's cache flushes. Built by `make user` as
 * $(PCC_OUT)/selftests-big/pcc_crash. Prints TAP.
 */
#include <stdarg.h>
#include <sys/mman.h>

#include "pcc_test.h"

#define PSZ		PCC_STORE_PAGE
#define SEED		0x77
#define HOLE_PAGE	10	/* never written */

/* In the order the first boot takes them; way w makes page w durable. */
enum way { SYNC, FLUSHER, FSYNC, FDATASYNC, MSYNC, WAYS };

static const char *const way_name[WAYS] = {
	"sync(2)", "the flusher", "fsync", "fdatasync", "msync(MS_SYNC)",
};

static int tests;
static int failed;

static void ok(int pass, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d ", pass ? "ok" : "not ok", ++tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!pass)
		failed++;
}

/*
 * What the disk holds for page (O_DIRECT): 1 its data, 0 zeros, -1 else.
 * pcc writes pages with direct I/O, so no cache of the disk holds them.
 */
static int on_disk(unsigned long page)
{
	static uint64_t data[PSZ / 8];

	if (pcc_store_pread(PCC_STORE_DISK, data, PSZ, page * PSZ) != PSZ) {
		printf("# reading the store: %s\n", strerror(errno));
		return -1;
	}
	if (pcc_check_page(data, page, SEED) == -1)
		return 1;
	if (pcc_first_nonzero(data, PSZ) == -1)
		return 0;
	printf("# page %lu on the disk: neither zeros nor its data\n", page);
	return -1;
}

/* Until a writeback of the cache has ended (it counts its pages last), 10 s at most. */
static int wait_written_back(int fd, uint64_t before)
{
	struct pcc_stats s;
	int ms;

	for (ms = 0; ms < 10000; ms += 50) {
		if (pcc_stats(fd, &s))
			return -1;
		if (s.pages_written_back > before && s.pages_dirty == 0) {
			printf("# the flusher wrote it within %d ms\n", ms);
			return 0;
		}
		usleep(50000);
	}
	return -1;
}

static int write_phase(void)
{
	struct pcc_stats s;
	uint64_t buf[PSZ / 8];
	int fd, w, ret;
	char *p;

	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("Bail out! open %s: %s\n", PCC_DEVICE, strerror(errno));
		return 1;
	}
	p = mmap(NULL, WAYS * PSZ, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		printf("Bail out! mmap: %s\n", strerror(errno));
		return 1;
	}
	printf("1..%d\n", 2 * WAYS + 1);
	for (w = 0; w < WAYS; w++) {
		ok(on_disk(w) == 0, "%s: before it, the disk does not hold page %d", way_name[w], w);
		if (pcc_stats(fd, &s))
			return 1;
		/* Dirtied by a store, or by write() for the fd's own calls. */
		if (w == FDATASYNC || w == SYNC) {
			pcc_fill_page(buf, w, SEED);
			if (pwrite(fd, buf, PSZ, w * PSZ) != PSZ)
				return 1;
		} else {
			pcc_fill_page(p + w * PSZ, w, SEED);
		}
		switch (w) {
		case FSYNC:
			ret = fsync(fd);
			break;
		case FDATASYNC:
			ret = fdatasync(fd);
			break;
		case MSYNC:
			ret = msync(p + w * PSZ, PSZ, MS_SYNC);
			break;
		case SYNC:
			sync();
			ret = 0;
			break;
		default:
			/* Nothing asks: the flusher writes what is older than 1 s. */
			if (pcc_write_file("/proc/sys/vm/dirty_expire_centisecs", "100") ||
			    pcc_write_file("/proc/sys/vm/dirty_writeback_centisecs", "50"))
				return 1;
			ret = wait_written_back(fd, s.pages_written_back);
			/* Slow again: nothing else writes the store's bitmap back. */
			if (pcc_write_file("/proc/sys/vm/dirty_writeback_centisecs", "0") ||
			    pcc_write_file("/proc/sys/vm/dirty_expire_centisecs", "3000"))
				return 1;
			break;
		}
		if (ret)
			printf("# %s: %s\n", way_name[w], strerror(errno));
		ok(ret == 0 && on_disk(w) == 1, "%s: then the disk holds page %d", way_name[w], w);
	}
	if (pcc_stats(fd, &s))
		return 1;
	ok(s.pages_dirty == 0, "nothing dirty left for an unload to write (%llu dirty)",
	   (unsigned long long)s.pages_dirty);
	return failed != 0;
}

static int check_phase(void)
{
	struct pcc_io_stats a, b;
	uint64_t buf[PSZ / 8];
	int fd, w;

	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0 || pcc_io_stats(fd, &a)) {
		printf("Bail out! %s: %s\n", PCC_DEVICE, strerror(errno));
		return 1;
	}
	printf("1..%d\n", WAYS + 2);
	for (w = 0; w < WAYS; w++)
		ok(pread(fd, buf, PSZ, w * PSZ) == PSZ && pcc_check_page(buf, w, SEED) == -1,
		   "page %d, made durable by %s, survived the reboot", w, way_name[w]);
	if (pcc_io_stats(fd, &b))
		return 1;
	ok(b.store_reads - a.store_reads == WAYS,
	   "each was read from the store: its bitmap bit survived (%llu reads)",
	   (unsigned long long)(b.store_reads - a.store_reads));
	ok(pread(fd, buf, PSZ, HOLE_PAGE * PSZ) == PSZ && pcc_first_nonzero(buf, PSZ) == -1 &&
	   pcc_io_stats(fd, &a) == 0 && a.store_reads == b.store_reads,
	   "page %d, never written, is a hole: zeros, no store read", HOLE_PAGE);
	return failed != 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "write"))
		return write_phase();
	if (argc == 2 && !strcmp(argv[1], "check"))
		return check_phase();
	fprintf(stderr, "usage: pcc_crash write|check\n");
	return 2;
}
