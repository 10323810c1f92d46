#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: build everything, boot the VM with pcc loaded and run
# samples/pcc-demo, printing its output. pcc is reloaded on the VM's disk
# (backing=/dev/vda, a fresh store) so the demo can show a major fault.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
build_all
rc=0
run_in_vm "$PCC_OUT/demo.log" ". /pcc/lib.sh && pcc_reload backing=/dev/vda && /pcc/bin/pcc-demo" \
	"$PCC_OUT/samples/pcc-demo" || rc=$?
log "guest log: $PCC_OUT/demo.log"
exit $rc
