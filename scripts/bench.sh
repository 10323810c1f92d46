#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: what a page fault costs through pcc against the kernel's own
# C paths, in one boot of the bench kernel (scripts/kconfig/bench.config:
# the test kernel without KASAN, lockdep, DEBUG_VM or Rust debug
# assertions), built and cached beside the debug one on first use.
#
# The guest runs bench/pcc_bench four times, pcc reloaded for each:
#   main   fault-around on; pcc, shmem (memfd) and anonymous memory;
#   nofa   pcc fault_around=0, and fault_around_bytes=4096 for shmem;
#   fab4k  fault_around_bytes=4096 for both, pcc keeping ->map_pages;
#   major  pcc on a store (/dev/vda2) against a file on ext4 (/dev/vda1),
#          two partitions of the same virtio disk;
# then measures memory: vmalloc and slab before and after loading a large
# pcc, and before and after filling pcc or a tmpfs file with the same pages.
# scripts/bench_table.py prints the table and writes $PCC_OUT/bench.csv.
#
# Knobs: BENCH_PAGES (main and nofa, default 8192), BENCH_MAJOR_PAGES
# (default 4096), BENCH_ROUNDS (default 11), BENCH_WARMUP (default 2).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
[ "$PCC_ARCH" = arm64 ] || die "make bench runs on arm64 only for now (ARCH=$PCC_ARCH)"
pages=${BENCH_PAGES:-8192} major=${BENCH_MAJOR_PAGES:-4096}
rounds=${BENCH_ROUNDS:-11} warmup=${BENCH_WARMUP:-2}

# The bench kernel and a module built for it, apart from the test build.
out=$PCC_OUT
export PCC_KERNEL=bench PCC_OUT=$PCC_OUT/bench-build
build_all

# The disk: an MBR with ext4 in partition 1 and pcc's store in partition 2.
disk=$out/bench-disk.img
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

job=$PCC_OUT/stage-bench.job
cat > "$job" <<EOF
pages=$pages major=$major rounds=$rounds warmup=$warmup
EOF
cat >> "$job" <<'EOF'
B="/pcc/bin/pcc_bench -r $rounds -w $warmup"
reload() { rmmod pcc && insmod /pcc/pcc.ko "$@" || { echo "BENCH-FAIL insmod $*"; exit 1; }; }
fab=/sys/kernel/debug/fault_around_bytes
echo "# fault_around_bytes $(cat $fab), $(nproc) CPUs, $(uname -r)"
reload size_pages=$pages
$B -n $pages main || exit 1
reload size_pages=$pages fault_around=0
old=$(cat $fab); echo 4096 > $fab
$B -n $pages nofa || exit 1
reload size_pages=$pages
$B -n $pages fab4k || exit 1
echo "$old" > $fab
mkdir -p /mnt && mount -t ext4 /dev/vda1 /mnt || { echo "BENCH-FAIL mount"; exit 1; }
reload size_pages=$major backing=/dev/vda2
$B -n $major -f /mnt/bench.dat major || exit 1
umount /mnt

# Memory: what the index costs, from /proc/meminfo (kB): pcc's slot
# vector is vmalloc'ed at load, the mapping's xarray nodes (pcc's and
# shmem's alike) come from the slab. Page contents are not counted.
kb() { awk -v f="$1:" '$1 == f {print $2}' /proc/meminfo; }
idx() { echo $(( $(kb VmallocUsed) + $(kb Slab) )); }
settle() { sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1; }
cap=1048576 fill=65536
rmmod pcc; settle; a=$(idx)
insmod /pcc/pcc.ko size_pages=$cap; settle; b=$(idx)
echo "M capacity pcc $cap $(( (b - a) * 1024 ))"
rmmod pcc; insmod /pcc/pcc.ko size_pages=$fill; settle; a=$(idx)
dd if=/dev/zero of=/dev/pcc bs=65536 count=$((fill / 16)) 2>/dev/null; settle; b=$(idx)
echo "M cached pcc $fill $(( (b - a) * 1024 ))"
settle; a=$(idx)
dd if=/dev/zero of=/tmp/shmem.dat bs=65536 count=$((fill / 16)) 2>/dev/null; settle; b=$(idx)
echo "M cached shmem $fill $(( (b - a) * 1024 ))"
rm /tmp/shmem.dat
EOF

export PCC_OUT=$out PCC_DISK_IMAGE=$disk
rc=0
bash "$PCC_ROOT/scripts/vm.sh" --timeout 1800 --log "$out/bench.log" "$job" \
	"$PCC_OUT/bench-build/bench/pcc_bench" || rc=$?
[ $rc = 0 ] || die "the bench run failed (log: $out/bench.log)"
python3 "$PCC_ROOT/scripts/bench_table.py" "$out/bench.log" "$out/bench.csv"
