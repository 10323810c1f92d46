#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make run PROG=path ARGS=...`: run a static program of yours (arm64, or
# x86_64 with ARCH=x86_64) in the
# VM with pcc loaded; its output is printed, the guest log kept.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
prog=$(readlink -f "$1"); shift
[ -f "$prog" ] || die "no program at $prog"
case "$PCC_ARCH" in arm64) want='ARM aarch64' ;; x86_64) want='x86-64' ;; esac
file "$prog" 2>/dev/null | grep -q "$want" || log "warning: $prog does not look like an $PCC_ARCH executable"
build_all
line="/pcc/bin/$(basename "$prog")"
for a in "$@"; do line+=" '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"; done
rc=0
run_in_vm "$PCC_OUT/run.log" "$line" "$prog" || rc=$?
log "exit status $rc; guest log: $PCC_OUT/run.log"
exit $rc
