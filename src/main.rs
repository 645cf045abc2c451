//! The `git-policy` binary: parse, run, print the error chain, map to an exit code.
#![forbid(unsafe_code)]

use std::process::ExitCode;

fn main() -> ExitCode {
    git_policy::main_entry()
}
