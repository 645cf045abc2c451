//! History facts for the DORA commands: first-parent walks of trunk and a cached ancestry oracle.

use std::cell::RefCell;
use std::collections::HashMap;

use super::commits::CommitId;
use super::graph::CommitGraph;
use super::objects::{commit_facts, Objects};
use super::pack::Kind;
use super::{git_err, Repo};
use crate::error::Result;

/// One commit of a first-parent walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkCommit {
    /// Full hex id.
    pub id: CommitId,
    /// Author time, Unix seconds; `None` when the walk read the commit from the commit-graph,
    /// which does not hold it ([`Repo::commit_info`] reads it).
    pub author_time: Option<i64>,
    /// Committer time, Unix seconds (when it landed, for a commit made by trunk's merge).
    pub committer_time: i64,
    /// Number of parents.
    pub parent_count: usize,
}

/// One step of a first-parent walk: the first parent (and its place in the commit-graph), the
/// parent count, the author time (when read) and the committer time.
type WalkStep = (Option<git2::Oid>, Option<u32>, usize, Option<i64>, i64);

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
        // The commit-graph answers without reading a commit; what it does not hold is read from
        // the packs by hand (libgit2's object cache and pack lookup were two thirds of a
        // 100,000-commit walk), and what the packs do not hold from libgit2.
        let graph = CommitGraph::open(self.common_dir(), &self.common_dir().join("objects"));
        let mut objects = Objects::new(self);
        let mut pos = graph.as_ref().and_then(|g| g.position(<&[u8; 20]>::try_from(oid.as_bytes()).ok()?));
        loop {
            if out.len().is_multiple_of(1024) {
                walked(out.len());
            }
            let from_graph = graph.as_ref().zip(pos).and_then(|(g, p)| {
                let c = g.commit(p)?;
                let parent = match c.first_parent {
                    Some(fp) => Some(git2::Oid::from_bytes(&g.commit(fp)?.id).ok()?),
                    None => None,
                };
                Some((parent, c.first_parent, c.parents, None, c.committer_time))
            });
            let (parent, parent_pos, parent_count, author_time, committer_time) = match from_graph {
                Some(facts) => facts,
                None => self.commit_by_object(&mut objects, oid, graph.as_ref())?,
            };
            if committer_time < stop_before {
                break;
            }
            out.push(TrunkCommit { id: oid.to_string(), author_time, committer_time, parent_count });
            match parent {
                Some(p) => (oid, pos) = (p, parent_pos),
                None => break,
            }
        }
        Ok(out)
    }

    /// What a walk needs of one commit, read from its object: first parent (and its place in
    /// the graph, when there is one), parent count, author and committer times.
    fn commit_by_object(
        &self,
        objects: &mut Objects<'_>,
        oid: git2::Oid,
        graph: Option<&CommitGraph>,
    ) -> Result<WalkStep> {
        let packed = objects.packed(oid).filter(|(kind, _)| *kind == Kind::Commit);
        let (parent, count, author, committer) = match packed.as_ref().and_then(|(_, raw)| commit_facts(raw)) {
            Some(facts) => facts,
            None => {
                let c = self.raw().find_commit(oid).map_err(|e| git_err(&format!("reading commit {oid}"), &e))?;
                let times = (c.author().when().seconds(), c.committer().when().seconds());
                (c.parent_ids().next(), c.parent_count(), times.0, times.1)
            }
        };
        let parent_pos = graph.zip(parent).and_then(|(g, p)| g.position(<&[u8; 20]>::try_from(p.as_bytes()).ok()?));
        Ok((parent, parent_pos, count, Some(author), committer))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo::commits::tests::{TestRepo, MISSING};
    use git2::Oid;

    /// main: c0 <- c1 <- c2 <- c3 <- c4, where c3 merges side (forked from c1) into c2;
    /// feat forks from c2 with one commit of its own.
    struct Graph {
        t: TestRepo,
        main: Vec<String>,
        side: String,
        feat: String,
    }

    fn graph() -> Graph {
        let t = TestRepo::new();
        let c0 = t.commit(None, &[], &[("a", Some("0"))], 100);
        let c1 = t.commit(None, &[c0], &[("a", Some("1"))], 200);
        let c2 = t.commit(None, &[c1], &[("a", Some("2"))], 300);
        let side = t.commit(Some("refs/heads/side"), &[c1], &[("s", Some("1"))], 250);
        let c3 = t.commit(None, &[c2, side], &[("s", Some("1"))], 400);
        let c4 = t.commit(Some("refs/heads/main"), &[c3], &[("a", Some("4"))], 500);
        let feat = t.commit(Some("refs/heads/feat"), &[c2], &[("f", Some("1"))], 350);
        let main = [c0, c1, c2, c3, c4].iter().map(Oid::to_string).collect();
        Graph { t, main, side: side.to_string(), feat: feat.to_string() }
    }

    fn newest_first(g: &Graph) -> Vec<CommitId> {
        g.main.iter().rev().cloned().collect()
    }

    #[test]
    fn the_first_parent_walk_skips_merged_branches_and_stops_at_the_window() {
        let g = graph();
        let r = g.t.open();
        let tip = &g.main[4];
        let all = r.first_parent_walk(tip, 0).unwrap();
        assert_eq!(all.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), newest_first(&g));
        assert_eq!(
            all[1],
            TrunkCommit { id: g.main[3].clone(), author_time: Some(400), committer_time: 400, parent_count: 2 }
        );
        let recent = r.first_parent_walk(tip, 300).unwrap();
        assert_eq!(recent.len(), 3, "c2 was committed at 300, inside the window; c1 at 200 is not");
        let mut calls = Vec::new();
        r.first_parent_walk_with(tip, 0, &mut |n| calls.push(n)).unwrap();
        assert_eq!(calls, [0], "progress is reported every 1,024 commits, from the start");
    }

    #[test]
    fn the_walk_reads_packed_commits_as_it_reads_loose_ones() {
        let g = graph();
        let tip = &g.main[4];
        let loose = g.t.open().first_parent_walk(tip, 0).unwrap();
        crate::repo::objects::tests::pack_all(&g.t);
        let packed = g.t.open().first_parent_walk(tip, 0).unwrap();
        assert_eq!(packed, loose);
        assert!(g.t.dir.path().join(".git/objects/pack").read_dir().unwrap().count() >= 2);
        crate::repo::commits::tests::git_cli(g.t.dir.path(), &["commit-graph", "write", "--reachable"]);
        // A commit made after the graph is read from its object, the rest from the graph.
        let newer = g.t.commit(Some("refs/heads/main"), &[Oid::from_str(tip).unwrap()], &[("a", Some("5"))], 600);
        let graphed = g.t.open().first_parent_walk(&newer.to_string(), 0).unwrap();
        assert_eq!(graphed[0].author_time, Some(600), "not in the graph");
        assert_eq!(graphed[1..].iter().map(|c| c.author_time).collect::<Vec<_>>(), [None; 5], "from the graph");
        let strip =
            |w: &[TrunkCommit]| w.iter().map(|c| (c.id.clone(), c.committer_time, c.parent_count)).collect::<Vec<_>>();
        assert_eq!(strip(&graphed[1..]), strip(&loose));
        assert_eq!(g.t.open().first_parent_walk(tip, 350).unwrap().len(), 2, "the window stops the walk");
    }

    #[test]
    fn the_first_parent_walk_needs_a_commit_that_is_here() {
        let g = graph();
        let r = g.t.open();
        let e = r.first_parent_walk("main", 0).unwrap_err().to_string();
        assert!(e.starts_with("git: `main` is not an object id: "), "{e}");
        let e = r.first_parent_walk(MISSING, 0).unwrap_err().to_string();
        assert!(e.starts_with(&format!("git: reading commit {MISSING}: ")), "{e}");
    }

    #[test]
    fn try_resolve_commit_peels_and_answers_none_for_what_is_not_here() {
        let g = graph();
        let tag = g.t.git.find_object(Oid::from_str(&g.feat).unwrap(), None).unwrap();
        g.t.git.tag("v1", &tag, &crate::repo::commits::tests::ada(600), "release\n", false).unwrap();
        let r = g.t.open();
        assert_eq!(r.try_resolve_commit("main").as_ref(), Some(&g.main[4]));
        assert_eq!(r.try_resolve_commit("v1").as_ref(), Some(&g.feat), "an annotated tag peels to its commit");
        assert_eq!(r.try_resolve_commit("deploy-1234"), None);
        assert_eq!(r.try_resolve_commit("main^{tree}"), None, "a tree is not a commit");
    }

    #[test]
    fn a_revision_contains_the_chain_up_to_where_it_forked() {
        let g = graph();
        let r = g.t.open();
        let a = Ancestry::new(&r).with_chain(&newest_first(&g));
        let contained = |rev: &str| g.main.iter().map(|c| a.contains(rev, c)).collect::<Vec<_>>();
        assert_eq!(contained("main"), [true; 5]);
        assert_eq!(contained("feat"), [true, true, true, false, false], "feat forked from c2");
        assert_eq!(contained(&g.feat), [true, true, true, false, false], "by id too");
        assert_eq!(contained(&g.main[2]), [true, true, true, false, false], "a chain commit contains its past");
        assert_eq!(contained("side"), [true, true, false, false, false]);
        assert_eq!(contained("v404"), [false; 5], "a revision not here contains nothing");
        assert!(a.take_failure().is_none());
    }

    #[test]
    fn commits_named_other_ways_or_off_the_chain_are_answered_by_ancestry() {
        let g = graph();
        let r = g.t.open();
        let a = Ancestry::new(&r).with_chain(&newest_first(&g));
        assert!(a.contains("feat", "main~2"), "main~2 is c2, on the chain");
        assert!(!a.contains("feat", "main~1"), "main~1 is c3");
        assert!(a.contains("main", &g.side), "side was merged into main");
        assert!(a.contains("main", &g.side), "and the answer is the same when asked again");
        assert!(!a.contains("feat", &g.side));
        assert!(a.contains("feat", &g.feat), "a revision contains itself");
        assert!(!a.contains("main", "no-such-commit"));
        assert!(!a.contains("main", MISSING));
        assert!(a.take_failure().is_none());
    }

    #[test]
    fn without_a_chain_every_answer_is_an_ancestry_walk() {
        let g = graph();
        let r = g.t.open();
        let a = Ancestry::new(&r);
        assert!(a.contains("main", &g.main[0]));
        assert!(!a.contains("feat", &g.main[3]));
        assert!(a.contains("feat", "main~2"));
        assert!(a.take_failure().is_none());
    }

    #[test]
    fn revisions_and_answers_are_remembered() {
        let g = graph();
        let r = g.t.open();
        let a = Ancestry::new(&r).with_chain(&newest_first(&g));
        assert_eq!(a.resolve("feat").as_ref(), Some(&g.feat));
        assert!(a.contains("feat", &g.main[2]));
        g.t.git.find_reference("refs/heads/feat").unwrap().delete().unwrap();
        assert_eq!(a.resolve("feat").as_ref(), Some(&g.feat), "resolved once, for the whole run");
        assert!(a.contains("feat", &g.main[1]), "its place on the chain is remembered");
        assert!(!a.contains("feat", &g.main[4]));
        assert_eq!(Ancestry::new(&r).resolve("feat"), None, "a new oracle sees the ref is gone");
    }

    #[test]
    fn a_git_failure_answers_false_and_is_kept_for_the_caller() {
        let g = graph();
        let r = g.t.open();
        let a = Ancestry::new(&r).with_chain(&[MISSING.to_string()]);
        assert!(!a.contains("main", MISSING), "the chain commit is not in this repository");
        let e = a.take_failure().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.starts_with("git: walking history: "), "{e:?}");
        assert!(a.take_failure().is_none(), "taken once");
        let off_chain = Ancestry::new(&r);
        g.t.write_git_file("refs/heads/ghost", format!("{MISSING}\n").as_bytes());
        assert!(!off_chain.contains("main", "ghost"), "ghost names a commit that is not here");
        assert!(off_chain.take_failure().is_none(), "a revision not here is absent, not a failure");
    }
}
