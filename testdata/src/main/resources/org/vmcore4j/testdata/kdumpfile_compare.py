#!/usr/bin/python3
"""Reads every page a dump file holds with libkdumpfile and compares it with the same page of the
vmcore it was made from, also read by libkdumpfile (AnalysisTools.comparePages).

usage: kdumpfile_compare.py VMCORE DUMP
output lines:
  format F                        libkdumpfile's file.format of DUMP
  max_pfn N M                     of DUMP, of VMCORE
  release R S                     linux.uts.release of DUMP, of VMCORE
  file HEX                        DUMP's file.pagemap bits 0..N-1, LSB first per byte
  error PFN COUNT WHICH TYPE TEXT a read of COUNT pages failed (WHICH: dump or vmcore)
  differs PFN                     the page's bytes differ
  compared PAGES bad BAD          the last line
"""
import sys

import kdumpfile

RUN = 256  # pages per read: contiguous pages are read together, in both files


def open_dump(path):
    k = kdumpfile.kdumpfile(path)
    k.attr['addrxlat.ostype'] = 'linux'
    return k


def attr(k, name):
    try:
        return str(k.attr[name]).replace(' ', '_')
    except Exception as e:  # reported, compared by the caller
        return '<' + type(e).__name__ + '>'


def read(k, which, pfn, count, page):
    try:
        return bytes(k.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * page, count * page))
    except Exception as e:
        print('error', pfn, count, which, type(e).__name__, str(e).replace('\n', ' '))
        return None


vmcore, dump = sys.argv[1], sys.argv[2]
ref = open_dump(vmcore)
out = open_dump(dump)
page = out.attr['arch.page_size']
max_pfn = out.attr['max_pfn']
print('format', attr(out, 'file.format'))
print('max_pfn', max_pfn, attr(ref, 'max_pfn'))
print('release', attr(out, 'linux.uts.release'), attr(ref, 'linux.uts.release'))
bits = bytes(out.attr['file.pagemap'].get_bits(0, max_pfn - 1))
print('file', bits.hex())
pages = bad = pfn = 0
while pfn < max_pfn:
    if not (bits[pfn >> 3] >> (pfn & 7)) & 1:
        pfn += 1
        continue
    end = pfn + 1
    while end < max_pfn and end - pfn < RUN and (bits[end >> 3] >> (end & 7)) & 1:
        end += 1
    a = read(out, 'dump', pfn, end - pfn, page)
    b = read(ref, 'vmcore', pfn, end - pfn, page) if a is not None else None
    if a is None or b is None:
        bad += 1
    elif a != b:
        for i in range(end - pfn):
            if a[i * page:(i + 1) * page] != b[i * page:(i + 1) * page]:
                print('differs', pfn + i)
                bad += 1
    pages += end - pfn
    pfn = end
print('compared', pages, 'bad', bad)
