//! Policy files: every shipped and documented file loads, every mistake has its exact message,
//! and layering, locks and discovery behave as documented.

use std::path::Path;

use crate::common::{stderr, stdout, Env};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema_validator() -> jsonschema::Validator {
    let out = assert_cmd::Command::cargo_bin("git-policy").unwrap().args(["policy", "schema"]).output().unwrap();
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

fn toml_as_json(path: &Path) -> serde_json::Value {
    let table: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    serde_json::to_value(table).unwrap()
}

fn files_in(dir: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn shipped_and_valid_policies_load_and_match_the_schema() {
    let env = Env::new();
    let validator = schema_validator();
    let mut files = files_in("policies");
    files.extend(files_in("tests/policies/valid"));
    assert!(files.len() >= 8);
    for f in files {
        env.gp(env.tmp.path()).args(["policy", "validate"]).arg(&f).assert().success();
        let doc = toml_as_json(&f);
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{} against the schema: {errors:?}", f.display());
    }
}

#[test]
fn schema_rejects_typos_for_editors() {
    let validator = schema_validator();
    let doc = serde_json::json!({"branch": {"max-behnd": 50}});
    assert!(!validator.is_valid(&doc));
    let doc = serde_json::json!({"rules": {"branch.max-age": "loud"}});
    assert!(!validator.is_valid(&doc));
}

/// Each invalid policy has its whole error output recorded next to it (`.expected`);
/// `UPDATE_EXPECT=1 cargo test` rewrites them, to be reviewed in the diff.
#[test]
fn invalid_policies_have_exact_located_errors() {
    let env = Env::new();
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut failures = Vec::new();
    let files = files_in("tests/policies/invalid");
    assert!(files.len() >= 20);
    for f in files {
        let name = f.file_name().unwrap().to_str().unwrap();
        let out = env.gp(&root().join("tests/policies/invalid")).args(["policy", "validate", name]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        let got = stderr(&out);
        assert!(got.contains(&format!("{name}:")), "{name} is not named with a position: {got}");
        assert!(got.contains("help:"), "{name} has no fix: {got}");
        let expected_path = f.with_extension("expected");
        if update {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != got {
            failures.push(format!("{name}:\n--- expected\n{expected}\n--- got\n{got}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let env = Env::new();
    let repo = env.repo("r");
    env.write(&repo, ".git-policy.toml", "[branch]\nmax-behnd = 50\n");
    let out = env.gp(&repo).args(["policy", "validate"]).assert().code(2).get_output().clone();
    let err = stderr(&out);
    assert!(err.contains(".git-policy.toml:2:1"), "{err}");
    assert!(err.contains("2 | max-behnd = 50"), "{err}");
    assert!(err.contains("did you mean `max-behind`?"), "{err}");
    // A hook with a broken policy fails closed with the same message and exit 2.
    env.gp(&repo)
        .args(["hook", "pre-commit"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("did you mean `max-behind`?"));
}

#[test]
fn found_from_subdirectories_and_linked_worktrees() {
    let env = Env::new();
    let repo = env.repo("r");
    env.write(&repo, ".git-policy.toml", "[branch]\nmax-behind = 7\n");
    env.git(&repo, &["add", ".git-policy.toml"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: policy"]);
    std::fs::create_dir_all(repo.join("a/b")).unwrap();
    let out =
        env.gp(&repo.join("a/b")).args(["policy", "show", "--format", "json"]).assert().success().get_output().clone();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let value = v["values"].as_array().unwrap().iter().find(|x| x["key"] == "branch.max-behind").unwrap();
    assert_eq!(value["value"], 7);
    assert!(value["file"].as_str().unwrap().ends_with(".git-policy.toml"));
    assert_eq!(value["line"], 2);
    let wt = env.path("wt");
    env.git(&repo, &["worktree", "add", "-q", "-b", "feat/w", wt.to_str().unwrap()]);
    let out = env.gp(&wt).args(["policy", "show"]).assert().success().get_output().clone();
    assert!(stdout(&out).contains("branch.max-behind = 7"), "{}", stdout(&out));
}

#[test]
fn extends_paths_and_git_blobs_with_later_files_winning() {
    let env = Env::new();
    let org = env.path("org");
    env.write(&org, "policy.toml", "extends = [\"builtin:default\"]\n[branch]\nmax-age = \"3d\"\nmax-behind = 40\n");
    let repo = env.repo("r");
    env.write(&repo, "policies/shared.toml", "[review]\napprovals = 2\n");
    env.git(&repo, &["add", "policies/shared.toml"]);
    env.git(&repo, &["commit", "-q", "--no-verify", "-m", "chore: shared"]);
    env.write(
        &repo,
        ".git-policy.toml",
        "extends = [\"../org/policy.toml\", \"main:policies/shared.toml\"]\n[branch]\nmax-behind = 20\n",
    );
    let out = env.gp(&repo).args(["policy", "show"]).assert().success().get_output().clone();
    let text = stdout(&out);
    assert!(
        text.contains("files, applied in order: builtin:default, ") && text.contains("main:policies/shared.toml"),
        "{text}"
    );
    assert!(text.contains("branch.max-age = \"3d\"") && text.contains("org/policy.toml:3"), "{text}");
    assert!(text.contains("branch.max-behind = 20") && text.contains(".git-policy.toml:3"), "{text}");
    assert!(text.contains("review.approvals = 2    # main:policies/shared.toml:2"), "{text}");
}

#[test]
fn extends_cycles_are_errors() {
    let env = Env::new();
    let d = env.path("p");
    env.write(&d, "a.toml", "extends = [\"b.toml\"]\n");
    env.write(&d, "b.toml", "extends = [\"./a.toml\"]\n");
    let out = env.gp(&d).args(["policy", "validate", "a.toml"]).assert().code(2).get_output().clone();
    let err = stderr(&out);
    assert!(err.contains("forms a cycle") && err.contains("b.toml:1:12"), "{err}");
}

#[test]
fn locked_keys_may_be_tightened_but_not_loosened() {
    let env = Env::new();
    let d = env.path("p");
    env.write(&d, "org.toml", "[branch]\nmax-age = \"2d\"\n[coverage]\nmin-total = 95\n[rules]\n\"branch.max-age\" = \"warn\"\n[lock]\nkeys = [\"branch.max-age\", \"coverage.min-total\", \"branch.linear\"]\n");
    env.write(&d, "tight.toml", "extends = [\"org.toml\"]\n[branch]\nmax-age = \"36h\"\n[coverage]\nmin-total = 97.5\n[rules]\n\"branch.max-age\" = \"error\"\n");
    env.gp(&d).args(["policy", "validate", "tight.toml"]).assert().success();
    env.write(&d, "loose.toml", "extends = [\"org.toml\"]\n[coverage]\nmin-total = 90\n");
    let out = env.gp(&d).args(["policy", "validate", "loose.toml"]).assert().code(2).get_output().clone();
    let err = stderr(&out);
    assert!(err.contains("loose.toml:3:13"), "{err}");
    assert!(err.contains("is locked by") && err.contains("org.toml:8:27"), "{err}");
    env.write(&d, "level.toml", "extends = [\"org.toml\"]\n[rules]\n\"branch.max-age\" = \"off\"\n");
    env.gp(&d)
        .args(["policy", "validate", "level.toml"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("from `\"warn\"` to `\"off\"`"));
    env.write(&d, "default-level.toml", "extends = [\"org.toml\"]\n[rules]\n\"branch.linear\" = \"warn\"\n");
    env.gp(&d)
        .args(["policy", "validate", "default-level.toml"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("locked"));
    env.write(&d, "longer.toml", "extends = [\"org.toml\"]\n[branch]\nmax-age = \"1w\"\n");
    env.gp(&d).args(["policy", "validate", "longer.toml"]).assert().code(2);
}

#[test]
fn init_writes_a_valid_starter_and_never_overwrites() {
    let env = Env::new();
    let repo = env.repo("r");
    env.gp(&repo).args(["policy", "init"]).assert().success();
    let text = std::fs::read_to_string(repo.join(".git-policy.toml")).unwrap();
    assert!(text.contains("extends = [\"builtin:default\"]"));
    env.gp(&repo).args(["policy", "validate"]).assert().success();
    env.gp(&repo).args(["policy", "init"]).assert().code(2).stderr(predicates::str::contains("not overwriting"));
    assert_eq!(std::fs::read_to_string(repo.join(".git-policy.toml")).unwrap(), text);
}

#[test]
fn default_policy_applies_without_a_file() {
    let env = Env::new();
    let repo = env.repo("r");
    let out = env.gp(&repo).args(["policy", "show"]).assert().success().get_output().clone();
    assert!(stdout(&out).contains("applied in order: builtin:default"));
    assert!(stdout(&out).contains("branch.max-age = \"2d\""));
    assert!(stdout(&out).contains("branch.max-behind = 50"));
}
