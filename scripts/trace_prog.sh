#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make trace PROG=path [ARGS="..."] [PARAMS="..."] [TIMEOUT=s]`, or
# `make trace SRC=prog.c ...`: run one program in the VM with pcc loaded
# (with PARAMS as its module parameters), capture every page fault its
# threads take, on any mapping, and decode them on the host
# (scripts/trace_prog.py). Documentation/fault-paths.md says how to read
# the result.
#
# Output in $PCC_OUT/trace/<name>/ (name: the program's, or NAME=):
# output.txt, trees.txt, groups.txt, boxes.txt, summary.txt, folded.txt, paths.svg,
# capture.txt; the guest log is $PCC_OUT/trace/<name>.log.
#
# Everything a user can get wrong is checked before a build or a boot.
# The exit status is the program's (non-zero when it crashed, was killed
# or ran out of time); the last line says which.
#
# Environment: PCC_TRACE_PROG or PCC_TRACE_SRC, PCC_TRACE_ARGS (words, as
# the shell splits them), PCC_TRACE_PARAMS, PCC_TRACE_TIMEOUT (60),
# PCC_TRACE_NAME, PCC_TRACE_KB (trace buffer per CPU, KiB; 16384),
# PCC_TRACE_DEPTH (calls below the entry a tree shows; 4).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

prog=${PCC_TRACE_PROG:-} src=${PCC_TRACE_SRC:-}
timeout=${PCC_TRACE_TIMEOUT:-60} kb=${PCC_TRACE_KB:-16384} depth=${PCC_TRACE_DEPTH:-4}
[ -n "$prog" ] || [ -n "$src" ] || die "usage: make trace PROG=path/to/static-program [ARGS='...'] [PARAMS='...'] [TIMEOUT=s], or SRC=prog.c"
[ -z "$prog" ] || [ -z "$src" ] || die "make trace: PROG= or SRC=, not both"
case $timeout in ''|*[!0-9]*|0) die "make trace: TIMEOUT=$timeout: a number of seconds, at least 1" ;; esac
case $kb in ''|*[!0-9]*|0) die "make trace: TRACE_KB=$kb: a number of KiB" ;; esac
case $depth in ''|*[!0-9]*|0) die "make trace: DEPTH=$depth: a number of calls, at least 1" ;; esac
name=${PCC_TRACE_NAME:-$(basename "${prog:-$src}")}
name=${name%.c}
case $name in *[!A-Za-z0-9_.+-]*|'') die "make trace: NAME=$name: letters, digits and _ . + - only" ;; esac
out=$PCC_OUT/trace/$name
mkdir -p "$out"

if [ -n "$src" ]; then
	[ -f "$src" ] || die "make trace: no C file at $src"
	# The project's user flags (the Makefile's USER_CFLAGS), against
	# include/uapi; the cross compiler comes with the toolchain's packages.
	command -v "${CROSS_COMPILE}gcc" > /dev/null || bash "$PCC_ROOT/scripts/toolchain.sh" >&2
	read -r -a flags <<< "$(make -s -C "$PCC_ROOT" --no-print-directory print-user-cflags ARCH="$PCC_ARCH")"
	"${CROSS_COMPILE}gcc" "${flags[@]}" -pthread -o "$out/$name" "$src" ||
		die "make trace: $src does not compile for $PCC_ARCH (the compiler's errors are above)"
	prog=$out/$name
fi
prog=$(check_prog "make trace" "$prog")

build_all
[ -f "$KDIR/vmlinux" ] || die "no vmlinux in $KDIR: decoding needs it"
job=$(mktemp); trap 'rm -f "$job"' EXIT
args=()
[ -z "${PCC_TRACE_ARGS:-}" ] || read -r -a args <<< "$PCC_TRACE_ARGS"
prog_job "$name" "$timeout" "$kb" "/pcc/bin/$(basename "$prog") $(shell_words ${args[@]+"${args[@]}"})" \
	"${PCC_TRACE_PARAMS:-}" > "$job" ||
	die "make trace: cannot read struct offsets from $KDIR/vmlinux"
set +e
# The capture comes out on the guest's console at about 8 MB of text a
# minute (arm64, TCG); a full buffer per CPU is about 1.8 times its size
# in text: 30 s per MiB of TRACE_KB, on top of the program's time.
bash "$PCC_ROOT/scripts/vm.sh" --timeout $((timeout + 300 + kb * 30 / 1024)) \
	--log "$out.log" "$job" "$prog"
vmrc=$?
set -e
err=$(tr -d '\r' < "$out.log" | sed -n 's/^PCC-PROG-ERROR //p' | head -1)
[ -z "$err" ] || die "make trace: $err"
python3 "$PCC_ROOT/scripts/trace_prog.py" --depth "$depth" \
	--flamegraph "$PCC_CACHE/$PCC_INFERNO/bin/inferno-flamegraph" "$out.log" "$KDIR/vmlinux" "$PCC_OUT/trace" ||
	die "make trace: nothing to decode (guest log: $out.log)"
status=$(tr -d '\r' < "$out.log" | sed -n 's/^PCC-PROG-EXIT //p' | tail -1)
log "trees, groups, summary, folded stacks and paths.svg in $out/ (guest log: $out.log)"
case $status in
"0 exit") log "$name exited with status 0"; exit "$vmrc" ;;
*" exit") log "$name exited with status ${status% *}"; exit "${status% *}" ;;
*" signal") log "$name was killed by signal $((${status% *} - 128))"; exit "${status% *}" ;;
*" timeout")
	log "$name ran past TIMEOUT=$timeout s and was killed; where its tasks were in the kernel then:"
	tr -d '\r' < "$out.log" | sed -n '/^# stack of /,/^PCC-PROG-EXIT/p' | sed '$d' >&2
	exit 124 ;;
*) log "$name did not finish, or its capture was cut short: the guest stopped first (guest log: $out.log)"; exit 1 ;;
esac
