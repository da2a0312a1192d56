#!/usr/bin/env python3
"""tests/viz/test_viz.py - host tests of tools/viz.py.

The replay of a real log (tests/viz/known.log: a boot with
selftest=buddy.textbook_split_and_merge,kheap.kmalloc_global_api,
pool.growth_shrink_and_slab_return trace=buddy,kmalloc,pool exit) against
the walk the buddy self-test documents and the kernel's own buddyinfo
reports; then bad input - a truncated log, interleaved lines, unknown
events, logs of another build, lost lines - each reported by line number
while the rest is still drawn; then the page and the SVG figures.

Run: python3 tests/viz/test_viz.py   (last line: viztest: N passed, M failed)
"""
import os
import re
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools"))
sys.dont_write_bytecode = True     # keep tools/ free of __pycache__
import viz  # noqa: E402

KNOWN = os.path.join(HERE, "known.log")


def known_lines():
    with open(KNOWN) as f:
        return f.read().split("\n")


def replay(lines):
    return viz.Replay().read("\n".join(lines))


def line_no(lines, pattern, after=0):
    """1-based number of the first line after `after` matching pattern."""
    for i in range(after, len(lines)):
        if re.search(pattern, lines[i]):
            return i + 1
    raise AssertionError("no line matches %r" % pattern)


def zone(r, allocator):
    return next(z for z in r.zones if z.allocator == allocator)


class KnownLog(unittest.TestCase):
    """The real log replays without a problem and as the kernel says."""

    def setUp(self):
        self.lines = known_lines()
        self.r = replay(self.lines)

    def test_no_problems(self):
        self.assertEqual(self.r.problems, [])

    def test_agrees_with_both_buddyinfo_reports(self):
        reports = [i + 1 for i, s in enumerate(self.lines)
                   if s.startswith("Node 0, zone        0")]
        self.assertEqual(len(reports), 2)
        self.assertEqual([n for n, _ in self.r.notes], reports)

    def test_textbook_walk(self):
        # mm/buddy_test.c: after alloc A the free blocks are 1 2 4 8
        # pages; after alloc D only 8; after free D 1 2 4 8 again.
        z = zone(self.r, "test")
        self.assertEqual(z.npages, 16)
        start = line_no(self.lines, r"allocator=test$")
        expect = [("alloc", [1, 1, 1, 1, 0]), ("alloc", [1, 0, 1, 1, 0]),
                  ("alloc", [0, 0, 1, 1, 0]), ("alloc", [0, 0, 0, 1, 0]),
                  ("free", [0, 1, 0, 1, 0]), ("free", [1, 1, 0, 1, 0]),
                  ("free", [1, 1, 1, 1, 0])]
        at = start
        for event, nfree in expect:
            at = line_no(self.lines, r"^trace: buddy %s zone=0 " % event, at)
            step = self.r.step_of_line(at)
            self.assertEqual(self.r.nfree_at(z, step)[:5], nfree,
                             "after line %d" % at)
        last = line_no(self.lines, r"^trace: buddy merge zone=0 .*order=4$")
        self.assertEqual(self.r.nfree_at(z, self.r.step_of_line(last))[:5],
                         [0, 0, 0, 0, 1])

    def test_nested_zone_dies_with_its_block(self):
        z = zone(self.r, "test")
        back = line_no(self.lines, r"^trace: buddy free zone=1 addr=0x00080000"
                       r" order=4$")
        self.assertEqual(z.died, self.r.step_of_line(back))
        self.assertIsNone(self.r.nfree_at(z, z.died))

    def test_kmalloc_and_pool_counts(self):
        refills = sum(1 for s in self.lines
                      if s.startswith("trace: kmalloc refill "))
        returns = sum(1 for s in self.lines
                      if s.startswith("trace: kmalloc return "))
        self.assertGreater(refills, 0)
        self.assertEqual(sum(self.r.kmalloc_pages[:-1]), refills - returns)
        grows = sum(1 for s in self.lines if s.startswith("trace: pool grow"))
        rets = sum(1 for s in self.lines if s.startswith("trace: pool return"))
        self.assertGreater(grows, 0)
        self.assertEqual(sum(self.r.pool_slabs.values()), grows - rets)

    def test_phases_are_the_selftests(self):
        names = [p[0] for p in self.r.phases]
        self.assertEqual(names, ["buddy.textbook_split_and_merge",
                                 "kheap.kmalloc_global_api",
                                 "pool.growth_shrink_and_slab_return"])
        first = self.r.phases[0][1]
        self.assertEqual(self.r.steps[first - 1][0],
                         line_no(self.lines, r"^trace: buddy alloc zone=1"))


class BadInput(unittest.TestCase):
    """Each kind of damage gets its own message naming the line."""

    def setUp(self):
        self.lines = known_lines()
        self.good = replay(self.lines)

    def assertProblem(self, r, line, words):
        texts = [t for n, t in r.problems if n == line]
        self.assertTrue(any(re.search(words, t) for t in texts),
                        "no problem /%s/ at line %d in %r"
                        % (words, line, r.problems))

    def test_truncated_log(self):
        cut = line_no(self.lines, r"^trace: buddy split zone=0 ")
        text = "\n".join(self.lines[:cut - 1]) + "\n" + \
            self.lines[cut - 1][:25]
        r = viz.Replay().read(text)
        self.assertProblem(r, cut, r"truncated")
        self.assertProblem(r, cut, r"malformed buddy split line")
        self.assertProblem(r, cut, r"stops before the kernel's last line")
        # Everything before the cut was replayed.
        self.assertEqual(len(r.steps), self.good.step_of_line(cut) - 1)

    def test_log_cut_at_a_line_end(self):
        cut = line_no(self.lines, r"^trace: buddy split zone=0 ")
        r = replay(self.lines[:cut] + [""])     # ends with a newline
        self.assertEqual([n for n, _ in r.problems], [cut])
        self.assertProblem(r, cut, r"stops before the kernel's last line")
        self.assertEqual(len(r.steps), self.good.step_of_line(cut))

    def test_interleaved_line(self):
        at = line_no(self.lines, r"^trace: buddy split zone=0 ")
        lines = list(self.lines)
        lines[at - 1] = "selftest: ok buddy.xor" + lines[at - 1]
        lines.insert(at, "an unrelated line between two trace lines")
        r = replay(lines)
        self.assertProblem(r, at, r"interleaved")
        # The trace part was read, so the replay still agrees at the end.
        self.assertEqual(len(r.steps), len(self.good.steps))
        self.assertEqual(len(r.notes), 2)

    def test_unknown_event(self):
        at = line_no(self.lines, r"^trace: buddy split zone=0 ")
        lines = list(self.lines)
        lines.insert(at - 1, "trace: buddy defrag zone=0 addr=0x00080000 "
                     "order=4")
        lines.insert(at - 1, "trace: slab grow cache=x")
        r = replay(lines)
        self.assertProblem(r, at, r"unknown trace layer 'slab'")
        self.assertProblem(r, at + 1, r"unknown buddy event 'defrag'")
        self.assertEqual(len(r.problems), 2)
        self.assertEqual(len(r.steps), len(self.good.steps))

    def test_log_of_another_version(self):
        lines = list(self.lines)
        lines[0] = lines[0].replace("kmemlab 0.1.0", "kmemlab 9.9.9")
        r = replay(lines)
        self.assertProblem(r, 1, r"kmemlab 9\.9\.9")
        self.assertEqual(len(r.steps), len(self.good.steps))

    def test_log_without_zone_lines(self):
        # A build before zone-add and cover lines: the buddy events have
        # no zone to go to, but kmalloc and pool are still replayed.
        lines = [s for s in self.lines
                 if not re.match(r"trace: buddy (zone-add|cover) ", s)]
        r = replay(lines)
        first = line_no(lines, r"^trace: buddy alloc ")
        self.assertProblem(r, first, r"no live zone 1 holds")
        self.assertEqual(r.zones, [])
        self.assertEqual(r.kmalloc_pages, self.good.kmalloc_pages)
        self.assertEqual(r.pool_slabs, self.good.pool_slabs)

    def test_lost_line(self):
        # A lost merge: the next merge does not fit the replayed state.
        lost = line_no(self.lines, r"^trace: buddy merge zone=0 .*order=1$")
        lines = self.lines[:lost - 1] + self.lines[lost:]
        r = replay(lines)
        self.assertProblem(r, lost, r"buddy merge of order 2 .* does not "
                           r"fit the replayed test zone 0")

    def test_lost_kernel_line(self):
        # A lost cover line of the kernel's zone 2: the boot report's
        # buddyinfo line for zone 2 no longer matches.
        lost = line_no(self.lines, r"^trace: buddy cover zone=2 .*order=10$")
        lines = self.lines[:lost - 1] + self.lines[lost:]
        r = replay(lines)
        report = line_no(lines, r"^Node 0, zone +2 ")
        self.assertProblem(r, report, r"buddyinfo for zone 2 differs")
        self.assertEqual(r.notes, [])   # nor at the end of the run

    def test_wrong_format(self):
        at = line_no(self.lines, r"^trace: kmalloc refill ")
        lines = list(self.lines)
        lines[at - 1] = "trace: kmalloc refill bucket=64 addr=0x00081000"
        r = replay(lines)
        self.assertProblem(r, at, r"malformed kmalloc refill line")

    def test_second_boot(self):
        r = replay(self.lines + self.lines)
        self.assertProblem(r, len(self.lines) + 1, r"second boot")
        self.assertEqual(len(r.steps), len(self.good.steps))

    def test_not_a_log(self):
        r = viz.Replay().read("hello\nworld\n")
        self.assertProblem(r, 1, r"no kmemlab banner")
        self.assertProblem(r, 2, r"no trace events")

    def test_event_limit(self):
        r = viz.Replay(max_events=100).read("\n".join(self.lines))
        self.assertEqual(len(r.steps), 100)
        self.assertTrue(any("dropped" in t for _, t in r.problems))


class Output(unittest.TestCase):
    """The page is self-contained; the figures are well-formed SVG."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.r = replay(known_lines())

    def tearDown(self):
        self.tmp.cleanup()

    def test_page_is_self_contained(self):
        out = os.path.join(self.tmp.name, "p.html")
        viz.write_page(self.r, out, KNOWN)
        with open(out) as f:
            page = f.read()
        self.assertNotRegex(page, r"\s(src|href)=")
        self.assertNotRegex(page, r"@import|url\(")
        urls = set(re.findall(r"https?://[^\"'\s]+", page))
        self.assertEqual(urls, {"http://www.w3.org/2000/svg"})
        self.assertEqual(page.count('<script type="application/json"'), 1)

    def test_page_from_a_damaged_log_still_written(self):
        out = os.path.join(self.tmp.name, "d.html")
        lines = known_lines()
        r = replay(lines[:len(lines) // 2] + ["trace: buddy split zo"])
        self.assertTrue(r.problems)
        viz.write_page(r, out, KNOWN)
        with open(out) as f:
            self.assertIn("truncated", f.read())

    def test_figures_are_svg(self):
        for fig in ("map", "orders", "frag", "kmalloc", "pool"):
            out = os.path.join(self.tmp.name, fig + ".svg")
            viz.main([KNOWN, "--svg", out, "--figure", fig, "--zone",
                      "test", "-q"])
            root = ET.parse(out).getroot()
            self.assertEqual(root.tag, "{http://www.w3.org/2000/svg}svg")

    def test_map_figure_blocks(self):
        # After alloc D: A C B B D D D D and one free order-3 block, so
        # five blocks, one of them split over no row (16 pages, 1 row).
        out = os.path.join(self.tmp.name, "m.svg")
        viz.main([KNOWN, "--svg", out, "--zone", "test", "--nth-event", "9",
                  "-q"])
        with open(out) as f:
            svg = f.read()
        self.assertEqual(svg.count('class="blk"'), 5)
        self.assertEqual(svg.count('fill="%s"' % viz.ALLOC_COLOUR), 4 + 1)

    def test_fragmentation_measures(self):
        # After free A: free blocks of 1, 2 and 8 pages (11 pages).
        fu, lg = viz.frag_measures([1, 1, 0, 1] + [0] * 7, 2)
        self.assertAlmostEqual(fu, 3 / 11)
        self.assertAlmostEqual(lg, 1 - 8 / 11)
        self.assertEqual(viz.frag_measures([0] * 11, 2), (None, None))


def main():
    suite = unittest.defaultTestLoader.loadTestsFromModule(
        sys.modules[__name__])
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(
        suite)
    bad = len(result.failures) + len(result.errors)
    print("viztest: %d passed, %d failed" % (result.testsRun - bad, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
