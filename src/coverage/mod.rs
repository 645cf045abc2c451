//! Coverage: one parser per report format (text in, model out), merging, path mapping and gates.
//!
//! The flow is `read_report` for each report (format detected from its first bytes unless given),
//! `map_paths` to turn report paths into repository paths, `Coverage::merge` to union the
//! reports, and `evaluate` to judge the merged coverage against the `[coverage]` policy and the
//! changed lines of a diff. Everything here is pure: readers in, values out, nothing printed.
//!
//! Readers stream: LCOV and Go profiles line by line in the reader's own buffer, XML through
//! quick-xml events (no DOM), llvm-cov JSON through serde visitors that keep one file at a time.
//! Give them a large buffer (`BufReader::with_capacity(1 << 16, file)`) for big reports.

mod cobertura;
mod detect;
mod error;
mod gates;
mod go;
mod jacoco;
mod lcov;
mod llvm_json;
mod model;
mod num;
mod paths;
pub mod ratchet;
mod source;
mod xml;

#[cfg(test)]
mod bench_tests;
#[cfg(test)]
mod fixture_tests;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod gates_tests;

use std::io::{BufRead, Cursor, Read};

pub use detect::Format;
pub use error::ReportError;
pub use gates::{
    evaluate, evaluate_change, FileRow, Gate, GateKind, GateReport, LineRange, Measure, Requirement, Tally, Verdict,
};
pub use model::{Coverage, FileCoverage};
pub use paths::{map_paths, MappedReport, PathMapper, RepoPaths};
pub use source::{is_source, SOURCE_EXTENSIONS};

/// One report as read: its coverage keyed by the paths the report uses, its format, and the
/// Cobertura `<source>` roots (empty for other formats) needed to map those paths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedReport {
    /// Coverage keyed by report paths.
    pub coverage: Coverage,
    /// The report's format.
    pub format: Format,
    /// Cobertura `<sources><source>` roots, in report order.
    pub sources: Vec<String>,
}

/// Reads one coverage report, streaming; `name` (usually the path) is used in error messages.
///
/// With `format` `None` the format is detected from the first bytes. Any malformed, truncated,
/// binary or wrong-format input is a [`ReportError`]; this never panics.
pub fn read_report(name: &str, mut reader: impl BufRead, format: Option<Format>) -> Result<ParsedReport, ReportError> {
    let head = read_head(name, &mut reader)?;
    let format = match format {
        Some(f) => f,
        None => detect::sniff(&head).map_err(|m| ReportError::whole(name, m))?,
    };
    if head.iter().all(u8::is_ascii_whitespace) {
        return Err(ReportError::whole(name, "the report is empty"));
    }
    let input = Cursor::new(head).chain(reader);
    let (coverage, sources) = match format {
        Format::Lcov => (lcov::parse(name, input)?, Vec::new()),
        Format::Cobertura => cobertura::parse(name, input)?,
        Format::Jacoco => (jacoco::parse(name, input)?, Vec::new()),
        Format::LlvmJson => (llvm_json::parse(name, input)?, Vec::new()),
        Format::Go => (go::parse(name, input)?, Vec::new()),
    };
    Ok(ParsedReport { coverage, format, sources })
}

/// Which part of a report a reader holds, for reading a large report on two threads.
///
/// An LCOV report may be split after any `end_of_record` line, and both parts read as usual. A
/// Cobertura report may be split right after a `</class>`: the head then ends inside
/// `<classes>`, and the tail starts there. A split the parts do not fit (another layout, a
/// `</class>` inside a comment) makes one of them fail, and the caller reads the whole report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The whole report.
    Whole,
    /// From the start to the split.
    Head,
    /// From the split to the end.
    Tail,
}

/// Reads one part of an LCOV or Cobertura report (other formats: the whole report only).
pub fn read_report_part(
    name: &str,
    reader: impl BufRead,
    format: Format,
    part: Part,
) -> Result<ParsedReport, ReportError> {
    match (format, part) {
        (_, Part::Whole) | (Format::Lcov, Part::Head) => read_report(name, reader, Some(format)),
        (Format::Lcov, Part::Tail) => {
            Ok(ParsedReport { coverage: lcov::parse(name, reader)?, format, sources: Vec::new() })
        }
        (Format::Cobertura, _) => {
            let (coverage, sources) = cobertura::parse_part(name, reader, part)?;
            Ok(ParsedReport { coverage, format, sources })
        }
        _ => Err(ReportError::whole(name, format!("a {} report cannot be read in parts", format.name()))),
    }
}

/// The format of a report, detected from its first bytes (the first 8 KiB are enough).
pub fn detect_format(head: &[u8]) -> Result<Format, String> {
    detect::sniff(&head[..head.len().min(detect::HEAD_LEN)])
}

/// Reads up to [`detect::HEAD_LEN`] bytes for detection; they are replayed to the parser.
fn read_head(name: &str, reader: &mut impl BufRead) -> Result<Vec<u8>, ReportError> {
    let mut head = Vec::with_capacity(detect::HEAD_LEN);
    while head.len() < detect::HEAD_LEN {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReportError::io(name, None, &e)),
        };
        if buf.is_empty() {
            break;
        }
        let take = buf.len().min(detect::HEAD_LEN - head.len());
        head.extend_from_slice(&buf[..take]);
        reader.consume(take);
    }
    Ok(head)
}
