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
    // Reading each commit's trees is most of the work on long ranges, and it is independent per
    // commit: split it over the cores, each thread with its own repository handle (libgit2
    // handles are not shared across threads).
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads < 2 || infos.len() < PARALLEL_FROM {
        return judge_chunk(repo, policy, infos, on_branch, touched);
    }
    let chunk = infos.len().div_ceil(threads);
    let git_dir = repo.git_dir().to_path_buf();
    let results: Vec<Result<(Vec<Finding>, BTreeSet<String>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = infos
            .chunks(chunk)
            .map(|part| {
                let git_dir = &git_dir;
                scope.spawn(move || {
                    let own = Repo::open(git_dir)?;
                    let mut seen = BTreeSet::new();
                    let found = judge_chunk(&own, policy, part, on_branch, &mut seen)?;
                    Ok((found, seen))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(crate::error::Error::git("a worker thread failed", "run the check again")))
            })
            .collect()
    });
    let mut out = Vec::new();
    for r in results {
        let (found, seen) = r?;
        out.extend(found);
        touched.extend(seen);
    }
    Ok(out)
}

/// Below this many commits, threads cost more than they save.
const PARALLEL_FROM: usize = 200;

fn judge_chunk(
    repo: &Repo,
    policy: &Policy,
    infos: &[CommitInfo],
    on_branch: bool,
    touched: &mut BTreeSet<String>,
) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    let count_lines = policy.commits.max_lines.is_some() && policy.level("commits.max-lines") != rules::LEVEL_OFF;
    let sizes = policy.commits.max_file_size.is_some() && policy.level("commits.max-file-size") != rules::LEVEL_OFF;
    for info in infos {
        let changes = repo.commit_changes(&info.id, sizes)?;
        let lines = if count_lines { Some(repo.commit_lines(&info.id)?) } else { None };
        out.extend(rules::commit::check(policy, info, Some(&changes), lines, on_branch));
        touched.extend(changes.into_iter().map(|c| c.path));
    }
    Ok(out)
}

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
