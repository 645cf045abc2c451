//! Native parsing of git commit-message trailers.
//!
//! This module reproduces what `git interpret-trailers --parse` (git 2.47,
//! default configuration, `trailer.separators=:`) prints for a message,
//! without running git. The algorithm is a byte-level port of git's
//! `trailer.c` (`find_end_of_log_message`, `find_trailer_block_start`,
//! `trailer_info_get`, `parse_trailers`, `unfold_value`) and `commit.c`
//! (`ignored_log_message_bytes`). It is checked against vectors recorded from
//! real git in `tests/data/trailers/cases.jsonl` (see `gen.py` next to it).
//!
//! # Rules, as git applies them
//!
//! * **Input normalisation.** git adds a final `\n` if the message does not end
//!   with one, and then works on a C string, so everything from the first NUL
//!   byte is ignored.
//! * **End of the message.** The message ends before the first line (the
//!   subject line included) that starts with `---` followed by a space, tab,
//!   CR or LF (`---x` is not a divider, nor is `---` right at a NUL). A
//!   scissors line (`<comment char> ------------------------ >8 ------------------------`
//!   followed by LF) cuts the message too. After that, a trailing run of
//!   comment lines, empty lines and old-style `Conflicts:` blocks (a
//!   `Conflicts:` line followed by tab-indented lines) is ignored.
//! * **The title is never trailers.** The first paragraph (up to the first
//!   blank line, skipping comment lines) is not scanned. A message that is a
//!   single paragraph therefore has no trailers, even `Signed-off-by: x` alone.
//!   A message that *starts* with a blank line has an empty title, so
//!   `"\nKey: v"` does have a trailer.
//! * **The trailer block** is found by scanning lines backwards from the end
//!   to the last blank line (empty or only spaces, tabs, CRs). Comment lines
//!   are skipped. A line is a trailer if it starts with a git-generated prefix
//!   (`Signed-off-by: ` or `(cherry picked from commit `, case-sensitive) or
//!   has the form `<key><optional spaces/tabs>:` where the key is one or more
//!   ASCII alphanumerics or `-` and the line does not start with whitespace.
//!   A line starting with whitespace (space, tab, CR) is a possible
//!   continuation; it counts as a non-trailer unless a trailer line precedes
//!   it. The paragraph is the trailer block if it has at least one trailer
//!   and no non-trailers, or if it has a git-generated or configured-key
//!   trailer and `3 * trailers >= non_trailers` (at least 25 % trailers).
//! * **Output.** Within the block, lines starting with whitespace are appended
//!   to the preceding line if that line has a `key:` shape. Comment lines and
//!   lines that are not `key:` shaped (including `(cherry picked from commit …)`)
//!   are dropped. The key is trimmed, the value is trimmed, and each line
//!   break in the value (with the whitespace after it) becomes one space. A CR
//!   before a continuation line's LF therefore stays in the value
//!   (`"a\r\n b"` becomes `"a\r b"`). Empty values are kept.
//! * **Configured keys** (`trailer.<name>.key`, here
//!   [`TrailerConfig::extra_keys`]) qualify a block for the 25 % rule like
//!   git-generated ones, matched case-insensitively. Like git, a key counts
//!   when the text before the `:` (trailing spaces included) is a
//!   case-insensitive *prefix* of the configured key, so with `Reviewed-by`
//!   configured, `R: x` counts but `Reviewed-by : x` does not. In the output,
//!   a key whose alphanumeric-trimmed form is a prefix of a configured key is
//!   replaced by that configured key: `reviewed-by: x` and even `Rev: x` come
//!   out as `Reviewed-by: x`. A key with no alphanumerics (such as `-`) is
//!   replaced by the first configured key.
//! * No URL protection: git 2.47 parses `http://x` as key `http`, value
//!   `//x`. Newer git versions do not.

use std::ops::Range;

/// One parsed trailer, as `git interpret-trailers --parse` prints it
/// (`format!("{}: {}", key, value)` is git's output line).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Trailer {
    /// The trailer key, trimmed, case as written (or the configured key's
    /// spelling when it matched a configured key). Never empty.
    pub key: String,
    /// The value, trimmed, with continuation lines joined by single spaces.
    /// May be empty.
    pub value: String,
}

impl Trailer {
    /// Returns true if this trailer's key equals `key`, ignoring ASCII case.
    /// A single trailing `:` on `key` is ignored, so `"signed-off-by:"` works
    /// too.
    pub fn key_is(&self, key: &str) -> bool {
        let key = key.strip_suffix(':').unwrap_or(key);
        self.key.eq_ignore_ascii_case(key)
    }
}

/// Options that change how trailers are recognised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrailerConfig {
    /// Keys that count like git-generated ones for the 25 % rule, as if each
    /// were configured with `git -c trailer.<key>.key=<key>`. They are
    /// matched ASCII case-insensitively and also set the key spelling in
    /// the output (see the module docs). Surrounding whitespace and trailing
    /// `:` are removed first. Empty entries are ignored. Entries that are
    /// equal ignoring case are merged, and the later spelling wins.
    pub extra_keys: Vec<String>,
    /// The comment character (git's `core.commentChar`), `#` by default.
    /// Lines starting with it are ignored. A non-ASCII character is matched
    /// as its UTF-8 bytes.
    pub comment_char: char,
}

impl Default for TrailerConfig {
    /// No extra keys, comment character `#`.
    fn default() -> Self {
        TrailerConfig { extra_keys: Vec::new(), comment_char: '#' }
    }
}

/// Parses the trailers of `message` in order, exactly as
/// `git interpret-trailers --parse` would print them.
///
/// Returns an empty vector if the message has no trailer block.
pub fn parse(message: &str, config: &TrailerConfig) -> Vec<Trailer> {
    let ctx = Ctx::new(message, config);
    let (start, end) = ctx.block();
    let buf = &ctx.buf;

    // trailer_info_get(): split the block into lines and glue continuation
    // lines onto a preceding `key:` line.
    let mut strings: Vec<Vec<u8>> = Vec::new();
    let mut last: Option<usize> = None;
    for piece in buf[start..end].split_inclusive(|&b| b == b'\n') {
        if let Some(idx) = last {
            if is_space(piece[0]) {
                strings[idx].extend_from_slice(piece);
                continue;
            }
        }
        strings.push(piece.to_vec());
        last = match find_separator(piece) {
            Some(pos) if pos >= 1 => Some(strings.len() - 1),
            _ => None,
        };
    }

    // parse_trailers() with --only-trailers --unfold.
    let mut out = Vec::new();
    for s in &strings {
        if s.starts_with(&ctx.comment) {
            continue;
        }
        let sep = match find_separator(s) {
            Some(pos) if pos >= 1 => pos,
            _ => continue,
        };
        let tok = trim(&s[..sep]);
        let val = unfold(trim(&s[sep + 1..]));
        let key = match ctx.configured_key_for_token(tok) {
            Some(k) => k.to_vec(),
            None => tok.to_vec(),
        };
        out.push(Trailer { key: bytes_to_string(key), value: bytes_to_string(val) });
    }
    out
}

/// Returns the byte range of the trailer block in `message`, or `None` if it
/// has none.
///
/// The range starts at the first line of the block and ends after its last
/// line, not counting trailing comment lines, empty lines and anything from a
/// `---` divider or scissors line on. It is the block git works on, so it may
/// hold comment lines, whitespace-only lines and lines that `parse` drops
/// (such as `(cherry picked from commit …)`). A block made only of such
/// lines gives `Some` here while [`parse`] returns nothing. Both ends fall
/// on line starts (or the end of the message), so they are always `char`
/// boundaries.
pub fn block_range(message: &str, config: &TrailerConfig) -> Option<Range<usize>> {
    let ctx = Ctx::new(message, config);
    let (start, end) = ctx.block();
    let end = end.min(message.len());
    if start < end {
        Some(start..end)
    } else {
        None
    }
}

/// Prefixes that git itself generates; they enable the 25 % rule.
const GIT_GENERATED_PREFIXES: [&[u8]; 2] = [b"Signed-off-by: ", b"(cherry picked from commit "];

/// git's default `trailer.separators`.
const SEPARATORS: &[u8] = b":";

/// The scissors line that follows `<comment char> ` (git's `cut_line`).
const CUT_LINE: &[u8] = b"------------------------ >8 ------------------------\n";

/// Per-call state: the normalised buffer and the prepared configuration.
struct Ctx {
    /// The message as git sees it: newline-completed, cut at the first NUL.
    buf: Vec<u8>,
    /// The comment character as UTF-8 bytes.
    comment: Vec<u8>,
    /// Normalised, deduplicated configured keys, in configuration order.
    keys: Vec<Vec<u8>>,
}

impl Ctx {
    fn new(message: &str, config: &TrailerConfig) -> Ctx {
        // read_input_file(): strbuf_complete_line(), then C-string semantics.
        let mut buf = message.as_bytes().to_vec();
        if buf.last().is_some_and(|&b| b != b'\n') {
            buf.push(b'\n');
        }
        if let Some(nul) = buf.iter().position(|&b| b == 0) {
            buf.truncate(nul);
        }

        let mut tmp = [0u8; 4];
        let comment = config.comment_char.encode_utf8(&mut tmp).as_bytes().to_vec();

        let mut keys: Vec<Vec<u8>> = Vec::new();
        for k in &config.extra_keys {
            let k = normalize_key(k.as_bytes());
            if k.is_empty() {
                continue;
            }
            // get_conf_item() looks items up by name with strcasecmp; a later
            // `key` for the same item replaces the earlier one.
            match keys.iter_mut().find(|e| e.eq_ignore_ascii_case(k)) {
                Some(existing) => *existing = k.to_vec(),
                None => keys.push(k.to_vec()),
            }
        }
        Ctx { buf, comment, keys }
    }

    /// Returns `(trailer_block_start, end_of_log_message)` in `self.buf`.
    /// When there is no block, both are equal.
    fn block(&self) -> (usize, usize) {
        let end = self.find_end_of_log_message();
        let start = self.find_trailer_block_start(end);
        (start.min(end), end)
    }

    /// git's `find_end_of_log_message()` with the divider enabled.
    fn find_end_of_log_message(&self) -> usize {
        let buf = &self.buf;
        let mut end = buf.len();
        let mut s = 0;
        while s < buf.len() {
            if buf[s..].starts_with(b"---") && buf.get(s + 3).is_some_and(|&b| is_space(b)) {
                end = s;
                break;
            }
            s = next_line(buf, s);
        }
        end - self.ignored_log_message_bytes(end)
    }

    /// git's `wt_status_locate_end()`: position of the scissors line, if any.
    fn locate_scissors(&self, len: usize) -> usize {
        let buf = &self.buf;
        let mut pattern = Vec::with_capacity(self.comment.len() + CUT_LINE.len() + 2);
        pattern.push(b'\n');
        pattern.extend_from_slice(&self.comment);
        pattern.push(b' ');
        pattern.extend_from_slice(CUT_LINE);
        if buf.starts_with(&pattern[1..]) {
            return 0;
        }
        // strstr() searches the whole string, not just the first `len` bytes.
        if let Some(p) = find_subslice(buf, &pattern) {
            let newlen = p + 1;
            if newlen < len {
                return newlen;
            }
        }
        len
    }

    /// git's `ignored_log_message_bytes()`: the size of the trailing run of
    /// comment lines, empty lines and `Conflicts:` blocks, plus anything
    /// from a scissors line on.
    fn ignored_log_message_bytes(&self, len: usize) -> usize {
        let buf = &self.buf;
        let mut boc = 0usize;
        let mut bol = 0usize;
        let mut in_old_conflicts_block = false;
        let cutoff = self.locate_scissors(len);

        while bol < cutoff {
            let next = match buf[bol..len].iter().position(|&b| b == b'\n') {
                Some(p) => bol + p + 1,
                None => len,
            };
            if buf[bol..cutoff].starts_with(&self.comment) || buf[bol] == b'\n' {
                if boc == 0 {
                    boc = bol;
                }
            } else if buf[bol..].starts_with(b"Conflicts:\n") {
                in_old_conflicts_block = true;
                if boc == 0 {
                    boc = bol;
                }
            } else if in_old_conflicts_block && buf[bol] == b'\t' {
                // A pathname in the conflicts block.
            } else if boc != 0 {
                boc = 0;
                in_old_conflicts_block = false;
            }
            bol = next;
        }
        if boc != 0 {
            len - boc
        } else {
            len - cutoff
        }
    }

    /// git's `find_trailer_block_start()`; returns `len` if there is no block.
    fn find_trailer_block_start(&self, len: usize) -> usize {
        let buf = &self.buf;
        let comment = &self.comment[..];

        // The first paragraph is the title and cannot be trailers.
        let mut s = 0;
        while s < len {
            if buf[s..len].starts_with(comment) {
                s = next_line(buf, s);
                continue;
            }
            if is_blank_line(buf, s) {
                break;
            }
            s = next_line(buf, s);
        }
        let end_of_title = s;

        let mut only_spaces = true;
        let mut recognized_prefix = false;
        let mut trailer_lines = 0usize;
        let mut non_trailer_lines = 0usize;
        let mut possible_continuation_lines = 0usize;

        let mut cursor = last_line(buf, len);
        while let Some(bol) = cursor {
            if bol < end_of_title {
                break;
            }
            cursor = last_line(buf, bol);

            if buf[bol..len].starts_with(comment) {
                non_trailer_lines += possible_continuation_lines;
                possible_continuation_lines = 0;
                continue;
            }
            if is_blank_line(buf, bol) {
                if only_spaces {
                    continue;
                }
                non_trailer_lines += possible_continuation_lines;
                // git's two conditions: the 25% rule with a recognised key, or trailers only.
                if (recognized_prefix && trailer_lines * 3 >= non_trailer_lines)
                    || (trailer_lines > 0 && non_trailer_lines == 0)
                {
                    return next_line(buf, bol);
                }
                return len;
            }
            only_spaces = false;

            if GIT_GENERATED_PREFIXES.iter().any(|p| buf[bol..].starts_with(p)) {
                trailer_lines += 1;
                possible_continuation_lines = 0;
                recognized_prefix = true;
                continue;
            }

            let sep = find_separator(&buf[bol..]);
            match sep {
                Some(pos) if pos >= 1 && !is_space(buf[bol]) => {
                    trailer_lines += 1;
                    possible_continuation_lines = 0;
                    if recognized_prefix {
                        continue;
                    }
                    let text = &buf[bol..bol + pos];
                    if self.keys.iter().any(|k| prefix_matches_ci(text, k)) {
                        recognized_prefix = true;
                    }
                }
                _ if is_space(buf[bol]) => possible_continuation_lines += 1,
                _ => {
                    non_trailer_lines += 1 + possible_continuation_lines;
                    possible_continuation_lines = 0;
                }
            }
        }
        len
    }

    /// git's `parse_trailer()` config lookup: the configured key whose
    /// beginning matches the token without trailing non-alphanumerics.
    fn configured_key_for_token(&self, tok: &[u8]) -> Option<&[u8]> {
        let mut n = tok.len();
        while n > 0 && !tok[n - 1].is_ascii_alphanumeric() {
            n -= 1;
        }
        let stem = &tok[..n];
        self.keys.iter().find(|k| prefix_matches_ci(stem, k)).map(|k| &k[..])
    }
}

/// `strncasecmp(text, key, text.len()) == 0`: `text` is a case-insensitive
/// prefix of `key`.
fn prefix_matches_ci(text: &[u8], key: &[u8]) -> bool {
    key.len() >= text.len() && key[..text.len()].eq_ignore_ascii_case(text)
}

/// Trims a configured key: cut at NUL (C string), trim whitespace, drop a
/// trailing separator and any whitespace before it.
fn normalize_key(k: &[u8]) -> &[u8] {
    let k = match k.iter().position(|&b| b == 0) {
        Some(n) => &k[..n],
        None => k,
    };
    let mut k = trim(k);
    while let Some((&last, rest)) = k.split_last() {
        if SEPARATORS.contains(&last) || is_space(last) {
            k = rest;
        } else {
            break;
        }
    }
    trim(k)
}

/// git's `isspace()` (sane_ctype): space, tab, LF and CR only.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// git's `strbuf_trim()`.
fn trim(mut s: &[u8]) -> &[u8] {
    while let Some((&first, rest)) = s.split_first() {
        if is_space(first) {
            s = rest;
        } else {
            break;
        }
    }
    while let Some((&last, rest)) = s.split_last() {
        if is_space(last) {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// git's `find_separator()`: offset of the separator in a
/// `<token><optional spaces/tabs><separator>` line (0 when the line starts
/// with the separator), or `None` when the line does not have that shape.
fn find_separator(line: &[u8]) -> Option<usize> {
    let mut whitespace_found = false;
    for (i, &c) in line.iter().enumerate() {
        if SEPARATORS.contains(&c) {
            return Some(i);
        }
        if !whitespace_found && (c.is_ascii_alphanumeric() || c == b'-') {
            continue;
        }
        if i != 0 && (c == b' ' || c == b'\t') {
            whitespace_found = true;
            continue;
        }
        break;
    }
    None
}

/// git's `next_line()`: start of the line after the one at `i`.
fn next_line(buf: &[u8], i: usize) -> usize {
    match buf[i..].iter().position(|&b| b == b'\n') {
        Some(p) => i + p + 1,
        None => buf.len(),
    }
}

/// git's `last_line()`: start of the last line of `buf[..len]`, where a final
/// LF belongs to that line. `None` if `len` is 0.
fn last_line(buf: &[u8], len: usize) -> Option<usize> {
    if len == 0 {
        return None;
    }
    if len == 1 {
        return Some(0);
    }
    match buf[..len - 1].iter().rposition(|&b| b == b'\n') {
        Some(p) => Some(p + 1),
        None => Some(0),
    }
}

/// git's `is_blank_line()`: the line at `i` holds only spaces, tabs and CRs.
fn is_blank_line(buf: &[u8], mut i: usize) -> bool {
    while i < buf.len() && buf[i] != b'\n' && is_space(buf[i]) {
        i += 1;
    }
    i == buf.len() || buf[i] == b'\n'
}

/// git's `unfold_value()`: each LF and the whitespace after it becomes one
/// space, then the result is trimmed.
fn unfold(val: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(val.len());
    let mut i = 0;
    while i < val.len() {
        let c = val[i];
        i += 1;
        if c == b'\n' {
            while i < val.len() && is_space(val[i]) {
                i += 1;
            }
            out.push(b' ');
        } else {
            out.push(c);
        }
    }
    trim(&out).to_vec()
}

fn find_subslice(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || needle.len() > hay.len() {
        return None;
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The pieces are cut at ASCII bytes of valid UTF-8, so this never needs
/// the lossy path. It is there so that no input can cause a panic.
fn bytes_to_string(b: Vec<u8>) -> String {
    match String::from_utf8(b) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(msg: &str) -> Vec<(String, String)> {
        pc(msg, &TrailerConfig::default())
    }

    fn pc(msg: &str, cfg: &TrailerConfig) -> Vec<(String, String)> {
        parse(msg, cfg).into_iter().map(|t| (t.key, t.value)).collect()
    }

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn keys(ks: &[&str]) -> TrailerConfig {
        TrailerConfig { extra_keys: ks.iter().map(|s| s.to_string()).collect(), comment_char: '#' }
    }

    // ---- Reference table 4.4 rows (all checked against git 2.47.3) ----

    #[test]
    fn single_paragraph_is_title_not_trailers() {
        assert_eq!(p("Signed-off-by: A <a@x>"), kv(&[]));
        assert_eq!(p("Signed-off-by: A <a@x>\n"), kv(&[]));
        assert_eq!(p("A: b\nC: d\n"), kv(&[]));
    }

    #[test]
    fn basic_signoff() {
        assert_eq!(p("subj\n\nSigned-off-by: A <a@x>"), kv(&[("Signed-off-by", "A <a@x>")]));
    }

    #[test]
    fn needs_blank_line() {
        assert_eq!(p("subj\nSigned-off-by: A"), kv(&[]));
    }

    #[test]
    fn mixed_block_without_git_generated_is_rejected() {
        assert_eq!(p("subj\n\nReviewed-by: x\nReviewed-by: y\nAcked-by: z\nnot a trailer line"), kv(&[]));
        assert_eq!(p("subj\n\nThis fixes it.\nReviewed-by: Alice"), kv(&[]));
    }

    #[test]
    fn twenty_five_percent_rule() {
        assert_eq!(p("subj\n\nn1\nn2\nn3\nSigned-off-by: x"), kv(&[("Signed-off-by", "x")]));
        assert_eq!(p("subj\n\nn1\nn2\nn3\nn4\nSigned-off-by: x"), kv(&[]));
        // Lower case is not git-generated.
        assert_eq!(p("subj\n\nsome text\nsome text\nsigned-off-by: x"), kv(&[]));
        // Missing space after the colon is not git-generated either.
        assert_eq!(p("subj\n\nSigned-off-by:x\nn1\nn2"), kv(&[]));
        // Non-trailer lines are dropped from the output.
        assert_eq!(p("subj\n\nn1\nA: b\nn2\nSigned-off-by: x"), kv(&[("A", "b"), ("Signed-off-by", "x")]));
    }

    #[test]
    fn cherry_pick_line_counts_but_is_not_output() {
        assert_eq!(p("subj\n\ntext\n(cherry picked from commit abc123)\nReviewed-by: r"), kv(&[("Reviewed-by", "r")]));
        let msg = "subj\n\n(cherry picked from commit abc123)\n";
        assert_eq!(p(msg), kv(&[]));
        assert_eq!(block_range(msg, &TrailerConfig::default()), Some(6..msg.len()));
    }

    #[test]
    fn continuation_lines() {
        assert_eq!(
            p("s\n\nReviewed-by: Alice\n  <alice@example.com>\nAcked-by: Bob"),
            kv(&[("Reviewed-by", "Alice <alice@example.com>"), ("Acked-by", "Bob")])
        );
        assert_eq!(p("s\n\nA: x\n\ty\n   z\n"), kv(&[("A", "x y z")]));
        // A CR line start is whitespace too, so it continues.
        assert_eq!(p("s\n\nA: b\n\rC: d\n"), kv(&[("A", "b C: d")]));
        // Vertical tab and form feed are not whitespace to git.
        assert_eq!(p("s\n\nA: b\n\x0bC: d\n"), kv(&[]));
        assert_eq!(p("s\n\nA: b\n\x0cC: d\n"), kv(&[]));
        // A leading continuation line with no trailer before it is a
        // non-trailer.
        assert_eq!(p("s\n\n  lead\nA: b\n"), kv(&[]));
    }

    #[test]
    fn continuation_after_signoff_is_not_counted() {
        assert_eq!(p("subj\n\nSigned-off-by: x\n  cont\nn1\nn2\nn3"), kv(&[("Signed-off-by", "x cont")]));
    }

    #[test]
    fn comment_breaks_continuation() {
        // The comment turns the pending continuation into a non-trailer.
        assert_eq!(p("subj\n\nA: b\n# c\n  cont\nD: e"), kv(&[]));
        assert_eq!(p("subj\n\nA: b\n# c\n  cont\nSigned-off-by: e"), kv(&[("A", "b"), ("Signed-off-by", "e")]));
    }

    #[test]
    fn separator_spacing_normalised() {
        assert_eq!(p("s\n\nReviewed-by : Alice"), kv(&[("Reviewed-by", "Alice")]));
        assert_eq!(p("s\n\nAcked-by:Bob"), kv(&[("Acked-by", "Bob")]));
        assert_eq!(p("s\n\nReviewed-by\t: Alice"), kv(&[("Reviewed-by", "Alice")]));
        assert_eq!(p("s\n\nReviewed-by :  x  "), kv(&[("Reviewed-by", "x")]));
        assert_eq!(p("s\n\nKey \t\t:v"), kv(&[("Key", "v")]));
    }

    #[test]
    fn key_charset() {
        assert_eq!(p("s\n\n Reviewed-by: Alice"), kv(&[]));
        assert_eq!(p("s\n\nReviewed_by: Alice"), kv(&[]));
        assert_eq!(p("s\n\nK y: v"), kv(&[]));
        assert_eq!(p("s\n\nKéy: v"), kv(&[]));
        assert_eq!(p("s\n\n: v"), kv(&[]));
        assert_eq!(p("s\n\n-: b\n--x: c\n"), kv(&[("-", "b"), ("--x", "c")]));
        assert_eq!(p("s\n\nA=b\nC: d"), kv(&[]));
        assert_eq!(p("s\n\nreviewed-BY: Alice"), kv(&[("reviewed-BY", "Alice")]));
    }

    #[test]
    fn empty_values() {
        assert_eq!(p("s\n\nA:\nB:   \nC: d  \n"), kv(&[("A", ""), ("B", ""), ("C", "d")]));
    }

    #[test]
    fn comments_ignored() {
        assert_eq!(p("s\n\nA: b\n# comment\nC: d\n"), kv(&[("A", "b"), ("C", "d")]));
        assert_eq!(p("# c\n\nA: b"), kv(&[("A", "b")]));
        assert_eq!(p("# c\nA: b"), kv(&[]));
        assert_eq!(p("subj\n# c\n\nA: b"), kv(&[("A", "b")]));
        // Trailing comments and blank lines after the block.
        assert_eq!(p("s\n\nA: b\n\n# c\n\n"), kv(&[("A", "b")]));
    }

    #[test]
    fn custom_comment_char() {
        let cfg = TrailerConfig { extra_keys: vec![], comment_char: ';' };
        assert_eq!(pc("s\n\nA: b\n; c\nC: d\n", &cfg), kv(&[("A", "b"), ("C", "d")]));
        assert_eq!(pc("s\n\nA: b\n# c\nC: d\n", &cfg), kv(&[]));
        let cfg = TrailerConfig { extra_keys: vec![], comment_char: '§' };
        assert_eq!(pc("s\n\nA: b\n§ c\nC: d\n", &cfg), kv(&[("A", "b"), ("C", "d")]));
        // An alphanumeric comment char hides real trailers.
        let cfg = TrailerConfig { extra_keys: vec![], comment_char: 'S' };
        assert_eq!(pc("s\n\nA: b\nSigned-off-by: c\nC: d\n", &cfg), kv(&[("A", "b"), ("C", "d")]));
    }

    #[test]
    fn blank_lines_around_block() {
        assert_eq!(p("s\n\nA: b\n\n\n"), kv(&[("A", "b")]));
        assert_eq!(p("s\n \t \nA: b\n"), kv(&[("A", "b")]));
        assert_eq!(p("s\n\nA: b\n \t \nC: d\n"), kv(&[("C", "d")]));
        assert_eq!(p("\nA: b"), kv(&[("A", "b")]));
        assert_eq!(p(""), kv(&[]));
        assert_eq!(p("\n\n\n"), kv(&[]));
    }

    #[test]
    fn divider() {
        assert_eq!(p("s\n\nReviewed-by: Alice\n---\npatch"), kv(&[("Reviewed-by", "Alice")]));
        // git completes the final line, so a final "---" is a divider.
        assert_eq!(p("s\n\nA: b\n---"), kv(&[("A", "b")]));
        assert_eq!(p("s\n\nA: b\n---x\nC: d"), kv(&[]));
        assert_eq!(p("s\n\nA: b\n---\tx\nC: d"), kv(&[("A", "b")]));
        assert_eq!(p("s\n\nA: b\r\n---\r\nC: d"), kv(&[("A", "b")]));
        // A divider as the subject hides everything.
        assert_eq!(p("---\n\nA: b"), kv(&[]));
    }

    #[test]
    fn last_paragraph_only() {
        assert_eq!(p("subj\n\nReviewed-by: early\n\nbody\n\nAcked-by: late"), kv(&[("Acked-by", "late")]));
    }

    #[test]
    fn url_is_a_trailer_in_git_2_47() {
        assert_eq!(
            p("subj\n\nhttp://example.com/x\nSigned-off-by: A"),
            kv(&[("http", "//example.com/x"), ("Signed-off-by", "A")])
        );
        assert_eq!(p("subj\n\nsee https://x\nReviewed-by: Alice"), kv(&[]));
    }

    #[test]
    fn configured_keys() {
        let cfg = keys(&["Reviewed-by"]);
        assert_eq!(pc("subj\n\nsome text\nsome text\nReviewed-by: x", &cfg), kv(&[("Reviewed-by", "x")]));
        // Case-insensitive, output uses the configured spelling.
        assert_eq!(pc("subj\n\nreviewed-by: x\nsome text\nsome", &cfg), kv(&[("Reviewed-by", "x")]));
        // Whitespace before the colon defeats the 25 % recognition.
        assert_eq!(pc("subj\n\nreviewed-by : x\nsome text\nsome", &cfg), kv(&[]));
        // Prefix matching, as git does.
        assert_eq!(pc("subj\n\nR: x\nsome text\nsome", &cfg), kv(&[("Reviewed-by", "x")]));
        assert_eq!(pc("subj\n\nRev: x\nA: b", &cfg), kv(&[("Reviewed-by", "x"), ("A", "b")]));
        // Longer keys do not match.
        assert_eq!(pc("subj\n\nReviewed-by-bot: x\nn\nn", &cfg), kv(&[]));
        // Config key normalisation.
        let cfg2 = keys(&[" Reviewed-by: "]);
        assert_eq!(pc("subj\n\nreviewed-by: x\nn\nn", &cfg2), kv(&[("Reviewed-by", "x")]));
    }

    #[test]
    fn configured_keys_token_stem() {
        let cfg = keys(&["Acked-by", "Zed"]);
        assert_eq!(pc("subj\n\nA-: x\nB: y", &cfg), kv(&[("Acked-by", "x"), ("B", "y")]));
        assert_eq!(pc("subj\n\n-: x\nB: y", &cfg), kv(&[("Acked-by", "x"), ("B", "y")]));
        assert_eq!(pc("subj\n\n-: x\nfoo\nbar", &cfg), kv(&[]));
        assert_eq!(pc("subj\n\nA-: x\nfoo\nbar", &cfg), kv(&[]));
        // Duplicate keys (ignoring case) merge, and the later spelling wins.
        let cfg = keys(&["acked-by", "ACKED-BY"]);
        assert_eq!(pc("subj\n\nacked-by: x\nfoo", &cfg), kv(&[("ACKED-BY", "x")]));
    }

    #[test]
    fn crlf() {
        assert_eq!(p("subj\r\n\r\nA: b\r\nC: d\r\n"), kv(&[("A", "b"), ("C", "d")]));
        assert_eq!(p("subj\r\n\r\nA: b\r\nC: d\r\n\r\n\r\n"), kv(&[("A", "b"), ("C", "d")]));
        assert_eq!(p("subj\n\nA: b\r\n  c\r\nD: e\r\n"), kv(&[("A", "b\r c"), ("D", "e")]));
    }

    #[test]
    fn scissors_and_conflicts() {
        let sc = "# ------------------------ >8 ------------------------";
        assert_eq!(p(&format!("s\n\nA: b\n{}\nC: d\n", sc)), kv(&[("A", "b")]));
        assert_eq!(p(&format!("s\n\nA: b\n\n{}\nC: d\n", sc)), kv(&[("A", "b")]));
        // CR before the LF: no longer a scissors line, just a comment.
        assert_eq!(p(&format!("s\n\nA: b\n{}\r\nC: d\n", sc)), kv(&[("A", "b"), ("C", "d")]));
        assert_eq!(p("s\n\nA: b\nConflicts:\n\tfoo\n"), kv(&[("A", "b")]));
        assert_eq!(p("s\n\nA: b\nConflicts:\n\tfoo\nC: d\n"), kv(&[("A", "b"), ("Conflicts", "foo"), ("C", "d")]));
    }

    #[test]
    fn nul_truncates() {
        assert_eq!(p("s\n\nA: b\0\nC: d\n"), kv(&[("A", "b")]));
        assert_eq!(p("s\n\nA: b\nC: d\0junk"), kv(&[("A", "b"), ("C", "d")]));
        assert_eq!(p("s\n\nA: b\n---\0junk"), kv(&[]));
    }

    #[test]
    fn block_range_basic() {
        let cfg = TrailerConfig::default();
        let msg = "subj\n\nbody\n\nA: b\nC: d\n\n# c\n";
        let r = block_range(msg, &cfg).unwrap();
        assert_eq!(&msg[r], "A: b\nC: d\n");
        let msg = "subj\n\nA: b\nC: d";
        let r = block_range(msg, &cfg).unwrap();
        assert_eq!(&msg[r], "A: b\nC: d");
        assert_eq!(block_range("subj\n\nbody\n", &cfg), None);
        assert_eq!(block_range("", &cfg), None);
        let msg = "s\n\nA: b\n---\nC: d\n";
        assert_eq!(&msg[block_range(msg, &cfg).unwrap()], "A: b\n");
    }

    #[test]
    fn key_is_helper() {
        let t = Trailer { key: "Signed-off-by".into(), value: "x".into() };
        assert!(t.key_is("signed-off-by"));
        assert!(t.key_is("SIGNED-OFF-BY:"));
        assert!(!t.key_is("Signed-off"));
        assert!(!t.key_is(""));
        let t = Trailer { key: "Ünï".into(), value: String::new() };
        assert!(t.key_is("Ünï"));
        assert!(!t.key_is("ünï"));
    }

    #[test]
    fn default_config() {
        let c = TrailerConfig::default();
        assert!(c.extra_keys.is_empty());
        assert_eq!(c.comment_char, '#');
    }

    // ---- No panics on arbitrary input ----

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            // xorshift64*
            let mut x = self.0;
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            self.0 = x;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn check_invariants(msg: &str, cfg: &TrailerConfig) {
        let trailers = parse(msg, cfg);
        for t in &trailers {
            assert!(!t.key.is_empty(), "empty key for {:?}", msg);
            assert!(!t.key.contains('\n') && !t.value.contains('\n'));
            assert_eq!(t.value.trim_matches(|c| " \t\r\n".contains(c)), t.value);
        }
        match block_range(msg, cfg) {
            Some(r) => {
                assert!(r.start < r.end && r.end <= msg.len(), "{:?} {:?}", r, msg);
                assert!(msg.is_char_boundary(r.start) && msg.is_char_boundary(r.end));
                assert!(r.start == 0 || msg.as_bytes()[r.start - 1] == b'\n');
            }
            None => assert!(trailers.is_empty(), "trailers but no block: {:?}", msg),
        }
    }

    #[test]
    fn no_panics_on_arbitrary_bytes() {
        let alphabet: &[&[u8]] = &[
            b"\n",
            b"\n",
            b"\n",
            b"\r",
            b"\r\n",
            b" ",
            b"\t",
            b":",
            b":",
            b"-",
            b"---",
            b"#",
            b"a",
            b"B",
            b"1",
            b"Key",
            b"Signed-off-by: ",
            b"(cherry picked from commit ",
            b"\0",
            b"\x0b",
            b"\xff",
            b"\xc3\xa9",
            b"\xe2\x82",
            b"Conflicts:\n",
            b"# ------------------------ >8 ------------------------\n",
            b"=",
            b"//",
            b";",
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let cfgs = [
            TrailerConfig::default(),
            keys(&["Reviewed-by", "a", ""]),
            TrailerConfig { extra_keys: vec!["K".into()], comment_char: ':' },
            TrailerConfig { extra_keys: vec![], comment_char: '\n' },
            TrailerConfig { extra_keys: vec!["\0".into(), ":".into()], comment_char: '\0' },
            TrailerConfig { extra_keys: vec![], comment_char: 'é' },
        ];
        for _ in 0..20_000 {
            let mut bytes = Vec::new();
            let n = rng.below(40);
            for _ in 0..n {
                if rng.below(4) == 0 {
                    bytes.push(rng.below(256) as u8);
                } else {
                    bytes.extend_from_slice(alphabet[rng.below(alphabet.len() as u64) as usize]);
                }
            }
            let msg = String::from_utf8_lossy(&bytes).into_owned();
            let cfg = &cfgs[rng.below(cfgs.len() as u64) as usize];
            check_invariants(&msg, cfg);
        }
        for odd in ["", "\n", "\r", ":", "-", "---", "---\n", "#", "\0", "\n\n\n", " \n", "a:\n\n:", "\n\t"] {
            for cfg in &cfgs {
                check_invariants(odd, cfg);
            }
        }
    }

    // ---- Vectors recorded from git 2.47 (tests/data/trailers/gen.py) ----

    #[derive(Debug, Clone, PartialEq)]
    enum Json {
        Null,
        Bool(bool),
        Num(f64),
        Str(String),
        Arr(Vec<Json>),
        Obj(Vec<(String, Json)>),
    }

    impl Json {
        fn get(&self, key: &str) -> Option<&Json> {
            match self {
                Json::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
                _ => None,
            }
        }
        fn str(&self) -> &str {
            match self {
                Json::Str(s) => s,
                other => panic!("expected string, got {:?}", other),
            }
        }
        fn arr(&self) -> &[Json] {
            match self {
                Json::Arr(a) => a,
                other => panic!("expected array, got {:?}", other),
            }
        }
    }

    struct JsonParser<'a> {
        s: &'a [u8],
        i: usize,
    }

    impl<'a> JsonParser<'a> {
        fn parse(text: &'a str) -> Json {
            let mut p = JsonParser { s: text.as_bytes(), i: 0 };
            let v = p.value();
            p.ws();
            assert_eq!(p.i, p.s.len(), "trailing data in JSON line");
            v
        }
        fn ws(&mut self) {
            while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
                self.i += 1;
            }
        }
        fn eat(&mut self, c: u8) {
            self.ws();
            assert_eq!(self.s.get(self.i), Some(&c), "JSON: expected {:?} at {}", c as char, self.i);
            self.i += 1;
        }
        fn peek(&mut self) -> u8 {
            self.ws();
            *self.s.get(self.i).expect("JSON: unexpected end")
        }
        fn value(&mut self) -> Json {
            match self.peek() {
                b'{' => {
                    self.eat(b'{');
                    let mut fields = Vec::new();
                    if self.peek() == b'}' {
                        self.eat(b'}');
                        return Json::Obj(fields);
                    }
                    loop {
                        let k = self.string();
                        self.eat(b':');
                        let v = self.value();
                        fields.push((k, v));
                        if self.peek() == b',' {
                            self.eat(b',');
                        } else {
                            self.eat(b'}');
                            return Json::Obj(fields);
                        }
                    }
                }
                b'[' => {
                    self.eat(b'[');
                    let mut items = Vec::new();
                    if self.peek() == b']' {
                        self.eat(b']');
                        return Json::Arr(items);
                    }
                    loop {
                        items.push(self.value());
                        if self.peek() == b',' {
                            self.eat(b',');
                        } else {
                            self.eat(b']');
                            return Json::Arr(items);
                        }
                    }
                }
                b'"' => Json::Str(self.string()),
                b'n' => self.word("null", Json::Null),
                b't' => self.word("true", Json::Bool(true)),
                b'f' => self.word("false", Json::Bool(false)),
                _ => {
                    let start = self.i;
                    while self.i < self.s.len()
                        && matches!(self.s[self.i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                    {
                        self.i += 1;
                    }
                    let t = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                    Json::Num(t.parse().expect("JSON number"))
                }
            }
        }
        fn word(&mut self, w: &str, v: Json) -> Json {
            assert!(self.s[self.i..].starts_with(w.as_bytes()), "JSON: bad literal");
            self.i += w.len();
            v
        }
        fn hex4(&mut self) -> u32 {
            let t = std::str::from_utf8(&self.s[self.i..self.i + 4]).unwrap();
            self.i += 4;
            u32::from_str_radix(t, 16).expect("JSON \\u escape")
        }
        fn string(&mut self) -> String {
            self.eat(b'"');
            let mut out: Vec<u8> = Vec::new();
            loop {
                let c = self.s[self.i];
                self.i += 1;
                match c {
                    b'"' => break,
                    b'\\' => {
                        let e = self.s[self.i];
                        self.i += 1;
                        let ch: char = match e {
                            b'"' => '"',
                            b'\\' => '\\',
                            b'/' => '/',
                            b'b' => '\u{8}',
                            b'f' => '\u{c}',
                            b'n' => '\n',
                            b'r' => '\r',
                            b't' => '\t',
                            b'u' => {
                                let hi = self.hex4();
                                let cp = if (0xD800..0xDC00).contains(&hi) {
                                    assert_eq!(&self.s[self.i..self.i + 2], b"\\u");
                                    self.i += 2;
                                    let lo = self.hex4();
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    hi
                                };
                                char::from_u32(cp).expect("JSON: bad code point")
                            }
                            _ => panic!("JSON: bad escape"),
                        };
                        let mut tmp = [0u8; 4];
                        out.extend_from_slice(ch.encode_utf8(&mut tmp).as_bytes());
                    }
                    _ => out.push(c),
                }
            }
            String::from_utf8(out).expect("JSON string is UTF-8")
        }
    }

    #[test]
    fn json_parser_self_check() {
        let v = JsonParser::parse(
            r#"{"a": ["x\u0000\r\n\"\\", "\ud83d\ude00é"], "b": null, "c": [1, -2.5e0, true, false], "d": {}}"#,
        );
        assert_eq!(v.get("a").unwrap().arr()[0].str(), "x\0\r\n\"\\");
        assert_eq!(v.get("a").unwrap().arr()[1].str(), "😀é");
        assert_eq!(v.get("b"), Some(&Json::Null));
        assert_eq!(v.get("c").unwrap().arr().len(), 4);
    }

    const CASES: &str = include_str!("../tests/data/trailers/cases.jsonl");

    #[test]
    fn git_recorded_vectors() {
        let mut count = 0;
        let mut failures = Vec::new();
        for (lineno, line) in CASES.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let rec = JsonParser::parse(line);
            let id = rec.get("id").map(|j| j.str().to_string()).unwrap_or_default();
            let message = rec.get("message").expect("message").str();
            let mut cfg = TrailerConfig::default();
            if let Some(k) = rec.get("extra_keys") {
                cfg.extra_keys = k.arr().iter().map(|j| j.str().to_string()).collect();
            }
            if let Some(c) = rec.get("comment_char") {
                let mut chars = c.str().chars();
                cfg.comment_char = chars.next().expect("comment_char");
                assert!(chars.next().is_none());
            }
            let expected: Vec<(String, String)> = rec
                .get("expected")
                .expect("expected")
                .arr()
                .iter()
                .map(|pair| {
                    let pair = pair.arr();
                    assert_eq!(pair.len(), 2);
                    (pair[0].str().to_string(), pair[1].str().to_string())
                })
                .collect();
            let got = pc(message, &cfg);
            if got != expected {
                failures.push(format!(
                    "line {} id {}: message {:?} cfg {:?}\n  expected {:?}\n  got      {:?}",
                    lineno + 1,
                    id,
                    message,
                    cfg,
                    expected,
                    got
                ));
            }
            check_invariants(message, &cfg);
            // Every parsed trailer lies inside the block range.
            if !got.is_empty() {
                let r = block_range(message, &cfg).expect("block range");
                let block = &message[r];
                for (k, _) in &expected {
                    if !cfg.extra_keys.iter().any(|e| e.eq_ignore_ascii_case(k)) {
                        assert!(block.contains(k.as_str()), "{}: key {:?} not in block", id, k);
                    }
                }
            }
            count += 1;
        }
        assert!(count >= 150, "only {} vectors", count);
        assert!(failures.is_empty(), "{} of {} vectors failed:\n{}", failures.len(), count, failures.join("\n"));
    }
}
