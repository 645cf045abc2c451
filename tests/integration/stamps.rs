//! The notes store and the lead-time stamps, against real git.

use crate::common::{json_findings, stderr, Env};

const DEV: &str = "refs/notes/git-policy/dev";

fn note(env: &Env, repo: &std::path::Path, rev: &str) -> String {
    env.git(repo, &["notes", "--ref", DEV, "show", rev])
}

#[test]
fn post_commit_stamps_with_the_hooks_that_passed_and_git_reads_it() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gp(&repo).arg("install").assert().success();
    env.git(&repo, &["switch", "-q", "-c", "feat/s"]);
    let mut c = std::process::Command::new("git");
    c.current_dir(&repo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", env.path("home"))
        .env("GIT_POLICY_NOW", "1780000000");
    env.write(&repo, "a.txt", "a");
    env.git(&repo, &["add", "a.txt"]);
    assert!(c.args(["commit", "-q", "-m", "feat: a"]).output().unwrap().status.success());
    let text = note(&env, &repo, "HEAD");
    assert!(text.starts_with("2026-05-28T20:26:40Z v1 committed tz=+0000 author=ada@example.com branch=feat/s hooks=pre-commit,commit-msg policy=fnv1a64:"), "{text}");
    // --no-verify skips pre-commit and commit-msg; post-commit still says so.
    env.write(&repo, "b.txt", "b");
    env.git(&repo, &["add", "b.txt"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: b"]);
    assert!(note(&env, &repo, "HEAD").contains(" hooks=none "));
    // hooks.attested in CI catches the skipped one only.
    let found = attested_findings(&env, &repo, "main..HEAD");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "hooks.attested");
    assert!(found[0].1.contains("--no-verify"));
}

/// `check --format json` with hooks.attested on: the (rule, message) of every finding.
fn attested_findings(env: &Env, repo: &std::path::Path, range: &str) -> Vec<(String, String)> {
    env.write(
        repo,
        "../attest.toml",
        "extends = [\"builtin:default\"]\n[review]\napprovals = 0\n[rules]\n\"hooks.attested\" = \"error\"\n",
    );
    let out = env
        .gp(repo)
        .env("GIT_POLICY_FILE", repo.join("../attest.toml"))
        .args(["check", "--range", range, "--format", "json"])
        .output()
        .unwrap();
    json_findings(&out)
}

#[test]
fn reverts_and_cherry_picks_are_checked_by_post_commit_since_git_runs_no_pre_commit_for_them() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gp(&repo).arg("install").assert().success();
    // A commit that breaks a rule, made with the hooks skipped on a side branch.
    env.git(&repo, &["switch", "-q", "-c", "fix/side"]);
    env.write(&repo, "app/.env", "TOKEN=x");
    env.git(&repo, &["add", "app/.env"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "fix: side"]);
    let bad = env.git(&repo, &["rev-parse", "HEAD"]);
    env.git(&repo, &["switch", "-q", "-c", "feat/r", "main"]);
    assert!(env.commit(&repo, "a.txt", "a", "feat: a").status.success());

    // A revert that passes the rules: post-commit judged it and says so.
    let out = env.git_out(&repo, &["revert", "--no-edit", "HEAD"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = note(&env, &repo, "HEAD");
    assert!(text.contains(" hooks=post-commit ") && text.ends_with(" via=revert"), "{text}");
    assert!(!stderr(&out).contains("breaks"), "{}", stderr(&out));
    assert_eq!(attested_findings(&env, &repo, "main..HEAD"), vec![], "the revert is attested");

    // A cherry-pick that breaks one: post-commit says what, and CI names the command.
    let out = env.git_out(&repo, &["cherry-pick", &bad]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("`git cherry-pick`") && err.contains("commits.forbid-paths") && err.contains("app/.env"),
        "{err}"
    );
    let text = note(&env, &repo, "HEAD");
    assert!(text.contains(" hooks=none ") && text.ends_with(" via=cherry-pick"), "{text}");
    let found = attested_findings(&env, &repo, "HEAD~1..HEAD");
    let attested: Vec<&(String, String)> = found.iter().filter(|(rule, _)| rule == "hooks.attested").collect();
    assert_eq!(attested.len(), 1, "{found:?}");
    assert!(attested[0].1.contains("`git cherry-pick`") && !attested[0].1.contains("--no-verify"), "{found:?}");
    assert!(found.iter().any(|(rule, _)| rule == "commits.forbid-paths"), "{found:?}");

    // Amending it runs the hooks, which stop the commit until the file is gone.
    env.git(&repo, &["rm", "-q", "--cached", "app/.env"]);
    env.write(&repo, "app/env.example", "TOKEN=");
    env.git(&repo, &["add", "app/env.example"]);
    let out = env.git_out(&repo, &["commit", "-q", "--amend", "-m", "fix: side, without the secret"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = note(&env, &repo, "HEAD");
    assert!(text.contains(" hooks=pre-commit,commit-msg "), "{text}");
}

#[test]
fn amend_and_rebase_carry_the_stamps_and_keep_the_first_time() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gp(&repo).arg("install").assert().success();
    env.git(&repo, &["switch", "-q", "-c", "feat/r"]);
    let run = |args: &[&str], now: &str| {
        let mut c = std::process::Command::new("git");
        c.current_dir(&repo)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", env.path("home"))
            .env("GIT_POLICY_NOW", now);
        let out = c.args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    };
    env.write(&repo, "a.txt", "a");
    env.git(&repo, &["add", "a.txt"]);
    run(&["commit", "-q", "-m", "feat: a"], "1000000000");
    run(&["commit", "-q", "--amend", "-m", "feat: a, amended"], "1000003600");
    let text = note(&env, &repo, "HEAD");
    assert!(text.contains("2001-09-09T01:46:40Z v1 committed"), "the original time is carried: {text}");
    // The amend's own pre-commit ran on the commit it replaced, and counts.
    let amend_line = text.lines().find(|l| l.starts_with("2001-09-09T02:46:40Z v1 committed")).unwrap_or_default();
    assert!(amend_line.contains(" hooks=pre-commit,commit-msg "), "{text}");
    env.git(&repo, &["switch", "-q", "main"]);
    env.write(&repo, "m.txt", "m");
    env.git(&repo, &["add", "m.txt"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: m"]);
    env.git(&repo, &["switch", "-q", "feat/r"]);
    run(&["rebase", "-q", "main"], "1000007200");
    let after = note(&env, &repo, "HEAD");
    assert!(after.contains("2001-09-09T01:46:40Z v1 committed"), "{after}");
    // The pick's own stamp names the branch being rebased (HEAD is detached meanwhile).
    let pick = after.lines().find(|l| l.starts_with("2001-09-09T03:46:40Z v1 committed")).unwrap_or_default();
    assert!(pick.contains(" branch=feat/r ") && pick.ends_with(" via=rebase"), "{after}");
    // post-rewrite and notes.rewriteRef both copied: the union holds each line once.
    let lines: Vec<&str> = after.lines().collect();
    let mut unique = lines.clone();
    unique.dedup();
    assert_eq!(lines, unique);
}

#[test]
fn twenty_concurrent_writers_lose_nothing() {
    let env = Env::new();
    let repo = env.repo("r");
    let bin = assert_cmd::cargo::cargo_bin("git-policy");
    let children: Vec<_> = (0..20)
        .map(|i| {
            std::process::Command::new(&bin)
                .current_dir(&repo)
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("HOME", env.path("home"))
                .env("GIT_POLICY_NOW", (1_700_000_000 + i).to_string())
                .args(["hook", "post-commit"])
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut errors = String::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert!(out.status.success());
        errors.push_str(&stderr(&out));
    }
    let text = note(&env, &repo, "HEAD");
    assert_eq!(text.lines().filter(|l| l.contains(" committed ")).count(), 20, "{text}\n{errors}");
}

#[test]
fn notes_appended_by_git_are_read_and_git_merges_ours_without_loss() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gp(&repo).args(["hook", "post-commit"]).env("GIT_POLICY_NOW", "1700000000").assert().success();
    env.git(
        &repo,
        &[
            "notes",
            "--ref",
            DEV,
            "append",
            "--no-separator",
            "-m",
            "2023-11-14T22:13:21Z v1 committed tz=+0000 hooks=pre-commit",
        ],
    );
    env.gp(&repo).args(["hook", "post-commit"]).env("GIT_POLICY_NOW", "1700000002").assert().success();
    let text = note(&env, &repo, "HEAD");
    assert_eq!(text.lines().count(), 3, "{text}");
    // A second ref with overlapping lines merges with git's cat_sort_uniq.
    env.git(&repo, &["update-ref", "refs/notes/git-policy/other", DEV]);
    env.gp(&repo).args(["hook", "post-commit"]).env("GIT_POLICY_NOW", "1700000003").assert().success();
    env.git(
        &repo,
        &[
            "notes",
            "--ref",
            "git-policy/other",
            "append",
            "--no-separator",
            "-m",
            "2023-11-14T22:13:30Z v1 committed tz=+0000 hooks=x",
        ],
    );
    env.git(&repo, &["notes", "--ref", DEV, "merge", "-q", "-s", "cat_sort_uniq", "refs/notes/git-policy/other"]);
    assert_eq!(note(&env, &repo, "HEAD").lines().count(), 5);
}

#[test]
fn many_notes_fan_out_like_git() {
    let env = Env::new();
    let repo = env.repo("r");
    let r = git_policy::repo::Repo::open(&repo).unwrap();
    let writes: Vec<(String, Vec<String>)> = (0..300u32)
        .map(|i| {
            (
                format!("{:040x}", u128::from(i) * 0x1234_5678_9abc_def1),
                vec![format!("2024-01-01T00:00:00Z v1 committed n={i}")],
            )
        })
        .collect();
    for chunk in writes.chunks(100) {
        r.append_notes(DEV, chunk, "test").unwrap();
    }
    let top = env.git(&repo, &["ls-tree", DEV]);
    assert!(top.lines().all(|l| l.contains(" tree ") && l.split('\t').nth(1).unwrap().len() == 2), "{top}");
    assert_eq!(env.git(&repo, &["notes", "--ref", DEV, "list"]).lines().count(), 300);
    assert_eq!(r.all_notes(DEV).unwrap().len(), 300);
    let one = &writes[123].0;
    assert!(r.note_text(DEV, one).unwrap().unwrap().contains("n=123"));
    // A later write follows the fanned layout.
    r.append_notes(DEV, &[(one.clone(), vec!["2024-01-02T00:00:00Z v1 pushed".into()])], "test").unwrap();
    assert_eq!(r.note_text(DEV, one).unwrap().unwrap().lines().count(), 2);
    assert_eq!(env.git(&repo, &["notes", "--ref", DEV, "list"]).lines().count(), 300);
    // Every tree and commit written here is one git accepts as it would write it.
    env.git(&repo, &["fsck", "--strict", "--no-dangling"]);
}

#[test]
fn large_writes_are_stored_loose_and_git_verifies_them() {
    let env = Env::new();
    let repo = env.repo("r");
    let r = git_policy::repo::Repo::open(&repo).unwrap();
    let counts = || {
        let out = env.git(&repo, &["count-objects", "-v"]);
        let get = |k: &str| out.lines().find_map(|l| l.strip_prefix(k).map(|v| v.parse::<u64>().unwrap())).unwrap();
        (get("count: "), get("packs: "))
    };
    let (loose_before, _) = counts();
    // 40 notes, all with the same text, so they share one blob.
    let writes: Vec<(String, Vec<String>)> = (1..=40u32)
        .map(|i| {
            (format!("{:040x}", u128::from(i) * 0x9e37_79b9_7f4a_7c15), vec!["2024-01-01T00:00:00Z v1 pushed".into()])
        })
        .collect();
    r.append_notes(DEV, &writes, "test").unwrap();
    // One blob, one flat tree, one commit; no pack.
    assert_eq!(counts(), (loose_before + 3, 0));
    env.git(&repo, &["fsck", "--strict", "--no-dangling"]);
    assert_eq!(env.git(&repo, &["notes", "--ref", DEV, "list"]).lines().count(), 40);
    assert_eq!(
        env.git(&repo, &["notes", "--ref", DEV, "show", &writes[7].0]).trim_end(),
        "2024-01-01T00:00:00Z v1 pushed"
    );
    // A second large write on top of the first: read back through libgit2 and git alike.
    let more: Vec<(String, Vec<String>)> =
        writes.iter().map(|(c, _)| (c.clone(), vec!["2024-01-02T00:00:00Z v1 pushed".into()])).collect();
    r.append_notes(DEV, &more, "test").unwrap();
    env.git(&repo, &["fsck", "--strict", "--no-dangling"]);
    assert_eq!(r.note_text(DEV, &writes[39].0).unwrap().unwrap().lines().count(), 2);
    // git packs and compresses them like any loose object.
    env.git(&repo, &["gc", "-q"]);
    assert_eq!(env.git(&repo, &["notes", "--ref", DEV, "list"]).lines().count(), 40);
}

#[test]
fn two_clones_sync_through_a_bare_remote_in_both_orders() {
    let env = Env::new();
    let seed = env.repo("seed");
    let bare = env.remote_for(&seed, "remote.git");
    let clone = |name: &str| {
        let dir = env.path(name);
        env.git(env.tmp.path(), &["clone", "-q", bare.to_str().unwrap(), dir.to_str().unwrap()]);
        env.gp(&dir).arg("install").assert().success();
        env.git(&dir, &["switch", "-q", "-c", &format!("feat/{name}")]);
        dir
    };
    let a = clone("a");
    let b = clone("b");
    for (dir, n) in [(&a, 1), (&b, 2), (&a, 3), (&b, 4)] {
        env.write(dir, &format!("f{n}"), "x");
        env.git(dir, &["add", "."]);
        env.git(dir, &["commit", "-q", "-m", &format!("feat: {n}")]);
    }
    // Both stamp main's root commit too, so the same note is written on both sides.
    for (dir, now) in [(&a, "1700000000"), (&b, "1700000001")] {
        env.git(dir, &["switch", "-q", "--detach", "main"]);
        env.gp(dir).env("GIT_POLICY_NOW", now).args(["hook", "post-commit"]).assert().success();
        env.git(dir, &["switch", "-q", "-"]);
    }
    env.gp(&a).args(["notes", "push"]).assert().success();
    env.gp(&b).args(["notes", "push"]).assert().success();
    env.gp(&a).args(["notes", "pull"]).assert().success();
    for dir in [&a, &b] {
        let root = note(&env, dir, "main");
        assert_eq!(root.lines().count(), 2, "{root}");
    }
    let all = |dir: &std::path::Path| git_policy::repo::Repo::open(dir).unwrap().all_notes(DEV).unwrap().len();
    assert_eq!(all(&a), 5);
    assert_eq!(all(&b), 5);
    // A plain fetch brings them too, through the refspec install added.
    let c = env.path("c");
    env.git(env.tmp.path(), &["clone", "-q", bare.to_str().unwrap(), c.to_str().unwrap()]);
    env.gp(&c).arg("install").assert().success();
    env.git(&c, &["fetch", "-q"]);
    assert!(env.git(&c, &["for-each-ref", "refs/notes/remotes/origin/git-policy/"]).contains("dev"));
}

/// A repository with hooks whose committed policy pushes the stamps, and its bare remote.
fn pushing_stamps(env: &Env, name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let repo = env.repo(name);
    env.write(
        &repo,
        ".git-policy.toml",
        "extends = [\"builtin:default\"]\n[review]\napprovals = 0\n[lead-time]\npush-notes = true\n",
    );
    env.git(&repo, &["add", ".git-policy.toml"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: push the stamps"]);
    let bare = env.remote_for(&repo, "remote.git");
    env.gp(&repo).arg("install").assert().success();
    (repo, bare)
}

#[test]
fn pre_push_pushes_the_stamps_with_the_branch_and_a_refused_notes_push_never_fails_it() {
    let env = Env::new();
    let (repo, bare) = pushing_stamps(&env, "r");
    env.git(&repo, &["switch", "-q", "-c", "feat/p"]);
    assert!(env.commit(&repo, "p.txt", "p", "feat: p").status.success());
    let first = env.git(&repo, &["rev-parse", "HEAD"]);
    let remote_refs = || env.git(&bare, &["for-each-ref", "--format=%(refname) %(objectname)"]);

    // The remote refuses notes: the branch goes, the developer is told, nothing fails.
    let hook = bare.join("hooks/pre-receive");
    env.write(
        &bare,
        "hooks/pre-receive",
        "#!/bin/sh\nwhile read o n r; do case $r in refs/notes/*) echo 'notes are not taken here' >&2; exit 1;; esac; done\n",
    );
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = env.git_out(&repo, &["push", "-q", "origin", "feat/p"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("the stamps were not pushed") && err.contains("the next push retries"), "{err}");
    assert!(err.contains("pre-receive hook declined") && err.contains("notes are not taken here"), "{err}");
    assert!(!err.contains("failed to push some refs"), "git's generic line is left out: {err}");
    assert!(remote_refs().contains(&format!("refs/heads/feat/p {first}")), "{}", remote_refs());
    assert!(!remote_refs().contains("refs/notes/"), "{}", remote_refs());

    // Once the remote takes them, the next push carries every stamp so far, the notes push
    // running no hooks (no second pre-push).
    std::fs::remove_file(&hook).unwrap();
    assert!(env.commit(&repo, "q.txt", "q", "feat: q").status.success());
    let out = env.git_out(&repo, &["push", "-q", "origin", "feat/p"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    let local = env.git(&repo, &["rev-parse", DEV]);
    assert!(remote_refs().contains(&format!("{DEV} {local}")), "{}", remote_refs());
    let on_remote = env.git(&bare, &["notes", "--ref", DEV, "show", &first]);
    assert!(on_remote.contains(" committed ") && on_remote.contains(" pushed "), "{on_remote}");
    assert_eq!(
        on_remote.matches(" pushed ").count(),
        1,
        "the first push stamped it; the second did not again: {on_remote}"
    );
}

#[test]
fn a_squash_merge_made_by_the_forge_is_matched_after_its_branch_is_gone() {
    let env = Env::new();
    let (dev, bare) = pushing_stamps(&env, "dev");
    env.git(&dev, &["switch", "-q", "-c", "feat/sq"]);
    let mut first = String::new();
    for (file, now) in [("s1", "1000000000"), ("s2", "1000003600")] {
        env.write(&dev, file, file);
        env.git(&dev, &["add", file]);
        let mut c = std::process::Command::new("git");
        c.current_dir(&dev)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", env.path("home"))
            .env("GIT_POLICY_NOW", now)
            .env("GIT_AUTHOR_DATE", format!("@{now} +0000"));
        assert!(c.args(["commit", "-q", "-m", &format!("feat: {file}")]).output().unwrap().status.success());
        if first.is_empty() {
            first = env.git(&dev, &["rev-parse", "HEAD"]);
        }
    }
    let out = env.git_out(&dev, &["push", "-q", "origin", "feat/sq"]);
    assert!(out.status.success(), "{}", stderr(&out));

    // The forge squashes the branch onto main and deletes it.
    let forge = env.path("forge");
    env.git(env.tmp.path(), &["clone", "-q", bare.to_str().unwrap(), forge.to_str().unwrap()]);
    env.git(&forge, &["merge", "-q", "--squash", "origin/feat/sq"]);
    env.git(&forge, &["commit", "-q", "--no-verify", "-m", "feat: squashed (#1)"]);
    let before = env.git(&forge, &["rev-parse", "HEAD~1"]);
    env.git(&forge, &["push", "-q", "--no-verify", "origin", "main", ":feat/sq"]);

    // CI on trunk has the stamps but not the branch's commits.
    let ci = env.path("ci");
    // --no-local: a local clone would copy every object, the branch's unreachable ones too.
    env.git(env.tmp.path(), &["clone", "-q", "--no-local", bare.to_str().unwrap(), ci.to_str().unwrap()]);
    env.git(&ci, &["fetch", "-q", "origin", "+refs/notes/git-policy/*:refs/notes/git-policy/*"]);
    assert!(!env.git_out(&ci, &["cat-file", "-e", &first]).status.success(), "the branch's commits are not here");
    let out = env.gp(&ci).args(["stamp", "merged", "--range", &format!("{before}..HEAD")]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("squash first commit 2001-09-09T01:46:40Z (1 source commit(s))"), "{text}");
    let trunk_note = env.git(&ci, &["notes", "--ref", "refs/notes/git-policy/trunk", "show", "HEAD"]);
    assert!(trunk_note.contains("via=squash") && trunk_note.contains("first=2001-09-09T01:46:40Z"), "{trunk_note}");
}

#[test]
fn stamp_merged_finds_the_first_commit_of_merges_and_squashes() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gp(&repo).arg("install").assert().success();
    let start = env.git(&repo, &["rev-parse", "HEAD"]);
    let commit_at = |file: &str, msg: &str, now: &str| {
        env.write(&repo, file, file);
        env.git(&repo, &["add", file]);
        let mut c = std::process::Command::new("git");
        c.current_dir(&repo)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", env.path("home"))
            .env("GIT_POLICY_NOW", now);
        assert!(c.args(["commit", "-q", "-m", msg]).output().unwrap().status.success());
    };
    env.git(&repo, &["switch", "-q", "-c", "feat/merge"]);
    commit_at("m1", "feat: m1", "1000000000");
    commit_at("m2", "feat: m2", "1000001000");
    env.git(&repo, &["switch", "-q", "-c", "feat/squash", "main"]);
    commit_at("s1", "feat: s1", "1000002000");
    commit_at("s2", "feat: s2", "1000003000");
    env.git(&repo, &["switch", "-q", "main"]);
    env.git(&repo, &["merge", "-q", "--no-ff", "--no-verify", "-m", "Merge feat/merge", "feat/merge"]);
    env.git(&repo, &["merge", "-q", "--squash", "feat/squash"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: squashed"]);
    let squash = env.git(&repo, &["rev-parse", "HEAD"]);
    let out = env
        .gp(&repo)
        .args(["stamp", "merged", "--range", &format!("{start}..HEAD")])
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("merge first commit 2001-09-09T01:46:40Z (2 source commit(s))"), "{text}");
    assert!(text.contains("squash first commit 2001-09-09T02:20:00Z (2 source commit(s))"), "{text}");
    let trunk_note = env.git(&repo, &["notes", "--ref", "refs/notes/git-policy/trunk", "show", &squash]);
    assert!(
        trunk_note.contains(" merged ")
            && trunk_note.contains("via=squash")
            && trunk_note.contains("first=2001-09-09T02:20:00Z"),
        "{trunk_note}"
    );
}

/// commit-msg sees the file before git cleans it up: with `git commit -v` the staged diff sits
/// below the scissors line, and with another `core.commentChar` the template's comments start
/// with it. Neither is in the commit, and commit-msg's pass must still be matched to it.
#[test]
fn commit_msg_is_credited_when_the_editor_file_holds_a_diff_or_other_comments() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gp(&repo).arg("install").assert().success();
    env.git(&repo, &["switch", "-q", "-c", "feat/v"]);
    // An editor that writes the subject above git's template and leaves the rest alone.
    let editor = env.path("editor.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\n{ printf 'feat: %s\\n' \"$SUBJECT\"; cat \"$1\"; } >\"$1.new\" && mv \"$1.new\" \"$1\"\n",
    )
    .unwrap();
    let editor = editor.display().to_string();
    std::process::Command::new("chmod").args(["+x", &editor]).status().unwrap();
    let commit = |subject: &str, extra: &[&str]| {
        let mut args = vec!["-c", "core.editor=", "commit", "-q", "-v"];
        args.extend_from_slice(extra);
        let mut c = std::process::Command::new("git");
        c.current_dir(&repo)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", env.path("home"))
            .env("GIT_EDITOR", &editor)
            .env("SUBJECT", subject)
            .args(&args);
        let out = c.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    };
    env.write(&repo, "a.txt", "first line\n");
    env.git(&repo, &["add", "a.txt"]);
    commit("verbose", &[]);
    assert_eq!(env.git(&repo, &["log", "-1", "--format=%B"]), "feat: verbose");
    assert!(note(&env, &repo, "HEAD").contains(" hooks=pre-commit,commit-msg "), "{}", note(&env, &repo, "HEAD"));

    env.git(&repo, &["config", "core.commentChar", ";"]);
    env.write(&repo, "b.txt", "second\n");
    env.git(&repo, &["add", "b.txt"]);
    commit("semicolons", &[]);
    assert_eq!(env.git(&repo, &["log", "-1", "--format=%B"]), "feat: semicolons");
    assert!(note(&env, &repo, "HEAD").contains(" hooks=pre-commit,commit-msg "), "{}", note(&env, &repo, "HEAD"));

    // -m keeps a line that starts with the comment character (cleanup is `whitespace` then).
    let out = env.commit(&repo, "c.txt", "third\n", "feat: kept\n\n; not a comment here");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(env.git(&repo, &["log", "-1", "--format=%B"]).contains("; not a comment here"));
    assert!(note(&env, &repo, "HEAD").contains(" hooks=pre-commit,commit-msg "), "{}", note(&env, &repo, "HEAD"));
}

/// A commit attempt that pre-commit passed but commit-msg stopped leaves pre-commit's pass on
/// record. A `--no-verify` commit on the same parent next must not be credited with it: the
/// pass belongs to the git process that ran it.
#[test]
fn a_pass_from_an_abandoned_attempt_is_not_credited_to_a_no_verify_commit() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gp(&repo).arg("install").assert().success();
    env.git(&repo, &["switch", "-q", "-c", "feat/x"]);
    let text = abandon_then_skip_the_hooks(&env, &repo, "a.txt");
    assert!(text.contains(" hooks=none "), "{text}");
    // The next attempt, run with the hooks, is credited as usual.
    assert!(env.commit(&repo, "b.txt", "b\n", "feat: with the hooks").status.success());
    assert!(note(&env, &repo, "HEAD").contains(" hooks=pre-commit,commit-msg "), "{}", note(&env, &repo, "HEAD"));
}

/// A hook manager's script that runs git-policy as a child, not by exec, puts a shell between
/// git and the hook: the pass is still matched to the git process that makes the commit.
#[test]
fn passes_are_matched_through_a_hook_managers_shell() {
    let env = Env::new();
    let repo = env.repo("r");
    let bin = assert_cmd::cargo::cargo_bin("git-policy");
    let managed = env.path("managed-hooks");
    std::fs::create_dir_all(&managed).unwrap();
    for hook in ["pre-commit", "commit-msg", "post-commit"] {
        let script = managed.join(hook);
        std::fs::write(&script, format!("#!/bin/sh\n'{}' hook {hook} \"$@\"\nexit $?\n", bin.display())).unwrap();
        std::process::Command::new("chmod").args(["+x", script.to_str().unwrap()]).status().unwrap();
    }
    env.git(&repo, &["config", "core.hooksPath", managed.to_str().unwrap()]);
    env.git(&repo, &["switch", "-q", "-c", "feat/m"]);
    assert!(env.commit(&repo, "a.txt", "a\n", "feat: through a manager").status.success());
    let text = note(&env, &repo, "HEAD");
    assert!(text.contains(" hooks=pre-commit,commit-msg "), "{text}");
    // And an abandoned attempt's pass is still told apart from a --no-verify commit.
    let text = abandon_then_skip_the_hooks(&env, &repo, "b.txt");
    assert!(text.contains(" hooks=none "), "{text}");
}

/// Stages `file`, lets commit-msg refuse a commit of it (after pre-commit passed), commits it
/// with `--no-verify`, and returns that commit's stamp.
fn abandon_then_skip_the_hooks(env: &Env, repo: &std::path::Path, file: &str) -> String {
    let long = format!("feat: {}", "a subject far too long ".repeat(5));
    let refused = env.commit(repo, file, "changed\n", &long);
    assert!(!refused.status.success(), "commit-msg should refuse an over-long subject");
    assert!(stderr(&refused).contains("commits.subject-max-length"), "{}", stderr(&refused));
    env.git(repo, &["commit", "-q", "--no-verify", "-m", "feat: skipped the hooks"]);
    note(env, repo, "HEAD")
}

/// `git am` runs pre-applypatch, applypatch-msg and post-applypatch instead of the commit
/// hooks: they check the patch the same way, and its commit is stamped `via=am`.
#[test]
fn git_am_commits_are_checked_and_stamped_by_its_own_hooks() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gp(&repo).arg("install").assert().success();
    // Two patches from a side branch: one clean, one that adds a secret.
    env.git(&repo, &["switch", "-q", "-c", "feat/side"]);
    env.commit_skipping_hooks(&repo, "a.txt", "a\n", "feat: a clean patch");
    env.commit_skipping_hooks(&repo, "app/.env", "TOKEN=x\n", "feat: a patch with a secret");
    let patches = env.path("patches");
    env.git(&repo, &["format-patch", "-q", "-2", "-o", patches.to_str().unwrap()]);
    let mut files: Vec<String> =
        std::fs::read_dir(&patches).unwrap().map(|e| e.unwrap().path().display().to_string()).collect();
    files.sort();

    env.git(&repo, &["switch", "-q", "-c", "feat/am", "main"]);
    env.git(&repo, &["am", "-q", &files[0]]);
    let text = note(&env, &repo, "HEAD");
    let line = text.lines().find(|l| l.ends_with(" via=am")).unwrap_or_default();
    assert!(line.contains(" branch=feat/am hooks=pre-commit,commit-msg "), "{text}");
    // pre-applypatch stops the second patch, as pre-commit would stop its commit.
    let refused = env.git_out(&repo, &["am", "-q", &files[1]]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("commits.forbid-paths"), "{}", stderr(&refused));
    env.git(&repo, &["am", "--abort"]);
    // Skipped with --no-verify, it is stamped as such and hooks.attested catches it.
    env.git(&repo, &["am", "-q", "--no-verify", &files[1]]);
    let text = note(&env, &repo, "HEAD");
    let line = text.lines().find(|l| l.ends_with(" via=am")).unwrap_or_default();
    assert!(line.contains(" hooks=none "), "{text}");
    let found = attested_findings(&env, &repo, "HEAD~1..HEAD");
    assert!(found.iter().any(|(rule, _)| rule == "hooks.attested"), "{found:?}");
    let found = attested_findings(&env, &repo, "HEAD~2..HEAD~1");
    assert!(!found.iter().any(|(rule, _)| rule == "hooks.attested"), "{found:?}");

    // `git rebase --apply` replays through `git am --rebasing`: its picks say via=rebase.
    env.git(&repo, &["switch", "-q", "-c", "feat/apply", "main"]);
    assert!(env.commit(&repo, "b.txt", "b\n", "feat: to be rebased").status.success());
    env.git(&repo, &["switch", "-q", "main"]);
    env.commit_skipping_hooks(&repo, "c.txt", "c\n", "chore: trunk moves on");
    env.git(&repo, &["switch", "-q", "feat/apply"]);
    env.git(&repo, &["rebase", "-q", "--apply", "main"]);
    let text = note(&env, &repo, "HEAD");
    assert!(!text.contains(" via=am"), "{text}");
    assert!(text.lines().any(|l| l.contains(" hooks=pre-commit,commit-msg ") && l.ends_with(" via=rebase")), "{text}");
}
