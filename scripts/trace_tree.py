#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn pcc's ftrace captures into fault-path trees, and check them.

Input: a guest log holding, per scenario, what scripts/guest/prog.job
captured of `pcc-scenario NAME` (make trace SCENARIO=, or make check):
    PCC-PROG-EXIT <status> <how>
    PCC-PROG-BEGIN <scenario> ... PCC-PROG-END <scenario>
(function_graph rooted where a fault enters, pcc's events with a kernel
stack trace at each, symbols with +offset, and the kprobe events
scripts/trace_prog.py reads). Only the scenario's own task, from its
marker "pcc-scenario: NAME" on, is the scenario's: what came before
(exec, the program's start) and what other tasks did are left out.

For every pcc event, its stack is decoded with the test kernel's DWARF
(llvm-symbolizer --inlining on symbol + offset - 4, the call site), which brings
back the frames the compiler inlined. The chains of all events are merged
into one tree, outermost frame (the arm64 exception entry) first. Then the
calls function_graph recorded after pcc's last callback returned (e.g.
finish_fault -> set_pte_range, or the SIGBUS delivery) are hung where they
were made. Every frame comes from the capture; none from a list.

Usage: trace_tree.py LOG VMLINUX OUTDIR [--check] [--scenarios "NAME..."]
  writes OUTDIR/<scenario>.tree and OUTDIR/<scenario>.graph, prints the
  trees; with --check, prints TAP results of scripts/scenarios.py's checks
  (and of each scenario's exit status) instead, framed for tap_summary.py,
  and exits 1 on any failure. --scenarios: those expected (default all).
"""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trace_common import (LINE, OTHER_ROOTS, RETADDR, X86_FAULT_CALLEES, Dwarf, Source, demangle, elf_arch,  # noqa: E402
                          graph_depth, print_tap, prog_blocks)
import scenarios  # noqa: E402


# A function_graph line (prog.job's, with funcgraph-proc) is
# trace_common.LINE.
# The line before a stack trace: "  pcc-scenario-93  [001] ...: <stack trace>".
STACK_HEAD = re.compile(r"^\s*(?P<comm>.+?)-(?P<pid>\d+)\s+\[\d+\].*<stack trace>")
MARKER = re.compile(r"/\* pcc-scenario: (?P<name>\S+) ?\*/")
STACK = re.compile(r"^\s*=> (?P<sym>[^\s+]+)\+0x(?P<off>[0-9a-f]+)/0x[0-9a-f]+(?: \[(?P<mod>\w+)\])?")
EVENT = re.compile(r"/\* (?P<name>pcc_\w+): (?P<text>.*) \*/")
# What user space saw, written by pcc-scenario to trace_marker.
USER = re.compile(r"/\* pcc-user: (?P<text>.*?) ?\*/")
CALL = re.compile(r"^(?P<name>[\w.$]+)(?: \[(?P<mod>\w+)\])?\(\)\s*(?P<open>\{)?;?")

# Where the calls made after pcc's last callback may come from; anything
# else under handle_mm_fault (locking, accounting, sanitizers) is not part
# of the path being shown.
PATH_SOURCES = re.compile(r"^(mm/(?!kasan/|kmsan/|debug)[^/]+\.c|arch/arm64/mm/.*|"
                          r"arch/arm64/kernel/traps\.c|arch/arm/mm/.*|arch/x86/mm/.*|kernel/signal\.c)$")

# What differs between the architectures, found from vmlinux's ELF header.
#   entries: the function_graph nodes that hold one fault's calls (the
#     first is the one a data fault enters through). arm64's do_mem_abort
#     is traced; so are 32-bit ARM's do_DataAbort and do_PrefetchAbort (an
#     instruction fetch's); x86_64's exc_page_fault is noinstr, so
#     parse() makes that node itself: from an exceptions:page_fault_user
#     (or _kernel) event to the first top-level call that is not one of
#     do_user_addr_fault's callees (prog.job roots the graph at those).
#   graph_stacks: an event's frames are made from function_graph
#     (graph_frames()), not from its stack trace. On 32-bit ARM neither
#     unwinder gives both: under the frame-pointer one function_graph
#     records nothing with clang (its return hook reads GCC's frame
#     layout), and the EABI one stops at the first return address
#     function_graph replaced (return_to_handler), so every stack trace
#     taken inside the graph is empty.
# (How far back of a return address the call is: trace_common.Dwarf.)
ARCHS = {
    "arm64": {"entries": ("do_mem_abort",)},
    "x86_64": {"entries": ("exc_page_fault",), "callees": set(X86_FAULT_CALLEES)},
    "arm": {"entries": ("do_DataAbort", "do_PrefetchAbort"), "graph_stacks": True},
}
A = ARCHS["arm64"]
# What each scenario must show, as it applies on this architecture
# (scripts/scenarios.py's checks()); set in main().
CHECKS = {}
X86_FAULT = re.compile(r"/\* page_fault_(?P<mode>user|kernel): (?P<text>.*) \*/")


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
    """Yield (scenario, exit status, lines) for each scenario's capture
    (trace_common.prog_blocks): the lines of its own task from its marker
    on."""
    for name, status, _, _, lines in prog_blocks(log):
        if name in scenarios.BY_NAME:
            yield name, status, own_lines(name, lines)


def own_lines(name, lines):
    """The lines of the task that wrote the last "pcc-scenario: NAME"
    marker, from that marker on (pcc-scenario writes it again when it
    clears the buffer to try again); for a scenario whose check says
    "all_tasks" (the flusher's kworker), also those of every task that
    emitted one of pcc's events (the parser follows one task's calls at a
    time: another worker's would mix in)."""
    start, pid = None, None
    for i, line in enumerate(lines):
        m = MARKER.search(line)
        g = LINE.match(line)
        if m and g and m["name"] == name:
            start, pid = i + 1, g["pid"]
    if start is None:
        return []
    pids = {pid}
    if scenarios.CHECKS.get(name, {}).get("all_tasks"):
        for line in lines[start:]:
            g = LINE.match(line)
            if g and EVENT.search(g["body"]):
                pids.add(g["pid"])
    out, mine = [], True
    for line in lines[start:]:
        g = LINE.match(line)
        if g:
            mine = g["pid"] in pids
        else:
            h = STACK_HEAD.match(line)
            if h:
                mine = h["pid"] in pids
        if mine:
            out.append(line)
    return out


class GNode:
    """A call (or event) recorded by function_graph."""

    def __init__(self, name, mod, seq, parent, event=False):
        self.name, self.mod, self.seq, self.parent, self.event = name, mod, seq, parent, event
        self.children = []
        self.depth = -1  # a call's function_graph depth; -1: the root, a fault's entry
        self.ret = None  # where it returns to (funcgraph-retaddr): (sym, off, mod)
        if parent:
            parent.children.append(self)

    def ancestor(self, name):
        """The nearest caller named `name` (or any of a tuple of names)."""
        names = name if isinstance(name, tuple) else (name,)
        n = self.parent
        while n and n.name not in names:
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
    stack_of_pcc = False  # the stack lines that follow are a pcc event's
    for line in lines:
        u = USER.search(line)
        if u:
            users.append(u["text"].strip())
            continue
        m = STACK.match(line)
        if m:
            if stack_of_pcc:
                events[-1][2].append((m["sym"], int(m["off"], 16), m["mod"]))
            continue
        m = LINE.match(line)
        if not m:
            continue
        body = m["body"].strip()
        # A call whose return the kernel did not record (trace_prog.Reading)
        # ends by depth (trace_common.graph_depth).
        depth = graph_depth(m)
        seq += 1
        e = EVENT.search(body)
        if body.startswith("/*"):
            # A stack trace follows its event, maybe after an interrupt's
            # calls: it is a pcc event's if the last event was one.
            stack_of_pcc = bool(e)
        if e:
            events.append((e["name"], e["text"], [], GNode(e["name"], None, seq, cur, True)))
            continue
        x = X86_FAULT.search(body) if "callees" in A else None
        if x and "_nofault" in x["text"]:
            # The kprobe's own nofault read of a VMA field (trace_prog.py
            # drops it the same way): not the scenario's fault.
            continue
        if x and cur in (root, fault):
            fault = GNode(A["entries"][0], None, seq, root)
            fault.mode = x["mode"]
            cur = root
            continue
        if body.startswith("}"):
            while cur.depth > depth:
                cur = cur.parent
            if cur.depth != depth:
                continue
            cur = cur.parent or root
            if cur is fault:
                cur = root
            continue
        c = CALL.match(body)
        if c:
            while cur.depth >= depth:
                cur = cur.parent
            parent = cur
            if cur is root and fault is not None:
                if c["name"] in A["callees"]:
                    parent = fault
                elif c["name"] in OTHER_ROOTS:
                    fault = None
            node = GNode(c["name"], c["mod"], seq, parent)
            node.depth = depth
            r = RETADDR.search(body)
            if r:
                node.ret = (r["sym"], int(r["off"], 16), r["mod"])
            if c["open"]:
                cur = node
    if A.get("graph_stacks"):
        events = [(n, t, fr or graph_frames(g), g) for n, t, fr, g in events]
    return events, root, users


def graph_frames(event):
    """An event's frames, innermost first as a stack trace has them, made
    from function_graph: each call it is in, and where each call returns to
    (funcgraph-retaddr). A call that returns into another function than
    the call it is in was made from a function function_graph does not
    trace (arm's notrace do_page_fault, pcc's Rust): that function is a
    frame too, at that return address. A call's own offset is known only
    from a call it made that returns into it: otherwise (sym, None, mod),
    a frame without a call site to decode."""
    frames, inner, n = [], None, event.parent
    while n is not None and n.parent is not None:
        if inner is not None and inner.ret and inner.ret[0] == n.name:
            frames.append(inner.ret)
        else:
            if inner is not None and inner.ret:
                frames.append(inner.ret)
            frames.append((n.name, None, n.mod))
        inner, n = n, n.parent
    if inner is not None and inner.ret:
        frames.append(inner.ret)
    return frames


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
    rust = demangle(sorted({s for (_, _, fr, _) in events for (s, o, m) in fr
                            if m and s.startswith("_R")}))

    def resolved(frames):
        """graph_frames' frames without an offset that called one of pcc's
        vm_ops callbacks: at that call (Dwarf.callback_site)."""
        out = list(frames)
        for k, (sym, off, mod) in enumerate(out):
            if off is None and not mod and k > 0 and out[k - 1][2]:
                cb = rust.get(out[k - 1][0], out[k - 1][0]).rsplit("::", 1)[-1]
                site = syms.callback_site(sym, cb, syms.source)
                if site is not None:
                    out[k] = (sym, site, mod)
        return out
    events = [(n, t, resolved(fr), g) for n, t, fr, g in events]
    kernel_sites = {(s, o) for (_, _, fr, _) in events for (s, o, m) in fr if not m and o is not None}
    decoded = syms.decode(sorted(kernel_sites))
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
        abort = last.ancestor(A["entries"])
        if i + 1 < len(events) and abort is not None and \
                events[i + 1][3].ancestor(A["entries"]) is abort:
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
    aborts = graph_nodes(graph, A["entries"])
    silent = [a for a in aborts if not has_event(a)]
    if not silent or len(silent) == len(aborts):
        return
    stack = [root]
    where = None
    while stack and where is None:
        n = stack.pop(0)
        for i, c in enumerate(n.children):
            if c.name in A["entries"] and not c.tag:
                where = (n, i)
                break
            stack.append(c)
    if where is None:
        return
    parent, idx = where
    first_loud = next(a for a in aborts if has_event(a))
    src = syms.source_of(sorted(graph_names(silent, depth)))
    for a in silent:
        node = Node(a.name, "(function_graph: no pcc callback)")
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
    aborts = graph_nodes(graph, A["entries"])[:1]
    src = syms.source_of(sorted(graph_names(aborts, depth)))
    for a in aborts:
        path_subtree(root.child(a.name, "(function_graph)"), a, src, depth)
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
    if want is None:
        return False, "no check defined"
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
    """Every function_graph call of `name` (or of a tuple of names) under
    `node`."""
    names = name if isinstance(name, tuple) else (name,)
    out = [] if out is None else out
    for c in node.children:
        if c.name in names and not c.event:
            out.append(c)
        graph_nodes(c, name, out)
    return out


def main():
    global A, CHECKS
    args = sys.argv[1:]
    expected = scenarios.NAMES
    if "--scenarios" in args:
        i = args.index("--scenarios")
        expected = args[i + 1].split()
        del args[i:i + 2]
    checking = "--check" in args
    args = [a for a in args if a != "--check"]
    if len(args) != 3:
        sys.exit(__doc__)
    log, vmlinux, outdir = args
    for tool in ("llvm-nm", "llvm-symbolizer", "llvm-cxxfilt"):
        if not shutil.which(tool):
            sys.exit(f"trace_tree.py: {tool} is not on PATH: run it through make (make trace), "
                     "or put the LLVM_BIN of scripts/lib.sh first on PATH")
    arch = elf_arch(vmlinux)
    A = ARCHS[arch]
    CHECKS = scenarios.checks(arch)
    os.makedirs(outdir, exist_ok=True)
    syms = Symbols(vmlinux, arch)
    syms.source = Source(os.path.join(os.path.dirname(vmlinux), "source"))
    seen, results = set(), []
    for scenario, status, lines in blocks(log):
        seen.add(scenario)
        want = scenarios.BY_NAME[scenario][-1]
        if not lines:
            results.append((scenario, False, f"no marker 'pcc-scenario: {scenario}' in its capture: "
                            f"the program did not get to its start ({status})"))
            continue
        results.append((f"{scenario} ended as expected", status == f"{want} exit" if want < 128
                        else status == f"{want} signal",
                        f"pcc-scenario {scenario}: {status} (expected {want})"))
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
    skipped = scenarios.unsupported(arch)
    for scenario in expected:
        if scenario in skipped:
            # None: a skip, with its reason (TAP "# SKIP").
            results.append((scenario, None, skipped[scenario]))
        elif scenario not in seen:
            results.append((scenario, False, "no capture for this scenario"))
    # The table (scripts/scenarios.py) and the checks name the same
    # scenarios, and each has its section in the documentation.
    unchecked = [n for n in scenarios.NAMES if n not in CHECKS and n not in skipped]
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
