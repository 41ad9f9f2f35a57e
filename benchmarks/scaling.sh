#!/bin/bash
# scaling.sh: how the collector's time and memory grow with the machine's RAM, beyond this machine's
# memory. Synthetic x86_64 Linux 6.12 ELF vmcores of 1, 6, 64 and 256 GiB of RAM (testdata's
# LargeVmcore: sparse, only struct pages and the kernel pages -d 31 keeps take disk, about 3 % of
# RAM), each collected with `-l -d 31` by vmcore4j under bin/vmcore4j's JVM options (-Xmx64m) and by
# makedumpfile 1.7.9, output to a file on disk (deleted after each run). Per run: wall, CPU
# (user+sys, and sys alone), peak RSS, pages scanned (max_mapnr) and kept, output size, seconds per GiB of RAM,
# whether the two outputs are byte-identical (cmp), makedumpfile's cyclic buffer and the cycles it
# implies (vmcore4j's PageFilter follows the same rule). At the largest size, one more vmcore4j run
# under JFR says where the time goes (hot methods, samples per thread, the first vmcore4j frame of
# each sample) and how big the live heap got after GC.
#
# usage: benchmarks/scaling.sh
# env:
#   SIZES="1 6 64 256"   GiB of RAM of the cores
#   MDF_SIZES=$SIZES     sizes makedumpfile runs on too (empty: none)
#   SCRATCH=dir          cores, outputs and logs (default /var/tmp/vmcore4j-scaling; on disk, sparse
#                        files: the 256 GiB core takes ~8 GB of blocks)
#   KEEP=0               1 keeps the cores (regenerating 256 GiB takes minutes); 0 deletes each after use
#   OUTPUT=disk          or null: write the dumps to /dev/null instead (no cmp then)
#   PROFILE=1            0 skips the JFR run
#   MAKEDUMPFILE=path    default $VMCORE4J_MAKEDUMPFILE, else ~/.cache/vmcore4j-ref/makedumpfile-1.7.9/makedumpfile
#   JAR=path             default cli/target/vmcore4j.jar (mvn -B -o -q -pl cli -am package -DskipTests)
#   JAVA=java  JAVA_OPTS="-XX:+UseSerialGC -Xmx64m -Xmn4m -XX:TieredStopAtLevel=1" (bin/vmcore4j's)
# The generator runs from testdata/target/classes (mvn -B -o -q -pl testdata compile).
# Needs /usr/bin/time. The load average is printed before and after: on a shared machine absolute
# times are noisy; the seconds per GiB from one size to the next is what this measures.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
SIZES=${SIZES:-1 6 64 256}
MDF_SIZES=${MDF_SIZES-$SIZES}
SCRATCH=${SCRATCH:-/var/tmp/vmcore4j-scaling}
KEEP=${KEEP:-0}
OUTPUT=${OUTPUT:-disk}
PROFILE=${PROFILE:-1}
MDF=${MAKEDUMPFILE:-${VMCORE4J_MAKEDUMPFILE:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcore4j-ref/makedumpfile-1.7.9/makedumpfile}}
JAR=${JAR:-$ROOT/cli/target/vmcore4j.jar}
JAVA=${JAVA:-java}
JAVA_OPTS=${JAVA_OPTS:--XX:+UseSerialGC -Xmx64m -Xmn4m -XX:TieredStopAtLevel=1}
CLASSES=$ROOT/testdata/target/classes
TIME=/usr/bin/time

die() { echo "scaling: $*" >&2; exit 2; }
[ -f "$CLASSES/org/vmcore4j/testdata/LargeVmcore.class" ] || die "no generator (cd $ROOT && mvn -B -o -q -pl testdata compile)"
[ -f "$JAR" ] || die "no jar at $JAR (cd $ROOT && mvn -B -o -q -pl cli -am package -DskipTests)"
[ -x "$TIME" ] || die "$TIME missing: apt-get install time"
[ -z "$MDF_SIZES" ] || [ -x "$MDF" ] || die "no makedumpfile at $MDF (or MDF_SIZES='')"
mkdir -p "$SCRATCH" || die "cannot create $SCRATCH"
largest=0
for g in $SIZES; do [ "$g" -gt "$largest" ] && largest=$g; done
# the largest core's blocks: ~3.3 % of its RAM plus the kernel image twice
need_kb=$((largest * 1024 * 1024 * 34 / 1000 + 200 * 1024))
avail_kb=$(df -Pk "$SCRATCH" | awk 'NR == 2 { print $4 }')
[ "$avail_kb" -gt "$need_kb" ] || die "$SCRATCH has $((avail_kb / 1024)) MiB free, the $largest GiB core needs about $((need_kb / 1024)) MiB"

hex() { printf '%d' "0x$(grep -m1 "$1" "$2" | sed 's/.*: 0x//')"; }
echo "# scaling.sh $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# vmcore4j: $JAVA $JAVA_OPTS -jar $JAR -l -d 31; makedumpfile: $MDF -l -d 31; output to $OUTPUT"
printf '%-5s %-12s %8s %8s %7s %8s %11s %9s %8s %8s %8s %s\n' GiB tool wall_s cpu_s sys_s rss_MB scanned kept out_MB s/GiB cpu/GiB note
run() { # tool core out log -> prints the row, sets W C R
    local tool=$1 core=$2 out=$3 log=$4 g=$5 tf=$SCRATCH/time.txt
    if [ "$tool" = vmcore4j ]; then
        # shellcheck disable=SC2086
        $TIME -f '%e %U %S %M' -o "$tf" $JAVA $JAVA_OPTS -jar "$JAR" -l -d 31 --message-level 22 "$core" "$out" > "$log" 2>&1
    else
        $TIME -f '%e %U %S %M' -o "$tf" "$MDF" -l -d 31 --message-level 30 "$core" "$out" > "$log" 2>&1
    fi
    local rc=$?
    read -r W U S R < <(tail -1 "$tf")
    C=$(echo "$U + $S" | bc)
    local size=0 scanned kept note=""
    [ "$OUTPUT" = disk ] && size=$(stat -c %s "$out" 2>/dev/null || echo 0)
    scanned=$(hex 'Total pages' "$log") kept=$(hex 'Remaining pages' "$log")
    [ $rc -eq 0 ] || note="FAILED rc=$rc (see $log)"
    if [ "$tool" = makedumpfile ]; then
        local buf
        buf=$(grep -m1 'Buffer size for the cyclic mode' "$log" | sed 's/.*: //')
        [ -n "$buf" ] && note="$note cyclic buffer $buf B: $(( (scanned + buf * 8 - 1) / (buf * 8) )) cycle(s)"
    fi
    printf '%-5s %-12s %8.2f %8.2f %7.2f %8.1f %11d %9d %8.1f %8.3f %8.3f %s\n' "$g" "$tool" "$W" "$C" "$S" \
        "$(echo "$R / 1024" | bc -l)" "$scanned" "$kept" "$(echo "$size / 1048576" | bc -l)" \
        "$(echo "$W / $g" | bc -l)" "$(echo "$C / $g" | bc -l)" "$note"
}
for g in $SIZES; do
    core=$SCRATCH/core-${g}g
    if [ ! -f "$core" ] || [ ! -f "$core.mix" ]; then
        $TIME -f '%e' -o "$SCRATCH/gen-time.txt" $JAVA -cp "$CLASSES" org.vmcore4j.testdata.LargeVmcore "$core" "$g" \
            || die "generating $core failed"
        gen="generated in $(tail -1 "$SCRATCH/gen-time.txt") s"
    else
        gen="reused"
    fi
    echo "# $g GiB core: $(stat -c %s "$core") bytes apparent, $(du -k "$core" | cut -f1) KiB on disk, $gen;" \
        "mix: $(grep -v '^gib=' "$core.mix" | tr '\n' ' ')"
    if [ "$OUTPUT" = disk ]; then ours=$SCRATCH/out-vmcore4j.l; theirs=$SCRATCH/out-makedumpfile.l
    else ours=/dev/null; theirs=/dev/null; fi
    rm -f "$ours" "$theirs" 2>/dev/null
    run vmcore4j "$core" "$ours" "$SCRATCH/vmcore4j-${g}g.log" "$g"
    if [[ " $MDF_SIZES " == *" $g "* ]]; then
        WV=$W CV=$C RV=$R
        run makedumpfile "$core" "$theirs" "$SCRATCH/makedumpfile-${g}g.log" "$g"
        same=""
        if [ "$OUTPUT" = disk ]; then
            if cmp -s "$ours" "$theirs"; then same="outputs byte-identical"; else same="OUTPUTS DIFFER"; fi
        fi
        echo "# $g GiB ratios vmcore4j/makedumpfile: wall $(echo "scale=2; $WV / $W" | bc)," \
            "CPU $(echo "scale=2; $CV / $C" | bc), peak RSS $(echo "scale=2; $RV / $R" | bc); $same"
    fi
    [ "$OUTPUT" = disk ] && rm -f "$ours" "$theirs"
    if [ "$PROFILE" = 1 ] && [ "$g" = "$largest" ]; then
        jfr=$SCRATCH/vmcore4j-${g}g.jfr
        rm -f "$jfr"
        # shellcheck disable=SC2086
        $JAVA $JAVA_OPTS -XX:StartFlightRecording=filename="$jfr",settings=profile -jar "$JAR" -l -d 31 \
            "$core" "$ours" > "$SCRATCH/vmcore4j-${g}g-jfr.log" 2>&1
        [ "$OUTPUT" = disk ] && rm -f "$ours"
        "$HERE/jfr-summary.sh" "$jfr" | sed "s/^/# JFR $g GiB: /"
    fi
    [ "$KEEP" = 1 ] || rm -f "$core" "$core.mix"
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
