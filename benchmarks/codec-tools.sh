#!/usr/bin/env bash
# Our page codecs beside the C libraries and the command-line tools, on the same sampled pages.
#
#   benchmarks/codec-tools.sh [--jmh-json FILE] [--skip-jmh] [--dump PATH]
#
# 1. PageSample writes the seeded sample CodecBenchmark measures (default: 4096 non-zero pages that
#    -d 31 keeps of the corpus's k61-1g-2cpu dump) to OUT/sample.bin, and our compression ratios.
# 2. native/codec-native.c, built here with gcc against zlib, liblzo2, snappy, zstd and lz4, compresses
#    every page on its own exactly as makedumpfile 1.7.9 does (compress2 level 1, lzo1x_1_compress,
#    snappy_compress, ZSTD_compressCCtx level 1) and decompresses the stored ones: the per-page,
#    per-core baseline that is comparable to our figures.
# 3. JMH CodecBenchmark, short (-wi 2 -i 3 -f 1 -w 1s -r 1s; override with JMH_ARGS), JSON to OUT/jmh.json,
#    unless --jmh-json FILE gives an earlier result or --skip-jmh.
# 4. The command-line tools (gzip -1, pigz -1 -z, zstd -1, lzop -1, lz4 -1, python3-snappy) three ways:
#      stream     the whole sample as one stream: the tool's best case, NOT comparable to per-page
#                 figures (matches across pages, one header, no per-page setup);
#      files      one file per page, all in one process: per-page streams, but dominated by
#                 open/create/write/unlink and each format's header and checksum;
#      process    one process per page on the first 256 pages: what a shell loop gets, process-bound.
# The tables go to stdout and OUT/report.txt. OUT is $VMCORE4J_CODEC_OUT or benchmarks/target/codec-tools.
# Optional extras (Debian 12): apt-get install -y lzop pigz lz4 liblz4-dev python3-snappy; a missing tool is
# reported as such. MB = 10^6 bytes of uncompressed data, per second, on one core. Ratio = sample bytes / bytes stored
# (a page that does not shrink is stored raw, as makedumpfile does). Build the jar first:
#   mvn -B -o -q install -DskipTests -pl core,testdata,elf,kdump-format,filter && mvn -B -o -q package -pl benchmarks -DskipTests
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jar=$here/target/benchmarks.jar
out=${VMCORE4J_CODEC_OUT:-$here/target/codec-tools}
jmh_json=
skip_jmh=0
dump_args=()
while [ $# -gt 0 ]; do
    case $1 in
        --jmh-json) jmh_json=$2; shift 2 ;;
        --skip-jmh) skip_jmh=1; shift ;;
        --dump) dump_args=(--dump "$2"); shift 2 ;;
        *) echo "usage: $0 [--jmh-json FILE] [--skip-jmh] [--dump PATH]" >&2; exit 2 ;;
    esac
done
[ -f "$jar" ] || { echo "no $jar: build it first (see the head of this script)" >&2; exit 1; }
py=/usr/bin/python3
[ -x "$py" ] || py=python3
mkdir -p "$out"

echo "== 1. sample" >&2
java -cp "$jar" org.vmcore4j.benchmarks.PageSample "${dump_args[@]}" --out "$out/sample.bin" > "$out/ours-ratio.tsv"

echo "== 2. native per-page baseline" >&2
if command -v gcc >/dev/null && [ -f /usr/include/lzo/lzo1x.h ] && [ -f /usr/include/zstd.h ] \
        && [ -f /usr/include/snappy-c.h ] && [ -f /usr/include/zlib.h ]; then
    lz4=(-llz4)
    [ -f /usr/include/lz4.h ] || { lz4=(-DNO_LZ4); echo "no liblz4-dev: no native lz4 row" >&2; }
    gcc -O2 -Wall -o "$out/codec-native" "$here/native/codec-native.c" -lz -llzo2 -lsnappy -lzstd "${lz4[@]}"
    "$out/codec-native" "$out/sample.bin" 4096 1.0 3 | tee "$out/native.tsv" >&2
else
    echo "skipped: needs gcc, zlib1g-dev, liblzo2-dev, libsnappy-dev, libzstd-dev (and liblz4-dev for lz4)" >&2
    : > "$out/native.tsv"
fi

echo "== 3. JMH" >&2
if [ -n "$jmh_json" ]; then
    cp "$jmh_json" "$out/jmh.json"
elif [ "$skip_jmh" = 0 ]; then
    dump_param=()
    [ ${#dump_args[@]} -gt 0 ] && dump_param=(-p "dump=${dump_args[1]}")
    # shellcheck disable=SC2086
    java -jar "$jar" CodecBenchmark "${dump_param[@]}" ${JMH_ARGS:--wi 2 -i 3 -f 1 -w 1s -r 1s} \
        -rf json -rff "$out/jmh.json" > "$out/jmh.log" 2>&1 || { tail -30 "$out/jmh.log" >&2; exit 1; }
fi

echo "== 4. command-line tools" >&2
"$py" - "$out" <<'EOF' | tee "$out/report.txt"
import json, os, shutil, subprocess, sys, time

out = sys.argv[1]
sample = os.path.join(out, "sample.bin")
data = open(sample, "rb").read()
PAGE = 4096
pages = len(data) // PAGE
MB = 1e6

def tsv(path):
    rows = {}
    if os.path.exists(path) and os.path.getsize(path):
        lines = open(path).read().split("\n")
        head = lines[0].split("\t")
        for line in lines[1:]:
            if line.strip():
                f = dict(zip(head, line.split("\t")))
                rows[f["codec"]] = f
    return rows

ours_ratio = tsv(os.path.join(out, "ours-ratio.tsv"))
native = tsv(os.path.join(out, "native.tsv"))
jmh = {}
jp = os.path.join(out, "jmh.json")
if os.path.exists(jp):
    for r in json.load(open(jp)):
        name = r["benchmark"].rsplit(".", 1)[1]
        m = r["secondaryMetrics"].get("bytes")
        if m:
            jmh[(r["params"]["codec"], name)] = (m["score"] / MB, m["scoreError"] / MB)

def f1(x):
    return "-" if x is None else f"{x:.1f}"

def ratio(a, b):
    return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}"

print(f"Sample: {pages} pages of {PAGE} bytes ({len(data)} bytes), {sample}")
print("MB/s = 10^6 uncompressed bytes per second, one core; ratio = bytes in / bytes stored (pages that do not shrink stored raw)")
print()
print("Per page, per core: vmcore4j (JMH CodecBenchmark, ± 99.9% CI) vs the C libraries at makedumpfile's settings (codec-native.c)")
hdr = ("codec", "ours comp", "ours comp (dump)", "ours decomp", "native comp", "native decomp",
       "comp ours/native", "decomp ours/native", "ratio ours", "ratio native", "raw pages ours/native")
print("| " + " | ".join(hdr) + " |")
print("|" + "---|" * len(hdr))
for codec in ("zlib", "lzo", "snappy", "zstd", "lz4"):
    c = jmh.get((codec, "compress"))
    cd = jmh.get((codec, "compressForDump"))
    d = jmh.get((codec, "decompress"))
    n = native.get(codec, {})
    nc = float(n["compress_MBps"]) if n else None
    nd = float(n["decompress_MBps"]) if n else None
    o = ours_ratio.get(codec, {})
    cell = lambda v: "-" if v is None else f"{v[0]:.1f} ± {v[1]:.1f}"
    print("| " + " | ".join([codec, cell(c), cell(cd), cell(d), f1(nc), f1(nd),
                              ratio(c and c[0], nc), ratio(d and d[0], nd),
                              o.get("ratio", "-"), n.get("ratio", "-"),
                              f"{o.get('raw_pages', '-')}/{n.get('raw_pages', '-')}"]) + " |")
if "zlib-reuse" in native:
    n = native["zlib-reuse"]
    print(f"| (zlib, one z_stream reset per page) | | | | {n['compress_MBps']} | {n['decompress_MBps']} |"
          f" {ratio(jmh.get(('zlib', 'compress'), (None,))[0], float(n['compress_MBps']))} |"
          f" {ratio(jmh.get(('zlib', 'decompress'), (None,))[0], float(n['decompress_MBps']))} | | {n['ratio']} | |")

# ---- command-line tools
TOOLS = [  # name, compress argv, decompress argv, suffix, what it corresponds to
    ("gzip -1", ["gzip", "-1", "-c"], ["gzip", "-d", "-c"], ".gz", "zlib (deflate level 1, gzip container)"),
    ("pigz -1 -z -p 1", ["pigz", "-1", "-z", "-p", "1", "-c"], ["pigz", "-d", "-z", "-p", "1", "-c"], ".zz", "zlib (zlib container)"),
    ("zstd -1", ["zstd", "-1", "-q", "-c"], ["zstd", "-d", "-q", "-c"], ".zst", "zstd"),
    ("lzop -1", ["lzop", "-1", "-c"], ["lzop", "-d", "-c"], ".lzo", "lzo (lzo1x_1)"),
    ("lz4 -1", ["lz4", "-1", "-q", "-c"], ["lz4", "-d", "-q", "-c"], ".lz4", "lz4"),
]

def best(fn, reps=3):
    t = None
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        t = dt if t is None else min(t, dt)
    return t

rows = []
for name, comp, decomp, suffix, what in TOOLS:
    if not shutil.which(comp[0]):
        rows.append((name, "stream", None, None, None, what + " — not installed"))
        continue
    # stream: the whole sample
    z = os.path.join(out, "sample.bin" + suffix)
    with open(sample, "rb") as i, open(z, "wb") as o:
        subprocess.run(comp, stdin=i, stdout=o, check=True)
    def c():
        with open(sample, "rb") as i:
            subprocess.run(comp, stdin=i, stdout=subprocess.DEVNULL, check=True)
    def d():
        with open(z, "rb") as i:
            subprocess.run(decomp, stdin=i, stdout=subprocess.DEVNULL, check=True)
    tc, td = best(c), best(d)
    rows.append((name, "stream", len(data) / tc / MB, len(data) / td / MB, len(data) / os.path.getsize(z), what))
    # files: one file per page, one process
    pd = os.path.join(out, "pages")
    shutil.rmtree(pd, ignore_errors=True)
    os.makedirs(pd)
    names = []
    for k in range(pages):
        p = os.path.join(pd, f"p{k:05d}")
        with open(p, "wb") as f:
            f.write(data[k * PAGE:(k + 1) * PAGE])
        names.append(p)
    keep = {"gzip": ["-k", "-f"], "pigz": ["-k", "-f"], "zstd": ["-f"], "lzop": ["-f"], "lz4": ["-m", "-f"]}[comp[0]]
    base = [a for a in comp if a != "-c"] + keep
    t0 = time.perf_counter()
    subprocess.run(base + names, check=True, stdout=subprocess.DEVNULL)
    tc = time.perf_counter() - t0
    zs = [p + suffix for p in names]
    stored = sum(min(os.path.getsize(zf), PAGE) for zf in zs)
    for p in names:
        os.unlink(p)
    dbase = [a for a in decomp if a != "-c"] + keep
    t0 = time.perf_counter()
    subprocess.run(dbase + zs, check=True, stdout=subprocess.DEVNULL)
    td = time.perf_counter() - t0
    ok = all(open(p, "rb").read() == data[k * PAGE:(k + 1) * PAGE] for k, p in enumerate(names))
    rows.append((name, "files", len(data) / tc / MB, len(data) / td / MB, len(data) / stored,
                 what + ("" if ok else " — ROUND TRIP FAILED")))
    # process: one process per page, first 256 pages
    n = min(256, pages)
    t0 = time.perf_counter()
    for k in range(n):
        subprocess.run(comp, input=data[k * PAGE:(k + 1) * PAGE], stdout=subprocess.DEVNULL, check=True)
    tc = time.perf_counter() - t0
    t0 = time.perf_counter()
    for k in range(n):
        with open(zs[k], "rb") as i:
            subprocess.run(decomp, stdin=i, stdout=subprocess.DEVNULL, check=True)
    td = time.perf_counter() - t0
    rows.append((name, "process", n * PAGE / tc / MB, n * PAGE / td / MB, None, what))
    shutil.rmtree(pd)
    os.unlink(z)

try:  # python3-snappy: the C++ library in process (no CLI in Debian 12)
    import snappy
    def c():
        return snappy.compress(data)
    zb = c()
    tc = best(c)
    td = best(lambda: snappy.uncompress(zb))
    rows.append(("python3-snappy", "stream", len(data) / tc / MB, len(data) / td / MB, len(data) / len(zb),
                 "snappy (one raw block over the sample, in process)"))
    blocks = [data[k * PAGE:(k + 1) * PAGE] for k in range(pages)]
    def cp():
        return [snappy.compress(b) for b in blocks]
    zp = cp()
    tc = best(cp)
    td = best(lambda: [snappy.uncompress(b) for b in zp])
    stored = sum(min(len(b), PAGE) for b in zp)
    rows.append(("python3-snappy", "per page", len(data) / tc / MB, len(data) / td / MB, len(data) / stored,
                 "snappy, raw block per page in process (Python call overhead included)"))
except ImportError:
    rows.append(("python3-snappy", "-", None, None, None, "not installed (apt-get install python3-snappy)"))

print()
print("Command-line tools on the same pages. Comparable to the per-page table: none exactly. 'stream' is")
print("the tool's best case (one stream over all pages: cross-page matches, one header, no per-page setup);")
print("'files' compresses each page as its own file in one process (per-page streams, but file I/O and")
print("container headers/checksums dominate); 'process' runs one process per page (process start dominates).")
hdr = ("tool", "mode", "comp MB/s", "decomp MB/s", "ratio", "corresponds to")
print("| " + " | ".join(hdr) + " |")
print("|" + "---|" * len(hdr))
for name, mode, c, d, r, what in rows:
    print(f"| {name} | {mode} | {f1(c)} | {f1(d)} | {'-' if r is None else f'{r:.3f}'} | {what} |")
EOF
