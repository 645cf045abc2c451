//! `check`: the CI verdict over every commit of BASE..HEAD, judged by the base's policy.

use std::io::Write;

use super::io_err;
use crate::cli::CheckArgs;
use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::repo::Repo;
use crate::report::{self, Report, Style};
use crate::rules;
use crate::subject::short_id;

/// A range to check and how it was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    /// The base revision (excluded).
    pub base: String,
    /// The head revision.
    pub head: String,
    /// Where it came from, said in the report.
    pub source: String,
    /// The branch being checked, when known.
    pub branch: Option<String>,
}

/// Splits `BASE..HEAD`; three dots are refused because they mean something else to git.
pub fn parse_range(text: &str) -> Result<(String, String)> {
    if text.contains("...") {
        return Err(Error::usage(
            format!("`{text}` uses three dots"),
            "write BASE..HEAD (two dots): the commits of HEAD that are not in BASE",
        ));
    }
    match text.split_once("..") {
        Some((b, h)) if !b.is_empty() => {
            Ok((b.to_string(), if h.is_empty() { "HEAD".to_string() } else { h.to_string() }))
        }
        _ => Err(Error::usage(format!("`{text}` is not a range"), "write BASE..HEAD, e.g. origin/main..HEAD")),
    }
}

/// Chooses the range: `--range`, else the CI system's variables, else trunk..HEAD.
pub fn detect_range(repo: &Repo, explicit: Option<&str>) -> Result<Range> {
    use crate::env::var;
    if let Some(text) = explicit {
        let (base, head) = parse_range(text)?;
        return Ok(Range { base, head, source: "--range".into(), branch: repo.current_branch()? });
    }
    if let (Some(base), Some(head)) = (var("GIT_POLICY_BASE"), var("GIT_POLICY_HEAD")) {
        return Ok(Range {
            base,
            head,
            source: "GIT_POLICY_BASE/GIT_POLICY_HEAD".into(),
            branch: var("GIT_POLICY_BRANCH"),
        });
    }
    if var("GITHUB_ACTIONS").is_some() {
        match var("GITHUB_EVENT_NAME").as_deref() {
            Some("pull_request" | "pull_request_target") => {
                if let Some(base_ref) = var("GITHUB_BASE_REF") {
                    return Ok(Range {
                        base: format!("origin/{base_ref}"),
                        head: "HEAD".into(),
                        source: format!("GitHub Actions pull_request into {base_ref}"),
                        branch: var("GITHUB_HEAD_REF"),
                    });
                }
            }
            Some("push") => {
                if let Some((before, after)) = github_push_event()? {
                    if !crate::subject::is_zero(&before) {
                        return Ok(Range {
                            base: before,
                            head: after,
                            source: "GitHub Actions push event (before..after)".into(),
                            branch: var("GITHUB_REF_NAME"),
                        });
                    }
                }
            }
            _ => {}
        }
    }
    if let (Some(base), Some(head)) = (var("CI_MERGE_REQUEST_DIFF_BASE_SHA"), var("CI_COMMIT_SHA")) {
        return Ok(Range {
            base,
            head,
            source: "GitLab CI merge request".into(),
            branch: var("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"),
        });
    }
    let loaded = super::load_policy(Some(repo))?;
    for b in &loaded.policy.trunk.branches {
        for candidate in [format!("origin/{b}"), b.clone()] {
            if let Ok(id) = repo.resolve_commit(&candidate) {
                let head = repo.resolve_commit("HEAD")?;
                let base = repo.merge_base(&id, &head)?.unwrap_or(id);
                return Ok(Range {
                    base,
                    head: "HEAD".into(),
                    source: format!("merge base with {candidate}"),
                    branch: repo.current_branch()?,
                });
            }
        }
    }
    Err(Error::usage("no range to check: no CI variables and no trunk branch found", "pass --range BASE..HEAD"))
}

fn github_push_event() -> Result<Option<(String, String)>> {
    let Some(path) = crate::env::var("GITHUB_EVENT_PATH") else { return Ok(None) };
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(format!("reading {path}"), e))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::usage(format!("{path} is not JSON: {e}"), "GitHub writes the event payload there"))?;
    Ok(match (v["before"].as_str(), v["after"].as_str()) {
        (Some(b), Some(a)) => Some((b.to_string(), a.to_string())),
        _ => None,
    })
}

/// Runs the check.
pub fn run(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover()?;
    let range = detect_range(&repo, args.range.as_deref())?;
    let base = repo.resolve_commit(&range.base)?;
    let head = repo.resolve_commit(&range.head)?;
    // The base's policy judges the change, so the change cannot weaken the checks on itself.
    let loaded = super::load_policy_at(&repo, &base)?;
    let policy = &loaded.policy;
    let mut findings: Vec<Finding> = Vec::new();
    let on_branch = range.branch.as_deref().is_some_and(|b| rules::staged::is_work_branch(policy, b));
    if let Some(b) = range.branch.as_deref() {
        findings.extend(rules::staged::branch_name(policy, b));
    }
    let commits = repo.commits_between(std::slice::from_ref(&head), std::slice::from_ref(&base))?;
    crate::env::trace("range walked");
    let infos = commits.iter().map(|id| repo.commit_info(id)).collect::<Result<Vec<_>>>()?;
    crate::env::trace("commits read");
    let mut touched = std::collections::BTreeSet::new();
    findings.extend(super::facts::judge_infos(&repo, policy, &infos, on_branch, &mut touched)?);
    crate::env::trace("commits judged");
    let review = super::review::gather(&repo, policy, &base, &head, &infos, touched.into_iter().collect())?;
    crate::env::trace("review facts gathered");
    findings.extend(rules::review::check(policy, &review));
    if !review.policy_files_changed.is_empty() {
        findings.extend(rules::finding(
            policy,
            "policy.changed",
            format!(
                "the change edits {}; it is judged by the base commit's version, and its edits apply once it lands",
                review.policy_files_changed.join(", ")
            ),
            "have the policy owners review the edit; nothing else to do".into(),
        ));
    }
    let mut ratchet_notes = Vec::new();
    if let Some(cov) = &policy.coverage {
        let messages: Vec<&str> = infos.iter().map(|i| i.message.as_str()).collect();
        findings.extend(coverage_gates(&repo, policy, cov, (&base, &head), &messages, &mut ratchet_notes)?);
    }
    if policy.commits.signed {
        findings.extend(signatures(&repo, policy, &base, &commits)?);
    }
    if policy.level("hooks.attested") != crate::policy::Level::Off {
        let dev = repo.notes_reader(&crate::events::notes_ref(super::stamp::DEV))?;
        for info in &infos {
            let id = &info.id;
            if info.parent_count > 1 {
                continue;
            }
            let events = dev.get(id)?.map(|t| crate::events::parse_note(&t)).unwrap_or_default();
            findings.extend(rules::attest::check(policy, id, &events, dev.exists()));
        }
    }
    if let Some(b) = range.branch.as_deref() {
        if let Some(facts) = super::facts::branch_facts(&repo, policy, b, &head, None)? {
            findings.extend(rules::branch::check(policy, &facts, crate::env::now()));
        }
    }
    if !crate::env::skip_list().is_empty() {
        writeln!(err, "git-policy: GIT_POLICY_SKIP is ignored by `check`: CI checks every rule").map_err(io_err)?;
    }
    let mut notes = vec![
        format!("checking {} commit(s) of {}..{} ({})", commits.len(), short_id(&base), short_id(&head), range.source),
        format!(
            "policy from the base commit: {}",
            loaded.layers.iter().map(|l| l.source.display()).collect::<Vec<_>>().join(" -> ")
        ),
    ];
    notes.extend(ratchet_notes);
    let subject = format!("check {}..{}", short_id(&base), short_id(&head));
    let report = Report { subject: &subject, findings: &findings, skipped: &[], notes: &notes };
    use std::io::IsTerminal;
    report::render(args.format, &report, Style::for_terminal(std::io::stdout().is_terminal()), out).map_err(io_err)?;
    Ok(report.exit_code())
}

/// The `[coverage]` gates over the reports in the work tree; no report at all fails closed.
/// With `ratchet = true`, the total is also held to the newest record on the base's history;
/// `messages` (the change's commits) may give the reason for a deliberate drop.
fn coverage_gates(
    repo: &Repo,
    policy: &crate::policy::Policy,
    cov: &crate::policy::model::Coverage,
    (base, head): (&str, &str),
    messages: &[&str],
    notes: &mut Vec<String>,
) -> Result<Vec<Finding>> {
    let Some(root) = repo.workdir() else { return Ok(Vec::new()) };
    let reports = super::coverage::find_reports(root, &cov.reports)?;
    if reports.is_empty() {
        return Ok(rules::finding(
            policy,
            "coverage.total",
            format!("no coverage report found (looked for {})", cov.reports.join(", ")),
            "run the tests with coverage before `git-policy check`, or set [coverage] reports".into(),
        )
        .into_iter()
        .collect());
    }
    let report = super::coverage::measure(repo, cov, &reports, None, Some((base, head)))?;
    let mut found = super::coverage::findings(policy, &report);
    if cov.ratchet {
        // The trailers are read only when the total is lowered.
        let mut reason = |_: &str| Ok(crate::coverage::ratchet::reason_in(messages.iter().copied()));
        let verdict = super::coverage::judge_ratchet(repo, cov, base, report.total, &mut reason)?;
        found.extend(super::coverage::ratchet_findings(policy, &verdict, notes));
    }
    Ok(found)
}

/// `commits.signed`: git's own verification, against the base commit's allowed-signers file.
fn signatures(repo: &Repo, policy: &crate::policy::Policy, base: &str, commits: &[String]) -> Result<Vec<Finding>> {
    let path = policy.commits.allowed_signers.clone().unwrap_or_default();
    let signers = super::review::base_file(repo, base, &path)?;
    if signers.is_none() && policy.commits.allowed_signers.is_some() {
        // Without the base's file, git would fall back to the machine's own
        // gpg.ssh.allowedSignersFile, and a CI runner's config must not decide this.
        return Ok(commits
            .iter()
            .filter_map(|id| {
                rules::finding(
                    policy,
                    "commits.signed",
                    format!("commit cannot be verified: {path} is not in the base commit"),
                    format!("add {path} (the allowed signers, one `email key` line each) on trunk first"),
                )
                .map(|f| f.commit(id))
            })
            .collect());
    }
    let dir = repo.workdir().unwrap_or_else(|| repo.git_dir()).to_path_buf();
    let mut out = Vec::new();
    for (id, status, signer) in crate::git_cli::signature_status(&dir, signers.as_ref().map(|f| f.path()), commits)? {
        let why = match status {
            'G' => continue,
            'N' => "is not signed".to_string(),
            'B' => "has a bad signature (the commit was changed after signing)".to_string(),
            'U' | 'E' if signers.is_none() => format!("cannot be verified: {path} is not in the base commit"),
            'U' | 'E' => format!(
                "is signed by a key that is not in {path}{}",
                if signer.is_empty() { String::new() } else { format!(" ({signer})") }
            ),
            'X' | 'Y' => "is signed by an expired key".to_string(),
            'R' => "is signed by a revoked key".to_string(),
            other => format!("has signature status {other}"),
        };
        out.extend(rules::finding(policy, "commits.signed", format!("commit {why}"), format!("sign commits with a key listed in {path}: git config commit.gpgsign true, then git rebase --exec 'git commit --amend --no-edit -S' <base>")).map(|f| f.commit(id)));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("a..b").unwrap(), ("a".to_string(), "b".to_string()));
        assert_eq!(parse_range("origin/main..").unwrap().1, "HEAD");
        assert!(parse_range("a...b").is_err());
        assert!(parse_range("..b").is_err());
        assert!(parse_range("main").is_err());
    }
}
