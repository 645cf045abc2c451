//! What the two XML readers share: a streaming quick-xml reader that knows its line, attribute
//! look-up, and errors that point at the line.

use std::borrow::Cow;
use std::io::{BufRead, Read};

use quick_xml::events::BytesStart;
use quick_xml::Reader;

use super::error::{snippet, ReportError};

/// Passes bytes through and counts the newlines consumed, so events know their line.
///
/// The reader consumes a few dozen bytes per event, millions of times in a large report, so
/// newlines are not counted per call: each buffer the inner reader fills is counted once, in
/// one pass, and the count is taken when the buffer is used up. The line at an error comes
/// from that count less the newlines still ahead in the buffer.
pub(crate) struct LineCounter<R> {
    inner: R,
    /// Newlines in the buffers used up so far.
    newlines: u64,
    /// Newlines in the current buffer's unread part when it was counted.
    ahead: u64,
    /// Bytes of the current buffer not consumed yet.
    remaining: usize,
}

fn count_newlines(bytes: &[u8]) -> u64 {
    // Counting into a byte per chunk of at most 255 lets the compiler compare 32 bytes at a
    // time; a plain filter-count widens every match to 64 bits and does four at a time.
    bytes.chunks(255).map(|chunk| u64::from(chunk.iter().fold(0u8, |n, &b| n.wrapping_add(u8::from(b == b'\n'))))).sum()
}

impl<R: BufRead> LineCounter<R> {
    /// Newlines consumed so far.
    fn consumed_newlines(&mut self) -> u64 {
        if self.remaining == 0 {
            return self.newlines;
        }
        // No I/O: the unread part of the current buffer is still there.
        let unread = self.inner.fill_buf().map_or(0, count_newlines);
        self.newlines + self.ahead - unread.min(self.ahead)
    }
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = {
            let buf = self.fill_buf()?;
            let n = buf.len().min(out.len());
            out[..n].copy_from_slice(&buf[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        if self.remaining == 0 {
            // The first consume from a freshly filled buffer: count all of it once. The buffer
            // is already filled when a reader consumes, so this does no I/O.
            if let Ok(buf) = self.inner.fill_buf() {
                self.ahead = count_newlines(buf);
                self.remaining = buf.len();
            }
        }
        self.remaining -= amt.min(self.remaining);
        if self.remaining == 0 {
            self.newlines += self.ahead;
            self.ahead = 0;
        }
        self.inner.consume(amt);
    }
}

/// A streaming XML reader over a report.
pub(crate) type XmlReader<R> = Reader<LineCounter<R>>;

/// Opens a streaming reader; no DOM is built and no DTD is fetched.
pub(crate) fn reader<R: BufRead>(inner: R) -> XmlReader<R> {
    let mut r = Reader::from_reader(LineCounter { inner, newlines: 0, ahead: 0, remaining: 0 });
    r.config_mut().trim_text(true);
    r
}

/// The 1-based line the reader has reached (the line of the last event's end).
pub(crate) fn line<R: BufRead>(r: &mut XmlReader<R>) -> u64 {
    r.get_mut().consumed_newlines() + 1
}

/// An error found at the reader's current position.
pub(crate) fn error_here<R: BufRead>(name: &str, r: &mut XmlReader<R>, message: impl Into<String>) -> ReportError {
    ReportError::at_line(name, line(r), message)
}

/// A quick-xml error, with its line and byte offset.
pub(crate) fn xml_error<R: BufRead>(name: &str, r: &mut XmlReader<R>, e: &quick_xml::Error) -> ReportError {
    let message = match e {
        quick_xml::Error::Io(io) => format!("could not read the report: {io}"),
        quick_xml::Error::Syntax(_) => format!("not well-formed XML ({e}); is the file truncated or not XML?"),
        other => format!("not well-formed XML: {other}"),
    };
    let byte = r.error_position();
    ReportError { report: name.to_owned(), line: Some(line(r)), byte: Some(byte), message }
}

/// Looks up several attributes of an element in one pass; later duplicates are an error.
pub(crate) fn attrs<'a, const N: usize>(
    e: &'a BytesStart<'_>,
    keys: [&[u8]; N],
) -> Result<[Option<Cow<'a, [u8]>>; N], String> {
    if let Some(out) = plain_attrs(e.attributes_raw(), &keys) {
        return Ok(out);
    }
    general_attrs(e, keys)
}

/// The common case read straight from the element's bytes: `key="value"` pairs separated by
/// whitespace, each key read here at most once. `None` for anything else (spaces around `=`,
/// unquoted values, a repeated key, stray characters), which the general reader then reads or
/// rejects with its message; when both read an element, they read the same raw values.
fn plain_attrs<'a, const N: usize>(raw: &'a [u8], keys: &[&[u8]; N]) -> Option<[Option<Cow<'a, [u8]>>; N]> {
    let mut out: [Option<Cow<'a, [u8]>>; N] = std::array::from_fn(|_| None);
    let mut i = 0;
    loop {
        while raw.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if i >= raw.len() {
            return Some(out);
        }
        let eq = i + raw[i..].iter().position(|&b| b == b'=')?;
        let key = &raw[i..eq];
        if key.is_empty()
            || key.iter().any(|&b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'/' | b'&'))
        {
            return None;
        }
        let quote = *raw.get(eq + 1)?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        let start = eq + 2;
        let end = start + raw.get(start..)?.iter().position(|&b| b == quote)?;
        let value = &raw[start..end];
        if value.contains(&b'<') {
            return None;
        }
        if let Some(k) = keys.iter().position(|k| *k == key) {
            if out[k].is_some() {
                return None;
            }
            out[k] = Some(Cow::Borrowed(value));
        }
        i = end + 1;
        if raw.get(i).is_some_and(|b| !b.is_ascii_whitespace()) {
            return None;
        }
    }
}

/// Every attribute through quick-xml, with precise errors.
fn general_attrs<'a, const N: usize>(
    e: &'a BytesStart<'_>,
    keys: [&[u8]; N],
) -> Result<[Option<Cow<'a, [u8]>>; N], String> {
    let mut out: [Option<Cow<'a, [u8]>>; N] = std::array::from_fn(|_| None);
    // quick-xml's own duplicate check compares every attribute with every other one; only the
    // attributes read here need checking.
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|err| {
            format!("<{}> has a malformed attribute: {err}", String::from_utf8_lossy(e.local_name().as_ref()))
        })?;
        if let Some(i) = keys.iter().position(|k| *k == a.key.as_ref()) {
            if out[i].is_some() {
                return Err(format!(
                    "<{}> has the attribute {} twice",
                    String::from_utf8_lossy(e.local_name().as_ref()),
                    String::from_utf8_lossy(keys[i])
                ));
            }
            out[i] = Some(a.value);
        }
    }
    Ok(out)
}

/// An attribute holding text (a path or name): UTF-8, entities resolved.
pub(crate) fn text(value: &[u8], what: &str) -> Result<String, String> {
    let s = std::str::from_utf8(value).map_err(|_| format!("{what} `{}` is not UTF-8", snippet(value)))?;
    quick_xml::escape::unescape(s)
        .map(Cow::into_owned)
        .map_err(|err| format!("{what} `{}` has a bad escape: {err}", snippet(value)))
}

/// Requires an attribute, naming the element and attribute when it is missing.
pub(crate) fn required<'v, 'a>(v: &'v Option<Cow<'a, [u8]>>, element: &str, key: &str) -> Result<&'v [u8], String> {
    v.as_deref().ok_or_else(|| format!("<{element}> has no {key} attribute"))
}

/// Branch ids for count-only formats (Cobertura, JaCoCo): more than this on one line is refused.
pub(crate) const MAX_BRANCHES_PER_LINE: u64 = 65_536;

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    /// Yields its bytes, then fails every read.
    struct FailsAfter(&'static [u8]);

    impl Read for FailsAfter {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("the disk went away"));
            }
            let n = self.0.len().min(out.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn reading_through_the_counter_passes_bytes_and_counts_lines() {
        let text = b"<a>\n<b/>\n\n</a>";
        let mut c = LineCounter { inner: BufReader::with_capacity(3, &text[..]), newlines: 0, ahead: 0, remaining: 0 };
        let mut out = Vec::new();
        let mut chunk = [0u8; 2];
        loop {
            let n = c.read(&mut chunk).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&chunk[..n]);
        }
        assert_eq!(out, text);
        assert_eq!(c.consumed_newlines(), 3);
    }

    #[test]
    fn an_attribute_read_twice_is_an_error_and_others_are_not_checked() {
        let e = BytesStart::from_content(r#"line number="1" hits="2" number="3""#, 4);
        assert_eq!(attrs(&e, [b"number", b"hits"]).unwrap_err(), "<line> has the attribute number twice");
        let e = BytesStart::from_content(r#"line number="1" extra="a" extra="b" hits="2""#, 4);
        let [n, h] = attrs(&e, [b"number", b"hits"]).unwrap();
        assert_eq!((n.as_deref(), h.as_deref()), (Some(&b"1"[..]), Some(&b"2"[..])));
    }

    proptest::proptest! {
        /// Whenever the plain reader reads an element, quick-xml reads the same values from it.
        #[test]
        fn plain_attributes_agree_with_quick_xml(body in "[ a-z=\"'<>&/1-3]{0,40}") {
            let content = format!("line {body}");
            let e = BytesStart::from_content(content.as_str(), 4);
            let keys: [&[u8]; 3] = [b"a", b"ab", b"b"];
            if let Some(plain) = plain_attrs(e.attributes_raw(), &keys) {
                let general = general_attrs(&e, keys);
                proptest::prop_assert_eq!(Ok(plain), general, "{}", content);
            }
        }
    }

    #[test]
    fn plain_attributes_read_the_usual_elements_and_leave_odd_ones_to_quick_xml() {
        let keys: [&[u8]; 2] = [b"number", b"hits"];
        let e = BytesStart::from_content(r#"line number="12" hits='3' branch="true""#, 4);
        let got = plain_attrs(e.attributes_raw(), &keys).unwrap();
        assert_eq!((got[0].as_deref(), got[1].as_deref()), (Some(&b"12"[..]), Some(&b"3"[..])));
        for odd in
            [r#"line number = "1""#, r#"line number=1"#, r#"line number="1"hits="2""#, r#"line number="1" number="2""#]
        {
            let e = BytesStart::from_content(odd, 4);
            assert!(plain_attrs(e.attributes_raw(), &keys).is_none(), "{odd}");
        }
    }

    #[test]
    fn the_line_count_is_exact_after_every_consume_whatever_the_buffer_size() {
        let text = b"<a>\n<b x=\"1\"/>\n\n\n<c>\n</c>\n</a>\n";
        for capacity in [1, 2, 3, 5, 8, 64] {
            for step in [1, 2, 3, 7] {
                let mut c = LineCounter {
                    inner: BufReader::with_capacity(capacity, &text[..]),
                    newlines: 0,
                    ahead: 0,
                    remaining: 0,
                };
                let mut done = 0;
                loop {
                    let n = c.fill_buf().unwrap().len().min(step);
                    if n == 0 {
                        break;
                    }
                    c.consume(n);
                    done += n;
                    let expected = text[..done].iter().filter(|&&b| b == b'\n').count() as u64;
                    assert_eq!(c.consumed_newlines(), expected, "capacity {capacity}, step {step}, at {done}");
                }
            }
        }
    }

    #[test]
    fn a_failed_read_passes_the_error_on_and_counts_nothing() {
        let mut c = LineCounter { inner: BufReader::new(FailsAfter(b"")), newlines: 0, ahead: 0, remaining: 0 };
        assert_eq!(c.read(&mut [0u8; 4]).unwrap_err().to_string(), "the disk went away");
        c.consume(0);
        assert_eq!(c.consumed_newlines(), 0);
    }

    #[test]
    fn a_read_failure_is_reported_at_the_line_reached() {
        let mut r = reader(BufReader::with_capacity(4, FailsAfter(b"<coverage>\n<packages>\n<pack")));
        let mut buf = Vec::new();
        let err = loop {
            match r.read_event_into(&mut buf) {
                Ok(quick_xml::events::Event::Eof) => panic!("the reader cannot reach the end"),
                Ok(_) => buf.clear(),
                Err(e) => break e,
            }
        };
        let e = xml_error("coverage.xml", &mut r, &err);
        assert_eq!(e.line, Some(3));
        assert!(e.to_string().starts_with("coverage.xml:3: could not read the report: "), "{e}");
        assert!(e.message.contains("the disk went away"), "{e}");
    }

    #[test]
    fn malformed_xml_says_so_with_line_and_byte() {
        let mut r = reader(&b"<coverage>\n</packages>"[..]);
        let mut buf = Vec::new();
        let err = loop {
            match r.read_event_into(&mut buf) {
                Ok(quick_xml::events::Event::Eof) => panic!("mismatched tags must fail"),
                Ok(_) => buf.clear(),
                Err(e) => break e,
            }
        };
        let e = xml_error("c.xml", &mut r, &err);
        assert_eq!(e.line, Some(2));
        assert!(e.byte.is_some());
        assert!(e.message.starts_with("not well-formed XML"), "{e}");
    }

    #[test]
    fn attributes_text_and_required_values() {
        let e = BytesStart::from_content(r#"class filename="a&amp;b.rs" line-rate="0.5""#, 5);
        let [f, rate, missing] = attrs(&e, [b"filename", b"line-rate", b"branch-rate"]).unwrap();
        assert_eq!(text(f.as_deref().unwrap(), "filename").unwrap(), "a&b.rs");
        assert_eq!(required(&rate, "class", "line-rate").unwrap(), b"0.5");
        assert_eq!(required(&missing, "class", "branch-rate").unwrap_err(), "<class> has no branch-rate attribute");
        let bad = BytesStart::from_content(r#"class filename="a" filename"#, 5);
        let err = attrs(&bad, [b"filename"]).unwrap_err();
        assert!(err.starts_with("<class> has a malformed attribute"), "{err}");
        assert_eq!(text(b"\xff.rs", "filename").unwrap_err(), "filename `\u{fffd}.rs` is not UTF-8");
        assert!(text(b"a&bogus;", "filename").unwrap_err().starts_with("filename `a&bogus;` has a bad escape"));
    }
}
