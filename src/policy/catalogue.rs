//! The catalogue of rules: every rule's stable id, default level, where it runs, and what it checks.
//!
//! Ids are part of the public interface (`[rules]`, `GIT_POLICY_SKIP`, reports): never rename one.

use std::fmt;

/// A rule's level after the policy is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The rule does not run.
    Off,
    /// A finding is shown but does not fail.
    Warn,
    /// A finding fails the check.
    Error,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Off => "off",
            Level::Warn => "warn",
            Level::Error => "error",
        })
    }
}

/// Where a rule runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Before a commit is made: staged changes and the current branch.
    PreCommit,
    /// The message of a commit about to be made.
    CommitMsg,
    /// Ref updates about to be pushed, or received by a server.
    Push,
    /// Every commit of a range in CI (`git-policy check`).
    Check,
}

/// One rule of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct RuleInfo {
    /// Stable dotted id, e.g. `branch.max-age`.
    pub id: &'static str,
    /// Level when `[rules]` does not set one.
    pub default_level: Level,
    /// Where it runs.
    pub stages: &'static [Stage],
    /// One line on what it checks.
    pub summary: &'static str,
}

use Stage::{Check, CommitMsg, PreCommit, Push};

const fn rule(id: &'static str, default_level: Level, stages: &'static [Stage], summary: &'static str) -> RuleInfo {
    RuleInfo { id, default_level, stages, summary }
}

/// Every rule git-policy knows, in documentation order.
pub const RULES: &[RuleInfo] = &[
    rule("trunk.protected-commit", Level::Error, &[PreCommit], "no direct commits on a protected branch"),
    rule("trunk.force-push", Level::Error, &[Push], "no non-fast-forward update of a protected branch"),
    rule("trunk.delete", Level::Error, &[Push], "no deletion of a protected branch"),
    rule(
        "branch.name-pattern",
        Level::Error,
        &[PreCommit, Push, Check],
        "work branch names match [branch] name-pattern",
    ),
    rule("branch.max-age", Level::Warn, &[Push, Check], "a branch lives at most [branch] max-age"),
    rule(
        "branch.max-ahead",
        Level::Warn,
        &[Push, Check],
        "a branch is at most [branch] max-ahead commits ahead of trunk",
    ),
    rule(
        "branch.max-behind",
        Level::Warn,
        &[Push, Check],
        "a branch is at most [branch] max-behind commits behind trunk",
    ),
    rule("branch.linear", Level::Error, &[Push, Check], "no merge commits on a branch"),
    rule(
        "commits.subject-max-length",
        Level::Error,
        &[CommitMsg, Push, Check],
        "subject at most [commits] subject-max-length characters",
    ),
    rule(
        "commits.subject-pattern",
        Level::Error,
        &[CommitMsg, Push, Check],
        "subject matches [commits] subject-pattern",
    ),
    rule("commits.forbid-subjects", Level::Error, &[Push, Check], "no WIP, fixup! or squash! subjects reach trunk"),
    rule(
        "commits.body-max-line-length",
        Level::Warn,
        &[CommitMsg, Push, Check],
        "body lines at most [commits] body-max-line-length",
    ),
    rule("commits.signoff", Level::Error, &[CommitMsg, Push, Check], "a Signed-off-by trailer matching the author"),
    rule("commits.signed", Level::Error, &[Push, Check], "every commit signed by a key in allowed-signers"),
    rule("commits.max-files", Level::Warn, &[PreCommit, Push, Check], "at most [commits] max-files files per commit"),
    rule(
        "commits.max-lines",
        Level::Warn,
        &[PreCommit, Push, Check],
        "at most [commits] max-lines changed lines per commit",
    ),
    rule(
        "commits.branch-max-files",
        Level::Warn,
        &[Push, Check],
        "at most [commits] branch-max-files files per branch",
    ),
    rule(
        "commits.branch-max-lines",
        Level::Warn,
        &[Push, Check],
        "at most [commits] branch-max-lines changed lines per branch",
    ),
    rule("commits.forbid-paths", Level::Error, &[PreCommit, Push, Check], "no commit touches [commits] forbid-paths"),
    rule(
        "commits.max-file-size",
        Level::Error,
        &[PreCommit, Push, Check],
        "no file larger than [commits] max-file-size",
    ),
    rule(
        "commits.author-email",
        Level::Error,
        &[PreCommit, Push, Check],
        "author email matches [commits] author-email",
    ),
    rule(
        "commits.committer-email",
        Level::Error,
        &[PreCommit, Push, Check],
        "committer email matches [commits] committer-email",
    ),
    rule("review.approvals", Level::Error, &[Check], "[review] approvals distinct approvers other than the author"),
    rule("review.owners", Level::Error, &[Check], "owners of changed paths approve"),
    rule(
        "review.policy-change",
        Level::Error,
        &[Check],
        "changes to the policy, CODEOWNERS or allowed-signers need the base policy's owners",
    ),
    rule("coverage.total", Level::Error, &[Push, Check], "line coverage of the project at least [coverage] min-total"),
    rule("coverage.branch", Level::Error, &[Push, Check], "branch coverage at least [coverage] min-branch"),
    rule("coverage.file", Level::Error, &[Push, Check], "line coverage of each file at least its minimum"),
    rule("coverage.patch", Level::Error, &[Push, Check], "coverage of changed lines at least [coverage] min-patch"),
    rule(
        "coverage.uncovered-patch-lines",
        Level::Error,
        &[Push, Check],
        "at most [coverage] max-uncovered-patch-lines uncovered changed lines",
    ),
    rule("coverage.ratchet", Level::Error, &[Check], "a change does not lower the recorded total"),
    rule("coverage.unmapped", Level::Warn, &[Push, Check], "every report path maps to a repository file"),
    rule("hooks.attested", Level::Off, &[Check], "every commit carries a stamp from a passing hook run"),
    rule("policy.changed", Level::Warn, &[Check], "the change edits the policy, CODEOWNERS or allowed-signers"),
];

/// Looks a rule up by id.
pub fn find(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_dotted() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        assert!(RULES.iter().all(|r| r.id.split('.').count() == 2));
        assert!(find("branch.max-age").is_some());
        assert!(find("branch.max-agee").is_none());
    }

    #[test]
    fn every_rule_has_a_stage_and_a_summary() {
        for r in RULES {
            assert!(!r.stages.is_empty(), "{} runs nowhere", r.id);
            assert!(!r.summary.is_empty(), "{} has no summary", r.id);
        }
        let r = rule("x.y", Level::Warn, &[Push, Check], "what it checks");
        assert_eq!(
            (r.id, r.default_level, r.stages, r.summary),
            ("x.y", Level::Warn, &[Push, Check][..], "what it checks")
        );
    }

    #[test]
    fn levels_show_as_policy_files_spell_them_and_order_by_severity() {
        assert_eq!([Level::Off, Level::Warn, Level::Error].map(|l| l.to_string()), ["off", "warn", "error"]);
        assert!(Level::Off < Level::Warn && Level::Warn < Level::Error);
    }
}
