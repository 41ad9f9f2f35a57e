#!/bin/bash
# make-big-dump.sh: build the big dump for throughput measurements (benchmarks/compare.sh):
# a real Linux 6.1 kdump /proc/vmcore of a 6 GiB-RAM, 2-vCPU guest, about 6 GiB of vmcore, made
# exactly as the corpus dumps are (make-vmcore.sh: the kernel crashes under QEMU, the crash kernel
# copies /proc/vmcore). The memory mix scales with RAM (make-vmcore.sh's lab.conf): 1.5 GiB of
# anonymous memory held (random | pattern | zero | untouched quarters, THP, hugetlb), 1.8 GiB burnt
# and freed with junk left in it, ~0.9 GiB of page cache (clean, dirty, tmpfs), the rest free.
#
# usage: make-big-dump.sh [DIR [RAM_MIB [KHEAP_MIB]]]
#   DIR        default: $VMCORE4J_BIG, else ~/.cache/vmcore4j-big  (the dump goes to DIR/k61-6g-2cpu/)
#   RAM_MIB    default 6144 (the folder is named k61-<RAM/1024>g-2cpu)
#   KHEAP_MIB  default 0; N > 0 builds the kernel-heavy dump instead: Linux 6.12, and N MiB more of
#              kernel memory that every dump level keeps (filled pipe buffers held open, inodes and
#              dentries: memhog kheap), as a production server's slab and buffers; the folder is
#              k612-<RAM/1024>g-2cpu-kheap<N>
#
# NOT part of the corpus and NOT used by CI: the corpus tests enumerate every complete folder of
# $VMCORE4J_CORPUS (~/.cache/vmcore4j-corpus, see testdata's Corpus.dumps()), so the big dump lives
# in a folder of its own. Never point VMCORE4J_CORPUS at it.
# Needs: the packages of install-deps.sh, ~13 GiB free disk while it builds (6.3 GiB kept), and
# about RAM_MIB of free host memory for QEMU. Takes about 5-10 minutes under TCG (2 host cores).
# Idempotent: an existing complete dump is kept. Prints the vmcore's path on the last line.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${1:-${VMCORE4J_BIG:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcore4j-big}}
RAM=${2:-6144}
KHEAP=${3:-0}
if [ "$KHEAP" -gt 0 ]; then KERNEL=6.12 NAME=k612-$((RAM / 1024))g-2cpu-kheap$KHEAP
else KERNEL=6.1 NAME=k61-$((RAM / 1024))g-2cpu; fi
D=$DIR/$NAME
if [ -s "$D/vmcore" ] && [ -s "$D/elf_info.txt" ]; then
    echo "big dump: $NAME present ($(stat -c %s "$D/vmcore") bytes)"; echo "$D/vmcore"; exit 0
fi
corpus=$(realpath -m "${VMCORE4J_CORPUS:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcore4j-corpus}")
case $(realpath -m "$DIR")/ in "$corpus"/*) echo "make-big-dump: $DIR is inside the corpus folder $corpus; the corpus tests would pick it up" >&2; exit 2 ;; esac
mkdir -p "$DIR"
need_mib=$((RAM * 2 + 1024))
free_mib=$(df -Pm "$DIR" | awk 'NR == 2 {print $4}')
[ "${free_mib:-0}" -ge "$need_mib" ] || { echo "make-big-dump: only ${free_mib} MiB free under $DIR; need about $need_mib MiB while it builds" >&2; exit 3; }
avail_mib=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
[ "${avail_mib:-0}" -ge "$RAM" ] || echo "make-big-dump: warning: only ${avail_mib} MiB of host memory available for a ${RAM} MiB guest" >&2
rm -rf "$D"
for try in 1 2; do   # an emulated boot can stall; one retry
    echo "big dump: building $NAME (Linux $KERNEL, $RAM MiB, 2 vCPUs, kernel heap $KHEAP MiB; log: $DIR/$NAME.log)"
    if KHEAP_MIB=$KHEAP "$HERE/make-vmcore.sh" -k "$KERNEL" -m "$RAM" -c 2 -o "$D/vmcore" > "$DIR/$NAME.log" 2>&1; then
        echo "big dump: $NAME built ($(stat -c %s "$D/vmcore") bytes; $(grep -h total_s "$D/gen/timing.txt"))"
        echo "$D/vmcore"; exit 0
    fi
    echo "big dump: attempt $try failed (log: $DIR/$NAME.log)" >&2; rm -rf "$D"
done
tail -20 "$DIR/$NAME.log" >&2
exit 1
