# SPDX-License-Identifier: GPL-2.0
# Shared settings for pcc's scripts: sourced (and run only as
# `lib.sh make-vars`, for the Makefile).
#
# Everything slow (downloaded packages, the unpacked kernel source, the
# kernel build) lives under $PCC_CACHE, outside the repository, keyed by
# what it was made from, so that a second run only rebuilds what changed.

PCC_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PCC_CACHE=${PCC_CACHE:-$HOME/.cache/pcc}

# The toolchain: Debian's LLVM 19 (LLVM=1 wants clang, ld.lld, llvm-*
# unversioned; they are here) and bindgen from the cache.
LLVM_BIN=/usr/lib/llvm-19/bin
export PATH="$LLVM_BIN:$PCC_CACHE/bindgen/bin:$PATH"
# The kernel wants Debian's rustc (it ships rust-src); a rustup toolchain
# earlier on PATH has none.
PCC_RUSTC=/usr/bin/rustc

# The architectures pcc runs on, and everything that differs between them:
# one entry each. `make check` without ARCH runs every one of PCC_ARCHS.
PCC_ARCHS="arm64 x86_64 arm"
# make trace's flame-graph renderer (the inferno crate), in the cache.
PCC_INFERNO_VERSION=0.12.8
PCC_INFERNO=inferno-$PCC_INFERNO_VERSION
arch_settings() {
	case "$1" in
	arm64)
		CROSS_COMPILE=aarch64-linux-gnu-
		PCC_KCONFIG_SYMBOL=CONFIG_ARM64		# how a kernel's .config says it
		PCC_KCONFIG_FRAGMENTS=()		# beyond base and variant
		PCC_KIMAGE=arch/arm64/boot/Image
		PCC_FILE_MAGIC='ARM aarch64'		# what file(1) says of a program
		PCC_DEB_ARCH=arm64			# Debian's name (busybox-static)
		PCC_QEMU=qemu-system-aarch64
		PCC_CONSOLE=ttyAMA0
		# QEMU's virt machine; the disk on virtio-mmio.
		PCC_QEMU_ARGS=(-machine virt -cpu max)
		PCC_DISK_DEV=virtio-blk-device
		# make check's small boot (pcc_store_big): its kernel has 60 MiB.
		PCC_SMALL_VM_MB=160
		;;
	x86_64)
		CROSS_COMPILE=
		PCC_KCONFIG_SYMBOL=CONFIG_X86_64
		PCC_KCONFIG_FRAGMENTS=(x86_64.config)
		PCC_KIMAGE=arch/x86/boot/bzImage
		PCC_FILE_MAGIC='x86-64'
		PCC_DEB_ARCH=amd64
		PCC_QEMU=qemu-system-x86_64
		PCC_CONSOLE=ttyS0
		# TCG: /dev/kvm may exist and still fail on guest code (toolchain
		# notes); PCC_KVM=1 asks for it. la57=off: with 5-level paging the
		# KASAN kernel reported false wild-memory-accesses at boot. The
		# disk on PCI.
		if [ "${PCC_KVM:-0}" = 1 ]; then
			PCC_QEMU_ARGS=(-machine pc,accel=kvm -cpu host)
		else
			PCC_QEMU_ARGS=(-machine pc,accel=tcg -cpu max,la57=off)
		fi
		PCC_DISK_DEV=virtio-blk-pci
		# The x86_64 debug kernel keeps 10 MiB more for itself at boot
		# (50.5 MiB available of 160, arm64's 60.5; 64.6 of 176). At 160
		# MiB pcc's default cache limit (half of RAM, 30 MiB) was all the
		# free memory, and an order-1 slab allocation met the OOM killer
		# in one run of three.
		PCC_SMALL_VM_MB=176
		;;
	arm)
		# 32-bit ARM: ARMv7-A, little-endian, ARM mode (kconfig/arm.config).
		CROSS_COMPILE=arm-linux-gnueabihf-
		PCC_KCONFIG_SYMBOL=CONFIG_ARM
		PCC_KCONFIG_FRAGMENTS=(arm.config)
		PCC_KIMAGE=arch/arm/boot/zImage
		PCC_FILE_MAGIC='ARM, EABI5'
		PCC_DEB_ARCH=armhf
		PCC_QEMU=qemu-system-arm
		PCC_CONSOLE=ttyAMA0
		# highmem=off: a kernel without LPAE addresses 32 bits, so the
		# virt machine keeps its devices and RAM below 4 GiB.
		PCC_QEMU_ARGS=(-machine virt,highmem=off -cpu cortex-a15)
		PCC_DISK_DEV=virtio-blk-device
		# Without KASAN's shadow the arm kernel keeps little for itself:
		# 138 MiB of 160 were the kernel's, more than pcc_store_big's 128
		# MiB store; at 136, 114.
		PCC_SMALL_VM_MB=136
		;;
	*) return 1 ;;
	esac
	CROSS_CC=${CROSS_COMPILE}gcc
	PCC_BUSYBOX=busybox-$PCC_DEB_ARCH
}

# ARCH: as given, else the architecture of KDIR's kernel, else arm64.
if [ -z "${ARCH:-}" ] && [ -n "${KDIR:-}" ]; then
	for a in $PCC_ARCHS; do
		arch_settings "$a"
		grep -qx "$PCC_KCONFIG_SYMBOL=y" "$KDIR/.config" 2>/dev/null && ARCH=$a
	done
fi
PCC_ARCH=${ARCH:-arm64}
if ! arch_settings "$PCC_ARCH"; then
	printf '[pcc] error: ARCH=%s: pcc runs on %s\n' "$PCC_ARCH" "$PCC_ARCHS" >&2
	exit 1
fi
# Every architecture's products under $PCC_OUT_BASE/<arch>, so that all can
# be built side by side.
PCC_OUT_BASE=${PCC_OUT_BASE:-${PCC_OUT:-$PCC_ROOT/out}}
PCC_OUT=$PCC_OUT_BASE/$PCC_ARCH
export PCC_OUT_BASE
export ARCH=$PCC_ARCH
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

# check_prog WHAT PATH: PATH must be a static ELF program for PCC_ARCH (the
# guest has busybox and nothing else: no loader, no libraries); dies with
# one line saying what is wrong. WHAT names the command ("make run").
# Prints the program's full path.
check_prog() {
	local what=$1 given=$2 prog desc
	prog=$(readlink -f "$given" || true)
	[ -f "$prog" ] || die "$what: no program at $given"
	desc=$(file -b "$prog" | cut -d, -f1-4)
	case $desc in *ELF*) ;; *) die "$what: $prog is not a program ($desc)" ;; esac
	case $desc in *"$PCC_FILE_MAGIC"*) ;; *) die "$what: $prog is not an $PCC_ARCH program ($desc): build it for $PCC_ARCH, or use the ARCH it is for" ;; esac
	case $desc in *"dynamically linked"*) die "$what: $prog is dynamically linked; the guest has no libraries: build it with -static" ;; esac
	echo "$prog"
}

# shell_words ARG...: the arguments as one line for the guest's sh, each
# single-quoted.
shell_words() {
	local a line=""
	for a in "$@"; do line+=" '$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"; done
	printf '%s' "${line# }"
}

# prog_job [--from-program] [--keep] [--reuse-pcc] NAME TIMEOUT KB COMMAND
# [PARAMS]: the guest job of `make trace PROG=` (scripts/guest/prog.job
# with its settings) for one command line of /pcc/bin, on stdout. Tracing
# is on from the program's exec, or with --from-program from where the
# program switches it on (pcc-scenario, around its access). --keep leaves
# the tracer set up for the next run in the same boot; --reuse-pcc keeps
# pcc as the previous run loaded it, if with the same PARAMS (for a
# program that resets pcc itself). KDIR must be set: the kprobe's struct
# offsets come from its vmlinux's DWARF (cached beside it).
prog_job() {
	local offsets=$KDIR/.pcc-vma-offsets start=exec keep=0 reuse=0
	while :; do
		case $1 in
		--from-program) start=program; shift ;;
		--keep) keep=1; shift ;;
		--reuse-pcc) reuse=1; shift ;;
		*) break ;;
		esac
	done
	# Made again for a new vmlinux, and for one made before the offsets
	# of vm_start and vm_end (they differ on 32-bit ARM) and of
	# vm_ops->fault were in it.
	if [ ! -s "$offsets" ] || [ "$offsets" -ot "$KDIR/vmlinux" ] || ! grep -q PCC_VMOPS_FAULT "$offsets"; then
		python3 "$PCC_ROOT/scripts/trace_prog.py" --offsets "$KDIR/vmlinux" > "$offsets.tmp" || return 1
		mv "$offsets.tmp" "$offsets"
	fi
	cat "$offsets"
	echo "PCC_TRACE_NAME=$1 PCC_TRACE_TIMEOUT=$2 PCC_TRACE_KB=$3"
	echo "PCC_TRACE_CMD=$(shell_words "$4") PCC_TRACE_PARAMS=$(shell_words "${5:-}")"
	echo "PCC_TRACE_START=$start PCC_TRACE_KEEP=$keep PCC_TRACE_REUSE=$reuse"
	cat "$PCC_ROOT/scripts/guest/prog.job"
}

# The job line that takes down what a series of prog_job --keep runs left
# set up (guest lib.sh's pcc_trace_off).
PCC_TRACE_OFF='( . /pcc/lib.sh && pcc_trace_off )'

# scenario_jobs NAME...: the guest job of `make trace SCENARIO=` and of make
# check's fault paths, on stdout: each scenario of scripts/scenarios.py
# (all, or those named) run by prog.job as `make trace PROG=pcc-scenario
# ARGS=NAME PARAMS=<its module parameters>` runs it, except that tracing
# is on only where pcc-scenario switches it on (around its access: its
# start would be most of the text the console carries), the tracer is set
# up once for them all, and pcc is reloaded only where the parameters
# change (pcc-scenario resets pcc itself). A job line that fails sets
# rc=1; after the last run, the job must take the tracer down
# ($PCC_TRACE_OFF). /pcc/bin/pcc-scenario must be among the VM's files.
scenario_jobs() {
	local rows name params
	rows=$(python3 "$PCC_ROOT/scripts/scenarios.py" --rows "$@") || return 1
	while IFS='|' read -r name params _; do
		echo "("
		prog_job --from-program --reuse-pcc --keep "$name" 60 16384 "/pcc/bin/pcc-scenario $name" "$params" ||
			return 1
		echo ")"; echo '[ $? = 0 ] || rc=1'
	done <<< "$rows"
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

# Run (not sourced) as `lib.sh make-vars`: the settings the Makefile needs,
# as NAME=value words.
if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = make-vars ]; then
	echo "ARCH=$PCC_ARCH O=$PCC_OUT CROSS_COMPILE=$CROSS_COMPILE LLVM_BIN=$LLVM_BIN PCC_RUSTC=$PCC_RUSTC"
fi
