//! `git-policy gate promote`: may a revision go to the next ring?
//!
//! It may when every criterion holds, and the run exits 1 listing each one that does not:
//! * `release.bake`: it succeeded in the previous ring (by `[deploy] rings` order) at least that
//!   ring's `[deploy.bake]` time ago (no bake time: any success will do). The first ring has no
//!   previous ring and no bake criterion.
//! * `release.coverage`: with `[release] min-coverage`, the coverage recorded for the revision
//!   (the latest `recorded` event of `refs/notes/git-policy/coverage` on it: exact `lines=`, else `total=`) is at
//!   least that; no record is unmet.
//! * `release.incidents`: no incident of a severity in `block-on-open-severities` is unresolved.
//! * `release.rolled-back`: with `forbid-rolled-back`, no earlier ring rolled the revision back.
//!
//! With `--service`, only that service's deployments count, and only its incidents and those
//! without a service block.

use std::io::Write;

use super::{deploy, incident, io_err};
use crate::cli::PromoteArgs;
use crate::coverage::ratchet::Recorded;
use crate::error::{Error, Result};
use crate::events;
use crate::events::metrics::{DeployStatus, Deployment};
use crate::events::time::format_utc;
use crate::finding::{Finding, Level};
use crate::policy::units::Duration;
use crate::policy::Policy;
use crate::repo::Repo;
use crate::report::{self, Report, Style};
use crate::subject::short_id;

/// The stream of coverage totals.
pub const COVERAGE_STREAM: &str = "coverage";

/// Where one criterion stands.
enum Criterion {
    /// It holds; a note says how.
    Met(String),
    /// It does not.
    Unmet(Finding),
    /// The policy does not ask for it.
    NotSet,
}

/// Runs `gate promote`.
pub fn promote(args: &PromoteArgs, out: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover()?;
    let loaded = super::load_policy(Some(&repo))?;
    let policy = &loaded.policy;
    let to = deploy::ring_of(policy, Some(&args.to))?;
    deploy::check_service(policy, args.service.as_deref())?;
    let rev = repo.resolve_commit(args.rev.as_deref().unwrap_or("HEAD"))?;
    let now = crate::env::now();
    let service = args.service.as_deref();
    let deployments: Vec<Deployment> = deploy::deployments(&repo)?
        .into_iter()
        .filter(|d| service.is_none_or(|s| d.service.as_deref() == Some(s)))
        .collect();
    // Recorded revisions are full ids; anything shorter (a tag, an abbreviation) is resolved.
    let is_rev = |r: &str| r == rev || (r.len() < 40 && repo.try_resolve_commit(r).is_some_and(|c| c == rev));

    let mut findings = Vec::new();
    let mut notes = Vec::new();
    let position = policy.deploy.rings.iter().position(|r| *r == to).unwrap_or(0);
    let earlier = policy.deploy.rings.get(..position).unwrap_or_default();

    let baked = match earlier.last() {
        None => Criterion::Met(format!("{to} is the first ring: no bake time to wait")),
        Some(prev) => bake(policy, &deployments, prev, &is_rev, now),
    };
    for c in [baked, coverage(&repo, policy, &rev)?] {
        match c {
            Criterion::Met(note) => notes.push(note),
            Criterion::Unmet(f) => findings.push(f.commit(rev.clone())),
            Criterion::NotSet => {}
        }
    }
    let blocking: Vec<incident::Record> = incident::records(&repo)?
        .into_values()
        .filter(|r| r.opened.is_some() && r.resolved.is_none())
        .filter(|r| policy.release.block_on_open_severities.contains(&r.sev))
        .filter(|r| service.is_none_or(|s| r.service.as_deref().is_none_or(|x| x == s)))
        .collect();
    if !blocking.is_empty() {
        let list: Vec<String> = blocking
            .iter()
            .map(|r| {
                let title = r.title.as_deref().map(|t| format!(" \"{t}\"")).unwrap_or_default();
                format!("{} (Sev{}{title})", r.id, r.sev)
            })
            .collect();
        findings.push(Finding::new(
            "release.incidents",
            Level::Error,
            format!("open incident(s) block promotion: {}", list.join(", ")),
            format!(
                "resolve them first (`git-policy incident resolve ID`); [release] block-on-open-severities = {:?}",
                policy.release.block_on_open_severities
            ),
        ));
    }
    if policy.release.forbid_rolled_back {
        let rolled: Vec<String> =
            earlier.iter().filter_map(|ring| rolled_back_by(&deployments, ring, &is_rev)).collect();
        if !rolled.is_empty() {
            findings.push(
                Finding::new(
                    "release.rolled-back",
                    Level::Error,
                    format!("{} was rolled back in an earlier ring: {}", short_id(&rev), rolled.join(", ")),
                    "promote a revision with the fix instead; [release] forbid-rolled-back = true",
                )
                .commit(rev.clone()),
            );
        }
    }

    let subject = format!("gate promote {} to {to}", short_id(&rev));
    if findings.is_empty() {
        notes.push(format!("{} may be promoted to {to}", short_id(&rev)));
    }
    let report = Report { subject: &subject, findings: &findings, skipped: &[], notes: &notes };
    use std::io::IsTerminal;
    report::render(args.format, &report, Style::for_terminal(std::io::stdout().is_terminal()), out).map_err(io_err)?;
    Ok(report.exit_code())
}

/// The bake criterion in the previous ring.
fn bake(policy: &Policy, deployments: &[Deployment], prev: &str, is_rev: &dyn Fn(&str) -> bool, now: i64) -> Criterion {
    let need = policy.deploy.bake.get(prev).copied().unwrap_or(Duration::from_secs(0));
    let need_secs = i64::try_from(need.as_secs()).unwrap_or(i64::MAX);
    let since = deployments
        .iter()
        .filter(|d| d.ring == prev && d.status == DeployStatus::Success && is_rev(&d.revision))
        .map(|d| d.time)
        .min();
    let Some(since) = since else {
        return Criterion::Unmet(Finding::new(
            "release.bake",
            Level::Error,
            format!("not deployed successfully to {prev}, the ring before"),
            format!("deploy it to {prev} first: git-policy deploy --env ENV --ring {prev}"),
        ));
    };
    let baked = now.saturating_sub(since);
    if baked >= need_secs {
        return Criterion::Met(format!(
            "live in {prev} since {} ({} baked, {need} needed)",
            format_utc(since),
            Duration::from_secs(baked.max(0).unsigned_abs())
        ));
    }
    Criterion::Unmet(Finding::new(
        "release.bake",
        Level::Error,
        format!(
            "baked {} of {need} in {prev} (live there since {})",
            Duration::from_secs(baked.max(0).unsigned_abs()),
            format_utc(since)
        ),
        format!("wait until {}; [deploy.bake] {prev} = \"{need}\"", format_utc(since.saturating_add(need_secs))),
    ))
}

/// The coverage criterion; an unreadable total is an error, not a verdict.
fn coverage(repo: &Repo, policy: &Policy, rev: &str) -> Result<Criterion> {
    let Some(min) = policy.release.min_coverage else { return Ok(Criterion::NotSet) };
    let text = repo.note_text(&events::notes_ref(COVERAGE_STREAM), rev)?.unwrap_or_default();
    let Some(latest) = Recorded::latest(&events::parse_note(&text)) else {
        return Ok(Criterion::Unmet(Finding::new(
            "release.coverage",
            Level::Error,
            format!("no coverage recorded for {} (at least {min} needed)", short_id(rev)),
            "record it in CI on this revision: git-policy coverage --record",
        )));
    };
    let e = latest.map_err(|m| {
        Error::git(
            format!("the coverage note of {} cannot be read: {m}", short_id(rev)),
            "fix or re-record the coverage note",
        )
    })?;
    let total = e.total;
    if total >= min {
        return Ok(Criterion::Met(format!(
            "coverage {total} recorded at {} (at least {min} needed)",
            format_utc(e.time)
        )));
    }
    Ok(Criterion::Unmet(Finding::new(
        "release.coverage",
        Level::Error,
        format!("coverage {total} recorded for {} is below {min}", short_id(rev)),
        "raise coverage, or promote a revision that meets [release] min-coverage",
    )))
}

/// How the revision was rolled back in `ring`, if it was: a rollback naming one of its
/// deployments or the revision, or a rollback with only a target while it was live.
fn rolled_back_by(deployments: &[Deployment], ring: &str, is_rev: &dyn Fn(&str) -> bool) -> Option<String> {
    let mut in_ring: Vec<&Deployment> =
        deployments.iter().filter(|d| d.ring == ring && d.status == DeployStatus::Success).collect();
    in_ring.sort_by(|a, b| (a.time, &a.id).cmp(&(b.time, &b.id)));
    let ours: Vec<&str> = in_ring.iter().filter(|d| is_rev(&d.revision)).map(|d| d.id.as_str()).collect();
    for (i, d) in in_ring.iter().enumerate() {
        let hit = match d.rollback_of.as_deref() {
            Some(of) => ours.contains(&of) || is_rev(of),
            None if d.rollback_to.is_some() => in_ring
                .get(..i)
                .unwrap_or_default()
                .iter()
                .rev()
                .find(|p| p.service == d.service)
                .is_some_and(|p| is_rev(&p.revision)),
            None => false,
        };
        // Rolling back *to* the revision is not rolling it back.
        if hit && !d.rollback_to.as_deref().is_some_and(is_rev) {
            return Some(format!("{ring} by {} at {}", d.id, format_utc(d.time)));
        }
    }
    None
}
