# SPDX-License-Identifier: GPL-2.0
# Shared settings for pcc's scripts. Sourced, never run.
#
# Everything slow (downloaded packages, the unpacked kernel source, the
# kernel build) lives under $PCC_CACHE, outside the repository, keyed by
# what it was made from, so that a second run only rebuilds what changed.

PCC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PCC_CACHE=${PCC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pcc}
PCC_OUT=${PCC_OUT:-$PCC_ROOT/out}

LLVM_BIN=/usr/lib/llvm-19/bin
export PATH="$LLVM_BIN:$PCC_CACHE/bindgen/bin:$PATH"

# The kernel wants Debian's rustc (it ships rust-src); a rustup toolchain
# earlier on PATH has none.
PCC_RUSTC=/usr/bin/rustc
PCC_KMAKE_ARGS=(ARCH=arm64 LLVM=1 RUSTC="$PCC_RUSTC" BINDGEN="$PCC_CACHE/bindgen/bin/bindgen")

CROSS_CC=aarch64-linux-gnu-gcc

log() { printf '[pcc] %s\n' "$*" >&2; }
die() { printf '[pcc] error: %s\n' "$*" >&2; exit 1; }

# build_all: scripts/build.sh (toolchain, kernel, pcc.ko, user programs),
# then export the KDIR and MODULE it printed, for vm.sh.
build_all() {
	local env
	env=$(bash "$PCC_ROOT/scripts/build.sh") || die "build failed"
	eval "$(tail -1 <<< "$env")"
	export KDIR MODULE
}

# run_in_vm LOG JOBLINE FILE...: run one shell line (a program of /pcc/bin)
# in the VM, print what it printed, return its exit status. KDIR and MODULE
# must be set (scripts/build.sh prints them).
run_in_vm() {
	local logf=$1 line=$2 job rc
	shift 2
	job=$(mktemp)
	printf 'echo "PCC-OUTPUT-BEGIN"\n%s\nrc=$?\necho "PCC-OUTPUT-END"\nexit $rc\n' "$line" > "$job"
	set +e
	bash "$PCC_ROOT/scripts/vm.sh" --log "$logf" "$job" "$@"
	rc=$?
	set -e
	rm -f "$job"
	sed -n '/^PCC-OUTPUT-BEGIN/,/^PCC-OUTPUT-END/p' "$logf" | sed '1d;$d'
	return $rc
}
