#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench BASE=rev's table: a change's before and after, paired.

    bench_ab.py [--icount] --base NAME --head NAME LOG CSV

LOG is the guest log of scripts/guest/bench_ab.job: bench/pcc_bench's
lines with "AB <build> <run> " in front, build "base" or "head", every
run of each build in the same boot, loaded in turn. For each case, pcc's
ratio to the case's reference system (shmem; ext4 for read-major-* and
read-syscall-seq) is taken per round, as make bench's table takes it
(scripts/bench_table.py), and its median printed for each run of each
build; then the change: the median over every round of head's ratios
over the median of base's, with a 95% interval from resampling the
rounds of each build (a percentile bootstrap, fixed seed). A change
whose interval holds 1.00 is not told from the noise.

--icount: the log of make bench BASE=rev ICOUNT=1 (instructions per page).
"""
import argparse
import csv
import random
import statistics
import sys
from collections import defaultdict

from bench_table import NO_RATIO, ORDER, RESAMPLES, SEED, reference


def change(base, head):
    """median(head) / median(base), with its bootstrap 95% interval."""
    rng = random.Random(SEED)
    r = []
    for _ in range(RESAMPLES):
        b = statistics.median(rng.choices(base, k=len(base)))
        h = statistics.median(rng.choices(head, k=len(head)))
        r.append(h / b)
    q = statistics.quantiles(r, n=40, method="inclusive")
    return statistics.median(head) / statistics.median(base), q[0], q[-1]


def main():
    ap = argparse.ArgumentParser(usage=__doc__)
    ap.add_argument("--icount", action="store_true")
    ap.add_argument("--base", required=True)
    ap.add_argument("--head", required=True)
    ap.add_argument("log")
    ap.add_argument("csv")
    a = ap.parse_args()
    # (build, run, case, system) -> {round: ns per page}
    ns = defaultdict(dict)
    phase = "?"
    for line in open(a.log, errors="replace"):
        f = line.split()
        if line.startswith("# paired: phase "):
            phase = f[3].rstrip(",")
        if len(f) == 9 and f[0] == "AB" and f[3] == "S":
            ns[(f[1], int(f[2]), f[4], f[5])][int(f[6])] = float(f[7])
    if not ns:
        sys.exit("bench_ab.py: no results in " + a.log)
    runs = sorted({r for _, r, _, _ in ns})
    cases = {c for _, _, c, _ in ns}
    order = [c for c in ORDER for c in (c, c + "-net") if c in cases]
    order += sorted(cases - set(order))
    rows = []
    unit = "instructions" if a.icount else "time"
    print(f"Phase {phase}: pcc over its reference, per round ({unit} per page), the median of each run;\n"
          f"base {a.base} and head {a.head} loaded in turn in one boot")
    w = max(len(c) for c in order)
    print(f"{'case':<{w}}  {'ref':<5}  {'base runs':<{7 * len(runs)}}  {'head runs':<{7 * len(runs)}}  "
          f"head/base [95% interval]")
    for case in order:
        ref = reference(case)
        if case.removesuffix("-net") in NO_RATIO:
            continue
        per = {}
        for build in ("base", "head"):
            per[build] = []
            for run in runs:
                num, den = ns.get((build, run, case, "pcc"), {}), ns.get((build, run, case, ref), {})
                rr = [num[k] / den[k] for k in sorted(num.keys() & den.keys()) if den[k]]
                per[build].append(rr)
        if not all(per["base"]) or not all(per["head"]):
            continue
        allb = [x for rr in per["base"] for x in rr]
        allh = [x for rr in per["head"] for x in rr]
        ch = change(allb, allh)
        cells = {b: " ".join(f"{statistics.median(rr):6.3f}" for rr in per[b]) for b in per}
        print(f"{case:<{w}}  {ref:<5}  {cells['base']:<{7 * len(runs)}}  {cells['head']:<{7 * len(runs)}}  "
              f"{ch[0]:.3f} [{ch[1]:.3f}, {ch[2]:.3f}]")
        rows.append({"case": case, "reference": ref,
                     "base_runs": " ".join(f"{statistics.median(rr):.4f}" for rr in per["base"]),
                     "head_runs": " ".join(f"{statistics.median(rr):.4f}" for rr in per["head"]),
                     "change": round(ch[0], 4), "change_lo": round(ch[1], 4), "change_hi": round(ch[2], 4)})
    if not rows:
        sys.exit("bench_ab.py: no case with both builds and a reference in " + a.log)
    print("\nhead/base: the median of head's per-round ratios over base's, with a bootstrap 95% interval\n"
          "(rounds resampled within each build); below 1.00: head is faster than base relative to the reference")
    with open(a.csv, "w", newline="") as f:
        wr = csv.DictWriter(f, fieldnames=list(rows[0]))
        wr.writeheader()
        wr.writerows(rows)
    print(f"\n(CSV: {a.csv})")


if __name__ == "__main__":
    main()
