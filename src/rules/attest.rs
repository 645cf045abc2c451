//! `hooks.attested`: every commit carries a `committed` stamp from a passing hook run, which
//! catches `git commit --no-verify` and commits made without the hooks installed.

use crate::events::Event;
use crate::finding::Finding;
use crate::policy::model::Policy;

use super::finding;

/// The commands that make a commit without running pre-commit and commit-msg, as HEAD's reflog
/// names them (and a `committed` stamp's `via`): post-commit checks their commits itself.
pub const MADE_WITHOUT_HOOKS: [&str; 2] = ["revert", "cherry-pick"];

/// Judges one commit by the events of its dev note; `stamps_fetched` says whether any notes
/// were there at all (CI may have forgotten to fetch them).
pub fn check(policy: &Policy, commit: &str, events: &[Event], stamps_fetched: bool) -> Option<Finding> {
    let committed: Vec<&Event> = events.iter().filter(|e| e.kind == "committed").collect();
    // pre-commit passed, or (for a revert or cherry-pick, which git makes without it)
    // post-commit judged the commit by the same rules and it passed.
    let passed = committed
        .iter()
        .any(|e| e.get("hooks").is_some_and(|h| h.split(',').any(|x| x == "pre-commit" || x == "post-commit")));
    if passed {
        return None;
    }
    let (why, help) = if !stamps_fetched {
        (
            "no git-policy stamps are here at all".to_string(),
            "fetch them before checking: git fetch origin '+refs/notes/git-policy/*:refs/notes/git-policy/*'"
                .to_string(),
        )
    } else if committed.is_empty() {
        (
            "commit has no `committed` stamp: it was made without git-policy's hooks".to_string(),
            "install the hooks (git-policy install) and recommit: git rebase -f <base> re-runs them".to_string(),
        )
    } else if let Some(via) = committed.iter().find_map(|e| e.get("via").filter(|v| MADE_WITHOUT_HOOKS.contains(v))) {
        (
            format!("commit was made by `git {via}`, which runs no pre-commit hook, and broke the rules when post-commit checked it"),
            "fix what the other findings of this commit say, then `git commit --amend` runs the hooks".to_string(),
        )
    } else {
        (
            "commit was made with the hooks skipped (--no-verify)".to_string(),
            "recommit with the hooks: git rebase -f <base>".to_string(),
        )
    };
    finding(policy, "hooks.attested", why, help).map(|f| f.commit(commit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{load, NoBlobs, Source};

    #[test]
    fn stamps_attest() {
        let p = load::load(Source::Builtin("strict".into()), &NoBlobs).unwrap().policy;
        let ok = Event::new(0, "committed").with("hooks", "pre-commit,commit-msg");
        let skipped = Event::new(0, "committed").with("hooks", "none");
        assert!(check(&p, "c", std::slice::from_ref(&ok), true).is_none());
        assert!(check(&p, "c", &[skipped.clone(), ok], true).is_none(), "an amend that passed counts");
        assert!(check(&p, "c", &[skipped], true).unwrap().message.contains("--no-verify"));
        assert!(check(&p, "c", &[], true).unwrap().message.contains("without git-policy's hooks"));
        assert!(check(&p, "c", &[], false).unwrap().help.contains("git fetch"));
        let reverted = Event::new(0, "committed").with("hooks", "post-commit").with("via", "revert");
        assert!(check(&p, "c", &[reverted], true).is_none(), "post-commit checked the revert and it passed");
        let broke = Event::new(0, "committed").with("hooks", "none").with("via", "cherry-pick");
        let f = check(&p, "c", &[broke], true).unwrap();
        assert!(f.message.contains("`git cherry-pick`") && !f.message.contains("--no-verify"), "{}", f.message);
        let rebased = Event::new(0, "committed").with("hooks", "none").with("via", "rebase");
        let f = check(&p, "c", &[rebased], true).unwrap();
        assert!(f.message.contains("--no-verify"), "a rebase carries the original's verdict: {}", f.message);
        let default = load::load(Source::Builtin("default".into()), &NoBlobs).unwrap().policy;
        assert!(check(&default, "c", &[], true).is_none(), "off by default");
    }
}
