#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count the kselftest TAP results in a pcc guest log.

The guest frames each test program's output with
    PCC-TEST-BEGIN <name>  ...  PCC-TEST-END <name> rc=<n>
Inside a frame, top-level "ok N ..." / "not ok N ..." lines are results;
"# SKIP" marks a skip (never a pass). A program that exits non-zero
without reporting a failure, prints fewer results than its plan "1..N",
or never reaches its END marker counts as failed.

Prints one line per program, then the summary "N passed, N failed, N skipped".
Exit status 1 if anything failed or nothing ran at all.

    tap_summary.py LOG
    tap_summary.py --label arm64 LOG [--label x86_64 LOG2 ...]

With --label, each program's line starts with the label of its log (the
architecture it ran on) and the summary counts every log; a log that is
missing (its run stopped before counting) is one failure.
"""
import re
import sys

RESULT = re.compile(r"^(not ok|ok)\s+(\d+)\s*(.*)$")
PLAN = re.compile(r"^1\.\.(\d+)")


def count(path, prefix=""):
    passed = failed = skipped = 0
    cur = None
    report = []
    try:
        lines = open(path, errors="replace").read().splitlines()
    except OSError as e:
        return 0, 1, 0, [f"{prefix}results: 0 passed, 1 failed, 0 skipped (no results: {e.strerror}: {path})"]

    def close(rc):
        nonlocal passed, failed, skipped
        name, st = cur
        missing = max(0, (st["plan"] or 0) - st["n"])
        extra_fail = missing
        if st["plan"] == 0 and st["suite_skip"] and rc == 4:
            skipped += 1
            report.append(f"{prefix}{name}: skipped whole suite ({st['suite_skip']})")
            return
        if rc is None:
            extra_fail = max(extra_fail, 1)
            note = "did not finish"
        elif rc != 0 and st["fail"] == 0 and missing == 0:
            extra_fail = 1
            note = f"exit {rc} without a failed result"
        elif st["plan"] is None and st["n"] == 0:
            extra_fail = 1
            note = "printed no TAP"
        elif st["plan"] == 0 and st["n"] == 0:
            extra_fail = 1
            note = "ran no test (a selection that names none?)"
        else:
            note = f"exit {rc}"
        if missing:
            note += f", {missing} planned result(s) missing"
        p, f, s = st["pass"], st["fail"] + extra_fail, st["skip"]
        passed += p
        failed += f
        skipped += s
        report.append(f"{prefix}{name}: {p} passed, {f} failed, {s} skipped ({note})")

    for line in lines:
        line = line.rstrip("\r")
        if line.startswith("PCC-TEST-BEGIN "):
            if cur:
                close(None)
            cur = (line.split()[1], {"pass": 0, "fail": 0, "skip": 0, "n": 0, "plan": None, "suite_skip": None})
            continue
        if cur is None:
            continue
        if line.startswith("PCC-TEST-END "):
            m = re.search(r"rc=(\d+)", line)
            close(int(m.group(1)) if m else None)
            cur = None
            continue
        st = cur[1]
        m = PLAN.match(line)
        if m and st["plan"] is None:
            st["plan"] = int(m.group(1))
            sk = re.search(r"#\s*SKIP\s*(.*)", line, re.I)
            if st["plan"] == 0 and sk:
                st["suite_skip"] = sk.group(1) or "no reason given"
            continue
        m = RESULT.match(line)
        if m:
            st["n"] += 1
            rest = m.group(3)
            if m.group(1) == "not ok":
                st["fail"] += 1
            elif re.search(r"#\s*SKIP", rest, re.I):
                st["skip"] += 1
            else:
                st["pass"] += 1
    if cur:
        close(None)
    return passed, failed, skipped, report


def main(args):
    logs = []
    label = ""
    while args:
        if args[0] == "--label" and len(args) > 1:
            label = args[1] + " "
            args = args[2:]
        else:
            logs.append((args[0], label))
            args = args[1:]
    if not logs:
        sys.exit(__doc__)
    total = [0, 0, 0]
    for path, prefix in logs:
        p, f, s, report = count(path, prefix)
        for r in report:
            print(r)
        total = [total[0] + p, total[1] + f, total[2] + s]
    passed, failed, skipped = total
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed or passed + failed == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
