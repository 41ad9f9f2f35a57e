#!/bin/busybox sh
# /init of the CRASH (kdump) kernel that crash-capture.sh boots: as kdump does, it runs the core
# collectors from /proc/vmcore onto a dump disk, each under `timed` (wall time, peak RSS, exit
# status): first `vmcore4j ARGS`, then `makedumpfile ARGS` (ARGS from /etc/capture.conf), then,
# when a raw disk for it is attached, copies /proc/vmcore itself byte for byte (the tests compare
# the filtered files with it). Every result goes to the console as one "CAPTURE-RESULT" line,
# which the host parses (so a crash kernel that dies midway still leaves what it did), and the
# files to the ext4 disk with serial "labdump". Then it powers off.
/bin/busybox --install -s /bin
export PATH=/usr/bin:/bin:/sbin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /tmp /mnt/dump
. /etc/capture.conf
log() { echo "[capture $(cut -d' ' -f1 /proc/uptime)] $*"; }
result() { echo "CAPTURE-RESULT $*"; }
meminfo() { grep -E "^$1:" /proc/meminfo | tr -s ' ' | cut -d' ' -f2; }

result kernel cpus=$(nproc) mem_total_kib=$(meminfo MemTotal) mem_free_kib=$(meminfo MemFree)
log "crash kernel $(uname -r) up; cpus=$(nproc); cmdline: $(cat /proc/cmdline)"
for m in $(cat /etc/modules.load); do
    insmod "/lib/modules/$m" || log "insmod $m failed"
done
disk() {
    for b in /sys/block/vd*; do
        [ "$(cat "$b/serial" 2>/dev/null)" = "$1" ] && { echo "/dev/${b##*/}"; return; }
    done
}
# a --squash image keeps /usr (collectors, runtime) compressed in a squashfs image, as kdump-utils'
if [ -f /squash-usr.img ]; then
    mount -t squashfs -o loop,ro /squash-usr.img /usr || { result error reason=squashfs-mount-failed; poweroff -f; }
    log "/usr: squashfs image of $(stat -c %s /squash-usr.img) bytes mounted (MemFree $(meminfo MemFree) kB)"
fi
i=0; while [ -z "$(disk labdump)" ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i+1)); done
DUMP=$(disk labdump); RAW=$(disk labvmcore)
[ -e /proc/vmcore ] || { result error reason=no-proc-vmcore; poweroff -f; }
[ -n "$DUMP" ] && mount -t ext4 "$DUMP" /mnt/dump || { result error reason=no-dump-disk; poweroff -f; }
result vmcore bytes=$(stat -c %s /proc/vmcore)
rm -f /mnt/dump/*.dump /mnt/dump/*.log /mnt/dump/*.dmesg

# one collector: TOOL ARGS... /proc/vmcore FILE, with the page cache emptied first so each
# starts with the same free memory
collect() {
    name=$1 file=$2; shift 2
    sync; echo 3 > /proc/sys/vm/drop_caches
    log "$name: $* /proc/vmcore /mnt/dump/$file (MemFree $(meminfo MemFree) kB)"
    result start tool=$name mem_free_kib=$(meminfo MemFree) mem_available_kib=$(meminfo MemAvailable)
    timed -o /tmp/$name.timed "$@" /proc/vmcore "/mnt/dump/$file" > /mnt/dump/$name.log 2>&1
    sync
    tail -5 /mnt/dump/$name.log
    # the kernel names the task it kills for memory: java for vmcore4j (the launcher execs it)
    oom=0; dmesg | grep -q 'Out of memory: Killed process' && oom=1
    result tool=$name file=$file bytes=$(stat -c %s "/mnt/dump/$file" 2>/dev/null || echo 0) oom=$oom $(cat /tmp/$name.timed)
    dmesg -c > /mnt/dump/$name.dmesg
}
# an initramfs built with crash-capture.sh --only holds one of them (TOOLS); one that should be
# here and is not means the kernel could not unpack the whole initramfs
for tool in vmcore4j makedumpfile; do
    case " $TOOLS " in
        *" $tool "*) if command -v $tool > /dev/null; then collect $tool $tool.dump $tool $COLLECTOR_ARGS
                     else result missing tool=$tool; fi ;;
        *) result skipped tool=$tool ;;
    esac
done
if [ -n "$RAW" ]; then
    log "copying /proc/vmcore to $RAW"
    t0=$(cut -d' ' -f1 /proc/uptime)
    dd if=/proc/vmcore of="$RAW" bs=1M conv=fsync 2>/tmp/dd.log
    result copy exit=$? seconds_from=$t0 seconds_to=$(cut -d' ' -f1 /proc/uptime)
fi
cat /proc/meminfo > /mnt/dump/crash-meminfo.txt
umount /mnt/dump
sync
result done
poweroff -f
