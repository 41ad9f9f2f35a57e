#!/bin/bash
# prepare-vmlinux.sh: the debug vmlinux of a corpus dump, made ready for the analysis tools the
# interoperability tests run (crash 8.0.2, drgn 0.0.22). Idempotent; cached beside the vmlinux.
# usage: prepare-vmlinux.sh DUMP_DIR
#   1. get-vmlinux.sh DUMP_DIR: the Debian -dbg package's vmlinux, downloaded once
#      ($LAB/dbg/KVER/vmlinux-KVER, LAB defaulting to ~/.cache/vmcore4j-lab)
#   2. a .gdb_index section added in place (gdb-add-index, from Debian's gdb): crash's embedded
#      gdb then starts in about 5 s instead of 15-20 s and bt/log take seconds, not tens of them.
#      Debug information and symbols are unchanged; crash's output is the same.
#   3. where the kernel's ORC format is the one drgn 0.0.22 does not know (kernels with an
#      .orc_header section, Linux 6.4 and later: drgn stops with "unknown ORC entry type 3"),
#      a copy without the ORC sections, vmlinux-KVER.no-orc, so drgn unwinds with the DWARF CFI
#      of .debug_frame instead.
# Prints the vmlinux path on its last line (the .no-orc copy, where made, is beside it).
set -euo pipefail
TOOLS=$(cd "$(dirname "$0")" && pwd)
[ $# = 1 ] || { sed -n 2,14p "$0"; exit 2; }
VMLINUX=$("$TOOLS/get-vmlinux.sh" "$1" | tail -1)
[ -s "$VMLINUX" ] || { echo "get-vmlinux.sh gave no vmlinux for $1" >&2; exit 1; }
sections() { readelf -SW "$1" 2>/dev/null | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\) .*/\1/p'; }
# crash runs on x86_64 dumps only (an aarch64 vmlinux is read by drgn, which needs no index)
ARCH=$(sed -n 's/.*arch=\([^ ]*\).*/\1/p' "$1/gen/params.txt")
if [ "${ARCH:-amd64}" = amd64 ] && ! sections "$VMLINUX" | grep -qx .gdb_index; then
    command -v gdb-add-index > /dev/null || { echo "gdb-add-index is missing (apt-get install gdb)" >&2; exit 1; }
    # gdb-add-index writes the index beside the file and objcopy's the section in; work on a
    # copy so an interrupted run never leaves a half-written vmlinux in the cache
    rm -f "$VMLINUX.part"
    cp "$VMLINUX" "$VMLINUX.part"
    gdb-add-index "$VMLINUX.part" > /dev/null 2>&1 || { rm -f "$VMLINUX.part"; echo "gdb-add-index failed on $VMLINUX" >&2; exit 1; }
    sections "$VMLINUX.part" | grep -qx .gdb_index || { rm -f "$VMLINUX.part"; echo "gdb-add-index added no .gdb_index to $VMLINUX" >&2; exit 1; }
    mv "$VMLINUX.part" "$VMLINUX"
    rm -f "$VMLINUX.no-orc"   # derived from the old file
fi
if sections "$VMLINUX" | grep -qx .orc_header && [ ! -s "$VMLINUX.no-orc" ]; then
    objcopy --remove-section .orc_unwind --remove-section .orc_unwind_ip --remove-section .orc_header \
        "$VMLINUX" "$VMLINUX.no-orc.part"
    mv "$VMLINUX.no-orc.part" "$VMLINUX.no-orc"
fi
echo "$VMLINUX"
