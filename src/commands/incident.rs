//! `git-policy incident`: incidents in `refs/notes/git-policy/incident`.
//!
//! An incident's events live on the revision that was live in production when it opened (the
//! latest successful production deployment of its service, else HEAD), so every incident is in
//! git whether or not its cause is known; acknowledgement and resolution go on the same revision.
//!
//! ```text
//! 2026-12-03T12:05:00Z v1 incident-opened tz=+0000 id=INC-20261203T120500Z-3f2a sev=1 service=api cause=run-4711 title=checkout%20down
//! 2026-12-03T12:15:00Z v1 incident-acked tz=+0000 id=INC-20261203T120500Z-3f2a
//! 2026-12-03T12:40:00Z v1 incident-resolved tz=+0000 id=INC-20261203T120500Z-3f2a via=rollback fix-deploy=rollback-prod-ga-20261203T123000Z
//! ```

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;

use serde::Serialize;

use super::deploy;
use super::io_err;
use crate::cli::{DataFormat, IncidentCommand, IncidentOpenArgs, IncidentResolveArgs, ResolvedVia};
use crate::error::{Error, Result};
use crate::events::metrics::Incident;
use crate::events::time::format_utc;
use crate::events::{self, Event};
use crate::repo::Repo;

/// The stream of incidents.
pub const STREAM: &str = "incident";

const OPENED: &str = "incident-opened";
const ACKED: &str = "incident-acked";
const RESOLVED: &str = "incident-resolved";

/// One incident, its events merged: the earliest open and acknowledgement, the latest
/// resolution, the most severe severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The incident id.
    pub id: String,
    /// Severity, 1 the most severe.
    pub sev: u8,
    /// The affected service.
    pub service: Option<String>,
    /// What it is about.
    pub title: Option<String>,
    /// A deployment id or revision, or `unknown`.
    pub cause: Option<String>,
    /// When it opened; `None` when only later events are here (the open was not fetched).
    pub opened: Option<i64>,
    /// When it was acknowledged.
    pub acked: Option<i64>,
    /// When service was restored.
    pub resolved: Option<i64>,
    /// How it was resolved.
    pub via: Option<String>,
    /// The deployment that restored service.
    pub fix_deploy: Option<String>,
    /// The revision whose note holds the open event.
    pub revision: String,
}

impl Record {
    /// The incident for the metrics engine, if its open event is known.
    pub fn to_incident(&self) -> Option<Incident> {
        Some(Incident {
            id: self.id.clone(),
            sev: self.sev,
            service: self.service.clone(),
            opened: self.opened?,
            acked: self.acked,
            resolved: self.resolved,
            cause: self.cause.clone(),
            via: self.via.clone(),
            fix_deploy: self.fix_deploy.clone(),
        })
    }
}

/// Runs an `incident` subcommand.
pub fn run(cmd: IncidentCommand, out: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover()?;
    match cmd {
        IncidentCommand::Open(args) => open(&repo, &args, out),
        IncidentCommand::Ack { id } => ack(&repo, &id, out),
        IncidentCommand::Resolve(args) => resolve(&repo, &args, out),
        IncidentCommand::List { open, format } => list(&repo, open, format, out),
    }
}

fn open(repo: &Repo, args: &IncidentOpenArgs, out: &mut dyn Write) -> Result<u8> {
    let loaded = super::load_policy(Some(repo))?;
    let policy = &loaded.policy;
    deploy::check_service(policy, args.service.as_deref())?;
    let now = crate::env::now();
    let deployments = deploy::deployments(repo)?;
    let cause = match args.cause.trim() {
        c @ ("unknown" | "inferred") => c.to_string(),
        "" => "unknown".to_string(),
        c if deployments.iter().any(|d| d.id == c) => c.to_string(),
        c => repo.try_resolve_commit(c).ok_or_else(|| {
            Error::usage(
                format!("the cause `{c}` is neither a recorded deployment id nor a revision here"),
                "name a deployment id (see `git-policy notes export --stream deploy`), a revision, or `unknown`",
            )
        })?,
    };
    let existing = records(repo)?;
    let id = match &args.id {
        Some(id) if existing.contains_key(id) => {
            return Err(Error::usage(format!("incident `{id}` exists already"), "pick another --id, or leave it out"))
        }
        Some(id) if id.trim().is_empty() || id.contains(char::is_whitespace) => {
            return Err(Error::usage(format!("`{id}` is not a usable id"), "ids have no spaces"))
        }
        Some(id) => id.clone(),
        None => new_id(now, |c| existing.contains_key(c)),
    };
    let live = deploy::live_in(&deployments, &policy.deploy.production, args.service.as_deref(), now, false);
    let revision = match live.and_then(|d| repo.try_resolve_commit(&d.revision)) {
        Some(r) => r,
        None => repo.resolve_commit("HEAD")?,
    };
    let mut e = Event::new(now, OPENED).with("tz", "+0000").with("id", id.clone()).with("sev", args.sev.to_string());
    if let Some(s) = &args.service {
        e = e.with("service", s.clone());
    }
    e = e.with("cause", cause);
    if let Some(t) = &args.title {
        e = e.with("title", t.clone());
    }
    repo.append_notes(&events::notes_ref(STREAM), &[(revision, vec![e.to_line()])], "git-policy: incident opened")?;
    writeln!(out, "{id}").map_err(io_err)?;
    Ok(0)
}

/// `INC-<UTC compact time>-<4 hex>`: the time orders ids, and the random part keeps two machines
/// that open an incident in the same second apart.
fn new_id(now: i64, taken: impl Fn(&str) -> bool) -> String {
    let stamp = deploy::compact_time(now);
    let mut salt = 0u64;
    loop {
        // RandomState is seeded from the operating system's randomness for each process.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(salt);
        h.write_u32(std::process::id());
        if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
            h.write_u128(d.as_nanos());
        }
        let id = format!("INC-{stamp}-{:04x}", h.finish() & 0xffff);
        if !taken(&id) {
            return id;
        }
        salt += 1;
    }
}

fn find(repo: &Repo, id: &str) -> Result<Record> {
    records(repo)?.remove(id).filter(|r| r.opened.is_some()).ok_or_else(|| {
        Error::usage(
            format!("no incident `{id}` is recorded here"),
            "see `git-policy incident list`; fetch the others' notes first with `git-policy notes pull`",
        )
    })
}

fn ack(repo: &Repo, id: &str, out: &mut dyn Write) -> Result<u8> {
    let rec = find(repo, id)?;
    let e = Event::new(crate::env::now(), ACKED).with("tz", "+0000").with("id", id);
    repo.append_notes(&events::notes_ref(STREAM), &[(rec.revision, vec![e.to_line()])], "git-policy: incident acked")?;
    writeln!(out, "acknowledged {id}").map_err(io_err)?;
    Ok(0)
}

fn resolve(repo: &Repo, args: &IncidentResolveArgs, out: &mut dyn Write) -> Result<u8> {
    let rec = find(repo, &args.id)?;
    let mut e = Event::new(crate::env::now(), RESOLVED).with("tz", "+0000").with("id", args.id.clone());
    if let Some(v) = args.via {
        e = e.with(
            "via",
            match v {
                ResolvedVia::Rollback => "rollback",
                ResolvedVia::FixForward => "fix-forward",
                ResolvedVia::Other => "other",
            },
        );
    }
    if let Some(f) = &args.fix_deploy {
        e = e.with("fix-deploy", f.clone());
    }
    repo.append_notes(
        &events::notes_ref(STREAM),
        &[(rec.revision, vec![e.to_line()])],
        "git-policy: incident resolved",
    )?;
    writeln!(out, "resolved {}", args.id).map_err(io_err)?;
    Ok(0)
}

/// Every incident of the stream by id.
pub fn records(repo: &Repo) -> Result<BTreeMap<String, Record>> {
    let mut out: BTreeMap<String, Record> = BTreeMap::new();
    for (commit, text) in repo.all_notes(&events::notes_ref(STREAM))? {
        for e in events::parse_note(&text) {
            apply(&mut out, &commit, &e);
        }
    }
    Ok(out)
}

/// Folds one event into the records (the reference's `fix_deploy` spelling is read too).
fn apply(out: &mut BTreeMap<String, Record>, commit: &str, e: &Event) {
    if ![OPENED, ACKED, RESOLVED].contains(&e.kind.as_str()) {
        return;
    }
    let Some(id) = e.get("id").filter(|v| !v.is_empty()) else { return };
    let text = |k: &str| e.get(k).filter(|v| !v.is_empty()).map(str::to_string);
    let r = out.entry(id.to_string()).or_insert_with(|| Record {
        id: id.to_string(),
        sev: u8::MAX,
        service: None,
        title: None,
        cause: None,
        opened: None,
        acked: None,
        resolved: None,
        via: None,
        fix_deploy: None,
        revision: commit.to_string(),
    });
    match e.kind.as_str() {
        OPENED => {
            if r.opened.is_none_or(|t| e.time < t) {
                r.opened = Some(e.time);
                r.revision = commit.to_string();
            }
            if let Some(s) = e.get("sev").and_then(|s| s.parse::<u8>().ok()) {
                r.sev = r.sev.min(s);
            }
            r.service = r.service.take().or_else(|| text("service"));
            r.title = r.title.take().or_else(|| text("title"));
            r.cause = r.cause.take().or_else(|| text("cause"));
        }
        ACKED => r.acked = Some(r.acked.map_or(e.time, |t| t.min(e.time))),
        _ => {
            if r.resolved.is_none_or(|t| e.time >= t) {
                r.resolved = Some(e.time);
                r.via = text("via").or(r.via.take());
                r.fix_deploy = text("fix-deploy").or_else(|| text("fix_deploy")).or(r.fix_deploy.take());
            }
        }
    }
}

/// The engine's incidents: every record whose open event is known.
pub fn incidents(repo: &Repo) -> Result<Vec<Incident>> {
    Ok(records(repo)?.values().filter_map(Record::to_incident).collect())
}

/// One incident as `list --format json` shows it.
#[derive(Debug, Serialize)]
struct Listed<'a> {
    id: &'a str,
    sev: u8,
    state: &'static str,
    service: Option<&'a str>,
    title: Option<&'a str>,
    cause: Option<&'a str>,
    opened: Option<String>,
    acked: Option<String>,
    resolved: Option<String>,
    via: Option<&'a str>,
    fix_deploy: Option<&'a str>,
    revision: &'a str,
}

fn state(r: &Record) -> &'static str {
    match (r.resolved, r.acked) {
        (Some(_), _) => "resolved",
        (None, Some(_)) => "acknowledged",
        (None, None) => "open",
    }
}

fn list(repo: &Repo, only_open: bool, format: DataFormat, out: &mut dyn Write) -> Result<u8> {
    let all = records(repo)?;
    let mut shown: Vec<&Record> =
        all.values().filter(|r| r.opened.is_some() && !(only_open && r.resolved.is_some())).collect();
    shown.sort_by(|a, b| (a.opened, &a.id).cmp(&(b.opened, &b.id)));
    match format {
        DataFormat::Json => {
            let items: Vec<Listed<'_>> = shown
                .iter()
                .map(|r| Listed {
                    id: &r.id,
                    sev: r.sev,
                    state: state(r),
                    service: r.service.as_deref(),
                    title: r.title.as_deref(),
                    cause: r.cause.as_deref(),
                    opened: r.opened.map(format_utc),
                    acked: r.acked.map(format_utc),
                    resolved: r.resolved.map(format_utc),
                    via: r.via.as_deref(),
                    fix_deploy: r.fix_deploy.as_deref(),
                    revision: &r.revision,
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &items).map_err(|e| io_err(e.into()))?;
            writeln!(out).map_err(io_err)?;
        }
        DataFormat::Text => {
            if shown.is_empty() {
                writeln!(out, "no {}incidents recorded", if only_open { "open " } else { "" }).map_err(io_err)?;
                return Ok(0);
            }
            let width = shown.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
            writeln!(out, "{:<width$}  SEV  {:<12}  {:<20}  {:<12}  TITLE", "ID", "STATE", "OPENED", "SERVICE")
                .map_err(io_err)?;
            for r in shown {
                writeln!(
                    out,
                    "{:<width$}  {:<3}  {:<12}  {:<20}  {:<12}  {}",
                    r.id,
                    r.sev,
                    state(r),
                    r.opened.map(format_utc).unwrap_or_default(),
                    r.service.as_deref().unwrap_or("-"),
                    r.title.as_deref().unwrap_or("")
                )
                .map_err(io_err)?;
            }
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_merge_into_records() {
        let mut m = BTreeMap::new();
        for (c, l) in [
            ("b", "2026-01-01T00:10:00Z v1 incident-acked id=I"),
            ("a", "2026-01-01T00:00:00Z v1 incident-opened id=I sev=2 service=api cause=unknown"),
            ("a", "2026-01-01T01:00:00Z v1 incident-resolved id=I via=rollback fix_deploy=r9"),
            ("a", "2026-01-01T00:05:00Z v1 incident-acked id=I"),
        ] {
            apply(&mut m, c, &Event::parse(l).unwrap());
        }
        let r = &m["I"];
        assert_eq!(
            (r.sev, r.revision.as_str(), r.acked, r.resolved),
            (2, "a", Some(1_767_225_900), Some(1_767_229_200))
        );
        assert_eq!(r.fix_deploy.as_deref(), Some("r9"));
        assert_eq!(state(r), "resolved");
        let id = new_id(0, |c| c.ends_with('0'));
        assert!(id.starts_with("INC-19700101T000000Z-") && id.len() == 25, "{id}");
    }
}
