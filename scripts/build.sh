#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build everything the VM needs: the toolchain (if missing), the test
# kernel (cached), pcc.ko, and the user programs in samples/ and
# selftests/, for ARCH (arm64 by default, or x86_64). Prints "KDIR=... MODULE=..." on its last line.
#
# KDIR=/path/to/tree builds against a user's own Rust-enabled tree
# instead of the pinned one.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

bash "$PCC_ROOT/scripts/toolchain.sh" >&2
export PCC_TOOLCHAIN_OK=1
if [ -z "${KDIR:-}" ]; then
	KDIR=$(bash "$PCC_ROOT/scripts/kernel.sh")
fi
[ -f "$KDIR/Module.symvers" ] || die "KDIR=$KDIR is not a built kernel tree (no Module.symvers)"
KSRC=$KDIR; [ -d "$KDIR/source" ] && KSRC=$(readlink -f "$KDIR/source")

t0=$SECONDS
make -C "$PCC_ROOT" -s module KDIR="$KDIR" ARCH="$PCC_ARCH" PCC_OUT="$PCC_OUT" >&2
make -C "$PCC_ROOT" -s user KDIR="$KDIR" KSRC="$KSRC" ARCH="$PCC_ARCH" PCC_OUT="$PCC_OUT" CROSS_COMPILE="$CROSS_COMPILE" >&2
log "module and user programs built in $((SECONDS - t0)) s"
echo "KDIR=$KDIR MODULE=$PCC_OUT/module/pcc.ko"
