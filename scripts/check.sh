#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# pcc's test command (`make check`): build everything, boot the VM, run
# every selftest, count the TAP results. The last line is
# "N passed, N failed, N skipped"; the exit status is non-zero on any
# failed test, on a kernel splat in the guest log, or when the guest
# does not finish.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

t0=$SECONDS
build_all
# fio for selftests/pcc_fio.sh (cached; about 40 s the first time).
eval "$(bash "$PCC_ROOT/scripts/clients.sh" fio | tail -1)"
log "build done in $((SECONDS - t0)) s"

stage=$PCC_OUT/stage-check
rm -rf "$stage"; mkdir -p "$stage/selftests"
cp "$PCC_OUT"/selftests/* "$stage/selftests/"
cp "$PCC_ROOT"/selftests/*.sh "$stage/selftests/" 2>/dev/null || true

# One boot: the selftests, then the fault-path captures of `make trace`,
# then pcc unloaded and kmemleak asked for leaks.
job=$stage/job
{
	cat "$PCC_ROOT/scripts/guest/check.job"
	echo "("; cat "$PCC_ROOT/scripts/guest/trace.job"; echo ")"
	echo 'trace_rc=$?'
	cat "$PCC_ROOT/scripts/guest/leaks.job"
	echo 'exit $trace_rc'
} > "$job"
set +e
bash "$PCC_ROOT/scripts/vm.sh" --log "$PCC_OUT/check.log" "$job" \
	"$stage/selftests" "$PCC_OUT/samples/pcc-scenario" "$FIO" "$PCC_ROOT/scripts/guest/fio-verify.fio"
vmrc=$?
set -e
log "guest log: $PCC_OUT/check.log (total $((SECONDS - t0)) s)"

# A second boot with less memory than the store: 1 GiB of pages through a
# 512 MiB guest, which only works if pcc writes back and evicts.
bigjob=$stage/big.job
cat > "$bigjob" <<'EOF'
for t in pcc_fill_big pcc_store_big; do
	echo "PCC-TEST-BEGIN $t"
	PCC_KO=/pcc/pcc.ko /pcc/bin/$t > /tmp/$t.out 2>&1
	rc=$?
	cat /tmp/$t.out
	echo "PCC-TEST-END $t rc=$rc"
done
EOF
set +e
PCC_VM_MB=512 bash "$PCC_ROOT/scripts/vm.sh" --timeout 1500 --log "$PCC_OUT/check-big.log" "$bigjob" \
	"$PCC_OUT/selftests-big/pcc_store_big" "$PCC_OUT/selftests-big/pcc_fill_big"
bigrc=$?
set -e
[ $bigrc = 0 ] || vmrc=1
log "guest log of the 512 MiB boot: $PCC_OUT/check-big.log (total $((SECONDS - t0)) s)"

# The fault-path check decodes the captures on the host (DWARF of vmlinux);
# its TAP joins the guest's in the count.
set +e
python3 "$PCC_ROOT/scripts/trace_tree.py" "$PCC_OUT/check.log" "$KDIR/vmlinux" \
	"$PCC_OUT/trace" --check > "$PCC_OUT/fault-paths.tap"
# The compile-fail checks of the abstractions (make sound) build on the
# host too.
bash "$PCC_ROOT/scripts/sound.sh" > "$PCC_OUT/sound.tap"
cat "$PCC_OUT/check.log" "$PCC_OUT/check-big.log" "$PCC_OUT/fault-paths.tap" "$PCC_OUT/sound.tap" > "$PCC_OUT/results.tap"
summary=$(python3 "$PCC_ROOT/scripts/tap_summary.py" "$PCC_OUT/results.tap")
trc=$?
set -e
# Show the failing results themselves, not only the counts.
grep -E '^not ok|^# FAIL|Test failed|Expected' "$PCC_OUT/results.tap" | head -40 >&2 || true
if [ $vmrc != 0 ] && [ $trc = 0 ]; then
	log "FAIL: the VM run failed (see above); counting it as one failure"
	summary=$(printf '%s\n' "$summary" | awk 'END{}{l[NR]=$0}END{for(i=1;i<NR;i++)print l[i]; split(l[NR],a," "); printf "%d passed, %d failed, %d skipped\n", a[1], a[3]+1, a[5]}')
	trc=1
fi
echo "$summary"
exit $trc
