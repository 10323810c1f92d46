#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print several architectures' fault-path trees of each scenario side by side.

    trace_sbs.py TRACE_DIR TRACE_DIR [TRACE_DIR...] [SCENARIO...]
    trace_sbs.py --table TRACE_DIR TRACE_DIR [TRACE_DIR...] [SCENARIO...]

Each directory is what scripts/trace_tree.py wrote (<scenario>.tree) for one
architecture, named by the folder it is in: out/arm64/trace,
out/x86_64/trace, out/arm/trace after `make check` or `make trace`. The
first is the reference the others are compared with. The trees are aligned
at handle_mm_fault: the frames above it (the exception entry of each
architecture) are padded so that handle_mm_fault is on the same row and at
the same column in all. pcc's events are cut to what decides the path (the
address is dropped: it differs every run); where the events' flags differ,
each architecture's are printed under the row. Nothing is added: every
frame is a line of one of the .tree files.

--table prints a Markdown table instead: per scenario, the do_fault branch
(or do_wp_page) and pcc's callbacks on each architecture, and what else
differs below the entry: frames that not every tree has (named with the
architectures that have them), frames inlined on some and called on the
others, and whether pcc's callbacks ran under the per-VMA lock (VMA_LOCK in
their flags).
"""
import os
import re
import sys

WIDTH = 72


def label(d):
    """An architecture's name: the folder its trace directory is in."""
    return os.path.basename(os.path.dirname(os.path.abspath(d)))


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


def sbs(name, labels, trees):
    """The trees side by side, aligned at handle_mm_fault."""
    out = [f"=== {name}", "  ".join(f"{l:<{WIDTH}}" for l in labels).rstrip()]
    anchors = [anchor(t) for t in trees]
    if all(a is not None for a in anchors):
        shift = max(depth(t[a]) for t, a in zip(trees, anchors))
        row = max(anchors)
        trees = [[""] * (row - a) + [" " * (shift - depth(t[a])) + l for l in t]
                 for t, a in zip(trees, anchors)]
    flags = []
    for i in range(max(len(t) for t in trees)):
        cells = [short(t[i]) if i < len(t) else ("", None) for t in trees]
        fl = [f for _, f in cells]
        if all(fl) and len(set(fl)) > 1:
            flags.append((cells[0][0].strip().split(":")[0], fl))
        # Every column but the last is cut to its width.
        texts = [c if len(c) <= WIDTH or k == len(cells) - 1 else c[:WIDTH - 1] + "…"
                 for k, (c, _) in enumerate(cells)]
        out.append("  ".join(f"{c:<{WIDTH}}" for c in texts).rstrip())
    w = max(len(l) for l in labels)
    for ev, fl in flags:
        for k, (lab, f) in enumerate(zip(labels, fl)):
            out.append(f"  {ev if k == 0 else ' ' * len(ev)} flags: {lab:<{w}} {f}")
    return out


BRANCHES = ("do_read_fault", "do_shared_fault", "do_cow_fault", "do_wp_page")
CALLBACKS = ("pcc_map_pages", "pcc_fault", "pcc_page_mkwrite", "pcc_huge_fault")


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


def grouped(what, by):
    """{frame: architectures} as "<what> arch, arch: `f`, `g`" parts, one
    per set of architectures."""
    sets = {}
    for frame, archs in sorted(by.items()):
        sets.setdefault(tuple(archs), []).append(frame)
    return [f"{what} {', '.join(archs)}: " + ", ".join(f"`{x}`" for x in fs)
            for archs, fs in sorted(sets.items())]


def differences(labels, fs):
    """What differs between the architectures' trees, below the entry."""
    entries = set().union(*(f["entry"] for f in fs))
    below = [set(f["names"][len(f["entry"]):]) for f in fs]
    every = set.intersection(*below)
    some = {}
    for lab, b in zip(labels, below):
        for x in b - every - entries:
            if "[pcc]" not in x:
                some.setdefault(x, []).append(lab)
    diff = grouped("only on", some)
    inl = {}
    for x in every:
        on = [lab for lab, f in zip(labels, fs) if x in f["inl"]]
        if on and len(on) < len(fs):
            inl[x] = on
    diff += grouped("inlined on", inl)
    if len({f["vma_lock"] for f in fs}) > 1:
        diff.append("per-VMA lock: " + ", ".join(f"{lab} {'yes' if f['vma_lock'] else 'no'}"
                                                 for lab, f in zip(labels, fs)))
    return "; ".join(diff) or "nothing"


def missing(name, arch):
    """Why an architecture has no tree of a scenario."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import scenarios
    why = scenarios.unsupported(arch).get(name)
    return f"(not run: {why})" if why else "(no capture)"


def table(names, dirs):
    labels = [label(d) for d in dirs]
    print("| scenario | " + " | ".join(f"{l}: branch; pcc callbacks" for l in labels)
          + " | what differs (besides the entry) |")
    print("|---|" + "---|" * len(labels) + "---|")
    for n in names:
        trees = [load(os.path.join(d, n + ".tree")) for d in dirs]
        cell = lambda f: f"{', '.join('`%s`' % x for x in f['branch']) or 'none'}; {squeeze(f['calls'])}"
        cells = [cell(facts(t)) if t else missing(n, lab) for t, lab in zip(trees, labels)]
        # What differs, between the architectures that have a tree.
        have = [(lab, facts(t)) for t, lab in zip(trees, labels) if t]
        diff = differences([l for l, _ in have], [f for _, f in have]) if len(have) > 1 else ""
        print(f"| `{n}` | " + " | ".join(cells) + f" | {diff} |")


def main():
    args = sys.argv[1:]
    as_table = args[:1] == ["--table"]
    if as_table:
        args = args[1:]
    dirs = [a for a in args if os.path.isdir(a)]
    names = [a for a in args if not os.path.isdir(a)]
    if len(dirs) < 2:
        sys.exit(__doc__)
    names = names or sorted({f[:-5] for d in dirs for f in os.listdir(d) if f.endswith(".tree")})
    if as_table:
        table(names, dirs)
        return
    labels = [label(d) for d in dirs]
    for n in names:
        trees = [load(os.path.join(d, n + ".tree")) or ["(no capture)"] for d in dirs]
        print("\n".join(sbs(n, labels, trees)))
        print()


if __name__ == "__main__":
    main()
