#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The one table of make trace's scenarios (tools/pcc-scenario NAME).

Each row: the name, the title of its section in
Documentation/fault-paths.md ("### <title> (`<name>`)"), pcc's module
parameters, fault_around_bytes ("" for the kernel's default), and the exit
status the program must end with. What each capture must show is
scripts/trace_tree.py's CHECKS, keyed by the same names.

Read by: scripts/trace.sh and scripts/check.sh (which scenarios there are,
and their settings for scripts/guest/trace.job), scripts/trace_tree.py
(the checks, and that each scenario has its section), scripts/trace_doc.py
(make docs).

Usage: scenarios.py --names          the names, in order
       scenarios.py --job NAME...    the rows trace.job reads, "name|params|fab|exit"
"""
import sys

# The store scenarios: a fresh store on /dev/vda with a slow disk, so that
# a read or a writeback is in flight long enough to wait on.
STORE = "backing=/dev/vda io_delay_us=200000"

SCENARIOS = [
    # name, title, module parameters, fault_around_bytes, exit status
    ("cold-read", "Read of an uncached page", "", "", 0),
    ("fault-around", "Read with the neighbours cached", "", "", 0),
    ("shared-first-store", "First store to a shared page", "", "", 0),
    ("shared-store-after-read", "Store after a read", "", "", 0),
    ("private-store", "Store to a private mapping", "", "", 0),
    ("major-fault", "Read of a page only the store holds", STORE, "", 0),
    ("evict-refault", "Read after eviction", STORE, "", 0),
    ("mkwrite-under-writeback", "Store to a page under writeback", STORE, "", 0),
    ("sigbus", "Access past capacity", "", "", 0),
    ("bad-access-write", "Store to a read-only mapping", "", "", 0),
    ("bad-access-exec", "Call into a mapping without `PROT_EXEC`", "", "", 0),
    ("bad-map", "Access after munmap", "", "", 0),
    ("exec", "Execute from pcc", "", "", 0),
    # Without ->map_pages, ->fault cannot run under the per-VMA lock.
    ("vma-lock-fallback", "Per-VMA lock falling back to mmap_lock", "fault_around=0", "", 0),
    ("oom", "Allocation failure", "", "", 0),
    ("hwpoison", "Hardware poison", "", "", 0),
    ("kernel-uaccess", "A read() into an unpopulated mapping", "", "", 0),
    ("kernel-no-context", "A copy running past capacity", "", "", 0),
    ("kernel-pagefault-disabled", "A fault with page faults disabled", "", "", 0),
    ("gup-populate", "MAP_POPULATE", "", "", 0),
    ("gup-mlock", "mlock", "", "", 0),
    ("gup-madvise-read", "MADV_POPULATE_READ", "", "", 0),
    ("gup-madvise-write", "MADV_POPULATE_WRITE", "", "", 0),
    ("gup-remote-read", "Another process's mapping, read", "", "", 0),
    ("gup-remote-write", "Another process's mapping, written", "", "", 0),
    ("fault-around-vma", "The window moved to the VMA, then cut at its end", "", "", 0),
    ("fault-around-table", "The window cut at a page table's end", "", "", 0),
    ("fault-around-4k", "fault_around_bytes = 4096", "", "4096", 0),
    ("fault-around-64k", "fault_around_bytes = 65536", "", "65536", 0),
    # Killed (SIGKILL, 128 + 9) while its fault waits for the store.
    ("fatal-retry", "A fatal signal during a retry", STORE, "", 137),
]
NAMES = [row[0] for row in SCENARIOS]
BY_NAME = {row[0]: row for row in SCENARIOS}


def main():
    args = sys.argv[1:]
    if args == ["--names"]:
        print(" ".join(NAMES))
        return 0
    if args[:1] == ["--job"]:
        for name in args[1:] or NAMES:
            if name not in BY_NAME:
                sys.exit(f"scenarios.py: no scenario '{name}'; the scenarios are: {' '.join(NAMES)}")
            _, _, params, fab, want = BY_NAME[name]
            print(f"{name}|{params}|{fab}|{want}")
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
