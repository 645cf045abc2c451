//! JaCoCo XML reader (JaCoCo, Kover).
//!
//! Reads `report > (group >)* package[name] > sourcefile[name] > line[nr mi ci mb cb]`. The path is
//! `package/name` (`com/x/A.java`); the report has no source root, so mapping finds it later. A line
//! is covered when `ci > 0` and its hit count is `ci` (covered instructions); lines with no
//! instructions are skipped. Branches come from `mb`/`cb` as positional ids, `cb` of them taken.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};

use super::error::ReportError;
use super::model::{Coverage, FileBuilder, FileCoverage};
use super::num::{line_number, number};
use super::xml::{self, attrs, required, MAX_BRANCHES_PER_LINE};

/// Parses a JaCoCo report into coverage keyed by `package/sourcefile`.
pub(crate) fn parse(name: &str, reader: impl BufRead) -> Result<Coverage, ReportError> {
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
            Event::Eof => break,
            _ => Ok(()),
        };
        result.map_err(|m| xml::error_here(name, &mut r, m))?;
    }
    if !st.root_seen {
        return Err(xml::error_here(name, &mut r, "no <report> element: not a JaCoCo report"));
    }
    if st.depth > 0 {
        return Err(xml::error_here(name, &mut r, "the report ends before </report>: is it truncated?"));
    }
    Ok(st.coverage)
}

#[derive(Default)]
struct State {
    coverage: Coverage,
    root_seen: bool,
    depth: u32,
    package: Option<String>,
    file: Option<String>,
    builder: FileBuilder,
}

impl State {
    fn start(&mut self, e: &BytesStart<'_>, empty: bool) -> Result<(), String> {
        let local = e.local_name();
        let tag = local.as_ref();
        if !self.root_seen {
            if tag != b"report" {
                let found = String::from_utf8_lossy(tag);
                return Err(if tag == b"coverage" {
                    format!(
                        "the root element is <{found}>, not <report>: this looks like Cobertura (--format cobertura)"
                    )
                } else {
                    format!("the root element is <{found}>, not <report>: not a JaCoCo report")
                });
            }
            self.root_seen = true;
        } else if self.depth == 0 {
            return Err("more content after </report>".into());
        }
        if !empty {
            self.depth += 1;
        }
        match tag {
            b"package" => {
                let [n] = attrs(e, [b"name"])?;
                let package = xml::text(required(&n, "package", "name")?, "package name")?;
                self.package = (!empty).then_some(package);
            }
            b"sourcefile" => {
                let Some(package) = &self.package else {
                    return Err("<sourcefile> outside a <package>".into());
                };
                let [n] = attrs(e, [b"name"])?;
                let file = xml::text(required(&n, "sourcefile", "name")?, "sourcefile name")?;
                if file.trim().is_empty() {
                    return Err("<sourcefile> has an empty name".into());
                }
                let package = package.trim_matches('/');
                let path = if package.is_empty() { file } else { format!("{package}/{file}") };
                if empty {
                    self.coverage.merge_file(&path, FileCoverage::default());
                } else {
                    self.file = Some(path);
                }
            }
            b"line" => self.line(e)?,
            _ => {}
        }
        Ok(())
    }

    fn line(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        if self.file.is_none() {
            return Err("<line> outside a <sourcefile>".into());
        }
        let file = &mut self.builder;
        let [nr, mi, ci, mb, cb] = attrs(e, [b"nr", b"mi", b"ci", b"mb", b"cb"])?;
        let line = line_number(required(&nr, "line", "nr")?, "<line> nr")?;
        let ci = number(required(&ci, "line", "ci")?, "<line> ci")?;
        let count =
            |v: &Option<std::borrow::Cow<'_, [u8]>>, what: &str| v.as_deref().map_or(Ok(0), |t| number(t, what));
        let mi = count(&mi, "<line> mi")?;
        let mb = count(&mb, "<line> mb")?;
        let cb = count(&cb, "<line> cb")?;
        if mi > 0 || ci > 0 {
            file.line(line, ci);
        }
        let total = mb.saturating_add(cb);
        if total > MAX_BRANCHES_PER_LINE {
            return Err(format!("<line> claims {total} branches"));
        }
        for i in 0..total {
            file.branch(line, i, i < cb);
        }
        Ok(())
    }

    fn end(&mut self, tag: &[u8]) {
        self.depth = self.depth.saturating_sub(1);
        match tag {
            b"sourcefile" => {
                if let Some(path) = self.file.take() {
                    let file = self.builder.take();
                    self.coverage.merge_file(&path, file);
                }
            }
            b"package" => self.package = None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_jacoco_reads_sourcefile_lines() {
        let c = parse(
            "jacoco.xml",
            r#"<report name="r"><package name="com/x"><sourcefile name="A.java">
<line nr="3" mi="0" ci="4" mb="1" cb="1"/><line nr="4" mi="2" ci="0" mb="0" cb="0"/>
</sourcefile></package><package name=""><sourcefile name="B.java"/></package></report>"#
                .as_bytes(),
        )
        .unwrap();
        let a = &c.files["com/x/A.java"];
        assert_eq!(a.lines.iter().map(|(&l, &h)| (l, h)).collect::<Vec<_>>(), vec![(3, 4), (4, 0)]);
        assert_eq!((a.branches.len(), a.taken_branches()), (2, 1));
        assert!(c.files.contains_key("B.java"));
    }

    #[test]
    fn coverage_jacoco_errors() {
        let e = parse("j.xml", "<report><package name=\"p\"><sourcefile name=\"A.java\">\n<line mi=\"1\"/>".as_bytes())
            .unwrap_err();
        assert_eq!(e.to_string(), "j.xml:2: <line> has no nr attribute");
        let e = parse("j.xml", "<coverage/>".as_bytes()).unwrap_err();
        assert!(e.message.contains("Cobertura"), "{e}");
        let e = parse("j.xml", "<report><package name=\"p\">".as_bytes()).unwrap_err();
        assert!(e.message.contains("truncated"), "{e}");
    }
}
