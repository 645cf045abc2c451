//! Path and branch-name globs as the policy writes them.
//!
//! Syntax: `*` matches within one path component, `**` across components (`**/x` at any
//! depth, `x/**` everything inside), `?` one character other than `/`, `[abc]` and `[!abc]`
//! one character of a class, `{a,b}` alternatives, `\` escapes the next character. Matching is
//! case-sensitive and anchored at both ends.
//!
//! The shapes policies mostly use (`main`, `release/*`, `**/.env`, `**/*.pem`, `vendor/**`)
//! match by plain string comparison; anything else compiles into a glob set on first use.
//! Compiling even `release/*` costs about 0.1 ms, a twentieth of the pre-commit hook.

use std::sync::OnceLock;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// One glob in a form that needs no compiling.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Simple {
    /// No wildcard at all: the whole text.
    Exact(String),
    /// `prefix*`: the prefix, then anything without a `/`.
    PrefixInComponent(String),
    /// `**/name`: a last component equal to `name`.
    Basename(String),
    /// `**/*suffix`: a last component ending in `suffix`.
    BasenameSuffix(String),
    /// `dir/**`: anything strictly inside `dir`.
    Inside(String),
}

const META: &[char] = &['*', '?', '[', ']', '{', '}', '\\'];

impl Simple {
    fn parse(glob: &str) -> Option<Self> {
        let plain = |s: &str| !s.contains(META);
        let component = |s: &str| plain(s) && !s.contains('/');
        if plain(glob) {
            return Some(Self::Exact(glob.to_string()));
        }
        if let Some(name) = glob.strip_prefix("**/") {
            if let Some(suffix) = name.strip_prefix('*') {
                return component(suffix).then(|| Self::BasenameSuffix(suffix.to_string()));
            }
            return (component(name) && !name.is_empty()).then(|| Self::Basename(name.to_string()));
        }
        if let Some(dir) = glob.strip_suffix("/**") {
            return (plain(dir) && !dir.is_empty()).then(|| Self::Inside(format!("{dir}/")));
        }
        // `x**` and other shapes go to the compiled set.
        let prefix = glob.strip_suffix('*')?;
        plain(prefix).then(|| Self::PrefixInComponent(prefix.to_string()))
    }

    fn is_match(&self, text: &str) -> bool {
        let last = text.rsplit('/').next().unwrap_or(text);
        match self {
            Self::Exact(s) => text == s,
            Self::PrefixInComponent(p) => text.strip_prefix(p.as_str()).is_some_and(|rest| !rest.contains('/')),
            Self::Basename(n) => last == n,
            Self::BasenameSuffix(s) => last.ends_with(s.as_str()),
            Self::Inside(d) => text.starts_with(d.as_str()),
        }
    }
}

/// A set of globs; empty matches nothing. Each glob is checked at load.
#[derive(Debug, Clone, Default)]
pub struct Globs {
    patterns: Vec<String>,
    /// The globs that match by string comparison.
    simple: Vec<Simple>,
    /// The rest, compiled into `set` on first use.
    compiled: Vec<Glob>,
    set: OnceLock<GlobSet>,
}

impl Globs {
    /// Checks and stores `patterns`; the error names the first invalid glob and why.
    pub fn new(patterns: &[String]) -> Result<Self, (String, String)> {
        let mut globs = Self { patterns: patterns.to_vec(), ..Self::default() };
        for p in patterns {
            let glob = compile(p).map_err(|why| (p.clone(), why))?;
            match Simple::parse(p) {
                Some(s) => globs.simple.push(s),
                None => globs.compiled.push(glob),
            }
        }
        Ok(globs)
    }

    /// Whether any glob matches `text` (a repository path or a branch name).
    pub fn is_match(&self, text: &str) -> bool {
        if self.simple.iter().any(|s| s.is_match(text)) {
            return true;
        }
        if self.compiled.is_empty() {
            return false;
        }
        self.set
            .get_or_init(|| {
                let mut b = GlobSetBuilder::new();
                for g in &self.compiled {
                    b.add(g.clone());
                }
                b.build().unwrap_or_else(|_| GlobSet::empty())
            })
            .is_match(text)
    }

    /// The globs as written.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// Whether there are no globs.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

fn compile(pattern: &str) -> Result<Glob, String> {
    GlobBuilder::new(pattern).literal_separator(true).build().map_err(|e| e.kind().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn globs(list: &[&str]) -> Globs {
        Globs::new(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn common_shapes_need_no_compiling() {
        for p in ["main", "release/*", "**/.env", "**/*.pem", "vendor/**", "*"] {
            assert!(Simple::parse(p).is_some(), "{p}");
        }
        for p in ["src/*.rs", "*.{js,ts}", "a?c", "[ab]", "**", "a/**/b", "x**", r"a\*"] {
            assert!(Simple::parse(p).is_none(), "{p}");
        }
    }

    #[test]
    fn star_stays_within_a_component() {
        let g = globs(&["release/*", "src/*.rs"]);
        assert!(g.is_match("release/1.2"));
        assert!(g.is_match("release/"));
        assert!(!g.is_match("release/1.2/hotfix"));
        assert!(g.is_match("src/main.rs"));
        assert!(!g.is_match("src/a/main.rs"));
    }

    #[test]
    fn double_star_crosses_components() {
        let g = globs(&["**/.env", "**/*.pem", "vendor/**"]);
        assert!(g.is_match(".env") && g.is_match("a/b/.env"));
        assert!(!g.is_match("a/b/.envrc") && !g.is_match("a.env"));
        assert!(g.is_match("k.pem") && g.is_match("x/y/k.pem") && g.is_match(".pem"));
        assert!(!g.is_match("x/k.pem/y"));
        assert!(g.is_match("vendor/a") && g.is_match("vendor/a/b"));
        assert!(!g.is_match("vendor") && !g.is_match("vendored/a"));
    }

    #[test]
    fn invalid_globs_are_named() {
        let err = Globs::new(&["ok".to_string(), "a[".to_string()]).unwrap_err();
        assert_eq!(err.0, "a[");
        assert!(!err.1.is_empty());
    }

    #[test]
    fn empty_matches_nothing() {
        assert!(!Globs::default().is_match(""));
        assert!(!Globs::default().is_match("main"));
    }

    fn text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![Just("a"), Just("b"), Just("/"), Just("."), Just("pem"), Just("env")],
            0..8,
        )
        .prop_map(|v| v.concat())
    }

    fn pattern() -> impl Strategy<Value = String> {
        (text(), 0..6usize).prop_map(|(t, shape)| match shape {
            0 => t,
            1 => format!("{t}*"),
            2 => format!("**/{t}"),
            3 => format!("**/*{t}"),
            4 => format!("{t}/**"),
            _ => format!("{t}**"),
        })
    }

    proptest! {
        /// The string matchers agree with globset under the same options.
        #[test]
        fn simple_shapes_agree_with_globset(p in pattern(), t in text()) {
            if let (Some(simple), Ok(glob)) = (Simple::parse(&p), compile(&p)) {
                prop_assert_eq!(simple.is_match(&t), glob.compile_matcher().is_match(&t), "{} against {}", p, t);
            }
        }
    }
}
