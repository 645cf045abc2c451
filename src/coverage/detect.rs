//! Report formats and telling them apart from a report's first bytes.

use std::fmt;
use std::str::FromStr;

use super::error::snippet;

/// A coverage report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// LCOV tracefile (`.info`): geninfo, llvm-cov, istanbul, coverage.py and others.
    Lcov,
    /// Cobertura XML (`coverage-04.dtd`): coverage.py, gcovr, cargo-llvm-cov and others.
    Cobertura,
    /// JaCoCo XML report.
    Jacoco,
    /// `llvm-cov export -format=text` JSON.
    LlvmJson,
    /// Go cover profile (`go test -coverprofile`).
    Go,
}

impl Format {
    /// Every format, in the order they are documented.
    pub const ALL: [Format; 5] = [Format::Lcov, Format::Cobertura, Format::Jacoco, Format::LlvmJson, Format::Go];

    /// The name used by `--format` and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Lcov => "lcov",
            Format::Cobertura => "cobertura",
            Format::Jacoco => "jacoco",
            Format::LlvmJson => "llvm-json",
            Format::Go => "go",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;

    /// Accepts the names of [`Format::name`] and a few common aliases, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "lcov" | "info" => Ok(Format::Lcov),
            "cobertura" | "cobertura-xml" => Ok(Format::Cobertura),
            "jacoco" | "jacoco-xml" => Ok(Format::Jacoco),
            "llvm-json" | "llvm" | "llvm-cov" | "llvm-cov-json" => Ok(Format::LlvmJson),
            "go" | "gocover" | "go-cover" | "coverprofile" => Ok(Format::Go),
            other => Err(format!(
                "`{other}` is not a coverage format; use one of {}",
                Format::ALL.map(Format::name).join(", ")
            )),
        }
    }
}

/// How many leading bytes detection looks at.
pub(crate) const HEAD_LEN: usize = 8192;

/// Keys that may start an LCOV tracefile.
const LCOV_KEYS: [&[u8]; 20] = [
    b"TN:",
    b"SF:",
    b"VER:",
    b"FN:",
    b"FNDA:",
    b"FNF:",
    b"FNH:",
    b"FNL:",
    b"FNA:",
    b"DA:",
    b"LF:",
    b"LH:",
    b"BRDA:",
    b"BRF:",
    b"BRH:",
    b"MCDC:",
    b"MCF:",
    b"MCH:",
    b"end_of_record",
    b"LN:",
];

/// Detects the format from the first bytes of a report (up to [`HEAD_LEN`]).
pub(crate) fn sniff(head: &[u8]) -> Result<Format, String> {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let t = &body[start..];
    if t.is_empty() {
        return Err("the report is empty".into());
    }
    if t.starts_with(b"<") {
        let cobertura = find(t, b"<coverage");
        let jacoco = find(t, b"<report").or_else(|| find(t, b"JACOCO"));
        return match (cobertura, jacoco) {
            (Some(c), Some(j)) => Ok(if c < j { Format::Cobertura } else { Format::Jacoco }),
            (Some(_), None) => Ok(Format::Cobertura),
            (None, Some(_)) => Ok(Format::Jacoco),
            (None, None) => Err("an XML file that is neither Cobertura (<coverage>) nor JaCoCo (<report>); \
                 pass --format if it is one of them"
                .into()),
        };
    }
    if t.starts_with(b"{") {
        return Ok(Format::LlvmJson);
    }
    if t.starts_with(b"mode:") {
        return Ok(Format::Go);
    }
    if LCOV_KEYS.iter().any(|k| t.starts_with(k)) {
        return Ok(Format::Lcov);
    }
    if t.iter().take(512).any(|&b| b == 0 || (b < 0x20 && !b.is_ascii_whitespace())) {
        return Err("binary data, not a coverage report".into());
    }
    let first_line = t.split(|&b| b == b'\n').next().unwrap_or(t);
    Err(format!(
        "not a coverage report this tool knows (starts with `{}`); formats: {}, or pass --format",
        snippet(first_line),
        Format::ALL.map(Format::name).join(", ")
    ))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_formats_are_detected_from_their_first_bytes() {
        assert_eq!(sniff(b"TN:\nSF:/a.js\n"), Ok(Format::Lcov));
        assert_eq!(sniff(b"\xEF\xBB\xBFSF:src/a.py\nDA:1,1\n"), Ok(Format::Lcov));
        assert_eq!(sniff(b"  \n<?xml version=\"1.0\" ?>\n<coverage version=\"7.4\">"), Ok(Format::Cobertura));
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?><!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" \"report.dtd\"><report name=\"x\">"),
            Ok(Format::Jacoco)
        );
        assert_eq!(sniff(b"{\"data\":[{\"files\":[]}],\"type\":\"llvm.coverage.json.export\"}"), Ok(Format::LlvmJson));
        assert_eq!(sniff(b"mode: atomic\nexample.com/m/a.go:1.1,2.2 1 0\n"), Ok(Format::Go));
        assert_eq!(sniff(b"").unwrap_err(), "the report is empty");
        assert!(sniff(b"\x00\x01\x02garbage").unwrap_err().contains("binary"));
        assert!(sniff(b"hello world\n").unwrap_err().contains("`hello world`"));
        assert!(sniff(b"<html><body>").is_err());
    }

    #[test]
    fn coverage_format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
        }
        assert_eq!("LCOV".parse::<Format>(), Ok(Format::Lcov));
        assert!("clover".parse::<Format>().unwrap_err().contains("lcov, cobertura, jacoco, llvm-json, go"));
    }
}
