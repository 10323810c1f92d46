#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make compare`: the fault-path captures of `make trace` on every
# architecture (lib.sh's PCC_ARCHS: arm64, x86_64, arm), each scenario's
# trees printed side by side (aligned at handle_mm_fault), then a table of
# what differs (scripts/trace_sbs.py). SCENARIO="cold-read sigbus" limits
# the captures, as for make trace.
#
# Output: $PCC_OUT/compare.txt (the trees) and $PCC_OUT/compare.md (the
# table); the captures stay in $PCC_OUT/<arch>/trace.
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"
[ -z "${KDIR:-}" ] || die "make compare builds its own kernels for $PCC_ARCHS: unset KDIR"
rc=0
o=$PCC_OUT_BASE
dirs=()
for a in $PCC_ARCHS; do
	log "capturing on $a"
	ARCH=$a bash "$here/trace.sh" > /dev/null || rc=1
	dirs+=("$o/$a/trace")
done
python3 "$here/trace_sbs.py" "${dirs[@]}" ${PCC_SCENARIOS:-} > "$o/compare.txt"
python3 "$here/trace_sbs.py" --table "${dirs[@]}" ${PCC_SCENARIOS:-} > "$o/compare.md"
cat "$o/compare.txt" "$o/compare.md"
log "side by side: $o/compare.txt, table: $o/compare.md"
exit $rc
