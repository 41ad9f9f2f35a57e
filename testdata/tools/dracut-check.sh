#!/bin/bash
# dracut-check.sh: builds kdump-style initramfs images with the distribution's dracut (Debian's
# dracut-core) and checks the vmcore4j dracut module (dracut/modules.d/99vmcore4j): an image made
# with it holds the runtime, the jar and the launcher, and the kdump.conf line
#     core_collector vmcore4j -l --message-level 7 -d 31
# resolves in it: its first word is found on the image's PATH and runs from the unpacked image
# alone (chroot: root, or a user namespace). A makedumpfile-only image is built the same way for
# the sizes. The host's dracut is not changed: a copy of /usr/lib/dracut with the module added is used.
# usage: dracut-check.sh [OUTDIR]   (default target/dracut-check; needs target/capture/vmcore4j,
#        which capture/build-runtime.sh builds)
# prints: "image makedumpfile_only BYTES UNPACKED_BYTES", "image with_vmcore4j BYTES UNPACKED_BYTES",
#         "collector resolves: ...", and "OK" last; exit 1 on the first check that fails.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
OUT=${1:-$ROOT/target/dracut-check}
CAPTURE=${VMCORE4J_CAPTURE:-$ROOT/target/capture/vmcore4j}
fail() { echo "FAILED: $*" >&2; exit 1; }
command -v dracut > /dev/null && command -v lsinitrd > /dev/null || fail "no dracut/lsinitrd (apt-get install dracut-core)"
[ -x "$CAPTURE/runtime/bin/java" ] || fail "no capture image at $CAPTURE (capture/build-runtime.sh)"
MDF=$(command -v makedumpfile || true)
[ -n "$MDF" ] || fail "no makedumpfile on the PATH (apt-get install makedumpfile)"
rm -rf "$OUT"; mkdir -p "$OUT"
cp -a /usr/lib/dracut "$OUT/dracut-base"
cp -a "$ROOT/dracut/modules.d/99vmcore4j" "$OUT/dracut-base/modules.d/"
COLLECTOR='vmcore4j -l --message-level 7 -d 31'
printf 'path /var/crash\ncore_collector %s\ndracut_args --add vmcore4j\n' "$COLLECTOR" > "$OUT/kdump.conf"
printf 'path /var/crash\ncore_collector makedumpfile -l --message-level 7 -d 31\n' > "$OUT/kdump-makedumpfile.conf"
build() { # IMAGE KDUMP_CONF [DRACUT_ARGS...]
    local img=$1 conf=$2; shift 2
    # the modules of a kdump image that matter here: a shell, the collector; no kernel modules,
    # no microcode (the kernel of this machine need not be installed); zstd at level 3 (dracut's
    # default level 15 took over a minute per image on a busy 2-core machine, for 5 % less)
    dracutbasedir=$OUT/dracut-base VMCORE4J_HOME=$CAPTURE dracut --quiet --force --no-hostonly --no-kernel \
        --no-early-microcode --modules "bash" --install "$MDF" --include "$conf" /etc/kdump.conf \
        --compress "zstd -q -3 -T0" --tmpdir "$OUT" "$@" "$img" > "$img.log" 2>&1 || { cat "$img.log" >&2; fail "dracut $img"; }
}
build "$OUT/makedumpfile-only.img" "$OUT/kdump-makedumpfile.conf"
build "$OUT/with-vmcore4j.img" "$OUT/kdump.conf" --add vmcore4j
lsinitrd "$OUT/with-vmcore4j.img" > "$OUT/with-vmcore4j.lsinitrd"
lsinitrd "$OUT/makedumpfile-only.img" > "$OUT/makedumpfile-only.lsinitrd"
for want in usr/lib/vmcore4j/runtime/bin/java usr/lib/vmcore4j/runtime/lib/server/libjvm.so usr/lib/vmcore4j/runtime/lib/modules \
        usr/lib/vmcore4j/vmcore4j.jar usr/lib/vmcore4j/vmcore4j 'usr/bin/vmcore4j -> ' etc/kdump.conf; do
    grep -qF -- " $want" "$OUT/with-vmcore4j.lsinitrd" || fail "lsinitrd: the image has no $want"
done
! grep -q 'usr/lib/vmcore4j' "$OUT/makedumpfile-only.lsinitrd" || fail "the makedumpfile-only image holds vmcore4j"
for img in makedumpfile-only with-vmcore4j; do
    mkdir -p "$OUT/$img.root"
    (cd "$OUT/$img.root" && lsinitrd --unpack "$OUT/$img.img" > /dev/null 2>&1) || fail "lsinitrd --unpack $img"
    echo "image ${img//-/_} $(stat -c %s "$OUT/$img.img") $(du -sb "$OUT/$img.root" | cut -f1)"
done
R=$OUT/with-vmcore4j.root
line=$(sed -n 's/^core_collector[[:space:]]\{1,\}//p' "$R/etc/kdump.conf")
[ "$line" = "$COLLECTOR" ] || fail "the image's kdump.conf says core_collector '$line'"
cmd=${line%% *}
found=
for d in /usr/sbin /usr/bin /sbin /bin; do [ -x "$R$d/$cmd" ] || [ -L "$R$d/$cmd" ] && { found=$d/$cmd; break; }; done
[ -n "$found" ] || fail "core_collector $cmd is not on the image's PATH"
# run it from the image alone: its own shell, runtime, jar and libraries, with /proc as in a booted
# initramfs (the dynamic loader finds the runtime's $ORIGIN libraries through /proc/self/exe),
# in a mount namespace of its own (root, or a user namespace)
mkdir -p "$R/proc"
in_image() { # COMMAND: run with the image's sh
    if [ "$(id -u)" = 0 ]; then ns=(unshare --mount); else ns=(unshare --map-root-user --mount); fi
    "${ns[@]}" /bin/sh -c 'mount --rbind /proc "$1/proc" && exec chroot "$1" /bin/sh -c "PATH=/usr/sbin:/usr/bin:/sbin:/bin; $2"' sh "$R" "$1"
}
out=$(in_image "$cmd -v" 2>&1) || fail "$cmd -v in the image: $out"
case $out in *"vmcore4j: version"*) ;; *) fail "$cmd -v in the image said: $out" ;; esac
out=$(in_image "cd /tmp && $line --check-params /proc/vmcore /var/crash/vmcore" 2>&1) \
    || fail "$line --check-params in the image: $out"
echo "collector resolves: $found -> $(readlink "$R$found"), runs with $(in_image "/usr/lib/vmcore4j/runtime/bin/java -version" 2>&1 | head -1)"
echo OK
