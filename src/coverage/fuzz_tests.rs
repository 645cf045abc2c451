//! Property tests: no input, however broken, makes a reader panic; each returns `Ok` or an error.
//!
//! Each property runs 2000 cases by default to keep `cargo test` fast; set `PROPTEST_CASES`
//! (e.g. `PROPTEST_CASES=200000 cargo test --release --lib coverage::fuzz`) to search longer.

use std::path::PathBuf;

use proptest::prelude::*;
use proptest::sample::{select, Index};

use super::{read_report, Coverage, FileCoverage, Format};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

fn fixture(name: &str) -> Vec<u8> {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", "coverage", name].iter().collect();
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Values that break parsers: zero, negatives, overflows, separators, markup, controls.
const WEIRD: &[&str] = &[
    "0",
    "-1",
    "-",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "999999999999999999999999999",
    "1.5",
    "1e9",
    "",
    ",",
    ",,",
    ":",
    " ",
    "\n",
    "\r\n",
    "\0",
    "\u{FEFF}",
    "<",
    ">",
    "/>",
    "</line>",
    "\"",
    "'",
    "&amp;",
    "&bogus;",
    "&#0;",
    "[",
    "]",
    "{",
    "}",
    "null",
    "true",
    "end_of_record\n",
    "SF:\n",
    "DA:1,1\n",
    "mode: set\n",
    "(1/0)",
    "(5/2)",
    "(1/99999999)",
    "\u{10FFFF}",
    "\u{FF}",
];

#[derive(Debug, Clone)]
enum Mutation {
    Truncate(Index),
    Delete(Index, usize),
    Insert(Index, &'static str),
    Byte(Index, u8),
    /// Replaces the run of digits at or after a position.
    Number(Index, &'static str),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<Index>(), select(WEIRD)).prop_map(|(i, w)| Mutation::Insert(i, w)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Byte(i, b)),
        (any::<Index>(), select(WEIRD)).prop_map(|(i, w)| Mutation::Number(i, w)),
        (any::<Index>(), select(WEIRD)).prop_map(|(i, w)| Mutation::Number(i, w)),
    ]
}

fn apply(mut data: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = data.len();
        let at = |i: &Index| if len == 0 { 0 } else { i.index(len + 1) };
        match m {
            Mutation::Truncate(i) => data.truncate(at(i)),
            Mutation::Delete(i, n) => {
                let s = at(i).min(len);
                data.drain(s..(s + n).min(len));
            }
            Mutation::Insert(i, w) => {
                let s = at(i).min(len);
                data.splice(s..s, w.bytes());
            }
            Mutation::Byte(i, b) => {
                if len > 0 {
                    data[i.index(len)] = *b;
                }
            }
            Mutation::Number(i, w) => {
                let s = at(i).min(len);
                if let Some(start) = data[s..].iter().position(u8::is_ascii_digit).map(|p| p + s) {
                    let end = data[start..].iter().position(|b| !b.is_ascii_digit()).map_or(len, |p| p + start);
                    data.splice(start..end, w.bytes());
                }
            }
        }
    }
    data
}

/// Reads with the given format and with detection; either may fail, neither may panic.
fn read_both(data: &[u8], format: Format) {
    let _ = read_report("fuzz", data, Some(format));
    let _ = read_report("fuzz", data, None);
}

fn mutated(names: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    (select(names), prop::collection::vec(mutation(), 0..8)).prop_map(|(name, ms)| apply(fixture(name), &ms))
}

const LCOV: &[&str] = &["geninfo2.info", "cargo-llvm-cov.info", "istanbul.info", "coveragepy.info"];
const COBERTURA: &[&str] = &["coveragepy.xml", "gcovr.xml"];
const JACOCO: &[&str] = &["jacoco.xml"];
const LLVM: &[&str] = &["llvm-cov.json"];
const GO: &[&str] = &["go-set.out", "go-count.out", "go-atomic.out"];

/// LCOV-shaped lines with random keys and fields, to get past the first line more often than bytes do.
fn lcov_soup() -> impl Strategy<Value = Vec<u8>> {
    let key = select(&["SF", "DA", "BRDA", "FN", "FNDA", "FNL", "FNA", "MCDC", "TN", "VER", "LF", "XX", "da"][..]);
    let field =
        prop_oneof![select(WEIRD).prop_map(str::to_owned), any::<u32>().prop_map(|n| n.to_string()), "[ -~]{0,12}"];
    let line = (key, prop::collection::vec(field, 0..5)).prop_map(|(k, fs)| format!("{k}:{}\n", fs.join(",")));
    let line = prop_oneof![line, Just("end_of_record\n".to_owned()), Just("SF:a.c\n".to_owned())];
    prop::collection::vec(line, 0..40).prop_map(|ls| ls.concat().into_bytes())
}

fn small_coverage() -> impl Strategy<Value = Coverage> {
    let entry = (
        select(&["a.rs", "b.rs", "c.rs"][..]),
        1u32..20,
        prop_oneof![Just(0u64), Just(1), Just(u64::MAX)],
        0u8..3,
        any::<bool>(),
    );
    prop::collection::vec(entry, 0..30).prop_map(|entries| {
        let mut c = Coverage::default();
        for (path, line, hits, branch, taken) in entries {
            let mut f = FileCoverage::default();
            f.add_line(line, hits);
            f.add_branch(line, branch.to_string(), taken);
            c.merge_file(path, f);
        }
        c
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn coverage_merge_is_commutative_and_a_union(a in small_coverage(), b in small_coverage()) {
        let mut ab = a.clone();
        ab.merge(b.clone());
        let mut ba = b.clone();
        ba.merge(a.clone());
        prop_assert_eq!(&ab, &ba);
        for (path, f) in &ab.files {
            for (line, &hits) in &f.lines {
                let hit_in = |c: &Coverage| c.files.get(path).and_then(|f| f.lines.get(line)).is_some_and(|&h| h > 0);
                prop_assert_eq!(hits > 0, hit_in(&a) || hit_in(&b));
            }
        }
    }

    #[test]
    fn coverage_fuzz_arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..2048), f in select(&Format::ALL[..])) {
        read_both(&data, f);
    }

    #[test]
    fn coverage_fuzz_lcov_never_panics(data in mutated(LCOV)) {
        read_both(&data, Format::Lcov);
    }

    #[test]
    fn coverage_fuzz_lcov_soup_never_panics(data in lcov_soup()) {
        read_both(&data, Format::Lcov);
    }

    #[test]
    fn coverage_fuzz_cobertura_never_panics(data in mutated(COBERTURA)) {
        read_both(&data, Format::Cobertura);
    }

    #[test]
    fn coverage_fuzz_jacoco_never_panics(data in mutated(JACOCO)) {
        read_both(&data, Format::Jacoco);
    }

    #[test]
    fn coverage_fuzz_llvm_json_never_panics(data in mutated(LLVM)) {
        read_both(&data, Format::LlvmJson);
    }

    #[test]
    fn coverage_fuzz_go_never_panics(data in mutated(GO)) {
        read_both(&data, Format::Go);
    }

    #[test]
    fn coverage_fuzz_errors_always_name_the_report(data in mutated(LCOV)) {
        if let Err(e) = read_report("r.info", &data[..], None) {
            prop_assert_eq!(&e.report, "r.info");
            prop_assert!(e.to_string().starts_with("r.info"));
            prop_assert!(!e.message.is_empty());
        }
    }
}
