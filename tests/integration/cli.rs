//! The command line itself: help with examples and exit codes, completions, the man page.

use crate::common::{stdout, Env};

#[test]
fn help_documents_exit_codes_and_every_command_has_an_example() {
    let env = Env::new();
    let top = env.gp(env.tmp.path()).arg("--help").assert().success().get_output().clone();
    assert!(stdout(&top).contains("Exit codes:") && stdout(&top).contains("3  a git or I/O error"));
    for cmd in [
        &["install"][..],
        &["uninstall"],
        &["hook"],
        &["check"],
        &["doctor"],
        &["completions"],
        &["man"],
        &["policy", "show"],
        &["policy", "validate"],
        &["policy", "init"],
        &["policy", "schema"],
    ] {
        let out = env.gp(env.tmp.path()).args(cmd).arg("--help").assert().success().get_output().clone();
        assert!(stdout(&out).contains("Example"), "{cmd:?} has no example");
    }
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    env.gp(env.tmp.path()).arg("no-such-command").assert().code(2);
    env.gp(env.tmp.path()).args(["check", "--format", "yaml"]).assert().code(2);
    env.gp(env.tmp.path())
        .args(["doctor"])
        .assert()
        .code(3)
        .stderr(predicates::str::contains("not in a git repository"));
}

#[test]
fn completions_and_man_page() {
    let env = Env::new();
    for shell in ["bash", "zsh", "fish"] {
        let out = env.gp(env.tmp.path()).args(["completions", shell]).assert().success().get_output().clone();
        assert!(stdout(&out).contains("install"), "{shell}");
    }
    let man = env.gp(env.tmp.path()).arg("man").assert().success().get_output().clone();
    assert!(stdout(&man).contains(".TH git-policy"));
}

#[test]
fn readme_documents_every_rule_and_key() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for rule in git_policy::policy::catalogue::RULES {
        let (family, name) = rule.id.split_once('.').unwrap();
        assert!(
            readme.contains(&format!("`{}`", rule.id)) || readme.contains(&format!("/ `{name}`")),
            "README lacks rule {family}.{name}"
        );
    }
    for (key, _) in git_policy::policy::lock::KEYS {
        let last = key.rsplit('.').find(|s| *s != "*").unwrap();
        assert!(readme.contains(last), "README lacks key {key}");
    }
}
