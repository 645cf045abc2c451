//! Cobertura XML reader (coverage.py, gcovr, cargo-llvm-cov, coverlet, istanbul and others).
//!
//! Reads `<sources><source>` (returned alongside, to resolve paths later) and, for each
//! `<class filename>`, the `<line number hits branch condition-coverage>` elements directly under
//! its `<lines>`. Lines repeated inside `<methods>` (gcovr, coverlet) are skipped, as they copy the
//! class lines. A file split over several `<class>` elements merges; a line listed twice counts the
//! sum of its hits. Cobertura only gives branch counts (`50% (1/2)`), so branch ids are positions
//! `0..n` with the first `covered` ones taken: merging reports takes the best per line, a lower bound.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};

use super::error::ReportError;
use super::model::{Coverage, FileBuilder, FileCoverage};
use super::num::{line_number, number};
use super::xml::{self, attrs, required, MAX_BRANCHES_PER_LINE};

/// Parses a Cobertura report into coverage keyed by `filename`, plus the `<source>` roots.
pub(crate) fn parse(name: &str, reader: impl BufRead) -> Result<(Coverage, Vec<String>), ReportError> {
    let mut r = xml::reader(reader);
    let mut buf = Vec::with_capacity(1024);
    let mut st = State::default();
    loop {
        buf.clear();
        let event = r.read_event_into(&mut buf).map_err(|e| xml::xml_error(name, &mut r, &e))?;
        let result = match event {
            Event::Start(e) => st.start(&e, false),
            Event::Empty(e) => st.start(&e, true),
            Event::End(e) => {
                st.end(e.local_name().as_ref());
                Ok(())
            }
            Event::Text(t) if st.in_source => match t.unescape() {
                Ok(s) => {
                    st.source.push_str(&s);
                    Ok(())
                }
                Err(e) => Err(format!("<source> text has a bad escape: {e}")),
            },
            Event::CData(t) if st.in_source => {
                st.source.push_str(&String::from_utf8_lossy(&t));
                Ok(())
            }
            Event::Eof => break,
            _ => Ok(()),
        };
        result.map_err(|m| xml::error_here(name, &mut r, m))?;
    }
    if !st.root_seen {
        return Err(xml::error_here(name, &mut r, "no <coverage> element: not a Cobertura report"));
    }
    if st.depth > 0 {
        return Err(xml::error_here(name, &mut r, "the report ends before </coverage>: is it truncated?"));
    }
    Ok((st.coverage, st.sources))
}

#[derive(Default)]
struct State {
    coverage: Coverage,
    sources: Vec<String>,
    root_seen: bool,
    depth: u32,
    in_source: bool,
    source: String,
    file: Option<String>,
    builder: FileBuilder,
    methods_depth: u32,
}

impl State {
    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), String> {
        let local = e.local_name();
        let tag = local.as_ref();
        if !self.root_seen {
            if tag != b"coverage" {
                return Err(root_hint(tag));
            }
            self.root_seen = true;
        } else if self.depth == 0 {
            return Err("more content after </coverage>".into());
        }
        if !empty {
            self.depth += 1;
        }
        match tag {
            b"source" if !empty => {
                self.in_source = true;
                self.source.clear();
            }
            b"class" => {
                let [filename] = attrs(e, [b"filename"])?;
                let path = xml::text(required(&filename, "class", "filename")?, "class filename")?;
                if path.trim().is_empty() {
                    return Err("<class> has an empty filename".into());
                }
                if empty {
                    self.coverage.merge_file(&path, FileCoverage::default());
                } else {
                    self.flush();
                    self.file = Some(path);
                }
            }
            b"methods" | b"method" if !empty => self.methods_depth += 1,
            b"line" if self.methods_depth == 0 => self.line(e)?,
            _ => {}
        }
        Ok(())
    }

    fn line(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        if self.file.is_none() {
            return Err("<line> outside a <class>".into());
        }
        let file = &mut self.builder;
        let [num, hits, cond] = attrs(e, [b"number", b"hits", b"condition-coverage"])?;
        let line = line_number(required(&num, "line", "number")?, "<line> number")?;
        let hits = number(required(&hits, "line", "hits")?, "<line> hits")?;
        file.line(line, hits);
        if let Some(cond) = cond.as_deref() {
            if let Some((covered, total)) = condition_counts(cond)? {
                for i in 0..total {
                    file.branch(line, i, i < covered);
                }
            }
        }
        Ok(())
    }

    fn end(&mut self, tag: &[u8]) {
        self.depth = self.depth.saturating_sub(1);
        match tag {
            b"source" if self.in_source => {
                self.in_source = false;
                let s = self.source.trim();
                if !s.is_empty() {
                    self.sources.push(s.to_owned());
                }
            }
            b"class" => self.flush(),
            b"methods" | b"method" => self.methods_depth = self.methods_depth.saturating_sub(1),
            _ => {}
        }
    }

    fn flush(&mut self) {
        if let Some(path) = self.file.take() {
            let file = self.builder.take();
            self.coverage.merge_file(&path, file);
        }
    }
}

/// Reads `(covered/total)` from `condition-coverage="50% (1/2)"`; `None` when it has no counts.
fn condition_counts(text: &[u8]) -> Result<Option<(u64, u64)>, String> {
    let (Some(open), Some(close)) = (text.iter().position(|&b| b == b'('), text.iter().rposition(|&b| b == b')'))
    else {
        return Ok(None);
    };
    let inner = text.get(open + 1..close).unwrap_or_default();
    let Some(slash) = inner.iter().position(|&b| b == b'/') else {
        return Err(format!("condition-coverage `{}` has no (covered/total)", String::from_utf8_lossy(text)));
    };
    let covered = number(&inner[..slash], "condition-coverage covered count")?;
    let total = number(&inner[slash + 1..], "condition-coverage total")?;
    if covered > total {
        return Err(format!("condition-coverage covers {covered} of only {total} branches"));
    }
    if total > MAX_BRANCHES_PER_LINE {
        return Err(format!("condition-coverage claims {total} branches on one line"));
    }
    Ok(Some((covered, total)))
}

fn root_hint(tag: &[u8]) -> String {
    let found = String::from_utf8_lossy(tag);
    if tag == b"report" {
        format!("the root element is <{found}>, not <coverage>: this looks like a JaCoCo report (--format jacoco)")
    } else {
        format!("the root element is <{found}>, not <coverage>: not a Cobertura report")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<(Coverage, Vec<String>), ReportError> {
        parse("coverage.xml", text.as_bytes())
    }

    #[test]
    fn coverage_cobertura_reads_classes_lines_and_conditions() {
        let (c, sources) = parse_str(
            r#"<?xml version="1.0" ?>
<coverage version="7.4.1"><sources><source>/ci/src</source></sources><packages><package name="p"><classes>
<class name="a.py" filename="p/a.py"><methods/><lines>
<line number="1" hits="1"/>
<line number="2" hits="0" branch="true" condition-coverage="50% (1/2)" missing-branches="4"/>
</lines></class>
<class name="a.py" filename="p/a.py"><lines><line number="2" hits="3"/></lines></class>
</classes></package></packages></coverage>"#,
        )
        .unwrap();
        assert_eq!(sources, vec!["/ci/src".to_owned()]);
        let f = &c.files["p/a.py"];
        assert_eq!(f.lines.get(&2), Some(&3));
        assert_eq!(f.branches.len(), 2);
        assert_eq!(f.taken_branches(), 1);
    }

    #[test]
    fn coverage_cobertura_errors_point_at_the_line() {
        let e = parse_str("<coverage><packages><package><classes><class filename=\"a\"><lines>\n<line hits=\"1\"/>")
            .unwrap_err();
        assert_eq!(e.to_string(), "coverage.xml:2: <line> has no number attribute");
        let e = parse_str("<coverage><packages>").unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
        let e = parse_str("<report name=\"x\"></report>").unwrap_err();
        assert!(e.message.contains("JaCoCo"), "{e}");
        let e = parse_str("<coverage><class filename=\"a\"><line number=\"1\" hits=\"-1\"/></class></coverage>")
            .unwrap_err();
        assert!(e.message.contains("negative"), "{e}");
        let e = parse_str("<coverage><a></b></coverage>").unwrap_err();
        assert!(e.message.contains("XML"), "{e}");
    }
}
