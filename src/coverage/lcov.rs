//! LCOV tracefile reader (geninfo 1.x and 2.x, llvm-cov, istanbul, coverage.py and the like).
//!
//! Streams line by line through one reused buffer; numbers are parsed from bytes and a record's
//! lines are collected in a scratch vector that becomes a map once per record.
//!
//! What is read: `SF`, `DA` (the optional checksum is ignored; coverage.py's 0/1 flags are hit
//! counts like any other), `BRDA` (the taken field `-` means not taken; the branch field may hold
//! free text with spaces and commas, so the line is the first field, the count the last, and the
//! id is everything between; branches marked unreachable with a `U` block prefix are left out),
//! and `end_of_record`. Function records (`FN`, `FNDA`, `FNL`, `FNA`, `FNF`, `FNH`), MC/DC records
//! (`MCDC`, `MCF`, `MCH`), summaries (`LF`, `LH`, `BRF`, `BRH`), `TN` and `VER` are accepted and
//! not used: function and MC/DC coverage are not gated, and summaries are recomputed from the
//! records. An unknown upper-case key is accepted for forward compatibility; any other line is an
//! error. Records of one `SF` (per test name, or concatenated tracefiles) merge.
//! A report that ends inside a record is an error: it was most likely cut short.
//!
//! diff-cover's LCOV quirks are not copied, because lines and branches are kept apart: a line
//! with `BRDA` but no `DA` is not made an (uncovered) line, a `DA` of 0 stays uncovered even when
//! its branches ran, and an `FN` line without `DA` does not take the function's count.

use std::io::BufRead;

use super::error::{snippet, ReportError};
use super::model::{BranchId, Coverage, FileBuilder};
use super::num::{line_number, number};

/// Longest line accepted; LCOV lines are short, so a longer one means this is not LCOV.
const MAX_LINE: usize = 1 << 20;

/// Parses an LCOV tracefile.
pub(crate) fn parse(name: &str, mut reader: impl BufRead) -> Result<Coverage, ReportError> {
    let mut state = State::default();
    // Lines are parsed in place in the reader's buffer; only a line cut by the buffer's end is copied.
    let mut carry: Vec<u8> = Vec::new();
    let mut lineno: u64 = 0;
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReportError::io(name, Some(lineno + 1), &e)),
        };
        if buf.is_empty() {
            break;
        }
        let len = buf.len();
        let mut start = 0;
        if !carry.is_empty() {
            let Some(i) = find_newline(buf) else {
                carry.extend_from_slice(buf);
                if carry.len() > MAX_LINE {
                    return Err(ReportError::at_line(
                        name,
                        lineno + 1,
                        "a line longer than 1 MiB: not an LCOV tracefile",
                    ));
                }
                reader.consume(len);
                continue;
            };
            carry.extend_from_slice(&buf[..i]);
            lineno += 1;
            state.line(&carry, lineno).map_err(|m| ReportError::at_line(name, lineno, m))?;
            carry.clear();
            start = i + 1;
        }
        while start < len {
            let rest = &buf[start..];
            if state.path.is_some() {
                if let Some((line, hits, used)) = fast_da(rest) {
                    lineno += 1;
                    state.file.line(line, hits);
                    start += used;
                    continue;
                }
                if let Some((line, id, taken, used)) = fast_brda(rest) {
                    lineno += 1;
                    state.file.branch(line, BranchId::Num(id), taken);
                    start += used;
                    continue;
                }
            }
            let Some(i) = find_newline(rest) else {
                carry.extend_from_slice(rest);
                break;
            };
            lineno += 1;
            state.line(&rest[..i], lineno).map_err(|m| ReportError::at_line(name, lineno, m))?;
            start += i + 1;
        }
        reader.consume(len);
    }
    if !carry.is_empty() {
        lineno += 1;
        state.line(&carry, lineno).map_err(|m| ReportError::at_line(name, lineno, m))?;
    }
    state.finish().map_err(|m| ReportError::at_line(name, lineno.max(1), m))
}

/// The common `DA:<line>,<count>[,<checksum>]\n` in one pass: `(line, count, bytes used)`.
///
/// Declines (`None`) anything unusual: too many digits, line 0, a missing newline, other
/// characters. The general path then parses it and gives the error, so both agree on all input.
#[inline]
fn fast_da(s: &[u8]) -> Option<(u32, u64, usize)> {
    if s.get(..3)? != b"DA:" {
        return None;
    }
    let (line, mut i) = digits(s, 3, 9)?;
    if line == 0 || s.get(i) != Some(&b',') {
        return None;
    }
    let (hits, end) = digits(s, i + 1, 19)?;
    i = end;
    let used = match s.get(i)? {
        b'\n' => i + 1,
        b'\r' if s.get(i + 1) == Some(&b'\n') => i + 2,
        b',' => i + 1 + find_newline(&s[i + 1..])? + 1,
        _ => return None,
    };
    Some((u32::try_from(line).ok()?, hits, used))
}

/// The common `BRDA:<line>,<block>,<branch>,<taken>\n` with a numeric block and branch and a
/// count or `-`: `(line, packed id, taken, bytes used)`.
///
/// Declines (`None`) anything else, like [`fast_da`]: the general path then parses it (or gives
/// the error), and both agree on all input.
#[inline]
fn fast_brda(s: &[u8]) -> Option<(u32, u64, bool, usize)> {
    if s.get(..5)? != b"BRDA:" {
        return None;
    }
    let (line, i) = digits(s, 5, 9)?;
    if line == 0 || s.get(i) != Some(&b',') {
        return None;
    }
    let (block, i) = digits(s, i + 1, 9)?;
    if s.get(i) != Some(&b',') {
        return None;
    }
    let (branch, i) = digits(s, i + 1, 9)?;
    if s.get(i) != Some(&b',') {
        return None;
    }
    let (taken, i) = match s.get(i + 1)? {
        b'-' => (false, i + 2),
        _ => {
            let (count, end) = digits(s, i + 1, 19)?;
            (count > 0, end)
        }
    };
    let used = match s.get(i)? {
        b'\n' => i + 1,
        b'\r' if s.get(i + 1) == Some(&b'\n') => i + 2,
        _ => return None,
    };
    Some((u32::try_from(line).ok()?, (block << 32) | branch, taken, used))
}

/// The value of at most nine ASCII digits (checked by the caller).
fn digits_value(t: &[u8]) -> u64 {
    t.iter().fold(0, |v, &d| v * 10 + u64::from(d - b'0'))
}

/// Up to `max` decimal digits from `start` (at least one): the value and the index after them.
#[inline]
fn digits(s: &[u8], start: usize, max: usize) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    let mut i = start;
    while let Some(&c) = s.get(i) {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        if i - start == max {
            return None;
        }
        v = v * 10 + u64::from(d);
        i += 1;
    }
    (i > start).then_some((v, i))
}

fn find_newline(s: &[u8]) -> Option<usize> {
    s.iter().position(|&b| b == b'\n')
}

#[derive(Default)]
struct State {
    coverage: Coverage,
    /// The open record's source path, if a record is open.
    path: Option<String>,
    record_start: u64,
    file: FileBuilder,
}

impl State {
    fn line(&mut self, raw: &[u8], lineno: u64) -> Result<(), String> {
        let line = raw.trim_ascii_end();
        if line.is_empty() {
            return Ok(());
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            if line == b"end_of_record" {
                return self.end_record();
            }
            return Err(format!("`{}` is not an LCOV record (KEY:value)", snippet(line)));
        };
        let (key, value) = (&line[..colon], &line[colon + 1..]);
        // Byte patterns, not string literals: a match on `b"DA"` and friends compiles to one
        // memcmp call per arm, and this runs for millions of lines.
        match key {
            [b'D', b'A'] => self.da(value),
            [b'B', b'R', b'D', b'A'] => self.brda(value),
            [b'S', b'F'] => self.sf(value, lineno),
            // Everything else read by this module is not used (see the module doc): TN, VER, FN,
            // FNDA, FNF, FNH, FNL, FNA, LF, LH, BRF, BRH, MCDC, MCF, MCH, and unknown upper-case
            // keys of newer versions. Harmless anywhere, so not checked for an open record.
            _ if !key.is_empty() && key.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_') => {
                Ok(())
            }
            _ => Err(format!("`{}` is not an LCOV record (KEY:value)", snippet(line))),
        }
    }

    fn require_record(&self, key: &[u8]) -> Result<(), String> {
        if self.path.is_none() {
            return Err(format!("{} record outside a file record (no SF: before it)", String::from_utf8_lossy(key)));
        }
        Ok(())
    }

    fn sf(&mut self, value: &[u8], lineno: u64) -> Result<(), String> {
        if value.trim_ascii().is_empty() {
            return Err("SF: has no path".into());
        }
        // A new SF without end_of_record: geninfo accepts it as the start of the next record.
        self.flush();
        self.path = Some(String::from_utf8_lossy(value).into_owned());
        self.record_start = lineno;
        Ok(())
    }

    fn da(&mut self, value: &[u8]) -> Result<(), String> {
        self.require_record(b"DA")?;
        let Some(comma) = value.iter().position(|&b| b == b',') else {
            return Err(format!("DA:{} needs a line number and a count", snippet(value)));
        };
        let line = line_number(&value[..comma], "DA line number")?;
        let rest = &value[comma + 1..];
        let count_end = rest.iter().position(|&b| b == b',').unwrap_or(rest.len());
        let hits = number(&rest[..count_end], "DA execution count")?;
        self.file.line(line, hits);
        Ok(())
    }

    fn brda(&mut self, value: &[u8]) -> Result<(), String> {
        self.require_record(b"BRDA")?;
        let bad = || format!("BRDA:{} needs line,block,branch,taken", snippet(value));
        let first = value.iter().position(|&b| b == b',').ok_or_else(bad)?;
        let last = value.iter().rposition(|&b| b == b',').ok_or_else(bad)?;
        let middle = value.get(first + 1..last).ok_or_else(bad)?;
        let block_end = middle.iter().position(|&b| b == b',').ok_or_else(bad)?;
        let line = line_number(&value[..first], "BRDA line number")?;
        let taken_text = value[last + 1..].trim_ascii();
        let taken = if taken_text == b"-" { false } else { number(taken_text, "BRDA taken count")? > 0 };
        let block = &middle[..block_end];
        let prefix_len = block.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        if block[..prefix_len].contains(&b'U') {
            return Ok(());
        }
        // The common numeric `block,branch` packs into one number: no allocation per branch.
        let small =
            |t: &[u8]| (!t.is_empty() && t.len() <= 9 && t.iter().all(u8::is_ascii_digit)).then(|| digits_value(t));
        let id = match (small(block), small(&middle[block_end + 1..])) {
            (Some(b), Some(r)) => BranchId::Num((b << 32) | r),
            _ => BranchId::from(String::from_utf8_lossy(middle).into_owned()),
        };
        self.file.branch(line, id, taken);
        Ok(())
    }

    fn end_record(&mut self) -> Result<(), String> {
        if self.path.is_none() {
            return Err("end_of_record without a file record (no SF: before it)".into());
        }
        self.flush();
        Ok(())
    }

    /// Moves the open record into the coverage, merging with earlier records of the same file.
    fn flush(&mut self) {
        let Some(path) = self.path.take() else { return };
        let file = self.file.take();
        self.coverage.merge_file(&path, file);
    }

    fn finish(mut self) -> Result<Coverage, String> {
        if let Some(path) = &self.path {
            return Err(format!(
                "the report ends inside the record for `{path}` (started at line {}) with no end_of_record: \
                 is it truncated?",
                self.record_start
            ));
        }
        self.flush();
        Ok(self.coverage)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Coverage, ReportError> {
        parse("lcov.info", text.as_bytes())
    }

    #[test]
    fn coverage_lcov_reads_lines_branches_and_merges_repeated_records() {
        let c = parse_str(
            "TN:unit\nSF:/src/a.c\nDA:3,1\nDA:1,0\nDA:3,2,abcdef\nBRDA:3,0,0,-\nBRDA:3,0,1,4\nend_of_record\n\
             TN:integration\nSF:/src/a.c\nDA:1,5\nBRDA:3,0,0,1\nend_of_record\n",
        )
        .unwrap();
        let f = &c.files["/src/a.c"];
        assert_eq!(f.lines.iter().map(|(&l, &h)| (l, h)).collect::<Vec<_>>(), vec![(1, 5), (3, 3)]);
        assert_eq!(f.branches.len(), 2);
        assert_eq!(f.taken_branches(), 2);
    }

    #[test]
    fn coverage_lcov_errors_name_the_line() {
        let e = parse_str("SF:a.c\nDA:0,1\nend_of_record\n").unwrap_err();
        assert_eq!(e.to_string(), "lcov.info:2: DA line number is 0, but source lines start at 1");
        let e = parse_str("SF:a.c\nDA:1,-3\nend_of_record\n").unwrap_err();
        assert_eq!(e.to_string(), "lcov.info:2: DA execution count `-3` is negative");
        let e = parse_str("SF:a.c\nDA:1,99999999999999999999\n").unwrap_err();
        assert!(e.to_string().contains("too large"), "{e}");
        let e = parse_str("SF:a.c\nDA:1,1\n").unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
        let e = parse_str("DA:1,1\n").unwrap_err();
        assert!(e.message.contains("no SF"), "{e}");
        let e = parse_str("SF:a.c\nhello\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = parse_str("SF:a.c\nBRDA:1,2\nend_of_record\n").unwrap_err();
        assert!(e.message.contains("line,block,branch,taken"), "{e}");
    }

    #[test]
    fn coverage_lcov_accepts_crlf_and_unknown_keys_and_skips_unreachable_branches() {
        let c = parse_str("SF:a.c\r\nXYZ:1\r\nDA:2,1\r\nBRDA:2,U0,0,-\r\nBRDA:2,e0,1,1\r\nend_of_record\r\n").unwrap();
        let f = &c.files["a.c"];
        assert_eq!(f.lines.len(), 1);
        assert_eq!(f.branches.keys().map(|(_, id)| id.to_string()).collect::<Vec<_>>(), vec!["e0,1"]);
    }

    #[test]
    fn coverage_lcov_fast_path_agrees_with_the_general_path() {
        let cases: &[&[u8]] = &[
            b"DA:1,2\n",
            b"DA:1,2\r\n",
            b"DA:1,2,abc\n",
            b"DA:123456789,9999999999999999999\n",
            b"DA:1234567890,1\n",
            b"DA:1,18446744073709551615\n",
            b"DA:0,1\n",
            b"DA:1,\n",
            b"DA:,1\n",
            b"DA:1,2 \n",
            b"DA:1,2x\n",
            b"DA:1,2",
            b"DA:01,02\n",
        ];
        for &c in cases {
            let mut slow = State { path: Some("a".into()), ..State::default() };
            let slow_result = slow.line(c.strip_suffix(b"\n").unwrap_or(c), 1);
            if let Some((line, hits, _)) = fast_da(c) {
                assert_eq!(slow_result, Ok(()), "{}", String::from_utf8_lossy(c));
                assert_eq!(
                    slow.file.take().lines.into_iter().collect::<Vec<_>>(),
                    vec![(line, super::super::model::narrow(hits))],
                    "{}",
                    String::from_utf8_lossy(c)
                );
            }
        }
        assert_eq!(fast_da(b"DA:12,3,abc\nDA:"), Some((12, 3, 12)));
        let branches: &[&[u8]] = &[
            b"BRDA:1,0,0,1\n",
            b"BRDA:1,0,1,-\n",
            b"BRDA:7,3,12,0\n",
            b"BRDA:7,3,12,0\r\n",
            b"BRDA:123456789,999999999,999999999,9999999999999999999\n",
            b"BRDA:1234567890,0,0,1\n",
            b"BRDA:1,1234567890,0,1\n",
            b"BRDA:1,0,0,18446744073709551615\n",
            b"BRDA:0,0,0,1\n",
            b"BRDA:1,e0,1,1\n",
            b"BRDA:1,U0,1,1\n",
            b"BRDA:1,0,jump to line 5,1\n",
            b"BRDA:1,0,0,\n",
            b"BRDA:1,0,0, 1\n",
            b"BRDA:1,0,0,1 \n",
            b"BRDA:1,0,0,-1\n",
            b"BRDA:1,0,0,1",
            b"BRDA:01,00,01,02\n",
        ];
        for &c in branches {
            let mut slow = State { path: Some("a".into()), ..State::default() };
            let slow_result = slow.line(c.strip_suffix(b"\n").unwrap_or(c), 1);
            if let Some((line, id, taken, _)) = fast_brda(c) {
                assert_eq!(slow_result, Ok(()), "{}", String::from_utf8_lossy(c));
                let f = slow.file.take();
                assert_eq!(
                    f.branches.iter().map(|(k, &t)| (k.clone(), t)).collect::<Vec<_>>(),
                    vec![((line, BranchId::Num(id)), taken)],
                    "{}",
                    String::from_utf8_lossy(c)
                );
            }
        }
        assert_eq!(fast_brda(b"BRDA:3,0,1,-\nDA:"), Some((3, 1, false, 13)));
        assert_eq!(fast_brda(b"BRDA:1,e0,1,1\n"), None);
        let whole = parse_str("SF:a\nDA:1,2\nDA:4294967296,1\nend_of_record\n").unwrap_err();
        assert!(whole.message.contains("too large"), "{whole}");
    }

    proptest::proptest! {
        /// On any short line made of the characters these records use, a fast path that accepts
        /// the line reads it exactly as the general path does.
        #[test]
        fn fast_paths_agree_with_the_general_path(body in "[0-9,\\-e \r]{0,24}", brda in proptest::bool::ANY) {
            let line = format!("{}{body}\n", if brda { "BRDA:" } else { "DA:" });
            let c = line.as_bytes();
            let mut slow = State { path: Some("a".into()), ..State::default() };
            let slow_result = slow.line(c.strip_suffix(b"\n").unwrap_or(c), 1);
            let fast = if brda {
                fast_brda(c).map(|(l, id, t, _)| (vec![], vec![((l, BranchId::Num(id)), t)]))
            } else {
                fast_da(c).map(|(l, h, _)| (vec![(l, super::super::model::narrow(h))], vec![]))
            };
            if let Some((lines, branches)) = fast {
                proptest::prop_assert_eq!(slow_result, Ok(()));
                let f = slow.file.take();
                proptest::prop_assert_eq!(f.lines.into_iter().collect::<Vec<_>>(), lines);
                proptest::prop_assert_eq!(f.branches.iter().map(|(k, &t)| (k.clone(), t)).collect::<Vec<_>>(), branches);
            }
        }
    }
}
