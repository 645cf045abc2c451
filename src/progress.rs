//! A progress line on stderr for long runs (`metrics` over a long history), shown only when
//! stderr is a terminal and not in CI, so logs and pipes never see it.
//!
//! The line is redrawn in place (`\r`) at most every 100 ms and erased when the run ends, so
//! the report that follows starts on a clean line.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How often the line is redrawn at most.
const EVERY: Duration = Duration::from_millis(100);
/// Runs shorter than this show nothing: a flash of text is noise.
const AFTER: Duration = Duration::from_millis(300);
const WIDTH: usize = 24;

/// One progress line; drop or [`Progress::finish`] it to erase it.
pub struct Progress {
    sink: Option<Box<dyn Write>>,
    started: Instant,
    last: Option<Instant>,
    drawn: bool,
}

impl Progress {
    /// A progress line on stderr when it is a terminal (and `CI` is not set), else a no-op.
    pub fn on_stderr() -> Self {
        let shown = std::io::stderr().is_terminal() && !crate::env::is_ci();
        Self::to(shown.then(|| Box::new(std::io::stderr()) as Box<dyn Write>))
    }

    /// A progress line drawn into `sink` (`None`: nothing is drawn).
    pub fn to(sink: Option<Box<dyn Write>>) -> Self {
        Self { sink, started: Instant::now(), last: None, drawn: false }
    }

    /// Reports `done` of `total` steps of `phase` (`total` 0: a count with no bar).
    pub fn update(&mut self, phase: &str, done: usize, total: usize) {
        let now = Instant::now();
        if self.sink.is_none()
            || now.duration_since(self.started) < AFTER
            || self.last.is_some_and(|l| now.duration_since(l) < EVERY)
        {
            return;
        }
        self.last = Some(now);
        let line = render(phase, done, total);
        if let Some(sink) = self.sink.as_mut() {
            // A progress line that cannot be drawn is not worth failing the run for.
            let _ = write!(sink, "\r{line}\x1b[K");
            let _ = sink.flush();
            self.drawn = true;
        }
    }

    /// Erases the line.
    pub fn finish(&mut self) {
        if let (true, Some(sink)) = (self.drawn, self.sink.as_mut()) {
            let _ = write!(sink, "\r\x1b[K");
            let _ = sink.flush();
        }
        self.drawn = false;
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

/// `metrics: reading notes [#########...............]  37% (37,000/100,000)`.
fn render(phase: &str, done: usize, total: usize) -> String {
    if total == 0 {
        return format!("git-policy {phase}: {}", thousands(done));
    }
    let done = done.min(total);
    let filled = done * WIDTH / total;
    format!(
        "git-policy {phase} [{}{}] {:>3}% ({}/{})",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        done * 100 / total,
        thousands(done),
        thousands(total)
    )
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A sink the test can read after the progress line is gone.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn renders_a_bar_a_percentage_and_counts() {
        assert_eq!(
            render("metrics: reading notes", 37_000, 100_000),
            "git-policy metrics: reading notes [########................]  37% (37,000/100,000)"
        );
        assert_eq!(render("x", 5, 5), "git-policy x [########################] 100% (5/5)");
        assert_eq!(render("x", 9, 5), "git-policy x [########################] 100% (5/5)");
        assert_eq!(render("walking trunk", 1_234_567, 0), "git-policy walking trunk: 1,234,567");
    }

    #[test]
    fn short_runs_draw_nothing_and_long_ones_are_erased() {
        let sink = Shared::default();
        let mut p = Progress::to(Some(Box::new(sink.clone())));
        p.update("x", 1, 10);
        assert!(sink.0.lock().unwrap().is_empty(), "nothing before 300 ms");
        p.started -= Duration::from_secs(1);
        p.update("x", 5, 10);
        p.update("x", 6, 10);
        p.finish();
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.matches("git-policy x").count(), 1, "at most one redraw per 100 ms: {text:?}");
        assert!(text.starts_with("\r") && text.ends_with("\r\x1b[K"), "{text:?}");
    }

    #[test]
    fn without_a_terminal_nothing_is_drawn() {
        let mut p = Progress::to(None);
        p.started -= Duration::from_secs(1);
        p.update("x", 1, 2);
        p.finish();
        assert!(!p.drawn);
    }
}
