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
