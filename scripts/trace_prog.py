#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Decode the capture of `make trace PROG=`: every page fault a program took,
on any mapping, as call trees; grouped; folded stacks; a flame graph.

Input: the guest log of scripts/guest/prog.job, which holds between
    PCC-PROG-BEGIN <name> ... PCC-PROG-END <name>
the trace buffer: function_graph (with funcgraph-proc, -retaddr and
-retval) rooted where faults enter and at __get_user_pages, a kprobe event
`fault` at handle_mm_fault with its VMA and a stack trace, pcc's events with
stack traces, signal_generate and (x86) exceptions:page_fault_*.

How a tree is made, and why each frame in it is one the kernel ran:
  - Calls and their order are function_graph's.
  - Between a caller and its callee, the frames the compiler inlined come
    from the callee's call site (funcgraph-retaddr) decoded with vmlinux's
    DWARF (llvm-symbolizer --inlining). Where the call site is in another
    function than the graph's caller (a function ftrace cannot trace, such
    as arm64's do_page_fault), that function is shown, tagged.
  - Above handle_mm_fault, the kprobe's stack trace, decoded the same way,
    gives the frames between the graph's root and handle_mm_fault, and
    the frames above the root (the exception entry, or the syscall that
    called get_user_pages).
  - pcc's callbacks are Rust, which ftrace does not trace: pcc's events,
    with their stacks, show where they ran.
A tree keeps the calls whose code is in mm/, fs/, arch/*/mm/, the arm64
traps, kernel/signal.c or a module, down to DEPTH calls below the entry.

Usage: trace_prog.py LOG VMLINUX OUTDIR [--depth N] [--flamegraph BIN] [--check] [--only "NAME..."]
       trace_prog.py --offsets VMLINUX
  writes to OUTDIR/<capture>/: capture.txt (the raw trace), trees.txt
  (every fault), groups.txt (faults with the same path, counted, with their
  mappings and addresses), boxes.txt (each group's tree drawn in boxes),
  summary.txt (per mapping), output.txt, folded.txt (folded stacks,
  "frame;frame;frame count"), paths.svg (with --flamegraph, the path of
  inferno-flamegraph), and prints groups and summary. With --check, prints
  TAP results of scripts/trace_checks.py's checks of each capture instead.
  --only: those captures of the log, not every one.
  --offsets prints the struct offsets the guest's kprobe needs,
  from vmlinux's DWARF, as shell assignments.
"""
import collections
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trace_common import (LINE, OTHER_ROOTS, RETADDR, X86_FAULT_CALLEES, Dwarf, Source, demangle,  # noqa: E402
                          elf_arch, graph_depth, print_tap, prog_blocks)

STACK = re.compile(r"^\s*=> (?P<sym>[^\s+]+)(?:\+0x(?P<off>[0-9a-f]+)/0x[0-9a-f]+)?(?: \[(?P<mod>\w+)\])?")
CALL = re.compile(r"^(?P<name>[\w.$]+)(?: \[(?P<mod>\w+)\])?\(\)\s*(?P<open>\{)?;?(?P<rest>.*)$")
RETVAL = re.compile(r"ret=(?P<ret>-?(?:0x)?[0-9a-f]+)")
EVENT = re.compile(r"^/\*\s*(?P<name>[\w:]+): (?P<text>.*?)\s*\*/$")
FIELD = re.compile(r'(\w+)=("(?:[^"]*)"|\S+)')

# Where the calls of a fault path live. The rest (locking, RCU, the
# scheduler, lib/) is left out of the trees, not out of capture.txt.
PATH_SOURCES = re.compile(r"^(mm/(?!kasan/|kmsan/|kfence/|kmemleak|debug|page_owner)[^/]+\.c|"
                          r"fs/.*|arch/[^/]+/mm/.*|arch/arm64/kernel/traps\.c|kernel/signal\.c)$")
# The fault entries that root the graph: arm64's, and 32-bit ARM's for a
# data and an instruction fetch abort (x86's is made from its exception
# event and trace_common.X86_FAULT_CALLEES).
ARM_ENTRIES = ("do_mem_abort", "do_DataAbort", "do_PrefetchAbort")
# The kprobe events of prog.job, and the function each is placed at.
PROBED = {"fault": "handle_mm_fault", "vma_lookup": "lock_vma_under_rcu",
          "vma_lookup_mm": "lock_mm_and_find_vma"}


class Call:
    """A function_graph call, an event, or (x86) a fault's entry."""

    def __init__(self, name, parent, mod=None, site=None, kind="call", text=""):
        self.name, self.parent, self.mod, self.site, self.kind = name, parent, mod, site, kind
        self.children, self.ret, self.stack, self.text = [], None, [], text
        self.depth = -1  # a call's function_graph depth; -1: a task, an entry
        # An event's name=value fields.
        self.fields = {k: v.strip('"') for k, v in FIELD.findall(text)}
        if parent is not None:
            parent.children.append(self)

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()


# Lines of a capture that are the trace file's own: its header, the
# markers of a CPU's buffer and of a context switch, and the line a stack
# trace begins with (in the plain format: "  prog-85  [001] d....  249.68: <stack trace>").
NOISE = re.compile(r"^\s*$|^#|^\s*-+\s*$|^\s*\d+\)\s+\S+-\d+\s+=>\s+\S+-\d+\s*$|^#* CPU \d+ buffer started|"
                   r"^\s*\S+-\d+\s+\[\d+\]\s+\S+\s+\d+\.\d+: <stack trace>$")
# Any other comment of the graph: what the program wrote to trace_marker
# that is not "name: text" ("pcc-scenario: cold-read").
COMMENT = re.compile(r"^/\*.*\*/$")


class Reading:
    """What parse() could not take as it came.

    Lines it could not read: a line broken on its way out (a kernel
    message written to the console in its middle; prog.job holds them
    back) is the capture's fault, and make check fails on one.

    Calls whose end is not in the capture, and ends whose call is not:
    function_graph itself now and then records no return for a call. Seen
    once in about 230 captures: the return of __local_bh_enable() at the
    end of a softirq run on an interrupt's exit, where the context changes
    between the call and its return. Each call is placed by the depth
    function_graph gives it, so the trees stay right, and the summary
    counts them."""

    def __init__(self):
        self.unread, self.unclosed, self.unopened = [], 0, 0

    def problems(self):
        """What makes the capture unreadable."""
        if self.unread:
            return [f"{len(self.unread)} line(s) not read, the first: {self.unread[0]!r}"]
        return []

    def placed(self):
        """What the depth put right."""
        out = []
        if self.unclosed:
            out.append(f"{self.unclosed} call(s) whose end the trace does not have, ended by depth")
        if self.unopened:
            out.append(f"{self.unopened} end(s) of a call the trace does not have, skipped")
        return out


def parse(lines, arch, reading=None):
    """The calls of each task, as trees under one root per task; events
    (and their stacks) hang where they happened.

    A call's parent is the task's open call one level up, by the depth
    function_graph gives each line (its indentation, two spaces a level,
    counted per task): a lost closing line ends its call where the next
    line at that depth or above begins, and nothing after it nests
    inside it."""
    reading = Reading() if reading is None else reading
    roots, cur, entry, last_event = {}, {}, {}, None

    def up_to(pid, depth):
        # The task's open call at depth-1, closing the deeper ones whose
        # closing line was not seen.
        c = cur[pid]
        while c.kind == "call" and c.depth >= depth:
            reading.unclosed += 1
            c = c.parent
        return c

    for line in lines:
        m = STACK.match(line)
        if m:
            # A stack trace follows its event on the same CPU and task;
            # the last event of any task is where it belongs.
            if last_event is not None:
                last_event.stack.append((m["sym"], int(m["off"] or "0", 16), m["mod"]))
            continue
        m = LINE.match(line)
        if not m:
            if not NOISE.match(line):
                reading.unread.append(line)
            continue
        pid, body = int(m["pid"]), m["body"].strip()
        depth = graph_depth(m)
        if pid not in roots:
            roots[pid] = Call(f"{m['comm']}-{pid}", None, kind="task")
            cur[pid] = roots[pid]
        root = roots[pid]
        e = EVENT.match(body)
        if not e and COMMENT.match(body):
            continue
        if e:
            if e["name"] == "<stack trace>":
                continue
            name = e["name"].split(":")[-1]
            if name.startswith("page_fault_") and "_nofault" in e["text"]:
                # A probe's own safe read (the kprobe's fetch of ->vm_file
                # of an anonymous VMA): the tracer's, not the program's.
                continue
            if name == "page_fault_user":
                # Taken in user mode: none of the task's calls is open.
                cur[pid] = up_to(pid, 0)
            if arch == "x86_64" and name.startswith("page_fault_") and cur[pid] in (root, entry.get(pid)):
                # x86: exc_page_fault is noinstr; the exception event opens
                # the fault, and the do_user_addr_fault callees that follow
                # at the top level are its calls.
                entry[pid] = Call("exc_page_fault", root, kind="entry", text=e["text"])
                cur[pid] = root
                continue
            parent = cur[pid]
            if parent is root and entry.get(pid) is not None and \
                    (name == "fault" or name.startswith("vma_lookup")):
                # x86: a kprobe at one of the entry's calls belongs to it.
                parent = entry[pid]
            last_event = Call(name, parent, kind="event", text=e["text"])
            continue
        if body.startswith("}"):
            c = up_to(pid, depth + 1)
            if c.kind != "call" or c.depth != depth:
                # Its call's line was not read: nothing to close.
                reading.unopened += 1
                cur[pid] = c
                continue
            r = RETVAL.search(body)
            if r:
                c.ret = r["ret"]
            cur[pid] = c.parent
            if cur[pid] is entry.get(pid):
                cur[pid] = root
            continue
        c = CALL.match(body)
        if not c:
            reading.unread.append(line)
            continue
        parent = up_to(pid, depth)
        if parent is root and entry.get(pid) is not None:
            if c["name"] in X86_FAULT_CALLEES:
                parent = entry[pid]
            elif c["name"] in OTHER_ROOTS:
                entry[pid] = None
        ra = RETADDR.search(c["rest"])
        site = (ra["sym"], int(ra["off"], 16), ra["mod"]) if ra else None
        node = Call(c["name"], parent, c["mod"], site)
        node.depth = depth
        r = RETVAL.search(c["rest"])
        if r:
            node.ret = r["ret"]
        if c["open"]:
            cur[pid] = node
    return roots


class Names:
    """VM_FAULT_* and FAULT_FLAG_* from the kernel's own mm_types.h."""

    def __init__(self, ksrc):
        self.ret, self.flags = {}, {}  # name: bit, in the header's order
        try:
            text = open(os.path.join(ksrc, "include/linux/mm_types.h"), errors="replace").read()
        except (OSError, TypeError):
            return
        for n, v in re.findall(r"\bVM_FAULT_(\w+)\s*=\s*\(__force vm_fault_t\)(0x[0-9a-fA-F]+)", text):
            self.ret[n] = int(v, 16)
        for n, v in re.findall(r"\bFAULT_FLAG_(\w+)\s*=\s*1 << (\d+)", text):
            self.flags[n] = 1 << int(v)

    @staticmethod
    def _bits(table, value):
        names = [n for n, b in table.items() if value & b and bin(b).count("1") == 1]
        return "|".join(names) if names else "0"

    def ret_of(self, value):
        return self._bits(self.ret, value)

    def flags_of(self, value):
        return self._bits(self.flags, value)


def num(text, default=0):
    try:
        return int(text, 0)
    except (TypeError, ValueError):
        return default


# -- faults -------------------------------------------------------------

class Fault:
    """One fault: an entry (a hardware fault: do_mem_abort, or x86's
    exc_page_fault) or one handle_mm_fault of get_user_pages."""

    def __init__(self, node, kind):
        self.node, self.kind = node, kind
        self.mms = [n for n in node.walk() if n.kind == "call" and n.name == "handle_mm_fault"]
        if node.name == "handle_mm_fault":
            self.mms = [node]
        self.probes = [probe_of(mm) for mm in self.mms]
        self.events = [n for n in node.walk() if n.kind == "event"]
        self.marks_before = []  # "mark: ..." lines the program wrote since the last fault
        self.tree = None  # its Node tree, once built
        # The kprobe events at the VMA lookups (address, stack).
        self.lookups = [e for e in self.events if e.name.startswith("vma_lookup")]

    def address(self):
        for p in self.probes:
            if p is not None:
                return num(p.fields.get("addr"))
        if self.node.kind == "entry":
            return num(self.node.fields.get("address"))
        for e in self.lookups:
            return num(e.fields.get("addr"))
        return None

    def mapping(self):
        p = next((p for p in self.probes if p is not None), None)
        if p is None:
            return "(no VMA: refused before handle_mm_fault)"
        f = p.fields
        name = f.get("file", "(fault)")
        if name in ("(fault)", ""):
            name = "[anonymous]"
        m = re.search(r"\bops=(\S+)(?: \[(\w+)\])?", p.text)
        ops = re.sub(r"\+0x0/0x[0-9a-f]+", "", m.group(1) if m else "0")
        if ops in ("0", "0x0"):
            # No table: opsfault is then whatever the probe read near
            # address 0 (on 32-bit ARM sometimes a word that kallsyms
            # names), not a ->fault.
            ops = "no vm_ops"
        elif m and m.group(2):
            ops += f" [{m.group(2)}]"
        elif m:
            # A table kallsyms cannot name (32-bit ARM's Rust constants have
            # no symbol): the module its ->fault is in.
            fm = re.search(r"\bopsfault=\S+ \[(\w+)\]", p.text)
            if fm:
                ops += f" [{fm.group(1)}]"
        return f"{name} {num(f.get('start')):#x}-{num(f.get('end')):#x} ({ops})"


def probe_of(mm):
    """The kprobe event of a handle_mm_fault call: inside it, or recorded
    before its entry (a kprobe on arm64 fires at the function's first
    instruction, before ftrace's call; other calls, of the tracer's own,
    may come between)."""
    inside = next((c for c in mm.children if c.kind == "event" and c.name == "fault"), None)
    if inside is not None:
        return inside
    sib = mm.parent.children if mm.parent else []
    for n in reversed(sib[:sib.index(mm)]):
        if n.kind == "event" and n.name == "fault":
            return n
        if n.kind == "call" and n.name == "handle_mm_fault":
            return None
    return None


def faults_of(roots):
    """Each task's faults, in order, each with the marks the program wrote
    since the task's previous fault. A mark is a write() to trace_marker,
    never inside a fault: one found inside a call (after a call whose end
    was lost) still counts where it came, in the capture's order."""
    out = []
    for pid, root in roots.items():
        marks = []
        for n in root.children:
            if n.kind == "event" and n.name == "mark":
                marks.append(n.text)
                continue

            new = []
            if n.kind == "entry" or (n.kind == "call" and n.name in ARM_ENTRIES):
                new = [Fault(n, "entry")]
            elif n.kind == "call":
                # get_user_pages (or a root of x86's when the exception event
                # was lost): one fault per handle_mm_fault.
                new = [Fault(mm, "gup") for mm in n.walk() if mm.kind == "call" and mm.name == "handle_mm_fault"]
            for f in new:
                f.marks_before, marks = marks, []
            marks += [m.text for m in n.walk() if m.kind == "event" and m.name == "mark"]

            out += new
    return out


# -- trees ---------------------------------------------------------------

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

    def add(self, name, tag=""):
        c = Node(name, tag)
        self.children.append(c)
        return c


class Builder:
    def __init__(self, dwarf, source, names, rust, depth):
        self.dwarf, self.source, self.names, self.rust, self.depth = dwarf, source, names, rust, depth
        self.known, self.inlined_file, self.module_cb = {}, {}, {}

    def label(self, name, mod):
        return (self.rust.get(name, name) + f" [{mod}]") if mod else name

    def keep(self, g):
        if g.kind == "event":
            return True
        if g.kind != "call":
            return False
        return bool(g.mod) or bool(PATH_SOURCES.match(self.dwarf.file(g.name)))

    def site_chain(self, g, parent_name):
        """The frames between g's graph caller and g: the function holding
        the call when that is not the graph's caller (with the frames
        between the two when a stack of this fault has them), then the
        frames inlined at the call site, outermost first. [(name, tag)]"""
        if g.site is None:
            return []
        sym, off, mod = g.site
        if mod:
            name = self.label(sym, mod)
            if name == parent_name:
                return []
            known = self.known.get((parent_name, name))
            if known:
                return known
            # A module function called by one the stacks showed entered
            # from this caller (pcc's Rust callbacks call their helpers).
            entry = next((v for (p, x), v in self.known.items() if p == parent_name and x.endswith("]")), None)
            if entry:
                return entry + [(name, self.not_traced(name))]
            return [(name, self.not_traced(name))]
        frames = self.dwarf.at(sym, off)  # innermost first
        chain = []
        outer = frames[-1][0]
        if outer not in (parent_name, "??"):
            known = self.known.get((parent_name, outer))
            if known:
                chain += known
            else:
                chain.append((outer, "(not traced; its callers below " + parent_name + " not captured)"))
        for fn, path, line in reversed(frames[:-1]):
            self.inlined_file.setdefault(fn, path)
            chain.append((fn, "(inlined)"))
        return chain

    def in_memory_c(self, name):
        """Whether a frame is one of mm/memory.c's (the branches of
        handle_mm_fault)."""
        return (self.inlined_file.get(name) or self.dwarf.file(name)) == "mm/memory.c"

    def callback_of(self, g):
        """The vm_ops callback g was called as, from its call site's line."""
        if g.site is None or g.site[2]:
            return None
        frames = self.dwarf.at(g.site[0], g.site[1])
        fn, path, line = frames[0]
        return self.source.callback(path, line)

    # Frames of the tracing machinery itself, at the inner end of a stack.
    TRACING = re.compile(r"kprobe|ftrace|^trace_|_trace_|stack_trace|^0x|^event_triggers|^el1_brk|brk_handler")

    # A pcc event's own frames: the tracepoint's wrappers.
    TRACEPOINT = re.compile(r"^(pcc_trace_|trace_event_raw_|__do_trace_|__traceiter_|perf_trace_)")

    def stack_frames(self, ev):
        """The frames of an event's stack trace, outermost first, as
        [(name, tag)] (real ones tagged ""): for the kprobe, those above
        handle_mm_fault; for pcc's events, those above the tracepoint's
        own. A module frame called at a vm_ops call site is tagged with
        the callback (e.g. "(->fault)")."""
        raw = ev.stack  # innermost first
        probed = PROBED.get(ev.name)
        if probed:
            idx = next((i for i, (s, o, m) in enumerate(raw) if s == probed), None)
            if idx is None:
                idx = max((i for i, (s, o, m) in enumerate(raw) if self.TRACING.search(s)), default=-1)
        else:
            idx = max((i for i, (s, o, m) in enumerate(raw)
                       if self.TRACING.search(s) or self.TRACEPOINT.match(s)), default=-1)
        chain = []
        frames = raw[idx + 1:]
        for k, (sym, off, mod) in enumerate(frames):
            if mod:
                continue
            # The module frame this kernel frame called, if any: the call
            # site's line names the callback.
            if k > 0 and frames[k - 1][2]:
                cb = self.source.callback(*self.dwarf.at(sym, off)[0][1:])
                if cb:
                    self.module_cb[self.label(frames[k - 1][0], frames[k - 1][2])] = cb
        for sym, off, mod in reversed(frames):
            if mod:
                name = self.label(sym, mod)
                chain.append((name, ""))
                continue
            inl = self.dwarf.at(sym, off)  # innermost first; the last is the real function
            # Assembly (the exception entry) has no DWARF name.
            chain.append((sym if inl[-1][0] == "??" else inl[-1][0], ""))
            chain += [(fn, "(inlined)") for fn, _, _ in reversed(inl[:-1])]
        return chain

    def not_traced(self, name):
        cb = self.module_cb.get(name)
        return f"(->{cb}) (not traced)" if cb else "(not traced)"

    def learn(self, fault):
        """From this fault's stacks (the kprobe's, pcc's events'): the
        frames between two real functions (P, X), for a call site in X
        whose graph caller is P."""
        self.known = {}
        stacks = []
        probed = list(zip(fault.mms, fault.probes))
        for e in fault.lookups:
            # The lookup's own call: the next call of the probed function.
            sib = e.parent.children if e.parent is not None else []
            call = next((c for c in sib[sib.index(e):] if c.kind == "call" and c.name == PROBED[e.name]),
                        None)
            if call is not None:
                probed.append((call, e))
        for call, p in probed:
            if p is None or not p.stack:
                continue
            # A kprobe at a function's first instruction (arm64) is taken
            # before the function saves its frame record: the unwinder
            # skips its caller. The graph's call site names it; put it back.
            tail = [(call.name, "")]
            if call.site is not None and not call.site[2]:
                inl = self.dwarf.at(call.site[0], call.site[1])
                site = [(inl[-1][0], "")] + [(fn, "(inlined)") for fn, _, _ in reversed(inl[:-1])]
                frames = self.stack_frames(p)
                last = next((fn for fn, tag in reversed(frames) if tag == ""), None)
                tail = (site[1:] if last == site[0][0] else site) + tail
            stacks.append((p, tail))
        stacks += [(e, []) for e in fault.events if e.name.startswith("pcc_") and e.stack]
        for ev, tail in stacks:
            chain = self.stack_frames(ev) + tail
            real = [i for i, (fn, tag) in enumerate(chain) if tag == ""]
            for a in real:
                for b in real:
                    if b > a:
                        self.known.setdefault((chain[a][0], chain[b][0]), [
                            (fn, self.not_traced(fn) if tag == "" else tag) for fn, tag in chain[a + 1:b + 1]])

    def event_label(self, g):
        return f"* {g.name}: {g.text}"

    def subtree(self, out, g, depth):
        for c in g.children:
            if not self.keep(c):
                continue
            if c.kind == "event":
                if c.name != "fault" and not c.name.startswith("vma_lookup"):
                    out.add(self.event_label(c), "event")
                continue
            node = out
            for fn, tag in ([] if g.name == "(gup)" else self.site_chain(c, self.label(g.name, g.mod))):
                node = node.child(fn, tag)
            label = self.label(c.name, c.mod)
            cb = self.callback_of(c)
            tag = f"(->{cb})" if cb else ""
            if c.ret is not None and (cb or c.name == "handle_mm_fault"):
                tag = (tag + " " if tag else "") + f"= {self.ret_text(c.ret)}"
            n = node.add(label, tag)
            if c.name == "handle_mm_fault":
                probe = probe_of(c)
                if probe is not None:
                    n.add(f"* address {num(probe.fields.get('addr')):#x}, flags "
                          f"{self.names.flags_of(num(probe.fields.get('flags')))}", "event")
            # handle_mm_fault does not count: DEPTH is the calls below the
            # entry besides it.
            below = depth if c.name == "handle_mm_fault" else depth - 1
            if below > 0:
                self.subtree(n, c, below)

    def ret_text(self, ret):
        return self.names.ret_of(num(ret)) if self.names.ret else ret

    def tree(self, fault):
        """The tree of one fault, from the outermost frame the capture has."""
        root = Node("(fault)")
        g = fault.node
        top = root
        self.learn(fault)
        probe = next((p for p in fault.probes if p is not None and p.stack), None)
        above = self.stack_frames(probe) if probe is not None else []
        if fault.kind == "entry":
            # Above the entry: what the stack at handle_mm_fault (or, for
            # a fault that never got there, at do_mem_abort) has above it.
            if probe is None:
                ev = next((e for e in fault.lookups if e.stack), None)
                above = self.stack_frames(ev) if ev is not None else []
            names = [fn for fn, _ in above]
            above = above[:names.index(g.name)] if g.name in names else []
            if not above and g.site is not None and not g.site[2]:
                # No stack (32-bit ARM, whose stack traces under
                # function_graph are empty): the entry's own return
                # address names what called it.
                inl = self.dwarf.at(g.site[0], g.site[1])
                above = [(g.site[0] if inl[-1][0] == "??" else inl[-1][0], "")]
                above += [(fn, "(inlined)") for fn, _, _ in reversed(inl[:-1])]
            for fn, tag in above:
                top = top.child(fn, tag)
            tag = "(not traced: noinstr)" if g.kind == "entry" else ""
            if g.kind == "entry" and g.text:
                tag += f" {g.text}"
            node = top.add(g.name, tag.strip())
            self.subtree(node, g, self.depth)
        else:
            # get_user_pages: the stack has everything above handle_mm_fault.
            for fn, tag in above:
                top = top.child(fn, tag)
            fake = Call("(gup)", None)
            fake.children = [g]
            self.subtree(top, fake, self.depth)
        return root


def render(node, indent=0, out=None):
    out = [] if out is None else out
    for c in node.children:
        label = c.name if not c.tag or c.tag == "event" else f"{c.name} {c.tag}"
        out.append("  " * indent + label)
        render(c, indent + 1, out)
    return out


def single_calls(node):
    """The frames down from node while each has one call only (events
    aside), outermost first."""
    path, n = [], node
    while True:
        kids = [c for c in n.children if c.tag != "event"]
        if len(kids) != 1:
            return path
        n = kids[0]
        path.append(n)


def entered_through(node):
    """The frames a fault entered through: from the outermost one to
    handle_mm_fault (for a fault that never got there, down the frames
    with one call only), each with its kind ("(inlined)", "(not traced)")
    but not what an event said. Faults with the same entry and the same
    spine took the same path."""
    def path_to_mm(n, path):
        for c in n.children:
            if c.tag == "event":
                continue
            if c.name == "handle_mm_fault":
                return path
            p = path_to_mm(c, path + [c])
            if p is not None:
                return p
        return None

    path = path_to_mm(node, [])
    if path is None:
        path = single_calls(node)
    return " > ".join(f"{n.name} {re.match(r'[(][^)]*[)]', n.tag).group(0)}" if n.tag.startswith("(") else n.name
                      for n in path)


BRANCH = re.compile(r"^_*(do|wp|handle)_")


def spine(node, memory_c):
    """A group's one-line name: from handle_mm_fault down to each vm_ops
    callback and pcc event the fault reached (the part after what the
    previous one shares), or, with none, to the deepest frame inlined in
    mm/memory.c's branch; or, for a fault that never reached
    handle_mm_fault, what its entry called."""
    def paths(n, path, out):
        for c in n.children:
            out.append((path + [c], c))
            paths(c, path + [c], out)
        return out

    every = paths(node, [], [])
    mms = [(p, c) for p, c in every if c.name == "handle_mm_fault"]
    if not mms:
        # Down the frames that have one call only, then what the last one
        # called (e.g. the VMA lookups, then the signal).
        chain = single_calls(node)
        if not chain:
            return "(nothing captured)"
        entry = chain[-1]
        calls = [c.name for c in entry.children if c.tag != "event"]
        return f"{entry.name} → " + ", ".join(calls)
    parts = []
    for mp, mm in mms:
        under = paths(mm, [], [])
        targets = [(p, c) for p, c in under if "(->" in c.tag or
                   (c.tag == "event" and c.name.startswith("* pcc_"))]
        if not targets:
            # None: follow handle_mm_fault's branch functions (mm/memory.c's
            # do_*, wp_*, handle_*) as far as they go.
            p, n = [], mm
            while True:
                nxt = [c for c in n.children if c.tag != "event" and BRANCH.match(c.name)
                       and memory_c(c.name)]
                if not nxt:
                    break
                n = nxt[-1]
                p.append(n)
            targets = [(p, n)] if p else []
        line, prev = ["handle_mm_fault"], []
        for p, c in targets:
            k = 0
            while k < len(prev) and k < len(p) and prev[k] is p[k]:
                k += 1
            names = []
            for x in p[k:]:
                if Builder.TRACEPOINT.match(x.name):
                    continue
                if x.tag == "event":
                    names.append(x.name[2:].split(":")[0])
                else:
                    cb = re.search(r"\(->(\w+)\)", x.tag)
                    names.append(f"{x.name} (->{cb.group(1)})" if cb else x.name)
            line.append(("… " if k else "") + " → ".join(names))
            prev = p
        parts.append(" → ".join(line[:2]) + "".join(f"; {x}" for x in line[2:]))
    return " | then ".join(parts)


def boxes(node):
    """A tree in the call-flow box style of the write-ups: each frame in a
    box, its calls hanging from it by "|-->" (the last by "+-->"), its
    kind or result beside it."""
    label = node.name
    if node.tag == "event":
        return [label]
    w = max(len(label), 4)
    kids = node.children
    out = ["+" + "-" * (w + 2) + "+",
           "| " + label.ljust(w) + " |" + (" " + node.tag if node.tag else ""),
           ("+---|" + "-" * (w - 2) + "+") if kids else ("+" + "-" * (w + 2) + "+")]
    for i, k in enumerate(kids):
        last = i == len(kids) - 1
        sub = boxes(k)
        mid = 0 if k.tag == "event" else 1
        for j, line in enumerate(sub):
            if j == mid:
                conn = "+--> " if last else "|--> "
            else:
                conn = "     " if last and j > mid else "|    "
            out.append("    " + conn + line)
    return out


def folded(node, prefix, out):
    """Folded stacks: one line per leaf ("frame;frame;... count")."""
    for c in node.children:
        if c.tag == "event":
            continue
        name = c.name.replace(";", ":").replace(" ", "_")
        if "inlined" in c.tag:
            name += "_[i]"
        path = prefix + [name]
        kids = [k for k in c.children if k.tag != "event"]
        if kids:
            folded(c, path, out)
        else:
            out[";".join(path)] += 1


def ranges(addrs):
    """Page ranges of a set of addresses, as +offsets within a mapping."""
    pages = sorted({a >> 12 for a in addrs})
    out, start, prev = [], None, None
    for p in pages:
        if start is None:
            start = prev = p
        elif p == prev + 1:
            prev = p
        else:
            out.append((start, prev))
            start = prev = p
    if start is not None:
        out.append((start, prev))
    return out


def describe(addrs, mapping_start):
    """Pages of a mapping as offsets into it; without a mapping, the
    addresses themselves."""
    if mapping_start is None:
        return ", ".join(hex(a) for a in sorted(set(addrs))[:6]) + (" and more" if len(set(addrs)) > 6 else "")
    parts = []
    for a, b in ranges(addrs)[:6]:
        lo, hi = (a << 12) - mapping_start, ((b + 1) << 12) - 1 - mapping_start
        parts.append(f"+{lo:#x}" if a == b else f"+{lo:#x}..+{hi:#x}")
    more = len(ranges(addrs)) - 6
    return ", ".join(parts) + (f", and {more} more ranges" if more > 0 else "")


def start_of(mapping):
    m = re.search(r" (0x[0-9a-f]+)-0x", mapping)
    return int(m.group(1), 16) if m else None


def analyse(name, status, lost, output, lines, dwarf, source, names, depth, outdir, flamegraph):
    arch = dwarf.arch
    reading = Reading()
    roots = parse(lines, arch, reading)
    faults = faults_of(roots)
    calls = [n for r in roots.values() for n in r.walk() if n.kind == "call"]
    dwarf.load_files({n.name for n in calls if not n.mod})
    dwarf.load_sites({(n.site[0], n.site[1]) for n in calls if n.site and not n.site[2]} |
                     {(s, o) for r in roots.values() for n in r.walk() if n.kind == "event"
                      for s, o, m in n.stack if not m})
    rust = demangle([n.name for n in calls if n.mod and n.name.startswith("_R")] +
                    [n.site[0] for n in calls if n.site and n.site[2] and n.site[0].startswith("_R")] +
                    [s for r in roots.values() for n in r.walk() if n.kind == "event"
                     for s, o, m in n.stack if m and s.startswith("_R")])
    b = Builder(dwarf, source, names, rust, depth)
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "capture.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    trees, groups, fold = [], {}, collections.Counter()
    per_map = collections.OrderedDict()
    for i, fault in enumerate(faults, 1):
        t = b.tree(fault)
        text = render(t)
        addr = fault.address()
        mp = fault.mapping()
        trees.append(f"== fault {i}: {fault.kind}, address "
                     f"{'?' if addr is None else hex(addr)}, {mp}\n" + "\n".join(text))
        fault.tree = t
        via, path = entered_through(t), spine(t, b.in_memory_c)
        gr = groups.get((via, path))
        if gr is None:
            gr = groups[(via, path)] = {"tree": text, "root": t, "via": via, "spine": path, "n": 0,
                                        "where": collections.OrderedDict()}
        gr["n"] += 1
        gr["where"].setdefault(mp, []).append(addr)
        folded(t, [], fold)
        s = per_map.setdefault(mp, collections.Counter())
        s["faults"] += 1
        for mm, probe in zip(fault.mms, fault.probes):
            r = num(mm.ret)
            s["handle_mm_fault"] += 1
            # Each call counted once, as mm_account_fault() counts: a call
            # that gave up (RETRY) is not a fault of its own; the last
            # attempt is major if MAJOR, or if it is a retry (TRIED).
            tried = names.flags.get("TRIED", 0) & num(probe.fields.get("flags")) if probe else 0
            if names.ret.get("RETRY", 0) & r:
                s["retry"] += 1
            elif names.ret.get("MAJOR", 0) & r or tried:
                s["major"] += 1
            for e in ("OOM", "SIGBUS", "SIGSEGV", "HWPOISON"):
                if names.ret.get(e, 0) & r:
                    s[e] += 1
        for n in fault.node.walk():
            cb = b.callback_of(n) if n.kind == "call" else None
            if cb:
                s[f"->{cb} {b.label(n.name, n.mod)} = {b.ret_text(n.ret) if n.ret else '?'}"] += 1
            if n.kind == "event" and n.name.startswith("pcc_"):
                ret = re.search(r"ret=(\S+)", n.text)
                s[f"{n.name} = {ret.group(1) if ret else '?'}"] += 1
            if n.kind == "event" and n.name == "signal_generate":
                s[f"signal {n.fields.get('sig', '?')} (code {n.fields.get('code', '?')})"] += 1
    # Signals generated outside any fault (e.g. the kill at the time limit).
    loose = [n for r in roots.values() for n in r.children if n.kind == "event" and n.name == "signal_generate"]
    with open(os.path.join(outdir, "trees.txt"), "w") as f:
        f.write("\n\n".join(trees) + "\n")
    ordered = sorted(groups.values(), key=lambda gr: -gr["n"])
    glines = []
    for gr in ordered:
        where = "; ".join(f"{mp}: {describe([a for a in ads if a is not None], start_of(mp))}"
                          for mp, ads in gr["where"].items())
        glines.append(f"{gr['n']} × {gr['spine']}\n    entered through: {gr['via'] or '(get_user_pages)'}\n"
                      f"    ({where})")
        glines += ["    " + l for l in gr["tree"]]
        glines.append("")
    with open(os.path.join(outdir, "groups.txt"), "w") as f:
        f.write("\n".join(glines) + "\n")
    # The same groups, each example tree drawn in boxes.
    with open(os.path.join(outdir, "boxes.txt"), "w") as f:
        for gr in ordered:
            f.write(f"{gr['n']} × {gr['spine']}\n\n")
            for top in gr["root"].children:
                f.write("\n".join(line.rstrip() for line in boxes(top)) + "\n\n")
    slines = [f"{name}: {len(faults)} faults captured, {lost if lost is not None else '?'} trace events lost"
              f"{' (the buffer filled: faults after that are not in the trees; TRACE_KB= makes it larger)' if lost else ''}",
              f"program: {status or 'no exit status (the guest did not finish)'}"]
    slines += [f"capture: {p}" for p in reading.problems() + reading.placed()]
    for mp, s in per_map.items():
        slines.append(f"  {mp}")
        slines.append(f"    faults {s['faults']} (handle_mm_fault {s['handle_mm_fault']}: major {s['major']}, "
                      f"minor {s['handle_mm_fault'] - s['major'] - s['retry']}, retried {s['retry']})")
        for k in sorted(k for k in s if k.startswith(("->", "pcc_", "signal", "OOM", "SIGBUS", "SIGSEGV", "HWPOISON"))):
            slines.append(f"    {k}: {s[k]}")
    for n in loose:
        slines.append(f"  signal sent outside a fault (e.g. SIGCHLD at exit): {n.text}")
    with open(os.path.join(outdir, "summary.txt"), "w") as f:
        f.write("\n".join(slines) + "\n")
    with open(os.path.join(outdir, "folded.txt"), "w") as f:
        for stack, n in sorted(fold.items()):
            f.write(f"{stack} {n}\n")
    with open(os.path.join(outdir, "output.txt"), "w") as f:
        f.write("\n".join(output) + ("\n" if output else ""))
    if flamegraph and fold:
        # inferno (the Rust port of the FlameGraph scripts) draws it.
        with open(os.path.join(outdir, "folded.txt")) as fin, \
                open(os.path.join(outdir, "paths.svg"), "w") as fout:
            subprocess.run([flamegraph, "--title", f"{name}: page-fault paths ({arch})",
                            "--subtitle", "width: calls recorded; _[i]: inlined (from DWARF)",
                            "--countname", "calls"], stdin=fin, stdout=fout, check=True)
    return faults, slines, glines, reading


def struct_layouts(vmlinux, wanted):
    """{struct: {member: offset}} for each struct of wanted ({struct:
    [member, ...]}), from the first full definition of it in vmlinux's
    DWARF that has those members (one llvm-dwarfdump run for all); a
    member of an anonymous union or struct counts as the struct's own, at
    the union's offset plus its own."""
    out = subprocess.run(["llvm-dwarfdump", "--debug-info", "--show-children", "--recurse-depth=3"]
                         + [f"--name={name}" for name in wanted] + [vmlinux],
                         capture_output=True, text=True, check=True).stdout
    # DIEs: (address, depth, tag, {attribute: value}); depth from the indent.
    dies = []
    for block in re.split(r"\n\s*\n", out):
        m = re.match(r"(0x[0-9a-f]+):(\s+)(DW_TAG_\w+)", block.strip("\n"))
        if not m:
            continue
        attrs = dict(re.findall(r"(DW_AT_\w+)\s+\((.*)\)", block))
        dies.append((int(m.group(1), 16), len(m.group(2)), m.group(3), attrs))
    by_addr = {a: i for i, (a, _, _, _) in enumerate(dies)}

    def children(i):
        """The DIEs one level below DIE i: all at its first child's indent."""
        if i + 1 >= len(dies) or dies[i + 1][1] <= dies[i][1]:
            return
        level, j = dies[i + 1][1], i + 1
        while j < len(dies) and dies[j][1] > dies[i][1]:
            if dies[j][1] == level:
                yield j
            j += 1

    def layout(i, base, found):
        for j in children(i):
            _, _, tag, attrs = dies[j]
            if tag != "DW_TAG_member":
                continue
            off = base + int(attrs.get("DW_AT_data_member_location", "0"), 0)
            name = attrs.get("DW_AT_name", "").strip('"')
            if name:
                found.setdefault(name, off)
                continue
            ref = re.match(r"(0x[0-9a-f]+)", attrs.get("DW_AT_type", ""))
            if ref and int(ref.group(1), 16) in by_addr:
                layout(by_addr[int(ref.group(1), 16)], off, found)
        return found

    res = {}
    for i, (_, depth, tag, attrs) in enumerate(dies):
        name = attrs.get("DW_AT_name", "").strip('"')
        if tag != "DW_TAG_structure_type" or name not in wanted or name in res or \
                "DW_AT_declaration" in attrs:
            continue
        found = layout(i, 0, {})
        if all(x in found for x in wanted[name]):
            res[name] = {x: found[x] for x in wanted[name]}
    for name, members in wanted.items():
        if name not in res:
            sys.exit(f"trace_prog.py: no definition of struct {name} with {members} in {vmlinux}'s DWARF")
    return res


def offsets(vmlinux):
    """The guest's kprobe at handle_mm_fault reads vma->vm_start, ->vm_end,
    ->vm_pgoff, ->vm_ops, ->vm_ops->fault and
    ->vm_file->f_path.dentry->d_name.name: their offsets."""
    s = struct_layouts(vmlinux, {"vm_area_struct": ["vm_start", "vm_end", "vm_ops", "vm_pgoff", "vm_file"],
                                 "vm_operations_struct": ["fault"], "file": ["f_path"],
                                 "path": ["dentry"], "dentry": ["d_name"], "qstr": ["name"]})
    vma = s["vm_area_struct"]
    print(f"PCC_VMA_START={vma['vm_start']} PCC_VMA_END={vma['vm_end']} "
          f"PCC_VMOPS_FAULT={s['vm_operations_struct']['fault']} "
          f"PCC_VMA_OPS={vma['vm_ops']} PCC_VMA_PGOFF={vma['vm_pgoff']} PCC_VMA_FILE={vma['vm_file']} "
          f"PCC_FILE_DENTRY={s['file']['f_path'] + s['path']['dentry']} "
          f"PCC_DENTRY_NAME={s['dentry']['d_name'] + s['qstr']['name']}")
    return 0


def main():
    args = sys.argv[1:]
    depth, check, flamegraph = 4, None, None
    if "--offsets" in args:
        return offsets(args[args.index("--offsets") + 1])
    if "--flamegraph" in args:
        i = args.index("--flamegraph")
        flamegraph = args[i + 1]
        del args[i:i + 2]
    if "--depth" in args:
        i = args.index("--depth")
        depth = int(args[i + 1])
        del args[i:i + 2]
    if "--check" in args:
        args.remove("--check")
        check = True
    only = None
    if "--only" in args:
        i = args.index("--only")
        only = set(args[i + 1].split())
        del args[i:i + 2]
    if len(args) != 3:
        sys.exit(__doc__)
    log, vmlinux, outdir = args
    for tool in ("llvm-nm", "llvm-symbolizer", "llvm-cxxfilt"):
        if not shutil.which(tool):
            sys.exit(f"trace_prog.py: {tool} is not on PATH: run it through make (make trace), "
                     "or put the LLVM_BIN of scripts/lib.sh first on PATH")
    arch = elf_arch(vmlinux)
    ksrc = os.path.join(os.path.dirname(vmlinux), "source")
    dwarf = Dwarf(vmlinux, arch)
    source, names = Source(ksrc), Names(ksrc)
    results = []
    found = False
    for name, status, lost, output, lines in prog_blocks(log):
        if only is not None and name not in only:
            continue
        found = True
        sub = os.path.join(outdir, name)
        faults, slines, glines, reading = analyse(name, status, lost, output, lines, dwarf, source,
                                                    names, depth, sub, flamegraph)
        if check:
            import trace_checks
            results += trace_checks.run(name, faults, arch, status, sub, reading)
        else:
            print(f"== {name}: the program's output ({sub}/output.txt)")
            print("\n".join(output))
            print(f"\n== {name}: faults grouped by path ({sub}/groups.txt; every fault: trees.txt)")
            print("\n".join(glines))
            print(f"== {name}: per mapping ({sub}/summary.txt)")
            print("\n".join(slines))
    if not found:
        if check:
            results.append(("capture", False, "no PCC-PROG capture in the log"))
        else:
            sys.exit(f"trace_prog.py: no capture in {log}: the guest did not get to the program")
    if check:
        return print_tap("pcc_trace_prog(host)", results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
