#!/bin/bash
# install.sh: installs the capture image (capture/build-runtime.sh) and the dracut module, as a
# package would: /usr/lib/vmcore4j/{vmcore4j,vmcore4j.jar,runtime/}, /usr/bin/vmcore4j -> the
# launcher, /usr/lib/dracut/modules.d/99vmcore4j. Root, or DESTDIR for a package build.
# usage: [DESTDIR=DIR] capture/install.sh [IMAGE]   (IMAGE default: target/capture/vmcore4j)
# Then, for kdump-utils (Fedora, RHEL, CentOS Stream), in /etc/kdump.conf:
#     core_collector vmcore4j -l --message-level 7 -d 31
#     dracut_args --add vmcore4j
# and `kdumpctl restart` (it rebuilds the kdump initramfs with dracut).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd -P)
IMAGE=${1:-$ROOT/target/capture/vmcore4j}
D=${DESTDIR:-}
[ -x "$IMAGE/runtime/bin/java" ] || { echo "install: no capture image at $IMAGE (capture/build-runtime.sh)" >&2; exit 2; }
rm -rf "$D/usr/lib/vmcore4j"
mkdir -p "$D/usr/lib" "$D/usr/bin" "$D/usr/lib/dracut/modules.d"
cp -a "$IMAGE" "$D/usr/lib/vmcore4j"
ln -sfn ../lib/vmcore4j/vmcore4j "$D/usr/bin/vmcore4j"
rm -rf "$D/usr/lib/dracut/modules.d/99vmcore4j"
cp -a "$ROOT/dracut/modules.d/99vmcore4j" "$D/usr/lib/dracut/modules.d/"
echo "installed under ${D:-/}: usr/lib/vmcore4j, usr/bin/vmcore4j, usr/lib/dracut/modules.d/99vmcore4j"
