#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The busybox applets the guest uses (no --list on the host: the binary may be arm64).
echo sh ash cat cp dd dmesg echo env grep head tail ls mkdir mount umount \
	insmod rmmod lsmod modprobe poweroff reboot sleep sync sed awk cut tr wc seq \
	cttyhack setsid uname test [ true false printf kill ps free od hexdump \
	stat readlink sort uniq tee time timeout xargs find rm mv ln chmod
