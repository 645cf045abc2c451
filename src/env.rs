//! Every environment variable git-policy reads, in one place.

use std::ffi::OsString;

/// `GIT_POLICY_SKIP`: comma-separated rule ids the hooks skip locally (never `check`).
pub fn skip_list() -> Vec<String> {
    std::env::var("GIT_POLICY_SKIP")
        .unwrap_or_default()
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `GIT_POLICY_FILE`: a policy file to use instead of the repository's.
pub fn policy_file() -> Option<OsString> {
    std::env::var_os("GIT_POLICY_FILE").filter(|v| !v.is_empty())
}

/// `GIT_POLICY_NOW`: a fixed clock for tests (Unix seconds); ignored unless set.
pub fn fixed_now() -> Option<i64> {
    std::env::var("GIT_POLICY_NOW").ok()?.trim().parse().ok()
}

/// The current time in Unix seconds (or the fixed clock).
pub fn now() -> i64 {
    fixed_now().unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    })
}

/// Whether colour may be used on a terminal (`NO_COLOR` unset or empty).
pub fn color_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Whether this is a CI run (`CI` set to anything but `false`/`0`/empty).
pub fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Reads a variable, empty treated as unset.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Marks the process start for [`trace`].
pub fn start_clock() {
    let _ = START.get_or_init(std::time::Instant::now);
}

/// `GIT_POLICY_TRACE=1`: prints how long each phase of a run took, on stderr, for finding where
/// a slow hook spends its time.
pub fn trace(phase: &str) {
    if std::env::var_os("GIT_POLICY_TRACE").is_some() {
        let us = START.get().map_or(0, |s| s.elapsed().as_micros());
        #[expect(clippy::print_stderr, reason = "the trace is diagnostic output for people, by request")]
        {
            eprintln!("git-policy trace: {us:>6} us  {phase}");
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;
    use std::process::Command;

    /// Every variable this module reads: removed in a child unless the test sets it.
    const READ: &[&str] =
        &["GIT_POLICY_SKIP", "GIT_POLICY_FILE", "GIT_POLICY_NOW", "NO_COLOR", "CI", "GIT_POLICY_TRACE", "PROBE_VAR"];

    /// What a probe reported from its child process.
    pub(crate) struct Probe {
        /// The text after `probe: ` on the probe's report line.
        pub(crate) report: String,
        /// The child's whole stderr.
        pub(crate) stderr: String,
    }

    /// Runs the ignored probe test `name` of this test binary, alone, in a child process whose
    /// environment is this one with `remove` and the variables of [`READ`] removed and `set` set.
    /// Tests never change their own process's environment: other tests read it from other threads.
    /// Panics unless exactly that one test ran and passed.
    pub(crate) fn probe(name: &str, set: &[(&str, &str)], remove: &[&str]) -> Probe {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args([name, "--exact", "--ignored", "--nocapture", "--test-threads=1"]);
        for v in READ.iter().chain(remove) {
            cmd.env_remove(v);
        }
        for (k, v) in set {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "probe {name} failed:\n{stdout}\n{stderr}");
        assert!(stdout.contains("1 passed"), "probe {name} did not run:\n{stdout}");
        let report = stdout.split_once("probe: ").and_then(|(_, r)| r.lines().next()).unwrap_or_default().to_string();
        Probe { report, stderr }
    }

    /// Writes a probe's report line, for [`probe`] to read.
    pub(crate) fn report(line: &str) {
        let mut out = std::io::stdout().lock();
        writeln!(out, "\nprobe: {line}").unwrap();
        out.flush().unwrap();
    }

    #[test]
    #[ignore = "a probe: the tests below run it in a child process with a chosen environment"]
    fn probe_env() {
        start_clock();
        trace("probe phase");
        report(&format!(
            "skip={:?} file={:?} fixed={:?} now={} color={} ci={} var={:?}",
            skip_list(),
            policy_file(),
            fixed_now(),
            now(),
            color_allowed(),
            is_ci(),
            var("PROBE_VAR"),
        ));
    }

    fn env_probe(set: &[(&str, &str)]) -> Probe {
        probe("env::tests::probe_env", set, &[])
    }

    #[test]
    fn ci_is_any_value_but_false_zero_or_empty() {
        assert!(env_probe(&[]).report.contains("ci=false"), "unset");
        for off in ["false", "0", ""] {
            assert!(env_probe(&[("CI", off)]).report.contains("ci=false"), "CI={off:?}");
        }
        for on in ["true", "1", "yes"] {
            assert!(env_probe(&[("CI", on)]).report.contains("ci=true"), "CI={on:?}");
        }
    }

    #[test]
    fn no_color_set_to_anything_turns_colour_off() {
        assert!(env_probe(&[]).report.contains("color=true"), "unset");
        assert!(env_probe(&[("NO_COLOR", "")]).report.contains("color=true"), "empty counts as unset");
        assert!(env_probe(&[("NO_COLOR", "1")]).report.contains("color=false"));
    }

    #[test]
    fn trace_writes_phases_to_stderr_only_when_asked() {
        let traced = env_probe(&[("GIT_POLICY_TRACE", "1")]);
        let line = traced.stderr.lines().find(|l| l.starts_with("git-policy trace:")).unwrap_or_default();
        assert!(line.ends_with(" us  probe phase"), "{}", traced.stderr);
        assert!(!env_probe(&[]).stderr.contains("git-policy trace"), "no trace unless asked");
    }

    #[test]
    fn overrides_are_parsed_and_empty_ones_ignored() {
        let r = env_probe(&[
            ("GIT_POLICY_SKIP", " commits.max-lines, ,branch.max-age,"),
            ("GIT_POLICY_FILE", "strict.toml"),
            ("GIT_POLICY_NOW", " 1700000000 "),
            ("PROBE_VAR", "x"),
        ])
        .report;
        assert!(r.contains(r#"skip=["commits.max-lines", "branch.max-age"]"#), "{r}");
        assert!(r.contains(r#"file=Some("strict.toml")"#), "{r}");
        assert!(r.contains("fixed=Some(1700000000) now=1700000000 "), "{r}");
        assert!(r.contains(r#"var=Some("x")"#), "{r}");
        let r = env_probe(&[("GIT_POLICY_FILE", ""), ("GIT_POLICY_NOW", "soon"), ("PROBE_VAR", "")]).report;
        assert!(r.contains("skip=[] file=None fixed=None"), "{r}");
        assert!(r.contains("var=None"), "empty counts as unset: {r}");
    }
}
