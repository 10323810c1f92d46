#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print two architectures' fault-path trees of each scenario side by side.

    trace_sbs.py ARM64_TRACE_DIR X86_64_TRACE_DIR [SCENARIO...]

The directories are what scripts/trace_tree.py wrote (<scenario>.tree),
e.g. out/trace and out/x86_64/trace after `make check` or `make trace`.
The two trees are aligned at handle_mm_fault: the frames above it (the
exception entry of each architecture) are padded so that handle_mm_fault
is on the same row and at the same column in both. pcc's events are cut
to what decides the path (the address is dropped: it differs every run);
where the two events' flags differ, both are printed under the pair.
Nothing is added: every frame is a line of one of the two .tree files.
"""
import os
import re
import sys

WIDTH = 72


def load(path):
    """The tree's lines, indented one column per level (not two) to fit."""
    try:
        with open(path) as f:
            lines = [l.rstrip("\n") for l in f if l.strip()]
    except OSError:
        return None
    return [" " * depth(l, 2) + l.lstrip(" ") for l in lines]


def depth(line, per=1):
    return (len(line) - len(line.lstrip(" "))) // per


def short(line):
    """An event line without its address; its flags kept apart."""
    m = re.match(r"^(\s*\* \w+: )(.*)$", line)
    if not m:
        return line, None
    text = re.sub(r"address=0x[0-9a-f]+ ", "", m.group(2))
    flags = re.search(r"flags=(\S+)", text)
    text = re.sub(r"flags=\S+ ?", "", text)
    return m.group(1) + text, flags.group(1) if flags else None


def anchor(lines):
    for i, l in enumerate(lines):
        if l.strip() == "handle_mm_fault":
            return i
    return None


def sbs(name, a, b):
    out = [f"=== {name}", f"{'arm64':<{WIDTH}}  x86_64"]
    ia, ib = anchor(a), anchor(b)
    if ia is not None and ib is not None:
        da, db = depth(a[ia]), depth(b[ib])
        shift = max(da, db)
        a = [" " * (shift - da) + l for l in a]
        b = [" " * (shift - db) + l for l in b]
        pad = ia - ib
        if pad > 0:
            b = [""] * pad + b
        else:
            a = [""] * -pad + a
    flags = []
    rows = max(len(a), len(b))
    for i in range(rows):
        la, fa = short(a[i]) if i < len(a) else ("", None)
        lb, fb = short(b[i]) if i < len(b) else ("", None)
        if fa and fb and fa != fb:
            flags.append((la.strip().split(":")[0], fa, fb))
        if len(la) > WIDTH:
            la = la[:WIDTH - 1] + "…"
        out.append(f"{la:<{WIDTH}}  {lb}".rstrip())
    for ev, fa, fb in flags:
        out.append(f"  {ev} flags: arm64 {fa}")
        out.append(f"  {' ' * len(ev)}        x86_64 {fb}")
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    da, db = sys.argv[1:3]
    names = sys.argv[3:] or sorted({f[:-5] for d in (da, db) if os.path.isdir(d)
                                    for f in os.listdir(d) if f.endswith(".tree")})
    for n in names:
        a, b = load(os.path.join(da, n + ".tree")), load(os.path.join(db, n + ".tree"))
        print("\n".join(sbs(n, a or ["(no capture)"], b or ["(no capture)"])))
        print()


if __name__ == "__main__":
    main()
