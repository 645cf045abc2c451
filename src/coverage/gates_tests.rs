//! Gate tests: exact thresholds, diff-cover's measured-line rules, fail-closed missing files.

use std::collections::{BTreeMap, BTreeSet};

use super::gates::{evaluate, GateKind, LineRange, Measure, Verdict};
use super::model::{Coverage, FileCoverage};
use crate::policy::load;
use crate::policy::model::{Coverage as Policy, Policy as Whole};
use crate::policy::units::Percent;

fn policy(toml: &str) -> Policy {
    let (raw, _) = load::parse("policy.toml", &format!("[coverage]\n{toml}")).unwrap();
    Whole::from_raw(&raw).unwrap().coverage.unwrap()
}

fn cov(files: &[(&str, &[(u32, u64)])]) -> Coverage {
    let mut c = Coverage::default();
    for (path, lines) in files {
        let mut f = FileCoverage::default();
        for &(l, h) in *lines {
            f.add_line(l, h);
        }
        c.merge_file(path, f);
    }
    c
}

fn changed(files: &[(&str, &[u32])]) -> BTreeMap<String, BTreeSet<u32>> {
    files.iter().map(|(p, ls)| (p.to_string(), ls.iter().copied().collect())).collect()
}

fn gate(r: &super::gates::GateReport, kind: GateKind) -> &super::gates::Gate {
    r.gates.iter().find(|g| g.kind == kind).unwrap()
}

/// 1_000_000 executable lines with 949_975 covered: 94.9975%.
fn nearly_95() -> Coverage {
    let f = FileCoverage {
        lines: (1..=1_000_000u32).map(|l| (l, u64::from(l <= 949_975))).collect(),
        ..FileCoverage::default()
    };
    let mut c = Coverage::default();
    c.merge_file("src/big.rs", f);
    c
}

#[test]
fn coverage_gate_total_compares_exactly_and_displays_floored() {
    let r = evaluate(&nearly_95(), &policy("min-total = 95"), &BTreeMap::new(), &[]);
    let g = gate(&r, GateKind::Total);
    assert_eq!(g.verdict, Verdict::Fail);
    let Measure::Percent(p) = g.actual else { panic!("{:?}", g.actual) };
    assert_eq!(p.to_string(), "94.99%");
    assert!(p < Percent::parse("95").unwrap());
    let r = evaluate(&nearly_95(), &policy("min-total = 94.9975"), &BTreeMap::new(), &[]);
    assert_eq!(gate(&r, GateKind::Total).verdict, Verdict::Pass);
    let r = evaluate(&nearly_95(), &policy("min-total = \"94.99751%\""), &BTreeMap::new(), &[]);
    assert_eq!(gate(&r, GateKind::Total).verdict, Verdict::Fail);
    assert!(!r.passed());
}

#[test]
fn coverage_gate_patch_counts_only_measured_changed_lines() {
    // Lines 1-3 and 10 are executable; 5 (a comment) is changed but not measured; 20 is outside the diff.
    let c = cov(&[("src/a.py", &[(1, 1), (2, 0), (3, 0), (10, 1), (20, 0)])]);
    let ch = changed(&[("src/a.py", &[1, 2, 3, 5, 10])]);
    let r = evaluate(&c, &policy("min-patch = 50\nmax-uncovered-patch-lines = 1"), &ch, &[]);
    assert_eq!((r.patch.measured, r.patch.covered), (4, 2));
    assert_eq!(r.uncovered_patch, vec![LineRange { path: "src/a.py".into(), start: 2, end: 3 }]);
    assert_eq!(r.uncovered_patch[0].to_string(), "src/a.py:2-3");
    assert_eq!(gate(&r, GateKind::Patch).verdict, Verdict::Pass);
    let u = gate(&r, GateKind::UncoveredPatchLines);
    assert_eq!((u.verdict, u.actual), (Verdict::Fail, Measure::Count(2)));
    assert_eq!(u.offenders, vec!["src/a.py:2-3".to_owned()]);
}

#[test]
fn coverage_gate_missing_changed_source_fails_closed_but_docs_do_not() {
    let c = cov(&[("src/a.rs", &[(1, 1)])]);
    let ch = changed(&[("src/a.rs", &[1]), ("src/new.rs", &[1, 2]), ("README.md", &[3]), ("Cargo.lock", &[9])]);
    let r = evaluate(&c, &policy("min-patch = 80"), &ch, &[]);
    assert_eq!(r.missing_files, vec!["src/new.rs".to_owned()]);
    let g = gate(&r, GateKind::Patch);
    assert_eq!(g.verdict, Verdict::Fail);
    assert_eq!(g.offenders, vec!["src/new.rs (no coverage data)".to_owned()]);
    // Excluding it lets the change pass.
    let r = evaluate(&c, &policy("min-patch = 80\nexclude = [\"src/new.rs\"]"), &ch, &[]);
    assert_eq!(gate(&r, GateKind::Patch).verdict, Verdict::Pass);
    // A docs-only change has nothing measurable: n/a, or a failure under no-data = "fail".
    let docs = changed(&[("README.md", &[1])]);
    let r = evaluate(&c, &policy("min-patch = 80"), &docs, &[]);
    assert_eq!(gate(&r, GateKind::Patch).verdict, Verdict::NotApplicable);
    let r = evaluate(&c, &policy("min-patch = 80\nno-data = \"fail\""), &docs, &[]);
    assert_eq!(gate(&r, GateKind::Patch).verdict, Verdict::Fail);
    // No change at all: the patch gates are not run.
    let r = evaluate(&c, &policy("min-patch = 80\nno-data = \"fail\""), &BTreeMap::new(), &[]);
    assert_eq!(gate(&r, GateKind::Patch).verdict, Verdict::NotApplicable);
}

#[test]
fn coverage_gate_file_minimums_first_override_wins_and_exclude_drops() {
    let c = cov(&[
        ("src/core.rs", &[(1, 1), (2, 1), (3, 1), (4, 0)]),
        ("src/gen/api.rs", &[(1, 0), (2, 0)]),
        ("src/cli.rs", &[(1, 1), (2, 0)]),
        ("src/empty.rs", &[]),
        ("vendor/x.c", &[(1, 0)]),
    ]);
    let p = policy(
        "min-file = 60\nexclude = [\"vendor/**\"]\n\
         [[coverage.files]]\npaths = [\"src/cli.rs\"]\nmin = 50\n\
         [[coverage.files]]\npaths = [\"src/*.rs\"]\nmin = 90\n",
    );
    let r = evaluate(&c, &p, &BTreeMap::new(), &["/usr/include/stdio.h".into(), "vendor/y.c".into()]);
    let row = |path: &str| r.files.iter().find(|f| f.path == path).unwrap();
    assert_eq!(row("src/cli.rs").verdict, Some(Verdict::Pass));
    assert_eq!(row("src/core.rs").verdict, Some(Verdict::Fail));
    assert_eq!(row("src/core.rs").min, Some(Percent::parse("90").unwrap()));
    assert_eq!(row("src/gen/api.rs").verdict, Some(Verdict::Fail));
    assert_eq!(row("src/empty.rs").verdict, Some(Verdict::NotApplicable));
    assert!(r.files.iter().all(|f| f.path != "vendor/x.c"));
    assert_eq!(r.unmapped, vec!["/usr/include/stdio.h".to_owned()]);
    let g = gate(&r, GateKind::File);
    assert_eq!(g.verdict, Verdict::Fail);
    assert_eq!(g.offenders, vec!["src/core.rs".to_owned(), "src/gen/api.rs".to_owned()]);
    assert_eq!((r.total.measured, r.total.covered), (8, 4));
}

#[test]
fn coverage_gate_no_data_follows_policy() {
    let empty = Coverage::default();
    let r = evaluate(&empty, &policy("min-total = 80\nmin-branch = 50"), &BTreeMap::new(), &[]);
    assert!(r.gates.iter().all(|g| g.verdict == Verdict::NotApplicable));
    assert!(r.passed());
    let r = evaluate(&empty, &policy("min-total = 80\nno-data = \"fail\""), &BTreeMap::new(), &[]);
    assert_eq!(gate(&r, GateKind::Total).verdict, Verdict::Fail);
}

#[test]
fn coverage_gate_branches_are_their_own_metric() {
    let mut f = FileCoverage::default();
    f.add_line(3, 5);
    f.add_branch(3, "0,0", true);
    f.add_branch(3, "0,1", false);
    let mut c = Coverage::default();
    c.merge_file("src/a.c", f);
    let r = evaluate(&c, &policy("min-total = 100\nmin-branch = 50.01"), &BTreeMap::new(), &[]);
    assert_eq!(gate(&r, GateKind::Total).verdict, Verdict::Pass);
    assert_eq!(gate(&r, GateKind::Branch).verdict, Verdict::Fail);
    assert_eq!(r.branches.percent().unwrap().to_string(), "50.00%");
}
