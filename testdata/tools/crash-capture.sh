#!/bin/bash
# crash-capture.sh: run vmcore4j and makedumpfile 1.7.9 as kdump's core collector, side by side, inside
# a real crash kernel booted as the distributions boot it, and report time, peak RSS and exit status.
#
# usage: crash-capture.sh [-k KERNEL] [-m RAM_MIB] [-c CPUS] [--crashkernel SIZE] [--collector 'ARGS']
#                         [--kexec-load] [--no-vmcore-copy] [--only vmcore4j|makedumpfile]
#                         [--kheap MIB] [--java-opts 'OPTS'] [--squash] OUTDIR
#   -k KERNEL      6.1 | 6.12 (Debian 12 amd64 kernel packages, as make-vmcore.sh; default 6.12)
#   -m RAM_MIB     guest RAM (default 1024)        -c CPUS   vCPUs of the crashing kernel (default 2)
#   --crashkernel  the reservation on the first kernel's command line (default 256M)
#   --collector    the collector arguments both tools get (default '-l --message-level 7 -d 31')
#   --kexec-load   load the crash kernel with kexec_load (Debian's kdump-tools) instead of
#                  kexec_file_load (kexec -s, kdump-utils' KEXEC_ARGS on x86_64)
#   --no-vmcore-copy  do not also copy /proc/vmcore itself out (faster; OUTDIR/vmcore is then missing)
#   --only TOOL    boot a crash initramfs holding only that collector (to find the smallest
#                  crashkernel= each needs without the other's files taking memory)
#   --kheap MIB    the first kernel also holds MIB of kernel memory every dump level keeps (filled
#                  pipe buffers, inodes and dentries: memhog kheap), as on a production server
#   --java-opts O  VMCORE4J_JAVA_OPTS for vmcore4j in the crash kernel (default: the launcher's own)
#   --squash       keep /usr of the crash initramfs (the collectors, the Java runtime) in a squashfs
#                  image (zstd) that the crash kernel mounts through a loop device, as kdump-utils
#                  builds its image (mkdumprd adds dracut's squash module): the files then cost
#                  their compressed size in the reservation, and the page cache what is read of them
# env: TIMEOUT=seconds for the QEMU run (default 300 + RAM_MIB * 300 / 1024)   LAB (as make-vmcore.sh)
#      VMCORE4J_MAKEDUMPFILE (default: ~/.cache/vmcore4j-ref/makedumpfile-1.7.9/makedumpfile, else
#      build-makedumpfile.sh)   VMCORE4J_CAPTURE (the capture image; default target/capture/vmcore4j,
#      built by capture/build-runtime.sh when missing)
#
# The first kernel is the corpus builder's (init-first.sh: arms kdump, builds the memory mix,
# sysrq-c). The crash kernel boots with kdump-utils' x86_64 command line (nr_cpus=1 ...), and its
# initramfs (init-capture.sh) holds busybox, the capture image (runtime, slim jar, launcher at
# /usr/lib/vmcore4j, /usr/bin/vmcore4j), makedumpfile 1.7.9 with its libraries, and `timed`. It runs
# `vmcore4j ARGS /proc/vmcore vmcore4j.dump`, then `makedumpfile ARGS /proc/vmcore makedumpfile.dump`
# on an ext4 dump disk, then copies /proc/vmcore raw. The host writes OUTDIR/report.json and takes
# out OUTDIR/vmcore4j.dump, OUTDIR/makedumpfile.dump, OUTDIR/vmcore (and the logs, console.log).
# A crash kernel that does not load, does not boot, is killed for memory or hangs (TIMEOUT) is
# reported in report.json with exit, reason and the console's tail. Exit status: 0 when both tools
# (or the --only one) wrote a complete dump, 1 otherwise, 2 on bad usage or a missing prerequisite.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
LAB=${LAB:-${XDG_CACHE_HOME:-$HOME/.cache}/vmcore4j-lab}
KERNEL=6.12 RAM=1024 CPUS=2 CRASHKERNEL=256M COLLECTOR='-l --message-level 7 -d 31' KEXEC_FLAGS=-s COPY=1 ONLY= KHEAP=0 JAVA_OPTS= SQUASH= OUT=
usage() { sed -n 5,26p "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
        -k) KERNEL=$2; shift 2 ;; -m) RAM=$2; shift 2 ;; -c) CPUS=$2; shift 2 ;;
        --crashkernel) CRASHKERNEL=$2; shift 2 ;; --collector) COLLECTOR=$2; shift 2 ;;
        --kheap) KHEAP=$2; shift 2 ;; --java-opts) JAVA_OPTS=$2; shift 2 ;; --squash) SQUASH=1; shift ;;
        --kexec-load) KEXEC_FLAGS=; shift ;; --no-vmcore-copy) COPY=; shift ;;
        --only) ONLY=$2; shift 2; [ "$ONLY" = vmcore4j ] || [ "$ONLY" = makedumpfile ] || usage ;;
        -h|--help) usage ;; -*) usage ;;
        *) [ -z "$OUT" ] || usage; OUT=$1; shift ;;
    esac
done
[ -n "$OUT" ] || usage
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd -P)
# kdump-utils' KDUMP_COMMANDLINE_APPEND for x86_64 (gen-kdump-sysconfig.sh), plus the serial console
CRASH_APPEND="console=ttyS0 irqpoll nr_cpus=1 reset_devices cgroup_disable=memory mce=off numa=off udev.children-max=2 panic=10 acpi_no_memhotplug transparent_hugepage=never nokaslr hest_disable cma=0 pcie_ports=compat"
ts() { date '+%F %T'; }
say() { echo "[$(ts)] $*" >&2; }

# ---------- prerequisites ----------
CAPTURE=${VMCORE4J_CAPTURE:-$ROOT/target/capture/vmcore4j}
[ -x "$CAPTURE/runtime/bin/java" ] || { say "building the capture image"; "$ROOT/capture/build-runtime.sh" "$CAPTURE" > /dev/null; }
MDF=${VMCORE4J_MAKEDUMPFILE:-$HOME/.cache/vmcore4j-ref/makedumpfile-1.7.9/makedumpfile}
[ -x "$MDF" ] || MDF=$("$HERE/build-makedumpfile.sh" | tail -1)
case $("$MDF" -v 2>&1) in *1.7.9*) ;; *) say "$MDF is not makedumpfile 1.7.9"; exit 2 ;; esac
for t in qemu-system-x86_64 cpio gzip mkfs.ext4 debugfs gcc python3 kexec /usr/bin/time ${SQUASH:+mksquashfs}; do
    command -v $t > /dev/null || [ -x /usr/sbin/$t ] || { say "missing $t (testdata/tools/install-deps.sh)"; exit 2; }
done
case $KERNEL in
    6.1) re='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
    6.12) re='^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
    *) say "unknown kernel $KERNEL (6.1, 6.12)"; exit 2 ;;
esac
PKG=${PKG:-$(apt-cache search --names-only "$re" | cut -d' ' -f1 | sort -V | tail -1)}
[ -n "$PKG" ] || { say "no Debian package for kernel $KERNEL (apt-get update?)"; exit 2; }
KVER=${PKG#linux-image-}
WORK=$LAB/build/capture-$(basename "$OUT")
mkdir -p "$WORK" "$LAB/debs" "$LAB/k"
KROOT=$LAB/k/$KVER
if [ ! -e "$KROOT/boot/vmlinuz-$KVER" ]; then
    deb=$(ls "$LAB"/debs/"${PKG}"_*.deb 2>/dev/null | head -1 || true)
    [ -n "$deb" ] || { (cd "$LAB/debs" && apt-get download "$PKG") >&2; deb=$(ls "$LAB"/debs/"${PKG}"_*.deb | head -1); }
    mkdir -p "$KROOT" && dpkg-deb -x "$deb" "$KROOT"
fi
[ -e "$KROOT/lib/modules/$KVER/modules.dep" ] || /usr/sbin/depmod -b "$KROOT" "$KVER"
VMLINUZ=$KROOT/boot/vmlinuz-$KVER
MODDIR=$KROOT/lib/modules/$KVER

# ---------- initramfs images ----------
copy_modules() { # DESTROOT NAME...: the modules and their dependencies, in load order
    local dest=$1; shift
    mkdir -p "$dest/lib/modules" "$dest/etc"; : > "$dest/etc/modules.load"
    for m in $(python3 "$HERE/resolve_modules.py" "$MODDIR" "$@" 2>/dev/null); do
        local b; b=$(basename "$m"); b=${b%%.ko*}.ko
        case $m in
            *.ko.xz) xz -dc "$MODDIR/$m" > "$dest/lib/modules/$b" ;;
            *.ko.zst) zstd -qdc "$MODDIR/$m" > "$dest/lib/modules/$b" ;;
            *) cp "$MODDIR/$m" "$dest/lib/modules/$b" ;;
        esac
        echo "$b" >> "$dest/etc/modules.load"
    done
}
copy_libs() { # DESTROOT ELF...: the shared libraries they load (ldd's closure), at their paths
    local dest=$1; shift
    for lib in $(ldd "$@" 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*' | sort -u); do
        case $lib in "$CAPTURE"/*) continue ;; esac
        mkdir -p "$dest$(dirname "$lib")"; cp -L "$lib" "$dest$lib"
    done
}
mkcpio() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | gzip -6 > "$2"; }
crash_root() { # DIR WITH_VMCORE4J WITH_MAKEDUMPFILE
    local r=$1
    rm -rf "$r"; mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,usr/lib,proc,sys,dev,tmp,etc,root,lib64}
    cp /bin/busybox "$r/bin/busybox"
    install -m 755 "$HERE/init-capture.sh" "$r/init"
    install -m 755 "$WORK/timed" "$r/usr/bin/timed"
    copy_modules "$r" virtio_pci virtio_blk crc32c_generic ext4 ${SQUASH:+loop squashfs}
    printf 'COLLECTOR_ARGS="%s"\nTOOLS="%s"\n' "$COLLECTOR" "$([ "$2" = 1 ] && echo vmcore4j) $([ "$3" = 1 ] && echo makedumpfile)" > "$r/etc/capture.conf"
    [ -z "$JAVA_OPTS" ] || printf 'export VMCORE4J_JAVA_OPTS="%s"\n' "$JAVA_OPTS" >> "$r/etc/capture.conf"
    if [ "$2" = 1 ]; then   # as a package installs it: /usr/lib/vmcore4j, the launcher on the PATH
        cp -a "$CAPTURE" "$r/usr/lib/vmcore4j"
        rm -f "$r/usr/lib/vmcore4j/BUILD-INFO"
        ln -s ../lib/vmcore4j/vmcore4j "$r/usr/bin/vmcore4j"
        copy_libs "$r" $(find "$CAPTURE/runtime" -type f \( -name '*.so' -o -path '*/bin/*' \))
    fi
    if [ "$3" = 1 ]; then
        install -m 755 "$MDF" "$r/usr/bin/makedumpfile"
        copy_libs "$r" "$MDF"
    fi
    if [ -n "$SQUASH" ]; then   # dracut's squash module packs the image's tree the same way (zstd)
        mksquashfs "$r/usr" "$r/squash-usr.img" -comp zstd -noappend -quiet -no-progress > /dev/null
        rm -rf "$r/usr"; mkdir "$r/usr"
    fi
}
gcc -static -O2 -Wall -o "$WORK/timed" "$HERE/timed.c"
gcc -static -O2 -Wall -o "$WORK/memhog" "$HERE/memhog.c"
crash_root "$WORK/crash-root" $([ "$ONLY" = makedumpfile ] && echo 0 || echo 1) $([ "$ONLY" = vmcore4j ] && echo 0 || echo 1)
mkcpio "$WORK/crash-root" "$WORK/crash-initrd.img"
crash_root "$WORK/size-root" 1 0; mkcpio "$WORK/size-root" "$WORK/vmcore4j-only.img"
UNPACKED_V=$(du -sb "$WORK/size-root" | cut -f1)
crash_root "$WORK/size-root" 0 1; mkcpio "$WORK/size-root" "$WORK/makedumpfile-only.img"
UNPACKED_M=$(du -sb "$WORK/size-root" | cut -f1)
rm -rf "$WORK/size-root"

FR=$WORK/first-root
rm -rf "$FR"; mkdir -p "$FR"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,root,boot,lib64}
cp /bin/busybox "$FR/bin/busybox"
install -m 755 "$HERE/init-first.sh" "$FR/init"
copy_modules "$FR" virtio_pci virtio_blk crc32c_generic ext4
install -m 755 "$WORK/memhog" "$FR/bin/memhog"
KEXEC=$(command -v kexec || echo /usr/sbin/kexec)
install -D -m 755 "$KEXEC" "$FR/usr/sbin/kexec"
copy_libs "$FR" "$KEXEC"
cp "$VMLINUZ" "$FR/boot/vmlinuz"
cp "$WORK/crash-initrd.img" "$FR/boot/crash-initrd.img"
R=$RAM
cat > "$FR/etc/lab.conf" <<CONF
HOLD_MIB=$((R / 4))
BURN_MIB=$((R * 3 / 10))
PCW_MIB=$((R / 32))
PCDEL_MIB=$((R / 32))
TMPFS_MIB=$((R / 64))
PCDIRTY_MIB=$((R / 64))
HUGETLB_PAGES=8
KHEAP_MIB=$KHEAP
KEXEC_FLAGS="$KEXEC_FLAGS"
CRASH_APPEND="$CRASH_APPEND"
CONF
mkcpio "$FR" "$WORK/first-initrd.img"
say "initramfs of the crash kernel: $(stat -c %s "$WORK/crash-initrd.img") B (vmcore4j only $(stat -c %s "$WORK/vmcore4j-only.img") B, $UNPACKED_V B unpacked; makedumpfile only $(stat -c %s "$WORK/makedumpfile-only.img") B, $UNPACKED_M B unpacked)"

# ---------- disks: the first kernel's data (as make-vmcore.sh), the dump disk, the raw copy ----------
PRE_MIB=$((R / 16))
rm -rf "$WORK/pre-src"; mkdir -p "$WORK/pre-src/pre"
head -c $((PRE_MIB / 2 * 1048576)) /dev/urandom > "$WORK/pre-src/pre/random.bin"
cp "$KROOT"/boot/config-* "$MODDIR"/modules.* "$WORK/pre-src/pre/" 2>/dev/null || true
while [ "$(du -sm "$WORK/pre-src/pre" | cut -f1)" -lt "$PRE_MIB" ]; do
    cat "$KROOT"/boot/config-* "$MODDIR/modules.alias" "$MODDIR/modules.dep" >> "$WORK/pre-src/pre/text.txt"
done
rm -f "$WORK"/*.disk
truncate -s $(( (R / 4 + 128) * 1048576 )) "$WORK/data.disk"
mkfs.ext4 -q -F -L labdata -d "$WORK/pre-src" "$WORK/data.disk"
truncate -s $(( (2 * R + 256) * 1048576 )) "$WORK/dump.disk"   # room for two -d 0 dumps
mkfs.ext4 -q -F -L labdump "$WORK/dump.disk"
truncate -s $((128 * 1048576)) "$WORK/meta.disk"
DISKS=(-drive "file=$WORK/data.disk,if=none,id=d0,format=raw" -device virtio-blk-pci,drive=d0,serial=labdata
       -drive "file=$WORK/meta.disk,if=none,id=d1,format=raw" -device virtio-blk-pci,drive=d1,serial=labmeta
       -drive "file=$WORK/dump.disk,if=none,id=d2,format=raw" -device virtio-blk-pci,drive=d2,serial=labdump)
if [ -n "$COPY" ]; then
    truncate -s $(( (R + 256) * 1048576 )) "$WORK/vmcore.disk"
    DISKS+=(-drive "file=$WORK/vmcore.disk,if=none,id=d3,format=raw" -device virtio-blk-pci,drive=d3,serial=labvmcore)
fi

# ---------- run ----------
# erms=off under TCG: with ERMS, glibc's memset and memcpy use rep stosb/movsb above 2 KiB, which TCG
# runs a byte at a time (memset of 128 KiB: 85 us against 3.3 us without it, qemu-x86_64 7.2 -cpu max).
# liblzo2 clears its 32 KiB dictionary with memset for every page, so with ERMS both makedumpfile -l
# and vmcore4j's liblzo2 path paid about 20 us per page that hardware does not (0.3 us there), and the
# two tools' ratio in the crash kernel said more about TCG than about them (benchmarks/PERFORMANCE.md,
# session 8).
if [ -w /dev/kvm ]; then QACCEL=(-accel kvm -cpu host); else QACCEL=(-accel tcg,thread=multi -cpu max,la57=off,erms=off); fi
TIMEOUT=${TIMEOUT:-$((300 + R * 300 / 1024))}
QEMU=(qemu-system-x86_64 "${QACCEL[@]}" -m "$R" -smp "$CPUS" -display none -monitor none -no-reboot
      -serial "file:$OUT/console.log" -kernel "$VMLINUZ" -initrd "$WORK/first-initrd.img"
      -append "console=ttyS0 crashkernel=$CRASHKERNEL panic=10 loglevel=7" "${DISKS[@]}")
printf '%q ' "${QEMU[@]}" > "$OUT/qemu-cmd.txt"
rm -f "$OUT"/vmcore4j.dump "$OUT"/makedumpfile.dump "$OUT"/vmcore "$OUT"/report.json
say "QEMU: ${RAM} MiB (kernel heap ${KHEAP} MiB), crashkernel=$CRASHKERNEL, collector '$COLLECTOR' (timeout ${TIMEOUT}s; console -> $OUT/console.log)"
# TCG runs the guest on host CPU time: what else the host runs meanwhile stretches the guest's own
# clock, so the report says how busy the host was (CPU seconds of everything but this QEMU)
busy_jiffies() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
J1=$(busy_jiffies); T1=$(date +%s)
set +e; /usr/bin/time -o "$WORK/qemu.cpu" -f '%U %S' timeout "$TIMEOUT" "${QEMU[@]}" > "$OUT/qemu.stderr" 2>&1; QRC=$?; set -e
QEMU_S=$(( $(date +%s) - T1 )); J2=$(busy_jiffies)
QEMU_CPU=$(awk '{print $1 + $2}' "$WORK/qemu.cpu" 2>/dev/null || echo 0)
OTHER_CPU=$(awk -v j=$((J2 - J1)) -v hz="$(getconf CLK_TCK)" -v q="$QEMU_CPU" 'BEGIN {o = j / hz - q; printf "%.0f", o < 0 ? 0 : o}')
say "QEMU exited rc=$QRC after ${QEMU_S} s (QEMU used ${QEMU_CPU} s of CPU, everything else on the host ${OTHER_CPU} s, $(nproc) CPUs)"

# ---------- results ----------
for f in vmcore4j.dump makedumpfile.dump vmcore4j.log makedumpfile.log vmcore4j.dmesg makedumpfile.dmesg crash-meminfo.txt; do
    debugfs -R "dump -p /$f $OUT/$f" "$WORK/dump.disk" > /dev/null 2>&1 || true
    [ -s "$OUT/$f" ] || rm -f "$OUT/$f"
done
VMCORE_BYTES=$(sed -n 's/^CAPTURE-RESULT vmcore bytes=\([0-9]*\).*/\1/p' "$OUT/console.log" | tr -d '\r' | tail -1)
if [ -n "$COPY" ] && [ -n "$VMCORE_BYTES" ] && grep -q '^CAPTURE-RESULT copy exit=0' "$OUT/console.log"; then
    truncate -s "$VMCORE_BYTES" "$WORK/vmcore.disk"; mv "$WORK/vmcore.disk" "$OUT/vmcore"
fi
rm -f "$WORK"/*.disk
python3 "$HERE/capture_report.py" --console "$OUT/console.log" --qemu-rc "$QRC" --qemu-seconds "$QEMU_S" \
    --crashkernel "$CRASHKERNEL" --collector "$COLLECTOR" --kernel "$KVER" --ram-mib "$RAM" \
    --kheap-mib "$KHEAP" --java-opts "$JAVA_OPTS" --initramfs-layout "$([ -n "$SQUASH" ] && echo squashfs || echo cpio)" \
    --initramfs-with-vmcore4j "$(stat -c %s "$WORK/vmcore4j-only.img")" \
    --initramfs-makedumpfile-only "$(stat -c %s "$WORK/makedumpfile-only.img")" \
    --initramfs-booted "$(stat -c %s "$WORK/crash-initrd.img")" \
    --unpacked-with-vmcore4j "$UNPACKED_V" --unpacked-makedumpfile-only "$UNPACKED_M" \
    --host-cpus "$(nproc)" --host-other-cpu-seconds "$OTHER_CPU" --outdir "$OUT" > "$OUT/report.json"
cat "$OUT/report.json"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); t=[x for x in ("vmcore4j","makedumpfile") if r[x].get("reason")!="not-in-initramfs"]; sys.exit(0 if all(r[x].get("complete") for x in t) else 1)' "$OUT/report.json"
