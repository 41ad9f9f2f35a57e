#!/usr/bin/python3
"""Prints what libkdumpfile sees in a dump, for KdumpLibkdumpfileTest.

usage: kdumpfile_probe.py DUMP PFNFILE
output: 'max_pfn N', 'file HEX' (file.pagemap bits 0..N-1, LSB first per byte),
'memory HEX' (memory.pagemap), then per PFN of PFNFILE: 'PFN ok SHA1' | 'PFN nodata' | 'PFN error TEXT'.
"""
import hashlib
import sys

import kdumpfile

dump, pfnfile = sys.argv[1], sys.argv[2]
k = kdumpfile.kdumpfile(dump)
k.attr['addrxlat.ostype'] = 'linux'
page = k.attr['arch.page_size']
max_pfn = k.attr['max_pfn']
print('max_pfn', max_pfn)
for name in ('file', 'memory'):
    bits = k.attr[name + '.pagemap'].get_bits(0, max_pfn - 1)
    print(name, bytes(bits).hex())
with open(pfnfile) as f:
    for line in f:
        pfn = int(line)
        try:
            data = k.read(kdumpfile.KDUMP_KPHYSADDR, pfn * page, page)
            print(pfn, 'ok', hashlib.sha1(bytes(data)).hexdigest())
        except kdumpfile.exceptions.NoDataException:
            print(pfn, 'nodata')
        except Exception as e:  # reported, compared as a failure by the test
            print(pfn, 'error', type(e).__name__, str(e).replace('\n', ' '))
