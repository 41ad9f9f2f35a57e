#!/bin/bash
# compare.sh: makedumpfile 1.7.9 and vmcore4j side by side on one dump, same options, warm page
# cache, REPEATS runs of each, the two tools alternating (which one goes first flips every repeat).
# Prints per case the medians and the ratios vmcore4j/makedumpfile of wall time, CPU time
# (user+sys), peak RSS and output size, and whether the two outputs are byte-identical (cmp, on the
# first repeat; every case is expected to be, -l included since vmcore4j encodes LZO as lzo1x_1_compress).
#
# usage: benchmarks/compare.sh [DUMP]
#        benchmarks/compare.sh --report RESULTS.tsv...   (the table again, from the runs of earlier
#                                                         invocations, merged: medians over all of them)
#   DUMP  default: the corpus's k61-1g-2cpu ($VMCORE4J_CORPUS, else ~/.cache/vmcore4j-corpus)
# env:
#   REPEATS=5            runs per tool and case
#   CASES=all            a regex picking cases by label, e.g. CASES='^-d 31' or CASES='-d 1 -[zc]'
#   SCRATCH=dir          where outputs go (on disk, not tmpfs; default /var/tmp/vmcore4j-compare);
#                        each output is deleted after its run (after the cmp on the first repeat)
#   MAKEDUMPFILE=path    default $VMCORE4J_MAKEDUMPFILE, else ~/.cache/vmcore4j-ref/makedumpfile-1.7.9/makedumpfile
#   JAR=path             default cli/target/vmcore4j.jar (build: mvn -B -o -q package -DskipTests)
#   JAVA=java  JAVA_OPTS="-XX:+UseSerialGC -Xmx64m -Xmn4m -XX:TieredStopAtLevel=1"   how the jar is run: $JAVA $JAVA_OPTS -jar $JAR ARGS
#                        (the default is what bin/vmcore4j, the kdump core_collector, runs with)
#   RESULTS=file         also keep every run as TSV (default SCRATCH/results-<dump>-<time>.tsv)
#   PINS="1 all"         CPU sets: 1 = both tools pinned to CPU 0 with taskset (a capture kernel booted
#                        with nr_cpus=1, as kdump-utils and kdump-tools boot it), all = every CPU
# Needs /usr/bin/time (Debian package "time"). Exit status: 0, or 1 if any run failed.
#
# Every case runs both tools with the same arguments, except the "target" rows: vmcore4j with
# --num-threads 2 against makedumpfile's faster run of the alternatives listed (a ";" between
# makedumpfile argument sets: e.g. single-threaded and --num-threads 2, whichever kdump-utils would
# pick). A case with -F writes to a pipe (| cat > file), as to an ssh target; its outputs are compared
# once makedumpfile -R has rebuilt each (the two tools cut the stream's records differently).
# Every case runs once per CPU set of PINS its label allows: "1cpu:" cases only pinned, "ncpu:" cases
# only on all CPUs, others on both.
# The load average is printed before and after: on a shared 2-core machine, measure when it is low.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
CORPUS=${VMCORE4J_CORPUS:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcore4j-corpus}
DUMP=${1:-$CORPUS/k61-1g-2cpu/vmcore}
REPEATS=${REPEATS:-5}
CASES=${CASES:-.}
SCRATCH=${SCRATCH:-/var/tmp/vmcore4j-compare}
MDF=${MAKEDUMPFILE:-${VMCORE4J_MAKEDUMPFILE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcore4j-ref/makedumpfile-1.7.9/makedumpfile}}
JAR=${JAR:-$ROOT/cli/target/vmcore4j.jar}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--XX:+UseSerialGC -Xmx64m -Xmn4m -XX:TieredStopAtLevel=1}
TIME=/usr/bin/time
PINS=${PINS:-1 all}

die() { echo "compare: $*" >&2; exit 2; }
if [ "${1:-}" != --report ]; then
[ -r "$DUMP" ] || die "no dump at $DUMP (build the corpus: testdata/tools/make-corpus.sh)"
[ -x "$MDF" ] || die "no makedumpfile at $MDF (testdata/tools/build-makedumpfile.sh)"
[ -f "$JAR" ] || die "no jar at $JAR (cd $ROOT && mvn -B -o -q package -DskipTests)"
[ -x "$TIME" ] || die "$TIME missing: apt-get install time"
case " $PINS " in *" 1 "*) command -v taskset > /dev/null || die "taskset missing (util-linux)" ;; esac
"$MDF" -v 2>&1 | grep -q '1\.7\.9' || echo "compare: warning: $MDF is not makedumpfile 1.7.9" >&2
mkdir -p "$SCRATCH" || die "cannot create $SCRATCH"
[ "$(stat -f -c %T "$SCRATCH")" != tmpfs ] || echo "compare: warning: $SCRATCH is on tmpfs, not on disk" >&2
WORK=$(mktemp -d "$SCRATCH/run.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
RESULTS=${RESULTS:-$SCRATCH/results-$(basename "$(dirname "$DUMP")")-$(date +%Y%m%d-%H%M%S).tsv}
fi

# case label | makedumpfile args (";" between alternatives: the faster counts) | vmcore4j args |
# cmp (yes: outputs must be identical; no: not expected)
ALL_CASES=(
    "-d 31 -l|-d 31 -l|-d 31 -l|yes"
    "-d 31 -c|-d 31 -c|-d 31 -c|yes"
    "-d 31 -z|-d 31 -z|-d 31 -z|yes"
    "-d 1 -l|-d 1 -l|-d 1 -l|yes"
    "-F -d 31 -l (pipe)|-F -d 31 -l|-F -d 31 -l|yes"
    "-d 31 -p|-d 31 -p|-d 31 -p|yes"
    "-d 0 -l|-d 0 -l|-d 0 -l|yes"
    "-d 1 -c|-d 1 -c|-d 1 -c|yes"
    "-E -d 31|-E -d 31|-E -d 31|yes"
    "--num-threads 2 -d 1 -z|--num-threads 2 -d 1 -z|--num-threads 2 -d 1 -z|yes"
    "--num-threads 2 -d 1 -c|--num-threads 2 -d 1 -c|--num-threads 2 -d 1 -c|yes"
    "--dump-dmesg|--dump-dmesg|--dump-dmesg|yes"
    "ncpu:target: v4j nt2 vs mdf best -d 31 -l|-d 31 -l;--num-threads 2 -d 31 -l|--num-threads 2 -d 31 -l|yes"
    "ncpu:target: v4j nt2 vs mdf -F -d 31 -l (pipe)|-F -d 31 -l|--num-threads 2 -F -d 31 -l|yes"
    "ncpu:target: v4j nt2 vs mdf -d 1 -z|-d 1 -z|--num-threads 2 -d 1 -z|yes"
    "ncpu:target: v4j nt2 vs mdf -d 1 -c|-d 1 -c|--num-threads 2 -d 1 -c|yes"
)
# pins_of LABEL: the CPU sets of PINS a case runs on ("1cpu:" cases pinned only, "ncpu:" all CPUs only)
pins_of() {
    local p out=
    for p in $PINS; do
        case $1 in 1cpu:*) [ "$p" = 1 ] || continue ;; ncpu:*) [ "$p" = all ] || continue ;; esac
        out+="$p "
    done
    echo "$out"
}
# a job is one (CPU set, tool, args) command, keyed "PIN/TOOL:ARGS"; cases share jobs
job_key() { echo "$1/$2:$3"; }
# mdf_keys PIN MARGS: one key per makedumpfile alternative (";"-separated)
mdf_keys() {
    local alt
    IFS=';' read -ra alts <<< "$2"
    for alt in "${alts[@]}"; do job_key "$1" mdf "$alt"; done
}

# print_table TSV...: medians per case over every run in the files, the ratios, the cmp verdicts
median() { sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "nan" || b == "nan") print "-"; else printf "%.2f", a / b }'; }
fmt() { awk -v v="$1" -v d="$2" 'BEGIN { if (v == "nan") print "-"; else printf "%." d "f", v }'; }
print_table() {
    local files=("$@")
    stat_of() { # KEY FIELD(wall|cpu|rss|size)
        awk -F'\t' -v k="$1" -v f="$2" '$1 == k && $2 ~ /^[0-9]+$/ && $8 == 0 {
            if (f == "wall") print $3; else if (f == "cpu") print $4 + $5; else if (f == "rss") print $6; else print $7 }' \
            "${files[@]}" | median
    }
    count_of() { awk -F'\t' -v k="$1" '$1 == k && $2 ~ /^[0-9]+$/ && $8 == 0' "${files[@]}" | wc -l; }
    cmp_of() { awk -F'\t' -v k="cmp:$1" '$1 == k {v = $2} END {print v == "" ? "not compared" : v}' "${files[@]}"; }
    printf '%-46s | %7s %7s %5s | %7s %7s %5s | %6s %6s %5s | %9s %9s %5s | %3s | %s\n' \
        "cpus case (vmcore4j/makedumpfile)" "wall m" "wall v" "ratio" "cpu m" "cpu v" "ratio" "RSS m" "RSS v" "ratio" \
        "size m" "size v" "ratio" "n" "cmp"
    printf '%s\n' "$(printf -- '-%.0s' $(seq 1 168))"
    local c label margs vargs km kv k w best wm wv cm cv rm_ rv sm sv n pin
    for pin in $PINS; do
        for c in "${ALL_CASES[@]}"; do
            IFS='|' read -r label margs vargs _ <<< "$c"
            case " $(pins_of "$label") " in *" $pin "*) ;; *) continue ;; esac
            # among makedumpfile's alternatives, the one with the smallest median wall time
            km= best=
            mapfile -t alternatives < <(mdf_keys "$pin" "$margs")
            for k in "${alternatives[@]}"; do
                [ "$(count_of "$k")" -gt 0 ] || continue
                w=$(stat_of "$k" wall)
                if [ -z "$best" ] || awk -v a="$w" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$w km=$k; fi
            done
            kv=$(job_key "$pin" v4j "$vargs")
            [ -n "$km" ] && [ "$(count_of "$kv")" -gt 0 ] || continue   # a case needs runs of both tools
            n=$(count_of "$km")/$(count_of "$kv")
            wm=$(stat_of "$km" wall); wv=$(stat_of "$kv" wall)
            cm=$(stat_of "$km" cpu); cv=$(stat_of "$kv" cpu)
            rm_=$(stat_of "$km" rss); rv=$(stat_of "$kv" rss)
            sm=$(stat_of "$km" size); sv=$(stat_of "$kv" size)
            printf '%-46s | %7s %7s %5s | %7s %7s %5s | %6s %6s %5s | %9s %9s %5s | %3s | %s\n' \
                "$([ "$pin" = 1 ] && echo "1   " || echo "all ")${label#[1n]cpu:}" \
                "$(fmt "$wm" 2)" "$(fmt "$wv" 2)" "$(ratio "$wv" "$wm")" \
                "$(fmt "$cm" 2)" "$(fmt "$cv" 2)" "$(ratio "$cv" "$cm")" \
                "$(awk -v v="$rm_" 'BEGIN { printf "%.0fM", v / 1024 }')" "$(awk -v v="$rv" 'BEGIN { printf "%.0fM", v / 1024 }')" \
                "$(ratio "$rv" "$rm_")" \
                "$(awk -v v="$sm" 'BEGIN { printf "%.1fM", v / 1048576 }')" "$(awk -v v="$sv" 'BEGIN { printf "%.1fM", v / 1048576 }')" \
                "$(ratio "$sv" "$sm")" "$n" "$(cmp_of "$pin/$label")$([ "$km" = "$(mdf_keys "$pin" "$margs" | head -1)" ] || echo "; mdf best: ${km#*mdf:}")"
        done
    done
    echo
    echo "# cpus: 1 = both tools pinned to CPU 0 (taskset -c 0), all = every CPU of the machine"
    echo "# wall/cpu in seconds (medians over n runs: makedumpfile/vmcore4j), RSS = peak resident set (MiB),"
    echo "# size in MiB; ratios vmcore4j/makedumpfile; cmp on the first repeat"
    grep -h '^#load' "${files[@]}" | sed 's/^#load/# load/' || true
}

if [ "${1:-}" = --report ]; then
    shift; [ $# -gt 0 ] || die "--report needs result files"
    print_table "$@"; exit 0
fi
SEL=()
for c in "${ALL_CASES[@]}"; do
    IFS='|' read -r label _ <<< "$c"
    grep -Eq -e "$CASES" <<< "$label" && SEL+=("$c")
done
[ ${#SEL[@]} -gt 0 ] || die "no case matches CASES=$CASES"

FAILED=0
# run_job KEY REPEAT -> appends "key repeat wall user sys maxrss_kb size rc" to RESULTS; output kept at $WORK/out.<n>
declare -A OUT_OF
run_job() {
    local key=$1 rep=$2 pin=${1%%/*} rest=${1#*/} n out log tf
    local tool=${rest%%:*} args=${rest#*:}
    n=$(printf '%s' "$key" | md5sum | cut -c1-10)
    out=$WORK/out.$n; log=$WORK/log.$n; tf=$WORK/time.$n
    rm -f "$out"
    local cmd=() pinning=()
    [ "$pin" = 1 ] && pinning=(taskset -c 0)
    # shellcheck disable=SC2206
    local a=($args)
    if [ "$tool" = mdf ]; then cmd=("$MDF" "${a[@]}" "$DUMP")
    else
        # shellcheck disable=SC2206
        local jo=($JAVA_OPTS)
        cmd=("$JAVA" "${jo[@]}" -jar "$JAR" "${a[@]}" "$DUMP")
    fi
    # Start each run with the whole dump in the page cache: this VM's kernel runs DAMON proactive
    # reclaim (pageout of memory idle for 60 s), which evicted the dump's pages between runs once a
    # repeat took longer than that, so some runs read from disk (system time up to 2.5 s instead of 0.5).
    warm
    # Start each run with no dirty page cache left by the run before (an output of 1 GB is still being
    # written back for seconds after its run ends, and would slow whichever tool runs next).
    sync
    local rc
    if [[ " $args " == *" -F "* ]]; then   # flattened onto a pipe, as to ssh; the reader is not timed
        "$TIME" -f '%e %U %S %M' -o "$tf" "${pinning[@]}" "${cmd[@]}" 2> "$log" | cat > "$out"
        rc=${PIPESTATUS[0]}
    else
        "$TIME" -f '%e %U %S %M' -o "$tf" "${pinning[@]}" "${cmd[@]}" "$out" > "$log" 2>&1
        rc=$?
    fi
    local size=0
    [ -f "$out" ] && size=$(stat -c %s "$out")
    if [ "$rc" -ne 0 ]; then
        FAILED=1
        echo "compare: FAILED (rc $rc): ${pinning[*]} ${cmd[*]}" >&2; tail -5 "$log" >&2
    fi
    # /usr/bin/time prints "Command exited with non-zero status N" first on failure: keep the last line
    printf '%s\t%s\t%s\t%s\n' "$key" "$rep" "$(tail -1 "$tf" | tr ' ' '\t')" "$size	$rc" >> "$RESULTS"
    OUT_OF[$key]=$out
}

warm() { cat "$DUMP" > /dev/null; }
# same_output A B KEY: the two outputs are byte-identical (flattened ones once rearranged with -R)
same_output() {
    if [[ " ${3#*:} " == *" -F "* ]]; then
        rm -f "$WORK/rearranged.a" "$WORK/rearranged.b"
        "$MDF" -R "$WORK/rearranged.a" < "$1" > /dev/null 2>&1 && "$MDF" -R "$WORK/rearranged.b" < "$2" > /dev/null 2>&1 &&
            cmp -s "$WORK/rearranged.a" "$WORK/rearranged.b"
        local rc=$?; rm -f "$WORK/rearranged.a" "$WORK/rearranged.b"; return $rc
    fi
    cmp -s "$1" "$2"
}

echo "# dump: $DUMP ($(stat -c %s "$DUMP") bytes)"
echo "# makedumpfile: $MDF; vmcore4j: $JAVA $JAVA_OPTS -jar $JAR"
echo "# $(nproc) CPUs, CPU sets: $PINS; $REPEATS repeats, tools alternating; scratch $WORK; runs -> $RESULTS"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'key\trepeat\twall_s\tuser_s\tsys_s\tmaxrss_kb\tsize\trc\n' > "$RESULTS"
printf '#load %s: before %s (%s repeats of CASES=%s, PINS=%s)\n' "$(basename "$(dirname "$DUMP")")" "$(cut -d' ' -f1-3 /proc/loadavg)" "$REPEATS" "$CASES" "$PINS" >> "$RESULTS"
# keys_of PIN CASE: every job of a case on that CPU set, one per line (makedumpfile's first)
keys_of() {
    local margs vargs
    IFS='|' read -r _ margs vargs _ <<< "$2"
    mdf_keys "$1" "$margs"; job_key "$1" v4j "$vargs"
}
t0=$(date +%s)
for rep in $(seq 1 "$REPEATS"); do
    warm
    for pin in $PINS; do
        # cases in order; within each, the tool that goes first alternates with the repeat
        declare -A DONE=()
        for ci in "${!SEL[@]}"; do
            IFS='|' read -r label _ _ want <<< "${SEL[$ci]}"
            case " $(pins_of "$label") " in *" $pin "*) ;; *) continue ;; esac
            mapfile -t keys < <(keys_of "$pin" "${SEL[$ci]}")
            if [ $((rep % 2)) -eq 0 ]; then mapfile -t keys < <(printf '%s\n' "${keys[@]}" | tac); fi
            for k in "${keys[@]}"; do
                [ -n "${DONE[$k]:-}" ] && continue
                run_job "$k" "$rep"; DONE[$k]=1
                [ "$rep" -eq 1 ] || rm -f "${OUT_OF[$k]}"
            done
            [ "$rep" -eq 1 ] || continue
            # every makedumpfile alternative's output against vmcore4j's; flattened streams cut their
            # records where each tool likes, so those are compared as makedumpfile -R rebuilds them
            kv=$(job_key "$pin" v4j "$(IFS='|' read -r _ _ v _ <<< "${SEL[$ci]}"; echo "$v")")
            verdict=identical
            for k in "${keys[@]}"; do
                [ "$k" != "$kv" ] || continue
                if [ ! -f "${OUT_OF[$k]}" ] || [ ! -f "${OUT_OF[$kv]}" ]; then verdict=missing
                elif ! same_output "${OUT_OF[$k]}" "${OUT_OF[$kv]}" "$k"; then
                    [ "$want" = yes ] && verdict=DIFFERS || verdict="differs (not expected)"
                fi
            done
            printf 'cmp:%s/%s\t%s\n' "$pin" "$label" "$verdict" >> "$RESULTS"
            # drop outputs no later case of this CPU set compares
            for k in "${keys[@]}"; do
                later=
                for cj in "${!SEL[@]}"; do
                    [ "$cj" -gt "$ci" ] || continue
                    keys_of "$pin" "${SEL[$cj]}" | grep -qxF -- "$k" && later=1
                done
                [ -n "$later" ] || rm -f "${OUT_OF[$k]}"
            done
        done
        unset DONE
    done
    echo "# repeat $rep done ($(( $(date +%s) - t0 )) s; load $(cut -d' ' -f1-3 /proc/loadavg))"
done
echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '#load %s: after %s\n' "$(basename "$(dirname "$DUMP")")" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS"
echo

print_table "$RESULTS"
exit $FAILED
