#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make run PROG=path ARGS=...`: run a static arm64 program of yours in the
# VM with pcc loaded; its output is printed, the guest log kept.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
prog=$(readlink -f "$1"); shift
[ -f "$prog" ] || die "no program at $prog"
file "$prog" 2>/dev/null | grep -q 'ARM aarch64' || log "warning: $prog does not look like an arm64 executable"
build_env=$(bash "$PCC_ROOT/scripts/build.sh") || die "build failed"
eval "$(tail -1 <<< "$build_env")"
export KDIR MODULE
job=$(mktemp); trap 'rm -f "$job"' EXIT
{
	echo 'echo "PCC-OUTPUT-BEGIN"'
	printf '/pcc/bin/%s' "$(basename "$prog")"
	for a in "$@"; do printf " '%s'" "${a//\'/\'\\\'\'}"; done
	echo
	echo 'rc=$?; echo "PCC-OUTPUT-END"; exit $rc'
} > "$job"
set +e
bash "$PCC_ROOT/scripts/vm.sh" --log "$PCC_OUT/run.log" "$job" "$prog"
rc=$?
set -e
sed -n '/^PCC-OUTPUT-BEGIN/,/^PCC-OUTPUT-END/p' "$PCC_OUT/run.log" | sed '1d;$d'
log "exit status $rc; guest log: $PCC_OUT/run.log"
exit $rc
