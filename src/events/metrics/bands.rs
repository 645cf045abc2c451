//! DORA performance bands: the 2024 clusters by default, 2023 selectable.
//!
//! The tables below are the published cluster descriptions, as they are (including the 2024
//! change-fail-rate inversion and the 2023 overlaps). The bands are survey clusters, not targets.
//!
//! | 2024   | lead time       | deploy frequency      | change fail rate | recovery time   |
//! |--------|-----------------|-----------------------|------------------|-----------------|
//! | elite  | < 1 day         | on demand             | 5%               | < 1 hour        |
//! | high   | 1 day – 1 week  | once/day – once/week  | 20%              | < 1 day         |
//! | medium | 1 week – 1 month| once/week – once/month| 10%              | < 1 day         |
//! | low    | 1 – 6 months    | once/month – 6 months | 40%              | 1 week – 1 month|
//!
//! | 2023   | lead time       | deploy frequency      | change fail rate | recovery time   |
//! |--------|-----------------|-----------------------|------------------|-----------------|
//! | elite  | < 1 day         | on demand             | 5%               | < 1 hour        |
//! | high   | 1 day – 1 week  | once/day – once/week  | 10%              | < 1 day         |
//! | medium | 1 week – 1 month| once/week – once/month| 15%              | 1 day – 1 week  |
//! | low    | 1 week – 1 month| once/week – once/month| 64%              | 1 – 6 months    |
//!
//! # The rule
//!
//! Each cell is read as an upper bound (`< x` strict, a range `a – b` inclusive of `b`, a
//! percentage as "at most"), and a value gets the **best band whose bound it does not exceed**;
//! a value beyond every bound is low. So:
//! * a value between two clusters (2024 recovery between 1 day and 1 week, 2023 recovery between
//!   1 week and 1 month) gets the slower cluster;
//! * where a worse cluster's bound is better than a better cluster's (2024 change fail rate: high
//!   20%, medium 10%; 2024 recovery: high and medium both < 1 day), the better cluster wins and the
//!   worse one is never assigned for that key; a rate of 8% is *high* in 2024 and 12% too;
//! * where clusters overlap (2023 low lead time and frequency equal medium's), the better wins.
//!
//! The rule is monotonic: a worse value never gets a better band. Months are 30 days and 6
//! months 182 days. Deployment frequency follows the deploy-day steps of the reference: elite
//! when the median deploy-days per week is at least 3 or there is at least one deployment per day
//! on average, high when the weekly median is at least 1, medium when the median deploy-days per
//! 30-day month is at least 1, low otherwise (the same in both years, whose descriptions agree).
//! A band needs an observation: no value, no band. Rework rate (2024) has no published bands.

use serde::Serialize;

use super::{DeploymentFrequency, DAY};

const HOUR: i64 = 3600;
const WEEK: i64 = 7 * DAY;
const MONTH: i64 = 30 * DAY;
const SIX_MONTHS: i64 = 182 * DAY;

/// Which survey's clusters to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum BandYear {
    /// The 2024 Accelerate State of DevOps report (the default).
    #[default]
    #[serde(rename = "2024")]
    Y2024,
    /// The 2023 report.
    #[serde(rename = "2023")]
    Y2023,
}

/// A performance cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Band {
    /// The best cluster.
    Elite,
    /// The second cluster.
    High,
    /// The third cluster.
    Medium,
    /// The slowest cluster.
    Low,
}

/// An upper bound in seconds: `strict` for `< x`, otherwise `<= x`.
#[derive(Clone, Copy)]
struct Bound {
    band: Band,
    secs: i64,
    strict: bool,
}

const fn lt(band: Band, secs: i64) -> Bound {
    Bound { band, secs, strict: true }
}

const fn le(band: Band, secs: i64) -> Bound {
    Bound { band, secs, strict: false }
}

const LEAD_2024: [Bound; 4] =
    [lt(Band::Elite, DAY), le(Band::High, WEEK), le(Band::Medium, MONTH), le(Band::Low, SIX_MONTHS)];
const LEAD_2023: [Bound; 4] =
    [lt(Band::Elite, DAY), le(Band::High, WEEK), le(Band::Medium, MONTH), le(Band::Low, MONTH)];
const RECOVERY_2024: [Bound; 4] =
    [lt(Band::Elite, HOUR), lt(Band::High, DAY), lt(Band::Medium, DAY), le(Band::Low, MONTH)];
const RECOVERY_2023: [Bound; 4] =
    [lt(Band::Elite, HOUR), lt(Band::High, DAY), le(Band::Medium, WEEK), le(Band::Low, SIX_MONTHS)];
/// Change fail rate clusters in whole percent, in band order.
const CFR_2024: [(Band, u64); 4] = [(Band::Elite, 5), (Band::High, 20), (Band::Medium, 10), (Band::Low, 40)];
const CFR_2023: [(Band, u64); 4] = [(Band::Elite, 5), (Band::High, 10), (Band::Medium, 15), (Band::Low, 64)];

fn by_bounds(bounds: &[Bound], secs: i64) -> Band {
    bounds.iter().find(|b| if b.strict { secs < b.secs } else { secs <= b.secs }).map_or(Band::Low, |b| b.band)
}

/// The band of a median lead time.
pub fn lead_time(year: BandYear, secs: i64) -> Band {
    by_bounds(if year == BandYear::Y2024 { &LEAD_2024 } else { &LEAD_2023 }, secs)
}

/// The band of a median failed deployment recovery time.
pub fn recovery_time(year: BandYear, secs: i64) -> Band {
    by_bounds(if year == BandYear::Y2024 { &RECOVERY_2024 } else { &RECOVERY_2023 }, secs)
}

/// The band of a change fail rate of `failed` out of `deployments`, compared exactly in integers
/// (`failed × 100 <= pct × deployments`); `None` without deployments.
pub fn change_fail_rate(year: BandYear, failed: usize, deployments: usize) -> Option<Band> {
    if deployments == 0 {
        return None;
    }
    let table = if year == BandYear::Y2024 { &CFR_2024 } else { &CFR_2023 };
    let (f, n) = (failed as u128, deployments as u128);
    Some(table.iter().find(|(_, pct)| f * 100 <= u128::from(*pct) * n).map_or(Band::Low, |(b, _)| *b))
}

/// The band of a deployment frequency (the same steps in 2023 and 2024).
pub fn deployment_frequency(per_day: f64, days_per_week: f64, days_per_month: f64) -> Band {
    if days_per_week >= 3.0 || per_day >= 1.0 {
        Band::Elite
    } else if days_per_week >= 1.0 {
        Band::High
    } else if days_per_month >= 1.0 {
        Band::Medium
    } else {
        Band::Low
    }
}

/// The bands of the four keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bands {
    /// The survey year.
    pub year: BandYear,
    /// Of the median lead time.
    pub lead_time: Option<Band>,
    /// Of the deployment frequency; `None` without deployments.
    pub deployment_frequency: Option<Band>,
    /// Of the explicit change fail rate.
    pub change_fail_rate: Option<Band>,
    /// Of the change fail rate with inferred failures.
    pub change_fail_rate_with_inferred: Option<Band>,
    /// Of the median failed deployment recovery time.
    pub recovery_time: Option<Band>,
    /// What the bands are and are not.
    pub note: String,
}

impl Bands {
    /// Bands of computed keys; `cfr` is `(failed, inferred, deployments)`.
    pub fn of(
        year: BandYear,
        lead_median: Option<i64>,
        freq: &DeploymentFrequency,
        cfr: (usize, usize, usize),
        recovery_median: Option<i64>,
    ) -> Self {
        let (failed, inferred, deployments) = cfr;
        let deployment_frequency = match (freq.deployments, freq.per_day) {
            (0, _) | (_, None) => None,
            (_, Some(per_day)) => Some(deployment_frequency(
                per_day,
                freq.deploy_days_per_week.unwrap_or(0.0),
                freq.deploy_days_per_month.unwrap_or(0.0),
            )),
        };
        Self {
            year,
            lead_time: lead_median.map(|s| lead_time(year, s)),
            deployment_frequency,
            change_fail_rate: change_fail_rate(year, failed, deployments),
            change_fail_rate_with_inferred: change_fail_rate(year, failed.saturating_add(inferred), deployments),
            recovery_time: recovery_median.map(|s| recovery_time(year, s)),
            note: note(year),
        }
    }
}

/// The caveat shown with the bands.
pub fn note(year: BandYear) -> String {
    let (y, quirk) = match year {
        BandYear::Y2024 => (
            "2024",
            "In 2024 the high cluster's change fail rate (20%) is above the medium cluster's (10%) and high and \
             medium recovery are both under a day, so a rate up to 20% shows as high and medium is never shown \
             for those two keys.",
        ),
        BandYear::Y2023 => (
            "2023",
            "In 2023 the low cluster's lead time and deployment frequency overlap the medium cluster's; the \
             overlap shows as medium.",
        ),
    };
    format!(
        "Bands are clusters of the {y} DORA survey responses, not targets: watch your own trend first. A value \
         between clusters gets the slower one. {quirk} Rework rate has no published bands."
    )
}
