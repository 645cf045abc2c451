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

    /// Whether `id` names a commit this repository holds (an object of another kind, a tag
    /// included, is not one: every caller goes on to ask about ancestry).
    pub fn has_commit(&self, id: &str) -> bool {
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
    /// when `sizes` (reading each blob's header costs a pack lookup); trees are read through
    /// `objects`, one reader for all the commits of a range.
    pub fn commit_changes(
        &self,
        objects: &mut super::objects::Objects<'_>,
        id: &str,
        sizes: bool,
    ) -> Result<Vec<crate::subject::FileChange>> {
        let oid = git2::Oid::from_str(id).map_err(|e| git_err("bad object id", &e))?;
        let c = self.raw().find_commit(oid).map_err(|e| git_err(&format!("reading commit {id}"), &e))?;
        let old = match c.parent(0) {
            Ok(p) => Some(p.tree_id()),
            Err(_) => None,
        };
        self.tree_changes(objects, old, Some(c.tree_id()), sizes)
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
        // libgit2's tree diff walks every entry of both trees: ~30 ms on a 10,000-file
        // repository. The changed paths come from the tree walk that skips identical subtrees,
        // and libgit2 diffs just those (an exact path list prunes its tree iterators); the
        // patch, and so its id, is the same.
        let changed =
            self.tree_changes(&mut self.objects(), from_tree.as_ref().map(git2::Tree::id), Some(to_tree.id()), false)?;
        let mut opts = git2::DiffOptions::new();
        // A name that is not UTF-8 came back lossy and would match nothing: then diff everything.
        if changed.iter().all(|c| !c.path.contains('\u{FFFD}')) {
            opts.disable_pathspec_match(true);
            if changed.is_empty() {
                // An empty path list means every path to libgit2: name one no tree can hold.
                opts.pathspec("\u{1}");
            }
            for c in &changed {
                opts.pathspec(&c.path);
            }
        }
        let diff = self
            .raw()
            .diff_tree_to_tree(from_tree.as_ref(), Some(&to_tree), Some(&mut opts))
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
        self.configured_identity()?.ok_or_else(|| {
            Error::git(
                "no identity: user.name and user.email are not both set",
                "set it: git config user.name 'Your Name' && git config user.email you@example.com",
            )
        })
    }

    /// `user.name` and `user.email` from config, when both are set and not blank.
    pub(crate) fn configured_identity(&self) -> Result<Option<(String, String)>> {
        let name = self.config_string("user.name")?.filter(|n| !n.trim().is_empty());
        let email = self.config_string("user.email")?.filter(|e| !e.trim().is_empty());
        Ok(name.zip(email))
    }
}

impl Repo {
    /// The id of commit `id`'s tree, without reading the tree.
    pub(crate) fn commit_tree_id(&self, id: &str) -> Result<git2::Oid> {
        let oid = git2::Oid::from_str(id).map_err(|e| git_err("bad object id", &e))?;
        self.raw().find_commit(oid).map(|c| c.tree_id()).map_err(|e| git_err(&format!("reading {id}"), &e))
    }

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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use git2::{FileMode, Oid, Signature, Time};

    /// A throwaway repository written with git2: fixed identities and times, HEAD on `main`, and
    /// nothing read from the user's git config.
    pub(crate) struct TestRepo {
        pub(crate) dir: tempfile::TempDir,
        pub(crate) git: git2::Repository,
    }

    /// Ada, at `time` in UTC.
    pub(crate) fn ada(time: i64) -> Signature<'static> {
        Signature::new("Ada", "ada@example.com", &Time::new(time, 0)).unwrap()
    }

    impl TestRepo {
        pub(crate) fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let git = git2::Repository::init(dir.path()).unwrap();
            git.set_head("refs/heads/main").unwrap();
            Self { dir, git }
        }

        /// Opens it through the facade under test.
        pub(crate) fn open(&self) -> Repo {
            Repo::open(self.dir.path()).unwrap()
        }

        /// A commit by Ada at `time` on `parents`: the first parent's tree (or the empty tree)
        /// with each `(path, Some(text))` written and each `(path, None)` removed; `update` names
        /// a ref to move to it.
        pub(crate) fn commit(
            &self,
            update: Option<&str>,
            parents: &[Oid],
            files: &[(&str, Option<&str>)],
            time: i64,
        ) -> Oid {
            self.commit_by(update, parents, files, &ada(time), &ada(time), "change\n")
        }

        /// [`TestRepo::commit`] with the identities and message given.
        pub(crate) fn commit_by(
            &self,
            update: Option<&str>,
            parents: &[Oid],
            files: &[(&str, Option<&str>)],
            author: &Signature<'_>,
            committer: &Signature<'_>,
            message: &str,
        ) -> Oid {
            let g = &self.git;
            let base = match parents.first() {
                Some(p) => g.find_commit(*p).unwrap().tree().unwrap(),
                None => g.find_tree(g.treebuilder(None).unwrap().write().unwrap()).unwrap(),
            };
            let mut edit = git2::build::TreeUpdateBuilder::new();
            for (path, text) in files {
                match text {
                    Some(t) => edit.upsert(*path, g.blob(t.as_bytes()).unwrap(), FileMode::Blob),
                    None => edit.remove(*path),
                };
            }
            let tree = g.find_tree(edit.create_updated(g, &base).unwrap()).unwrap();
            let parents: Vec<_> = parents.iter().map(|p| g.find_commit(*p).unwrap()).collect();
            let parents: Vec<_> = parents.iter().collect();
            g.commit(update, author, committer, message, &tree, &parents).unwrap()
        }

        /// Points `name` straight at an object (of any kind).
        pub(crate) fn set_ref(&self, name: &str, id: Oid) {
            self.git.reference(name, id, true, "test").unwrap();
        }

        /// Overwrites a file in the git dir (to corrupt a ref or the index).
        pub(crate) fn write_git_file(&self, path: &str, bytes: &[u8]) {
            let p = self.git.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, bytes).unwrap();
        }
    }

    /// Runs the git CLI in `dir` hermetically (no global or system config, Ada as author and
    /// committer) and returns its output, failing the test when git fails.
    pub(crate) fn git_cli(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
        let out = std::process::Command::new("git")
            .current_dir(dir)
            .args(args)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ada")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out
    }

    /// An id no repository here holds.
    pub(crate) const MISSING: &str = "1234567890123456789012345678901234567890";

    fn git_message(r: Result<impl std::fmt::Debug>) -> (String, Option<String>) {
        match r {
            Err(e) => (e.to_string(), e.hint().map(str::to_string)),
            Ok(v) => panic!("expected an error, got {v:?}"),
        }
    }

    #[test]
    fn revisions_resolve_to_commits() {
        let t = TestRepo::new();
        let c = t.commit(Some("refs/heads/main"), &[], &[("a", Some("1"))], 100);
        let r = t.open();
        assert_eq!(r.resolve_commit("main").unwrap(), c.to_string());
        assert_eq!(r.resolve_commit("HEAD").unwrap(), c.to_string());
        let (msg, hint) = git_message(r.resolve_commit("nope"));
        assert!(msg.starts_with("git: cannot resolve `nope`: "), "{msg}");
        assert!(hint.unwrap().contains("fetch it first"));
        let (msg, _) = git_message(r.resolve_commit("main^{tree}"));
        assert!(msg.starts_with("git: `main^{tree}` is not a commit: "), "{msg}");
    }

    #[test]
    fn head_is_none_on_an_unborn_branch_and_an_error_when_corrupt() {
        let t = TestRepo::new();
        assert_eq!(t.open().head_commit().unwrap(), None);
        let c = t.commit(Some("refs/heads/main"), &[], &[("a", Some("1"))], 100);
        assert_eq!(t.open().head_commit().unwrap(), Some(c.to_string()));
        t.write_git_file("refs/heads/main", b"not an id\n");
        let (msg, _) = git_message(t.open().head_commit());
        assert!(msg.starts_with("git: reading HEAD: "), "{msg}");
    }

    #[test]
    fn commit_info_reads_both_identities_and_the_raw_message() {
        let t = TestRepo::new();
        let root = t.commit(Some("refs/heads/main"), &[], &[("a", Some("1"))], 100);
        let side = t.commit(None, &[root], &[("b", Some("2"))], 150);
        let bot = Signature::new("CI Bot", "bot@ci.example", &Time::new(300, 120)).unwrap();
        let merge = t.commit_by(None, &[root, side], &[], &ada(200), &bot, "Merge side\n\nBody.\n");
        let i = t.open().commit_info(&merge.to_string()).unwrap();
        assert_eq!(i.id, merge.to_string());
        assert_eq!(i.message, "Merge side\n\nBody.\n");
        assert_eq!((i.author_name.as_str(), i.author_email.as_str(), i.author_time), ("Ada", "ada@example.com", 200));
        assert_eq!((i.committer_email.as_str(), i.committer_time, i.parent_count), ("bot@ci.example", 300, 2));
        assert_eq!(t.open().commit_tz(&merge.to_string()).unwrap(), 120);
        assert_eq!(t.open().parents(&merge.to_string()).unwrap(), [root.to_string(), side.to_string()]);
        assert!(t.open().parents(&root.to_string()).unwrap().is_empty());
    }

    #[test]
    fn reading_a_commit_that_is_not_there_says_which() {
        let t = TestRepo::new();
        let r = t.open();
        let (msg, _) = git_message(r.commit_info("xyz"));
        assert!(msg.starts_with("git: `xyz` is not an object id: "), "{msg}");
        let (msg, _) = git_message(r.commit_info(MISSING));
        assert!(msg.starts_with(&format!("git: reading commit {MISSING}: ")), "{msg}");
        for (what, result) in [
            ("parents", r.parents(MISSING).map(|_| ())),
            ("commit_tz", r.commit_tz(MISSING).map(|_| ())),
            ("patch_id", r.patch_id(None, MISSING).map(|_| ())),
        ] {
            let (msg, _) = git_message(result);
            assert!(msg.starts_with(&format!("git: reading {MISSING}: ")), "{what}: {msg}");
        }
        for (what, result) in [
            ("parents", r.parents("zz").map(|_| ())),
            ("commit_tz", r.commit_tz("zz").map(|_| ())),
            ("commit_lines", r.commit_lines("zz").map(|_| ())),
            ("commit_changes", r.commit_changes(&mut r.objects(), "zz", false).map(|_| ())),
            ("merge_base", r.merge_base("zz", MISSING).map(|_| ())),
            ("ahead_behind", r.ahead_behind(MISSING, "zz").map(|_| ())),
            ("is_ancestor", r.is_ancestor(MISSING, "zz").map(|_| ())),
        ] {
            let (msg, _) = git_message(result);
            assert!(msg.starts_with("git: bad object id: "), "{what}: {msg}");
        }
        let (msg, _) = git_message(r.commit_lines(MISSING));
        assert!(msg.starts_with(&format!("git: reading commit {MISSING}: ")), "{msg}");
        let (msg, _) = git_message(r.diff_size(MISSING, MISSING, true));
        assert!(msg.starts_with(&format!("git: reading {MISSING}: ")), "{msg}");
    }

    #[test]
    fn ancestry_includes_the_commit_itself() {
        let t = TestRepo::new();
        let a = t.commit(None, &[], &[("a", Some("1"))], 100);
        let b = t.commit(None, &[a], &[("a", Some("2"))], 200);
        let other = t.commit(None, &[], &[("z", Some("1"))], 300);
        let r = t.open();
        let (a, b, other) = (a.to_string(), b.to_string(), other.to_string());
        assert!(r.is_ancestor(&b, &b).unwrap());
        assert!(r.is_ancestor(&a, &b).unwrap());
        assert!(!r.is_ancestor(&b, &a).unwrap());
        assert!(!r.is_ancestor(&other, &b).unwrap());
        assert!(r.has_commit(&a));
        assert!(!r.has_commit(MISSING));
        assert!(!r.has_commit("not hex"));
        let blob = t.git.blob(b"not a commit").unwrap().to_string();
        assert!(!r.has_commit(&blob), "a blob the repository holds is still not a commit");
    }

    #[test]
    fn commits_between_walks_newest_first_and_hides_the_excluded() {
        let t = TestRepo::new();
        let a = t.commit(None, &[], &[("a", Some("1"))], 100);
        let b = t.commit(None, &[a], &[("a", Some("2"))], 200);
        let c = t.commit(None, &[b], &[("a", Some("3"))], 300);
        let r = t.open();
        let ids = |v: &[Oid]| v.iter().map(Oid::to_string).collect::<Vec<_>>();
        assert_eq!(r.commits_between(&ids(&[c]), &ids(&[a])).unwrap(), ids(&[c, b]));
        assert_eq!(r.commits_between(&ids(&[c]), &[]).unwrap(), ids(&[c, b, a]));
        assert!(r.commits_between(&ids(&[b]), &ids(&[c])).unwrap().is_empty());
        let (msg, _) = git_message(r.commits_between(&[MISSING.into()], &[]));
        assert!(msg.starts_with(&format!("git: walking from {MISSING}: ")), "{msg}");
        let (msg, _) = git_message(r.commits_between(&ids(&[c]), &[MISSING.into()]));
        assert!(msg.starts_with(&format!("git: hiding {MISSING}: ")), "{msg}");
        for (include, exclude) in [(vec!["x".to_string()], vec![]), (ids(&[c]), vec!["x".to_string()])] {
            let (msg, _) = git_message(r.commits_between(&include, &exclude));
            assert!(msg.starts_with("git: bad object id: "), "{msg}");
        }
    }

    #[test]
    fn ref_targets_lists_the_refs_under_a_prefix_that_name_commits() {
        let t = TestRepo::new();
        let a = t.commit(Some("refs/heads/main"), &[], &[("a", Some("1"))], 100);
        let b = t.commit(Some("refs/remotes/origin/feat/x"), &[a], &[("a", Some("2"))], 200);
        t.set_ref("refs/remotes/origin/blob", t.git.blob(b"not a commit").unwrap());
        let r = t.open();
        let mut got = r.ref_targets("refs/remotes/origin/").unwrap();
        got.sort();
        assert_eq!(got, [("refs/remotes/origin/feat/x".to_string(), b.to_string())]);
        assert_eq!(r.ref_targets("refs/heads/").unwrap(), [("refs/heads/main".to_string(), a.to_string())]);
        assert!(r.ref_targets("refs/tags/").unwrap().is_empty());
    }

    fn change(path: &str, size: u64, deleted: bool) -> crate::subject::FileChange {
        crate::subject::FileChange { path: path.into(), size, deleted }
    }

    #[test]
    fn commit_changes_are_against_the_first_parent_or_nothing() {
        let t = TestRepo::new();
        let a = t.commit(None, &[], &[("a.txt", Some("hello")), ("dir/b.txt", Some("x"))], 100);
        let b = t.commit(None, &[a], &[("a.txt", None), ("dir/b.txt", Some("xyz")), ("c", Some(""))], 200);
        let r = t.open();
        assert_eq!(
            r.commit_changes(&mut r.objects(), &a.to_string(), true).unwrap(),
            [change("a.txt", 5, false), change("dir/b.txt", 1, false)]
        );
        let mut got = r.commit_changes(&mut r.objects(), &b.to_string(), true).unwrap();
        got.sort_by(|x, y| x.path.cmp(&y.path));
        assert_eq!(got, [change("a.txt", 0, true), change("c", 0, false), change("dir/b.txt", 3, false)]);
        let (msg, _) = git_message(r.commit_changes(&mut r.objects(), MISSING, true));
        assert!(msg.starts_with(&format!("git: reading commit {MISSING}: ")), "{msg}");
    }

    /// Stages `files` in the work tree and index: `Some(text)` written and added, `None` removed.
    fn stage(t: &TestRepo, files: &[(&str, Option<&str>)]) {
        let mut index = t.git.index().unwrap();
        for (path, text) in files {
            let p = t.dir.path().join(path);
            match text {
                Some(text) => {
                    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                    std::fs::write(&p, text).unwrap();
                    index.add_path(std::path::Path::new(path)).unwrap();
                }
                None => {
                    std::fs::remove_file(&p).unwrap();
                    index.remove_path(std::path::Path::new(path)).unwrap();
                }
            }
        }
        index.write().unwrap();
    }

    fn sorted(mut v: Vec<crate::subject::FileChange>) -> Vec<crate::subject::FileChange> {
        v.sort_by(|x, y| x.path.cmp(&y.path));
        v
    }

    #[test]
    fn staged_changes_through_libgit2_on_an_unborn_branch_are_every_file() {
        let t = TestRepo::new();
        stage(&t, &[("a.txt", Some("hello")), ("src/b.rs", Some("fn b() {}\n"))]);
        let got = sorted(t.open().staged_changes_libgit2().unwrap());
        assert_eq!(got, [change("a.txt", 5, false), change("src/b.rs", 10, false)]);
    }

    #[test]
    fn staged_changes_through_libgit2_are_against_head() {
        let t = TestRepo::new();
        stage(&t, &[("a.txt", Some("hello")), ("b.txt", Some("bye"))]);
        let tree = t.git.find_tree(t.git.index().unwrap().write_tree().unwrap()).unwrap();
        t.git.commit(Some("HEAD"), &ada(100), &ada(100), "first\n", &tree, &[]).unwrap();
        assert!(t.open().staged_changes_libgit2().unwrap().is_empty(), "nothing staged");
        stage(&t, &[("a.txt", Some("hello, world")), ("b.txt", None), ("c.txt", Some(""))]);
        let got = sorted(t.open().staged_changes_libgit2().unwrap());
        assert_eq!(got, [change("a.txt", 12, false), change("b.txt", 0, true), change("c.txt", 0, false)]);
    }

    #[test]
    fn staged_changes_through_libgit2_fail_closed() {
        let t = TestRepo::new();
        t.set_ref("refs/heads/main", t.git.blob(b"not a commit").unwrap());
        let (msg, _) = git_message(t.open().staged_changes_libgit2());
        assert!(msg.starts_with("git: reading HEAD's tree: "), "{msg}");
        t.write_git_file("refs/heads/main", b"garbage\n");
        let (msg, _) = git_message(t.open().staged_changes_libgit2());
        assert!(msg.starts_with("git: reading HEAD: "), "{msg}");
        let t = TestRepo::new();
        t.write_git_file("index", b"DIRC but not really an index");
        let (msg, _) = git_message(t.open().staged_changes_libgit2());
        assert!(msg.starts_with("git: reading the index: "), "{msg}");
    }

    #[test]
    fn merge_base_and_distance() {
        let t = TestRepo::new();
        let base = t.commit(None, &[], &[("a", Some("1"))], 100);
        let trunk1 = t.commit(None, &[base], &[("a", Some("2"))], 200);
        let trunk2 = t.commit(None, &[trunk1], &[("a", Some("3"))], 300);
        let work = t.commit(None, &[base], &[("b", Some("1"))], 250);
        let unrelated = t.commit(None, &[], &[("z", Some("1"))], 400);
        let r = t.open();
        let (work, trunk2) = (work.to_string(), trunk2.to_string());
        assert_eq!(r.merge_base(&work, &trunk2).unwrap(), Some(base.to_string()));
        assert_eq!(r.merge_base(&work, &unrelated.to_string()).unwrap(), None, "unrelated histories");
        assert_eq!(r.ahead_behind(&work, &trunk2).unwrap(), (1, 2));
        assert_eq!(r.ahead_behind(&trunk2, &trunk2).unwrap(), (0, 0));
        let (msg, _) = git_message(r.ahead_behind(&work, MISSING));
        assert!(msg.starts_with("git: counting commits: "), "{msg}");
        let (msg, _) = git_message(r.merge_base(&work, MISSING));
        assert!(msg.starts_with("git: finding the merge base: "), "a missing commit is not unrelated history: {msg}");
        let (msg, _) = git_message(r.is_ancestor(MISSING, &work));
        assert!(msg.starts_with("git: walking history: "), "{msg}");
    }

    #[test]
    fn diff_size_counts_files_and_lines_with_renames_as_one_file() {
        let t = TestRepo::new();
        let body = "one\ntwo\nthree\nfour\nfive\n";
        let a = t.commit(None, &[], &[("old.txt", Some(body)), ("b.txt", Some("x\n"))], 100);
        let b = t.commit(None, &[a], &[("old.txt", None), ("new.txt", Some(body)), ("b.txt", Some("y\nz\n"))], 200);
        let r = t.open();
        let (a, b) = (a.to_string(), b.to_string());
        assert_eq!(r.diff_size(&a, &b, true).unwrap(), (2, Some(3)), "a pure rename changes no line");
        assert_eq!(r.diff_size(&a, &b, false).unwrap(), (2, None));
        assert_eq!(r.diff_size(&b, &b, true).unwrap(), (0, Some(0)));
    }

    #[test]
    fn commit_lines_are_against_the_first_parent_or_nothing() {
        let t = TestRepo::new();
        let a = t.commit(None, &[], &[("a.txt", Some("1\n2\n3\n"))], 100);
        let b = t.commit(None, &[a], &[("a.txt", Some("1\nTWO\n3\n4\n"))], 200);
        let r = t.open();
        assert_eq!(r.commit_lines(&a.to_string()).unwrap(), 3);
        assert_eq!(r.commit_lines(&b.to_string()).unwrap(), 3, "one line replaced (2) and one added (1)");
    }

    #[test]
    fn find_trunk_prefers_the_named_remote_then_origin_then_the_local_branch() {
        let t = TestRepo::new();
        let local = t.commit(Some("refs/heads/main"), &[], &[("a", Some("1"))], 100);
        let origin = t.commit(Some("refs/remotes/origin/main"), &[local], &[("a", Some("2"))], 200);
        let up = t.commit(Some("refs/remotes/upstream/main"), &[origin], &[("a", Some("3"))], 300);
        t.set_ref("refs/remotes/origin/master", t.git.blob(b"not a commit").unwrap());
        let r = t.open();
        let names = ["trunk".to_string(), "master".to_string(), "main".to_string()];
        let found = |remote| r.find_trunk(&names, remote).unwrap();
        assert_eq!(found(Some("upstream")), Some(("upstream/main".to_string(), up.to_string())));
        assert_eq!(
            found(None),
            Some(("origin/main".to_string(), origin.to_string())),
            "a ref that is no commit is skipped"
        );
        t.git.find_reference("refs/remotes/origin/main").unwrap().delete().unwrap();
        assert_eq!(found(Some("fork")), Some(("main".to_string(), local.to_string())));
        assert_eq!(r.find_trunk(&["trunk".to_string()], None).unwrap(), None);
    }

    #[test]
    fn patch_ids_are_stable_across_rebases_and_differ_by_change() {
        let t = TestRepo::new();
        let base = t.commit(None, &[], &[("a.txt", Some("1\n")), ("b.txt", Some("x\n"))], 100);
        let moved = t.commit(None, &[base], &[("b.txt", Some("y\n"))], 150);
        let change = t.commit(None, &[base], &[("a.txt", Some("2\n"))], 200);
        let rebased = t.commit(None, &[moved], &[("a.txt", Some("2\n"))], 300);
        let other = t.commit(None, &[base], &[("a.txt", Some("3\n"))], 400);
        let r = t.open();
        let pid =
            |from: Option<Oid>, to: Oid| r.patch_id(from.map(|f| f.to_string()).as_deref(), &to.to_string()).unwrap();
        assert_eq!(pid(None, change), pid(None, rebased));
        assert_eq!(pid(Some(base), change), pid(None, change));
        assert_eq!(pid(Some(moved), rebased), pid(None, change));
        assert_ne!(pid(None, other), pid(None, change));
        assert_eq!(pid(None, base).len(), 40, "a root commit is a change against nothing");
        let (msg, _) = git_message(r.patch_id(Some(MISSING), &change.to_string()));
        assert!(msg.starts_with(&format!("git: reading {MISSING}: ")), "{msg}");
        let (msg, _) = git_message(r.patch_id(Some("zz"), &change.to_string()));
        assert!(msg.starts_with("git: bad object id: "), "{msg}");
    }

    /// The patch id from libgit2's diff of the whole trees: what `patch_id` must equal.
    fn full_diff_patch_id(g: &git2::Repository, from: Oid, to: Oid) -> String {
        let (a, b) = (g.find_commit(from).unwrap().tree().unwrap(), g.find_commit(to).unwrap().tree().unwrap());
        g.diff_tree_to_tree(Some(&a), Some(&b), None).unwrap().patchid(None).unwrap().to_string()
    }

    #[test]
    fn patch_ids_of_the_changed_paths_equal_libgit2_s_whole_tree_diff() {
        let t = TestRepo::new();
        let dir = t.dir.path();
        let git = |args: &[&str]| {
            git_cli(dir, args);
        };
        let write = |path: &str, text: &str| {
            let p = dir.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        for i in 0..30 {
            write(&format!("src/m{}/f{i}.rs", i % 4), &format!("fn f{i}() {{}}\n"));
        }
        write("run.sh", "echo hi\n");
        write("swap", "a file that becomes a directory\n");
        write("docs/old.md", "old\n");
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", "base"]);
        let head =
            || Oid::from_str(String::from_utf8_lossy(&git_cli(dir, &["rev-parse", "HEAD"]).stdout).trim()).unwrap();
        let base = head();
        // A change of every kind at once: edits deep and shallow, an add, a delete, a mode
        // change alone, a file turned into a directory, a symlink.
        write("src/m1/f5.rs", "fn f5() { changed() }\n");
        write("src/m3/new.rs", "fn new() {}\n");
        std::fs::remove_file(dir.join("docs/old.md")).unwrap();
        git(&["update-index", "--chmod=+x", "run.sh"]);
        std::fs::remove_file(dir.join("swap")).unwrap();
        write("swap/inside.txt", "now a directory\n");
        std::os::unix::fs::symlink("src/m1/f5.rs", dir.join("link")).unwrap();
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", "change"]);
        let change = head();
        git(&["commit", "-q", "--allow-empty", "-m", "empty"]);
        let empty = head();
        let r = t.open();
        let ours = |from: Oid, to: Oid| r.patch_id(Some(&from.to_string()), &to.to_string()).unwrap();
        assert_eq!(ours(base, change), full_diff_patch_id(&t.git, base, change));
        assert_eq!(ours(change, base), full_diff_patch_id(&t.git, change, base), "and reversed");
        assert_eq!(ours(change, empty), full_diff_patch_id(&t.git, change, empty), "no change at all");
        assert_ne!(ours(base, change), ours(change, empty));
    }

    #[test]
    #[ignore = "a probe: the identity tests run it in a child process with a chosen environment"]
    fn probe_identity() {
        let empty = tempfile::tempdir().unwrap();
        for level in [
            git2::ConfigLevel::System,
            git2::ConfigLevel::XDG,
            git2::ConfigLevel::Global,
            git2::ConfigLevel::ProgramData,
        ] {
            #[expect(unsafe_code, reason = "a libgit2 global option, set in a child process that runs only this test")]
            // SAFETY: this process runs this one test on one thread, so nothing else reads the
            // option while it changes.
            unsafe {
                git2::opts::set_search_path(level, empty.path()).unwrap();
            }
        }
        let t = TestRepo::new();
        let show = |r: Result<(String, String)>| match r {
            Ok((name, email)) => format!("{name} <{email}>"),
            Err(e) => format!("error `{e}` hint `{}`", e.hint().unwrap_or_default()),
        };
        let unset = show(t.open().identity());
        let mut cfg = t.git.config().unwrap();
        cfg.set_str("user.name", "Ada Lovelace").unwrap();
        cfg.set_str("user.email", "ada@example.com").unwrap();
        crate::env::tests::report(&format!("unset={unset} | configured={}", show(t.open().identity())));
    }

    fn identity_probe(set: &[(&str, &str)]) -> String {
        crate::env::tests::probe(
            "repo::commits::tests::probe_identity",
            set,
            &["GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "EMAIL"],
        )
        .report
    }

    #[test]
    fn identity_comes_from_config_and_its_absence_says_how_to_set_it() {
        let r = identity_probe(&[]);
        let (unset, configured) = r.split_once(" | ").unwrap();
        assert!(unset.starts_with("unset=error `git: no identity: "), "{r}");
        assert!(
            unset.ends_with("hint `set it: git config user.name 'Your Name' && git config user.email you@example.com`"),
            "{r}"
        );
        assert_eq!(configured, "configured=Ada Lovelace <ada@example.com>");
    }

    #[test]
    fn identity_from_the_environment_needs_both_name_and_email() {
        let both = identity_probe(&[("GIT_COMMITTER_NAME", "CI Bot"), ("GIT_COMMITTER_EMAIL", "bot@ci.example")]);
        assert_eq!(both, "unset=CI Bot <bot@ci.example> | configured=CI Bot <bot@ci.example>");
        for half in [
            [("GIT_COMMITTER_NAME", "CI Bot"), ("GIT_COMMITTER_EMAIL", "")],
            [("GIT_COMMITTER_NAME", ""), ("GIT_COMMITTER_EMAIL", "bot@ci.example")],
        ] {
            let r = identity_probe(&half);
            assert!(r.ends_with("configured=Ada Lovelace <ada@example.com>"), "{half:?}: {r}");
        }
    }
}
