//! The hooks as git runs them: real commits, real pushes to a local bare remote.

use crate::common::{stderr, Env};

#[test]
fn commit_msg_runs_on_a_real_commit() {
    let env = Env::new();
    let repo = env.repo("r");
    env.write(&repo, ".git-policy.toml", "extends = [\"builtin:default\"]\n[commits]\nsubject-max-length = 20\n");
    env.gp(&repo).arg("install").assert().success();
    env.git(&repo, &["switch", "-q", "-c", "feat/m"]);
    let bad = env.commit(&repo, "a.txt", "a", "feat: this subject is far too long");
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("commits.subject-max-length"), "{}", stderr(&bad));
    let ok = env.git_out(&repo, &["commit", "-q", "-m", "feat: short"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    // Comment lines are stripped before judging, as git strips them.
    let long_comment = format!("feat: short2\n# {}\n", "x".repeat(200));
    env.write(&repo, "msg.txt", &long_comment);
    env.write(&repo, "b.txt", "b");
    env.git(&repo, &["add", "b.txt"]);
    let ok = env.git_out(&repo, &["commit", "-q", "-F", "msg.txt", "--cleanup=strip"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
}

#[test]
fn pre_push_runs_on_a_real_push_and_judges_every_new_commit() {
    let env = Env::new();
    let repo = env.repo("r");
    env.remote_for(&repo, "remote.git");
    env.gp(&repo).arg("install").assert().success();
    env.git(&repo, &["switch", "-q", "-c", "feat/p"]);
    assert!(env.commit(&repo, "a.txt", "a", "fixup! feat: a").status.success());
    assert!(env.commit(&repo, "b.txt", "b", "feat: b").status.success());
    let out = env.git_out(&repo, &["push", "origin", "feat/p"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("commits.forbid-subjects") && err.contains("fixup! feat: a"), "{err}");
    assert!(err.contains("ref refs/heads/feat/p"), "{err}");
    env.git(&repo, &["commit", "-q", "--amend", "--no-verify", "-m", "feat: b and a"]);
    env.git(&repo, &["reset", "-q", "--soft", "HEAD~2"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: a and b"]);
    let out = env.git_out(&repo, &["push", "origin", "feat/p"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn pre_push_refuses_force_push_and_deletion_of_protected_branches() {
    let env = Env::new();
    let repo = env.repo("r");
    env.remote_for(&repo, "remote.git");
    env.gp(&repo).arg("install").assert().success();
    env.git(&repo, &["commit", "-q", "--no-verify", "--amend", "-m", "chore: rewritten root"]);
    let out = env.git_out(&repo, &["push", "-f", "origin", "main"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("trunk.force-push"), "{}", stderr(&out));
    let out = env.git_out(&repo, &["push", "origin", ":main"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("trunk.delete"), "{}", stderr(&out));
    // A work branch may be force-pushed and deleted.
    env.git(&repo, &["switch", "-q", "-c", "feat/f"]);
    assert!(env.commit(&repo, "f.txt", "f", "feat: f").status.success());
    env.git(&repo, &["push", "-q", "origin", "feat/f"]);
    env.git(&repo, &["commit", "-q", "--amend", "--no-verify", "-m", "feat: f2"]);
    env.git(&repo, &["push", "-q", "-f", "origin", "feat/f"]);
    env.git(&repo, &["push", "-q", "origin", ":feat/f"]);
}

#[test]
fn skip_is_honoured_by_hooks_and_shown() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gp(&repo).arg("install").assert().success();
    env.write(&repo, "a.txt", "a");
    env.git(&repo, &["add", "a.txt"]);
    let mut cmd = std::process::Command::new("git");
    cmd.current_dir(&repo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", env.path("home"))
        .env("GIT_POLICY_SKIP", "trunk.protected-commit");
    let out = cmd.args(["commit", "-q", "-m", "chore: hotfix on main"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("skipped by GIT_POLICY_SKIP: trunk.protected-commit"), "{}", stderr(&out));
}

#[test]
fn skip_is_refused_when_the_policy_forbids_it() {
    let env = Env::new();
    let repo = env.repo("r");
    env.write(&repo, ".git-policy.toml", "extends = [\"builtin:default\"]\n[hooks]\nallow-skip = false\n");
    env.git(&repo, &["add", ".git-policy.toml"]);
    env.gp(&repo)
        .env("GIT_POLICY_SKIP", "trunk.protected-commit")
        .args(["hook", "pre-commit"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("allow-skip = false"));
}

#[test]
fn first_commit_of_a_repository_is_allowed_on_main() {
    let env = Env::new();
    let dir = env.path("fresh");
    std::fs::create_dir_all(&dir).unwrap();
    env.git(&dir, &["init", "-q", "-b", "main"]);
    env.gp(&dir).arg("install").assert().success();
    let out = env.commit(&dir, "a.txt", "a", "chore: start");
    assert!(out.status.success(), "{}", stderr(&out));
    let second = env.commit(&dir, "b.txt", "b", "chore: second");
    assert!(!second.status.success());
}

#[test]
fn staged_forbidden_and_large_files_are_refused() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gp(&repo).arg("install").assert().success();
    env.git(&repo, &["switch", "-q", "-c", "feat/s"]);
    let out = env.commit(&repo, "config/.env", "SECRET=1", "feat: config");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("commits.forbid-paths"), "{}", stderr(&out));
    env.git(&repo, &["rm", "-q", "--cached", "config/.env"]);
    env.write(&repo, "big.bin", &"x".repeat(5_000_001));
    env.git(&repo, &["add", "big.bin"]);
    let out = env.git_out(&repo, &["commit", "-q", "-m", "feat: big"]);
    assert!(stderr(&out).contains("commits.max-file-size"), "{}", stderr(&out));
}

#[test]
fn post_hooks_never_fail_the_command() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gp(&repo).args(["hook", "post-commit"]).assert().success();
    env.gp(&repo).args(["hook", "post-rewrite", "amend"]).write_stdin("").assert().success();
    env.gp(&repo).args(["hook", "no-such-hook"]).assert().code(2);
}

#[test]
fn check_judges_every_commit_and_ignores_skip() {
    let env = Env::new();
    let repo = env.repo("r");
    env.git(&repo, &["switch", "-q", "-c", "feat/c"]);
    for (f, m) in [("a", "WIP stuff"), ("b", "feat: fine")] {
        env.write(&repo, f, f);
        env.git(&repo, &["add", f]);
        env.git(&repo, &["commit", "-q", "--no-verify", "-m", m]);
    }
    let nr = env.no_review_policy();
    let out = env
        .gp(&repo)
        .env("GIT_POLICY_FILE", &nr)
        .env("GIT_POLICY_SKIP", "commits.forbid-subjects")
        .args(["check", "--range", "main..HEAD", "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"][0]["rule"], "commits.forbid-subjects");
    assert!(stderr(&out).contains("ignored by `check`"));
    env.gp(&repo).env("GIT_POLICY_FILE", &nr).args(["check", "--range", "HEAD~1..HEAD"]).assert().success();
    env.gp(&repo).args(["check", "--range", "main...HEAD"]).assert().code(2);
    env.gp(&repo).args(["check", "--range", "nope..HEAD"]).assert().code(3);
}

#[test]
fn check_uses_the_base_policy_not_the_changed_one() {
    let env = Env::new();
    let repo = env.repo("r");
    env.write(&repo, ".git-policy.toml", "extends = [\"builtin:default\"]\n[commits]\nsubject-max-length = 20\n");
    env.git(&repo, &["add", ".git-policy.toml"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: policy"]);
    env.git(&repo, &["switch", "-q", "-c", "feat/h"]);
    env.write(&repo, ".git-policy.toml", "extends = [\"builtin:default\"]\n[commits]\nsubject-max-length = 200\n");
    env.git(&repo, &["add", ".git-policy.toml"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: loosen the policy so this long subject passes"]);
    let out = env.gp(&repo).args(["check", "--range", "main..HEAD"]).assert().code(1).get_output().clone();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("commits.subject-max-length") && text.contains("more than 20"), "{text}");
    assert!(text.contains("policy from the base commit"), "{text}");
}

#[test]
fn branch_age_and_distance_are_checked_on_push_and_in_ci() {
    let env = Env::new();
    let repo = env.repo("r");
    env.remote_for(&repo, "remote.git");
    env.write(&repo, ".git-policy.toml", "extends = [\"builtin:default\"]\n[branch]\nmax-behind = 2\nmax-ahead = 2\n[review]\napprovals = 0\n[rules]\n\"branch.max-age\" = \"error\"\n\"branch.max-behind\" = \"error\"\n");
    env.git(&repo, &["add", ".git-policy.toml"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: policy"]);
    env.git(&repo, &["push", "-q", "--no-verify", "origin", "main"]);
    env.gp(&repo).arg("install").assert().success();
    env.git(&repo, &["switch", "-q", "-c", "feat/old"]);
    assert!(env.commit(&repo, "a.txt", "a", "feat: a").status.success());
    let author_time: i64 = env.git(&repo, &["log", "-1", "--format=%at"]).parse().unwrap();
    // Two days and one second later, the branch is too old; exactly two days is fine.
    let push_at = |secs: i64| {
        let mut c = std::process::Command::new("git");
        c.current_dir(&repo).env("GIT_CONFIG_GLOBAL", "/dev/null").env("HOME", env.path("home"));
        c.env("GIT_POLICY_NOW", secs.to_string())
            .args(["push", "-q", "--dry-run", "origin", "feat/old"])
            .output()
            .unwrap()
    };
    assert!(push_at(author_time + 2 * 86_400).status.success());
    let late = push_at(author_time + 2 * 86_400 + 1);
    assert!(!late.status.success());
    assert!(
        stderr(&late).contains("branch.max-age") && stderr(&late).contains("oldest commit not on origin/main"),
        "{}",
        stderr(&late)
    );
    // Trunk moves on by three commits: the branch is behind.
    env.git(&repo, &["switch", "-q", "main"]);
    for i in 0..3 {
        env.write(&repo, &format!("m{i}"), "m");
        env.git(&repo, &["add", "."]);
        env.git(&repo, &["commit", "-q", "--no-verify", "-m", &format!("chore: m{i}")]);
    }
    env.git(&repo, &["push", "-q", "--no-verify", "origin", "main"]);
    env.git(&repo, &["switch", "-q", "feat/old"]);
    let out = env
        .gp(&repo)
        .env("GIT_POLICY_NOW", author_time.to_string())
        .args(["check", "--range", "main..HEAD", "--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["branch.max-behind"], "{v}");
}

#[test]
fn merges_on_a_branch_break_linear_history() {
    let env = Env::new();
    let repo = env.repo("r");
    env.git(&repo, &["switch", "-q", "-c", "feat/m"]);
    env.write(&repo, "a", "a");
    env.git(&repo, &["add", "a"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: a"]);
    env.git(&repo, &["switch", "-q", "main"]);
    env.write(&repo, "b", "b");
    env.git(&repo, &["add", "b"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: b"]);
    env.git(&repo, &["switch", "-q", "feat/m"]);
    // The message says nothing of a merge: a merge is judged by its parents only.
    env.git(&repo, &["merge", "-q", "--no-ff", "--no-verify", "-m", "feat: bring in b", "main"]);
    let nr = env.no_review_policy();
    let out = env
        .gp(&repo)
        .env("GIT_POLICY_FILE", &nr)
        .args(["check", "--range", "main..HEAD"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stdout).contains("branch.linear"));
    env.git(&repo, &["reset", "-q", "--hard", "HEAD~1"]);
    env.git(&repo, &["rebase", "-q", "main"]);
    env.gp(&repo).env("GIT_POLICY_FILE", &nr).args(["check", "--range", "main..HEAD"]).assert().success();
}

/// The fast index reader agrees with `git diff --cached` through a series of real changes.
#[test]
fn staged_changes_match_git_diff_cached() {
    let env = Env::new();
    let repo = env.repo("r");
    for i in 0..40 {
        env.write(&repo, &format!("d{}/e{}/f{i}.txt", i % 4, i % 3), &format!("{i}\n"));
    }
    env.write(&repo, "top.txt", "t");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: tree"]);
    env.git(&repo, &["switch", "-q", "-c", "feat/s"]);
    let policy = env.path("all.toml");
    std::fs::write(
        &policy,
        "[commits]\nforbid-paths = [\"**\"]\nmax-files = 0\n[rules]\n\"commits.max-files\" = \"error\"\n",
    )
    .unwrap();
    let compare = |what: &str| {
        let out = env.gp(&repo).env("GIT_POLICY_FILE", &policy).args(["hook", "pre-commit"]).output().unwrap();
        let err = stderr(&out);
        let mut ours: Vec<String> = err
            .lines()
            .filter_map(|l| l.strip_prefix("error[commits.forbid-paths]: `"))
            .map(|l| l.split('`').next().unwrap().to_string())
            .collect();
        ours.sort();
        let status = env.git(&repo, &["diff", "--cached", "--no-renames", "--name-status"]);
        let mut theirs: Vec<String> =
            status.lines().filter(|l| !l.starts_with('D')).map(|l| l.split('\t').nth(1).unwrap().to_string()).collect();
        theirs.sort();
        assert_eq!(ours, theirs, "{what}: {err}");
        let total = status.lines().count();
        if total > 0 {
            assert!(err.contains(&format!("{total} files changed, more than 0")), "{what}: {total} expected: {err}");
        }
    };
    compare("nothing staged");
    env.write(&repo, "d1/e1/f1.txt", "changed\n");
    env.git(&repo, &["add", "d1/e1/f1.txt"]);
    compare("one modified file");
    env.write(&repo, "new/dir/n.txt", "n");
    env.git(&repo, &["add", "new"]);
    compare("a new directory");
    env.git(&repo, &["rm", "-q", "-r", "d2"]);
    compare("a deleted directory");
    env.git(&repo, &["mv", "top.txt", "d0/moved.txt"]);
    compare("a rename");
    env.git(&repo, &["update-index", "--chmod=+x", "d3/e0/f3.txt"]);
    compare("a mode change");
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: several"]);
    compare("after a commit (cache tree rebuilt)");
    env.git(&repo, &["update-index", "--index-version", "4"]);
    env.write(&repo, "d0/e0/f0.txt", "v4\n");
    env.git(&repo, &["add", "d0/e0/f0.txt"]);
    compare("index version 4");
    env.git(&repo, &["update-index", "--index-version", "2"]);
    env.git(&repo, &["reset", "-q", "--soft", "HEAD~1"]);
    compare("HEAD moved without the index");
    // `git commit -a` gives the hook a temporary index through GIT_INDEX_FILE.
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: again"]);
    env.write(&repo, ".env", "SECRET=1");
    env.git(&repo, &["add", ".env"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: tracked env"]);
    env.gp(&repo).arg("install").assert().success();
    env.write(&repo, ".env", "SECRET=2");
    let out = env.git_out(&repo, &["commit", "-q", "-a", "-m", "feat: commit -a"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("`.env` matches a forbidden path"), "{}", stderr(&out));
}
