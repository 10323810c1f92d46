#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# fio (scripts/clients.sh) writes and verifies all of /dev/pcc through
# read/write and through mmap (scripts/guest/fio-verify.fio); then one
# byte changed behind fio's back must make its check fail, or a pass
# would prove nothing. TAP 13, like the C selftests.
#
# Needs /pcc/bin/fio and /pcc/bin/fio-verify.fio (staged with the
# clients); PCC_LOOPS (default 1) repeats each writing job, for a long run.
# It uses pcc as loaded: make check's 16 MiB device takes about 5 s. A
# long run reloads pcc first, e.g. (2 GiB guest, TCG, 2 vCPUs):
#   insmod pcc.ko size_pages=65536; PCC_LOOPS=2 pcc_fio.sh        ~70 s
#   insmod pcc.ko size_pages=16384 backing=/dev/vda cache_pages=2048
#     (the store, 8 MiB in memory: eviction and store reads)      ~105 s
fio=${PCC_FIO:-/pcc/bin/fio}
job=${PCC_FIO_JOB:-/pcc/bin/fio-verify.fio}
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; }
# The output of a fio run, as TAP comments.
show() { sed 's/^/# /' "$1"; }

echo "TAP version 13"
if [ ! -c /dev/pcc ] || [ ! -x "$fio" ] || [ ! -f "$job" ]; then
	echo "1..0 # SKIP needs /dev/pcc, $fio and $job (scripts/clients.sh)"
	exit 4
fi
echo "1..4"

# The job file's sizes, from the module as loaded.
page=$(awk '/KernelPageSize/ { print $2 * 1024; exit }' /proc/self/smaps)
pages=$(cat /sys/module/pcc/parameters/size_pages)
PCC_SIZE=$((pages * page))
export PCC_SIZE PCC_QUARTER=$((PCC_SIZE / 4)) PCC_HALF=$((PCC_SIZE / 2)) PCC_LOOPS=${PCC_LOOPS:-1}
blocks=$((PCC_SIZE / 4096))
echo "# /dev/pcc: $pages pages of $page bytes, $blocks fio blocks; loops=$PCC_LOOPS"

t0=$(date +%s)
"$fio" "$job" > /tmp/fio.out 2>&1
rc=$?
echo "# fio-verify.fio: exit $rc in $(($(date +%s) - t0)) s"
grep -E '^[a-z-]+: \(groupid|issued rwts|^ +(READ|WRITE):|verify|fio: pid' /tmp/fio.out | sed 's/^/# /'
if [ $rc = 0 ] && ! grep -qE 'err= *[1-9]|verify failed|verify: ' /tmp/fio.out; then
	ok "fio writes and verifies all of /dev/pcc by psync and mmap, 4 jobs a group"
else
	show /tmp/fio.out
	notok "fio writes and verifies all of /dev/pcc by psync and mmap, 4 jobs a group"
fi

# check-final read every block: the "issued rwts" of its results (not
# of the first group's, after the job list at the top) counts them.
checked=$(awk '/^check-final: \(groupid/ { f = 1 } f && /issued rwts/ { sub(/.*total=/, ""); split($0, a, ","); print a[1]; exit }' /tmp/fio.out)
if [ "$checked" = "$blocks" ]; then
	ok "the final check read all $blocks blocks"
else
	notok "the final check read ${checked:-no} blocks, not $blocks"
fi

# One byte in the middle of a block of the third quarter, past fio's
# header, so that only the crc32c can see it.
blk=$((PCC_HALF / 4096 + 3))
off=$((blk * 4096 + 1000))
dd if=/dev/pcc of=/tmp/blk bs=4096 skip=$blk count=1 2>/dev/null
old=$(dd if=/dev/pcc bs=1 skip=$off count=1 2>/dev/null | od -An -tu1 | tr -d ' ')
new=$(((old + 1) % 256))
printf "\\$(printf %o $new)" | dd of=/dev/pcc bs=1 seek=$off conv=notrunc 2>/dev/null
echo "# byte $off (block $blk) changed from $old to $new"
"$fio" --section=check-final "$job" > /tmp/fio-bad.out 2>&1
rc=$?
grep -E 'verify|CRC|fio: pid' /tmp/fio-bad.out | sed 's/^/# /'
if [ $rc != 0 ] && grep -q "crc32c: verify failed at file /dev/pcc offset $((blk * 4096))," /tmp/fio-bad.out; then
	ok "fio's check fails on the changed byte, at its block"
else
	show /tmp/fio-bad.out
	notok "fio's check fails on the changed byte, at its block (exit $rc)"
fi

# The block put back, the same check passes: it failed for that byte.
dd if=/tmp/blk of=/dev/pcc bs=4096 seek=$blk conv=notrunc 2>/dev/null
"$fio" --section=check-final "$job" > /tmp/fio-good.out 2>&1
rc=$?
if [ $rc = 0 ]; then
	ok "the same check passes once the block is put back"
else
	show /tmp/fio-good.out
	notok "the same check passes once the block is put back (exit $rc)"
fi
echo "# Totals: pass:$((n - fails)) fail:$fails xfail:0 xpass:0 skip:0 error:0"
[ $fails = 0 ]
