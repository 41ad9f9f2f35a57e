#!/usr/bin/python3
"""What drgn (python3-drgn) sees in a dump with the kernel's debug vmlinux, as text to compare
between a dump file and the vmcore it was made from (AnalysisTools.drgn).

usage: drgn_summary.py VMLINUX DUMP
Prints the kernel release and version, the crashed thread and its stack trace, each online CPU's
current task with its stack trace and the first frame's registers, and the whole kernel log.
Anything drgn cannot do is printed as 'ERROR ...' where it happened, so a failure shows as a
difference.
"""
import sys

import drgn
from drgn import Program
from drgn.helpers.linux.cpumask import for_each_online_cpu
from drgn.helpers.linux.percpu import per_cpu
from drgn.helpers.linux.printk import get_dmesg


def guarded(label, fn):
    try:
        fn()
    except Exception as e:  # printed, so the caller sees where drgn failed
        print('ERROR', label, type(e).__name__, str(e).replace('\n', ' '))


def trace(t):
    print(t)
    regs = t[0].registers() if len(t) else {}
    print('frame0', ' '.join('%s=%x' % (k, v) for k, v in sorted(regs.items())))


vmlinux, dump = sys.argv[1], sys.argv[2]
prog = Program()
prog.set_core_dump(dump)
prog.load_debug_info([vmlinux])
uts = prog['init_uts_ns'].name
print('release', uts.release.string_().decode())
print('version', uts.version.string_().decode())
print('machine', uts.machine.string_().decode())


def crashed():
    t = prog.crashed_thread()
    print('crashed thread', t.tid)
    trace(t.stack_trace())


guarded('crashed thread', crashed)


def cpu(c):
    task = per_cpu(prog['runqueues'], c).curr
    print('cpu', c, 'pid', task.pid.value_(), 'comm', task.comm.string_().decode())
    trace(prog.stack_trace(task))


for c in for_each_online_cpu(prog):
    guarded('cpu %d' % c, lambda: cpu(c))


def dmesg():
    text = get_dmesg(prog).decode(errors='replace')
    print('dmesg', len(text.splitlines()), 'lines')
    print(text, end='' if text.endswith('\n') else '\n')


guarded('dmesg', dmesg)
