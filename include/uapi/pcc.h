/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * pcc: the user-space ABI of /dev/pcc.
 *
 * /dev/pcc is a fixed-size page cache shared by every process that opens
 * it. read/write/lseek/mmap (MAP_SHARED and MAP_PRIVATE) reach the same
 * pages; the ioctls below read pcc's counters and drive writeback and reset.
 */
#ifndef _UAPI_PCC_H
#define _UAPI_PCC_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define PCC_DEVICE	"/dev/pcc"
#define PCC_IOC_MAGIC	'P'

/*
 * Counters since the module was loaded (PCC_IOC_RESET does not clear
 * them); pages_cached and pages_dirty are the current state.
 */
struct pcc_stats {
	__u64 faults;			/* ->fault calls */
	__u64 fault_misses;		/* ->fault calls that allocated a page */
	__u64 map_pages_calls;		/* ->map_pages calls (fault-around) */
	__u64 pages_mapped_around;	/* pages mapped by ->map_pages: a PTE each, 512 for a PMD */
	__u64 mkwrite_calls;		/* ->page_mkwrite calls */
	__u64 pages_cached;		/* pages in the cache now */
	__u64 pages_dirty;		/* dirty pages in the cache now */
	__u64 pages_written_back;	/* total pages cleaned by writeback: PCC_IOC_WRITEBACK,
					 * fsync, the kernel's flusher, sync(2) */
};

/*
 * Reading ioctls (GET_STATS, GET_SIZE, GET_IO_STATS) work on any open
 * file; those that change the cache (WRITEBACK, RESET, EVICT) need a file
 * open for writing and fail with EBADF otherwise.
 */

/* Read the counters. */
#define PCC_IOC_GET_STATS	_IOR(PCC_IOC_MAGIC, 1, struct pcc_stats)
/*
 * Clean every dirty page and write-protect it in every mapping, so the
 * next store to it calls ->page_mkwrite again (with write_notify=0, a page
 * dirty only in a PTE is cleaned too). Returns the number of pages
 * cleaned. With a backing store, a page whose write to it fails
 * stays dirty, and the call fails with that errno (ENOSPC, EIO, ...).
 */
#define PCC_IOC_WRITEBACK	_IO(PCC_IOC_MAGIC, 2)
/* Unmap every page from every mapping and free it; all offsets read 0. */
#define PCC_IOC_RESET		_IO(PCC_IOC_MAGIC, 3)
/* Capacity in bytes (module parameter size_pages * page size). */
#define PCC_IOC_GET_SIZE	_IOR(PCC_IOC_MAGIC, 4, __u64)

/*
 * With a backing store (module parameter backing=PATH): drop every clean
 * page from the cache, unmapping it from every mapping first; dirty pages,
 * pages under writeback, and pages mlocked or pinned (O_DIRECT, io_uring)
 * stay. Returns the number of pages dropped.
 * Without a store it drops nothing (clean pages have nowhere else to
 * live) and returns 0.
 */
#define PCC_IOC_EVICT		_IO(PCC_IOC_MAGIC, 5)

/* Counters of the fault path's I/O since the module was loaded. */
struct pcc_io_stats {
	__u64 major_faults;	/* ->fault calls that returned VM_FAULT_MAJOR */
	__u64 fault_retries;	/* ->fault calls that returned VM_FAULT_RETRY */
	__u64 store_reads;	/* pages read from the store */
	__u64 store_writes;	/* pages written to the store */
	__u64 pages_evicted;	/* clean pages dropped: reclaim, EVICT, cache_pages= */
};

/* Read the I/O counters. */
#define PCC_IOC_GET_IO_STATS	_IOR(PCC_IOC_MAGIC, 6, struct pcc_io_stats)

/*
 * Counters of PMD-sized folios (module parameter huge=) since the module
 * was loaded; all 0 with huge=never, or without transparent huge pages.
 * A PMD the kernel maps from ->fault or fault-around (do_set_pmd) is not
 * pcc's to count: read FilePmdMapped in /proc/PID/smaps.
 */
struct pcc_huge_stats {
	__u64 huge_fault_calls;		/* ->huge_fault calls for a PMD */
	__u64 huge_fault_pmds;		/* PMDs ->huge_fault mapped */
	__u64 huge_fault_fallbacks;	/* ->huge_fault calls that returned VM_FAULT_FALLBACK */
	__u64 pmd_folios;		/* PMD-sized folios pcc allocated (->huge_fault, ->fault, write()) */
	__u64 pmd_folio_fallbacks;	/* one page allocated where huge= wanted a PMD-sized folio */
};

/* Read the huge-page counters. */
#define PCC_IOC_GET_HUGE_STATS	_IOR(PCC_IOC_MAGIC, 7, struct pcc_huge_stats)

/*
 * The backing store's format (module parameter backing=PATH: a block
 * device or a regular file). A store of n pages (size_pages=n) is
 * PCC_STORE_PAGES(n) pages of the kernel's page size long:
 *
 *   page 0 .. n-1   data: page i of /dev/pcc at byte i * page size
 *   page n          header: struct pcc_store_header, then zeros
 *   page n+1 ..     the allocation bitmap: bit i of the little-endian
 *                   64-bit words set when the store holds page i; a clear
 *                   bit is a hole, which reads as zeros
 *
 * The data sits first, so that the store is the device's image as is. A
 * header page of zeros is a fresh store: every page a hole. pcc refuses
 * (EINVAL) a header for another size or page size.
 */
#define PCC_STORE_MAGIC		"PCCSTOR1"	/* 8 bytes, no NUL */

struct pcc_store_header {
	char magic[8];		/* PCC_STORE_MAGIC */
	__le64 size_pages;	/* n */
	__le64 page_size;	/* the page size it was written with */
};

/* Pages of the bitmap, and of a whole store, for n pages of page size ps. */
#define PCC_STORE_BITMAP_PAGES(n, ps)	(((n) + (ps) * 8 - 1) / ((ps) * 8))
#define PCC_STORE_PAGES(n, ps)		((n) + 1 + PCC_STORE_BITMAP_PAGES(n, ps))

#endif /* _UAPI_PCC_H */
