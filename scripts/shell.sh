#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make shell`: an interactive VM shell with pcc loaded, the samples and
# selftests in /pcc/bin, and fio with pcc's job file (scripts/clients.sh).
# Type `exit` (or Ctrl-A x) to leave.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
build_all
eval "$(bash "$PCC_ROOT/scripts/clients.sh" fio | tail -1)"
exec bash "$PCC_ROOT/scripts/vm.sh" --shell "" "$PCC_OUT/samples" "$PCC_OUT/tools" "$PCC_OUT/selftests" \
	"$FIO" "$PCC_ROOT/scripts/guest/fio-verify.fio"
