//! Rendering findings: text for people, JSON for tools. The one place that writes results.

use std::io::{self, Write};

use serde::Serialize;

use crate::error::exit;
use crate::finding::{has_errors, Finding, Level};

mod github;
mod junit;
mod sarif;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Text for people.
    #[default]
    Text,
    /// One JSON document.
    Json,
    /// JUnit XML for CI test tabs
    Junit,
    /// GitHub Actions workflow commands (annotations)
    Github,
    /// SARIF 2.1.0 for code scanning
    Sarif,
}

/// What was checked and what was found.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    /// What ran: `pre-commit`, `check main..HEAD`, ...
    pub subject: &'a str,
    /// Everything found.
    pub findings: &'a [Finding],
    /// Rules skipped by `GIT_POLICY_SKIP`.
    pub skipped: &'a [String],
    /// Lines of context (which range, which policy).
    pub notes: &'a [String],
}

impl Report<'_> {
    /// The exit code this report means: 1 if any finding is an error.
    pub fn exit_code(&self) -> u8 {
        if has_errors(self.findings) {
            exit::VIOLATION
        } else {
            exit::OK
        }
    }
}

/// Colours for text output, on only for terminals without `NO_COLOR`.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    on: bool,
}

impl Style {
    /// Colour if `terminal` and the environment allows it.
    pub fn for_terminal(terminal: bool) -> Self {
        Self { on: terminal && crate::env::color_allowed() }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Writes the report in a format.
pub fn render(format: Format, report: &Report<'_>, style: Style, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Text => text(report, style, out),
        Format::Json => {
            let mut value = serde_json::to_value(report).map_err(io::Error::other)?;
            if let Some(obj) = value.as_object_mut() {
                obj.insert("exit_code".into(), report.exit_code().into());
                obj.insert("errors".into(), count(report.findings, Level::Error).into());
                obj.insert("warnings".into(), count(report.findings, Level::Warn).into());
            }
            serde_json::to_writer_pretty(&mut *out, &value).map_err(io::Error::other)?;
            writeln!(out)
        }
        Format::Junit => junit::render(report, out),
        Format::Github => github::render(report, out),
        Format::Sarif => sarif::render(report, out),
    }
}

fn count(findings: &[Finding], level: Level) -> usize {
    findings.iter().filter(|f| f.level == level).count()
}

fn text(report: &Report<'_>, style: Style, out: &mut dyn Write) -> io::Result<()> {
    for note in report.notes {
        writeln!(out, "git-policy: {note}")?;
    }
    for f in report.findings {
        let label = match f.level {
            Level::Error => style.paint("1;31", "error"),
            Level::Warn => style.paint("1;33", "warning"),
            Level::Off => "off".to_string(),
        };
        writeln!(out, "{label}[{}]: {}", f.rule, f.message)?;
        let mut place = Vec::new();
        if let Some(r) = &f.reference {
            place.push(format!("ref {r}"));
        }
        if let Some(c) = &f.commit {
            place.push(format!("commit {}", &c[..c.len().min(12)]));
        }
        if let Some(p) = &f.path {
            place.push(match f.line {
                Some(l) => format!("{p}:{l}"),
                None => p.clone(),
            });
        }
        if !place.is_empty() {
            writeln!(out, "  --> {}", place.join(", "))?;
        }
        writeln!(out, "  {} {}", style.paint("1;36", "help:"), f.help)?;
    }
    if !report.skipped.is_empty() {
        writeln!(out, "git-policy: skipped by GIT_POLICY_SKIP: {}", report.skipped.join(", "))?;
    }
    let (e, w) = (count(report.findings, Level::Error), count(report.findings, Level::Warn));
    if e + w > 0 {
        let verdict = if e > 0 { style.paint("1;31", "failed") } else { style.paint("1;33", "passed with warnings") };
        writeln!(out, "git-policy {}: {verdict} ({e} error{}, {w} warning{})", report.subject, plural(e), plural(w))?;
        // Only hooks honour GIT_POLICY_SKIP (`check` never does), so only they offer it; each
        // failing rule once, in the order the findings name them.
        if e > 0 && crate::shim::is_known(report.subject) {
            let mut ids: Vec<&str> = Vec::new();
            for f in report.findings.iter().filter(|f| f.level == Level::Error) {
                if !ids.contains(&f.rule) {
                    ids.push(f.rule);
                }
            }
            writeln!(out, "  to skip locally (CI checks again): GIT_POLICY_SKIP={} git ...", ids.join(","))?;
        }
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(report: &Report<'_>) -> String {
        let mut out = Vec::new();
        render(Format::Text, report, Style { on: false }, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_hook_offers_each_failing_rule_once_and_check_offers_no_skip() {
        let f = |rule| Finding::new(rule, Level::Error, "x", "y");
        let findings = [f("commits.max-file-size"), f("commits.forbid-paths"), f("commits.max-file-size")];
        let hook = text_of(&Report { subject: "pre-push", findings: &findings, skipped: &[], notes: &[] });
        assert!(
            hook.contains("GIT_POLICY_SKIP=commits.max-file-size,commits.forbid-paths git ..."),
            "each rule once, in order: {hook}"
        );
        let check = text_of(&Report { subject: "check main..HEAD", findings: &findings, skipped: &[], notes: &[] });
        assert!(check.contains("failed (3 errors") && !check.contains("GIT_POLICY_SKIP"), "{check}");
    }
}
