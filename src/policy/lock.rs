//! Locked keys: a shared policy may lock keys so that files extending it can only tighten them.
//!
//! Each key has a direction that says what "tighter" means for it; a key with none can only be
//! repeated unchanged once locked.

use std::collections::BTreeSet;

use super::catalogue;
use super::units::{Duration, Percent, Size};

/// What "tighter" means for a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A larger number is stricter (minimums, approvals, bake times).
    Higher,
    /// A smaller number is stricter (maximums).
    Lower,
    /// `true` is stricter.
    True,
    /// `false` is stricter.
    False,
    /// More entries are stricter (forbidden things, protected branches).
    Superset,
    /// Fewer entries are stricter (exemptions, exclusions).
    Subset,
    /// A rule level: error > warn > off.
    Level,
    /// Cannot change once locked.
    Fixed,
}

use Direction::{Fixed, Higher, Lower, Subset, Superset, True};

/// Every key of the policy file (`*` stands for any one name), with its direction.
pub const KEYS: &[(&str, Direction)] = &[
    ("extends", Fixed),
    ("trunk.branches", Fixed),
    ("trunk.protected", Superset),
    ("branch.name-pattern", Fixed),
    ("branch.exempt", Subset),
    ("branch.max-age", Lower),
    ("branch.max-ahead", Lower),
    ("branch.max-behind", Lower),
    ("branch.linear", True),
    ("commits.subject-max-length", Lower),
    ("commits.subject-pattern", Fixed),
    ("commits.forbid-subjects", Superset),
    ("commits.body-max-line-length", Lower),
    ("commits.signoff", True),
    ("commits.signed", True),
    ("commits.allowed-signers", Fixed),
    ("commits.max-files", Lower),
    ("commits.max-lines", Lower),
    ("commits.branch-max-files", Lower),
    ("commits.branch-max-lines", Lower),
    ("commits.forbid-paths", Superset),
    ("commits.max-file-size", Lower),
    ("commits.author-email", Fixed),
    ("commits.committer-email", Fixed),
    ("review.approvals", Higher),
    ("review.trailers", Subset),
    ("review.codeowners", Fixed),
    ("review.require-signed", True),
    ("review.allowed-signers", Fixed),
    ("review.exempt-authors", Subset),
    ("review.policy-owners", Fixed),
    ("review.owners", Fixed),
    ("review.people.*", Fixed),
    ("review.teams.*", Fixed),
    ("coverage.reports", Fixed),
    ("coverage.min-total", Higher),
    ("coverage.min-branch", Higher),
    ("coverage.min-file", Higher),
    ("coverage.files", Fixed),
    ("coverage.min-patch", Higher),
    ("coverage.max-uncovered-patch-lines", Lower),
    ("coverage.exclude", Subset),
    ("coverage.path-map", Fixed),
    ("coverage.no-data", Fixed),
    ("coverage.ratchet", True),
    ("coverage.ratchet-tolerance", Lower),
    ("lead-time.stamp", True),
    ("lead-time.push-notes", True),
    ("lead-time.target", Lower),
    ("deploy.rings", Fixed),
    ("deploy.production", Fixed),
    ("deploy.bake.*", Higher),
    ("services", Fixed),
    ("incidents.severity.*.description", Fixed),
    ("incidents.severity.*.respond-within", Lower),
    ("incidents.severity.*.restore-within", Lower),
    ("incidents.inferred-window", Higher),
    ("release.min-coverage", Higher),
    ("release.block-on-open-severities", Superset),
    ("release.forbid-rolled-back", True),
    ("hooks.fail-open", Direction::False),
    ("hooks.allow-skip", Direction::False),
    ("rules.*", Direction::Level),
    ("lock.keys", Superset),
];

fn matches(pattern: &str, path: &[String]) -> bool {
    let segs: Vec<&str> = pattern.split('.').collect();
    segs.len() == path.len() && segs.iter().zip(path).all(|(s, p)| *s == "*" || s == p)
}

/// The direction of a leaf key path; unknown paths are fixed.
pub fn direction(path: &[String]) -> Direction {
    KEYS.iter().find(|(k, _)| matches(k, path)).map_or(Fixed, |(_, d)| *d)
}

/// Whether a lock entry names a key (or a table of keys) of the policy file, or a rule id.
pub fn is_known_key(key: &str) -> bool {
    if catalogue::find(key).is_some() {
        return true;
    }
    let want: Vec<&str> = key.split('.').collect();
    KEYS.iter().any(|(k, _)| {
        let segs: Vec<&str> = k.split('.').collect();
        want.len() <= segs.len() && want.iter().zip(&segs).all(|(w, s)| *s == "*" || s == w)
    })
}

/// Whether `lock` (a dotted key, table or rule id) covers the leaf at `path`.
pub fn covers(lock: &str, path: &[String]) -> bool {
    if catalogue::find(lock).is_some() && path.len() == 2 && path[0] == "rules" && path[1] == lock {
        return true;
    }
    let segs: Vec<&str> = lock.split('.').collect();
    segs.len() <= path.len() && segs.iter().zip(path).all(|(s, p)| s == p)
}

/// Whether `new` is at least as strict as `old` for a key of this direction.
/// `old` is `None` when nothing set the key before it was locked.
pub fn is_tightening(direction: Direction, path: &[String], old: Option<&toml::Value>, new: &toml::Value) -> bool {
    let old_level;
    let old = match (old, direction) {
        (Some(v), _) => v,
        (None, Direction::Level) => {
            // An unset rule level is the catalogue default, which a lock protects all the same.
            let Some(info) = path.get(1).and_then(|id| catalogue::find(id)) else { return true };
            old_level = toml::Value::String(info.default_level.to_string());
            &old_level
        }
        (None, _) => return true,
    };
    match direction {
        Higher => cmp_num(old, new).is_some_and(|o| o.is_le()),
        Lower => cmp_num(old, new).is_some_and(|o| o.is_ge()),
        True => old.as_bool() != Some(true) || new.as_bool() == Some(true),
        Direction::False => old.as_bool() != Some(false) || new.as_bool() == Some(false),
        Superset => set(new).is_superset(&set(old)),
        Subset => set(new).is_subset(&set(old)),
        Direction::Level => level_rank(new) >= level_rank(old),
        Fixed => old == new,
    }
}

fn level_rank(v: &toml::Value) -> u8 {
    match v.as_str() {
        Some("error") => 2,
        Some("warn") => 1,
        _ => 0,
    }
}

fn set(v: &toml::Value) -> BTreeSet<String> {
    match v {
        toml::Value::Array(a) => a.iter().map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_string)).collect(),
        other => BTreeSet::from([other.to_string()]),
    }
}

/// Compares `new` with `old` as numbers, durations, sizes or percentages (old.cmp(new)).
fn cmp_num(old: &toml::Value, new: &toml::Value) -> Option<std::cmp::Ordering> {
    fn num(v: &toml::Value) -> Option<Percent> {
        match v {
            toml::Value::Integer(i) => Percent::parse(&i.to_string()).ok(),
            toml::Value::Float(f) => Percent::from_f64(*f).ok(),
            toml::Value::String(s) => Percent::parse(s).ok(),
            _ => None,
        }
    }
    if let (Some(a), Some(b)) = (old.as_str(), new.as_str()) {
        if let (Ok(a), Ok(b)) = (Duration::parse(a), Duration::parse(b)) {
            return Some(a.cmp(&b));
        }
        if let (Ok(a), Ok(b)) = (Size::parse(a), Size::parse(b)) {
            return Some(a.cmp(&b));
        }
    }
    if let (Some(a), Some(b)) = (old.as_integer(), new.as_integer()) {
        return Some(a.cmp(&b));
    }
    Some(num(old)?.cmp(&num(new)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use toml::Value;

    fn p(s: &str) -> Vec<String> {
        s.split('.').map(str::to_string).collect()
    }

    #[test]
    fn directions_decide_tightening() {
        let s = |v: &str| Value::String(v.into());
        assert!(is_tightening(Lower, &p("branch.max-age"), Some(&s("2d")), &s("36h")));
        assert!(!is_tightening(Lower, &p("branch.max-age"), Some(&s("2d")), &s("1w")));
        assert!(is_tightening(Higher, &p("coverage.min-total"), Some(&Value::Integer(95)), &Value::Float(97.5)));
        assert!(!is_tightening(Higher, &p("coverage.min-total"), Some(&Value::Float(95.5)), &Value::Integer(95)));
        assert!(is_tightening(Direction::Level, &p("rules.branch.max-age"), Some(&s("warn")), &s("error")));
        assert!(!is_tightening(Direction::Level, &p("rules.branch.max-age"), Some(&s("error")), &s("off")));
        let mut lv = p("rules");
        lv.push("branch.linear".into());
        assert!(!is_tightening(Direction::Level, &lv, None, &s("warn")), "default error cannot drop to warn");
        let a = Value::Array(vec![s("a"), s("b")]);
        let ab_c = Value::Array(vec![s("a"), s("b"), s("c")]);
        assert!(is_tightening(Superset, &p("commits.forbid-paths"), Some(&a), &ab_c));
        assert!(!is_tightening(Subset, &p("coverage.exclude"), Some(&a), &ab_c));
        assert!(is_tightening(Fixed, &p("x"), Some(&a), &a.clone()));
        assert!(is_tightening(Lower, &p("commits.max-file-size"), Some(&s("5MB")), &s("512KB")));
    }

    #[test]
    fn locks_cover_keys_tables_and_rule_levels() {
        assert!(covers("review", &p("review.approvals")));
        assert!(covers("review.approvals", &p("review.approvals")));
        assert!(!covers("review.approvals", &p("review.trailers")));
        assert!(covers("branch.max-age", &["rules".to_string(), "branch.max-age".to_string()]));
        assert!(is_known_key("coverage.min-total"));
        assert!(is_known_key("coverage"));
        assert!(is_known_key("branch.linear"));
        assert!(!is_known_key("coverage.min-totl"));
        assert_eq!(direction(&p("deploy.bake.preview")), Higher);
    }
}
