#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot pcc's test kernel in QEMU with pcc.ko loaded and run one job.
#
#   scripts/vm.sh [--shell] [--reboot] [--params "k=v ..."] [--log FILE] [--timeout S] JOB [FILE...]
#
# JOB is a shell script run by the guest's init (as /pcc/job, cwd /tmp);
# each FILE is copied to /pcc/bin in the guest. KDIR is the kernel build
# directory (Image) and MODULE the pcc.ko to load.
#
# Exit status: the job's, or non-zero when the module did not load, the
# guest did not finish in time, or the guest log shows a kernel splat (the
# offending lines are printed). A guest stopped for its time says where
# its CPUs were (PCC-HUNG-CPU lines at the log's end). A guest whose init
# has not run within PCC_BOOT_TIMEOUT seconds (default 150) is booted once
# more, its log kept as LOG with .hung.log for .log. With --reboot the job
# ends the boot itself by rebooting (a crash as far as pcc can tell): it
# prints PCC-REBOOT first, and the boot succeeds when that line is there.
#
# Every boot has a disk: a fresh sparse image of PCC_DISK_MB MiB (default
# 1088: a 1 GiB store and its metadata) beside the log (LOG with .img for
# .log) on virtio-blk, /dev/vda in the guest, for pcc's backing store
# (insmod pcc.ko backing=/dev/vda); PCC_DISK_IMAGE names a prepared image
# to boot with instead (make bench: partitions). The guest sets the disk's
# read_ahead_kb to PCC_DISK_RA_KB before pcc loads (default 128, the
# kernel's default readahead, not the 8192 the virtio disk asks for: pcc's
# window is its store disk's, and the tests and captures size their data
# by it); empty keeps the disk's own (make bench). PCC_VM_MB sets the
# guest's memory (default 2048), PCC_VM_CPUS its CPUs (default 2).
# PCC_QEMU_EXTRA: more QEMU options, split
# on spaces (make bench ICOUNT=1: -icount). Boots with different logs can
# run at the same time.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

shell=0 reboot=0 params="" logf="" timeout=${PCC_VM_TIMEOUT:-600}
while [ $# -gt 0 ]; do
	case "$1" in
	--shell) shell=1; shift ;;
	--reboot) reboot=1; shift ;;
	--params) params=$2; shift 2 ;;
	--log) logf=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	*) break ;;
	esac
done
job=${1:-}; [ $# -gt 0 ] && shift
: "${KDIR:?KDIR (kernel build dir) not set}"
: "${MODULE:?MODULE (path of pcc.ko) not set}"
IMAGE=$KDIR/$PCC_KIMAGE
[ -f "$IMAGE" ] || die "no kernel image at $IMAGE"
[ -f "$MODULE" ] || die "no module at $MODULE"
BUSYBOX=$PCC_CACHE/$PCC_BUSYBOX/bin/busybox
[ -x "$BUSYBOX" ] || die "no $PCC_ARCH busybox at $BUSYBOX: run scripts/toolchain.sh"

mkdir -p "$PCC_OUT"
logf=${logf:-$PCC_OUT/guest.log}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# Initramfs: busybox and its applets, init, the module, the job and files.
mkdir -p "$stage"/{bin,sbin,proc,sys,dev,tmp,etc,pcc/bin}
cp "$BUSYBOX" "$stage/bin/busybox"
for a in $("$(dirname "$0")/busybox-applets.sh"); do
	ln -sf busybox "$stage/bin/$a"
done
cp "$PCC_ROOT/scripts/guest/init" "$stage/init"
chmod +x "$stage/init"
cp "$MODULE" "$stage/pcc/pcc.ko"
cp "$PCC_ROOT/scripts/guest/lib.sh" "$stage/pcc/lib.sh"
printf '%s\n' "$params" > "$stage/pcc/modparams"
printf '%s' "${PCC_DISK_RA_KB-128}" > "$stage/pcc/disk_ra_kb"
if [ $shell = 1 ]; then
	touch "$stage/pcc/interactive"
else
	[ -n "$job" ] || die "no job given"
	cp "$job" "$stage/pcc/job"
fi
for f in "$@"; do cp -r "$f" "$stage/pcc/bin/"; done
initramfs=$(mktemp --suffix=.cpio.gz)
trap 'rm -rf "$stage" "$initramfs"' EXIT
( cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1 ) > "$initramfs"

# A full disk would pause the guest (QEMU's default on a write error) and
# the run would end as a timeout: say so now instead. The image is sparse;
# this is what it may grow to, and QEMU is told to report write errors to
# the guest rather than stop.
need=$(( ${PCC_DISK_MB:-1088} + 64 ))
free=$(df -Pm "$PCC_OUT" | awk 'NR == 2 {print $4}')
[ "$free" -ge "$need" ] || die "$free MiB free on the file system of $PCC_OUT; a boot needs up to $need MiB: free some space (or set PCC_OUT)"
if [ -n "${PCC_DISK_IMAGE:-}" ]; then
	disk=$PCC_DISK_IMAGE
	[ -f "$disk" ] || die "no disk image at $disk"
else
	disk=${logf%.log}.img
	rm -f "$disk"
	truncate -s "${PCC_DISK_MB:-1088}M" "$disk"
fi

read -ra extra <<< "${PCC_QEMU_EXTRA:-}"
qemu=("$PCC_QEMU" "${PCC_QEMU_ARGS[@]}" "${extra[@]}" -smp "${PCC_VM_CPUS:-2}" -m "${PCC_VM_MB:-2048}" -nographic -no-reboot
	-nic none -kernel "$IMAGE" -initrd "$initramfs"
	-drive "file=$disk,if=none,format=raw,id=store,cache=unsafe,werror=report,rerror=report" -device "$PCC_DISK_DEV,drive=store"
	-append "console=$PCC_CONSOLE panic=-1 oops=panic loglevel=7 ${PCC_CMDLINE:-}")
echo "+ ${qemu[*]}" >&2

if [ $shell = 1 ]; then
	"${qemu[@]}"
	exit $?
fi

# A guest past its time is asked where its CPUs are (QEMU's monitor, on a
# socket of its own) before it is stopped: a hang that prints nothing, in
# early boot or a CPU spinning with interrupts off, is then located in the
# log (scripts/vm_cpus.py). A guest whose init has not run within
# boot_timeout is stopped the same way, and marked hung in boot.
mon=$stage/monitor.sock
boot_timeout=${PCC_BOOT_TIMEOUT:-150}
boot_once() {
	rm -f "$stage/hung-cpus" "$stage/boot-hung"
	"${qemu[@]}" -monitor "unix:$mon,server=on,wait=off" < /dev/null > "$logf" 2>&1 &
	qpid=$!
	(
		booted=0
		for ((t = 0; t < 5 * timeout; t++)); do
			kill -0 $qpid 2>/dev/null || exit 0
			if [ $booted = 0 ] && [ $t -ge $((5 * boot_timeout)) ]; then
				if ! grep -q '^PCC-BOOT-OK' "$logf"; then
					touch "$stage/boot-hung"
					break
				fi
				booted=1
			fi
			sleep 0.2
		done
		python3 "$(dirname "$0")/vm_cpus.py" "$mon" "$KDIR/System.map" > "$stage/hung-cpus" 2>&1
		kill -TERM $qpid 2>/dev/null
		sleep 5
		kill -KILL $qpid 2>/dev/null
	) &
	wpid=$!
	wait $qpid
	qrc=$?
	wait $wpid
	# After QEMU's own last line: the log is its output file.
	[ ! -e "$stage/hung-cpus" ] || cat "$stage/hung-cpus" >> "$logf"
}

# The log's last lines before what vm_cpus.py added.
log_tail() {
	awk '/^PCC-HUNG-CPU/ { exit } { print }' "$1" | tail -"$2"
}

rm -f "${logf%.log}.hung.log"
set +e
boot_once
# A boot that hangs before its init runs has run nothing of pcc's (the
# kernel has not reached user space): it is booted once more, and its log
# kept beside, checked for splats too. Under TCG on a loaded host this has
# been seen twice in early boot (x86_64, about a second in; see
# Documentation/reliability.md). A second hang is a failure.
hung_log=""
if [ -e "$stage/boot-hung" ]; then
	hung_log=${logf%.log}.hung.log
	mv "$logf" "$hung_log"
	echo "[pcc] the guest did not reach its init within ${boot_timeout}s, before anything of pcc ran: booting once more (the hung boot's log: $hung_log)" >&2
	grep '^PCC-HUNG-CPU' "$hung_log" >&2
	log_tail "$hung_log" 5 >&2
	boot_once
fi
set -e

fail=0
timed_out=0
[ ! -e "$stage/hung-cpus" ] || timed_out=1
if [ -n "$hung_log" ] && ! "$(dirname "$0")/splats.sh" "$hung_log"; then fail=1; fi
# QEMU that did not start (a bad option, no memory) says why and stops. A
# guest stopped by the timeout also has a QEMU line ("terminating on
# signal 15"): that one is a timeout, said below.
if [ $timed_out = 0 ] && ! grep -q '^PCC-BOOT-OK' "$logf" && grep -q "^$PCC_QEMU: " "$logf"; then
	grep "^$PCC_QEMU: " "$logf" | sed 's/^/[pcc] /' >&2
	die "QEMU did not start (log: $logf)"
fi
if [ -e "$stage/boot-hung" ]; then
	echo "[pcc] FAIL: the guest did not reach its init within ${boot_timeout}s, twice (log: $logf)" >&2
elif [ $timed_out = 1 ]; then
	echo "[pcc] FAIL: the guest did not finish within ${timeout}s (log: $logf)" >&2
fi
if [ $timed_out = 1 ]; then
	grep '^PCC-HUNG-CPU' "$logf" >&2 || true
	log_tail "$logf" 20 >&2
	fail=1
fi
if ! grep -q '^PCC-INSMOD-OK' "$logf"; then
	echo "[pcc] FAIL: pcc.ko did not load in the guest:" >&2
	grep -E 'PCC-INSMOD|insmod|pcc' "$logf" | head -20 >&2
	fail=1
fi
if "$(dirname "$0")/splats.sh" "$logf"; then :; else fail=1; fi
jrc=$(sed -n 's/^PCC-JOB-EXIT=\([0-9]*\).*/\1/p' "$logf" | tail -1)
if [ $reboot = 1 ]; then
	if grep -q '^PCC-REBOOT' "$logf"; then
		jrc=0
	else
		[ $fail = 1 ] || echo "[pcc] FAIL: the job did not reach its reboot (log: $logf)" >&2
		fail=1
	fi
elif [ -z "$jrc" ]; then
	[ $fail = 1 ] || echo "[pcc] FAIL: the job did not finish (log: $logf)" >&2
	fail=1
elif [ "$jrc" != 0 ]; then
	echo "[pcc] the job exited with $jrc (log: $logf)" >&2
fi
[ $fail = 0 ] || exit 1
exit "${jrc:-1}"
