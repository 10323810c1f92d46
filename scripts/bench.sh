#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: what a page fault costs through pcc against the kernel's own
# C paths, in one boot of the bench kernel (scripts/kconfig/bench.config:
# the test kernel without KASAN, lockdep, DEBUG_VM or Rust debug
# assertions, and with mm as Debian's kernel has it), built and cached
# beside the debug one on first use. The workload runs in a memory cgroup
# (scripts/guest/bench.job).
#
# The guest runs bench/pcc_bench five times (six with the huge phase,
# where the kernel has transparent huge pages), pcc reloaded for each:
#   main   fault-around on; pcc, shmem (memfd) and anonymous memory;
#   nofa   pcc fault_around=0, and fault_around_bytes=4096 for shmem;
#   fab4k  fault_around_bytes=4096 for both, pcc keeping ->map_pages;
#   nonotify  pcc write_notify=0: the stores, without ->page_mkwrite (one
#          thread, and two on the same pages);
#   major  pcc on a store (/dev/vda2) against a file on ext4 (/dev/vda1),
#          two partitions of the same virtio disk;
# then measures memory: vmalloc and slab before and after loading a large
# pcc, and before and after filling pcc or a tmpfs file with the same pages.
# scripts/bench_table.py prints the table and writes $PCC_OUT/bench.csv.
#
# Knobs: BENCH_PAGES (every phase but major, default 8192), BENCH_MAJOR_PAGES
# (default 4096), BENCH_ROUNDS (default 11), BENCH_MAJOR_ROUNDS (the major
# phase's, default 21: each of its rounds waits for the disk 4096 times,
# and the host's I/O latency spreads its per-round ratios 5-10 times as
# wide as the main phase's, for about 2 s a round), BENCH_WARMUP (default 2).
#
# BENCH_BASE=rev (make bench BASE=rev [PHASE=main] [CASES=a,b] [RUNS=3]):
# a change's before and after, paired: the module of git revision rev
# (built once against the same bench kernel and kept, keyed by the commit)
# and the tree's, in one boot, loaded in turn (base first) RUNS times, each
# load running PHASE's CASES (default: all of the phase's) as the phase
# above does (scripts/guest/bench_ab.job); scripts/bench_ab.py prints each
# run's ratio to the reference and the change. The same pcc_bench (the
# tree's) measures both. Its files are bench-ab.log and .csv (with ICOUNT:
# bench-ab-icount.*).
#
# BENCH_ICOUNT=1 (make bench ICOUNT=1): the path-length mode. QEMU runs
# with -icount shift=0, so the guest's clock advances 1 ns per instruction
# executed, and the table's ns per page are instructions per page, which
# the host's load does not change. sleep=off: an idle guest's clock jumps
# to its next timer instead of following the host's (QEMU's code; its
# manual says the opposite); align=off, as align=on needs sleep=on. -icount
# runs every vCPU on one host thread, so the 2-thread cases (and their
# -1t twins) are not run, and the guest has one vCPU: the count is then
# the faulting CPU's alone, and a broadcast TLB flush has no other vCPU to
# wait for (with two, 32-bit ARM's flushes of freed init memory, which
# TCG synchronizes across vCPUs, each let the idle one's clock jump: its
# boot took 24 s of guest time, and RCU reported a stall). Its files are
# bench-icount.log and .csv.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
pages=${BENCH_PAGES:-8192} major=${BENCH_MAJOR_PAGES:-4096}
rounds=${BENCH_ROUNDS:-11} warmup=${BENCH_WARMUP:-2}
major_rounds=${BENCH_MAJOR_ROUNDS:-21}
icount=${BENCH_ICOUNT:-0} base=${BENCH_BASE:-}
name=bench main_cases="" nonotify_cases="" table_args=()
if [ "$icount" = 1 ]; then
	name=bench-icount
	main_cases=read-cached,read-cold,store-cold,store-after-read,writeback,store-private
	main_cases+=,read-syscall-cached,write-syscall-cold
	nonotify_cases=store-cold,store-after-read
	table_args=(--icount)
	export PCC_QEMU_EXTRA="-icount shift=0,sleep=off,align=off" PCC_VM_CPUS=1
fi
if [ -n "$base" ]; then
	base=$(git -C "$PCC_ROOT" rev-parse --verify -q "$base^{commit}") || die "BASE=$BENCH_BASE: no such commit"
	name=${name/bench/bench-ab}
fi

# The bench kernel and a module built for it, apart from the test build.
out=$PCC_OUT
mkdir -p "$out"
PCC_KERNEL=bench PCC_OUT_BASE=$PCC_OUT_BASE/bench-build build_all
bench_prog=$PCC_OUT_BASE/bench-build/$PCC_ARCH/bench/pcc_bench
files=("$bench_prog")
if [ -n "$base" ]; then
	# BASE's module, from its files at that commit (git archive), built
	# against the bench kernel; kept under the names of the commit and of
	# the kernel build, so that a later run with the same BASE reuses it.
	bsrc=$PCC_OUT_BASE/bench-build/$PCC_ARCH/base-${base:0:12}-$(basename "$KDIR")
	bko=$bsrc/out/$PCC_ARCH/module/pcc.ko
	if [ ! -f "$bko" ]; then
		log "building the module of $base"
		rm -rf "$bsrc" && mkdir -p "$bsrc"
		git -C "$PCC_ROOT" archive "$base" | tar -x -C "$bsrc"
		PCC_OUT_BASE=$bsrc/out make -C "$bsrc" -s module KDIR="$KDIR" ARCH="$PCC_ARCH" PCC_OUT="$bsrc/out" >&2 ||
			die "BASE=$BENCH_BASE: its module does not build"
	fi
	cp "$bko" "$out/pcc-base.ko"
	files+=("$out/pcc-base.ko")
fi

# The disk: an MBR with ext4 in partition 1 and pcc's store in partition 2.
disk=$out/$name-disk.img
ext4_mb=$((major * 4 / 1024 + 64)) store_mb=$((major * 4 / 1024 + 16))
rm -f "$disk"
truncate -s $((1 + ext4_mb + store_mb))M "$disk"
python3 - "$disk" "$ext4_mb" "$store_mb" <<'PY'
import struct, sys
path, ext4_mb, store_mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
mib = 2048  # 512-byte sectors
parts = [(mib, ext4_mb * mib), (mib + ext4_mb * mib, store_mb * mib)]
mbr = bytearray(512)
for i, (start, count) in enumerate(parts):
    # boot flag, CHS (unused: LBA only), type 0x83, CHS, first LBA, sectors
    mbr[446 + 16 * i:462 + 16 * i] = struct.pack('<B3sB3sII', 0, b'\xfe\xff\xff', 0x83,
                                                 b'\xfe\xff\xff', start, count)
mbr[510:512] = b'\x55\xaa'
with open(path, 'r+b') as f:
    f.write(mbr)
PY
mkfs.ext4 -q -F -E offset=$((1024 * 1024)) "$disk" "${ext4_mb}M"

job=$out/stage-$name.job
cat > "$job" <<EOF
pages=$pages major=$major rounds=$rounds major_rounds=$major_rounds warmup=$warmup main_cases=$main_cases
nonotify_cases=$nonotify_cases
EOF
if [ -n "$base" ]; then
	phase=${BENCH_PHASE:-main} cases=${BENCH_CASES:-}
	[ -n "$cases" ] || [ "$phase" != main ] || cases=$main_cases
	[ -n "$cases" ] || [ "$phase" != nonotify ] || cases=$nonotify_cases
	echo "runs=${BENCH_RUNS:-3} phase=$phase cases=$cases" >> "$job"
	cat "$PCC_ROOT/scripts/guest/bench_ab.job" >> "$job"
else
	cat "$PCC_ROOT/scripts/guest/bench.job" >> "$job"
fi

# The paired runs load pcc 2 x RUNS times: an hour for them, half for
# the phases once each.
timeout=1800
[ -z "$base" ] || timeout=3600
rc=0
PCC_DISK_IMAGE=$disk PCC_DISK_RA_KB= bash "$PCC_ROOT/scripts/vm.sh" --timeout $timeout --log "$out/$name.log" "$job" \
	"${files[@]}" || rc=$?
[ $rc = 0 ] || die "the bench run failed (log: $out/$name.log)"
if [ -n "$base" ]; then
	python3 "$PCC_ROOT/scripts/bench_ab.py" "${table_args[@]}" --base "${base:0:12}" \
		--head "$(git -C "$PCC_ROOT" describe --always --dirty)" "$out/$name.log" "$out/$name.csv"
else
	python3 "$PCC_ROOT/scripts/bench_table.py" "${table_args[@]}" "$out/$name.log" "$out/$name.csv"
fi
