#!/usr/bin/env python3
"""Times commands interleaved, for differences smaller than this machine's drift.

hyperfine runs one command's runs back to back, so a VM that slows down by a third halfway
through shifts one command against the other. Here every round runs each command once, in a
fresh random order, and the figure that matters is the median of the per-round differences
against the first (baseline) command: drift that lasts longer than a round cancels out.

Usage: interleave.py [--runs N] [--warmup N] [--json FILE] NAME=COMMAND [NAME=COMMAND ...]
Each COMMAND runs through `sh -c`, so every command pays the same shell start.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time


def run_once(command):
    """Wall time of one `sh -c COMMAND` in ms; exits on failure, because a failing run would
    be timed as a fast one."""
    start = time.perf_counter_ns()
    pid = os.posix_spawn("/bin/sh", ["sh", "-c", command], os.environ)
    _, status = os.waitpid(pid, 0)
    elapsed = (time.perf_counter_ns() - start) / 1e6
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"interleave: `{command}` failed ({os.waitstatus_to_exitcode(status)})")
    return elapsed


def median_interval(values, rng, resamples=2000):
    """A 95% bootstrap interval of the median of `values`: how far the figure could move if the
    rounds were run again, which a claim such as "within 8 ms" must stand on."""
    n = len(values)
    medians = sorted(statistics.median(rng.choices(values, k=n)) for _ in range(resamples))
    return medians[int(resamples * 0.025)], medians[int(resamples * 0.975) - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json", help="write every time here")
    parser.add_argument("commands", nargs="+", metavar="NAME=COMMAND")
    args = parser.parse_args()
    named = []
    for spec in args.commands:
        name, sep, command = spec.partition("=")
        if not sep or not name:
            parser.error(f"expected NAME=COMMAND, got {spec!r}")
        named.append((name, command))

    rng = random.Random(1)
    times = {name: [] for name, _ in named}
    for round_no in range(args.warmup + args.runs):
        order = list(named)
        rng.shuffle(order)
        for name, command in order:
            t = run_once(command)
            if round_no >= args.warmup:
                times[name].append(t)

    base = named[0][0]
    width = max(len(name) for name, _ in named)
    print(f"{args.runs} interleaved rounds; differences are per-round, against {base}")
    summary = {}
    for name, _ in named:
        med = statistics.median(times[name])
        diffs = [t - b for t, b in zip(times[name], times[base])]
        d = statistics.median(diffs)
        lo, hi = median_interval(diffs, rng)
        summary[name] = {
            "median_ms": med,
            "median_diff_ms": d,
            "median_diff_95_ms": [lo, hi],
            "times_ms": times[name],
        }
        extra = "" if name == base else f"  {d:+7.2f} ms against {base} (95%: {lo:+.2f} to {hi:+.2f})"
        print(f"  {name:<{width}}  median {med:7.2f} ms{extra}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"base": base, "commands": dict(named), "results": summary}, f, indent=1)


if __name__ == "__main__":
    main()
