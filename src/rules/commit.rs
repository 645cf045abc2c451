//! Rules on one existing commit (pre-push, pre-receive, check): its message, identity, merges and changes.

use crate::finding::Finding;
use crate::policy::model::Policy;
use crate::repo::commits::CommitInfo;
use crate::subject::{FileChange, Message};

use super::finding;
use super::message::{self, Scope};

/// Runs the per-commit rules; `on_branch` says whether the commit is on a work branch (for `linear`).
/// `lines` is the commit's changed-line count, measured only when `[commits] max-lines` is set.
pub fn check(
    policy: &Policy,
    info: &CommitInfo,
    changes: Option<&[FileChange]>,
    lines: Option<u64>,
    on_branch: bool,
) -> Vec<Finding> {
    let msg =
        Message { text: &info.message, author_email: Some(&info.author_email), author_name: Some(&info.author_name) };
    let mut out = message::check(policy, &msg, Scope::Landing);
    let c = &policy.commits;
    if let Some(p) = &c.author_email {
        if !p.is_match(&info.author_email) {
            out.extend(finding(policy, "commits.author-email", format!("author email <{}> does not match `{}`", info.author_email, p.as_str()), "set user.email (git config user.email you@company) and fix the commit: git commit --amend --reset-author".into()));
        }
    }
    if let Some(p) = &c.committer_email {
        if !p.is_match(&info.committer_email) {
            out.extend(finding(
                policy,
                "commits.committer-email",
                format!("committer email <{}> does not match `{}`", info.committer_email, p.as_str()),
                "set user.email and recommit (git rebase --exec 'git commit --amend --no-edit --reset-author')".into(),
            ));
        }
    }
    if on_branch && policy.branch.linear && info.parent_count >= 2 {
        out.extend(finding(
            policy,
            "branch.linear",
            format!("merge commit with {} parents on a branch", info.parent_count),
            "rebase on trunk instead of merging it in: git rebase <trunk>".into(),
        ));
    }
    if let Some(ch) = changes {
        out.extend(super::staged::changes(policy, ch, None));
    }
    if let (Some(max), Some(lines)) = (c.max_lines, lines) {
        if lines > max {
            out.extend(finding(
                policy,
                "commits.max-lines",
                format!("{lines} lines changed, more than {max}"),
                "split the change into smaller commits".into(),
            ));
        }
    }
    for f in &mut out {
        if f.commit.is_none() {
            f.commit = Some(info.id.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{load, NoBlobs, Source};

    fn policy(text: &str) -> Policy {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.toml");
        std::fs::write(&p, text).unwrap();
        load::load(Source::File(p), &NoBlobs).unwrap().policy
    }

    fn info() -> CommitInfo {
        CommitInfo {
            id: "c0ffee".into(),
            message: "Add the parser\n".into(),
            author_name: "Ada".into(),
            author_email: "ada@example.com".into(),
            author_time: 1_700_000_000,
            committer_email: "ada@example.com".into(),
            committer_time: 1_700_000_000,
            parent_count: 1,
        }
    }

    const IDENTITY: &str = "[commits]\nauthor-email = '@example\\.com$'\ncommitter-email = '@example\\.com$'\n";

    #[test]
    fn matching_identities_pass() {
        assert!(check(&policy(IDENTITY), &info(), None, None, true).is_empty());
    }

    #[test]
    fn an_author_email_off_the_pattern_is_named_with_the_fix() {
        let c = CommitInfo { author_email: "ada@home.net".into(), ..info() };
        let out = check(&policy(IDENTITY), &c, None, None, false);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].rule, "commits.author-email");
        assert!(out[0].message.contains("<ada@home.net>") && out[0].message.contains("@example\\.com$"));
        assert!(out[0].help.contains("git config user.email") && out[0].help.contains("--reset-author"));
        assert_eq!(out[0].commit.as_deref(), Some("c0ffee"));
    }

    #[test]
    fn a_committer_email_off_the_pattern_is_named_with_the_fix() {
        let c = CommitInfo { committer_email: "bot@ci.local".into(), ..info() };
        let out = check(&policy(IDENTITY), &c, None, None, false);
        assert_eq!(out.iter().map(|f| f.rule).collect::<Vec<_>>(), ["commits.committer-email"]);
        assert!(out[0].message.contains("committer email <bot@ci.local> does not match"));
        assert!(out[0].help.contains("git rebase --exec"));
        assert_eq!(out[0].commit.as_deref(), Some("c0ffee"));
    }

    #[test]
    fn a_merge_is_refused_only_on_a_linear_work_branch() {
        let merge = CommitInfo { parent_count: 2, ..info() };
        let linear = policy("[branch]\nlinear = true\n");
        let out = check(&linear, &merge, None, None, true);
        assert_eq!(out.iter().map(|f| f.rule).collect::<Vec<_>>(), ["branch.linear"]);
        assert!(out[0].message.contains("2 parents") && out[0].help.contains("git rebase"));
        assert!(check(&linear, &merge, None, None, false).is_empty(), "trunk's own merges are fine");
        assert!(check(&linear, &info(), None, None, true).is_empty(), "one parent is not a merge");
        assert!(check(&policy("[branch]\nlinear = false\n"), &merge, None, None, true).is_empty());
    }

    #[test]
    fn max_lines_counts_only_when_measured_and_over() {
        let p = policy("[commits]\nmax-lines = 10\n");
        assert!(check(&p, &info(), None, Some(10), false).is_empty(), "exactly at the limit passes");
        assert!(check(&p, &info(), None, None, false).is_empty(), "not measured, not judged");
        let out = check(&p, &info(), None, Some(11), false);
        assert_eq!(out.iter().map(|f| f.rule).collect::<Vec<_>>(), ["commits.max-lines"]);
        assert_eq!(out[0].message, "11 lines changed, more than 10");
        assert!(out[0].help.contains("split"));
        assert!(check(&policy(""), &info(), None, Some(1_000_000), false).is_empty(), "no limit set");
    }

    #[test]
    fn path_rules_run_on_the_commit_changes_and_name_the_commit() {
        let p = policy("[commits]\nforbid-paths = [\"**/.env\"]\n");
        let changes = [
            FileChange { path: "app/.env".into(), size: 10, deleted: false },
            FileChange { path: "old/.env".into(), size: 0, deleted: true },
            FileChange { path: "src/main.rs".into(), size: 10, deleted: false },
        ];
        let out = check(&p, &info(), Some(&changes), None, false);
        assert_eq!(out.len(), 1, "a deletion of a forbidden path is a fix, not a finding: {out:?}");
        assert_eq!((out[0].rule, out[0].path.as_deref()), ("commits.forbid-paths", Some("app/.env")));
        assert_eq!(out[0].commit.as_deref(), Some("c0ffee"));
        assert!(check(&p, &info(), None, None, false).is_empty(), "no changes given, no path rules");
    }

    #[test]
    fn message_rules_apply_to_the_commit() {
        let p = policy("[commits]\nsubject-max-length = 10\n");
        let out = check(&p, &info(), None, None, false);
        assert_eq!(out.iter().map(|f| f.rule).collect::<Vec<_>>(), ["commits.subject-max-length"]);
        assert_eq!(out[0].commit.as_deref(), Some("c0ffee"));
    }
}
