#!/usr/bin/env python3
"""Build a large, deterministic fixture git repository for benchmarks.

History is streamed straight into `git fast-import`, which is orders of
magnitude faster than running `git commit` in a loop: 100k commits over 10k
files take seconds, not hours.

Usage: scripts/gen-fixture.py --out DIR [--commits N] [--files N]
                              [--notes] [--notes-ref REF] [--seed S]
"""
import argparse
import math
import os
import random
import subprocess
import sys
import time

START = 1704067200  # 2024-01-01T00:00:00Z
IDENTS = [
    (b"Ada Lovelace", b"ada@example.com", b"+0000"),
    (b"Grace Hopper", b"grace@example.com", b"-0500"),
    (b"Linus Dev", b"linus@example.com", b"+0200"),
    (b"Margaret Hamilton", b"margaret@example.com", b"-0800"),
    (b"Ken Thompson", b"ken@example.com", b"+0100"),
]
KINDS = [b"fix", b"feat", b"refactor", b"chore", b"perf"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="repository directory (created; must be empty)")
    p.add_argument("--commits", type=int, default=100_000)
    p.add_argument("--files", type=int, default=10_000)
    p.add_argument("--notes", action="store_true", help="attach a git-policy event note to every commit")
    p.add_argument("--notes-ref", default="refs/notes/git-policy/dev")
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()
    if a.commits < 1 or a.files < 1:
        p.error("--commits and --files must be >= 1")
    return a


def data(buf):
    return b"data %d\n%s\n" % (len(buf), buf)


def file_paths(n):
    # ~10 files per leaf directory, leaves arranged in a square two-level tree
    # so that tree objects at every level stay reasonably small.
    leaves = math.ceil(n / 10)
    fan = max(1, math.ceil(math.sqrt(leaves)))
    dw, fw = max(2, len(str(fan - 1))), max(4, len(str(n - 1)))
    return [
        b"src/d%0*d/d%0*d/file%0*d.rs" % (dw, (i // 10) // fan, dw, (i // 10) % fan, fw, i)
        for i in range(n)
    ]


def iso_utc(ts):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts)).encode()


def generate(out, a):
    """Write the fast-import stream to `out` (a binary file object)."""
    rng = random.Random(a.seed)
    paths = file_paths(a.files)
    # File bodies live as lists of lines so a commit can tweak one line cheaply.
    bodies = [
        [b"// %s\n" % p] + [b"pub fn f%d_%d() -> u64 { %d }\n" % (i, j, rng.randrange(10**6))
                            for j in range(rng.randint(3, 8))]
        for i, p in enumerate(paths)
    ]
    # Remember who/when per commit so the notes pass can replay it cheaply.
    who = bytearray(a.commits)
    when = [0] * a.commits

    out.write(b"feature done\n")
    ts = START
    for c in range(a.commits):
        ts += rng.randint(60, 540)  # ~5 minutes apart on average
        k = rng.randrange(len(IDENTS))
        who[c], when[c] = k, ts
        name, email, tz = IDENTS[k]
        ident = b"%s <%s> %d %s" % (name, email, ts, tz)
        if c == 0:
            touched, msg = range(a.files), b"chore: initial import\n"
        else:
            touched = rng.sample(range(a.files), min(a.files, rng.randint(1, 3)))
            msg = b"%s: update %s\n" % (rng.choice(KINDS), paths[touched[0]].rsplit(b"/", 1)[1])
        out.write(b"commit refs/heads/main\nmark :%d\nauthor %s\ncommitter %s\n%s"
                  % (c + 1, ident, ident, data(msg)))
        if c > 0:
            out.write(b"from :%d\n" % c)
        for f in touched:
            body = bodies[f]
            if c > 0:
                if rng.random() < 0.2:
                    body.append(b"pub fn f%d_%d() -> u64 { %d }\n" % (f, len(body) - 1, c))
                else:
                    j = rng.randrange(1, len(body))
                    body[j] = body[j].rsplit(b"{", 1)[0] + b"{ %d }\n" % c
            out.write(b"M 100644 inline %s\n%s" % (paths[f], data(b"".join(body))))
        out.write(b"\n")

    if a.notes:
        # One commit holding every note; fast-import picks the fan-out itself.
        ident = b"git-policy <git-policy@example.com> %d +0000" % ts
        out.write(b"commit %s\ncommitter %s\n%s" % (a.notes_ref.encode(), ident,
                                                      data(b"Notes added by gen-fixture.py\n")))
        for c in range(a.commits):
            name, email, tz = IDENTS[who[c]]
            # The line the post-commit hook writes (docs/NOTES.md): TIME v1 KIND fields.
            note = (b"%s v1 committed tz=%s author=%s branch=main hooks=pre-commit,commit-msg "
                    b"policy=fnv1a64:4f2c9a0b7d1e3c58\n" % (iso_utc(when[c]), tz, email))
            out.write(b"N inline :%d\n%s" % (c + 1, data(note)))
        out.write(b"\n")
    out.write(b"done\n")


def main():
    a = parse_args()
    t0 = time.monotonic()
    if os.path.exists(a.out) and (not os.path.isdir(a.out) or os.listdir(a.out)):
        sys.exit(f"gen-fixture: {a.out} exists and is not an empty directory")
    os.makedirs(a.out, exist_ok=True)

    def git(*args, **kw):
        return subprocess.run(["git", "-C", a.out, *args], check=True, **kw)

    git("init", "-q", "-b", "main")
    fi = subprocess.Popen(["git", "-C", a.out, "fast-import", "--quiet"],
                          stdin=subprocess.PIPE, bufsize=1 << 20)
    try:
        generate(fi.stdin, a)
        fi.stdin.close()
    except BrokenPipeError:
        pass  # fast-import died; its exit status below says why
    if fi.wait() != 0:
        sys.exit(f"gen-fixture: git fast-import failed (exit {fi.returncode})")
    t1 = time.monotonic()

    # fast-import writes objects and refs only; fill the index and work tree.
    git("reset", "-q", "--hard", "main")
    git("config", "user.name", "Bench User")
    git("config", "user.email", "bench@example.com")
    t2 = time.monotonic()
    print(f"gen-fixture: {a.commits} commits, {a.files} files"
          f"{', notes on ' + a.notes_ref if a.notes else ''} -> {a.out} "
          f"in {t2 - t0:.1f}s (fast-import {t1 - t0:.1f}s, checkout {t2 - t1:.1f}s)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
