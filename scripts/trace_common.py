# SPDX-License-Identifier: GPL-2.0
"""What the two fault-path decoders share: scripts/trace_tree.py (make
trace's scenarios) and scripts/trace_prog.py (make trace PROG=)."""
import os
import re
import subprocess
import sys


# x86_64: exc_page_fault is noinstr; the guest roots function_graph at each
# function do_user_addr_fault calls (scripts/guest/lib.sh's
# pcc_fault_roots), and a fault's calls are these, at the top level, after
# its exceptions:page_fault_* event.
X86_FAULT_CALLEES = ("lock_vma_under_rcu", "handle_mm_fault", "lock_mm_and_find_vma",
                     "bad_area_nosemaphore", "bad_area_access_error", "do_sigbus",
                     "pagefault_out_of_memory", "kernelmode_fixup_or_oops")
# The graph's other root (prog.job): a fault get_user_pages() takes for a
# syscall. At the top level, a call of it ends an x86 fault; any other call
# there while a fault is open is an interrupt's (irq_enter_rcu, the
# softirqs run on its exit), which is not the fault's and does not end it.
OTHER_ROOTS = ("__get_user_pages",)


# function_graph with funcgraph-proc and without funcgraph-duration:
#   " 1)  prog-85     |    handle_mm_fault() { /* <-do_page_fault+0x2c0/0x6f0 */"
LINE = re.compile(r"^\s*(?P<cpu>\d+)\)\s+(?P<comm>.*?)-(?P<pid>\d+)\s+\|\s?(?P<body>.*)$")
# A call's return address (funcgraph-retaddr): "/* <-do_page_fault+0x1dc/0x478 */".
RETADDR = re.compile(r"<-(?P<sym>[\w.$]+)\+0x(?P<off>[0-9a-f]+)/0x[0-9a-f]+(?: \[(?P<mod>\w+)\])?")


def graph_depth(m):
    """The depth of a LINE match: its body's indentation, two spaces a
    level (TRACE_GRAPH_INDENT), counted per task (curr_ret_depth). Both
    decoders place a call by it, so that a return function_graph did not
    record ends its call where the next line at its depth or above begins."""
    body = m["body"]
    return (len(body) - len(body.lstrip(" "))) // 2


def prog_blocks(log):
    """(name, exit line, lost, output lines, trace lines) of each capture
    of scripts/guest/prog.job in a guest log."""
    name, lines, out, status, lost, where = None, [], [], None, None, None
    for line in open(log, errors="replace").read().splitlines():
        line = line.rstrip("\r")
        if line.startswith("PCC-PROG-OUTPUT-BEGIN"):
            where, out = "out", []
        elif line.startswith("PCC-PROG-OUTPUT-END"):
            where = None
        elif line.startswith("PCC-PROG-EXIT "):
            status = line.split(None, 1)[1].strip()
        elif line.startswith("PCC-PROG-LOST "):
            lost = int(line.split()[1])
        elif line.startswith("PCC-PROG-BEGIN "):
            name, lines, where = line.split()[1], [], "trace"
        elif line.startswith("PCC-PROG-END ") and name:
            yield name, status, lost, out, lines
            name, where = None, None
        elif where == "out":
            out.append(line)
        elif where == "trace":
            lines.append(line)
    if name and where == "trace":
        # The guest stopped while printing the capture (its time limit):
        # what came out is decoded, and the summary says it is cut short.
        yield name, (status or "?") + " (capture cut short: the guest stopped while printing it)", \
            lost, out, lines

def elf_arch(vmlinux):
    """arm64, x86_64 or arm, from vmlinux's ELF header (e_machine is at
    the same offset in a 32-bit one)."""
    with open(vmlinux, "rb") as f:
        head = f.read(20)
    machine = int.from_bytes(head[18:20], "little")
    return {183: "arm64", 62: "x86_64", 40: "arm"}.get(machine) or sys.exit(f"{vmlinux}: ELF machine {machine}?")


def relpath(path):
    """A source path as the kernel tree names it (mm/memory.c)."""
    m = re.search(r"/linux-source-[^/]+/(.*)$", path)
    return m.group(1) if m else path


def demangle(names):
    """{symbol: name} for Rust symbols, without pcc's module paths
    (<pcc::cache::PageCache as ...> -> <PageCache as ...>)."""
    names = sorted(set(names))
    if not names:
        return {}
    out = subprocess.run(["llvm-cxxfilt"], input="\n".join(names) + "\n",
                         capture_output=True, text=True, check=True).stdout.splitlines()
    return {n: re.sub(r"\bpcc::(?:\w+::)*", "", d) for n, d in zip(names, out)}


def print_tap(suite, results):
    """[(what, ok, why)] as TAP framed for tap_summary.py; 1 if any failed.
    ok None: skipped, `why` saying why."""
    print(f"PCC-TEST-BEGIN {suite}")
    print("TAP version 13")
    print(f"1..{len(results)}")
    for i, (what, ok, why) in enumerate(results, 1):
        if ok is None:
            print(f"ok {i} {what} # SKIP {why}")
            continue
        if not ok:
            print(f"# FAIL {what}: {why}")
        print(f"{'ok' if ok else 'not ok'} {i} {what}: {why if ok else 'FAILED'}")
    fails = sum(1 for r in results if r[1] is False)
    print(f"PCC-TEST-END {suite} rc={1 if fails else 0}")
    return 1 if fails else 0


class Dwarf:
    """vmlinux's symbols and DWARF: inlined frames at call sites, the
    source file of functions."""

    # How far back of a return address the call instruction is: an arm64
    # BL is 4 bytes before, as is a 32-bit ARM one (the kernel is built in
    # ARM mode: kconfig/arm.config); an x86 call is 2 to 7 bytes long, so 1
    # byte back is inside it.
    SITE = {"arm64": 4, "x86_64": 1, "arm": 4}

    def __init__(self, vmlinux, arch):
        self.vmlinux, self.arch, self.site, self.addr = vmlinux, arch, self.SITE[arch], {}
        self.size = {}
        out = subprocess.run(["llvm-nm", "--defined-only", "-S", vmlinux],
                             capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[2] in "tTwW":
                self.addr.setdefault(parts[3], int(parts[0], 16))
                self.size.setdefault(parts[3], int(parts[1], 16))
            elif len(parts) == 3 and parts[1] in "tTwW":
                self.addr.setdefault(parts[2], int(parts[0], 16))
        self.sites, self.files, self.cb_sites = {}, {}, {}

    def callback_site(self, fn, callback, source):
        """Where fn calls the vm_ops callback `callback` (the source line
        `vma->vm_ops->map_pages(...)`, maybe in a function inlined into fn),
        as the offset a stack trace would give for it (that of the return
        address), found from fn's line table and the kernel source; None
        if fn has no such call. For a caller of a function that nothing
        traced returns into: 32-bit ARM, whose stacks are empty under
        function_graph, calls pcc's untraced Rust callbacks from
        handle_mm_fault's inlined do_fault_around that way. Instructions
        are taken 4 bytes apart: ARM (A32) code only."""
        key = (fn, callback)
        if key not in self.cb_sites:
            self.cb_sites[key] = None
            start, size = self.addr.get(fn), self.size.get(fn, 0)
            if start is not None and size:
                addrs = list(range(start, start + size, 4))
                for a, frames in zip(addrs, self._symbolize(addrs, True)):
                    if frames and source.callback(frames[0][1], frames[0][2]) == callback:
                        self.cb_sites[key] = a - start + self.site
                        break
        return self.cb_sites[key]

    def _symbolize(self, addrs, inlining):
        """llvm-symbolizer's frames of each address, innermost first, each
        (function, file, line): pairs of lines (function, file:line:col)
        per frame, one address's block ending with an empty line."""
        inp = "\n".join(hex(a) for a in addrs) + "\n"
        out = subprocess.run(["llvm-symbolizer", "--inlining" if inlining else "--inlining=false",
                              "--functions=short", f"--obj={self.vmlinux}"],
                             input=inp, capture_output=True, text=True, check=True).stdout
        res = []
        for grp in out.split("\n\n")[:len(addrs)]:
            lines = [l for l in grp.splitlines() if l.strip()]
            frames = []
            for j in range(0, len(lines) - 1, 2):
                path, line = lines[j + 1].rsplit(":", 2)[:2] if lines[j + 1].count(":") >= 2 else (lines[j + 1], "0")
                frames.append((lines[j], relpath(path), int(line) if line.isdigit() else 0))
            res.append(frames)
        return res

    def load_sites(self, sites):
        """Decode call sites (sym, off): frames innermost first, each
        (function, file, line) of the call."""
        todo = sorted({s for s in sites if s not in self.sites and s[0] in self.addr})
        if todo:
            got = self._symbolize([self.addr[s] + max(o - self.site, 0) for s, o in todo], True)
            for key, frames in zip(todo, got):
                self.sites[key] = frames

    def at(self, sym, off):
        """The frames of a call site load_sites decoded (the symbol alone
        when it has none)."""
        return self.sites.get((sym, off)) or [(sym, "", 0)]

    def load_files(self, names):
        """The source file of each function (its first line's)."""
        todo = sorted({n for n in names if n not in self.files and n in self.addr})
        if todo:
            for n, frames in zip(todo, self._symbolize([self.addr[n] for n in todo], False)):
                self.files[n] = frames[0][1] if frames else ""

    def file(self, name):
        return self.files.get(name, "")


class Source:
    """Lines of the kernel source, to name the vm_ops callback a call
    site calls (`vma->vm_ops->fault(vmf)` in __do_fault)."""

    CALLBACK = re.compile(r"vm_ops->(\w+)\(")

    def __init__(self, ksrc):
        self.ksrc, self.cache = ksrc, {}

    def callback(self, path, line):
        if not self.ksrc or not path or line <= 0:
            return None
        if path not in self.cache:
            try:
                with open(os.path.join(self.ksrc, path), errors="replace") as f:
                    self.cache[path] = f.read().splitlines()
            except OSError:
                self.cache[path] = []
        text = self.cache[path]
        for n in (line, line - 1):
            if 0 < n <= len(text):
                m = self.CALLBACK.search(text[n - 1])
                if m:
                    return m.group(1)
        return None
