//! `git-policy coverage` on real repositories: reports from several tools, patch coverage of a
//! change, exact thresholds, fail-closed cases, and `check` running the gates.

use std::path::Path;

use crate::common::{stdout, Env};

/// main: src/lib.rs (10 lines); branch feat/c adds src/new.rs (5 lines) and changes lib.rs line 3.
fn repo_with_change(env: &Env) -> std::path::PathBuf {
    let repo = env.repo("r");
    let lib: String = (1..=10).map(|i| format!("line {i}\n")).collect();
    env.write(&repo, "src/lib.rs", &lib);
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: lib"]);
    env.git(&repo, &["switch", "-q", "-c", "feat/c"]);
    env.write(&repo, "src/lib.rs", &lib.replace("line 3\n", "line three\n"));
    env.write(&repo, "src/new.rs", "a\nb\nc\nd\ne\n");
    env.write(&repo, "README.md", "docs change\n");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: new"]);
    repo
}

fn lcov(records: &[(&str, &[(u32, u64)])]) -> String {
    let mut s = String::new();
    for (file, lines) in records {
        s.push_str(&format!("TN:\nSF:{file}\n"));
        for (l, h) in *lines {
            s.push_str(&format!("DA:{l},{h}\n"));
        }
        s.push_str("end_of_record\n");
    }
    s
}

fn json(env: &Env, repo: &Path, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    // With --base the policy comes from the base commit; these tests name their policy directly.
    let out = env
        .gp(repo)
        .env("GIT_POLICY_FILE", repo.join(".git-policy.toml"))
        .arg("coverage")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}{}", stdout(&out), String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), v)
}

#[test]
fn patch_coverage_of_a_change() {
    let env = Env::new();
    let repo = repo_with_change(&env);
    let abs = repo.join("src/new.rs").display().to_string();
    // An absolute path from "another machine" is mapped by suffix; lib.rs line 3 is covered.
    let lib: Vec<(u32, u64)> = (1..=10).map(|l| (l, u64::from(l != 7))).collect();
    env.write(
        &repo,
        "lcov.info",
        &lcov(&[("src/lib.rs", &lib), (abs.as_str(), &[(1, 1), (2, 1), (3, 0), (4, 1), (5, 0)])]),
    );
    env.write(&repo, ".git-policy.toml", "[coverage]\nmin-patch = 60\nmin-total = 80\n");
    let (code, v) = json(&env, &repo, &["lcov.info", "--base", "main"]);
    assert_eq!(v["patch"]["measured"], 6, "{v}");
    assert_eq!(v["patch"]["covered"], 4);
    assert_eq!(v["patch"]["percent"], "66.66%");
    assert_eq!(v["total"]["measured"], 15);
    assert_eq!(v["total"]["covered"], 12);
    let ranges: Vec<&str> =
        v["uncovered_changed_lines"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    assert_eq!(ranges, ["src/new.rs:3", "src/new.rs:5"]);
    assert_eq!(code, Some(0), "{v}");
    // 66.66% is below 66.67%: thresholds compare exactly.
    env.write(&repo, ".git-policy.toml", "[coverage]\nmin-patch = 66.67\n");
    let (code, v) = json(&env, &repo, &["lcov.info", "--base", "main"]);
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(v["findings"][0]["rule"], "coverage.patch");
}

#[test]
fn fails_closed_on_changed_files_no_report_covers() {
    let env = Env::new();
    let repo = repo_with_change(&env);
    let lib: Vec<(u32, u64)> = (1..=10).map(|l| (l, 1)).collect();
    env.write(&repo, "lcov.info", &lcov(&[("src/lib.rs", &lib), ("/elsewhere/vendor/x.rs", &[(1, 1)])]));
    env.write(&repo, ".git-policy.toml", "[coverage]\nmin-patch = 50\n");
    let (code, v) = json(&env, &repo, &["lcov.info", "--base", "main"]);
    assert_eq!(code, Some(1), "{v}");
    assert!(v["missing_files"].as_array().unwrap().iter().any(|f| f == "src/new.rs"), "{v}");
    assert!(!v["missing_files"].as_array().unwrap().iter().any(|f| f == "README.md"), "docs are not source");
    assert_eq!(v["unmapped"][0], "/elsewhere/vendor/x.rs");
    let rules: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"coverage.patch") && rules.contains(&"coverage.unmapped"), "{rules:?}");
}

#[test]
fn a_pure_rename_is_not_new_code() {
    let env = Env::new();
    let repo = env.repo("r");
    env.write(&repo, ".git-policy.toml", "");
    let body: String = (1..=30).map(|i| format!("fn f{i}() {{}}\n")).collect();
    env.write(&repo, "src/old.rs", &body);
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: old"]);
    env.git(&repo, &["config", "diff.renames", "false"]);
    env.git(&repo, &["switch", "-q", "-c", "feat/mv"]);
    env.git(&repo, &["mv", "src/old.rs", "src/new.rs"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "refactor: rename"]);
    let lines: Vec<(u32, u64)> = (1..=30).map(|l| (l, 0)).collect();
    env.write(&repo, "lcov.info", &lcov(&[("src/new.rs", &lines)]));
    env.write(&repo, ".git-policy.toml", "[coverage]\nmin-patch = 95\n");
    let (code, v) = json(&env, &repo, &["lcov.info", "--base", "main"]);
    assert_eq!(v["patch"]["measured"], 0, "{v}");
    assert_eq!(code, Some(0), "nothing new to measure: n/a passes by default");
    env.write(&repo, ".git-policy.toml", "[coverage]\nmin-patch = 95\nno-data = \"fail\"\n");
    assert_eq!(json(&env, &repo, &["lcov.info", "--base", "main"]).0, Some(1));
}

#[test]
fn reports_of_several_formats_merge() {
    let env = Env::new();
    let repo = repo_with_change(&env);
    env.write(&repo, ".git-policy.toml", "");
    env.write(&repo, "a.info", &lcov(&[("src/new.rs", &[(1, 1), (2, 0), (3, 0), (4, 0), (5, 0)])]));
    let root = repo.display().to_string();
    env.write(
        &repo,
        "coverage.xml",
        &format!(
            "<?xml version=\"1.0\" ?>\n<coverage version=\"7.4\"><sources><source>{root}/src</source></sources><packages><package name=\".\"><classes><class name=\"new.rs\" filename=\"new.rs\"><lines><line number=\"2\" hits=\"1\"/><line number=\"3\" hits=\"1\"/><line number=\"4\" hits=\"0\"/></lines></class></classes></package></packages></coverage>\n"
        ),
    );
    let (_, v) = json(&env, &repo, &["a.info", "coverage.xml"]);
    let new = v["files"].as_array().unwrap().iter().find(|f| f["path"] == "src/new.rs").unwrap().clone();
    assert_eq!(new["lines"]["measured"], 5, "{v}");
    assert_eq!(new["lines"]["covered"], 3, "a line is covered if any report covers it");
}

#[test]
fn bad_reports_are_clear_errors_not_panics() {
    let env = Env::new();
    let repo = repo_with_change(&env);
    env.write(&repo, "bad.info", "SF:src/lib.rs\nDA:1,1\nDA:x,1\nend_of_record\n");
    let out = env.gp(&repo).args(["coverage", "bad.info"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.info:3"), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(repo.join("bin.info"), [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    env.gp(&repo).args(["coverage", "bin.info"]).assert().code(2);
    env.gp(&repo).args(["coverage", "missing.info"]).assert().code(3);
    env.gp(&repo).args(["coverage"]).assert().code(2).stderr(predicates::str::contains("no coverage report found"));
}

#[test]
fn check_runs_the_gates_and_fails_closed_without_reports() {
    let env = Env::new();
    let repo = repo_with_change(&env);
    env.git(&repo, &["switch", "-q", "main"]);
    env.write(&repo, ".git-policy.toml", "extends = [\"builtin:default\"]\n[review]\napprovals = 0\n[coverage]\nreports = [\"out/**/*.info\"]\nmin-patch = 90\n");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: policy"]);
    env.git(&repo, &["switch", "-q", "feat/c"]);
    env.git(&repo, &["rebase", "-q", "main"]);
    let out = env.gp(&repo).args(["check", "--range", "main..HEAD"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("no coverage report found"), "{}", stdout(&out));
    let all: Vec<(u32, u64)> = (1..=10).map(|l| (l, 1)).collect();
    env.write(
        &repo,
        "out/unit/lcov.info",
        &lcov(&[("src/lib.rs", &all), ("src/new.rs", &[(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)])]),
    );
    let out = env.gp(&repo).args(["check", "--range", "main..HEAD"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn markdown_and_github_outputs() {
    let env = Env::new();
    let repo = repo_with_change(&env);
    env.write(&repo, "lcov.info", &lcov(&[("src/new.rs", &[(1, 1), (2, 0), (3, 0), (4, 1), (5, 1)])]));
    let md = env.gp(&repo).args(["coverage", "lcov.info", "--base", "main", "--format", "markdown"]).output().unwrap();
    let text = stdout(&md);
    assert!(text.contains("### Coverage") && text.contains("`src/new.rs:2-3`"), "{text}");
    let gh = env.gp(&repo).args(["coverage", "lcov.info", "--base", "main", "--format", "github"]).output().unwrap();
    assert!(
        stdout(&gh).contains("::warning file=src/new.rs,line=2,endLine=3,title=coverage.patch::"),
        "{}",
        stdout(&gh)
    );
}

/// An lcov report of `src/lib.rs` with `covered` of its first `measured` lines hit.
fn lib_report(covered: u32, measured: u32) -> String {
    let lines: Vec<(u32, u64)> = (1..=measured).map(|l| (l, u64::from(l <= covered))).collect();
    lcov(&[("src/lib.rs", &lines)])
}

fn coverage_notes(env: &Env, repo: &Path, rev: &str) -> String {
    let out = env.git_out(repo, &["notes", "--ref", "git-policy/coverage", "show", rev]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn ratchet_records_on_trunk_and_holds_changes_to_the_record() {
    let env = Env::new();
    let repo = env.repo("r");
    let lib: String = (1..=1000).map(|i| format!("line {i}\n")).collect();
    env.write(&repo, "src/lib.rs", &lib);
    env.write(&repo, ".gitignore", "lcov.info\n");
    env.write(
        &repo,
        ".git-policy.toml",
        "extends = [\"builtin:default\"]\n[review]\napprovals = 0\n[rules]\n\"trunk.protected-commit\" = \"off\"\n[coverage]\nreports = [\"lcov.info\"]\nratchet = true\nratchet-tolerance = 0.5\n",
    );
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: start"]);
    let start = env.git(&repo, &["rev-parse", "HEAD"]).trim().to_string();

    // Trunk's first record starts the ratchet: 900/1000.
    env.write(&repo, "lcov.info", &lib_report(900, 1000));
    let out = env.gp(&repo).args(["coverage", "--record"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", crate::common::stderr(&out));
    assert!(crate::common::stderr(&out).contains("recorded line coverage 90.00%"));
    let note = coverage_notes(&env, &repo, "HEAD");
    assert!(note.contains(" v1 recorded tz=+0000 total=90.00 lines=900/1000"), "{note}");
    assert!(!crate::common::stderr(&out).contains("not a trunk branch"));

    // A change on a branch, judged against the record on its base.
    env.git(&repo, &["switch", "-q", "-c", "feat/x"]);
    env.write(&repo, "src/lib.rs", &format!("{lib}line 1001\n"));
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: one more line"]);
    let check = |report: &str| {
        env.write(&repo, "lcov.info", report);
        env.gp(&repo).args(["check", "--range", "main..HEAD"]).output().unwrap()
    };
    let out = check(&lib_report(1000, 1001));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("coverage ratchet holds: 99.90% against 90.00% recorded on"), "{}", stdout(&out));
    // 89.6% is within the 0.5-point tolerance; 89.4% is not, and the floor is exact.
    let out = check(&lib_report(8960, 10000));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let out = check(&lib_report(8949, 10000));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("coverage.ratchet"), "{text}");
    assert!(text.contains("line coverage 89.49% is below 90.00% recorded on"), "{text}");
    assert!(text.contains("is 89.50%") && text.contains("Coverage-Drop-Reason"), "{text}");

    // A deliberate drop says why in a trailer, and passes with the reason shown.
    env.write(&repo, "src/old.txt", "x\n");
    env.git(&repo, &["add", "."]);
    env.git(
        &repo,
        &[
            "commit",
            "-q",
            "--no-verify",
            "-m",
            "chore: drop the importer\n\nCoverage-Drop-Reason: the importer's tests moved to the e2e suite",
        ],
    );
    let out = check(&lib_report(800, 1001));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("allowed for: the importer's tests moved to the e2e suite"), "{}", stdout(&out));

    // Landed on trunk, the record takes the reason from the trailer and names the previous total.
    env.git(&repo, &["switch", "-q", "main"]);
    env.git(&repo, &["merge", "-q", "--ff-only", "feat/x"]);
    let out = env.gp(&repo).args(["coverage", "--record"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", crate::common::stderr(&out));
    let note = coverage_notes(&env, &repo, "HEAD");
    assert!(
        note.contains("lines=800/1001 previous=90.00 reason=the%20importer's%20tests%20moved%20to%20the%20e2e%20suite"),
        "{note}"
    );

    // A later drop with no reason is refused and nothing is written; --reason records it.
    env.write(&repo, "src/lib.rs", &format!("{lib}line 1001\nline 1002\n"));
    env.git(&repo, &["commit", "-q", "--no-verify", "-am", "feat: another"]);
    env.write(&repo, "lcov.info", &lib_report(700, 1002));
    let out = env.gp(&repo).args(["coverage", "--record"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(crate::common::stderr(&out).contains("coverage not recorded"), "{}", crate::common::stderr(&out));
    assert!(stdout(&out).contains("below 79.92% recorded on"), "{}", stdout(&out));
    assert_eq!(coverage_notes(&env, &repo, "HEAD"), "");
    let out = env.gp(&repo).args(["coverage", "--record", "--reason", "flaky suite quarantined"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(coverage_notes(&env, &repo, "HEAD").contains("previous=79.92 reason=flaky%20suite%20quarantined"));
    // A rerun on the same commit compares with the parent's record, not with its own.
    env.write(&repo, "lcov.info", &lib_report(700, 1002));
    let out = env.gp(&repo).args(["coverage", "--record"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "a rerun is judged against the parent's record too");

    // An unreadable record is an error naming the commit, not a silently looser ratchet.
    env.git(
        &repo,
        &[
            "notes",
            "--ref",
            "git-policy/coverage",
            "add",
            "-f",
            "-m",
            "2026-12-01T00:00:00Z v1 recorded lines=5/4",
            &start,
        ],
    );
    env.git(&repo, &["switch", "-q", "-c", "feat/y", &start]);
    env.write(&repo, "src/y.txt", "y\n");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: y"]);
    let out = env.gp(&repo).args(["check", "--range", &format!("{start}..HEAD")]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stdout(&out));
    let err = crate::common::stderr(&out);
    assert!(err.contains(&format!("the recorded coverage on {} cannot be read", &start[..12])), "{err}");
    assert!(err.contains("covered must be at most measured"), "{err}");
}

#[test]
fn recording_off_trunk_records_and_warns() {
    let env = Env::new();
    let repo = repo_with_change(&env);
    env.write(&repo, ".git-policy.toml", "[coverage]\n");
    env.write(&repo, "lcov.info", &lib_report(5, 10));
    let out = env
        .gp(&repo)
        .env("GIT_POLICY_FILE", repo.join(".git-policy.toml"))
        .args(["coverage", "lcov.info", "--record"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", crate::common::stderr(&out));
    let err = crate::common::stderr(&out);
    assert!(err.contains("warning: recording on `feat/c`, not a trunk branch (main)"), "{err}");
    assert!(coverage_notes(&env, &repo, "HEAD").contains("lines=5/10"));
}

#[test]
fn ratchet_without_a_record_says_how_it_starts() {
    let env = Env::new();
    let repo = repo_with_change(&env);
    env.write(&repo, ".git-policy.toml", "[coverage]\nratchet = true\n");
    let all: Vec<(u32, u64)> = (1..=10).map(|l| (l, 1)).collect();
    env.write(
        &repo,
        "lcov.info",
        &lcov(&[("src/lib.rs", &all), ("src/new.rs", &[(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)])]),
    );
    let out = env
        .gp(&repo)
        .env("GIT_POLICY_FILE", repo.join(".git-policy.toml"))
        .args(["coverage", "lcov.info", "--base", "main"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("no total recorded on the base's history yet"), "{}", stdout(&out));
}

#[test]
fn pre_push_gates_the_pushed_commits_with_the_reports_in_the_work_tree() {
    let env = Env::new();
    let repo = env.repo("r");
    env.write(&repo, ".gitignore", "lcov.info\n");
    env.write(&repo, ".git-policy.toml", "extends = [\"builtin:default\"]\n[review]\napprovals = 0\n[rules]\n\"trunk.protected-commit\" = \"off\"\n[coverage]\nreports = [\"lcov.info\"]\nmin-patch = 75\n");
    env.write(&repo, "src/lib.rs", "a\nb\n");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: policy"]);
    env.remote_for(&repo, "remote.git");
    env.gp(&repo).arg("install").assert().success();
    env.git(&repo, &["switch", "-q", "-c", "feat/p"]);
    env.write(&repo, "src/new.rs", "1\n2\n3\n4\n");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: new"]);

    // No report: the gates are skipped with a note, and the push goes on (CI checks).
    let out = env.git_out(&repo, &["push", "-q", "origin", "feat/p"]);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    assert!(crate::common::stderr(&out).contains("coverage gates skipped: no report found"));

    // Two of four new lines covered: 50% is under min-patch; the old lines of lib.rs do not count.
    env.write(&repo, "src/new.rs", "1\n2\n3\n4\n5\n");
    env.git(&repo, &["commit", "-q", "--no-verify", "-am", "feat: five"]);
    env.write(
        &repo,
        "lcov.info",
        &lcov(&[("src/lib.rs", &[(1, 0), (2, 0)]), ("src/new.rs", &[(1, 1), (2, 1), (3, 0), (4, 0), (5, 0)])]),
    );
    let out = env.git_out(&repo, &["push", "-q", "origin", "feat/p"]);
    assert!(!out.status.success());
    let err = crate::common::stderr(&out);
    assert!(
        err.contains("coverage.patch") && err.contains("min-patch is 0.00%"),
        "only line 5 is new since the remote's tip: {err}"
    );
    assert!(err.contains("src/new.rs:5"), "{err}");

    // Covered, it pushes; a report older than the commit is pointed out.
    env.write(&repo, "lcov.info", &lcov(&[("src/new.rs", &[(1, 1), (2, 1), (3, 0), (4, 0), (5, 1)])]));
    assert!(std::process::Command::new("touch")
        .args(["-d", "2001-01-01"])
        .arg(repo.join("lcov.info"))
        .status()
        .unwrap()
        .success());
    let out = env.git_out(&repo, &["push", "-q", "origin", "feat/p"]);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    assert!(crate::common::stderr(&out).contains("lcov.info is older than the pushed commit"));

    // A new branch is measured from its merge base with the remote's trunk, so feat/p's
    // unpushed-to-trunk lines are part of it.
    env.git(&repo, &["switch", "-q", "-c", "feat/q"]);
    env.write(&repo, "src/q.rs", "x\ny\n");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: q"]);
    env.write(
        &repo,
        "lcov.info",
        &lcov(&[("src/new.rs", &[(1, 0), (2, 0), (3, 0), (4, 0), (5, 0)]), ("src/q.rs", &[(1, 1), (2, 1)])]),
    );
    let out = env.git_out(&repo, &["push", "-q", "origin", "feat/q"]);
    assert!(!out.status.success());
    let err = crate::common::stderr(&out);
    assert!(err.contains("min-patch is 28.57%") && err.contains("src/new.rs:1-5"), "{err}");

    // A push of another branch than the checked-out one is not gated by the work tree's reports.
    env.git(&repo, &["switch", "-q", "feat/p"]);
    env.git(&repo, &["branch", "-f", "feat/r", "feat/q"]);
    let out = env.git_out(&repo, &["push", "-q", "origin", "feat/r"]);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    assert!(crate::common::stderr(&out)
        .contains("coverage gates skipped for refs/heads/feat/r: it is not the checked-out commit"));
}

#[test]
fn a_large_lcov_report_read_in_two_halves_merges_exactly_and_errors_name_the_true_line() {
    let env = Env::new();
    let repo = repo_with_change(&env);
    env.write(&repo, "src/big.rs", &"x\n".repeat(1000));
    env.write(&repo, ".git-policy.toml", "[coverage]\n");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: big"]);
    // 1,200 records of one file (as geninfo writes one per test): record r runs only line
    // r*7919 mod 1000 + 1, and only every third record runs anything. Over 9 MB, so two threads
    // read it, and each line's fate depends on records from both halves.
    let records = 1200u32;
    let mut text = String::new();
    let mut covered = std::collections::BTreeSet::new();
    for r in 0..records {
        let hit = (r % 3 == 0).then(|| r * 7919 % 1000 + 1);
        covered.extend(hit);
        text.push_str(&format!("TN:test_{r}\nSF:src/big.rs\n"));
        for l in 1..=1000u32 {
            text.push_str(&format!("DA:{l},{}\n", u32::from(Some(l) == hit)));
        }
        text.push_str("end_of_record\n");
    }
    assert!(text.len() > 9 << 20, "{}", text.len());
    env.write(&repo, "big.info", &text);
    let (code, v) = json(&env, &repo, &["big.info"]);
    assert_eq!(code, Some(0), "{v}");
    let traced = env.gp(&repo).env("GIT_POLICY_TRACE", "1").args(["coverage", "big.info"]).output().unwrap();
    assert!(crate::common::stderr(&traced).contains("read in two parts"), "the split path ran");
    let big = v["files"].as_array().unwrap().iter().find(|f| f["path"] == "src/big.rs").unwrap().clone();
    assert_eq!(big["lines"]["measured"], 1000, "{big}");
    assert_eq!(big["lines"]["covered"], covered.len(), "{big}");
    // A bad line in the second half is reported at its line in the whole file.
    let lines_before = text.lines().count();
    text.push_str("SF:src/lib.rs\nDA:1,oops\nend_of_record\n");
    env.write(&repo, "big.info", &text);
    let out = env.gp(&repo).args(["coverage", "big.info"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = crate::common::stderr(&out);
    assert!(err.contains(&format!("big.info:{}", lines_before + 2)), "{err}");
}

#[test]
fn a_large_cobertura_report_read_in_two_parts_merges_exactly_and_odd_splits_fall_back() {
    let env = Env::new();
    let repo = repo_with_change(&env);
    env.write(&repo, "src/big.rs", &"x\n".repeat(500));
    env.write(&repo, ".git-policy.toml", "[coverage]\n");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: big"]);
    // 700 <class> elements of one file, across packages, with paths relative to a <source> root
    // named only at the top: class c runs line c*7919 mod 500 + 1 when c is even.
    let build = |comment_at: Option<u32>| {
        let mut text = format!(
            "<?xml version=\"1.0\" ?>\n<coverage version=\"7\">\n<sources><source>{}/src</source></sources>\n<packages>\n",
            repo.display()
        );
        let mut covered = std::collections::BTreeSet::new();
        for c in 0..700u32 {
            if c % 100 == 0 {
                if c > 0 {
                    text.push_str("</classes></package>\n");
                }
                text.push_str(&format!("<package name=\"p{c}\"><classes>\n"));
            }
            if comment_at == Some(c) {
                // A `</class>` inside a comment, where a naive split would cut.
                text.push_str(&"<!-- </class> -->\n".repeat(20_000));
            }
            let hit = (c % 2 == 0).then(|| c * 7919 % 500 + 1);
            covered.extend(hit);
            text.push_str("<class name=\"big\" filename=\"big.rs\"><methods/><lines>\n");
            for l in 1..=500u32 {
                text.push_str(&format!("<line number=\"{l}\" hits=\"{}\"/>\n", u32::from(Some(l) == hit)));
            }
            text.push_str("</lines></class>\n");
        }
        text.push_str("</classes></package>\n</packages>\n</coverage>\n");
        (text, covered.len())
    };
    for comment_at in [None, Some(350)] {
        let (text, covered) = build(comment_at);
        assert!(text.len() > 9 << 20, "{}", text.len());
        env.write(&repo, "big.xml", &text);
        let (code, v) = json(&env, &repo, &["big.xml"]);
        assert_eq!(code, Some(0), "{v}");
        let big = v["files"].as_array().unwrap().iter().find(|f| f["path"] == "src/big.rs").unwrap().clone();
        assert_eq!(big["lines"]["measured"], 500, "{comment_at:?}: {big}");
        assert_eq!(big["lines"]["covered"], covered, "{comment_at:?}: {big}");
        assert!(v["unmapped"].as_array().unwrap().is_empty(), "{v}");
        let traced = env.gp(&repo).env("GIT_POLICY_TRACE", "1").args(["coverage", "big.xml"]).output().unwrap();
        let split = crate::common::stderr(&traced).contains("read in two parts");
        assert_eq!(split, comment_at.is_none(), "a split inside the comments falls back to one reader");
    }
}
