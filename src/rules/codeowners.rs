//! CODEOWNERS: GitHub's code-owner file, parsed once and asked "who owns this path?".
//!
//! The semantics are those of GitHub's "About code owners" page:
//!
//! - GitHub reads the first of [`LOCATIONS`] that exists and ignores the others.
//! - Each line is a pattern followed by zero or more owners: `@user`, `@org/team` or an email
//!   address. The **last** matching line decides. A matching line with no owners leaves the path
//!   unowned, overriding earlier lines.
//! - A `#` that starts a line or a word starts a comment, so `*.js @a #note` is owned by `@a`.
//! - Paths are case sensitive; owners are returned as written.
//! - GitHub skips lines with invalid syntax and lists them as errors. [`CodeOwners::parse`] skips
//!   the same lines and reports each as a [`ParseProblem`]: `!` negation, `[ ]` character ranges,
//!   a leading `#` escaped as `\#` (the docs list these three gitignore features as unsupported),
//!   the pattern `/` (GitHub: "will never match anything"), a trailing lone `\`, and an owner
//!   that is not `@user`, `@org/team` or an email address.
//!
//! Patterns are gitignore patterns over `/`-separated paths:
//!
//! - A pattern with no `/`, or only a trailing one, matches at any depth (`*.js`, `apps/`);
//!   a leading or inner `/` anchors it at the root (`/docs/`, `docs/*`).
//! - A pattern matches the path itself or any directory above it, so `/build/logs` owns
//!   `build/logs/a/b.txt`. A trailing `/` matches directories only.
//! - `*` matches within one segment, `?` one character other than `/`, and `\` escapes the next
//!   character (so `My\ Documents/` has a space in it). `**/` matches zero or more directories,
//!   `/**` at the end everything inside, and `**` alone every path.
//! - One deviation from gitignore, documented by GitHub: when the last segment is a lone `*`, the
//!   pattern matches only entries directly inside, so `docs/*` owns `docs/a.md` and not
//!   `docs/sub/b.md`.
//!
//! Each pattern is compiled once into a list of segment matchers; matching walks it against the
//! path's segments with a greedy, single-backtrack wildcard algorithm (no regex, no recursion), so
//! the cost is bounded by pattern length times path length whatever the input.

use std::fmt;

/// Where GitHub looks for the file, in its search order; the first that exists is used.
pub const LOCATIONS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// GitHub ignores a CODEOWNERS file of this size or more ("must be under 3 MB").
pub const MAX_FILE_BYTES: usize = 3 * 1024 * 1024;

/// Returns the first of [`LOCATIONS`] for which `exists` says yes: the file GitHub would use.
///
/// `exists` is asked in GitHub's order, so callers can check a tree, an index or a directory
/// without this module touching the file system.
pub fn locate(mut exists: impl FnMut(&str) -> bool) -> Option<&'static str> {
    LOCATIONS.into_iter().find(|path| exists(path))
}

/// A line GitHub would skip, reported so users can fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseProblem {
    /// The 1-based line number in the file.
    pub line: usize,
    /// What is wrong with the line, naming the offending text.
    pub message: String,
}

impl fmt::Display for ParseProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// A parsed CODEOWNERS file: the valid rules, in file order.
#[derive(Debug, Clone, Default)]
pub struct CodeOwners {
    rules: Vec<Rule>,
}

/// One valid line.
#[derive(Debug, Clone)]
struct Rule {
    line: usize,
    matcher: Matcher,
    owners: Vec<String>,
}

impl CodeOwners {
    /// Parses the text of a CODEOWNERS file, keeping the lines GitHub would use and reporting the
    /// ones it would skip. Never fails: a file with only bad lines gives an empty rule set.
    pub fn parse(text: &str) -> (CodeOwners, Vec<ParseProblem>) {
        // Editors on Windows may save a byte-order mark; it is not part of the first pattern.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut rules = Vec::new();
        let mut problems = Vec::new();
        for (index, raw) in text.split('\n').enumerate() {
            let line = index + 1;
            match parse_line(raw) {
                Ok(None) => {}
                Ok(Some((matcher, owners))) => rules.push(Rule { line, matcher, owners }),
                Err(message) => problems.push(ParseProblem { line, message }),
            }
        }
        (CodeOwners { rules }, problems)
    }

    /// Who owns `path` (repository-relative, `/`-separated, e.g. `src/app/main.rs`).
    ///
    /// `None` = no line matches; `Some(empty)` = matched by a line with no owners (unowned);
    /// `Some(owners)` otherwise, as written in the file.
    pub fn owners_of(&self, path: &str) -> Option<&[String]> {
        self.decide(path).map(|rule| rule.owners.as_slice())
    }

    /// The 1-based line number of the rule that decided, for messages.
    pub fn deciding_line(&self, path: &str) -> Option<usize> {
        self.decide(path).map(|rule| rule.line)
    }

    /// The last rule matching `path`. Searching from the end stops at the first hit, which is the
    /// one GitHub uses, so a typical lookup tries only the few most specific rules.
    fn decide(&self, path: &str) -> Option<&Rule> {
        // Tolerate a leading `/` and doubled separators: they name the same file.
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if segments.is_empty() {
            return None;
        }
        self.rules.iter().rev().find(|rule| rule.matcher.matches(&segments))
    }
}

/// Separates a pattern from its owners. ASCII only: a non-breaking space in a file name must stay
/// part of the pattern.
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\u{b}' | '\u{c}')
}

/// One character of a pattern after unescaping; escaped characters are never wildcards.
#[derive(Debug, Clone, Copy)]
struct PatChar {
    c: char,
    escaped: bool,
}

/// Parses one line: `Ok(None)` for blank and comment lines, `Err` for a line GitHub would skip.
fn parse_line(raw: &str) -> Result<Option<(Matcher, Vec<String>)>, String> {
    // CRLF files: the `\r` is the line end, not a character for a final `\` to escape.
    let raw = raw.strip_suffix('\r').unwrap_or(raw);
    let line = raw.trim_start_matches(is_blank);
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let mut pattern = Vec::new();
    let mut end = line.len();
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some((_, next)) => pattern.push(PatChar { c: next, escaped: true }),
                None => return Err(format!("the pattern `{line}` ends with a `\\` that escapes nothing")),
            }
        } else if is_blank(c) {
            end = i;
            break;
        } else {
            pattern.push(PatChar { c, escaped: false });
        }
    }
    let shown = line.get(..end).unwrap_or(line);
    let matcher = Matcher::compile(&pattern).map_err(|why| format!("invalid pattern `{shown}`: {why}"))?;
    let mut owners = Vec::new();
    for word in line.get(end..).unwrap_or("").split(is_blank).filter(|w| !w.is_empty()) {
        if word.starts_with('#') {
            break;
        }
        if !is_owner(word) {
            return Err(format!("invalid owner `{word}`: owners are `@user`, `@org/team` or an email address"));
        }
        owners.push(word.to_string());
    }
    Ok(Some((matcher, owners)))
}

/// `@user`, `@org/team` or an email address. Deliberately a little looser than GitHub's name
/// rules (it accepts `_`, and `.` in team slugs), so a valid line is never reported as skipped.
fn is_owner(word: &str) -> bool {
    let is_name = |s: &str, extra: &[char]| {
        !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || extra.contains(&c))
    };
    if let Some(name) = word.strip_prefix('@') {
        return match name.split_once('/') {
            Some((org, team)) => is_name(org, &[]) && is_name(team, &['.']),
            None => is_name(name, &[]),
        };
    }
    let Some((local, domain)) = word.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty() && local.chars().all(|c| c.is_alphanumeric() || "._%+-!$&'*=?^`{|}~/".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok =
        labels.len() >= 2 && labels.iter().all(|l| !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-'));
    local_ok && domain_ok
}

/// A compiled pattern: segment matchers walked against the path's segments.
#[derive(Debug, Clone)]
struct Matcher {
    segments: Box<[Seg]>,
}

/// Matches path segments.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    /// Exactly one segment with this name (no wildcards: the common case, a string compare).
    Exact(String),
    /// Exactly one segment matching these tokens.
    Glob(Box<[Tok]>),
    /// Exactly one segment, any name (a lone `*`).
    AnyOne,
    /// Zero or more segments (`**`).
    AnyDepth,
}

/// Matches characters within one segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Char(char),
    /// `?`: one character.
    AnyChar,
    /// `*`: zero or more characters.
    AnyRun,
}

impl Matcher {
    /// Compiles a pattern, or says why GitHub rejects it.
    fn compile(pattern: &[PatChar]) -> Result<Matcher, &'static str> {
        let first = pattern.first();
        if first.is_some_and(|p| p.c == '!' && !p.escaped) {
            return Err("`!` negation is not supported in CODEOWNERS");
        }
        if first.is_some_and(|p| p.c == '#' && p.escaped) {
            return Err("escaping a leading `#` with `\\` is not supported in CODEOWNERS");
        }
        if pattern.iter().any(|p| (p.c == '[' || p.c == ']') && !p.escaped) {
            return Err("`[ ]` character ranges are not supported in CODEOWNERS; escape both `[` and `]` with `\\`");
        }
        // An escaped `/` still separates: no path segment can contain one.
        let leading = first.is_some_and(|p| p.c == '/');
        let trailing = pattern.last().is_some_and(|p| p.c == '/');
        let mut segs: Vec<Seg> = Vec::new();
        for raw in pattern.split(|p| p.c == '/').filter(|s| !s.is_empty()) {
            let seg = Seg::compile(raw);
            // `**/**` is `**`; collapsing keeps the matcher's single backtrack point meaningful.
            if !(seg == Seg::AnyDepth && segs.last() == Some(&Seg::AnyDepth)) {
                segs.push(seg);
            }
        }
        if segs.is_empty() {
            return Err("it matches no file; use `*` to match every file");
        }
        // gitignore: a `/` at the start or in the middle anchors the pattern at the root.
        let anchored = leading || pattern.split(|p| p.c == '/').filter(|s| !s.is_empty()).nth(1).is_some();
        if segs == [Seg::AnyDepth] {
            // `**` alone (or `/**`, `**/`): every path.
            return Ok(Matcher { segments: Box::new([Seg::AnyOne, Seg::AnyDepth]) });
        }
        if !anchored && segs.first() != Some(&Seg::AnyDepth) {
            segs.insert(0, Seg::AnyDepth);
        }
        if segs.last() == Some(&Seg::AnyDepth) {
            // A trailing `/**` is everything inside, not the directory itself.
            segs.pop();
            segs.push(Seg::AnyOne);
            segs.push(Seg::AnyDepth);
        } else if trailing {
            // A directory only: at least one more segment below it.
            segs.push(Seg::AnyOne);
            segs.push(Seg::AnyDepth);
        } else if segs.last() != Some(&Seg::AnyOne) {
            // A name may be a file or a directory, and a directory owns everything beneath it.
            // A last lone `*` gets no such tail: GitHub's `docs/*` skips nested files.
            segs.push(Seg::AnyDepth);
        }
        Ok(Matcher { segments: segs.into_boxed_slice() })
    }

    /// Whether the path's segments (non-empty, at least one) match.
    ///
    /// Classic wildcard matching with `**` as the wildcard and each other matcher consuming one
    /// segment: on a mismatch, only the latest `**` needs to absorb one more segment, because
    /// the matchers after it are fixed-width. That keeps the cost at most pattern × path.
    fn matches(&self, path: &[&str]) -> bool {
        let (mut p, mut s) = (0usize, 0usize);
        let mut resume: Option<(usize, usize)> = None;
        loop {
            match self.segments.get(p) {
                Some(Seg::AnyDepth) => {
                    resume = Some((p + 1, s));
                    p += 1;
                    continue;
                }
                Some(seg) if path.get(s).is_some_and(|name| seg.matches(name)) => {
                    p += 1;
                    s += 1;
                    continue;
                }
                None if s == path.len() => return true,
                _ => {}
            }
            match resume {
                Some((rp, rs)) if rs < path.len() => {
                    resume = Some((rp, rs + 1));
                    p = rp;
                    s = rs + 1;
                }
                _ => return false,
            }
        }
    }
}

impl Seg {
    /// Compiles one non-empty segment of a pattern.
    fn compile(raw: &[PatChar]) -> Seg {
        if raw.len() == 2 && raw.iter().all(|p| p.c == '*' && !p.escaped) {
            return Seg::AnyDepth;
        }
        let mut toks: Vec<Tok> = Vec::with_capacity(raw.len());
        for p in raw {
            let tok = match (p.c, p.escaped) {
                ('*', false) => Tok::AnyRun,
                ('?', false) => Tok::AnyChar,
                (c, _) => Tok::Char(c),
            };
            // gitignore: other runs of asterisks are plain `*`.
            if !(tok == Tok::AnyRun && toks.last() == Some(&Tok::AnyRun)) {
                toks.push(tok);
            }
        }
        if toks == [Tok::AnyRun] {
            return Seg::AnyOne;
        }
        if toks.iter().all(|t| matches!(t, Tok::Char(_))) {
            return Seg::Exact(
                toks.iter().filter_map(|t| if let Tok::Char(c) = t { Some(*c) } else { None }).collect(),
            );
        }
        Seg::Glob(toks.into_boxed_slice())
    }

    /// Whether one path segment matches; `AnyDepth` is handled by [`Matcher::matches`].
    fn matches(&self, name: &str) -> bool {
        match self {
            Seg::Exact(want) => want == name,
            Seg::Glob(toks) => glob(toks, name),
            Seg::AnyOne | Seg::AnyDepth => true,
        }
    }
}

/// Matches one segment name against `*`/`?` tokens: the same single-backtrack algorithm as
/// [`Matcher::matches`], one level down, stepping by whole characters.
fn glob(toks: &[Tok], name: &str) -> bool {
    let (mut t, mut i) = (0usize, 0usize);
    let mut resume: Option<(usize, usize)> = None;
    loop {
        let next = name.get(i..).and_then(|rest| rest.chars().next());
        match (toks.get(t), next) {
            (Some(Tok::AnyRun), _) => {
                resume = Some((t + 1, i));
                t += 1;
                continue;
            }
            (Some(Tok::AnyChar), Some(c)) => {
                t += 1;
                i += c.len_utf8();
                continue;
            }
            (Some(Tok::Char(want)), Some(c)) if *want == c => {
                t += 1;
                i += c.len_utf8();
                continue;
            }
            (None, None) => return true,
            _ => {}
        }
        match resume {
            Some((rt, ri)) => match name.get(ri..).and_then(|rest| rest.chars().next()) {
                Some(c) => {
                    resume = Some((rt, ri + c.len_utf8()));
                    t = rt;
                    i = ri + c.len_utf8();
                }
                None => return false,
            },
            None => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// GitHub's documented example file, rules verbatim.
    const GITHUB_EXAMPLE: &str = include_str!("../../tests/data/codeowners/github-docs-example.CODEOWNERS");

    fn owners<'a>(co: &'a CodeOwners, path: &str) -> Option<Vec<&'a str>> {
        co.owners_of(path).map(|o| o.iter().map(String::as_str).collect())
    }

    fn parse_ok(text: &str) -> CodeOwners {
        let (co, problems) = CodeOwners::parse(text);
        assert!(problems.is_empty(), "unexpected problems: {problems:?}");
        co
    }

    /// Checks a table of path → expected owners (`None` = no rule matches).
    fn check_table(co: &CodeOwners, table: &[(&str, Option<&[&str]>)], context: &str) {
        for (path, want) in table {
            let got = owners(co, path);
            assert_eq!(got.as_deref(), *want, "{context}: owners of `{path}`");
            assert_eq!(co.deciding_line(path).is_some(), want.is_some(), "{context}: deciding line of `{path}`");
        }
    }

    /// The example file up to and including the first line that is exactly `marker`.
    fn example_through(marker: &str) -> &'static str {
        let mut end = 0;
        for line in GITHUB_EXAMPLE.split_inclusive('\n') {
            end += line.len();
            if line.trim_end() == marker {
                return &GITHUB_EXAMPLE[..end];
            }
        }
        panic!("marker `{marker}` not in the example file");
    }

    fn line_of(text: &str, marker: &str) -> usize {
        text.lines().position(|l| l.trim_end() == marker).map(|i| i + 1).expect("marker present")
    }

    const GLOBAL: &[&str] = &["@global-owner1", "@global-owner2"];
    const JS: &[&str] = &["@js-owner"];
    const EMAIL: &[&str] = &["docs@example.com"];
    const TEAM: &[&str] = &["@octo-org/octocats"];
    const DOCTOCAT: &[&str] = &["@doctocat"];
    const OCTOCAT: &[&str] = &["@octocat"];
    const BOTH: &[&str] = &["@doctocat", "@octocat"];
    const UNOWNED: &[&str] = &[];

    #[test]
    fn github_example_parses_without_problems() {
        let (co, problems) = CodeOwners::parse(GITHUB_EXAMPLE);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(co.rules.len(), 14);
    }

    /// Each documented expectation, checked against the file as it stands after that example
    /// (the comments describe each line with only the earlier lines in force).
    #[test]
    fn github_example_each_documented_expectation() {
        type Row<'a> = (&'a str, Option<&'a [&'a str]>);
        let sections: &[(&str, &[Row])] = &[
            (
                "*       @global-owner1 @global-owner2",
                &[("README.md", Some(GLOBAL)), ("src/main.rs", Some(GLOBAL)), ("a/b/c/d/e.txt", Some(GLOBAL))],
            ),
            (
                "*.js    @js-owner #This is an inline comment.",
                &[
                    ("app.js", Some(JS)),
                    ("src/web/app.js", Some(JS)),
                    ("README.md", Some(GLOBAL)),
                    ("app.jsx", Some(GLOBAL)),
                ],
            ),
            ("*.go docs@example.com", &[("main.go", Some(EMAIL)), ("cmd/tool/main.go", Some(EMAIL))]),
            ("*.txt @octo-org/octocats", &[("notes.txt", Some(TEAM)), ("docs/a/b.txt", Some(TEAM))]),
            (
                "/build/logs/ @doctocat",
                &[
                    ("build/logs/out.log", Some(DOCTOCAT)),
                    ("build/logs/2024/01/out.txt", Some(DOCTOCAT)),
                    ("src/build/logs/out.log", Some(GLOBAL)),
                    ("build/logs", Some(GLOBAL)),
                    ("build/logs.txt", Some(TEAM)),
                ],
            ),
            (
                "docs/*  docs@example.com",
                &[
                    ("docs/getting-started.md", Some(EMAIL)),
                    ("docs/build-app/troubleshooting.md", Some(GLOBAL)),
                    ("nested/docs/getting-started.md", Some(GLOBAL)),
                ],
            ),
            (
                "apps/ @octocat",
                &[
                    ("apps/main.rs", Some(OCTOCAT)),
                    ("src/apps/main.rs", Some(OCTOCAT)),
                    ("a/b/apps/c/d.js", Some(OCTOCAT)),
                    ("src/apps", Some(GLOBAL)),
                    ("src/myapps/x.rs", Some(GLOBAL)),
                ],
            ),
            (
                "/docs/ @doctocat",
                &[
                    ("docs/getting-started.md", Some(DOCTOCAT)),
                    ("docs/build-app/troubleshooting.md", Some(DOCTOCAT)),
                    ("src/docs/guide.md", Some(GLOBAL)),
                ],
            ),
            ("/scripts/ @doctocat @octocat", &[("scripts/deploy.sh", Some(BOTH)), ("src/scripts/x.sh", Some(GLOBAL))]),
            (
                "**/logs @octocat",
                &[
                    ("build/logs/out.log", Some(OCTOCAT)),
                    ("scripts/logs/out.log", Some(OCTOCAT)),
                    ("deeply/nested/logs/out.log", Some(OCTOCAT)),
                    ("logs/out.log", Some(OCTOCAT)),
                    ("scripts/deploy.sh", Some(BOTH)),
                ],
            ),
            (
                "/apps/github",
                &[
                    ("apps/web/index.js", Some(OCTOCAT)),
                    ("apps/github/index.js", Some(UNOWNED)),
                    ("apps/github/deep/er.rs", Some(UNOWNED)),
                    ("apps/githubber/x.rs", Some(OCTOCAT)),
                ],
            ),
            (
                "/apps/github @doctocat",
                &[("apps/github/index.js", Some(DOCTOCAT)), ("apps/web/index.js", Some(OCTOCAT))],
            ),
        ];
        for (marker, table) in sections {
            let co = parse_ok(example_through(marker));
            check_table(&co, table, marker);
        }
    }

    /// The whole file at once: later lines override the earlier examples' claims.
    #[test]
    fn github_example_whole_file() {
        let co = parse_ok(GITHUB_EXAMPLE);
        let table: &[(&str, Option<&[&str]>)] = &[
            ("README.md", Some(GLOBAL)),
            ("src/main.rs", Some(GLOBAL)),
            ("app.js", Some(JS)),
            ("src/web/app.js", Some(JS)),
            ("main.go", Some(EMAIL)),
            ("notes.txt", Some(TEAM)),
            // `**/logs` comes after `/build/logs/`.
            ("build/logs/out.log", Some(OCTOCAT)),
            ("build/other.txt", Some(TEAM)),
            // `/docs/` comes after `docs/*`.
            ("docs/getting-started.md", Some(DOCTOCAT)),
            ("docs/build-app/troubleshooting.md", Some(DOCTOCAT)),
            ("src/docs/guide.md", Some(GLOBAL)),
            ("Docs/guide.md", Some(GLOBAL)),
            ("src/apps/x.rs", Some(OCTOCAT)),
            ("apps/web/index.js", Some(OCTOCAT)),
            ("apps/github/index.js", Some(DOCTOCAT)),
            ("apps/github", Some(DOCTOCAT)),
            ("scripts/deploy.sh", Some(BOTH)),
            ("scripts/logs/today.log", Some(OCTOCAT)),
            ("deeply/nested/logs/today.txt", Some(OCTOCAT)),
            // A file named `logs` is matched too: `**/logs` has no trailing slash.
            ("src/logs", Some(OCTOCAT)),
            ("", None),
        ];
        check_table(&co, table, "whole example");
        assert_eq!(co.deciding_line("apps/github/x"), Some(line_of(GITHUB_EXAMPLE, "/apps/github @doctocat")));
        assert_eq!(
            co.deciding_line("src/main.rs"),
            Some(line_of(GITHUB_EXAMPLE, "*       @global-owner1 @global-owner2"))
        );
        assert_eq!(
            co.deciding_line("app.js"),
            Some(line_of(GITHUB_EXAMPLE, "*.js    @js-owner #This is an inline comment."))
        );
    }

    #[test]
    fn last_match_wins() {
        let co = parse_ok("src/ @a\n*.rs @b\n");
        assert_eq!(owners(&co, "src/main.rs"), Some(vec!["@b"]));
        assert_eq!(owners(&co, "src/README.md"), Some(vec!["@a"]));
        let co = parse_ok("*.rs @b\nsrc/ @a\n");
        assert_eq!(owners(&co, "src/main.rs"), Some(vec!["@a"]));
        assert_eq!(co.deciding_line("src/main.rs"), Some(2));
        // The same pattern twice: only the later owners apply (GitHub does not merge lines).
        let co = parse_ok("apps/ @octocat\napps/ @doctocat\n");
        assert_eq!(owners(&co, "apps/x"), Some(vec!["@doctocat"]));
        assert_eq!(owners(&co, "other"), None);
    }

    #[test]
    fn line_without_owners_unowns_and_can_be_overridden() {
        let co = parse_ok("* @all\n/vendor/\n/vendor/ours/ @us\n");
        assert_eq!(owners(&co, "vendor/lib/x.c"), Some(vec![]));
        assert_eq!(co.deciding_line("vendor/lib/x.c"), Some(2));
        assert_eq!(owners(&co, "vendor/ours/x.c"), Some(vec!["@us"]));
        assert_eq!(owners(&co, "src/x.c"), Some(vec!["@all"]));
        // Unowned is not unmatched.
        let co = parse_ok("/vendor/\n");
        assert_eq!(owners(&co, "vendor/x"), Some(vec![]));
        assert_eq!(owners(&co, "src/x"), None);
        assert_eq!(co.deciding_line("src/x"), None);
    }

    #[test]
    fn comments_blank_lines_and_whitespace() {
        let text = "# comment\n\n   # indented comment\n\t\n*.md @a # trailing comment @b\n*.rs @c #no-space @d\nREADME\t @e\t@f   \n  *.txt @g\n";
        let co = parse_ok(text);
        assert_eq!(owners(&co, "x.md"), Some(vec!["@a"]));
        assert_eq!(owners(&co, "x.rs"), Some(vec!["@c"]));
        assert_eq!(owners(&co, "README"), Some(vec!["@e", "@f"]));
        assert_eq!(co.deciding_line("README"), Some(7));
        assert_eq!(owners(&co, "y.txt"), Some(vec!["@g"]));
        assert_eq!(co.rules.len(), 4);
        // A `#` inside a pattern word is an ordinary character.
        let co = parse_ok("issue#12.md @a\n");
        assert_eq!(owners(&co, "docs/issue#12.md"), Some(vec!["@a"]));
        assert_eq!(owners(&co, "docs/issue"), None);
        // A pattern followed only by a comment has no owners.
        let co = parse_ok("* @a\n/gen/ # generated, nobody owns it\n");
        assert_eq!(owners(&co, "gen/x.rs"), Some(vec![]));
    }

    #[test]
    fn escaped_hash_is_reported_not_matched() {
        let (co, problems) = CodeOwners::parse("* @a\n\\#notes.md @b\n");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 2);
        assert!(problems[0].message.contains("leading `#`"), "{}", problems[0].message);
        assert_eq!(owners(&co, "#notes.md"), Some(vec!["@a"]));
        // Escaping a `#` that does not start the pattern is plain gitignore and works.
        let co = parse_ok("/notes/\\#1.md @b\n");
        assert_eq!(owners(&co, "notes/#1.md"), Some(vec!["@b"]));
    }

    #[test]
    fn crlf_bom_and_trailing_spaces() {
        let co = parse_ok("\u{feff}*.md @a\r\n\r\n# c\r\n/src/ @b   \r\n/lib/ @c \t\r");
        assert_eq!(owners(&co, "x.md"), Some(vec!["@a"]));
        assert_eq!(owners(&co, "src/x.rs"), Some(vec!["@b"]));
        assert_eq!(owners(&co, "lib/x.rs"), Some(vec!["@c"]));
        assert_eq!(co.deciding_line("src/x.rs"), Some(4));
        // A final `\` before CRLF escapes nothing rather than the `\r`.
        let (_, problems) = CodeOwners::parse("* @a\r\nfoo\\\r\n");
        assert_eq!(problems.iter().map(|p| p.line).collect::<Vec<_>>(), vec![2]);
    }

    #[test]
    fn escaped_spaces_and_wildcards() {
        let co = parse_ok("My\\ Documents/ @a\n/file\\ name.txt @b\nliteral\\*star @c\nq\\?.md @d\n");
        assert_eq!(owners(&co, "My Documents/x.txt"), Some(vec!["@a"]));
        assert_eq!(owners(&co, "home/My Documents/deep/x"), Some(vec!["@a"]));
        assert_eq!(owners(&co, "My"), None);
        assert_eq!(owners(&co, "file name.txt"), Some(vec!["@b"]));
        assert_eq!(owners(&co, "literal*star"), Some(vec!["@c"]));
        assert_eq!(owners(&co, "literalXstar"), None);
        assert_eq!(owners(&co, "q?.md"), Some(vec!["@d"]));
        assert_eq!(owners(&co, "qx.md"), None);
        // Escaped brackets are literal, as GitHub's error message suggests.
        let co = parse_ok("/pages/\\[id\\].js @e\n");
        assert_eq!(owners(&co, "pages/[id].js"), Some(vec!["@e"]));
    }

    #[test]
    fn invalid_lines_are_reported_with_line_numbers_and_skipped() {
        let text = "* @all\n\
                    !secret.txt @a\n\
                    *.[ch] @b\n\
                    / @c\n\
                    docs @d owner\n\
                    ok.md @e\n\
                    bad\\\n\
                    x @\n\
                    y @org/\n\
                    z a@b\n\
                    w @a@b\n\
                    // @f\n\
                    v @o#x\n\
                    src/]x @g\n";
        let (co, problems) = CodeOwners::parse(text);
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14]);
        assert!(problems[0].message.contains('!'));
        assert!(problems[1].message.contains("`[ ]`"));
        assert!(problems[2].message.contains("use `*`"), "{}", problems[2].message);
        assert!(problems[3].message.contains("`owner`"), "{}", problems[3].message);
        assert_eq!(problems[0].to_string(), format!("line 2: {}", problems[0].message));
        // Skipped lines do not decide anything; valid ones around them still do.
        assert_eq!(owners(&co, "secret.txt"), Some(vec!["@all"]));
        assert_eq!(owners(&co, "main.c"), Some(vec!["@all"]));
        assert_eq!(owners(&co, "docs/x"), Some(vec!["@all"]));
        assert_eq!(owners(&co, "ok.md"), Some(vec!["@e"]));
        assert_eq!(co.rules.len(), 2);
    }

    #[test]
    fn owner_forms() {
        for good in [
            "@user",
            "@User-Name",
            "@emu_user_short",
            "@org/team",
            "@Org-1/team_name.v2",
            "a@b.co",
            "first.last+tag@sub.example.com",
        ] {
            assert!(is_owner(good), "{good}");
        }
        for bad in [
            "user",
            "@",
            "@/team",
            "@org/",
            "@org/team/x",
            "@a@b",
            "a@b",
            "@b.c",
            "a@.com",
            "a@b..com",
            "@user!",
            "user@",
            "@o#x",
        ] {
            assert!(!is_owner(bad), "{bad}");
        }
        // Owners are returned exactly as written (GitHub compares them case-insensitively).
        let co = parse_ok("* @OctoCat DOCS@Example.COM @Octo-Org/Team\n");
        assert_eq!(owners(&co, "x"), Some(vec!["@OctoCat", "DOCS@Example.COM", "@Octo-Org/Team"]));
    }

    #[test]
    fn anchoring_and_directories() {
        let co = parse_ok("/root.txt @a\nname.txt @b\nsub/leaf @c\ndir/ @d\n/* @e\n");
        assert_eq!(owners(&co, "root.txt"), Some(vec!["@e"]));
        assert_eq!(owners(&co, "x/root.txt"), None);
        assert_eq!(owners(&co, "x/y/name.txt"), Some(vec!["@b"]));
        assert_eq!(owners(&co, "sub/leaf/x"), Some(vec!["@c"]));
        assert_eq!(owners(&co, "a/sub/leaf/x"), None);
        assert_eq!(owners(&co, "a/dir/x/y"), Some(vec!["@d"]));
        assert_eq!(owners(&co, "a/dir"), None);
        // `/*` is files at the root only.
        assert_eq!(owners(&co, "Makefile"), Some(vec!["@e"]));
        assert_eq!(owners(&co, "src/Makefile"), None);
        // Matching is case sensitive, as GitHub documents.
        assert_eq!(owners(&co, "x/Name.txt"), None);
        assert_eq!(owners(&co, "x/DIR/y"), None);
    }

    #[test]
    fn lone_star_segments() {
        let co = parse_ok("*/ @c\ndocs/* @a\n/src/*/mod.rs @b\n");
        assert_eq!(owners(&co, "docs/a.md"), Some(vec!["@a"]));
        assert_eq!(owners(&co, "docs/sub/b.md"), Some(vec!["@c"]));
        assert_eq!(owners(&co, "src/net/mod.rs"), Some(vec!["@b"]));
        assert_eq!(owners(&co, "src/mod.rs"), Some(vec!["@c"]));
        assert_eq!(owners(&co, "top.md"), None);
        // A glob other than a lone `*` may name a directory.
        let co = parse_ok("docs/*.d @a\n");
        assert_eq!(owners(&co, "docs/conf.d/x.conf"), Some(vec!["@a"]));
        assert_eq!(owners(&co, "docs/x/conf.d"), None);
    }

    #[test]
    fn double_star_forms() {
        let co = parse_ok("a/**/b @mid\n");
        for (path, hit) in
            [("a/b", true), ("a/x/b", true), ("a/x/y/z/b/c.txt", true), ("x/a/b", false), ("a/bb", false)]
        {
            assert_eq!(co.owners_of(path).is_some(), hit, "{path}");
        }
        let co = parse_ok("/lib/** @in\n");
        assert_eq!(owners(&co, "lib"), None);
        assert_eq!(owners(&co, "lib/a"), Some(vec!["@in"]));
        assert_eq!(owners(&co, "lib/a/b/c"), Some(vec!["@in"]));
        let co = parse_ok("**/*.gen.rs @gen\n");
        assert_eq!(owners(&co, "x.gen.rs"), Some(vec!["@gen"]));
        assert_eq!(owners(&co, "a/b/x.gen.rs"), Some(vec!["@gen"]));
        for every in ["** @x\n", "/** @x\n", "**/ @x\n", "**/** @x\n", "* @x\n"] {
            let co = parse_ok(every);
            for path in ["a", "a/b", "a/b/c/d/e/f"] {
                assert_eq!(owners(&co, path), Some(vec!["@x"]), "{every:?} {path}");
            }
        }
        // A `**` inside a segment is a plain `*`.
        let co = parse_ok("a**b @x\n");
        assert_eq!(owners(&co, "dir/axxb"), Some(vec!["@x"]));
        assert_eq!(owners(&co, "ax/b"), None);
    }

    #[test]
    fn pattern_that_is_only_slashes() {
        let (co, problems) = CodeOwners::parse("# root\n/ @a\n");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 2);
        assert!(problems[0].message.contains("`/`"));
        assert_eq!(owners(&co, "x"), None);
    }

    #[test]
    fn deep_paths_and_odd_queries() {
        let co = parse_ok("/a/ @a\nz.txt @z\n");
        let deep: Vec<String> = (0..200).map(|i| format!("d{i}")).collect();
        let path = format!("a/{}/z.rs", deep.join("/"));
        assert_eq!(owners(&co, &path), Some(vec!["@a"]));
        let path = format!("b/{}/z.txt", deep.join("/"));
        assert_eq!(owners(&co, &path), Some(vec!["@z"]));
        assert_eq!(co.deciding_line(&path), Some(2));
        // A leading `/` or doubled separators name the same file; empty paths match nothing.
        assert_eq!(owners(&co, "/a/x"), Some(vec!["@a"]));
        assert_eq!(owners(&co, "a//x"), Some(vec!["@a"]));
        assert_eq!(owners(&co, ""), None);
        assert_eq!(owners(&co, "/"), None);
    }

    #[test]
    fn question_mark_and_unicode() {
        let co = parse_ok("/dat?/ @q\n*.日本 @u\nnaïve?.md @n\n");
        assert_eq!(owners(&co, "data/x"), Some(vec!["@q"]));
        assert_eq!(owners(&co, "dat/x"), None);
        assert_eq!(owners(&co, "datum/x"), None);
        assert_eq!(owners(&co, "x/ファイル.日本"), Some(vec!["@u"]));
        assert_eq!(owners(&co, "naïveé.md"), Some(vec!["@n"]));
        assert_eq!(owners(&co, "naïve.md"), None);
    }

    #[test]
    fn locate_follows_github_order() {
        assert_eq!(LOCATIONS, [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"]);
        let present = ["docs/CODEOWNERS", "CODEOWNERS"];
        assert_eq!(locate(|p| present.contains(&p)), Some("CODEOWNERS"));
        assert_eq!(locate(|p| p == "docs/CODEOWNERS"), Some("docs/CODEOWNERS"));
        assert_eq!(locate(|_| true), Some(".github/CODEOWNERS"));
        assert_eq!(locate(|_| false), None);
        let mut asked = Vec::new();
        let _ = locate(|p| {
            asked.push(p.to_string());
            false
        });
        assert_eq!(asked, LOCATIONS);
    }

    /// A small deterministic generator, so the randomised tests need no crate and replay exactly.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            // xorshift64*
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[self.below(items.len())]
        }
    }

    #[test]
    fn random_input_never_panics_and_stays_consistent() {
        let alphabet: Vec<char> = "ab/*?\\#![] @.-_\t\r\n\n\u{feff}\u{0}\u{a0}é日😀".chars().collect();
        let path_alphabet: Vec<char> = "ab/*?\\#![] .é日".chars().collect();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let len = rng.below(120);
            let text: String = (0..len).map(|_| *rng.pick(&alphabet)).collect();
            let (co, problems) = CodeOwners::parse(&text);
            let line_count = text.strip_prefix('\u{feff}').unwrap_or(&text).split('\n').count();
            assert!(problems.windows(2).all(|w| w[0].line < w[1].line));
            assert!(problems.iter().all(|p| (1..=line_count).contains(&p.line) && !p.message.is_empty()));
            assert!(co.rules.iter().all(|r| !problems.iter().any(|p| p.line == r.line)));
            for _ in 0..10 {
                let plen = rng.below(24);
                let path: String = (0..plen).map(|_| *rng.pick(&path_alphabet)).collect();
                let decided = co.deciding_line(&path);
                assert_eq!(co.owners_of(&path).is_some(), decided.is_some(), "{text:?} {path:?}");
                assert!(decided.is_none_or(|l| (1..=line_count).contains(&l)));
            }
        }
    }

    /// An independent, brute-force statement of the semantics: a pattern matches a file when it
    /// matches (gitignore-style, with recursion instead of the compiled matcher) the file or one
    /// of its directories, and the file itself when the last segment is a lone `*`.
    fn oracle(pattern: &str, path: &[&str]) -> bool {
        fn seg_glob(p: &[char], s: &[char]) -> bool {
            match p.split_first() {
                None => s.is_empty(),
                Some(('*', rest)) => (0..=s.len()).any(|i| seg_glob(rest, &s[i..])),
                Some(('?', rest)) => !s.is_empty() && seg_glob(rest, &s[1..]),
                Some((c, rest)) => s.first() == Some(c) && seg_glob(rest, &s[1..]),
            }
        }
        fn walk(p: &[&str], s: &[&str]) -> bool {
            match p.split_first() {
                None => s.is_empty(),
                // A trailing `**` is one or more segments; elsewhere zero or more.
                Some((&"**", [])) => !s.is_empty(),
                Some((&"**", rest)) => (0..=s.len()).any(|i| walk(rest, &s[i..])),
                Some((seg, rest)) => {
                    let pc: Vec<char> = seg.chars().collect();
                    !s.is_empty() && seg_glob(&pc, &s[0].chars().collect::<Vec<_>>()) && walk(rest, &s[1..])
                }
            }
        }
        let mut dir_only = pattern.ends_with('/');
        let anchored = pattern.trim_end_matches('/').contains('/');
        let mut segs: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
        segs.dedup_by(|a, b| *a == "**" && *b == "**");
        if segs.last() == Some(&"**") {
            dir_only = false;
        }
        let last_lone_star =
            !dir_only && segs.last().is_some_and(|s| !s.is_empty() && s.chars().all(|c| c == '*') && *s != "**");
        let n = path.len();
        (1..=n).any(|k| {
            if (dir_only && k == n) || (last_lone_star && k < n) {
                return false;
            }
            if anchored {
                walk(&segs, &path[..k])
            } else {
                (0..k).any(|j| walk(&segs, &path[j..k]))
            }
        })
    }

    #[test]
    fn compiled_matcher_agrees_with_brute_force_oracle() {
        let seg_pool = ["a", "b", "ab", "*", "**", "a*", "*b", "?", "a?", "***", "*a*"];
        let path_pool = ["a", "b", "ab", "ba", "aab", "c", "abab"];
        let mut rng = Rng(0x0123_4567_89ab_cdef);
        for _ in 0..20_000 {
            let nseg = 1 + rng.below(4);
            let mut pattern: String = (0..nseg).map(|_| *rng.pick(&seg_pool)).collect::<Vec<_>>().join("/");
            if rng.below(3) == 0 {
                pattern.insert(0, '/');
            }
            if rng.below(3) == 0 {
                pattern.push('/');
            }
            let co = parse_ok(&format!("{pattern} @o\n"));
            for _ in 0..8 {
                let plen = 1 + rng.below(5);
                let path: Vec<&str> = (0..plen).map(|_| *rng.pick(&path_pool)).collect();
                let joined = path.join("/");
                assert_eq!(
                    co.owners_of(&joined).is_some(),
                    oracle(&pattern, &path),
                    "pattern `{pattern}`, path `{joined}`"
                );
            }
        }
    }

    #[test]
    fn adversarial_patterns_stay_fast() {
        // Terminates at all on patterns that would make a backtracking matcher exponential.
        let deep = vec!["**/a"; 30].join("/");
        let co = parse_ok(&format!("{deep}/**/b @o\n*a*a*a*a*a*a*a*a*b @g\n"));
        let path = vec!["a"; 300].join("/");
        assert_eq!(owners(&co, &path), None);
        let long = "a".repeat(5000);
        assert_eq!(owners(&co, &long), None);
    }

    /// Many rules: every path is decided by the right line (speed is measured in BENCHMARKS.md,
    /// never asserted in a test).
    #[test]
    fn two_hundred_rules_decide() {
        let mut text = String::from("* @org/everyone\n");
        for i in 0..50 {
            text.push_str(&format!(
                "/services/svc{i}/ @org/team{i}\n*.ext{i} @ext{i}\n**/gen{i}/*.rs @gen{i}\ndocs/area{i}/* @docs{i}\n"
            ));
        }
        let co = parse_ok(&text);
        assert_eq!(co.rules.len(), 201);
        let paths: Vec<String> = (0..100)
            .map(|i| match i % 4 {
                0 => format!("services/svc{}/src/handlers/mod{i}.rs", i % 60),
                1 => format!("lib/deep/er/path/file{i}.ext{}", i % 70),
                2 => format!("crates/x/gen{}/out.rs", i % 55),
                _ => format!("README{i}.md"),
            })
            .collect();
        let mut decided = 0usize;
        for _ in 0..20 {
            for p in &paths {
                decided += co.deciding_line(p).map_or(0, |_| 1);
            }
        }
        assert_eq!(decided, 2000);
    }
}
