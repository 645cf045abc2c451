//! `notes pull` and `notes push`: sync our notes refs with a remote through the git CLI.

use std::io::Write;

use super::io_err;
use crate::error::{Error, Result};
use crate::git_cli::{self, PushOutcome};
use crate::repo::Repo;

fn default_remote(repo: &Repo, remote: Option<&str>) -> Result<String> {
    if let Some(r) = remote {
        return Ok(r.to_string());
    }
    let remotes = repo.remotes()?;
    if remotes.iter().any(|r| r == "origin") {
        return Ok("origin".into());
    }
    remotes
        .into_iter()
        .next()
        .ok_or_else(|| Error::usage("this repository has no remote", "add one (git remote add origin URL) or name it"))
}

fn workdir(repo: &Repo) -> std::path::PathBuf {
    repo.workdir().unwrap_or_else(|| repo.git_dir()).to_path_buf()
}

/// Fetches the remote's notes and merges them into ours by a union of lines.
pub fn pull(repo: &Repo, remote: &str) -> Result<usize> {
    git_cli::fetch_notes(&workdir(repo), remote)?;
    let prefix = format!("refs/notes/remotes/{remote}/git-policy/");
    let mut changed = 0;
    for (name, _) in repo.ref_targets(&prefix)? {
        let stream = name.trim_start_matches(&prefix);
        changed += repo.merge_notes(&crate::events::notes_ref(stream), &name)?;
    }
    Ok(changed)
}

/// Pushes our notes refs; on a non-fast-forward, pulls, merges and tries again.
pub fn push(repo: &Repo, remote: &str) -> Result<()> {
    for _ in 0..5 {
        let refs: Vec<String> = repo.ref_targets("refs/notes/git-policy/")?.into_iter().map(|(n, _)| n).collect();
        match git_cli::push_notes(&workdir(repo), remote, &refs)? {
            PushOutcome::Done => return Ok(()),
            PushOutcome::Rejected => {
                pull(repo, remote)?;
            }
        }
    }
    Err(Error::git(format!("the notes on {remote} kept changing while pushing"), "run `git-policy notes push` again"))
}

/// `git-policy notes pull [REMOTE]`
pub fn run_pull(remote: Option<&str>, out: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover()?;
    let remote = default_remote(&repo, remote)?;
    let n = pull(&repo, &remote)?;
    writeln!(out, "notes from {remote} merged ({n} note(s) changed)").map_err(io_err)?;
    Ok(0)
}

/// `git-policy notes push [REMOTE]`
pub fn run_push(remote: Option<&str>, out: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover()?;
    let remote = default_remote(&repo, remote)?;
    if repo.ref_targets("refs/notes/git-policy/")?.is_empty() {
        // Nothing contacts the remote then, so say so rather than claim a push.
        writeln!(out, "nothing to push: this repository has no git-policy notes yet").map_err(io_err)?;
        return Ok(0);
    }
    push(&repo, &remote)?;
    writeln!(out, "notes pushed to {remote}").map_err(io_err)?;
    Ok(0)
}

/// `git-policy notes export [--stream S]`
pub fn run_export(stream: &str, out: &mut dyn Write) -> Result<u8> {
    if !crate::events::STREAMS.contains(&stream) {
        return Err(Error::usage(
            format!("no stream `{stream}`"),
            format!("streams: {}", crate::events::STREAMS.join(", ")),
        ));
    }
    let repo = Repo::discover()?;
    let mut w = std::io::BufWriter::new(out);
    for (commit, text) in repo.all_notes(&crate::events::notes_ref(stream))? {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            writeln!(w, "{commit} {line}").map_err(io_err)?;
        }
    }
    w.flush().map_err(io_err)?;
    Ok(0)
}
