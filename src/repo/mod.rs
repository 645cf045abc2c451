//! The repository facade: the only module that names git2. It returns the crate's own types and
//! never swallows an error, because a policy tool must fail closed, not pass on partial history.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The file mode git gives a tree entry that is a directory.
const TREE_MODE: i32 = 0o040000;

pub mod commits;
mod graph;
pub mod history;
pub mod index_file;
mod lines;
mod loose;
mod mapped;
pub mod notes;
pub mod objects;
pub mod pack;
mod reflog;
pub use reflog::ReflogEntry;
mod staged;
mod treediff;

/// An open repository.
pub struct Repo {
    inner: git2::Repository,
}

fn git_err(context: &str, e: &git2::Error) -> Error {
    Error::Git { message: format!("{context}: {}", e.message()), hint: None }
}

impl Repo {
    /// Opens the repository of the current directory as git would (GIT_DIR, GIT_WORK_TREE,
    /// linked worktrees, submodules and ceilings all honoured).
    pub fn discover() -> Result<Self> {
        speed_up_libgit2();
        git2::Repository::open_from_env().map(|inner| Self { inner }).map_err(|e| {
            Error::git(
                format!("not in a git repository ({})", e.message()),
                "run git-policy inside a repository, or pass --repo DIR",
            )
        })
    }

    /// Opens the repository at or above `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        speed_up_libgit2();
        git2::Repository::discover(dir).map(|inner| Self { inner }).map_err(|e| {
            Error::git(
                format!("{} is not in a git repository ({})", dir.display(), e.message()),
                "pass a directory inside a git repository",
            )
        })
    }

    /// A second handle on the same repository, for another thread (a handle is not shared
    /// between threads) or for settings that must not touch this one.
    pub fn reopen(&self) -> Result<Self> {
        git2::Repository::open(self.inner.path())
            .map(|inner| Self { inner })
            .map_err(|e| git_err("opening the repository again", &e))
    }

    /// The work tree root; `None` for a bare repository.
    pub fn workdir(&self) -> Option<&Path> {
        self.inner.workdir()
    }

    /// Whether the repository is bare.
    pub fn is_bare(&self) -> bool {
        self.inner.is_bare()
    }

    /// Where new objects go: git's object directory (`GIT_OBJECT_DIRECTORY` when git set one,
    /// as it does for a quarantined push).
    pub(crate) fn objects_dir(&self) -> PathBuf {
        match std::env::var_os("GIT_OBJECT_DIRECTORY").filter(|v| !v.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => self.common_dir().join("objects"),
        }
    }

    /// This work tree's git dir (for a linked worktree, its private one).
    pub fn git_dir(&self) -> &Path {
        self.inner.path()
    }

    /// The directory shared by all work trees (where hooks and refs live).
    pub fn common_dir(&self) -> &Path {
        self.inner.commondir()
    }

    /// The hooks directory git really uses: `core.hooksPath` if set (relative to the work tree
    /// root, as git resolves it), else `<common dir>/hooks`.
    pub fn hooks_dir(&self) -> Result<PathBuf> {
        match self.config_string("core.hooksPath")? {
            Some(p) if !p.is_empty() => {
                let p = expand_home(&p);
                if p.is_absolute() {
                    Ok(p)
                } else {
                    let base = self.workdir().unwrap_or_else(|| self.common_dir());
                    Ok(base.join(p))
                }
            }
            _ => Ok(self.common_dir().join("hooks")),
        }
    }

    /// A config value as a string, `None` when unset.
    pub fn config_string(&self, key: &str) -> Result<Option<String>> {
        let cfg = self.inner.config().map_err(|e| git_err("reading config", &e))?;
        match cfg.get_string(key) {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git_err(&format!("reading config {key}"), &e)),
        }
    }

    /// Every value of a multi-valued config key.
    pub fn config_multi(&self, key: &str) -> Result<Vec<String>> {
        let cfg = self.inner.config().map_err(|e| git_err("reading config", &e))?;
        let mut out = Vec::new();
        let mut entries = cfg.multivar(key, None).map_err(|e| git_err(&format!("reading config {key}"), &e))?;
        while let Some(entry) = entries.next() {
            let entry = entry.map_err(|e| git_err(&format!("reading config {key}"), &e))?;
            if let Some(v) = entry.value() {
                out.push(v.to_string());
            }
        }
        Ok(out)
    }

    /// Sets a config value in the repository's own config.
    pub fn set_config(&self, key: &str, value: &str) -> Result<()> {
        let mut cfg = self.local_config()?;
        cfg.set_str(key, value).map_err(|e| git_err(&format!("setting {key}"), &e))
    }

    /// Adds a value to a multi-valued key unless it is there already.
    pub fn add_config_multi(&self, key: &str, value: &str) -> Result<bool> {
        if self.config_multi(key)?.iter().any(|v| v == value) {
            return Ok(false);
        }
        let mut cfg = self.local_config()?;
        let escaped = regex::escape(value);
        cfg.set_multivar(key, &format!("^{escaped}$"), value).map_err(|e| git_err(&format!("adding {key}"), &e))?;
        Ok(true)
    }

    /// Removes a value of a multi-valued key, if present.
    pub fn remove_config_value(&self, key: &str, value: &str) -> Result<()> {
        let mut cfg = self.local_config()?;
        match cfg.remove_multivar(key, &format!("^{}$", regex::escape(value))) {
            Ok(()) => Ok(()),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(()),
            Err(e) => Err(git_err(&format!("removing {key}"), &e)),
        }
    }

    fn local_config(&self) -> Result<git2::Config> {
        let cfg = self.inner.config().map_err(|e| git_err("reading config", &e))?;
        cfg.open_level(git2::ConfigLevel::Local).map_err(|e| git_err("opening the repository config", &e))
    }

    /// Names of the configured remotes.
    pub fn remotes(&self) -> Result<Vec<String>> {
        let names = self.inner.remotes().map_err(|e| git_err("listing remotes", &e))?;
        Ok(names.iter().flatten().map(str::to_string).collect())
    }

    /// The short name of the branch HEAD points to; `None` when detached or unborn-detached.
    pub fn current_branch(&self) -> Result<Option<String>> {
        match self.inner.find_reference("HEAD") {
            Ok(head) => Ok(head.symbolic_target().and_then(|t| t.strip_prefix("refs/heads/")).map(str::to_string)),
            Err(e) => Err(git_err("reading HEAD", &e)),
        }
    }

    /// The branch a rebase in progress is rebuilding (HEAD is detached meanwhile), from the
    /// `head-name` git keeps in `rebase-merge/` or `rebase-apply/`.
    pub fn rebasing_branch(&self) -> Option<String> {
        ["rebase-merge", "rebase-apply"].iter().find_map(|dir| {
            let name = std::fs::read_to_string(self.git_dir().join(dir).join("head-name")).ok()?;
            name.trim().strip_prefix("refs/heads/").map(str::to_string)
        })
    }

    /// The text of `path` at revision `rev`.
    pub fn read_blob(&self, rev: &str, path: &str) -> Result<String> {
        let spec = format!("{rev}:{path}");
        let obj = self.inner.revparse_single(&spec).map_err(|e| git_err(&format!("cannot resolve `{spec}`"), &e))?;
        let blob = obj.peel_to_blob().map_err(|e| git_err(&format!("`{spec}` is not a file"), &e))?;
        String::from_utf8(blob.content().to_vec())
            .map_err(|_| Error::git(format!("`{spec}` is not UTF-8 text"), "policy files are UTF-8 TOML"))
    }

    /// Borrows the git2 repository for sibling modules of this facade.
    pub(crate) fn raw(&self) -> &git2::Repository {
        &self.inner
    }
}

impl crate::policy::BlobReader for Repo {
    fn read_blob(&self, rev: &str, path: &str) -> std::result::Result<String, String> {
        Repo::read_blob(self, rev, path).map_err(|e| e.to_string())
    }
}

/// libgit2 re-hashes every object it reads by default; git itself does not, and on long ranges
/// that hashing is a large share of the time. Objects stay checked by git's own fsck and transfer.
fn speed_up_libgit2() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        git2::opts::strict_hash_verification(false);
        // Every ref git-policy moves names an object it has just written (or that `git fetch`
        // brought and checked): libgit2's check that the target exists read it back from disk
        // on each stamp.
        git2::opts::strict_object_creation(false);
        // libgit2 caches parsed trees only up to 4 KiB, so a directory of ~100 files was read
        // and inflated again for every commit that `check` diffs; trees up to 1 MiB stay cached
        // (within libgit2's overall 256 MiB cache budget).
        #[expect(unsafe_code, reason = "a libgit2 global option, set once before any other thread uses libgit2")]
        // SAFETY: `Once` runs this before any repository is opened, so no other thread is
        // reading the option while it changes.
        let _ = unsafe { git2::opts::set_cache_object_limit(git2::ObjectType::Tree, 1 << 20) };
    });
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(p),
    }
}
