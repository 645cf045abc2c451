//! The few things done with the git CLI rather than git2: network operations (so the user's
//! credentials, SSH config and protocol settings apply) and git's own signature verification.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::error::{Error, Result};

fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir).stdin(Stdio::null());
    // Our own hooks must not run inside a hook's nested push or fetch.
    c.env_remove("GIT_POLICY_HOOK_PATH");
    c
}

fn run(mut cmd: Command, what: &str) -> Result<Output> {
    cmd.output().map_err(|e| Error::io(format!("running git to {what}"), e))
}

/// Fetches our notes refs from `remote` into `refs/notes/remotes/<remote>/git-policy/*`.
pub fn fetch_notes(dir: &Path, remote: &str) -> Result<()> {
    let mut c = git(dir);
    c.args([
        "fetch",
        "--quiet",
        "--no-write-fetch-head",
        remote,
        &format!("+refs/notes/git-policy/*:refs/notes/remotes/{remote}/git-policy/*"),
    ]);
    let out = run(c, "fetch notes")?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    // A remote without any of our notes yet is not an error.
    if err.contains("couldn't find remote ref") {
        return Ok(());
    }
    Err(Error::git(
        format!("fetching notes from {remote} failed: {}", err.trim()),
        "check the remote's address and your access (git fetch works?)",
    ))
}

/// The outcome of pushing notes.
#[derive(Debug, PartialEq, Eq)]
pub enum PushOutcome {
    /// Pushed (or nothing to push).
    Done,
    /// The remote has notes we do not: pull, merge, retry.
    Rejected,
}

/// Pushes the given notes refs to the same names on `remote`, without running hooks.
pub fn push_notes(dir: &Path, remote: &str, refs: &[String]) -> Result<PushOutcome> {
    if refs.is_empty() {
        return Ok(PushOutcome::Done);
    }
    let mut c = git(dir);
    c.args(["push", "--quiet", "--no-verify", "--porcelain", remote]);
    for r in refs {
        c.arg(format!("{r}:{r}"));
    }
    let out = run(c, "push notes")?;
    if out.status.success() {
        return Ok(PushOutcome::Done);
    }
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if text.contains("non-fast-forward") || text.contains("fetch first") || text.contains("[rejected]") {
        return Ok(PushOutcome::Rejected);
    }
    Err(Error::git(
        format!("pushing notes to {remote} failed: {}", text.trim()),
        "check the remote's address and your access (git push works?)",
    ))
}
