#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build pcc's test kernel (arm64, or x86_64 with ARCH=x86_64) from Debian's linux-source-7.3, out of tree,
# with LLVM=1 and the fragments in scripts/kconfig/.
#
#   scripts/kernel.sh            build (or reuse) the kernel, print its build dir
#   scripts/kernel.sh --kdir     print the build dir only (no build)
#
# PCC_KERNEL picks the variant: "debug" (the default: every test runs on it)
# is base.config + debug.config; "bench" (make bench) is base.config +
# bench.config, which turns the checkers off so that timings mean something.
# The architecture's fragments follow (lib.sh's table), and then the
# variant's own for it, if any (bench-x86_64.config, bench-arm.config).
# A later fragment's value for an option overrides an earlier one's.
#
# Cache layout under $PCC_CACHE:
#   src/<debian-version>/linux-source-7.3/       unpacked, never built in
#   kbuild/<debian-version>-<arch>-<config-hash>/  O= build dir (Image, vmlinux)
# The key holds the Debian revision actually used and a hash of the config
# fragments and of the toolchain versions, so editing a fragment or a
# toolchain update starts a fresh build dir and an unchanged one is reused.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/toolchain.sh"

KSRC_PKG=linux-source-7.3
PCC_KERNEL=${PCC_KERNEL:-debug}
case "$PCC_KERNEL" in
debug|bench) ;;
*) die "PCC_KERNEL=$PCC_KERNEL: the variants are debug and bench" ;;
esac
FRAGS=("$PCC_ROOT/scripts/kconfig/base.config" "$PCC_ROOT/scripts/kconfig/$PCC_KERNEL.config")
# The architecture's own fragments (lib.sh's table) come last.
for f in ${PCC_KCONFIG_FRAGMENTS[@]+"${PCC_KCONFIG_FRAGMENTS[@]}"}; do
	FRAGS+=("$PCC_ROOT/scripts/kconfig/$f")
done
# Then the variant's own for that architecture, where there is one
# (bench-x86_64.config): what the variant asks that only fits there.
for f in ${PCC_KCONFIG_FRAGMENTS[@]+"${PCC_KCONFIG_FRAGMENTS[@]}"}; do
	[ ! -f "$PCC_ROOT/scripts/kconfig/$PCC_KERNEL-$f" ] || FRAGS+=("$PCC_ROOT/scripts/kconfig/$PCC_KERNEL-$f")
done

# The Debian version to use: the one scripts/kernel.version pins (the
# fault-path documentation's line numbers are of its source), unless
# PCC_REFRESH=1 asks the archive for its current one.
PINNED=$(cat "$PCC_ROOT/scripts/kernel.version")
src_version() {
	local v=$PINNED deb
	if [ "${PCC_REFRESH:-0}" != 1 ]; then
		if [ -f "$PCC_CACHE/src/$v/.unpacked" ]; then
			echo "$v"; return
		fi
		deb=$(fetch_deb "$KSRC_PKG=$v") ||
			die "the archive no longer serves $KSRC_PKG $v (scripts/kernel.version): PCC_REFRESH=1 takes its current version"
	else
		deb=$(fetch_deb "$KSRC_PKG")
		v=$(dpkg-deb -f "$deb" Version)
		[ "$v" = "$PINNED" ] || log "note: $KSRC_PKG $v, not $PINNED: write it to scripts/kernel.version to pin it"
	fi
	if [ ! -f "$PCC_CACHE/src/$v/.unpacked" ]; then
		log "unpacking $KSRC_PKG $v"
		local d=$PCC_CACHE/src/$v
		rm -rf "$d"; mkdir -p "$d/deb"
		dpkg-deb -x "$deb" "$d/deb"
		local tb
		tb=$(ls "$d"/deb/usr/src/linux-source-*.tar.* | head -1)
		tar -C "$d" -xf "$tb"
		rm -rf "$d/deb"
		[ -d "$d/$KSRC_PKG" ] || die "no $KSRC_PKG directory in $tb"
		touch "$d/.unpacked"
	fi
	echo "$v"
}

config_key() {
	{
		cat "${FRAGS[@]}"
		"$PCC_RUSTC" --version
		clang --version | head -1
		"$PCC_CACHE/bindgen/bin/bindgen" --version
	} | sha256sum | cut -c1-12
}

# A build dir names its Debian version, architecture and key. (arm64's
# used to leave the architecture out: such a dir gets a link of the new
# name rather than a rebuild; an O= dir cannot move, its Makefile holds
# its path.)
kdir_for() {
	local d=$PCC_CACHE/kbuild/$1-$PCC_ARCH-$(config_key) old=$PCC_CACHE/kbuild/$1-$(config_key)
	[ "$PCC_ARCH" != arm64 ] || [ ! -d "$old" ] || [ -e "$d" ] || ln -s "${old##*/}" "$d"
	echo "$d"
}

kmake() { make -C "$KSRC" O="$KBUILD" "${PCC_KMAKE_ARGS[@]}" "$@"; }

# Every CONFIG_X=y/m/value the fragments ask for must be in the final
# .config, and every "# CONFIG_X is not set" must stay unset; where two
# fragments name the same option, the later one is what is asked.
check_config() {
	local f line opt missing=0
	local -A want=()
	local -a order=()
	for f in "${FRAGS[@]}"; do
		while IFS= read -r line; do
			case "$line" in
			CONFIG_*=*) opt=${line%%=*} ;;
			"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *} ;;
			*) continue ;;
			esac
			[ -n "${want[$opt]+x}" ] || order+=("$opt")
			want[$opt]=$line
		done < "$f"
	done
	for opt in "${order[@]}"; do
		line=${want[$opt]}
		case "$line" in
		CONFIG_*=*)
			grep -qxF "$line" "$KBUILD/.config" || {
				echo "Missing: $opt (asked ${line#*=}, got: $(grep -E "^(# )?$opt[= ]" "$KBUILD/.config" || echo absent))" >&2
				missing=1
			} ;;
		*)
			if grep -q "^$opt=" "$KBUILD/.config"; then
				echo "Missing: $opt (asked unset, got set)" >&2; missing=1
			fi ;;
		esac
	done
	[ $missing = 0 ] || die "kernel config does not have every option the fragments ask for"
}

build() {
	local ver
	ver=$(src_version)
	KSRC=$PCC_CACHE/src/$ver/$KSRC_PKG
	KBUILD=$(kdir_for "$ver")
	if [ -f "$KBUILD/.pcc-built" ] && [ "$KBUILD/.pcc-built" -nt "$KBUILD/.config" ]; then
		echo "$KBUILD"; return
	fi
	mkdir -p "$KBUILD"
	log "kernel ($PCC_KERNEL): $KSRC_PKG $ver, build dir $KBUILD"
	kmake rustavailable >&2 || die "the kernel says Rust is not available with this toolchain"
	if [ ! -f "$KBUILD/.config" ] || [ ! -f "$KBUILD/.pcc-configured" ]; then
		kmake allnoconfig >&2
		( cd "$KBUILD" && "$KSRC/scripts/kconfig/merge_config.sh" -m -O "$KBUILD" "$KBUILD/.config" "${FRAGS[@]}" ) >&2
		kmake olddefconfig >&2
		check_config
		touch "$KBUILD/.pcc-configured"
	fi
	local t0=$SECONDS
	kmake -j"$(nproc)" all >&2
	log "kernel built in $((SECONDS - t0)) s"
	echo "$ver" > "$KBUILD/.pcc-built"
	echo "$KBUILD"
}

case "${1:-}" in
--kdir)
	[ -x "$PCC_CACHE/bindgen/bin/bindgen" ] || die "nothing built yet in $PCC_CACHE: run make check (or scripts/kernel.sh) first"
	kdir=$(kdir_for "$PINNED")
	[ -f "$kdir/.pcc-built" ] || die "no $PCC_ARCH kernel built yet at $kdir: run make check (or scripts/kernel.sh) first"
	echo "$kdir" ;;
"") [ -n "${PCC_TOOLCHAIN_OK:-}" ] || main; build ;;
*) die "usage: $0 [--kdir]" ;;
esac
