#!/bin/bash
# dracut module "vmcore4j": puts the vmcore4j collector into an initramfs, so that a kdump initramfs
# (kdump-utils' mkdumprd builds it with dracut) runs `core_collector vmcore4j -l --message-level 7 -d 31`
# from /etc/kdump.conf. It installs the capture image (capture/build-runtime.sh: a jlink runtime,
# the jar with this architecture's native libraries, the launcher) at /usr/lib/vmcore4j, with the
# shared libraries the runtime loads, and /usr/bin/vmcore4j, a link to the launcher.
#
# Install (capture/install.sh does it): the image at /usr/lib/vmcore4j, this folder as
# /usr/lib/dracut/modules.d/99vmcore4j. kdump-utils then needs, in /etc/kdump.conf:
#     core_collector vmcore4j -l --message-level 7 -d 31
#     dracut_args --add vmcore4j
# env: VMCORE4J_HOME  where the capture image is on the building machine (default /usr/lib/vmcore4j);
#                     inside the initramfs it is always /usr/lib/vmcore4j.

# only when asked for (dracut --add vmcore4j, add_dracutmodules+=" vmcore4j ", kdump.conf's dracut_args)
check() {
    local home=${VMCORE4J_HOME:-/usr/lib/vmcore4j}
    [[ -x $home/runtime/bin/java && -f $home/vmcore4j.jar && -x $home/vmcore4j ]] || return 1
    return 255
}

depends() {
    return 0
}

install() {
    local home=${VMCORE4J_HOME:-/usr/lib/vmcore4j}
    local dest=/usr/lib/vmcore4j f rel
    # every file of the image at the same place under $dest
    while IFS= read -r -d '' f; do
        rel=${f#"$home"/}
        case $rel in BUILD-INFO) continue ;; esac
        inst_simple "$f" "$dest/$rel" || { dfatal "vmcore4j: could not install $f"; return 1; }
    done < <(find "$home" -type f -print0)
    # the system libraries the runtime loads (glibc, libstdc++, zlib); its own, which it finds
    # through $ORIGIN, are already in place (inst's resolution would copy them to $home's path too)
    local lib
    for lib in $(find "$home/runtime" -type f \( -name '*.so' -o -path '*/bin/*' \) -exec ldd {} + 2> /dev/null \
            | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p' | sort -u); do
        [[ $lib == "$home"/* ]] || inst_library "$lib" || { dfatal "vmcore4j: could not install $lib"; return 1; }
    done
    # on Java 22 and later the collector encodes -l pages with liblzo2 itself (the foreign function
    # interface; the jar's Enable-Native-Access allows it), as makedumpfile does: kdump-utils'
    # initramfs carries it for makedumpfile anyway; without it the pure-Java encoder, same bytes, runs
    local feature
    feature=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/runtime/release" 2> /dev/null)
    if [[ ${feature:-0} -ge 22 ]]; then
        inst_libdir_file "liblzo2.so.2*" || dwarn "vmcore4j: no liblzo2.so.2 here: -l pages will be encoded in Java"
    fi
    ln_r "$dest/vmcore4j" /usr/bin/vmcore4j
    # the launcher is a POSIX sh script that follows its own link
    inst_multiple sh readlink dirname
    # the codecs other than LZO and zlib (-p snappy, -z zstd) unpack their native library into java.io.tmpdir
    inst_dir /tmp
}
