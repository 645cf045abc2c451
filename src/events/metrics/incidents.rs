//! Failed deployment recovery time, and incident response by severity against the SLA.
//!
//! **Failed deployment recovery time** is measured for each explicitly failed deployment proper
//! in the window (inferred failures stay out: their link is a guess, and the 2023 definition is
//! about deployments known to have failed). It runs from the deployment's time to the earliest
//! signal at or after it: a successful rollback of it, a successful fix-forward (a deployment
//! whose `fixes` names it or an incident it caused), or the resolution of an incident it caused
//! (any severity). Signals that all predate the deployment mark it skewed; no signal at all leaves
//! it unrecovered. Both are listed by id and kept out of the median and p90.
//!
//! **By severity**, over incidents opened in the window (and in the service scope):
//! * time to acknowledge = acknowledgement − open; an incident resolved without an
//!   acknowledgement counts as acknowledged when resolved, since restoring service implies
//!   someone responded;
//! * time to restore = resolution − open;
//! * a negative duration is counted in `skewed` and kept out of the medians;
//! * an acknowledge breach is a time to acknowledge above `respond_within`, or no
//!   acknowledgement and more than `respond_within` elapsed at `now`; a restore breach likewise
//!   with `restore_within`, when the severity has one. A severity missing from the SLA table has
//!   no targets and its breach counts are `None`.
//!
//! The list holds every severity of the SLA table and every severity seen, in ascending order.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::deploys::{Dep, Links};
use super::{median, summary, ByWeek, Incident, RecoveryTime, Scope, SeverityStats, Sla, Span};

/// An incident after merging its records, its cause normalised.
#[derive(Debug, Clone)]
pub(crate) struct Inc<'a> {
    pub id: &'a str,
    pub sev: u8,
    pub service: Option<&'a str>,
    pub opened: i64,
    pub acked: Option<i64>,
    pub resolved: Option<i64>,
    /// `None` when unknown (absent, empty, `unknown` or `inferred`).
    pub cause: Option<&'a str>,
    pub fix_deploy: Option<&'a str>,
}

/// Incidents merged by id: the earliest open and acknowledgement, the latest resolution, the most
/// severe severity, and the first known service, cause and fix.
pub(crate) fn merge(incidents: &[Incident]) -> Vec<Inc<'_>> {
    let mut out: Vec<Inc<'_>> = Vec::with_capacity(incidents.len());
    let mut at: HashMap<&str, usize> = HashMap::new();
    for i in incidents {
        let new = Inc {
            id: &i.id,
            sev: i.sev,
            service: i.service.as_deref(),
            opened: i.opened,
            acked: i.acked,
            resolved: i.resolved,
            cause: i.cause.as_deref().filter(|c| !matches!(c.trim(), "" | "unknown" | "inferred")),
            fix_deploy: i.fix_deploy.as_deref().filter(|f| !f.is_empty()),
        };
        match at.get(new.id).and_then(|k| out.get_mut(*k)) {
            Some(m) => {
                m.sev = m.sev.min(new.sev);
                m.opened = m.opened.min(new.opened);
                m.acked = min_some(m.acked, new.acked);
                m.resolved = m.resolved.max(new.resolved);
                m.service = m.service.or(new.service);
                m.cause = m.cause.or(new.cause);
                m.fix_deploy = m.fix_deploy.or(new.fix_deploy);
            }
            None => {
                at.insert(new.id, out.len());
                out.push(new);
            }
        }
    }
    out
}

fn min_some(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// Recovery time and its weekly series.
pub(crate) struct Recovery {
    pub stats: RecoveryTime,
    /// Recovery times by trend week of the failed deployment.
    pub by_week: ByWeek<i64>,
}

pub(crate) fn recovery_time(deps: &[Dep<'_>], links: &Links, span: &Span, scope: &Scope<'_>) -> Recovery {
    let mut stats =
        RecoveryTime { failed: 0, recovered: 0, median: None, p90: None, unrecovered: Vec::new(), skewed: Vec::new() };
    let mut values = Vec::new();
    let mut by_week: ByWeek<i64> = BTreeMap::new();
    for t in &links.failed {
        let Some(d) = deps.get(*t).filter(|d| scope.has(d.service) && span.has(d.time)) else { continue };
        stats.failed += 1;
        let signals = links.recovery.get(t).map(Vec::as_slice).unwrap_or_default();
        match signals.iter().filter(|s| **s >= d.time).min() {
            Some(end) => {
                let secs = end.saturating_sub(d.time);
                values.push(secs);
                if let Some(w) = span.week(d.time) {
                    by_week.entry(w).or_default().push(secs);
                }
            }
            None if signals.is_empty() => stats.unrecovered.push(d.id.to_string()),
            None => stats.skewed.push(d.id.to_string()),
        }
    }
    stats.recovered = values.len();
    (stats.median, stats.p90) = summary(&values);
    Recovery { stats, by_week }
}

pub(crate) fn severities(
    incs: &[Inc<'_>],
    sla: &BTreeMap<u8, Sla>,
    span: &Span,
    scope: &Scope<'_>,
    now: i64,
) -> Vec<SeverityStats> {
    let here: Vec<&Inc<'_>> = incs.iter().filter(|i| scope.has(i.service) && span.has(i.opened)).collect();
    let sevs: BTreeSet<u8> = sla.keys().copied().chain(here.iter().map(|i| i.sev)).collect();
    sevs.into_iter()
        .map(|sev| {
            let of: Vec<&&Inc<'_>> = here.iter().filter(|i| i.sev == sev).collect();
            let target = sla.get(&sev).copied();
            let mut acks = Vec::new();
            let mut restores = Vec::new();
            let mut skewed = 0;
            let (mut ack_breaches, mut restore_breaches) = (0, 0);
            for i in &of {
                let ack = i.acked.or(i.resolved).map(|a| a.saturating_sub(i.opened));
                let restore = i.resolved.map(|r| r.saturating_sub(i.opened));
                if ack.is_some_and(|a| a < 0) || restore.is_some_and(|r| r < 0) {
                    skewed += 1;
                }
                acks.extend(ack.filter(|a| *a >= 0));
                restores.extend(restore.filter(|r| *r >= 0));
                let elapsed = now.saturating_sub(i.opened);
                if let Some((respond, restore_within)) = target {
                    if ack.unwrap_or(elapsed) > respond {
                        ack_breaches += 1;
                    }
                    if restore_within.is_some_and(|r| restore.unwrap_or(elapsed) > r) {
                        restore_breaches += 1;
                    }
                }
            }
            SeverityStats {
                sev,
                incidents: of.len(),
                open: of.iter().filter(|i| i.resolved.is_none()).count(),
                unknown_cause: of.iter().filter(|i| i.cause.is_none()).count(),
                ack_median: median(&acks),
                restore_median: median(&restores),
                respond_within: target.map(|t| t.0),
                restore_within: target.and_then(|t| t.1),
                ack_breaches: target.map(|_| ack_breaches),
                restore_breaches: target.and_then(|t| t.1).map(|_| restore_breaches),
                skewed,
            }
        })
        .collect()
}
