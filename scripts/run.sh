#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make run PROG=path ARGS=...`: run a static program of yours (arm64, or
# x86_64 with ARCH=x86_64) in the
# VM with pcc loaded; its output is printed, the guest log kept.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ -n "${1:-}" ] || die "usage: make run PROG=path/to/static-program ARGS='...' [ARCH=x86_64]"
given=$1; shift
prog=$(readlink -f "$given" || true)
[ -f "$prog" ] || die "no program at $given"
# The guest has busybox and nothing else: no loader, no libraries.
what=$(file -b "$prog" | cut -d, -f1-4)
case $what in
*ELF*) ;;
*) die "$prog is not a program ($what)" ;;
esac
case $what in *"$PCC_FILE_MAGIC"*) ;; *) die "$prog is not an $PCC_ARCH program ($what): build it for $PCC_ARCH, or run it with the ARCH it is for" ;; esac
case $what in *"dynamically linked"*) die "$prog is dynamically linked; the guest has no libraries: build it with -static" ;; esac
build_all
line="/pcc/bin/$(basename "$prog")"
for a in "$@"; do line+=" '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"; done
rc=0
run_in_vm "$PCC_OUT/run.log" "$line" "$prog" || rc=$?
log "exit status $rc; guest log: $PCC_OUT/run.log"
exit $rc
