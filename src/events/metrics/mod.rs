//! The DORA metrics engine: typed changes, deployments and incidents in, the four keys (plus the
//! 2024 rework rate), their survey bands and a weekly trend out.
//!
//! The engine is pure. It never reads git or the clock: the caller resolves each change's first
//! commit time, answers ancestry questions through the `contains` oracle (with its own cache), and
//! passes `now`. Any input is accepted (negative times, `until < since`, duplicates, dangling
//! references) and nothing panics; values that cannot be computed are `None`, never NaN.
//!
//! # Definitions
//!
//! All times are Unix seconds, UTC. The window is `[since, until)`; `until < since` is treated as
//! an empty window at `since`.
//!
//! **Scope.** Only deployments to [`Options::ring`] (the production ring, `ga` by default) count.
//! With [`Options::service`] set, a deployment or incident is in scope only if its service equals
//! it exactly (no service means "the whole repository" and does not match a filter), and a change
//! only if it lists that service. `env` is carried but not used for matching, as the ring already
//! names the production environment. Incidents carry no ring: they are taken to belong to the
//! measured ring's environment, so for a secondary ring the caller passes that ring's incidents
//! (usually none).
//!
//! **Duplicates.** Deployment records are merged by `(service, id)` within the ring: a finished
//! record (success or failed) beats `started`, the later finished record wins, and `fixes`,
//! `rollback_of`, `rollback_to` and `redeploy` are combined. Incidents merge by id (earliest open
//! and ack, latest resolution, most severe severity); changes by id (earliest first commit, union
//! of services).
//!
//! **Kinds of deployment.** Among successful deployments, in time order: a *rollback* has
//! `rollback_of` or `rollback_to`; a *redeploy* is flagged by the caller or repeats a revision
//! already deployed to the same ring and service (at any earlier time); every other one is a
//! *deployment* proper. Only deployments proper count in frequency and change fail rate. A
//! redeploy stands for the deployment proper of its revision when something references it.
//! `failed` records are pipeline failures (never live) and `started` records without a finish are
//! unfinished; both are reported apart and take part in nothing else.
//!
//! **References.** A reference (`rollback_of`, `fixes`, `cause`) names a deployment id, else a
//! revision, within the ring; service-compatible matches only (equal, or either side has no
//! service). Rollback and fix references must point at an earlier-or-same-time deployment other
//! than the referencing one. `cause` values `""`, `unknown` and `inferred` mean "unknown".
//!
//! See the submodules for each key: [`leadtime`], [`deploys`], [`incidents`], [`bands`].
//!
//! # Statistics
//!
//! * Median: the middle value of the sorted values; for an even count the mean of the two middle
//!   values, rounded down to a whole second (floor), as the inputs are whole seconds.
//! * Percentile `p`: nearest rank on the ascending values, the value at 1-based rank
//!   `ceil(p × n / 100)` (at least 1), so p90 of one value is that value and p90 of 8 values is
//!   the 8th.
//! * Days are 86,400-second buckets counted from `since` and weeks are 7-day buckets from `since`
//!   (not ISO weeks), so the caller picks the alignment by choosing `since` (midnight, a Monday).

pub mod bands;
pub mod deploys;
pub mod incidents;
pub mod leadtime;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::Serialize;

pub use bands::{Band, BandYear, Bands};

use crate::policy::Policy;

/// Seconds in a day.
pub const DAY: i64 = 86_400;
/// Seconds in a week.
pub const WEEK: i64 = 7 * DAY;
/// The least severe severity whose explicit cause marks a deployment failed (Sev1 and Sev2); the
/// inferred link uses the same cut, so inference is never looser than an explicit cause.
pub const CAUSE_MAX_SEV: u8 = 2;
/// The most weeks the trend keeps (the latest ones); twenty years is far more than any report
/// shows, and the cap keeps absurd windows from allocating without bound.
pub const MAX_TREND_WEEKS: usize = 1040;

/// A change: a commit that reached trunk (a squash or rebase merge is one change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The trunk commit.
    pub id: String,
    /// The change's start: the earliest `committed` stamp of its commits, else their earliest
    /// author date (resolved by the caller).
    pub first_commit: i64,
    /// When it reached trunk, if known.
    pub merged_at: Option<i64>,
    /// Services whose paths it touches; empty when unknown or in a single-service repository.
    pub services: Vec<String>,
}

/// How a deployment record ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeployStatus {
    /// The ring rollout began.
    Started,
    /// The ring rollout finished and the revision is live.
    Success,
    /// The pipeline failed; the revision never went live.
    Failed,
}

/// One deployment record to one ring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deployment {
    /// The deploy id (pipeline run); repeated records of one id are one deployment.
    pub id: String,
    /// The deployed revision (a trunk commit).
    pub revision: String,
    /// The ring (`internal`, `preview`, `ga`, ...).
    pub ring: String,
    /// The environment name, carried for display.
    pub env: String,
    /// The service, or `None` for the whole repository.
    pub service: Option<String>,
    /// How the record ended.
    pub status: DeployStatus,
    /// When (start or finish, per `status`).
    pub time: i64,
    /// For a rollback: the deployment id or revision rolled back.
    pub rollback_of: Option<String>,
    /// For a rollback: the revision rolled back to.
    pub rollback_to: Option<String>,
    /// Deployment ids, revisions or incident ids this deployment fixes.
    pub fixes: Vec<String>,
    /// The caller knows this redeploys an already deployed revision; the engine also detects it.
    pub redeploy: bool,
}

/// One incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incident {
    /// The incident id.
    pub id: String,
    /// Severity, 1 the most severe.
    pub sev: u8,
    /// The affected service, if known.
    pub service: Option<String>,
    /// When it was opened.
    pub opened: i64,
    /// When it was acknowledged.
    pub acked: Option<i64>,
    /// When service was restored.
    pub resolved: Option<i64>,
    /// The deployment id or revision that caused it; `None` when unknown.
    pub cause: Option<String>,
    /// How it was resolved (`rollback`, `fix-forward`, `other`), carried for display.
    pub via: Option<String>,
    /// The deployment id that fixed it.
    pub fix_deploy: Option<String>,
}

/// Targets for one severity: acknowledge within, and restore within when set (seconds).
pub type Sla = (i64, Option<i64>);

/// What to measure and against what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Options {
    /// Window start (inclusive).
    pub since: i64,
    /// Window end (exclusive).
    pub until: i64,
    /// The ring measured; the production ring by default.
    pub ring: String,
    /// Only this service, if set.
    pub service: Option<String>,
    /// How long after a deployment an unexplained incident in its service is blamed on it.
    pub inferred_window: i64,
    /// Targets by severity.
    pub sla: BTreeMap<u8, Sla>,
    /// Which survey's bands to report.
    pub bands: BandYear,
    /// Optional: each trunk commit's position on trunk's first-parent chain (higher is newer).
    /// With it, "the first deployment that contains this change" is a binary search instead of an
    /// ancestry question per deployment, which matters for long histories; revisions not in the
    /// map are still asked through the ancestry oracle.
    #[serde(skip)]
    pub trunk_order: Option<std::collections::HashMap<String, u64>>,
}

impl Options {
    /// The defaults of a policy without `[deploy]` or `[incidents]`: ring `ga`, a 24-hour inferred
    /// window, and Sev1 30 min, Sev2 1 h, Sev3 24 h to acknowledge.
    pub fn new(since: i64, until: i64) -> Self {
        Self {
            since,
            until,
            ring: "ga".to_string(),
            service: None,
            inferred_window: DAY,
            sla: [(1, (30 * 60, None)), (2, (3600, None)), (3, (DAY, None))].into_iter().collect(),
            bands: BandYear::Y2024,
            trunk_order: None,
        }
    }

    /// The ring, inferred window and SLA table of a policy.
    pub fn from_policy(policy: &Policy, since: i64, until: i64) -> Self {
        // Policy durations are u64; anything beyond i64 is "forever" for every comparison here.
        let secs = |d: crate::policy::units::Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
        Self {
            ring: policy.deploy.production.clone(),
            inferred_window: secs(policy.incidents.inferred_window),
            sla: policy
                .incidents
                .severity
                .iter()
                .map(|(n, s)| (*n, (secs(s.respond_within), s.restore_within.map(secs))))
                .collect(),
            ..Self::new(since, until)
        }
    }
}

/// Every key, for JSON, CSV or HTML.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    /// What was measured.
    pub window: Window,
    /// Lead time for changes.
    pub lead_time: LeadTime,
    /// Deployment frequency.
    pub deployment_frequency: DeploymentFrequency,
    /// Change fail rate.
    pub change_fail_rate: ChangeFailRate,
    /// Failed deployment recovery time.
    pub recovery_time: RecoveryTime,
    /// Incident response by severity against the SLA.
    pub incidents: Vec<SeverityStats>,
    /// Deployment rework rate (2024).
    pub rework_rate: ReworkRate,
    /// The survey bands of the four keys.
    pub bands: Bands,
    /// The keys week by week.
    pub trend: Trend,
}

/// The measured window and scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Start (inclusive).
    pub since: i64,
    /// End (exclusive); equals `since` when the window is empty.
    pub until: i64,
    /// Days in the window, a partial day counting as one.
    pub days: i64,
    /// Whole weeks in the window.
    pub full_weeks: i64,
    /// The ring.
    pub ring: String,
    /// The service filter.
    pub service: Option<String>,
}

/// A change whose lead time was zero or negative (clock skew, forged dates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skewed {
    /// The change (trunk commit).
    pub id: String,
    /// The non-positive duration.
    pub secs: i64,
}

/// Lead time for changes, over changes whose first deployment to the ring falls in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeadTime {
    /// Changes with a positive lead time.
    pub measured: usize,
    /// Median seconds.
    pub median: Option<i64>,
    /// 90th percentile seconds (nearest rank).
    pub p90: Option<i64>,
    /// Changes with zero or negative lead time, kept out of the statistics.
    pub skewed: Vec<Skewed>,
    /// Changes already in the first recorded deployment and committed before it (history from
    /// before recording began), kept out of the statistics.
    pub excluded_before_first_deploy: usize,
    /// Changes on trunk before the window's end and not deployed to the ring by then.
    pub pending: usize,
}

/// Deployment frequency: deployments proper only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeploymentFrequency {
    /// Successful deployments proper in the window.
    pub deployments: usize,
    /// Days with at least one of them.
    pub deploy_days: usize,
    /// Mean deployments per day of the window.
    pub per_day: Option<f64>,
    /// Median deploy-days per week over the window's whole weeks.
    pub deploy_days_per_week: Option<f64>,
    /// Median deploy-days per 30-day month over the window's whole months.
    pub deploy_days_per_month: Option<f64>,
    /// Rollback deployments, not counted above.
    pub rollbacks: usize,
    /// Redeploys of an already deployed revision, not counted above.
    pub redeploys: usize,
    /// Pipeline failures (never live), not counted above.
    pub pipeline_failures: usize,
    /// Started and never finished, not counted above.
    pub unfinished: usize,
}

/// Change fail rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeFailRate {
    /// Deployments proper in the window (the denominator).
    pub deployments: usize,
    /// Of them, failed by an explicit signal (rollback, fix, Sev1/Sev2 cause).
    pub failed: usize,
    /// Their ids.
    pub failed_ids: Vec<String>,
    /// `failed / deployments`.
    pub rate: Option<f64>,
    /// Of them, failed only by inference (an unexplained incident soon after).
    pub inferred: usize,
    /// Their ids.
    pub inferred_ids: Vec<String>,
    /// `(failed + inferred) / deployments`.
    pub rate_with_inferred: Option<f64>,
    /// Pipeline failures in the window (never live, in neither count).
    pub pipeline_failures: usize,
    /// `pipeline_failures / (pipeline_failures + successful deployments of any kind)`.
    pub pipeline_failure_rate: Option<f64>,
}

/// Failed deployment recovery time, over explicitly failed deployments in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecoveryTime {
    /// Failed deployments considered.
    pub failed: usize,
    /// Of them, recovered.
    pub recovered: usize,
    /// Median seconds to recover.
    pub median: Option<i64>,
    /// 90th percentile seconds (nearest rank).
    pub p90: Option<i64>,
    /// Failed deployments with no recovery signal yet.
    pub unrecovered: Vec<String>,
    /// Failed deployments whose every recovery signal predates them (clock skew).
    pub skewed: Vec<String>,
}

/// Incidents of one severity opened in the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SeverityStats {
    /// The severity.
    pub sev: u8,
    /// Incidents opened.
    pub incidents: usize,
    /// Of them, still open (not resolved).
    pub open: usize,
    /// Of them, with no known cause (counted here, never in change fail rate or recovery time).
    pub unknown_cause: usize,
    /// Median seconds from open to acknowledgement.
    pub ack_median: Option<i64>,
    /// Median seconds from open to resolution.
    pub restore_median: Option<i64>,
    /// The acknowledge target, if the SLA table has the severity.
    pub respond_within: Option<i64>,
    /// The restore target, if set.
    pub restore_within: Option<i64>,
    /// Acknowledged late, or unacknowledged and past the target at `now`.
    pub ack_breaches: Option<usize>,
    /// Restored late, or open and past the target at `now`.
    pub restore_breaches: Option<usize>,
    /// Incidents acknowledged or resolved before they opened, kept out of the medians.
    pub skewed: usize,
}

/// Deployment rework rate (2024): unplanned, incident-driven deployments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReworkRate {
    /// Successful deployments of every kind in the window (rollbacks and redeploys included, so
    /// the rate never exceeds 1).
    pub deployments: usize,
    /// Of them, rollbacks and deployments that fix an incident or a deployment.
    pub rework: usize,
    /// Their ids.
    pub rework_ids: Vec<String>,
    /// `rework / deployments`.
    pub rate: Option<f64>,
}

/// One week of a trend series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point<T> {
    /// The week's first second.
    pub week_start: i64,
    /// Days of the week inside the window (7 except for a partial last week).
    pub days: i64,
    /// The value, `None` when the week has nothing to measure.
    pub value: Option<T>,
}

/// The keys week by week (7-day buckets from `since`, the last one possibly partial).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    /// Median lead time of changes whose deployment fell in the week.
    pub lead_time: Vec<Point<i64>>,
    /// Deployments proper per day.
    pub deployment_frequency: Vec<Point<f64>>,
    /// Explicit change fail rate of the week's deployments.
    pub change_fail_rate: Vec<Point<f64>>,
    /// Median recovery time of the week's failed deployments.
    pub recovery_time: Vec<Point<i64>>,
    /// Rework rate of the week's deployments.
    pub rework_rate: Vec<Point<f64>>,
    /// Earlier weeks were left out to keep the series at [`MAX_TREND_WEEKS`].
    pub truncated: bool,
}

/// Computes every key for the window.
///
/// `contains(revision, change_id)` answers whether a deployed revision contains a change (git
/// ancestry, cached by the caller). It is asked at most once per change and distinct revision,
/// in deployment order, stopping at the first yes; an undeployed change is asked about every
/// deployed revision, so with many changes the caller should answer from a precomputed set (the
/// `rev-list` of each deployed revision) rather than one git call per question.
pub fn compute(
    changes: &[Change],
    deployments: &[Deployment],
    incidents: &[Incident],
    contains: &dyn Fn(&str, &str) -> bool,
    options: &Options,
    now: i64,
) -> Metrics {
    let span = Span::new(options.since, options.until);
    let scope = Scope { service: options.service.as_deref() };
    let deps = deploys::ledger(deployments, &options.ring);
    let incs = incidents::merge(incidents);
    let links = deploys::links(&deps, &incs, options.inferred_window);

    let lead = leadtime::measure(changes, &deps, contains, &span, &scope, options.trunk_order.as_ref());
    let freq = deploys::frequency(&deps, &span, &scope);
    let cfr = deploys::change_fail_rate(&deps, &links, &span, &scope);
    let rework = deploys::rework_rate(&deps, &links, &span, &scope);
    let recovery = incidents::recovery_time(&deps, &links, &span, &scope);
    let severities = incidents::severities(&incs, &options.sla, &span, &scope, now);

    let bands = Bands::of(
        options.bands,
        lead.stats.median,
        &freq.stats,
        (cfr.stats.failed, cfr.stats.inferred, cfr.stats.deployments),
        recovery.stats.median,
    );
    let trend = Trend {
        lead_time: span.series(&lead.by_week, median),
        deployment_frequency: span
            .series_all(&freq.by_week, |days, v| ratio(v.len(), usize::try_from(days).unwrap_or(0))),
        change_fail_rate: span.series(&cfr.by_week, |v| ratio(v.iter().filter(|f| **f).count(), v.len())),
        recovery_time: span.series(&recovery.by_week, median),
        rework_rate: span.series(&rework.by_week, |v| ratio(v.iter().filter(|f| **f).count(), v.len())),
        truncated: span.truncated(),
    };
    Metrics {
        window: Window {
            since: span.since,
            until: span.until,
            days: span.days(),
            full_weeks: span.full(7),
            ring: options.ring.clone(),
            service: options.service.clone(),
        },
        lead_time: lead.stats,
        deployment_frequency: freq.stats,
        change_fail_rate: cfr.stats,
        recovery_time: recovery.stats,
        incidents: severities,
        rework_rate: rework.stats,
        bands,
        trend,
    }
}

/// The service filter.
pub(crate) struct Scope<'o> {
    service: Option<&'o str>,
}

impl Scope<'_> {
    /// Whether something of this service is measured.
    fn has(&self, service: Option<&str>) -> bool {
        self.service.is_none_or(|s| service == Some(s))
    }

    /// Whether a change touching these services is measured.
    fn has_change(&self, services: &[String]) -> bool {
        self.service.is_none_or(|s| services.iter().any(|x| x == s))
    }
}

/// The window, normalised, with its day and week buckets.
pub(crate) struct Span {
    since: i64,
    until: i64,
}

/// Values grouped by trend week (index into [`Span::weeks`]).
pub(crate) type ByWeek<T> = BTreeMap<usize, Vec<T>>;

impl Span {
    fn new(since: i64, until: i64) -> Self {
        Self { since, until: until.max(since) }
    }

    /// Whether a time is in the window.
    fn has(&self, t: i64) -> bool {
        self.since <= t && t < self.until
    }

    /// The window length in seconds; i128 because `until - since` can overflow i64.
    fn len(&self) -> i128 {
        i128::from(self.until) - i128::from(self.since)
    }

    /// Days, a partial day counting as one.
    fn days(&self) -> i64 {
        clamp_i64(ceil_div(self.len(), i128::from(DAY)))
    }

    /// Whole buckets of `bucket_days` days.
    fn full(&self, bucket_days: i64) -> i64 {
        clamp_i64(self.len() / (i128::from(bucket_days) * i128::from(DAY)))
    }

    /// The index of the `bucket_days`-day bucket holding `t`, for a time in the window.
    fn bucket(&self, t: i64, bucket_days: i64) -> i64 {
        clamp_i64((i128::from(t) - i128::from(self.since)) / (i128::from(bucket_days) * i128::from(DAY)))
    }

    /// All weeks touching the window, a partial last week included.
    fn all_weeks(&self) -> i64 {
        clamp_i64(ceil_div(self.len(), i128::from(WEEK)))
    }

    /// The first trend week kept.
    fn first_week(&self) -> i64 {
        self.all_weeks().saturating_sub(MAX_TREND_WEEKS as i64).max(0)
    }

    fn truncated(&self) -> bool {
        self.first_week() > 0
    }

    /// The trend week of a time, if the time is in the window and its week is kept.
    fn week(&self, t: i64) -> Option<usize> {
        if !self.has(t) {
            return None;
        }
        usize::try_from(self.bucket(t, 7) - self.first_week()).ok()
    }

    /// Start and days of each kept week.
    fn weeks(&self) -> Vec<(i64, i64)> {
        (self.first_week()..self.all_weeks())
            .map(|w| {
                let start = i128::from(self.since) + i128::from(w) * i128::from(WEEK);
                let end = (start + i128::from(WEEK)).min(i128::from(self.until));
                (clamp_i64(start), clamp_i64(ceil_div(end - start, i128::from(DAY))))
            })
            .collect()
    }

    /// A trend series whose value is `None` for weeks with nothing in them.
    fn series<T, V>(&self, by_week: &ByWeek<T>, f: impl Fn(&[T]) -> Option<V>) -> Vec<Point<V>> {
        self.weeks()
            .into_iter()
            .enumerate()
            .map(|(i, (week_start, days))| Point {
                week_start,
                days,
                value: by_week.get(&i).filter(|v| !v.is_empty()).and_then(|v| f(v)),
            })
            .collect()
    }

    /// A trend series with a value for every week, empty ones included.
    fn series_all<T, V>(&self, by_week: &ByWeek<T>, f: impl Fn(i64, &[T]) -> Option<V>) -> Vec<Point<V>> {
        self.weeks()
            .into_iter()
            .enumerate()
            .map(|(i, (week_start, days))| Point {
                week_start,
                days,
                value: f(days, by_week.get(&i).map(Vec::as_slice).unwrap_or_default()),
            })
            .collect()
    }
}

fn ceil_div(a: i128, b: i128) -> i128 {
    if b <= 0 {
        return 0;
    }
    (a + b - 1).div_euclid(b)
}

fn clamp_i64(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// `part / whole`, `None` when `whole` is zero (never NaN).
fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The median of whole seconds: the mean of the two middle values for an even count, rounded
/// down. Sorts a copy, so the input order does not matter.
pub fn median(values: &[i64]) -> Option<i64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len();
    if n == 0 {
        return None;
    }
    if n % 2 == 1 {
        return v.get(n / 2).copied();
    }
    let a = i128::from(*v.get(n / 2 - 1)?);
    let b = i128::from(*v.get(n / 2)?);
    Some(clamp_i64((a + b).div_euclid(2)))
}

/// The nearest-rank percentile `p` (0..=100): the value at 1-based rank `ceil(p × n / 100)`,
/// at least 1, of the ascending values.
pub fn percentile(values: &[i64], p: u32) -> Option<i64> {
    let mut v = values.to_vec();
    v.sort_unstable();
    let n = v.len();
    if n == 0 {
        return None;
    }
    let rank = (u128::from(p.min(100)) * n as u128).div_ceil(100).max(1);
    let idx = usize::try_from(rank - 1).unwrap_or(n - 1).min(n - 1);
    v.get(idx).copied()
}

/// The median of bucket counts where most buckets may be empty: `nonzero` holds the counts of
/// the non-empty buckets and `buckets` is how many there are in all. Even counts take the mean
/// of the two middle values.
fn median_sparse(nonzero: &[u32], buckets: i64) -> Option<f64> {
    let n = u64::try_from(buckets).ok().filter(|n| *n > 0)?;
    let mut v = nonzero.to_vec();
    v.sort_unstable();
    let zeros = n.saturating_sub(v.len() as u64);
    // The k-th smallest (0-based) of `zeros` zeros followed by the sorted non-zero counts.
    let nth = |k: u64| -> f64 {
        if k < zeros {
            0.0
        } else {
            let i = usize::try_from(k - zeros).unwrap_or(usize::MAX);
            v.get(i).copied().map_or(0.0, f64::from)
        }
    };
    Some(if n % 2 == 1 { nth(n / 2) } else { (nth(n / 2 - 1) + nth(n / 2)) / 2.0 })
}

/// Median and p90 of seconds.
fn summary(values: &[i64]) -> (Option<i64>, Option<i64>) {
    (median(values), percentile(values, 90))
}
