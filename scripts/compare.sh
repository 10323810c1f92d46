#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make compare`: the fault-path captures of `make trace` on arm64 and on
# x86_64, each scenario's two trees printed side by side (aligned at
# handle_mm_fault), then a table of what differs (scripts/trace_sbs.py).
# SCENARIO="cold-read sigbus" limits both captures, as for make trace.
#
# Output: $PCC_OUT/compare.txt (the trees) and $PCC_OUT/compare.md (the
# table); the captures stay in $PCC_OUT/arm64/trace and
# $PCC_OUT/x86_64/trace.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"
[ -z "${KDIR:-}" ] || die "make compare builds its own kernels for arm64 and x86_64: unset KDIR"
rc=0
for a in arm64 x86_64; do
	log "capturing on $a"
	ARCH=$a bash "$here/trace.sh" > /dev/null || rc=1
done
o=$PCC_OUT_BASE
python3 "$here/trace_sbs.py" "$o/arm64/trace" "$o/x86_64/trace" ${PCC_SCENARIOS:-} > "$o/compare.txt"
python3 "$here/trace_sbs.py" --table "$o/arm64/trace" "$o/x86_64/trace" ${PCC_SCENARIOS:-} > "$o/compare.md"
cat "$o/compare.txt" "$o/compare.md"
log "side by side: $o/compare.txt, table: $o/compare.md"
exit $rc
