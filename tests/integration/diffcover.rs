//! git-policy's patch coverage beside diff-cover's on a real Python project measured by
//! coverage.py: the same measured lines, uncovered lines, per-file and total figures.
//! Skipped when python3 with coverage and diff-cover is missing, unless
//! `GIT_POLICY_REQUIRE_DIFF_COVER=1` (CI sets it), which makes that a failure.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use crate::common::Env;

fn tools_available() -> bool {
    let ok = |c: &mut Command| c.output().is_ok_and(|o| o.status.success());
    let found = ok(Command::new("python3").args(["-m", "coverage", "--version"]))
        && ok(Command::new("diff-cover").arg("--version"));
    if !found && std::env::var_os("GIT_POLICY_REQUIRE_DIFF_COVER").is_some() {
        panic!("GIT_POLICY_REQUIRE_DIFF_COVER is set but python3 -m coverage or diff-cover is missing (pip install coverage diff-cover)");
    }
    found
}

const CALC_V1: &str = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n\n\ndef mul(a, b):\n    result = 0\n    for _ in range(b):\n        result = add(result, a)\n    return result\n";

const CALC_V2: &str = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    if a < b:\n        return -(b - a)\n    return a - b\n\n\ndef mul(a, b):\n    result = 0\n    for _ in range(b):\n        result = add(result, a)\n    return result\n\n\ndef div(a, b):\n    if b == 0:\n        raise ZeroDivisionError(\"b\")\n    return a // b\n";

const TEXT_V2: &str = "\"\"\"Text helpers.\"\"\"\n\n\ndef shout(s):\n    return s.upper() + \"!\"\n\n\ndef whisper(s):\n    quiet = s.lower()\n    return quiet + \"...\"\n\n\nCONSTANT = 3\n";

const DRIVER: &str = "import sys\nsys.path.insert(0, '.')\nfrom pkg import calc, text\nassert calc.add(1, 2) == 3\nassert calc.sub(5, 3) == 2\nassert calc.div(6, 3) == 2\nassert text.shout('a') == 'A!'\n";

fn run(dir: &Path, prog: &str, args: &[&str]) {
    let out = Command::new(prog).current_dir(dir).args(args).env("GIT_CONFIG_GLOBAL", "/dev/null").output().unwrap();
    assert!(
        out.status.success(),
        "{prog} {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn patch_coverage_matches_diff_cover() {
    if !tools_available() {
        return;
    }
    let env = Env::new();
    let repo = env.repo("py");
    env.write(&repo, "pkg/__init__.py", "");
    env.write(&repo, "pkg/calc.py", CALC_V1);
    env.write(&repo, ".gitignore", "driver.py\n.coverage\ncoverage.xml\ndc.json\n__pycache__/\n");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: calc"]);
    env.git(&repo, &["switch", "-q", "-c", "feat/more"]);
    env.write(&repo, "pkg/calc.py", CALC_V2);
    env.write(&repo, "pkg/text.py", TEXT_V2);
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: div and text"]);
    env.write(&repo, "driver.py", DRIVER);
    run(&repo, "python3", &["-m", "coverage", "run", "--branch", "--source=pkg", "driver.py"]);
    run(&repo, "python3", &["-m", "coverage", "xml", "-o", "coverage.xml"]);
    run(
        &repo,
        "diff-cover",
        &["coverage.xml", "--compare-branch=main", "--ignore-staged", "--ignore-unstaged", "--format", "json:dc.json"],
    );
    let dc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(repo.join("dc.json")).unwrap()).unwrap();
    let out = env
        .gp(&repo)
        .env("GIT_POLICY_FILE", env.no_review_policy())
        .args(["coverage", "coverage.xml", "--base", "main", "--format", "json"])
        .output()
        .unwrap();
    let ours: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    let lines = |v: &serde_json::Value| -> BTreeSet<u64> {
        v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect()
    };
    let mut total_measured = 0;
    let mut total_uncovered = 0;
    for (path, stats) in dc["src_stats"].as_object().unwrap() {
        let violations = lines(&stats["violation_lines"]);
        let covered = lines(&stats["covered_lines"]);
        let row = ours["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path.as_str())
            .unwrap_or_else(|| panic!("{path} missing: {ours}"));
        assert_eq!(
            row["patch"]["measured"],
            (violations.len() + covered.len()) as u64,
            "{path}: measured lines\n{dc}\n{ours}"
        );
        assert_eq!(row["patch"]["covered"], covered.len() as u64, "{path}: covered lines");
        let our_uncovered: BTreeSet<u64> = ours["uncovered_changed_lines"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r.as_str().unwrap().strip_prefix(&format!("{path}:")).map(str::to_string))
            .flat_map(|r| {
                let (a, b) = r.split_once('-').unwrap_or((&r, &r));
                let (a, b): (u64, u64) = (a.parse().unwrap(), b.parse().unwrap());
                a..=b
            })
            .collect();
        assert_eq!(our_uncovered, violations, "{path}: uncovered changed lines");
        total_measured += violations.len() + covered.len();
        total_uncovered += violations.len();
    }
    assert_eq!(dc["total_num_lines"], total_measured as u64);
    assert_eq!(dc["total_num_violations"], total_uncovered as u64);
    assert_eq!(ours["patch"]["measured"], total_measured as u64);
    assert_eq!(ours["patch"]["covered"], (total_measured - total_uncovered) as u64);
    // diff-cover rounds its percentage; ours floors to two decimals: the same figure within a rounding step.
    let theirs = dc["total_percent_covered"].as_f64().unwrap();
    let mine: f64 = ours["patch"]["percent"].as_str().unwrap().trim_end_matches('%').parse().unwrap();
    assert!((theirs - mine).abs() < 1.0, "diff-cover {theirs}% vs {mine}%");
    assert!(total_measured > 5 && total_uncovered > 0, "the fixture exercises both kinds of lines");
}
