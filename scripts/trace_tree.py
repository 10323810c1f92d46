#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn pcc's ftrace captures into fault-path trees, and check them.

Input: a guest log holding, per scenario, the trace buffer between
    PCC-TRACE-BEGIN <scenario> ... PCC-TRACE-END <scenario>
(function_graph rooted at do_mem_abort, pcc's events, and a kernel stack
trace at each pcc event, symbols with +offset).

For every pcc event, its stack is decoded with the test kernel's DWARF
(llvm-symbolizer --inlining on symbol + offset - 4, the call site), which brings
back the frames the compiler inlined. The chains of all events are merged
into one tree, outermost frame (the arm64 exception entry) first. Then the
calls function_graph recorded after pcc's last callback returned (e.g.
finish_fault -> set_pte_range, or the SIGBUS delivery) are hung where they
were made. Every frame comes from the capture; none from a list.

Usage: trace_tree.py LOG VMLINUX OUTDIR [--check]
  writes OUTDIR/<scenario>.tree and OUTDIR/<scenario>.graph, prints the
  trees; with --check, prints TAP results of the key-frame checks instead
  (framed for tap_summary.py) and exits 1 on any failure.
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trace_common import X86_FAULT_CALLEES, Dwarf, demangle, elf_arch, print_tap  # noqa: E402
import scenarios  # noqa: E402


GRAPH = re.compile(r"^\s*\d+\)\s.{0,16}?\|(?P<body>.*)$")
STACK = re.compile(r"^\s*=> (?P<sym>[^\s+]+)\+0x(?P<off>[0-9a-f]+)/0x[0-9a-f]+(?: \[(?P<mod>\w+)\])?")
EVENT = re.compile(r"/\* (?P<name>pcc_\w+): (?P<text>.*) \*/")
# What user space saw, written by pcc-scenario to trace_marker.
USER = re.compile(r"/\* pcc-user: (?P<text>.*?) ?\*/")
CALL = re.compile(r"^(?P<name>[\w.$]+)(?: \[(?P<mod>\w+)\])?\(\)\s*(?P<open>\{)?;?")

# Where the calls made after pcc's last callback may come from; anything
# else under handle_mm_fault (locking, accounting, sanitizers) is not part
# of the path being shown.
PATH_SOURCES = re.compile(r"^(mm/(?!kasan/|kmsan/|debug)[^/]+\.c|arch/arm64/mm/.*|"
                          r"arch/arm64/kernel/traps\.c|arch/x86/mm/.*|kernel/signal\.c)$")

# What differs between the architectures, found from vmlinux's ELF header.
#   entry: the function_graph node that holds one fault's calls. arm64's
#     do_mem_abort is traced; x86_64's exc_page_fault is noinstr, so
#     parse() makes that node itself: from an exceptions:page_fault_user
#     (or _kernel) event to the first top-level call that is not one of
#     do_user_addr_fault's callees (trace.job roots the graph at those).
# (How far back of a return address the call is: trace_common.Dwarf.)
ARCHS = {
    "arm64": {"entry": "do_mem_abort"},
    "x86_64": {"entry": "exc_page_fault", "callees": set(X86_FAULT_CALLEES)},
}
A = ARCHS["arm64"]
X86_FAULT = re.compile(r"/\* page_fault_(?P<mode>user|kernel): (?P<text>.*) \*/")


# A read of a page only the store holds (pcc loaded with backing=). The
# first pass starts the read, drops the fault lock and returns RETRY|MAJOR;
# do_page_fault retries under the mmap lock with TRIED, and fault-around
# maps the page the read brought in. do_mem_abort's own calls show both
# passes.
STORE_READ = {
    "order": ["do_page_fault", "handle_mm_fault", "do_read_fault", "__do_fault", "pcc_fault"],
    "absent": ["pcc_page_mkwrite"],
    "events": {"pcc_fault": r"cache=read .*ret=MAJOR\|RETRY",
               "pcc_map_pages": r"flags=\S*TRIED\S* .*mapped=1 "},
    "graph_children": {
        # The first pass under the per-VMA lock, the retry under mmap_lock.
        "do_mem_abort": ["lock_vma_under_rcu", "handle_mm_fault", "lock_mm_and_find_vma",
                         "handle_mm_fault"],
        # In the first pass pcc gives up the fault lock, then sleeps on the folio.
        "__do_fault": ["pcc_release_fault_lock", "pcc_folio_wait_locked_killable"],
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
    # Killed while the fault waits for the store: RETRY with a fatal
    # signal pending ends the fault; it is not retried under mmap_lock.
    "fatal-retry": {
        "order": ["do_page_fault", "handle_mm_fault", "do_read_fault", "__do_fault", "pcc_fault"],
        "absent": ["pcc_page_mkwrite"],
        "events": {"pcc_fault": r"cache=read .*ret=MAJOR\|RETRY"},
        "graph_children": {
            "do_mem_abort": ["lock_vma_under_rcu", "handle_mm_fault"],
            "__do_fault": ["pcc_release_fault_lock", "pcc_folio_wait_locked_killable"],
        },
        "graph_absent": {"do_mem_abort": ["lock_mm_and_find_vma"]},
        "user_absent": [r"not killed"],
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


def for_arch(check, arch):
    if arch == "arm64":
        return check
    def names(lst):
        out = []
        for n in lst:
            n = X86_NAMES.get(n, n)
            if n is not None:
                out.append(n)
        return out
    c = dict(check)
    if "order" in c:
        c["order"] = names(c["order"])
    if "absent" in c:
        c["absent"] = names(n for n in c["absent"] if n not in X86_ENTRY)
    for k in ("graph_children", "graph_absent"):
        if k in c:
            c[k] = {X86_NAMES.get(p, p): names(v) for p, v in c[k].items()}
    return c


class Node:
    def __init__(self, name, tag=""):
        self.name, self.tag, self.children = name, tag, []

    def child(self, name, tag=""):
        for c in self.children:
            if c.name == name and c.tag == tag:
                return c
        c = Node(name, tag)
        self.children.append(c)
        return c


def blocks(log):
    """Yield (scenario, lines) for each captured trace."""
    cur, lines = None, []
    for line in open(log, errors="replace").read().splitlines():
        line = line.rstrip("\r")
        if line.startswith("PCC-TRACE-BEGIN "):
            cur, lines = line.split()[1], []
        elif line.startswith("PCC-TRACE-END ") and cur:
            yield cur, lines
            cur = None
        elif cur:
            lines.append(line)


class GNode:
    """A call (or event) recorded by function_graph."""

    def __init__(self, name, mod, seq, parent, event=False):
        self.name, self.mod, self.seq, self.parent, self.event = name, mod, seq, parent, event
        self.children = []
        if parent:
            parent.children.append(self)

    def ancestor(self, name):
        n = self.parent
        while n and n.name != name:
            n = n.parent
        return n


def parse(lines):
    """Events with their stacks, and the function_graph as a tree.

    Returns (events, graph_root, users): events = [(name, text, frames,
    gnode)], frames innermost first as (sym, off, mod); users = what user
    space saw (pcc-user markers).
    """
    events, seq, users = [], 0, []
    root = GNode("(graph)", None, 0, None)
    cur = root
    fault = None  # x86_64: the exc_page_fault node being filled
    for line in lines:
        u = USER.search(line)
        if u:
            users.append(u["text"].strip())
            continue
        m = STACK.match(line)
        if m:
            if events:
                events[-1][2].append((m["sym"], int(m["off"], 16), m["mod"]))
            continue
        m = GRAPH.match(line)
        if not m:
            continue
        body = m["body"].strip()
        seq += 1
        e = EVENT.search(body)
        if e:
            events.append((e["name"], e["text"], [], GNode(e["name"], None, seq, cur, True)))
            continue
        x = X86_FAULT.search(body) if "callees" in A else None
        if x and cur in (root, fault):
            fault = GNode(A["entry"], None, seq, root)
            fault.mode = x["mode"]
            cur = root
            continue
        if body.startswith("}"):
            cur = cur.parent or root
            if cur is fault:
                cur = root
            continue
        c = CALL.match(body)
        if c:
            parent = cur
            if cur is root and fault is not None:
                if c["name"] in A["callees"]:
                    parent = fault
                else:
                    fault = None
            node = GNode(c["name"], c["mod"], seq, parent)
            if c["open"]:
                cur = node
    return events, root, users


class Symbols(Dwarf):
    """vmlinux's DWARF (trace_common.Dwarf), in the shapes this decoder uses."""

    def decode(self, queries):
        """{(sym, off): [(func, file), ...] innermost first} for call sites."""
        self.load_sites(queries)
        return {k: [(fn, path) for fn, path, _ in self.sites[k]] for k in queries if k in self.sites}

    def source_of(self, names):
        """{name: source file} of each function, from DWARF."""
        self.load_files(names)
        return {n: self.files[n] for n in names if self.files.get(n)}


def build(events, graph, syms):
    """The merged tree of one scenario, and the key sequence (depth first)."""
    kernel_sites = {(s, o) for (_, _, fr, _) in events for (s, o, m) in fr if not m}
    decoded = syms.decode(sorted(kernel_sites))
    rust = demangle(sorted({s for (_, _, fr, _) in events for (s, o, m) in fr
                            if m and s.startswith("_R")}))
    root = Node("(user space access)")
    where = []  # per event: (k_parent, container, mm_parent)
    for name, text, frames, _ in events:
        chain = []  # outermost first: (name, tag)
        for sym, off, mod in reversed(frames):
            # The tracepoint's own frames (x86 keeps __do_trace_<event> as a
            # function of the module) are not part of the fault path.
            if sym.startswith(("trace_event_raw_event_", "pcc_trace_", "__do_trace_")):
                continue
            if mod:
                chain.append((rust.get(sym, sym), f"[{mod}]"))
                continue
            inl = decoded.get((sym, off)) or [(sym, "")]
            if inl[-1][0] == "??":  # assembly (entry code) has no DWARF name
                inl = [(sym, "")]
            # addr2line: innermost first; the last one is the real function.
            for k, (fn, _) in enumerate(reversed(inl)):
                chain.append((fn, "" if k == 0 else "(inlined)"))
        node, parents = root, []
        for fn, tag in chain:
            parents.append(node)
            node = node.child(fn, tag)
        node.child(f"{name}: {text}", "event")
        # The caller of the deepest kernel frame: where the kernel goes on
        # after pcc's callback returns (e.g. do_read_fault -> finish_fault).
        k_parent = container = mm_parent = None
        kidx = max((i for i, (fn, tag) in enumerate(chain) if not tag.startswith("[")), default=None)
        if kidx is not None:
            k_parent = parents[kidx]
            # The deepest real (not inlined) kernel function above that frame:
            # function_graph shows the calls made after the callback under it.
            container = next((chain[i][0] for i in range(kidx - 1, -1, -1)
                              if chain[i][1] == ""), None)
        for i, (fn, tag) in enumerate(chain):
            if fn == "handle_mm_fault" and not tag:
                mm_parent = parents[i]
        where.append((k_parent, container, mm_parent))

    # Calls recorded by function_graph after pcc's last callback in a fault
    # returned, made by the function that called it (or into which its
    # caller was inlined), or after handle_mm_fault by do_page_fault
    # (notrace, so its calls show under do_mem_abort), with their callees:
    # for the last event of each fault (e.g. both passes of a retried one).
    picks = []
    for i, (_, _, _, last) in enumerate(events):
        abort = last.ancestor(A["entry"])
        if i + 1 < len(events) and abort is not None and \
                events[i + 1][3].ancestor(A["entry"]) is abort:
            continue
        # A fault of get_user_pages() has no entry node (x86 roots its graph
        # at __get_user_pages): the next event in the same handle_mm_fault
        # is the same fault.
        mm = last.ancestor("handle_mm_fault")
        if i + 1 < len(events) and abort is None and mm is not None and \
                events[i + 1][3].ancestor("handle_mm_fault") is mm:
            continue
        k_parent, container, mm_parent = where[i]
        mm = last.ancestor("handle_mm_fault")
        box = last.ancestor(container) if container else None
        if box is not None and k_parent is not None:
            picks += [(g, k_parent) for g in box.children if g.seq > last.seq]
        if abort is not None and mm is not None and mm_parent is not None:
            picks += [(g, mm_parent) for g in abort.children if g.seq > mm.seq and
                      g.name != "handle_mm_fault"]
    src = syms.source_of(sorted(graph_names([g for g, _ in picks], 1) |
                                {g.name for g, _ in picks if not g.mod and not g.event}))
    for g, parent in picks:
        if on_path(g, src):
            path_subtree(parent.child(g.name, "(function_graph)"), g, src, 1)
    return root


def has_event(g):
    return any(c.event or has_event(c) for c in g.children)


def on_path(g, src):
    """Whether function_graph's call g is a kernel function of the fault
    path's sources (src: name -> source file)."""
    return not g.mod and not g.event and PATH_SOURCES.match(src.get(g.name, ""))


def path_subtree(parent, g, src, depth):
    """Hang g's calls from the fault path's sources under parent."""
    for c in g.children:
        if on_path(c, src):
            node = parent.child(c.name, "(function_graph)")
            if depth > 1:
                path_subtree(node, c, src, depth - 1)


def graph_names(nodes, depth):
    names = set()

    def collect(g, d):
        for c in g.children:
            if not c.event and not c.mod:
                names.add(c.name)
                if d > 1:
                    collect(c, d - 1)

    for g in nodes:
        collect(g, depth)
    return names


def add_silent_aborts(root, graph, syms, depth=2):
    """Faults of the same access that reached no pcc callback (e.g. one
    taken with page faults disabled, ended by the exception table before
    handle_mm_fault): shown from function_graph, next to the stacks' own
    do_mem_abort, in the order they happened."""
    aborts = graph_nodes(graph, A["entry"])
    silent = [a for a in aborts if not has_event(a)]
    if not silent or len(silent) == len(aborts):
        return
    stack = [root]
    where = None
    while stack and where is None:
        n = stack.pop(0)
        for i, c in enumerate(n.children):
            if c.name == A["entry"] and not c.tag:
                where = (n, i)
                break
            stack.append(c)
    if where is None:
        return
    parent, idx = where
    first_loud = next(a for a in aborts if has_event(a))
    src = syms.source_of(sorted(graph_names(silent, depth)))
    for a in silent:
        node = Node(A["entry"], "(function_graph: no pcc callback)")
        path_subtree(node, a, src, depth)
        if a.seq < first_loud.seq:
            parent.children.insert(idx, node)
            idx += 1
        else:
            parent.children.append(node)


def build_graph_only(graph, syms, depth=3):
    """A fault that never reaches pcc (refused before handle_mm_fault, or
    served without a pcc callback): do_mem_abort's calls as function_graph
    recorded them, kept to the fault path's sources, `depth` levels deep.
    The first abort only: it is the scenario's access (a signal handler
    that runs next may fault on its own)."""
    root = Node("(user space access)")
    aborts = graph_nodes(graph, A["entry"])[:1]
    src = syms.source_of(sorted(graph_names(aborts, depth)))
    for a in aborts:
        path_subtree(root.child(A["entry"], "(function_graph)"), a, src, depth)
    return root


def add_users(root, users):
    """What user space saw, after the kernel's path."""
    for u in users:
        root.child(f"user space sees: {u}", "user")


def render(node, indent=0, out=None):
    out = [] if out is None else out
    for c in node.children:
        label = c.name if c.tag in ("", "event") else f"{c.name} {c.tag}"
        if c.tag == "event":
            label = "* " + c.name
        elif c.tag == "user":
            label = "=> " + c.name
        out.append("  " * indent + label)
        render(c, indent + 1, out)
    return out


def sequence(node, out=None):
    """Depth-first names: frames by function name, events by event name."""
    out = [] if out is None else out
    for c in node.children:
        out.append(c.name.split(":")[0] if c.tag == "event" else c.name)
        sequence(c, out)
    return out


def event_texts(node, out=None):
    out = [] if out is None else out
    for c in node.children:
        if c.tag == "event":
            out.append(c.name)
        event_texts(c, out)
    return out


def check(scenario, root, graph, users, has_events):
    """(ok, reason) for one scenario."""
    want = CHECKS.get(scenario)
    if not want:
        return False, "no check defined"
    if not has_events and not want.get("no_pcc"):
        return False, "no pcc event captured"
    seq = sequence(root)
    pos = 0
    for key in want["order"]:
        try:
            pos = seq.index(key, pos) + 1
        except ValueError:
            return False, f"'{key}' missing or out of order (seen: {' > '.join(seq)})"
    for key in want["absent"]:
        if key in seq:
            return False, f"'{key}' must not be on this path"
    texts = event_texts(root)
    for ev, pats in want.get("events", {}).items():
        for pat in [pats] if isinstance(pats, str) else pats:
            if not any(t.startswith(ev + ":") and re.search(pat, t) for t in texts):
                return False, f"no {ev} event matching /{pat}/ (events: {texts})"
    for pat in want.get("user", []):
        if not any(re.search(pat, u) for u in users):
            return False, f"user space did not see /{pat}/ (it saw: {users})"
    for pat in want.get("user_absent", []):
        if any(re.search(pat, u) for u in users):
            return False, f"user space must not see /{pat}/ (it saw: {users})"
    for parent, calls in want.get("graph_absent", {}).items():
        kids = [g.name for p in graph_nodes(graph, parent) for g in p.children if not g.event]
        for key in calls:
            if key in kids:
                return False, f"function_graph: {parent} must not call {key} (calls: {kids})"
    for parent, calls in want.get("graph_children", {}).items():
        kids = [g.name for p in graph_nodes(graph, parent) for g in p.children if not g.event]
        pos = 0
        for key in calls:
            try:
                pos = kids.index(key, pos) + 1
            except ValueError:
                return False, f"function_graph: {parent} does not call {' then '.join(calls)} (calls: {kids})"
    return True, " > ".join(want["order"])


def graph_nodes(node, name, out=None):
    """Every function_graph call of `name` under `node`."""
    out = [] if out is None else out
    for c in node.children:
        if c.name == name and not c.event:
            out.append(c)
        graph_nodes(c, name, out)
    return out


def main():
    global A, CHECKS
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    checking = "--check" in sys.argv
    if len(args) != 3:
        sys.exit(__doc__)
    log, vmlinux, outdir = args
    for tool in ("llvm-nm", "llvm-symbolizer", "llvm-cxxfilt"):
        if not shutil.which(tool):
            sys.exit(f"trace_tree.py: {tool} is not on PATH: run it through make (make trace), "
                     "or put the LLVM_BIN of scripts/lib.sh first on PATH")
    arch = elf_arch(vmlinux)
    A = ARCHS[arch]
    if arch != "arm64":
        CHECKS = {s: {**for_arch(c, arch), **X86_CHECKS.get(s, {})} for s, c in CHECKS.items()}
    os.makedirs(outdir, exist_ok=True)
    syms = Symbols(vmlinux, arch)
    seen, results = set(), []
    for scenario, lines in blocks(log):
        seen.add(scenario)
        events, graph, users = parse(lines)
        root = build(events, graph, syms) if events else build_graph_only(graph, syms)
        if events:
            add_silent_aborts(root, graph, syms)
        add_users(root, users)
        tree = render(root)
        with open(os.path.join(outdir, f"{scenario}.graph"), "w") as f:
            f.write("\n".join(lines) + "\n")
        with open(os.path.join(outdir, f"{scenario}.tree"), "w") as f:
            f.write("\n".join(tree) + "\n")
        ok, why = check(scenario, root, graph, users, bool(events))
        results.append((scenario, ok, why))
        if not checking:
            print(f"== {scenario}  ({outdir}/{scenario}.tree, raw: {scenario}.graph)")
            print("\n".join(tree) if tree else "(no pcc event captured)")
            print()
    for scenario in CHECKS:
        if scenario not in seen:
            results.append((scenario, False, "no capture for this scenario"))
    # The table (scripts/scenarios.py) and the checks name the same
    # scenarios, and each has its section in the documentation.
    unchecked = [n for n in scenarios.NAMES if n not in CHECKS]
    results.append(("every scenario of scripts/scenarios.py", not unchecked,
                    f"has a check here{'' if not unchecked else ': not ' + ' '.join(unchecked)}"))
    doc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Documentation", "fault-paths.md")
    text = open(doc, errors="replace").read()
    missing = [n for n, title, *_ in scenarios.SCENARIOS if f"### {title} (`{n}`)" not in text]
    results.append(("every scenario", not missing, "has its section in Documentation/fault-paths.md"
                    + ("" if not missing else f": not {' '.join(missing)}")))
    if checking:
        return print_tap("pcc_fault_paths(host)", [(f"fault path of {s}" if s in CHECKS else s, ok, why)
                                                   for s, ok, why in results])
    return 0


if __name__ == "__main__":
    sys.exit(main())
