#!/usr/bin/python3
"""What libkdumpfile reads from one dump: its attributes and every page of a PFN range
(AnalysisTools.libkdumpfileView).

usage: kdumpfile_view.py DUMP [PAGES]
output lines:
  open ok | open error TYPE TEXT      (nothing follows an error)
  attr NAME VALUE                     file.format, arch.name, max_pfn, linux.uts.release, xen.type,
                                      cpu.number (VALUE <TYPE> where libkdumpfile has none)
  reg CPU NAME VALUE                  every cpu.N.reg.NAME, in hex
  page PFN HEX                        the page's bytes, hex (PFN < PAGES only; PAGES defaults to 0)
  page PFN nodata                     libkdumpfile has no data for it (excluded, or not in the dump)
  page PFN error TYPE TEXT            the read failed otherwise
"""
import sys

import kdumpfile


def attr(k, name):
    try:
        return str(k.attr[name]).replace(' ', '_').replace('\n', ' ')
    except Exception as e:  # reported, compared by the caller
        return '<' + type(e).__name__ + '>'


path = sys.argv[1]
pages = int(sys.argv[2]) if len(sys.argv) > 2 else 0
try:
    k = kdumpfile.kdumpfile(path)
except Exception as e:
    print('open error', type(e).__name__, str(e).replace('\n', ' '))
    sys.exit(0)
print('open ok')
for name in ('file.format', 'arch.name', 'max_pfn', 'linux.uts.release', 'xen.type', 'cpu.number'):
    print('attr', name, attr(k, name))
try:
    ncpu = int(k.attr['cpu.number'])
except Exception:
    ncpu = 0
for c in range(ncpu):
    try:
        regs = k.attr['cpu.%d.reg' % c]
        for name in regs.keys():
            print('reg', c, name, '%x' % int(regs[name]))
    except Exception:
        pass
try:
    size = int(k.attr['arch.page_size'])
except Exception:
    size = 4096
for pfn in range(pages):
    try:
        data = bytes(k.read(kdumpfile.KDUMP_MACHPHYSADDR, pfn * size, size))
        print('page', pfn, data.hex())
    except kdumpfile.exceptions.NoDataException:
        print('page', pfn, 'nodata')
    except Exception as e:
        print('page', pfn, 'error', type(e).__name__, str(e).replace('\n', ' '))
