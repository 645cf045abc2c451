//! The less travelled paths of the commands, through the real binary: how `check` finds its range
//! in each CI system, notes sync against a bare remote and its failures, how `stamp merged` tells
//! arrivals apart, deployments by service and status, review edge cases, install and doctor
//! corners, and the errors that say where and how to fix.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::common::{stderr, stdout, Env};

const DEV: &str = "refs/notes/git-policy/dev";
const TRUNK: &str = "refs/notes/git-policy/trunk";
const DEPLOY: &str = "refs/notes/git-policy/deploy";
/// 2100-01-01: a clock far after any commit made by a test.
const FAR_FUTURE: &str = "4102444800";

/// A repository with `main` and a branch `feat/x` holding one commit; returns it and the ids
/// of main and feat/x.
fn branch_repo(env: &Env) -> (PathBuf, String, String) {
    let repo = env.repo("r");
    env.git(&repo, &["switch", "-q", "-c", "feat/x"]);
    env.write(&repo, "a.txt", "a\n");
    env.git(&repo, &["add", "a.txt"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: a"]);
    let base = env.git(&repo, &["rev-parse", "main"]);
    let head = env.git(&repo, &["rev-parse", "HEAD"]);
    (repo, base, head)
}

/// Runs `check --format json` with extra environment; returns the exit code and the document.
fn check_json(env: &Env, dir: &Path, vars: &[(&str, &str)], args: &[&str]) -> (Option<i32>, Value) {
    let mut cmd = env.gp(dir);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.args(["check", "--format", "json"]).args(args).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("not JSON\nstdout: {}\nstderr: {}", stdout(&out), stderr(&out)));
    (out.status.code(), v)
}

fn notes_of(v: &Value) -> Vec<String> {
    v["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect()
}

fn rules_of(v: &Value) -> Vec<String> {
    let mut r: Vec<String> =
        v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect();
    r.sort();
    r
}

fn findings_of(v: &Value, rule: &str) -> Vec<Value> {
    v["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule).cloned().collect()
}

/// Asserts the exit code, printing both streams when it differs; returns the output.
fn expect_code(out: Output, code: i32) -> Output {
    assert_eq!(out.status.code(), Some(code), "stdout: {}\nstderr: {}", stdout(&out), stderr(&out));
    out
}

/// An ed25519 key pair for `name` (no passphrase): the private key's path and the public key.
pub(crate) fn keygen(env: &Env, name: &str) -> (PathBuf, String) {
    let key = env.path(&format!("keys/{name}"));
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    let out = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&key)
        .output()
        .expect("ssh-keygen is installed");
    assert!(out.status.success(), "{}", stderr(&out));
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    (key, public.trim().to_string())
}

/// A repository whose main requires signed commits against an allowed-signers file `signers`
/// (committed with `signers_text`, or absent), and a branch `feat/x` with one commit signed by
/// `key` over SSH.
pub(crate) fn signed_commit_on_a_branch(env: &Env, key: &Path, signers_text: Option<&str>) -> PathBuf {
    let repo = env.repo("r");
    env.write(
        &repo,
        ".git-policy.toml",
        "extends = [\"builtin:default\"]\n[review]\napprovals = 0\n[commits]\nsigned = true\nallowed-signers = \"signers\"\n",
    );
    if let Some(text) = signers_text {
        env.write(&repo, "signers", text);
    }
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: policy"]);
    env.git(&repo, &["switch", "-q", "-c", "feat/x"]);
    env.git(&repo, &["config", "gpg.format", "ssh"]);
    env.git(&repo, &["config", "user.signingkey", key.to_str().unwrap()]);
    env.write(&repo, "a", "a");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-S", "-m", "feat: signed"]);
    repo
}

/// Stamps HEAD as post-commit does, at a fixed time.
fn post_commit_at(env: &Env, dir: &Path, now: &str) {
    env.gp(dir).env("GIT_POLICY_NOW", now).args(["hook", "post-commit"]).assert().success();
}

// ---- check: where the range comes from -------------------------------------------------------

#[test]
fn check_takes_the_range_and_branch_from_git_policy_base_head_and_branch() {
    let env = Env::new();
    let (repo, base, head) = branch_repo(&env);
    let policy = env.no_review_policy();
    let policy = policy.to_str().unwrap();
    let vars = [("GIT_POLICY_FILE", policy), ("GIT_POLICY_BASE", base.as_str()), ("GIT_POLICY_HEAD", head.as_str())];
    let (code, v) = check_json(&env, &repo, &[&vars[..], &[("GIT_POLICY_BRANCH", "my-branch")]].concat(), &[]);
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(
        notes_of(&v)[0],
        format!("checking 1 commit(s) of {}..{} (GIT_POLICY_BASE/GIT_POLICY_HEAD)", &base[..12], &head[..12])
    );
    assert_eq!(rules_of(&v), ["branch.name-pattern"]);
    // The named branch is a work branch: its age is judged against trunk, by the clock.
    let with_branch = [&vars[..], &[("GIT_POLICY_BRANCH", "feat/x")]].concat();
    let (code, v) = check_json(&env, &repo, &with_branch, &[]);
    assert_eq!((code, rules_of(&v)), (Some(0), vec![]), "{v}");
    let (code, v) = check_json(&env, &repo, &[&with_branch[..], &[("GIT_POLICY_NOW", FAR_FUTURE)]].concat(), &[]);
    assert_eq!(code, Some(0), "the default policy only warns about age: {v}");
    let age = findings_of(&v, "branch.max-age");
    assert_eq!((age.len(), &age[0]["level"]), (1, &Value::from("warn")), "{v}");
    assert!(age[0]["message"].as_str().unwrap().contains("branch `feat/x` is"), "{v}");
    assert!(age[0]["message"].as_str().unwrap().ends_with("old (its oldest commit not on main), more than 2d"), "{v}");
}

#[test]
fn check_in_a_github_pull_request_compares_with_the_fetched_base_branch() {
    let env = Env::new();
    let (repo, base, head) = branch_repo(&env);
    let pr = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_BASE_REF", "main"),
        ("GITHUB_HEAD_REF", "feat/x"),
    ];
    // Without the base branch fetched there is nothing to compare with: a git error that says so.
    let mut cmd = env.gp(&repo);
    cmd.envs(pr).arg("check");
    let out = expect_code(cmd.output().unwrap(), 3);
    assert!(stderr(&out).contains("cannot resolve `origin/main`"), "{}", stderr(&out));
    assert!(stderr(&out).contains("hint: name a branch, tag or commit id that exists here (fetch it first in CI)"));
    env.remote_for(&repo, "remote.git");
    let (code, v) = check_json(&env, &repo, &pr, &[]);
    assert_eq!(code, Some(1), "the default policy wants an approval: {v}");
    assert_eq!(
        notes_of(&v)[0],
        format!("checking 1 commit(s) of {}..{} (GitHub Actions pull_request into main)", &base[..12], &head[..12])
    );
    assert_eq!(rules_of(&v), ["review.approvals"]);
}

#[test]
fn check_in_a_github_push_uses_the_events_before_and_after() {
    let env = Env::new();
    let (repo, base, head) = branch_repo(&env);
    env.remote_for(&repo, "remote.git");
    let event = env.path("event.json");
    let run = |payload: &str| {
        std::fs::write(&event, payload).unwrap();
        let vars = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
            ("GITHUB_REF_NAME", "Feature_X"),
        ];
        check_json(&env, &repo, &vars, &[])
    };
    let (code, v) = run(&format!(r#"{{"before": "{base}", "after": "{head}"}}"#));
    assert_eq!(code, Some(1));
    assert_eq!(
        notes_of(&v)[0],
        format!("checking 1 commit(s) of {}..{} (GitHub Actions push event (before..after))", &base[..12], &head[..12])
    );
    assert_eq!(rules_of(&v), ["branch.name-pattern", "review.approvals"], "the ref name is the branch judged");
    // A new branch (before is all zeros) or a payload without before/after: the merge base with trunk.
    let zero = "0".repeat(40);
    for payload in [format!(r#"{{"before": "{zero}", "after": "{head}"}}"#), r#"{"ref": "refs/heads/x"}"#.to_string()] {
        let (_, v) = run(&payload);
        assert!(notes_of(&v)[0].ends_with("(merge base with origin/main)"), "{payload}: {v}");
    }
}

#[test]
fn check_refuses_a_github_event_file_that_is_missing_or_not_json() {
    let env = Env::new();
    let (repo, _, _) = branch_repo(&env);
    let run = |path: &Path| {
        let mut cmd = env.gp(&repo);
        cmd.env("GITHUB_ACTIONS", "true").env("GITHUB_EVENT_NAME", "push").env("GITHUB_EVENT_PATH", path);
        cmd.arg("check").output().unwrap()
    };
    let missing = env.path("missing.json");
    let out = expect_code(run(&missing), 3);
    assert!(stderr(&out).contains(&format!("reading {}", missing.display())), "{}", stderr(&out));
    let bad = env.path("bad.json");
    std::fs::write(&bad, "before=abc\n").unwrap();
    let out = expect_code(run(&bad), 2);
    assert!(stderr(&out).contains(&format!("{} is not JSON", bad.display())), "{}", stderr(&out));
    assert!(stderr(&out).contains("hint: GitHub writes the event payload there"));
}

#[test]
fn check_in_a_gitlab_merge_request_uses_the_diff_base_and_source_branch() {
    let env = Env::new();
    let (repo, base, head) = branch_repo(&env);
    let policy = env.no_review_policy();
    let vars = [
        ("GIT_POLICY_FILE", policy.to_str().unwrap()),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", base.as_str()),
        ("CI_COMMIT_SHA", head.as_str()),
        ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "Bad_Name"),
    ];
    let (code, v) = check_json(&env, &repo, &vars, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        notes_of(&v)[0],
        format!("checking 1 commit(s) of {}..{} (GitLab CI merge request)", &base[..12], &head[..12])
    );
    let name = findings_of(&v, "branch.name-pattern");
    assert!(name.len() == 1 && name[0]["message"].as_str().unwrap().contains("Bad_Name"), "{v}");
}

#[test]
fn check_without_ci_variables_uses_the_merge_base_with_trunk() {
    let env = Env::new();
    let (repo, base, head) = branch_repo(&env);
    // Trunk moves on after the branch started: only the branch's own commit is checked.
    env.git(&repo, &["switch", "-q", "main"]);
    env.write(&repo, "later.txt", "later\n");
    env.git(&repo, &["add", "later.txt"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: later"]);
    env.git(&repo, &["switch", "-q", "feat/x"]);
    let policy = env.no_review_policy();
    // A GitHub event `check` does not know, or a pull request without its base branch, falls
    // through to trunk too.
    for event in ["workflow_dispatch", "pull_request"] {
        let vars =
            [("GIT_POLICY_FILE", policy.to_str().unwrap()), ("GITHUB_ACTIONS", "true"), ("GITHUB_EVENT_NAME", event)];
        let (code, v) = check_json(&env, &repo, &vars, &[]);
        assert_eq!(code, Some(0), "{event}: {v}");
        assert_eq!(
            notes_of(&v)[0],
            format!("checking 1 commit(s) of {}..{} (merge base with main)", &base[..12], &head[..12]),
            "{event}"
        );
    }
}

#[test]
fn check_range_must_be_base_two_dots_head() {
    let env = Env::new();
    let (repo, _, _) = branch_repo(&env);
    for (range, message, hint) in [
        ("main", "`main` is not a range", "hint: write BASE..HEAD, e.g. origin/main..HEAD"),
        ("..HEAD", "`..HEAD` is not a range", "hint: write BASE..HEAD, e.g. origin/main..HEAD"),
        ("main...HEAD", "`main...HEAD` uses three dots", "hint: write BASE..HEAD (two dots)"),
    ] {
        let out = expect_code(env.gp(&repo).args(["check", "--range", range]).output().unwrap(), 2);
        assert!(stderr(&out).contains(message) && stderr(&out).contains(hint), "{range}: {}", stderr(&out));
    }
    // An empty head means HEAD.
    let (_, v) = check_json(&env, &repo, &[], &["--range", "main.."]);
    assert!(notes_of(&v)[0].starts_with("checking 1 commit(s)"), "{v}");
}

#[test]
fn check_without_a_trunk_branch_asks_for_a_range() {
    let env = Env::new();
    let repo = env.path("r");
    std::fs::create_dir_all(&repo).unwrap();
    env.git(&repo, &["init", "-q", "-b", "dev"]);
    env.write(&repo, "a.txt", "a\n");
    env.git(&repo, &["add", "a.txt"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: a"]);
    let out = expect_code(env.gp(&repo).arg("check").output().unwrap(), 2);
    assert!(stderr(&out).contains("no range to check: no CI variables and no trunk branch found"), "{}", stderr(&out));
    assert!(stderr(&out).contains("hint: pass --range BASE..HEAD"));
}

// ---- check: attestation and signatures --------------------------------------------------------

#[test]
fn check_attestation_judges_the_commits_of_a_range_but_not_its_merges() {
    let env = Env::new();
    let (repo, _, branch_commit) = branch_repo(&env);
    env.git(&repo, &["switch", "-q", "main"]);
    env.write(&repo, "b.txt", "b\n");
    env.git(&repo, &["add", "b.txt"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: b"]);
    env.git(&repo, &["switch", "-q", "feat/x"]);
    env.git(&repo, &["merge", "-q", "--no-ff", "--no-verify", "-m", "Merge main", "main"]);
    let merge = env.git(&repo, &["rev-parse", "HEAD"]);
    let policy = env.path("attest.toml");
    std::fs::write(
        &policy,
        "extends = [\"builtin:default\"]\n[review]\napprovals = 0\n[rules]\n\"hooks.attested\" = \"error\"\n",
    )
    .unwrap();
    let (code, v) =
        check_json(&env, &repo, &[("GIT_POLICY_FILE", policy.to_str().unwrap())], &["--range", "main..HEAD"]);
    assert_eq!(code, Some(1));
    assert!(notes_of(&v)[0].starts_with("checking 2 commit(s)"), "{v}");
    let attested = findings_of(&v, "hooks.attested");
    assert_eq!(attested.len(), 1, "only the branch's own commit, not the merge: {v}");
    let text = attested[0].to_string();
    assert!(text.contains(&branch_commit[..12]) && !text.contains(&merge[..12]), "{text}");
    assert_eq!(attested[0]["message"], "no git-policy stamps are here at all");
    assert!(attested[0]["help"].as_str().unwrap().contains("git fetch origin"), "{text}");
}

#[test]
fn check_reports_a_commit_changed_after_signing_also_in_a_bare_repository() {
    let env = Env::new();
    let (key, public) = keygen(&env, "ada");
    let signers = format!("ada@example.com {public}\n");
    let repo = signed_commit_on_a_branch(&env, &key, Some(&signers));
    let (code, _) = check_json(&env, &repo, &[], &["--range", "main..HEAD"]);
    assert_eq!(code, Some(0), "the signed commit verifies");
    // The same commit object with its message edited keeps the signature, which no longer matches.
    let raw = env.git(&repo, &["cat-file", "commit", "HEAD"]);
    assert!(raw.contains("gpgsig"), "{raw}");
    let tampered_file = env.path("tampered");
    std::fs::write(&tampered_file, format!("{}\n", raw.replace("feat: signed", "feat: changed"))).unwrap();
    let tampered = env.git(&repo, &["hash-object", "-t", "commit", "-w", tampered_file.to_str().unwrap()]);
    env.git(&repo, &["update-ref", "refs/heads/feat/x", &tampered]);
    let bare = env.remote_for(&repo, "remote.git");
    env.git(&repo, &["push", "-q", "--no-verify", "origin", "feat/x"]);
    for dir in [&repo, &bare] {
        let (code, v) = check_json(&env, dir, &[], &["--range", "main..feat/x"]);
        assert_eq!(code, Some(1), "{}: {v}", dir.display());
        let signed = findings_of(&v, "commits.signed");
        assert_eq!(signed.len(), 1, "{v}");
        assert_eq!(signed[0]["message"], "commit has a bad signature (the commit was changed after signing)");
        assert!(signed[0].to_string().contains(&tampered[..12]), "{v}");
    }
}

#[test]
fn check_of_an_empty_range_passes_even_when_commits_must_be_signed() {
    let env = Env::new();
    let repo = env.repo("r");
    let policy = env.path("signed.toml");
    std::fs::write(
        &policy,
        "extends = [\"builtin:default\"]\n[review]\napprovals = 0\n[commits]\nsigned = true\nallowed-signers = \"signers\"\n",
    )
    .unwrap();
    let (code, v) =
        check_json(&env, &repo, &[("GIT_POLICY_FILE", policy.to_str().unwrap())], &["--range", "main..main"]);
    assert_eq!(code, Some(0), "{v}");
    assert!(notes_of(&v)[0].starts_with("checking 0 commit(s)"), "{v}");
    assert!(rules_of(&v).is_empty());
}

// ---- notes: sync with a remote, export --------------------------------------------------------

#[test]
fn notes_pull_and_push_without_any_remote_say_how_to_add_one() {
    let env = Env::new();
    let repo = env.repo("r");
    for cmd in ["pull", "push"] {
        let out = expect_code(env.gp(&repo).args(["notes", cmd]).output().unwrap(), 2);
        assert!(stderr(&out).contains("this repository has no remote"), "{cmd}: {}", stderr(&out));
        assert!(stderr(&out).contains("hint: add one (git remote add origin URL) or name it"));
    }
}

#[test]
fn notes_sync_through_the_only_remote_when_it_is_not_origin() {
    let env = Env::new();
    let a = env.repo("a");
    let bare = env.path("up.git");
    env.git(env.tmp.path(), &["init", "-q", "--bare", "-b", "main", bare.to_str().unwrap()]);
    env.git(&a, &["remote", "add", "upstream", bare.to_str().unwrap()]);
    env.git(&a, &["push", "-q", "--no-verify", "upstream", "main"]);
    // Nothing to push yet: done, and the remote gets no notes ref.
    let out = env.gp(&a).args(["notes", "push"]).assert().success().get_output().clone();
    assert_eq!(stdout(&out), "nothing to push: this repository has no git-policy notes yet\n");
    assert_eq!(env.git(&bare, &["for-each-ref", "refs/notes/"]), "");
    post_commit_at(&env, &a, "1700000000");
    env.gp(&a).args(["notes", "push"]).assert().success();
    assert!(env.git(&bare, &["for-each-ref", "--format=%(refname)", "refs/notes/"]).contains(DEV));
    // A second repository with the same single remote pulls the stamp.
    let b = env.path("b");
    std::fs::create_dir_all(&b).unwrap();
    env.git(&b, &["init", "-q", "-b", "main"]);
    env.git(&b, &["remote", "add", "upstream", bare.to_str().unwrap()]);
    env.git(&b, &["fetch", "-q", "upstream"]);
    let out = env.gp(&b).args(["notes", "pull"]).assert().success().get_output().clone();
    assert_eq!(stdout(&out), "notes from upstream merged (1 note(s) changed)\n");
    let root = env.git(&a, &["rev-parse", "HEAD"]);
    let note = env.git(&b, &["notes", "--ref", DEV, "show", &root]);
    assert!(note.starts_with("2023-11-14T22:13:20Z v1 committed "), "{note}");
}

#[test]
fn notes_pull_and_push_to_an_unknown_remote_fail_with_gits_reason() {
    let env = Env::new();
    let repo = env.repo("r");
    env.remote_for(&repo, "remote.git");
    post_commit_at(&env, &repo, "1700000000");
    let out = expect_code(env.gp(&repo).args(["notes", "pull", "nope"]).output().unwrap(), 3);
    let err = stderr(&out);
    assert!(
        err.contains("git: fetching notes from nope failed:")
            && err.contains("'nope' does not appear to be a git repository"),
        "{err}"
    );
    assert!(err.contains("hint: check the remote's address and your access (git fetch works?)"), "{err}");
    let out = expect_code(env.gp(&repo).args(["notes", "push", "nope"]).output().unwrap(), 3);
    let err = stderr(&out);
    assert!(
        err.contains("git: pushing notes to nope failed:")
            && err.contains("'nope' does not appear to be a git repository"),
        "{err}"
    );
    assert!(err.contains("hint: check the remote's address and your access (git push works?)"), "{err}");
    // The named remote that exists works.
    env.gp(&repo).args(["notes", "push", "origin"]).assert().success();
}

#[test]
fn notes_export_prints_each_event_after_its_commit_and_refuses_unknown_streams() {
    let env = Env::new();
    let repo = env.repo("r");
    let root = env.git(&repo, &["rev-parse", "HEAD"]);
    let empty = env.gp(&repo).args(["notes", "export", "--stream", "deploy"]).assert().success().get_output().clone();
    assert_eq!(stdout(&empty), "");
    post_commit_at(&env, &repo, "1700000000");
    post_commit_at(&env, &repo, "1700000060");
    let out = env.gp(&repo).args(["notes", "export"]).assert().success().get_output().clone();
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with(&format!("{root} 2023-11-14T22:13:20Z v1 committed ")), "{lines:?}");
    assert!(lines[1].starts_with(&format!("{root} 2023-11-14T22:14:20Z v1 committed ")), "{lines:?}");
    let out = expect_code(env.gp(&repo).args(["notes", "export", "--stream", "deploys"]).output().unwrap(), 2);
    assert!(stderr(&out).contains("no stream `deploys`"), "{}", stderr(&out));
    assert!(stderr(&out).contains("hint: streams: dev, trunk, deploy, incident, coverage"));
}

// ---- stamps -----------------------------------------------------------------------------------

#[test]
fn stamp_merged_tells_direct_fast_forward_and_cherry_picked_commits_apart() {
    let env = Env::new();
    let repo = env.repo("r");
    let start = env.git(&repo, &["rev-parse", "HEAD"]);
    let commit = |file: &str, msg: &str| {
        env.write(&repo, file, file);
        env.git(&repo, &["add", file]);
        env.git(&repo, &["commit", "-q", "--no-verify", "--date=@999999000 +0000", "-m", msg]);
        env.git(&repo, &["rev-parse", "HEAD"])
    };
    // Direct: committed on main with no stamp; its author time is when it began.
    let direct = commit("d", "feat: direct");
    // Fast-forward: a stamped branch commit that lands as itself.
    env.git(&repo, &["switch", "-q", "-c", "feat/ff"]);
    let ff = commit("f", "feat: ff");
    post_commit_at(&env, &repo, "1000001000");
    env.git(&repo, &["switch", "-q", "main"]);
    env.git(&repo, &["merge", "-q", "--ff-only", "feat/ff"]);
    // Cherry-picked: a stamped commit copied onto main, its branch deleted; only the stamp's
    // patch id leads back to it.
    env.git(&repo, &["switch", "-q", "-c", "feat/pick"]);
    let picked_from = commit("p", "feat: pick");
    post_commit_at(&env, &repo, "1000002000");
    env.git(&repo, &["switch", "-q", "main"]);
    env.git(&repo, &["cherry-pick", "-x", "feat/pick"]);
    env.git(&repo, &["branch", "-q", "-D", "feat/pick"]);
    let picked = env.git(&repo, &["rev-parse", "HEAD"]);
    // An unrelated branch with other content is no evidence for any of them.
    env.git(&repo, &["switch", "-q", "-c", "feat/other", &ff]);
    commit("o", "feat: other");
    env.git(&repo, &["switch", "-q", "main"]);
    let out = env
        .gp(&repo)
        .env("GIT_POLICY_BASE", &start)
        .env("GIT_POLICY_HEAD", "HEAD")
        .args(["stamp", "merged"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(
        stdout(&out),
        format!(
            "{} rebase first commit 2001-09-09T02:20:00Z (1 source commit(s))\n\
             {} fast-forward first commit 2001-09-09T02:03:20Z (1 source commit(s))\n\
             {} direct first commit 2001-09-09T01:30:00Z (1 source commit(s))\n",
            &picked[..12],
            &ff[..12],
            &direct[..12]
        )
    );
    let note = env.git(&repo, &["notes", "--ref", TRUNK, "show", &picked]);
    assert!(note.contains("via=rebase") && note.contains(&format!("sources={picked_from}")), "{note}");
    let note = env.git(&repo, &["notes", "--ref", TRUNK, "show", &direct]);
    assert!(note.contains("via=direct") && note.contains(&format!("sources={direct}")), "{note}");
}

#[test]
fn post_commit_writes_no_stamp_when_the_policy_turns_stamps_off() {
    let env = Env::new();
    let repo = env.repo("r");
    env.write(&repo, ".git-policy.toml", "extends = [\"builtin:default\"]\n[lead-time]\nstamp = false\n");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: no stamps"]);
    post_commit_at(&env, &repo, "1700000000");
    assert_eq!(env.git(&repo, &["for-each-ref", "refs/notes/"]), "", "no notes ref was written");
    // The same hook with stamps on writes one.
    env.gp(&repo)
        .env("GIT_POLICY_FILE", env.no_review_policy())
        .env("GIT_POLICY_NOW", "1700000000")
        .args(["hook", "post-commit"])
        .assert()
        .success();
    assert!(env.git(&repo, &["notes", "--ref", DEV, "show", "HEAD"]).contains(" committed "));
}

// ---- deploy -----------------------------------------------------------------------------------

const DEPLOY_POLICY: &str =
    "extends = [\"builtin:default\"]\n[deploy]\nrings = [\"preview\", \"ga\"]\nproduction = \"ga\"\n\
[[services]]\nname = \"api\"\npaths = [\"api/**\"]\n[[services]]\nname = \"web\"\npaths = [\"web/**\"]\n";

/// Runs `deploy ARGS` at `now` under the deploy policy.
fn deploy(env: &Env, repo: &Path, now: i64, args: &[&str]) -> Output {
    let policy = env.path("deploy.toml");
    std::fs::write(&policy, DEPLOY_POLICY).unwrap();
    env.gp(repo)
        .env("GIT_POLICY_FILE", &policy)
        .env("GIT_POLICY_NOW", now.to_string())
        .arg("deploy")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn deploy_finish_without_id_completes_the_started_record_of_its_ring() {
    let env = Env::new();
    let repo = env.repo("r");
    let t = 1_780_000_000;
    let started = expect_code(deploy(&env, &repo, t, &["--env", "prod", "--status", "started"]), 0);
    assert_eq!(stdout(&started), "prod-ga-20260528T202640Z\n");
    // A start in another ring is not the one a finish in ga completes.
    expect_code(deploy(&env, &repo, t + 60, &["--env", "prod", "--ring", "preview", "--status", "started"]), 0);
    let done = expect_code(deploy(&env, &repo, t + 600, &["--env", "prod"]), 0);
    assert_eq!(stdout(&done), "prod-ga-20260528T202640Z\n", "the finish completes the started record");
    assert!(stderr(&done).contains("to ring ga (prod), success"), "{}", stderr(&done));
    // Once finished, another success is a new deployment, and a redeploy of a live revision.
    let again = expect_code(deploy(&env, &repo, t + 1200, &["--env", "prod"]), 0);
    assert_eq!(stdout(&again), "prod-ga-20260528T204640Z\n");
    assert!(stderr(&again).contains("(a redeploy: this revision was already live in the ring)"), "{}", stderr(&again));
    let note = env.git(&repo, &["notes", "--ref", DEPLOY, "show", "HEAD"]);
    let lines: Vec<&str> = note.lines().collect();
    assert_eq!(lines.len(), 4, "{note}");
    assert!(lines[2].contains("id=prod-ga-20260528T202640Z env=prod ring=ga status=success"), "{note}");
    assert!(lines[3].ends_with("redeploy=true"), "{note}");
}

#[test]
fn deploy_refuses_services_and_rings_the_policy_does_not_name() {
    let env = Env::new();
    let repo = env.repo("r");
    let out = expect_code(deploy(&env, &repo, 1_780_000_000, &["--env", "prod", "--service", "apj"]), 2);
    assert!(stderr(&out).contains("`apj` is not a service of the policy (api, web)"), "{}", stderr(&out));
    assert!(stderr(&out).contains("hint: name one of [[services]], or add it there"));
    let out = expect_code(
        deploy(&env, &repo, 1_780_000_000, &["rollback", "--env", "prod", "--ring", "canary", "--to", "HEAD"]),
        2,
    );
    assert!(stderr(&out).contains("`canary` is not a ring of the policy (preview, ga)"), "{}", stderr(&out));
    assert!(
        env.git_out(&repo, &["notes", "--ref", DEPLOY, "list"]).stdout.is_empty(),
        "nothing is recorded for a refused deployment"
    );
    let out = expect_code(deploy(&env, &repo, 1_780_000_000, &["--env", "prod", "--service", "api"]), 0);
    assert!(stderr(&out).contains(", service api, success"), "{}", stderr(&out));
    assert!(env.git(&repo, &["notes", "--ref", DEPLOY, "show", "HEAD"]).contains(" service=api "));
}

#[test]
fn rollback_of_a_service_replaces_only_that_services_deployment() {
    let env = Env::new();
    let repo = env.repo("r");
    let old = env.git(&repo, &["rev-parse", "HEAD"]);
    env.write(&repo, "api/x", "x");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: api x"]);
    let new = env.git(&repo, &["rev-parse", "HEAD"]);
    let t = 1_780_000_000;
    // The whole repository is live in ga; no service is.
    expect_code(deploy(&env, &repo, t, &["--env", "prod", "--id", "all-1"]), 0);
    let out =
        expect_code(deploy(&env, &repo, t + 60, &["rollback", "--env", "prod", "--service", "api", "--to", &old]), 0);
    assert_eq!(stdout(&out), "rollback-prod-ga-20260528T202740Z\n");
    assert!(stderr(&out).contains("replacing nothing recorded as live"), "{}", stderr(&out));
    let note = env.git(&repo, &["notes", "--ref", DEPLOY, "show", &old]);
    assert!(note.contains(" service=api ") && !note.contains("rollback-of="), "{note}");
    // Once api runs the new revision, rolling api back names what it replaces.
    expect_code(deploy(&env, &repo, t + 120, &["--env", "prod", "--service", "api", "--id", "api-2", &new]), 0);
    let out = expect_code(
        deploy(&env, &repo, t + 180, &["rollback", "--env", "prod", "--service", "api", "--id", "rb-3", "--to", &old]),
        0,
    );
    assert!(stderr(&out).contains(&format!("replacing api-2 ({})", &new[..12])), "{}", stderr(&out));
    assert!(env.git(&repo, &["notes", "--ref", DEPLOY, "show", &old]).contains("id=rb-3 "));
    assert!(env.git(&repo, &["notes", "--ref", DEPLOY, "show", &old]).contains("rollback-of=api-2"));
}

#[test]
fn deploy_records_with_an_unknown_status_or_event_are_never_live() {
    let env = Env::new();
    let repo = env.repo("r");
    let head = env.git(&repo, &["rev-parse", "HEAD"]);
    let note = format!(
        "2026-05-28T20:00:00Z v1 deployed tz=+0000 id=odd-1 env=prod ring=ga status=paused revision={head}\n\
         2026-05-28T20:01:00Z v1 promoted tz=+0000 id=odd-2 env=prod ring=ga revision={head}\n"
    );
    env.git(&repo, &["notes", "--ref", DEPLOY, "add", "-m", &note, "HEAD"]);
    let out = expect_code(deploy(&env, &repo, 1_780_000_000, &["rollback", "--env", "prod", "--to", "HEAD"]), 0);
    assert!(stderr(&out).contains("replacing nothing recorded as live"), "{}", stderr(&out));
    // A well-formed success in the same place is what a rollback replaces.
    let note = format!(
        "2026-05-28T20:30:00Z v1 deployed tz=+0000 id=good-1 env=prod ring=ga status=success revision={head}\n"
    );
    env.git(&repo, &["notes", "--ref", DEPLOY, "append", "-m", &note, "HEAD"]);
    let out = expect_code(deploy(&env, &repo, 1_780_002_000, &["rollback", "--env", "prod", "--to", "HEAD"]), 0);
    assert!(
        stderr(&out).contains(&format!("replacing good-1 (which already runs {})", &head[..12])),
        "{}",
        stderr(&out)
    );
    // A rollback in the reference layout (`rolledback deploy= from= to=`) is live too.
    let note =
        format!("2026-05-28T21:10:00Z v1 rolledback tz=+0000 deploy=ref-rb env=prod ring=ga from=good-1 to={head}\n");
    env.git(&repo, &["notes", "--ref", DEPLOY, "append", "-m", &note, "HEAD"]);
    let out = expect_code(deploy(&env, &repo, 1_780_005_000, &["rollback", "--env", "prod", "--to", "HEAD"]), 0);
    assert!(
        stderr(&out).contains(&format!("replacing ref-rb (which already runs {})", &head[..12])),
        "{}",
        stderr(&out)
    );
}

// ---- review -----------------------------------------------------------------------------------

#[test]
fn approve_refuses_the_root_commit() {
    let env = Env::new();
    let repo = env.repo("r");
    let out = expect_code(env.gp(&repo).args(["review", "approve"]).output().unwrap(), 2);
    assert!(stderr(&out).contains("the root commit has no change to approve"), "{}", stderr(&out));
    assert!(stderr(&out).contains("hint: approve a commit that has a parent"));
    assert!(env.git_out(&repo, &["notes", "--ref", "review", "list"]).stdout.is_empty());
}

#[test]
fn approve_without_a_trunk_branch_approves_the_commit_against_its_parent() {
    let env = Env::new();
    let repo = env.path("r");
    std::fs::create_dir_all(&repo).unwrap();
    env.git(&repo, &["init", "-q", "-b", "dev"]);
    for f in ["a", "b"] {
        env.write(&repo, f, f);
        env.git(&repo, &["add", f]);
        env.git(&repo, &["commit", "-q", "--no-verify", "-m", &format!("feat: {f}")]);
    }
    let parent = env.git(&repo, &["rev-parse", "HEAD~1"]);
    let head = env.git(&repo, &["rev-parse", "HEAD"]);
    let out = env.gp(&repo).args(["review", "approve"]).assert().success().get_output().clone();
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!("approved {} ({}..{}, patch-id ", &head[..12], &parent[..12], &head[..12])),
        "{text}"
    );
    assert!(text.contains("share it: git push origin refs/notes/review"), "{text}");
    let note = env.git(&repo, &["notes", "--ref", "review", "show", "HEAD"]);
    assert!(
        note.starts_with("Code-Review+2: Ada Dev <ada@example.com>\nGit-Policy-Approval: v1 email=ada@example.com"),
        "{note}"
    );
}

#[test]
fn approve_sign_needs_a_usable_ssh_key() {
    let env = Env::new();
    let (repo, _, _) = branch_repo(&env);
    let out = expect_code(env.gp(&repo).args(["review", "approve", "--sign"]).output().unwrap(), 2);
    assert!(stderr(&out).contains("--sign needs an SSH key"), "{}", stderr(&out));
    assert!(stderr(&out).contains("hint: set it: git config user.signingkey"));
    let missing = env.path("keys/none");
    env.git(&repo, &["config", "user.signingkey", missing.to_str().unwrap()]);
    let out = expect_code(env.gp(&repo).args(["review", "approve", "--sign"]).output().unwrap(), 3);
    assert!(stderr(&out).contains("git: ssh-keygen could not sign:"), "{}", stderr(&out));
    assert!(stderr(&out).contains(missing.to_str().unwrap()), "{}", stderr(&out));
    assert!(env.git_out(&repo, &["notes", "--ref", "review", "list"]).stdout.is_empty(), "no unsigned record instead");
}

#[test]
fn a_gerrit_vote_counts_only_on_the_head_commit() {
    let env = Env::new();
    let (repo, _, first) = branch_repo(&env);
    let vote = |rev: &str| {
        env.git(&repo, &["notes", "--ref", "review", "add", "-f", "-m", "Code-Review+2: Bob <bob@example.com>", rev])
    };
    vote(&first);
    let (code, v) = check_json(&env, &repo, &[], &["--range", "main..HEAD"]);
    assert_eq!((code, rules_of(&v)), (Some(0), vec![]), "a vote on the head approves: {v}");
    env.write(&repo, "b.txt", "b\n");
    env.git(&repo, &["add", "b.txt"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: b"]);
    let (code, v) = check_json(&env, &repo, &[], &["--range", "main..HEAD"]);
    assert_eq!(
        (code, rules_of(&v)),
        (Some(1), vec!["review.approvals".to_string()]),
        "the vote is on an older commit: {v}"
    );
    vote("HEAD");
    assert_eq!(check_json(&env, &repo, &[], &["--range", "main..HEAD"]).0, Some(0));
}

#[test]
fn a_signed_approval_is_refused_when_the_base_has_no_allowed_signers_file() {
    let env = Env::new();
    let (bob_key, _) = keygen(&env, "bob");
    let repo = crate::review::change(
        &env,
        "extends = [\"builtin:default\"]\n[review]\napprovals = 1\nrequire-signed = true\nallowed-signers = \".github/allowed_signers\"\n",
    );
    env.git(&repo, &["config", "user.signingkey", bob_key.to_str().unwrap()]);
    let out = env
        .gp(&repo)
        .env("GIT_COMMITTER_NAME", "bob")
        .env("GIT_COMMITTER_EMAIL", "bob@example.com")
        .args(["review", "approve", "--sign"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(stdout(&out).contains("as bob <bob@example.com>, signed"), "{}", stdout(&out));
    assert!(env.git(&repo, &["notes", "--ref", "review", "show", "HEAD"]).contains(" sig="));
    let (code, v) = check_json(&env, &repo, &[], &["--range", "main..HEAD"]);
    assert_eq!(code, Some(1), "{v}");
    let text = v["findings"].to_string();
    assert!(text.contains("bob@example.com") && text.contains("does not verify against allowed-signers"), "{text}");
}

#[test]
fn codeowners_path_from_the_policy_replaces_githubs_and_an_empty_one_turns_owners_off() {
    let with = |codeowners: &str| {
        let env = Env::new();
        let repo = env.repo("r");
        env.write(
            &repo,
            ".git-policy.toml",
            &format!("extends = [\"builtin:default\"]\n[review]\napprovals = 1\n{codeowners}"),
        );
        env.write(&repo, "OWNERS", "src/** bob@example.com\n");
        env.write(&repo, ".github/CODEOWNERS", "* carol@example.com\n");
        env.git(&repo, &["add", "."]);
        env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: policy"]);
        env.git(&repo, &["switch", "-q", "-c", "feat/x"]);
        env.write(&repo, "src/a.rs", "fn a() {}\n");
        env.git(&repo, &["add", "."]);
        env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: a\n\nReviewed-by: Carol <carol@example.com>"]);
        let (code, v) = check_json(&env, &repo, &[], &["--range", "main..HEAD"]);
        (code, v, env)
    };
    // GitHub's location: Carol owns everything and approved.
    let (code, v, _) = with("");
    assert_eq!(code, Some(0), "{v}");
    // The policy's file: Bob owns src/ and has not approved.
    let (code, v, _) = with("codeowners = \"OWNERS\"\n");
    assert_eq!(code, Some(1), "{v}");
    let owners = findings_of(&v, "review.owners");
    assert_eq!(owners.len(), 1, "{v}");
    assert_eq!(owners[0]["message"], "no approval from the owners (bob@example.com) of src/a.rs");
    // No owners file at all: an approval by anyone else is enough.
    let (code, v, _) = with("codeowners = \"\"\n");
    assert_eq!(code, Some(0), "{v}");
}

// ---- install, uninstall, doctor ---------------------------------------------------------------

#[test]
fn install_refuses_an_unknown_hook_name() {
    let env = Env::new();
    let repo = env.repo("r");
    let out = expect_code(env.gp(&repo).args(["install", "--hooks", "pre-commit,pre-comit"]).output().unwrap(), 2);
    assert!(stderr(&out).contains("git-policy has no `pre-comit` hook"), "{}", stderr(&out));
    assert!(stderr(&out).contains(
        "hint: hooks: pre-commit, commit-msg, pre-push, post-commit, post-rewrite, pre-applypatch, applypatch-msg, post-applypatch"
    ));
    assert!(!repo.join(".git/hooks/pre-commit").exists(), "nothing is installed when one name is wrong");
}

#[test]
fn install_rewrites_an_edited_shim_and_says_it_updated_it() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gp(&repo).args(["install", "--hooks", "pre-commit"]).assert().success();
    let hook = repo.join(".git/hooks/pre-commit");
    let shipped = std::fs::read_to_string(&hook).unwrap();
    std::fs::write(&hook, format!("{shipped}# edited by hand\n")).unwrap();
    let out = env.gp(&repo).args(["install", "--hooks", "pre-commit"]).assert().success().get_output().clone();
    assert!(stdout(&out).starts_with("pre-commit: updated\n"), "{}", stdout(&out));
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), shipped);
    let out = env.gp(&repo).args(["install", "--hooks", "pre-commit"]).assert().success().get_output().clone();
    assert!(stdout(&out).starts_with("pre-commit: already installed\n"), "{}", stdout(&out));
}

#[test]
fn install_into_a_hooks_path_that_is_a_file_is_an_io_error() {
    let env = Env::new();
    let repo = env.repo("r");
    env.write(&repo, "hooks-file", "not a directory\n");
    env.git(&repo, &["config", "core.hooksPath", "hooks-file"]);
    let out = expect_code(env.gp(&repo).arg("install").output().unwrap(), 3);
    assert!(stderr(&out).contains(&format!("installing {}", repo.join("hooks-file").display())), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(repo.join("hooks-file")).unwrap(), "not a directory\n");
}

#[test]
fn uninstall_removes_the_notes_refspec_of_every_remote() {
    let env = Env::new();
    let repo = env.repo("r");
    env.remote_for(&repo, "remote.git");
    let second = env.path("second.git");
    env.git(env.tmp.path(), &["init", "-q", "--bare", second.to_str().unwrap()]);
    env.git(&repo, &["remote", "add", "mirror", second.to_str().unwrap()]);
    env.gp(&repo).arg("install").assert().success();
    let fetch = |remote: &str| env.git(&repo, &["config", "--get-all", &format!("remote.{remote}.fetch")]);
    assert!(fetch("origin").contains("refs/notes/remotes/origin/git-policy/*"));
    assert!(fetch("mirror").contains("refs/notes/remotes/mirror/git-policy/*"));
    env.gp(&repo).arg("uninstall").assert().success();
    assert_eq!(fetch("origin"), "+refs/heads/*:refs/remotes/origin/*", "only git's own refspec is left");
    assert_eq!(fetch("mirror"), "+refs/heads/*:refs/remotes/mirror/*");
    let out = env.gp(&repo).arg("doctor").assert().code(1).get_output().clone();
    assert!(
        stdout(&out).contains("remote mirror does not fetch git-policy notes: run `git-policy install`"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn doctor_in_a_bare_repository_checks_the_server_hook_and_no_remotes() {
    let env = Env::new();
    let bare = env.path("server.git");
    env.git(env.tmp.path(), &["init", "-q", "--bare", bare.to_str().unwrap()]);
    let out = env.gp(&bare).arg("doctor").assert().code(1).get_output().clone();
    let text = stdout(&out);
    assert!(text.contains("BAD pre-receive   missing"), "{text}");
    assert!(!text.contains("pre-commit"), "a server runs no client hooks: {text}");
    assert!(text.contains("notes refspecs: no remotes"), "{text}");
    assert!(text.contains("pre-receive: missing: run `git-policy install`"), "{text}");
    env.gp(&bare).args(["install", "--server"]).assert().success();
    let out = env.gp(&bare).arg("doctor").assert().success().get_output().clone();
    assert!(
        stdout(&out).contains("ok  pre-receive   ours") && stdout(&out).contains("everything works"),
        "{}",
        stdout(&out)
    );
    let out = env.gp(&bare).arg("uninstall").assert().success().get_output().clone();
    assert_eq!(stdout(&out), "pre-receive: removed\n");
    assert!(!bare.join("hooks/pre-receive").exists());
}

// ---- the command line as a whole --------------------------------------------------------------

#[test]
fn dash_c_with_a_missing_directory_is_an_io_error() {
    let env = Env::new();
    let missing = env.path("nowhere");
    let out = expect_code(env.gp(env.tmp.path()).arg("-C").arg(&missing).args(["policy", "show"]).output().unwrap(), 3);
    let err = stderr(&out);
    assert!(err.contains(&format!("cannot change to {}", missing.display())), "{err}");
    // The cause is said once, and a missing path gets a hint.
    assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
    assert!(err.contains("hint: check that the path exists"), "{err}");
    let repo = env.repo("r");
    let out = env.gp(env.tmp.path()).arg("-C").arg(&repo).arg("doctor").output().unwrap();
    assert!(
        stdout(&out).contains(&format!("hooks directory: {}", repo.join(".git/hooks").display())),
        "{}",
        stdout(&out)
    );
}

#[test]
fn policy_show_outside_a_repository_is_the_embedded_default() {
    let env = Env::new();
    let out = env.gp(env.tmp.path()).args(["policy", "show"]).assert().success().get_output().clone();
    let text = stdout(&out);
    assert!(text.starts_with("# files, applied in order: builtin:default\n"), "{text}");
    assert!(text.contains("branch.max-age = \"2d\""), "{text}");
}

/// Runs a prepared git-policy command with stdout on /dev/full, so every write fails.
fn with_full_stdout(cmd: &assert_cmd::Command) -> Output {
    let mut c = std::process::Command::new(cmd.get_program());
    c.args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => c.env(k, v),
            None => c.env_remove(k),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        c.current_dir(dir);
    }
    c.stdout(std::fs::File::create("/dev/full").unwrap()).output().unwrap()
}

#[test]
fn output_that_cannot_be_written_is_an_io_error_and_records_nothing() {
    let env = Env::new();
    let repo = env.repo("r");
    post_commit_at(&env, &repo, "1700000000");
    let mut export = env.gp(&repo);
    export.args(["notes", "export"]);
    let mut show = env.gp(&repo);
    show.args(["policy", "show"]);
    for cmd in [&export, &show] {
        let out = expect_code(with_full_stdout(cmd), 3);
        assert!(
            stderr(&out).contains("git-policy: error: writing output: No space left on device"),
            "{}",
            stderr(&out)
        );
    }
    let mut stamp = env.gp(&repo);
    stamp.args(["stamp", "merged", "--range", "HEAD..HEAD"]);
    expect_code(with_full_stdout(&stamp), 0);
    // A stamp that cannot be reported is not written either.
    env.write(&repo, "b.txt", "b\n");
    env.git(&repo, &["add", "b.txt"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: b"]);
    let mut stamp = env.gp(&repo);
    stamp.args(["stamp", "merged", "--range", "HEAD~1..HEAD"]);
    let out = expect_code(with_full_stdout(&stamp), 3);
    assert!(stderr(&out).contains("writing output"), "{}", stderr(&out));
    assert!(env.git_out(&repo, &["notes", "--ref", TRUNK, "list"]).stdout.is_empty());
}

#[test]
fn a_missing_allowed_signers_file_is_not_replaced_by_the_machines_own_config() {
    let env = Env::new();
    let (key, public) = keygen(&env, "ada");
    // The base names an allowed-signers file it does not contain.
    let repo = signed_commit_on_a_branch(&env, &key, None);
    // The machine (a CI runner, say) trusts the key in its own global config.
    let machine_signers = env.path("machine-signers");
    std::fs::write(&machine_signers, format!("ada@example.com {public}\n")).unwrap();
    let global = env.path("machine.gitconfig");
    std::fs::write(&global, format!("[gpg \"ssh\"]\n\tallowedSignersFile = {}\n", machine_signers.display())).unwrap();
    let (code, v) =
        check_json(&env, &repo, &[("GIT_CONFIG_GLOBAL", global.to_str().unwrap())], &["--range", "main..HEAD"]);
    assert_eq!(code, Some(1), "{v}");
    let signed = findings_of(&v, "commits.signed");
    assert_eq!(signed.len(), 1, "{v}");
    assert_eq!(signed[0]["message"], "commit cannot be verified: signers is not in the base commit");
}

#[test]
fn notes_push_with_no_notes_says_there_is_nothing_to_push() {
    let env = Env::new();
    let repo = env.repo("r");
    env.remote_for(&repo, "remote.git");
    let out = env.gp(&repo).args(["notes", "push"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out).trim(), "nothing to push: this repository has no git-policy notes yet");
}
