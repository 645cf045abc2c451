//! Branch rules (pre-push, check): life time, distance from trunk, and size of the whole branch.

use crate::finding::Finding;
use crate::policy::model::Policy;

use super::finding;

/// What the command measured about a branch against trunk.
#[derive(Debug, Clone, Default)]
pub struct BranchFacts {
    /// The branch name.
    pub name: String,
    /// The trunk it was measured against (e.g. `origin/main`).
    pub trunk: String,
    /// Commits on the branch and not on trunk.
    pub ahead: u64,
    /// Commits on trunk and not on the branch.
    pub behind: u64,
    /// Author time of the oldest commit not on trunk (Unix seconds).
    pub oldest: Option<i64>,
    /// Files the whole branch changes against the merge base.
    pub files: u64,
    /// Lines (added + removed) the whole branch changes, when measured.
    pub lines: Option<u64>,
}

/// Runs the branch rules; `now` is Unix seconds.
pub fn check(policy: &Policy, f: &BranchFacts, now: i64) -> Vec<Finding> {
    let mut out = Vec::new();
    let b = &policy.branch;
    let name = &f.name;
    if let (Some(max), Some(oldest)) = (b.max_age, f.oldest) {
        let age = now.saturating_sub(oldest).max(0);
        if age as u64 > max.as_secs() {
            let shown = crate::policy::units::Duration::from_secs(age as u64 / 3600 * 3600);
            out.extend(finding(policy, "branch.max-age", format!("branch `{name}` is {shown} old (its oldest commit not on {}), more than {max}", f.trunk), format!("merge what is ready into {} now and continue on a new branch; trunk-based branches live at most {max}", f.trunk)));
        }
    }
    if let Some(max) = b.max_ahead {
        if f.ahead > max {
            out.extend(finding(
                policy,
                "branch.max-ahead",
                format!("branch `{name}` is {} commits ahead of {}, more than {max}", f.ahead, f.trunk),
                "land smaller changes more often: merge what is ready, or squash related commits".into(),
            ));
        }
    }
    if let Some(max) = b.max_behind {
        if f.behind > max {
            out.extend(finding(
                policy,
                "branch.max-behind",
                format!("branch `{name}` is {} commits behind {}, more than {max}", f.behind, f.trunk),
                format!("rebase on trunk: git pull --rebase origin {}", f.trunk.rsplit('/').next().unwrap_or(&f.trunk)),
            ));
        }
    }
    let c = &policy.commits;
    if let Some(max) = c.branch_max_files {
        if f.files > max {
            out.extend(finding(
                policy,
                "commits.branch-max-files",
                format!("branch `{name}` changes {} files, more than {max}", f.files),
                "split the branch into smaller changes that land separately".into(),
            ));
        }
    }
    if let (Some(max), Some(lines)) = (c.branch_max_lines, f.lines) {
        if lines > max {
            out.extend(finding(
                policy,
                "commits.branch-max-lines",
                format!("branch `{name}` changes {lines} lines, more than {max}"),
                "split the branch into smaller changes that land separately".into(),
            ));
        }
    }
    for x in &mut out {
        x.reference = Some(format!("refs/heads/{name}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{load, NoBlobs, Source};

    #[test]
    fn age_distance_and_size() {
        let p = load::load(Source::Builtin("default".into()), &NoBlobs).unwrap().policy;
        let now = 1_000_000;
        let fresh = BranchFacts {
            name: "feat/x".into(),
            trunk: "origin/main".into(),
            ahead: 3,
            behind: 50,
            oldest: Some(now - 2 * 86_400),
            ..Default::default()
        };
        assert!(check(&p, &fresh, now).is_empty(), "exactly at the limits passes");
        let stale = BranchFacts { ahead: 31, behind: 51, oldest: Some(now - 2 * 86_400 - 1), ..fresh.clone() };
        let ids: Vec<_> = check(&p, &stale, now).iter().map(|f| f.rule).collect();
        assert_eq!(ids, ["branch.max-age", "branch.max-ahead", "branch.max-behind"]);
        let skew = BranchFacts { oldest: Some(now + 3600), ..fresh };
        assert!(check(&p, &skew, now).is_empty(), "a commit from the future is not old");
    }

    fn policy(text: &str) -> Policy {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        std::fs::write(&path, text).unwrap();
        load::load(Source::File(path), &NoBlobs).unwrap().policy
    }

    fn facts() -> BranchFacts {
        BranchFacts {
            name: "feat/x".into(),
            trunk: "origin/main".into(),
            oldest: Some(0),
            files: 20,
            lines: Some(400),
            ..Default::default()
        }
    }

    #[test]
    fn findings_say_how_far_over_and_how_to_fix() {
        let now = 5 * 86_400 + 7200 + 59;
        let out =
            check(&policy("[branch]\nmax-age = \"2d\"\nmax-behind = 1\n"), &BranchFacts { behind: 2, ..facts() }, now);
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(out[0].message, "branch `feat/x` is 5d2h old (its oldest commit not on origin/main), more than 2d");
        assert!(out[0].help.contains("merge what is ready into origin/main"));
        assert_eq!(out[1].help, "rebase on trunk: git pull --rebase origin main", "the remote's name is dropped");
        assert!(out.iter().all(|f| f.reference.as_deref() == Some("refs/heads/feat/x")));
    }

    #[test]
    fn no_oldest_commit_means_no_age() {
        let p = policy("[branch]\nmax-age = \"1h\"\n");
        assert!(check(&p, &BranchFacts { oldest: None, ..facts() }, 1_000_000).is_empty());
    }

    #[test]
    fn branch_size_limits_files_and_measured_lines() {
        let p = policy("[commits]\nbranch-max-files = 20\nbranch-max-lines = 400\n");
        assert!(check(&p, &facts(), 0).is_empty(), "exactly at the limits passes");
        let big = BranchFacts { files: 21, lines: Some(401), ..facts() };
        let out = check(&p, &big, 0);
        let ids: Vec<_> = out.iter().map(|f| f.rule).collect();
        assert_eq!(ids, ["commits.branch-max-files", "commits.branch-max-lines"]);
        assert_eq!(out[0].message, "branch `feat/x` changes 21 files, more than 20");
        assert_eq!(out[1].message, "branch `feat/x` changes 401 lines, more than 400");
        assert!(out.iter().all(|f| f.help.contains("split the branch")));
        let unmeasured = BranchFacts { lines: None, ..big };
        let ids: Vec<_> = check(&p, &unmeasured, 0).iter().map(|f| f.rule).collect();
        assert_eq!(ids, ["commits.branch-max-files"], "lines not measured are not judged");
    }

    #[test]
    fn no_limits_no_findings() {
        let huge = BranchFacts { ahead: 10_000, behind: 10_000, files: 10_000, lines: Some(1 << 40), ..facts() };
        assert!(check(&policy(""), &huge, i64::MAX).is_empty());
    }
}
