#!/bin/bash
# crashkernel-bisect.sh: the smallest crashkernel= (in 16M steps) at which TOOL, alone in the crash
# kernel's initramfs, still writes a complete dump, by bisection with crash-capture.sh --only TOOL.
# usage: crashkernel-bisect.sh TOOL LOW_MIB HIGH_MIB OUTDIR [crash-capture.sh options...]
#   LOW_MIB is taken to fail and HIGH_MIB to work (both multiples of 16; each is tried when the
#   search reaches it). Every trial's report is kept in OUTDIR/TOOL-NNNM/report.json; the last line
#   printed (and OUTDIR/TOOL.result) is "TOOL smallest=NNNM" with that trial's time and peak RSS.
# Each trial is one QEMU run under flock /tmp/vmcore4j-qemu.lock (one guest at a time on a machine).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd -P)
[ $# -ge 4 ] || { sed -n 2,9p "$0" >&2; exit 2; }
TOOL=$1 LOW=$2 HIGH=$3 OUT=$4; shift 4
[ $((LOW % 16)) = 0 ] && [ $((HIGH % 16)) = 0 ] && [ "$LOW" -lt "$HIGH" ] || { echo "LOW and HIGH: multiples of 16, LOW < HIGH" >&2; exit 2; }
mkdir -p "$OUT"
trial() { # MIB [OPTIONS...] -> 0 when TOOL wrote a complete dump
    local mib=$1; shift
    local d=$OUT/$TOOL-${mib}M
    flock /tmp/vmcore4j-qemu.lock "$HERE/crash-capture.sh" --only "$TOOL" --no-vmcore-copy --crashkernel "${mib}M" "$@" "$d" \
        > "$d.log" 2>&1 || true
    rm -f "$d"/*.dump
    python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))[sys.argv[2]]; print(sys.argv[3], "complete" if t.get("complete") else "FAILED", t.get("reason", ""), "seconds=%s peak_rss_kib=%s peak_anon_kib=%s" % (t.get("seconds"), t.get("peak_rss_kib"), t.get("peak_anon_kib")))' \
        "$d/report.json" "$TOOL" "${mib}M" | tee -a "$OUT/$TOOL.trials" >&2
    python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))[sys.argv[2]].get("complete") else 1)' "$d/report.json" "$TOOL"
}
good=$HIGH bad=$LOW tested_high=
while [ $((good - bad)) -gt 16 ]; do
    mid=$(( (good + bad) / 2 / 16 * 16 ))
    if trial $mid "$@"; then good=$mid; [ $mid != "$HIGH" ] || tested_high=1; else bad=$mid; fi
done
[ "$good" != "$HIGH" ] || [ -n "$tested_high" ] || trial "$HIGH" "$@" || { echo "$TOOL fails even at ${HIGH}M" | tee "$OUT/$TOOL.result"; exit 1; }
[ -f "$OUT/$TOOL-${bad}M/report.json" ] || ! trial "$bad" "$@" || { echo "$TOOL works at LOW=${bad}M too; lower LOW" | tee "$OUT/$TOOL.result"; exit 1; }
echo "$TOOL smallest=${good}M $(grep "^${good}M " "$OUT/$TOOL.trials" | tail -1 | cut -d' ' -f2-)" | tee "$OUT/$TOOL.result"
