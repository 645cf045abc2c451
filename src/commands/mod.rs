//! One module per subcommand: gather inputs, call the core, hand findings to `report`.

pub mod check;
pub mod coverage;
pub mod deploy;
pub mod doctor;
pub mod facts;
pub mod gate;
pub mod generate;
pub mod hook;
pub mod incident;
pub mod install;
pub mod metrics;
pub mod notes;
pub mod policy;
pub mod review;
pub mod stamp;

use std::io::Write;
use std::path::PathBuf;

use crate::cli::{Cli, Command, GateCommand, NotesCommand, ReviewCommand, StampCommand};
use crate::error::{Error, Result};
use crate::policy::{load, Loaded, NoBlobs, Source};
use crate::repo::Repo;

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    if let Some(dir) = &cli.dir {
        std::env::set_current_dir(dir).map_err(|e| Error::io(format!("cannot change to {}", dir.display()), e))?;
    }
    match cli.command {
        Command::Install(args) => install::install(&args, out),
        Command::Uninstall(_) => install::uninstall(out),
        Command::Hook(args) => {
            let mut all = vec![args.name];
            all.extend(args.args);
            hook::run(&all, err)
        }
        Command::Check(args) => check::run(&args, out, err),
        Command::Doctor(args) => doctor::run(&args, out),
        Command::Coverage(args) => coverage::run(&args, out, err),
        Command::Policy(cmd) => policy::run(cmd, out),
        Command::Completions(args) => generate::completions(args.shell, out),
        Command::Man(_) => generate::man(out),
        Command::Notes(NotesCommand::Pull { remote }) => notes::run_pull(remote.as_deref(), out),
        Command::Notes(NotesCommand::Push { remote }) => notes::run_push(remote.as_deref(), out),
        Command::Notes(NotesCommand::Export { stream }) => notes::run_export(&stream, out),
        Command::Stamp(StampCommand::Merged { range }) => stamp::merged(range.as_deref(), out),
        Command::Review(ReviewCommand::Approve { rev, sign }) => review::approve(rev.as_deref(), sign, out),
        Command::Deploy(args) => deploy::run(&args, out, err),
        Command::Incident(cmd) => incident::run(cmd, out),
        Command::Metrics(args) => metrics::run(&args, out, err),
        Command::Gate(GateCommand::Promote(args)) => gate::promote(&args, out),
    }
}

/// Where the effective policy comes from for a repository (or none).
pub fn policy_source(repo: Option<&Repo>) -> Source {
    if let Some(file) = crate::env::policy_file() {
        return Source::File(PathBuf::from(file));
    }
    if let Some(root) = repo.and_then(Repo::workdir) {
        let path = root.join(crate::policy::FILE_NAME);
        if path.exists() {
            return Source::File(path);
        }
    }
    Source::Builtin("default".into())
}

/// Loads the effective policy of a repository (or the embedded default outside one).
pub fn load_policy(repo: Option<&Repo>) -> Result<Loaded> {
    let source = policy_source(repo);
    Ok(match repo {
        Some(r) => load::load(source, r)?,
        None => load::load(source, &NoBlobs)?,
    })
}

/// Loads the policy as it is at a revision (CI: the base commit), so a change cannot weaken
/// the checks on itself; a base without a policy file gets the embedded default.
pub fn load_policy_at(repo: &Repo, rev: &str) -> Result<Loaded> {
    if let Some(file) = crate::env::policy_file() {
        return Ok(load::load(Source::File(PathBuf::from(file)), repo)?);
    }
    let source = match repo.read_blob(rev, crate::policy::FILE_NAME) {
        Ok(_) => Source::Blob { rev: rev.to_string(), path: crate::policy::FILE_NAME.to_string() },
        Err(_) => Source::Builtin("default".into()),
    };
    Ok(load::load(source, repo)?)
}

/// Writes to a report stream; a closed pipe is not worth a different exit code.
pub fn io_err(e: std::io::Error) -> Error {
    Error::io("writing output", e)
}
