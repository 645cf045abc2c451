//! Errors in policy files: each names the file, line and column, quotes the text and says how to fix it.

use std::fmt;

/// Where in a policy file something is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    /// The file as the user knows it: a path, `REV:PATH` or `builtin:NAME`.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// The whole line, for quoting.
    pub text: String,
    /// Characters to underline from `col`.
    pub width: usize,
}

impl Position {
    /// The position of a byte range within a file's text.
    pub fn in_text(file: &str, text: &str, span: std::ops::Range<usize>) -> Self {
        let start = floor_char(text, span.start.min(text.len()));
        let end = floor_char(text, span.end.clamp(start, text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[..start].matches('\n').count() + 1;
        let col = text[line_start..start].chars().count() + 1;
        let width = text[start..end.min(line_end)].chars().count().max(1);
        Self {
            file: file.to_string(),
            line,
            col,
            text: text[line_start..line_end].trim_end_matches('\r').to_string(),
            width,
        }
    }

    /// A position for a file as a whole (it could not be read or has no such key).
    pub fn whole_file(file: &str) -> Self {
        Self { file: file.to_string(), line: 0, col: 0, text: String::new(), width: 0 }
    }
}

fn floor_char(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.col)
        }
    }
}

/// One mistake in a policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// Where it is.
    pub at: Position,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// A second place that matters (the file that locked a key, the first file of a cycle).
    pub related: Option<(Position, String)>,
}

impl PolicyError {
    /// An error at a position.
    pub fn new(at: Position, message: impl Into<String>) -> Self {
        Self { at, message: message.into(), help: None, related: None }
    }

    /// Adds how to fix it.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a second place.
    #[must_use]
    pub fn related(mut self, at: Position, note: impl Into<String>) -> Self {
        self.related = Some((at, note.into()));
        self
    }
}

fn write_snippet(f: &mut fmt::Formatter<'_>, at: &Position) -> fmt::Result {
    writeln!(f, "  --> {at}")?;
    if at.line > 0 {
        let gutter = at.line.to_string().len();
        writeln!(f, "{:gutter$} |", "")?;
        writeln!(f, "{} | {}", at.line, at.text)?;
        writeln!(f, "{:gutter$} | {}{}", "", " ".repeat(at.col - 1), "^".repeat(at.width))?;
    }
    Ok(())
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.message)?;
        write_snippet(f, &self.at)?;
        if let Some((at, note)) = &self.related {
            writeln!(f, "  note: {note}")?;
            write_snippet(f, at)?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "  help: {help}")?;
        }
        Ok(())
    }
}

/// Every mistake found in one load, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyErrors(pub Vec<PolicyError>);

impl fmt::Display for PolicyErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "invalid policy: {e}")?;
        }
        Ok(())
    }
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "a = 1\n[branch]\nmax-behnd = 5\n";
        let at = Position::in_text("p.toml", text, 15..24);
        assert_eq!((at.line, at.col, at.width), (3, 1, 9));
        assert_eq!(at.text, "max-behnd = 5");
        let past_end = Position::in_text("p.toml", text, 99..120);
        assert_eq!(past_end.line, 4);
    }

    #[test]
    fn suggestions_are_close_words_only() {
        let keys = ["max-behind", "max-ahead", "max-age"];
        assert_eq!(did_you_mean("max-behnd", keys), Some("max-behind"));
        assert_eq!(did_you_mean("colour", keys), None);
    }
}
