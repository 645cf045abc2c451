//! Rules: pure functions from the policy and gathered facts to findings.
//!
//! No rule opens a repository, a file or the clock; commands gather facts through `repo` and pass
//! `now` in, so every rule is fast and tested without git.

pub mod attest;
pub mod branch;
pub mod codeowners;
pub mod commit;
pub mod message;
pub mod push;
pub mod review;
pub mod staged;

use crate::finding::Finding;
use crate::policy::Policy;

/// The level that turns a rule off, for callers that skip expensive facts.
pub const LEVEL_OFF: crate::policy::Level = crate::policy::Level::Off;

/// Builds a finding for `rule` at its policy level, or `None` when the rule is off.
pub fn finding(policy: &Policy, rule: &'static str, message: String, help: String) -> Option<Finding> {
    let level = policy.level(rule);
    (level != crate::policy::Level::Off).then(|| Finding::new(rule, level, message, help))
}

/// Drops findings of skipped rules and returns the ids that were skipped.
pub fn apply_skips(findings: &mut Vec<Finding>, skip: &[String]) -> Vec<String> {
    let mut skipped: Vec<String> = Vec::new();
    findings.retain(|f| {
        let skip_it = skip.iter().any(|s| s == f.rule || s == "all");
        if skip_it && !skipped.iter().any(|s| s == f.rule) {
            skipped.push(f.rule.to_string());
        }
        !skip_it
    });
    skipped
}
