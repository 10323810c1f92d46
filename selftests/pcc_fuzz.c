// SPDX-License-Identifier: GPL-2.0
/*
 * pcc_fuzz: a model-based, seeded fuzzer of /dev/pcc's whole ABI.
 *
 * Several worker processes of several threads each run random operations
 * on the device: read/write and lseek; shared and private mappings of
 * random ranges, loads and stores through them; munmap, mremap (shrink,
 * move, and growth), mprotect, madvise, mlock, msync;
 * read() into and write() from buffers that are pcc mappings themselves;
 * fork with live mappings, and children killed mid-store. A chaos process
 * races them with PCC_IOC_WRITEBACK, PCC_IOC_EVICT, PCC_IOC_RESET, the
 * counters and a read-only descriptor (whose destructive ioctls and
 * writable shared mappings must be refused).
 *
 * Every byte read back is checked against a model. Page p belongs to
 * worker thread p % W (W threads in all): only its owner writes it, so the
 * model of each page is exact, with two kinds of known uncertainty:
 *  - a reset that overlapped an operation on the page: each byte is the
 *    model's or 0 (a reset only ever zeroes), until a read that no reset
 *    overlapped settles it, or a later reset zeroes it for sure;
 *  - a child killed while storing value v into a range: each byte of that
 *    range is the model's or v, until a read settles it.
 * A private mapping's page follows the device until it is copied on write
 * (a store, read() into it, MAP_POPULATE, mlock or MADV_POPULATE_WRITE of
 * a writable private mapping); from then on it has a model of its own,
 * which a reset does not touch, and MADV_DONTNEED drops.
 *
 * Reproducing: each thread's operations come from its own generator,
 * seeded from the seed and the thread's number, so a seed gives each
 * thread the same sequence of operations (a few are skipped when a reset
 * leaves their source page unsettled); the interleaving of threads is the
 * scheduler's. A failure prints the seed, the thread, its operation count
 * and its last operations. `make fuzz SEED=n` runs that seed again;
 * `make fuzz SEED=n FUZZ_ARGS="-P1 -T1 -C0"` (one thread, no chaos
 * process: only where a killed child stopped varies) shows whether the
 * sequence alone reproduces it.
 *
 * Usage: pcc_fuzz [-s seed] [-t seconds] [-P procs] [-T threads]
 *                 [-n pages] [-C 0|1] [-m "module params" | -L]
 * -m reloads pcc with those parameters first; -L takes pcc as it is
 * loaded (make soak loads it). Without either it runs two configurations,
 * each for half the time: pcc in memory with fault-around, and pcc on a
 * backing store (/dev/vda) with fault-around off, a slow store and a cache
 * limit of a quarter of the pages, so eviction and writeback run all the
 * time. Output is TAP.
 */
#include <getopt.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <time.h>

#include "pcc_test.h"

#define PG		4096L
#define MAX_MAPS	6
#define MAX_MAP_PAGES	64
#define LOG_LINES	48
#define LOG_LEN		120
#define MAX_THREADS	63

/* The model of one page of the device, in memory shared by every process. */
struct page_model {
	uint8_t m[PG];
	int zero_ok;		/* a reset may have zeroed any byte */
	long unc;		/* the last reset that may have overlapped (or -1) */
	int alt;		/* bytes [alt_off, alt_off + alt_len) may be alt_val */
	int alt_off, alt_len;
	uint8_t alt_val;
};

/* What every process sees. */
struct shared {
	atomic_long rs, rd;	/* resets started, resets done */
	atomic_int stop, failed;
	double t0;		/* when the run started */
	atomic_long ops, checks, bytes_checked, forks, kills, faults_expected;
	atomic_long resets, writebacks, evicts, refusals;
	long seen_rd[MAX_THREADS];	/* per owner: resets applied to its model */
	char why[16384];
	/* Each thread's last operations, for the report (the final sweep's too). */
	char log[MAX_THREADS + 1][LOG_LINES][LOG_LEN];
	unsigned long nlog[MAX_THREADS + 1];
};

struct map {
	uint8_t *addr;
	long pgoff, npages;
	int shared, prot;
	/* A private page's own model, once copied on write. */
	struct page_model *img[MAX_MAP_PAGES];
};

struct ctx {
	int id;			/* owner number: pages id, id + W, id + 2W... */
	uint64_t rng;
	int fd;
	long ops;
	struct map maps[MAX_MAPS];
	sigjmp_buf jb;
	volatile int expect_fault;
	volatile int fault_sig, fault_code;
	uint8_t buf[PG];
	uint8_t buf2[PG];
};

static struct shared *sh;
static struct page_model *pm;
static uint64_t seed = 1;
static long npages, cap_pages, max_pages = 1024;
static int nprocs = 3, nthreads = 2, W, chaos = 1;
static double seconds = 40;
static __thread struct ctx *cur;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* splitmix64: small, fast, and the same on every machine. */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static long below(struct ctx *c, long n)
{
	return n > 0 ? (long)(rnd(&c->rng) % (uint64_t)n) : 0;
}

static void fill_random(struct ctx *c, uint8_t *b, long len)
{
	long i;

	for (i = 0; i < len; i += 8) {
		uint64_t r = rnd(&c->rng);

		memcpy(b + i, &r, len - i < 8 ? len - i : 8);
	}
}

/* A random byte range of a page; with whole_too, the whole page half the time. */
static void pick_range(struct ctx *c, int whole_too, long *off, long *len)
{
	if (whole_too && below(c, 2)) {
		*off = 0;
		*len = PG;
		return;
	}
	*off = below(c, PG);
	*len = 1 + below(c, PG - *off);
}

/* The chaos process logs as thread W. */
static int log_slot(struct ctx *c)
{
	return c->id >= 0 ? c->id : W;
}

static void note(struct ctx *c, const char *fmt, ...)
{
	int t = log_slot(c);
	char *l = sh->log[t][sh->nlog[t] % LOG_LINES];
	int n = snprintf(l, LOG_LEN, "#%ld resets %ld/%ld: ", c->ops, atomic_load(&sh->rd),
			 atomic_load(&sh->rs));
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l + n, LOG_LEN - n, fmt, ap);
	va_end(ap);
	sh->nlog[t]++;
}

/*
 * Record the first failure (the whole report, with the thread's last
 * operations) and stop everyone. Safe in a forked child too: no malloc,
 * no stdio locks.
 */
static void fail(struct ctx *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	size_t n;
	unsigned long i, nl = sh->nlog[log_slot(c)];
	int t = log_slot(c);

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	atomic_store(&sh->stop, 1);
	if (atomic_exchange(&sh->failed, 1))
		return;
	n = snprintf(sh->why, sizeof(sh->why),
		     "seed %llu, after %.1f s, thread %d (pid %d), operation %ld: %s\n  last operations of this thread:\n",
		     (unsigned long long)seed, now() - sh->t0, c->id, getpid(), c->ops, line);
	for (i = nl > LOG_LINES ? nl - LOG_LINES : 0; i < nl && n < sizeof(sh->why); i++)
		n += snprintf(sh->why + n, sizeof(sh->why) - n, "    %s\n", sh->log[t][i % LOG_LINES]);
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	struct ctx *c = cur;

	if (c && c->expect_fault) {
		c->fault_sig = sig;
		c->fault_code = si->si_code;
		siglongjmp(c->jb, 1);
	}
	if (c)
		fail(c, "unexpected signal %d (si_code %d) at %p", sig, si->si_code, si->si_addr);
	_exit(97);
}

/* ---- The model ------------------------------------------------------ */

static long own_count(int id)
{
	return id < npages ? (npages - 1 - id) / W + 1 : 0;
}

static long own_page(struct ctx *c)
{
	return c->id + W * below(c, own_count(c->id));
}

/*
 * Before an operation: which resets have finished (the operation's lower
 * bound). Resets that finished since the last operation zero every page
 * of ours, except one that a reset still overlapping its last operation
 * may or may not have zeroed.
 */
static long op_begin(struct ctx *c)
{
	long d0 = atomic_load(&sh->rd), p;

	if (d0 > sh->seen_rd[c->id]) {
		for (p = c->id; p < npages; p += W) {
			struct page_model *m = &pm[p];

			if (m->unc < d0) {
				memset(m->m, 0, PG);
				m->zero_ok = 0;
				m->alt = 0;
				m->unc = -1;
			}
		}
		sh->seen_rd[c->id] = d0;
	}
	return d0;
}

/* After an operation on page p: did a reset overlap it? */
static int op_end(long d0, long p)
{
	long s1 = atomic_load(&sh->rs);

	if (s1 == d0)
		return 0;
	if (p >= 0) {
		pm[p].zero_ok = 1;
		if (pm[p].unc < s1)
			pm[p].unc = s1;
	}
	return 1;
}

static int exact(long p)
{
	return !pm[p].zero_ok && !pm[p].alt;
}

/*
 * Compare what was read, got[0..len) at page offset off, with model m
 * (zero_ok: zeros are right too). Returns the first offending offset,
 * or -1.
 */
static long compare(const uint8_t *got, const struct page_model *m, long off, long len, int zero_ok)
{
	long i;

	if (!zero_ok && !m->alt && !memcmp(got, m->m + off, len))
		return -1;
	for (i = 0; i < len; i++) {
		uint8_t b = got[i];

		if (b == m->m[off + i] || (zero_ok && b == 0))
			continue;
		if (m->alt && off + i >= m->alt_off && off + i < m->alt_off + m->alt_len &&
		    b == m->alt_val)
			continue;
		return off + i;
	}
	return -1;
}

/*
 * Check bytes read from device page p (through read() or a mapping that
 * shows the device) and take them as the model. overlapped: a reset ran
 * during the read, so zeros are also right and the page stays uncertain.
 */
static int check_model(struct ctx *c, const char *how, long p, struct page_model *m,
		       const uint8_t *got, long off, long len, int overlapped)
{
	long bad = compare(got, m, off, len, m->zero_ok || overlapped);

	atomic_fetch_add(&sh->checks, 1);
	atomic_fetch_add(&sh->bytes_checked, len);
	if (bad >= 0) {
		fail(c, "%s: page %ld byte %ld is %#04x, the model says %#04x%s%s", how, p, bad,
		     got[bad - off], m->m[bad], m->zero_ok || overlapped ? " (or 0: a reset overlapped)" : "",
		     m->alt ? " (or the killed child's value)" : "");
		return -1;
	}
	memcpy(m->m + off, got, len);
	if (off == 0 && len == PG && !overlapped) {
		m->zero_ok = 0;
		m->alt = 0;
		m->unc = -1;
	}
	return 0;
}

static int check_device(struct ctx *c, const char *how, long p, const uint8_t *got, long off,
			long len, int overlapped)
{
	return check_model(c, how, p, &pm[p], got, off, len, overlapped);
}

/* A private copy: a reset does not touch it. */
static int check_image(struct ctx *c, const char *how, long p, struct page_model *im, const uint8_t *got,
		       long off, long len)
{
	return check_model(c, how, p, im, got, off, len, 0);
}

/* ---- Mappings ------------------------------------------------------- */

static int live(struct map *mp)
{
	return mp->addr != NULL;
}

/* A random live mapping of ours that covers an own page; its page index. */
static struct map *pick_map(struct ctx *c, int need_write, long *idx)
{
	int tries;

	for (tries = 0; tries < 8; tries++) {
		struct map *mp = &c->maps[below(c, MAX_MAPS)];
		long first, i, n = 0;

		if (!live(mp) || (need_write && !(mp->prot & PROT_WRITE)))
			continue;
		/* The own pages in [pgoff, pgoff + npages) inside [0, npages). */
		first = mp->pgoff + ((c->id - mp->pgoff % W) % W + W) % W;
		for (i = first; i < mp->pgoff + mp->npages && i < npages; i += W)
			n++;
		if (!n)
			continue;
		*idx = first + W * below(c, n) - mp->pgoff;
		return mp;
	}
	return NULL;
}

/* The model a load through mp at page index i shows, or NULL for the device's. */
static struct page_model *map_image(struct map *mp, long i)
{
	return mp->shared ? NULL : mp->img[i];
}

/* Copy-on-write of a private page: it gets its own model from the device's. */
static struct page_model *cow(struct map *mp, long i, int overlapped)
{
	long p = mp->pgoff + i;
	struct page_model *im = mp->img[i];

	if (im)
		return im;
	im = malloc(sizeof(*im));
	if (!im)
		abort();
	*im = pm[p];
	im->zero_ok |= overlapped;
	mp->img[i] = im;
	return im;
}

/* COW every own page of a writable private mapping (populate for write). */
static void cow_all(struct ctx *c, struct map *mp, int overlapped)
{
	long i;

	if (mp->shared || !(mp->prot & PROT_WRITE))
		return;
	for (i = 0; i < mp->npages; i++) {
		long p = mp->pgoff + i;

		if (p < npages && p % W == c->id)
			cow(mp, i, overlapped);
	}
}

static void drop_images(struct map *mp, long from)
{
	long i;

	for (i = from; i < MAX_MAP_PAGES; i++) {
		free(mp->img[i]);
		mp->img[i] = NULL;
	}
}

/* Loads and stores through a mapping, catching the faults we expect. */
static int guarded_copy(struct ctx *c, void *dst, const void *src, long len)
{
	c->fault_sig = 0;
	if (sigsetjmp(c->jb, 1) == 0) {
		c->expect_fault = 1;
		memcpy(dst, src, len);
		c->expect_fault = 0;
		return 0;
	}
	c->expect_fault = 0;
	return c->fault_sig;
}

/* ---- Operations ----------------------------------------------------- */

static void op_pwrite(struct ctx *c)
{
	long p = own_page(c), off, len, d0;
	ssize_t r;

	pick_range(c, 0, &off, &len);
	fill_random(c, c->buf, len);
	note(c, "pwrite page %ld [%ld, +%ld)", p, off, len);
	d0 = op_begin(c);
	r = pwrite(c->fd, c->buf, len, p * PG + off);
	if (r != len) {
		fail(c, "pwrite of %ld bytes at page %ld returned %zd (%s)", len, p, r, strerror(errno));
		return;
	}
	memcpy(pm[p].m + off, c->buf, len);
	op_end(d0, p);
}

static void op_pread(struct ctx *c)
{
	long p = own_page(c), off, len, d0;
	ssize_t r;

	pick_range(c, 1, &off, &len);
	note(c, "pread page %ld [%ld, +%ld)", p, off, len);
	d0 = op_begin(c);
	r = pread(c->fd, c->buf, len, p * PG + off);
	if (r != len) {
		fail(c, "pread of %ld bytes at page %ld returned %zd (%s)", len, p, r, strerror(errno));
		return;
	}
	check_device(c, "pread", p, c->buf, off, len, op_end(d0, -1));
}

/* lseek + read/write on the thread's own descriptor (the file position). */
static void op_seek_rw(struct ctx *c)
{
	long p = own_page(c), off, len, d0;
	int wr = below(c, 2);
	ssize_t r;

	pick_range(c, 0, &off, &len);
	note(c, "lseek+%s page %ld [%ld, +%ld)", wr ? "write" : "read", p, off, len);
	if (lseek(c->fd, p * PG + off, SEEK_SET) != p * PG + off) {
		fail(c, "lseek to page %ld: %s", p, strerror(errno));
		return;
	}
	if (wr)
		fill_random(c, c->buf, len);
	d0 = op_begin(c);
	r = wr ? write(c->fd, c->buf, len) : read(c->fd, c->buf, len);
	if (r != len || lseek(c->fd, 0, SEEK_CUR) != p * PG + off + len) {
		fail(c, "%s of %ld bytes returned %zd (%s), or moved the position wrongly",
		     wr ? "write" : "read", len, r, strerror(errno));
		return;
	}
	if (wr) {
		memcpy(pm[p].m + off, c->buf, len);
		op_end(d0, p);
	} else {
		check_device(c, "read", p, c->buf, off, len, op_end(d0, -1));
	}
}

static void op_mmap(struct ctx *c)
{
	struct map *mp = &c->maps[below(c, MAX_MAPS)];
	int flags, shared = below(c, 5) < 3, populate = !below(c, 8);
	long d0, pgoff, n;
	void *a;

	if (live(mp))
		return;
	pgoff = below(c, npages);
	n = 1 + below(c, MAX_MAP_PAGES);
	if (pgoff + n > cap_pages)
		n = cap_pages - pgoff;
	memset(mp, 0, sizeof(*mp));
	mp->prot = below(c, 5) ? PROT_READ | PROT_WRITE : PROT_READ;
	flags = (shared ? MAP_SHARED : MAP_PRIVATE) | (populate ? MAP_POPULATE : 0);
	note(c, "mmap %s%s %s pages [%ld, +%ld)", shared ? "shared" : "private",
	     populate ? " populate" : "", mp->prot & PROT_WRITE ? "rw" : "r", pgoff, n);
	d0 = op_begin(c);
	a = mmap(NULL, n * PG, mp->prot, flags, c->fd, pgoff * PG);
	if (a == MAP_FAILED) {
		fail(c, "mmap of pages [%ld, +%ld) failed: %s", pgoff, n, strerror(errno));
		return;
	}
	mp->addr = a;
	mp->pgoff = pgoff;
	mp->npages = n;
	mp->shared = shared;
	if (populate)
		cow_all(c, mp, op_end(d0, -1));
}

/* A mapping that starts past capacity is refused; one that runs past it
 * is not, and its pages past capacity raise SIGBUS, as past a file's end. */
static void op_past_end(struct ctx *c)
{
	uint8_t *a;
	int sig;
	ssize_t r;

	note(c, "past the end");
	atomic_fetch_add(&sh->refusals, 1);
	a = mmap(NULL, PG, PROT_READ, MAP_SHARED, c->fd, cap_pages * PG);
	if (a != MAP_FAILED || errno != EINVAL) {
		fail(c, "mmap at capacity: expected EINVAL, got %s", a == MAP_FAILED ? strerror(errno) : "a mapping");
		return;
	}
	a = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, (cap_pages - 1) * PG);
	if (a == MAP_FAILED) {
		fail(c, "mmap of the last page and one past it: %s", strerror(errno));
		return;
	}
	sig = guarded_copy(c, c->buf, a + PG, 1);
	atomic_fetch_add(&sh->faults_expected, 1);
	munmap(a, 2 * PG);
	if (sig != SIGBUS) {
		fail(c, "a load past capacity gave signal %d, not SIGBUS", sig);
		return;
	}
	r = pread(c->fd, c->buf, 16, cap_pages * PG);
	if (r != 0) {
		fail(c, "pread at capacity returned %zd, not 0 (end of file)", r);
		return;
	}
	r = pwrite(c->fd, c->buf, 16, cap_pages * PG);
	if (r != -1 || errno != ENOSPC)
		fail(c, "pwrite at capacity returned %zd (%s), not ENOSPC", r, strerror(errno));
}

static void op_munmap(struct ctx *c)
{
	struct map *mp = &c->maps[below(c, MAX_MAPS)];

	if (!live(mp))
		return;
	note(c, "munmap pages [%ld, +%ld)", mp->pgoff, mp->npages);
	if (munmap(mp->addr, mp->npages * PG)) {
		fail(c, "munmap: %s", strerror(errno));
		return;
	}
	drop_images(mp, 0);
	mp->addr = NULL;
}

/* Shrink, move, or grow and shrink back. */
static void op_mremap(struct ctx *c)
{
	struct map *mp = &c->maps[below(c, MAX_MAPS)];
	long len;
	void *a, *to;

	if (!live(mp))
		return;
	len = mp->npages * PG;
	switch (below(c, 3)) {
	case 0:
		if (mp->npages < 2)
			return;
		note(c, "mremap shrink pages [%ld, +%ld)", mp->pgoff, mp->npages);
		a = mremap(mp->addr, len, (mp->npages - 1) * PG, 0);
		if (a != mp->addr) {
			fail(c, "mremap shrink: %s", strerror(errno));
			return;
		}
		mp->npages--;
		drop_images(mp, mp->npages);
		break;
	case 1:
		to = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (to == MAP_FAILED)
			return;
		note(c, "mremap move pages [%ld, +%ld)", mp->pgoff, mp->npages);
		a = mremap(mp->addr, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
		if (a != to) {
			fail(c, "mremap move: %s", strerror(errno));
			return;
		}
		mp->addr = a;
		break;
	default:
		/*
		 * Grow by a page, as a file's mapping grows (past capacity
		 * too: only an access there is SIGBUS), then shrink back, so
		 * the model keeps the pages it had.
		 */
		note(c, "mremap grow and shrink back pages [%ld, +%ld)", mp->pgoff, mp->npages);
		a = mremap(mp->addr, len, len + PG, MREMAP_MAYMOVE);
		if (a == MAP_FAILED) {
			fail(c, "mremap growth: %s", strerror(errno));
			return;
		}
		mp->addr = a;
		a = mremap(mp->addr, len + PG, len, 0);
		if (a != mp->addr)
			fail(c, "mremap shrink back: %s", strerror(errno));
	}
}

static void op_mprotect(struct ctx *c)
{
	struct map *mp = &c->maps[below(c, MAX_MAPS)];
	int prot;

	if (!live(mp))
		return;
	prot = mp->prot & PROT_WRITE ? PROT_READ : PROT_READ | PROT_WRITE;
	note(c, "mprotect pages [%ld, +%ld) %s", mp->pgoff, mp->npages, prot & PROT_WRITE ? "rw" : "r");
	if (mprotect(mp->addr, mp->npages * PG, prot)) {
		fail(c, "mprotect: %s", strerror(errno));
		return;
	}
	mp->prot = prot;
}

static void op_madvise(struct ctx *c)
{
	static const struct { int advice; const char *name; } adv[] = {
		{ MADV_DONTNEED, "DONTNEED" }, { MADV_WILLNEED, "WILLNEED" },
		{ MADV_COLD, "COLD" }, { MADV_PAGEOUT, "PAGEOUT" },
		{ MADV_POPULATE_READ, "POPULATE_READ" }, { MADV_POPULATE_WRITE, "POPULATE_WRITE" },
	};
	struct map *mp = &c->maps[below(c, MAX_MAPS)];
	int k = below(c, 6);
	long d0;

	if (!live(mp))
		return;
	if (adv[k].advice == MADV_POPULATE_WRITE && !(mp->prot & PROT_WRITE))
		return;
	note(c, "madvise %s pages [%ld, +%ld) %s", adv[k].name, mp->pgoff, mp->npages,
	     mp->shared ? "shared" : "private");
	d0 = op_begin(c);
	if (madvise(mp->addr, mp->npages * PG, adv[k].advice)) {
		fail(c, "madvise %s: %s", adv[k].name, strerror(errno));
		return;
	}
	if (adv[k].advice == MADV_DONTNEED && !mp->shared)
		drop_images(mp, 0);	/* private copies gone: the device shows again */
	if (adv[k].advice == MADV_POPULATE_WRITE)
		cow_all(c, mp, op_end(d0, -1));
}

/* mlock populates (for write, in a writable private mapping), munlock. */
static void op_mlock(struct ctx *c)
{
	struct map *mp = &c->maps[below(c, MAX_MAPS)];
	long d0;

	if (!live(mp))
		return;
	note(c, "mlock+munlock pages [%ld, +%ld)", mp->pgoff, mp->npages);
	d0 = op_begin(c);
	if (mlock(mp->addr, mp->npages * PG) || munlock(mp->addr, mp->npages * PG)) {
		fail(c, "mlock/munlock: %s", strerror(errno));
		return;
	}
	cow_all(c, mp, op_end(d0, -1));
}

/*
 * msync: MS_ASYNC is a no-op; MS_SYNC of a shared mapping is pcc's fsync
 * of its range (with a store, the range's dirty pages written to it),
 * which succeeds; a private mapping has nothing to sync.
 */
static void op_msync(struct ctx *c)
{
	struct map *mp = &c->maps[below(c, MAX_MAPS)];
	int sync = below(c, 2);

	if (!live(mp))
		return;
	note(c, "msync %s pages [%ld, +%ld)", sync ? "MS_SYNC" : "MS_ASYNC", mp->pgoff, mp->npages);
	if (msync(mp->addr, mp->npages * PG, sync ? MS_SYNC : MS_ASYNC))
		fail(c, "msync %s: %s, expected success", sync ? "MS_SYNC" : "MS_ASYNC", strerror(errno));
}

static void op_map_store(struct ctx *c)
{
	long i, off, len, p, d0;
	struct map *mp = pick_map(c, 1, &i);
	struct page_model *im;
	int sig, ov;

	if (!mp)
		return;
	p = mp->pgoff + i;
	pick_range(c, 0, &off, &len);
	fill_random(c, c->buf, len);
	note(c, "store %s page %ld [%ld, +%ld)", mp->shared ? "shared" : "private", p, off, len);
	d0 = op_begin(c);
	sig = guarded_copy(c, mp->addr + i * PG + off, c->buf, len);
	if (sig) {
		fail(c, "store to page %ld through a %s mapping: signal %d (si_code %d)", p,
		     mp->shared ? "shared" : "private", sig, c->fault_code);
		return;
	}
	ov = op_end(d0, mp->shared ? p : -1);
	if (mp->shared) {
		memcpy(pm[p].m + off, c->buf, len);
	} else {
		im = cow(mp, i, ov);
		memcpy(im->m + off, c->buf, len);
	}
}

/* A store to a read-only mapping: SIGSEGV, and nothing changes. */
static void op_bad_store(struct ctx *c)
{
	long i;
	struct map *mp = pick_map(c, 0, &i);
	int sig;

	if (!mp || (mp->prot & PROT_WRITE))
		return;
	note(c, "store to read-only page %ld", mp->pgoff + i);
	sig = guarded_copy(c, mp->addr + i * PG, c->buf, 1);
	atomic_fetch_add(&sh->faults_expected, 1);
	if (sig != SIGSEGV || c->fault_code != SEGV_ACCERR)
		fail(c, "store to a read-only mapping: signal %d si_code %d, not SIGSEGV/SEGV_ACCERR",
		     sig, c->fault_code);
}

static void op_map_load(struct ctx *c)
{
	long i, off, len, p, d0;
	struct map *mp = pick_map(c, 0, &i);
	struct page_model *im;
	int sig, ov;

	if (!mp)
		return;
	p = mp->pgoff + i;
	pick_range(c, 1, &off, &len);
	note(c, "load %s page %ld [%ld, +%ld)", mp->shared ? "shared" : "private", p, off, len);
	d0 = op_begin(c);
	sig = guarded_copy(c, c->buf, mp->addr + i * PG + off, len);
	if (sig) {
		fail(c, "load from page %ld: signal %d (si_code %d)", p, sig, c->fault_code);
		return;
	}
	ov = op_end(d0, -1);
	im = map_image(mp, i);
	if (im)
		check_image(c, "load (private copy)", p, im, c->buf, off, len);
	else
		check_device(c, mp->shared ? "load (shared)" : "load (private, not copied)", p, c->buf,
			     off, len, ov);
}

/* Settle page p by reading it whole; 0 when it is exact afterwards. */
static int settle(struct ctx *c, long p)
{
	long d0;

	if (exact(p))
		return 0;
	note(c, "settle page %ld", p);
	d0 = op_begin(c);
	if (pread(c->fd, c->buf2, PG, p * PG) != PG) {
		fail(c, "pread of page %ld: %s", p, strerror(errno));
		return -1;
	}
	if (check_device(c, "pread (settle)", p, c->buf2, 0, PG, op_end(d0, -1)))
		return -1;
	return exact(p) ? 0 : -1;
}

/*
 * read() from device page a into a pcc mapping of own page b (the kernel
 * faults the destination in: a fault on pcc from inside pcc's read), or
 * write() to page a from a pcc mapping of page b (the source faulted in
 * before the folio lock, as generic_perform_write does), b == a included.
 */
static void op_rw_via_map(struct ctx *c)
{
	long i, a, b, off, off2, len, d0;
	struct map *mp = pick_map(c, 0, &i);
	int wr = below(c, 2), ov;
	struct page_model *im;
	ssize_t r;

	if (!mp)
		return;
	b = mp->pgoff + i;
	a = wr && below(c, 3) == 0 ? b : own_page(c);
	if (!wr && (a == b || !(mp->prot & PROT_WRITE)))
		return;
	pick_range(c, 0, &off, &len);
	off2 = a == b ? off : below(c, PG - len + 1);
	if (settle(c, a) || settle(c, b))
		return;
	if (!wr) {
		note(c, "read page %ld [%ld, +%ld) into %s map of page %ld at %ld", a, off, len,
		     mp->shared ? "shared" : "private", b, off2);
		d0 = op_begin(c);
		r = pread(c->fd, mp->addr + i * PG + off2, len, a * PG + off);
		if (r != len) {
			fail(c, "read into a pcc mapping returned %zd (%s)", r, strerror(errno));
			return;
		}
		ov = op_end(d0, mp->shared ? b : -1);
		if (mp->shared) {
			memcpy(pm[b].m + off2, pm[a].m + off, len);	/* op_end marked an overlap */
		} else {
			im = cow(mp, i, ov);
			memcpy(im->m + off2, pm[a].m + off, len);
			im->zero_ok |= ov;
		}
		return;
	}
	note(c, "write page %ld [%ld, +%ld) from %s map of page %ld at %ld", a, off, len,
	     mp->shared ? "shared" : "private", b, off2);
	/* The source's model after any reset that has finished by now. */
	d0 = op_begin(c);
	im = map_image(mp, i);
	if (im ? im->zero_ok || im->alt : !exact(b))
		return;
	memcpy(c->buf2, im ? im->m + off2 : pm[b].m + off2, len);
	r = pwrite(c->fd, mp->addr + i * PG + off2, len, a * PG + off);
	if (r != len) {
		fail(c, "write from a pcc mapping returned %zd (%s)", r, strerror(errno));
		return;
	}
	op_end(d0, a);
	memcpy(pm[a].m + off, c->buf2, len);
}

/*
 * fork with live mappings: the child checks our pages through the
 * inherited mappings and read(), and writes one range with data chosen
 * here; we take that write into the model once it has exited.
 */
static void op_fork(struct ctx *c)
{
	long p = own_page(c), off, len, d0, k;
	int st;
	pid_t pid;

	pick_range(c, 0, &off, &len);
	fill_random(c, c->buf, len);
	note(c, "fork: child checks and writes page %ld [%ld, +%ld)", p, off, len);
	atomic_fetch_add(&sh->forks, 1);
	d0 = op_begin(c);
	pid = fork();
	if (pid < 0) {
		fail(c, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		for (k = 0; k < 8 && !atomic_load(&sh->stop); k++) {
			long i, q, cd0;
			struct map *mp = pick_map(c, 0, &i);
			struct page_model *im;

			if (!mp)
				break;
			q = mp->pgoff + i;
			cd0 = atomic_load(&sh->rd);
			if (guarded_copy(c, c->buf2, mp->addr + i * PG, PG)) {
				fail(c, "child: load from page %ld: signal %d", q, c->fault_sig);
				break;
			}
			im = map_image(mp, i);
			/* The device's page may be zero if a reset finished
			 * since the parent's op_begin or overlapped this load;
			 * a private copy is not touched by resets. */
			if (im ? compare(c->buf2, im, 0, PG, im->zero_ok) >= 0 :
				 compare(c->buf2, &pm[q], 0, PG,
					 pm[q].zero_ok || atomic_load(&sh->rs) != cd0 ||
					 cd0 != sh->seen_rd[c->id]) >= 0) {
				fail(c, "child: page %ld through an inherited %s mapping differs from the model",
				     q, mp->shared ? "shared" : "private");
				break;
			}
		}
		if (pwrite(c->fd, c->buf, len, p * PG + off) != len)
			fail(c, "child: pwrite: %s", strerror(errno));
		_exit(atomic_load(&sh->failed) ? 1 : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		if (!atomic_load(&sh->failed))
			fail(c, "fork: child ended with status %#x", st);
		return;
	}
	memcpy(pm[p].m + off, c->buf, len);
	op_end(d0, p);
}

/*
 * A child storing into a shared mapping (or writing) in a loop, killed
 * at a random moment: each byte of the range is then the old one or the
 * child's, and a later read settles which.
 */
static void op_kill(struct ctx *c)
{
	long i, p, off = below(c, PG), len = 1 + below(c, 256), d0;
	struct map *mp = pick_map(c, 1, &i);
	uint8_t v = 1 + below(c, 255);
	int st, via_write = !mp || !mp->shared;
	pid_t pid;

	if (off + len > PG)
		len = PG - off;
	p = via_write ? own_page(c) : mp->pgoff + i;
	if (settle(c, p))
		return;
	note(c, "kill a child %s %#x into page %ld [%ld, +%ld)", via_write ? "writing" : "storing", v, p,
	     off, len);
	atomic_fetch_add(&sh->kills, 1);
	memset(c->buf, v, len);
	d0 = op_begin(c);
	pid = fork();
	if (pid < 0) {
		fail(c, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		for (;;) {
			if (via_write)
				pwrite(c->fd, c->buf, len, p * PG + off);
			else
				memset(mp->addr + i * PG + off, v, len);
		}
	}
	usleep(below(c, 3000));
	kill(pid, SIGKILL);
	if (waitpid(pid, &st, 0) != pid || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) {
		fail(c, "killed child ended with status %#x", st);
		return;
	}
	pm[p].alt = 1;
	pm[p].alt_off = off;
	pm[p].alt_len = len;
	pm[p].alt_val = v;
	op_end(d0, p);
}

static void op_ioctl(struct ctx *c)
{
	struct pcc_stats s;

	if (below(c, 2)) {
		note(c, "writeback");
		if (ioctl(c->fd, PCC_IOC_WRITEBACK) < 0)
			fail(c, "PCC_IOC_WRITEBACK: %s", strerror(errno));
		return;
	}
	note(c, "stats");
	if (pcc_stats(c->fd, &s)) {
		fail(c, "PCC_IOC_GET_STATS: %s", strerror(errno));
		return;
	}
	if (s.pages_cached > (unsigned long long)cap_pages || s.pages_dirty > s.pages_cached)
		fail(c, "stats: %llu cached, %llu dirty, capacity %ld", s.pages_cached, s.pages_dirty,
		     cap_pages);
}

/* ---- Workers -------------------------------------------------------- */

static void final_checks(struct ctx *c)
{
	int k;
	long i;

	/* Every private copy still holds what was stored in it. */
	for (k = 0; k < MAX_MAPS && !atomic_load(&sh->failed); k++) {
		struct map *mp = &c->maps[k];

		for (i = 0; live(mp) && i < mp->npages; i++) {
			if (!mp->img[i])
				continue;
			note(c, "final load of private page %ld", mp->pgoff + i);
			if (guarded_copy(c, c->buf, mp->addr + i * PG, PG)) {
				fail(c, "final load of private page %ld: signal %d", mp->pgoff + i, c->fault_sig);
				break;
			}
			if (check_image(c, "final load (private copy)", mp->pgoff + i, mp->img[i], c->buf, 0, PG))
				break;
		}
	}
	for (k = 0; k < MAX_MAPS; k++) {
		if (live(&c->maps[k]))
			munmap(c->maps[k].addr, c->maps[k].npages * PG);
		drop_images(&c->maps[k], 0);
	}
}

static void *worker(void *arg)
{
	static const struct { void (*fn)(struct ctx *); int weight; } ops[] = {
		{ op_pwrite, 12 }, { op_pread, 10 }, { op_seek_rw, 3 }, { op_mmap, 5 },
		{ op_munmap, 3 }, { op_mremap, 2 }, { op_mprotect, 2 }, { op_madvise, 4 },
		{ op_mlock, 1 }, { op_msync, 1 }, { op_map_store, 14 }, { op_map_load, 12 },
		{ op_bad_store, 1 }, { op_rw_via_map, 6 }, { op_fork, 1 }, { op_kill, 1 },
		{ op_ioctl, 2 }, { op_past_end, 1 },
	};
	struct ctx *c = arg;
	int total = 0, k;
	double deadline = now() + seconds;

	cur = c;
	for (k = 0; k < (int)ARRAY_SIZE(ops); k++)
		total += ops[k].weight;
	while (!atomic_load(&sh->stop) && ((c->ops & 63) || now() < deadline)) {
		long r = below(c, total);

		for (k = 0; r >= ops[k].weight; k++)
			r -= ops[k].weight;
		ops[k].fn(c);
		c->ops++;
	}
	final_checks(c);
	atomic_fetch_add(&sh->ops, c->ops);
	return NULL;
}

static int worker_process(int proc)
{
	pthread_t th[MAX_THREADS];
	struct ctx *cs = calloc(nthreads, sizeof(*cs));
	int t;

	if (!cs)
		return 2;
	for (t = 0; t < nthreads; t++) {
		struct ctx *c = &cs[t];

		c->id = proc * nthreads + t;
		c->rng = seed * 0x100000001b3ULL + c->id + 1;
		rnd(&c->rng);
		c->fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
		if (c->fd < 0)
			return 3;
		if (pthread_create(&th[t], NULL, worker, c))
			return 4;
	}
	for (t = 0; t < nthreads; t++)
		pthread_join(th[t], NULL);
	return atomic_load(&sh->failed) ? 1 : 0;
}

/*
 * The chaos process: writeback, evict and reset at random moments, the
 * counters, and a read-only descriptor whose changing ioctls and writable
 * shared mappings must be refused.
 */
static int chaos_process(void)
{
	struct ctx c = { .id = -1, .rng = seed ^ 0xc4a05ULL };
	int fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC), ro = open(PCC_DEVICE, O_RDONLY | O_CLOEXEC);
	double deadline = now() + seconds;
	struct pcc_io_stats io;
	void *a;

	if (fd < 0 || ro < 0)
		return 3;
	cur = &c;
	while (!atomic_load(&sh->stop) && now() < deadline) {
		long k = below(&c, 100);

		usleep(below(&c, 20000));
		if (k < 35) {
			note(&c, "writeback");
			atomic_fetch_add(&sh->writebacks, 1);
			if (ioctl(fd, PCC_IOC_WRITEBACK) < 0)
				fail(&c, "chaos: PCC_IOC_WRITEBACK: %s", strerror(errno));
		} else if (k < 65) {
			note(&c, "evict");
			atomic_fetch_add(&sh->evicts, 1);
			if (ioctl(fd, PCC_IOC_EVICT) < 0)
				fail(&c, "chaos: PCC_IOC_EVICT: %s", strerror(errno));
		} else if (k < 75) {
			note(&c, "reset");
			atomic_fetch_add(&sh->resets, 1);
			atomic_fetch_add(&sh->rs, 1);
			if (ioctl(fd, PCC_IOC_RESET))
				fail(&c, "chaos: PCC_IOC_RESET: %s", strerror(errno));
			atomic_fetch_add(&sh->rd, 1);
		} else if (k < 90) {
			note(&c, "io stats");
			if (pcc_io_stats(fd, &io))
				fail(&c, "chaos: PCC_IOC_GET_IO_STATS: %s", strerror(errno));
		} else {
			note(&c, "read-only descriptor");
			atomic_fetch_add(&sh->refusals, 1);
			if (ioctl(ro, PCC_IOC_RESET) != -1 || errno != EBADF)
				fail(&c, "chaos: RESET through a read-only descriptor was not refused with EBADF");
			if (ioctl(ro, PCC_IOC_WRITEBACK) != -1 || errno != EBADF)
				fail(&c, "chaos: WRITEBACK through a read-only descriptor was not refused with EBADF");
			a = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
			if (a != MAP_FAILED || errno != EACCES)
				fail(&c, "chaos: a writable shared mapping of a read-only descriptor: %s",
				     a == MAP_FAILED ? strerror(errno) : "allowed");
		}
	}
	return atomic_load(&sh->failed) ? 1 : 0;
}

/* After everyone: every page read back whole, against its final model. */
static int final_sweep(int fd)
{
	struct ctx c = { .id = -1 };
	uint8_t *b = malloc(PG);
	long p, bad = 0, rd = atomic_load(&sh->rd);

	if (!b)
		return -1;
	for (p = 0; p < npages && !bad; p++) {
		struct page_model *m = &pm[p];

		/* Resets the owner did not see yet zeroed this page, unless one
		 * overlapped its last operation (then either is right). */
		if (rd > sh->seen_rd[p % W] && m->unc < rd) {
			memset(m->m, 0, PG);
			m->zero_ok = m->alt = 0;
		}
		if (pread(fd, b, PG, p * PG) != PG) {
			bad = 1;
			break;
		}
		c.id = p % W;
		if (check_device(&c, "final sweep", p, b, 0, PG, 0))
			bad = 1;
	}
	free(b);
	return bad ? -1 : 0;
}

static int run(const char *params, const char *name)
{
	pid_t pids[MAX_THREADS + 1];
	int i, st, bad_exit = 0, fd, n = 0;
	double t0 = now();
	struct pcc_stats s;
	__u64 size;

	if (params && pcc_reload(params)) {
		ksft_test_result_fail("%s: load pcc with \"%s\": %s\n", name, params, strerror(errno));
		return -1;
	}
	fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, PCC_IOC_GET_SIZE, &size) || ioctl(fd, PCC_IOC_RESET)) {
		ksft_test_result_fail("%s: open/size/reset: %s\n", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	cap_pages = size / PG;
	npages = cap_pages < max_pages ? cap_pages : max_pages;
	if (npages < W) {
		ksft_test_result_fail("%s: %ld pages for %d threads: each needs one of its own\n", name,
				      npages, W);
		close(fd);
		return -1;
	}
	memset(sh, 0, sizeof(*sh));
	sh->t0 = t0;
	for (i = 0; i < npages; i++) {
		memset(pm[i].m, 0, PG);
		pm[i].zero_ok = pm[i].alt = 0;
		pm[i].unc = -1;
	}
	for (i = 0; i < nprocs + chaos; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			bad_exit++;
			atomic_store(&sh->stop, 1);
			snprintf(sh->why, sizeof(sh->why), "fork of process %d: %s\n", i, strerror(errno));
			break;
		}
		if (pids[i] == 0)
			_exit(i < nprocs ? worker_process(i) : chaos_process());
		n++;
	}
	for (i = 0; i < n; i++) {
		if (waitpid(pids[i], &st, 0) != pids[i] || !WIFEXITED(st) || WEXITSTATUS(st)) {
			bad_exit++;
			if (!atomic_load(&sh->failed))
				snprintf(sh->why, sizeof(sh->why), "process %d ended with status %#x\n", i, st);
		}
	}
	if (!atomic_load(&sh->failed) && !bad_exit && final_sweep(fd))
		bad_exit++;
	ksft_print_msg("%s: seed %llu, %.0f s, %d processes x %d threads%s, %ld of %ld pages: %ld operations, %ld checks (%ld MiB compared), %ld forks, %ld kills, %ld resets, %ld writebacks, %ld evictions, %ld refusals, %ld expected faults\n",
		       name, (unsigned long long)seed, now() - t0, nprocs, nthreads,
		       chaos ? " + chaos" : "", npages, cap_pages, atomic_load(&sh->ops),
		       atomic_load(&sh->checks), atomic_load(&sh->bytes_checked) >> 20,
		       atomic_load(&sh->forks), atomic_load(&sh->kills), atomic_load(&sh->resets),
		       atomic_load(&sh->writebacks), atomic_load(&sh->evicts),
		       atomic_load(&sh->refusals), atomic_load(&sh->faults_expected));
	if (atomic_load(&sh->failed) || bad_exit) {
		fprintf(stderr, "# FAIL %s: %s", name, sh->why);
		fprintf(stderr, "# reproduce: make fuzz SEED=%llu (configuration \"%s\"%s%s)\n",
			(unsigned long long)seed, name, params ? ", pcc parameters " : "",
			params ? params : "");
	}
	ksft_test_result(!atomic_load(&sh->failed) && !bad_exit,
			 "%s: every byte read back matches the model (seed %llu)\n", name,
			 (unsigned long long)seed);
	if (pcc_stats(fd, &s) == 0)
		ksft_test_result(s.pages_cached <= (unsigned long long)cap_pages &&
				 s.pages_dirty <= s.pages_cached && s.faults >= 1,
				 "%s: counters consistent afterwards (%llu faults, %llu cached, %llu dirty)\n",
				 name, s.faults, s.pages_cached, s.pages_dirty);
	else
		ksft_test_result_fail("%s: PCC_IOC_GET_STATS: %s\n", name, strerror(errno));
	ioctl(fd, PCC_IOC_RESET);
	close(fd);
	return 0;
}

/* The two configurations make check runs, each for half the time. */
static const struct config {
	const char *name, *more;
	int store;
} configs[] = {
	{ "in memory, fault-around on", "fault_around=1", 0 },
	{ "on a store, fault-around off, cache limit 64 pages", "fault_around=0 cache_pages=64 io_delay_us=50", 1 },
};
#define CONFIG_PAGES 256

int main(int argc, char **argv)
{
	const char *params = NULL;
	int as_loaded = 0;
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };
	char buf[256];
	int o, k, rc = 0;

	while ((o = getopt(argc, argv, "s:t:P:T:n:C:m:L")) != -1) {
		switch (o) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': seconds = atof(optarg); break;
		case 'P': nprocs = atoi(optarg); break;
		case 'T': nthreads = atoi(optarg); break;
		case 'n': max_pages = atol(optarg); break;
		case 'C': chaos = atoi(optarg); break;
		case 'm': params = optarg; break;
		case 'L': as_loaded = 1; break;
		default:
			fprintf(stderr, "usage: %s [-s seed] [-t seconds] [-P procs] [-T threads] [-n pages] [-C 0|1] [-m params | -L]\n",
				argv[0]);
			return 2;
		}
	}
	W = nprocs * nthreads;
	if (nprocs < 1 || nthreads < 1 || W > MAX_THREADS || max_pages < W || seconds <= 0) {
		fprintf(stderr, "pcc_fuzz: 1 to %d threads in all, at least one page each\n", MAX_THREADS);
		return 2;
	}
	if (sysconf(_SC_PAGESIZE) != PG)
		ksft_exit_skip("the model assumes %ld-byte pages\n", PG);
	pcc_require_device();
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pm = mmap(NULL, max_pages * sizeof(*pm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || pm == MAP_FAILED)
		ksft_exit_fail_msg("shared memory for the model: %s\n", strerror(errno));
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	ksft_print_header();
	if (params || as_loaded) {
		ksft_set_plan(2);
		run(params, "fuzz");
		return ksft_get_fail_cnt() ? KSFT_FAIL : KSFT_PASS;
	}
	ksft_set_plan(2 * (int)ARRAY_SIZE(configs));
	seconds /= ARRAY_SIZE(configs);
	for (k = 0; k < (int)ARRAY_SIZE(configs); k++) {
		const struct config *cf = &configs[k];

		if (cf->store) {
			if (pcc_reload_fresh_store(PCC_STORE_DISK, CONFIG_PAGES, cf->more, buf, sizeof(buf))) {
				ksft_test_result_fail("%s: load pcc on %s: %s\n", cf->name, PCC_STORE_DISK, strerror(errno));
				ksft_test_result_skip("%s: counters\n", cf->name);
				rc = 1;
				continue;
			}
			run(NULL, cf->name);
		} else {
			snprintf(buf, sizeof(buf), "size_pages=%d %s", CONFIG_PAGES, cf->more);
			run(buf, cf->name);
		}
	}
	if (pcc_reload(""))	/* the next test finds pcc as the guest loaded it */
		rc = 1;
	return rc || ksft_get_fail_cnt() ? KSFT_FAIL : KSFT_PASS;
}
