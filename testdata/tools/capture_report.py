#!/usr/bin/env python3
"""capture_report.py: crash-capture.sh's report.json, from the crash kernel's CAPTURE-RESULT console
lines (init-capture.sh) and the dump files the host took out. A tool that did not run to the end
gets "exit" null (or its status) and a "reason": kexec-load-failed, initramfs-unpack-failed,
crash-kernel-boot-failed,
oom-kill, killed-by-signal-N, exit-N, timeout, crash-kernel-died, or init-capture.sh's own error
(no-proc-vmcore, no-dump-disk, squashfs-mount-failed), with the console's tail."""
import argparse, json, os, re, struct, sys

KDUMP_SIGNATURE = b"KDUMP   "
STATUS_OFFSET = 424          # disk_dump_header.status on 64-bit (FORMATS.md 1.2)
DUMP_DH_COMPRESSED_INCOMPLETE = 0x8


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split() if "=" in kv)


def header_complete(path):
    """True unless a kdump-compressed file says INCOMPLETE (or is too short for a header)."""
    with open(path, "rb") as f:
        head = f.read(STATUS_OFFSET + 4)
    if head[:8] != KDUMP_SIGNATURE:
        return True          # ELF (-E) or flattened (-F) output: the exit status alone says it
    if len(head) < STATUS_OFFSET + 4:
        return False
    (status,) = struct.unpack_from("<I", head, STATUS_OFFSET)
    return not status & DUMP_DH_COMPRESSED_INCOMPLETE


def main():
    p = argparse.ArgumentParser()
    for a in ("console", "crashkernel", "collector", "kernel", "outdir"):
        p.add_argument("--" + a, required=True)
    p.add_argument("--java-opts", default="")
    p.add_argument("--initramfs-layout", default="cpio")
    for a in ("qemu-rc", "qemu-seconds", "ram-mib", "initramfs-with-vmcore4j", "initramfs-makedumpfile-only",
              "initramfs-booted", "unpacked-with-vmcore4j", "unpacked-makedumpfile-only", "host-cpus",
              "host-other-cpu-seconds", "kheap-mib"):
        p.add_argument("--" + a, type=int, required=True)
    a = p.parse_args()
    lines = [l.rstrip("\r\n") for l in open(a.console, encoding="utf-8", errors="replace")]
    tail = "\n".join(lines[-40:])
    results = [l[len("CAPTURE-RESULT "):] for l in lines if l.startswith("CAPTURE-RESULT ")]
    kernel = next((fields(r) for r in results if r.startswith("kernel ")), None)
    timed_out = a.qemu_rc == 124
    # a panic of the crash kernel itself: any after the first kernel's sysrq-c
    panicked = any("Kernel panic - not syncing" in l for l in lines[next(
        (i for i, l in enumerate(lines) if "triggering crash" in l), 0) + 1:])

    def failure_reason():
        if any("FAILED: kexec -p" in l for l in lines):
            return "kexec-load-failed"
        # rootfs is a tmpfs limited to half the crash kernel's memory: a bigger initramfs stops
        # unpacking there ("write error") and the kernel runs /init with the files it got
        if any("Initramfs unpacking failed" in l for l in lines):
            return "initramfs-unpack-failed"
        # init-capture.sh's own "error reason=..." (no /proc/vmcore, no dump disk, squashfs not mounted)
        error = next((fields(r) for r in results if r.startswith("error ")), None)
        if error and "reason" in error:
            return error["reason"]
        if kernel is None:
            return "timeout" if timed_out and not panicked else "crash-kernel-boot-failed"
        return "timeout" if timed_out else "crash-kernel-died"

    def tool(name):
        done = next((fields(r) for r in results if r.startswith("tool=" + name + " ")), None)
        start = next((fields(r) for r in results if r.startswith("start tool=" + name)), None)
        out = {"exit": None, "seconds": None, "peak_rss_kib": None, "file": name + ".dump"}
        if start:
            out["mem_available_kib_at_start"] = int(start["mem_available_kib"])
        if done is None and any(r == "skipped tool=" + name for r in results) and "Initramfs unpacking failed" not in "\n".join(lines):
            out.update(reason="not-in-initramfs", complete=False)
            return out
        if done is None:
            out.update(reason=failure_reason(), complete=False, console_tail=tail)
            return out
        if "exit" not in done:   # timed itself did not run (e.g. "timed: not found" in a short image)
            out.update(reason=failure_reason() if failure_reason() != "crash-kernel-died" else "collector-did-not-start",
                       complete=False, console_tail=tail)
            return out
        out.update(exit=int(done["exit"]), seconds=float(done["seconds"]), peak_rss_kib=int(done["peak_rss_kib"]),
                   peak_anon_kib=int(done["peak_anon_kib"]), user_seconds=float(done["user_s"]),
                   sys_seconds=float(done["sys_s"]), bytes=int(done["bytes"]))
        path = os.path.join(a.outdir, out["file"])
        out["complete"] = out["exit"] == 0 and os.path.exists(path) and header_complete(path)
        if out["exit"] != 0:
            sig = int(done["signal"])
            out["reason"] = ("oom-kill" if done.get("oom") == "1" else
                             "killed-by-signal-%d" % sig if sig else "exit-%d" % out["exit"])
            out["console_tail"] = tail
        elif not out["complete"]:
            out["reason"] = "incomplete-dump"
        return out

    report = {
        "crashkernel": a.crashkernel,
        "cpus_in_crash_kernel": int(kernel["cpus"]) if kernel else None,
        "vmcore4j": tool("vmcore4j"),
        "makedumpfile": tool("makedumpfile"),
        "initramfs_bytes": {"with_vmcore4j": a.initramfs_with_vmcore4j,
                            "makedumpfile_only": a.initramfs_makedumpfile_only,
                            "booted_with_both": a.initramfs_booted,
                            "unpacked_with_vmcore4j": a.unpacked_with_vmcore4j,
                            "unpacked_makedumpfile_only": a.unpacked_makedumpfile_only},
        "collector": a.collector,
        "kernel": a.kernel,
        "ram_mib": a.ram_mib,
        "kernel_heap_mib": a.kheap_mib,
        "initramfs_layout": a.initramfs_layout,
        "vmcore4j_java_opts": a.java_opts or None,
        "crash_kernel_mem_total_kib": int(kernel["mem_total_kib"]) if kernel else None,
        "vmcore_bytes": next((int(fields(r)["bytes"]) for r in results if r.startswith("vmcore ")), None),
        "qemu_seconds": a.qemu_seconds,
        # under TCG the guest's clock runs on host CPU time: other load on the host stretches both
        # tools' seconds (not alike: it comes and goes), so a ratio is only sound from a quiet host
        "host_cpus": a.host_cpus,
        "host_other_cpu_seconds_during_run": a.host_other_cpu_seconds,
    }
    v, m = report["vmcore4j"], report["makedumpfile"]
    if v["seconds"] and m["seconds"]:
        report["time_ratio_vmcore4j_to_makedumpfile"] = round(v["seconds"] / m["seconds"], 2)
    if kernel is None or (v["exit"] is None and m["exit"] is None):
        report["exit"] = a.qemu_rc
        report["reason"] = failure_reason()
        report["console_tail"] = tail
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
