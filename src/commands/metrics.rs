//! `git-policy metrics`: the DORA keys from git alone.
//!
//! Changes are trunk's first-parent commits back to 90 days before the window (so that changes
//! deployed in the window but merged before it are seen); a change's start is the `first` of its
//! `merged` stamp, else its earliest `committed` stamp, else its author date. Deployments and
//! incidents come from their streams; ancestry from git, cached. The pure engine
//! ([`crate::events::metrics`]) does the rest; this module gathers and renders (table, JSON,
//! CSV, one self-contained HTML page). The definitions are in docs/DORA.md.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use super::{deploy, incident, io_err, stamp};
use crate::cli::{BandsArg, MetricsArgs, MetricsFormat};
use crate::error::{Error, Result};
use crate::events::metrics::{self, Band, BandYear, Change, Metrics, Options, Point, DAY};
use crate::events::time::{format_utc, parse_utc};
use crate::events::{self};
use crate::policy::units::Duration;
use crate::policy::Policy;
use crate::progress::Progress;
use crate::repo::history::{Ancestry, TrunkCommit};
use crate::repo::notes::{NotesIndex, NotesReader};
use crate::repo::objects::Objects;
use crate::repo::Repo;

/// How far before the window trunk is walked for changes deployed in the window.
const LOOKBACK: i64 = 90 * DAY;

/// Runs `metrics`.
pub fn run(args: &MetricsArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover()?;
    let loaded = super::load_policy(Some(&repo))?;
    let policy = &loaded.policy;
    let now = crate::env::now();
    let (since, until) = window(&args.since, args.until.as_deref(), now)?;
    let ring = deploy::ring_of(policy, args.ring.as_deref())?;
    deploy::check_service(policy, args.service.as_deref())?;

    let back_to = since.saturating_sub(LOOKBACK);
    // Incidents are stored against production; a secondary ring has none of its own.
    let History { changes, deployments, incidents } =
        read_history(&repo, policy, back_to, ring == policy.deploy.production)?;
    crate::env::trace("metrics: history read");
    let chain: Vec<String> = changes.iter().map(|c| c.id.clone()).collect();
    let ancestry = Ancestry::new(&repo).with_chain(&chain);
    let missing: std::collections::BTreeSet<&str> = deployments
        .iter()
        .filter(|d| d.ring == ring)
        .map(|d| d.revision.as_str())
        .filter(|r| ancestry.resolve(r).is_none())
        .collect();
    if !missing.is_empty() {
        writeln!(
            err,
            "git-policy: warning: {} deployed revision(s) are not in this repository (fetch them): {}",
            missing.len(),
            missing.iter().map(|r| r.get(..12).unwrap_or(r)).collect::<Vec<_>>().join(", ")
        )
        .map_err(io_err)?;
    }
    let mut options = Options::from_policy(policy, since, until);
    options.ring = ring;
    options.service.clone_from(&args.service);
    options.bands = match args.bands {
        BandsArg::Y2024 => BandYear::Y2024,
        BandsArg::Y2023 => BandYear::Y2023,
    };
    // Changes come newest first from trunk's first-parent walk: their order is their position,
    // from 1; 0 is "older than every change walked".
    let mut order: std::collections::HashMap<String, u64> =
        changes.iter().rev().enumerate().map(|(i, c)| (c.id.clone(), i as u64 + 1)).collect();
    // A deployment made before the walked history began carries none of its changes (they did
    // not exist yet; the 90-day lookback absorbs clock skew), so it needs no position of its
    // own. Only a later deployment of an older revision (a rollback far back) makes the rest
    // of the chain worth walking, once, from below the oldest change.
    if deployments.iter().any(|d| d.time >= back_to && !order.contains_key(&d.revision)) {
        let below = match changes.last() {
            Some(oldest) => repo.parents(&oldest.id)?.into_iter().next(),
            None => repo.find_trunk(&policy.trunk.branches, None)?.map(|(_, tip)| tip),
        };
        if let Some(start) = below {
            let older = repo.first_parent_walk(&start, i64::MIN)?;
            order = changes
                .iter()
                .map(|c| c.id.as_str())
                .chain(older.iter().map(|c| c.id.as_str()))
                .rev()
                .enumerate()
                .map(|(i, id)| (id.to_string(), i as u64 + 1))
                .collect();
        }
    }
    for d in deployments.iter().filter(|d| d.time < back_to) {
        order.entry(d.revision.clone()).or_insert(0);
    }
    options.trunk_order = Some(order);
    let contains = |revision: &str, change: &str| ancestry.contains(revision, change);
    crate::env::trace("metrics: positions found");
    let m = metrics::compute(&changes, &deployments, &incidents, &contains, &options, now);
    crate::env::trace("metrics: computed");
    if let Some(e) = ancestry.take_failure() {
        return Err(e);
    }

    let mut buf: Vec<u8> = Vec::new();
    match args.format {
        MetricsFormat::Table => table(&m, &mut buf),
        MetricsFormat::Json => {
            serde_json::to_writer_pretty(&mut buf, &m).map_err(io::Error::from).and_then(|()| writeln!(buf))
        }
        MetricsFormat::Csv => csv(&m, &mut buf),
        MetricsFormat::Html => buf.write_all(html(&m, now).as_bytes()),
    }
    .map_err(io_err)?;
    match &args.out {
        Some(path) => std::fs::write(path, &buf).map_err(|e| Error::io(format!("writing {}", path.display()), e))?,
        None => out.write_all(&buf).map_err(io_err)?,
    }
    Ok(0)
}

/// `[since, until)` from `--since` (a length back from until, or a date) and `--until`.
fn window(since: &str, until: Option<&str>, now: i64) -> Result<(i64, i64)> {
    let until = match until {
        Some(u) => parse_utc(u).ok_or_else(|| {
            Error::usage(format!("--until `{u}` is not a UTC date"), "write 2026-04-01 or 2026-04-01T00:00:00Z")
        })?,
        None => now,
    };
    let since = match parse_utc(since) {
        Some(t) => t,
        None => {
            let d = Duration::parse(since).map_err(|m| {
                Error::usage(
                    format!("--since `{since}` is neither a length nor a UTC date: {m}"),
                    "write 90d, 12w or 2026-01-01",
                )
            })?;
            until.saturating_sub(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        }
    };
    if since >= until {
        return Err(Error::usage(
            format!("the window {} .. {} is empty", format_utc(since), format_utc(until)),
            "--since must be before --until",
        ));
    }
    Ok((since, until))
}

/// What `metrics` reads from the repository.
struct History {
    /// Trunk's changes, newest first.
    changes: Vec<Change>,
    deployments: Vec<metrics::Deployment>,
    incidents: Vec<metrics::Incident>,
}

/// Past this many trunk commits, indexing the stamp streams' notes trees once beats a tree
/// lookup per commit.
const INDEX_FROM: usize = 2000;

/// Reads trunk's changes since `back_to` and the deployment and incident streams, on two
/// threads: trunk's first-parent walk on this one; the streams and the indexes of the stamp
/// notes on a second, beside it; then each thread reads the stamps of half the walk. Objects
/// are read from the packs by hand ([`Objects`]): through libgit2, whose pack access is behind
/// one process-wide lock, a second thread made both slower (BENCHMARKS.md, `metrics`).
fn read_history(repo: &Repo, policy: &Policy, back_to: i64, with_incidents: bool) -> Result<History> {
    let (name, tip) = repo.find_trunk(&policy.trunk.branches, None)?.ok_or_else(|| {
        Error::usage(
            format!("no trunk branch here ({})", policy.trunk.branches.join(", ")),
            "fetch trunk, or name it in [trunk] branches",
        )
    })?;
    let side_repo = repo.reopen()?;
    let short_walk = AtomicBool::new(false);
    std::thread::scope(|s| {
        let side = s.spawn(|| read_streams(side_repo, with_incidents, &short_walk));
        crate::env::trace(&format!("metrics: walking {name}"));
        let mut progress = Progress::on_stderr();
        let phase = format!("metrics: walking {name}");
        let walked = repo.first_parent_walk_with(&tip, back_to, &mut |n| progress.update(&phase, n, 0));
        if walked.as_ref().map_or(true, |w| w.len() < INDEX_FROM) {
            short_walk.store(true, Ordering::Relaxed);
        }
        let side = side.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        let walk = walked?;
        let Streams { repo: side_repo, deployments, incidents, indexes } = side?;
        crate::env::trace(&format!("metrics: {} trunk commits walked", walk.len()));
        let changes = match indexes {
            Some((trunk, dev)) => {
                let (trunk, dev) = (&trunk, &dev);
                let (newer, older) = walk.split_at(walk.len() / 2);
                std::thread::scope(|s| -> Result<Vec<Change>> {
                    let older = s.spawn(move || {
                        changes_of(&side_repo, policy, &Stamps::Indexed { trunk, dev }, older, &mut |_| {})
                    });
                    let mut changes = changes_of(repo, policy, &Stamps::Indexed { trunk, dev }, newer, &mut |i| {
                        progress.update("metrics: reading stamps", 2 * i, walk.len());
                    })?;
                    changes.extend(older.join().unwrap_or_else(|p| std::panic::resume_unwind(p))?);
                    Ok(changes)
                })?
            }
            None => {
                let stamps = Stamps::Lookup {
                    trunk: repo.notes_reader(&events::notes_ref(stamp::TRUNK))?,
                    dev: repo.notes_reader(&events::notes_ref(stamp::DEV))?,
                };
                changes_of(repo, policy, &stamps, &walk, &mut |i| {
                    progress.update("metrics: reading stamps", i, walk.len())
                })?
            }
        };
        progress.finish();
        crate::env::trace("metrics: stamps read");
        Ok(History { changes, deployments, incidents })
    })
}

/// What the second thread reads while trunk is walked.
struct Streams {
    /// Its handle, handed on to read half the stamps.
    repo: Repo,
    deployments: Vec<metrics::Deployment>,
    incidents: Vec<metrics::Incident>,
    /// The trunk and dev stamp indexes; `None` when the walk turned out short (a tree lookup
    /// per commit is then cheaper than indexing a large notes tree).
    indexes: Option<(NotesIndex, NotesIndex)>,
}

fn read_streams(repo: Repo, with_incidents: bool, short_walk: &AtomicBool) -> Result<Streams> {
    let deployments = deploy::deployments(&repo)?;
    let incidents = if with_incidents { incident::incidents(&repo)? } else { Vec::new() };
    crate::env::trace("metrics: streams read");
    let indexes = {
        let mut objects = repo.objects();
        let trunk = repo.notes_index_unless(&events::notes_ref(stamp::TRUNK), &mut objects, short_walk)?;
        let dev = repo.notes_index_unless(&events::notes_ref(stamp::DEV), &mut objects, short_walk)?;
        trunk.zip(dev)
    };
    if let Some((_, dev)) = &indexes {
        crate::env::trace(&format!("metrics: stamps indexed ({} dev notes)", dev.len()));
    }
    Ok(Streams { repo, deployments, incidents, indexes })
}

/// Where a change's stamps are read from.
enum Stamps<'a, 'r> {
    /// Looked up in the notes trees, commit by commit (a short walk).
    Lookup { trunk: NotesReader<'r>, dev: NotesReader<'r> },
    /// Read through indexes of the notes trees, built once (a long walk).
    Indexed { trunk: &'a NotesIndex, dev: &'a NotesIndex },
}

impl Stamps<'_, '_> {
    fn trunk(&self, objects: &mut Objects<'_>, commit: &str) -> Result<Option<String>> {
        match self {
            Stamps::Lookup { trunk, .. } => trunk.get(commit),
            Stamps::Indexed { trunk, .. } => trunk.note(objects, commit),
        }
    }

    fn dev(&self, objects: &mut Objects<'_>, commit: &str) -> Result<Option<String>> {
        match self {
            Stamps::Lookup { dev, .. } => dev.get(commit),
            Stamps::Indexed { dev, .. } => dev.note(objects, commit),
        }
    }
}

/// The changes of `commits`, in order, calling `done` with how many are read so far.
fn changes_of(
    repo: &Repo,
    policy: &Policy,
    stamps: &Stamps<'_, '_>,
    commits: &[TrunkCommit],
    done: &mut dyn FnMut(usize),
) -> Result<Vec<Change>> {
    let mut objects = repo.objects();
    let mut out = Vec::with_capacity(commits.len());
    for (i, c) in commits.iter().enumerate() {
        done(i);
        out.push(change(repo, policy, stamps, &mut objects, c)?);
    }
    Ok(out)
}

/// One trunk commit as a change: its start from its stamps (or author date), when it landed,
/// and the services it touches.
fn change(
    repo: &Repo,
    policy: &Policy,
    stamps: &Stamps<'_, '_>,
    objects: &mut Objects<'_>,
    c: &TrunkCommit,
) -> Result<Change> {
    let merged: Vec<events::Event> = stamps
        .trunk(objects, &c.id)?
        .map(|t| events::parse_note(&t).into_iter().filter(|e| e.kind == "merged").collect())
        .unwrap_or_default();
    let stamped_first = merged.iter().filter_map(|e| e.get("first").and_then(parse_utc)).min();
    let first_commit = match stamped_first {
        Some(t) => t,
        None => match stamps.dev(objects, &c.id)?.and_then(|t| events::earliest(&t, "committed")) {
            Some(t) => t,
            None => match c.author_time {
                Some(t) => t,
                None => repo.commit_info(&c.id)?.author_time,
            },
        },
    };
    let services = if policy.services.is_empty() {
        Vec::new()
    } else {
        let paths = repo.commit_paths(objects, &c.id)?;
        policy.services.iter().filter(|s| paths.iter().any(|p| s.paths.is_match(p))).map(|s| s.name.clone()).collect()
    };
    Ok(Change {
        id: c.id.clone(),
        first_commit,
        merged_at: Some(merged.iter().map(|e| e.time).min().unwrap_or(c.committer_time)),
        services,
    })
}

/// `1d 4h`, `2h 30m`, `4m 10s`: the two largest units.
fn human(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "" };
    let s = secs.unsigned_abs();
    let parts = [(s / 86_400, "d"), (s % 86_400 / 3600, "h"), (s % 3600 / 60, "m"), (s % 60, "s")];
    let Some(first) = parts.iter().position(|(n, _)| *n > 0) else { return "0s".into() };
    let shown: Vec<String> =
        parts.iter().skip(first).take(2).filter(|(n, _)| *n > 0).map(|(n, u)| format!("{n}{u}")).collect();
    format!("{sign}{}", shown.join(" "))
}

fn secs_or_dash(v: Option<i64>) -> String {
    v.map_or_else(|| "-".into(), human)
}

fn median_text(v: Option<i64>) -> String {
    v.map_or_else(|| "-".into(), |s| format!("{} median", human(s)))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |r| format!("{:.1}%", r * 100.0))
}

fn band(b: Option<Band>) -> &'static str {
    match b {
        Some(Band::Elite) => "elite",
        Some(Band::High) => "high",
        Some(Band::Medium) => "medium",
        Some(Band::Low) => "low",
        None => "-",
    }
}

fn year(y: BandYear) -> &'static str {
    match y {
        BandYear::Y2024 => "2024",
        BandYear::Y2023 => "2023",
    }
}

/// One key as a row: name, value, p90, band, detail.
fn rows(m: &Metrics) -> Vec<[String; 5]> {
    let l = &m.lead_time;
    let f = &m.deployment_frequency;
    let c = &m.change_fail_rate;
    let r = &m.recovery_time;
    let w = &m.rework_rate;
    let ids = |v: &[String]| if v.is_empty() { String::new() } else { format!(" ({})", v.join(", ")) };
    vec![
        [
            "lead time for changes".into(),
            median_text(l.median),
            secs_or_dash(l.p90),
            band(m.bands.lead_time).into(),
            format!(
                "{} change(s) measured, {} skewed, {} from before the first deployment, {} pending",
                l.measured,
                l.skewed.len(),
                l.excluded_before_first_deploy,
                l.pending
            ),
        ],
        [
            "deployment frequency".into(),
            f.per_day.map_or_else(|| "-".into(), |v| format!("{v:.2}/day")),
            "-".into(),
            band(m.bands.deployment_frequency).into(),
            format!(
                "{} deployment(s) on {} day(s), median {} deploy-day(s)/week; apart: {} rollback(s), {} redeploy(s), {} pipeline failure(s), {} unfinished",
                f.deployments,
                f.deploy_days,
                f.deploy_days_per_week.map_or_else(|| "-".into(), |v| format!("{v}")),
                f.rollbacks,
                f.redeploys,
                f.pipeline_failures,
                f.unfinished
            ),
        ],
        [
            "change fail rate".into(),
            pct(c.rate),
            "-".into(),
            band(m.bands.change_fail_rate).into(),
            format!(
                "{} of {} failed{}; with {} inferred: {} ({}); pipeline failure rate {}",
                c.failed,
                c.deployments,
                ids(&c.failed_ids),
                c.inferred,
                pct(c.rate_with_inferred),
                band(m.bands.change_fail_rate_with_inferred),
                pct(c.pipeline_failure_rate)
            ),
        ],
        [
            "failed deployment recovery time".into(),
            median_text(r.median),
            secs_or_dash(r.p90),
            band(m.bands.recovery_time).into(),
            format!(
                "{} of {} failed deployment(s) recovered{}{}",
                r.recovered,
                r.failed,
                if r.unrecovered.is_empty() { String::new() } else { format!("; unrecovered{}", ids(&r.unrecovered)) },
                if r.skewed.is_empty() { String::new() } else { format!("; skewed{}", ids(&r.skewed)) }
            ),
        ],
        [
            "deployment rework rate".into(),
            pct(w.rate),
            "-".into(),
            "-".into(),
            format!("{} of {} live deployment(s) were rollbacks or fixes{}", w.rework, w.deployments, ids(&w.rework_ids)),
        ],
    ]
}

fn scope(m: &Metrics) -> String {
    format!(
        "ring {}, {}, {} .. {} ({} days)",
        m.window.ring,
        m.window.service.as_deref().map_or_else(|| "all services".to_string(), |s| format!("service {s}")),
        format_utc(m.window.since),
        format_utc(m.window.until),
        m.window.days
    )
}

fn table(m: &Metrics, w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "DORA metrics: {}", scope(m))?;
    writeln!(w)?;
    let mut all =
        vec![["KEY".into(), "VALUE".into(), "P90".into(), format!("BAND ({})", year(m.bands.year)), "DETAIL".into()]];
    all.extend(rows(m));
    let width = |i: usize| all.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let (a, b, c, d) = (width(0), width(1), width(2), width(3));
    for r in &all {
        writeln!(w, "{:<a$}  {:<b$}  {:<c$}  {:<d$}  {}", r[0], r[1], r[2], r[3], r[4])?;
    }
    writeln!(w)?;
    writeln!(w, "Incidents opened in the window, by severity:")?;
    writeln!(w, "  SEV  OPENED  OPEN  UNKNOWN-CAUSE  ACK-MEDIAN  RESTORE-MEDIAN  ACK-BREACHES  RESTORE-BREACHES")?;
    for s in &m.incidents {
        let n = |v: Option<usize>| v.map_or_else(|| "-".into(), |v| v.to_string());
        writeln!(
            w,
            "  {:<3}  {:<6}  {:<4}  {:<13}  {:<10}  {:<14}  {:<12}  {}",
            s.sev,
            s.incidents,
            s.open,
            s.unknown_cause,
            secs_or_dash(s.ack_median),
            secs_or_dash(s.restore_median),
            n(s.ack_breaches),
            n(s.restore_breaches)
        )?;
    }
    writeln!(w)?;
    writeln!(w, "Note: {}", m.bands.note)?;
    Ok(())
}

fn csv(m: &Metrics, w: &mut dyn Write) -> io::Result<()> {
    let i = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    let f = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let b = |v: Option<Band>| if v.is_some() { band(v).to_string() } else { String::new() };
    let (l, d, c, r, k) =
        (&m.lead_time, &m.deployment_frequency, &m.change_fail_rate, &m.recovery_time, &m.rework_rate);
    writeln!(w, "key,value,unit,p90,count,of,band")?;
    let lines = [
        format!("lead_time,{},seconds,{},{},,{}", i(l.median), i(l.p90), l.measured, b(m.bands.lead_time)),
        format!(
            "deployment_frequency,{},per_day,,{},{},{}",
            f(d.per_day),
            d.deployments,
            m.window.days,
            b(m.bands.deployment_frequency)
        ),
        format!("change_fail_rate,{},ratio,,{},{},{}", f(c.rate), c.failed, c.deployments, b(m.bands.change_fail_rate)),
        format!(
            "change_fail_rate_with_inferred,{},ratio,,{},{},{}",
            f(c.rate_with_inferred),
            c.failed + c.inferred,
            c.deployments,
            b(m.bands.change_fail_rate_with_inferred)
        ),
        format!(
            "recovery_time,{},seconds,{},{},{},{}",
            i(r.median),
            i(r.p90),
            r.recovered,
            r.failed,
            b(m.bands.recovery_time)
        ),
        format!("rework_rate,{},ratio,,{},{},", f(k.rate), k.rework, k.deployments),
    ];
    for line in lines {
        writeln!(w, "{line}")?;
    }
    Ok(())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A bar chart of a weekly series: one bar per week, no bar for a week with nothing to measure.
fn chart(points: &[(i64, Option<f64>)], label: &dyn Fn(f64) -> String, title: &str) -> String {
    if points.is_empty() {
        return "<p class=\"muted\">No weeks in the window.</p>".into();
    }
    let (w, h, left, right, top, bottom) = (720.0, 180.0, 64.0, 8.0, 10.0, 28.0);
    let plot_w = w - left - right;
    let plot_h = h - top - bottom;
    let max = points.iter().filter_map(|p| p.1).fold(0.0_f64, f64::max);
    let max = if max > 0.0 { max } else { 1.0 };
    let n = points.len();
    let bw = plot_w / n as f64;
    let mut s = String::new();
    let _ = write!(s, "<svg viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">", esc(title));
    let base = top + plot_h;
    let _ = write!(s, "<line class=\"axis\" x1=\"{left}\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\"/>", w - right);
    let _ = write!(s, "<line class=\"grid\" x1=\"{left}\" y1=\"{top}\" x2=\"{}\" y2=\"{top}\"/>", w - right);
    let _ = write!(
        s,
        "<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
        left - 6.0,
        top + 4.0,
        esc(&label(max))
    );
    let _ = write!(s, "<text class=\"tick\" x=\"{}\" y=\"{base}\" text-anchor=\"end\">0</text>", left - 6.0);
    let every = n.div_ceil(8).max(1);
    for (i, (start, value)) in points.iter().enumerate() {
        let x = left + bw * i as f64;
        let day = format_utc(*start).get(..10).unwrap_or_default().to_string();
        match value {
            Some(v) => {
                let bh = (v / max * plot_h).max(if *v > 0.0 { 1.0 } else { 0.0 });
                let _ = write!(
                    s,
                    "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\"><title>week of {day}: {}</title></rect>",
                    x + 1.0,
                    base - bh,
                    (bw - 2.0).max(1.0),
                    esc(&label(*v))
                );
            }
            None => {
                let _ = write!(
                    s,
                    "<rect class=\"none\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"2\"><title>week of {day}: nothing to measure</title></rect>",
                    x + 1.0,
                    base - 2.0,
                    (bw - 2.0).max(1.0)
                );
            }
        }
        if i % every == 0 {
            let _ = write!(s, "<text class=\"tick\" x=\"{:.1}\" y=\"{}\">{day}</text>", x + 1.0, h - 8.0);
        }
    }
    s.push_str("</svg>");
    s
}

/// A weekly series for a chart: week start and value.
type Series = Vec<(i64, Option<f64>)>;

/// One key's section of the HTML page.
struct Section<'a> {
    title: &'static str,
    what: &'static str,
    points: Series,
    label: &'a dyn Fn(f64) -> String,
}

fn series_i(p: &[Point<i64>]) -> Series {
    p.iter().map(|p| (p.week_start, p.value.map(|v| v as f64))).collect()
}

fn series_f(p: &[Point<f64>]) -> Series {
    p.iter().map(|p| (p.week_start, p.value)).collect()
}

const CSS: &str = "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:980px;padding:24px;color:#1d2430;background:#fbfbfd}\
h1{margin:0 0 4px}h2{margin:32px 0 6px;font-size:1.2em}.muted{color:#667085}\
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin:20px 0}\
.card{background:#fff;border:1px solid #e4e7ec;border-radius:8px;padding:12px}.card .v{font-size:1.5em;font-weight:600}\
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:.85em;color:#fff;background:#98a2b3}\
.elite{background:#12805c}.high{background:#1570ef}.medium{background:#dc6803}.low{background:#d92d20}\
table{border-collapse:collapse;margin:8px 0;width:100%}th,td{border-bottom:1px solid #e4e7ec;padding:4px 8px;text-align:left;vertical-align:top}\
svg{width:100%;height:auto;background:#fff;border:1px solid #e4e7ec;border-radius:8px}.bar{fill:#1570ef}.none{fill:#d0d5dd}\
.axis{stroke:#98a2b3}.grid{stroke:#eaecf0;stroke-dasharray:4 4}.tick{font-size:11px;fill:#667085}\
.note{background:#fffaeb;border:1px solid #fedf89;border-radius:8px;padding:10px 12px}";

fn badge(b: Option<Band>) -> String {
    match b {
        Some(_) => format!("<span class=\"badge {0}\">{0}</span>", band(b)),
        None => "<span class=\"badge\">no band</span>".into(),
    }
}

fn html(m: &Metrics, now: i64) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<title>DORA metrics: {0}</title><style>{CSS}</style></head><body>\n<h1>DORA metrics</h1><p class=\"muted\">{0}. Generated {1} by git-policy from the \
stamps, deployments and incidents in this repository's git notes.</p>\n",
        esc(&scope(m)),
        format_utc(now)
    );
    let rows = rows(m);
    let bands =
        [m.bands.lead_time, m.bands.deployment_frequency, m.bands.change_fail_rate, m.bands.recovery_time, None];
    s.push_str("<div class=\"cards\">");
    for (r, b) in rows.iter().zip(bands) {
        let _ = write!(
            s,
            "<div class=\"card\"><div class=\"muted\">{}</div><div class=\"v\">{}</div>{}</div>",
            esc(&r[0]),
            esc(&r[1]),
            badge(b)
        );
    }
    s.push_str("</div>\n");
    let _ = writeln!(s, "<p class=\"note\">{}</p>", esc(&m.bands.note));
    let t = &m.trend;
    let pct_label = |v: f64| format!("{:.0}%", v * 100.0);
    let secs_label = |v: f64| human(v as i64);
    let per_day = |v: f64| format!("{v:.2}/day");
    let sections = [
        Section {
            title: "Lead time for changes",
            what: "From a change's first commit to the first successful deployment to the ring that contains it. Median of the changes deployed each week.",
            points: series_i(&t.lead_time),
            label: &secs_label,
        },
        Section {
            title: "Deployment frequency",
            what: "Successful deployments proper (not rollbacks, redeploys or pipeline failures) per day, week by week.",
            points: series_f(&t.deployment_frequency),
            label: &per_day,
        },
        Section {
            title: "Change fail rate",
            what: "Deployments that needed a rollback, a fix, or caused a Sev1/Sev2 incident, out of the week's deployments.",
            points: series_f(&t.change_fail_rate),
            label: &pct_label,
        },
        Section {
            title: "Failed deployment recovery time",
            what: "From a failed deployment to the earliest rollback, fix-forward or resolution of the incident it caused. Median per week.",
            points: series_i(&t.recovery_time),
            label: &secs_label,
        },
        Section {
            title: "Deployment rework rate",
            what: "Rollbacks and fixes out of all live deployments of the week (2024). No published bands.",
            points: series_f(&t.rework_rate),
            label: &pct_label,
        },
    ];
    for (sec, (r, b)) in sections.iter().zip(rows.iter().zip(bands)) {
        let _ = writeln!(
            s,
            "<section><h2>{} {}</h2><p class=\"muted\">{}</p>{}<table><tr><th>value</th><th>p90</th><th>detail</th></tr>\
<tr><td>{}</td><td>{}</td><td>{}</td></tr></table></section>",
            esc(sec.title),
            badge(b),
            esc(sec.what),
            chart(&sec.points, sec.label, sec.title),
            esc(&r[1]),
            esc(&r[2]),
            esc(&r[4])
        );
    }
    s.push_str(
        "<section><h2>Incidents by severity</h2><table><tr><th>sev</th><th>opened</th><th>open</th><th>unknown cause</th>\
<th>ack median</th><th>restore median</th><th>ack target</th><th>restore target</th><th>ack breaches</th><th>restore breaches</th></tr>",
    );
    for i in &m.incidents {
        let n = |v: Option<usize>| v.map_or_else(|| "-".into(), |v| v.to_string());
        let _ = write!(
            s,
            "<tr><td>Sev{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            i.sev,
            i.incidents,
            i.open,
            i.unknown_cause,
            secs_or_dash(i.ack_median),
            secs_or_dash(i.restore_median),
            secs_or_dash(i.respond_within),
            secs_or_dash(i.restore_within),
            n(i.ack_breaches),
            n(i.restore_breaches)
        );
    }
    s.push_str("</table></section>\n");
    let _ = write!(s, "<section><h2>The {} bands</h2><table><tr><th></th><th>lead time</th><th>deployment frequency</th><th>change fail rate</th><th>recovery time</th></tr>", year(m.bands.year));
    for row in band_table(m.bands.year) {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            badge(Some(row.0)),
            row.1,
            row.2,
            row.3,
            row.4
        );
    }
    s.push_str(
        "</table><p class=\"muted\">Clusters of the DORA survey responses (Accelerate State of DevOps), not targets. \
Definitions: docs/DORA.md.</p></section>\n</body></html>\n",
    );
    s
}

/// The published clusters, as in [`crate::events::metrics::bands`].
fn band_table(y: BandYear) -> [(Band, &'static str, &'static str, &'static str, &'static str); 4] {
    match y {
        BandYear::Y2024 => [
            (Band::Elite, "&lt; 1 day", "on demand", "5%", "&lt; 1 hour"),
            (Band::High, "1 day – 1 week", "once/day – once/week", "20%", "&lt; 1 day"),
            (Band::Medium, "1 week – 1 month", "once/week – once/month", "10%", "&lt; 1 day"),
            (Band::Low, "1 – 6 months", "once/month – once/6 months", "40%", "1 week – 1 month"),
        ],
        BandYear::Y2023 => [
            (Band::Elite, "&lt; 1 day", "on demand", "5%", "&lt; 1 hour"),
            (Band::High, "1 day – 1 week", "once/day – once/week", "10%", "&lt; 1 day"),
            (Band::Medium, "1 week – 1 month", "once/week – once/month", "15%", "1 day – 1 week"),
            (Band::Low, "1 week – 1 month", "once/week – once/month", "64%", "1 – 6 months"),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well_and_windows_parse() {
        assert_eq!(human(0), "0s");
        assert_eq!(human(45), "45s");
        assert_eq!(human(5400), "1h 30m");
        assert_eq!(human(86_400 + 60), "1d");
        assert_eq!(human(-3600), "-1h");
        assert_eq!(window("7d", Some("2026-01-08"), 0).unwrap(), (1_767_225_600, 1_767_830_400));
        assert_eq!(window("2026-01-01", None, 1_767_830_400).unwrap().0, 1_767_225_600);
        assert!(window("soon", None, 0).is_err());
        assert!(window("2026-01-02", Some("2026-01-01"), 0).is_err());
    }
}
