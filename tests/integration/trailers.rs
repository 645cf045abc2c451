//! Differential: the native trailer parser against the `git interpret-trailers --parse` on this
//! machine, live, on every recorded message (the recorded answers are checked by unit tests; this
//! re-asks git, so a git whose behaviour moved is noticed).

use std::io::Write;
use std::process::{Command, Stdio};

use git_policy::trailers::{self, TrailerConfig};

fn git_parse(message: &str, extra_keys: &[String], comment_char: Option<&str>) -> Vec<(String, String)> {
    let mut cmd = Command::new("git");
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null").env("GIT_CONFIG_NOSYSTEM", "1").args(["-c", "trailer.separators=:"]);
    if let Some(c) = comment_char {
        cmd.arg("-c").arg(format!("core.commentChar={c}"));
    }
    for k in extra_keys {
        cmd.arg("-c").arg(format!("trailer.{k}.key={k}"));
    }
    let mut child =
        cmd.args(["interpret-trailers", "--parse"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(message.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines().map(|l| l.split_once(": ").map(|(k, v)| (k.to_string(), v.to_string())).unwrap()).collect()
}

#[test]
fn native_parser_agrees_with_live_git() {
    let cases = include_str!("../data/trailers/cases.jsonl");
    let mut checked = 0;
    for line in cases.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let message = v["message"].as_str().unwrap();
        let extra: Vec<String> = v["extra_keys"]
            .as_array()
            .map(|a| a.iter().map(|k| k.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        let comment = v["comment_char"].as_str();
        let config = TrailerConfig {
            extra_keys: extra.clone(),
            comment_char: comment.and_then(|c| c.chars().next()).unwrap_or('#'),
        };
        let ours: Vec<(String, String)> =
            trailers::parse(message, &config).into_iter().map(|t| (t.key, t.value)).collect();
        let theirs = git_parse(message, &extra, comment);
        assert_eq!(ours, theirs, "case {}: {message:?}", v["id"]);
        checked += 1;
    }
    assert!(checked >= 500, "only {checked} cases");
}
