#!/usr/bin/python3
"""Reads a dump with libkdumpfile (python3-libkdumpfile) as its test tool dumpdata prints reads, so
that ReadConformanceCorpusTest compares `vmcore4j read` with it byte for byte (dumpdata itself is
not packaged by Debian).

usage: kdumpfile_read.py DUMP REQUESTS
REQUESTS: one read a line, 'ADDRESS LENGTH' as `vmcore4j read --addresses` takes them: numbers
in Python's int(x, 0) bases, ADDRESS physical (KDUMP_MACHPHYSADDR) unless prefixed 'KVADDR:'
(KDUMP_KVADDR).

stdout: every read in dumpdata's layout: each byte as two upper-case hex digits, '??' where the
  read failed, followed by a newline if the next address is a multiple of 16, else a space; a read
  that does not end on such an address is closed with a newline.
stderr: one line per run of failed bytes within a read, as dumpdata reports them:
  'ADDRESS EXCEPTION RAM MESSAGE' (ADDRESS in hex: the first byte that failed; EXCEPTION the
  Python class libkdumpfile's status maps to, e.g. NoDataException for KDUMP_ERR_NODATA; RAM, for
  a physical read, 'ram' or 'noram' as libkdumpfile's memory.pagemap has the page's bit, else '-').

One deviation from what libkdumpfile returns: where a physical read succeeds on a page that
libkdumpfile's own memory.pagemap has not as RAM, the bytes are printed as '??' and reported as
'ADDRESS NotRamZeroFill noram ...'. libkdumpfile 0.5.1's ELF reader zero-fills the page just below
each PT_LOAD (find_closest_file_load accepts a segment starting `dist` bytes, one page, above the
page, where only a nearer one overlaps it: `pls->phys - paddr > dist` should be `>=`), although no
segment holds any byte of it; vmcore4j, like that pagemap, says the page is not in the dump.

libkdumpfile reads page by page (kdump_read fetches each page through its cache and stops at the
first page that fails), so a failure holds for the rest of that page: dumpdata's byte-by-byte retry
after a failure would fail up to the page's end, and this script tries each page piece once.
"""
import sys

import kdumpfile

# Debian's libkdumpfile 0.5.1 crashes (SIGSEGV in its page cache's eviction, fixed by the cache rework
# upstream after 0.5.1) after some thousands of reads of a kdump file with excluded pages; a fresh
# context every REOPEN reads never gets there, and the bytes and errors do not depend on the cache.
REOPEN = 250


def open_dump(path):
    ctx = kdumpfile.kdumpfile(path)
    ctx.attr['addrxlat.ostype'] = 'linux'
    return ctx


dump, requests = sys.argv[1], sys.argv[2]
k = open_dump(dump)
page = int(k.attr['arch.page_size'])
HEX = ['%02X' % b for b in range(256)]
pagemap = k.attr['memory.pagemap']
reads = 0
out = []
err = sys.stderr


def sep(addr):
    return '\n' if addr % 16 == 0 else ' '


class NotRamZeroFill(Exception):
    pass


def ram(pfn):
    try:
        return 'ram' if pagemap.find_set(pfn) == pfn else 'noram'
    except kdumpfile.exceptions.KDumpBaseException:  # no set bit at or after pfn
        return 'noram'


for line in open(requests):
    reads += 1
    if reads % REOPEN == 0:
        k = open_dump(dump)
        pagemap = k.attr['memory.pagemap']
    a, n = line.split()
    virtual = a.upper().startswith('KVADDR:')
    space = kdumpfile.KDUMP_KVADDR if virtual else kdumpfile.KDUMP_MACHPHYSADDR
    addr, length = int(a.split(':')[-1], 0), int(n, 0)
    failing = False
    while length > 0:
        n = min(length, page - addr % page)
        try:
            data = k.read(space, addr, n)
            if not virtual and ram(addr // page) == 'noram':
                raise NotRamZeroFill('libkdumpfile read zeros from a page its memory.pagemap has not as RAM')
            for i, b in enumerate(data):
                out.append(HEX[b] + sep(addr + i + 1))
            failing = False
        except (kdumpfile.exceptions.KDumpBaseException, NotRamZeroFill) as e:
            if not failing:
                where = '-' if virtual else ram(addr // page)
                err.write('%x %s %s %s\n' % (addr, type(e).__name__, where, str(e).replace('\n', ' ')))
            for i in range(n):
                out.append('??' + sep(addr + i + 1))
            failing = True
        addr += n
        length -= n
    if addr % 16 != 0:
        out.append('\n')
    if len(out) > 65536:
        sys.stdout.write(''.join(out))
        out = []
sys.stdout.write(''.join(out))
