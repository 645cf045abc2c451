//! The `git-policy` binary: parse, run, print the error chain, map to an exit code.
#![forbid(unsafe_code)]

use std::process::ExitCode;

/// On musl (what install.sh builds on Linux, for its fast process start) mimalloc replaces
/// musl's allocator, which returns freed memory with `munmap`: `check` was 3x slower than on
/// glibc with it. The `override` feature gives libgit2's C allocations to mimalloc as well.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    git_policy::main_entry()
}
