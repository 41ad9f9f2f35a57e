#!/bin/bash
# build-makedumpfile.sh: build the reference makedumpfile 1.7.9 (the upstream release, GPL-2.0)
# with all four codecs (zlib, lzo, snappy, zstd). Debian 12's own makedumpfile is 1.7.2: it
# lacks snappy and zstd and misclassifies user pages on Linux 6.12, so the differential tests
# use this build (VMCORE4J_MAKEDUMPFILE).
# usage: build-makedumpfile.sh [PREFIX]   (default ~/.cache/vmcore4j-ref)
# Idempotent; prints the path of the binary on the last line.
#
# makedumpfile's source is not part of this repository. The release tarball
# makedumpfile-1.7.9.tar.gz is taken from the first of:
#   $VMCORE4J_MAKEDUMPFILE_TARBALL   a file you name
#   $VMCORE4J_SHARED/reference/      the shared lab folder, when you name it
#   <repo>/../shared/reference/      the shared lab folder beside the clone (as CI places it)
#   PREFIX/                          the copy kept there by an earlier run
# Nothing is downloaded (the build machines reach no source host). Without a tarball the
# script says so and exits 3; tests that need makedumpfile then skip, or fail under
# VMCORE4J_REQUIRE_CORPUS=1. Root is needed only to apt-get missing -dev packages.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PREFIX=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcore4j-ref}
VERSION=1.7.9
NAME=makedumpfile-$VERSION
BIN=$PREFIX/$NAME/makedumpfile

usable() { # the binary exists, is 1.7.9 and has zstd (the last of the four codecs)
    local v
    [ -x "$BIN" ] || return 1
    v=$("$BIN" -v 2>&1 || true)
    case $v in *"version $VERSION "*) ;; *) return 1 ;; esac
    echo "$v" | grep -q 'zstd.*enabled'
}

if ! usable; then
    TARBALL=
    for t in ${VMCORE4J_MAKEDUMPFILE_TARBALL:+"$VMCORE4J_MAKEDUMPFILE_TARBALL"} \
             ${VMCORE4J_SHARED:+"$VMCORE4J_SHARED/reference/$NAME.tar.gz"} \
             "$ROOT/../shared/reference/$NAME.tar.gz" "$PREFIX/$NAME.tar.gz"; do
        [ -s "$t" ] && { TARBALL=$t; break; }
    done
    if [ -z "$TARBALL" ]; then
        cat >&2 <<EOF
build-makedumpfile: the reference makedumpfile $VERSION is unavailable: no $NAME.tar.gz found.
  Looked in: ${VMCORE4J_MAKEDUMPFILE_TARBALL:+$VMCORE4J_MAKEDUMPFILE_TARBALL, }${VMCORE4J_SHARED:+$VMCORE4J_SHARED/reference, }$(realpath -m "$ROOT/../shared/reference"), $PREFIX
  Provide the upstream $VERSION release source (https://github.com/makedumpfile/makedumpfile,
  tag $VERSION) and point VMCORE4J_MAKEDUMPFILE_TARBALL at it, or VMCORE4J_SHARED at the shared
  folder. Without it the differential tests skip (and fail under VMCORE4J_REQUIRE_CORPUS=1).
EOF
        exit 3
    fi
    tar -tzf "$TARBALL" "$NAME/makedumpfile.c" > /dev/null 2>&1 || {
        echo "build-makedumpfile: $TARBALL does not hold $NAME/makedumpfile.c; not the $VERSION release source" >&2; exit 1; }

    need="gcc make libelf-dev libdw-dev zlib1g-dev liblzo2-dev libsnappy-dev libzstd-dev libbz2-dev"
    missing=$(for p in $need; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"; done)
    missing=$(echo $missing)
    if [ -n "$missing" ]; then
        [ "$(id -u)" = 0 ] || {
            echo "build-makedumpfile: missing build packages: $missing; install them as root: sudo $HERE/install-deps.sh" >&2; exit 1; }
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing > /dev/null
    fi

    echo "build-makedumpfile: building $NAME from $(realpath "$TARBALL") into $PREFIX" >&2
    mkdir -p "$PREFIX"
    [ "$(realpath "$TARBALL")" = "$(realpath -m "$PREFIX/$NAME.tar.gz")" ] || cp "$TARBALL" "$PREFIX/$NAME.tar.gz"
    rm -rf "${PREFIX:?}/$NAME"
    tar -xzf "$PREFIX/$NAME.tar.gz" -C "$PREFIX"
    make -C "$PREFIX/$NAME" -j"$(nproc)" LINKTYPE=dynamic USELZO=on USESNAPPY=on USEZSTD=on \
        > "$PREFIX/makedumpfile-build.log" 2>&1 || {
        tail -30 "$PREFIX/makedumpfile-build.log" >&2
        echo "build-makedumpfile: make failed (log: $PREFIX/makedumpfile-build.log)" >&2; exit 1; }
    usable || { echo "build-makedumpfile: built $BIN, but it is not $VERSION with zstd:" >&2
                "$BIN" -v >&2 || true; exit 1; }
fi
"$BIN" -v >&2 || true
echo "$BIN"
