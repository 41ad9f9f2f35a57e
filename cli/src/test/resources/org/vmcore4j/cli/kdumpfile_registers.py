#!/usr/bin/python3
"""Every CPU's pid and registers as libkdumpfile (python3-libkdumpfile) reads them, one
'cpu.N.pid P' and one 'cpu.N.reg.NAME 0xVALUE' line each, as the triage bundle's registers.txt.

usage: kdumpfile_registers.py DUMP
"""
import sys

import kdumpfile

a = kdumpfile.kdumpfile(sys.argv[1]).attr
for i in range(a['cpu.number']):
    print('cpu.%d.pid %d' % (i, a['cpu.%d.pid' % i]))
    regs = a['cpu.%d.reg' % i]
    for name in regs.keys():
        print('cpu.%d.reg.%s 0x%x' % (i, name, regs[name]))
