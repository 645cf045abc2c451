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
