//! GitHub Actions workflow commands: one `::error` / `::warning` annotation per finding.
//!
//! Escaping follows the runner's rules: in the message, `%`, CR and LF become `%25`, `%0D` and
//! `%0A`; property values (`file`, `title`) also escape `:` and `,`. Every other line starts with
//! `git-policy:` and has its line breaks flattened, so nothing from a finding can start a command.

use std::io::{self, Write};

use super::Report;
use crate::finding::{Finding, Level};

/// Writes the notes, one workflow command per finding, and a `::notice::` when nothing was found.
pub(super) fn render(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for note in report.notes {
        writeln!(out, "git-policy: {}", one_line(note))?;
    }
    if !report.skipped.is_empty() {
        writeln!(out, "git-policy: skipped by GIT_POLICY_SKIP: {}", one_line(&report.skipped.join(", ")))?;
    }
    for f in report.findings {
        writeln!(out, "{}", command(f))?;
    }
    if report.findings.is_empty() {
        writeln!(out, "::notice::{}", escape_data(&format!("git-policy {}: all rules passed", report.subject)))?;
    }
    Ok(())
}

/// `::error file=PATH,line=N,title=RULE::MESSAGE%0A...%0Ahelp: HELP`.
fn command(f: &Finding) -> String {
    let kind = match f.level {
        Level::Error => "error",
        Level::Warn => "warning",
        Level::Off => "notice",
    };
    let mut props = Vec::new();
    if let Some(path) = &f.path {
        props.push(format!("file={}", escape_property(path)));
        if let Some(line) = f.line.filter(|&l| l > 0) {
            props.push(format!("line={line}"));
        }
    }
    props.push(format!("title={}", escape_property(f.rule)));

    let mut text = f.message.clone();
    let mut place = Vec::new();
    if let Some(r) = &f.reference {
        place.push(format!("ref {r}"));
    }
    if let Some(c) = &f.commit {
        place.push(format!("commit {}", c.chars().take(12).collect::<String>()));
    }
    if !place.is_empty() {
        text.push_str("\nat ");
        text.push_str(&place.join(", "));
    }
    if !f.help.is_empty() {
        text.push_str("\nhelp: ");
        text.push_str(&f.help);
    }
    format!("::{kind} {}::{}", props.join(","), escape_data(&text))
}

/// Escapes a command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a command property's value.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// A plain log line: line breaks become spaces, so it cannot start a command.
fn one_line(s: &str) -> String {
    s.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_str(report: &Report<'_>) -> String {
        let mut out = Vec::new();
        render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(escape_data("100% a:b,c\r\nd"), "100%25 a:b,c%0D%0Ad");
        assert_eq!(escape_property("100% a:b,c\r\nd"), "100%25 a%3Ab%2Cc%0D%0Ad");
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn renders_annotations_exactly() {
        let findings = vec![
            Finding::new(
                "commits.forbid-paths",
                Level::Error,
                "commit adds secrets/a,b:c%.pem <x> & \"y\"",
                "remove it: git rm --cached, then amend",
            )
            .commit("0123456789abcdef0123456789abcdef01234567")
            .path("secrets/a,b:c%.pem", Some(3)),
            Finding::new("branch.max-age", Level::Warn, "branch is 40 days old\nü ✓ 日本", "merge or rebase")
                .reference("feature/x"),
            Finding::new("commits.subject-max-length", Level::Error, "subject is 90 characters", ""),
        ];
        let notes = vec!["range main..HEAD\n::error::injected".to_string()];
        let report = Report { subject: "check main..HEAD", findings: &findings, skipped: &[], notes: &notes };
        assert_eq!(
            render_str(&report),
            "git-policy: range main..HEAD ::error::injected\n\
             ::error file=secrets/a%2Cb%3Ac%25.pem,line=3,title=commits.forbid-paths::\
             commit adds secrets/a,b:c%25.pem <x> & \"y\"%0Aat commit 0123456789ab\
             %0Ahelp: remove it: git rm --cached, then amend\n\
             ::warning title=branch.max-age::branch is 40 days old%0Aü ✓ 日本%0Aat ref feature/x\
             %0Ahelp: merge or rebase\n\
             ::error title=commits.subject-max-length::subject is 90 characters\n"
        );
    }

    #[test]
    fn path_without_line_has_no_line_property() {
        let findings =
            vec![Finding::new("commits.max-file-size", Level::Error, "too big", "shrink it").path("big.bin", None)];
        let report = Report { subject: "pre-commit", findings: &findings, skipped: &[], notes: &[] };
        assert_eq!(
            render_str(&report),
            "::error file=big.bin,title=commits.max-file-size::too big%0Ahelp: shrink it\n"
        );
    }

    #[test]
    fn empty_report_is_one_notice() {
        let report = Report { subject: "check main..HEAD", findings: &[], skipped: &[], notes: &[] };
        assert_eq!(render_str(&report), "::notice::git-policy check main..HEAD: all rules passed\n");
        let skipped = vec!["commits.signoff".to_string()];
        let report = Report { subject: "pre-commit", findings: &[], skipped: &skipped, notes: &[] };
        assert_eq!(
            render_str(&report),
            "git-policy: skipped by GIT_POLICY_SKIP: commits.signoff\n\
             ::notice::git-policy pre-commit: all rules passed\n"
        );
    }
}
