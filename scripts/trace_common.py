# SPDX-License-Identifier: GPL-2.0
"""What the two fault-path decoders share: scripts/trace_tree.py (make
trace's scenarios) and scripts/trace_prog.py (make trace PROG=)."""
import re
import subprocess
import sys


def elf_arch(vmlinux):
    """arm64 or x86_64, from vmlinux's ELF header."""
    with open(vmlinux, "rb") as f:
        head = f.read(20)
    machine = int.from_bytes(head[18:20], "little")
    return {183: "arm64", 62: "x86_64"}.get(machine) or sys.exit(f"{vmlinux}: ELF machine {machine}?")


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
    """[(what, ok, why)] as TAP framed for tap_summary.py; 1 if any failed."""
    print(f"PCC-TEST-BEGIN {suite}")
    print("TAP version 13")
    print(f"1..{len(results)}")
    for i, (what, ok, why) in enumerate(results, 1):
        if not ok:
            print(f"# FAIL {what}: {why}")
        print(f"{'ok' if ok else 'not ok'} {i} {what}: {why if ok else 'FAILED'}")
    fails = sum(1 for r in results if not r[1])
    print(f"PCC-TEST-END {suite} rc={1 if fails else 0}")
    return 1 if fails else 0
