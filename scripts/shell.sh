#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make shell`: an interactive VM shell with pcc loaded, the samples and
# selftests in /pcc/bin. Type `exit` (or Ctrl-A x) to leave.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
build_env=$(bash "$PCC_ROOT/scripts/build.sh") || die "build failed"
eval "$(tail -1 <<< "$build_env")"
export KDIR MODULE
exec bash "$PCC_ROOT/scripts/vm.sh" --shell "" "$PCC_OUT/samples" "$PCC_OUT/selftests"
