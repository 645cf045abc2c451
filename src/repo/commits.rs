//! Commits and ranges: what rules need to know about history, as the crate's own types.

use super::{git_err, Repo};
use crate::error::{Error, Result};

/// A commit id in hex.
pub type CommitId = String;

/// Resolves a revision to a commit id.
impl Repo {
    /// The commit a revision names.
    pub fn resolve_commit(&self, rev: &str) -> Result<CommitId> {
        let obj = self.raw().revparse_single(rev).map_err(|e| {
            Error::git(
                format!("cannot resolve `{rev}`: {}", e.message()),
                "name a branch, tag or commit id that exists here (fetch it first in CI)",
            )
        })?;
        let commit = obj.peel_to_commit().map_err(|e| git_err(&format!("`{rev}` is not a commit"), &e))?;
        Ok(commit.id().to_string())
    }

    /// The id HEAD points to, `None` on an unborn branch.
    pub fn head_commit(&self) -> Result<Option<CommitId>> {
        match self.raw().head() {
            Ok(r) => Ok(r.target().map(|o| o.to_string())),
            Err(e) if matches!(e.code(), git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound) => Ok(None),
            Err(e) => Err(git_err("reading HEAD", &e)),
        }
    }
}

/// What rules need to know about one commit.
#[derive(Debug, Clone)]
pub struct CommitInfo {
    /// Full hex id.
    pub id: CommitId,
    /// The raw message.
    pub message: String,
    /// Author name.
    pub author_name: String,
    /// Author email.
    pub author_email: String,
    /// Author time, Unix seconds.
    pub author_time: i64,
    /// Committer email.
    pub committer_email: String,
    /// Committer time, Unix seconds.
    pub committer_time: i64,
    /// Number of parents (2 or more is a merge).
    pub parent_count: usize,
}

impl Repo {
    /// Reads one commit.
    pub fn commit_info(&self, id: &str) -> Result<CommitInfo> {
        let oid = git2::Oid::from_str(id).map_err(|e| git_err(&format!("`{id}` is not an object id"), &e))?;
        let c = self.raw().find_commit(oid).map_err(|e| git_err(&format!("reading commit {id}"), &e))?;
        let author = c.author();
        let committer = c.committer();
        Ok(CommitInfo {
            id: id.to_string(),
            message: String::from_utf8_lossy(c.message_raw_bytes()).into_owned(),
            author_name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
            author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
            author_time: author.when().seconds(),
            committer_email: String::from_utf8_lossy(committer.email_bytes()).into_owned(),
            committer_time: committer.when().seconds(),
            parent_count: c.parent_count(),
        })
    }

    /// Whether `ancestor` is `descendant` or one of its ancestors.
    pub fn is_ancestor(&self, ancestor: &str, descendant: &str) -> Result<bool> {
        let a = git2::Oid::from_str(ancestor).map_err(|e| git_err("bad object id", &e))?;
        let d = git2::Oid::from_str(descendant).map_err(|e| git_err("bad object id", &e))?;
        if a == d {
            return Ok(true);
        }
        self.raw().graph_descendant_of(d, a).map_err(|e| git_err("walking history", &e))
    }

    /// Whether an object exists in the repository.
    pub fn has_object(&self, id: &str) -> bool {
        git2::Oid::from_str(id).is_ok_and(|oid| self.raw().find_commit(oid).is_ok())
    }

    /// Commits reachable from `include` but not from `exclude`, newest first (topological).
    pub fn commits_between(&self, include: &[CommitId], exclude: &[CommitId]) -> Result<Vec<CommitId>> {
        let mut walk = self.raw().revwalk().map_err(|e| git_err("walking history", &e))?;
        walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME).map_err(|e| git_err("walking history", &e))?;
        for id in include {
            let oid = git2::Oid::from_str(id).map_err(|e| git_err("bad object id", &e))?;
            walk.push(oid).map_err(|e| git_err(&format!("walking from {id}"), &e))?;
        }
        for id in exclude {
            let oid = git2::Oid::from_str(id).map_err(|e| git_err("bad object id", &e))?;
            walk.hide(oid).map_err(|e| git_err(&format!("hiding {id}"), &e))?;
        }
        walk.map(|r| r.map(|o| o.to_string()).map_err(|e| git_err("walking history", &e))).collect()
    }

    /// Ids of every ref under a prefix (e.g. `refs/remotes/origin/`, `refs/heads/`), peeled to commits.
    pub fn ref_targets(&self, prefix: &str) -> Result<Vec<(String, CommitId)>> {
        let glob = format!("{prefix}*");
        let refs = self.raw().references_glob(&glob).map_err(|e| git_err("listing refs", &e))?;
        let mut out = Vec::new();
        for r in refs {
            let r = r.map_err(|e| git_err("listing refs", &e))?;
            if let (Some(name), Ok(c)) = (r.name(), r.peel_to_commit()) {
                out.push((name.to_string(), c.id().to_string()));
            }
        }
        Ok(out)
    }

    /// Files a commit changes against its first parent (or the empty tree), with their sizes
    /// when `sizes` (reading each blob's header costs a pack lookup).
    pub fn commit_changes(&self, id: &str, sizes: bool) -> Result<Vec<crate::subject::FileChange>> {
        let oid = git2::Oid::from_str(id).map_err(|e| git_err("bad object id", &e))?;
        let c = self.raw().find_commit(oid).map_err(|e| git_err(&format!("reading commit {id}"), &e))?;
        let old = match c.parent(0) {
            Ok(p) => Some(p.tree_id()),
            Err(_) => None,
        };
        self.tree_changes(old, Some(c.tree_id()), sizes)
    }

    /// Staged changes through libgit2 (the fallback for indexes the fast reader does not support).
    pub(crate) fn staged_changes_libgit2(&self) -> Result<Vec<crate::subject::FileChange>> {
        let head_tree = match self.raw().head() {
            Ok(h) => Some(h.peel_to_tree().map_err(|e| git_err("reading HEAD's tree", &e))?),
            Err(e) if matches!(e.code(), git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound) => None,
            Err(e) => return Err(git_err("reading HEAD", &e)),
        };
        let index = self.raw().index().map_err(|e| git_err("reading the index", &e))?;
        let diff = self
            .raw()
            .diff_tree_to_index(head_tree.as_ref(), Some(&index), None)
            .map_err(|e| git_err("diffing the index", &e))?;
        Ok(changes_of(&diff))
    }
}

fn changes_of(diff: &git2::Diff<'_>) -> Vec<crate::subject::FileChange> {
    diff.deltas()
        .filter_map(|d| {
            let deleted = d.status() == git2::Delta::Deleted;
            let file = if deleted { d.old_file() } else { d.new_file() };
            let path = file.path()?.to_string_lossy().into_owned();
            Some(crate::subject::FileChange { path, size: if deleted { 0 } else { d.new_file().size() }, deleted })
        })
        .collect()
}

impl Repo {
    /// The best common ancestor of two commits, if any.
    pub fn merge_base(&self, a: &str, b: &str) -> Result<Option<CommitId>> {
        let a = git2::Oid::from_str(a).map_err(|e| git_err("bad object id", &e))?;
        let b = git2::Oid::from_str(b).map_err(|e| git_err("bad object id", &e))?;
        match self.raw().merge_base(a, b) {
            Ok(o) => Ok(Some(o.to_string())),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git_err("finding the merge base", &e)),
        }
    }
}

impl Repo {
    /// `(ahead, behind)`: commits of `head` not in `trunk`, and of `trunk` not in `head`.
    pub fn ahead_behind(&self, head: &str, trunk: &str) -> Result<(u64, u64)> {
        let h = git2::Oid::from_str(head).map_err(|e| git_err("bad object id", &e))?;
        let t = git2::Oid::from_str(trunk).map_err(|e| git_err("bad object id", &e))?;
        let (a, b) = self.raw().graph_ahead_behind(h, t).map_err(|e| git_err("counting commits", &e))?;
        Ok((a as u64, b as u64))
    }

    /// Files and changed lines between two commits' trees (rename detection on, as git shows it).
    pub fn diff_size(&self, from: &str, to: &str, count_lines: bool) -> Result<(u64, Option<u64>)> {
        let diff = self.renamed_diff(from, to, None)?;
        let files = diff.deltas().len() as u64;
        let lines = if count_lines {
            let stats = diff.stats().map_err(|e| git_err("counting changed lines", &e))?;
            Some((stats.insertions() + stats.deletions()) as u64)
        } else {
            None
        };
        Ok((files, lines))
    }

    /// Lines (added + removed) one commit changes against its first parent.
    pub fn commit_lines(&self, id: &str) -> Result<u64> {
        let oid = git2::Oid::from_str(id).map_err(|e| git_err("bad object id", &e))?;
        let c = self.raw().find_commit(oid).map_err(|e| git_err(&format!("reading commit {id}"), &e))?;
        let new_tree = c.tree().map_err(|e| git_err("reading tree", &e))?;
        let old_tree = match c.parent(0) {
            Ok(p) => Some(p.tree().map_err(|e| git_err("reading tree", &e))?),
            Err(_) => None,
        };
        let diff = self
            .raw()
            .diff_tree_to_tree(old_tree.as_ref(), Some(&new_tree), None)
            .map_err(|e| git_err("diffing commit", &e))?;
        let stats = diff.stats().map_err(|e| git_err("counting changed lines", &e))?;
        Ok((stats.insertions() + stats.deletions()) as u64)
    }

    /// The first trunk branch that exists, preferring the remote's copy: `(display name, id)`.
    pub fn find_trunk(&self, names: &[String], remote: Option<&str>) -> Result<Option<(String, CommitId)>> {
        for name in names {
            let mut candidates = Vec::new();
            if let Some(r) = remote {
                candidates.push(format!("refs/remotes/{r}/{name}"));
            }
            candidates.push(format!("refs/remotes/origin/{name}"));
            candidates.push(format!("refs/heads/{name}"));
            for c in candidates {
                if let Ok(r) = self.raw().find_reference(&c) {
                    if let Ok(commit) = r.peel_to_commit() {
                        let shown = c.trim_start_matches("refs/remotes/").trim_start_matches("refs/heads/").to_string();
                        return Ok(Some((shown, commit.id().to_string())));
                    }
                }
            }
        }
        Ok(None)
    }
}

impl Repo {
    /// The patch id of the change between two commits (or a commit and its first parent when
    /// `from` is `None`), as git computes it: stable across rebases of the same change.
    pub fn patch_id(&self, from: Option<&str>, to: &str) -> Result<String> {
        let to_c = self
            .raw()
            .find_commit(git2::Oid::from_str(to).map_err(|e| git_err("bad object id", &e))?)
            .map_err(|e| git_err(&format!("reading {to}"), &e))?;
        let from_tree = match from {
            Some(f) => Some(
                self.raw()
                    .find_commit(git2::Oid::from_str(f).map_err(|e| git_err("bad object id", &e))?)
                    .and_then(|c| c.tree())
                    .map_err(|e| git_err(&format!("reading {f}"), &e))?,
            ),
            None => to_c.parent(0).ok().and_then(|p| p.tree().ok()),
        };
        let to_tree = to_c.tree().map_err(|e| git_err("reading tree", &e))?;
        let diff = self
            .raw()
            .diff_tree_to_tree(from_tree.as_ref(), Some(&to_tree), None)
            .map_err(|e| git_err("diffing", &e))?;
        diff.patchid(None).map(|o| o.to_string()).map_err(|e| git_err("computing a patch id", &e))
    }

    /// Parent ids of a commit, first parent first.
    pub fn parents(&self, id: &str) -> Result<Vec<CommitId>> {
        let c = self
            .raw()
            .find_commit(git2::Oid::from_str(id).map_err(|e| git_err("bad object id", &e))?)
            .map_err(|e| git_err(&format!("reading {id}"), &e))?;
        Ok(c.parent_ids().map(|p| p.to_string()).collect())
    }

    /// The UTC offset of a commit's committer time, in minutes.
    pub fn commit_tz(&self, id: &str) -> Result<i32> {
        let c = self
            .raw()
            .find_commit(git2::Oid::from_str(id).map_err(|e| git_err("bad object id", &e))?)
            .map_err(|e| git_err(&format!("reading {id}"), &e))?;
        let minutes = c.committer().when().offset_minutes();
        Ok(minutes)
    }
}

impl Repo {
    /// The identity git would commit as: `GIT_COMMITTER_NAME`/`GIT_COMMITTER_EMAIL` when set,
    /// else user.name and user.email.
    pub fn identity(&self) -> Result<(String, String)> {
        if let (Some(n), Some(e)) = (crate::env::var("GIT_COMMITTER_NAME"), crate::env::var("GIT_COMMITTER_EMAIL")) {
            return Ok((n, e));
        }
        let sig = self.raw().signature().map_err(|e| {
            Error::git(
                format!("no identity: {}", e.message()),
                "set it: git config user.name 'Your Name' && git config user.email you@example.com",
            )
        })?;
        Ok((
            String::from_utf8_lossy(sig.name_bytes()).into_owned(),
            String::from_utf8_lossy(sig.email_bytes()).into_owned(),
        ))
    }
}

impl Repo {
    /// A commit's tree.
    pub(crate) fn commit_tree(&self, id: &str) -> Result<git2::Tree<'_>> {
        let oid = git2::Oid::from_str(id).map_err(|e| git_err("bad object id", &e))?;
        self.raw().find_commit(oid).and_then(|c| c.tree()).map_err(|e| git_err(&format!("reading {id}"), &e))
    }

    /// The diff between two commits' trees with rename detection on, whatever the user's git
    /// config says (a pure rename is not a change of content).
    pub(crate) fn renamed_diff(
        &self,
        from: &str,
        to: &str,
        opts: Option<&mut git2::DiffOptions>,
    ) -> Result<git2::Diff<'_>> {
        let (a, b) = (self.commit_tree(from)?, self.commit_tree(to)?);
        let mut diff = self.raw().diff_tree_to_tree(Some(&a), Some(&b), opts).map_err(|e| git_err("diffing", &e))?;
        let mut find = git2::DiffFindOptions::new();
        find.renames(true).copies(false).rename_threshold(50);
        diff.find_similar(Some(&mut find)).map_err(|e| git_err("finding renames", &e))?;
        Ok(diff)
    }
}
