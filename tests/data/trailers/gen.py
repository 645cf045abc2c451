#!/usr/bin/env python3
"""Generate trailer-parsing test vectors by running real git.

Writes cases.jsonl next to this script. Each line is one JSON object:

    {"id": "...", "message": "...", "expected": [["Key", "value"], ...],
     "extra_keys": [...],      # optional: sent as -c trailer.<k>.key=<k>
     "comment_char": "#"}      # optional: sent as -c core.commentChar=<c>

"expected" is what

    GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_SYSTEM=/dev/null \\
        git -c trailer.separators=: interpret-trailers --parse

prints for the message on stdin, one "Key: value" line per trailer, split at
the first ": ". The script runs git in an empty temporary directory outside any
repository, so no repository config is read. The vectors were recorded with
git 2.47. The script warns if another version is used, since trailer parsing
changed later (for example, newer git does not treat "http://x" as a trailer).

Usage: python3 tests/data/trailers/gen.py   (no arguments; deterministic)
"""

import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cases.jsonl")

SCISSORS = "# ------------------------ >8 ------------------------"


def git_env(workdir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["GIT_CONFIG_GLOBAL"] = "/dev/null"
    env["GIT_CONFIG_SYSTEM"] = "/dev/null"
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CEILING_DIRECTORIES"] = os.path.dirname(workdir)
    env["LC_ALL"] = "C"
    return env


WORKDIR = tempfile.mkdtemp(prefix="trailer-vectors-")
ENV = git_env(WORKDIR)


def git_version():
    out = subprocess.run(["git", "--version"], cwd=WORKDIR, env=ENV,
                         capture_output=True, check=True)
    return out.stdout.decode().strip()


def run_git(message, extra_keys=(), comment_char=None):
    cmd = ["git", "-c", "trailer.separators=:"]
    if comment_char is not None:
        cmd += ["-c", "core.commentChar=" + comment_char]
    for k in extra_keys:
        cmd += ["-c", "trailer.%s.key=%s" % (k, k)]
    cmd += ["interpret-trailers", "--parse"]
    res = subprocess.run(cmd, input=message.encode("utf-8"), cwd=WORKDIR,
                         env=ENV, capture_output=True)
    if res.returncode != 0:
        raise SystemExit("git failed on %r: %s" % (message, res.stderr.decode()))
    out = res.stdout.decode("utf-8")
    pairs = []
    if out:
        assert out.endswith("\n"), repr(out)
        for line in out[:-1].split("\n"):
            key, sep, value = line.partition(": ")
            assert sep and key and ":" not in key, (message, line)
            pairs.append([key, value])
    return pairs


CASES = []
SEEN = set()


def add(cid, message, extra_keys=(), comment_char=None):
    sig = (message, tuple(extra_keys), comment_char)
    if sig in SEEN:
        return
    SEEN.add(sig)
    rec = {"id": cid, "message": message}
    if extra_keys:
        rec["extra_keys"] = list(extra_keys)
    if comment_char is not None:
        rec["comment_char"] = comment_char
    rec["expected"] = run_git(message, extra_keys, comment_char)
    CASES.append(rec)


# ---------------------------------------------------------------------------
# A. Hand-written cases: the reference table (section 4.4) and edge cases.
# ---------------------------------------------------------------------------
HAND = [
    ("ref01-title-only-signoff", "Signed-off-by: A <a@x>"),
    ("ref02-basic", "subj\n\nSigned-off-by: A <a@x>"),
    ("ref03-no-blank", "subj\nSigned-off-by: A"),
    ("ref04-75pct-no-gitgen", "subj\n\nReviewed-by: x\nReviewed-by: y\nAcked-by: z\nnot a trailer line"),
    ("ref05-25pct", "subj\n\nn1\nn2\nn3\nSigned-off-by: x"),
    ("ref06-20pct", "subj\n\nn1\nn2\nn3\nn4\nSigned-off-by: x"),
    ("ref07-cherry", "subj\n\ntext\n(cherry picked from commit abc123)\nReviewed-by: r"),
    ("ref08-continuation", "subj\n\nReviewed-by: Alice\n  <alice@example.com>\nAcked-by: Bob"),
    ("ref09a-space-before-colon", "subj\n\nReviewed-by : Alice"),
    ("ref09b-no-space-after", "subj\n\nAcked-by:Bob"),
    ("ref09c-tab-before-colon", "subj\n\nReviewed-by\t: Alice"),
    ("ref10-leading-space", "subj\n\n Reviewed-by: Alice"),
    ("ref11-underscore", "subj\n\nReviewed_by: Alice"),
    ("ref12-case-kept", "subj\n\nreviewed-BY: Alice"),
    ("ref13-empty-value", "subj\n\nReviewed-by:"),
    ("ref14-comment-between", "subj\n\nA: b\n# comment\nC: d\n"),
    ("ref15a-trailing-blank", "subj\n\nA: b\n\n\n"),
    ("ref15b-ws-separator", "subj\n \t \nA: b\n"),
    ("ref16-divider", "subj\n\nReviewed-by: Alice\n---\npatch"),
    ("ref17-last-paragraph", "subj\n\nReviewed-by: early\n\nbody\n\nAcked-by: late"),
    ("ref18-50pct", "subj\n\nThis fixes it.\nReviewed-by: Alice"),
    ("ref19-http", "subj\n\nhttp://example.com/x\nSigned-off-by: A"),
    ("ref20-see-url", "subj\n\nsee https://example.com/x\nReviewed-by: Alice"),
    ("ref21-lowercase-sob", "subj\n\nsome text\nsome text\nsigned-off-by: x"),
    ("empty", ""),
    ("only-newline", "\n"),
    ("only-newlines", "\n\n\n"),
    ("only-spaces", "   \n\t\n"),
    ("subject-only", "Fix the frobnicator"),
    ("subject-only-nl", "Fix the frobnicator\n"),
    ("subject-body", "Fix the frobnicator\n\nIt was broken.\n"),
    ("leading-blank-then-trailer", "\nA: b"),
    ("leading-blanks-then-trailers", "\n\nA: b\nC: d\n"),
    ("two-paragraph-title-trailer-like", "A: b\n\nC: d"),
    ("comment-title-blank", "# c\n\nA: b"),
    ("comment-title-no-blank", "# c\nA: b"),
    ("comment-in-title", "subj\n# c\n\nA: b"),
    ("comment-only-title-lines", "#c\nA: b\nC: d"),
    ("comment-breaks-continuation", "subj\n\nA: b\n# c\n  cont\nD: e"),
    ("comment-breaks-continuation-sob", "subj\n\nA: b\n# c\n  cont\nSigned-off-by: e"),
    ("comment-hash-colon", "subj\n\n#A: b\nC: d"),
    ("sob-cont-then-text", "subj\n\nSigned-off-by: x\n  cont\nn1\nn2\nn3"),
    ("sob-cont-then-text-nl", "subj\n\nSigned-off-by: x\n  cont\nn1\nn2\nn3\n"),
    ("trailer-cont-then-text-sob", "subj\n\nA: x\n  cont\nn1\nn2\nn3\nSigned-off-by: y"),
    ("divider-at-end-no-nl", "subj\n\nA: b\n---"),
    ("divider-x", "subj\n\nA: b\n---x\nC: d"),
    ("divider-tab", "subj\n\nA: b\n---\tx\nC: d"),
    ("divider-space", "subj\n\nA: b\n--- a/file\n+++ b/file\n"),
    ("divider-four-dashes", "subj\n\nA: b\n----\nC: d"),
    ("divider-as-subject", "---\n\nA: b"),
    ("divider-in-body", "subj\n\n---\nA: b\n\nC: d\n"),
    ("divider-two-dashes", "subj\n\nA: b\n--\nC: d"),
    ("crlf-continuation", "subj\n\nA: b\r\n  c\r\nD: e\r\n"),
    ("crlf-all", "subj\r\n\r\nA: b\r\nC: d\r\n"),
    ("crlf-trailing-blank", "subj\r\n\r\nA: b\r\nC: d\r\n\r\n\r\n"),
    ("crlf-divider", "subj\n\nA: b\r\n---\r\nC: d"),
    ("cr-line-continuation", "subj\n\nA: b\n\rC: d\n"),
    ("vt-line", "subj\n\nA: b\n\x0bC: d\n"),
    ("ff-line", "subj\n\nA: b\n\x0cC: d\n"),
    ("leading-continuation", "subj\n\n  lead\nA: b\n"),
    ("dash-keys", "subj\n\n-: b\n--x: c\n"),
    ("key-spaces", "subj\n\nKey \t: v\nK y: v\nK\t\t:v"),
    ("key-spaces-ok", "subj\n\nKey \t: v\nK\t\t:v"),
    ("key-inner-space", "subj\n\nK y: v\nSigned-off-by: s"),
    ("key-nonascii", "subj\n\nKéy: v\nA: b"),
    ("key-nonascii-sob", "subj\n\nKéy: v\nSigned-off-by: b"),
    ("ws-line-in-block", "subj\n\nA: b\n \t \nC: d\n"),
    ("empty-values", "subj\n\nA:\nB:   \nC: d  \n"),
    ("equals-sign", "subj\n\nA=b\nC: d"),
    ("equals-sign-sob", "subj\n\nA=b\nSigned-off-by: d"),
    ("sob-no-space", "subj\n\nSigned-off-by:x\nn1\nn2"),
    ("sob-no-space-alone", "subj\n\nSigned-off-by:x"),
    ("sob-double-space", "subj\n\nSigned-off-by:  x\nn1\nn2\nn3"),
    ("sob-space-before-colon", "subj\n\nSigned-off-by : x\nn1"),
    ("cherry-only", "subj\n\n(cherry picked from commit abc123)\n"),
    ("cherry-colon", "subj\n\n(cherry picked from commit abc: x)\nn1\n"),
    ("cherry-lowercase", "subj\n\n(Cherry picked from commit abc)\nA: b\n"),
    ("scissors", "subj\n\nA: b\n" + SCISSORS + "\nC: d\n"),
    ("scissors-blank-before", "subj\n\nA: b\n\n" + SCISSORS + "\nC: d\n"),
    ("scissors-crlf", "subj\n\nA: b\n" + SCISSORS + "\r\nC: d\n"),
    ("scissors-first-line", SCISSORS + "\nsubj\n\nA: b\n"),
    ("scissors-no-nl", "subj\n\nA: b\n" + SCISSORS),
    ("scissors-after-divider", "subj\n\nA: b\n---\n" + SCISSORS + "\nC: d\n"),
    ("conflicts-tail", "subj\n\nA: b\nConflicts:\n\tfoo\n"),
    ("conflicts-then-trailer", "subj\n\nA: b\nConflicts:\n\tfoo\nC: d\n"),
    ("conflicts-blank-tail", "subj\n\nA: b\n\nConflicts:\n\tfoo\n\tbar\n# comment\n"),
    ("conflicts-space-path", "subj\n\nA: b\nConflicts:\n  foo\n"),
    ("colon-first", "subj\n\n: value\nA: b"),
    ("colon-only-lines", "subj\n\n:\nSigned-off-by: x"),
    ("value-with-colons", "subj\n\nLink: https://example.com:8080/a:b\n"),
    ("value-unicode", "subj\n\nCo-authored-by: Zoë Ünïcødé <z@example.com>\nSigned-off-by: 山田 <y@example.jp>\n"),
    ("value-emoji", "subj\n\nX-Mood: 😀 happy\n"),
    ("long-continuation", "subj\n\nA: one\n two\n\tthree\n   four\nB: five\n"),
    ("continuation-empty-value", "subj\n\nA:\n  cont\n"),
    ("continuation-ws-only", "subj\n\nA: b\n  \nC: d\n"),
    ("trailing-ws-values", "subj\n\nA: b   \nC:\td\t\n"),
    ("numeric-key", "subj\n\n123: four\n"),
    ("bug-hash", "subj\n\nFix #42\nSigned-off-by: x"),
    ("text-with-colon", "subj\n\nNote: this is prose, not a trailer really.\n"),
    ("body-then-trailers", "subj\n\nBody line one.\nBody line two.\n\nReviewed-by: A\nSigned-off-by: B\n"),
    ("body-trailer-like-then-prose", "subj\n\nReviewed-by: A\n\nJust prose at the end.\n"),
    ("nul-in-block", "subj\n\nA: b\0\nC: d\n"),
    ("nul-at-end", "subj\n\nA: b\nC: d\0junk"),
    ("nul-after-divider", "subj\n\nA: b\n---\0junk"),
    ("nul-in-title", "su\0bj\n\nA: b\n"),
]
for cid, msg in HAND:
    add("hand-" + cid, msg)

# ---------------------------------------------------------------------------
# B. Systematic combinations.
# ---------------------------------------------------------------------------
TITLES = [
    ["feat: add the thing"],
    ["Two line", "title here"],
    [],  # message starts with a blank line
    ["Signed-off-by: Title <t@x>"],
    ["# commented", "real subject"],
]
BODIES = [
    [],
    [["This is the body.", "It explains the change."]],
    [["Body paragraph.", "# a comment in the body"]],
    [["Reviewed-by: in-body <x@y>"], ["More prose."]],
]
BLOCKS = {
    "all-trailers": ["Reviewed-by: Alice <a@x>", "Acked-by: Bob <b@x>"],
    "sob-only": ["Signed-off-by: Dev <d@x>"],
    "continuations": ["Reviewed-by: Alice", "  <a@x>", "Tested-by: Carol", "\t<c@x>"],
    "sob-25pct": ["Some words.", "More words.", "Even more.", "Signed-off-by: Dev <d@x>"],
    "sob-20pct": ["w1", "w2", "w3", "w4", "Signed-off-by: Dev <d@x>"],
    "mixed-no-gitgen": ["Reviewed-by: Alice", "a prose line"],
    "cherry-and-text": ["(cherry picked from commit 0123abc)", "prose", "Acked-by: Z"],
    "comment-in-middle": ["A: 1", "# comment", "B: 2"],
    "space-before-colon": ["Key : v", "Other\t:w"],
    "empty-value": ["Empty:", "Full: yes"],
    "url-line": ["https://example.com/issue/1", "Signed-off-by: Dev <d@x>"],
    "leading-ws": [" Indented: no", "Signed-off-by: Dev <d@x>"],
    "ws-continuation-sob": ["Signed-off-by: Dev", "  <d@x>", "text", "text", "text"],
}
TAILS = {
    "none": [],
    "blank": ["", ""],
    "comment": ["# Please enter the commit message", "#"],
    "divider": ["---", " file | 2 +-", "Extra: trailer"],
    "scissors": [SCISSORS, "diff --git a/x b/x"],
    "conflicts": ["Conflicts:", "\tsrc/main.rs"],
    "ws-line": ["   "],
}


def build(title, bodies, block, tail, eol, final_nl):
    paras = []
    if title is not None:
        paras.append(title)
    paras.extend(bodies)
    paras.append(block)
    lines = []
    for i, para in enumerate(paras):
        if i > 0:
            lines.append("")
        lines.extend(para)
    lines.extend(tail)
    text = eol.join(lines)
    if final_nl and text:
        text += eol
    return text


i = 0
for bname, block in BLOCKS.items():
    for tname, tail in TAILS.items():
        title = TITLES[i % len(TITLES)]
        body = BODIES[(i // len(TITLES)) % len(BODIES)]
        eol = "\r\n" if i % 3 == 2 else "\n"
        final_nl = i % 4 != 3
        add("combo-%s-%s-%d" % (bname, tname, i), build(title, body, block, tail, eol, final_nl))
        i += 1
for bname, block in BLOCKS.items():
    for ti, title in enumerate(TITLES):
        add("title-%s-%d" % (bname, ti), build(title, [], block, [], "\n", True))

# ---------------------------------------------------------------------------
# C. Random messages from a pool of line kinds (fixed seed).
# ---------------------------------------------------------------------------
rng = random.Random(20240917)
KEYS = ["Signed-off-by", "Reviewed-by", "Acked-by", "Co-authored-by", "Change-Id",
        "Fixes", "Link", "Tested-by", "X-Y", "a", "B-2", "reviewed-by", "signed-off-by"]
WORDS = ["fix", "the", "bug", "in", "parser", "Zoë", "ok", "see", "also", "<a@b.c>", "#12"]


def rand_value():
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 4)))


def rand_line():
    kind = rng.choices(
        ["trailer", "sob", "cherry", "cont", "comment", "blank", "wsblank", "text",
         "spacedkey", "badkey", "divider", "url", "textcolon", "crblank"],
        weights=[30, 8, 2, 8, 4, 6, 2, 14, 3, 3, 1, 2, 3, 1])[0]
    if kind == "trailer":
        sep = rng.choice([": ", ":", ":  ", " : ", "\t: "])
        return rng.choice(KEYS) + sep + rand_value() + rng.choice(["", "", " ", "\t"])
    if kind == "sob":
        return "Signed-off-by: " + rand_value()
    if kind == "cherry":
        return "(cherry picked from commit %07x)" % rng.getrandbits(28)
    if kind == "cont":
        return rng.choice([" ", "  ", "\t", " \t"]) + rand_value()
    if kind == "comment":
        return "#" + rng.choice(["", " ", " note: "]) + rand_value()
    if kind == "blank":
        return ""
    if kind == "wsblank":
        return rng.choice([" ", "\t", "  \t "])
    if kind == "crblank":
        return "\r"
    if kind == "text":
        return rand_value() or "text"
    if kind == "spacedkey":
        return "Key word: " + rand_value()
    if kind == "badkey":
        return rng.choice(["Key_x", "Kéy", "K.y", "(k)"]) + ": " + rand_value()
    if kind == "divider":
        return rng.choice(["---", "--- ", "---x", "----"])
    if kind == "url":
        return rng.choice(["http://example.com/a", "see https://x.y/z"])
    if kind == "textcolon":
        return "Note: " + rand_value() + " and then some more: words"
    raise AssertionError(kind)


for n in range(260):
    lines = ["Subject line %d" % n] if rng.random() < 0.9 else []
    lines.append("")
    for _ in range(rng.randint(1, 9)):
        lines.append(rand_line())
    eol = "\r\n" if rng.random() < 0.12 else "\n"
    text = eol.join(lines)
    if rng.random() < 0.8:
        text += eol
    add("random-%03d" % n, text)

# ---------------------------------------------------------------------------
# D. Configured keys and comment characters.
# ---------------------------------------------------------------------------
CFG = [
    ("cfg-rb-25pct", "subj\n\nsome text\nsome text\nReviewed-by: x", ["Reviewed-by"], None),
    ("cfg-rb-lower", "subj\n\nreviewed-by: x\nsome text\nsome", ["Reviewed-by"], None),
    ("cfg-rb-space-colon", "subj\n\nreviewed-by : x\nsome text\nsome", ["Reviewed-by"], None),
    ("cfg-rb-prefix-R", "subj\n\nR: x\nsome text\nsome", ["Reviewed-by"], None),
    ("cfg-rb-prefix-Rev", "subj\n\nRev: x\nA: b", ["Reviewed-by"], None),
    ("cfg-rb-longer", "subj\n\nReviewed-by-bot: x\nn\nn", ["Reviewed-by"], None),
    ("cfg-rb-20pct", "subj\n\nn1\nn2\nn3\nn4\nReviewed-by: x", ["Reviewed-by"], None),
    ("cfg-rb-25pct-2", "subj\n\nn1\nn2\nn3\nReviewed-by: x", ["Reviewed-by"], None),
    ("cfg-rb-not-present", "subj\n\nn1\nAcked-by: x", ["Reviewed-by"], None),
    ("cfg-two-keys", "subj\n\nn1\nn2\nChange-Id: I123\nn3", ["Reviewed-by", "Change-Id"], None),
    ("cfg-dash-stem", "subj\n\nA-: x\nB: y", ["Acked-by"], None),
    ("cfg-dash-only", "subj\n\n-: x\nB: y", ["Acked-by", "Zed"], None),
    ("cfg-dash-only-text", "subj\n\n-: x\nfoo\nbar", ["Acked-by"], None),
    ("cfg-dash-stem-text", "subj\n\nA-: x\nfoo\nbar", ["Acked-by"], None),
    ("cfg-dup-keys", "subj\n\nacked-by: x\nfoo", ["acked-by", "ACKED-BY"], None),
    ("cfg-prefix-order", "subj\n\nR: x\nRe: y\nRep: z", ["Reviewed-by", "Reported-by"], None),
    ("cfg-continuation", "subj\n\nn1\nn2\nReviewed-by: a\n  b\nn3", ["Reviewed-by"], None),
    ("cfg-sob-also", "subj\n\nn1\nn2\nn3\nSigned-off-by: s", ["Reviewed-by"], None),
    ("cfg-key-case-out", "subj\n\nCHANGE-ID: I1\nn", ["Change-Id"], None),
    ("cfg-trailing-dash-tok", "subj\n\nChange-: I1\nn", ["Change-Id"], None),
    ("cc-semicolon", "subj\n\nA: b\n; c\nC: d\n", [], ";"),
    ("cc-semicolon-hash-line", "subj\n\nA: b\n# c\nC: d\n", [], ";"),
    ("cc-section", "subj\n\nA: b\n§ c\nC: d\n", [], "§"),
    ("cc-section-no-space", "subj\n\nA: b\n§c\nC: d\n", [], "§"),
    ("cc-S-hides-sob", "subj\n\nA: b\nSigned-off-by: c\nC: d\n", [], "S"),
    ("cc-S-title", "Subject\nA: b\n", [], "S"),
    ("cc-semicolon-scissors", "subj\n\nA: b\n; ------------------------ >8 ------------------------\nC: d\n", [], ";"),
    ("cc-semicolon-hash-scissors", "subj\n\nA: b\n" + SCISSORS + "\nC: d\n", [], ";"),
    ("cc-semicolon-trailing", "subj\n\nA: b\n\n; comment\n;\n", [], ";"),
    ("cc-A-continuation", "subj\n\nX: b\nAlpha: c\n  cont\nD: e\n", [], "A"),
    ("cc-percent-title", "% c\n\nA: b", [], "%"),
    ("cc-both", "subj\n\nn1\n; c\nn2\nReviewed-by: x\n", ["Reviewed-by"], ";"),
]
for cid, msg, keys, cc in CFG:
    add(cid, msg, keys, cc)

# Random messages again, with a configured key and a comment char.
for n in range(40):
    lines = ["Subject %d" % n, ""]
    for _ in range(rng.randint(1, 8)):
        line = rand_line()
        if line.startswith("#") and rng.random() < 0.5:
            line = ";" + line[1:]
        lines.append(line)
    text = "\n".join(lines) + "\n"
    keys = rng.choice([["Reviewed-by"], ["Acked-by", "Change-Id"], ["Fixes"], []])
    cc = rng.choice([None, ";"])
    add("random-cfg-%02d" % n, text, keys, cc)


def main():
    version = git_version()
    if not version.startswith("git version 2.47."):
        print("warning: vectors are meant to be recorded with git 2.47, got %r" % version,
              file=sys.stderr)
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        for rec in CASES:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    with_trailers = sum(1 for r in CASES if r["expected"])
    print("%s: wrote %d cases (%d with trailers) to %s"
          % (version, len(CASES), with_trailers, OUT))


main()
