//! The one error a report parser returns: which report, where in it, and what is wrong.

use std::fmt;

/// A report that could not be read, with the position of the problem when it is known.
///
/// Displays as `coverage.xml:120: <line> has no number attribute`, or with a byte offset when the
/// format has no useful line (`report.json: byte 4096: ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportError {
    /// The report's name as given to the reader, usually its path.
    pub report: String,
    /// 1-based line in the report, when known.
    pub line: Option<u64>,
    /// 0-based byte offset in the report, when known.
    pub byte: Option<u64>,
    /// What is wrong, for a person.
    pub message: String,
}

impl ReportError {
    /// An error at a line of the report.
    pub(crate) fn at_line(report: &str, line: u64, message: impl Into<String>) -> Self {
        Self { report: report.to_owned(), line: Some(line), byte: None, message: message.into() }
    }

    /// An error about the report as a whole.
    pub(crate) fn whole(report: &str, message: impl Into<String>) -> Self {
        Self { report: report.to_owned(), line: None, byte: None, message: message.into() }
    }

    /// A read failure of the underlying file or stream.
    pub(crate) fn io(report: &str, line: Option<u64>, e: &std::io::Error) -> Self {
        Self { report: report.to_owned(), line, byte: None, message: format!("could not read the report: {e}") }
    }
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.byte) {
            (Some(line), _) => write!(f, "{}:{}: {}", self.report, line, self.message),
            (None, Some(byte)) => write!(f, "{}: byte {}: {}", self.report, byte, self.message),
            (None, None) => write!(f, "{}: {}", self.report, self.message),
        }
    }
}

impl std::error::Error for ReportError {}

/// Shows a piece of report text in a message: lossy UTF-8, control characters escaped, cut short.
pub(crate) fn snippet(bytes: &[u8]) -> String {
    const MAX: usize = 60;
    let cut = bytes.len() > MAX;
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX)]);
    let mut out: String = text.escape_debug().collect();
    if cut {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_line_when_known_else_the_byte_else_the_report() {
        let e = ReportError::at_line("coverage.xml", 120, "<line> has no number attribute");
        assert_eq!(e.to_string(), "coverage.xml:120: <line> has no number attribute");
        let e = ReportError { byte: Some(4096), ..ReportError::whole("report.json", "bad number") };
        assert_eq!(e.to_string(), "report.json: byte 4096: bad number");
        let e = ReportError { line: Some(3), byte: Some(9), ..e };
        assert_eq!(e.to_string(), "report.json:3: bad number", "the line wins over the byte");
        assert_eq!(ReportError::whole("lcov.info", "empty").to_string(), "lcov.info: empty");
    }

    #[test]
    fn a_read_failure_names_the_report_and_the_cause() {
        let cause = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "permission denied");
        let e = ReportError::io("lcov.info", Some(7), &cause);
        assert_eq!(e.to_string(), "lcov.info:7: could not read the report: permission denied");
        assert_eq!(ReportError::io("lcov.info", None, &cause).line, None);
    }

    #[test]
    fn snippets_are_escaped_and_cut_short() {
        assert_eq!(snippet(b"a\tb\n"), "a\\tb\\n");
        assert_eq!(snippet(b"\xff"), "\u{fffd}");
        let long = [b'x'; 61];
        assert_eq!(snippet(&long), format!("{}…", "x".repeat(60)));
        assert_eq!(snippet(&long[..60]), "x".repeat(60), "exactly the limit is not cut");
    }
}
