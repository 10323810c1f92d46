#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The one table of make trace's scenarios (tools/pcc-scenario NAME).

Each row of SCENARIOS: the name, the title of its section in
Documentation/fault-paths.md ("### <title> (`<name>`)"), pcc's module
parameters, and the exit status the program must end with. CHECKS, keyed
by the same names, says what each capture must show; checks() gives them
as they apply on an architecture. Whatever else a scenario needs
(fault_around_bytes, fail_page_alloc) tools/pcc-scenario sets itself, so
that `make trace SCENARIO=NAME` is `make trace PROG=pcc-scenario ARGS=NAME
PARAMS=<its parameters>` with these checks.

Read by: scripts/lib.sh (scenario_jobs: the guest job of make trace
SCENARIO= and of make check's fault paths), scripts/trace_tree.py (the
checks, and that each scenario has its section), scripts/trace_doc.py
(make docs).

Usage: scenarios.py --names          the names, in order
       scenarios.py --rows NAME...   the rows (all if none), "name|params|exit",
                                     without those ARCH (the environment's)
                                     cannot run
"""
import os
import sys

# The store scenarios: a fresh store on /dev/vda with a slow disk, so that
# a read or a writeback is in flight long enough to wait on.
STORE = "backing=/dev/vda io_delay_us=200000"

SCENARIOS = [
    # name, title, module parameters, exit status
    ("cold-read", "Read of an uncached page", "", 0),
    ("fault-around", "Read with the neighbours cached", "", 0),
    ("shared-first-store", "First store to a shared page", "", 0),
    ("shared-store-after-read", "Store after a read", "", 0),
    ("private-store", "Store to a private mapping", "", 0),
    # No ->page_mkwrite: wp_page_shared()'s other branch.
    ("store-without-write-notify", "Store to a cleaned page without write-notify", "write_notify=0", 0),
    ("major-fault", "Read of a page only the store holds", STORE, 0),
    ("evict-refault", "Read after eviction", STORE, 0),
    ("readahead-async", "Read of the page that marks a readahead window", STORE, 0),
    ("willneed", "MADV_WILLNEED", STORE, 0),
    ("fsync", "fsync", STORE, 0),
    ("flusher-writeback", "The flusher's writeback", STORE, 0),
    ("mkwrite-under-writeback", "Store to a page under writeback", STORE, 0),
    ("sigbus", "Access past capacity", "", 0),
    ("bad-access-write", "Store to a read-only mapping", "", 0),
    ("bad-access-exec", "Call into a mapping without `PROT_EXEC`", "", 0),
    ("bad-map", "Access after munmap", "", 0),
    ("exec", "Execute from pcc", "", 0),
    # Without ->map_pages, ->fault cannot run under the per-VMA lock.
    ("vma-lock-fallback", "Per-VMA lock falling back to mmap_lock", "fault_around=0", 0),
    ("oom", "Allocation failure", "", 0),
    ("hwpoison", "Hardware poison", "", 0),
    ("kernel-uaccess", "A read() into an unpopulated mapping", "", 0),
    ("kernel-no-context", "A copy running past capacity", "", 0),
    ("kernel-pagefault-disabled", "A fault with page faults disabled", "", 0),
    ("gup-populate", "MAP_POPULATE", "", 0),
    ("gup-mlock", "mlock", "", 0),
    ("gup-madvise-read", "MADV_POPULATE_READ", "", 0),
    ("gup-madvise-write", "MADV_POPULATE_WRITE", "", 0),
    ("gup-remote-read", "Another process's mapping, read", "", 0),
    ("gup-remote-write", "Another process's mapping, written", "", 0),
    ("fault-around-vma", "The window moved to the VMA, then cut at its end", "", 0),
    ("fault-around-table", "The window cut at a page table's end", "", 0),
    ("fault-around-4k", "fault_around_bytes = 4096", "", 0),
    ("fault-around-64k", "fault_around_bytes = 65536", "", 0),
    # Killed (SIGKILL, 128 + 9) while its fault waits for the store.
    ("fatal-retry", "A fatal signal during a retry", STORE, 137),
    # PMD-sized folios (huge=): not on 32-bit ARM, which has no THP here.
    ("huge-read", "Read of a PMD-sized range", "huge=always", 0),
    ("huge-write-notify", "Store to a PMD mapped read-only", "huge=always", 0),
    ("huge-fallback", "A huge fault falling back to PTEs", "huge=always", 0),
    ("huge-split", "A PMD split by MADV_DONTNEED", "huge=always", 0),
]
NAMES = [row[0] for row in SCENARIOS]
BY_NAME = {row[0]: row for row in SCENARIOS}


# A read of a page only the store holds (pcc loaded with backing=). The
# first pass drops the fault lock, reads the page itself and returns
# RETRY|MAJOR;
# do_page_fault retries under the mmap lock with TRIED, and fault-around
# maps the page the read brought in. do_mem_abort's own calls show both
# passes.
READ_AROUND = {
    "__do_fault": ["pcc_release_fault_lock", "pcc_page_cache_read_around"],
    "pcc_page_cache_read_around": ["page_cache_ra_unbounded"],
    "page_cache_ra_unbounded": ["filemap_add_folio", "read_pages"],
    "read_pages": ["pcc_readahead"],
    "pcc_readahead": ["pcc_read_alloc", "pcc_read_submit"],
}

STORE_READ = {
    "order": ["do_page_fault", "handle_mm_fault", "do_read_fault", "__do_fault", "pcc_fault"],
    "absent": ["pcc_page_mkwrite"],
    "events": {"pcc_fault": r"cache=read .*ret=MAJOR\|RETRY",
               "pcc_map_pages": r"flags=\S*TRIED\S* .*mapped=1 "},
    "graph_children": {
        # The first pass under the per-VMA lock, the retry under mmap_lock.
        "do_mem_abort": ["lock_vma_under_rcu", "handle_mm_fault", "lock_mm_and_find_vma",
                         "handle_mm_fault"],
        # In the first pass pcc gives up the fault lock
        # (filemap_fault's maybe_unlock_mmap_for_io), then the kernel's
        # readahead reads the window around the page in this task, as
        # do_sync_mmap_readahead: page_cache_ra_unbounded adds the folios,
        # read_pages hands them to pcc's ->readahead, which reads the store.
        **READ_AROUND,
    },
}

def gup_check(entry, write=False, remote=False, user=None):
    """A fault from get_user_pages() (faultin_page), entered from `entry`:
    never through do_mem_abort, never with USER; WRITE and REMOTE exactly
    when asked; a write goes on to ->page_mkwrite."""
    flags = "".join(["(?!\\S*USER)",
                     "(?=\\S*WRITE)" if write else "(?!\\S*WRITE)",
                     "(?=\\S*REMOTE)" if remote else "(?!\\S*REMOTE)"])
    path = ["do_shared_fault", "__do_fault", "pcc_fault", "pcc_page_mkwrite"] if write else \
        ["do_read_fault", "__do_fault", "pcc_fault"]
    check = {
        "order": entry + ["__get_user_pages", "faultin_page", "handle_mm_fault"] + path,
        "absent": ["do_mem_abort"] + ([] if write else ["pcc_page_mkwrite"]),
        "events": {"pcc_fault": f"flags={flags}\\S+ cache=miss"},
    }
    if user:
        check["user"] = [user]
    return check


# What each scenario must show, in this order (a subsequence of the tree
# walked depth first), what it must not show, and what its events must say.
CHECKS = {
    "cold-read": {
        "order": ["el0_da", "do_mem_abort", "do_page_fault", "handle_mm_fault", "handle_pte_fault",
                  "do_read_fault", "do_fault_around", "pcc_map_pages", "__do_fault", "pcc_fault",
                  "finish_fault"],
        "absent": ["pcc_page_mkwrite", "do_shared_fault", "do_cow_fault"],
        "events": {"pcc_fault": r"cache=miss .*ret=LOCKED"},
    },
    "fault-around": {
        "order": ["do_page_fault", "handle_mm_fault", "do_read_fault", "do_fault_around",
                  "pcc_map_pages"],
        "absent": ["pcc_fault", "__do_fault"],
        "events": {"pcc_map_pages": r"pgoff=0-15 .* mapped=16 ret=NOPAGE"},
    },
    "shared-first-store": {
        "order": ["do_page_fault", "handle_mm_fault", "do_shared_fault", "__do_fault", "pcc_fault",
                  "do_page_mkwrite", "pcc_page_mkwrite", "finish_fault"],
        "absent": ["do_read_fault", "do_cow_fault", "do_wp_page"],
        "events": {"pcc_fault": r"flags=WRITE", "pcc_page_mkwrite": r"flags=WRITE\|MKWRITE ret=LOCKED"},
    },
    "shared-store-after-read": {
        "order": ["do_mem_abort", "do_page_fault", "handle_mm_fault", "do_wp_page", "wp_page_shared",
                  "do_page_mkwrite", "pcc_page_mkwrite", "finish_mkwrite_fault"],
        "absent": ["pcc_fault", "do_fault"],
        "events": {"pcc_page_mkwrite": r"ret=LOCKED"},
    },
    # Writeback write-protected the page; without ->page_mkwrite,
    # wp_page_shared() reuses the PTE (wp_page_reuse) and dirties the
    # folio itself (fault_dirty_shared_page): nothing of pcc's runs, so
    # there is no event to decode the inlined frames from, and the tree is
    # the function graph's. finish_mkwrite_fault() is the other branch's.
    "store-without-write-notify": {
        "no_pcc": True,
        "order": ["do_mem_abort", "handle_mm_fault", "fault_dirty_shared_page"],
        "absent": ["pcc_fault", "pcc_page_mkwrite", "pcc_map_pages", "finish_mkwrite_fault",
                   "do_shared_fault", "__do_fault"],
    },
    "private-store": {
        "order": ["do_page_fault", "handle_mm_fault", "do_cow_fault", "__do_fault", "pcc_fault",
                  "finish_fault"],
        "absent": ["pcc_page_mkwrite", "do_shared_fault"],
        "events": {"pcc_fault": r"flags=WRITE"},
    },
    "major-fault": STORE_READ,
    "evict-refault": STORE_READ,
    # A store to a page under writeback waits in ->page_mkwrite
    # (folio_wait_stable, as filemap_page_mkwrite does).
    "mkwrite-under-writeback": {
        "order": ["do_page_fault", "handle_mm_fault", "do_wp_page", "wp_page_shared",
                  "do_page_mkwrite", "pcc_page_mkwrite"],
        "absent": ["pcc_fault"],
        "events": {"pcc_page_mkwrite": r"ret=LOCKED"},
        # folio_wait_writeback() is inlined into folio_wait_stable() here;
        # the store sleeps on the writeback bit.
        "graph_children": {"folio_wait_stable": ["folio_wait_bit"],
                           "folio_wait_bit": ["io_schedule"]},
    },
    "sigbus": {
        "order": ["do_page_fault", "handle_mm_fault", "do_read_fault", "__do_fault", "pcc_fault",
                  "arm64_force_sig_fault"],
        "absent": ["pcc_page_mkwrite", "finish_fault"],
        "events": {"pcc_fault": r"cache=none .*ret=SIGBUS"},
        "user": [r"^SIGBUS BUS_ADRERR$"],
    },
    # The atlas: every branch of do_page_fault (README, "Fault paths on arm64").
    # A store to a read-only mapping, an instruction fetch from one without
    # PROT_EXEC: refused on the VMA's flags, before handle_mm_fault.
    "bad-access-write": {
        "no_pcc": True,
        "order": ["do_mem_abort", "lock_vma_under_rcu", "arm64_force_sig_fault"],
        "absent": ["handle_mm_fault", "lock_mm_and_find_vma"],
        "user": [r"^SIGSEGV SEGV_ACCERR$"],
    },
    "bad-access-exec": {
        "no_pcc": True,
        "order": ["do_mem_abort", "lock_vma_under_rcu", "arm64_force_sig_fault"],
        "absent": ["handle_mm_fault", "lock_mm_and_find_vma"],
        "user": [r"^SIGSEGV SEGV_ACCERR$"],
    },
    # No VMA: not under the per-VMA lock, not under mmap_lock either.
    "bad-map": {
        "no_pcc": True,
        "order": ["do_mem_abort", "lock_vma_under_rcu", "lock_mm_and_find_vma",
                  "arm64_force_sig_fault"],
        "absent": ["handle_mm_fault"],
        "user": [r"^SIGSEGV SEGV_MAPERR$"],
    },
    # An instruction abort on a cached page: fault-around maps it.
    "exec": {
        "order": ["el0_ia", "do_mem_abort", "do_page_fault", "handle_mm_fault", "do_read_fault",
                  "do_fault_around", "pcc_map_pages"],
        "absent": ["pcc_fault", "pcc_page_mkwrite"],
        "events": {"pcc_map_pages": r"flags=\S*INSTRUCTION\S* mapped=1 ret=NOPAGE"},
        "user": [r"returned 42$"],
    },
    # Without ->map_pages, ->fault cannot run under the per-VMA lock
    # (vmf_can_call_fault): RETRY, then the same fault under mmap_lock.
    "vma-lock-fallback": {
        "order": ["do_page_fault", "handle_mm_fault", "do_read_fault", "__do_fault", "pcc_fault"],
        "absent": ["pcc_map_pages", "do_fault_around"],
        "events": {"pcc_fault": r"flags=(?!\S*VMA_LOCK)\S+ cache=miss .*ret=LOCKED"},
        "graph_children": {
            "do_mem_abort": ["lock_vma_under_rcu", "handle_mm_fault", "lock_mm_and_find_vma",
                             "handle_mm_fault"],
        },
    },
    # pcc's allocation fails (fail_page_alloc): VM_FAULT_OOM,
    # pagefault_out_of_memory(), back to user space, the access again.
    "oom": {
        "order": ["do_page_fault", "handle_mm_fault", "do_read_fault", "__do_fault", "pcc_fault"],
        "absent": ["pcc_page_mkwrite"],
        "events": {"pcc_fault": [r"cache=none .*ret=OOM", r"cache=miss .*ret=LOCKED"]},
        "graph_children": {
            "do_mem_abort": ["handle_mm_fault", "pagefault_out_of_memory", "handle_mm_fault"],
        },
        "user": [r"^survived: read 0 after the retry$"],
    },
    # A new mapping of a page lost to a memory error: pcc says HWPOISON,
    # the kernel sends SIGBUS with BUS_MCEERR_AR.
    "hwpoison": {
        "order": ["do_page_fault", "handle_mm_fault", "do_read_fault", "__do_fault", "pcc_fault",
                  "arm64_force_sig_mceerr"],
        "absent": ["pcc_page_mkwrite", "finish_fault"],
        "events": {"pcc_fault": r"cache=none .*ret=HWPOISON"},
        "user": [r"^madvise\(MADV_HWPOISON\) = 0, then SIGBUS BUS_MCEERR_AR$",
                 r"^SIGBUS BUS_MCEERR_AR si_addr_lsb=12$",
                 r"^read\(\) of the page: -1 \(Input/output error\)$"],
    },
    # The kernel's own access to a user buffer (copy_to_user in read()):
    # an EL1 abort, served like a user one, without FAULT_FLAG_USER.
    "kernel-uaccess": {
        "order": ["el1h_64_sync_handler", "do_mem_abort", "do_page_fault", "handle_mm_fault",
                  "do_shared_fault", "__do_fault", "pcc_fault", "do_page_mkwrite",
                  "pcc_page_mkwrite"],
        "absent": ["el0_da"],
        "events": {"pcc_fault": r"flags=(?!\S*USER)\S*WRITE\S* cache=miss .*ret=LOCKED"},
        "user": [r"= 4096$"],
    },
    # The same, past capacity: pcc's SIGBUS in kernel mode is no_context:
    # the exception table ends the copy, write() returns what it copied.
    "kernel-no-context": {
        "order": ["do_mem_abort", "do_page_fault", "handle_mm_fault", "do_read_fault", "__do_fault",
                  "pcc_fault"],
        "absent": ["arm64_force_sig_fault", "el0_da"],
        "events": {"pcc_fault": [r"flags=(?!\S*USER)\S+ cache=miss .*ret=LOCKED",
                                 r"flags=(?!\S*USER)\S+ cache=none .*ret=SIGBUS"]},
        # The copy's fixup tries one byte more before giving up: a second
        # fault on the page past capacity, also ended by the exception table.
        "graph_children": {"do_mem_abort": ["handle_mm_fault", "__do_kernel_fault",
                                            "handle_mm_fault", "__do_kernel_fault"],
                           "__do_kernel_fault": ["fixup_exception"]},
        "user": [r"= 4096$"],
    },
    # A fault with page faults disabled (futex_get_value_locked): no_context
    # without handle_mm_fault; futex's get_user() then faults normally.
    "kernel-pagefault-disabled": {
        "order": ["futex_wait_setup", "do_mem_abort", "do_page_fault", "handle_mm_fault",
                  "do_read_fault", "__do_fault", "pcc_fault"],
        "absent": ["arm64_force_sig_fault"],
        "events": {"pcc_fault": r"flags=(?!\S*USER)\S+ cache=miss .*ret=LOCKED"},
        "graph_children": {"do_mem_abort": ["__do_kernel_fault", "handle_mm_fault"],
                           "__do_kernel_fault": ["fixup_exception"]},
        "user": [r"= -1 \(Resource temporarily unavailable\)$"],
    },
    # Faults without do_page_fault: get_user_pages() on behalf of a syscall.
    "gup-populate": gup_check(["__mm_populate", "populate_vma_page_range"]),
    "gup-mlock": gup_check(["__mm_populate", "populate_vma_page_range"]),
    "gup-madvise-read": gup_check(["faultin_page_range"]),
    "gup-madvise-write": gup_check(["faultin_page_range"], write=True),
    "gup-remote-read": gup_check(["mem_rw", "__access_remote_vm"], remote=True, user=r"= 16$"),
    "gup-remote-write": gup_check(["mem_rw", "__access_remote_vm"], write=True, remote=True,
                                  user=r"= 6$"),
    # The fault-around window: the kernel's, cut at the VMA's start and
    # end, and at the end of a page table; fault_around_bytes sets its size.
    "fault-around-vma": {
        "order": ["do_read_fault", "do_fault_around", "pcc_map_pages"],
        "absent": ["pcc_fault"],
        "events": {"pcc_map_pages": [r"pgoff=0-15 .* mapped=16 ret=NOPAGE",
                                     r"pgoff=8-19 .* mapped=4 ret=NOPAGE"]},
    },
    "fault-around-table": {
        "order": ["do_read_fault", "do_fault_around", "pcc_map_pages"],
        "absent": ["pcc_fault"],
        "events": {"pcc_map_pages": [r"pgoff=0-7 .* mapped=8 ret=NOPAGE",
                                     r"pgoff=8-23 .* mapped=16 ret=NOPAGE"]},
    },
    # One page: no fault-around at all; ->fault finds the page cached.
    "fault-around-4k": {
        "order": ["do_read_fault", "__do_fault", "pcc_fault", "finish_fault"],
        "absent": ["pcc_map_pages", "do_fault_around"],
        "events": {"pcc_fault": r"cache=hit .*ret=LOCKED"},
    },
    "fault-around-64k": {
        "order": ["do_read_fault", "do_fault_around", "pcc_map_pages"],
        "absent": ["pcc_fault"],
        "events": {"pcc_map_pages": r"pgoff=0-15 .* mapped=16 ret=NOPAGE"},
    },
    # The page a readahead window marked (PG_readahead), which fault-around
    # leaves unmapped: pcc's ->fault finds it cached, gives up the fault
    # lock and reads the next window ahead (page_cache_async_ra, as
    # do_async_mmap_readahead), and retries; the retry under mmap_lock maps
    # the page, its mark cleared, through fault-around (ret=NOPAGE). It is
    # not TRIED: do_page_fault sets that after a VMA-locked pass only for
    # VM_FAULT_MAJOR.
    "readahead-async": {
        "order": ["do_page_fault", "handle_mm_fault", "do_read_fault", "__do_fault", "pcc_fault"],
        "absent": ["pcc_page_mkwrite", "pcc_page_cache_read_around"],
        "events": {"pcc_fault": r"flags=\S*VMA_LOCK\S* cache=hit .*ret=RETRY$",
                   "pcc_map_pages": r"flags=(?!\S*VMA_LOCK)(?!\S*TRIED)\S+ mapped=[1-9]\d* ret=NOPAGE"},
        "graph_children": {
            "do_mem_abort": ["lock_vma_under_rcu", "handle_mm_fault", "lock_mm_and_find_vma",
                             "handle_mm_fault"],
            "__do_fault": ["pcc_release_fault_lock", "pcc_page_cache_async_ra"],
            "pcc_page_cache_async_ra": ["page_cache_async_ra"],
            "read_pages": ["pcc_readahead"],
            "pcc_readahead": ["pcc_read_alloc", "pcc_read_submit"],
        },
    },
    # MADV_WILLNEED on pages only the store holds: madvise_willneed gives
    # up mmap_lock and calls vfs_fadvise, whose generic_fadvise reads the
    # range through force_page_cache_ra -> page_cache_ra_unbounded ->
    # read_pages -> pcc's ->readahead, one store read for the run; no
    # fault. (pcc-scenario roots the graph at vfs_fadvise for this run.)
    "willneed": {
        # (x86_64 tail-calls generic_fadvise from vfs_fadvise: no
        # vfs_fadvise frame in its stacks.)
        "order": ["madvise_willneed", "generic_fadvise", "page_cache_ra_unbounded", "read_pages",
                  "pcc_readahead"],
        "absent": ["handle_mm_fault", "pcc_fault"],
        "events": {"pcc_readahead": r"^pcc_readahead: pgoff=0-7 read=8 zeroed=0$"},
        "graph_children": {
            "vfs_fadvise": ["generic_fadvise"],
            "read_pages": ["pcc_readahead"],
            "pcc_readahead": ["pcc_read_alloc", "pcc_read_submit"],
        },
        "user": [r"^madvise\(MADV_WILLNEED\) = 0$"],
    },
    # fsync with pages 0-3 and 6 dirty: vfs_fsync_range calls pcc's fsync,
    # which writes each run in one store write (pcc_file_bvec_write:
    # two), then saves the bitmap and syncs the store (vfs_fsync). The
    # graph is rooted at the syscall's entry (vfs_fsync_range is inlined
    # into it), named as each architecture names it (X86_NAMES,
    # ARM_NAMES); pcc's Rust is not traced, so its C calls are the entry's.
    "fsync": {
        "order": ["__arm64_sys_fsync", "pcc_writeback"],
        "absent": ["handle_mm_fault", "pcc_fault"],
        "events": {"pcc_writeback": r"^pcc_writeback: cleaned=5$"},
        "graph_children": {
            "__arm64_sys_fsync": ["pcc_file_bvec_write", "pcc_file_bvec_write", "vfs_fsync"],
        },
        "user": [r"^fsync = 0$"],
    },
    # Three dirty pages, written by the kernel's flusher after
    # dirty_expire_centisecs with no call of the program's: in a kworker
    # (the one capture of another task than the program's: "all_tasks"),
    # wb_workfn -> wb_writeback -> writeback_sb_inodes ->
    # __writeback_single_inode -> do_writepages -> pcc's ->writepages,
    # which writes the run in one store write.
    "flusher-writeback": {
        "all_tasks": True,
        "order": ["wb_workfn", "wb_writeback", "__writeback_single_inode", "do_writepages",
                  "pcc_writepages", "pcc_writeback"],
        "absent": ["handle_mm_fault", "pcc_fault"],
        "events": {"pcc_writeback": r"^pcc_writeback: cleaned=3$"},
        "graph_children": {
            "do_writepages": ["pcc_writepages"],
            "pcc_writepages": ["pcc_file_bvec_write", "vfs_fsync"],
        },
        "user": [r"^pages written back by the flusher: 3$"],
    },
    # Killed while the fault reads the store: RETRY with a fatal signal
    # pending ends the fault; it is not retried under mmap_lock.
    "fatal-retry": {
        "order": ["do_page_fault", "handle_mm_fault", "do_read_fault", "__do_fault", "pcc_fault"],
        "absent": ["pcc_page_mkwrite"],
        "events": {"pcc_fault": r"cache=read .*ret=MAJOR\|RETRY"},
        "graph_children": {
            "do_mem_abort": ["lock_vma_under_rcu", "handle_mm_fault"],
            **READ_AROUND,
        },
        "graph_absent": {"do_mem_abort": ["lock_mm_and_find_vma"]},
        "user_absent": [r"not killed"],
    },
    # huge=always. The first read, nothing cached and the THP switch at
    # "madvise" without MADV_HUGEPAGE: no ->huge_fault; ->fault returns a
    # page of a new PMD-sized folio and finish_fault maps it by one PMD
    # (do_set_pmd). The next two, through a mapping with MADV_HUGEPAGE:
    # __handle_mm_fault's create_huge_pmd (inlined) calls ->huge_fault,
    # which maps the cached folio, then a new one of zeros for the next
    # 2 MiB (vmf_insert_folio_pmd), and nothing else runs. (The tree
    # merges the faults: create_huge_pmd comes after the first's
    # handle_pte_fault under __handle_mm_fault.)
    "huge-read": {
        "order": ["do_page_fault", "handle_mm_fault", "do_read_fault", "__do_fault", "pcc_fault",
                  "finish_fault", "create_huge_pmd", "pcc_huge_fault"],
        "absent": ["pcc_page_mkwrite"],
        "events": {"pcc_fault": r"pgoff=0 .*cache=miss .*ret=LOCKED",
                   "pcc_huge_fault": [r"pgoff=1 .*flags=(?!\S*WRITE)\S+ ret=NOPAGE",
                                      r"pgoff=512 .*flags=(?!\S*WRITE)\S+ ret=NOPAGE"]},
        "graph_children": {"finish_fault": ["do_set_pmd"]},
    },
    # A store to a PMD mapped read-only in a shared mapping: wp_huge_pmd
    # calls ->huge_fault with WRITE,
    # whatever the switch says; no ->page_mkwrite, no split, no ->fault.
    "huge-write-notify": {
        "order": ["do_page_fault", "handle_mm_fault", "wp_huge_pmd", "pcc_huge_fault"],
        "absent": ["pcc_fault", "pcc_page_mkwrite", "do_wp_page", "do_shared_fault"],
        "events": {"pcc_huge_fault": r"flags=\S*WRITE\S* ret=NOPAGE"},
    },
    # MADV_HUGEPAGE on a mapping one page off its offsets: the fault path
    # calls ->huge_fault (it leaves the alignment check to the handler),
    # which falls back; do_read_fault goes on at PTE level, and ->fault
    # allocates one page (no PMD could ever map a folio there).
    "huge-fallback": {
        "order": ["do_page_fault", "handle_mm_fault", "create_huge_pmd", "pcc_huge_fault",
                  "handle_pte_fault", "do_read_fault", "__do_fault", "pcc_fault", "finish_fault"],
        "absent": ["pcc_page_mkwrite", "do_set_pmd"],
        "events": {"pcc_huge_fault": r"ret=FALLBACK", "pcc_fault": r"cache=miss .*ret=LOCKED"},
    },
    # MADV_DONTNEED of one page of a PMD: the kernel splits the PMD, which
    # for a file zaps it whole (split_huge_pmd_locked clears it and
    # removes the folio's PMD rmap: no PTEs are made); the folio stays
    # cached whole, and the next read maps all 512 pages by one PMD from
    # fault-around (filemap_map_pages -> filemap_map_pmd -> do_set_pmd),
    # no ->fault.
    "huge-split": {
        "order": ["do_page_fault", "handle_mm_fault", "do_read_fault", "do_fault_around",
                  "pcc_map_pages"],
        "absent": ["pcc_fault", "pcc_huge_fault"],
        "events": {"pcc_map_pages": r"mapped=512 ret=NOPAGE"},
        "graph_children": {"__split_huge_pmd": ["split_huge_pmd_locked"],
                           "split_huge_pmd_locked": ["pmdp_huge_clear_flush",
                                                     "folio_remove_rmap_pmd"]},
        "user": [r"^madvise\(MADV_DONTNEED\) = 0$"],
    },
}


# x86_64: the same checks, with each arm64 frame named as x86 names it
# (None: no x86 counterpart in the stack; the check is dropped there), then
# X86_CHECKS' per-scenario keys replace the translated ones where the two
# paths really differ.
X86_NAMES = {
    # The exception entry: arm64 enters through el0_da/el0_ia (from user
    # space) or el1h_64_sync_handler (from the kernel); x86 through
    # asm_exc_page_fault for both (assembly: named from the symbol table).
    "el0_da": "asm_exc_page_fault",
    "el0_ia": "asm_exc_page_fault",
    "el1h_64_sync_handler": "asm_exc_page_fault",
    "do_mem_abort": "exc_page_fault",
    "do_page_fault": "do_user_addr_fault",
    "arm64_force_sig_fault": "force_sig_fault",
    "arm64_force_sig_mceerr": "force_sig_mceerr",
    "__do_kernel_fault": "kernelmode_fixup_or_oops",
    "__arm64_sys_fsync": "__x64_sys_fsync",
}
# In "absent" lists an arm64 entry frame says "not from user space"; x86
# enters through asm_exc_page_fault either way (pcc's flags without USER
# say it there), so the check is dropped.
X86_ENTRY = {"el0_da", "el0_ia"}
X86_CHECKS = {
    # x86's access_error() does not look at VM_EXEC for a page that is not
    # present: the first fetch is served like a read (pcc's map_pages and
    # fault run, the PTE is NX), and the fetch again faults with PROT|INSTR,
    # which access_error() refuses: SEGV_ACCERR after pcc, not before.
    "bad-access-exec": {
        "order": ["asm_exc_page_fault", "exc_page_fault", "do_user_addr_fault", "handle_mm_fault",
                  "do_read_fault", "__do_fault", "pcc_fault", "exc_page_fault",
                  "lock_vma_under_rcu", "bad_area_access_error", "__bad_area_nosemaphore"],
        "absent": ["lock_mm_and_find_vma", "pcc_page_mkwrite"],
        "events": {"pcc_fault": r"flags=\S*INSTRUCTION\S* cache=miss .*ret=LOCKED"},
        "user": [r"^SIGSEGV SEGV_ACCERR$"],
    },
    # One fault past capacity: do_sigbus() in kernel mode goes to the
    # exception table (no byte-more retry as arm64's copy does).
    "kernel-no-context": {
        "graph_children": {"exc_page_fault": ["lock_mm_and_find_vma", "handle_mm_fault",
                                              "lock_mm_and_find_vma", "handle_mm_fault",
                                              "do_sigbus"],
                           "do_sigbus": ["kernelmode_fixup_or_oops"],
                           "kernelmode_fixup_or_oops": ["fixup_exception"]},
    },
    # Faults disabled: bad_area_nosemaphore(), then the exception table.
    "kernel-pagefault-disabled": {
        "graph_children": {"exc_page_fault": ["bad_area_nosemaphore", "handle_mm_fault"],
                           "__bad_area_nosemaphore": ["kernelmode_fixup_or_oops"],
                           "kernelmode_fixup_or_oops": ["fixup_exception"]},
    },
    # folio_wait_writeback() is a call here, not inlined.
    "mkwrite-under-writeback": {
        "graph_children": {"folio_wait_stable": ["folio_wait_writeback"],
                           "folio_wait_writeback": ["folio_wait_bit"],
                           "folio_wait_bit": ["io_schedule"]},
    },
}


# 32-bit ARM: the same, with each arm64 frame named as arch/arm names it,
# then ARM_CHECKS where the paths really differ.
ARM_NAMES = {
    # The exception entry (assembly, named from the symbol table): a data
    # abort from user space, an instruction (prefetch) abort from user
    # space, a data abort from the kernel.
    "el0_da": "__dabt_usr",
    # __pabt_usr calls do_PrefetchAbort with ret_from_exception as its
    # return address (arch/arm/kernel/entry-armv.S): the frame is named so.
    "el0_ia": "ret_from_exception",
    "el1h_64_sync_handler": "__dabt_svc",
    # arch/arm/mm/fault.c: do_DataAbort calls the handler of the fault
    # status (do_page_fault, or do_translation_fault, which calls it);
    # both are __kprobes, hence notrace: seen only in the stacks.
    "do_mem_abort": "do_DataAbort",
    # __do_user_fault (inlined) sends the signal.
    "arm64_force_sig_fault": "force_sig_fault",
    # No MEMORY_FAILURE on 32-bit ARM.
    "arm64_force_sig_mceerr": None,
    # No syscall wrappers.
    "__arm64_sys_fsync": "sys_fsync",
}
# The scenarios an architecture cannot run, with the reason (TAP says it).
NO_THP = "32-bit ARM has no transparent huge pages here (they need LPAE): no PMD-sized folio"
UNSUPPORTED = {
    "arm": {"hwpoison": "32-bit ARM has no CONFIG_MEMORY_FAILURE: no page can be poisoned",
            "huge-read": NO_THP, "huge-write-notify": NO_THP, "huge-fallback": NO_THP,
            "huge-split": NO_THP},
}
# On arm the frames come from function_graph (trace_tree.graph_frames):
# only a traced call's caller is known, so the frames above the graph's
# root (futex's, __mm_populate's, mem_rw's) are not there.
ARM_CHECKS = {
    # An instruction fetch enters through do_PrefetchAbort. arm's
    # do_page_fault checks the VMA for VM_EXEC but, unlike arm64's and
    # x86's, does not set FAULT_FLAG_INSTRUCTION (arch/arm/mm/fault.c 377).
    "exec": {
        "order": ["ret_from_exception", "do_PrefetchAbort", "do_page_fault", "handle_mm_fault",
                  "do_read_fault", "do_fault_around", "pcc_map_pages"],
        "events": {"pcc_map_pages": r"flags=(?!\S*INSTRUCTION)\S*USER\S* mapped=1 ret=NOPAGE"},
    },
    "bad-access-exec": {
        "order": ["do_PrefetchAbort", "lock_vma_under_rcu", "force_sig_fault"],
    },
    # folio_wait_writeback() is a call here, not inlined (as on x86_64).
    "mkwrite-under-writeback": X86_CHECKS["mkwrite-under-writeback"],
    # Two faults under mmap_lock (a kernel-mode fault skips the per-VMA
    # lock): the last page, then past capacity, ended by the exception
    # table. arm's copy fixup (arch/arm/lib/copy_from_user.S) returns at
    # the first fault: no byte-more retry as arm64's.
    "kernel-no-context": {
        "graph_children": {"do_DataAbort": ["lock_mm_and_find_vma", "handle_mm_fault",
                                            "lock_mm_and_find_vma", "handle_mm_fault",
                                            "__do_kernel_fault"],
                           "__do_kernel_fault": ["fixup_exception"]},
    },
    "kernel-pagefault-disabled": {
        "order": ["__dabt_svc", "do_DataAbort", "do_page_fault", "handle_mm_fault",
                  "do_read_fault", "__do_fault", "pcc_fault"],
    },
    "gup-populate": gup_check(["populate_vma_page_range"]),
    "gup-mlock": gup_check(["populate_vma_page_range"]),
    "gup-remote-read": gup_check(["get_user_pages_remote"], remote=True, user=r"= 16$"),
    "gup-remote-write": gup_check(["get_user_pages_remote"], write=True, remote=True, user=r"= 6$"),
}
# Per architecture: its frame names, the arm64 entry frames its "absent"
# lists leave out, and its own checks.
ARCH_NAMES = {"x86_64": (X86_NAMES, X86_ENTRY, X86_CHECKS), "arm": (ARM_NAMES, set(), ARM_CHECKS)}


def for_arch(check, arch):
    """One check as it applies on `arch`: arm64's frames named as `arch`
    names them."""
    if arch == "arm64":
        return check
    table, entry, _ = ARCH_NAMES[arch]

    def names(lst):
        out = []
        for n in lst:
            n = table.get(n, n)
            if n is not None:
                out.append(n)
        return out
    c = dict(check)
    if "order" in c:
        c["order"] = names(c["order"])
    if "absent" in c:
        c["absent"] = names(n for n in c["absent"] if n not in entry)
    for k in ("graph_children", "graph_absent"):
        if k in c:
            c[k] = {table.get(p, p): names(v) for p, v in c[k].items()}
    return c


def checks(arch):
    """{name: check} as they apply on `arch`, without the scenarios it
    cannot run (unsupported())."""
    skip = UNSUPPORTED.get(arch, {})
    if arch == "arm64":
        return {s: c for s, c in CHECKS.items() if s not in skip}
    own = ARCH_NAMES[arch][2]
    return {s: {**for_arch(c, arch), **own.get(s, {})} for s, c in CHECKS.items() if s not in skip}


def unsupported(arch):
    """{name: why} of the scenarios `arch` cannot run."""
    return dict(UNSUPPORTED.get(arch, {}))


def main():
    args = sys.argv[1:]
    if args == ["--names"]:
        print(" ".join(NAMES))
        return 0
    if args[:1] == ["--rows"]:
        skip = UNSUPPORTED.get(os.environ.get("ARCH", "arm64"), {})
        for name in args[1:] or NAMES:
            if name not in BY_NAME:
                sys.exit(f"scenarios.py: no scenario '{name}'; the scenarios are: {' '.join(NAMES)}")
            if name in skip:
                continue
            _, _, params, want = BY_NAME[name]
            print(f"{name}|{params}|{want}")
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
