//! Which changed files are source code, and so must appear in a coverage report.
//!
//! A changed file that no report mentions fails the patch gates only if it is source: otherwise a
//! README, lock file or image would fail every change. "Source" is decided by extension, case
//! insensitively, from the list below: languages that the supported coverage tools measure.
//! Left out on purpose: markup, data and config (`md`, `toml`, `json`, `yml`, `xml`, `lock`, …),
//! styles and templates (`css`, `html`), shell scripts (rarely measured), build scripts
//! (`kts`, `gradle`, `cmake`), `proto` (generated code is measured, not its schema) and `d` (more
//! often a make dependency file than D). A source file that no test run can cover belongs in the
//! policy's `exclude`.

/// Extensions counted as source code.
pub const SOURCE_EXTENSIONS: &[&str] = &[
    // C, C++, Objective-C
    "c", "h", "cc", "cp", "cpp", "cxx", "c++", "hh", "hpp", "hxx", "h++", "inl", "ipp", "tcc", "m", "mm",
    // Rust, Go, Zig, Nim, Swift
    "rs", "go", "zig", "nim", "swift", // Python
    "py", "pyx", // JVM
    "java", "kt", "scala", "groovy", "clj", "cljs", "cljc", // JavaScript and TypeScript
    "js", "jsx", "mjs", "cjs", "ts", "tsx", "mts", "cts", "vue", "svelte", // .NET
    "cs", "fs", "fsx", "vb", // Others with coverage tools
    "dart", "rb", "php", "ex", "exs", "erl", "hrl", "hs", "lhs", "ml", "mli", "lua", "pl", "pm", "r", "jl", "f", "f90",
    "f95", "f03", "for", "cr", "sol", "elm", "gleam",
];

/// Whether a repository path names a source file, by its extension.
pub fn is_source(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, ext)) = name.rsplit_once('.') else { return false };
    !stem.is_empty() && SOURCE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_source_files_are_told_by_extension() {
        for p in ["src/lib.rs", "a/B.java", "x.PY", "web/app.tsx", "main.go", "inc/x.hpp"] {
            assert!(is_source(p), "{p}");
        }
        for p in [
            "README.md",
            "Cargo.toml",
            "package.json",
            ".github/ci.yml",
            "Cargo.lock",
            "logo.png",
            ".rs",
            "Makefile",
            "build.gradle.kts",
        ] {
            assert!(!is_source(p), "{p}");
        }
    }
}
