#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print two architectures' fault-path trees of each scenario side by side.

    trace_sbs.py ARM64_TRACE_DIR X86_64_TRACE_DIR [SCENARIO...]
    trace_sbs.py --table ARM64_TRACE_DIR X86_64_TRACE_DIR [SCENARIO...]

The directories are what scripts/trace_tree.py wrote (<scenario>.tree),
e.g. out/trace and out/x86_64/trace after `make check` or `make trace`.
The two trees are aligned at handle_mm_fault: the frames above it (the
exception entry of each architecture) are padded so that handle_mm_fault
is on the same row and at the same column in both. pcc's events are cut
to what decides the path (the address is dropped: it differs every run);
where the two events' flags differ, both are printed under the pair.
Nothing is added: every frame is a line of one of the two .tree files.

--table prints a Markdown table instead: per scenario, the do_fault branch
(or do_wp_page) and pcc's callbacks on each architecture, the frames above
handle_mm_fault (the entry) on each, and what else differs: frames only one
tree has, frames inlined in one and called in the other, and whether pcc's
callbacks ran under the per-VMA lock (VMA_LOCK in their flags).
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


BRANCHES = ("do_read_fault", "do_shared_fault", "do_cow_fault", "do_wp_page")
CALLBACKS = ("pcc_map_pages", "pcc_fault", "pcc_page_mkwrite")


def frames(lines):
    """[(name, inlined)] of every frame line; events and user lines left out."""
    out = []
    for l in lines:
        t = l.strip()
        if t.startswith(("* ", "=> ", "(")):
            continue
        out.append((re.sub(r" \(.*\)$", "", t), t.endswith("(inlined)")))
    return out


def facts(lines):
    fr = frames(lines)
    names = [n for n, _ in fr]
    i = names.index("handle_mm_fault") if "handle_mm_fault" in names else None
    entry = names[:i] if i is not None else []
    branch = [b for b in BRANCHES if b in names]
    calls = []
    for l in lines:
        t = l.strip()
        for c in CALLBACKS:
            if t.startswith(f"* {c}:"):
                calls.append(c[4:])
    vma_lock = any("VMA_LOCK" in l for l in lines if l.strip().startswith("* pcc_"))
    return {"names": names, "inl": {n for n, inl in fr if inl}, "entry": entry,
            "branch": branch, "calls": calls, "vma_lock": vma_lock}


def squeeze(calls):
    out = []
    for c in calls:
        if out and out[-1][0] == c:
            out[-1][1] += 1
        else:
            out.append([c, 1])
    return ", ".join(c if n == 1 else f"{c} ×{n}" for c, n in out) or "none"


def table(names, da, db):
    print("| scenario | arm64: branch; pcc callbacks | x86_64: branch; pcc callbacks "
          "| what differs (besides the entry) |")
    print("|---|---|---|---|")
    for n in names:
        a, b = load(os.path.join(da, n + ".tree")), load(os.path.join(db, n + ".tree"))
        if not a or not b:
            print(f"| `{n}` | {'(no capture)' if not a else ''} | {'(no capture)' if not b else ''} | |")
            continue
        fa, fb = facts(a), facts(b)
        below_a = set(fa["names"][len(fa["entry"]):])
        below_b = set(fb["names"][len(fb["entry"]):])
        diff = []
        only_a = sorted(x for x in below_a - below_b - set(fb["entry"]) if "[pcc]" not in x)
        only_b = sorted(x for x in below_b - below_a - set(fa["entry"]) if "[pcc]" not in x)
        if only_a:
            diff.append("only arm64: " + ", ".join(f"`{x}`" for x in only_a))
        if only_b:
            diff.append("only x86_64: " + ", ".join(f"`{x}`" for x in only_b))
        both = below_a & below_b
        inl_a = sorted(x for x in both if x in fa["inl"] and x not in fb["inl"])
        inl_b = sorted(x for x in both if x in fb["inl"] and x not in fa["inl"])
        if inl_a:
            diff.append("inlined on arm64 only: " + ", ".join(f"`{x}`" for x in inl_a))
        if inl_b:
            diff.append("inlined on x86_64 only: " + ", ".join(f"`{x}`" for x in inl_b))
        if fa["vma_lock"] != fb["vma_lock"]:
            diff.append(f"per-VMA lock: arm64 {'yes' if fa['vma_lock'] else 'no'}, "
                        f"x86_64 {'yes' if fb['vma_lock'] else 'no'}")
        cell = lambda f: f"{', '.join('`%s`' % x for x in f['branch']) or 'none'}; {squeeze(f['calls'])}"
        print(f"| `{n}` | {cell(fa)} | {cell(fb)} | {'; '.join(diff) or 'nothing'} |")


def main():
    args = sys.argv[1:]
    as_table = args[:1] == ["--table"]
    if as_table:
        args = args[1:]
    if len(args) < 2:
        sys.exit(__doc__)
    da, db = args[:2]
    names = args[2:] or sorted({f[:-5] for d in (da, db) if os.path.isdir(d)
                                    for f in os.listdir(d) if f.endswith(".tree")})
    if as_table:
        table(names, da, db)
        return
    for n in names:
        a, b = load(os.path.join(da, n + ".tree")), load(os.path.join(db, n + ".tree"))
        print("\n".join(sbs(n, a or ["(no capture)"], b or ["(no capture)"])))
        print()


if __name__ == "__main__":
    main()
