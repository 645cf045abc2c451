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
        self.first_parent_walk_with(tip, stop_before, &mut |_| {})
    }

    /// [`Repo::first_parent_walk`], calling `walked` with the count so far every 1,024 commits
    /// (for a progress line).
    pub fn first_parent_walk_with(
        &self,
        tip: &str,
        stop_before: i64,
        walked: &mut dyn FnMut(usize),
    ) -> Result<Vec<TrunkCommit>> {
        let mut oid = git2::Oid::from_str(tip).map_err(|e| git_err(&format!("`{tip}` is not an object id"), &e))?;
        let mut out = Vec::new();
        loop {
            if out.len().is_multiple_of(1024) {
                walked(out.len());
            }
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
///
/// Trunk's changes form a first-parent chain, and ancestry is transitive: if a revision contains
/// one chain commit it contains every older one. So for a commit on the chain given by
/// [`Ancestry::with_chain`], the answer comes from how much of the chain the revision contains,
/// its own position when it is on the chain, else found once by a binary search (about
/// log2(chain) git calls), instead of one ancestry walk per change and revision.
pub struct Ancestry<'r> {
    repo: &'r Repo,
    resolved: RefCell<HashMap<String, Option<CommitId>>>,
    answers: RefCell<HashMap<(CommitId, CommitId), bool>>,
    /// The chain, oldest first, and each commit's position on it.
    chain: Vec<CommitId>,
    position: HashMap<CommitId, usize>,
    /// Per revision (as asked, and resolved), how many chain commits (from the oldest) it contains.
    frontier: RefCell<HashMap<CommitId, usize>>,
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
            chain: Vec::new(),
            position: HashMap::new(),
            frontier: RefCell::default(),
            failure: RefCell::default(),
        }
    }

    /// Declares a first-parent chain, newest first (as [`Repo::first_parent_walk`] returns it):
    /// each commit's first parent is the next one.
    #[must_use]
    pub fn with_chain(mut self, newest_first: &[CommitId]) -> Self {
        self.chain = newest_first.iter().rev().cloned().collect();
        self.position = self.chain.iter().enumerate().map(|(i, c)| (c.clone(), i)).collect();
        self
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
        // The engine asks with the chain's own full ids, so most questions are two lookups.
        if let Some(&i) = self.position.get(commit) {
            if let Some(hit) = self.frontier.borrow().get(revision) {
                return i < *hit;
            }
            let f = self.resolve(revision).map_or(0, |r| self.frontier(&r));
            self.frontier.borrow_mut().insert(revision.to_string(), f);
            return i < f;
        }
        let (Some(r), Some(c)) = (self.resolve(revision), self.resolve(commit)) else { return false };
        if let Some(&i) = self.position.get(&c) {
            return i < self.frontier(&r);
        }
        let key = (r, c);
        if let Some(hit) = self.answers.borrow().get(&key) {
            return *hit;
        }
        let answer = self.ancestor(&key.1, &key.0);
        self.answers.borrow_mut().insert(key, answer);
        answer
    }

    /// How many chain commits, from the oldest, `revision` contains (a prefix, by transitivity).
    fn frontier(&self, revision: &str) -> usize {
        if let Some(hit) = self.frontier.borrow().get(revision) {
            return *hit;
        }
        // A revision on the chain contains exactly the chain up to itself: no git call at all.
        if let Some(&i) = self.position.get(revision) {
            return i + 1;
        }
        let (mut lo, mut hi) = (0, self.chain.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let contained = self.chain.get(mid).is_some_and(|c| self.ancestor(c, revision));
            if contained {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        self.frontier.borrow_mut().insert(revision.to_string(), lo);
        lo
    }

    fn ancestor(&self, ancestor: &str, descendant: &str) -> bool {
        self.repo.is_ancestor(ancestor, descendant).unwrap_or_else(|e| {
            self.failure.borrow_mut().get_or_insert(e);
            false
        })
    }

    /// The first git error the oracle met, if any: a run that met one must fail, not report
    /// numbers built on a partial history.
    pub fn take_failure(&self) -> Option<crate::error::Error> {
        self.failure.borrow_mut().take()
    }
}
