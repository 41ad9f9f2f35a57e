#!/bin/bash
# make-signature-dumps.sh: the extra real dumps the crash-signature tests compare with the corpus.
# usage: make-signature-dumps.sh [DIR]
#   DIR  default: $VMCORE4J_SIGNATURE_DUMPS, else ~/.cache/vmcore4j-signature-dumps
# Builds (with make-vmcore.sh, one QEMU guest at a time under flock /tmp/vmcore4j-qemu.lock):
#   k61-sysrq-again  Linux 6.1, sysrq-c again: the corpus dump's crash, another boot (KASLR differs)
#   k61-init-exit    Linux 6.1, the first kernel's /init exits: "Attempted to kill init!", another cause
# Each takes about as long as a corpus dump (about 1 minute of QEMU plus the copy; measured:
# see the README of testdata/tools). Idempotent: a complete dump is kept. Prints DIR on its last line.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
DIR=${1:-${VMCORE4J_SIGNATURE_DUMPS:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcore4j-signature-dumps}}
mkdir -p "$DIR"
# name            kernel  crash
SPECS="k61-sysrq-again 6.1 sysrq
k61-init-exit   6.1 init-exit"
while read -r name kernel crash; do
    d=$DIR/$name
    if [ -s "$d/vmcore" ] && [ -s "$d/elf_info.txt" ]; then
        echo "signature dumps: $name present"; continue
    fi
    rm -rf "$d"
    echo "signature dumps: building $name (Linux $kernel, crash $crash; log: $DIR/$name.log)"
    start=$(date +%s)
    ok=
    for try in 1 2; do   # an emulated boot can stall; one retry, as make-corpus.sh
        # no_timer_check: on a loaded host the emulated timer can miss the IO-APIC check at boot
        # ("IO-APIC + timer doesn't work!", a panic before kdump is armed)
        if CRASH=$crash FIRST_APPEND=no_timer_check flock /tmp/vmcore4j-qemu.lock "$HERE/make-vmcore.sh" \
                -k "$kernel" -m 1024 -c 2 -o "$d/vmcore" > "$DIR/$name.log" 2>&1; then ok=1; break; fi
        echo "signature dumps: $name attempt $try failed (log: $DIR/$name.log)" >&2; rm -rf "$d"
    done
    [ -n "$ok" ] || { tail -20 "$DIR/$name.log" >&2; exit 1; }
    echo "signature dumps: $name built in $(( $(date +%s) - start )) s ($(stat -c %s "$d/vmcore") bytes)"
done <<< "$SPECS"
echo "$DIR"
