#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The real clients for the guest: fio and stress-ng for arm64, built once
# into $PCC_CACHE/clients/ like the kernel, so a test can drive /dev/pcc
# with tools other people trust rather than only with pcc's own selftests.
#
#   scripts/clients.sh [fio] [stress-ng]    (no argument: both)
#
# Prints on its last line, for eval:
#   FIO=<path> STRESS_NG=<path> PCC_CLIENTS='<files to stage into /pcc/bin>'
#
# Both come from Debian bookworm, keyed by the Debian version and by how
# they were built (flags, patch, cross compiler, cross libc), so a new
# Debian revision or a changed flag builds anew and nothing else does; a
# cached build returns at once, without the network.
#
# fio: Debian's source package, cross-compiled static with
# aarch64-linux-gnu-gcc (the guest is a busybox initramfs: no libc).
#
# stress-ng (PCC_STRESS_NG=auto|static|deb, default auto): static from
# Debian's source package like fio when the archive serves that source;
# otherwise ("auto", or "deb") Debian's arm64 binary package with the
# shared libraries it needs and their dynamic loader beside it, started by
# a small wrapper. "auto" uses whichever is cached, static first.
set -euo pipefail
. "$(dirname "$0")/toolchain.sh"

CLIENTS=$PCC_CACHE/clients
SRC_CACHE=$CLIENTS/src
JOBS=$(nproc)

# fio's optional engines and libraries, all off: none is needed to drive a
# character device, and each would need an arm64 -dev package in the cross
# sysroot. --disable-shm: the test kernel has no CONFIG_SYSVIPC, so fio
# runs its jobs as threads (fio with shm fails with "failed to setup shm
# segment"). --disable-lex: the arithmetic parser would need an arm64
# libfl. zlib and libaio have no switch; the cross sysroot has neither, so
# configure leaves them out.
FIO_CONFIGURE=(--cc="$CROSS_CC" --build-static --disable-native --disable-shm --disable-lex
	--disable-numa --disable-rdma --disable-rados --disable-rbd --disable-http
	--disable-gfapi --disable-libnfs --disable-pmem --disable-xnvme --disable-libzbc
	--disable-tcmalloc --disable-dfs)
# Applied on top of Debian's patches: see the patch's description.
FIO_PATCHES=("$PCC_ROOT/scripts/clients/fio-mmap-offset.patch")
# stress-ng's Makefile links with -static -z muldefs for STATIC=1; its
# feature probes are test compiles with $(CC), so whatever the cross
# sysroot lacks (libaio, libbsd, libjpeg, ...) is left out, not failed.
STRESS_NG_MAKE=(STATIC=1 CC="$CROSS_CC")

# The newest version of a source package in the private apt state's
# deb-src (bookworm).
src_version() {
	local v best=""
	for v in $(apt_priv_cache showsrc --only-source "$1" 2>/dev/null | sed -n 's/^Version: //p'); do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
	done
	[ -n "$best" ] || die "no source package $1 in $APT_PRIV/sources.list's deb-src"
	echo "$best"
}

# What else a build depends on, for the keys: a new cross gcc or cross
# libc (linked in statically) is a different binary.
toolchain_id() {
	"$CROSS_CC" --version | head -1
	case "$PCC_ARCH" in
	arm64) dpkg-query -W -f='${Package} ${Version}\n' libc6-dev-arm64-cross ;;
	arm) dpkg-query -W -f='${Package} ${Version}\n' libc6-dev-armhf-cross ;;
	*) dpkg-query -W -f='${Package} ${Version}\n' libc6-dev ;;
	esac
}

# key NAME VERSION KIND TEXT...: NAME-VERSION-KIND-<hash of TEXT>, TEXT
# being everything else the build depends on.
key() {
	local name=$1 ver=$2 kind=$3
	shift 3
	printf '%s-%s-%s-%s' "$name" "$ver" "$kind" \
		"$(printf '%s\n' "$@" | sha256sum | cut -c1-12)"
}

# debian_source PKG VERSION DEST: Debian's source package unpacked into
# DEST, its patches applied (dpkg-source also leaves a copy of the upstream
# tarball beside DEST: give DEST a directory of its own). The .dsc and
# tarballs stay in $SRC_CACHE, so a change of flags rebuilds without
# downloading again (apt-get source skips the files it has whose hashes
# match the signed Sources index). Returns non-zero, without dying, when
# the archive does not serve the source.
debian_source() {
	local pkg=$1 ver=$2 dest=$3
	mkdir -p "$SRC_CACHE"
	( cd "$SRC_CACHE" && apt_priv source --download-only "$pkg=$ver" >&2 ) || return 1
	rm -rf "$dest"
	mkdir -p "$(dirname "$dest")"
	# No keyring of Debian developers here to check the .dsc's own
	# signature: apt-get source already checked every file's hash.
	dpkg-source --no-check -x "$SRC_CACHE/${pkg}_${ver#*:}.dsc" "$dest" >&2 ||
		die "dpkg-source could not unpack $pkg $ver"
}

# Build directories of this run, removed if it stops half-way; a failed
# build's log is kept as $CLIENTS/<key>.failed.log.
TMPS=()
trap 'rm -rf "${TMPS[@]}"' EXIT
# new_tmp DIR: sets the caller's tmp to a new build directory beside DIR.
new_tmp() { tmp=$(mktemp -d "$1.tmp.XXXX"); TMPS+=("$tmp"); }
build_failed() {
	cp "$1/build.log" "$2.failed.log"
	tail -30 "$2.failed.log" >&2
	die "$(basename "$2") failed to build: $2.failed.log"
}

# finish TMPDIR DIR T0: record how long the build took and what it made,
# then move it into place (a concurrent run that finished first wins).
finish() {
	local tmp=$1 dir=$2 t0=$3 f
	{
		echo "built in $((SECONDS - t0)) s on $(date -u +%F) by scripts/clients.sh"
		for f in fio stress-ng stress-ng.root; do
			[ -e "$tmp/$f" ] && echo "$f: $(du -sb "$tmp/$f" | cut -f1) bytes"
		done
	} > "$tmp/BUILD"
	chmod 755 "$tmp"
	mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
	log "$(basename "$dir"): $(head -1 "$dir/BUILD")"
}

build_fio() {
	local ver key dir tmp t0 p
	ver=$(src_version fio)
	key=$(key fio "$ver" static "${FIO_CONFIGURE[@]}" "$(cat "${FIO_PATCHES[@]}")" "$(toolchain_id)")
	dir=$CLIENTS/$key
	FIO=$dir/fio
	[ -x "$FIO" ] && return
	log "building fio $ver (static $PCC_ARCH) into $dir"
	t0=$SECONDS
	new_tmp "$dir"
	debian_source fio "$ver" "$tmp/w/src" || die "cannot download fio $ver's source"
	for p in "${FIO_PATCHES[@]}"; do
		patch -d "$tmp/w/src" -p1 < "$p" >&2
	done
	( cd "$tmp/w/src" && ./configure "${FIO_CONFIGURE[@]}" && make -j"$JOBS" fio ) \
		> "$tmp/build.log" 2>&1 || build_failed "$tmp" "$dir"
	"${CROSS_CC%gcc}strip" -o "$tmp/fio" "$tmp/w/src/fio"
	rm -rf "$tmp/w"
	finish "$tmp" "$dir" "$t0"
}

build_stress_ng_static() {
	local ver=$1 dir=$2 tmp t0
	log "building stress-ng $ver (static $PCC_ARCH) into $dir"
	t0=$SECONDS
	new_tmp "$dir"
	if ! debian_source stress-ng "$ver" "$tmp/w/src"; then
		rm -rf "$tmp"
		return 1
	fi
	make -C "$tmp/w/src" -j"$JOBS" "${STRESS_NG_MAKE[@]}" > "$tmp/build.log" 2>&1 ||
		build_failed "$tmp" "$dir"
	"${CROSS_CC%gcc}strip" -o "$tmp/stress-ng" "$tmp/w/src/stress-ng"
	rm -rf "$tmp/w"
	finish "$tmp" "$dir" "$t0"
}

# The guest runs Debian's dynamically linked stress-ng through the
# dynamic loader beside it, so nothing has to go into the initramfs's /lib.
STRESS_NG_WRAPPER='#!/bin/sh
# Debian'"'"'s arm64 stress-ng with its own loader and libraries
# (scripts/clients.sh): the guest has no /lib.
d=$(dirname "$0")/stress-ng.root
exec "$d/ld-linux-aarch64.so.1" --library-path "$d/lib" "$d/stress-ng" "$@"'

# needed_closure ROOT ELF: the sonames ELF needs, directly or not, found
# under ROOT's multiarch library directories; prints their paths.
needed_closure() {
	local root=$1 todo=("$2") seen=" " f so p d
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}; todo=("${todo[@]:1}")
		for so in $("${CROSS_CC%gcc}readelf" -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case "$seen" in *" $so "*) continue ;; esac
			seen+="$so "
			p=""
			for d in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu; do
				[ -e "$root/$d/$so" ] && { p=$root/$d/$so; break; }
			done
			[ -n "$p" ] || die "stress-ng needs $so: not in its dependencies' packages"
			echo "$p"
			todo+=("$p")
		done
	done
}

build_stress_ng_deb() {
	local ver=$1 dir=$2 tmp t0 d deb
	log "fetching Debian's arm64 stress-ng $ver and its libraries into $dir"
	t0=$SECONDS
	new_tmp "$dir"
	mkdir -p "$tmp/debs/partial" "$tmp/x" "$tmp/stress-ng.root/lib"
	: > "$tmp/status"
	# An empty dpkg status and arm64 as the native architecture: apt works
	# out the whole dependency closure, as on a bare arm64 system, and only
	# downloads it. No package caches written: other runs share $APT_PRIV.
	apt_priv -y --no-install-recommends -o APT::Default-Release=bookworm \
		-o APT::Architecture=arm64 -o Dir::State::status="$tmp/status" \
		-o Dir::Cache::archives="$tmp/debs/" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
		install --download-only "stress-ng:arm64" >&2
	deb=$(ls "$tmp"/debs/stress-ng_*_arm64.deb)
	[ "$(dpkg-deb -W --showformat='${source:Version}' "$deb")" = "$ver" ] ||
		die "$deb is not built from stress-ng $ver's source"
	for deb in "$tmp"/debs/*.deb; do
		dpkg-deb -x "$deb" "$tmp/x"
		dpkg-deb -W --showformat='${Package} ${Version} ${Architecture}\n' "$deb" >> "$tmp/packages"
	done
	d=$tmp/stress-ng.root
	cp "$tmp/x/usr/bin/stress-ng" "$d/stress-ng"
	cp -L "$tmp/x/lib/ld-linux-aarch64.so.1" "$d/ld-linux-aarch64.so.1"
	needed_closure "$tmp/x" "$d/stress-ng" | xargs -r cp -L -t "$d/lib"
	printf '%s\n' "$STRESS_NG_WRAPPER" > "$tmp/stress-ng"
	chmod +x "$tmp/stress-ng"
	rm -rf "$tmp/debs" "$tmp/x" "$tmp/status"
	finish "$tmp" "$dir" "$t0"
}

build_stress_ng() {
	local how=${PCC_STRESS_NG:-auto} ver sdir ddir
	ver=$(src_version stress-ng)
	sdir=$CLIENTS/$(key stress-ng "$ver" static "${STRESS_NG_MAKE[@]}" "$(toolchain_id)")
	# Keyed by the source version too (asking apt for the binary's version
	# costs a second on every run): the binary package is the one built
	# from it; its version and its libraries' are listed in "packages".
	ddir=$CLIENTS/$(key stress-ng "$ver" deb "$STRESS_NG_WRAPPER")
	case "$how" in
	auto|static)
		if [ -x "$sdir/stress-ng" ]; then STRESS_NG=$sdir/stress-ng; return; fi
		if [ "$how" = auto ] && [ -x "$ddir/stress-ng" ]; then STRESS_NG=$ddir/stress-ng; return; fi
		if build_stress_ng_static "$ver" "$sdir"; then STRESS_NG=$sdir/stress-ng; return; fi
		[ "$how" = auto ] || die "cannot download stress-ng $ver's source (PCC_STRESS_NG=deb uses the binary package)"
		log "the archive did not serve stress-ng $ver's source: using its arm64 binary package"
		;;
	deb) ;;
	*) die "PCC_STRESS_NG=$how: auto, static or deb" ;;
	esac
	[ -x "$ddir/stress-ng" ] || build_stress_ng_deb "$ver" "$ddir"
	STRESS_NG=$ddir/stress-ng
}

# Only what is asked for is built or fetched: make check needs fio alone,
# and stress-ng's fallback downloads some 40 packages.
main() {
	local c files=""
	FIO="" STRESS_NG=""
	mkdir -p "$CLIENTS"
	command -v "$CROSS_CC" > /dev/null || die "no $CROSS_CC: run scripts/toolchain.sh"
	apt_priv_update
	for c in ${*:-fio stress-ng}; do
		case "$c" in
		fio) build_fio; files+=" $FIO" ;;
		stress-ng)
			build_stress_ng
			files+=" $STRESS_NG"
			[ -d "$(dirname "$STRESS_NG")/stress-ng.root" ] && files+=" $(dirname "$STRESS_NG")/stress-ng.root"
			;;
		*) die "unknown client $c: fio or stress-ng" ;;
		esac
	done
	echo "FIO=$FIO STRESS_NG=$STRESS_NG PCC_CLIENTS='${files# }'"
}

main "$@"
