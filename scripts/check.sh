#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# pcc's test command (`make check`): build everything, boot the VMs, run
# the suites, count the TAP results. The last line is
# "N passed, N failed, N skipped"; the exit status is non-zero on any
# failed test, on a kernel splat in a guest log, or when a guest does not
# finish.
#
# Without ARCH it does all this for each architecture of PCC_CHECK_ARCHS
# and counts them together: each per-suite line starts with its
# architecture, the last line is the sum. ARCH=arm64, ARCH=x86_64 or
# ARCH=arm runs one.
#
# TESTS="pcc_store faults:..." runs only those suites (the `pcc_` prefix
# and `.sh` may be left out; `suite:name` runs one test of a harness
# suite, `-t name`, or `-r fixture.variant.test` when the name has dots)
# and only the boots they need. The suites, and where each runs:
#   1 GiB boot     every program of selftests/ (pcc_atlas, pcc_faults, ...),
#                  then pcc_kmemleak (pcc unloaded, kmemleak asked)
#   small boot     pcc_store_big (128 MiB of pages through a 160 MiB guest,
#                  176 on x86_64 (lib.sh), whose
#                  kernel has about 60 MiB: writeback and eviction)
#   two boots      pcc_crash (after the small boot, on one disk: pages made
#                  durable, a reboot with pcc loaded, then the pages read
#                  back: selftests/big/pcc_crash.c)
#   ext4 boot      pcc_ext4 (after those, as small, its disk an ext4 file
#                  system made here: a store file on ext4 under lockdep,
#                  selftests/big/pcc_ext4.c)
#   host           pcc_fault_paths (the captures of `make trace`, taken in
#                  the 1 GiB boot, checked against vmlinux), pcc_trace_prog
#                  (`make trace PROG=` on tools/pcc-mappings, taken in the
#                  1 GiB boot: the decoded paths of pcc, memfd, anonymous
#                  and private COW faults), pcc_sound
#                  (`make sound`), pcc_errors (the errors a user meets
#                  before a boot: scripts/errors.sh)
# The 1 GiB boot, the others one after another, and the host checks run at
# the same time.
set -euo pipefail
here=$(dirname "$0")

# PCC_CHECK_ARCHS: the architectures `make check` without ARCH runs: all
# of lib.sh's, unless KDIR names a tree of one's own, which is built for one
# of them.
if [ -z "${ARCH:-}" ]; then
	. "$here/lib.sh"
	[ -n "${KDIR:-}" ] && PCC_CHECK_ARCHS=${PCC_CHECK_ARCHS:-$PCC_ARCH}
	rc=0
	logs=()
	for a in ${PCC_CHECK_ARCHS:-$PCC_ARCHS}; do
		ARCH=$a PCC_CHECK_SUMMARY=0 bash "$here/check.sh" || rc=1
		logs+=(--label "$a" "$PCC_OUT_BASE/$a/results.tap")
	done
	set +e
	summary=$(python3 "$PCC_ROOT/scripts/tap_summary.py" "${logs[@]}")
	trc=$?
	set -e
	echo "$summary"
	[ $trc = 0 ] && [ $rc = 0 ]
	exit
fi
. "$here/lib.sh"

# The suites, by boot.
main_suites=()
for f in "$PCC_ROOT"/selftests/*.c "$PCC_ROOT"/selftests/*.sh; do
	n=${f##*/}
	main_suites+=("${n%.c}")
done
big_suites=(pcc_store_big)
crash_suites=(pcc_crash)
ext4_suites=(pcc_ext4)
host_suites=(pcc_fault_paths pcc_trace_prog pcc_sound pcc_errors)
all_suites=("${main_suites[@]}" pcc_kmemleak "${big_suites[@]}" "${crash_suites[@]}" "${ext4_suites[@]}"
	"${host_suites[@]}")
# Harness suites take a test selection (kselftest_harness.h's -t / -r).
harness() { grep -qE 'TEST_HARNESS_MAIN|test_harness_run' "$PCC_ROOT"/selftests/{,big/}"$1".c 2>/dev/null; }

# want[NAME] = the arguments it runs with ("" for all of it). A suite
# named without a selection runs whole, whatever else names it.
declare -A want=() whole=()
if [ -n "${TESTS:-}" ]; then
	for w in $TESTS; do
		s=${w%%:*} sel=
		[ "$s" = "$w" ] || sel=${w#*:}
		name=
		for n in "${all_suites[@]}"; do
			case $n in "$s" | "pcc_$s" | "$s.sh" | "pcc_$s.sh") name=$n ;; esac
		done
		[ -n "$name" ] || die "TESTS: no suite '$s'; the suites are: ${all_suites[*]}"
		if [ -z "$sel" ]; then
			whole[$name]=1
		elif harness "$name"; then
			case $sel in *.*) sel="-r $sel" ;; *) sel="-t $sel" ;; esac
		else
			die "TESTS: $name runs as a whole; 'suite:test' selects tests of: $(for n in "${all_suites[@]}"; do harness "$n" && printf '%s ' "$n"; done)"
		fi
		want[$name]="${want[$name]:-} $sel"
	done
	for n in "${!whole[@]}"; do want[$n]=""; done
else
	for n in "${all_suites[@]}"; do want[$n]=""; done
fi
# pcc_store_big's argument: the MiB of pages it moves through the small
# boot (`make check-long`: 1024 through 512 MiB).
big_mib=${PCC_BIG_MIB:-128} big_vm_mb=${PCC_BIG_VM_MB:-$PCC_SMALL_VM_MB}
[ -z "${want[pcc_store_big]+x}" ] || want[pcc_store_big]=$big_mib
wanted() { [ -n "${want[$1]+x}" ]; }

t0=$SECONDS
mkdir -p "$PCC_OUT"
rm -f "$PCC_OUT/results.tap" "$PCC_OUT"/check{,-big,-crash,-crash2,-ext4}.log "$PCC_OUT"/{fault-paths,trace-prog,sound,errors}.tap
build_all
files=()
if wanted pcc_fio.sh; then
	# fio for selftests/pcc_fio.sh (cached; about 40 s the first time).
	eval "$(bash "$PCC_ROOT/scripts/clients.sh" fio | tail -1)"
	files+=("$FIO" "$PCC_ROOT/scripts/guest/fio-verify.fio")
fi
log "build done in $((SECONDS - t0)) s"

stage=$PCC_OUT/stage-check
rm -rf "$stage"
mkdir -p "$stage/selftests" "$stage/big/selftests-big" "$stage/crash/selftests-big" "$stage/ext4/selftests-big"
: > "$stage/tests.list"
: > "$stage/big/tests.list"
for n in "${main_suites[@]}"; do
	wanted "$n" || continue
	case $n in
	*.sh) cp "$PCC_ROOT/selftests/$n" "$stage/selftests/" ;;
	*) cp "$PCC_OUT/selftests/$n" "$stage/selftests/" ;;
	esac
	echo "$n selftests/$n ${want[$n]}" >> "$stage/tests.list"
done
for n in "${big_suites[@]}"; do
	wanted "$n" || continue
	cp "$PCC_OUT/selftests-big/$n" "$stage/big/selftests-big/"
	echo "$n selftests-big/$n ${want[$n]}" >> "$stage/big/tests.list"
done
if wanted pcc_crash; then
	cp "$PCC_OUT/selftests-big/pcc_crash" "$stage/crash/selftests-big/"
	echo "pcc_crash selftests-big/pcc_crash check" > "$stage/crash/tests.list"
fi
if wanted pcc_ext4; then
	cp "$PCC_OUT/selftests-big/pcc_ext4" "$stage/ext4/selftests-big/"
	echo "pcc_ext4 selftests-big/pcc_ext4 ${want[pcc_ext4]}" > "$stage/ext4/tests.list"
fi

# The 1 GiB boot: the suites, then (for pcc_fault_paths) the fault-path
# captures of `make trace`, then (for pcc_kmemleak) pcc unloaded and
# kmemleak asked for leaks.
pids=()
logs=()
if [ -s "$stage/tests.list" ] || wanted pcc_fault_paths || wanted pcc_trace_prog || wanted pcc_kmemleak; then
	{
		cat "$PCC_ROOT/scripts/guest/suites.job"
		echo 'rc=0'
		if wanted pcc_fault_paths; then
			# make trace's scenarios, as make trace runs them.
			scenario_jobs || die "cannot write the scenarios' job (struct offsets from $KDIR/vmlinux)"
			files+=("$PCC_OUT/tools/pcc-scenario")
		fi
		if wanted pcc_trace_prog; then
			# The same program three times: to its end, killed by SIGSEGV,
			# and past its time limit (scripts/trace_checks.py's tables).
			# The tracer stays set up between these runs and the
			# scenarios' (--keep), and is taken down after them.
			for t in "pcc-mappings 60 " "pcc-mappings-segv 60 segv" "pcc-mappings-hang 5 hang"; do
				set -- $t
				echo "("; prog_job --keep "$1" "$2" 16384 "/pcc/bin/pcc-mappings ${3:-}"; echo ")"
				echo '[ $? = 0 ] || rc=1'
			done
			files+=("$PCC_OUT/tools/pcc-mappings")
		fi
		{ wanted pcc_fault_paths || wanted pcc_trace_prog; } && echo "$PCC_TRACE_OFF"
		wanted pcc_kmemleak && cat "$PCC_ROOT/scripts/guest/leaks.job"
		echo 'exit $rc'
	} > "$stage/job"
	PCC_VM_MB=${PCC_VM_MB:-1024} bash "$PCC_ROOT/scripts/vm.sh" --log "$PCC_OUT/check.log" "$stage/job" \
		"$stage/selftests" "$stage/tests.list" ${files[@]+"${files[@]}"} &
	pids+=($!)
	logs+=("$PCC_OUT/check.log")
fi
# The small boot: more pages than the guest has memory, which only works
# if pcc writes back and evicts. Its time: about 2 min on arm64, 3 on
# x86_64 (the limit is for a hung guest, not a benchmark).
# Then the crash test: a first boot makes pages durable and reboots with
# pcc loaded, a second boot on the same disk reads them back.
# Then the ext4 boot: its disk a fresh ext4 file system of 64 MiB.
crash_params="backing=/dev/vda size_pages=64"
if [ -s "$stage/big/tests.list" ] || wanted pcc_crash || wanted pcc_ext4; then
	(
		rc=0
		if [ -s "$stage/big/tests.list" ]; then
			PCC_VM_MB=$big_vm_mb bash "$PCC_ROOT/scripts/vm.sh" --timeout $((600 + 3 * big_mib)) \
				--log "$PCC_OUT/check-big.log" "$PCC_ROOT/scripts/guest/suites.job" \
				"$stage/big/selftests-big" "$stage/big/tests.list" || rc=1
		fi
		if wanted pcc_crash; then
			PCC_VM_MB=$PCC_SMALL_VM_MB bash "$PCC_ROOT/scripts/vm.sh" --reboot --timeout 300 \
				--params "$crash_params" --log "$PCC_OUT/check-crash.log" \
				"$PCC_ROOT/scripts/guest/crash.job" "$stage/crash/selftests-big/pcc_crash" || rc=1
			PCC_VM_MB=$PCC_SMALL_VM_MB PCC_DISK_IMAGE=$PCC_OUT/check-crash.img \
				bash "$PCC_ROOT/scripts/vm.sh" --timeout 300 --params "$crash_params" \
				--log "$PCC_OUT/check-crash2.log" "$PCC_ROOT/scripts/guest/suites.job" \
				"$stage/crash/selftests-big" "$stage/crash/tests.list" || rc=1
		fi
		if wanted pcc_ext4; then
			img=$PCC_OUT/check-ext4.img
			rm -f "$img" && truncate -s 64M "$img" && mkfs.ext4 -q -F "$img" || rc=1
			PCC_VM_MB=$PCC_SMALL_VM_MB PCC_DISK_IMAGE=$img \
				bash "$PCC_ROOT/scripts/vm.sh" --timeout 300 --log "$PCC_OUT/check-ext4.log" \
				"$PCC_ROOT/scripts/guest/suites.job" "$stage/ext4/selftests-big" \
				"$stage/ext4/tests.list" || rc=1
		fi
		exit $rc
	) &
	pids+=($!)
	[ -s "$stage/big/tests.list" ] && logs+=("$PCC_OUT/check-big.log")
	wanted pcc_crash && logs+=("$PCC_OUT/check-crash.log" "$PCC_OUT/check-crash2.log")
	wanted pcc_ext4 && logs+=("$PCC_OUT/check-ext4.log")
fi
# The compile-fail checks of the abstractions (make sound) build on the
# host meanwhile.
if wanted pcc_sound; then
	bash "$PCC_ROOT/scripts/sound.sh" > "$PCC_OUT/sound.tap" || true
fi
if wanted pcc_errors; then
	bash "$PCC_ROOT/scripts/errors.sh" > "$PCC_OUT/errors.tap" || true
fi
vmrc=0
for p in ${pids[@]+"${pids[@]}"}; do wait "$p" || vmrc=1; done
log "guest logs: ${logs[*]:-none} (total $((SECONDS - t0)) s)"

# The fault-path check decodes the captures on the host (DWARF of vmlinux);
# its TAP joins the guest's in the count.
if wanted pcc_fault_paths; then
	python3 "$PCC_ROOT/scripts/trace_tree.py" "$PCC_OUT/check.log" "$KDIR/vmlinux" \
		"$PCC_OUT/trace" --check > "$PCC_OUT/fault-paths.tap" || true
fi
# make trace PROG= on tools/pcc-mappings, taken in the same boot.
if wanted pcc_trace_prog; then
	python3 "$PCC_ROOT/scripts/trace_prog.py" --check --only "$(python3 "$PCC_ROOT/scripts/trace_checks.py")" \
		--flamegraph "$PCC_CACHE/$PCC_INFERNO/bin/inferno-flamegraph" "$PCC_OUT/check.log" \
		"$KDIR/vmlinux" "$PCC_OUT/trace" > "$PCC_OUT/trace-prog.tap" || true
fi
parts=()
for f in check.log check-big.log check-crash.log check-crash2.log check-ext4.log fault-paths.tap trace-prog.tap sound.tap errors.tap; do
	[ -f "$PCC_OUT/$f" ] && parts+=("$PCC_OUT/$f")
done
cat ${parts[@]+"${parts[@]}"} /dev/null > "$PCC_OUT/results.tap.tmp"
# A suite that was asked for and printed nothing at all (its boot never
# got to it) fails, by name.
begun=$(tr -d '\r' < "$PCC_OUT/results.tap.tmp" | sed -n 's/^PCC-TEST-BEGIN //p')
for n in "${!want[@]}"; do
	case " ${host_suites[*]} " in *" $n "*) label="$n(host)" ;; *) label=$n ;; esac
	grep -qxF "$label" <<< "$begun" ||
		printf 'PCC-TEST-BEGIN %s\n1..1\nnot ok 1 %s did not run\nPCC-TEST-END %s rc=1\n' "$label" "$label" "$label" >> "$PCC_OUT/results.tap.tmp"
done
set +e
summary=$(python3 "$PCC_ROOT/scripts/tap_summary.py" "$PCC_OUT/results.tap.tmp")
trc=$?
set -e
# Show the failing results themselves, not only the counts.
grep -E '^not ok|^# FAIL|Test failed|Expected' "$PCC_OUT/results.tap.tmp" | head -40 >&2 || true
if [ $vmrc != 0 ] && [ $trc = 0 ]; then
	log "FAIL: a VM run failed (see above); counting it as one failure"
	# One failed result of its own, so that the two architectures' counts
	# add up the same way.
	printf 'PCC-TEST-BEGIN guest-run\n1..1\nnot ok 1 a VM run failed: splat, unfinished guest or module not loaded\nPCC-TEST-END guest-run rc=1\n' >> "$PCC_OUT/results.tap.tmp"
fi
mv "$PCC_OUT/results.tap.tmp" "$PCC_OUT/results.tap"
log "done in $((SECONDS - t0)) s"
[ "${PCC_CHECK_SUMMARY:-1}" = 1 ] || { [ $vmrc = 0 ] && [ $trc = 0 ]; exit; }
python3 "$PCC_ROOT/scripts/tap_summary.py" --label "$PCC_ARCH" "$PCC_OUT/results.tap"
