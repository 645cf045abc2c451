//! Gate evaluation: merged, mapped coverage and a diff's changed lines judged against `[coverage]`.
//!
//! Semantics, chosen to match diff-cover where it is right and to fail closed where it is not:
//! * A changed line is *measured* when the report lists it as an executable line of that file;
//!   comments, blank lines and continuation lines drop out. Lines outside the diff never count in
//!   the patch gates (the total and per-file gates see them).
//! * A measured line is covered when its merged hits are above 0 (covered in any report).
//! * A changed **source** file (see [`super::source`]) that no report mentions at all, and that is
//!   not excluded, fails `min-patch` and `max-uncovered-patch-lines` and is listed; diff-cover
//!   silently skips it. Changed non-source files (docs, config, images) are ignored.
//! * `exclude` globs drop files from every gate, from the rows and from the unmapped list.
//! * Percentages compare exactly (`Percent` is a rational): 94.9975% fails 95%.
//! * A gate with nothing to measure is n/a when `no-data` passes, a failure otherwise. An empty
//!   `changed` map means no change is being gated: the patch gates are then n/a. A single file
//!   with no executable lines is n/a for `min-file` whatever `no-data` says (there is nothing in
//!   it to test).
//! * `min-file` uses the first `files` override whose globs match, else `min-file`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::model::{Coverage, FileCoverage};
use super::source::is_source;
use crate::policy::model::Coverage as Policy;
use crate::policy::units::Percent;

/// Covered out of measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Items measured (executable lines, branches, changed executable lines).
    pub measured: u64,
    /// Items covered.
    pub covered: u64,
}

impl Tally {
    /// `covered / measured` exactly; `None` when nothing was measured.
    pub fn percent(&self) -> Option<Percent> {
        Percent::ratio(self.covered, self.measured)
    }

    fn add(&mut self, other: Tally) {
        self.measured += other.measured;
        self.covered += other.covered;
    }
}

/// The outcome of one gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The threshold is met.
    Pass,
    /// The threshold is missed, or there was no data and `no-data = "fail"`.
    Fail,
    /// Nothing to measure and `no-data = "pass"` (or no change to gate); counts as passing.
    NotApplicable,
}

impl Verdict {
    /// Whether the verdict lets the check pass.
    pub fn passes(self) -> bool {
        self != Verdict::Fail
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::NotApplicable => "n/a",
        })
    }
}

/// Which gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateKind {
    /// `min-total`: line coverage of the whole project.
    Total,
    /// `min-branch`: branch coverage of the whole project.
    Branch,
    /// `min-file` and `files`: line coverage of each file.
    File,
    /// `min-patch`: coverage of the changed executable lines.
    Patch,
    /// `max-uncovered-patch-lines`: how many changed executable lines may stay uncovered.
    UncoveredPatchLines,
}

impl GateKind {
    /// The policy key the gate comes from.
    pub fn key(self) -> &'static str {
        match self {
            GateKind::Total => "min-total",
            GateKind::Branch => "min-branch",
            GateKind::File => "min-file",
            GateKind::Patch => "min-patch",
            GateKind::UncoveredPatchLines => "max-uncovered-patch-lines",
        }
    }
}

/// What a gate measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// A percentage.
    Percent(Percent),
    /// A count (uncovered lines; failing files for `min-file`).
    Count(u64),
    /// Nothing could be measured.
    NoData,
}

/// What a gate requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// At least this percentage (for `min-file`, the default minimum; overrides are per row).
    AtLeast(Percent),
    /// At most this many.
    AtMost(u64),
}

/// One gate's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    /// Which gate.
    pub kind: GateKind,
    /// Its outcome.
    pub verdict: Verdict,
    /// What was measured.
    pub actual: Measure,
    /// What the policy asks; `None` for `min-file` when only `files` overrides are set.
    pub required: Option<Requirement>,
    /// What made it fail: failing files, `file:10-12` ranges, files with no coverage data.
    pub offenders: Vec<String>,
    /// Why it is n/a or failed without a measurement, when that needs saying.
    pub note: Option<String>,
}

/// A run of consecutive changed lines that are executable and uncovered.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineRange {
    /// Repository path.
    pub path: String,
    /// First line.
    pub start: u32,
    /// Last line (equal to `start` for one line).
    pub end: u32,
}

impl fmt::Display for LineRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}:{}", self.path, self.start)
        } else {
            write!(f, "{}:{}-{}", self.path, self.start, self.end)
        }
    }
}

/// One file's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRow {
    /// Repository path.
    pub path: String,
    /// Executable lines and covered lines.
    pub lines: Tally,
    /// Line coverage, `None` with no executable lines.
    pub percent: Option<Percent>,
    /// Branches and taken branches.
    pub branches: Tally,
    /// Changed executable lines and the covered ones among them.
    pub patch: Tally,
    /// The `min-file` minimum that applies, if any.
    pub min: Option<Percent>,
    /// The `min-file` verdict, if a minimum applies.
    pub verdict: Option<Verdict>,
}

/// Everything the gates found; renderers take it from here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GateReport {
    /// A row per covered, non-excluded file, by path.
    pub files: Vec<FileRow>,
    /// Line coverage of all rows.
    pub total: Tally,
    /// Branch coverage of all rows.
    pub branches: Tally,
    /// Coverage of the changed executable lines.
    pub patch: Tally,
    /// Uncovered changed executable lines, as ranges.
    pub uncovered_patch: Vec<LineRange>,
    /// Changed source files that no report mentions (not excluded).
    pub missing_files: Vec<String>,
    /// Report paths that matched no repository file (not excluded).
    pub unmapped: Vec<String>,
    /// Results of the gates the policy sets, in a fixed order.
    pub gates: Vec<Gate>,
}

impl GateReport {
    /// Whether every gate passes.
    pub fn passed(&self) -> bool {
        self.gates.iter().all(|g| g.verdict.passes())
    }
}

/// Judges coverage against the policy; see the module doc for the rules.
///
/// `coverage` is mapped to repository paths and merged; `changed` maps repository paths to the
/// added or modified line numbers of the change (empty when no change is gated); `unmapped` are
/// report paths that matched no repository file.
pub fn evaluate(
    coverage: &Coverage,
    policy: &Policy,
    changed: &BTreeMap<String, BTreeSet<u32>>,
    unmapped: &[String],
) -> GateReport {
    judge(coverage, policy, changed, unmapped, changed.is_empty())
}

/// Like [`evaluate`], saying explicitly whether a change is gated: `Some` with no lines is a
/// change that adds nothing measurable (a pure rename), whose patch gates follow `no-data`;
/// `None` is no change at all, whose patch gates are n/a.
pub fn evaluate_change(
    coverage: &Coverage,
    policy: &Policy,
    changed: Option<&BTreeMap<String, BTreeSet<u32>>>,
    unmapped: &[String],
) -> GateReport {
    let none = BTreeMap::new();
    judge(coverage, policy, changed.unwrap_or(&none), unmapped, changed.is_none())
}

fn judge(
    coverage: &Coverage,
    policy: &Policy,
    changed: &BTreeMap<String, BTreeSet<u32>>,
    unmapped: &[String],
    no_change: bool,
) -> GateReport {
    let mut report = GateReport {
        // Sized once: growing a row per file by doubling held ~1.5x the rows at the last step,
        // the peak of a whole 27,000-file gate run.
        files: Vec::with_capacity(coverage.files.len()),
        total: Tally::default(),
        branches: Tally::default(),
        patch: Tally::default(),
        uncovered_patch: Vec::new(),
        missing_files: Vec::new(),
        unmapped: unmapped.iter().filter(|p| !policy.exclude.is_match(p)).cloned().collect(),
        gates: Vec::new(),
    };
    for (path, file) in &coverage.files {
        if policy.exclude.is_match(path) {
            continue;
        }
        let row = file_row(path, file, policy, changed.get(path), &mut report.uncovered_patch);
        report.total.add(row.lines);
        report.branches.add(row.branches);
        report.patch.add(row.patch);
        report.files.push(row);
    }
    for (path, lines) in changed {
        if !lines.is_empty() && !coverage.files.contains_key(path) && !policy.exclude.is_match(path) && is_source(path)
        {
            report.missing_files.push(path.clone());
        }
    }
    report.gates = gates(&report, policy, no_change);
    report
}

fn file_row(
    path: &str,
    file: &FileCoverage,
    policy: &Policy,
    changed: Option<&BTreeSet<u32>>,
    uncovered: &mut Vec<LineRange>,
) -> FileRow {
    let lines = Tally { measured: file.lines.len() as u64, covered: file.covered_lines() };
    let branches = Tally { measured: file.branches.len() as u64, covered: file.taken_branches() };
    let mut patch = Tally::default();
    let mut run: Option<(u32, u32)> = None;
    for &l in changed.into_iter().flatten() {
        let Some(&hits) = file.lines.get(&l) else { continue };
        patch.measured += 1;
        if hits > 0 {
            patch.covered += 1;
            continue;
        }
        run = match run {
            Some((s, e)) if e.checked_add(1) == Some(l) => Some((s, l)),
            Some((s, e)) => {
                uncovered.push(LineRange { path: path.to_owned(), start: s, end: e });
                Some((l, l))
            }
            None => Some((l, l)),
        };
    }
    if let Some((s, e)) = run {
        uncovered.push(LineRange { path: path.to_owned(), start: s, end: e });
    }
    let min = policy.files.iter().find(|f| f.paths.is_match(path)).map(|f| f.min).or(policy.min_file);
    let percent = lines.percent();
    let verdict = min.map(|m| match percent {
        None => Verdict::NotApplicable,
        Some(p) if p >= m => Verdict::Pass,
        Some(_) => Verdict::Fail,
    });
    FileRow { path: path.to_owned(), lines, percent, branches, patch, min, verdict }
}

fn no_data(policy: &Policy) -> Verdict {
    if policy.no_data_passes {
        Verdict::NotApplicable
    } else {
        Verdict::Fail
    }
}

fn at_least(kind: GateKind, tally: Tally, min: Percent, policy: &Policy, what: &str) -> Gate {
    let (verdict, actual, note) = match tally.percent() {
        Some(p) => (if p >= min { Verdict::Pass } else { Verdict::Fail }, Measure::Percent(p), None),
        None => (no_data(policy), Measure::NoData, Some(format!("no {what} to measure"))),
    };
    Gate { kind, verdict, actual, required: Some(Requirement::AtLeast(min)), offenders: Vec::new(), note }
}

fn gates(r: &GateReport, policy: &Policy, no_change: bool) -> Vec<Gate> {
    let mut out = Vec::new();
    if let Some(min) = policy.min_total {
        out.push(at_least(GateKind::Total, r.total, min, policy, "executable lines"));
    }
    if let Some(min) = policy.min_branch {
        out.push(at_least(GateKind::Branch, r.branches, min, policy, "branches"));
    }
    if policy.min_file.is_some() || !policy.files.is_empty() {
        out.push(file_gate(r, policy));
    }
    let missing: Vec<String> = r.missing_files.iter().map(|p| format!("{p} (no coverage data)")).collect();
    if let Some(min) = policy.min_patch {
        let mut g = at_least(GateKind::Patch, r.patch, min, policy, "changed executable lines");
        if g.verdict == Verdict::Fail {
            // Where to add tests: the uncovered changed lines, as for max-uncovered-patch-lines.
            g.offenders = r.uncovered_patch.iter().map(ToString::to_string).collect();
        }
        patch_rules(&mut g, &missing, no_change);
        out.push(g);
    }
    if let Some(max) = policy.max_uncovered_patch_lines {
        let uncovered = r.patch.measured - r.patch.covered;
        let mut g = Gate {
            kind: GateKind::UncoveredPatchLines,
            verdict: if uncovered <= max { Verdict::Pass } else { Verdict::Fail },
            actual: Measure::Count(uncovered),
            required: Some(Requirement::AtMost(max)),
            offenders: if uncovered <= max {
                Vec::new()
            } else {
                r.uncovered_patch.iter().map(|x| x.to_string()).collect()
            },
            note: None,
        };
        if r.patch.measured == 0 {
            g.verdict = no_data(policy);
            g.actual = Measure::NoData;
            g.note = Some("no changed executable lines to measure".into());
        }
        patch_rules(&mut g, &missing, no_change);
        out.push(g);
    }
    out
}

/// Files no report covers fail a patch gate; with no change at all, the gate is n/a.
fn patch_rules(g: &mut Gate, missing: &[String], no_change: bool) {
    if no_change {
        *g = Gate {
            verdict: Verdict::NotApplicable,
            actual: Measure::NoData,
            offenders: Vec::new(),
            note: Some("no change to gate".into()),
            ..g.clone()
        };
        return;
    }
    if !missing.is_empty() {
        g.verdict = Verdict::Fail;
        g.offenders.extend(missing.iter().cloned());
        g.note =
            Some("changed source files have no coverage data: is a report missing, or should they be excluded?".into());
    }
}

fn file_gate(r: &GateReport, policy: &Policy) -> Gate {
    let failing: Vec<String> =
        r.files.iter().filter(|f| f.verdict == Some(Verdict::Fail)).map(|f| f.path.clone()).collect();
    let judged = r.files.iter().filter(|f| matches!(f.verdict, Some(Verdict::Pass | Verdict::Fail))).count();
    let (verdict, note) = if !failing.is_empty() {
        (Verdict::Fail, None)
    } else if judged == 0 {
        (no_data(policy), Some("no file with executable lines has a minimum".to_owned()))
    } else {
        (Verdict::Pass, None)
    };
    Gate {
        kind: GateKind::File,
        verdict,
        actual: if judged == 0 { Measure::NoData } else { Measure::Count(failing.len() as u64) },
        required: policy.min_file.map(Requirement::AtLeast),
        offenders: failing,
        note,
    }
}
