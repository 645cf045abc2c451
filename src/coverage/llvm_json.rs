//! `llvm-cov export -format=text` JSON reader (cargo-llvm-cov `--json`, clang/rustc source-based coverage).
//!
//! Streams with serde: each `data[].files[]` entry is turned into line and branch coverage as soon
//! as it is read, and `functions`, `expansions`, `summary` and `totals` are skipped without being
//! held. Line hits come from `segments` exactly as llvm-cov's own lcov export derives them (see
//! [`lines_from_segments`]); branches come from `branches`, one true and one false outcome each.
//! A file without `segments` (an export made with `-summary-only`) is an error, because summaries
//! cannot gate changed lines. The root's `type` must be `llvm.coverage.json.export`.

use std::fmt;
use std::io::BufRead;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::error::ReportError;
use super::model::{Coverage, FileCoverage};
use super::num::line_from;

const EXPORT_TYPE: &str = "llvm.coverage.json.export";

/// Longest run of lines one region may fill between segments; more is refused as absurd.
const MAX_GAP_LINES: u32 = 1 << 20;

/// Parses an llvm-cov JSON export.
pub(crate) fn parse(name: &str, reader: impl BufRead) -> Result<Coverage, ReportError> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut root = Root::default();
    (&mut root).deserialize(&mut de).map_err(|e| json_error(name, &e))?;
    de.end().map_err(|e| json_error(name, &e))?;
    match root.kind.as_deref() {
        Some(EXPORT_TYPE) => Ok(root.coverage),
        Some(other) => {
            Err(ReportError::whole(name, format!("JSON of type `{other}`, not an llvm-cov export ({EXPORT_TYPE})")))
        }
        None => {
            Err(ReportError::whole(name, format!("JSON without \"type\": \"{EXPORT_TYPE}\": not an llvm-cov export")))
        }
    }
}

fn json_error(name: &str, e: &serde_json::Error) -> ReportError {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let mut message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    if e.is_eof() {
        message = format!("{message}: is the report truncated?");
    } else if e.is_io() {
        message = format!("could not read the report: {message}");
    }
    let line = (e.line() > 0).then_some(e.line() as u64);
    ReportError { report: name.to_owned(), line, byte: None, message }
}

#[derive(Default)]
struct Root {
    coverage: Coverage,
    kind: Option<String>,
}

/// Visits the root object: `data`, `type`, and anything else skipped.
impl<'de> DeserializeSeed<'de> for &mut Root {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &mut Root {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an llvm-cov export object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "data" => map.next_value_seed(DataSeq(&mut self.coverage))?,
                "type" => self.kind = Some(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// `data`: an array of exports.
struct DataSeq<'c>(&'c mut Coverage);

impl<'de> DeserializeSeed<'de> for DataSeq<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for DataSeq<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of exports")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Export(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// One element of `data`: its `files` are read, `functions` and `totals` skipped.
struct Export<'c>(&'c mut Coverage);

impl<'de> DeserializeSeed<'de> for Export<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Export<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an export object with files")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "files" {
                map.next_value_seed(FilesSeq(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// `files`: an array of file objects.
struct FilesSeq<'c>(&'c mut Coverage);

impl<'de> DeserializeSeed<'de> for FilesSeq<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for FilesSeq<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of files")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(FileSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

/// One file: converted and merged as soon as its object ends.
struct FileSeed<'c>(&'c mut Coverage);

impl<'de> DeserializeSeed<'de> for FileSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FileSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a file object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut filename: Option<String> = None;
        let mut segments: Option<Vec<Segment>> = None;
        let mut branches: Vec<Branch> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "filename" => filename = Some(map.next_value()?),
                "segments" => segments = Some(map.next_value()?),
                "branches" => branches = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let Some(filename) = filename else {
            return Err(de::Error::custom("a file entry has no filename"));
        };
        let Some(mut segments) = segments else {
            return Err(de::Error::custom(format!(
                "file `{filename}` has no segments: export without -summary-only to gate lines"
            )));
        };
        let mut file = FileCoverage::default();
        lines_from_segments(&mut segments, &mut file)
            .map_err(|m| de::Error::custom(format!("file `{filename}`: {m}")))?;
        for b in branches {
            let at = format!("{}:{}:{}", b.col, b.end_line, b.end_col);
            file.add_branch(b.line, format!("{at}:T"), b.true_count > 0);
            file.add_branch(b.line, format!("{at}:F"), b.false_count > 0);
        }
        self.0.merge_file(&filename, file);
        Ok(())
    }
}

/// `[line, col, count, hasCount, isRegionEntry, isGapRegion]`; older exports omit the last field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    line: u32,
    col: u64,
    count: u64,
    has_count: bool,
    entry: bool,
    gap: bool,
}

impl<'de> serde::Deserialize<'de> for Segment {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Segment;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a segment [line, col, count, hasCount, isRegionEntry, isGapRegion]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Segment, A::Error> {
                let line: u64 = next(&mut seq, 0, &self)?;
                let col = next(&mut seq, 1, &self)?;
                let count = next(&mut seq, 2, &self)?;
                let has_count = next(&mut seq, 3, &self)?;
                let entry = next(&mut seq, 4, &self)?;
                let gap = seq.next_element::<bool>()?.unwrap_or(false);
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                let line = line_from(line, "segment line").map_err(de::Error::custom)?;
                Ok(Segment { line, col, count, has_count, entry, gap })
            }
        }
        d.deserialize_seq(V)
    }
}

/// `[lineStart, colStart, lineEnd, colEnd, trueCount, falseCount, fileId, expandedFileId, kind]`.
struct Branch {
    line: u32,
    col: u64,
    end_line: u64,
    end_col: u64,
    true_count: u64,
    false_count: u64,
}

impl<'de> serde::Deserialize<'de> for Branch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Branch;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a branch [lineStart, colStart, lineEnd, colEnd, trueCount, falseCount, ...]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Branch, A::Error> {
                let line: u64 = next(&mut seq, 0, &self)?;
                let col = next(&mut seq, 1, &self)?;
                let end_line = next(&mut seq, 2, &self)?;
                let end_col = next(&mut seq, 3, &self)?;
                let true_count = next(&mut seq, 4, &self)?;
                let false_count = next(&mut seq, 5, &self)?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                let line = line_from(line, "branch line").map_err(de::Error::custom)?;
                Ok(Branch { line, col, end_line, end_col, true_count, false_count })
            }
        }
        d.deserialize_seq(V)
    }
}

fn next<'de, A: SeqAccess<'de>, T: serde::Deserialize<'de>>(
    seq: &mut A,
    index: usize,
    exp: &dyn de::Expected,
) -> Result<T, A::Error> {
    seq.next_element()?.ok_or_else(|| de::Error::invalid_length(index, exp))
}

/// Derives line hits from segments the way llvm-cov's `LineCoverageIterator` does for its lcov
/// export: a line's count is the max of the region active at its start (the last segment of an
/// earlier line, "wrapped") and the counted, non-gap region entries on it; a line is listed only if
/// a counted region covers it and it does not start a skipped region. Lines after the last
/// segment are not listed.
fn lines_from_segments(segments: &mut [Segment], file: &mut FileCoverage) -> Result<(), String> {
    if !segments.is_sorted_by_key(|s| (s.line, s.col)) {
        segments.sort_by_key(|s| (s.line, s.col));
    }
    let mut wrapped: Option<Segment> = None;
    let mut prev_line: Option<u32> = None;
    let mut i = 0;
    while i < segments.len() {
        let line = segments[i].line;
        let mut j = i;
        while j < segments.len() && segments[j].line == line {
            j += 1;
        }
        if let (Some(prev), Some(w)) = (prev_line, wrapped) {
            if w.has_count && line > prev + 1 {
                if line - prev - 1 > MAX_GAP_LINES {
                    return Err(format!("a region runs from line {prev} to line {line}, which is absurd"));
                }
                for l in prev + 1..line {
                    file.add_line(l, w.count);
                }
            }
        }
        let group = &segments[i..j];
        if let Some(count) = line_stats(group, wrapped) {
            file.add_line(line, count);
        }
        wrapped = group.last().copied();
        prev_line = Some(line);
        i = j;
    }
    Ok(())
}

/// One line's count from the segments starting on it and the wrapped segment; `None` if unmapped.
fn line_stats(on_line: &[Segment], wrapped: Option<Segment>) -> Option<u64> {
    let starts_region = |s: &Segment| !s.gap && s.has_count && s.entry;
    let region_starts = on_line.iter().filter(|s| starts_region(s)).count();
    let starts_skipped = on_line.first().is_some_and(|s| !s.has_count && s.entry);
    let mapped = (!starts_skipped && (wrapped.is_some_and(|w| w.has_count) || region_starts > 0))
        || on_line.iter().any(|s| s.entry && s.has_count);
    if !mapped {
        return None;
    }
    let mut count = wrapped.map_or(0, |w| w.count);
    for s in on_line.iter().filter(|s| starts_region(s)) {
        count = count.max(s.count);
    }
    Some(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(line: u32, col: u64, count: u64, has_count: bool, entry: bool, gap: bool) -> Segment {
        Segment { line, col, count, has_count, entry, gap }
    }

    #[test]
    fn coverage_llvm_segments_become_lines_like_llvm_cov_lcov_export() {
        // fn main() { let x = 3; if x > 2 { big } else { small } }, the else never run.
        let mut s = vec![
            seg(1, 11, 1, true, true, false),
            seg(3, 12, 1, true, false, true),
            seg(3, 14, 1, true, true, false),
            seg(5, 6, 0, true, false, true),
            seg(5, 12, 0, true, true, false),
            seg(7, 6, 1, true, false, false),
            seg(8, 2, 0, false, false, false),
            seg(10, 1, 0, false, true, false),
            seg(12, 2, 0, false, false, false),
        ];
        let mut f = FileCoverage::default();
        lines_from_segments(&mut s, &mut f).unwrap();
        let got: Vec<(u32, u32)> = f.lines.into_iter().collect();
        assert_eq!(got, vec![(1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 0), (7, 0), (8, 1)]);
    }

    #[test]
    fn coverage_llvm_json_requires_type_and_segments() {
        let e = parse("x.json", &b"{\"data\":[],\"type\":\"other\"}"[..]).unwrap_err();
        assert!(e.message.contains("not an llvm-cov export"), "{e}");
        let e = parse(
            "x.json",
            &b"{\"data\":[{\"files\":[{\"filename\":\"a.c\",\"summary\":{}}]}],\"type\":\"llvm.coverage.json.export\"}"
                [..],
        )
        .unwrap_err();
        assert!(e.message.contains("-summary-only"), "{e}");
        let e =
            parse("x.json", &b"{\"data\":[{\"files\":[{\"filename\":\"a.c\",\"segments\":[[0,1,1,true,true,false]"[..])
                .unwrap_err();
        assert!(e.message.contains("line is 0"), "{e}");
        let e =
            parse("x.json", &b"{\"data\":[{\"files\":[{\"filename\":\"a.c\",\"segments\":[[1,1,1,true,true,false]"[..])
                .unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
        let e = parse(
            "x.json",
            &b"{\"data\":[{\"files\":[{\"filename\":\"a.c\",\"segments\":[[1,1,-1,true,true,false]]}]}]}"[..],
        )
        .unwrap_err();
        assert_eq!(e.line, Some(1));
    }
}
