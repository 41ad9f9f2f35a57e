#!/usr/bin/python3
"""Which CPU drgn (python3-drgn) names as crashed: the CPU whose current task is
prog.crashed_thread(), and the kernel's panic_cpu (the CPU that entered panic()).

usage: drgn_crashed_cpu.py VMLINUX DUMP
"""
import sys
from drgn import Program
from drgn.helpers.linux.cpumask import for_each_online_cpu
from drgn.helpers.linux.percpu import per_cpu
prog = Program()
prog.set_core_dump(sys.argv[2])
prog.load_debug_info([sys.argv[1]])
t = prog.crashed_thread()
print('crashed thread', t.tid)
cpus = [c for c in for_each_online_cpu(prog) if per_cpu(prog['runqueues'], c).curr.pid.value_() == t.tid]
print('crashed cpu', ' '.join(map(str, cpus)))
print('panic_cpu', prog['panic_cpu'].counter.value_())
