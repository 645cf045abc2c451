//! Rules on staged changes and the current branch (pre-commit).

use crate::finding::Finding;
use crate::policy::model::Policy;
use crate::subject::Staged;

use super::finding;

/// Whether a branch is trunk, protected or exempt, and so not a work branch.
pub fn is_work_branch(policy: &Policy, branch: &str) -> bool {
    !policy.trunk.branches.iter().any(|b| b == branch)
        && !policy.trunk.protected.is_match(branch)
        && !policy.branch.exempt.is_match(branch)
}

/// The branch-name rule, shared by pre-commit, pre-push and check.
pub fn branch_name(policy: &Policy, branch: &str) -> Option<Finding> {
    let pattern = policy.branch.name_pattern.as_ref()?;
    if !is_work_branch(policy, branch) || pattern.is_match(branch) {
        return None;
    }
    finding(
        policy,
        "branch.name-pattern",
        format!("branch name `{branch}` does not match `{}`", pattern.as_str()),
        format!("rename it: git branch -m {branch} <kind>/{}", branch.rsplit('/').next().unwrap_or(branch)),
    )
    .map(|f| f.reference(format!("refs/heads/{branch}")))
}

/// Runs every pre-commit rule.
pub fn check(policy: &Policy, staged: &Staged) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(branch) = &staged.branch {
        if policy.trunk.protected.is_match(branch) && !staged.unborn {
            out.extend(
                finding(
                    policy,
                    "trunk.protected-commit",
                    format!("`{branch}` is protected: no direct commits"),
                    format!("commit on a short-lived branch instead: git switch -c feat/<topic>   (your staged changes come along), then merge into {branch} through review"),
                )
                .map(|f| f.reference(format!("refs/heads/{branch}"))),
            );
        }
        out.extend(branch_name(policy, branch));
    }
    out.extend(changes(policy, &staged.changes, None));
    out
}

/// Path and size rules over one commit's (or the index's) changes.
pub fn changes(policy: &Policy, changes: &[crate::subject::FileChange], commit: Option<&str>) -> Vec<Finding> {
    let mut out = Vec::new();
    let c = &policy.commits;
    let place = |f: Finding| match commit {
        Some(id) => f.commit(id),
        None => f,
    };
    for ch in changes.iter().filter(|ch| !ch.deleted) {
        if c.forbid_paths.is_match(&ch.path) {
            out.extend(
                finding(
                    policy,
                    "commits.forbid-paths",
                    format!("`{}` matches a forbidden path", ch.path),
                    format!(
                        "unstage it (git restore --staged {0}) and add it to .gitignore; forbidden: {1}",
                        ch.path,
                        c.forbid_paths.patterns().join(", ")
                    ),
                )
                .map(|f| place(f.path(ch.path.clone(), None))),
            );
        }
        if let Some(max) = c.max_file_size {
            if ch.size > max.as_bytes() {
                out.extend(
                    finding(
                        policy,
                        "commits.max-file-size",
                        format!("`{}` is {} bytes, over the limit of {max}", ch.path, ch.size),
                        "keep large files out of git (git LFS, an artifact store), or raise [commits] max-file-size"
                            .into(),
                    )
                    .map(|f| place(f.path(ch.path.clone(), None))),
                );
            }
        }
    }
    if let Some(max) = c.max_files {
        if changes.len() as u64 > max {
            out.extend(
                finding(
                    policy,
                    "commits.max-files",
                    format!("{} files changed, more than {max}", changes.len()),
                    "split the change into smaller commits".into(),
                )
                .map(place),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{load, NoBlobs, Source};
    use crate::subject::FileChange;

    fn default_policy() -> Policy {
        load::load(Source::Builtin("default".into()), &NoBlobs).unwrap().policy
    }

    fn staged(branch: &str, files: &[(&str, u64)]) -> Staged {
        Staged {
            branch: Some(branch.into()),
            unborn: false,
            changes: files.iter().map(|(p, s)| FileChange { path: (*p).into(), size: *s, deleted: false }).collect(),
        }
    }

    #[test]
    fn protected_branch_and_names() {
        let p = default_policy();
        let ids = |f: Vec<Finding>| f.iter().map(|f| f.rule).collect::<Vec<_>>();
        assert_eq!(ids(check(&p, &staged("main", &[]))), ["trunk.protected-commit"]);
        assert_eq!(ids(check(&p, &staged("release/1.2", &[]))), ["trunk.protected-commit"]);
        assert!(check(&p, &staged("feat/x", &[("a.rs", 10)])).is_empty());
        assert_eq!(ids(check(&p, &staged("my-branch", &[]))), ["branch.name-pattern"]);
        let detached = Staged { branch: None, unborn: false, changes: vec![] };
        assert!(check(&p, &detached).is_empty());
        let first = Staged { branch: Some("main".into()), unborn: true, changes: vec![] };
        assert!(check(&p, &first).is_empty(), "the first commit of a repository creates trunk");
    }

    #[test]
    fn paths_and_sizes() {
        let p = default_policy();
        let f = check(&p, &staged("feat/x", &[("config/.env", 1), ("big.bin", 6_000_000), ("ok.rs", 5_000_000)]));
        let ids: Vec<_> = f.iter().map(|f| (f.rule, f.path.as_deref().unwrap_or(""))).collect();
        assert_eq!(ids, [("commits.forbid-paths", "config/.env"), ("commits.max-file-size", "big.bin")]);
        let deleted = Staged {
            branch: Some("feat/x".into()),
            unborn: false,
            changes: vec![FileChange { path: ".env".into(), size: 0, deleted: true }],
        };
        assert!(check(&p, &deleted).is_empty(), "deleting a forbidden file is the fix, not a violation");
    }
}
