#!/usr/bin/env python3
"""tools/lab.py - the labs: student trees, the grader, seeded bugs.

Usage (the Makefile targets call these; see docs/labs/README.md):
  lab.py list                     the labs and the seeded bugs
  lab.py strip LAB DIR            write a student tree for LAB to DIR
  lab.py grade [LAB]              grade LAB (a student tree: its own lab;
                                  the full tree: every lab)
  lab.py breakit BUG DIR          write a copy of the tree with bug BUG
  lab.py grade-breakit            in a break-it tree: grade the student's
                                  regression tests (mm/regress_test.c)
  lab.py check                    the machinery's own test (make labcheck)
  lab.py show-bug BUG             print a seeded bug (for instructors)
  lab.py encode-bug SPEC.json     print the line to add to the bug file

A lab's functions are marked in the solution source by a line
    /* Lab N: what the function does */
directly above the function's definition; the whole body, from the
"{" line to the "}" line (both at column 0), is the student's.
Exit status: 0 on success (grade: full marks only), 1 otherwise,
2 on a usage error.
"""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LABS_FILE = os.path.join("tools", "labs", "labs.txt")
BUGS_FILE = os.path.join("tools", "labs", "bugs.dat")
MARK = re.compile(r"^/\* Lab (\d+): (.*) \*/$")
BOOT_TIMEOUT = 60       # seconds per boot test
HOST_TIMEOUT = 300      # seconds per host test run (each test also has
                        # its own limit inside hosttest)
MEM = "128M"


def die(msg, status=2):
    print("lab: " + msg, file=sys.stderr)
    sys.exit(status)


# ---- the lab table ------------------------------------------------------

class Lab:
    def __init__(self, num, name, title):
        self.num, self.name, self.title = num, name, title
        self.handout = None
        self.tests = []         # (points, kind, filter)

    def total(self):
        return sum(p for p, _, _ in self.tests)


def read_labs(root):
    """Parses tools/labs/labs.txt: 'lab N NAME TITLE', 'handout PATH',
    'test POINTS host|boot FILTER'."""
    labs, cur = {}, None
    path = os.path.join(root, LABS_FILE)
    with open(path) as f:
        for n, line in enumerate(f, 1):
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            where = "%s:%d" % (LABS_FILE, n)
            if words[0] == "lab" and len(words) >= 4 and words[1].isdigit():
                cur = Lab(int(words[1]), words[2], " ".join(words[3:]))
                labs[cur.num] = cur
            elif cur is None:
                die("%s: '%s' before any 'lab' line" % (where, words[0]), 1)
            elif words[0] == "handout" and len(words) == 2:
                cur.handout = words[1]
            elif (words[0] == "test" and len(words) == 4 and
                  words[1].isdigit() and words[2] in ("host", "boot")):
                cur.tests.append((int(words[1]), words[2], words[3]))
            else:
                die("%s: cannot read '%s'" % (where, line.strip()), 1)
    return labs


# ---- finding and stubbing a lab's functions -----------------------------

class Region:
    """One marked function: lines [start, end] of path (0-based), the
    signature lines and the body's '{' and '}' lines."""
    def __init__(self, path, mark, sig_first, brace, end, sig, lab, what):
        self.path, self.mark, self.sig_first = path, mark, sig_first
        self.brace, self.end, self.sig = brace, end, sig
        self.lab, self.what = lab, what
        m = re.search(r"([A-Za-z_]\w*)\s*\(", sig)
        self.name = m.group(1) if m else None


def source_files(root):
    out = []
    for top in ("mm", "kernel", "drivers"):
        d = os.path.join(root, top)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith(".c") or name.endswith(".h"):
                out.append(os.path.join(top, name))
    return out


def find_regions(root, lab=None):
    regions = []
    for rel in source_files(root):
        with open(os.path.join(root, rel)) as f:
            lines = f.read().split("\n")
        i = 0
        while i < len(lines):
            m = MARK.match(lines[i])
            if not m:
                i += 1
                continue
            num, what = int(m.group(1)), m.group(2)
            j = i + 1
            while j < len(lines) and lines[j] != "{":
                if lines[j] == "" or lines[j].startswith(("}", "/*")):
                    die("%s:%d: the Lab mark is not above a function "
                        "definition" % (rel, i + 1), 1)
                j += 1
            k = j + 1
            while k < len(lines) and lines[k] != "}":
                k += 1
            if j >= len(lines) or k >= len(lines):
                die("%s:%d: no function body after the Lab mark" %
                    (rel, i + 1), 1)
            r = Region(rel, i, i + 1, j, k, " ".join(lines[i + 1:j]), num,
                       what)
            if r.name is None:
                die("%s:%d: no function name after the Lab mark" %
                    (rel, i + 1), 1)
            if lab is None or num == lab:
                regions.append(r)
            i = k + 1
    return regions


def split_params(sig):
    inner = sig[sig.index("(") + 1:sig.rindex(")")]
    params, depth, cur = [], 0, ""
    for c in inner:
        if c == "," and depth == 0:
            params.append(cur)
            cur = ""
            continue
        depth += c in "([" and 1 or (c in ")]" and -1 or 0)
        cur += c
    params.append(cur)
    names = []
    for p in params:
        p = p.strip()
        if p in ("", "void", "..."):
            continue
        m = re.search(r"\(\s*\*\s*([A-Za-z_]\w*)\s*\)", p)     # (*fn)(...)
        if not m:
            m = re.search(r"([A-Za-z_]\w*)\s*(\[[^\]]*\]\s*)*$", p)
        if m:
            names.append(m.group(1))
    return names


def return_type(sig, name):
    t = sig[:sig.index(name)]
    for word in ("static", "inline", "MM_INLINE", "MM_COLD", "extern"):
        t = re.sub(r"\b%s\b" % word, " ", t)
    return " ".join(t.split())


def stub_body(r):
    rtype = return_type(r.sig, r.name)
    body = ["{"]
    for p in split_params(r.sig):
        body.append("    (void)%s;" % p)
    body.append('    MM_LAB_MISSING("%s");' % r.name)
    if rtype == "void":
        pass
    elif "*" in rtype:
        body.append("    return NULL;")
    else:
        body.append("    return (%s){0};" % rtype)
    body.append("}")
    return body


def mark_unused(lines):
    """Marks MM_UNUSED each static function that only a stripped body
    called: a helper given to the student, unused until they use it."""
    for i in range(len(lines) - 1):
        if not lines[i].startswith("static ") or lines[i].endswith(";"):
            continue
        m = re.match(r"([A-Za-z_]\w*)\(", lines[i + 1])
        if not m:
            continue
        word = re.compile(r"\b%s\b" % re.escape(m.group(1)))
        uses = [j for j, l in enumerate(lines) if word.search(l) and
                j != i + 1 and not (l.startswith("static ") and
                                    l.rstrip().endswith(";"))]
        if not uses:
            lines[i] = "static MM_UNUSED " + lines[i][len("static "):]


def strip_regions(root, regions):
    by_file = {}
    for r in regions:
        by_file.setdefault(r.path, []).append(r)
    for rel, rs in by_file.items():
        path = os.path.join(root, rel)
        with open(path) as f:
            lines = f.read().split("\n")
        for r in sorted(rs, key=lambda r: -r.brace):
            lines[r.brace:r.end + 1] = stub_body(r)
        mark_unused(lines)
        with open(path, "w") as f:
            f.write("\n".join(lines))


# ---- copying the tree ---------------------------------------------------

def tree_files(root):
    """The files of the tree: git's list when it is a repository (the
    work tree's current contents), else every file outside build/."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z"],
                             capture_output=True, check=True).stdout
        files = [f for f in out.decode().split("\0") if f]
        return [f for f in files if os.path.exists(os.path.join(root, f))]
    except (OSError, subprocess.CalledProcessError):
        files = []
        for d, dirs, names in os.walk(root):
            rel = os.path.relpath(d, root)
            dirs[:] = [x for x in dirs if not (rel == "." and
                                               x in ("build", ".git"))]
            files += [os.path.normpath(os.path.join(rel, n)) for n in names]
        return files


def copy_tree(root, dest, with_build=False):
    """Copies the tree to dest (which must not exist or be empty), keeping
    modification times; with_build also copies the build's objects so
    that only changed files are compiled again."""
    if os.path.exists(dest) and os.listdir(dest):
        die("%s exists and is not empty; remove it or choose another "
            "directory" % dest, 1)
    os.makedirs(dest, exist_ok=True)
    for rel in tree_files(root):
        src, dst = os.path.join(root, rel), os.path.join(dest, rel)
        os.makedirs(os.path.dirname(dst) or ".", exist_ok=True)
        shutil.copy2(src, dst)
    if with_build:
        for sub in ("host", "kernel"):
            s = os.path.join(root, "build", sub)
            if os.path.isdir(s):
                shutil.copytree(s, os.path.join(dest, "build", sub),
                                symlinks=True)
        for f in ("hosttest", "kmemlab.elf"):
            s = os.path.join(root, "build", f)
            if os.path.exists(s):
                shutil.copy2(s, os.path.join(dest, "build", f))


def git_init(dest, message):
    cmd = ["git", "-c", "user.name=kmemlab", "-c", "user.email=kmemlab@localhost",
           "-C", dest]
    try:
        subprocess.run(cmd[:-2] + ["init", "-q", dest], check=True)
        subprocess.run(cmd + ["add", "-A"], check=True)
        subprocess.run(cmd + ["commit", "-q", "-m", message], check=True)
    except (OSError, subprocess.CalledProcessError):
        print("lab: note: no git repository made in %s" % dest)


def make_student_tree(root, lab, dest, with_build=False):
    regions = find_regions(root, lab.num)
    if not regions:
        die("lab %d has no marked function" % lab.num, 1)
    copy_tree(root, dest, with_build)
    strip_regions(dest, regions)
    with open(os.path.join(dest, ".lab"), "w") as f:
        f.write("%d\n" % lab.num)
    return regions


# ---- building and grading -----------------------------------------------

def build(root, quiet=True):
    r = subprocess.run(["make", "-C", root, "-s", "build/hosttest",
                        "build/kmemlab.elf"], capture_output=True, text=True)
    if r.returncode != 0 and not quiet:
        sys.stdout.write(r.stdout[-3000:] + r.stderr[-3000:])
    return r.returncode == 0, r.stdout + r.stderr


def first_reason(text):
    for pat in (r"not implemented: \w+", r"panic: .*", r"FAIL \S+ .*",
                r"assertion failed: .*", r"no test matches .*"):
        m = re.search(pat, text)
        if m:
            return m.group(0)[:100]
    return None


def run_host(root, filt):
    try:
        r = subprocess.run([os.path.join(root, "build", "hosttest"), filt],
                           capture_output=True, text=True, cwd=root,
                           timeout=HOST_TIMEOUT)
    except subprocess.TimeoutExpired:
        return False, "timed out after %d s" % HOST_TIMEOUT
    text = r.stdout + r.stderr
    m = re.search(r"^hosttest: (\d+) passed, (\d+) failed$", r.stdout, re.M)
    ok = r.returncode == 0 and m is not None and int(m.group(1)) > 0 \
        and m.group(2) == "0"
    return ok, None if ok else (first_reason(text) or
                                "exit status %d" % r.returncode)


def run_boot(root, filt):
    qemu = os.environ.get("QEMU", "qemu-system-i386")
    log = tempfile.NamedTemporaryFile(prefix="grade-", suffix=".log",
                                      delete=False)
    log.close()
    try:
        try:
            subprocess.run([qemu, "-kernel",
                            os.path.join(root, "build", "kmemlab.elf"),
                            "-append", "selftest=" + filt, "-m", MEM,
                            "-no-reboot", "-display", "none",
                            "-serial", "file:" + log.name, "-monitor", "none",
                            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"],
                           stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=BOOT_TIMEOUT)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
        with open(log.name, errors="replace") as f:
            text = f.read().replace("\r", "")
    finally:
        os.unlink(log.name)
    m = re.search(r"^selftest: (\d+) passed, (\d+) failed$", text, re.M)
    ok = (not timed_out and m is not None and int(m.group(1)) > 0 and
          m.group(2) == "0" and "kmemlab: exit success" in text)
    if ok:
        return True, None
    if timed_out:
        return False, "hung: no end within %d s" % BOOT_TIMEOUT
    return False, first_reason(text) or "the boot did not end in success"


def grade_lab(root, lab, built):
    got = 0
    print("grade: lab %d (%s): %s" % (lab.num, lab.name, lab.title))
    for points, kind, filt in lab.tests:
        if not built:
            ok, why = False, "build failed"
        elif kind == "host":
            ok, why = run_host(root, filt)
        else:
            ok, why = run_boot(root, filt)
        got += points if ok else 0
        print("grade: %s %s %s: %d/%d%s" % ("PASS" if ok else "FAIL", kind,
              filt, points if ok else 0, points, "" if ok else " (%s)" % why))
    print("grade: LAB %d: %d/%d points" % (lab.num, got, lab.total()))
    return got, lab.total()


def tree_lab(root):
    p = os.path.join(root, ".lab")
    if os.path.exists(p):
        with open(p) as f:
            return int(f.read().strip())
    return None


def cmd_grade(root, which):
    labs = read_labs(root)
    mine = tree_lab(root)
    if which is None:
        which = [mine] if mine is not None else sorted(labs)
    else:
        if which not in labs:
            die("no lab %s; the labs are %s" % (which, ", ".join(
                str(n) for n in sorted(labs))))
        which = [which]
    built, out = build(root, quiet=False)
    if not built:
        print("grade: the tree does not build; every test scores 0")
    full = True
    for n in which:
        got, total = grade_lab(root, labs[n], built)
        full = full and got == total
    return 0 if full else 1


# ---- seeded bugs --------------------------------------------------------

def encode_bug(spec):
    raw = zlib.compress(json.dumps(spec, sort_keys=True).encode(), 9)
    return base64.b64encode(raw).decode()


def read_bugs(root):
    bugs = {}
    path = os.path.join(root, BUGS_FILE)
    if not os.path.exists(path):
        return bugs
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            num, data = line.split(None, 1)
            try:
                bugs[int(num)] = json.loads(zlib.decompress(
                    base64.b64decode(data)))
            except (ValueError, zlib.error):
                die("%s:%d: cannot decode bug %s" % (BUGS_FILE, n, num), 1)
    return bugs


def apply_edits(root, bug, reverse=False):
    """Applies (or reverts) a bug's edits; each text must occur exactly
    once.  Returns None, or what went wrong."""
    for e in bug["edits"]:
        old, new = (e["new"], e["old"]) if reverse else (e["old"], e["new"])
        path = os.path.join(root, e["file"])
        try:
            with open(path) as f:
                text = f.read()
        except OSError:
            return "%s: no such file" % e["file"]
        if text.count(old) != 1:
            return "%s: the text to change occurs %d times, not once" % (
                e["file"], text.count(old))
        with open(path, "w") as f:
            f.write(text.replace(old, new))
    return None


def cmd_breakit(root, num, dest):
    bugs = read_bugs(root)
    if num not in bugs:
        die("no bug %s; the bugs are %s" % (num, ", ".join(
            str(n) for n in sorted(bugs))))
    if tree_lab(root) is not None or os.path.exists(
            os.path.join(root, ".breakit")):
        die("this is a student tree; run make breakit in the full tree")
    copy_tree(root, dest)
    why = apply_edits(dest, bugs[num])
    if why:
        die("bug %d does not apply: %s" % (num, why), 1)
    with open(os.path.join(dest, ".breakit"), "w") as f:
        f.write("%d\n" % num)
    git_init(dest, "break-it %d" % num)
    print("lab: wrote %s: the tree with seeded bug %d (%s)" % (
        dest, num, bugs[num]["layer"]))
    print("lab: symptom: %s" % bugs[num]["symptom"])
    return 0


def cmd_grade_breakit(root):
    p = os.path.join(root, ".breakit")
    if not os.path.exists(p):
        die("not a break-it tree (no .breakit); make breakit BUG=N first")
    with open(p) as f:
        num = int(f.read().strip())
    bug = read_bugs(root)[num]
    print("grade: break-it %d (%s)" % (num, bug["layer"]))
    built, _ = build(root, quiet=False)
    fails_bugged = built and not run_host(root, "regress")[0]
    print("grade: %s your tests fail on the bugged tree" %
          ("PASS" if fails_bugged else "FAIL"))
    tmp = tempfile.mkdtemp(prefix="breakit-fixed-")
    try:
        copy_tree(root, os.path.join(tmp, "t"), with_build=True)
        fixed = os.path.join(tmp, "t")
        why = apply_edits(fixed, bug, reverse=True)
        if why:
            print("grade: the bug could not be taken out again (%s): was "
                  "the code around it changed?" % why)
            passes_fixed = False
        else:
            ok, _ = build(fixed, quiet=False)
            passes_fixed = ok and run_host(fixed, "regress")[0]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("grade: %s your tests pass on the correct tree" %
          ("PASS" if passes_fixed else "FAIL"))
    got = 1 if fails_bugged and passes_fixed else 0
    print("grade: BREAKIT %d: %d/1 points" % (num, got))
    return 0 if got == 1 else 1


# ---- the machinery's own test -------------------------------------------

def cmd_check(root):
    labs, bugs = read_labs(root), read_bugs(root)
    passed = failed = 0

    def result(ok, what):
        nonlocal passed, failed
        print("labcheck: %s %s" % ("ok" if ok else "FAIL", what))
        if ok:
            passed += 1
        else:
            failed += 1

    built, _ = build(root, quiet=False)
    result(built, "the full tree builds")
    for n in sorted(labs):
        lab = labs[n]
        regions = find_regions(root, n)
        result(len(regions) > 0, "lab %d marks %d functions (%s)" % (
            n, len(regions), ", ".join(r.name for r in regions)))
        got, total = grade_lab(root, lab, built)
        result(got == total and total > 0,
               "lab %d: the solution scores %d/%d" % (n, got, total))
        tmp = tempfile.mkdtemp(prefix="labcheck-")
        try:
            dest = os.path.join(tmp, "lab")
            make_student_tree(root, lab, dest, with_build=True)
            ok, out = build(dest, quiet=False)
            warn = re.search(r"warning|error", out)
            result(ok and not warn, "lab %d: the student tree builds without "
                   "a warning" % n)
            got, total = grade_lab(dest, lab, ok)
            result(got == 0, "lab %d: the student tree scores %d/%d" % (
                n, got, total))
            r = subprocess.run([os.path.join(dest, "build", "hosttest")],
                               capture_output=True, text=True, cwd=dest)
            result(re.search(r"^hosttest: \d+ passed, [1-9]\d* failed$",
                             r.stdout, re.M) is not None and
                   any(("not implemented: %s" % x.name) in
                       r.stdout + r.stderr for x in regions),
                   "lab %d: the student tree's host tests run to their "
                   "summary and name a missing function" % n)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    for n in sorted(bugs):
        tmp = tempfile.mkdtemp(prefix="labcheck-bug-")
        try:
            dest = os.path.join(tmp, "bug")
            copy_tree(root, dest, with_build=True)
            why = apply_edits(dest, bugs[n])
            result(why is None, "bug %d applies%s" % (
                n, "" if why is None else ": " + why))
            if why:
                continue
            ok, out = build(dest, quiet=False)
            result(ok, "bug %d builds" % n)
            caught, why = run_host(dest, bugs[n]["caught_by"])
            result(ok and not caught, "bug %d is caught by hosttest %s%s" % (
                n, bugs[n]["caught_by"], "" if why is None else " (" + why +
                ")"))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    result(len(bugs) >= 8, "%d seeded bugs (at least 8)" % len(bugs))
    print("labcheck: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


# ---- main ---------------------------------------------------------------

def cmd_list(root):
    labs, bugs = read_labs(root), read_bugs(root)
    for n in sorted(labs):
        lab = labs[n]
        names = ", ".join(r.name for r in find_regions(root, n))
        print("lab %d %s: %s (%d points; write %s)" % (
            n, lab.name, lab.title, lab.total(), names))
    for n in sorted(bugs):
        print("bug %d %s: %s" % (n, bugs[n]["layer"], bugs[n]["symptom"]))
    return 0


def number(s, what):
    if s is None or not s.isdigit():
        die("%s must be a number, not '%s'" % (what, s))
    return int(s)


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) >= 2 else 2
    cmd, args, root = argv[1], argv[2:], os.getcwd()
    if cmd == "list" and not args:
        return cmd_list(root)
    if cmd == "strip" and len(args) == 2:
        if tree_lab(root) is not None:
            die("this is already a student tree; run make lab in the full "
                "tree")
        labs = read_labs(root)
        n = number(args[0], "LAB")
        if n not in labs:
            die("no lab %d; the labs are %s" % (n, ", ".join(
                str(x) for x in sorted(labs))))
        regions = make_student_tree(root, labs[n], args[1])
        git_init(args[1], "lab %d: skeleton" % n)
        print("lab: wrote %s: lab %d (%s), to write: %s" % (
            args[1], n, labs[n].title, ", ".join(r.name for r in regions)))
        if labs[n].handout:
            print("lab: hand-out: %s" % labs[n].handout)
        return 0
    if cmd == "grade" and len(args) <= 1:
        if os.path.exists(os.path.join(root, ".breakit")):
            return cmd_grade_breakit(root)
        return cmd_grade(root, number(args[0], "LAB") if args and args[0]
                         else None)
    if cmd == "breakit" and len(args) == 2:
        return cmd_breakit(root, number(args[0], "BUG"), args[1])
    if cmd == "grade-breakit" and not args:
        return cmd_grade_breakit(root)
    if cmd == "check" and not args:
        return cmd_check(root)
    if cmd == "show-bug" and len(args) == 1:
        bugs = read_bugs(root)
        n = number(args[0], "BUG")
        if n not in bugs:
            die("no bug %d" % n)
        print(json.dumps(bugs[n], indent=2, sort_keys=True))
        return 0
    if cmd == "encode-bug" and len(args) == 1:
        with open(args[0]) as f:
            spec = json.load(f)
        for key in ("layer", "symptom", "caught_by", "edits"):
            if key not in spec:
                die("%s: no '%s'" % (args[0], key), 1)
        print(encode_bug(spec))
        return 0
    die("unknown command or wrong arguments: %s (try --help)" %
        " ".join(argv[1:]))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
