//! Installing into every kind of repository layout, chaining, restoring, and the missing binary.

use std::os::unix::fs::PermissionsExt;

use crate::common::{stderr, stdout, Env};

const HOOKS: [&str; 5] = ["pre-commit", "commit-msg", "pre-push", "post-commit", "post-rewrite"];

#[test]
fn installs_into_git_dir_and_is_idempotent() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gp(&repo).arg("install").assert().success().stdout(predicates::str::contains("pre-commit: installed"));
    for h in HOOKS {
        let p = repo.join(".git/hooks").join(h);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(&format!("# git-policy-shim: {h} v1")), "{h}");
        assert!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o111 != 0);
    }
    let again = env.gp(&repo).arg("install").assert().success().get_output().clone();
    assert!(stdout(&again).contains("pre-commit: already installed"));
    assert_eq!(env.git(&repo, &["config", "--get-all", "notes.rewriteRef"]), "refs/notes/git-policy/dev");
    assert_eq!(env.git(&repo, &["config", "notes.rewriteMode"]), "cat_sort_uniq");
}

#[test]
fn honours_core_hooks_path_relative_to_the_work_tree() {
    let env = Env::new();
    let repo = env.repo("r");
    env.git(&repo, &["config", "core.hooksPath", ".githooks"]);
    std::fs::create_dir_all(repo.join("sub")).unwrap();
    env.gp(&repo.join("sub")).arg("install").assert().success();
    assert!(repo.join(".githooks/pre-commit").exists());
    assert!(!repo.join(".git/hooks/pre-commit").exists());
    // git really runs it: a direct commit on main is refused.
    let out = env.commit(&repo, "a.txt", "a", "feat: a");
    assert!(!out.status.success());
    assert!(stderr(&out).contains("trunk.protected-commit"), "{}", stderr(&out));
}

#[test]
fn linked_worktree_installs_into_the_common_dir() {
    let env = Env::new();
    let repo = env.repo("r");
    let wt = env.path("wt");
    env.git(&repo, &["worktree", "add", "-q", "-b", "feat/wt", wt.to_str().unwrap()]);
    env.gp(&wt).arg("install").assert().success();
    assert!(repo.join(".git/hooks/pre-commit").exists());
    let ok = env.commit(&wt, "b.txt", "b", "feat: from a worktree");
    assert!(ok.status.success(), "{}", stderr(&ok));
    env.git(&wt, &["switch", "-q", "-c", "nope"]);
    let bad = env.commit(&wt, "c.txt", "c", "feat: bad branch name");
    assert!(stderr(&bad).contains("branch.name-pattern"), "{}", stderr(&bad));
}

#[test]
fn submodule_gets_its_own_hooks() {
    let env = Env::new();
    let lib = env.repo("lib");
    let app = env.repo("app");
    env.git(&app, &["-c", "protocol.file.allow=always", "submodule", "add", "-q", lib.to_str().unwrap(), "lib"]);
    let sub = app.join("lib");
    env.gp(&sub).arg("install").assert().success();
    assert!(app.join(".git/modules/lib/hooks/pre-commit").exists());
    assert!(!app.join(".git/hooks/pre-commit").exists());
}

#[test]
fn bare_repository_is_refused_without_server() {
    let env = Env::new();
    let repo = env.repo("r");
    let bare = env.remote_for(&repo, "remote.git");
    env.gp(&bare).arg("install").assert().code(2).stderr(predicates::str::contains("bare repository"));
    env.gp(&repo).args(["install", "--server"]).assert().code(2);
}

#[test]
fn foreign_hook_is_chained_runs_first_and_is_restored_byte_for_byte() {
    let env = Env::new();
    let repo = env.repo("r");
    let hook = repo.join(".git/hooks/pre-commit");
    let original = b"#!/bin/sh\necho foreign-ran >&2\n[ -f .block ] && exit 7\nexit 0\n".to_vec();
    std::fs::write(&hook, &original).unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o750)).unwrap();
    env.gp(&repo).arg("install").assert().success().stdout(predicates::str::contains("the existing hook runs first"));
    env.git(&repo, &["switch", "-q", "-c", "feat/x"]);
    let ok = env.commit(&repo, "a.txt", "a", "feat: a");
    assert!(ok.status.success() && stderr(&ok).contains("foreign-ran"), "{}", stderr(&ok));
    env.write(&repo, ".block", "");
    let blocked = env.commit(&repo, "b.txt", "b", "feat: b");
    assert!(!blocked.status.success());
    assert!(stderr(&blocked).contains("installed before git-policy failed (exit 7)"), "{}", stderr(&blocked));
    std::fs::remove_file(repo.join(".block")).unwrap();
    env.gp(&repo).arg("uninstall").assert().success().stdout(predicates::str::contains("restored"));
    assert_eq!(std::fs::read(&hook).unwrap(), original);
    assert_eq!(std::fs::metadata(&hook).unwrap().permissions().mode() & 0o777, 0o750);
    assert!(!repo.join(".git/hooks/pre-commit.git-policy-chained").exists());
    assert!(!repo.join(".git/hooks/commit-msg").exists());
    assert!(repo.join(".git/hooks/pre-commit.sample").exists() || !repo.join(".git/hooks").join("x").exists());
}

#[test]
fn chained_pre_push_hook_gets_the_same_stdin() {
    let env = Env::new();
    let repo = env.repo("r");
    env.remote_for(&repo, "remote.git");
    let log = env.path("seen.txt");
    let hook = repo.join(".git/hooks/pre-push");
    std::fs::write(&hook, format!("#!/bin/sh\ncat > '{}'\n", log.display())).unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    env.gp(&repo).arg("install").assert().success();
    env.git(&repo, &["switch", "-q", "-c", "feat/p"]);
    assert!(env.commit(&repo, "p.txt", "p", "feat: p").status.success());
    env.git(&repo, &["push", "-q", "origin", "feat/p"]);
    let seen = std::fs::read_to_string(&log).unwrap();
    assert!(seen.starts_with("refs/heads/feat/p "), "{seen}");
}

#[test]
fn foreign_file_is_not_overwritten_without_force() {
    let env = Env::new();
    let repo = env.repo("r");
    let dir = repo.join(".git/hooks");
    std::fs::write(dir.join("pre-commit.git-policy-chained"), "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::write(dir.join("pre-commit"), "#!/bin/sh\necho mine\n").unwrap();
    env.gp(&repo).arg("install").assert().code(2).stderr(predicates::str::contains("--force"));
    assert_eq!(std::fs::read_to_string(dir.join("pre-commit")).unwrap(), "#!/bin/sh\necho mine\n");
    env.gp(&repo).args(["install", "--force"]).assert().success();
    assert_eq!(std::fs::read_to_string(dir.join("pre-commit.git-policy-backup")).unwrap(), "#!/bin/sh\necho mine\n");
}

#[test]
fn missing_binary_fails_closed_or_open_as_the_policy_says() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gp(&repo).args(["install", "--hooks", "pre-commit"]).assert().success();
    let hook = repo.join(".git/hooks/pre-commit");
    let text = std::fs::read_to_string(&hook).unwrap();
    let bin_line = text.lines().find(|l| l.starts_with("bin=")).unwrap().to_string();
    std::fs::write(&hook, text.replace(&bin_line, "bin='/nonexistent/git-policy'")).unwrap();
    env.git(&repo, &["switch", "-q", "-c", "feat/x"]);
    let mut cmd = std::process::Command::new("git");
    let run = |cmd: &mut std::process::Command| {
        cmd.current_dir(&repo)
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("HOME", env.path("home"));
        cmd.args(["commit", "-q", "--allow-empty", "-m", "feat: x"]).output().unwrap()
    };
    let out = run(&mut cmd);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot find the git-policy binary"), "{}", stderr(&out));
    assert!(stderr(&out).contains("fix:"));
    let text = std::fs::read_to_string(&hook).unwrap();
    std::fs::write(&hook, text.replace("fail_open=0", "fail_open=1")).unwrap();
    let out = run(&mut std::process::Command::new("git"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("fail open"));
}

#[test]
fn fail_open_policy_is_written_into_the_shims() {
    let env = Env::new();
    let repo = env.repo("r");
    env.write(&repo, ".git-policy.toml", "extends = [\"builtin:default\"]\n[hooks]\nfail-open = true\n");
    env.gp(&repo).arg("install").assert().success();
    assert!(std::fs::read_to_string(repo.join(".git/hooks/pre-commit")).unwrap().contains("fail_open=1"));
}

#[test]
fn server_install_refuses_bad_pushes() {
    let env = Env::new();
    let repo = env.repo("r");
    let bare = env.remote_for(&repo, "remote.git");
    env.gp(&bare).args(["install", "--server"]).assert().success();
    assert!(bare.join("hooks/pre-receive").exists());
    env.git(&repo, &["switch", "-q", "-c", "bad-name"]);
    env.write(&repo, "x.txt", "x");
    env.git(&repo, &["add", "x.txt"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: x"]);
    let out = env.git_out(&repo, &["push", "origin", "bad-name"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("branch.name-pattern"), "{}", stderr(&out));
    env.git(&repo, &["switch", "-q", "main"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "--amend", "-m", "chore: rewritten"]);
    let out = env.git_out(&repo, &["push", "-f", "origin", "main"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("trunk.force-push"), "{}", stderr(&out));
    let out = env.git_out(&repo, &["push", "origin", ":main"]);
    assert!(!out.status.success());
}

#[test]
fn doctor_reports_states_and_exit_codes() {
    let env = Env::new();
    let repo = env.repo("r");
    env.remote_for(&repo, "remote.git");
    let before = env.gp(&repo).arg("doctor").assert().code(1).get_output().clone();
    assert!(stdout(&before).contains("missing"));
    env.gp(&repo).arg("install").assert().success();
    let ok = env.gp(&repo).arg("doctor").assert().success().get_output().clone();
    assert!(stdout(&ok).contains("everything works"), "{}", stdout(&ok));
    assert!(stdout(&ok).contains("origin: +refs/notes/git-policy/*:refs/notes/remotes/origin/git-policy/*"));
    let hook = repo.join(".git/hooks/pre-push");
    let text = std::fs::read_to_string(&hook).unwrap();
    std::fs::write(&hook, text.replace("pre-push v1", "pre-push v0")).unwrap();
    std::fs::write(repo.join(".git/hooks/commit-msg.git-policy-chained"), "#!/bin/sh\n").unwrap();
    env.write(&repo, ".git-policy.toml", "[branch]\nmax-behnd = 3\n");
    let bad = env.gp(&repo).args(["doctor", "--format", "json"]).assert().code(1).get_output().clone();
    let v: serde_json::Value = serde_json::from_slice(&bad.stdout).unwrap();
    let states: Vec<&str> = v["hooks"].as_array().unwrap().iter().map(|h| h["state"].as_str().unwrap()).collect();
    assert!(states.iter().any(|s| s.starts_with("stale")), "{states:?}");
    assert!(states.iter().any(|s| s.contains("chained")), "{states:?}");
    assert_eq!(v["policy_ok"], false);
    // The build line names the C library and linking, which decide how fast hooks start; this
    // test is built for the same target as the binary it runs.
    let libc = if cfg!(target_env = "musl") { "-musl" } else { "-gnu" };
    let linking = if cfg!(target_feature = "crt-static") { "static" } else { "dynamic" };
    let build = format!("{}-linux{libc}, {linking}", std::env::consts::ARCH);
    assert_eq!(v["build"], build.as_str());
    assert!(stdout(&ok).lines().next().unwrap().ends_with(&format!(" ({build})")), "{}", stdout(&ok));
    std::fs::write(repo.join(".git/hooks/post-commit"), "#!/bin/sh\n").unwrap();
    let foreign = env.gp(&repo).arg("doctor").assert().code(1).get_output().clone();
    assert!(stdout(&foreign).contains("foreign"));
}
