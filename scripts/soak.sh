#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make soak MINUTES=n [SEED=s]`: the fuzzer (selftests/pcc_fuzz) and the
# stress test (selftests/pcc_stress) together, on the debug kernel, in
# four configurations of pcc, each for a quarter of the time:
#   small device in memory, fault-around on;
#   large device in memory, fault-around and write-notify off;
#   small device on a store with a slow disk and a cache limit (eviction);
#   large device on a store, fault-around on.
# The fuzzer checks its half of the pages against its model; the stress
# test hammers the other half. At the end pcc is unloaded and kmemleak
# scans. Prints operations, checks, rounds, failures, leaks and splats;
# exits non-zero on any failure or splat.
#
# SOAK_ONLY="3" (numbers as listed above) runs only those configurations,
# each still for a quarter of MINUTES.
#
# Beside them in every configuration, stress-ng (scripts/clients.sh) runs
# the stressors that can reach a character device: --dev on /dev/pcc as
# root, and --bad-ioctl --pathological with --fstat as nobody, in a mount
# namespace whose /dev holds only pcc (mode 0644, so a read-only open) and
# /dev/null: bad-ioctl walks all of /dev, and random ioctls on the
# console or the store's disk would test them, not pcc. Whatever they do
# to the device's bytes, the fuzzer's model would see. They run at nice 19,
# so that they take the CPU the fuzzer leaves.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
minutes=${MINUTES:-10} seed=${SEED:-1}
secs=$((minutes * 60 / 4))
[ $secs -ge 10 ] || die "MINUTES=$minutes: at least 1 minute"
build_all
eval "$(bash "$PCC_ROOT/scripts/clients.sh" stress-ng | tail -1)"

stage=$PCC_OUT/stage-soak
rm -rf "$stage"; mkdir -p "$stage"
job=$stage/job
{
	cat <<EOF2
secs=$secs seed=$seed only="${SOAK_ONLY:-}"
EOF2
	echo 'echo "PCC-TEST-BEGIN pcc_soak"'
	echo "("; cat "$PCC_ROOT/scripts/guest/soak.job"; echo ")"
	echo 'echo "PCC-TEST-END pcc_soak rc=$?"'
	cat "$PCC_ROOT/scripts/guest/leaks.job"
} > "$job"
rc=0
bash "$PCC_ROOT/scripts/vm.sh" --timeout $((secs * 4 + 600)) --log "$PCC_OUT/soak.log" "$job" \
	"$PCC_OUT/selftests/pcc_fuzz" "$PCC_OUT/selftests/pcc_stress" $PCC_CLIENTS || rc=$?

# The figures, from the guest log.
L=$PCC_OUT/soak.log
ops=$(grep -oE '[0-9]+ operations' "$L" | awk '{s += $1} END {print s + 0}')
checks=$(grep -oE '[0-9]+ checks \([0-9]+ MiB' "$L" | awk '{s += $1; m += substr($3, 2)} END {print s + 0, "checks (" m + 0 " MiB compared)"}')
rounds=$(grep -oE '# worker [0-9]+: [0-9]+ rounds' "$L" | awk '{s += $4} END {print s + 0}')
sng=$(grep -oE '^# stress-ng (dev|bad-ioctl|fstat) +[0-9]+' "$L" | awk '{s[$3] += $4} END {printf "dev %d, bad-ioctl %d, fstat %d", s["dev"], s["bad-ioctl"], s["fstat"]}')
set +e
results=$(python3 "$PCC_ROOT/scripts/tap_summary.py" "$L")
trc=$?
set -e
leaks=$(sed -n 's/^# kmemleak reports: //p' "$L" | tail -1)
splats=0
bash "$PCC_ROOT/scripts/splats.sh" "$L" || splats=1
grep -E '^# (soak|FAIL)|^not ok' "$L" >&2 || true
echo "soak: configurations ${SOAK_ONLY:-1 2 3 4} x ${secs} s, seed $seed: fuzz $ops operations, $checks; stress $rounds rounds; stress-ng bogo ops: $sng; $(tail -1 <<< "$results"); kmemleak ${leaks:-?} reports; splats: $([ $splats = 0 ] && echo none || echo SEE ABOVE)"
[ $rc = 0 ] && [ $trc = 0 ] && [ $splats = 0 ]
