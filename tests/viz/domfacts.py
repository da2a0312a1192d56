#!/usr/bin/env python3
"""tests/viz/domfacts.py - what a page of tools/viz.py shows, as text.

Reads the DOM that "chromium --headless --dump-dom" printed for a page
and prints one fact per line, for tests/boot/viz.sh to compare with the
log the page was made from:

    status ready|loading|error          (the page's own data-status)
    message TEXT                        (its status line)
    step N                              (the step it shows)
    event-line L                        (log line of that step's event)
    zone ALLOCATOR INDEX free C0 .. C10 (overview: free blocks per order)
    zone ALLOCATOR INDEX alloc N        (overview: allocated blocks)
    detail free N alloc M               (detail map: blocks drawn)
    zonestate C0 .. C10                 (state table of the shown zone)

Usage: domfacts.py DOM
"""
import re
import sys
from html.parser import HTMLParser

NORDERS = 11


class Facts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.status = "missing"
        self.zonefree = "none"
        self.step = None
        self.text_of = None
        self.texts = {"status": "", "event": ""}
        self.zone = None
        self.zones = {}             # (allocator, index) -> [free, alloc]
        self.order = []
        self.detail = {"free": 0, "alloc": 0}
        self.depth = 0
        self.stack = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.stack.append((tag, a.get("id")))
        if tag == "body":
            self.status = a.get("data-status", "missing")
            self.step = a.get("data-step")
        if a.get("id") == "zonestate":
            self.zonefree = a.get("data-free", "none")
        if a.get("id") in self.texts:
            self.text_of = a["id"]
        if tag == "g" and a.get("class") == "zone":
            self.zone = (a.get("data-allocator"), a.get("data-index"))
            self.zones.setdefault(self.zone, [[0] * NORDERS, 0])
        if tag == "g" and a.get("class") == "dblk":
            self.detail[a.get("data-state")] += 1
        if tag == "rect" and a.get("class") == "blk" and self.zone:
            z = self.zones[self.zone]
            if a.get("data-state") == "free":
                z[0][int(a["data-order"])] += 1
            else:
                z[1] += 1

    def handle_endtag(self, tag):
        while self.stack:
            t, i = self.stack.pop()
            if i == self.text_of:
                self.text_of = None
            if t == "g":
                self.zone = None if tag == "g" else self.zone
            if t == tag:
                break

    def handle_data(self, data):
        if self.text_of:
            self.texts[self.text_of] += data


def main():
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        dom = f.read()
    p = Facts()
    p.feed(dom)
    print("status %s" % p.status)
    print("message %s" % p.texts["status"].strip())
    print("step %s" % p.step)
    m = re.match(r"line (\d+):", p.texts["event"])
    print("event-line %s" % (m.group(1) if m else "none"))
    for (alloc, index), (free, nalloc) in sorted(p.zones.items()):
        print("zone %s %s free %s" % (alloc, index,
                                      " ".join(map(str, free))))
        print("zone %s %s alloc %d" % (alloc, index, nalloc))
    print("detail free %d alloc %d" % (p.detail["free"], p.detail["alloc"]))
    print("zonestate %s" % p.zonefree)


if __name__ == "__main__":
    main()
