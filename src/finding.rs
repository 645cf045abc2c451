//! `Finding`: what every rule reports, and the one currency of reports and exit codes.

use serde::Serialize;

pub use crate::policy::Level;

/// One violation of one rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable rule id, e.g. `branch.max-age`.
    pub rule: &'static str,
    /// Error or warning.
    pub level: Level,
    /// What is wrong, in one sentence.
    pub message: String,
    /// The commit it concerns, if any (full hex id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The ref it concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The path it concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The 1-based line it concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// How to fix it.
    pub help: String,
}

impl Finding {
    /// A finding with a message and a fix; place it with the builder methods.
    pub fn new(rule: &'static str, level: Level, message: impl Into<String>, help: impl Into<String>) -> Self {
        Self {
            rule,
            level,
            message: message.into(),
            commit: None,
            reference: None,
            path: None,
            line: None,
            help: help.into(),
        }
    }

    /// Places it on a commit.
    #[must_use]
    pub fn commit(mut self, id: impl Into<String>) -> Self {
        self.commit = Some(id.into());
        self
    }

    /// Places it on a ref.
    #[must_use]
    pub fn reference(mut self, name: impl Into<String>) -> Self {
        self.reference = Some(name.into());
        self
    }

    /// Places it on a path (and optionally a line).
    #[must_use]
    pub fn path(mut self, path: impl Into<String>, line: Option<u32>) -> Self {
        self.path = Some(path.into());
        self.line = line;
        self
    }
}

/// Whether any finding fails the run.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.level == Level::Error)
}
