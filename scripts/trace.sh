#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make trace` (no PROG=): the fault scenarios of tools/pcc-scenario, each
# run in one boot as `make trace PROG=pcc-scenario ARGS=NAME PARAMS=<its
# module parameters>` runs it (lib.sh's scenario_jobs, the one table
# scripts/scenarios.py), then on the host:
#   - scripts/trace_prog.py: every fault decoded, grouped, drawn, in
#     $PCC_OUT/trace/<scenario>/ as for any program;
#   - scripts/trace_tree.py: the scenario's fault-path tree, in
#     $PCC_OUT/trace/<scenario>.tree (raw capture: <scenario>.graph), which
#     Documentation/fault-paths.md and make docs show, and the scenario's
#     checks (what make check asserts), whose summary is the last line.
# PCC_SCENARIOS="cold-read sigbus" (make trace SCENARIO="...") limits the
# run to some scenarios. The guest log is $PCC_OUT/trace.log.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# An unknown name stops here, before a build.
names=$(python3 "$PCC_ROOT/scripts/scenarios.py" --rows ${PCC_SCENARIOS:-} 2>&1) ||
	die "make trace: ${names#scenarios.py: }"
names=$(cut -d'|' -f1 <<< "$names" | tr '\n' ' ')
build_all
[ -f "$KDIR/vmlinux" ] || die "no vmlinux in $KDIR: stack decoding needs it"
job=$(mktemp); trap 'rm -f "$job"' EXIT
{ echo 'rc=0'; scenario_jobs $names && echo "$PCC_TRACE_OFF"; echo 'exit $rc'; } > "$job" ||
	die "make trace: cannot read struct offsets from $KDIR/vmlinux"
set +e
bash "$PCC_ROOT/scripts/vm.sh" --log "$PCC_OUT/trace.log" "$job" "$PCC_OUT/tools/pcc-scenario"
rc=$?
set -e
mkdir -p "$PCC_OUT/trace"
for n in $names; do rm -rf "${PCC_OUT:?}/trace/$n" "$PCC_OUT/trace/$n.tree" "$PCC_OUT/trace/$n.graph"; done
python3 "$PCC_ROOT/scripts/trace_prog.py" --flamegraph "$PCC_CACHE/$PCC_INFERNO/bin/inferno-flamegraph" \
	"$PCC_OUT/trace.log" "$KDIR/vmlinux" "$PCC_OUT/trace" > /dev/null || rc=1
# One decoding writes the trees and checks them; the trees are printed.
python3 "$PCC_ROOT/scripts/trace_tree.py" --check --scenarios "$names" "$PCC_OUT/trace.log" \
	"$KDIR/vmlinux" "$PCC_OUT/trace" > "$PCC_OUT/trace.tap" || rc=1
for n in $names; do
	echo "== $n ($PCC_OUT/trace/$n.tree, raw: $n.graph)"
	cat "$PCC_OUT/trace/$n.tree" 2> /dev/null || echo "(no capture)"
	echo
done
grep -E '^not ok' "$PCC_OUT/trace.tap" >&2 || true
log "per scenario: the tree (<name>.tree) and every fault decoded (<name>/) in $PCC_OUT/trace/; guest log $PCC_OUT/trace.log"
python3 "$PCC_ROOT/scripts/tap_summary.py" "$PCC_OUT/trace.tap" || rc=1
exit $rc
