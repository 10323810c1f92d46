#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make soak MINUTES=n [SEED=s]`: the fuzzer (selftests/pcc_fuzz) and the
# stress test (selftests/pcc_stress) together, on the debug kernel, in
# four configurations of pcc, each for a quarter of the time:
#   small device in memory, fault-around on;
#   large device in memory, fault-around off;
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
	cat <<'EOF2'
# stress-ng as nobody needs a way in: / is the initramfs's 0700 root.
chmod 755 /; chmod 1777 /tmp
echo 'root:x:0:0:root:/:/bin/sh' > /etc/passwd
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> /etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' > /etc/group
# stress_ng NAME CMD...: run stress-ng at nice 19 (its dev stressor forks
# constantly and would otherwise take half the CPUs from the fuzzer);
# "ok" when it exits 0.
stress_ng() {
	name=$1; shift
	sh -c 'renice -n 19 -p $$ > /dev/null && exec "$@"' sh "$@" > /tmp/sng-$name.out 2>&1
	r=$?
	grep -E 'metrc: .* (dev|bad-ioctl|fstat) +[0-9]' /tmp/sng-$name.out | sed 's/^stress-ng: metrc: \[[0-9]*\]/# stress-ng/'
	[ $r = 0 ] && echo "ok $n soak $n, stress-ng $name" || { cat /tmp/sng-$name.out; echo "not ok $n soak $n, stress-ng $name (exit $r)"; }
}
# name | module parameters | pages the fuzzer uses (the stress test takes
# the 64 after them) | size_pages when on the store (its header is wiped)
n=0
while IFS='|' read -r name params fpages store; do
	n=$((n + 1))
	case " ${only:-$n} " in *" $n "*) ;; *) continue ;; esac
	rmmod pcc 2>/dev/null
	[ -n "$store" ] && dd if=/dev/zero of=/dev/vda bs=4096 seek="$store" count=1 2>/dev/null
	insmod /pcc/pcc.ko $params || { echo "not ok $n soak: insmod $params"; continue; }
	echo "# soak $n: $name ($params), $secs s"
	/pcc/bin/pcc_fuzz -L -s $((seed + n)) -t "$secs" -n "$fpages" > /tmp/fuzz.out 2>&1 &
	fpid=$!
	read -r dev < /sys/class/misc/pcc/dev
	stress_ng dev /pcc/bin/stress-ng --dev 1 --dev-file /dev/pcc -t "$secs" --metrics-brief > /tmp/sng-dev.tap &
	dpid=$!
	stress_ng bad-ioctl unshare -m sh -c "mount -t tmpfs -o mode=755 none /dev &&
		mknod -m 0644 /dev/pcc c ${dev%:*} ${dev#*:} && mknod -m 0666 /dev/null c 1 3 &&
		exec su -s /bin/sh nobody -c '/pcc/bin/stress-ng --bad-ioctl 1 --pathological --fstat 1 --fstat-dir /dev -t $secs --temp-path /tmp --metrics-brief'" > /tmp/sng-bad.tap &
	bpid=$!
	# A configuration that has not ended 3 minutes after its time has a
	# task stuck: show where every thread of each is (its kernel stack),
	# and only then end them (killing the fuzzer's parent lets this
	# script go on, which ends the watchdog).
	( sleep $((secs + 180)); echo "not ok $n soak $n: still running $((secs + 180)) s after the start"
	  stuck=
	  for t in /proc/[0-9]*/task/[0-9]*; do
		case "$(cat $t/comm 2>/dev/null)" in pcc_*|stress-ng*|ld-linux*) ;; *) continue ;; esac
		p=${t#/proc/}; p=${p%%/*}
		echo "# stuck: process $p thread ${t##*/} $(cat $t/comm) $(awk '/^State:/ {print $2}' $t/status)"
		sed 's/^/#   /' $t/stack
		stuck="$stuck $p"
	  done
	  kill -KILL $stuck ) &
	wpid=$!
	PCC_STRESS_SECONDS=$secs PCC_STRESS_FIRST=$fpages /pcc/bin/pcc_stress > /tmp/stress.out 2>&1
	src=$?
	wait $fpid
	frc=$?
	wait $dpid $bpid
	kill $wpid 2>/dev/null
	cat /tmp/sng-dev.tap /tmp/sng-bad.tap
	sed "s/^\(not \)*ok \([0-9]*\) fuzz:/\1ok \2 soak $n, fuzz:/" /tmp/fuzz.out
	# A fuzzer that died without reporting a failure fails too.
	[ $frc = 0 ] || grep -q '^not ok' /tmp/fuzz.out || echo "not ok $n soak $n, fuzz exited with $frc"
	grep -E '^# (worker|after)' /tmp/stress.out
	[ $src = 0 ] && echo "ok $n soak $n, stress: $name" || { grep -vE '^# (worker|after)' /tmp/stress.out; echo "not ok $n soak $n, stress: $name"; }
	echo "# soak $n: fuzz rc=$frc stress rc=$src"
done <<'CONF'
small, in memory, fault-around on|size_pages=256 fault_around=1|128|
large, in memory, fault-around off|size_pages=65536 fault_around=0|8192|
small, on a store, cache limit 64, slow disk|size_pages=256 fault_around=0 backing=/dev/vda cache_pages=64 io_delay_us=50|128|256
large, on a store, fault-around on|size_pages=131072 fault_around=1 backing=/dev/vda cache_pages=4096 io_delay_us=20|8192|131072
CONF
EOF2
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
fails=$(grep -cE '^not ok' "$L" || true)
leaks=$(sed -n 's/^# kmemleak reports: //p' "$L" | tail -1)
splats=0
bash "$PCC_ROOT/scripts/splats.sh" "$L" || splats=1
grep -E '^# (soak|FAIL)|^not ok' "$L" >&2 || true
echo "soak: configurations ${SOAK_ONLY:-1 2 3 4} x ${secs} s, seed $seed: fuzz $ops operations, $checks; stress $rounds rounds; stress-ng bogo ops: $sng; $fails failed; kmemleak ${leaks:-?} reports; splats: $([ $splats = 0 ] && echo none || echo SEE ABOVE)"
[ $rc = 0 ] && [ "$fails" = 0 ] && [ $splats = 0 ]
