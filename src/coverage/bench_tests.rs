//! A hand-run timing of the LCOV reader on a generated 50 MB tracefile (nothing is stored):
//! `cargo test --release --lib coverage::bench_tests -- --ignored --nocapture`.

use std::io::Write;
use std::time::Instant;

use super::{read_report, Format, ParsedReport};

/// Writes an lcov-shaped tracefile of about `size` bytes: many files, functions, lines, branches.
fn generate(size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 4096);
    let mut file = 0u64;
    while out.len() < size {
        file += 1;
        let _ = writeln!(out, "TN:\nSF:/home/runner/work/proj/proj/src/module_{}/file_{file}.rs", file % 97);
        for f in 0..20u64 {
            let _ = writeln!(out, "FN:{},_RNvCs8RkqT0Yh2Lk_4proj{file}func{f}", f * 40 + 1);
        }
        for f in 0..20u64 {
            let _ = writeln!(out, "FNDA:{},_RNvCs8RkqT0Yh2Lk_4proj{file}func{f}", (f * file) % 7);
        }
        let _ = writeln!(out, "FNF:20\nFNH:17");
        for line in 1..=800u64 {
            let _ = writeln!(out, "DA:{line},{}", (line * 31 + file) % 13);
        }
        for line in (1..=800u64).step_by(10) {
            let _ = writeln!(out, "BRDA:{line},0,0,{}\nBRDA:{line},0,1,-", line % 3);
        }
        let _ = writeln!(out, "BRF:160\nBRH:53\nLF:800\nLH:738\nend_of_record");
    }
    out
}

/// First, best and median of `runs` timed parses, in milliseconds, and the number of files read.
///
/// Freeing the result is not timed (a one-shot CLI run need not free it). The first run is the
/// one a CLI sees: later runs in the same process reuse freed memory but also pay glibc's
/// consolidation of the previous result's millions of small freed chunks, so both are shown.
fn time(runs: usize, mut parse: impl FnMut() -> ParsedReport) -> (f64, f64, f64, usize) {
    let mut times = Vec::with_capacity(runs);
    let mut files = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let report = parse();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        files = report.coverage.files.len();
        drop(report);
    }
    let first = times[0];
    times.sort_by(f64::total_cmp);
    (first, times[0], times[runs / 2], files)
}

#[test]
#[ignore = "timing; run by hand in release mode"]
fn coverage_bench_lcov_50mb() {
    let data = generate(50 * 1024 * 1024);
    let da_only: Vec<u8> =
        data.split_inclusive(|&b| b == b'\n').filter(|l| !l.starts_with(b"BRDA")).flatten().copied().collect();
    let mut err = std::io::stderr();
    let parse = |bytes: &[u8], capacity: Option<usize>| match capacity {
        None => read_report("bench.info", bytes, Some(Format::Lcov)).unwrap(),
        Some(c) => read_report("bench.info", std::io::BufReader::with_capacity(c, bytes), Some(Format::Lcov)).unwrap(),
    };
    for (label, bytes, capacity) in [
        ("in memory", &data[..], None),
        ("BufReader 64 KiB", &data[..], Some(64 * 1024)),
        ("BufReader 8 KiB", &data[..], Some(8 * 1024)),
        ("in memory, no BRDA", &da_only[..], None),
    ] {
        let (first, best, median, files) = time(9, || parse(bytes, capacity));
        let size = bytes.len() as f64 / (1024.0 * 1024.0);
        let _ = writeln!(
            err,
            "lcov {label}: {size:.1} MiB, {files} files: first {first:.1} ms ({:.0} MiB/s), best {best:.1} ms, \
             median {median:.1} ms",
            size / first * 1000.0
        );
    }
}

/// A coverage.py-shaped Cobertura report of about `size` bytes.
fn generate_cobertura(size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + 4096);
    let _ = writeln!(out, "<?xml version=\"1.0\" ?>\n<coverage version=\"7.6.1\">\n<sources><source>/ci/src</source></sources>\n<packages><package name=\"p\"><classes>");
    let mut file = 0u64;
    while out.len() < size {
        file += 1;
        let _ =
            writeln!(out, "<class name=\"m{file}.py\" filename=\"p/m{file}.py\" line-rate=\"0.9\"><methods/><lines>");
        for line in 1..=800u64 {
            if line % 10 == 0 {
                let _ = writeln!(
                    out,
                    "<line number=\"{line}\" hits=\"{}\" branch=\"true\" condition-coverage=\"50% (1/2)\" missing-branches=\"{}\"/>",
                    line % 3,
                    line + 2
                );
            } else {
                let _ = writeln!(out, "<line number=\"{line}\" hits=\"{}\"/>", line % 3);
            }
        }
        let _ = writeln!(out, "</lines></class>");
    }
    let _ = writeln!(out, "</classes></package></packages></coverage>");
    out
}

#[test]
#[ignore = "timing; run by hand in release mode"]
fn coverage_bench_cobertura_50mb() {
    let data = generate_cobertura(50 * 1024 * 1024);
    let (first, best, median, files) =
        time(5, || read_report("bench.xml", &data[..], Some(Format::Cobertura)).unwrap());
    let size = data.len() as f64 / (1024.0 * 1024.0);
    let _ = writeln!(
        std::io::stderr(),
        "cobertura in memory: {size:.1} MiB, {files} files: first {first:.1} ms ({:.0} MiB/s), best {best:.1} ms, \
         median {median:.1} ms",
        size / first * 1000.0
    );
}
