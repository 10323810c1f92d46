#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench's table, from the guest log of scripts/bench.sh.

    bench_table.py [--icount] LOG CSV

LOG holds bench/pcc_bench's lines "S <case> <system> <round> <ns/page>
<faults/page>", its disk lines "D <case> <system> <round> <read requests>
<sectors>" and the job's memory lines "M <what> <system> <pages>
<bytes>". Prints, per case and system, the median ns per page over the
rounds, the spread (interquartile range, as a share of the median), the
median task faults per page and the ratio to the case's reference system
(shmem; ext4 for read-major-* and read-syscall-seq); then the 2-thread
speedups, what the disk read in the major cases, and the memory
overhead. Writes the same rows to CSV.

Every round runs every system, so a ratio is taken per round: the
system's time over the reference's in the same round (the 1-thread time
over the 2-thread time of the same system for a speedup). A round that
one of the two lacks is left out. The ratio printed is the median of
these per-round ratios, and in brackets its 95% interval: the 2.5th and
97.5th percentiles of the median of the rounds resampled with
replacement (a percentile bootstrap, 10000 resamples, fixed seed: the
same log gives the same table). A target "at most X" is met only when
the interval's upper end is at most X. The CSV's ratio_lo and ratio_hi
columns hold the interval.

--icount: the log of make bench ICOUNT=1, where the guest's ns are
instructions (QEMU's -icount shift=0). The table says instr/page, and
its spread is the range over the rounds (largest less smallest, as a
share of the median): how far from deterministic the count is. Left
out: the 2-thread cases (the guest has one vCPU), and the cases that
wait for the disk, whose guest time includes jumps of the idle guest's
clock to its next timer.

A ratio needs a reference that took time: a -net row of a case without
a fault (a pass less the same pass) is 0 on both sides, and has none.
"""
import csv
import random
import statistics
import sys
from collections import defaultdict

ORDER = ["read-cached", "read-cached-nofa", "read-cached-fab4k", "read-cached-huge", "read-cold",
         "read-cold-huge", "store-cold", "store-cold-huge", "store-cold-nonotify", "store-after-read",
         "store-after-read-huge", "store-after-read-nonotify",
         "store-cold-1t-nonotify", "store-cold-same-2t-nonotify",
         "writeback", "store-after-writeback", "store-private", "read-cold-1t", "read-cold-2t",
         "read-cached-1t", "read-cached-2t", "store-cold-1t", "store-cold-2t",
         "read-cold-same-2t", "store-cold-same-2t", "read-syscall-cached", "write-syscall-cold",
         "read-major-seq", "read-major-rand", "read-syscall-seq"]
SYSTEMS = ["pcc", "shmem", "anon", "ext4"]
# Where pcc and the reference do the same work. The others show what
# write-notify costs: shmem needs no fault there at all, so no ratio
# (pcc with write_notify=0 needs none either: store-after-read-nonotify
# has one).
NO_RATIO = {"store-after-read", "store-after-read-huge", "writeback", "store-after-writeback"}
# The huge phase's cases, each against the same case on pcc's PTE path.
HUGE = ["read-cached", "read-cold", "store-cold", "store-after-read"]
# The ratios' bootstrap: resamples of the rounds, and a fixed seed, so
# that the same log gives the same table.
RESAMPLES = 10000
SEED = 1
# What --icount leaves out: not path lengths there (the docstring).
ICOUNT_WAITS = ("read-major", "read-syscall-seq")
# The CSV's columns; --icount's names for two of them.
FIELDS = ["case", "system", "rounds", "ns_per_page", "iqr_pct", "faults_per_page", "ratio", "reference",
          "ratio_lo", "ratio_hi"]
ICOUNT_FIELDS = {"ns_per_page": "instr_per_page", "iqr_pct": "range_pct"}


def reference(case):
    """The system a case's ratio is taken against: ext4 for the cases
    that read from a disk, shmem for the rest."""
    return "ext4" if case.startswith(("read-major", "read-syscall-seq")) else "shmem"


def quartiles(v):
    if len(v) < 2:
        return v[0], v[0]
    q = statistics.quantiles(v, n=4, method="inclusive")
    return q[0], q[2]


def paired(num, den):
    """num / den per round (each a dict of round -> ns per page), over the
    rounds both have: (median, interval's low end, high end, rounds), or
    None when they have no round in common."""
    r = [num[k] / den[k] for k in sorted(num.keys() & den.keys()) if den[k]]
    if not r:
        return None
    rng = random.Random(SEED)
    meds = [statistics.median(rng.choices(r, k=len(r))) for _ in range(RESAMPLES)]
    # 39 cut points, 2.5% apart: the first is the 2.5th percentile.
    q = statistics.quantiles(meds, n=40, method="inclusive")
    return statistics.median(r), q[0], q[-1], len(r)


def interval(p):
    return f"{p[0]:.2f} [{p[1]:.2f}, {p[2]:.2f}]"


def main():
    args = sys.argv[1:]
    icount = args[:1] == ["--icount"]
    if icount:
        args = args[1:]
    if len(args) != 2:
        sys.exit(__doc__)
    log, out = args
    ns, faults = defaultdict(list), defaultdict(list)
    by_round = defaultdict(dict)
    disk = defaultdict(list)
    mem = []
    phase = None
    for line in open(log, errors="replace"):
        f = line.split()
        if line.startswith("# pcc_bench "):
            phase = f[2].rstrip(":")
        elif len(f) == 6 and f[0] == "S":
            # A phase's name goes before "-net": read-cached-nofa-net.
            name, net = (f[1][:-4], "-net") if f[1].endswith("-net") else (f[1], "")
            case = name + ("-" + phase if phase in ("nofa", "fab4k", "nonotify", "huge") else "") + net
            ns[(case, f[2])].append(float(f[4]))
            by_round[(case, f[2])][int(f[3])] = float(f[4])
            faults[(case, f[2])].append(float(f[5]))
        elif len(f) == 6 and f[0] == "D":
            disk[(f[1], f[2])].append((int(f[4]), int(f[5])))
        elif len(f) == 5 and f[0] == "M":
            mem.append((f[1], f[2], int(f[3]), int(f[4])))
    if not ns:
        sys.exit("bench_table.py: no results in " + log)

    rows = []
    # Each case, then its -net twin (one thread: less a pass over the
    # pages once mapped).
    order = [x for c in ORDER for x in (c, c + "-net")]
    left_out = []
    for case in order + sorted({c for c, _ in ns} - set(order)):
        if icount and ("-2t" in case or case.startswith(ICOUNT_WAITS)):
            if any((case, s) in ns for s in SYSTEMS):
                left_out.append(case)
            continue
        ref = reference(case)
        for s in SYSTEMS:
            v = ns.get((case, s))
            if not v:
                continue
            med = statistics.median(v)
            q1, q3 = (min(v), max(v)) if icount else quartiles(v)
            ratio = None
            if (case, ref) in ns and s != ref and case.removesuffix("-net") not in NO_RATIO \
                    and statistics.median(ns[(case, ref)]) >= 1:
                ratio = paired(by_round[(case, s)], by_round[(case, ref)])
            rows.append({
                "case": case, "system": s, "rounds": len(v),
                "ns_per_page": round(med, 1),
                "iqr_pct": round(100 * (q3 - q1) / med, 2 if icount else 1) if med else 0.0,
                "faults_per_page": round(statistics.median(faults[(case, s)]), 3),
                "ratio": round(ratio[0], 3) if ratio else "",
                "reference": ref if s != ref else "",
                "ratio_lo": round(ratio[1], 3) if ratio else "",
                "ratio_hi": round(ratio[2], 3) if ratio else "",
            })

    w = max(len(r["case"]) for r in rows)
    unit, spread = ("instr/page", "range") if icount else ("ns/page", "IQR")
    print(f"{'case':<{w}}  {'system':<6} {unit:>10} {spread:>6} {'faults/page':>11} {'ratio [95% interval]':>20}")
    last = None
    for r in rows:
        name = r["case"] if r["case"] != last else ""
        last = r["case"]
        if r["ratio"] != "":
            ratio = interval((r["ratio"], r["ratio_lo"], r["ratio_hi"]))
        elif r["case"].removesuffix("-net") in NO_RATIO:
            ratio = "-"
        else:
            ratio = "ref" if r["system"] in ("shmem", "ext4") else ""
        print(f"{name:<{w}}  {r['system']:<6} {r['ns_per_page']:>10.1f} {r['iqr_pct']:>5.{2 if icount else 1}f}% "
              f"{r['faults_per_page']:>11.3f} {ratio:>20}")
    print("\nratio: each round's time over the reference's in the same round, the median over the rounds and its\n"
          "bootstrap 95% interval; a target of at most X is met only when the interval's upper end is at most X")
    if icount:
        print("instr/page: the guest's ns per page under -icount shift=0, one ns per instruction executed\n"
              "(one vCPU); range: the largest round less the smallest, over the median")
        if left_out:
            print("left out: " + ", ".join(left_out) + "\n(2 threads: one vCPU;"
                  " disk waits: the idle guest's clock jumps to its next timer)")

    print("\n2 threads on disjoint halves: speedup over 1 thread (time per page, 1t / 2t, per round;"
          " median [95% interval])")
    if icount:
        print("  none: -icount runs one vCPU")
    for base in [] if icount else ["read-cold", "read-cached", "store-cold"]:
        cells = []
        for s in SYSTEMS:
            sp = paired(by_round.get((base + "-1t", s), {}), by_round.get((base + "-2t", s), {}))
            if sp:
                cells.append(f"{s} {interval(sp)}")
                rows.append({"case": base + "-speedup", "system": s, "rounds": sp[3],
                             "ns_per_page": "", "iqr_pct": "", "faults_per_page": "",
                             "ratio": round(sp[0], 3), "reference": "1 thread",
                             "ratio_lo": round(sp[1], 3), "ratio_hi": round(sp[2], 3)})
        print(f"  {base:<12} " + ", ".join(cells))

    if any((c + "-huge", "pcc") in by_round for c in HUGE):
        print("\nHuge pages: pcc's speedup over its PTE path (time per page, huge=never / huge=always;"
              " rounds of the\ntwo phases paired by number; median [95% interval])")
        for base in HUGE:
            sp = paired(by_round.get((base, "pcc"), {}), by_round.get((base + "-huge", "pcc"), {}))
            if sp:
                print(f"  {base:<17} {interval(sp)}")
                rows.append({"case": base + "-huge-speedup", "system": "pcc", "rounds": sp[3],
                             "ns_per_page": "", "iqr_pct": "", "faults_per_page": "",
                             "ratio": round(sp[0], 3), "reference": "huge=never",
                             "ratio_lo": round(sp[1], 3), "ratio_hi": round(sp[2], 3)})

    if disk:
        print("\nThe disk in the major cases: read requests per 1000 pages, KiB per request (medians)")
        for case in ORDER:
            for s in SYSTEMS:
                v = disk.get((case, s))
                if not v:
                    continue
                reqs = statistics.median(r for r, _ in v)
                kib = statistics.median(sec / 2 / r for r, sec in v if r)
                pages = statistics.median(sec / 8 for _, sec in v)
                print(f"  {case:<16} {s:<5} {1000 * reqs / pages if pages else 0:8.1f} requests, "
                      f"{kib:6.1f} KiB each")
                rows.append({"case": case + "-disk", "system": s, "rounds": len(v),
                             "ns_per_page": "", "iqr_pct": "", "faults_per_page": "",
                             "ratio": round(kib, 1), "reference": "KiB per read request"})

    if mem:
        print("\nMemory: the index (the mapping's xarray nodes, counted) and pcc's vmalloc; page contents not counted")
        for what, s, n, b in mem:
            label = "per capacity page (index, nothing cached)" if what == "capacity" else \
                "per cached page"
            print(f"  {s:<6} {label}: {b / n:.1f} bytes ({n} pages)")
            rows.append({"case": "memory-" + what, "system": s, "rounds": 1,
                         "ns_per_page": "", "iqr_pct": "", "faults_per_page": "",
                         "ratio": round(b / n, 1), "reference": "bytes per page"})

    with open(out, "w", newline="") as f:
        csv.writer(f).writerow([ICOUNT_FIELDS.get(c, c) for c in FIELDS] if icount else FIELDS)
        wr = csv.DictWriter(f, fieldnames=FIELDS, restval="")
        wr.writerows(rows)
    print(f"\n(CSV: {out})")


if __name__ == "__main__":
    main()
