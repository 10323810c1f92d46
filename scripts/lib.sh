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
# The architecture: ARCH=arm64 (the default) or ARCH=x86_64. Everything
# that differs between the two is in this table. x86_64's build products
# go to $PCC_OUT/x86_64, so that both can be built side by side.
PCC_ARCH=${ARCH:-arm64}
case "$PCC_ARCH" in
arm64)
	CROSS_CC=aarch64-linux-gnu-gcc
	CROSS_COMPILE=aarch64-linux-gnu-
	PCC_KIMAGE=arch/arm64/boot/Image
	PCC_QEMU=qemu-system-aarch64
	PCC_CONSOLE=ttyAMA0
	PCC_BUSYBOX=busybox-arm64
	# QEMU's virt machine; the disk on virtio-mmio.
	PCC_QEMU_ARGS=(-machine virt -cpu max)
	PCC_DISK_DEV=virtio-blk-device
	;;
x86_64)
	CROSS_CC=gcc
	CROSS_COMPILE=
	PCC_KIMAGE=arch/x86/boot/bzImage
	PCC_QEMU=qemu-system-x86_64
	PCC_CONSOLE=ttyS0
	PCC_BUSYBOX=busybox-amd64
	# TCG: /dev/kvm may exist and still fail on guest code (toolchain
	# notes); PCC_KVM=1 asks for it. la57=off: with 5-level paging the KASAN
	# kernel reported false wild-memory-accesses at boot. The disk on PCI.
	if [ "${PCC_KVM:-0}" = 1 ]; then
		PCC_QEMU_ARGS=(-machine pc,accel=kvm -cpu host)
	else
		PCC_QEMU_ARGS=(-machine pc,accel=tcg -cpu max,la57=off)
	fi
	PCC_DISK_DEV=virtio-blk-pci
	case "$PCC_OUT" in */x86_64) ;; *) PCC_OUT=$PCC_OUT/x86_64 ;; esac
	;;
*) printf '[pcc] error: ARCH=%s: pcc runs on arm64 and x86_64\n' "$PCC_ARCH" >&2; exit 1 ;;
esac
PCC_KMAKE_ARGS=(ARCH="$PCC_ARCH" LLVM=1 RUSTC="$PCC_RUSTC" BINDGEN="$PCC_CACHE/bindgen/bin/bindgen")

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
