#!/bin/bash
# Fuzzes every Jazzer @FuzzTest of vmcore4j one after the other (Jazzer fuzzes one test per JVM), each
# for DURATION (default 10m), with -Pfuzz (JAZZER_FUZZ=1, -Xmx256m). Findings land as crash-*, oom-*
# or timeout-* files in src/test/resources/<package>/<Test>Inputs/<method>/ and then run in every
# build; the growing corpus stays in <module>/.cifuzz-corpus (ignored by git).
# Usage: testdata/tools/fuzz-all.sh [DURATION] [LOGDIR] [TARGET...]   (TARGET as module:Class#method)
set -uo pipefail
cd "$(dirname "$0")/../.."
DURATION=${1:-10m}
LOGDIR=${2:-target/fuzz-logs}
shift $(( $# < 2 ? $# : 2 ))
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(
    elf:ElfFuzzTest#open
    core:VmcoreInfoFuzzTest#parse
    kdump-format:KdumpFuzzTest#open
    kdump-format:FlattenedFuzzTest#flattened
    kdump-format:SplitSetFuzzTest#openSplitSet
    filter:PageFilterFuzzTest#count
    core:DmesgFuzzTest#read
    cli:CommandLineFuzzTest#run
)
mkdir -p "$LOGDIR"
mvn -B -q -DskipTests install || exit 1
for t in "${TARGETS[@]}"; do
    module=${t%%:*}
    test=${t#*:}
    log="$LOGDIR/${test/\#/-}.log"
    echo "== $test ($module) for $DURATION -> $log"
    mvn -B -o test -Pfuzz -pl "$module" -Dtest="$test" -Dfuzz.duration="$DURATION" > "$log" 2>&1
    echo "   exit $?: $(grep -E '^Done [0-9]+ runs' "$log" | tail -1) $(grep -cE '^== Java Exception|FuzzerSecurityIssue|OutOfMemoryError|ERROR: libFuzzer: timeout' "$log") finding line(s)"
done
