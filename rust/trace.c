// SPDX-License-Identifier: GPL-2.0
/*
 * pcc's trace events (rust/pcc_trace.h), and the functions the Rust
 * callbacks call to emit them: Rust cannot expand TRACE_EVENT's macros,
 * so each event has a one-line C caller here.
 */
#define CREATE_TRACE_POINTS
#include "pcc_trace.h"
#include "pcc_helpers.h"

void pcc_trace_fault(unsigned long pgoff, unsigned long address, unsigned int flags,
		     int cache, unsigned int ret)
{
	trace_pcc_fault(pgoff, address, flags, cache, ret);
}

void pcc_trace_map_pages(unsigned long start, unsigned long end, unsigned long address,
			 unsigned int flags, unsigned long mapped, unsigned int ret)
{
	trace_pcc_map_pages(start, end, address, flags, mapped, ret);
}

void pcc_trace_page_mkwrite(unsigned long pgoff, unsigned long address, unsigned int flags,
			    unsigned int ret)
{
	trace_pcc_page_mkwrite(pgoff, address, flags, ret);
}

void pcc_trace_huge_fault(unsigned long pgoff, unsigned long address, unsigned int flags,
			  unsigned int ret)
{
	trace_pcc_huge_fault(pgoff, address, flags, ret);
}

void pcc_trace_readahead(unsigned long start, unsigned long nr, unsigned long read,
			 unsigned long zeroed)
{
	trace_pcc_readahead(start, nr, read, zeroed);
}

void pcc_trace_writeback(unsigned long cleaned) { trace_pcc_writeback(cleaned); }
void pcc_trace_reset(unsigned long freed) { trace_pcc_reset(freed); }
