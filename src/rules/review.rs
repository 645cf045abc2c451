//! Review rules (check): distinct approvers other than the author, path owners, and owners of the
//! policy itself. Approvals are bound to the content they approved: one for older content, one
//! by the author, or (under `require-signed`) one whose signature does not verify does not count,
//! and the finding says why.

use std::collections::{BTreeMap, BTreeSet};

use crate::finding::Finding;
use crate::policy::model::Policy;

use super::codeowners::CodeOwners;
use super::finding;

/// Where an approval came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A trailer in a commit message (`Reviewed-by: ...`).
    Trailer,
    /// A Gerrit-style vote in `refs/notes/review` (`Code-Review+2: ...`).
    GerritNote,
    /// A `git-policy review approve` record in `refs/notes/review`.
    Record,
}

/// Whether an approval's signature verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signature {
    /// Not signed.
    None,
    /// Verified against the allowed-signers file.
    Valid,
    /// Signed, but it does not verify (tampered, wrong key, key not allowed, key expired),
    /// with the reason when one is known.
    Invalid(Option<String>),
}

/// One approval as found.
#[derive(Debug, Clone)]
pub struct Approval {
    /// Approver email, as written.
    pub email: String,
    /// Where it came from.
    pub source: Source,
    /// The patch id it approved, when recorded.
    pub patch_id: Option<String>,
    /// Its signature.
    pub signature: Signature,
}

/// What the command gathered about the change under review.
#[derive(Debug, Clone, Default)]
pub struct ReviewFacts {
    /// Author identities of the change's commits, `Name <email>`.
    pub authors: Vec<(String, String)>,
    /// Every approval found.
    pub approvals: Vec<Approval>,
    /// Patch id of the whole change (base..head).
    pub patch_id: String,
    /// Paths the change touches.
    pub changed_paths: Vec<String>,
    /// CODEOWNERS from the base, if any.
    pub codeowners: Option<CodeOwners>,
    /// Policy, CODEOWNERS and allowed-signers files the change edits.
    pub policy_files_changed: Vec<String>,
}

fn norm(email: &str) -> String {
    email.trim().trim_start_matches('<').trim_end_matches('>').to_ascii_lowercase()
}

/// Resolves owners (`email`, `@handle`, `@org/team`) to emails; unknown names are returned apart.
pub fn resolve(policy: &Policy, owners: &[String]) -> (BTreeSet<String>, Vec<String>) {
    let mut emails = BTreeSet::new();
    let mut unknown = Vec::new();
    let people = |h: &str| policy.review.people.get(h).or_else(|| policy.review.people.get(h.trim_start_matches('@')));
    for o in owners {
        if !o.starts_with('@') {
            emails.insert(norm(o));
        } else if o.contains('/') {
            let team =
                policy.review.teams.get(o.as_str()).or_else(|| policy.review.teams.get(o.trim_start_matches('@')));
            match team {
                Some(members) => {
                    for m in members {
                        match (m.starts_with('@'), people(m)) {
                            (true, Some(list)) => emails.extend(list.iter().map(|e| norm(e))),
                            (true, None) => unknown.push(m.clone()),
                            (false, _) => {
                                emails.insert(norm(m));
                            }
                        }
                    }
                }
                None => unknown.push(o.clone()),
            }
        } else {
            match people(o) {
                Some(list) => emails.extend(list.iter().map(|e| norm(e))),
                None => unknown.push(o.clone()),
            }
        }
    }
    (emails, unknown)
}

/// Runs the review rules.
pub fn check(policy: &Policy, f: &ReviewFacts) -> Vec<Finding> {
    let mut out = Vec::new();
    let r = &policy.review;
    let exempt = |(name, email): &(String, String)| {
        let full = format!("{name} <{email}>");
        r.exempt_authors.iter().any(|x| x == &full || norm(x) == norm(email) && !x.contains('<'))
    };
    if !f.authors.is_empty() && f.authors.iter().all(exempt) {
        return out;
    }
    let authors: BTreeSet<String> = f.authors.iter().map(|(_, e)| norm(e)).collect();
    let mut valid: BTreeSet<String> = BTreeSet::new();
    let mut rejected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for a in &f.approvals {
        let email = norm(&a.email);
        let why = if authors.contains(&email) {
            Some("is an author of the change".to_string())
        } else if a.patch_id.as_deref().is_some_and(|p| p != f.patch_id) {
            Some("approved older content (the change was modified after the approval)".to_string())
        } else if r.require_signed && a.signature != Signature::Valid {
            Some(match &a.signature {
                Signature::Invalid(Some(why)) => {
                    format!("has a signature that does not verify against allowed-signers ({why})")
                }
                Signature::Invalid(None) => "has a signature that does not verify against allowed-signers".to_string(),
                _ => "is not signed (review.require-signed)".to_string(),
            })
        } else {
            None
        };
        match why {
            None => {
                valid.insert(email);
            }
            Some(w) => {
                let reasons = rejected.entry(email).or_default();
                if !reasons.contains(&w) {
                    reasons.push(w);
                }
            }
        }
    }
    for e in &valid {
        rejected.remove(e);
    }
    let why_not = || {
        if rejected.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = rejected.iter().map(|(e, w)| format!("{e} {}", w.join(" and "))).collect();
            format!("; not counted: {}", list.join("; "))
        }
    };
    if (valid.len() as u64) < r.approvals {
        out.extend(finding(
            policy,
            "review.approvals",
            format!("{} of {} required approval(s) from someone other than the author{}", valid.len(), r.approvals, why_not()),
            "ask a reviewer to approve the current content: git-policy review approve <rev> (or a Reviewed-by trailer, where the policy accepts them)".into(),
        ));
    }
    // Path owners: CODEOWNERS (last matching line) and [[review.owners]].
    let mut unmet: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    if let Some(co) = &f.codeowners {
        for path in &f.changed_paths {
            let Some(owners) = co.owners_of(path).filter(|o| !o.is_empty()) else { continue };
            let (emails, _) = resolve(policy, owners);
            if emails.is_disjoint(&valid) {
                unmet.entry(owners.to_vec()).or_default().push(path.clone());
            }
        }
    }
    for rule in &r.owners {
        let paths: Vec<String> = f.changed_paths.iter().filter(|p| rule.paths.is_match(p)).cloned().collect();
        if paths.is_empty() {
            continue;
        }
        let (emails, _) = resolve(policy, &rule.owners);
        if (emails.intersection(&valid).count() as u64) < rule.approvals {
            unmet.entry(rule.owners.clone()).or_default().extend(paths);
        }
    }
    for (owners, mut paths) in unmet {
        paths.sort();
        paths.dedup();
        let (_, unknown) = resolve(policy, &owners);
        let help = if unknown.is_empty() {
            format!("ask one of {} to approve", owners.join(", "))
        } else {
            format!(
                "ask one of {} to approve; map {} to emails in [review.people] or [review.teams]",
                owners.join(", "),
                unknown.join(", ")
            )
        };
        let shown: Vec<&str> = paths.iter().take(5).map(String::as_str).collect();
        let more = if paths.len() > 5 { format!(" and {} more", paths.len() - 5) } else { String::new() };
        out.extend(finding(
            policy,
            "review.owners",
            format!("no approval from the owners ({}) of {}{more}", owners.join(", "), shown.join(", ")),
            help,
        ));
    }
    if !f.policy_files_changed.is_empty() && !r.policy_owners.is_empty() {
        let (emails, _) = resolve(policy, &r.policy_owners);
        if emails.is_disjoint(&valid) {
            out.extend(finding(
                policy,
                "review.policy-change",
                format!(
                    "the change edits {} but has no approval from the policy owners ({})",
                    f.policy_files_changed.join(", "),
                    r.policy_owners.join(", ")
                ),
                "changes to the checks themselves need the base policy's [review] policy-owners to approve".into(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{load, NoBlobs, Source as PSource};

    fn policy(extra: &str) -> Policy {
        let text = format!("[review]\napprovals = 1\n{extra}");
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p.toml");
        std::fs::write(&p, text).unwrap();
        load::load(PSource::File(p), &NoBlobs).unwrap().policy
    }

    fn approval(email: &str, pid: Option<&str>, sig: Signature) -> Approval {
        Approval { email: email.into(), source: Source::Record, patch_id: pid.map(str::to_string), signature: sig }
    }

    fn facts(approvals: Vec<Approval>) -> ReviewFacts {
        ReviewFacts {
            authors: vec![("Ada".into(), "ada@example.com".into())],
            approvals,
            patch_id: "p1".into(),
            changed_paths: vec!["src/a.rs".into()],
            ..Default::default()
        }
    }

    #[test]
    fn approvals_count_distinct_non_authors_of_current_content() {
        let p = policy("");
        assert!(check(&p, &facts(vec![approval("bob@example.com", Some("p1"), Signature::None)])).is_empty());
        let own = check(&p, &facts(vec![approval("ADA@example.com", None, Signature::None)]));
        assert!(own[0].message.contains("is an author"), "{}", own[0].message);
        let stale = check(&p, &facts(vec![approval("bob@example.com", Some("p0"), Signature::None)]));
        assert!(stale[0].message.contains("approved older content"));
    }

    #[test]
    fn signed_and_exempt() {
        let p =
            policy("require-signed = true\nallowed-signers = \"s\"\nexempt-authors = [\"Ada <ada@example.com>\"]\n");
        assert!(check(&p, &facts(vec![])).is_empty(), "exempt author by exact identity");
        let p = policy("require-signed = true\nallowed-signers = \"s\"\n");
        let unsigned = check(&p, &facts(vec![approval("bob@example.com", Some("p1"), Signature::None)]));
        assert!(unsigned[0].message.contains("not signed"));
        let bad = check(&p, &facts(vec![approval("bob@example.com", Some("p1"), Signature::Invalid(None))]));
        assert!(bad[0].message.contains("does not verify"));
        let expired = Signature::Invalid(Some("key has expired".into()));
        let bad = check(&p, &facts(vec![approval("bob@example.com", Some("p1"), expired)]));
        assert!(bad[0].message.contains("does not verify against allowed-signers (key has expired)"), "{bad:?}");
        assert!(check(&p, &facts(vec![approval("bob@example.com", Some("p1"), Signature::Valid)])).is_empty());
    }

    #[test]
    fn owners_from_codeowners_and_policy() {
        let p = policy("policy-owners = [\"@platform/policy\"]\n[review.people]\n\"@carol\" = [\"carol@example.com\"]\n[review.teams]\n\"@platform/policy\" = [\"@carol\", \"dan@example.com\"]\n");
        let (co, _) = CodeOwners::parse("src/ @carol\n");
        let mut f = facts(vec![approval("bob@example.com", None, Signature::None)]);
        f.codeowners = Some(co);
        let ids: Vec<_> = check(&p, &f).iter().map(|x| x.rule).collect();
        assert_eq!(ids, ["review.owners"]);
        f.approvals.push(approval("carol@example.com", None, Signature::None));
        f.policy_files_changed = vec![".git-policy.toml".into()];
        assert!(check(&p, &f).is_empty(), "carol owns src/ and is in the policy team");
        f.approvals.retain(|a| a.email != "carol@example.com");
        f.approvals.push(approval("dan@example.com", None, Signature::None));
        let ids: Vec<_> = check(&p, &f).iter().map(|x| x.rule).collect();
        assert_eq!(ids, ["review.owners"]);
    }
}
