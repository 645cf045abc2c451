//! The hermetic test context: a temp dir with its own HOME, no global or system git config,
//! a fixed identity, and helpers to build real repositories and a local bare remote.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

/// One test's world.
pub struct Env {
    pub tmp: TempDir,
}

const SCRUB: &[&str] = &[
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_POLICY_SKIP",
    "GIT_POLICY_FILE",
    "GIT_POLICY_NOW",
    "GIT_POLICY_BASE",
    "GIT_POLICY_HEAD",
    "GIT_POLICY_BRANCH",
    "GIT_POLICY_HOOK_PATH",
    "GITHUB_ACTIONS",
    "GITHUB_EVENT_NAME",
    "GITHUB_BASE_REF",
    "GITHUB_HEAD_REF",
    "GITHUB_EVENT_PATH",
    "GITHUB_REF_NAME",
    "CI_MERGE_REQUEST_DIFF_BASE_SHA",
    "CI_COMMIT_SHA",
    "NO_COLOR",
];

impl Env {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(tmp.path().join("home")).unwrap();
        Self { tmp }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    fn apply(&self, cmd: &mut std::process::Command) {
        for v in SCRUB {
            cmd.env_remove(v);
        }
        cmd.env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("home/.config"))
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ada Dev")
            .env("GIT_AUTHOR_EMAIL", "ada@example.com")
            .env("GIT_COMMITTER_NAME", "Ada Dev")
            .env("GIT_COMMITTER_EMAIL", "ada@example.com")
            .env("GIT_TERMINAL_PROMPT", "0");
    }

    /// Runs git; returns the output whatever the status.
    pub fn git_out(&self, cwd: &Path, args: &[&str]) -> Output {
        let mut cmd = std::process::Command::new("git");
        self.apply(&mut cmd);
        cmd.current_dir(cwd).args(args).output().expect("git runs")
    }

    /// Runs git and insists it succeeds; returns stdout.
    pub fn git(&self, cwd: &Path, args: &[&str]) -> String {
        let out = self.git_out(cwd, args);
        assert!(
            out.status.success(),
            "git {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim_end().to_string()
    }

    /// A git-policy command in `cwd`.
    pub fn gp(&self, cwd: &Path) -> Command {
        let mut std_cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("git-policy"));
        self.apply(&mut std_cmd);
        std_cmd.current_dir(cwd);
        Command::from_std(std_cmd)
    }

    /// A new repository on `main` with one commit (made without hooks).
    pub fn repo(&self, name: &str) -> PathBuf {
        let dir = self.path(name);
        std::fs::create_dir_all(&dir).unwrap();
        self.git(&dir, &["init", "-q", "-b", "main"]);
        self.git(&dir, &["config", "user.name", "Ada Dev"]);
        self.git(&dir, &["config", "user.email", "ada@example.com"]);
        self.write(&dir, "README.md", "hello\n");
        self.git(&dir, &["add", "README.md"]);
        self.git(&dir, &["commit", "-q", "--no-verify", "-m", "chore: initial commit"]);
        dir
    }

    /// A bare repository to push to, with `name`'s main pushed and set as origin.
    pub fn remote_for(&self, repo: &Path, name: &str) -> PathBuf {
        let bare = self.path(name);
        self.git(self.tmp.path(), &["init", "-q", "--bare", "-b", "main", bare.to_str().unwrap()]);
        self.git(repo, &["remote", "add", "origin", bare.to_str().unwrap()]);
        self.git(repo, &["push", "-q", "--no-verify", "origin", "main"]);
        self.git(repo, &["fetch", "-q", "origin"]);
        bare
    }

    pub fn write(&self, dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(p, text).unwrap();
    }

    /// Stages a file and commits it through the hooks; returns the output.
    pub fn commit(&self, dir: &Path, rel: &str, text: &str, msg: &str) -> Output {
        self.write(dir, rel, text);
        self.git(dir, &["add", rel]);
        self.git_out(dir, &["commit", "-q", "-m", msg])
    }

    /// Stages a file and commits it with the hooks skipped (`--no-verify`); insists it works.
    pub fn commit_skipping_hooks(&self, dir: &Path, rel: &str, text: &str, msg: &str) {
        self.write(dir, rel, text);
        self.git(dir, &["add", rel]);
        self.git(dir, &["commit", "-q", "--no-verify", "-m", msg]);
    }
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The (rule, message) of every finding in a `--format json` report.
pub fn json_findings(o: &Output) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| panic!("{}", stdout(o)));
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["message"].as_str().unwrap().to_string()))
        .collect()
}

impl Env {
    /// A policy file outside any repository: the default, without the review requirement, for
    /// tests of other rules through `check` (which otherwise needs approvals).
    pub fn no_review_policy(&self) -> PathBuf {
        let p = self.path("no-review.toml");
        std::fs::write(&p, "extends = [\"builtin:default\"]\n[review]\napprovals = 0\n").unwrap();
        p
    }
}
