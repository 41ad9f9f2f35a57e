#!/bin/bash
# jfr-summary.sh REC.jfr: where a JFR recording's CPU samples went, for benchmarks/scaling.sh, with
# the JDK's own jfr tool (JDK 17 has no `jfr view`): execution samples per thread, the hottest
# methods (top frame), the first org.vmcore4j frame of each sample (which stage of ours the time is
# in, JDK and codec frames included below it), GC time and the largest heap after a collection.
set -uo pipefail
rec=${1:?usage: jfr-summary.sh REC.jfr}
JFR=${JFR:-jfr}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$JFR" print --events jdk.ExecutionSample "$rec" > "$tmp" || exit 1
total=$(grep -c '^jdk.ExecutionSample' "$tmp")
echo "execution samples: $total"
[ "$total" -gt 0 ] || exit 0
awk -v total="$total" '
    /sampledThread = / { t = $0; sub(/.*sampledThread = "/, "", t); sub(/".*/, "", t); sub(/[-#]?[0-9]+$/, "", t) }
    /stackTrace = \[/ { getline; f = $0; sub(/^ +/, "", f); sub(/\(.*/, "", f); top[f]++; threads[t]++; ours = "";
        while ($0 !~ /^ *\]/) { if (ours == "" && $0 ~ /org\.vmcore4j\./) { ours = $0; sub(/^ +/, "", ours); sub(/\(.*/, "", ours) }
            if (getline <= 0) break }
        if (ours == "") ours = "(no vmcore4j frame)"; stage[ours]++ }
    END {
        for (k in threads) printf "thread %-28s %5.1f %%\n", k, 100 * threads[k] / total | "sort -k3 -rn"
        close("sort -k3 -rn")
        for (k in top) printf "hot   %-70s %5.1f %%\n", k, 100 * top[k] / total | "sort -k3 -rn | head -12"
        close("sort -k3 -rn | head -12")
        for (k in stage) printf "ours  %-70s %5.1f %%\n", k, 100 * stage[k] / total | "sort -k3 -rn | head -12"
        close("sort -k3 -rn | head -12")
    }' "$tmp"
"$JFR" print --events jdk.GarbageCollection "$rec" | awk '
    /sumOfPauses = / { v = $3; u = $4; ms = (u ~ /^s/) ? v * 1000 : (u ~ /^us/) ? v / 1000 : (u ~ /^ns/) ? v / 1e6 : v; s += ms; n++ }
    END { printf "GC: %d collections, %.0f ms of pauses\n", n, s }'
"$JFR" print --events jdk.GCHeapSummary "$rec" | awk '
    /when = "After GC"/ { after = 1 } /when = "Before GC"/ { after = 0 }
    after && /heapUsed = / { v = $3; u = $4; mb = (u ~ /^kB/) ? v / 1024 : (u ~ /^MB/) ? v : (u ~ /^GB/) ? v * 1024 : v / 1048576; if (mb > m) m = mb }
    END { printf "largest heap after GC: %.1f MB\n", m }'
