//! `git-policy deploy`: records deployments and rollbacks in `refs/notes/git-policy/deploy`, one
//! `deployed` event on the deployed revision; and reads that stream back for `metrics`, `gate` and
//! `incident`.
//!
//! ```text
//! 2026-12-03T12:00:00Z v1 deployed tz=+0000 id=run-4711 env=prod ring=ga status=success service=api revision=<sha>
//! 2026-12-03T12:30:00Z v1 deployed tz=+0000 id=rollback-prod-ga-20261203T123000Z env=prod ring=ga status=success revision=<sha> rollback-to=<sha> rollback-of=run-4711
//! ```

use std::io::Write;

use super::io_err;
use crate::cli::{DeployArgs, DeployCommand, DeployStatusArg, RollbackArgs};
use crate::error::{Error, Result};
use crate::events::metrics::{DeployStatus, Deployment};
use crate::events::{self, Event};
use crate::policy::Policy;
use crate::repo::Repo;
use crate::subject::short_id;

/// The stream of deployments and rollbacks.
pub const STREAM: &str = "deploy";

/// Runs `deploy` or `deploy rollback`.
pub fn run(args: &DeployArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover()?;
    let loaded = super::load_policy(Some(&repo))?;
    match &args.command {
        Some(DeployCommand::Rollback(r)) => rollback(&repo, &loaded.policy, r, out, err),
        None => record(&repo, &loaded.policy, args, out, err),
    }
}

fn record(repo: &Repo, policy: &Policy, args: &DeployArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let a = &args.record;
    let env = a.env.clone().ok_or_else(|| Error::usage("--env is required", "name the environment: --env prod"))?;
    let ring = ring_of(policy, a.ring.as_deref())?;
    check_service(policy, a.service.as_deref())?;
    let rev = repo.resolve_commit(a.rev.as_deref().unwrap_or("HEAD"))?;
    let now = crate::env::now();
    let status = match a.status {
        DeployStatusArg::Started => DeployStatus::Started,
        DeployStatusArg::Success => DeployStatus::Success,
        DeployStatusArg::Failed => DeployStatus::Failed,
    };
    // Every record of this revision is on its own note, so one read answers both questions.
    let here = on_revision(repo, &rev)?;
    let same_place = |d: &&Deployment| d.ring == ring && d.service == a.service;
    let id = match &a.id {
        Some(id) => id.clone(),
        None if status != DeployStatus::Started => {
            unfinished(&here, &ring, a.service.as_deref()).unwrap_or_else(|| default_id("", &env, &ring, now))
        }
        None => default_id("", &env, &ring, now),
    };
    let redeploy = here.iter().filter(same_place).any(|d| d.status == DeployStatus::Success && d.id != id);
    let mut e = Event::new(now, "deployed")
        .with("tz", "+0000")
        .with("id", id.clone())
        .with("env", env.clone())
        .with("ring", ring.clone())
        .with("status", status_str(status));
    if let Some(s) = &a.service {
        e = e.with("service", s.clone());
    }
    e = e.with("revision", rev.clone());
    if !a.fixes.is_empty() {
        e = e.with("fixes", a.fixes.join(","));
    }
    if redeploy {
        e = e.with("redeploy", "true");
    }
    repo.append_notes(&events::notes_ref(STREAM), &[(rev.clone(), vec![e.to_line()])], "git-policy: deployed")?;
    writeln!(out, "{id}").map_err(io_err)?;
    writeln!(
        err,
        "git-policy: recorded deployment {id}: {} to ring {ring} ({env}){}, {}{}",
        short_id(&rev),
        a.service.as_deref().map(|s| format!(", service {s}")).unwrap_or_default(),
        status_str(status),
        if redeploy { " (a redeploy: this revision was already live in the ring)" } else { "" }
    )
    .map_err(io_err)?;
    Ok(0)
}

fn rollback(repo: &Repo, policy: &Policy, r: &RollbackArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let ring = ring_of(policy, r.ring.as_deref())?;
    check_service(policy, r.service.as_deref())?;
    let to = repo.resolve_commit(&r.to)?;
    let now = crate::env::now();
    let all = deployments(repo)?;
    let live = live_in(&all, &ring, r.service.as_deref(), now, true);
    let id = r.id.clone().unwrap_or_else(|| default_id("rollback-", &r.env, &ring, now));
    let mut e = Event::new(now, "deployed")
        .with("tz", "+0000")
        .with("id", id.clone())
        .with("env", r.env.clone())
        .with("ring", ring.clone())
        .with("status", "success");
    if let Some(s) = &r.service {
        e = e.with("service", s.clone());
    }
    e = e.with("revision", to.clone()).with("rollback-to", to.clone());
    if let Some(l) = live {
        e = e.with("rollback-of", l.id.clone());
    }
    repo.append_notes(&events::notes_ref(STREAM), &[(to.clone(), vec![e.to_line()])], "git-policy: rolled back")?;
    writeln!(out, "{id}").map_err(io_err)?;
    let what = match live {
        Some(l) if l.revision == to => format!("{} (which already runs {})", l.id, short_id(&to)),
        Some(l) => format!("{} ({})", l.id, short_id(&l.revision)),
        None => "nothing recorded as live".to_string(),
    };
    writeln!(err, "git-policy: recorded rollback {id} in ring {ring} to {}, replacing {what}", short_id(&to))
        .map_err(io_err)?;
    Ok(0)
}

/// The ring named, checked against `[deploy] rings`; the production ring when none is named.
pub fn ring_of(policy: &Policy, ring: Option<&str>) -> Result<String> {
    let Some(ring) = ring else { return Ok(policy.deploy.production.clone()) };
    if policy.deploy.rings.iter().any(|r| r == ring) {
        return Ok(ring.to_string());
    }
    Err(Error::usage(
        format!("`{ring}` is not a ring of the policy ({})", policy.deploy.rings.join(", ")),
        "name one of [deploy] rings, or add the ring there",
    ))
}

/// A service name must be one of `[[services]]` when the policy names any, so a typo does not
/// start a new service in the metrics.
pub fn check_service(policy: &Policy, service: Option<&str>) -> Result<()> {
    let Some(s) = service else { return Ok(()) };
    if policy.services.is_empty() || policy.services.iter().any(|x| x.name == s) {
        return Ok(());
    }
    let names: Vec<&str> = policy.services.iter().map(|x| x.name.as_str()).collect();
    Err(Error::usage(
        format!("`{s}` is not a service of the policy ({})", names.join(", ")),
        "name one of [[services]], or add it there",
    ))
}

/// `YYYYMMDDTHHMMSSZ`: a UTC time that is safe in ids and sorts as time.
pub fn compact_time(secs: i64) -> String {
    events::time::format_utc(secs).replace(['-', ':'], "")
}

fn default_id(prefix: &str, env: &str, ring: &str, now: i64) -> String {
    format!("{prefix}{env}-{ring}-{}", compact_time(now))
}

/// The id of the latest `started` record of this revision in the ring and service that has no
/// finish yet, which a finish without `--id` completes.
fn unfinished(here: &[Deployment], ring: &str, service: Option<&str>) -> Option<String> {
    let place = |d: &&Deployment| d.ring == ring && d.service.as_deref() == service;
    let finished = |id: &str| here.iter().filter(place).any(|d| d.id == id && d.status != DeployStatus::Started);
    here.iter()
        .filter(place)
        .filter(|d| d.status == DeployStatus::Started && !finished(&d.id))
        .max_by_key(|d| d.time)
        .map(|d| d.id.clone())
}

fn status_str(s: DeployStatus) -> &'static str {
    match s {
        DeployStatus::Started => "started",
        DeployStatus::Success => "success",
        DeployStatus::Failed => "failed",
    }
}

/// The deployment live in a ring and service at `at`: the latest successful record (a rollback
/// included) at or before it. With `exact_service` false, a query for the whole repository
/// (no service) falls back to the latest of any service.
pub fn live_in<'d>(
    all: &'d [Deployment],
    ring: &str,
    service: Option<&str>,
    at: i64,
    exact_service: bool,
) -> Option<&'d Deployment> {
    let latest = |same: &dyn Fn(&Deployment) -> bool| {
        all.iter()
            .filter(|d| d.ring == ring && d.status == DeployStatus::Success && d.time <= at && same(d))
            .max_by(|a, b| (a.time, &a.id).cmp(&(b.time, &b.id)))
    };
    latest(&|d| d.service.as_deref() == service).or_else(|| {
        if exact_service || service.is_some() {
            None
        } else {
            latest(&|_| true)
        }
    })
}

/// Every deployment record of the stream, in no particular order.
pub fn deployments(repo: &Repo) -> Result<Vec<Deployment>> {
    let mut out = Vec::new();
    for (commit, text) in repo.all_notes(&events::notes_ref(STREAM))? {
        out.extend(events::parse_note(&text).iter().filter_map(|e| from_event(&commit, e)));
    }
    Ok(out)
}

/// The deployment records on one revision's note.
fn on_revision(repo: &Repo, rev: &str) -> Result<Vec<Deployment>> {
    let text = repo.note_text(&events::notes_ref(STREAM), rev)?.unwrap_or_default();
    Ok(events::parse_note(&text).iter().filter_map(|e| from_event(rev, e)).collect())
}

/// A deployment from a `deployed` event, or from a `rolledback` event in the reference layout
/// (`deploy=`, `from=`, `to=`); `None` for other events and records without a ring.
pub fn from_event(commit: &str, e: &Event) -> Option<Deployment> {
    let text = |k: &str| e.get(k).filter(|v| !v.is_empty()).map(str::to_string);
    let ring = text("ring")?;
    let fallback_id = || format!("{}-{}", short_id(commit), compact_time(e.time));
    match e.kind.as_str() {
        "deployed" => {
            let status = match e.get("status").unwrap_or("success") {
                "started" => DeployStatus::Started,
                "success" => DeployStatus::Success,
                "failed" => DeployStatus::Failed,
                _ => return None,
            };
            Some(Deployment {
                id: text("id").unwrap_or_else(fallback_id),
                revision: text("revision").unwrap_or_else(|| commit.to_string()),
                ring,
                env: text("env").unwrap_or_default(),
                service: text("service"),
                status,
                time: e.time,
                rollback_of: text("rollback-of"),
                rollback_to: text("rollback-to"),
                fixes: e.get("fixes").map(list).unwrap_or_default(),
                redeploy: e.get("redeploy") == Some("true"),
            })
        }
        "rolledback" => Some(Deployment {
            id: text("deploy").or_else(|| text("id")).unwrap_or_else(fallback_id),
            revision: text("to").unwrap_or_else(|| commit.to_string()),
            ring,
            env: text("env").unwrap_or_default(),
            service: text("service"),
            status: DeployStatus::Success,
            time: e.time,
            rollback_of: text("from"),
            rollback_to: Some(text("to").unwrap_or_else(|| commit.to_string())),
            fixes: Vec::new(),
            redeploy: false,
        }),
        _ => None,
    }
}

fn list(v: &str) -> Vec<String> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_become_deployments() {
        let e = Event::parse(
            "2026-12-03T12:00:00Z v1 deployed tz=+0000 id=r1 env=prod ring=ga status=failed service=api revision=abc fixes=INC-1,r0",
        )
        .unwrap();
        let d = from_event("ffff", &e).unwrap();
        assert_eq!((d.id.as_str(), d.revision.as_str(), d.status), ("r1", "abc", DeployStatus::Failed));
        assert_eq!(d.fixes, vec!["INC-1", "r0"]);
        let e = Event::parse("2026-12-03T12:00:00Z v1 rolledback deploy=r2 ring=ga from=aaa to=bbb").unwrap();
        let d = from_event("bbb", &e).unwrap();
        assert_eq!((d.rollback_of.as_deref(), d.rollback_to.as_deref()), (Some("aaa"), Some("bbb")));
        assert!(from_event("x", &Event::parse("2026-12-03T12:00:00Z v1 deployed id=a").unwrap()).is_none());
        assert_eq!(compact_time(0), "19700101T000000Z");
    }
}
