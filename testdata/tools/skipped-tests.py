#!/usr/bin/env python3
"""List the tests that Surefire and Failsafe reported as skipped.

usage: skipped-tests.py ROOT [NEWER_THAN_FILE]

Reads every ROOT/*/target/{surefire,failsafe}-reports/TEST-*.xml, and those of the projects that
maven-invoker-plugin builds under ROOT/*/target/its/*/ (examples-it: the examples), (only those modified after
NEWER_THAN_FILE when given, so reports left by an earlier run do not count) and prints one line per
skipped test: "module: Class#method: reason". Prints nothing when no test was skipped. Exit status
0 either way; 2 when a report cannot be parsed (a truncated report hides its skips).
test.sh uses it to fail a VMCORE4J_REQUIRE_CORPUS=1 run that skipped anything.
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = sys.argv[1]
    newer_than = os.path.getmtime(sys.argv[2]) if len(sys.argv) == 3 else None
    status = 0
    reports = sorted(report for module in ("*", os.path.join("*", "target", "its", "*"))
                     for kind in ("surefire-reports", "failsafe-reports")
                     for report in glob.glob(os.path.join(root, module, "target", kind, "TEST-*.xml")))
    for report in reports:
        if newer_than is not None and os.path.getmtime(report) < newer_than:
            continue
        module = os.path.relpath(report, root).split(os.sep)[0]
        try:
            suite = ET.parse(report).getroot()
        except ET.ParseError as e:
            print(f"{module}: {os.path.basename(report)}: unreadable report ({e})")
            status = 2
            continue
        for case in suite.iter("testcase"):
            skipped = case.find("skipped")
            if skipped is None:
                continue
            reason = (skipped.get("message") or (skipped.text or "").strip() or "no reason given")
            reason = " ".join(reason.split())
            cls = case.get("classname") or suite.get("name") or "?"
            print(f"{module}: {cls}#{case.get('name')}: {reason}")
    return status


if __name__ == "__main__":
    sys.exit(main())
