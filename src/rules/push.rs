//! Rules on ref updates (pre-push and pre-receive): protected refs are not rewound or deleted.

use crate::finding::Finding;
use crate::policy::model::Policy;
use crate::subject::RefUpdate;

use super::finding;

/// What the command found out about one update's ancestry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ancestry {
    /// New ref, or the old tip is an ancestor of the new one.
    FastForward,
    /// The old tip is not an ancestor: history is rewritten.
    Rewrite,
    /// The old tip is not known here, so ancestry cannot be checked.
    Unknown,
}

/// Runs the ref-update rules for one update.
pub fn check(policy: &Policy, update: &RefUpdate, ancestry: Ancestry) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(branch) = update.branch() else { return out };
    let protected = policy.trunk.protected.is_match(branch);
    if protected && update.is_delete() {
        out.extend(finding(
            policy,
            "trunk.delete",
            format!("`{branch}` is protected and cannot be deleted"),
            "protected branches stay; ask an admin if it really must go".into(),
        ));
    } else if protected && !update.is_create() {
        match ancestry {
            Ancestry::FastForward => {}
            Ancestry::Rewrite => out.extend(finding(
                policy,
                "trunk.force-push",
                format!("push would rewrite `{branch}` (not a fast-forward)"),
                format!("never force-push a protected branch: git pull --rebase origin {branch}, then push again"),
            )),
            Ancestry::Unknown => out.extend(finding(
                policy,
                "trunk.force-push",
                format!(
                    "cannot tell whether the push to `{branch}` is a fast-forward: its current tip {} is not here",
                    &update.old[..update.old.len().min(12)]
                ),
                format!("fetch first (git fetch origin {branch}), then push again"),
            )),
        }
    }
    if !update.is_delete() {
        out.extend(super::staged::branch_name(policy, branch));
    }
    for f in &mut out {
        f.reference = Some(update.remote_ref.clone());
    }
    out
}
