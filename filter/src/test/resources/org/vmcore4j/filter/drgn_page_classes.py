#!/usr/bin/python3
"""The class of each given page frame as drgn (python3-drgn) sees it with the kernel's debug
vmlinux: struct page layouts, page flag numbers and page types from DWARF, none from VMCOREINFO
(Aarch64PageClassDrgnTest compares them with the filter's, which knows only VMCOREINFO).

usage: drgn_page_classes.py VMLINUX DUMP < PFNS     (one decimal PFN a line)
prints one line per PFN: PFN CLASS, CLASS one of
  free           inside a free buddy block (the block's first page has the buddy page type and
                 its order, in page.private, reaches this PFN)
  anon           the (compound head) page is anonymous (mapping & 1) or a hugetlb folio
  cache          on the LRU or in the swap cache, not anonymous, without PG_private
  cache_private  the same with PG_private
  slab           the slab page type
  kernel         anything else
  error TEXT     drgn could not read the page
Linux 6.12 keeps a page's type in the top byte of page.page_type (PGTY_* values of enum pagetype).
"""
import sys

from drgn import Program
from drgn.helpers.linux.mm import compound_head, pfn_to_page

vmlinux, dump = sys.argv[1], sys.argv[2]
prog = Program()
prog.set_core_dump(dump)
prog.load_debug_info([vmlinux])


def flag(name):
    return 1 << prog[name].value_()


LRU, PRIVATE = flag('PG_lru'), flag('PG_private')
SWAPCACHE, SWAPBACKED = flag('PG_swapcache'), flag('PG_swapbacked')
BUDDY, SLAB, HUGETLB = (prog[n].value_() for n in ('PGTY_buddy', 'PGTY_slab', 'PGTY_hugetlb'))
# the highest buddy order: struct zone's free_area has one list per order
MAX_ORDER = prog.type('struct zone').member('free_area').type.length - 1


def page_type(page):
    return (page.page_type.value_() >> 24) & 0xff


def classify(pfn):
    for order in range(MAX_ORDER + 1):
        head = pfn & ~((1 << order) - 1)
        p = pfn_to_page(prog, head)
        if page_type(p) == BUDDY and p.private.value_() >= order and p.private.value_() <= MAX_ORDER:
            return 'free'
    page = compound_head(pfn_to_page(prog, pfn))
    flags = page.flags.value_()
    if page_type(page) == SLAB:
        return 'slab'
    anon = page.mapping.value_() & 1
    if anon or page_type(page) == HUGETLB:
        return 'anon'
    if flags & LRU or (flags & SWAPCACHE and flags & SWAPBACKED):
        return 'cache_private' if flags & PRIVATE else 'cache'
    return 'kernel'


for line in sys.stdin:
    pfn = int(line)
    try:
        print(pfn, classify(pfn))
    except Exception as e:
        print(pfn, 'error', type(e).__name__, str(e).replace('\n', ' '))
