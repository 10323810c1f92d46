#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""make bench's table, from the guest log of scripts/bench.sh.

    bench_table.py LOG CSV

LOG holds bench/pcc_bench's lines "S <case> <system> <round> <ns/page>
<faults/page>", its disk lines "D <case> <system> <round> <read requests>
<sectors>" and the job's memory lines "M <what> <system> <pages>
<bytes>". Prints, per case and system, the median ns per page over the
rounds, the spread (interquartile range, as a share of the median), the
median task faults per page and the ratio to the case's reference system
(shmem; ext4 for the major fault); then the 2-thread speedups, what the
disk read in the major cases, and the memory overhead. Writes the same
rows to CSV.
"""
import csv
import statistics
import sys
from collections import defaultdict

ORDER = ["read-cached", "read-cached-nofa", "read-cached-fab4k", "read-cold", "store-cold", "store-after-read",
         "writeback", "store-after-writeback", "store-private", "read-cold-1t", "read-cold-2t",
         "read-cached-1t", "read-cached-2t", "store-cold-1t", "store-cold-2t",
         "read-cold-same-2t", "store-cold-same-2t", "read-syscall-cached", "write-syscall-cold",
         "read-major-seq", "read-major-rand", "read-syscall-seq"]
SYSTEMS = ["pcc", "shmem", "anon", "ext4"]
# Where pcc and the reference do the same work. The others show what
# write-notify costs: shmem needs no fault there at all, so no ratio.
NO_RATIO = {"store-after-read", "writeback", "store-after-writeback"}


def quartiles(v):
    if len(v) < 2:
        return v[0], v[0]
    q = statistics.quantiles(v, n=4, method="inclusive")
    return q[0], q[2]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    log, out = sys.argv[1], sys.argv[2]
    ns, faults = defaultdict(list), defaultdict(list)
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
            case = name + ("-" + phase if phase in ("nofa", "fab4k") else "") + net
            ns[(case, f[2])].append(float(f[4]))
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
    for case in order + sorted({c for c, _ in ns} - set(order)):
        ref = "ext4" if case.startswith(("read-major", "read-syscall-seq")) else "shmem"
        for s in SYSTEMS:
            v = ns.get((case, s))
            if not v:
                continue
            med = statistics.median(v)
            q1, q3 = quartiles(v)
            refv = ns.get((case, ref))
            ratio = None
            if refv and s != ref and case.removesuffix("-net") not in NO_RATIO:
                ratio = med / statistics.median(refv)
            rows.append({
                "case": case, "system": s, "rounds": len(v),
                "ns_per_page": round(med, 1),
                "iqr_pct": round(100 * (q3 - q1) / med, 1) if med else 0.0,
                "faults_per_page": round(statistics.median(faults[(case, s)]), 3),
                "ratio": round(ratio, 3) if ratio is not None else "",
                "reference": ref if s != ref else "",
            })

    w = max(len(r["case"]) for r in rows)
    print(f"{'case':<{w}}  {'system':<6} {'ns/page':>10} {'IQR':>6} {'faults/page':>11} {'ratio':>7}")
    last = None
    for r in rows:
        name = r["case"] if r["case"] != last else ""
        last = r["case"]
        if r["ratio"] != "":
            ratio = f"{r['ratio']:.2f}x"
        elif r["case"].removesuffix("-net") in NO_RATIO:
            ratio = "-"
        else:
            ratio = "ref" if r["system"] in ("shmem", "ext4") else ""
        print(f"{name:<{w}}  {r['system']:<6} {r['ns_per_page']:>10.1f} {r['iqr_pct']:>5.1f}% "
              f"{r['faults_per_page']:>11.3f} {ratio:>7}")

    print("\n2 threads on disjoint halves: speedup over 1 thread (time per page, 1t / 2t)")
    for base in ["read-cold", "read-cached", "store-cold"]:
        cells = []
        for s in SYSTEMS:
            one, two = ns.get((base + "-1t", s)), ns.get((base + "-2t", s))
            if one and two:
                sp = statistics.median(one) / statistics.median(two)
                cells.append(f"{s} {sp:.2f}")
                rows.append({"case": base + "-speedup", "system": s, "rounds": len(two),
                             "ns_per_page": "", "iqr_pct": "", "faults_per_page": "",
                             "ratio": round(sp, 3), "reference": "1 thread"})
        print(f"  {base:<12} " + ", ".join(cells))

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
        wr = csv.DictWriter(f, fieldnames=["case", "system", "rounds", "ns_per_page", "iqr_pct",
                                           "faults_per_page", "ratio", "reference"])
        wr.writeheader()
        wr.writerows(rows)
    print(f"\n(CSV: {out})")


if __name__ == "__main__":
    main()
