#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make trace`: boot the VM, run each fault scenario of tools/pcc-scenario
# under ftrace (function_graph from do_mem_abort, pcc's events, a stack
# trace at each pcc event), then decode the stacks with the test kernel's
# DWARF on the host and print one call tree per scenario.
#
# Output: $PCC_OUT/trace/<scenario>.tree (the tree) and <scenario>.graph
# (the raw capture), plus the guest log $PCC_OUT/trace.log.
# PCC_SCENARIOS="cold-read sigbus" (make trace SCENARIO="...") limits the
# run to some scenarios; the README's atlas lists them.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# The scenarios' settings (scripts/scenarios.py); an unknown name stops
# here, before a build.
rows=$(python3 "$PCC_ROOT/scripts/scenarios.py" --job ${PCC_SCENARIOS:-} 2>&1) ||
	die "make trace: ${rows#scenarios.py: }"
build_all
[ -f "$KDIR/vmlinux" ] || die "no vmlinux in $KDIR: stack decoding needs it"
job=$(mktemp); trap 'rm -f "$job"' EXIT
{ printf "PCC_SCENARIO_ROWS='%s'\n" "$rows"; cat "$PCC_ROOT/scripts/guest/trace.job"; } > "$job"
set +e
bash "$PCC_ROOT/scripts/vm.sh" --log "$PCC_OUT/trace.log" "$job" "$PCC_OUT/tools/pcc-scenario"
rc=$?
set -e
rm -f "$PCC_OUT"/trace/*.tree "$PCC_OUT"/trace/*.graph
python3 "$PCC_ROOT/scripts/trace_tree.py" "$PCC_OUT/trace.log" "$KDIR/vmlinux" "$PCC_OUT/trace"
log "trees and raw captures in $PCC_OUT/trace/, guest log $PCC_OUT/trace.log"
exit $rc
