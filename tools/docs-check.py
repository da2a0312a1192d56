#!/usr/bin/env python3
"""tools/docs-check.py - quoted output and commands in the docs are true.

    tools/docs-check.py            check README.md, docs/*.md and
                                   docs/labs/*.md
    tools/docs-check.py --update   rewrite the output blocks that differ
    tools/docs-check.py FILE...    only these files
    tools/docs-check.py --self-test  test the comparison and the parser

What "make docs-check" runs (and "make test", through tests/boot/docs.sh).

1. Output blocks.  A fenced block of quoted output is preceded, on the
   line right before its opening fence, by a marker such as

     <!-- output: mem=128M args="exit" match="^(buddy:|Node 0)" -->

   The attributes are shell-like words (parsed with shlex):
     mem=SIZE       boot as "make run MEM=SIZE ARGS='ARGS'" would: an ISO
     args=OPTIONS   from tools/mkiso.sh booted by GRUB in QEMU, serial
                    kept; default 128M and no options
     boot=kernel    boot through QEMU's own loader (-kernel -append)
                    instead, for output that does not depend on GRUB
     extra=DIR      copy DIR over the ISO tree, as tests/boot/*.sh do
                    (e.g. extra=tests/boot/cutmem: a module and holes)
     cmd=COMMAND    instead of a boot: run COMMAND with bash from the
                    repository root, stdout and stderr together
     match=REGEX    keep only the output lines REGEX finds (Python re,
                    which agrees with grep -E for the usual constructs)
     volatile=REGEX text REGEX finds is ignored on both sides
   The kept lines are compared in order with the block's lines; a block
   line "..." stands for any number of lines.  Each distinct boot or
   command runs once, two at a time.  Two more markers exist:
     <!-- recorded: cmd="make bench" -->  output of a run that cannot be
        repeated exactly (timings); its command is checked, not rerun.
     <!-- format -->  the block shows a line format, not output.
   A fenced block without a marker whose lines start like kernel output
   ("buddy:", "selftest:", "Node 0" ...) is an error.

2. Commands.  Every "make ..." line of an indented or shell block and
   every inline `make ...`, `build/hosttest ...` or kernel option span is
   checked: make targets exist (make -n), knobs are Makefile variables,
   kernel options are in kernel/main.c's known_options, test names given
   to selftest= or T= exist (MM_TEST in the sources), and the cheap
   commands are run: make help, make hosttest T=..., make run ARGS=...
   up to 1G (until the kernel exits or idles), the qemu-system-i386
   command lines.

Ends with "docs-check: N passed, M failed"; exit status 0 only if M is 0.
"""

import concurrent.futures
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", "build")
QEMU = os.environ.get("QEMU", "qemu-system-i386")
ELF = os.path.join(BUILD, "kmemlab.elf")
BOOT_TIMEOUT = int(os.environ.get("TIMEOUT", "300"))  # seconds per boot
CMD_TIMEOUT = 180          # seconds for one command
WORKERS = 2                # boots and commands at a time

# Lines that start like this are kernel (or test runner) output.
OUTPUT_PREFIXES = (
    "buddy:", "kmalloc:", "kheap:", "pool:", "memmap:", "mmap:", "memory:",
    "multiboot:", "selftest:", "hosttest:", "Node 0", "kmemlab", "cmdline:",
    "trace:", "exception:", "panic:", "crash:", "slabinfo", "bench:",
    "boottest:", "tests:", "console:", "docs-check:",
)
# Success and failure statuses of QEMU (drivers/qemu_exit.h).
EXIT_SUCCESS = 33
EXIT_FAILURE = 35
IDLE_LINE = "kmemlab: idle"

# A row of the slabinfo report starts with the pool's name.
SLABINFO_ROW = re.compile(r"^\S+ +\d+ +\d+ +\d+ +\d+ +\d+ : slabdata ")
MARKER_RE = re.compile(r"^\s*<!--\s*(output|recorded|format)\b:?(.*?)-->\s*$")
FENCE_RE = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
MARKER_KEYS = {"mem", "args", "boot", "extra", "cmd", "match", "volatile"}


class Block:
    """One fenced block: where it is, its lines and its marker."""

    def __init__(self, path, fence_line, indent, info, lines, marker_kind,
                 attrs, marker_line):
        self.path = path
        self.fence_line = fence_line       # 1-based line of the opening fence
        self.indent = indent
        self.info = info
        self.lines = lines                 # content, indentation removed
        self.kind = marker_kind    # "output", "recorded", "format", None
        self.attrs = attrs
        self.marker_line = marker_line

    def where(self):
        return "%s:%d" % (self.path, self.fence_line)


class Doc:
    """A Markdown file split into fenced blocks, code lines and spans."""

    def __init__(self, path):
        self.path = path
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            self.text = f.read().split("\n")
        self.blocks = []
        self.errors = []
        self.code_lines = []   # (line, text): indented and shell block lines
        self.spans = []        # (line, text): inline code spans
        self._parse()

    def _parse(self):
        lines = self.text
        i = 0
        para = []              # (lineno, text) of the current paragraph
        prev_blank = True
        in_indented = False
        while i < len(lines):
            line = lines[i]
            m = FENCE_RE.match(line)
            if m:
                self._flush_para(para)
                para = []
                i = self._fenced(i, m)
                prev_blank = False
                in_indented = False
                continue
            mk = MARKER_RE.match(line)
            if mk:
                self._flush_para(para)
                para = []
                nxt = lines[i + 1] if i + 1 < len(lines) else ""
                if not FENCE_RE.match(nxt):
                    self.errors.append("%s:%d: marker not followed by a "
                                       "fenced block" % (self.path, i + 1))
                i += 1
                continue
            if line.strip() == "":
                self._flush_para(para)
                para = []
                prev_blank = True
                i += 1
                continue
            if line.startswith("    ") and (prev_blank or in_indented) \
                    and not para:
                in_indented = True
                self.code_lines.append((i + 1, line.strip()))
            else:
                in_indented = False
                para.append((i + 1, line))
            prev_blank = False
            i += 1
        self._flush_para(para)

    def _fenced(self, i, m):
        """Reads the fenced block opening at line i; returns the next i."""
        indent, fence, info = len(m.group(1)), m.group(2), m.group(3).strip()
        start = i
        body = []
        i += 1
        while i < len(self.text):
            line = self.text[i]
            c = re.match(r"^ {0,3}(`{3,}|~{3,})\s*$", line)
            if c and c.group(1)[0] == fence[0] and \
                    len(c.group(1)) >= len(fence):
                break
            body.append(line[indent:] if line[:indent].strip() == ""
                        else line.lstrip())
            i += 1
        kind, attrs, mline = None, {}, None
        if start > 0:
            mk = MARKER_RE.match(self.text[start - 1])
            if mk:
                kind, mline = mk.group(1), start
                try:
                    attrs = parse_attrs(mk.group(2))
                except ValueError as e:
                    self.errors.append("%s:%d: bad marker: %s"
                                       % (self.path, start, e))
                    kind = "bad"
        block = Block(self.path, start + 1, indent, info, body, kind, attrs,
                      mline)
        self.blocks.append(block)
        if info in ("sh", "shell", "bash", "console"):
            for n, line in enumerate(body):
                self.code_lines.append((start + 2 + n, line.strip()))
        return i + 1

    def _flush_para(self, para):
        """Collects the inline code spans of a paragraph (they may wrap)."""
        if not para:
            return
        text = "\n".join(t for _, t in para)
        for m in re.finditer(r"(`+)(.+?)\1", text, re.S):
            lineno = para[0][0] + text.count("\n", 0, m.start())
            self.spans.append((lineno, " ".join(m.group(2).split())))


def parse_attrs(text):
    attrs = {}
    for word in shlex.split(text):
        if "=" not in word:
            raise ValueError("%r is not key=value" % word)
        key, value = word.split("=", 1)
        if key not in MARKER_KEYS:
            raise ValueError("unknown key %r (known: %s)"
                             % (key, ", ".join(sorted(MARKER_KEYS))))
        attrs[key] = value
    if "cmd" in attrs and ({"mem", "args", "boot", "extra"} & set(attrs)):
        raise ValueError("cmd= cannot be combined with a boot's keys")
    if attrs.get("boot", "grub") not in ("grub", "kernel"):
        raise ValueError("boot= is grub or kernel")
    for key in ("match", "volatile"):
        if key in attrs:
            try:
                re.compile(ere(attrs[key]))
            except re.error as e:
                raise ValueError("%s=%r: %s" % (key, attrs[key], e))
    return attrs


def ere(regex):
    """Translates the POSIX classes of an extended regex for Python."""
    classes = {"digit": r"0-9", "alpha": r"A-Za-z", "alnum": r"A-Za-z0-9",
               "space": r"\s", "upper": r"A-Z", "lower": r"a-z",
               "xdigit": r"0-9A-Fa-f", "punct": r"!-/:-@\[-`{-~"}
    return re.sub(r"\[:(\w+):\]", lambda m: classes.get(m.group(1),
                                                         m.group(0)), regex)


def looks_like_output(block):
    """Does an unmarked block quote kernel output (not show a format)?"""
    if block.info not in ("", "text", "console", "output"):
        return False
    hits = [l for l in block.lines if l.lstrip().startswith(OUTPUT_PREFIXES)
            or SLABINFO_ROW.match(l)]
    if not hits:
        return False
    # A block whose every such line has placeholders shows a format.
    placeholder = re.compile(r"<[A-Za-z][^>]*>|%[0-9]*l?[sdux]")
    return not all(placeholder.search(l) for l in hits)


# ---------------------------------------------------------------- runs

def run_key(attrs):
    """What must run to produce a block's output, as a hashable key."""
    if "cmd" in attrs:
        return ("cmd", attrs["cmd"])
    return ("boot", attrs.get("mem", "128M"), attrs.get("args", ""),
            attrs.get("boot", "grub"), attrs.get("extra", ""))


class Result:
    def __init__(self, lines, status, note=""):
        self.lines = lines
        self.status = status
        self.note = note


# Boots and commands run WORKERS at a time; ISOs are built beside them
# (grub-mkrescue mostly waits on the disk); commands one at a time.
RUN_SLOTS = threading.Semaphore(WORKERS)
ISO_SLOTS = threading.Semaphore(WORKERS)
CMD_LOCK = threading.Lock()


def clean_env():
    """The environment for commands: no make of ours around them."""
    env = dict(os.environ)
    for var in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(var, None)
    return env


def run_cmd(cmd, timeout=CMD_TIMEOUT):
    """Runs one command from the root; commands run one at a time."""
    with CMD_LOCK, RUN_SLOTS:
        try:
            p = subprocess.run(["bash", "-c", cmd], cwd=ROOT,
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, env=clean_env(),
                               timeout=timeout)
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace")
            return Result(out.splitlines(), 124,
                          "timed out after %ds" % timeout)
    out = p.stdout.decode("utf-8", "replace")
    return Result(out.splitlines(), p.returncode)


def run_boot(key, tmpdir):
    """Boots the kernel as make run would; returns its serial lines.

    A boot ends when QEMU exits, when the kernel prints its idle line
    (make run would then wait for Ctrl-A x), or after BOOT_TIMEOUT."""
    _, mem, args, loader, extra = key
    tag = "%d" % abs(hash(key))
    log = os.path.join(tmpdir, tag + ".log")
    qemu = [QEMU, "-m", mem, "-no-reboot", "-display", "none",
            "-serial", "file:" + log, "-monitor", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    iso = None
    if loader == "kernel":
        qemu += ["-kernel", ELF, "-append", args]
    else:
        iso = os.path.join(tmpdir, tag + ".iso")
        mk = ["tools/mkiso.sh", ELF, iso, args] + ([extra] if extra else [])
        with ISO_SLOTS:
            p = subprocess.run(mk, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
        if p.returncode != 0:
            return Result([], -1, "tools/mkiso.sh failed: " +
                          p.stdout.decode("utf-8", "replace").strip())
        qemu += ["-cdrom", iso]
    with RUN_SLOTS:
        status, note = qemu_until_done(qemu, log)
    lines = serial_lines(log)
    for f in (log, iso):
        if f and os.path.exists(f):
            os.unlink(f)
    return Result(lines, status, note)


def qemu_until_done(qemu, log):
    """Runs QEMU until it exits, the kernel idles or the time is up."""
    proc = subprocess.Popen(qemu, cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + BOOT_TIMEOUT
    status, note = None, ""
    while status is None:
        try:
            status = proc.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            if serial_lines(log)[-1:] and \
                    serial_lines(log)[-1].startswith(IDLE_LINE):
                proc.terminate()
                proc.wait()
                status, note = 0, "idle"
            elif time.monotonic() > deadline:
                proc.kill()
                proc.wait()
                status, note = 124, "timed out after %ds" % BOOT_TIMEOUT
    return status, note


def serial_lines(log):
    """The lines of a serial log so far, without the kernel's \\r."""
    try:
        with open(log, "rb") as f:
            data = f.read().decode("utf-8", "replace")
    except FileNotFoundError:
        return []
    lines = [l.rstrip("\r") for l in data.split("\n")]
    return lines[:-1] if lines and lines[-1] == "" else lines


class Runner:
    """Runs each distinct boot or command once, WORKERS at a time."""

    def __init__(self):
        self.tmpdir = tempfile.mkdtemp(prefix="docs-check.",
                                       dir=os.path.join(ROOT, BUILD))
        self.pool = concurrent.futures.ThreadPoolExecutor(2 * WORKERS)
        self.futures = {}

    def submit(self, key):
        if key not in self.futures:
            self.futures[key] = self.pool.submit(self._run, key)
        return self.futures[key]

    def _run(self, key):
        t = time.monotonic()
        r = run_cmd(key[1]) if key[0] == "cmd" else \
            run_boot(key, self.tmpdir)
        if os.environ.get("DOCS_CHECK_TIMES"):
            print("docs-check: %.1fs %s" % (time.monotonic() - t,
                                            describe(key)), flush=True)
        return r

    def result(self, key):
        return self.submit(key).result()

    def close(self):
        self.pool.shutdown()
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def describe(key):
    if key[0] == "cmd":
        return key[1]
    _, mem, args, loader, extra = key
    s = "make run MEM=%s ARGS=%s" % (mem, shlex.quote(args))
    if loader == "kernel":
        s = "QEMU -kernel -append %s -m %s" % (shlex.quote(args), mem)
    if extra:
        s += " with %s" % extra
    return s


# ---------------------------------------------------------- comparison

def norm(line, volatile):
    line = line.rstrip()
    return volatile.sub("\x00", line) if volatile else line


def segments(lines):
    """Splits block lines at "..." lines: (head_open, segs, tail_open)."""
    segs, cur = [], []
    for l in lines:
        if l.strip() == "...":
            segs.append(cur)
            cur = []
        else:
            cur.append(l)
    segs.append(cur)
    return segs


def compare(want, got, volatile):
    """None if the block's lines match got, else (want_line, got_line,
    index into want) for the first difference."""
    segs = segments(want)
    w = [[norm(l, volatile) for l in s] for s in segs]
    g = [norm(l, volatile) for l in got]
    # Index in want of each segment's first line.
    starts, n = [], 0
    for s in segs:
        starts.append(n)
        n += len(s) + 1
    pos = 0
    for k, seg in enumerate(w):
        first, last = k == 0, k == len(w) - 1
        if first:
            cands = [0]
        elif last and seg:
            cands = [len(g) - len(seg)] if len(g) - len(seg) >= pos else []
        else:
            cands = range(pos, len(g) - len(seg) + 1)
        hit = None
        for c in cands:
            if c >= pos and g[c:c + len(seg)] == seg:
                hit = c
                break
        if hit is None:
            return first_difference(seg, g, pos, k == 0, last, segs[k],
                                    got, starts[k])
        pos = hit + len(seg)
        if first and last and pos != len(g):
            return ("(end of block)", got[pos], len(want))
    return None


def first_difference(seg, g, pos, anchored_start, anchored_end, raw, got,
                     base):
    """The most telling (want, got, index) for a segment that failed."""
    if anchored_start:
        cands = [0]
    elif anchored_end and seg:
        cands = [max(pos, len(g) - len(seg))]
    else:
        cands = range(pos, max(pos, len(g)) + 1)
    best, best_c = -1, pos
    for c in cands:
        n = 0
        while n < len(seg) and c + n < len(g) and g[c + n] == seg[n]:
            n += 1
        if n > best:
            best, best_c = n, c
    i = best_c + best
    got_line = got[i] if i < len(got) else "(end of output)"
    if best == len(seg):   # the segment matched; output goes on
        return ("(end of block)", got_line, base + len(seg))
    return (raw[best], got_line, base + best)


def regenerate(want, got, volatile):
    """New block lines from got, keeping the block's "..." elisions where
    the segments can be placed in order; else the whole output."""
    segs = segments(want)
    if len(segs) == 1:
        return list(got)
    g = [norm(l, volatile) for l in got]
    out, pos = [], 0
    for k, seg in enumerate(segs):
        n = len(seg)
        if k == 0:
            c = 0
        elif k == len(segs) - 1:
            c = len(got) - n
        else:
            w = [norm(l, volatile) for l in seg]
            tail = sum(len(s) for s in segs[k + 1:])
            best, c = -1, pos
            for s in range(pos, len(got) - n - tail + 1):
                score = sum(1 for j in range(n) if g[s + j] == w[j])
                if score > best:
                    best, c = score, s
        if c < pos or c + n > len(got):
            return list(got)
        if k > 0:
            out.append("...")
        out.extend(got[c:c + n])
        pos = c + n
    return out


# ------------------------------------------------------------ commands

def makefile_vars():
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as f:
        text = f.read()
    names = set(re.findall(r"^([A-Z][A-Z0-9_]*)\s*[?:+]?=", text, re.M))
    names |= set(re.findall(r"\$\(([A-Z][A-Z0-9_]*)\)", text))
    return names


def known_options():
    with open(os.path.join(ROOT, "kernel/main.c"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"known_options\[\]\s*=\s*\{(.*?)\};", text, re.S)
    return set(re.findall(r'^\s*"([a-z_]+)"', m.group(1), re.M)) if m \
        else set()


def option_values():
    """Values the kernel knows for the options that take a list."""
    vals = {}
    with open(os.path.join(ROOT, "kernel/main.c"), encoding="utf-8") as f:
        m = re.search(r"layers\[\]\s*=\s*\{([^}]*)\}", f.read())
    if m:
        vals["trace"] = vals["poison"] = set(re.findall(r'"(\w+)"',
                                                        m.group(1)))
    with open(os.path.join(ROOT, "kernel/crash.c"), encoding="utf-8") as f:
        vals["crash"] = set(re.findall(r'\{\s*"(\w+)",\s*crash_\w+\s*\}',
                                       f.read()))
    return vals


def test_names(dirs):
    """mod.name of every MM_TEST in the .c files of dirs."""
    names = set()
    for d in dirs:
        for fn in sorted(os.listdir(os.path.join(ROOT, d))):
            if fn.endswith(".c"):
                with open(os.path.join(ROOT, d, fn), encoding="utf-8") as f:
                    for mod, name in re.findall(
                            r"^MM_TEST\((\w+),\s*(\w+)\)", f.read(), re.M):
                        names.add(mod + "." + name)
    return names


def host_test_names():
    """The host's tests: hosttest --list if it has one, else the sources."""
    exe = os.path.join(ROOT, BUILD, "hosttest")
    if os.path.exists(exe):
        p = subprocess.run([exe, "--list"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        found = re.findall(r"^(?:\S+: )?([a-z]\w*\.[a-z]\w*)\s*$",
                           p.stdout.decode("utf-8", "replace"), re.M)
        if p.returncode == 0 and found:
            return set(found)
    names = test_names(["mm"])
    for fn in os.listdir(os.path.join(ROOT, "kernel")):
        if fn.endswith("_test.c"):
            with open(os.path.join(ROOT, "kernel", fn), encoding="utf-8") as f:
                names |= {m + "." + n for m, n in re.findall(
                    r"^MM_TEST\((\w+),\s*(\w+)\)", f.read(), re.M)}
    return names


class CommandChecker:
    """Checks the commands the docs show; collects (where, ok, message)."""

    def __init__(self, runner):
        self.runner = runner
        self.vars = makefile_vars()
        self.options = known_options()
        self.values = option_values()
        self.kernel_tests = test_names(["mm", "kernel"])
        self.host_tests = host_test_names()
        self.make_n = {}
        self.make_pool = concurrent.futures.ThreadPoolExecutor(WORKERS)
        self.checks = []      # (where, description, callable -> error|None)

    def add(self, where, what, fn):
        self.checks.append((where, what, fn))

    # -- static checks

    def filter_error(self, value, names, what):
        mods = {n.split(".")[0] for n in names}
        bad = [i for i in value.split(",") if i and i not in names
               and i not in mods]
        if not bad:
            return None
        msgs = []
        for b in bad:
            near = sorted(n for n in names if b.split(".")[-1][:6] in n
                          and b.split(".")[0] == n.split(".")[0])[:3]
            msgs.append("no %s test %r%s" % (what, b, " (near: %s)"
                                              % ", ".join(near) if near
                                              else ""))
        return "; ".join(msgs)

    def options_error(self, args):
        errs = []
        # Words as the kernel splits them: double quotes group words.
        for word in re.findall(r'(?:[^\s"]+|"[^"]*")+', args):
            key, _, value = word.partition("=")
            if key not in self.options:
                errs.append("unknown kernel option %r" % key)
            elif key == "selftest" and value and value != "list":
                e = self.filter_error(value, self.kernel_tests, "kernel")
                if e:
                    errs.append(e)
            elif key in self.values and value:
                bad = [v for v in value.split(",")
                       if v not in self.values[key]]
                if bad:
                    errs.append("%s=%s: unknown %s (known: %s)" % (
                        key, value, ",".join(bad),
                        ",".join(sorted(self.values[key]))))
        return "; ".join(errs) or None

    def target_error(self, target):
        """None if "make -n TARGET" succeeds, else why not."""
        if target not in self.make_n:
            self.make_n[target] = self.make_pool.submit(make_n, target)
        return self.make_n[target].result()

    # -- extraction

    def scan(self, doc):
        for lineno, text in doc.code_lines:
            self.code_line(doc, lineno, text)
        for lineno, text in doc.spans:
            self.span(doc, lineno, text)

    def code_line(self, doc, lineno, text):
        where = "%s:%d" % (doc.path, lineno)
        cmd = re.sub(r"\s+#.*$", "", text).strip()
        if cmd.startswith("make"):
            self.make_cmd(where, cmd, run=True)
        elif cmd.startswith("build/hosttest"):
            self.hosttest_cmd(where, cmd)
        elif cmd.startswith(QEMU.split("/")[-1]) or \
                cmd.startswith("qemu-system-i386"):
            full = self.continued(doc, lineno, cmd)
            self.add(where, full, lambda: self.run_qemu_line(full))

    def continued(self, doc, lineno, cmd):
        """A command line with its backslash continuations."""
        parts, n = [cmd], lineno
        while parts[-1].endswith("\\"):
            parts[-1] = parts[-1][:-1]
            n += 1
            parts.append(doc.text[n - 1].strip())
        return " ".join(p.strip() for p in parts)

    def span(self, doc, lineno, text):
        where = "%s:%d" % (doc.path, lineno)
        if re.match(r"make(\s|$)", text):
            self.make_cmd(where, text, run=True)
        elif text.startswith("build/hosttest"):
            self.hosttest_cmd(where, text)
        elif re.match(r"T=\S", text):
            self.add(where, text, lambda: self.filter_error(
                text[2:], self.host_tests, "host"))
        else:
            words = text.split()
            first = words[0].split("=")[0] if words else ""
            if words and re.match(r"^[a-z]+=\S", words[0]) and \
                    first in self.options | {"selftest"} and \
                    all(re.match(r"^[a-z_]+(=\S+)?$", w) for w in words):
                self.add(where, text, lambda: self.options_error(text))

    def make_cmd(self, where, text, run):
        try:
            words = shlex.split(text)
        except ValueError as e:
            self.add(where, text, lambda: "cannot parse: %s" % e)
            return
        knobs, targets = {}, []
        for w in words[1:]:
            if re.match(r"^[A-Za-z_]\w*=", w):
                k, v = w.split("=", 1)
                knobs[k] = v
            elif not w.startswith("-"):
                targets.append(w)
        placeholder = any(v in ("...", "") or "<" in v
                          for v in knobs.values())

        def static():
            errs = [e for e in (self.target_error(t) for t in targets or
                                ["all"]) if e]
            errs += ["%s is not a Makefile knob" % k for k in knobs
                     if k not in self.vars]
            if "ARGS" in knobs and not placeholder:
                e = self.options_error(knobs["ARGS"])
                if e:
                    errs.append(e)
            if "T" in knobs and not placeholder:
                e = self.filter_error(knobs["T"], self.host_tests, "host")
                if e:
                    errs.append(e)
            return "; ".join(errs) or None
        for t in targets or ["all"]:
            if t not in self.make_n:
                self.make_n[t] = self.make_pool.submit(make_n, t)
        self.add(where, text, static)
        if not run or placeholder:
            return
        if targets == ["help"] and not knobs:
            self.add(where, text + " (run)", lambda: self.run_ok("make help"))
        # Single tests are cheap; whole modules (the stress tests) are not.
        if targets == ["hosttest"] and set(knobs) == {"T"} and \
                all("." in t for t in knobs["T"].split(",")):
            self.add(where, text + " (run)",
                     lambda: self.run_hosttest("make hosttest T=%s"
                                               % shlex.quote(knobs.get("T",
                                                                       ""))))
        # A plain "make run" idles; its boot is the "exit" boot's.
        if targets == ["run"] and "ARGS" in knobs and \
                set(knobs) <= {"MEM", "ARGS"} and \
                mem_mib(knobs.get("MEM", "128M")) <= 1024:
            # Below 8M make run boots through QEMU's loader, not GRUB.
            mem = knobs.get("MEM", "128M")
            key = ("boot", mem, knobs.get("ARGS", ""),
                   "kernel" if mem_mib(mem) < 8 else "grub", "")
            # An output block's boot with the same options will do.
            for k in list(self.runner.futures):
                if k[0] == "boot" and k[1:3] == key[1:3] and not k[4]:
                    key = k
                    break
            self.runner.submit(key)
            self.add(where, text + " (run)",
                     lambda: self.run_boot_ok(key))

    def hosttest_cmd(self, where, text):
        words = text.split()
        arg = words[1] if len(words) > 1 else ""
        if arg and not arg.startswith("-"):
            self.add(where, text, lambda: self.filter_error(
                arg, self.host_tests, "host"))

    # -- runs

    def run_ok(self, cmd):
        r = self.runner.result(("cmd", cmd))
        if r.status != 0:
            return "%s exits with %d %s" % (cmd, r.status, r.note)
        return None

    def run_hosttest(self, cmd):
        r = self.runner.result(("cmd", cmd))
        summary = [l for l in r.lines
                   if re.match(r"^hosttest: \d+ passed, \d+ failed$", l)]
        if r.status != 0 or not summary or \
                not summary[-1].endswith(" 0 failed") or \
                summary[-1].startswith("hosttest: 0 passed"):
            return "%s: exit %d, %s" % (cmd, r.status,
                                        summary[-1] if summary
                                        else "no summary line")
        return None

    def run_boot_ok(self, key):
        r = self.runner.result(key)
        args = key[2].split()
        crash = [a.split("=", 1)[1] for a in args if a.startswith("crash=")]
        want = {"triple": 0, "hang": 124}.get(crash[0], EXIT_FAILURE) \
            if crash else EXIT_SUCCESS
        if r.note == "idle" and not crash:
            return None
        if r.status != want:
            return "%s: QEMU status %s %s, wanted %d" % (
                describe(key), r.status, r.note, want)
        return None

    def run_qemu_line(self, cmd):
        argv = shlex.split(cmd)
        exe = argv[0]
        if not shutil.which(exe):
            return "%s not found" % exe
        r = self.runner.result(("cmd", "timeout %d %s </dev/null"
                                % (BOOT_TIMEOUT, cmd)))
        if r.status != EXIT_SUCCESS:
            return "exits with %d, wanted %d (kernel success)" % (
                r.status, EXIT_SUCCESS)
        return None


def make_n(target):
    p = subprocess.run(["make", "-n", target], cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       env=clean_env())
    if p.returncode == 0:
        return None
    err = p.stderr.decode("utf-8", "replace").strip().splitlines()
    return "make -n %s fails: %s" % (target, err[-1] if err else "")


def mem_mib(mem):
    m = re.match(r"^(\d+)([MG]?)$", mem)
    if not m:
        return 1 << 30
    return int(m.group(1)) * (1024 if m.group(2) == "G" else 1)


# ----------------------------------------------------------- self-test

def self_test():
    """The comparison, the rewrite and the parsing on made-up input."""
    results = []

    def check(name, cond):
        results.append(cond)
        print("docs-check-selftest: %s %s" % ("ok" if cond else "FAIL", name))

    got = ["a 1", "b 2", "c 3", "d 4"]
    check("exact match", compare(["a 1", "b 2", "c 3", "d 4"], got,
                                 None) is None)
    check("one changed line is found",
          compare(["a 1", "b 9", "c 3", "d 4"], got, None)
          == ("b 9", "b 2", 1))
    check("a missing last line is found",
          compare(["a 1", "b 2", "c 3"], got, None)
          == ("(end of block)", "d 4", 3))
    check("an extra line is found",
          compare(got + ["e 5"], got, None)[0] == "e 5")
    check("... in the middle", compare(["a 1", "...", "d 4"], got,
                                       None) is None)
    check("... at both ends", compare(["...", "b 2", "c 3", "..."], got,
                                      None) is None)
    check("... keeps the order",
          compare(["c 3", "...", "b 2"], got, None) is not None)
    check("... still anchors the last line",
          compare(["a 1", "...", "c 3"], got, None) is not None)
    check("... may stand for no line",
          compare(["a 1", "...", "b 2", "c 3", "d 4"], got, None) is None)
    vol = re.compile("[0-9]")
    check("volatile text is ignored",
          compare(["a 7", "b 7", "c 7", "d 7"], got, vol) is None)
    check("volatile leaves the rest compared",
          compare(["a 7", "x 7", "c 7", "d 7"], got, vol) is not None)
    check("rewrite without ... is the output",
          regenerate(["x"], got, None) == got)
    check("rewrite keeps ...",
          regenerate(["a 0", "...", "d 0"], got, None)
          == ["a 1", "...", "d 4"])
    check("rewrite places a middle segment",
          regenerate(["...", "c 0", "..."], ["a", "b", "c 0x", "d"],
                     re.compile("0x?")) == ["...", "c 0x", "..."])
    check("attributes are shell words",
          parse_attrs('mem=64M args=\'run="help; exit"\' match="^a b"')
          == {"mem": "64M", "args": 'run="help; exit"', "match": "^a b"})
    try:
        parse_attrs("colour=red")
        check("an unknown key is refused", False)
    except ValueError:
        check("an unknown key is refused", True)
    check("POSIX classes", re.search(ere("^[[:digit:]]+$"), "42") is not None)
    with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
        f.write("text\n\n```\nbuddy: 1 pages\n```\n\n"
                "<!-- format -->\n```\nbuddy: <n> pages\n```\n\n"
                "```\ntrace: pool <event> addr=0x%08lx\n```\n\n"
                "```\nt-kpool   1   40  100   40    1 : slabdata  1  1\n"
                "```\n\n"
                "<!-- output: args=\"exit\" -->\nnot a fence\n\n"
                "    make run ARGS=exit   # a comment\n\n"
                "Run `make hosttest\nT=buddy` here.\n")
    doc = Doc(f.name)
    os.unlink(f.name)
    check("an unmarked output block is found",
          [looks_like_output(b) for b in doc.blocks]
          == [True, False, False, True])
    check("a format block is marked", doc.blocks[1].kind == "format")
    check("a marker without a fence is an error", len(doc.errors) == 1)
    check("indented commands are found",
          [t for _, t in doc.code_lines]
          == ["make run ARGS=exit   # a comment"])
    check("a wrapped span is one command",
          ("make hosttest T=buddy") in [t for _, t in doc.spans])
    failed = results.count(False)
    print("docs-check-selftest: %d passed, %d failed"
          % (len(results) - failed, failed))
    return 0 if failed == 0 else 1


# ---------------------------------------------------------------- main

def doc_paths(argv):
    if argv:
        return argv
    docs = []
    for sub in ("docs", "docs/labs"):
        d = os.path.join(ROOT, sub)
        if os.path.isdir(d):
            docs += sorted(sub + "/" + f for f in os.listdir(d)
                           if f.endswith(".md"))
    return ["README.md"] + docs


def main():
    argv = sys.argv[1:]
    if argv == ["--self-test"]:
        return self_test()
    update = "--update" in argv
    argv = [a for a in argv if a != "--update"]
    if any(a.startswith("-") for a in argv):
        print(__doc__.strip())
        return 2
    os.chdir(ROOT)
    if not os.path.exists(ELF):
        print("docs-check: %s is missing; run make first" % ELF)
        return 2
    docs = [Doc(p) for p in doc_paths(argv)]
    passed, failed = 0, 0
    runner = Runner()
    checker = CommandChecker(runner)

    def fail(msg):
        nonlocal failed
        failed += 1
        print("docs-check: FAIL " + msg)

    for doc in docs:
        for e in doc.errors:
            fail(e)
    blocks = [b for d in docs for b in d.blocks]
    # Start every boot and command first, then compare as they finish.
    # The full self-test boots take longest: start them first.
    keys = [run_key(b.attrs) for b in blocks if b.kind == "output"]
    for key in sorted(set(keys), key=lambda k: (
            not re.search(r"(^| )selftest($| )", k[2] if k[0] == "boot"
                          else ""), keys.index(k))):
        runner.submit(key)
    for d in docs:
        checker.scan(d)

    rewrites = {}
    for b in blocks:
        if b.kind is None:
            if looks_like_output(b):
                fail("%s: block looks like kernel output but has no marker;"
                     " put <!-- output: mem=... args=\"...\" match=\"...\" -->"
                     " (or <!-- format --> for a line format) on the line "
                     "before it" % b.where())
            continue
        if b.kind in ("format", "bad"):
            continue
        if b.kind == "recorded":
            cmd = b.attrs.get("cmd", "")
            if not cmd.startswith("make "):
                fail("%s: recorded block needs cmd=\"make ...\"" % b.where())
                continue
            err = checker.target_error(cmd.split()[1])
            if err:
                fail("%s: %s" % (b.where(), err))
            else:
                passed += 1
                print("docs-check: ok %s (recorded output of %s: its "
                      "command exists; not rerun)" % (b.where(), cmd))
            continue
        key = run_key(b.attrs)
        r = runner.result(key)
        match = re.compile(ere(b.attrs["match"])) if "match" in b.attrs \
            else None
        volatile = re.compile(ere(b.attrs["volatile"])) \
            if b.attrs.get("volatile") else None
        got = [l for l in r.lines if match is None or match.search(l)]
        diff = compare(b.lines, got, volatile)
        if r.note.startswith("timed out") or r.status == -1:
            diff = diff or ("(the run to end)", r.note, 0)
        if diff is None:
            passed += 1
            print("docs-check: ok %s" % b.where())
            continue
        want, got_line, idx = diff
        at = "%s:%d" % (b.path, b.fence_line + 1 + idx)
        if update and got and r.status != 124 and r.status != -1:
            rewrites[(b.path, b.fence_line)] = (b, regenerate(b.lines, got,
                                                              volatile))
            passed += 1
            print("docs-check: rewriting %s from %s (%s was: %s)"
                  % (b.where(), describe(key), at, want))
            continue
        fail("%s: differs from %s (%s)\n  %s: expected: %s\n"
             "  %s: got:      %s" % (b.where(), describe(key),
                                     r.note or "status %s" % r.status,
                                     at, want, at, got_line))

    for where, what, fn in checker.checks:
        err = fn()
        if err:
            fail("%s: `%s`: %s" % (where, what, err))
        else:
            passed += 1
    runner.close()

    if update and rewrites:
        for doc in docs:
            text = list(doc.text)
            mine = sorted((fl, v) for (p, fl), v in rewrites.items()
                          if p == doc.path)
            for fence_line, (b, new) in reversed(mine):
                pad = " " * b.indent
                text[fence_line:fence_line + len(b.lines)] = \
                    [pad + l if l else l for l in new]
            with open(os.path.join(ROOT, doc.path), "w",
                      encoding="utf-8") as f:
                f.write("\n".join(text))
            if mine:
                print("docs-check: rewrote %d block(s) in %s"
                      % (len(mine), doc.path))
    print("docs-check: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
