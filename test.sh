#!/bin/bash
# test.sh: the one command that runs vmcore4j's whole test suite, real-dump tests included.
# usage: ./test.sh [MAVEN_ARGS...]        e.g. ./test.sh -pl core -am   or   ./test.sh -o
#        (not -q: it hides the Surefire summaries the totals at the end are made from)
#
# Phases (each timed; the first that fails stops the run with the reason):
#   1 deps          testdata/tools/install-deps.sh (as root; otherwise only checks, and says
#                   what to run as root)
#   2 makedumpfile  testdata/tools/build-makedumpfile.sh: the reference makedumpfile 1.7.9,
#                   built once into ~/.cache/vmcore4j-ref (skipped if VMCORE4J_MAKEDUMPFILE is set)
#   2b makedumpfile-arm64  testdata/tools/build-makedumpfile-arm64.sh: upstream b7587f1 cross-built
#                   for aarch64 and run under qemu-user, the reference for the 48-bit aarch64 dump
#                   (skipped if VMCORE4J_MAKEDUMPFILE_ARM64 is set)
#   3 corpus        testdata/tools/make-corpus.sh: the real kdump dumps, built once into
#                   $VMCORE4J_CORPUS (default ~/.cache/vmcore4j-corpus)
#   4 vmlinux       testdata/tools/prepare-vmlinux.sh for every corpus dump: the kernel's debug
#                   vmlinux for crash and drgn (about 1 GB downloaded once per kernel, then cached
#                   in ~/.cache/vmcore4j-lab/dbg, with a gdb index added); exports VMCORE4J_VMLINUX_DIR
#   5 maven         mvn -B verify MAVEN_ARGS, with VMCORE4J_CORPUS, VMCORE4J_MAKEDUMPFILE,
#                   VMCORE4J_VMLINUX_DIR and VMCORE4J_REQUIRE_CORPUS=1 exported, so real-dump tests
#                   fail, never skip, when a prerequisite is missing.
# VMCORE4J_REQUIRE_CORPUS=0 ./test.sh keeps going when phase 2, 3 or 4 cannot provide their
# part, and lets the tests that need it skip (a local run without the reference tarball).
# The last lines are Surefire's totals over all modules, after the list of skipped tests (from the
# XML reports). The exit status is Maven's, or 1 when VMCORE4J_REQUIRE_CORPUS=1 and a test skipped.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")" && pwd)
TOOLS=$ROOT/testdata/tools
cd "$ROOT"
export VMCORE4J_REQUIRE_CORPUS=${VMCORE4J_REQUIRE_CORPUS:-1}

START=$(date +%s)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
TIMES=()
phase_start() { PHASE=$1; PHASE_T0=$(date +%s); echo; echo "==> [$PHASE] $2"; }
phase_end() {
    local s=$(( $(date +%s) - PHASE_T0 ))
    TIMES+=("$(printf '%-13s %5d s  %s' "$PHASE" "$s" "$1")")
    echo "<== [$PHASE] $1 (${s} s)"
}
print_times() {
    echo
    echo "---- test.sh phases ----"
    printf '%s\n' "${TIMES[@]}"
    printf '%-13s %5d s\n' total $(( $(date +%s) - START ))
}
die() { # MESSAGE: a phase failed; say why, show the timings so far, stop
    echo "test.sh: FAILED in phase '$PHASE': $*" >&2
    phase_end "FAILED"
    print_times
    exit 1
}
optional() { # MESSAGE: a prerequisite is missing; fatal unless VMCORE4J_REQUIRE_CORPUS=0
    if [ "$VMCORE4J_REQUIRE_CORPUS" = 1 ]; then die "$*"; fi
    echo "test.sh: WARNING: $*; continuing because VMCORE4J_REQUIRE_CORPUS=$VMCORE4J_REQUIRE_CORPUS (tests that need it will skip)" >&2
}

# ---- 1. dependencies ----
phase_start deps "Debian packages (testdata/tools/install-deps.sh)"
if [ "$(id -u)" = 0 ]; then
    "$TOOLS/install-deps.sh" || die "install-deps.sh failed (apt-get); see above"
else
    "$TOOLS/install-deps.sh" --check || die "packages are missing: run 'sudo $TOOLS/install-deps.sh' once, then ./test.sh again"
fi
command -v java > /dev/null && command -v mvn > /dev/null || die "java and mvn must be on the PATH (JDK 17+, Maven 3.8+)"
jv=$(java -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -1)
[ "${jv:-0}" -ge 17 ] || die "the java on the PATH is version ${jv:-unknown}; vmcore4j needs JDK 17 or newer"
phase_end "$(java -version 2>&1 | head -1), $(mvn -v 2>/dev/null | sed -n '1s/\x1b\[[0-9;]*m//g;1p')"

# ---- 2. reference makedumpfile ----
phase_start makedumpfile "reference makedumpfile 1.7.9 (testdata/tools/build-makedumpfile.sh)"
if [ -n "${VMCORE4J_MAKEDUMPFILE:-}" ]; then
    [ -x "$VMCORE4J_MAKEDUMPFILE" ] || optional "VMCORE4J_MAKEDUMPFILE=$VMCORE4J_MAKEDUMPFILE is not executable"
    VMCORE4J_MAKEDUMPFILE=$(realpath -m "$VMCORE4J_MAKEDUMPFILE"); export VMCORE4J_MAKEDUMPFILE   # tests run in the module folders
    phase_end "given: $VMCORE4J_MAKEDUMPFILE"
elif "$TOOLS/build-makedumpfile.sh" | tee "$TMP/makedumpfile.out"; then
    VMCORE4J_MAKEDUMPFILE=$(tail -1 "$TMP/makedumpfile.out"); export VMCORE4J_MAKEDUMPFILE
    phase_end "$VMCORE4J_MAKEDUMPFILE"
else
    optional "the reference makedumpfile 1.7.9 is unavailable (see above)"
    phase_end "unavailable"
fi

# ---- 2b. reference makedumpfile for aarch64 dumps ----
phase_start makedumpfile-arm64 "reference makedumpfile for aarch64 dumps (testdata/tools/build-makedumpfile-arm64.sh)"
if [ -n "${VMCORE4J_MAKEDUMPFILE_ARM64:-}" ]; then
    [ -x "$VMCORE4J_MAKEDUMPFILE_ARM64" ] || optional "VMCORE4J_MAKEDUMPFILE_ARM64=$VMCORE4J_MAKEDUMPFILE_ARM64 is not executable"
    VMCORE4J_MAKEDUMPFILE_ARM64=$(realpath -m "$VMCORE4J_MAKEDUMPFILE_ARM64"); export VMCORE4J_MAKEDUMPFILE_ARM64
    phase_end "given: $VMCORE4J_MAKEDUMPFILE_ARM64"
elif "$TOOLS/build-makedumpfile-arm64.sh" | tee "$TMP/makedumpfile-arm64.out"; then
    VMCORE4J_MAKEDUMPFILE_ARM64=$(tail -1 "$TMP/makedumpfile-arm64.out"); export VMCORE4J_MAKEDUMPFILE_ARM64
    phase_end "$VMCORE4J_MAKEDUMPFILE_ARM64"
else
    optional "the aarch64 reference makedumpfile is unavailable (see above)"
    phase_end "unavailable"
fi

# ---- 3. corpus of real dumps ----
phase_start corpus "real kdump dumps (testdata/tools/make-corpus.sh; about 1-2 minutes per dump when not cached)"
if "$TOOLS/make-corpus.sh" ${VMCORE4J_CORPUS:+"$VMCORE4J_CORPUS"} | tee "$TMP/corpus.out"; then
    VMCORE4J_CORPUS=$(realpath "$(tail -1 "$TMP/corpus.out")"); export VMCORE4J_CORPUS
    phase_end "$VMCORE4J_CORPUS"
else
    optional "make-corpus.sh could not build the corpus (see above)"
    phase_end "unavailable"
fi

# ---- 3b. the extra dumps of the crash-signature tests (same crash another boot, another crash) ----
phase_start signature-dumps "crash-signature dumps (testdata/tools/make-signature-dumps.sh; about 2 minutes per dump when not cached)"
if "$TOOLS/make-signature-dumps.sh" ${VMCORE4J_SIGNATURE_DUMPS:+"$VMCORE4J_SIGNATURE_DUMPS"} | tee "$TMP/signature-dumps.out"; then
    VMCORE4J_SIGNATURE_DUMPS=$(realpath "$(tail -1 "$TMP/signature-dumps.out")"); export VMCORE4J_SIGNATURE_DUMPS
    phase_end "$VMCORE4J_SIGNATURE_DUMPS"
else
    optional "make-signature-dumps.sh could not build the crash-signature dumps (see above)"
    phase_end "unavailable"
fi

# ---- 4. debug vmlinux of each corpus kernel (crash, drgn) ----
phase_start vmlinux "debug vmlinux per corpus dump (testdata/tools/prepare-vmlinux.sh; about 1 GB per kernel when not cached)"
VMLINUXES=()
for dump in "${VMCORE4J_CORPUS:-/nonexistent}"/*/; do
    [ -s "$dump/vmcore" ] && [ -f "$dump/gen/params.txt" ] || continue
    if "$TOOLS/prepare-vmlinux.sh" "$dump" > "$TMP/vmlinux.out"; then
        v=$(tail -1 "$TMP/vmlinux.out")
        VMLINUXES+=("$(basename "$v")")
        VMCORE4J_VMLINUX_DIR=$(dirname "$(dirname "$v")"); export VMCORE4J_VMLINUX_DIR
    else
        optional "prepare-vmlinux.sh could not provide the debug vmlinux of $(basename "$dump") (see above)"
    fi
done
if [ ${#VMLINUXES[@]} = 0 ]; then
    optional "no corpus dump to fetch a debug vmlinux for"
    phase_end "unavailable"
else
    phase_end "${VMCORE4J_VMLINUX_DIR}: ${VMLINUXES[*]}"
fi

# ---- 5. maven ----
phase_start maven "mvn -B verify $* (VMCORE4J_CORPUS=${VMCORE4J_CORPUS:-} VMCORE4J_MAKEDUMPFILE=${VMCORE4J_MAKEDUMPFILE:-} VMCORE4J_MAKEDUMPFILE_ARM64=${VMCORE4J_MAKEDUMPFILE_ARM64:-} VMCORE4J_VMLINUX_DIR=${VMCORE4J_VMLINUX_DIR:-} VMCORE4J_REQUIRE_CORPUS=$VMCORE4J_REQUIRE_CORPUS)"
touch "$TMP/maven.start"   # test reports older than this are an earlier run's
set +e
mvn -B -ntp verify "$@" 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g' | tee "$TMP/mvn.log"   # (Debian's Maven 3.8 emits colour resets even with -B)
MVN_RC=${PIPESTATUS[0]}
set -e
[ $MVN_RC = 0 ] && phase_end "BUILD SUCCESS" || phase_end "BUILD FAILURE (mvn exit status $MVN_RC)"
print_times

# Surefire prints one summary line per module (the "Tests run:" line without "Time elapsed");
# add them up, in Surefire's own format, so the log ends with the totals of all modules (and of the
# examples project examples-it builds, whose log lines come prefixed with a second "[INFO] ").
read -r tests failures errors skipped < <(
    sed -n 's/^\(\[INFO\] \)\{0,1\}\[[A-Z]*\] Tests run: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\), Skipped: \([0-9]*\)\(, Flakes: [0-9]*\)\{0,1\}$/\2 \3 \4 \5/p' "$TMP/mvn.log" \
    | awk '{ t += $1; f += $2; e += $3; s += $4 } END { print t + 0, f + 0, e + 0, s + 0 }')
# Which tests skipped, from this run's Surefire/Failsafe XML reports: under VMCORE4J_REQUIRE_CORPUS=1
# a skip is a missing prerequisite or an unfinished test, so it fails the run.
SKIP_RC=0
/usr/bin/python3 "$TOOLS/skipped-tests.py" "$ROOT" "$TMP/maven.start" > "$TMP/skipped.txt" || SKIP_RC=$?
RC=$MVN_RC
echo
echo "Results (all modules; Maven exit status $MVN_RC):"
echo
if [ -s "$TMP/skipped.txt" ]; then
    echo "Skipped tests ($(grep -c . "$TMP/skipped.txt")):"
    sed 's/^/  /' "$TMP/skipped.txt"
    if [ "$VMCORE4J_REQUIRE_CORPUS" = 1 ]; then
        echo "test.sh: FAILED: VMCORE4J_REQUIRE_CORPUS=1 allows no skipped test (the ones above)" >&2
        [ $RC != 0 ] || RC=1
    fi
    echo
fi
if [ $SKIP_RC != 0 ]; then
    echo "test.sh: FAILED: a test report could not be read (skipped-tests.py exit status $SKIP_RC)" >&2
    [ $RC != 0 ] || RC=1
fi
echo "Tests run: $tests, Failures: $failures, Errors: $errors, Skipped: $skipped"
exit $RC
