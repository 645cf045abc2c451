//! Hook shims: the tiny sh files in `hooks/`, and installing, inspecting and removing them
//! without ever losing a hook that was there before.
//!
//! A foreign hook is chained, not overwritten: it is renamed to `NAME.git-policy-chained`
//! (a rename keeps its bytes, mode and symlink-ness), runs first, and is renamed back on uninstall.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The client hooks `install` writes by default. The last three are what `git am` runs in place
/// of pre-commit, commit-msg and post-commit.
pub const CLIENT_HOOKS: &[&str] = &[
    "pre-commit",
    "commit-msg",
    "pre-push",
    "post-commit",
    "post-rewrite",
    "pre-applypatch",
    "applypatch-msg",
    "post-applypatch",
];
/// The hook `install --server` writes in a bare repository.
pub const SERVER_HOOKS: &[&str] = &["pre-receive"];
/// The shim version this binary writes; older ones are reported as stale.
pub const VERSION: u32 = 1;
/// Suffix of a chained foreign hook.
pub const CHAINED_SUFFIX: &str = ".git-policy-chained";
/// Suffix of a foreign hook replaced with `--force`.
pub const BACKUP_SUFFIX: &str = ".git-policy-backup";

const ID_PREFIX: &str = "# git-policy-shim: ";

const TEMPLATES: &[(&str, &str)] = &[
    ("pre-commit", include_str!("../hooks/pre-commit")),
    ("commit-msg", include_str!("../hooks/commit-msg")),
    ("pre-push", include_str!("../hooks/pre-push")),
    ("post-commit", include_str!("../hooks/post-commit")),
    ("post-rewrite", include_str!("../hooks/post-rewrite")),
    ("pre-applypatch", include_str!("../hooks/pre-applypatch")),
    ("applypatch-msg", include_str!("../hooks/applypatch-msg")),
    ("post-applypatch", include_str!("../hooks/post-applypatch")),
    ("pre-receive", include_str!("../hooks/pre-receive")),
];

/// Whether git-policy has a shim for this hook name.
pub fn is_known(name: &str) -> bool {
    TEMPLATES.iter().any(|(n, _)| *n == name)
}

/// The shim for a hook, with the binary path and fail-open setting filled in.
pub fn render(name: &str, bin: &Path, fail_open: bool) -> Option<String> {
    let (_, template) = TEMPLATES.iter().find(|(n, _)| *n == name)?;
    Some(
        template
            .replace("@BIN@", &sh_quote(&bin.to_string_lossy()))
            .replace("@FAIL_OPEN@", if fail_open { "1" } else { "0" }),
    )
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// What is installed for one hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// No hook.
    Missing,
    /// Our shim; `chained` when a foreign hook runs before it.
    Ours {
        /// The shim's version.
        version: u32,
        /// Whether a foreign hook is chained.
        chained: bool,
    },
    /// Someone else's hook.
    Foreign,
}

/// The path of a hook in a hooks dir.
pub fn hook_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}

fn chained_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}{CHAINED_SUFFIX}"))
}

/// Reads the id line of a shim: `(hook name, version)`.
fn shim_id(path: &Path) -> Option<(String, u32)> {
    let text = fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&text[..text.len().min(512)]).into_owned();
    let line = text.lines().find_map(|l| l.strip_prefix(ID_PREFIX))?;
    let (name, version) = line.trim().split_once(" v")?;
    Some((name.to_string(), version.parse().ok()?))
}

/// What is installed for `name` in `dir`.
pub fn inspect(dir: &Path, name: &str) -> State {
    let path = hook_path(dir, name);
    if fs::symlink_metadata(&path).is_err() {
        return State::Missing;
    }
    match shim_id(&path) {
        Some((n, version)) if n == name => {
            State::Ours { version, chained: fs::symlink_metadata(chained_path(dir, name)).is_ok() }
        }
        _ => State::Foreign,
    }
}

/// Whether a file is executable (git runs only executable hooks).
pub fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// What `install_one` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installed {
    /// Wrote a new shim.
    Created,
    /// Our shim was already there, byte for byte.
    Unchanged,
    /// Rewrote our shim (another version or binary path).
    Updated,
    /// Moved a foreign hook aside to run first, then wrote the shim.
    Chained,
    /// Replaced a foreign hook (with `--force`), kept as a backup.
    Replaced(PathBuf),
}

/// Why a hook could not be installed.
#[derive(Debug)]
pub enum InstallError {
    /// A foreign hook is there and cannot be chained (a chained hook exists already).
    Conflict(PathBuf),
    /// The filesystem failed.
    Io(PathBuf, io::Error),
}

/// Installs one shim, chaining a foreign hook; idempotent.
pub fn install_one(dir: &Path, name: &str, content: &str, force: bool) -> Result<Installed, InstallError> {
    let path = hook_path(dir, name);
    let io_err = |p: &Path| {
        let p = p.to_path_buf();
        move |e| InstallError::Io(p, e)
    };
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let result = match inspect(dir, name) {
        State::Missing => Installed::Created,
        State::Ours { .. } => {
            if fs::read(&path).map_err(io_err(&path))? == content.as_bytes() {
                return Ok(Installed::Unchanged);
            }
            Installed::Updated
        }
        State::Foreign => {
            let chained = chained_path(dir, name);
            if fs::symlink_metadata(&chained).is_err() {
                fs::rename(&path, &chained).map_err(io_err(&path))?;
                Installed::Chained
            } else if force {
                let backup = unused(dir, &format!("{name}{BACKUP_SUFFIX}"));
                fs::rename(&path, &backup).map_err(io_err(&path))?;
                Installed::Replaced(backup)
            } else {
                return Err(InstallError::Conflict(path));
            }
        }
    };
    write_executable(&path, content).map_err(io_err(&path))?;
    Ok(result)
}

fn unused(dir: &Path, base: &str) -> PathBuf {
    let mut candidate = dir.join(base);
    let mut n = 1;
    while fs::symlink_metadata(&candidate).is_ok() {
        candidate = dir.join(format!("{base}.{n}"));
        n += 1;
    }
    candidate
}

/// Writes through a temporary file and a rename, so a crash never leaves half a hook.
fn write_executable(path: &Path, content: &str) -> io::Result<()> {
    let tmp = path.with_extension("git-policy-tmp");
    fs::write(&tmp, content)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755))?;
    }
    fs::rename(&tmp, path)
}

/// What `uninstall_one` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Removed {
    /// Nothing of ours was there.
    NotOurs,
    /// Removed our shim.
    Removed,
    /// Removed our shim and put the chained hook back.
    Restored,
}

/// Removes our shim and restores the hook it chained; touches nothing else.
pub fn uninstall_one(dir: &Path, name: &str) -> io::Result<Removed> {
    let path = hook_path(dir, name);
    let State::Ours { chained, .. } = inspect(dir, name) else { return Ok(Removed::NotOurs) };
    fs::remove_file(&path)?;
    if chained {
        fs::rename(chained_path(dir, name), &path)?;
        return Ok(Removed::Restored);
    }
    Ok(Removed::Removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_identifies_itself() {
        for (name, template) in TEMPLATES {
            assert!(template.contains(&format!("{ID_PREFIX}{name} v{VERSION}\n")), "{name}");
            assert!(template.contains(&format!("hook {name} \"$@\"")), "{name}");
        }
        let shim = render("pre-commit", Path::new("/opt/it's/git-policy"), true).unwrap();
        assert!(shim.contains(r"bin='/opt/it'\''s/git-policy'"));
        assert!(shim.contains("fail_open=1"));
        assert!(render("pre-rebase", Path::new("x"), false).is_none());
    }
}
