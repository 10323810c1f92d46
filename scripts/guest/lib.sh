# SPDX-License-Identifier: GPL-2.0
# Shared by the guest jobs (in the guest as /pcc/lib.sh; `. /pcc/lib.sh`).

# pcc_unload: rmmod pcc, waiting up to 5 s while a last file release (a
# deferred fput) still holds the module; 0 once it is gone.
pcc_unload() {
	i=0
	while grep -q '^pcc ' /proc/modules; do
		rmmod pcc 2>/dev/null && return 0
		i=$((i + 1))
		[ $i -ge 50 ] && { rmmod pcc; return 1; }
		sleep 0.1
	done
}

# pcc_wipe_store PAGES: zero the store header of a store of PAGES pages on
# /dev/vda (page PAGES, after the data), so that the next load starts a
# fresh store (Documentation/store.md).
pcc_wipe_store() {
	dd if=/dev/zero of=/dev/vda bs=4096 seek="$1" count=1 conv=notrunc 2>/dev/null
}

# pcc_reload [PARAM...]: pcc unloaded, then loaded with these parameters.
pcc_reload() {
	pcc_unload && insmod /pcc/pcc.ko "$@"
}
