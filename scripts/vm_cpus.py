#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where a hung guest's CPUs are: scripts/vm.sh calls this when a boot runs
past its time, before it stops QEMU.

    scripts/vm_cpus.py MONITOR_SOCKET SYSTEM_MAP

Asks QEMU's human monitor (a Unix socket) for every vCPU's registers
(`info registers -a`) and prints, one line per vCPU, its program counter
and the kernel function it lies in (from System.map), then the monitor's
answer itself. A hang in the guest that prints nothing (early boot, a
spinning CPU with interrupts off) is then located in the log.
"""
import bisect
import re
import socket
import sys
import time

# The program counter in `info registers`, in this order: x86_64's RIP,
# arm64's PC, 32-bit ARM's R15 (x86_64 has an R15 too, not its PC).
PCS = [re.compile(r"\b%s=([0-9a-fA-F]+)" % r) for r in ("RIP", "PC", "R15")]
CPU = re.compile(r"^CPU#(\d+)", re.M)


def monitor(path, command, wait=5.0):
    """The monitor's answer to one command (its banner and prompts stripped)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(wait)
    s.connect(path)
    out = b""
    s.sendall(command.encode() + b"\n")
    end = time.monotonic() + wait
    while time.monotonic() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        out += chunk
        # The answer ends with the next prompt.
        if out.count(b"(qemu)") >= 2:
            break
    s.close()
    text = out.decode(errors="replace").replace("\r", "")
    # Drop the banner, the echoed command and the prompts.
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
    lines = [l for l in text.splitlines() if not l.startswith(("QEMU ", "(qemu)"))]
    return "\n".join(lines)


def symbols(path):
    addrs, names = [], []
    try:
        with open(path) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[1] in "tTwW":
                    addrs.append(int(parts[0], 16))
                    names.append(parts[2])
    except OSError:
        pass
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    return [addrs[i] for i in order], [names[i] for i in order]


def main():
    sock, smap = sys.argv[1], sys.argv[2]
    try:
        regs = monitor(sock, "info registers -a")
    except OSError as e:
        print(f"PCC-HUNG-CPUS none: the monitor did not answer ({e})")
        return 0
    addrs, names = symbols(smap)
    # Split the answer per vCPU (one block each, "CPU#n" first).
    starts = [(m.start(), m.group(1)) for m in CPU.finditer(regs)] or [(0, "0")]
    for i, (at, cpu) in enumerate(starts):
        block = regs[at:starts[i + 1][0] if i + 1 < len(starts) else len(regs)]
        m = next(filter(None, (p.search(block) for p in PCS)), None)
        if not m:
            continue
        pc = int(m.group(1), 16)
        k = bisect.bisect_right(addrs, pc) - 1
        where = f"{names[k]}+{pc - addrs[k]:#x}" if k >= 0 else "?"
        print(f"PCC-HUNG-CPU {cpu} pc={pc:#x} {where}")
    print(regs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
