#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: build everything, boot the VM with pcc loaded and run
# samples/pcc-demo, printing its output.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
build_env=$(bash "$PCC_ROOT/scripts/build.sh") || die "build failed"
eval "$(tail -1 <<< "$build_env")"
export KDIR MODULE
job=$(mktemp); trap 'rm -f "$job"' EXIT
cat > "$job" <<'JOB'
echo "PCC-OUTPUT-BEGIN"
/pcc/bin/pcc-demo
rc=$?
echo "PCC-OUTPUT-END"
exit $rc
JOB
set +e
bash "$PCC_ROOT/scripts/vm.sh" --log "$PCC_OUT/demo.log" "$job" "$PCC_OUT/samples/pcc-demo"
rc=$?
set -e
sed -n '/^PCC-OUTPUT-BEGIN/,/^PCC-OUTPUT-END/p' "$PCC_OUT/demo.log" | sed '1d;$d'
log "guest log: $PCC_OUT/demo.log"
exit $rc
