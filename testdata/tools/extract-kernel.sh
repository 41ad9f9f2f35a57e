#!/bin/bash
# extract-kernel.sh: a Debian kernel package's vmlinuz and modules, extracted (never installed)
# and depmod'ed once into the lab cache, for make-vmcore.sh.
# usage: extract-kernel.sh PACKAGE ARCH     e.g. extract-kernel.sh linux-image-6.1.0-57-amd64 amd64
# env:   LAB=the lab cache (default: $XDG_CACHE_HOME or ~/.cache, then vmcore4j-lab)
# Prints the cache entry, $LAB/k/KVER (KVER = PACKAGE without linux-image-), on its last line.
#
# Safe when interrupted and when run several times at once (two corpus builds on one machine):
# - one lock per cache entry ($LAB/k/KVER.lock, flock): a second run waits for the first, then
#   finds its entry complete;
# - the package is downloaded into a private folder and moved into $LAB/debs whole;
# - the entry is extracted and depmod'ed in KVER.part, checked (vmlinuz, a non-empty
#   modules.dep), stamped (.complete, written last) and only then renamed into place. An entry
#   without the stamp (an interrupted run, or one made before the stamp existed) is rebuilt, never
#   reused: reusing a half-extracted one gave an empty modules.dep, a crash initramfs without
#   virtio_blk and a guest that found no disks.
set -euo pipefail
[ $# = 2 ] || { sed -n 2,6p "$0" >&2; exit 2; }
PKG=$1 ARCH=$2
LAB=${LAB:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcore4j-lab}
KVER=${PKG#linux-image-}
KROOT=$LAB/k/$KVER
say() { echo "[$(date '+%F %T')] extract-kernel: $*" >&2; }
mkdir -p "$LAB/k" "$LAB/debs"

exec 9> "$KROOT.lock"
if ! flock -n 9; then
    say "waiting for another extraction of $KVER"
    flock 9
fi
rm -rf "$KROOT".stale.*   # left by a run killed while it swapped entries
if [ ! -e "$KROOT/.complete" ]; then
    deb=$(ls "$LAB"/debs/"${PKG}"_*.deb 2>/dev/null | head -1 || true)
    if [ -z "$deb" ]; then
        dl=$(mktemp -d "$LAB/debs/.download.XXXXXX")
        chmod 755 "$dl"   # apt-get downloads as its _apt user where it can
        (cd "$dl" && apt-get download "$PKG:$ARCH") >&2 || { rm -rf "$dl"; say "FAILED: apt-get download $PKG:$ARCH"; exit 1; }
        mv "$dl"/"${PKG}"_*.deb "$LAB/debs/"
        rmdir "$dl"
        deb=$(ls "$LAB"/debs/"${PKG}"_*.deb | head -1)
    fi
    say "extracting $deb"
    rm -rf "$KROOT.part"
    mkdir -p "$KROOT.part"
    dpkg-deb -x "$deb" "$KROOT.part"
    /usr/sbin/depmod -b "$KROOT.part" "$KVER"
    [ -s "$KROOT.part/boot/vmlinuz-$KVER" ] || { say "FAILED: no boot/vmlinuz-$KVER in $deb"; exit 1; }
    dep=$KROOT.part/lib/modules/$KVER/modules.dep
    [ "$(grep -c '\.ko' "$dep" 2>/dev/null || true)" -gt 0 ] || { say "FAILED: depmod left no modules in $dep"; exit 1; }
    touch "$KROOT.part/.complete"
    # an unstamped entry is set aside, then removed, so the complete one takes its name at once
    if [ -e "$KROOT" ]; then
        mv "$KROOT" "$KROOT.stale.$$"
    fi
    mv "$KROOT.part" "$KROOT"
    rm -rf "$KROOT.stale.$$"
    say "$KROOT: $(grep -c . "$KROOT/lib/modules/$KVER/modules.dep") modules"
fi
echo "$KROOT"
