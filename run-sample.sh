#!/bin/bash
# run-sample.sh: the first command. Builds vmcore4j and runs its collector on a real kdump dump.
# usage: ./run-sample.sh [DUMP [OUTDIR]]
#   DUMP    a dump to read (e.g. a copy of /proc/vmcore). Without it, the corpus dump
#           k61-1g-2cpu ($VMCORE4J_CORPUS, default ~/.cache/vmcore4j-corpus) is used, and built
#           first when absent: about 2 minutes under QEMU, and Debian packages are installed
#           when run as root (otherwise it says what to run).
#   OUTDIR  where the results go (default: sample-output/ in this checkout)
# Steps (each timed): build cli/target/vmcore4j.jar; find or build the dump;
#   bin/vmcore4j info DUMP                    -> OUTDIR/info.txt
#   bin/vmcore4j --dump-dmesg DUMP OUTDIR/dmesg.txt, compared with makedumpfile's when one is at hand
#   bin/vmcore4j -l -d 31 DUMP OUTDIR/dumpfile.ld31, read back with info
#   bin/vmcore4j -z -d 31 beside makedumpfile -z -d 31, compared byte for byte (when one is at hand)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")" && pwd)
TOOLS=$ROOT/testdata/tools
VMCORE4J=$ROOT/bin/vmcore4j
SAMPLE=k61-1g-2cpu
DUMP=${1:-}
OUT=${2:-$ROOT/sample-output}
[ $# -le 2 ] && [ "$DUMP" != -h ] && [ "$DUMP" != --help ] || { sed -n 2,13p "$0"; exit 2; }

START=$(date +%s)
step() { STEP_T0=$(date +%s); echo; echo "==> $*"; }
done_step() { echo "<== $* ($(( $(date +%s) - STEP_T0 )) s)"; }
fail() { echo "run-sample: FAILED: $*" >&2; exit 1; }
show() { # FILE [HEAD TAIL]: the whole file if short, else its head and tail
    local f=$1 h=${2:-15} t=${3:-10} n
    n=$(wc -l < "$f")
    if [ "$n" -le $((h + t + 5)) ]; then sed 's/^/    /' "$f"
    else head -n "$h" "$f" | sed 's/^/    /'; echo "    ... ($((n - h - t)) more lines) ..."; tail -n "$t" "$f" | sed 's/^/    /'; fi
}
corpus_dir() { echo "${VMCORE4J_CORPUS:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcore4j-corpus}"; }
have_sample() { [ -s "$(corpus_dir)/$SAMPLE/vmcore" ] && [ -s "$(corpus_dir)/$SAMPLE/elf_info.txt" ]; }

# ---- 0. prerequisites: Debian packages only when something is missing ----
if [ -n "$DUMP" ]; then
    [ -r "$DUMP" ] || fail "cannot read $DUMP"
    DUMP=$(realpath "$DUMP")
fi
if ! command -v java > /dev/null || ! command -v mvn > /dev/null || { [ -z "$DUMP" ] && ! have_sample; }; then
    step "prerequisites (testdata/tools/install-deps.sh)"
    if [ "$(id -u)" = 0 ]; then
        "$TOOLS/install-deps.sh" || fail "install-deps.sh failed (apt-get); see above"
    else
        "$TOOLS/install-deps.sh" --check || fail "packages are missing: run 'sudo $TOOLS/install-deps.sh' once, then $0 again"
    fi
    done_step "prerequisites present"
fi

# ---- 1. the jar ----
step "building cli/target/vmcore4j.jar (mvn -B -q -DskipTests package)"
set +e
mvn -B -q -f "$ROOT/pom.xml" -DskipTests package 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g'   # (Debian's Maven 3.8 emits colour resets even with -B)
rc=${PIPESTATUS[0]}
set -e
[ $rc = 0 ] || fail "the Maven build failed (mvn exit status $rc); see above"
[ -f "$ROOT/cli/target/vmcore4j.jar" ] || fail "the build made no cli/target/vmcore4j.jar"
done_step "$(ls -l "$ROOT/cli/target/vmcore4j.jar" | awk '{print $5}') bytes"

# ---- 2. the dump ----
if [ -z "$DUMP" ]; then
    if have_sample; then
        step "sample dump: $SAMPLE, found in the corpus $(corpus_dir)"
    else
        step "sample dump: building $SAMPLE (testdata/tools/make-corpus.sh $(corpus_dir) $SAMPLE)"
        "$TOOLS/make-corpus.sh" "$(corpus_dir)" "$SAMPLE" || fail "could not build the sample dump; see above"
    fi
    DUMP=$(corpus_dir)/$SAMPLE/vmcore
    done_step "$DUMP"
fi
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
echo "dump:    $DUMP ($(stat -c %s "$DUMP") bytes)"
echo "results: $OUT"

# ---- 3. what the dump is ----
step "bin/vmcore4j info $DUMP"
rc=0; "$VMCORE4J" info "$DUMP" > "$OUT/info.txt" 2> "$OUT/info.err" || rc=$?
cat "$OUT/info.err" >&2; [ -s "$OUT/info.err" ] || rm -f "$OUT/info.err"
[ $rc = 0 ] || fail "vmcore4j info exited $rc"
[ -s "$OUT/info.txt" ] || fail "vmcore4j info printed nothing (does this build of the command line have 'info' yet?)"
show "$OUT/info.txt" 30 10
done_step "info -> $OUT/info.txt"

# ---- 4. the kernel log ----
step "bin/vmcore4j --dump-dmesg $DUMP $OUT/dmesg.txt"
rm -f "$OUT/dmesg.txt"   # like makedumpfile, the collector does not overwrite an output file
rc=0; "$VMCORE4J" --dump-dmesg "$DUMP" "$OUT/dmesg.txt" || rc=$?
[ $rc = 0 ] || fail "vmcore4j --dump-dmesg exited $rc"
[ -f "$OUT/dmesg.txt" ] || fail "vmcore4j --dump-dmesg wrote no $OUT/dmesg.txt"
show "$OUT/dmesg.txt" 8 12
done_step "dmesg: $(wc -l < "$OUT/dmesg.txt") lines -> $OUT/dmesg.txt"

# the same with makedumpfile, when there is one: the reference 1.7.9, else Debian's
MDF=${VMCORE4J_MAKEDUMPFILE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcore4j-ref/makedumpfile-1.7.9/makedumpfile}
[ -x "$MDF" ] || MDF=$(command -v makedumpfile || true)
if [ -n "$MDF" ]; then
    rm -f "$OUT/dmesg.makedumpfile.txt"
    if "$MDF" --dump-dmesg "$DUMP" "$OUT/dmesg.makedumpfile.txt" > "$OUT/dmesg.makedumpfile.log" 2>&1; then
        if cmp -s "$OUT/dmesg.txt" "$OUT/dmesg.makedumpfile.txt"; then
            echo "dmesg: identical to $MDF --dump-dmesg"
        else
            echo "dmesg: DIFFERS from $MDF --dump-dmesg (first differences below; both files are in $OUT)"
            diff "$OUT/dmesg.makedumpfile.txt" "$OUT/dmesg.txt" | head -20 | sed 's/^/    /' || true
        fi
    else
        echo "dmesg: $MDF --dump-dmesg failed on this dump, nothing to compare (see $OUT/dmesg.makedumpfile.log)"
    fi
fi

# ---- 5. filtered collection ----
# The collector's main job, as kdump's core_collector runs it: keep the pages dump level 31 keeps
# (no zero, cache, user or free pages), lzo-compressed, in the kdump-compressed format; then read
# the result back with info. With makedumpfile at hand, also -z -d 31 from both tools, compared.
step "bin/vmcore4j -l -d 31 $DUMP $OUT/dumpfile.ld31"
rm -f "$OUT/dumpfile.ld31"
rc=0; "$VMCORE4J" -l -d 31 --message-level 23 "$DUMP" "$OUT/dumpfile.ld31" 2>&1 | tr '\r' '\n' | grep -v '^Copying data.*eta: [1-9]' || rc=${PIPESTATUS[0]}
[ $rc = 0 ] || fail "vmcore4j -l -d 31 exited $rc"
[ -s "$OUT/dumpfile.ld31" ] || fail "vmcore4j -l -d 31 wrote no $OUT/dumpfile.ld31"
done_step "$(stat -c %s "$DUMP") bytes -> $(stat -c %s "$OUT/dumpfile.ld31") bytes in $OUT/dumpfile.ld31"

step "bin/vmcore4j info $OUT/dumpfile.ld31"
rc=0; "$VMCORE4J" info "$OUT/dumpfile.ld31" > "$OUT/dumpfile.ld31.info.txt" || rc=$?
[ $rc = 0 ] || fail "vmcore4j info on our own output exited $rc"
show "$OUT/dumpfile.ld31.info.txt" 12 4
done_step "our dump file reads back"

if [ -n "$MDF" ]; then
    step "-z -d 31 from vmcore4j and from $MDF, compared byte for byte"
    rm -f "$OUT/dumpfile.zd31" "$OUT/dumpfile.zd31.makedumpfile"
    "$VMCORE4J" -z -d 31 --message-level 0 "$DUMP" "$OUT/dumpfile.zd31" || fail "vmcore4j -z -d 31 failed"
    if "$MDF" -z -d 31 "$DUMP" "$OUT/dumpfile.zd31.makedumpfile" > "$OUT/dumpfile.zd31.makedumpfile.log" 2>&1; then
        if cmp -s "$OUT/dumpfile.zd31" "$OUT/dumpfile.zd31.makedumpfile"; then
            done_step "identical: $(stat -c %s "$OUT/dumpfile.zd31") bytes each"
        else
            done_step "DIFFERENT ($MDF is not 1.7.9, or its zstd differs?); both files are in $OUT"
        fi
    else
        done_step "$MDF -z -d 31 failed (no zstd in this build?), nothing to compare; see $OUT/dumpfile.zd31.makedumpfile.log"
    fi
fi

echo
echo "run-sample: done in $(( $(date +%s) - START )) s; results in $OUT:"
ls -l "$OUT" | tail -n +2 | sed 's/^/    /'
