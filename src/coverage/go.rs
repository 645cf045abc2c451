//! Go cover profile reader (`go test -coverprofile`, `go tool covdata textfmt`).
//!
//! The first line is `mode: set|count|atomic`; then `file.go:l1.c1,l2.c2 numStmts count`, read
//! from the right as Go does (a file name may hold colons and spaces). Duplicate blocks (same span)
//! merge as Go merges them: OR in set mode, sum otherwise; a `numStmts` mismatch is an error.
//! Blocks become lines: a block with statements covers lines `l1..=l2`, and a line's hits are the
//! largest count of the blocks spanning it, so a line is covered when any of them ran. Blocks
//! without statements are not executable. Paths are module import paths (`example.com/m/pkg/a.go`),
//! mapped to the repository later with the module path from go.mod. Repeated identical `mode:`
//! lines (concatenated profiles) are accepted.

use std::collections::BTreeMap;
use std::io::BufRead;

use super::error::{snippet, ReportError};
use super::model::{Coverage, FileCoverage};
use super::num::{line_number, number};

/// Most lines one block may span; more is refused as absurd.
const MAX_BLOCK_LINES: u32 = 1 << 20;

/// A block's span: start line, start column, end line, end column.
type Span = (u32, u64, u32, u64);

/// Parses a Go cover profile.
pub(crate) fn parse(name: &str, mut reader: impl BufRead) -> Result<Coverage, ReportError> {
    let mut buf = Vec::with_capacity(256);
    let mut lineno: u64 = 0;
    let mut mode: Option<Vec<u8>> = None;
    let mut blocks: BTreeMap<String, BTreeMap<Span, (u64, u64)>> = BTreeMap::new();
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(|e| ReportError::io(name, Some(lineno + 1), &e))?;
        if n == 0 {
            break;
        }
        lineno += 1;
        let line = buf.trim_ascii();
        if line.is_empty() {
            continue;
        }
        let at = |m: String| ReportError::at_line(name, lineno, m);
        if let Some(m) = line.strip_prefix(b"mode:") {
            let m = m.trim_ascii();
            if !matches!(m, b"set" | b"count" | b"atomic") {
                return Err(at(format!("unknown cover mode `{}`; expected set, count or atomic", snippet(m))));
            }
            match &mode {
                Some(prev) if prev.as_slice() != m => {
                    return Err(at(format!("mode `{}` differs from the first mode `{}`", snippet(m), snippet(prev))))
                }
                Some(_) => {}
                None => mode = Some(m.to_vec()),
            }
            continue;
        }
        let Some(mode) = &mode else {
            return Err(at(format!(
                "a Go cover profile starts with `mode: set|count|atomic`, not `{}`",
                snippet(line)
            )));
        };
        let (file, span, stmts, count) = block(line).map_err(at)?;
        let per_file = match blocks.get_mut(file) {
            Some(b) => b,
            None => blocks.entry(file.to_owned()).or_default(),
        };
        match per_file.get_mut(&span) {
            Some((prev_stmts, prev_count)) => {
                if *prev_stmts != stmts {
                    return Err(at(format!(
                        "block {file}:{}.{},{}.{} has {stmts} statements here but {prev_stmts} earlier",
                        span.0, span.1, span.2, span.3
                    )));
                }
                *prev_count = if mode.as_slice() == b"set" {
                    u64::from(*prev_count > 0 || count > 0)
                } else {
                    prev_count.saturating_add(count)
                };
            }
            None => {
                per_file.insert(span, (stmts, count));
            }
        }
    }
    if mode.is_none() {
        return Err(ReportError::whole(name, "the report is empty: no `mode:` line"));
    }
    let mut coverage = Coverage::default();
    for (path, spans) in blocks {
        let mut file = FileCoverage::default();
        for ((l1, _, l2, _), (stmts, count)) in spans {
            if stmts == 0 {
                continue;
            }
            for l in l1..=l2 {
                file.lines.raise(l, count);
            }
        }
        coverage.files.insert(path, file);
    }
    Ok(coverage)
}

/// Splits `file:l1.c1,l2.c2 stmts count`, from the right.
fn block(line: &[u8]) -> Result<(&str, Span, u64, u64), String> {
    let bad = || format!("`{}` is not `file:line.col,line.col statements count`", snippet(line));
    let sp2 = line.iter().rposition(|&b| b == b' ').ok_or_else(bad)?;
    let count = number(&line[sp2 + 1..], "block count")?;
    let rest = &line[..sp2];
    let sp1 = rest.iter().rposition(|&b| b == b' ').ok_or_else(bad)?;
    let stmts = number(&rest[sp1 + 1..], "block statement count")?;
    let loc = &rest[..sp1];
    let colon = loc.iter().rposition(|&b| b == b':').ok_or_else(bad)?;
    let file = std::str::from_utf8(&loc[..colon]).map_err(|_| format!("file name `{}` is not UTF-8", snippet(loc)))?;
    if file.trim().is_empty() {
        return Err(bad());
    }
    let span = &loc[colon + 1..];
    let comma = span.iter().position(|&b| b == b',').ok_or_else(bad)?;
    let (l1, c1) = position(&span[..comma], "block start").map_err(|m| format!("{m} in `{}`", snippet(line)))?;
    let (l2, c2) = position(&span[comma + 1..], "block end").map_err(|m| format!("{m} in `{}`", snippet(line)))?;
    if (l2, c2) < (l1, c1) {
        return Err(format!("block ends before it starts in `{}`", snippet(line)));
    }
    if l2 - l1 > MAX_BLOCK_LINES {
        return Err(format!("block spans {} lines in `{}`, which is absurd", l2 - l1, snippet(line)));
    }
    Ok((file, (l1, c1, l2, c2), stmts, count))
}

fn position(text: &[u8], what: &str) -> Result<(u32, u64), String> {
    let dot = text.iter().position(|&b| b == b'.').ok_or_else(|| format!("{what} has no `line.column`"))?;
    Ok((line_number(&text[..dot], &format!("{what} line"))?, number(&text[dot + 1..], &format!("{what} column"))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_go_blocks_become_lines_and_duplicates_merge() {
        let c = parse(
            "c.out",
            "mode: set\nex.com/m/a.go:3.14,5.2 2 0\nex.com/m/a.go:5.2,7.3 1 1\nex.com/m/a.go:3.14,5.2 2 1\n\
             ex.com/m/a.go:9.1,9.5 0 0\nmode: set\n"
                .as_bytes(),
        )
        .unwrap();
        let f = &c.files["ex.com/m/a.go"];
        assert_eq!(
            f.lines.iter().map(|(&l, &h)| (l, h)).collect::<Vec<_>>(),
            vec![(3, 1), (4, 1), (5, 1), (6, 1), (7, 1)]
        );
    }

    #[test]
    fn coverage_go_errors() {
        let e = parse("c.out", "a.go:1.1,2.2 1 1\n".as_bytes()).unwrap_err();
        assert!(e.message.contains("mode:"), "{e}");
        let e = parse("c.out", "mode: count\na.go:1.1,2.2 1 1\na.go:1.1,2.2 2 1\n".as_bytes()).unwrap_err();
        assert_eq!(e.line, Some(3));
        let e = parse("c.out", "mode: count\na.go:3.1,2.2 1 1\n".as_bytes()).unwrap_err();
        assert!(e.message.contains("ends before"), "{e}");
        let e = parse("c.out", "mode: count\na.go:1.1,2.2 1 -1\n".as_bytes()).unwrap_err();
        assert!(e.message.contains("negative"), "{e}");
        assert!(parse("c.out", "".as_bytes()).is_err());
        let e = parse("c.out", "mode: set\nmode: count\n".as_bytes()).unwrap_err();
        assert!(e.message.contains("differs"), "{e}");
    }
}
