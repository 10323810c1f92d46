#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: build everything, boot the VM with pcc loaded and run
# samples/pcc-demo, printing its output.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
build_all
rc=0
run_in_vm "$PCC_OUT/demo.log" /pcc/bin/pcc-demo "$PCC_OUT/samples/pcc-demo" || rc=$?
log "guest log: $PCC_OUT/demo.log"
exit $rc
