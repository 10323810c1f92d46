# SPDX-License-Identifier: GPL-2.0
"""What make check asserts of a `make trace PROG=` capture (scripts/trace_prog.py
--check), by the capture's name: how the program ended, and for each access it marked ("mark: <name> <address>" in
the trace buffer), the fault taken at that address must show these frames,
depth first, in this order, and its mapping must be the one named.

Frames a compiler inlines (do_read_fault, do_cow_fault, do_anonymous_page,
...) are in a tree only because the call sites were decoded with DWARF: a
capture or a decoder that loses them fails here.

Run as a program, it prints the names of the captures it has checks for:
make check decodes those (scripts/trace_prog.py --only).
"""
import os
import re

# tools/pcc-mappings: one first access to each kind of mapping.
MAPPINGS = {
    "pcc-read": {"frames": ["handle_mm_fault", "do_read_fault", "__do_fault", "pcc_fault"],
                 "mapping": r"^pcc .*\[pcc\]"},
    "pcc-store": {"frames": ["handle_mm_fault", "do_shared_fault", "__do_fault", "pcc_fault",
                             "do_page_mkwrite", "pcc_page_mkwrite"],
                  "mapping": r"^pcc .*\[pcc\]"},
    "memfd-read": {"frames": ["handle_mm_fault", "do_read_fault", "__do_fault", "shmem_fault"],
                   "mapping": r"^memfd:pcc-mappings .*shmem"},
    "anon-store": {"frames": ["handle_mm_fault", "do_anonymous_page"],
                   "mapping": r"^\[anonymous\] .*no vm_ops"},
    "private-store": {"frames": ["handle_mm_fault", "do_cow_fault", "__do_fault", "shmem_fault"],
                      "mapping": r"^memfd:pcc-mappings .*shmem"},
}
# Where a user-mode fault enters, before handle_mm_fault.
ENTRY = {"arm64": ["el0_da", "do_mem_abort", "do_page_fault"],
         "x86_64": ["asm_exc_page_fault", "exc_page_fault", "do_user_addr_fault"],
         "arm": ["__dabt_usr", "do_DataAbort", "do_page_fault"]}
# The same, then a store to address 8: no VMA, SIGSEGV.
SEGV = {"arm64": ["do_mem_abort", "lock_vma_under_rcu", "lock_mm_and_find_vma", "arm64_force_sig_fault"],
        "x86_64": ["exc_page_fault", "lock_vma_under_rcu", "lock_mm_and_find_vma", "bad_area_nosemaphore",
                   "force_sig_fault"],
        "arm": ["do_DataAbort", "lock_vma_under_rcu", "lock_mm_and_find_vma", "force_sig_fault"]}
# Each capture make check takes: how the program ends (exit status and how,
# as prog.job says it), and the marked faults.
TABLES = {
    "pcc-mappings": {"status": "0 exit", "marks": MAPPINGS},
    "pcc-mappings-segv": {"status": "139 signal", "summary": [r"signal 11 \(code 1\): 1"], "marks": {
        **MAPPINGS, "segv": {"frames": {a: f for a, f in SEGV.items()},
                             "mapping": r"^\(no VMA", "entry": False}}},
    # Killed at the time limit while it sleeps: its faults are all there.
    "pcc-mappings-hang": {"status": "137 timeout", "marks": MAPPINGS},
    # Two of make trace's scenarios (make check's fault-path captures,
    # decoded here as any program's), for the summary's counts of a fault
    # that waited for the store: the first call gives up (RETRY), the
    # retry is major; killed while it waits, the fault ends with the call
    # that gave up.
    "major-fault": {"status": "0 exit", "marks": {}, "summary": [
        r"(?m)^  pcc .*\n    faults 1 \(handle_mm_fault 2: major 1, minor 0, retried 1\)$"]},
    "fatal-retry": {"status": "137 signal", "marks": {}, "summary": [
        r"(?m)^  pcc .*\n    faults 1 \(handle_mm_fault 1: major 0, minor 0, retried 1\)$"]},
}


def names(node, out=None):
    """Depth-first names of a tree; an event by its event name."""
    out = [] if out is None else out
    for c in node.children:
        if c.tag == "event":
            m = re.match(r"\* (\w+):", c.name)
            out.append(m.group(1) if m else c.name)
        else:
            out.append(c.name.split(" [")[0])
        names(c, out)
    return out


def in_order(seq, want):
    pos = 0
    for w in want:
        try:
            pos = seq.index(w, pos) + 1
        except ValueError:
            return w
    return None


def run(capture, faults, arch, status, outdir, reading):
    """[(what, ok, why)] for one capture; reading: trace_prog.Reading, what
    the decoder could not take as it came."""
    table = TABLES.get(capture)
    if table is None:
        return [(capture, False, f"no checks for a capture of this name; there are: {' '.join(TABLES)}")]
    res = [(f"{capture} ended as expected", status == table["status"],
            f"exit status and how: {status} (expected {table['status']})")]
    # Every line of the capture is the tracer's, whole: a line broken on
    # its way out (a console message written in its middle) is a capture
    # the trees may not show truly. An event function_graph dropped is
    # not this: the depth places the calls around it (trace_prog.Reading).
    problems = reading.problems()
    res.append((f"{capture}: every line of the capture read", not problems,
                "; ".join(problems) or "; ".join(["every line read"] + reading.placed())))
    for name, spec in table["marks"].items():
        what = f"{capture}: the fault of {name}"
        fault, why = find(faults, name)
        if fault is None:
            res.append((what, False, why))
            continue
        tree = fault.tree
        seq = names(tree)
        frames = spec["frames"][arch] if isinstance(spec["frames"], dict) else spec["frames"]
        frames = (ENTRY[arch] if spec.get("entry", True) else []) + frames
        missing = in_order(seq, frames)
        if missing:
            res.append((what, False, f"'{missing}' missing or out of order (tree: {' > '.join(seq)})"))
            continue
        mp = fault.mapping()
        if not re.search(spec["mapping"], mp):
            res.append((what, False, f"mapping '{mp}' is not /{spec['mapping']}/"))
            continue
        res.append((what, True, " > ".join(frames) + f" on {mp.split()[0]}"))
    summary = ""
    try:
        summary = open(os.path.join(outdir, "summary.txt"), errors="replace").read()
    except OSError:
        pass
    for pat in table.get("summary", []):
        res.append((f"{capture}: the summary says /{pat}/", bool(re.search(pat, summary)),
                    "summary.txt" if re.search(pat, summary) else f"summary.txt:\n{summary}"))
    # The files a reader opens.
    for fname, pat in (("trees.txt", "handle_mm_fault"), ("groups.txt", r"^\d+ × "),
                       ("summary.txt", "faults captured"), ("folded.txt", r"handle_mm_fault.* \d+$"),
                       ("paths.svg", r"<svg[^>]*>")):
        path = os.path.join(outdir, fname)
        try:
            text = open(path, errors="replace").read()
        except OSError:
            text = ""
        ok = bool(re.search(pat, text, re.M))
        res.append((f"{capture}: {fname} written", ok, path if ok else f"{path}: no /{pat}/"))
    return res


def find(faults, name):
    """(the first fault at the address of mark `name` after the mark, None)
    or (None, why not)."""
    for i, f in enumerate(faults):
        for ev in f.marks_before:
            m = re.match(r"(\S+) (0x[0-9a-f]+)", ev)
            if m and m.group(1) == name:
                page = int(m.group(2), 16) >> 12
                for g in faults[i:]:
                    a = g.address()
                    if a is not None and a >> 12 == page:
                        return g, None
                after = [hex(g.address()) if g.address() is not None else "?" for g in faults[i:]]
                return None, (f"mark '{ev}' is there, but none of the {len(after)} faults after it is at its "
                              f"page ({', '.join(after[:8])}{', ...' if len(after) > 8 else ''})")
    marks = [ev.split()[0] for f in faults for ev in f.marks_before]
    return None, (f"no mark '{name}' before a fault (marks before faults: {' '.join(marks) or 'none'}; "
                  f"{len(faults)} faults)")


if __name__ == "__main__":
    print(" ".join(TABLES))
