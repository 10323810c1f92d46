#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make sound`: hold pcc's abstractions (rust/ext/) to their promise that
# safe driver code cannot misuse them. Builds pcc once per file of
# rust/sound/, with that file added to the crate as a
# #[forbid(unsafe_code)] module next to the driver's own: 00_* must build,
# every other file must fail with the error its "// expect:" line names.
# Prints TAP framed for scripts/tap_summary.py (as "pcc_sound(host)").
#
# Needs KDIR (a built kernel tree); `make sound` and `make check` set it.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ -n "${KDIR:-}" ] || die "KDIR not set"
work=$PCC_OUT/sound
rm -rf "$work"; mkdir -p "$work"
cases=("$PCC_ROOT"/rust/sound/*.rs)

# One build of a copy of the module with CASE added; output in $dir/build.log.
build_case() {
	local case=$1 dir=$2
	mkdir -p "$dir/src"
	cp -r "$PCC_ROOT/Kbuild" "$PCC_ROOT/rust" "$PCC_ROOT/include" "$dir/src/"
	cp "$case" "$dir/src/rust/sound_case.rs"
	printf '\n#[forbid(unsafe_code)]\nmod sound_case;\n' >> "$dir/src/rust/pcc.rs"
	make -C "$KDIR" M="$dir/src" MO="$dir/out" "${PCC_KMAKE_ARGS[@]}" modules \
		> "$dir/build.log" 2>&1
}

echo "PCC-TEST-BEGIN pcc_sound(host)"
echo "TAP version 13"
echo "1..${#cases[@]}"
i=0 fails=0
for case in "${cases[@]}"; do
	i=$((i + 1))
	name=$(basename "$case" .rs)
	dir=$work/$name
	build_case "$case" "$dir"
	rc=$?
	if grep -q '^// expect-success' "$case"; then
		if [ $rc = 0 ]; then
			echo "ok $i $name: builds"
		else
			echo "# FAIL $name: the control case does not build:"
			grep -m5 -E '^error' "$dir/build.log" | sed 's/^/#   /'
			echo "not ok $i $name"; fails=$((fails + 1))
		fi
		continue
	fi
	want=$(sed -n 's|^// expect: ||p' "$case")
	if [ -z "$want" ]; then
		echo "# FAIL $name: no '// expect:' line"
		echo "not ok $i $name"; fails=$((fails + 1))
	elif [ $rc = 0 ]; then
		echo "# FAIL $name: built, but safe code must not be able to do this"
		echo "not ok $i $name"; fails=$((fails + 1))
	elif grep -qE "$want" "$dir/build.log"; then
		echo "ok $i $name: refused ($(grep -m1 -oE "$want" "$dir/build.log"))"
	else
		echo "# FAIL $name: failed to build, but not with /$want/:"
		grep -m5 -E '^error' "$dir/build.log" | sed 's/^/#   /'
		echo "not ok $i $name"; fails=$((fails + 1))
	fi
done
echo "PCC-TEST-END pcc_sound(host) rc=$((fails ? 1 : 0))"
[ $fails = 0 ]
