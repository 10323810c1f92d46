// SPDX-License-Identifier: GPL-2.0
/*
 * A store that is a regular file of ext4, as a user puts one: make check's
 * ext4 boot, whose one disk is an ext4 file system (made on the host by
 * mkfs.ext4, scripts/check.sh), mounted here on /mnt; pcc loaded with
 * backing=/mnt/pcc-store, which it extends to size.
 *
 * What it is for is lockdep, on beside every test: ext4 takes the inode
 * lock (i_rwsem) of a file around a write(2) and faults the source buffer
 * in under it (generic_perform_write), and around a direct read; so pcc
 * must never read its store in a way that takes that lock while a fault
 * holds the mmap or VMA lock, or while the faulting task holds an ext4
 * inode lock of its own. Each test makes one of those edges happen; a
 * lockdep report in the guest log fails make check. The data is checked
 * too: through pcc and in the store file itself.
 *
 * Built by `make user` as $(PCC_OUT)/selftests-big/pcc_ext4, to be run in
 * the boot whose disk is the ext4 file system. It leaves pcc loaded with
 * its defaults and the file system unmounted.
 */
#include <sys/mman.h>
#include <sys/mount.h>

#include "kselftest_harness.h"
#include "pcc_test.h"

#define PSZ		PCC_STORE_PAGE
#define PAGES		256UL
#define MNT		"/mnt"
#define STORE		MNT "/pcc-store"
#define OUT		MNT "/out"

static void fill(int fd, unsigned long first, unsigned long n, uint64_t seed)
{
	uint64_t buf[PSZ / 8];
	unsigned long i;

	for (i = first; i < first + n; i++) {
		pcc_fill_page(buf, i, seed);
		if (pwrite(fd, buf, PSZ, i * PSZ) != PSZ)
			ksft_exit_fail_msg("pwrite page %lu: %s\n", i, strerror(errno));
	}
}

FIXTURE(ext4)
{
	int fd;
};

FIXTURE_SETUP(ext4)
{
	mkdir(MNT, 0755);
	if (mount("/dev/vda", MNT, "ext4", 0, NULL) && errno != EBUSY)
		ASSERT_EQ(0, -errno) TH_LOG("mount ext4 on " MNT ": %s", strerror(errno));
	/* A fresh store: pcc opens the file (without O_CREAT) and sizes it. */
	unlink(STORE);
	ASSERT_EQ(0, close(open(STORE, O_RDWR | O_CREAT | O_CLOEXEC, 0600)));
	ASSERT_EQ(0, pcc_reload("backing=" STORE " size_pages=256")) TH_LOG("%s", strerror(errno));
	self->fd = open(PCC_DEVICE, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN_PARENT(ext4)
{
	pcc_unload_wait();
	EXPECT_EQ(0, pcc_load("")) TH_LOG("load with defaults: %s", strerror(errno));
	unlink(OUT);
	EXPECT_EQ(0, umount(MNT)) TH_LOG("umount: %s", strerror(errno));
}

/* Pages [0, n) written with seed, written back to the store file and evicted. */
static void in_store_only(struct __test_metadata *_metadata, int fd, unsigned long n, uint64_t seed)
{
	fill(fd, 0, n, seed);
	ASSERT_EQ(0, fsync(fd));
	ASSERT_EQ(n, ioctl(fd, PCC_IOC_EVICT));
}

/*
 * Written back to the store file, evicted, and read again by faults
 * (readahead in the faulting task, the fault lock released): the data
 * comes back, and the store file holds it.
 */
TEST_F(ext4, pages_go_to_the_store_file_and_come_back_by_faults)
{
	uint64_t buf[PSZ / 8];
	struct pcc_io_stats a, b;
	unsigned long i;
	int store;
	char *p;

	in_store_only(_metadata, self->fd, PAGES, 51);
	store = open(STORE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, store);
	for (i = 0; i < PAGES; i++) {
		ASSERT_EQ(PSZ, pread(store, buf, PSZ, i * PSZ));
		ASSERT_EQ(-1, pcc_check_page(buf, i, 51)) TH_LOG("store file, page %lu", i);
	}
	close(store);
	p = mmap(NULL, PAGES * PSZ, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, pcc_io_stats(self->fd, &a));
	for (i = 0; i < PAGES; i++)
		ASSERT_EQ(-1, pcc_check_page(p + i * PSZ, i, 51)) TH_LOG("page %lu", i);
	ASSERT_EQ(0, pcc_io_stats(self->fd, &b));
	EXPECT_EQ(PAGES, b.store_reads - a.store_reads);
	EXPECT_LT(0, b.major_faults - a.major_faults);
	munmap(p, PAGES * PSZ);
}

/*
 * A fault that may not release the fault lock reads its page from the
 * store holding it: a read of the mapping through /proc/self/mem
 * (get_user_pages_remote, no FAULT_FLAG_ALLOW_RETRY). Then, in the same
 * boot, a direct write(2) to an ext4 file from a buffer not yet faulted
 * in: ext4 holds the file's inode lock while get_user_pages takes the mmap
 * lock for the buffer (ext4_dio_write_iter, iomap_dio_rw). Were the store
 * read under the fault lock to take the store file's inode lock, lockdep
 * would see the two locks in both orders.
 */
TEST_F(ext4, a_fault_that_keeps_the_fault_lock_reads_the_store_file)
{
	uint64_t buf[PSZ / 8];
	struct pcc_io_stats a, b;
	int mem, out;
	char *p, *src;

	in_store_only(_metadata, self->fd, 8, 52);
	p = mmap(NULL, 8 * PSZ, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, mem);
	ASSERT_EQ(0, pcc_io_stats(self->fd, &a));
	ASSERT_EQ(PSZ, pread(mem, buf, PSZ, (off_t)(uintptr_t)(p + 5 * PSZ)));
	ASSERT_EQ(0, pcc_io_stats(self->fd, &b));
	EXPECT_EQ(-1, pcc_check_page(buf, 5, 52));
	EXPECT_EQ(1, b.store_reads - a.store_reads) TH_LOG("the one page, nothing read ahead");
	close(mem);
	munmap(p, 8 * PSZ);

	src = mmap(NULL, PSZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, src);
	out = open(OUT, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0644);
	ASSERT_LE(0, out) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(PSZ, write(out, src, PSZ)) TH_LOG("%s", strerror(errno));
	close(out);
	munmap(src, PSZ);
}

/*
 * A write(2) to an ext4 file from a mapping of pcc whose pages only the
 * store holds: each page faults in under the ext4 file's inode lock, and
 * pcc reads it from the store file (readahead, the fault lock released).
 * Were that read to take the store file's inode lock, lockdep would see an
 * inode lock taken under another of its class; were the file the store
 * itself, the task would wait for ever. The file gets pcc's data.
 */
TEST_F(ext4, a_write_to_an_ext4_file_from_a_mapping_of_pcc_reads_the_store_file)
{
	uint64_t buf[PSZ / 8];
	unsigned long i;
	int out;
	char *p;

	in_store_only(_metadata, self->fd, 32, 53);
	p = mmap(NULL, 32 * PSZ, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	out = open(OUT, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ASSERT_LE(0, out);
	ASSERT_EQ(32 * PSZ, write(out, p, 32 * PSZ));
	for (i = 0; i < 32; i++) {
		ASSERT_EQ(PSZ, pread(out, buf, PSZ, i * PSZ));
		EXPECT_EQ(-1, pcc_check_page(buf, i, 53)) TH_LOG("page %lu", i);
	}
	close(out);
	munmap(p, 32 * PSZ);
}

TEST_HARNESS_MAIN
