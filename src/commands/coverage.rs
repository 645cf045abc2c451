//! `git-policy coverage`: read the reports, map their paths, merge them, and judge total,
//! per-file and patch coverage by the policy's `[coverage]` gates.

use std::collections::BTreeSet;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSetBuilder};
use serde_json::json;

use super::gate::COVERAGE_STREAM;
use super::io_err;
use crate::cli::{CoverageArgs, CoverageFormat};
use crate::coverage::ratchet::{self, Recorded};
use crate::coverage::{self, GateKind, GateReport, Measure, PathMapper, RepoPaths, Requirement, Verdict};
use crate::error::{Error, Result};
use crate::events;
use crate::finding::Finding;
use crate::policy::model::Coverage as CoveragePolicy;
use crate::policy::units::Percent;
use crate::policy::Policy;
use crate::repo::Repo;
use crate::rules;
use crate::subject::short_id;

/// Expands report globs relative to the work tree root (a plain path is taken as it is).
pub fn find_reports(root: &Path, patterns: &[String]) -> Result<Vec<PathBuf>> {
    let mut out = BTreeSet::new();
    for pattern in patterns {
        if !pattern.contains(['*', '?', '[', '{']) {
            let p = root.join(pattern);
            if p.is_file() {
                out.insert(p);
            }
            continue;
        }
        let glob = Glob::new(pattern)
            .map_err(|e| Error::usage(format!("`{pattern}` is not a valid glob: {e}"), "fix [coverage] reports"))?;
        let set = GlobSetBuilder::new()
            .add(glob)
            .build()
            .map_err(|e| Error::usage(format!("`{pattern}`: {e}"), "fix [coverage] reports"))?;
        // Walk only below the literal part of the pattern, so `target/**/lcov.info` does not walk the whole tree.
        let literal: PathBuf = pattern.split('/').take_while(|c| !c.contains(['*', '?', '[', '{'])).collect();
        let start = root.join(&literal);
        let mut stack = vec![start];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else { continue };
                if kind.is_dir() {
                    if entry.file_name() != ".git" {
                        stack.push(path);
                    }
                } else if let Ok(rel) = path.strip_prefix(root) {
                    if set.is_match(rel) {
                        out.insert(path);
                    }
                }
            }
        }
    }
    Ok(out.into_iter().collect())
}

fn go_module(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("go.mod")).ok()?;
    text.lines().find_map(|l| l.trim().strip_prefix("module ")).map(|m| m.trim().trim_matches('"').to_string())
}

/// Reads, maps and merges the reports, and evaluates the gates against the change base..head.
pub fn measure(
    repo: &Repo,
    policy: &CoveragePolicy,
    reports: &[PathBuf],
    format: Option<coverage::Format>,
    change: Option<(&str, &str)>,
) -> Result<GateReport> {
    let root = repo
        .workdir()
        .ok_or_else(|| Error::usage("coverage needs a work tree", "run it in a clone, not a bare repository"))?;
    crate::env::trace("coverage: start");
    // Reading the reports is the longest step and needs no git: it runs on its own thread,
    // mapping each report's paths as it goes, while this one diffs the change, then merges
    // each report as it arrives (one waits at most, so several are not all held at once).
    let root_text = root.to_string_lossy().trim_end_matches('/').to_string();
    let module = go_module(root);
    let files = repo.tracked_files()?;
    crate::env::trace("coverage: tracked files listed");
    let mapper =
        PathMapper::new(RepoPaths { files: &files, root: &root_text, go_module: module.as_deref() }, &policy.path_map);
    let mut merged = coverage::Coverage::default();
    let mut unmapped = Vec::new();
    let changed = std::thread::scope(|s| {
        let (send, receive) = std::sync::mpsc::sync_channel(1);
        let mapper = &mapper;
        s.spawn(move || {
            for path in reports {
                let mapped = read_one(root, path, format, mapper);
                let failed = mapped.is_err();
                if send.send(mapped).is_err() || failed {
                    break;
                }
            }
        });
        let changed = change.map(|(base, head)| repo.added_lines(base, head)).transpose()?;
        crate::env::trace("coverage: changed lines diffed");
        for mapped in receive {
            let mapped = mapped?;
            merged.merge(mapped.coverage);
            unmapped.extend(mapped.unmapped);
        }
        Ok::<_, Error>(changed)
    })?;
    crate::env::trace("coverage: paths mapped and merged");
    unmapped.sort();
    unmapped.dedup();
    let report = coverage::evaluate_change(&merged, policy, changed.as_ref(), &unmapped);
    crate::env::trace("coverage: gates evaluated");
    // Every command that measures runs once and exits: freeing millions of line entries one by
    // one would cost tens of milliseconds, and the process's exit returns the memory anyway.
    std::mem::forget(merged);
    Ok(report)
}

/// Reports at least this large are read by two threads when they are LCOV or Cobertura.
const SPLIT_SIZE: u64 = 8 << 20;

/// Reads one report and maps its paths.
fn read_one(
    root: &Path,
    path: &Path,
    format: Option<coverage::Format>,
    mapper: &PathMapper<'_>,
) -> Result<coverage::MappedReport> {
    let name = path.strip_prefix(root).unwrap_or(path).display().to_string();
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(format!("opening {name}"), e))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size >= SPLIT_SIZE && format.is_none_or(|f| matches!(f, coverage::Format::Lcov | coverage::Format::Cobertura)) {
        if let Some(mapped) = read_halves(&name, path, &mut file, size, format, mapper)? {
            return Ok(mapped);
        }
        std::io::Seek::rewind(&mut file).map_err(|e| Error::io(format!("reading {name}"), e))?;
    }
    let parsed = coverage::read_report(&name, BufReader::with_capacity(1 << 16, file), format).map_err(bad_report)?;
    Ok(mapper.map(parsed))
}

fn bad_report(e: coverage::ReportError) -> Error {
    Error::usage(
        e.to_string(),
        "is it a coverage report (lcov, Cobertura, JaCoCo, llvm-cov JSON, Go)? --report-format overrides detection",
    )
}

/// A large LCOV or Cobertura report read as two parts on two threads, split after an
/// `end_of_record` line or a `</class>` near the middle, each part mapped, then merged (records
/// of one file in both parts merge like repeated records). The tail is mapped with the head's
/// Cobertura `<source>` roots.
///
/// `None` when the report is another format, has no split point near the middle, or a part has
/// an error: the caller then reads it whole, so that an error names its true line number (and a
/// split that did not fit the document costs time, never a wrong result).
fn read_halves(
    name: &str,
    path: &Path,
    file: &mut std::fs::File,
    size: u64,
    forced: Option<coverage::Format>,
    mapper: &PathMapper<'_>,
) -> Result<Option<coverage::MappedReport>> {
    use coverage::{Format, Part};
    use std::io::{Read, Seek, SeekFrom};
    let open = || std::fs::File::open(path).map_err(|e| Error::io(format!("opening {name}"), e));
    let mut head = vec![0; 8192];
    let n = file.read(&mut head).map_err(|e| Error::io(format!("reading {name}"), e))?;
    let (format, marker): (Format, &[u8]) = match coverage::detect_format(&head[..n]) {
        Ok(Format::Lcov) => (Format::Lcov, b"\nend_of_record\n"),
        Ok(Format::Cobertura) => (Format::Cobertura, b"</class>"),
        _ => return Ok(None),
    };
    if forced.is_some_and(|f| f != format) {
        return Ok(None);
    }
    let middle = size / 2;
    file.seek(SeekFrom::Start(middle)).map_err(|e| Error::io(format!("reading {name}"), e))?;
    let mut window = Vec::with_capacity(1 << 20);
    Read::by_ref(file).take(1 << 20).read_to_end(&mut window).map_err(|e| Error::io(format!("reading {name}"), e))?;
    let Some(at) = window.windows(marker.len()).position(|w| w == marker) else { return Ok(None) };
    let split = middle + (at + marker.len()) as u64;
    let read_part = |part: Part| -> Result<std::result::Result<coverage::ParsedReport, coverage::ReportError>> {
        let mut f = open()?;
        if part == Part::Tail {
            f.seek(SeekFrom::Start(split)).map_err(|e| Error::io(format!("reading {name}"), e))?;
            Ok(coverage::read_report_part(name, BufReader::with_capacity(1 << 16, f), format, part))
        } else {
            let reader = BufReader::with_capacity(1 << 16, f.take(split));
            Ok(coverage::read_report_part(name, reader, format, part))
        }
    };
    let (first, second) = std::thread::scope(|s| {
        let first = s.spawn(|| read_part(Part::Head));
        let second = read_part(Part::Tail);
        let first = first.join().unwrap_or_else(|_| {
            Err(Error::io(format!("reading {name}"), std::io::Error::other("a reader thread failed")))
        });
        (first, second)
    });
    let (Ok(first), Ok(mut second)) = (first?, second?) else { return Ok(None) };
    crate::env::trace("coverage: a report read in two parts");
    second.sources.clone_from(&first.sources);
    let (mut a, b) = std::thread::scope(|s| {
        let b = s.spawn(|| mapper.map(second));
        let a = mapper.map(first);
        (a, b.join())
    });
    let Ok(b) = b else { return Ok(None) };
    a.coverage.merge(b.coverage);
    a.unmapped.extend(b.unmapped);
    Ok(Some(a))
}

/// The `[coverage]` gates in the pre-push hook, over the reports in the work tree, with the
/// pushed commits as the change: from the remote's old tip when the push fast-forwards it,
/// else from the merge base with the remote's trunk branch (no base: the patch gates are n/a).
///
/// Only a push of the checked-out commit is gated, since the reports measure the work tree.
/// Without a report the gates are skipped with a note: the developer may not have run the
/// tests with coverage, and CI re-checks with its own reports.
pub fn before_push(
    repo: &Repo,
    policy: &Policy,
    cov: &CoveragePolicy,
    updates: &[crate::subject::RefUpdate],
    remote: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<Vec<Finding>> {
    let (Some(root), Some(remote)) = (repo.workdir(), remote) else { return Ok(Vec::new()) };
    let head = repo.head_commit()?;
    let mut reports = None;
    let mut gated = BTreeSet::new();
    let mut out = Vec::new();
    for u in updates.iter().filter(|u| !u.is_delete() && u.branch().is_some()) {
        if head.as_deref() != Some(u.new.as_str()) {
            notes.push(format!(
                "coverage gates skipped for {}: it is not the checked-out commit, and the reports measure the work tree",
                u.remote_ref
            ));
            continue;
        }
        let reports = match &reports {
            Some(r) => r,
            None => reports.insert(find_reports(root, &cov.reports)?),
        };
        if reports.is_empty() {
            notes.push(format!(
                "coverage gates skipped: no report found (looked for {}); run the tests with coverage to check before pushing, CI checks anyway",
                cov.reports.join(", ")
            ));
            break;
        }
        let base = push_base(repo, policy, u, remote)?;
        if !gated.insert(base.clone()) {
            continue;
        }
        if let Some(stale) = stale_report(repo, reports, &u.new)? {
            notes.push(format!(
                "{stale} is older than the pushed commit: run the tests with coverage again if the code changed since"
            ));
        }
        let report = measure(repo, cov, reports, None, base.as_deref().map(|b| (b, u.new.as_str())))?;
        out.extend(findings(policy, &report).into_iter().map(|f| f.reference(u.remote_ref.clone())));
    }
    Ok(out)
}

/// Where the pushed change starts: the remote's old tip for a fast-forward, else the merge base
/// with the remote's copy of a trunk branch.
fn push_base(repo: &Repo, policy: &Policy, u: &crate::subject::RefUpdate, remote: &str) -> Result<Option<String>> {
    if !u.is_create() && repo.has_commit(&u.old) && repo.is_ancestor(&u.old, &u.new)? {
        return Ok(Some(u.old.clone()));
    }
    for b in &policy.trunk.branches {
        if let Some(id) = repo.try_resolve_commit(&format!("refs/remotes/{remote}/{b}")) {
            return repo.merge_base(&id, &u.new);
        }
    }
    Ok(None)
}

/// The first report last written before `commit` was made, if any.
fn stale_report(repo: &Repo, reports: &[PathBuf], commit: &str) -> Result<Option<String>> {
    let made = repo.commit_info(commit)?.committer_time;
    for r in reports {
        let written = std::fs::metadata(r)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        if written.is_some_and(|w| w < made) {
            let root = repo.workdir().unwrap_or(Path::new(""));
            return Ok(Some(r.strip_prefix(root).unwrap_or(r).display().to_string()));
        }
    }
    Ok(None)
}

/// How far along first parents the ratchet looks for a recorded total.
const BASELINE_DEPTH: usize = 100_000;

/// The newest recorded total on the first-parent history from `from` (inclusive), with the
/// commit it is on. An unreadable record is an error: skipping it would loosen the ratchet.
pub fn baseline(repo: &Repo, from: &str) -> Result<Option<(String, Recorded)>> {
    let mut found: Option<std::result::Result<Recorded, String>> = None;
    let hit = repo.first_parent_note(&events::notes_ref(COVERAGE_STREAM), from, BASELINE_DEPTH, &mut |_, text| {
        found = Recorded::latest(&events::parse_note(text));
        found.is_some()
    })?;
    match (hit, found) {
        (Some((id, _)), Some(Ok(r))) => Ok(Some((id, r))),
        (Some((id, _)), Some(Err(m))) => Err(Error::git(
            format!("the recorded coverage on {} cannot be read: {m}", short_id(&id)),
            format!("see it with `git notes --ref git-policy/{COVERAGE_STREAM} show {}`; record again on that commit, or fix the line", short_id(&id)),
        )),
        _ => Ok(None),
    }
}

/// The ratchet's verdict on a total against the newest record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ratchet {
    /// No total has been recorded on the history yet: nothing to hold to.
    NoBaseline,
    /// Nothing was measured now, so there is no total to compare (the total gate reports it).
    NoData,
    /// The total is at or above the floor.
    Held {
        /// The commit the record is on.
        at: String,
        /// The recorded total.
        baseline: Percent,
        /// The lowest total allowed: the record less the tolerance.
        floor: Percent,
        /// The total now.
        current: Percent,
    },
    /// The total is below the floor; allowed only with a reason.
    Lowered {
        /// The commit the record is on.
        at: String,
        /// The lowest total allowed.
        floor: Percent,
        /// The total now.
        current: Percent,
        /// Why, from `--reason` or a `Coverage-Drop-Reason:` trailer.
        reason: Option<String>,
        /// The record held to (its total is the baseline), for the new note's `previous=`.
        record: Recorded,
    },
}

/// Judges `current` against the newest record from `from`. `reason` is asked for only when the
/// total is lowered (it may read commit messages).
pub fn judge_ratchet(
    repo: &Repo,
    cov: &CoveragePolicy,
    from: &str,
    current: coverage::Tally,
    reason: &mut dyn FnMut(&str) -> Result<Option<String>>,
) -> Result<Ratchet> {
    let Some(current) = current.percent() else { return Ok(Ratchet::NoData) };
    let Some((at, record)) = baseline(repo, from)? else { return Ok(Ratchet::NoBaseline) };
    let floor = ratchet::floor(record.total, cov.ratchet_tolerance);
    if current >= floor {
        return Ok(Ratchet::Held { at, baseline: record.total, floor, current });
    }
    let why = reason(&at)?;
    Ok(Ratchet::Lowered { floor, current, reason: why, at, record })
}

/// The first `Coverage-Drop-Reason:` trailer among the commits of `head` that `at` lacks.
pub fn reason_since(repo: &Repo, at: &str, head: &str) -> Result<Option<String>> {
    let ids = repo.commits_between(&[head.to_string()], &[at.to_string()])?;
    let mut messages = Vec::with_capacity(ids.len());
    for id in &ids {
        messages.push(repo.commit_info(id)?.message);
    }
    Ok(ratchet::reason_in(messages.iter().map(String::as_str)))
}

/// Findings and report notes for a ratchet verdict in `check`.
pub fn ratchet_findings(policy: &Policy, verdict: &Ratchet, notes: &mut Vec<String>) -> Vec<Finding> {
    match verdict {
        Ratchet::NoBaseline => {
            notes.push("coverage ratchet: no total recorded on the base's history yet; trunk's first `git-policy coverage --record` starts it".into());
            Vec::new()
        }
        Ratchet::NoData => Vec::new(),
        Ratchet::Held { at, baseline, floor, current } => {
            notes.push(format!(
                "coverage ratchet holds: {current} against {baseline} recorded on {} (floor {floor})",
                short_id(at)
            ));
            Vec::new()
        }
        Ratchet::Lowered { at, record, floor, current, reason: Some(why) } => {
            notes.push(format!(
                "coverage ratchet: {current} is below {} recorded on {} (floor {floor}), allowed for: {why}",
                record.total,
                short_id(at)
            ));
            Vec::new()
        }
        Ratchet::Lowered { at, record, floor, current, reason: None } => rules::finding(
            policy,
            "coverage.ratchet",
            format!(
                "line coverage {current} is below {} recorded on {} (the floor, less [coverage] ratchet-tolerance, is {floor})",
                record.total,
                short_id(at)
            ),
            format!("add tests for the lines the change leaves uncovered; if it lowers coverage on purpose, say why in a `{}: <reason>` trailer of one of its commits", ratchet::REASON_TRAILER),
        )
        .into_iter()
        .collect(),
    }
}

/// `--record`: writes the run's totals on `head`, unless the ratchet refuses a drop without a
/// reason (then a finding, and nothing written).
fn record(
    repo: &Repo,
    policy: &Policy,
    cov: &CoveragePolicy,
    head: &str,
    report: &GateReport,
    given_reason: Option<&str>,
    err: &mut dyn Write,
) -> Result<Vec<Finding>> {
    let mut previous = None;
    let mut reason = None;
    if cov.ratchet {
        // The commit's own earlier records are reruns, not its baseline.
        let parent = repo.parents(head)?.into_iter().next();
        if let Some(parent) = parent {
            let mut why = |at: &str| match given_reason {
                Some(r) => Ok(Some(r.to_string())),
                None => reason_since(repo, at, head),
            };
            let verdict = judge_ratchet(repo, cov, &parent, report.total, &mut why)?;
            let found = ratchet_findings(policy, &verdict, &mut Vec::new());
            if crate::finding::has_errors(&found) {
                writeln!(err, "git-policy: coverage not recorded: it would lower the ratchet without a reason (--reason TEXT records one)").map_err(io_err)?;
                return Ok(found);
            }
            if let Ratchet::Lowered { reason: why, record, .. } = verdict {
                previous = Some(record);
                reason = why;
            }
        }
    }
    if let Some(branch) = repo.current_branch()? {
        if !policy.trunk.branches.contains(&branch) {
            // Records on other branches are kept, but only trunk's history holds a baseline.
            writeln!(
                err,
                "git-policy: warning: recording on `{branch}`, not a trunk branch ({}); the ratchet and the release gate read records on trunk's history",
                policy.trunk.branches.join(", ")
            )
            .map_err(io_err)?;
        }
    }
    let e = ratchet::event(crate::env::now(), report.total, report.branches, previous.as_ref(), reason.as_deref());
    repo.append_notes(
        &events::notes_ref(COVERAGE_STREAM),
        &[(head.to_string(), vec![e.to_line()])],
        "git-policy: coverage recorded",
    )?;
    writeln!(
        err,
        "git-policy: recorded line coverage {} on {} in refs/notes/git-policy/{COVERAGE_STREAM}",
        report.total.percent().map_or_else(|| "n/a".to_string(), |p| p.to_string()),
        short_id(head)
    )
    .map_err(io_err)?;
    Ok(Vec::new())
}

fn rule_of(kind: GateKind) -> &'static str {
    match kind {
        GateKind::Total => "coverage.total",
        GateKind::Branch => "coverage.branch",
        GateKind::File => "coverage.file",
        GateKind::Patch => "coverage.patch",
        GateKind::UncoveredPatchLines => "coverage.uncovered-patch-lines",
    }
}

fn shown(m: &Measure) -> String {
    match m {
        Measure::Percent(p) => p.to_string(),
        Measure::Count(n) => n.to_string(),
        Measure::NoData => "n/a".to_string(),
    }
}

fn required(r: &Option<Requirement>) -> String {
    match r {
        Some(Requirement::AtLeast(p)) => format!("at least {p}"),
        Some(Requirement::AtMost(n)) => format!("at most {n}"),
        None => "nothing".to_string(),
    }
}

/// Findings for failed gates and unmapped report paths.
pub fn findings(policy: &Policy, report: &GateReport) -> Vec<Finding> {
    let mut out = Vec::new();
    for g in report.gates.iter().filter(|g| g.verdict == Verdict::Fail) {
        let mut msg = format!("{} is {}, {} required", g.kind.key(), shown(&g.actual), required(&g.required));
        if let Some(n) = &g.note {
            msg.push_str(&format!(" ({n})"));
        }
        if !g.offenders.is_empty() {
            let list: Vec<&str> = g.offenders.iter().take(10).map(String::as_str).collect();
            msg.push_str(&format!(
                ": {}{}",
                list.join(", "),
                if g.offenders.len() > 10 { format!(" and {} more", g.offenders.len() - 10) } else { String::new() }
            ));
        }
        let help = match g.kind {
            GateKind::Patch | GateKind::UncoveredPatchLines => "write tests that run the changed lines listed under \"uncovered changed lines\"",
            _ => "add tests for the least covered files (see the table), or lower the bar in [coverage] where the policy allows",
        };
        out.extend(rules::finding(policy, rule_of(g.kind), msg, help.into()));
    }
    if !report.unmapped.is_empty() {
        let list: Vec<&str> = report.unmapped.iter().take(10).map(String::as_str).collect();
        out.extend(rules::finding(
            policy,
            "coverage.unmapped",
            format!("{} report path(s) match no file of the repository: {}", report.unmapped.len(), list.join(", ")),
            "add a [[coverage.path-map]] rule (from = \"<prefix in the report>\", to = \"<repository prefix>\")".into(),
        ));
    }
    out
}

fn pct(t: &coverage::Tally) -> String {
    t.percent().map_or_else(|| "n/a".to_string(), |p| p.to_string())
}

/// The text report. With a change, the table lists the files it touches and the files below
/// their minimum (a monorepo has tens of thousands of rows; `--format json` has them all).
fn text(report: &GateReport, reports: &[PathBuf], with_change: bool, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "coverage from {} report(s)", reports.len())?;
    let rows: Vec<&coverage::FileRow> = report
        .files
        .iter()
        .filter(|f| !with_change || f.patch.measured > 0 || f.verdict == Some(Verdict::Fail))
        .collect();
    let width = rows.iter().map(|f| f.path.len()).max().unwrap_or(4).clamp(4, 70);
    writeln!(out, "{:<width$}  {:>7}  {:>7}  {:>8}  {:>8}", "file", "lines", "covered", "percent", "patch")?;
    if rows.len() < report.files.len() {
        writeln!(
            out,
            "({} of {} files: those the change touches or below their minimum; --format json lists all)",
            rows.len(),
            report.files.len()
        )?;
    }
    for f in rows {
        let patch = if f.patch.measured > 0 { pct(&f.patch) } else { "-".to_string() };
        writeln!(
            out,
            "{:<width$}  {:>7}  {:>7}  {:>8}  {:>8}",
            f.path,
            f.lines.measured,
            f.lines.covered,
            pct(&f.lines),
            patch
        )?;
    }
    writeln!(out, "total lines: {} ({}/{})", pct(&report.total), report.total.covered, report.total.measured)?;
    if report.branches.measured > 0 {
        writeln!(
            out,
            "branches: {} ({}/{})",
            pct(&report.branches),
            report.branches.covered,
            report.branches.measured
        )?;
    }
    writeln!(out, "changed lines: {} ({}/{})", pct(&report.patch), report.patch.covered, report.patch.measured)?;
    if !report.uncovered_patch.is_empty() {
        writeln!(out, "uncovered changed lines:")?;
        for r in &report.uncovered_patch {
            writeln!(out, "  {r}")?;
        }
    }
    if !report.missing_files.is_empty() {
        writeln!(out, "changed source files no report covers: {}", report.missing_files.join(", "))?;
    }
    if !report.unmapped.is_empty() {
        writeln!(out, "report paths matching no repository file: {}", report.unmapped.join(", "))?;
    }
    for g in &report.gates {
        writeln!(
            out,
            "gate {:<26} {:<4}  {} ({} required)",
            g.kind.key(),
            g.verdict.to_string(),
            shown(&g.actual),
            required(&g.required)
        )?;
    }
    Ok(())
}

fn json(report: &GateReport, reports: &[PathBuf], findings: &[Finding]) -> serde_json::Value {
    let tally = |t: &coverage::Tally| json!({"measured": t.measured, "covered": t.covered, "percent": t.percent().map(|p| p.to_string())});
    json!({
        "reports": reports.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "total": tally(&report.total),
        "branches": tally(&report.branches),
        "patch": tally(&report.patch),
        "files": report.files.iter().map(|f| json!({"path": f.path, "lines": tally(&f.lines), "branches": tally(&f.branches), "patch": tally(&f.patch), "min": f.min.map(|m| m.to_string()), "verdict": f.verdict.map(|v| v.to_string())})).collect::<Vec<_>>(),
        "uncovered_changed_lines": report.uncovered_patch.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "missing_files": report.missing_files,
        "unmapped": report.unmapped,
        "gates": report.gates.iter().map(|g| json!({"gate": g.kind.key(), "verdict": g.verdict.to_string(), "actual": shown(&g.actual), "required": required(&g.required), "offenders": g.offenders, "note": g.note})).collect::<Vec<_>>(),
        "findings": findings,
    })
}

fn markdown(report: &GateReport, out: &mut dyn Write) -> std::io::Result<()> {
    let icon = |v: Verdict| match v {
        Verdict::Pass => "✅",
        Verdict::Fail => "❌",
        Verdict::NotApplicable => "➖",
    };
    writeln!(out, "### Coverage\n")?;
    writeln!(out, "| gate | result | measured | required |\n|---|---|---|---|")?;
    for g in &report.gates {
        writeln!(
            out,
            "| `{}` | {} {} | {} | {} |",
            g.kind.key(),
            icon(g.verdict),
            g.verdict,
            shown(&g.actual),
            required(&g.required)
        )?;
    }
    writeln!(
        out,
        "\nTotal lines **{}** ({}/{}), changed lines **{}** ({}/{}).\n",
        pct(&report.total),
        report.total.covered,
        report.total.measured,
        pct(&report.patch),
        report.patch.covered,
        report.patch.measured
    )?;
    let touched: Vec<_> = report.files.iter().filter(|f| f.patch.measured > 0).collect();
    if !touched.is_empty() {
        writeln!(out, "| changed file | lines | patch |\n|---|---|---|")?;
        for f in touched {
            writeln!(out, "| `{}` | {} | {} |", f.path, pct(&f.lines), pct(&f.patch))?;
        }
    }
    if !report.uncovered_patch.is_empty() {
        writeln!(out, "\n<details><summary>Uncovered changed lines</summary>\n")?;
        for r in &report.uncovered_patch {
            writeln!(out, "- `{r}`")?;
        }
        writeln!(out, "\n</details>")?;
    }
    Ok(())
}

fn github(report: &GateReport, findings: &[Finding], out: &mut dyn Write) -> std::io::Result<()> {
    for r in &report.uncovered_patch {
        writeln!(
            out,
            "::warning file={},line={},endLine={},title=coverage.patch::Changed lines {}-{} are not covered by tests",
            r.path, r.start, r.end, r.start, r.end
        )?;
    }
    let rep = crate::report::Report { subject: "coverage", findings, skipped: &[], notes: &[] };
    crate::report::render(crate::report::Format::Github, &rep, crate::report::Style::for_terminal(false), out)
}

/// `git-policy coverage [REPORT...] [--base REV]`
pub fn run(args: &CoverageArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8> {
    let repo = Repo::discover()?;
    let head = repo.resolve_commit("HEAD")?;
    let (loaded, base) = match &args.base {
        Some(b) => {
            let b = repo.resolve_commit(b)?;
            // Patch coverage is measured from the merge base, as `git diff BASE...HEAD` shows it.
            let mb = repo.merge_base(&b, &head)?.unwrap_or(b);
            (super::load_policy_at(&repo, &mb)?, Some(mb))
        }
        None => (super::load_policy(Some(&repo))?, None),
    };
    let policy = &loaded.policy;
    let cov = policy.coverage.clone().unwrap_or_default();
    let root =
        repo.workdir().ok_or_else(|| Error::usage("coverage needs a work tree", "run it in a clone"))?.to_path_buf();
    let reports = if args.reports.is_empty() {
        find_reports(&root, &cov.reports)?
    } else {
        args.reports
            .iter()
            .map(|r| {
                if r.is_absolute() {
                    r.clone()
                } else {
                    std::env::current_dir().map(|d| d.join(r)).unwrap_or_else(|_| r.clone())
                }
            })
            .collect()
    };
    if reports.is_empty() {
        return Err(Error::usage(
            format!("no coverage report found (looked for {})", cov.reports.join(", ")),
            "run your tests with coverage first, name the reports (git-policy coverage lcov.info), or set [coverage] reports",
        ));
    }
    let report = measure(&repo, &cov, &reports, args.report_format, base.as_deref().map(|b| (b, head.as_str())))?;
    let mut found = findings(policy, &report);
    let mut ratchet_notes = Vec::new();
    if let (true, Some(b)) = (cov.ratchet, base.as_deref()) {
        let verdict = judge_ratchet(&repo, &cov, b, report.total, &mut |at| reason_since(&repo, at, &head))?;
        found.extend(ratchet_findings(policy, &verdict, &mut ratchet_notes));
    }
    if args.record {
        found.extend(record(&repo, policy, &cov, &head, &report, args.reason.as_deref(), err)?);
    }
    match args.format {
        CoverageFormat::Text => text(&report, &reports, base.is_some(), out).map_err(io_err)?,
        CoverageFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &json(&report, &reports, &found)).map_err(|e| io_err(e.into()))?;
            writeln!(out).map_err(io_err)?;
        }
        CoverageFormat::Markdown => markdown(&report, out).map_err(io_err)?,
        CoverageFormat::Github => github(&report, &found, out).map_err(io_err)?,
    }
    if args.format == CoverageFormat::Text && !(found.is_empty() && ratchet_notes.is_empty()) {
        let rep = crate::report::Report { subject: "coverage", findings: &found, skipped: &[], notes: &ratchet_notes };
        use std::io::IsTerminal;
        crate::report::render(
            crate::report::Format::Text,
            &rep,
            crate::report::Style::for_terminal(std::io::stdout().is_terminal()),
            out,
        )
        .map_err(io_err)?;
    }
    Ok(u8::from(crate::finding::has_errors(&found)))
}
