#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Scan a guest log for kernel splats; print them and exit 1 if any.
set -u
log=$1
# Messages the atlas provokes on purpose are not splats, and match none of
# these: "Huh VM_FAULT_OOM leaked out to the #PF handler. Retrying PF"
# (pagefault_out_of_memory), "FAULT_INJECTION: forcing a failure." (verbose
# 1: no stack dump), "Memory failure: ...: recovery action for ...:
# Recovered" and "Sending SIGBUS to ..." (MADV_HWPOISON). A stack dump from
# any of them ("Call trace:", x86's "Call Trace:") would still be one.
pat='BUG:|WARNING:|Oops|KASAN:|kernel BUG|Kernel panic|Unable to handle kernel|possible circular locking|possible recursive locking|inconsistent lock state|sleeping function called from invalid context|suspicious RCU usage|Call trace:|Call Trace:|INFO: task .* blocked|UBSAN:|general protection fault|refcount_t:|list_add corruption|list_del corruption|bad page state|Bad page|rcu_preempt detected stalls|soft lockup|hard LOCKUP|trying to free|suspected memory leaks|unreferenced object|lockdep is turned off'
if grep -nE "$pat" "$log" > /dev/null; then
	echo "[pcc] FAIL: kernel splat in the guest log ($log):" >&2
	grep -nE -A3 "$pat" "$log" | head -60 >&2
	exit 1
fi
exit 0
