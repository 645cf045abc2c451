//! Rules on a commit message: subject length and pattern, body lines, sign-off, forbidden subjects.

use crate::finding::Finding;
use crate::policy::model::Policy;
use crate::subject::Message;
use crate::trailers::{self, TrailerConfig};

use super::finding;

/// Which message rules run: commit-msg runs all but forbidden subjects, which may be used on
/// a work branch (`fixup!`) and only must not reach trunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// A message being written (commit-msg hook).
    Draft,
    /// A commit headed for trunk (pre-push, check).
    Landing,
}

/// Runs the message rules.
pub fn check(policy: &Policy, msg: &Message<'_>, scope: Scope) -> Vec<Finding> {
    let mut out = Vec::new();
    let c = &policy.commits;
    let subject = msg.text.lines().next().unwrap_or("").trim_end();
    if subject.trim().is_empty() {
        return out;
    }
    if let Some(max) = c.subject_max_length {
        let len = subject.chars().count() as u64;
        if len > max {
            out.extend(finding(
                policy,
                "commits.subject-max-length",
                format!("subject is {len} characters, more than {max}"),
                format!("shorten the subject to at most {max} characters and move detail into the body"),
            ));
        }
    }
    if let Some(p) = &c.subject_pattern {
        if !p.is_match(subject) {
            out.extend(finding(
                policy,
                "commits.subject-pattern",
                format!("subject `{subject}` does not match `{}`", p.as_str()),
                "reword the subject, e.g. `feat(scope): what changes` (Conventional Commits)".into(),
            ));
        }
    }
    if scope == Scope::Landing {
        if let Some(p) = c.forbid_subjects.iter().find(|p| p.is_match(subject)) {
            out.extend(finding(
                policy,
                "commits.forbid-subjects",
                format!("subject `{subject}` matches forbidden `{}`", p.as_str()),
                "squash or reword it before it reaches trunk: git rebase -i --autosquash <base>".into(),
            ));
        }
    }
    let cfg = TrailerConfig::default();
    let block = trailers::block_range(msg.text, &cfg);
    if let Some(max) = c.body_max_line_length {
        let mut offset = 0;
        for (i, line) in msg.text.split_inclusive('\n').enumerate() {
            let start = offset;
            offset += line.len();
            let line = line.trim_end_matches(['\n', '\r']);
            if i == 0 || block.as_ref().is_some_and(|b| b.contains(&start)) || is_url_only(line) {
                continue;
            }
            let len = line.chars().count() as u64;
            if len > max {
                out.extend(finding(
                    policy,
                    "commits.body-max-line-length",
                    format!("body line {} is {len} characters, more than {max}", i + 1),
                    format!("wrap the body at {max} characters (lines that are only a URL are exempt)"),
                ));
                break;
            }
        }
    }
    if c.signoff {
        let email = msg.author_email.unwrap_or_default();
        let signoffs: Vec<String> = trailers::parse(msg.text, &cfg)
            .into_iter()
            .filter(|t| t.key_is("Signed-off-by"))
            .map(|t| t.value)
            .collect();
        let matching = signoffs.iter().any(|v| {
            v.rsplit_once('<').and_then(|(_, e)| e.strip_suffix('>')).is_some_and(|e| e.eq_ignore_ascii_case(email))
        });
        if !matching {
            let why = if signoffs.is_empty() {
                "no Signed-off-by trailer".to_string()
            } else {
                format!("no Signed-off-by trailer matches the author <{email}>")
            };
            out.extend(finding(
                policy,
                "commits.signoff",
                why,
                "sign off as the author: git commit --amend --signoff (or -s when committing)".into(),
            ));
        }
    }
    out
}

fn is_url_only(line: &str) -> bool {
    let t = line
        .trim()
        .trim_start_matches(['[', '(', '<', '-', '*', ' '])
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == ']' || c == ':' || c == ' ');
    !t.contains(char::is_whitespace) && (t.starts_with("https://") || t.starts_with("http://"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{load, NoBlobs, Source};

    fn strict() -> Policy {
        load::load(Source::Builtin("strict".into()), &NoBlobs).unwrap().policy
    }

    fn ids(p: &Policy, text: &str, scope: Scope) -> Vec<&'static str> {
        let m = Message { text, author_email: Some("a@example.com"), author_name: Some("A") };
        check(p, &m, scope).iter().map(|f| f.rule).collect()
    }

    #[test]
    fn subjects() {
        let p = strict();
        assert!(ids(&p, "feat: add x\n\nSigned-off-by: A <a@example.com>\n", Scope::Draft).is_empty());
        let long = format!("feat: {}\n\nSigned-off-by: A <a@example.com>\n", "é".repeat(66));
        assert!(ids(&p, &long, Scope::Draft).is_empty(), "72 scalar values exactly is allowed");
        let longer = format!("feat: {}\n\nSigned-off-by: A <a@example.com>\n", "é".repeat(67));
        assert_eq!(ids(&p, &longer, Scope::Draft), ["commits.subject-max-length"]);
        assert_eq!(
            ids(&p, "Added stuff\n\nSigned-off-by: A <a@example.com>\n", Scope::Draft),
            ["commits.subject-pattern"]
        );
        let fixup = "fixup! feat: x\n\nSigned-off-by: A <a@example.com>\n";
        assert!(!ids(&p, fixup, Scope::Draft).contains(&"commits.forbid-subjects"));
        assert!(ids(&p, fixup, Scope::Landing).contains(&"commits.forbid-subjects"));
        assert!(ids(&p, "", Scope::Draft).is_empty());
    }

    #[test]
    fn body_and_signoff() {
        let p = strict();
        let url =
            format!("feat: x\n\nsee\nhttps://example.com/{}\n\nSigned-off-by: A <a@example.com>\n", "a".repeat(200));
        assert!(ids(&p, &url, Scope::Draft).is_empty());
        let wide = format!("feat: x\n\n{}\n\nSigned-off-by: A <a@example.com>\n", "word ".repeat(30));
        assert_eq!(ids(&p, &wide, Scope::Draft), ["commits.body-max-line-length"]);
        assert_eq!(ids(&p, "feat: x\n\nSigned-off-by: B <b@example.com>\n", Scope::Draft), ["commits.signoff"]);
        assert_eq!(ids(&p, "feat: x\n", Scope::Draft), ["commits.signoff"]);
        let long_trailer = format!(
            "feat: x\n\nSigned-off-by: A <a@example.com>\nCo-authored-by: {} <c@example.com>\n",
            "N".repeat(120)
        );
        assert!(ids(&p, &long_trailer, Scope::Draft).is_empty(), "trailer lines are exempt from the body width");
    }
}
