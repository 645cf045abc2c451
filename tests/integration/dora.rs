//! DORA keys, incidents and ring gates, on real repositories with a fixed clock.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::common::{stdout, Env};

const H: i64 = 3600;
const D: i64 = 86_400;
/// Monday 2026-03-02T00:00:00Z, the start of the measured window.
const S: i64 = 1_772_409_600;

const POLICY: &str = r#"extends = ["builtin:default"]
[deploy]
rings = ["internal", "preview", "ga"]
production = "ga"
[deploy.bake]
internal = "2h"
preview = "1d"
[incidents]
inferred-window = "24h"
[incidents.severity.1]
respond-within = "30m"
restore-within = "4h"
[release]
min-coverage = 80
block-on-open-severities = [1, 2]
forbid-rolled-back = true
"#;

fn policy(env: &Env) -> PathBuf {
    let p = env.path("dora-policy.toml");
    std::fs::write(&p, POLICY).unwrap();
    p
}

/// git with fixed author and committer dates, hermetic like the common helpers.
fn git_at(env: &Env, dir: &Path, t: i64, args: &[&str]) -> String {
    let date = format!("@{t} +0000");
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .env("HOME", env.path("home"))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ada Dev")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Ada Dev")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Commits a new file on main at time `t`; returns the commit id.
fn commit_at(env: &Env, dir: &Path, name: &str, t: i64) -> String {
    env.write(dir, name, name);
    env.git(dir, &["add", name]);
    git_at(env, dir, t, &["commit", "-q", "--no-verify", "-m", &format!("feat: {name}")]);
    env.git(dir, &["rev-parse", "HEAD"])
}

/// Runs git-policy at time `now` with the test policy; asserts the exit code, returns stdout.
fn gp(env: &Env, dir: &Path, now: i64, args: &[&str], code: i32) -> String {
    let out = env
        .gp(dir)
        .env("GIT_POLICY_FILE", policy(env))
        .env("GIT_POLICY_NOW", now.to_string())
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "git-policy {args:?}\nstdout: {}\nstderr: {}",
        stdout(&out),
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

fn rules(v: &Value) -> Vec<String> {
    let mut r: Vec<String> =
        v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect();
    r.sort();
    r
}

#[test]
fn metrics_of_a_scenario_match_the_hand_computed_values() {
    let env = Env::new();
    let repo = env.path("svc");
    std::fs::create_dir_all(&repo).unwrap();
    env.git(&repo, &["init", "-q", "-b", "main"]);

    // Trunk: c0 is history from before deployments were recorded; c8 and c9 are never live.
    let c0 = commit_at(&env, &repo, "c0", S - 10 * D);
    let _c1 = commit_at(&env, &repo, "c1", S + 9 * H);
    let c2 = commit_at(&env, &repo, "c2", S + 13 * H);
    let c3 = commit_at(&env, &repo, "c3", S + D + 10 * H);
    let c4 = commit_at(&env, &repo, "c4", S + 2 * D + 9 * H);
    let c5 = commit_at(&env, &repo, "c5", S + 2 * D + 15 * H);
    let c6 = commit_at(&env, &repo, "c6", S + 8 * D + 9 * H);
    let c7 = commit_at(&env, &repo, "c7", S + 8 * D + 14 * H);
    let c8 = commit_at(&env, &repo, "c8", S + 10 * D + 9 * H);
    let _c9 = commit_at(&env, &repo, "c9", S + 12 * D + 9 * H);
    // c4 was squashed from a branch begun the evening before (its `merged` stamp says so); c5's
    // first commit was stamped before its author date.
    let merged = "2026-03-04T09:30:00Z v1 merged tz=+0000 first=2026-03-03T20:00:00Z via=squash";
    env.git(&repo, &["notes", "--ref", "refs/notes/git-policy/trunk", "add", "-m", merged, &c4]);
    let committed = "2026-03-04T14:30:00Z v1 committed tz=+0000 author=ada@example.com branch=fix/x hooks=none";
    env.git(&repo, &["notes", "--ref", "refs/notes/git-policy/dev", "add", "-m", committed, &c5]);

    let deploy = |t: i64, ring: &str, id: &str, rev: &str, extra: &[&str]| {
        let mut args = vec!["deploy", "--env", "prod", "--ring", ring, "--id", id];
        args.extend(extra);
        args.push(rev);
        assert_eq!(gp(&env, &repo, t, &args, 0).trim(), id);
    };
    deploy(S - 9 * D + 12 * H, "ga", "ga-0", &c0, &[]);
    deploy(S + 13 * H + 1800, "internal", "int-1", &c2, &[]);
    deploy(S + 14 * H, "preview", "pre-1", &c2, &[]);
    deploy(S + 15 * H, "ga", "ga-1", &c2, &[]);
    deploy(S + D + 12 * H, "ga", "ga-2", &c3, &[]);
    // Sev1 caused by ga-2, rolled back.
    gp(
        &env,
        &repo,
        S + D + 12 * H + 1800,
        &["incident", "open", "--sev", "1", "--cause", "ga-2", "--title", "checkout errors", "--id", "INC-1"],
        0,
    );
    gp(&env, &repo, S + D + 12 * H + 2400, &["incident", "ack", "INC-1"], 0);
    let rb = gp(
        &env,
        &repo,
        S + D + 12 * H + 3000,
        &["deploy", "rollback", "--env", "prod", "--to", &c2, "--id", "rb-1"],
        0,
    );
    assert_eq!(rb.trim(), "rb-1");
    gp(&env, &repo, S + D + 13 * H, &["incident", "resolve", "INC-1", "--via", "rollback", "--fix-deploy", "rb-1"], 0);
    // Sev2 of unknown cause soon after ga-3 (an inferred failure), fixed forward by ga-4.
    deploy(S + 2 * D + 11 * H, "ga", "ga-3", &c4, &[]);
    gp(&env, &repo, S + 2 * D + 14 * H, &["incident", "open", "--sev", "2", "--id", "INC-2"], 0);
    gp(&env, &repo, S + 2 * D + 15 * H + 1800, &["incident", "ack", "INC-2"], 0);
    deploy(S + 2 * D + 17 * H, "ga", "ga-4", &c5, &[]);
    gp(
        &env,
        &repo,
        S + 2 * D + 18 * H,
        &["incident", "resolve", "INC-2", "--via", "fix-forward", "--fix-deploy", "ga-4"],
        0,
    );
    // Week two: ga-5 fails and ga-6 fixes it forward; a Sev3 with a known cause.
    deploy(S + 8 * D + 10 * H, "ga", "ga-5", &c6, &[]);
    gp(&env, &repo, S + 8 * D + 11 * H, &["incident", "open", "--sev", "3", "--cause", "ga-5", "--id", "INC-3"], 0);
    gp(&env, &repo, S + 8 * D + 15 * H, &["incident", "resolve", "INC-3", "--via", "other"], 0);
    deploy(S + 8 * D + 16 * H, "ga", "ga-6", &c7, &["--fixes", "ga-5"]);
    deploy(S + 9 * D + 10 * H, "ga", "ga-7", &c7, &[]);
    deploy(S + 10 * D + 10 * H, "ga", "ga-8", &c8, &["--status", "failed"]);
    deploy(S + 11 * D + 10 * H, "ga", "ga-9", &c8, &["--status", "started"]);
    // A Sev1 still open, cause unknown.
    let inc4 = gp(&env, &repo, S + 12 * D + 10 * H, &["incident", "open", "--sev", "1"], 0).trim().to_string();
    assert!(inc4.starts_with("INC-20260314T100000Z-") && inc4.len() == 25, "{inc4}");

    // What the stream says: the rollback names what was live, the redeploy is flagged, and the
    // incidents live on the revision that was in production when they opened.
    let deploy_note = |rev: &str| env.git(&repo, &["notes", "--ref", "refs/notes/git-policy/deploy", "show", rev]);
    assert!(deploy_note(&c2)
        .contains(&format!("id=rb-1 env=prod ring=ga status=success revision={c2} rollback-to={c2} rollback-of=ga-2")));
    assert!(
        deploy_note(&c7).contains("id=ga-7 env=prod ring=ga status=success revision=")
            && deploy_note(&c7).contains(" redeploy=true")
    );
    assert!(!deploy_note(&c7).lines().any(|l| l.contains("id=ga-6") && l.contains("redeploy")));
    let inc_note = |rev: &str| env.git(&repo, &["notes", "--ref", "refs/notes/git-policy/incident", "show", rev]);
    assert_eq!(inc_note(&c3).lines().count(), 3, "INC-1 opened, acked, resolved on ga-2's revision");
    assert!(inc_note(&c4).contains("id=INC-2 sev=2 cause=unknown"));
    assert!(inc_note(&c7).contains(&format!("id={inc4} sev=1")));

    let now = S + 14 * D;
    let window = ["metrics", "--since", "2026-03-02", "--until", "2026-03-16", "--format", "json"];
    let m: Value = serde_json::from_str(&gp(&env, &repo, now, &window, 0)).unwrap();
    assert_eq!(
        m["window"],
        json!({"since": S, "until": S + 14 * D, "days": 14, "full_weeks": 2, "ring": "ga", "service": null})
    );
    // Lead times: c1 6h, c2 2h, c3 2h, c4 15h (from the merged stamp), c5 2h30m (from the dev
    // stamp), c6 1h, c7 2h; c8 and c9 pending; c0 deployed before the window.
    assert_eq!(
        m["lead_time"],
        json!({"measured": 7, "median": 7200, "p90": 54000, "skewed": [], "excluded_before_first_deploy": 0, "pending": 2})
    );
    // ga-1..ga-6 are deployments proper on days 0, 1, 2, 2, 8, 8; rb-1, ga-7, ga-8, ga-9 apart.
    assert_eq!(
        m["deployment_frequency"],
        json!({
            "deployments": 6, "deploy_days": 4, "per_day": 6.0 / 14.0,
            "deploy_days_per_week": 2.0, "deploy_days_per_month": 4.0,
            "rollbacks": 1, "redeploys": 1, "pipeline_failures": 1, "unfinished": 1
        })
    );
    // ga-2 (rolled back, caused a Sev1) and ga-5 (fixed by ga-6) failed; ga-3 only by inference.
    assert_eq!(
        m["change_fail_rate"],
        json!({
            "deployments": 6, "failed": 2, "failed_ids": ["ga-2", "ga-5"], "rate": 2.0 / 6.0,
            "inferred": 1, "inferred_ids": ["ga-3"], "rate_with_inferred": 0.5,
            "pipeline_failures": 1, "pipeline_failure_rate": 1.0 / 9.0
        })
    );
    // ga-2: rolled back 50m later; ga-5: INC-3 resolved 5h later (before ga-6 at 6h).
    assert_eq!(
        m["recovery_time"],
        json!({"failed": 2, "recovered": 2, "median": 10500, "p90": 18000, "unrecovered": [], "skewed": []})
    );
    assert_eq!(
        m["rework_rate"],
        json!({"deployments": 8, "rework": 3, "rework_ids": ["rb-1", "ga-4", "ga-6"], "rate": 0.375})
    );
    assert_eq!(
        m["incidents"],
        json!([
            {"sev": 1, "incidents": 2, "open": 1, "unknown_cause": 1, "ack_median": 600, "restore_median": 1800,
             "respond_within": 1800, "restore_within": 14400, "ack_breaches": 1, "restore_breaches": 1, "skewed": 0},
            {"sev": 2, "incidents": 1, "open": 0, "unknown_cause": 1, "ack_median": 5400, "restore_median": 14400,
             "respond_within": 3600, "restore_within": null, "ack_breaches": 1, "restore_breaches": null, "skewed": 0},
            {"sev": 3, "incidents": 1, "open": 0, "unknown_cause": 0, "ack_median": 14400, "restore_median": 14400,
             "respond_within": 86400, "restore_within": null, "ack_breaches": 0, "restore_breaches": null, "skewed": 0}
        ])
    );
    let b = &m["bands"];
    assert_eq!(
        (
            &b["year"],
            &b["lead_time"],
            &b["deployment_frequency"],
            &b["change_fail_rate"],
            &b["change_fail_rate_with_inferred"],
            &b["recovery_time"]
        ),
        (&json!("2024"), &json!("elite"), &json!("high"), &json!("low"), &json!("low"), &json!("high"))
    );
    assert!(b["note"].as_str().unwrap().contains("not targets"));
    let week =
        |key: &str| -> Vec<Value> { m["trend"][key].as_array().unwrap().iter().map(|p| p["value"].clone()).collect() };
    assert_eq!(m["trend"]["lead_time"][1]["week_start"], json!(S + 7 * D));
    assert_eq!(week("lead_time"), vec![json!(9000), json!(5400)]);
    assert_eq!(week("deployment_frequency"), vec![json!(4.0 / 7.0), json!(2.0 / 7.0)]);
    assert_eq!(week("change_fail_rate"), vec![json!(0.25), json!(0.5)]);
    assert_eq!(week("recovery_time"), vec![json!(3000), json!(18000)]);
    assert_eq!(week("rework_rate"), vec![json!(0.4), json!(1.0 / 3.0)]);

    // A secondary ring: its own deployments, no incidents; c0, c1 and c2 were in its first
    // recorded deployment and committed before it, so they are history, not lead time.
    let pre: Value = serde_json::from_str(&gp(
        &env,
        &repo,
        now,
        &["metrics", "--since", "14d", "--until", "2026-03-16", "--ring", "preview", "--format", "json"],
        0,
    ))
    .unwrap();
    assert_eq!(pre["deployment_frequency"]["deployments"], json!(1));
    assert_eq!(pre["lead_time"]["excluded_before_first_deploy"], json!(3));
    assert_eq!(pre["lead_time"]["measured"], json!(0));
    assert!(pre["incidents"].as_array().unwrap().iter().all(|s| s["incidents"] == json!(0)));

    let csv =
        gp(&env, &repo, now, &["metrics", "--since", "2026-03-02", "--until", "2026-03-16", "--format", "csv"], 0);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "key,value,unit,p90,count,of,band");
    assert_eq!(lines[1], "lead_time,7200,seconds,54000,7,,elite");
    assert_eq!(lines[3], "change_fail_rate,0.3333333333333333,ratio,,2,6,low");
    assert_eq!(lines[6], "rework_rate,0.375,ratio,,3,8,");
    let table =
        gp(&env, &repo, now, &["metrics", "--since", "2026-03-02", "--until", "2026-03-16", "--bands", "2023"], 0);
    assert!(
        table.contains("lead time for changes") && table.contains("2h median") && table.contains("BAND (2023)"),
        "{table}"
    );
    assert!(table.contains("not targets"), "{table}");

    // The whole repository's incidents, listed.
    let list: Value =
        serde_json::from_str(&gp(&env, &repo, now, &["incident", "list", "--format", "json"], 0)).unwrap();
    let states: Vec<(&str, &str)> =
        list.as_array().unwrap().iter().map(|i| (i["id"].as_str().unwrap(), i["state"].as_str().unwrap())).collect();
    assert_eq!(
        states,
        vec![("INC-1", "resolved"), ("INC-2", "resolved"), ("INC-3", "resolved"), (inc4.as_str(), "open")]
    );
}

/// A window far from the start of history: deployments from before the walked part of trunk
/// carry none of its changes, and a rollback far back (to a revision older than the walk)
/// carries none either. The window's lead times are the same as over the whole history.
#[test]
fn long_history_old_deployments_and_far_rollbacks() {
    let env = Env::new();
    let repo = env.path("long");
    std::fs::create_dir_all(&repo).unwrap();
    env.git(&repo, &["init", "-q", "-b", "main"]);
    let old = commit_at(&env, &repo, "old", S - 300 * D);
    let deploy = |t: i64, id: &str, rev: &str| {
        assert_eq!(gp(&env, &repo, t, &["deploy", "--env", "prod", "--ring", "ga", "--id", id, rev], 0).trim(), id);
    };
    deploy(S - 300 * D + H, "ga-old", &old);
    // Trunk moves on for months, deployed now and then.
    for k in 1..=20 {
        let mid = commit_at(&env, &repo, &format!("m{k}"), S - 300 * D + k * 10 * D);
        deploy(S - 300 * D + k * 10 * D + H, &format!("ga-m{k}"), &mid);
    }
    let a = commit_at(&env, &repo, "a", S + D);
    deploy(S + 2 * D, "ga-a", &a);
    let _b = commit_at(&env, &repo, "b", S + 3 * D);
    // Rolled back to the very first revision, older than anything the window walks.
    gp(&env, &repo, S + 4 * D, &["deploy", "rollback", "--env", "prod", "--to", &old, "--id", "rb-old"], 0);
    let c = commit_at(&env, &repo, "c", S + 5 * D);
    deploy(S + 6 * D, "ga-c", &c);
    let metrics = |since: &str| {
        gp(&env, &repo, S + 10 * D, &["metrics", "--since", since, "--until", "2026-03-12", "--format", "json"], 0)
    };
    let (window, whole) = (metrics("2026-03-02"), metrics("2025-01-01"));
    let lead = |text: &str| serde_json::from_str::<Value>(text).unwrap()["lead_time"].clone();
    // a: 1 day; b: first carried by ga-c (the rollback does not carry it), 3 days; c: 1 day.
    let w = lead(&window);
    assert_eq!((w["measured"].clone(), w["median"].clone(), w["p90"].clone()), (json!(3), json!(D), json!(3 * D)));
    // The whole history adds m1..m20, each live an hour after it landed; `old` came before the
    // first recorded deployment.
    let h = lead(&whole);
    assert_eq!(
        (h["measured"].clone(), h["median"].clone(), h["excluded_before_first_deploy"].clone()),
        (json!(23), json!(3600), json!(1)),
        "{h}"
    );
}

#[test]
fn metrics_html_is_one_self_contained_page() {
    let env = Env::new();
    let repo = env.repo("r");
    let head = env.git(&repo, &["rev-parse", "HEAD"]);
    let now = 1_900_000_000;
    gp(&env, &repo, now - D, &["deploy", "--env", "prod", "--id", "d1", &head], 0);
    gp(&env, &repo, now - H, &["incident", "open", "--sev", "2", "--title", "<b>slow</b>"], 0);
    let out = env.path("report.html");
    let printed = gp(&env, &repo, now, &["metrics", "--format", "html", "--out", out.to_str().unwrap()], 0);
    assert_eq!(printed, "", "--out writes the file, not stdout");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(html.matches("<svg").count() >= 5, "a chart per key");
    assert!(html.contains("<style>"));
    for external in ["<script", "<link", "src=\"http", "href=\"http", "@import", "url(", "<iframe"] {
        assert!(!html.contains(external), "{external} in the page");
    }
    assert!(!html.contains("<b>slow</b>"));
}

/// The browser this machine has, if any (`GIT_POLICY_CHROMIUM` names one explicitly).
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GIT_POLICY_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.is_file())
    })
}

/// Runs headless chromium with `args` and the page, killed after a minute; returns (stdout, stderr).
fn run_chromium(bin: &Path, profile: &Path, args: &[&str], page: &Path) -> (String, String) {
    let mut cmd = std::process::Command::new(bin);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-extensions",
        "--disable-sync",
        "--no-first-run",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .args(args)
    .arg(format!("file://{}", page.display()))
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    let id = child.id();
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(60));
        let _ = std::process::Command::new("kill").arg("-9").arg(id.to_string()).status();
    });
    let out = child.wait_with_output().unwrap();
    drop(watchdog);
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The report opened in a real browser: it parses into the charts we wrote, raises no script or
/// console error, asks for nothing over the network, and paints more than an empty page does.
/// CI installs Debian's chromium (`.ci/run`) and requires it; elsewhere the test says it skipped.
#[test]
fn metrics_html_renders_in_headless_chromium() {
    let Some(bin) = chromium() else {
        assert!(!git_policy::env::is_ci(), "CI must have chromium (.ci/run installs it)");
        #[expect(clippy::print_stderr, reason = "says why a test did nothing, for whoever runs it")]
        {
            eprintln!("skipped: no chromium on PATH (set GIT_POLICY_CHROMIUM to run this test)");
        }
        return;
    };
    let env = Env::new();
    let repo = env.repo("r");
    let head = env.git(&repo, &["rev-parse", "HEAD"]);
    let now = 1_900_000_000;
    for (k, t) in [(1, 20 * D), (2, 13 * D), (3, 6 * D), (4, D)] {
        gp(&env, &repo, now - t, &["deploy", "--env", "prod", "--id", &format!("d{k}"), &head], 0);
    }
    gp(&env, &repo, now - 2 * D, &["incident", "open", "--sev", "2", "--title", "slow"], 0);
    let page = env.path("report.html");
    gp(&env, &repo, now, &["metrics", "--since", "30d", "--format", "html", "--out", page.to_str().unwrap()], 0);
    let html = std::fs::read_to_string(&page).unwrap();
    let blank = env.path("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><html><body></body></html>").unwrap();

    let (dom, log) = run_chromium(&bin, &env.path("profile-dom"), &["--dump-dom"], &page);
    assert!(dom.contains("</html>"), "no DOM from chromium:\n{log}");
    assert_eq!(dom.matches("<svg").count(), html.matches("<svg").count(), "every chart parsed as SVG");
    assert_eq!(dom.matches("<table").count(), html.matches("<table").count());
    for bad in ["Uncaught", "CONSOLE", "Refused to", "net::ERR_"] {
        assert!(!log.contains(bad), "{bad} in chromium's log:\n{log}");
    }

    let shot = |p: &Path, name: &str| {
        let png = env.path(name);
        let arg = format!("--screenshot={}", png.display());
        let (_, log) = run_chromium(&bin, &env.path(&format!("profile-{name}")), &[&arg, "--window-size=1200,1600"], p);
        let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot ({e}):\n{log}"));
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
        bytes.len()
    };
    let (report, empty) = (shot(&page, "report.png"), shot(&blank, "blank.png"));
    assert!(report > 3 * empty, "the report paints little more than an empty page ({report} vs {empty} bytes)");
}

#[test]
fn incident_open_ack_resolve_list() {
    let env = Env::new();
    let repo = env.repo("r");
    let live = env.git(&repo, &["rev-parse", "HEAD"]);
    let t = 1_800_000_000;
    gp(&env, &repo, t, &["deploy", "--env", "prod", "--id", "ga-1", "--ring", "ga"], 0);
    env.write(&repo, "b.txt", "b");
    env.git(&repo, &["add", "b.txt"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: b"]);
    let head = env.git(&repo, &["rev-parse", "HEAD"]);

    assert_eq!(gp(&env, &repo, t, &["incident", "list"], 0).trim(), "no incidents recorded");
    let id = gp(&env, &repo, t + H, &["incident", "open", "--sev", "2", "--cause", "HEAD", "--title", "slow pages"], 0)
        .trim()
        .to_string();
    assert!(id.starts_with("INC-20270115T090000Z-") && id.len() == 25, "{id}");
    let other = gp(&env, &repo, t + H, &["incident", "open", "--sev", "3"], 0).trim().to_string();
    assert_ne!(id, other, "two incidents in one second get different ids");
    // Stored on the revision live in production, not on HEAD; the cause is resolved to an id.
    let note = env.git(&repo, &["notes", "--ref", "refs/notes/git-policy/incident", "show", &live]);
    assert!(
        note.contains(&format!("incident-opened tz=+0000 id={id} sev=2 cause={head} title=slow%20pages")),
        "{note}"
    );
    assert!(!env.git_out(&repo, &["notes", "--ref", "refs/notes/git-policy/incident", "show", &head]).status.success());

    let list = gp(&env, &repo, t + 2 * H, &["incident", "list", "--open"], 0);
    assert!(list.contains(&id) && list.contains("open") && list.contains("slow pages"), "{list}");
    assert_eq!(gp(&env, &repo, t + 2 * H, &["incident", "ack", &id], 0).trim(), format!("acknowledged {id}"));
    let json: Value =
        serde_json::from_str(&gp(&env, &repo, t + 2 * H, &["incident", "list", "--format", "json"], 0)).unwrap();
    let mine = json.as_array().unwrap().iter().find(|i| i["id"] == json!(id)).unwrap();
    assert_eq!(mine["state"], json!("acknowledged"));
    assert_eq!(mine["acked"], json!("2027-01-15T10:00:00Z"));
    assert_eq!(mine["revision"], json!(live));
    gp(&env, &repo, t + 3 * H, &["incident", "resolve", &id, "--via", "fix-forward", "--fix-deploy", "ga-2"], 0);
    let json: Value =
        serde_json::from_str(&gp(&env, &repo, t + 3 * H, &["incident", "list", "--open", "--format", "json"], 0))
            .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1, "only the Sev3 is still open");
    let json: Value =
        serde_json::from_str(&gp(&env, &repo, t + 3 * H, &["incident", "list", "--format", "json"], 0)).unwrap();
    let mine = json.as_array().unwrap().iter().find(|i| i["id"] == json!(id)).unwrap();
    assert_eq!(
        (&mine["state"], &mine["via"], &mine["fix_deploy"]),
        (&json!("resolved"), &json!("fix-forward"), &json!("ga-2"))
    );
    let note = env.git(&repo, &["notes", "--ref", "refs/notes/git-policy/incident", "show", &live]);
    assert_eq!(note.lines().filter(|l| l.contains(&id)).count(), 3, "{note}");

    // Mistakes are usage errors.
    gp(&env, &repo, t, &["incident", "ack", "INC-nope"], 2);
    gp(&env, &repo, t, &["incident", "open", "--sev", "1", "--cause", "no-such-thing"], 2);
    gp(&env, &repo, t, &["incident", "open", "--sev", "4"], 2);
    gp(&env, &repo, t, &["incident", "open", "--sev", "1", "--id", &id], 2);
    gp(&env, &repo, t, &["deploy", "--env", "prod", "--ring", "canary"], 2);
}

#[test]
fn gate_promote_passes_only_when_every_criterion_holds() {
    let env = Env::new();
    let repo = env.repo("r");
    let g1 = env.git(&repo, &["rev-parse", "HEAD"]);
    let t = 1_800_000_000;
    let gate = |now: i64, args: &[&str], code: i32| -> Value {
        let mut all = vec!["gate", "promote", "--format", "json"];
        all.extend(args);
        serde_json::from_str(&gp(&env, &repo, now, &all, code)).unwrap()
    };
    let coverage = |rev: &str, total: &str| {
        let line = format!("2027-01-15T08:00:00Z v1 recorded tz=+0000 total={total}");
        env.git(&repo, &["notes", "--ref", "refs/notes/git-policy/coverage", "append", "-m", &line, rev]);
    };

    // The first ring has no bake time; coverage is still needed.
    assert_eq!(rules(&gate(t, &["--to", "internal"], 1)), vec!["release.coverage"]);
    gp(&env, &repo, t, &["deploy", "--env", "dev", "--ring", "internal", "--id", "i1"], 0);
    // Not baked (2h in internal) and no coverage record.
    let v = gate(t + H, &["--to", "preview"], 1);
    assert_eq!(rules(&v), vec!["release.bake", "release.coverage"]);
    assert!(v["findings"][0]["message"].as_str().unwrap().contains("baked 1h of 2h in internal"), "{v}");
    coverage(&g1, "85.50");
    gate(t + 2 * H, &["--to", "preview"], 0);
    let text = gp(&env, &repo, t + 2 * H, &["gate", "promote", "--to", "preview"], 0);
    assert!(text.contains("may be promoted to preview") && text.contains("coverage 85.50%"), "{text}");

    // Never in preview: no promotion to ga; then a day of baking is needed there.
    assert_eq!(rules(&gate(t + 3 * H, &["--to", "ga"], 1)), vec!["release.bake"]);
    gp(&env, &repo, t + 3 * H, &["deploy", "--env", "staging", "--ring", "preview", "--id", "p1"], 0);
    assert_eq!(rules(&gate(t + 3 * H + D - 1, &["--to", "ga"], 1)), vec!["release.bake"]);
    gate(t + 3 * H + D, &["--to", "ga"], 0);

    // An open Sev1 blocks; an open Sev3 does not.
    let sev1 = gp(&env, &repo, t + 2 * D, &["incident", "open", "--sev", "1", "--title", "down"], 0);
    gp(&env, &repo, t + 2 * D, &["incident", "open", "--sev", "3"], 0);
    let v = gate(t + 2 * D, &["--to", "ga", &g1], 1);
    assert_eq!(rules(&v), vec!["release.incidents"]);
    assert!(v["findings"][0]["message"].as_str().unwrap().contains(sev1.trim()));
    gp(&env, &repo, t + 2 * D + H, &["incident", "resolve", sev1.trim()], 0);
    gate(t + 2 * D + H, &["--to", "ga", &g1], 0);

    // g2 is rolled back in internal, then pushed on to preview anyway, with low coverage.
    env.write(&repo, "b.txt", "b");
    env.git(&repo, &["add", "b.txt"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: b"]);
    let g2 = env.git(&repo, &["rev-parse", "HEAD"]);
    gp(&env, &repo, t + 3 * D, &["deploy", "--env", "dev", "--ring", "internal", "--id", "i2"], 0);
    gp(&env, &repo, t + 3 * D + H, &["deploy", "rollback", "--env", "dev", "--ring", "internal", "--to", &g1], 0);
    gp(&env, &repo, t + 3 * D + 2 * H, &["deploy", "--env", "staging", "--ring", "preview", "--id", "p2", &g2], 0);
    assert_eq!(rules(&gate(t + 5 * D, &["--to", "ga", &g2], 1)), vec!["release.coverage", "release.rolled-back"]);
    coverage(&g2, "79.99");
    let v = gate(t + 5 * D, &["--to", "ga"], 1);
    assert_eq!(rules(&v), vec!["release.coverage", "release.rolled-back"]);
    let messages = v["findings"].to_string();
    assert!(messages.contains("79.99% recorded for") && messages.contains("is below 80.00%"), "{messages}");
    assert!(messages.contains("rolled back in an earlier ring: internal by rollback-dev-internal-"), "{messages}");
    // The revision rolled back to was not itself rolled back.
    gate(t + 5 * D, &["--to", "ga", &g1], 0);
    // Unknown rings are usage errors.
    gp(&env, &repo, t, &["gate", "promote", "--to", "canary"], 2);
}
