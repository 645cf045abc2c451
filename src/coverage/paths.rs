//! Mapping report paths to repository paths.
//!
//! Each report path is normalised (`\` to `/`, `.` and empty components dropped, `..` folded
//! lexically), then rewritten by the first `path-map` rule whose `from` is a prefix of it, then
//! tried, in order, as:
//! 1. a repository-relative path as it stands;
//! 2. with the repository's absolute root stripped;
//! 3. joined to each Cobertura `<source>` root (then, if absolute, with the root stripped);
//! 4. with the Go module path (from go.mod) stripped;
//! 5. as a last resort, the unique repository file that ends with the longest suffix of the
//!    path's components (at least two components, unless the report path has only one), which
//!    also finds JaCoCo `package/File.java` under any source root. An ambiguous suffix maps to
//!    nothing rather than to a guess.
//!
//! Paths that map to no repository file are returned, never dropped silently.

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use super::model::Coverage;
use super::ParsedReport;
use crate::policy::model::PathMap;

/// What is known about the repository the report paths should land in.
#[derive(Debug, Clone, Copy)]
pub struct RepoPaths<'a> {
    /// Every file of the repository, relative to its root, with `/` separators.
    pub files: &'a BTreeSet<String>,
    /// The repository's absolute root, stripped from absolute report paths.
    pub root: &'a str,
    /// The Go module path from go.mod, if the repository has one.
    pub go_module: Option<&'a str>,
}

/// A report after mapping: coverage keyed by repository paths, and the report paths that
/// matched no repository file (sorted, each once).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MappedReport {
    /// Coverage keyed by repository-relative paths.
    pub coverage: Coverage,
    /// Report paths that matched no repository file.
    pub unmapped: Vec<String>,
}

/// Maps the paths of one report; see the module doc for the order of attempts.
pub fn map_paths(report: ParsedReport, repo: &RepoPaths<'_>, path_map: &[PathMap]) -> MappedReport {
    PathMapper::new(*repo, path_map).map(report)
}

/// Maps paths of several reports against one repository, building the suffix index once.
pub struct PathMapper<'a> {
    repo: RepoPaths<'a>,
    rules: Vec<(String, String)>,
    root: String,
    suffixes: OnceLock<HashMap<&'a str, Option<&'a str>>>,
}

impl<'a> PathMapper<'a> {
    /// A mapper for one repository and its `path-map` rules.
    pub fn new(repo: RepoPaths<'a>, path_map: &[PathMap]) -> Self {
        let rules = path_map.iter().map(|r| (normalize(&r.from), normalize(&r.to))).collect();
        Self { repo, rules, root: normalize(repo.root), suffixes: OnceLock::new() }
    }

    /// Maps one report's paths, merging report paths that land on the same file.
    pub fn map(&self, report: ParsedReport) -> MappedReport {
        let mut out = MappedReport::default();
        for (path, file) in report.coverage.files {
            match self.resolve(&path, &report.sources) {
                Some(repo_path) => out.coverage.merge_file(&repo_path, file),
                None => out.unmapped.push(path),
            }
        }
        out.unmapped.sort();
        out.unmapped.dedup();
        out
    }

    /// The repository path of one report path, if any.
    pub fn resolve(&self, report_path: &str, sources: &[String]) -> Option<String> {
        let p = self.rewrite(&normalize(report_path));
        if let Some(hit) = self.direct(&p) {
            return Some(hit.to_owned());
        }
        if !is_absolute(&p) {
            for source in sources {
                let joined = normalize(&format!("{source}/{p}"));
                let joined = self.rewrite(&joined);
                if let Some(hit) = self.direct(&joined) {
                    return Some(hit.to_owned());
                }
            }
        }
        if let Some(module) = self.repo.go_module.map(normalize).filter(|m| !m.is_empty()) {
            if let Some(rest) = strip_dir(&p, &module) {
                if let Some(hit) = self.known(rest) {
                    return Some(hit.to_owned());
                }
            }
        }
        self.by_suffix(&p).map(str::to_owned)
    }

    fn rewrite(&self, p: &str) -> String {
        for (from, to) in &self.rules {
            if let Some(rest) = strip_dir(p, from) {
                return normalize(&format!("{to}/{rest}"));
            }
        }
        p.to_owned()
    }

    /// Exact repository path, or an absolute path under the repository root.
    fn direct<'s>(&'s self, p: &'s str) -> Option<&'a str> {
        if let Some(hit) = self.known(p) {
            return Some(hit);
        }
        if !self.root.is_empty() {
            if let Some(rest) = strip_dir(p, &self.root) {
                return self.known(rest);
            }
        }
        None
    }

    fn known(&self, p: &str) -> Option<&'a str> {
        self.repo.files.get(p).map(String::as_str)
    }

    fn by_suffix(&self, p: &str) -> Option<&'a str> {
        let parts: Vec<usize> = std::iter::once(0)
            .chain(p.char_indices().filter(|&(_, c)| c == '/').map(|(i, _)| i + 1))
            .filter(|&i| i < p.len())
            .collect();
        let n = parts.len();
        let min = if n <= 1 { 1 } else { 2 };
        let index = self.suffixes.get_or_init(|| suffix_index(self.repo.files));
        for k in (min..=n).rev() {
            let tail = &p[parts[n - k]..];
            match index.get(tail) {
                Some(Some(hit)) => return Some(hit),
                Some(None) => return None,
                None => {}
            }
        }
        None
    }
}

/// Every component suffix of every repository path -> the one path it ends, or `None` if several.
fn suffix_index(files: &BTreeSet<String>) -> HashMap<&str, Option<&str>> {
    let mut index: HashMap<&str, Option<&str>> = HashMap::new();
    for f in files {
        let starts = std::iter::once(0).chain(f.char_indices().filter(|&(_, c)| c == '/').map(|(i, _)| i + 1));
        for s in starts {
            let tail = &f[s..];
            if tail.is_empty() {
                continue;
            }
            index.entry(tail).and_modify(|v| *v = None).or_insert(Some(f.as_str()));
        }
    }
    index
}

/// `p` without the directory prefix `dir` (on a component boundary), if it is under it.
fn strip_dir<'p>(p: &'p str, dir: &str) -> Option<&'p str> {
    if dir.is_empty() {
        return Some(p);
    }
    if dir == "/" {
        return p.strip_prefix('/');
    }
    p.strip_prefix(dir)?.strip_prefix('/')
}

fn is_absolute(p: &str) -> bool {
    p.starts_with('/') || p.as_bytes().get(1) == Some(&b':')
}

/// Forward slashes, no `.` or empty components, `..` folded where it can be, no trailing `/`.
pub(crate) fn normalize(path: &str) -> String {
    let p = path.trim().replace('\\', "/");
    let absolute = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            _ => parts.push(c),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::{FileCoverage, Format};

    fn repo_files() -> BTreeSet<String> {
        [
            "src/lib.rs",
            "src/main.rs",
            "crates/core/src/lib.rs",
            "pkg/a.go",
            "app/src/main/java/com/x/A.java",
            "python/pkg/utils.py",
            "web/src/index.ts",
            "README.md",
        ]
        .into_iter()
        .map(String::from)
        .collect()
    }

    fn report(paths: &[&str], sources: &[&str]) -> ParsedReport {
        let mut coverage = Coverage::default();
        for (i, p) in paths.iter().enumerate() {
            let mut f = FileCoverage::default();
            f.add_line(i as u32 + 1, 1);
            coverage.merge_file(p, f);
        }
        ParsedReport { coverage, format: Format::Lcov, sources: sources.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn coverage_paths_map_every_way_and_list_the_rest() {
        let files = repo_files();
        let repo = RepoPaths { files: &files, root: "/home/me/proj/", go_module: Some("example.com/proj") };
        let rules = vec![PathMap { from: "/build/web".into(), to: "web".into() }];
        let m = map_paths(
            report(
                &[
                    "src/main.rs",
                    "/home/me/proj/src/lib.rs",
                    "./crates/core/src/../src/lib.rs",
                    "example.com/proj/pkg/a.go",
                    "com/x/A.java",
                    "pkg/utils.py",
                    "/build/web/src/index.ts",
                    "/usr/include/stdio.h",
                    "/ci/runner/work/proj/proj/src/main.rs",
                    "lib.rs",
                ],
                &["/ci/checkout/python"],
            ),
            &repo,
            &rules,
        );
        let keys: Vec<&str> = m.coverage.files.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            vec![
                "app/src/main/java/com/x/A.java",
                "crates/core/src/lib.rs",
                "pkg/a.go",
                "python/pkg/utils.py",
                "src/lib.rs",
                "src/main.rs",
                "web/src/index.ts"
            ]
        );
        // src/main.rs was listed twice (relative and from a CI checkout): merged.
        assert_eq!(m.coverage.files["src/main.rs"].lines.len(), 2);
        // `lib.rs` alone is ambiguous between two crates: not guessed.
        assert_eq!(m.unmapped, vec!["/usr/include/stdio.h".to_owned(), "lib.rs".to_owned()]);
    }

    #[test]
    fn coverage_paths_use_cobertura_sources() {
        let files: BTreeSet<String> = ["src/pkg/mod.py".to_owned()].into();
        let repo = RepoPaths { files: &files, root: "/work/repo", go_module: None };
        let m = map_paths(report(&["pkg/mod.py"], &["/work/repo/src"]), &repo, &[]);
        assert!(m.coverage.files.contains_key("src/pkg/mod.py"));
        assert!(m.unmapped.is_empty());
    }

    #[test]
    fn coverage_paths_normalize() {
        assert_eq!(normalize("./a//b/./c"), "a/b/c");
        assert_eq!(normalize("C:\\proj\\src\\x.rs"), "C:/proj/src/x.rs");
        assert_eq!(normalize("/a/../../b"), "/b");
        assert_eq!(normalize("../x/y"), "../x/y");
    }
}
