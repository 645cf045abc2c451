//! The coverage ratchet: totals recorded on trunk, and whether a new total may stand.
//!
//! CI on trunk runs `git-policy coverage --record`, which adds one `recorded` event to the
//! coverage stream (`refs/notes/git-policy/coverage`) on the commit it measured:
//!
//! `2026-12-04T10:00:00Z v1 recorded tz=+0000 total=95.43 lines=11015/11827 branches=812/1020`
//!
//! `lines` is exact (covered/measured); `total` is the same figure floored to two decimals, for
//! people and for older readers. When the total drops further than `ratchet-tolerance` below the
//! previous record, the event also carries `previous=` and the `reason=` it was allowed for.
//! Every run adds its own line, so reruns and two CI machines merge by a union of lines; a
//! commit's latest line is its record.
//!
//! A change is judged against the newest record on the first-parent history of its base: it
//! holds when its total is at least that record minus the tolerance (percentage points, exact).

use super::gates::Tally;
use crate::events::Event;
use crate::policy::units::Percent;

/// The event kind of a recorded total.
pub const RECORDED: &str = "recorded";

/// The commit trailer that states why a change lowers the total on purpose.
pub const REASON_TRAILER: &str = "Coverage-Drop-Reason";

/// Largest count accepted from a note: far above any real project, far below overflow.
const MAX_COUNT: u64 = 1_000_000_000_000;

/// A total recorded on a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// When it was recorded, Unix seconds.
    pub time: i64,
    /// Line coverage, exact when the note has `lines=`, else as the note's `total=` says.
    pub total: Percent,
    /// The exact counts, when recorded.
    pub lines: Option<Tally>,
    /// Why a drop was allowed, when one was.
    pub reason: Option<String>,
}

impl Recorded {
    /// Reads a `recorded` event; `None` for other kinds, an error for a record that is not
    /// readable (which must not silently stop the ratchet).
    pub fn from_event(e: &Event) -> Option<Result<Self, String>> {
        if e.kind != RECORDED {
            return None;
        }
        Some(Self::read(e))
    }

    fn read(e: &Event) -> Result<Self, String> {
        let lines = e.get("lines").map(parse_tally).transpose()?;
        let total = match (lines.and_then(|t| t.percent()), e.get("total")) {
            (Some(p), _) => p,
            (None, Some(t)) => Percent::parse(t).map_err(|m| format!("total={t}: {m}"))?,
            (None, None) => return Err("the record has neither lines= nor total=".into()),
        };
        Ok(Self { time: e.time, total, lines, reason: e.get("reason").map(str::to_string) })
    }

    /// The newest readable record among a commit's events.
    pub fn latest(events: &[Event]) -> Option<Result<Self, String>> {
        events.iter().filter(|e| e.kind == RECORDED).max_by_key(|e| e.time).and_then(Self::from_event)
    }
}

/// `covered/measured`, as written in `lines=` and `branches=`.
fn parse_tally(text: &str) -> Result<Tally, String> {
    let bad = || format!("lines={text} is not covered/measured (two whole numbers)");
    let (c, m) = text.split_once('/').ok_or_else(bad)?;
    let covered: u64 = c.parse().map_err(|_| bad())?;
    let measured: u64 = m.parse().map_err(|_| bad())?;
    if covered > measured || measured > MAX_COUNT {
        return Err(format!("lines={text}: covered must be at most measured, and measured at most {MAX_COUNT}"));
    }
    Ok(Tally { measured, covered })
}

/// Builds the event that records a run's totals.
pub fn event(now: i64, lines: Tally, branches: Tally, previous: Option<&Recorded>, reason: Option<&str>) -> Event {
    let mut e = Event::new(now, RECORDED).with("tz", "+0000");
    if let Some(p) = lines.percent() {
        e = e.with("total", plain(p));
    }
    e = e.with("lines", format!("{}/{}", lines.covered, lines.measured));
    if branches.measured > 0 {
        e = e.with("branches", format!("{}/{}", branches.covered, branches.measured));
    }
    if let Some(prev) = previous {
        e = e.with("previous", plain(prev.total));
    }
    if let Some(r) = reason {
        e = e.with("reason", r);
    }
    e
}

/// A percentage floored to two decimals without the `%` sign.
fn plain(p: Percent) -> String {
    let h = p.floor_hundredths();
    format!("{}.{:02}", h / 100, h % 100)
}

/// The lowest total a change may have against `baseline` (on an arithmetic overflow, which no
/// real count reaches, the baseline itself).
pub fn floor(baseline: Percent, tolerance: Option<Percent>) -> Percent {
    match tolerance {
        Some(t) => baseline.minus_points(t).unwrap_or(baseline),
        None => baseline,
    }
}

/// The reason a drop is allowed for, from the first `Coverage-Drop-Reason` trailer of the
/// messages given (the change's commits, newest first).
pub fn reason_in<'a>(messages: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let cfg = crate::trailers::TrailerConfig::default();
    messages.into_iter().find_map(|m| {
        crate::trailers::parse(m, &cfg)
            .into_iter()
            .find(|t| t.key_is(REASON_TRAILER) && !t.value.trim().is_empty())
            .map(|t| t.value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(t: &str) -> Percent {
        Percent::parse(t).unwrap()
    }

    fn holds(baseline: Percent, current: Percent, tolerance: Option<Percent>) -> bool {
        current >= floor(baseline, tolerance)
    }

    #[test]
    fn ratchet_holds_within_the_tolerance_and_fails_below_it_exactly() {
        assert!(holds(p("95"), p("95"), None));
        assert!(holds(p("95"), p("96"), None));
        assert!(!holds(p("95"), Percent::ratio(949_999, 1_000_000).unwrap(), None));
        assert!(holds(p("95"), p("94.9"), Some(p("0.1"))));
        assert!(!holds(p("95"), Percent::ratio(948_999, 10_000_000).unwrap(), Some(p("0.1"))));
        // A tolerance larger than the total floors at 0%: anything holds.
        assert!(holds(p("0.5"), p("0"), Some(p("1"))));
    }

    #[test]
    fn recorded_events_round_trip_through_a_note_line() {
        let prev = Recorded { time: 1, total: p("96"), lines: None, reason: None };
        let e = event(
            1_800_000_000,
            Tally { measured: 3, covered: 2 },
            Tally { measured: 4, covered: 1 },
            Some(&prev),
            Some("drop the dead module's tests"),
        );
        let line = e.to_line();
        assert!(line.contains(" recorded tz=+0000 total=66.66 lines=2/3 branches=1/4 previous=96.00 reason=drop%20the"));
        let back = Recorded::from_event(&Event::parse(&line).unwrap()).unwrap().unwrap();
        // The exact ratio comes back, not the floored display.
        assert_eq!(back.total, Percent::ratio(2, 3).unwrap());
        assert_eq!(back.lines, Some(Tally { measured: 3, covered: 2 }));
        assert_eq!(back.reason.as_deref(), Some("drop the dead module's tests"));
    }

    #[test]
    fn records_without_lines_use_the_total_and_bad_records_are_errors() {
        let e = Event::new(5, RECORDED).with("total", "93.5");
        assert_eq!(Recorded::from_event(&e).unwrap().unwrap().total, p("93.5"));
        for bad in [
            Event::new(5, RECORDED),
            Event::new(5, RECORDED).with("total", "lots"),
            Event::new(5, RECORDED).with("lines", "5/4"),
            Event::new(5, RECORDED).with("lines", "5"),
            Event::new(5, RECORDED).with("lines", "1/99999999999999999"),
        ] {
            assert!(Recorded::from_event(&bad).unwrap().is_err(), "{bad:?}");
        }
        assert!(Recorded::from_event(&Event::new(5, "deployed")).is_none());
    }

    #[test]
    fn the_latest_record_of_a_commit_wins() {
        let events = vec![
            Event::new(20, RECORDED).with("lines", "9/10"),
            Event::new(30, "something-newer").with("lines", "1/10"),
            Event::new(10, RECORDED).with("lines", "1/10"),
        ];
        assert_eq!(Recorded::latest(&events).unwrap().unwrap().total, p("90"));
        assert!(Recorded::latest(&[]).is_none());
    }

    #[test]
    fn the_reason_comes_from_the_first_message_with_the_trailer() {
        let msgs = [
            "fix: x\n\nbody\n",
            "chore: drop legacy\n\nCoverage-Drop-Reason: the legacy importer and its tests are gone\n",
            "feat: y\n\ncoverage-drop-reason: later one\n",
        ];
        assert_eq!(reason_in(msgs).as_deref(), Some("the legacy importer and its tests are gone"));
        assert_eq!(reason_in(["feat: y\n\nCoverage-Drop-Reason:  \n"]), None);
        assert_eq!(reason_in(["Coverage-Drop-Reason: a subject is not a trailer"]), None);
    }
}
