//! Events in git notes: one whole, self-describing, versioned event per line.
//!
//! `2026-12-03T10:00:00Z v1 committed tz=+0100 author=ada@example.com branch=feat/x`
//!
//! The line starts with its UTC time so that git's `cat_sort_uniq` (which sorts lines) keeps
//! them in time order, and because every line is whole, a union of two machines' notes loses
//! nothing. Values are percent-encoded where they hold spaces, `=`, `%` or control characters.
//! Unknown kinds and fields from newer versions are kept and ignored, never rejected.

pub mod metrics;
pub mod time;

/// The streams, each a notes ref `refs/notes/git-policy/<stream>`.
pub const STREAMS: &[&str] = &["dev", "trunk", "deploy", "incident", "coverage"];

/// The notes ref of a stream.
pub fn notes_ref(stream: &str) -> String {
    format!("refs/notes/git-policy/{stream}")
}

/// The format version written in every line.
pub const VERSION: &str = "v1";

/// One event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Unix seconds, UTC.
    pub time: i64,
    /// The event kind: `committed`, `pushed`, `merged`, `deployed`, ... (unknown kinds are kept).
    pub kind: String,
    /// `key=value` fields in the order written; `tz` among them.
    pub fields: Vec<(String, String)>,
}

impl Event {
    /// A new event with no fields.
    pub fn new(time: i64, kind: &str) -> Self {
        Self { time, kind: kind.to_string(), fields: Vec::new() }
    }

    /// Adds a field (builder).
    #[must_use]
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.fields.push((key.to_string(), value.into()));
        self
    }

    /// The first value of a field.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The line for a note (no newline).
    pub fn to_line(&self) -> String {
        let mut line = format!("{} {VERSION} {}", time::format_utc(self.time), encode(&self.kind));
        for (k, v) in &self.fields {
            line.push(' ');
            line.push_str(&encode(k));
            line.push('=');
            line.push_str(&encode(v));
        }
        line
    }

    /// Parses a line; `None` for lines that are not events (blank lines, text a person added,
    /// or a future format version), which readers skip.
    pub fn parse(line: &str) -> Option<Self> {
        let mut parts = line.split_ascii_whitespace();
        let time = time::parse_utc(parts.next()?)?;
        if parts.next()? != VERSION {
            return None;
        }
        let kind = decode(parts.next()?)?;
        let mut fields = Vec::new();
        for p in parts {
            let (k, v) = p.split_once('=')?;
            fields.push((decode(k)?, decode(v)?));
        }
        Some(Self { time, kind, fields })
    }
}

/// Every event in a note's text, in line order.
pub fn parse_note(text: &str) -> Vec<Event> {
    text.lines().filter_map(Event::parse).collect()
}

/// The earliest time of a `kind` event in a note's text: the lines [`parse_note`] would read as
/// events of that kind, checked in place, without building them (the metrics read this for
/// every trunk commit).
pub fn earliest(text: &str, kind: &str) -> Option<i64> {
    text.lines().filter_map(|line| time_of(line, kind)).min()
}

/// The time of `line` when it is a whole event of `kind`, by [`Event::parse`]'s rules.
fn time_of(line: &str, kind: &str) -> Option<i64> {
    let mut parts = line.split_ascii_whitespace();
    let time = parts.next()?;
    if parts.next()? != VERSION {
        return None;
    }
    let k = parts.next()?;
    if k != kind && decode(k).as_deref() != Some(kind) {
        return None;
    }
    let whole = parts.all(|p| p.split_once('=').is_some_and(|(k, v)| decodes(k) && decodes(v)));
    if whole {
        time::parse_utc(time)
    } else {
        None
    }
}

/// Whether `decode` would read `s`, without allocating for the common text with no escapes.
fn decodes(s: &str) -> bool {
    !s.contains('%') || decode(s).is_some()
}

fn encode(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    for b in s.bytes() {
        if b <= b' ' || b == b'=' || b == b'%' || b == 0x7f {
            out.extend(format!("%{b:02X}").bytes());
        } else {
            out.push(b);
        }
    }
    // Only ASCII bytes were replaced, so multi-byte characters stay whole.
    String::from_utf8_lossy(&out).into_owned()
}

fn decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Merges note texts as git's `cat_sort_uniq` does: all lines, sorted, duplicates removed.
pub fn union_lines<'a>(texts: impl IntoIterator<Item = &'a str>) -> String {
    let mut lines: Vec<&str> = texts.into_iter().flat_map(str::lines).filter(|l| !l.trim().is_empty()).collect();
    lines.sort_unstable();
    lines.dedup();
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_reads_the_events_parse_note_reads() {
        let text = "2026-05-02T00:00:00Z v1 committed tz=+0100\n\
                    2026-05-01T00:00:00Z v1 pushed remote=origin\n\
                    2026-04-01T00:00:00Z v1 committed broken-field\n\
                    2026-03-01T00:00:00Z v2 committed tz=+0100\n\
                    2026-02-01T00:00:00Z v1 committed bad=%zz\n\
                    not-a-time v1 committed\n\
                    2026-05-01T12:00:00Z v1 commit%74ed who=Zo%C3%AB\n";
        let by_parse = parse_note(text).iter().filter(|e| e.kind == "committed").map(|e| e.time).min();
        assert_eq!(earliest(text, "committed"), by_parse);
        assert_eq!(earliest(text, "committed"), time::parse_utc("2026-05-01T12:00:00Z"), "an escaped kind counts");
        assert_eq!(earliest(text, "pushed"), time::parse_utc("2026-05-01T00:00:00Z"));
        assert_eq!(earliest(text, "merged"), None);
        assert_eq!(earliest("", "committed"), None);
    }

    #[test]
    fn lines_round_trip_and_stay_readable() {
        let e =
            Event::new(1_780_000_000, "committed").with("tz", "+0100").with("branch", "feat/a b=c%").with("who", "Zoë");
        let line = e.to_line();
        assert_eq!(line, "2026-05-28T20:26:40Z v1 committed tz=+0100 branch=feat/a%20b%3Dc%25 who=Zoë");
        assert_eq!(Event::parse(&line), Some(e));
    }

    #[test]
    fn unknown_kinds_and_fields_are_kept_and_bad_lines_skipped() {
        let e = Event::parse("2030-01-01T00:00:00Z v1 teleported tz=+0000 future-field=x").unwrap();
        assert_eq!(e.kind, "teleported");
        assert_eq!(e.get("future-field"), Some("x"));
        assert_eq!(
            parse_note("hello\n\n2030-01-01T00:00:00Z v2 committed\n2030-01-01T00:00:00Z v1 pushed remote=o\n").len(),
            1
        );
        assert!(Event::parse("2030-01-01T00:00:00Z v1 x bad%zz=1").is_none());
    }

    #[test]
    fn union_is_cat_sort_uniq() {
        let a = "2026-01-02T00:00:00Z v1 b\n2026-01-01T00:00:00Z v1 a\n";
        let b = "2026-01-01T00:00:00Z v1 a\n2026-01-03T00:00:00Z v1 c\n";
        assert_eq!(
            union_lines([a, b]),
            "2026-01-01T00:00:00Z v1 a\n2026-01-02T00:00:00Z v1 b\n2026-01-03T00:00:00Z v1 c\n"
        );
    }
}
