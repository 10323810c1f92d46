#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The errors a user meets before anything boots, checked on the host: each
# command must fail at once (no build, no boot) with one line saying what
# is wrong, never a bare "Error 1" or a traceback. And `make help` must
# list every target. Prints TAP framed for scripts/tap_summary.py (as
# "pcc_errors(host)"); `make check` counts it.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 fails=0
echo "PCC-TEST-BEGIN pcc_errors(host)"
echo "TAP version 13"

# expect NAME REGEX CMD...: CMD exits non-zero within 60 s and its output
# matches REGEX, with no Python traceback.
expect() {
	local name=$1 re=$2 rc
	shift 2
	n=$((n + 1))
	timeout -k 5 60 "$@" > "$tmp/out" 2>&1 < /dev/null
	rc=$?
	if [ $rc != 0 ] && [ $rc != 124 ] && grep -qE "$re" "$tmp/out" && ! grep -q '^Traceback' "$tmp/out"; then
		echo "ok $n $name"
	else
		echo "not ok $n $name (exit $rc)"
		sed 's/^/# /' "$tmp/out" | tail -5
		fails=$((fails + 1))
	fi
}

M=(make -s -C "$PCC_ROOT")

# make help: every target of the Makefile's .PHONY lines.
targets=$(sed -n '/^\.PHONY:/,/[^\\]$/p' "$PCC_ROOT/Makefile" | tr -d '\\' | sed 's/^\.PHONY://' | tr -s ' \t' '\n' |
	grep -vE '^(need-kdir|print-user-cflags)$' | grep .)
help=$("${M[@]}" help)
missing=$(for t in $targets; do grep -qE "^make $t( |$)" <<< "$help" || echo "$t"; done)
n=$((n + 1))
if [ -n "$targets" ] && [ -z "$missing" ]; then
	echo "ok $n make help lists every target ($(echo $targets | wc -w))"
else
	echo "not ok $n make help lists every target (missing: $(echo $missing))"
	fails=$((fails + 1))
fi

# make run.
expect "make run without PROG says how to call it" 'usage: make run PROG=' "${M[@]}" run
expect "make run with a missing program names it" 'no program at /nonexistent/dir/prog' \
	"${M[@]}" run PROG=/nonexistent/dir/prog
printf '#!/bin/sh\n' > "$tmp/script"
expect "make run with a script says it is not a program" 'is not a program' "${M[@]}" run PROG="$tmp/script"
host=$(type -P true)
expect "make run with a dynamically linked program says to build it -static" \
	'dynamically linked.*-static' "${M[@]}" run PROG="$host" ARCH=x86_64
expect "make run with another architecture's program says which" 'is not an arm64 program' \
	"${M[@]}" run PROG="$host" ARCH=arm64

# make trace: a program of yours, a C file, a scenario.
expect "make trace with a missing program names it" 'make trace: no program at /nonexistent/prog' \
	"${M[@]}" trace PROG=/nonexistent/prog
expect "make trace with a script says it is not a program" 'make trace: .* is not a program' \
	"${M[@]}" trace PROG="$tmp/script"
expect "make trace with a dynamically linked program says to build it -static" \
	'make trace: .*dynamically linked.*-static' "${M[@]}" trace PROG="$host" ARCH=x86_64
expect "make trace with another architecture's program says which" 'make trace: .* is not an arm64 program' \
	"${M[@]}" trace PROG="$host" ARCH=arm64
printf 'int main(void) { return missing; }\n' > "$tmp/bad.c"
expect "make trace with a C file that does not compile says so" "make trace: $tmp/bad.c does not compile" \
	"${M[@]}" trace SRC="$tmp/bad.c" ARCH="$PCC_ARCH"
expect "make trace with a missing C file names it" 'make trace: no C file at /nonexistent/p.c' \
	"${M[@]}" trace SRC=/nonexistent/p.c
expect "make trace with PROG and SRC says to pick one" 'PROG= or SRC=, not both' \
	"${M[@]}" trace PROG="$tmp/script" SRC="$tmp/bad.c"
expect "make trace with a bad TIMEOUT says what it takes" 'TIMEOUT=abc: a number of seconds' \
	"${M[@]}" trace PROG="$tmp/script" TIMEOUT=abc
expect "make trace with an unknown scenario lists the scenarios" "no scenario 'nosuch'; the scenarios are: cold-read" \
	"${M[@]}" trace SCENARIO="cold-read nosuch"

# make check's selection.
expect "make check TESTS= with an unknown suite lists the suites" "no suite 'nosuch'.*pcc_store" \
	"${M[@]}" check ARCH=arm64 TESTS=nosuch
expect "make check TESTS=suite:test on a suite without tests says so" 'pcc_fuzz runs as a whole' \
	"${M[@]}" check ARCH=arm64 TESTS=fuzz:x

# Targets that need a kernel tree.
for t in user module lint rust-analyzer; do
	expect "make $t without KDIR says how to set it" 'KDIR not set' env -u KDIR make -s -C "$PCC_ROOT" $t
done
expect "make module with a KDIR that is not a kernel tree says so" 'is not a built kernel tree' \
	"${M[@]}" module KDIR="$tmp"
expect "make check with an unknown ARCH names the ones there are" 'ARCH=sparc: pcc runs on arm64 x86_64 arm$' \
	"${M[@]}" check ARCH=sparc
expect "scripts/kernel.sh --kdir on an empty cache says to build first" 'nothing built yet' \
	env PCC_CACHE="$tmp/empty" bash "$PCC_ROOT/scripts/kernel.sh" --kdir

# The host.
printf 'ID=ubuntu\nVERSION_ID="24.04"\n' > "$tmp/os-release"
expect "the setup on a host that is not Debian 12 says what it found" 'this host is ubuntu 24.04' \
	env PCC_OS_RELEASE="$tmp/os-release" bash "$PCC_ROOT/scripts/toolchain.sh"

# Not root, with everything installed: only installing needs root. As
# nobody, on copies of the scripts and of the cache's tools (the tree and
# the cache may be root's alone).
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	chmod 755 "$tmp"
	mkdir -p "$tmp/nb" "$tmp/nbc"
	cp -r "$PCC_ROOT/scripts" "$tmp/nb/"
	for d in bindgen $PCC_INFERNO $(for a in $PCC_ARCHS; do arch_settings "$a" && echo "$PCC_BUSYBOX"; done); do
		[ -d "$PCC_CACHE/$d" ] && cp -r "$PCC_CACHE/$d" "$tmp/nbc/"
	done
	chmod -R a+rX "$tmp/nb" "$tmp/nbc"
	chown 65534:65534 "$tmp/nbc"
	n=$((n + 1))
	if setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$tmp/nbc" PCC_CACHE="$tmp/nbc" \
		bash "$tmp/nb/scripts/toolchain.sh" > "$tmp/out" 2>&1 && grep -q 'toolchain ready' "$tmp/out"; then
		echo "ok $n the setup as another user than root goes on when everything is installed"
	else
		echo "not ok $n the setup as another user than root goes on when everything is installed"
		sed 's/^/# /' "$tmp/out" | tail -5
		fails=$((fails + 1))
	fi
fi

# vm.sh: QEMU that cannot start, a disk too full for the store's image.
mkdir -p "$tmp/kdir/$(dirname "$PCC_KIMAGE")"
: > "$tmp/kdir/$PCC_KIMAGE"
: > "$tmp/pcc.ko"
echo true > "$tmp/job"
expect "a QEMU that does not start shows QEMU's own error" "QEMU did not start|$PCC_QEMU: -m abc" \
	env KDIR="$tmp/kdir" MODULE="$tmp/pcc.ko" PCC_VM_MB=abc PCC_OUT_BASE="$tmp/o" \
	bash "$PCC_ROOT/scripts/vm.sh" --log "$tmp/vm.log" "$tmp/job"
expect "a boot without room for its disk image says how much it needs" 'MiB free on the file system.*free some space' \
	env KDIR="$tmp/kdir" MODULE="$tmp/pcc.ko" PCC_DISK_MB=999999999 PCC_OUT_BASE="$tmp/o" \
	bash "$PCC_ROOT/scripts/vm.sh" --log "$tmp/vm.log" "$tmp/job"

# The helper scripts, without arguments: their usage, not a traceback.
for s in tap_summary trace_tree trace_prog scenarios trace_sbs trace_doc bench_table rust_project; do
	expect "scripts/$s.py without arguments prints its usage" '[Uu]sage|^ *[a-z_]+\.py ' python3 "$PCC_ROOT/scripts/$s.py"
done

echo "1..$n"
echo "PCC-TEST-END pcc_errors(host) rc=$((fails > 0))"
