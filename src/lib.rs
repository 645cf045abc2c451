//! git-policy: delivery rules for git, enforced by hooks and re-checked in CI.
//!
//! `main_entry` parses the command line and runs one command; everything else is a module with
//! one job (see docs/ARCHITECTURE.md for the data flow).
#![deny(unsafe_code)]

pub mod cli;
pub mod commands;
pub mod coverage;
pub mod env;
pub mod error;
pub mod events;
pub mod finding;
pub mod git_cli;
pub mod policy;
pub mod progress;
pub mod repo;
pub mod report;
pub mod rules;
pub mod shim;
pub mod subject;
pub mod trailers;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub use error::{Error, Result};

/// Runs the binary: the hook path skips clap, because hooks must start in milliseconds.
pub fn main_entry() -> ExitCode {
    env::start_clock();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    // Not locked for the whole run: a worker thread's trace line (GIT_POLICY_TRACE) would wait
    // for the lock forever. stderr is unbuffered, so each write locks it briefly anyway.
    let mut err = std::io::stderr();
    let result = match commands::hook::fast_args(&args) {
        Some(hook_args) => commands::hook::run(&hook_args, &mut err),
        None => match cli::Cli::try_parse_from(&args) {
            Ok(cli) => commands::run(cli, &mut out, &mut err),
            Err(e) => {
                let code = if e.use_stderr() { error::exit::USAGE } else { error::exit::OK };
                let _ = e.print();
                return ExitCode::from(code);
            }
        },
    };
    let _ = out.flush();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let _ = print_error(&e, &mut err);
            ExitCode::from(e.exit_code())
        }
    }
}

/// Prints an error with its whole cause chain and its hint.
pub fn print_error(e: &Error, w: &mut dyn Write) -> std::io::Result<()> {
    match e {
        Error::Policy(p) => write!(w, "{p}")?,
        other => {
            let shown = other.to_string();
            writeln!(w, "git-policy: error: {shown}")?;
            let mut source = std::error::Error::source(other);
            while let Some(s) = source {
                // An I/O error's message already ends with its cause; do not say it twice.
                let text = s.to_string();
                if !shown.contains(&text) {
                    writeln!(w, "  caused by: {text}")?;
                }
                source = s.source();
            }
        }
    }
    if let Some(h) = e.hint() {
        writeln!(w, "  hint: {h}")?;
    }
    Ok(())
}
