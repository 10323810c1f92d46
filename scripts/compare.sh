#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make compare`: the fault-path captures of `make trace` on arm64 and on
# x86_64, each scenario's two trees printed side by side (aligned at
# handle_mm_fault), then a table of what differs (scripts/trace_sbs.py).
# SCENARIO="cold-read sigbus" limits both captures, as for make trace.
#
# Output: $PCC_OUT/compare.txt (the trees) and $PCC_OUT/compare.md (the
# table); the captures stay in $PCC_OUT/trace and $PCC_OUT/x86_64/trace.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"
rc=0
for a in arm64 x86_64; do
	log "capturing on $a"
	ARCH=$a bash "$here/trace.sh" > /dev/null || rc=1
done
python3 "$here/trace_sbs.py" "$PCC_OUT/trace" "$PCC_OUT/x86_64/trace" ${PCC_SCENARIOS:-} > "$PCC_OUT/compare.txt"
python3 "$here/trace_sbs.py" --table "$PCC_OUT/trace" "$PCC_OUT/x86_64/trace" ${PCC_SCENARIOS:-} > "$PCC_OUT/compare.md"
cat "$PCC_OUT/compare.txt" "$PCC_OUT/compare.md"
log "side by side: $PCC_OUT/compare.txt, table: $PCC_OUT/compare.md"
exit $rc
