#!/usr/bin/env python3
"""Generate a large coverage benchmark: a repository, a change touching many files, and reports.

    scripts/gen-coverage-fixture.py --out DIR [--files 28000] [--changed 1000]
                                    [--lcov-mb 50] [--cobertura-mb 80]

Writes:
  DIR/repo          a git repository (built with `git fast-import`): branch `base` holds --files
                    Python-like source files of 150 lines each; `main` (checked out) changes
                    --changed of them, spread evenly: five lines rewritten and ten appended.
  DIR/lcov.info     an lcov tracefile of `main` as geninfo writes it (TN, SF, FN/FNDA/FNF/FNH,
                    DA, BRDA, BRF/BRH, LF/LH), padded with more files' records up to --lcov-mb.
  DIR/coverage.xml  a Cobertura report as coverage.py writes it, up to --cobertura-mb.

Every changed file is in both reports; hit counts follow a fixed pattern, so runs are
reproducible. Paths are relative to the repository root, which both git-policy and diff-cover
read. Takes about half a minute.
"""

import argparse
import os
import subprocess
import sys

LINES = 150  # lines per source file on `base`
ADDED = 10  # lines appended to a changed file on `main`


def path_of(i):
    return f"src/pkg_{i % 199:03d}/mod_{i:05d}.py"


def source(i, changed):
    out = []
    for n in range(1, LINES + 1):
        if n % 5 == 0:
            out.append(f"# comment {n}")
        elif changed and 10 <= n < 15:
            out.append(f"v_{n} = compute({n}, {i})  # changed")
        else:
            out.append(f"v_{n} = {n} + {i}")
    if changed:
        out.extend(f"w_{n} = extra({n})" for n in range(ADDED))
    return ("\n".join(out) + "\n").encode()


def executable(n):
    return n % 5 != 0


def hits(i, n):
    # About 88% of lines covered; a few uncovered runs per file.
    return 0 if (n * 7 + i) % 17 < 2 else (n + i) % 9 + 1


def build_repo(repo, files, changed):
    subprocess.run(["git", "init", "-q", "-b", "base", repo], check=True)
    fi = subprocess.Popen(["git", "-C", repo, "fast-import", "--quiet"], stdin=subprocess.PIPE)
    w = fi.stdin.write
    when = 1_700_000_000

    def commit(branch, msg, entries, parent=None):
        nonlocal when
        when += 3600
        w(f"commit refs/heads/{branch}\n".encode())
        w(f"committer Bench <bench@example.com> {when} +0000\n".encode())
        data = msg.encode()
        w(f"data {len(data)}\n".encode() + data + b"\n")
        if parent:
            w(f"from {parent}\n".encode())
        for p, blob in entries:
            w(f"M 100644 inline {p}\n".encode())
            w(f"data {len(blob)}\n".encode() + blob + b"\n")

    commit("base", "chore: the project", ((path_of(i), source(i, False)) for i in range(files)))
    commit("main", "feat: change many files", ((path_of(i), source(i, True)) for i in sorted(changed)), "refs/heads/base")
    fi.stdin.close()
    if fi.wait() != 0:
        sys.exit("git fast-import failed")
    # fast-import's pack chains every similar blob into long delta chains; repack it the way a
    # real repository's gc leaves it, so reading the changed blobs costs what it does there.
    subprocess.run(["git", "-C", repo, "repack", "-adfq"], check=True)
    subprocess.run(["git", "-C", repo, "config", "gc.auto", "0"], check=True)
    subprocess.run(["git", "-C", repo, "checkout", "-q", "-f", "main"], check=True)


def order(files, changed):
    """Changed files first (they must be in every report), then the rest."""
    return sorted(changed) + [i for i in range(files) if i not in changed]


def write_lcov(path, files, changed, limit):
    size = 0
    with open(path, "w") as f:
        for i in order(files, changed):
            if size >= limit:
                break
            n_lines = LINES + (ADDED if i in changed else 0)
            rec = [f"TN:\nSF:{path_of(i)}\n"]
            fns = list(range(1, n_lines, 15))
            rec += [f"FN:{n},f_{i}_{n}\n" for n in fns]
            rec += [f"FNDA:{hits(i, n)},f_{i}_{n}\n" for n in fns]
            rec.append(f"FNF:{len(fns)}\nFNH:{sum(1 for n in fns if hits(i, n))}\n")
            lf = lh = brf = brh = 0
            for n in range(1, n_lines + 1):
                if not executable(n):
                    continue
                h = hits(i, n)
                rec.append(f"DA:{n},{h}\n")
                lf += 1
                lh += h > 0
                if n % 10 == 1:
                    taken = "-" if h == 0 else str(h // 2)
                    rec.append(f"BRDA:{n},0,0,{taken}\nBRDA:{n},0,1,{'-' if h == 0 else h - h // 2}\n")
                    brf += 2
                    brh += (h // 2 > 0) + (h - h // 2 > 0) if h else 0
            rec.append(f"BRF:{brf}\nBRH:{brh}\nLF:{lf}\nLH:{lh}\nend_of_record\n")
            text = "".join(rec)
            f.write(text)
            size += len(text)
    return size


def write_cobertura(path, repo, files, changed, limit):
    size = 0
    with open(path, "w") as f:
        head = (
            '<?xml version="1.0" ?>\n'
            '<coverage version="7.6.1" timestamp="1733300000000" lines-valid="0" lines-covered="0" '
            'line-rate="0.88" branches-covered="0" branches-valid="0" branch-rate="0.5" complexity="0">\n'
            "\t<!-- Generated by coverage.py: https://coverage.readthedocs.io/en/7.6.1 -->\n"
            f"\t<sources>\n\t\t<source>{os.path.abspath(repo)}</source>\n\t</sources>\n\t<packages>\n"
        )
        f.write(head)
        size += len(head)
        package = None
        for i in order(files, changed):
            if size >= limit:
                break
            pkg = path_of(i).rsplit("/", 1)[0].replace("/", ".")
            parts = []
            if pkg != package:
                if package is not None:
                    parts.append("\t\t\t</classes>\n\t\t</package>\n")
                parts.append(
                    f'\t\t<package name="{pkg}" line-rate="0.88" branch-rate="0.5" complexity="0">\n\t\t\t<classes>\n'
                )
                package = pkg
            p = path_of(i)
            parts.append(
                f'\t\t\t\t<class name="{p.rsplit("/", 1)[1]}" filename="{p}" complexity="0" '
                'line-rate="0.88" branch-rate="0.5">\n\t\t\t\t\t<methods/>\n\t\t\t\t\t<lines>\n'
            )
            n_lines = LINES + (ADDED if i in changed else 0)
            for n in range(1, n_lines + 1):
                if not executable(n):
                    continue
                h = hits(i, n)
                if n % 10 == 1:
                    c = 0 if h == 0 else (1 if h == 1 else 2)
                    parts.append(
                        f'\t\t\t\t\t\t<line number="{n}" hits="{h}" branch="true" '
                        f'condition-coverage="{c * 50}% ({c}/2)"/>\n'
                    )
                else:
                    parts.append(f'\t\t\t\t\t\t<line number="{n}" hits="{h}"/>\n')
            parts.append("\t\t\t\t\t</lines>\n\t\t\t\t</class>\n")
            text = "".join(parts)
            f.write(text)
            size += len(text)
        tail = "\t\t\t</classes>\n\t\t</package>\n\t</packages>\n</coverage>\n"
        f.write(tail)
        size += len(tail)
    return size


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--files", type=int, default=28000)
    ap.add_argument("--changed", type=int, default=1000)
    ap.add_argument("--lcov-mb", type=float, default=50)
    ap.add_argument("--cobertura-mb", type=float, default=80)
    a = ap.parse_args()
    if a.changed > a.files:
        sys.exit("--changed must be at most --files")
    os.makedirs(a.out, exist_ok=True)
    repo = os.path.join(a.out, "repo")
    if os.path.exists(repo):
        sys.exit(f"{repo} exists; remove it first")
    step = a.files / a.changed
    changed = {int(k * step) for k in range(a.changed)}
    build_repo(repo, a.files, changed)
    mb = 1_000_000
    lcov = write_lcov(os.path.join(a.out, "lcov.info"), a.files, changed, a.lcov_mb * mb)
    cob = write_cobertura(os.path.join(a.out, "coverage.xml"), repo, a.files, changed, a.cobertura_mb * mb)
    print(f"{repo}: {a.files} files, {len(changed)} changed on main against base")
    print(f"lcov.info {lcov / mb:.1f} MB, coverage.xml {cob / mb:.1f} MB")


if __name__ == "__main__":
    main()
