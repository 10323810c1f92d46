#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# pcc can be unloaded and loaded again, and /dev/pcc goes and comes with it.
# TAP 13, like the C selftests.
ko=${PCC_KO:-/pcc/pcc.ko}
n=0 fails=0
ok() { n=$((n + 1)); echo "ok $n $1"; }
notok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n $1"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else notok "$desc"; fi; }
is_loaded() { grep -q '^pcc ' /proc/modules; }
# rmmod, waiting up to 5 s while the last user's file release is still
# pending (it can be deferred to a workqueue after the user exited).
rmmod_wait() {
	i=0
	while ! rmmod pcc 2>/dev/null; do
		i=$((i + 1))
		[ $i -ge 50 ] && { rmmod pcc; return 1; }
		sleep 0.1
	done
	[ $i = 0 ] || echo "# pcc was busy for $((i * 100)) ms before unloading"
}

echo "TAP version 13"
if [ ! -e /dev/pcc ]; then
	echo "1..0 # SKIP /dev/pcc not present: is pcc.ko loaded?"
	exit 4
fi
echo "1..6"
check "pcc is loaded and /dev/pcc is a char device" sh -c 'grep -q "^pcc " /proc/modules && [ -c /dev/pcc ]'
check "rmmod pcc succeeds when nothing holds it" rmmod_wait
check "/dev/pcc is gone after rmmod" sh -c '! grep -q "^pcc " /proc/modules && [ ! -e /dev/pcc ]'
check "insmod pcc.ko works again" insmod "$ko"
check "/dev/pcc is back after insmod" test -c /dev/pcc
check "the reloaded device opens" sh -c 'exec 3<>/dev/pcc'
echo "# Totals: pass:$((n - fails)) fail:$fails xfail:0 xpass:0 skip:0 error:0"
[ $fails = 0 ]
