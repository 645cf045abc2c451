//! `completions` and `man`: generated from the same clap definitions as the parser.

use std::io::Write;

use clap::CommandFactory;

use super::io_err;
use crate::cli::Cli;
use crate::error::Result;

/// Prints completions for a shell.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) -> Result<u8> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "git-policy", out);
    Ok(0)
}

/// Prints the man page.
pub fn man(out: &mut dyn Write) -> Result<u8> {
    clap_mangen::Man::new(Cli::command()).render(out).map_err(io_err)?;
    Ok(0)
}
