#!/bin/bash
# build-makedumpfile-arm64.sh: the reference makedumpfile for aarch64 dumps, on an x86_64 host.
# makedumpfile reads dumps of its own architecture only, so this cross-compiles upstream commit
# b7587f1 (after 1.7.9; it adds arm64 4K-page 52-bit-VA page tables, makedumpfile issue #18) with
# all four codecs and runs it under qemu-aarch64-static. 1.7.9 itself fails on Debian 12's arm64
# 6.12 kernel. Measured: this build filters that kernel's dump when it booted with arm64.nolva
# (48-bit VA) and fails ("makedumpfile Failed") on the stock 52-bit one (LPA2, 5 levels), which
# is why the 52-bit corpus dump is checked against libkdumpfile instead.
# usage: build-makedumpfile-arm64.sh [PREFIX]   (default ~/.cache/vmcore4j-ref)
# Idempotent; prints the path of a wrapper script that runs it on the last line
# (VMCORE4J_MAKEDUMPFILE_ARM64 for the tests).
#
# The source tarball makedumpfile-b7587f1.tar.gz is taken, as build-makedumpfile.sh takes its
# own, from the first of: $VMCORE4J_MAKEDUMPFILE_ARM64_TARBALL, $VMCORE4J_SHARED/reference/,
# <repo>/../shared/reference/, PREFIX/. Nothing is downloaded; without it the script exits 3.
# Needs install-deps.sh's packages (gcc-aarch64-linux-gnu, qemu-user-static, the :arm64 -dev libs).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PREFIX=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcore4j-ref}
COMMIT=b7587f1
NAME=makedumpfile-$COMMIT
SRC=$PREFIX/$NAME-arm64
WRAP=$PREFIX/makedumpfile-arm64

usable() { # the wrapper runs an aarch64 build with zstd (the last of the four codecs)
    [ -x "$WRAP" ] && [ -x "$SRC/makedumpfile" ] && "$WRAP" -v 2>&1 | grep -q 'zstd.*enabled'
}

if ! usable; then
    TARBALL=
    for t in ${VMCORE4J_MAKEDUMPFILE_ARM64_TARBALL:+"$VMCORE4J_MAKEDUMPFILE_ARM64_TARBALL"} \
             ${VMCORE4J_SHARED:+"$VMCORE4J_SHARED/reference/$NAME.tar.gz"} \
             "$ROOT/../shared/reference/$NAME.tar.gz" "$PREFIX/$NAME.tar.gz"; do
        [ -s "$t" ] && { TARBALL=$t; break; }
    done
    if [ -z "$TARBALL" ]; then
        echo "build-makedumpfile-arm64: no $NAME.tar.gz found (set VMCORE4J_MAKEDUMPFILE_ARM64_TARBALL or VMCORE4J_SHARED);" \
             "the aarch64 differential tests skip (and fail under VMCORE4J_REQUIRE_CORPUS=1)" >&2
        exit 3
    fi
    command -v aarch64-linux-gnu-gcc > /dev/null && command -v qemu-aarch64-static > /dev/null || {
        echo "build-makedumpfile-arm64: aarch64-linux-gnu-gcc or qemu-aarch64-static is missing; run install-deps.sh as root" >&2
        exit 1; }
    echo "build-makedumpfile-arm64: building $NAME for aarch64 from $(realpath "$TARBALL") into $SRC" >&2
    mkdir -p "$PREFIX"
    [ "$(realpath "$TARBALL")" = "$(realpath -m "$PREFIX/$NAME.tar.gz")" ] || cp "$TARBALL" "$PREFIX/$NAME.tar.gz"
    rm -rf "${SRC:?}"; mkdir -p "$SRC"
    tar -xzf "$PREFIX/$NAME.tar.gz" -C "$SRC" --strip-components=1
    make -C "$SRC" -j"$(nproc)" CC=aarch64-linux-gnu-gcc HOST_ARCH=aarch64 LINKTYPE=dynamic \
        USELZO=on USESNAPPY=on USEZSTD=on > "$PREFIX/makedumpfile-arm64-build.log" 2>&1 || {
        tail -30 "$PREFIX/makedumpfile-arm64-build.log" >&2
        echo "build-makedumpfile-arm64: make failed (log: $PREFIX/makedumpfile-arm64-build.log)" >&2; exit 1; }
    # qemu-user finds the arm64 libraries (libdw, liblzo2, ...) through the multiarch paths
    # dpkg installed them in, and the dynamic loader through -L /
    printf '#!/bin/sh\nexec qemu-aarch64-static -L / "%s/makedumpfile" "$@"\n' "$SRC" > "$WRAP"
    chmod +x "$WRAP"
    usable || { echo "build-makedumpfile-arm64: $WRAP does not run a build with zstd:" >&2; "$WRAP" -v >&2 || true; exit 1; }
fi
"$WRAP" -v >&2 || true
echo "$WRAP"
