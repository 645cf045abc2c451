//! Realistic reports of each writer, read from tests/data/coverage, then mapped, merged and gated.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::*;

fn fixture(name: &str) -> Vec<u8> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", "coverage", name].iter().collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(name: &str) -> ParsedReport {
    read_report(name, &fixture(name)[..], None).unwrap_or_else(|e| panic!("{e}"))
}

fn lines(r: &ParsedReport, path: &str) -> Vec<(u32, u32)> {
    r.coverage.files[path].lines.iter().map(|(&l, &h)| (l, h)).collect()
}

fn counts(f: &FileCoverage) -> (u64, u64, u64, u64) {
    (f.lines.len() as u64, f.covered_lines(), f.branches.len() as u64, f.taken_branches())
}

#[test]
fn coverage_fixture_geninfo_2x_with_fnl_fna_mcdc_and_checksums() {
    let r = read("geninfo2.info");
    assert_eq!(r.format, Format::Lcov);
    let f = &r.coverage.files["/home/ci/build/proj/src/parse.c"];
    assert_eq!(counts(f), (12, 7, 6, 3));
    assert!(f.branches.contains_key(&(22, "0,(len > 0) && strncmp(buf, \"#\", 1)".into())));
    assert_eq!(lines(&r, "/home/ci/build/proj/include/parse.h"), vec![(7, 4)]);
}

#[test]
fn coverage_fixture_cargo_llvm_cov_lcov() {
    let r = read("cargo-llvm-cov.info");
    assert_eq!(counts(&r.coverage.files["/home/runner/work/proj/proj/src/lib.rs"]), (13, 10, 0, 0));
    assert_eq!(counts(&r.coverage.files["/home/runner/work/proj/proj/src/main.rs"]), (3, 0, 0, 0));
}

#[test]
fn coverage_fixture_istanbul_lcov_with_fnf_before_fnda() {
    let r = read("istanbul.info");
    assert_eq!(counts(&r.coverage.files["/home/ci/app/src/math.js"]), (6, 3, 4, 1));
    assert_eq!(counts(&r.coverage.files["/home/ci/app/src/index.js"]), (2, 2, 0, 0));
}

#[test]
fn coverage_fixture_coveragepy_lcov_with_free_text_branches() {
    let r = read("coveragepy.info");
    let f = &r.coverage.files["src/packaging/utils.py"];
    assert_eq!(counts(f), (8, 7, 5, 2));
    assert_eq!(f.branches.get(&(13, "0,jump to line 16".into())), Some(&true));
    assert_eq!(f.branches.get(&(19, "0,return from function 'canonicalize_name'".into())), Some(&false));
}

#[test]
fn coverage_fixture_coveragepy_cobertura() {
    let r = read("coveragepy.xml");
    assert_eq!(r.format, Format::Cobertura);
    assert_eq!(r.sources, vec!["/home/runner/work/pkg/pkg/src".to_owned()]);
    assert_eq!(counts(&r.coverage.files["packaging/utils.py"]), (8, 6, 4, 3));
    assert_eq!(counts(&r.coverage.files["packaging/version.py"]), (3, 3, 0, 0));
}

#[test]
fn coverage_fixture_gcovr_cobertura_skips_method_lines() {
    let r = read("gcovr.xml");
    assert_eq!(r.sources, vec!["/home/ci/build/proj".to_owned()]);
    assert_eq!(lines(&r, "src/parse.c"), vec![(12, 4), (15, 4), (16, 0), (22, 4), (30, 4), (34, 0)]);
    assert_eq!(counts(&r.coverage.files["src/parse.c"]), (6, 4, 4, 2));
    assert_eq!(lines(&r, "src/util.c"), vec![(3, 7)]);
}

#[test]
fn coverage_fixture_jacoco() {
    let r = read("jacoco.xml");
    assert_eq!(r.format, Format::Jacoco);
    assert_eq!(lines(&r, "com/example/app/Greeter.java"), vec![(3, 3), (5, 4), (6, 0), (8, 5)]);
    assert_eq!(counts(&r.coverage.files["com/example/app/Greeter.java"]), (4, 3, 2, 1));
    assert_eq!(counts(&r.coverage.files["com/example/app/util/Strings.kt"]), (2, 0, 0, 0));
}

#[test]
fn coverage_fixture_llvm_cov_export_json_matches_its_summary() {
    let r = read("llvm-cov.json");
    assert_eq!(r.format, Format::LlvmJson);
    let main = "/home/runner/work/proj/proj/src/main.rs";
    assert_eq!(lines(&r, main), vec![(1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 0), (7, 0), (8, 1)]);
    // The export's own summary says lines 8/6 and branches 2/1 for main.rs, 6/3 for util.rs.
    assert_eq!(counts(&r.coverage.files[main]), (8, 6, 2, 1));
    let util = "/home/runner/work/proj/proj/src/util.rs";
    assert_eq!(lines(&r, util), vec![(1, 2), (2, 2), (3, 2), (5, 0), (6, 0), (7, 0)]);
}

#[test]
fn coverage_fixture_go_profiles_in_each_mode() {
    let set = read("go-set.out");
    let cart = "example.com/shop/cart/cart.go";
    assert_eq!(
        lines(&set, cart),
        vec![(10, 1), (11, 1), (12, 1), (13, 0), (14, 0), (15, 1), (18, 0), (19, 0), (20, 0)]
    );
    let count = read("go-count.out");
    assert_eq!(lines(&count, cart)[..3], [(10, 10), (11, 10), (12, 10)]);
    let atomic = read("go-atomic.out");
    assert_eq!(lines(&atomic, cart)[2..5], [(12, 12), (13, 4), (14, 4)]);
}

#[test]
fn coverage_fixture_wrong_format_is_a_clear_error() {
    let e = read_report("coverage.xml", &fixture("jacoco.xml")[..], Some(Format::Cobertura)).unwrap_err();
    assert!(e.message.contains("JaCoCo"), "{e}");
    let e = read_report("lcov.info", &fixture("gcovr.xml")[..], Some(Format::Lcov)).unwrap_err();
    assert!(e.to_string().starts_with("lcov.info:1: "), "{e}");
    let e = read_report("c.out", &fixture("istanbul.info")[..], Some(Format::Go)).unwrap_err();
    assert!(e.message.contains("mode:"), "{e}");
    let e = read_report("x.json", &fixture("go-set.out")[..], Some(Format::LlvmJson)).unwrap_err();
    assert_eq!(e.line, Some(1));
    let e = read_report("empty.info", &b"\n\n"[..], None).unwrap_err();
    assert_eq!(e.to_string(), "empty.info: the report is empty");
    let truncated = &fixture("gcovr.xml")[..900];
    let e = read_report("gcovr.xml", truncated, None).unwrap_err();
    assert!(e.message.contains("truncated"), "{e}");
}

fn set(paths: &[&str]) -> BTreeSet<String> {
    paths.iter().map(|p| p.to_string()).collect()
}

#[test]
fn coverage_fixture_gcc_reports_map_and_merge_across_formats() {
    let files = set(&["src/parse.c", "src/util.c", "include/parse.h", "README.md"]);
    let repo = RepoPaths { files: &files, root: "/work/repo", go_module: None };
    let mapper = PathMapper::new(repo, &[]);
    let lcov = mapper.map(read("geninfo2.info"));
    let xml = mapper.map(read("gcovr.xml"));
    assert!(lcov.unmapped.is_empty() && xml.unmapped.is_empty(), "{lcov:?} {xml:?}");
    let mut merged = lcov.coverage;
    merged.merge(xml.coverage);
    let parse = &merged.files["src/parse.c"];
    // Union of both reports' lines; hits add.
    assert_eq!(parse.lines.len(), 12);
    assert_eq!(parse.lines[&12], 8);
    assert_eq!(merged.files.len(), 3);
}

#[test]
fn coverage_fixture_coveragepy_reports_map_via_sources_and_gate_a_change() {
    let files = set(&["src/packaging/utils.py", "src/packaging/version.py", "pyproject.toml"]);
    let repo = RepoPaths { files: &files, root: "/home/runner/work/pkg/pkg", go_module: None };
    let a = map_paths(read("coveragepy.info"), &repo, &[]);
    let b = map_paths(read("coveragepy.xml"), &repo, &[]);
    assert!(a.unmapped.is_empty() && b.unmapped.is_empty());
    let mut merged = a.coverage;
    merged.merge(b.coverage);
    // Line 19 is only in the XML (uncovered there); 9 only in the lcov (covered).
    let utils = &merged.files["src/packaging/utils.py"];
    assert_eq!((utils.lines.len(), utils.covered_lines()), (9, 7));
    let (raw, _) = crate::policy::load::parse("p.toml", "[coverage]\nmin-patch = 75\nmin-total = 80\n").unwrap();
    let policy = crate::policy::model::Policy::from_raw(&raw).unwrap().coverage.unwrap();
    let changed: BTreeMap<String, BTreeSet<u32>> = [
        ("src/packaging/utils.py".to_owned(), BTreeSet::from([13, 14, 15, 19, 40])),
        ("pyproject.toml".to_owned(), BTreeSet::from([3])),
    ]
    .into();
    let r = evaluate(&merged, &policy, &changed, &[]);
    assert_eq!((r.patch.measured, r.patch.covered), (3, 1));
    assert_eq!(
        r.uncovered_patch.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["src/packaging/utils.py:14", "src/packaging/utils.py:19"]
    );
    assert_eq!(r.gates.iter().map(|g| g.verdict).collect::<Vec<_>>(), [Verdict::Pass, Verdict::Fail]);
    assert_eq!(r.total.percent().map(|p| p.to_string()), Some("83.33%".into()));
}

#[test]
fn coverage_fixture_go_and_jacoco_paths_map() {
    let files = set(&["cart/cart.go", "internal/tax/tax.go"]);
    let repo = RepoPaths { files: &files, root: "/src/shop", go_module: Some("example.com/shop") };
    let m = map_paths(read("go-set.out"), &repo, &[]);
    assert_eq!(m.coverage.files.keys().collect::<Vec<_>>(), ["cart/cart.go", "internal/tax/tax.go"]);
    let files = set(&[
        "app/src/main/java/com/example/app/Greeter.java",
        "app/src/main/kotlin/com/example/app/util/Strings.kt",
        "lib/src/main/java/com/example/lib/Greeter.java",
    ]);
    let repo = RepoPaths { files: &files, root: "/src/app", go_module: None };
    let m = map_paths(read("jacoco.xml"), &repo, &[]);
    assert!(m.unmapped.is_empty(), "{:?}", m.unmapped);
    assert!(m.coverage.files.contains_key("app/src/main/java/com/example/app/Greeter.java"));
}
