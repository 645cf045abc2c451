//! Gathering facts for the rules that pre-push, pre-receive and check share.

use std::collections::BTreeSet;

use crate::error::Result;
use crate::finding::Finding;
use crate::policy::Policy;
use crate::repo::commits::CommitInfo;
use crate::repo::Repo;
use crate::rules::{self, branch::BranchFacts};

/// Judges each commit with the per-commit rules.
pub fn judge_commits(repo: &Repo, policy: &Policy, ids: &[String], on_branch: bool) -> Result<Vec<Finding>> {
    let infos = ids.iter().map(|id| repo.commit_info(id)).collect::<Result<Vec<_>>>()?;
    judge_infos(repo, policy, &infos, on_branch, &mut BTreeSet::new())
}

/// Judges commits already read; every path they touch is added to `touched`.
pub fn judge_infos(
    repo: &Repo,
    policy: &Policy,
    infos: &[CommitInfo],
    on_branch: bool,
    touched: &mut BTreeSet<String>,
) -> Result<Vec<Finding>> {
    let count_lines = policy.commits.max_lines.is_some() && policy.level("commits.max-lines") != rules::LEVEL_OFF;
    let sizes = policy.commits.max_file_size.is_some() && policy.level("commits.max-file-size") != rules::LEVEL_OFF;
    // Trees come through the pack reader, whose delta-base cache serves the directories that
    // commit after commit share (through libgit2 this was 0.8 s for 10,000 commits), and
    // which, unlike libgit2, takes no process-wide lock: a long range is judged in two halves
    // at once, each with its own repository handle. Below that, a thread costs more than it
    // saves.
    let judge = |repo: &Repo, infos: &[CommitInfo]| -> Result<(Vec<Finding>, Vec<String>)> {
        let mut objects = repo.objects();
        let (mut out, mut paths) = (Vec::new(), Vec::new());
        for info in infos {
            let changes = repo.commit_changes(&mut objects, &info.id, sizes)?;
            let lines = if count_lines { Some(repo.commit_lines(&info.id)?) } else { None };
            out.extend(rules::commit::check(policy, info, Some(&changes), lines, on_branch));
            paths.extend(changes.into_iter().map(|c| c.path));
        }
        Ok((out, paths))
    };
    let halves = if infos.len() >= PARALLEL_FROM {
        let (first, second) = infos.split_at(infos.len() / 2);
        let side = repo.reopen()?;
        let judge = &judge;
        std::thread::scope(|s| {
            let later = s.spawn(move || judge(&side, second));
            let earlier = judge(repo, first);
            let later = later.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            Ok::<_, crate::error::Error>(vec![earlier?, later?])
        })?
    } else {
        vec![judge(repo, infos)?]
    };
    let mut out = Vec::new();
    for (found, paths) in halves {
        out.extend(found);
        touched.extend(paths);
    }
    Ok(out)
}

/// How many commits a range needs before its judging is split over two threads.
const PARALLEL_FROM: usize = 256;

/// Measures a work branch against trunk; `None` for trunk, protected or exempt branches, or
/// when no trunk exists here to measure against.
pub fn branch_facts(
    repo: &Repo,
    policy: &Policy,
    branch: &str,
    head: &str,
    remote: Option<&str>,
) -> Result<Option<BranchFacts>> {
    if !rules::staged::is_work_branch(policy, branch) {
        return Ok(None);
    }
    let Some((trunk, trunk_id)) = repo.find_trunk(&policy.trunk.branches, remote)? else { return Ok(None) };
    let (ahead, behind) = repo.ahead_behind(head, &trunk_id)?;
    let own = repo.commits_between(&[head.to_string()], std::slice::from_ref(&trunk_id))?;
    let mut oldest = None;
    for id in &own {
        let t = repo.commit_info(id)?.author_time;
        oldest = Some(oldest.map_or(t, |o: i64| o.min(t)));
    }
    let c = &policy.commits;
    let (files, lines) = match (c.branch_max_files, c.branch_max_lines) {
        (None, None) => (0, None),
        _ => match repo.merge_base(head, &trunk_id)? {
            Some(base) => repo.diff_size(&base, head, c.branch_max_lines.is_some())?,
            None => (0, None),
        },
    };
    Ok(Some(BranchFacts { name: branch.to_string(), trunk, ahead, behind, oldest, files, lines }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{load, NoBlobs, Source};
    use crate::repo::commits::tests::TestRepo;

    /// A range long enough to be judged on two threads gives what judging its commits one at a
    /// time gives: the same findings in the same order, and the same touched paths.
    #[test]
    fn a_long_range_judged_in_halves_matches_one_commit_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.toml");
        std::fs::write(&p, "[commits]\nforbid-paths = [\"**/*.pem\"]\nmax-file-size = \"8B\"\n").unwrap();
        let policy = load::load(Source::File(p), &NoBlobs).unwrap().policy;
        let t = TestRepo::new();
        let mut parent = None;
        let mut ids = Vec::new();
        for i in 0..(PARALLEL_FROM + 40) {
            let (path, body) = match i % 3 {
                0 => (format!("keys/k{i}.pem"), "secret".to_string()),
                1 => (format!("src/f{}.rs", i % 7), "x".repeat(i % 13)),
                _ => ("README".to_string(), i.to_string()),
            };
            let c =
                t.commit(Some("refs/heads/main"), parent.as_slice(), &[(path.as_str(), Some(body.as_str()))], i as i64);
            parent = Some(c);
            ids.push(c.to_string());
        }
        crate::repo::objects::tests::pack_all(&t);
        let r = t.open();
        let infos: Vec<CommitInfo> = ids.iter().map(|id| r.commit_info(id).unwrap()).collect();
        let mut touched = BTreeSet::new();
        let whole = judge_infos(&r, &policy, &infos, true, &mut touched).unwrap();
        let mut one_by_one = Vec::new();
        let mut touched_one = BTreeSet::new();
        for info in &infos {
            one_by_one.extend(judge_infos(&r, &policy, std::slice::from_ref(info), true, &mut touched_one).unwrap());
        }
        assert!(whole.len() > PARALLEL_FROM / 2, "the range has findings to compare: {}", whole.len());
        assert_eq!(format!("{whole:?}"), format!("{one_by_one:?}"));
        assert_eq!(touched, touched_one);
    }
}
