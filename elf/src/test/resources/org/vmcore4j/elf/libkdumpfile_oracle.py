#!/usr/bin/python3
"""Reference answers from python3-libkdumpfile (Debian 0.5.1) for vmcore4j's ELF reader tests.

Usage:
  libkdumpfile_oracle.py cpus VMCORE           -> "cpus N", then "cpu I pid P" and "cpu I reg NAME VALUE" lines
  libkdumpfile_oracle.py vmcoreinfo VMCORE     -> "raw HEX" and "line KEY<TAB>VALUE" lines
  libkdumpfile_oracle.py pages VMCORE PAGESIZE PFNFILE OUTFILE
        reads every PFN listed in PFNFILE (one decimal number a line) as a KPHYSADDR page and writes
        "PFN SHA256|NODATA|ERR:<type> FILEBIT MEMBIT" lines to OUTFILE, the bits coming from
        file.pagemap and memory.pagemap.
Values are decimal. Everything is printed in the order libkdumpfile reports it.
"""
import hashlib
import sys

import kdumpfile
from kdumpfile.exceptions import NoDataException


def open_dump(path):
    k = kdumpfile.kdumpfile(path)
    # physical reads go through addrxlat; without an OS type libkdumpfile has no translation system
    k.attr['addrxlat.ostype'] = 'linux'
    return k


def cpus(path):
    k = open_dump(path)
    cpu = k.attr['cpu']
    n = int(cpu['number'])
    print('cpus %d' % n)
    for i in range(n):
        c = cpu[str(i)]
        print('cpu %d pid %d' % (i, int(c['pid'])))
        reg = c['reg']
        for name in reg.keys():
            print('cpu %d reg %s %d' % (i, name, int(reg[name])))


def vmcoreinfo(path):
    k = open_dump(path)
    vi = k.attr['linux.vmcoreinfo']
    raw = vi['raw']
    if isinstance(raw, str):
        raw = raw.encode('latin-1')
    print('raw %s' % bytes(raw).hex())
    for key, value in flatten(vi['lines'], ''):
        print('line %s\t%s' % (key, value))


def flatten(directory, prefix):
    """libkdumpfile splits keys at dots: OFFSET(page.flags) is lines['OFFSET(page']['flags)']."""
    for key in directory.keys():
        value = directory[key]
        if hasattr(value, 'keys'):
            yield from flatten(value, prefix + key + '.')
        else:
            yield prefix + key, value


def bit(bmp, pfn):
    return bmp.get_bits(pfn, pfn)[0] & 1


def pages(path, page_size, pfn_file, out_file):
    k = open_dump(path)
    file_map = k.attr['file.pagemap']
    mem_map = k.attr['memory.pagemap']
    with open(pfn_file) as f, open(out_file, 'w') as out:
        for line in f:
            line = line.strip()
            if not line:
                continue
            pfn = int(line)
            try:
                data = k.read(kdumpfile.KDUMP_KPHYSADDR, pfn * page_size, page_size)
                result = hashlib.sha256(bytes(data)).hexdigest()
            except NoDataException:
                result = 'NODATA'
            except Exception as e:  # reported, and the Java side fails on it with the type named
                result = 'ERR:' + type(e).__name__
            out.write('%d %s %d %d\n' % (pfn, result, bit(file_map, pfn), bit(mem_map, pfn)))


def main(argv):
    cmd = argv[1]
    if cmd == 'cpus':
        cpus(argv[2])
    elif cmd == 'vmcoreinfo':
        vmcoreinfo(argv[2])
    elif cmd == 'pages':
        pages(argv[2], int(argv[3]), argv[4], argv[5])
    else:
        sys.exit('unknown command ' + cmd)


if __name__ == '__main__':
    main(sys.argv)
