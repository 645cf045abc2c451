//! JUnit XML, the format the test tabs of Jenkins, GitLab and GitHub's test reporters read.
//!
//! One `<testcase>` per rule that produced findings (`classname` is the rule's family, `name` its
//! id). A rule with errors fails with a single `<failure>` listing every error, because several
//! readers (GitLab among them) take only one `<failure>` and one `<system-out>` per testcase;
//! warnings go to `<system-out>` and do not fail. With no findings, one passing testcase
//! `git-policy` shows that the check ran. Rules skipped by `GIT_POLICY_SKIP` are `<skipped>`.

use std::io::{self, Write};

use super::Report;
use crate::finding::{Finding, Level};

/// Writes the report as one `<testsuites>` holding one `<testsuite name="git-policy">`.
pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut rules: Vec<&str> = Vec::new();
    for f in report.findings {
        if !rules.contains(&f.rule) {
            rules.push(f.rule);
        }
    }
    let skipped: Vec<&str> = report.skipped.iter().map(String::as_str).filter(|s| !rules.contains(s)).collect();
    let failures = rules.iter().filter(|&&r| report.findings.iter().any(|f| f.rule == r && fails(f))).count();
    let tests = rules.len().max(usize::from(report.findings.is_empty())) + skipped.len();
    let counts = format!(r#"tests="{tests}" failures="{failures}" errors="0" skipped="{}" time="0""#, skipped.len());

    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(out, r#"<testsuites name="git-policy" {counts}>"#)?;
    writeln!(out, r#"  <testsuite name="git-policy" {counts}>"#)?;
    writeln!(out, "    <properties>")?;
    writeln!(out, r#"      <property name="subject" value="{}"/>"#, escape(report.subject))?;
    writeln!(out, "    </properties>")?;
    if report.findings.is_empty() {
        writeln!(out, r#"    <testcase classname="git-policy" name="git-policy" time="0"/>"#)?;
    }
    for rule in &rules {
        let (errors, others): (Vec<&Finding>, Vec<&Finding>) =
            report.findings.iter().filter(|f| f.rule == *rule).partition(|f| fails(f));
        writeln!(out, r#"    <testcase classname="{}" name="{}" time="0">"#, escape(family(rule)), escape(rule))?;
        if let Some(first) = errors.first() {
            let message = match errors.len() {
                1 => first.message.clone(),
                n => format!("{} (and {} more)", first.message, n - 1),
            };
            let body: Vec<String> = errors.iter().map(|f| describe(f)).collect();
            writeln!(
                out,
                r#"      <failure message="{}" type="{}">{}</failure>"#,
                escape(&message),
                escape(rule),
                escape(&body.join("\n"))
            )?;
        }
        if !others.is_empty() {
            let body: Vec<String> = others.iter().map(|f| describe(f)).collect();
            writeln!(out, "      <system-out>{}</system-out>", escape(&body.join("\n")))?;
        }
        writeln!(out, "    </testcase>")?;
    }
    for rule in &skipped {
        writeln!(out, r#"    <testcase classname="{}" name="{}" time="0">"#, escape(family(rule)), escape(rule))?;
        writeln!(out, r#"      <skipped message="skipped by GIT_POLICY_SKIP">skipped by GIT_POLICY_SKIP</skipped>"#)?;
        writeln!(out, "    </testcase>")?;
    }
    if !report.notes.is_empty() {
        let notes: Vec<String> = report.notes.iter().map(|n| format!("git-policy: {n}")).collect();
        writeln!(out, "    <system-out>{}</system-out>", escape(&notes.join("\n")))?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

fn fails(f: &Finding) -> bool {
    f.level == Level::Error
}

/// `branch` for `branch.max-age`.
fn family(rule: &str) -> &str {
    rule.split('.').next().unwrap_or(rule)
}

/// A finding as the text format shows it: label, message, place, help.
fn describe(f: &Finding) -> String {
    let label = match f.level {
        Level::Error => "error",
        Level::Warn => "warning",
        Level::Off => "off",
    };
    let mut s = format!("{label}[{}]: {}", f.rule, f.message);
    let mut place = Vec::new();
    if let Some(r) = &f.reference {
        place.push(format!("ref {r}"));
    }
    if let Some(c) = &f.commit {
        place.push(format!("commit {}", c.chars().take(12).collect::<String>()));
    }
    if let Some(p) = &f.path {
        place.push(match f.line {
            Some(l) => format!("{p}:{l}"),
            None => p.clone(),
        });
    }
    if !place.is_empty() {
        s.push_str("\n  --> ");
        s.push_str(&place.join(", "));
    }
    if !f.help.is_empty() {
        s.push_str("\n  help: ");
        s.push_str(&f.help);
    }
    s
}

/// Escapes for both text and attribute values: the five markup characters, tab and line breaks
/// as character references (attribute values would otherwise be normalised to spaces), and
/// characters XML 1.0 forbids replaced by U+FFFD.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Finding;

    fn findings() -> Vec<Finding> {
        vec![
            Finding::new(
                "commits.forbid-paths",
                Level::Error,
                "commit adds <secrets> & \"keys\" it's\u{1}\u{7} not allowed",
                "remove it: git rm --cached 'secrets/a.pem'",
            )
            .commit("0123456789abcdef0123456789abcdef01234567")
            .path("secrets/a b,c:d%.pem", Some(3)),
            Finding::new("branch.max-age", Level::Warn, "branch is 40 days old\nü ✓ 日本", "merge or rebase, soon")
                .reference("feature/x"),
            Finding::new("commits.forbid-paths", Level::Error, "second\r\ttab", "").path("b.txt", None),
        ]
    }

    fn render_str(report: &Report<'_>) -> String {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Parses `xml` with python3's minidom and returns what it read back as JSON, or `None` when
    /// python3 is missing (the check is skipped).
    #[allow(clippy::print_stderr)]
    fn parse_with_python(xml: &str) -> Option<serde_json::Value> {
        use std::process::{Command, Stdio};
        const SCRIPT: &str = r#"
import json, sys, xml.dom.minidom as m
doc = m.parseString(sys.stdin.buffer.read())
def text(e):
    return "".join(n.data for n in e.childNodes if n.nodeType in (n.TEXT_NODE, n.CDATA_SECTION_NODE))
def attrs(e):
    return {k: v for k, v in e.attributes.items()}
root = doc.documentElement
suites = root.getElementsByTagName("testsuite")
out = {"root": root.tagName, "attrs": attrs(root), "suites": []}
for s in suites:
    cases = []
    for c in s.getElementsByTagName("testcase"):
        cases.append({
            "attrs": attrs(c),
            "failures": [dict(attrs(f), text=text(f)) for f in c.getElementsByTagName("failure")],
            "out": [text(o) for o in c.getElementsByTagName("system-out")],
            "skipped": len(c.getElementsByTagName("skipped")),
        })
    props = [attrs(p) for p in s.getElementsByTagName("property")]
    out["suites"].append({"attrs": attrs(s), "cases": cases, "properties": props})
print(json.dumps(out))
"#;
        let Ok(mut child) = Command::new("python3")
            .args(["-c", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
        else {
            eprintln!("python3 not found: skipping the XML well-formedness check");
            return None;
        };
        child.stdin.take().unwrap().write_all(xml.as_bytes()).unwrap();
        let done = child.wait_with_output().unwrap();
        assert!(done.status.success(), "not well-formed XML: {}\n{xml}", String::from_utf8_lossy(&done.stderr));
        Some(serde_json::from_slice(&done.stdout).unwrap())
    }

    #[test]
    fn escapes_markup_quotes_line_breaks_and_forbidden_characters() {
        assert_eq!(escape(r#"a<b>&"c"'d'"#), "a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;");
        assert_eq!(escape("x\ny\r\tz"), "x&#10;y&#13;&#9;z");
        assert_eq!(escape("\u{0}\u{1b}\u{FFFE}ü✓"), "\u{FFFD}\u{FFFD}\u{FFFD}ü✓");
    }

    #[test]
    fn one_testcase_per_rule_errors_fail_warnings_do_not() {
        let findings = findings();
        let notes = vec!["range main..HEAD".to_string()];
        let report = Report { subject: "check main..HEAD & more", findings: &findings, skipped: &[], notes: &notes };
        let xml = render_str(&report);

        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"git-policy\" "));
        assert_eq!(xml.matches("<testsuites ").count(), 1);
        assert_eq!(xml.matches("<testsuite ").count(), 1);
        assert_eq!(xml.matches("<testcase ").count(), 2);
        assert_eq!(xml.matches("<failure ").count(), 1);
        assert_eq!(xml.matches(r#"tests="2" failures="1" errors="0" skipped="0""#).count(), 2);
        assert!(xml.contains(r#"<testcase classname="commits" name="commits.forbid-paths" time="0">"#));
        assert!(xml.contains(r#"<testcase classname="branch" name="branch.max-age" time="0">"#));
        assert!(xml.contains(concat!(
            r#"<failure message="commit adds &lt;secrets&gt; &amp; &quot;keys&quot; it&apos;s"#,
            "\u{FFFD}\u{FFFD}",
            r#" not allowed (and 1 more)" type="commits.forbid-paths">"#
        )));
        assert!(xml.contains("  --&gt; commit 0123456789ab, secrets/a b,c:d%.pem:3&#10;"));
        assert!(xml.contains("<system-out>warning[branch.max-age]: branch is 40 days old&#10;ü ✓ 日本"));
        assert!(xml.contains(r#"<property name="subject" value="check main..HEAD &amp; more"/>"#));
        assert!(!xml.contains('\u{1}') && !xml.contains('\u{7}'));

        let Some(parsed) = parse_with_python(&xml) else { return };
        assert_eq!(parsed["root"], "testsuites");
        let suite = &parsed["suites"][0];
        assert_eq!(suite["attrs"]["name"], "git-policy");
        assert_eq!(suite["attrs"]["tests"], "2");
        assert_eq!(suite["attrs"]["failures"], "1");
        assert_eq!(suite["properties"][0]["value"], "check main..HEAD & more");
        let cases = suite["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 2);
        let failure = &cases[0]["failures"][0];
        assert_eq!(
            failure["message"],
            "commit adds <secrets> & \"keys\" it's\u{FFFD}\u{FFFD} not allowed (and 1 more)"
        );
        assert_eq!(failure["type"], "commits.forbid-paths");
        assert_eq!(
            failure["text"],
            "error[commits.forbid-paths]: commit adds <secrets> & \"keys\" it's\u{FFFD}\u{FFFD} not allowed\n  \
             --> commit 0123456789ab, secrets/a b,c:d%.pem:3\n  \
             help: remove it: git rm --cached 'secrets/a.pem'\n\
             error[commits.forbid-paths]: second\r\ttab\n  --> b.txt"
        );
        assert_eq!(cases[1]["attrs"]["classname"], "branch");
        assert_eq!(cases[1]["failures"].as_array().unwrap().len(), 0);
        assert_eq!(
            cases[1]["out"][0],
            "warning[branch.max-age]: branch is 40 days old\nü ✓ 日本\n  --> ref feature/x\n  help: merge or rebase, soon"
        );
    }

    #[test]
    fn warnings_only_pass() {
        let findings: Vec<Finding> = findings().into_iter().filter(|f| f.level == Level::Warn).collect();
        let report = Report { subject: "pre-push", findings: &findings, skipped: &[], notes: &[] };
        let xml = render_str(&report);
        assert_eq!(xml.matches(r#"tests="1" failures="0""#).count(), 2);
        assert!(!xml.contains("<failure"));
        if let Some(parsed) = parse_with_python(&xml) {
            assert_eq!(parsed["suites"][0]["cases"][0]["attrs"]["name"], "branch.max-age");
        }
    }

    #[test]
    fn empty_report_is_one_passing_testcase() {
        let report = Report { subject: "check", findings: &[], skipped: &[], notes: &[] };
        let xml = render_str(&report);
        assert_eq!(
            xml,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="git-policy" tests="1" failures="0" errors="0" skipped="0" time="0">
  <testsuite name="git-policy" tests="1" failures="0" errors="0" skipped="0" time="0">
    <properties>
      <property name="subject" value="check"/>
    </properties>
    <testcase classname="git-policy" name="git-policy" time="0"/>
  </testsuite>
</testsuites>
"#
        );
        if let Some(parsed) = parse_with_python(&xml) {
            assert_eq!(parsed["suites"][0]["cases"][0]["attrs"]["name"], "git-policy");
        }
    }

    #[test]
    fn skipped_rules_are_skipped_testcases() {
        let skipped = vec!["commits.signoff".to_string()];
        let report = Report { subject: "pre-commit", findings: &[], skipped: &skipped, notes: &[] };
        let xml = render_str(&report);
        assert_eq!(xml.matches(r#"tests="2" failures="0" errors="0" skipped="1""#).count(), 2);
        assert!(xml.contains(r#"<testcase classname="commits" name="commits.signoff" time="0">"#));
        if let Some(parsed) = parse_with_python(&xml) {
            assert_eq!(parsed["suites"][0]["cases"][1]["skipped"], 1);
        }
    }
}
