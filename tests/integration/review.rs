//! Review through `check`: trailers, `review approve`, binding to content, signed approvals with
//! real SSH keys, owners, and changes to the policy itself.

use std::path::{Path, PathBuf};

use crate::common::{json_findings, Env};
use crate::paths::{keygen, signed_commit_on_a_branch};

/// A repository whose main holds a policy, and a branch with one commit by Ada.
/// A repository `r` whose main holds `policy`, with a change on `feat/x` that adds src/a.rs.
pub(crate) fn change(env: &Env, policy: &str) -> PathBuf {
    change_in(env, "r", &[(".git-policy.toml", policy)])
}

/// [`change`] in repository `name`, with `base` (path, text) committed on main.
fn change_in(env: &Env, name: &str, base: &[(&str, &str)]) -> PathBuf {
    let repo = env.repo(name);
    for (path, text) in base {
        env.write(&repo, path, text);
    }
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: policy"]);
    env.git(&repo, &["switch", "-q", "-c", "feat/x"]);
    env.write(&repo, "src/a.rs", "fn a() {}\n");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: a"]);
    repo
}

fn check_rules(env: &Env, repo: &Path) -> Vec<(String, String)> {
    json_findings(&env.gp(repo).args(["check", "--range", "main..HEAD", "--format", "json"]).output().unwrap())
}

fn approve_as(env: &Env, repo: &Path, who: &str, extra: &[&str]) -> std::process::Output {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("git-policy"));
    c.current_dir(repo)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", env.path("home"));
    c.env("GIT_COMMITTER_EMAIL", format!("{who}@example.com")).env("GIT_COMMITTER_NAME", who);
    c.args(["review", "approve"]).args(extra).output().unwrap()
}

const BASIC: &str = "extends = [\"builtin:default\"]\n[review]\napprovals = 1\n";

#[test]
fn trailers_count_but_not_the_authors_own() {
    let env = Env::new();
    let repo = change(&env, BASIC);
    let f = check_rules(&env, &repo);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].0, "review.approvals");
    env.git(
        &repo,
        &["commit", "-q", "--amend", "--no-verify", "-m", "feat: a\n\nReviewed-by: Ada Dev <ada@example.com>"],
    );
    let f = check_rules(&env, &repo);
    assert!(f[0].1.contains("ada@example.com is an author"), "{f:?}");
    env.git(&repo, &["commit", "-q", "--amend", "--no-verify", "-m", "feat: a\n\nReviewed-by: Bob <bob@example.com>"]);
    assert!(check_rules(&env, &repo).is_empty());
}

#[test]
fn approve_is_bound_to_content_and_survives_a_rebase() {
    let env = Env::new();
    let repo = change(&env, BASIC);
    let out = approve_as(&env, &repo, "bob", &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let note = env.git(&repo, &["notes", "--ref", "review", "show", "HEAD"]);
    assert!(
        note.contains("Code-Review+2: bob <bob@example.com>")
            && note.contains("Git-Policy-Approval: v1 email=bob@example.com patch-id="),
        "{note}"
    );
    assert!(check_rules(&env, &repo).is_empty());
    // Trunk moves; the rebased change has the same patch id, and the note comes along.
    env.git(&repo, &["config", "notes.rewriteRef", "refs/notes/review"]);
    env.git(&repo, &["switch", "-q", "main"]);
    env.write(&repo, "other.txt", "o");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: other"]);
    env.git(&repo, &["switch", "-q", "feat/x"]);
    env.git(&repo, &["rebase", "-q", "main"]);
    assert!(check_rules(&env, &repo).is_empty(), "a rebase does not change what was approved");
    // New content after the approval: the carried approval is for older content.
    env.write(&repo, "src/a.rs", "fn a() { evil() }\n");
    env.git(&repo, &["commit", "-q", "-a", "--amend", "--no-verify", "--no-edit"]);
    let f = check_rules(&env, &repo);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].1.contains("bob@example.com approved older content"), "{f:?}");
}

#[test]
fn signed_approvals_verify_against_allowed_signers() {
    let env = Env::new();
    let (bob_key, bob_pub) = keygen(&env, "bob");
    let (eve_key, _) = keygen(&env, "eve");
    let policy = format!("{BASIC}require-signed = true\nallowed-signers = \".github/allowed_signers\"\n");
    let signers = format!("bob@example.com namespaces=\"git-policy-review\" {bob_pub}\n");
    let repo =
        change_in(&env, "r", &[(".git-policy.toml", policy.as_str()), (".github/allowed_signers", signers.as_str())]);

    // A forged trailer and an unsigned approval do not count.
    env.git(&repo, &["commit", "-q", "--amend", "--no-verify", "-m", "feat: a\n\nReviewed-by: Bob <bob@example.com>"]);
    assert!(approve_as(&env, &repo, "bob", &[]).status.success());
    let f = check_rules(&env, &repo);
    assert!(f.len() == 1 && f[0].1.contains("not signed"), "{f:?}");

    // Signed with the wrong key (Eve's, claiming to be Bob): does not verify.
    env.git(&repo, &["notes", "--ref", "review", "remove", "HEAD"]);
    env.git(&repo, &["config", "user.signingkey", eve_key.to_str().unwrap()]);
    assert!(approve_as(&env, &repo, "bob", &["--sign"]).status.success());
    let f = check_rules(&env, &repo);
    assert!(f.len() == 1 && f[0].1.contains("does not verify"), "{f:?}");

    // Eve as herself: her key is not in allowed-signers.
    env.git(&repo, &["notes", "--ref", "review", "remove", "HEAD"]);
    assert!(approve_as(&env, &repo, "eve", &["--sign"]).status.success());
    assert!(check_rules(&env, &repo)[0].1.contains("does not verify"));

    // Bob with his own key: counts.
    env.git(&repo, &["notes", "--ref", "review", "remove", "HEAD"]);
    env.git(&repo, &["config", "user.signingkey", bob_key.to_str().unwrap()]);
    let out = approve_as(&env, &repo, "bob", &["--sign"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(check_rules(&env, &repo).is_empty());

    // Tampering with the signed record (say, to approve other content) breaks it.
    let note = env.git(&repo, &["notes", "--ref", "review", "show", "HEAD"]);
    let pid = note.split("patch-id=").nth(1).unwrap().split(' ').next().unwrap().to_string();
    let forged = note.replace(&pid, &"0".repeat(40)).replace("time=", "time=1");
    env.git(&repo, &["notes", "--ref", "review", "add", "-f", "-m", &forged, "HEAD"]);
    let f = check_rules(&env, &repo);
    assert!(f.len() == 1 && (f[0].1.contains("does not verify") || f[0].1.contains("older content")), "{f:?}");
}

/// A key past its `valid-before` (or before its `valid-after`) in allowed-signers verifies
/// nothing, and the finding says so rather than only "does not verify".
#[test]
fn an_expired_or_not_yet_valid_signing_key_is_named() {
    let env = Env::new();
    let (bob_key, bob_pub) = keygen(&env, "bob");
    let policy = format!("{BASIC}require-signed = true\nallowed-signers = \".github/allowed_signers\"\n");
    for (window, why) in
        [("valid-before=\"20200101\"", "key has expired"), ("valid-after=\"20990101\"", "key is not yet valid")]
    {
        let signers = format!("bob@example.com namespaces=\"git-policy-review\",{window} {bob_pub}\n");
        let repo = change_in(
            &env,
            &format!("r-{}", &window[..11]),
            &[(".git-policy.toml", policy.as_str()), (".github/allowed_signers", signers.as_str())],
        );
        env.git(&repo, &["config", "user.signingkey", bob_key.to_str().unwrap()]);
        let out = approve_as(&env, &repo, "bob", &["--sign"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let f = check_rules(&env, &repo);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].1.contains("does not verify against allowed-signers") && f[0].1.contains(why), "{f:?}");
        assert!(!f[0].1.contains("/tmp"), "the temporary file's name is not the user's business: {f:?}");
    }
}

#[test]
fn owners_and_policy_owners() {
    let env = Env::new();
    let policy = "extends = [\"builtin:default\"]\n[review]\napprovals = 1\npolicy-owners = [\"@platform/policy\"]\n[review.teams]\n\"@platform/policy\" = [\"carol@example.com\"]\n[review.people]\n\"@dan\" = [\"dan@example.com\"]\n";
    let repo = env.repo("r");
    env.write(&repo, ".git-policy.toml", policy);
    env.write(&repo, ".github/CODEOWNERS", "* @dan\n/docs/ \n");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: policy"]);
    env.git(&repo, &["switch", "-q", "-c", "feat/x"]);
    env.write(&repo, "src/a.rs", "a");
    env.write(&repo, "docs/readme.md", "unowned");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: a\n\nReviewed-by: Bob <bob@example.com>"]);
    let f = check_rules(&env, &repo);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(f[0].0 == "review.owners" && f[0].1.contains("src/a.rs") && !f[0].1.contains("docs/"), "{f:?}");
    env.git(
        &repo,
        &[
            "commit",
            "-q",
            "--amend",
            "--no-verify",
            "-m",
            "feat: a\n\nReviewed-by: Bob <bob@example.com>\nReviewed-by: Dan <dan@example.com>",
        ],
    );
    assert!(check_rules(&env, &repo).is_empty());
    // The change loosens the policy: judged by the base, and the policy owners must approve.
    env.write(&repo, ".git-policy.toml", "extends = [\"builtin:default\"]\n[review]\napprovals = 0\n");
    env.git(&repo, &["commit", "-q", "-a", "--no-verify", "-m", "chore: relax\n\nReviewed-by: Dan <dan@example.com>"]);
    let rules: Vec<String> = check_rules(&env, &repo).into_iter().map(|(r, _)| r).collect();
    assert!(
        rules.contains(&"review.policy-change".to_string()) && rules.contains(&"policy.changed".to_string()),
        "{rules:?}"
    );
}

#[test]
fn exempt_bots_by_exact_identity() {
    let env = Env::new();
    let repo = change(
        &env,
        "extends = [\"builtin:default\"]\n[review]\napprovals = 1\nexempt-authors = [\"Ada Dev <ada@example.com>\"]\n",
    );
    assert!(check_rules(&env, &repo).is_empty());
    let repo2 = {
        let env2 = Env::new();
        let r = change(&env2, "extends = [\"builtin:default\"]\n[review]\napprovals = 1\nexempt-authors = [\"Ada Dev <other@example.com>\"]\n");
        (check_rules(&env2, &r), env2)
    };
    assert_eq!(repo2.0.len(), 1, "a name alone does not exempt");
}

#[test]
fn signed_commits_are_verified_by_git() {
    let env = Env::new();
    let (key, public) = keygen(&env, "ada");
    let repo = signed_commit_on_a_branch(&env, &key, Some(&format!("ada@example.com {public}\n")));
    assert!(check_rules(&env, &repo).is_empty());
    env.write(&repo, "b", "b");
    env.git(&repo, &["add", "."]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "feat: unsigned"]);
    let f = check_rules(&env, &repo);
    assert!(f.len() == 1 && f[0].1.contains("is not signed"), "{f:?}");
    let (other, _) = keygen(&env, "mallory");
    env.git(&repo, &["config", "user.signingkey", other.to_str().unwrap()]);
    env.git(&repo, &["commit", "-q", "--amend", "--no-verify", "-S", "-m", "feat: wrong key"]);
    let f = check_rules(&env, &repo);
    assert!(f.len() == 1 && f[0].1.contains("not in signers"), "{f:?}");
}
