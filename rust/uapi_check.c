// SPDX-License-Identifier: GPL-2.0
/*
 * include/uapi/pcc.h as rust/uapi.rs restates it, checked at build time:
 * the Rust side writes struct pcc_stats, pcc_io_stats and pcc_huge_stats as arrays
 * of u64 in field order, numbers its ioctls with _IOR()/_IO() of those
 * arrays, and writes the store header as 8 bytes of magic, then le64
 * size_pages at byte 8 and le64 page_size at byte 16. When the header and
 * that restatement part, the build fails here.
 */
#include <linux/build_bug.h>
#include <linux/stddef.h>

#include "uapi/pcc.h"

static_assert(sizeof(struct pcc_stats) == 8 * sizeof(__u64));
static_assert(offsetof(struct pcc_stats, pages_written_back) == 7 * sizeof(__u64));
static_assert(sizeof(struct pcc_io_stats) == 5 * sizeof(__u64));
static_assert(offsetof(struct pcc_io_stats, pages_evicted) == 4 * sizeof(__u64));
static_assert(sizeof(struct pcc_huge_stats) == 5 * sizeof(__u64));
static_assert(offsetof(struct pcc_huge_stats, pmd_folio_fallbacks) == 4 * sizeof(__u64));

static_assert(PCC_IOC_GET_STATS == _IOR('P', 1, __u64[8]));
static_assert(PCC_IOC_WRITEBACK == _IO('P', 2));
static_assert(PCC_IOC_RESET == _IO('P', 3));
static_assert(PCC_IOC_GET_SIZE == _IOR('P', 4, __u64));
static_assert(PCC_IOC_EVICT == _IO('P', 5));
static_assert(PCC_IOC_GET_IO_STATS == _IOR('P', 6, __u64[5]));
static_assert(PCC_IOC_GET_HUGE_STATS == _IOR('P', 7, __u64[5]));

static_assert(sizeof(PCC_STORE_MAGIC) - 1 == 8);
static_assert(offsetof(struct pcc_store_header, size_pages) == 8);
static_assert(offsetof(struct pcc_store_header, page_size) == 16);
static_assert(sizeof(struct pcc_store_header) == 24);
