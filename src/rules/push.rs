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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{load, NoBlobs, Source};

    const ZERO: &str = "0000000000000000000000000000000000000000";
    const OLD: &str = "1111111111111111111111111111111111111111";
    const NEW: &str = "2222222222222222222222222222222222222222";

    fn policy() -> Policy {
        load::load(Source::Builtin("default".into()), &NoBlobs).unwrap().policy
    }

    fn update(remote_ref: &str, old: &str, new: &str) -> RefUpdate {
        RefUpdate {
            local_ref: Some(remote_ref.into()),
            new: new.into(),
            remote_ref: remote_ref.into(),
            old: old.into(),
        }
    }

    fn rules(out: &[Finding]) -> Vec<&'static str> {
        out.iter().map(|f| f.rule).collect()
    }

    #[test]
    fn a_fast_forward_of_a_protected_branch_passes() {
        assert!(check(&policy(), &update("refs/heads/main", OLD, NEW), Ancestry::FastForward).is_empty());
    }

    #[test]
    fn a_rewrite_of_a_protected_branch_is_a_force_push() {
        let out = check(&policy(), &update("refs/heads/main", OLD, NEW), Ancestry::Rewrite);
        assert_eq!(rules(&out), ["trunk.force-push"]);
        assert!(out[0].message.contains("rewrite `main`"));
        assert!(out[0].help.contains("git pull --rebase origin main"));
        assert_eq!(out[0].reference.as_deref(), Some("refs/heads/main"));
    }

    #[test]
    fn an_unknown_old_tip_of_a_protected_branch_says_to_fetch() {
        let out = check(&policy(), &update("refs/heads/release/1.0", OLD, NEW), Ancestry::Unknown);
        assert_eq!(rules(&out), ["trunk.force-push"]);
        assert!(out[0].message.contains("its current tip 111111111111 is not here"), "{}", out[0].message);
        assert!(!out[0].message.contains("1111111111111"), "the id is shortened to 12 characters");
        assert_eq!(out[0].help, "fetch first (git fetch origin release/1.0), then push again");
        let short = RefUpdate { old: "abc".into(), ..update("refs/heads/main", OLD, NEW) };
        let out = check(&policy(), &short, Ancestry::Unknown);
        assert!(out[0].message.contains("its current tip abc is not here"), "a short id is shown whole");
    }

    #[test]
    fn deleting_a_protected_branch_is_refused_whatever_the_ancestry() {
        let out = check(&policy(), &update("refs/heads/master", OLD, ZERO), Ancestry::FastForward);
        assert_eq!(rules(&out), ["trunk.delete"]);
        assert!(out[0].message.contains("`master` is protected"));
    }

    #[test]
    fn creating_a_protected_branch_is_not_a_rewrite() {
        assert!(check(&policy(), &update("refs/heads/main", ZERO, NEW), Ancestry::Rewrite).is_empty());
    }

    #[test]
    fn work_branches_are_judged_by_name_only() {
        let p = policy();
        assert!(check(&p, &update("refs/heads/feat/login", OLD, NEW), Ancestry::Rewrite).is_empty());
        let out = check(&p, &update("refs/heads/my-branch", OLD, NEW), Ancestry::Rewrite);
        assert_eq!(rules(&out), ["branch.name-pattern"]);
        assert!(
            check(&p, &update("refs/heads/my-branch", OLD, ZERO), Ancestry::Unknown).is_empty(),
            "deleting it is fine"
        );
    }

    #[test]
    fn refs_that_are_not_branches_are_not_judged() {
        assert!(check(&policy(), &update("refs/tags/main", OLD, ZERO), Ancestry::Rewrite).is_empty());
    }
}
