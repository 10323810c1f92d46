#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make run PROG=path ARGS=...`: run a static program of yours (arm64, or
# x86_64 with ARCH=x86_64) in the
# VM with pcc loaded; its output is printed, the guest log kept.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ -n "${1:-}" ] || die "usage: make run PROG=path/to/static-program ARGS='...' [ARCH=x86_64]"
given=$1; shift
prog=$(check_prog "make run" "$given")
build_all
line="/pcc/bin/$(basename "$prog") $(shell_words "$@")"
rc=0
run_in_vm "$PCC_OUT/run.log" "$line" "$prog" || rc=$?
log "exit status $rc; guest log: $PCC_OUT/run.log"
exit $rc
