//! The `git-policy` binary: parse, run, print the error chain, map to an exit code.
#![forbid(unsafe_code)]

use std::process::ExitCode;

/// On musl (what install.sh builds on Linux, for its fast process start), musl's own allocator
/// returns freed memory with `munmap`, which made `check` 3x slower than on glibc; with mimalloc
/// it is within 10% (BENCHMARKS.md).
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    git_policy::main_entry()
}
