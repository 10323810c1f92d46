#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install what pcc's build and test rig needs, from Debian's archive and
# crates.io only. Idempotent: it returns at once when everything is there.
#
# It adds bookworm-backports (QEMU 10) and trixie-backports (linux-source-7.3)
# with a low pin, so nothing else on the system moves to those suites; the
# kernel source and the guests' busybox are only downloaded and unpacked into
# the cache, never installed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PKGS=(
	rustc-web rust-web-src rust-web-clippy
	clang-19 lld-19 llvm-19 libclang-19-dev
	bc flex bison libelf-dev libssl-dev cpio kmod python3 xz-utils e2fsprogs
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross
	gcc-arm-linux-gnueabihf libc6-dev-armhf-cross
)
BPO_PKGS=(qemu-system-arm qemu-system-x86)
BINDGEN_VERSION=0.72.1

missing_pkgs() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || echo "$p"
	done
}

SUITES_SRC=/etc/apt/sources.list.d/pcc-backports.sources
SUITES_PREF=/etc/apt/preferences.d/pcc-backports
add_suites() {
	local src=$SUITES_SRC pref=$SUITES_PREF
	[ -f "$src" ] && [ -f "$pref" ] && return 1
	log "adding bookworm-backports and trixie-backports (pinned low)"
	cat > "$src" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	cat > "$pref" <<'PREF'
# Added by pcc's scripts/toolchain.sh: only packages asked for by suite
# come from here.
Package: *
Pin: release n=bookworm-backports
Pin-Priority: 100

Package: *
Pin: release n=trixie-backports
Pin-Priority: 1
PREF
	return 0
}

apt_updated=0
apt_update() {
	[ $apt_updated = 1 ] && return
	apt-get update -qq
	apt_updated=1
}

install_debs() {
	local miss bmiss
	miss=$(missing_pkgs "${PKGS[@]}")
	bmiss=$(missing_pkgs "${BPO_PKGS[@]}")
	if [ -z "$miss$bmiss" ]; then
		return
	fi
	[ "$(id -u)" = 0 ] || die "not root: installing $(echo $miss $bmiss) needs root (or install them, and make check runs as any user)"
	add_suites && apt_update
	apt_update
	if [ -n "$miss" ]; then
		log "apt-get install" $miss
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $miss
	fi
	if [ -n "$bmiss" ]; then
		log "apt-get install -t bookworm-backports" $bmiss
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			-t bookworm-backports $bmiss
	fi
}

# Download-only helper: one Debian package (any architecture) into the
# cache, using a private apt state so the system's dpkg architectures stay
# untouched. Prints the path of the .deb.
APT_PRIV=$PCC_CACHE/apt
# Its architectures: Debian's names of every architecture pcc runs on
# (lib.sh's table), in one sorted line, which is also the stamp of the
# lists' update (apt_priv_update).
APT_PRIV_ARCHS=$(for a in $PCC_ARCHS; do (arch_settings "$a" && echo "$PCC_DEB_ARCH"); done | sort -u | xargs)
apt_priv_opts=(-o Dir::State::Lists="$APT_PRIV/lists"
	-o Dir::Cache="$APT_PRIV/cache"
	-o Dir::Etc::SourceList="$APT_PRIV/sources.list"
	-o Dir::Etc::SourceParts=/dev/null
	-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
	-o Debug::NoLocking=1 -o APT::Sandbox::User=root)
for a in $APT_PRIV_ARCHS; do
	apt_priv_opts+=(-o APT::Architectures::="$a")
done
apt_priv() { apt-get -q "${apt_priv_opts[@]}" "$@"; }
# The same state for queries (showsrc, policy), which apt-get does not do.
apt_priv_cache() { apt-cache "${apt_priv_opts[@]}" "$@"; }
# The sources it lists, deb-src included: scripts/clients.sh builds fio
# and stress-ng from Debian's source packages.
APT_PRIV_SOURCES='deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-backports main'
# Update the lists once; again when forced ($1 non-empty) or when the
# sources or architectures above changed, since a stamp alone would keep a
# cache made before a line (the deb-src one) or an architecture (armhf) was
# added without its index.
apt_priv_update() {
	if [ -f "$APT_PRIV/updated" ] && [ -z "${1:-}" ] &&
		[ "$(cat "$APT_PRIV/sources.list" 2>/dev/null)" = "$APT_PRIV_SOURCES" ] &&
		[ "$(cat "$APT_PRIV/updated")" = "$APT_PRIV_ARCHS" ]; then
		return
	fi
	mkdir -p "$APT_PRIV/lists/partial" "$APT_PRIV/cache/archives/partial"
	printf '%s\n' "$APT_PRIV_SOURCES" > "$APT_PRIV/sources.list"
	apt_priv update -qq
	echo "$APT_PRIV_ARCHS" > "$APT_PRIV/updated"
}

# fetch_deb NAME[:ARCH] -> prints path of downloaded .deb under $PCC_CACHE/debs
fetch_deb() {
	local name=$1 dir=$PCC_CACHE/debs
	mkdir -p "$dir"
	apt_priv_update
	( cd "$dir" && apt_priv download "$name" >&2 ) || {
		apt_priv_update force
		( cd "$dir" && apt_priv download "$name" >&2 )
	}
	local base=${name%%[:=]*} arch=${name#*:}
	[ "$arch" = "$name" ] && arch=all
	ls -t "$dir"/"${base}"_*.deb | head -1
}

# host_cargo: the cargo that builds host tools into the cache (rustup's is
# fine for a host tool; the kernel itself uses Debian's rustc), with
# cargo-web installed first when there is none.
host_cargo() {
	command -v cargo && return
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q cargo-web >&2 || true
	command -v cargo || die "no cargo, and cargo-web did not install"
}

install_bindgen() {
	local b=$PCC_CACHE/bindgen/bin/bindgen
	if [ -x "$b" ] && "$b" --version 2>/dev/null | grep -q " $BINDGEN_VERSION"; then
		return
	fi
	log "cargo install bindgen-cli $BINDGEN_VERSION"
	local cargo
	cargo=$(host_cargo)
	LIBCLANG_PATH=$LLVM_BIN/../lib "$cargo" install --locked --root "$PCC_CACHE/bindgen" \
		bindgen-cli --version "$BINDGEN_VERSION"
}

# make trace's flame graphs: inferno, the Rust port of the FlameGraph
# scripts (folded stacks in, SVG out), built once into the cache.
install_inferno() {
	local b=$PCC_CACHE/$PCC_INFERNO/bin/inferno-flamegraph
	[ -x "$b" ] && return
	log "cargo install inferno $PCC_INFERNO_VERSION"
	local cargo
	cargo=$(host_cargo)
	"$cargo" install --locked --root "$PCC_CACHE/$PCC_INFERNO" --no-default-features --features cli \
		inferno --version "$PCC_INFERNO_VERSION"
}

# The guests' busybox (every architecture: make check boots each), unpacked
# into the cache.
install_busybox() {
	local a
	for a in $PCC_ARCHS; do
		install_busybox_for "$(arch_settings "$a" && echo "$PCC_DEB_ARCH")"
	done
}

install_busybox_for() {
	local out=$PCC_CACHE/busybox-$1
	[ -x "$out/bin/busybox" ] && return
	log "fetching busybox-static:$1"
	local deb
	deb=$(fetch_deb "busybox-static:$1")
	rm -rf "$out.tmp"; mkdir -p "$out.tmp"
	dpkg-deb -x "$deb" "$out.tmp"
	[ -x "$out.tmp/bin/busybox" ] || die "busybox not found in $deb"
	rm -rf "$out"; mv "$out.tmp" "$out"
}

# The packages and suites above are Debian 12's (bookworm).
check_host() {
	local id ver
	id=$(. "${PCC_OS_RELEASE:-/etc/os-release}" && echo "${ID:-?}")
	ver=$(. "${PCC_OS_RELEASE:-/etc/os-release}" && echo "${VERSION_ID:-?}")
	[ "$id $ver" = "debian 12" ] || [ "${PCC_ANY_HOST:-0}" = 1 ] ||
		die "this host is $id $ver; pcc's setup installs Debian 12's packages (PCC_ANY_HOST=1 goes on with what is installed)"
}

main() {
	check_host
	mkdir -p "$PCC_CACHE"
	install_debs
	install_bindgen
	install_inferno
	install_busybox
	# The kernel's own check of the toolchain comes later, in kernel.sh.
	log "toolchain ready: $($PCC_RUSTC --version), $(clang --version | head -1), bindgen $("$PCC_CACHE/bindgen/bin/bindgen" --version | awk '{print $2}')"
}

# Sourced by kernel.sh for its helpers; run directly, it installs.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	main "$@"
fi
