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
use super::Part;

/// Depth of a `<class>` element's parent, `<coverage><packages><package><classes>`.
const CLASSES_DEPTH: u32 = 4;

/// Parses a Cobertura report into coverage keyed by `filename`, plus the `<source>` roots.
pub(crate) fn parse(name: &str, reader: impl BufRead) -> Result<(Coverage, Vec<String>), ReportError> {
    parse_part(name, reader, Part::Whole)
}

/// Parses a whole report, or one of the two parts of a report split right after a `</class>`
/// (see [`Part`]).
pub(crate) fn parse_part(name: &str, reader: impl BufRead, part: Part) -> Result<(Coverage, Vec<String>), ReportError> {
    let mut r = xml::reader(reader);
    let mut buf = Vec::with_capacity(1024);
    let mut st = State::default();
    if part == Part::Tail {
        // The tail starts inside <classes>, after a class. quick-xml cannot match its first end
        // tags with start tags it never saw, so this reader matches them itself.
        st.root_seen = true;
        st.depth = CLASSES_DEPTH;
        st.open = Some(vec![b"coverage".to_vec(), b"packages".to_vec(), b"package".to_vec(), b"classes".to_vec()]);
        r.config_mut().check_end_names = false;
        r.config_mut().allow_unmatched_ends = true;
    }
    loop {
        buf.clear();
        let event = r.read_event_into(&mut buf).map_err(|e| xml::xml_error(name, &mut r, &e))?;
        let result = match event {
            Event::Start(e) => st.start(&e, false),
            Event::Empty(e) => st.start(&e, true),
            Event::End(e) => st.end(e.name().as_ref(), e.local_name().as_ref()),
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
    let ends_at = if part == Part::Head { CLASSES_DEPTH } else { 0 };
    if st.depth != ends_at || st.methods_depth > 0 || st.file.is_some() && part == Part::Head {
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
    /// The open elements' names, kept only when quick-xml does not check end tags (a tail).
    open: Option<Vec<Vec<u8>>>,
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
            if let Some(open) = &mut self.open {
                open.push(e.name().as_ref().to_vec());
            }
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

    fn end(&mut self, name: &[u8], tag: &[u8]) -> Result<(), String> {
        if let Some(open) = &mut self.open {
            if open.pop().as_deref() != Some(name) {
                return Err(format!(
                    "close tag `</{}>` does not match the open element",
                    String::from_utf8_lossy(name)
                ));
            }
        }
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
        Ok(())
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

    #[test]
    fn a_report_split_after_a_class_reads_as_head_and_tail() {
        let doc = r#"<coverage><sources><source>/r</source></sources><packages><package name="p"><classes><class filename="a.py"><lines><line number="1" hits="1"/></lines></class><class filename="b.py"><lines><line number="2" hits="0"/></lines></class></classes></package></packages></coverage>"#;
        let split = doc.find("</class>").unwrap() + "</class>".len();
        let (head, sources) = parse_part("c.xml", &doc.as_bytes()[..split], Part::Head).unwrap();
        let (tail, _) = parse_part("c.xml", &doc.as_bytes()[split..], Part::Tail).unwrap();
        assert_eq!(sources, ["/r"]);
        assert_eq!(head.files.keys().collect::<Vec<_>>(), ["a.py"]);
        assert_eq!(tail.files.keys().collect::<Vec<_>>(), ["b.py"]);
        // A head cut inside a class, and a tail whose end tags do not match, are errors.
        let inside = doc.find("<line").unwrap();
        assert!(parse_part("c.xml", &doc.as_bytes()[..inside], Part::Head).is_err());
        let wrong = doc[split..].replace("</package>", "</packet>");
        let e = parse_part("c.xml", wrong.as_bytes(), Part::Tail).unwrap_err();
        assert!(e.message.contains("`</packet>` does not match"), "{e}");
        assert!(parse_part("c.xml", "</classes></package></packages></coverage><x/>".as_bytes(), Part::Tail).is_err());
    }
}
