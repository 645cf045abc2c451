#!/usr/bin/env python3
"""What replacing a ref by rename costs on this filesystem, the way git and libgit2 update a
loose ref (write `ref.lock`, rename it over `ref`), against renaming onto no file.

Usage: bench-rename.py DIR [--runs N]   (DIR on the filesystem the repositories live on)
Also tried: a lock file preallocated with fallocate(FALLOC_FL_KEEP_SIZE), so that ext4 has no
delayed allocation to force at rename (auto_da_alloc).
"""

import argparse
import ctypes
import os
import statistics
import time

FALLOC_FL_KEEP_SIZE = 1
libc = ctypes.CDLL(None, use_errno=True)


def timed_rename(src, dst):
    start = time.perf_counter_ns()
    os.rename(src, dst)
    return (time.perf_counter_ns() - start) / 1e3


def write_lock(lock, preallocate=False):
    fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    if preallocate and libc.fallocate(fd, FALLOC_FL_KEEP_SIZE, ctypes.c_long(0), ctypes.c_long(4096)) != 0:
        raise OSError(ctypes.get_errno(), "fallocate")
    os.write(fd, os.urandom(20).hex().encode() + b"\n")
    os.close(fd)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    ref = os.path.join(args.dir, "ref")
    lock = ref + ".lock"
    with open(ref, "w") as f:
        f.write("0" * 40 + "\n")

    def over_existing(preallocate):
        write_lock(lock, preallocate)
        return timed_rename(lock, ref)

    def onto_nothing():
        write_lock(lock)
        os.unlink(ref)
        return timed_rename(lock, ref)

    def over_empty():
        write_lock(lock)
        os.unlink(ref)
        open(ref, "w").close()
        return timed_rename(lock, ref)

    cases = {
        "over an existing ref": lambda: over_existing(False),
        "over an existing ref, lock preallocated": lambda: over_existing(True),
        "over an empty file": over_empty,
        "onto no file": onto_nothing,
    }
    for name, case in cases.items():
        times = [case() for _ in range(args.runs)]
        print(f"  rename {name:<42} median {statistics.median(times):7.1f} us ({args.runs} runs)")


if __name__ == "__main__":
    main()
