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
        if e > 0 {
            let mut ids: Vec<&str> =
                report.findings.iter().filter(|f| f.level == Level::Error).map(|f| f.rule).collect();
            ids.dedup();
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
