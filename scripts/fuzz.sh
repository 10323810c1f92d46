#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make fuzz SEED=n SECONDS=s [FUZZ_ARGS="-P 4 -T 2"]`: selftests/pcc_fuzz
# alone in the VM, for as long as asked, on one seed. Without FUZZ_ARGS
# it runs both of make check's configurations (pcc in memory; pcc on a
# store with eviction), each for half the time. A failure prints the seed
# and the failing thread's last operations; the guest log is kept.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
seed=${SEED:-1} secs=${FUZZ_SECONDS:-60}
build_all
args="-s $seed -t $secs ${FUZZ_ARGS:-}"
rc=0
PCC_VM_TIMEOUT=$((secs + 300)) run_in_vm "$PCC_OUT/fuzz.log" "/pcc/bin/pcc_fuzz $args" \
	"$PCC_OUT/selftests/pcc_fuzz" || rc=$?
log "pcc_fuzz $args: exit status $rc; guest log: $PCC_OUT/fuzz.log"
exit $rc
