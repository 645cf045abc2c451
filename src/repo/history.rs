//! History facts for the DORA commands: first-parent walks of trunk and a cached ancestry oracle.

use std::cell::RefCell;
use std::collections::HashMap;

use super::commits::CommitId;
use super::{git_err, Repo};
use crate::error::Result;

/// One commit of a first-parent walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkCommit {
    /// Full hex id.
    pub id: CommitId,
    /// Author time, Unix seconds.
    pub author_time: i64,
    /// Committer time, Unix seconds (when it landed, for a commit made by trunk's merge).
    pub committer_time: i64,
    /// Number of parents.
    pub parent_count: usize,
}

impl Repo {
    /// The first-parent chain from `tip`, newest first, stopping before the first commit whose
    /// committer time is earlier than `stop_before` (trunk's history is in time order along its
    /// first parents, near enough for a reporting window).
    pub fn first_parent_walk(&self, tip: &str, stop_before: i64) -> Result<Vec<TrunkCommit>> {
        let mut oid = git2::Oid::from_str(tip).map_err(|e| git_err(&format!("`{tip}` is not an object id"), &e))?;
        let mut out = Vec::new();
        loop {
            let c = self.raw().find_commit(oid).map_err(|e| git_err(&format!("reading commit {oid}"), &e))?;
            let committer_time = c.committer().when().seconds();
            if committer_time < stop_before {
                break;
            }
            out.push(TrunkCommit {
                id: oid.to_string(),
                author_time: c.author().when().seconds(),
                committer_time,
                parent_count: c.parent_count(),
            });
            match c.parent_ids().next() {
                Some(p) => oid = p,
                None => break,
            }
        }
        Ok(out)
    }

    /// The commit a revision names, or `None` when it names nothing here (a revision recorded on
    /// another machine and not fetched, a deployment id, a typo).
    pub fn try_resolve_commit(&self, rev: &str) -> Option<CommitId> {
        let obj = self.raw().revparse_single(rev).ok()?;
        obj.peel_to_commit().ok().map(|c| c.id().to_string())
    }
}

/// Answers "does revision R contain commit C" with each revision resolved once and each answer
/// remembered, for the metrics engine's `contains` oracle.
pub struct Ancestry<'r> {
    repo: &'r Repo,
    resolved: RefCell<HashMap<String, Option<CommitId>>>,
    answers: RefCell<HashMap<(CommitId, CommitId), bool>>,
    /// The first git error met; the oracle cannot return one, so the caller asks afterwards.
    failure: RefCell<Option<crate::error::Error>>,
}

impl<'r> Ancestry<'r> {
    /// An empty cache over a repository.
    pub fn new(repo: &'r Repo) -> Self {
        Self {
            repo,
            resolved: RefCell::default(),
            answers: RefCell::default(),
            failure: RefCell::default(),
        }
    }

    /// The commit of a revision, cached; `None` when it is not here.
    pub fn resolve(&self, rev: &str) -> Option<CommitId> {
        if let Some(hit) = self.resolved.borrow().get(rev) {
            return hit.clone();
        }
        let found = self.repo.try_resolve_commit(rev);
        self.resolved.borrow_mut().insert(rev.to_string(), found.clone());
        found
    }

    /// Whether `revision` is `commit` or descends from it. A revision that is not in this
    /// repository contains nothing; a git failure is remembered for [`Ancestry::take_failure`]
    /// and answered `false`.
    pub fn contains(&self, revision: &str, commit: &str) -> bool {
        let (Some(r), Some(c)) = (self.resolve(revision), self.resolve(commit)) else { return false };
        let key = (r, c);
        if let Some(hit) = self.answers.borrow().get(&key) {
            return *hit;
        }
        let answer = match self.repo.is_ancestor(&key.1, &key.0) {
            Ok(a) => a,
            Err(e) => {
                self.failure.borrow_mut().get_or_insert(e);
                false
            }
        };
        self.answers.borrow_mut().insert(key, answer);
        answer
    }

    /// The first git error the oracle met, if any: a run that met one must fail, not report
    /// numbers built on a partial history.
    pub fn take_failure(&self) -> Option<crate::error::Error> {
        self.failure.borrow_mut().take()
    }
}
