//! `install` and `uninstall`: shims in the hooks directory git really uses, and the notes config.

use std::io::Write;

use super::io_err;
use crate::cli::InstallArgs;
use crate::error::{Error, Result};
use crate::repo::Repo;
use crate::shim::{self, InstallError, Installed, Removed};

/// The notes ref the dev stream lives in; amend and rebase carry it to new commits.
pub const DEV_NOTES_REF: &str = "refs/notes/git-policy/dev";

/// The fetch refspec that brings our notes refs from a remote.
pub fn notes_refspec(remote: &str) -> String {
    format!("+refs/notes/git-policy/*:refs/notes/remotes/{remote}/git-policy/*")
}

/// Installs the shims and the notes config.
pub fn install(args: &InstallArgs, out: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover()?;
    if repo.is_bare() && !args.server {
        return Err(Error::usage(
            format!("{} is a bare repository: nobody commits there, so client hooks would never run", repo.git_dir().display()),
            "run `git-policy install` in a clone with a work tree, or `git-policy install --server` to refuse bad pushes here with a pre-receive hook",
        ));
    }
    if args.server && !repo.is_bare() {
        return Err(Error::usage(
            "--server installs a pre-receive hook, which only a bare (server) repository runs",
            "run it in the bare repository your team pushes to",
        ));
    }
    let default: &[&str] = if args.server { shim::SERVER_HOOKS } else { shim::CLIENT_HOOKS };
    let hooks: Vec<String> = args.hooks.clone().unwrap_or_else(|| default.iter().map(|s| s.to_string()).collect());
    if let Some(bad) = hooks.iter().find(|h| !shim::is_known(h)) {
        return Err(Error::usage(
            format!("git-policy has no `{bad}` hook"),
            format!("hooks: {} (and pre-receive with --server)", shim::CLIENT_HOOKS.join(", ")),
        ));
    }
    let policy = super::load_policy(Some(&repo))?.policy;
    let bin = std::env::current_exe().map_err(|e| Error::io("finding the git-policy binary", e))?;
    let bin = bin.canonicalize().unwrap_or(bin);
    let dir = repo.hooks_dir()?;
    let mut conflicts = Vec::new();
    for name in &hooks {
        let Some(content) = shim::render(name, &bin, policy.hooks.fail_open) else { continue };
        match shim::install_one(&dir, name, &content, args.force) {
            Ok(action) => {
                let what = match action {
                    Installed::Created => "installed".to_string(),
                    Installed::Unchanged => "already installed".to_string(),
                    Installed::Updated => "updated".to_string(),
                    Installed::Chained => {
                        format!("installed; the existing hook runs first (kept as {name}{})", shim::CHAINED_SUFFIX)
                    }
                    Installed::Replaced(backup) => {
                        format!("installed; the existing hook was replaced and kept as {}", backup.display())
                    }
                };
                writeln!(out, "{name}: {what}").map_err(io_err)?;
            }
            Err(InstallError::Conflict(path)) => conflicts.push(path),
            Err(InstallError::Io(path, e)) => return Err(Error::io(format!("installing {}", path.display()), e)),
        }
    }
    if !args.server {
        configure_notes(&repo)?;
    }
    writeln!(out, "hooks directory: {}", dir.display()).map_err(io_err)?;
    if !conflicts.is_empty() {
        let list: Vec<String> = conflicts.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::usage(
            format!(
                "not installed over foreign hooks that cannot be chained (a chained hook is there already): {}",
                list.join(", ")
            ),
            "look at them; `git-policy install --force` replaces them and keeps each as NAME.git-policy-backup",
        ));
    }
    Ok(0)
}

/// Makes amend and rebase carry our stamps, merges of our notes union lines, and fetch bring them.
fn configure_notes(repo: &Repo) -> Result<()> {
    repo.add_config_multi("notes.rewriteRef", DEV_NOTES_REF)?;
    if repo.config_string("notes.rewriteMode")?.is_none() {
        repo.set_config("notes.rewriteMode", "cat_sort_uniq")?;
    }
    for stream in ["dev", "trunk", "deploy", "incident", "coverage"] {
        repo.set_config(&format!("notes.git-policy/{stream}.mergeStrategy"), "cat_sort_uniq")?;
    }
    for remote in repo.remotes()? {
        repo.add_config_multi(&format!("remote.{remote}.fetch"), &notes_refspec(&remote))?;
    }
    Ok(())
}

/// Removes our shims, restores chained hooks, and removes the config values install added.
pub fn uninstall(out: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover()?;
    let dir = repo.hooks_dir()?;
    for name in shim::CLIENT_HOOKS.iter().chain(shim::SERVER_HOOKS) {
        let done = shim::uninstall_one(&dir, name)
            .map_err(|e| Error::io(format!("removing {}", dir.join(name).display()), e))?;
        let what = match done {
            Removed::NotOurs => continue,
            Removed::Removed => "removed",
            Removed::Restored => "removed; the hook that was there before is restored",
        };
        writeln!(out, "{name}: {what}").map_err(io_err)?;
    }
    if !repo.is_bare() {
        repo.remove_config_value("notes.rewriteRef", DEV_NOTES_REF)?;
        for remote in repo.remotes()? {
            repo.remove_config_value(&format!("remote.{remote}.fetch"), &notes_refspec(&remote))?;
        }
    }
    Ok(0)
}
