#!/bin/bash
# profile.sh: run vmcore4j once under Java Flight Recorder (1 ms method sampling) and print where the
# time goes: the hottest methods by own samples (top of stack) and the vmcore4j/library methods by
# inclusive samples (anywhere on the stack), over all threads.
#
# usage: benchmarks/profile.sh [VMCORE4J ARGS...]     default: -d 31 -l on the corpus's k61-1g-2cpu
#   e.g. benchmarks/profile.sh --num-threads 2 -d 1 -z ~/.cache/vmcore4j-big/k61-6g-2cpu/vmcore
#   The output file (the last argument, when it is not the dump) goes to a scratch folder and is deleted.
# env: JAR (default cli/target/vmcore4j.jar), JAVA=java, JAVA_OPTS="-XX:+UseSerialGC -Xmx64m -Xmn4m -XX:TieredStopAtLevel=1" (as bin/vmcore4j), TOP=25,
#      JFR=file to keep the recording (default: a scratch file, deleted)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
JAR=${JAR:-$ROOT/cli/target/vmcore4j.jar}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--XX:+UseSerialGC -Xmx64m -Xmn4m -XX:TieredStopAtLevel=1}
TOP=${TOP:-25}
CORPUS=${VMCORE4J_CORPUS:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcore4j-corpus}
SCRATCH=$(mktemp -d "${TMPDIR:-/var/tmp}/vmcore4j-profile.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
if [ $# -eq 0 ]; then set -- -d 31 -l "$CORPUS/k61-1g-2cpu/vmcore"; fi
args=("$@")
last=${args[${#args[@]}-1]}
if [ -f "$last" ] && [ "$last" != --dump-dmesg ] && file -b "$last" | grep -q ELF; then args+=("$SCRATCH/out"); fi
JH=$(dirname "$(dirname "$(readlink -f "$(command -v "$JAVA")")")")
sed -E 's|(control="method-sampling-java-interval">)[0-9]+ ms<|\11 ms<|' "$JH/lib/jfr/profile.jfc" > "$SCRATCH/fast.jfc"
REC=${JFR:-$SCRATCH/rec.jfr}
# shellcheck disable=SC2086
/usr/bin/time -f '# wall %e s, user %U s, sys %S s, peak RSS %M KiB' \
    "$JAVA" $JAVA_OPTS "-XX:StartFlightRecording=filename=$REC,settings=$SCRATCH/fast.jfc" -jar "$JAR" "${args[@]}" \
    > "$SCRATCH/log" 2>&1 || { tail -20 "$SCRATCH/log"; exit 1; }
grep '^# wall' "$SCRATCH/log"
jfr print --stack-depth 64 --events jdk.ExecutionSample "$REC" > "$SCRATCH/samples.txt"
total=$(grep -c 'jdk.ExecutionSample' "$SCRATCH/samples.txt" || true)
echo "# $total samples (1 ms, Java threads only: JIT compiler and GC threads are not sampled)"
echo "## self (top frame)"
awk '/stackTrace = \[/ {getline; sub(/^[ \t]+/, ""); sub(/[ \t]+line:.*/, ""); print}' "$SCRATCH/samples.txt" \
    | sort | uniq -c | sort -rn | head -"$TOP"
echo "## inclusive (any frame; each method once per sample)"
awk '/stackTrace = \[/ {inside = 1; delete seen; next}
     inside && /^[ \t]*\]/ {inside = 0; next}
     inside {l = $0; sub(/^[ \t]+/, "", l); sub(/[ \t]+line:.*/, "", l); sub(/\(.*/, "", l);
             if (!(l in seen)) {seen[l] = 1; print l}}' "$SCRATCH/samples.txt" \
    | grep -E '^(org\.vmcore4j|io\.airlift|com\.github|org\.anarres|net\.jpountz|java\.util\.zip|org\.xerial|com\.github\.luben)' \
    | sort | uniq -c | sort -rn | head -"$TOP"
