#!/bin/bash
# build-runtime.sh: the collector as a kdump initramfs carries it, built into target/capture/vmcore4j/:
#   vmcore4j       the launcher (bin/vmcore4j; it runs runtime/bin/java when that lies beside it)
#   vmcore4j.jar   the executable jar with only this architecture's native codec libraries
#                  (the full jar carries them for every platform: 11.9 MB against 1.9 MB)
#   runtime/       a jlink image of only the modules the jar needs (jdeps), stripped (no debug
#                  information, header files or man pages, libjvm.so without its symbol table,
#                  resources compressed)
# usage: capture/build-runtime.sh [--jdk JDK_HOME] [--cds] [OUTDIR]
#   --jdk     the JDK whose jlink builds the image and whose architecture it is (default: JAVA_HOME,
#             else the JDK of java on the PATH); Java 17 or newer. On Java 22 and later the collector
#             encodes -l pages with the system's liblzo2 (the dracut module then installs it): 1.7
#             times the pure-Java encoder's speed on the host, but the Temurin 25 image is 5 MB larger
#             unpacked (about 10 MB more crashkernel=). Under QEMU's TCG it was slower only while the
#             guest CPU offered ERMS, whose memset TCG runs a byte at a time (benchmarks/PERFORMANCE.md,
#             session 8)
#   --cds     add a CDS archive of the image's own classes (jlink --generate-cds-archive): 11 MB more
#             in the initramfs, for start-up CPU that a capture does not notice (see below)
#   OUTDIR    default: target/capture/vmcore4j of this checkout
# Needs cli/target/vmcore4j.jar (mvn -B -q -DskipTests package). Prints OUTDIR on its last line.
#
# Start-up aids, measured (README, "In the crash kernel"): JDK 17's CDS archive of the image's own
# classes (jlink --generate-cds-archive, --cds here) cut the user CPU of a 1 GiB -l -d 31 run on one
# CPU from 1.18 to 1.0 s; an AppCDS archive of the application's classes as well saved another 0.1 s
# but is bound to the jar's absolute path and modification time, so it cannot be built before the
# jar is installed; Temurin 25 with an AOT cache trained on a real capture was slower (1.15-1.27 s)
# and larger (59 MB peak RSS against 53-56, 43 MB image against 35). The default is none: a crash
# kernel keeps the whole initramfs in memory and can unpack only about half its memory's worth, so
# the archive's 11 MB cost more crashkernel= than its 0.15 s of CPU is worth.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd -P)
ROOT=$(cd "$HERE/.." && pwd -P)
JDK= CDS= OUT=
while [ $# -gt 0 ]; do
    case $1 in
        --jdk) JDK=$2; shift 2 ;;
        --cds) CDS=1; shift ;;
        -h|--help) sed -n 2,20p "$0"; exit 0 ;;
        -*) sed -n 2,20p "$0" >&2; exit 2 ;;
        *) OUT=$1; shift ;;
    esac
done
if [ -z "$JDK" ]; then
    if [ -n "${JAVA_HOME:-}" ]; then JDK=$JAVA_HOME
    else JDK=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")"); fi
fi
[ -x "$JDK/bin/jlink" ] && [ -x "$JDK/bin/jdeps" ] || { echo "build-runtime: no jlink/jdeps in $JDK (a JDK, not a JRE, is needed)" >&2; exit 2; }
OUT=${OUT:-$ROOT/target/capture/vmcore4j}
JAR=$ROOT/cli/target/vmcore4j.jar
[ -f "$JAR" ] || { echo "build-runtime: no $JAR; build it with 'mvn -B -q -DskipTests package'" >&2; exit 2; }
feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$JDK/release")
[ "${feature:-0}" -ge 17 ] || { echo "build-runtime: $JDK is Java ${feature:-?}; 17 or newer is needed" >&2; exit 2; }
arch=$(sed -n 's/^OS_ARCH="\(.*\)"/\1/p' "$JDK/release")
# where each codec library keeps this architecture's native code inside the jar
case $arch in
    x86_64|amd64) keep='^(linux/amd64/|org/xerial/snappy/native/Linux/x86_64/|net/jpountz/util/linux/amd64/)' ;;
    aarch64) keep='^(linux/aarch64/|org/xerial/snappy/native/Linux/aarch64/|net/jpountz/util/linux/aarch64/)' ;;
    *) echo "build-runtime: no native-library layout known for $arch" >&2; exit 2 ;;
esac

rm -rf "$OUT"; mkdir -p "$OUT"
# 1. the jar without other platforms' native libraries
cp "$JAR" "$OUT/vmcore4j.jar"
foreign=$(unzip -Z1 "$JAR" | grep -E '\.(so|dll|dylib|jnilib|a)$' | grep -vE "$keep" || true)
[ -z "$foreign" ] || zip -q -d "$OUT/vmcore4j.jar" $foreign
# (no grep -q in a pipeline under pipefail: unzip, cut short, would fail it)
[ "$(unzip -Z1 "$OUT/vmcore4j.jar" | grep -cE "$keep")" -gt 0 ] || { echo "build-runtime: the jar holds no native library for $arch" >&2; exit 1; }

# 2. the modules: what jdeps finds statically, plus jdk.unsupported, which the codecs (sun.misc.Unsafe,
#    named directly) and WindowedFileSource (invokeCleaner, looked up reflectively, which jdeps cannot
#    see) need
modules=$("$JDK/bin/jdeps" --multi-release "$feature" --ignore-missing-deps --print-module-deps "$OUT/vmcore4j.jar")
modules=$(echo "$modules,jdk.unsupported" | tr ',' '\n' | sort -u | paste -sd, -)
case $feature in 17|18|19|20) compress=--compress=2 ;; *) compress=--compress=zip-6 ;; esac
"$JDK/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages "$compress" \
    ${CDS:+--generate-cds-archive} --output "$OUT/runtime" > "$OUT.jlink.log" 2>&1 \
    || { cat "$OUT.jlink.log" >&2; exit 1; }
# the collector runs with -Xmx64m, where the JVM always uses compressed oops: the archive for
# uncompressed ones would never be mapped
rm -f "$OUT/runtime/lib/server/classes_nocoops.jsa"
# the symbol table serves only crash reports (hs_err); 4 MB less in the initramfs
strip --strip-unneeded "$OUT/runtime/lib/server/libjvm.so"

# 3. the launcher, which prefers the runtime beside it
install -m 755 "$ROOT/bin/vmcore4j" "$OUT/vmcore4j"
"$OUT/vmcore4j" --help > /dev/null 2>&1 || { echo "build-runtime: the launcher does not run with the image" >&2; exit 1; }
{
    echo "jdk=$("$OUT/runtime/bin/java" -version 2>&1 | head -1)"
    echo "arch=$arch modules=$modules cds=${CDS:-0}"
    echo "bytes: runtime=$(du -sb "$OUT/runtime" | cut -f1) jar=$(stat -c %s "$OUT/vmcore4j.jar") total=$(du -sb "$OUT" | cut -f1)"
} > "$OUT/BUILD-INFO"
cat "$OUT/BUILD-INFO" >&2
echo "$OUT"
