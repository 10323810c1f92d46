/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pcc's trace events: one per vm_operations callback, plus writeback and
 * reset. Enable them with `echo 1 > /sys/kernel/tracing/events/pcc/enable`.
 * Flags and results print with the kernel's own names (FAULT_FLAG_TRACE,
 * VM_FAULT_RESULT_TRACE), as in mm's own events.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pcc

#if !defined(_PCC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PCC_TRACE_H

#include <linux/mm.h>
#include <linux/tracepoint.h>

/* FAULT_FLAG_TRACE lacks these two; name every flag a fault can carry. */
#define PCC_FAULT_FLAG_TRACE					\
	FAULT_FLAG_TRACE,					\
	{ FAULT_FLAG_UNSHARE,		"UNSHARE" },		\
	{ FAULT_FLAG_ORIG_PTE_VALID,	"ORIG_PTE_VALID" }

/* A result of 0 prints as "0", not as an empty string. */
#define pcc_print_ret(ret)					\
	((ret) ? __print_flags(ret, "|", VM_FAULT_RESULT_TRACE) : "0")

/* How ->fault found the page. */
#define PCC_CACHE_HIT	0
#define PCC_CACHE_MISS	1
#define PCC_CACHE_NONE	2	/* no page: past capacity, or none could be cached */
#define PCC_CACHE_READ	3	/* not cached: read from the backing store */

TRACE_EVENT(pcc_fault,
	TP_PROTO(unsigned long pgoff, unsigned long address, unsigned int flags,
		 int cache, unsigned int ret),
	TP_ARGS(pgoff, address, flags, cache, ret),
	TP_STRUCT__entry(
		__field(unsigned long, pgoff)
		__field(unsigned long, address)
		__field(unsigned int, flags)
		__field(int, cache)
		__field(unsigned int, ret)
	),
	TP_fast_assign(
		__entry->pgoff = pgoff;
		__entry->address = address;
		__entry->flags = flags;
		__entry->cache = cache;
		__entry->ret = ret;
	),
	TP_printk("pgoff=%lu address=0x%lx flags=%s cache=%s ret=%s",
		  __entry->pgoff, __entry->address,
		  __print_flags(__entry->flags, "|", PCC_FAULT_FLAG_TRACE),
		  __print_symbolic(__entry->cache, { PCC_CACHE_HIT, "hit" },
				   { PCC_CACHE_MISS, "miss" }, { PCC_CACHE_NONE, "none" },
				   { PCC_CACHE_READ, "read" }),
		  pcc_print_ret(__entry->ret))
);

TRACE_EVENT(pcc_map_pages,
	TP_PROTO(unsigned long start, unsigned long end, unsigned long address,
		 unsigned int flags, unsigned long mapped, unsigned int ret),
	TP_ARGS(start, end, address, flags, mapped, ret),
	TP_STRUCT__entry(
		__field(unsigned long, start)
		__field(unsigned long, end)
		__field(unsigned long, address)
		__field(unsigned int, flags)
		__field(unsigned long, mapped)
		__field(unsigned int, ret)
	),
	TP_fast_assign(
		__entry->start = start;
		__entry->end = end;
		__entry->address = address;
		__entry->flags = flags;
		__entry->mapped = mapped;
		__entry->ret = ret;
	),
	TP_printk("pgoff=%lu-%lu address=0x%lx flags=%s mapped=%lu ret=%s",
		  __entry->start, __entry->end, __entry->address,
		  __print_flags(__entry->flags, "|", PCC_FAULT_FLAG_TRACE),
		  __entry->mapped,
		  pcc_print_ret(__entry->ret))
);

/* A callback of one fault that returns only its VM_FAULT_* bits. */
DECLARE_EVENT_CLASS(pcc_vmf_ret,
	TP_PROTO(unsigned long pgoff, unsigned long address, unsigned int flags,
		 unsigned int ret),
	TP_ARGS(pgoff, address, flags, ret),
	TP_STRUCT__entry(
		__field(unsigned long, pgoff)
		__field(unsigned long, address)
		__field(unsigned int, flags)
		__field(unsigned int, ret)
	),
	TP_fast_assign(
		__entry->pgoff = pgoff;
		__entry->address = address;
		__entry->flags = flags;
		__entry->ret = ret;
	),
	TP_printk("pgoff=%lu address=0x%lx flags=%s ret=%s",
		  __entry->pgoff, __entry->address,
		  __print_flags(__entry->flags, "|", PCC_FAULT_FLAG_TRACE),
		  pcc_print_ret(__entry->ret))
);

DEFINE_EVENT(pcc_vmf_ret, pcc_page_mkwrite,
	TP_PROTO(unsigned long pgoff, unsigned long address, unsigned int flags,
		 unsigned int ret),
	TP_ARGS(pgoff, address, flags, ret));

/*
 * ->huge_fault for a PMD: NOPAGE once it mapped one, FALLBACK when the
 * kernel goes on at PTE level.
 */
DEFINE_EVENT(pcc_vmf_ret, pcc_huge_fault,
	TP_PROTO(unsigned long pgoff, unsigned long address, unsigned int flags,
		 unsigned int ret),
	TP_ARGS(pgoff, address, flags, ret));

/*
 * pcc's ->readahead: the batch the kernel's readahead handed it (pages
 * start to end, locked, new), of which `read` are read from the store and
 * `zeroed` are holes, zero-filled; the rest were lost to a memory error.
 */
TRACE_EVENT(pcc_readahead,
	TP_PROTO(unsigned long start, unsigned long nr, unsigned long read, unsigned long zeroed),
	TP_ARGS(start, nr, read, zeroed),
	TP_STRUCT__entry(
		__field(unsigned long, start)
		__field(unsigned long, nr)
		__field(unsigned long, read)
		__field(unsigned long, zeroed)
	),
	TP_fast_assign(
		__entry->start = start;
		__entry->nr = nr;
		__entry->read = read;
		__entry->zeroed = zeroed;
	),
	TP_printk("pgoff=%lu-%lu read=%lu zeroed=%lu", __entry->start,
		  __entry->start + __entry->nr - 1, __entry->read, __entry->zeroed)
);

TRACE_EVENT(pcc_writeback,
	TP_PROTO(unsigned long cleaned),
	TP_ARGS(cleaned),
	TP_STRUCT__entry(__field(unsigned long, cleaned)),
	TP_fast_assign(__entry->cleaned = cleaned;),
	TP_printk("cleaned=%lu", __entry->cleaned)
);

TRACE_EVENT(pcc_reset,
	TP_PROTO(unsigned long freed),
	TP_ARGS(freed),
	TP_STRUCT__entry(__field(unsigned long, freed)),
	TP_fast_assign(__entry->freed = freed;),
	TP_printk("freed=%lu", __entry->freed)
);

#endif /* _PCC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE pcc_trace
#include <trace/define_trace.h>
