//! Deployments of one ring: merged, classified and linked to their failures; deployment
//! frequency, change fail rate and rework rate.
//!
//! **Deployment frequency** counts successful deployments proper (not rollbacks, redeploys,
//! pipeline failures or unfinished rollouts) whose time falls in the window:
//! * `per_day` = deployments / days of the window (a partial day counts as one);
//! * `deploy_days_per_week` = the median, over the window's *whole* 7-day buckets from `since`,
//!   of the number of days with a deployment (a partial last week would drag the median down, so
//!   it is left out; a window shorter than a week is one bucket);
//! * `deploy_days_per_month` likewise over whole 30-day buckets, for the band's monthly step.
//!
//! **Change fail rate.** A deployment proper is *failed* when any explicit signal names it,
//! however late the signal comes:
//! * a rollback names it in `rollback_of` (id or revision); a rollback with only `rollback_to`
//!   rolls back the deployment live just before it in the same service;
//! * a later deployment's `fixes` names it, or names an incident whose `cause` is it (the
//!   incident's `fix_deploy` counts as that deployment naming the incident);
//! * it is the `cause` of a Sev1 or Sev2 incident ([`super::CAUSE_MAX_SEV`]).
//!
//! It is *inferred* failed, reported apart, when no explicit signal names it but an incident of
//! Sev1/Sev2 with no known cause opened in the same service (strictly equal, `None` only matching
//! `None`) within `inferred_window` after it, and it was still the latest successful deployment of
//! that service to the ring when the incident opened. Each deployment counts once however many
//! signals name it. Pipeline failures are in neither count.
//!
//! **Rework rate** = successful deployments of any kind that are rollbacks or fix something (an
//! incident, or a deployment that the fix reference resolves to) / all successful deployments of
//! any kind in the window. Rollbacks are in the numerator, so they are in the denominator too.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::incidents::Inc;
use super::{
    ratio, ByWeek, ChangeFailRate, DeployStatus, Deployment, DeploymentFrequency, ReworkRate, Scope, Span,
    CAUSE_MAX_SEV,
};

/// What a merged deployment record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A successful deployment proper.
    Regular,
    /// A successful redeploy of an already deployed revision.
    Redeploy,
    /// A successful rollback.
    Rollback,
    /// The pipeline failed; never live.
    PipelineFailed,
    /// Started, never finished.
    Unfinished,
}

/// One deployment after merging its records.
#[derive(Debug, Clone)]
pub(crate) struct Dep<'a> {
    pub id: &'a str,
    pub revision: &'a str,
    pub service: Option<&'a str>,
    pub time: i64,
    status: DeployStatus,
    rollback_of: Option<&'a str>,
    rollback_to: Option<&'a str>,
    fixes: Vec<&'a str>,
    redeploy: bool,
    pub kind: Kind,
    /// The deployment proper this one stands for: itself, or for a redeploy the first deployment
    /// of the same revision to the same service.
    pub origin: Option<usize>,
}

impl Dep<'_> {
    /// Live in the ring: a deployment proper, redeploy or rollback.
    pub fn live(&self) -> bool {
        matches!(self.kind, Kind::Regular | Kind::Redeploy | Kind::Rollback)
    }
}

/// Deployments to `ring`, duplicates merged, sorted by time, classified.
pub(crate) fn ledger<'a>(deployments: &'a [Deployment], ring: &str) -> Vec<Dep<'a>> {
    let mut merged: BTreeMap<(Option<&'a str>, &'a str), Dep<'a>> = BTreeMap::new();
    for d in deployments.iter().filter(|d| d.ring == ring) {
        let new = Dep {
            id: &d.id,
            revision: &d.revision,
            service: d.service.as_deref(),
            time: d.time,
            status: d.status,
            rollback_of: d.rollback_of.as_deref(),
            rollback_to: d.rollback_to.as_deref(),
            fixes: d.fixes.iter().map(String::as_str).collect(),
            redeploy: d.redeploy,
            kind: Kind::Unfinished,
            origin: None,
        };
        match merged.get_mut(&(new.service, new.id)) {
            Some(old) => merge(old, new),
            None => {
                merged.insert((new.service, new.id), new);
            }
        }
    }
    let mut deps: Vec<Dep<'a>> = merged.into_values().collect();
    deps.sort_by(|a, b| (a.time, a.id, a.service).cmp(&(b.time, b.id, b.service)));
    classify(&mut deps);
    deps
}

/// Merges a second record of the same deployment: a finish beats a start, the later finish wins
/// ("last finished wins"), and on a tie success beats failure so a deployment seen live stays live.
fn merge<'a>(old: &mut Dep<'a>, new: Dep<'a>) {
    let key = |d: &Dep<'_>| (d.status != DeployStatus::Started, d.time, d.status == DeployStatus::Success);
    let (mut keep, other) = if key(&new) > key(old) { (new, old.clone()) } else { (old.clone(), new) };
    for f in other.fixes {
        if !keep.fixes.contains(&f) {
            keep.fixes.push(f);
        }
    }
    keep.rollback_of = keep.rollback_of.or(other.rollback_of);
    keep.rollback_to = keep.rollback_to.or(other.rollback_to);
    keep.redeploy |= other.redeploy;
    *old = keep;
}

fn classify(deps: &mut [Dep<'_>]) {
    let mut seen = HashSet::new();
    let mut first: HashMap<(Option<&str>, &str), usize> = HashMap::new();
    for (i, d) in deps.iter_mut().enumerate() {
        match d.status {
            DeployStatus::Started => d.kind = Kind::Unfinished,
            DeployStatus::Failed => d.kind = Kind::PipelineFailed,
            DeployStatus::Success => {
                let key = (d.service, d.revision);
                if d.rollback_of.is_some() || d.rollback_to.is_some() {
                    d.kind = Kind::Rollback;
                } else if d.redeploy || seen.contains(&key) {
                    d.kind = Kind::Redeploy;
                    d.origin = first.get(&key).copied();
                } else {
                    d.kind = Kind::Regular;
                    d.origin = Some(i);
                    first.insert(key, i);
                }
                seen.insert(key);
            }
        }
    }
}

/// Service compatibility for references: equal, or either side is the whole repository.
fn compatible(a: Option<&str>, b: Option<&str>) -> bool {
    a.is_none() || b.is_none() || a == b
}

/// Finds the deployments proper that a reference names.
struct Resolver<'d, 'a> {
    deps: &'d [Dep<'a>],
    by_id: HashMap<&'a str, Vec<usize>>,
    by_revision: HashMap<&'a str, Vec<usize>>,
}

impl<'d, 'a> Resolver<'d, 'a> {
    fn new(deps: &'d [Dep<'a>]) -> Self {
        let mut by_id: HashMap<&'a str, Vec<usize>> = HashMap::new();
        let mut by_revision: HashMap<&'a str, Vec<usize>> = HashMap::new();
        for (i, d) in deps.iter().enumerate().filter(|(_, d)| d.live()) {
            by_id.entry(d.id).or_default().push(i);
            if d.kind == Kind::Regular {
                by_revision.entry(d.revision).or_default().push(i);
            }
        }
        Self { deps, by_id, by_revision }
    }

    /// The deployments proper named by `reference` (an id first, else a revision) and compatible
    /// with `service`; a redeploy resolves to the deployment proper of its revision.
    fn resolve(&self, reference: &str, service: Option<&str>) -> BTreeSet<usize> {
        let ok = |i: &&usize| self.deps.get(**i).is_some_and(|d| compatible(d.service, service));
        let ids: Vec<usize> = self.by_id.get(reference).into_iter().flatten().filter(ok).copied().collect();
        if !ids.is_empty() {
            return ids.iter().filter_map(|i| self.deps.get(*i).and_then(|d| d.origin)).collect();
        }
        self.by_revision.get(reference).into_iter().flatten().filter(ok).copied().collect()
    }
}

/// What the signals say about each deployment.
#[derive(Debug, Default)]
pub(crate) struct Links {
    /// Deployments proper failed by an explicit signal.
    pub failed: BTreeSet<usize>,
    /// Deployments proper failed only by inference.
    pub inferred: BTreeSet<usize>,
    /// Live deployments that are rework (rollbacks and fixes).
    pub rework: BTreeSet<usize>,
    /// Candidate recovery times of each deployment proper: its rollbacks, fix-forwards and the
    /// resolutions of the incidents it caused.
    pub recovery: BTreeMap<usize, Vec<i64>>,
}

/// Links deployments, fixes, rollbacks and incidents.
pub(crate) fn links(deps: &[Dep<'_>], incs: &[Inc<'_>], inferred_window: i64) -> Links {
    let r = Resolver::new(deps);
    let mut l = Links::default();
    let inc_by_id: HashMap<&str, &Inc<'_>> = incs.iter().map(|i| (i.id, i)).collect();

    // A fix or rollback must come after (or with) what it fixes, and never fix itself.
    let before = |t: usize, by: usize| t != by && deps.get(t).zip(deps.get(by)).is_some_and(|(a, b)| a.time <= b.time);

    // An incident's `fix_deploy` is that deployment naming the incident in its `fixes`.
    let mut fixes: Vec<Vec<&str>> = deps.iter().map(|d| d.fixes.clone()).collect();
    for inc in incs {
        let Some(fd) = inc.fix_deploy else { continue };
        for &i in r.by_id.get(fd).into_iter().flatten() {
            let compatible_service = deps.get(i).is_some_and(|d| compatible(d.service, inc.service));
            if let Some(list) = fixes.get_mut(i).filter(|l| compatible_service && !l.contains(&inc.id)) {
                list.push(inc.id);
            }
        }
    }

    for inc in incs {
        let Some(cause) = inc.cause else { continue };
        for t in r.resolve(cause, inc.service) {
            if inc.sev <= CAUSE_MAX_SEV {
                l.failed.insert(t);
            }
            if let Some(at) = inc.resolved {
                l.recovery.entry(t).or_default().push(at);
            }
        }
    }

    for (i, d) in deps.iter().enumerate().filter(|(_, d)| d.live()) {
        let mut targets = BTreeSet::new();
        if d.kind == Kind::Rollback {
            l.rework.insert(i);
            match d.rollback_of {
                Some(of) => targets.extend(r.resolve(of, d.service)),
                // Only `rollback_to`: what was live just before in this service is rolled back.
                None => targets.extend(
                    deps.get(..i)
                        .unwrap_or_default()
                        .iter()
                        .rev()
                        .find(|p| p.live() && p.service == d.service)
                        .and_then(|p| p.origin),
                ),
            }
        }
        for x in fixes.get(i).into_iter().flatten() {
            if let Some(inc) = inc_by_id.get(x) {
                l.rework.insert(i);
                targets.extend(inc.cause.map(|c| r.resolve(c, inc.service)).unwrap_or_default());
            }
            let named: Vec<usize> = r.resolve(x, d.service).into_iter().filter(|t| before(*t, i)).collect();
            if !named.is_empty() {
                l.rework.insert(i);
            }
            targets.extend(named);
        }
        for t in targets.into_iter().filter(|t| before(*t, i)) {
            l.failed.insert(t);
            l.recovery.entry(t).or_default().push(d.time);
        }
    }

    for inc in incs.iter().filter(|i| i.cause.is_none() && i.sev <= CAUSE_MAX_SEV) {
        let live =
            deps.iter().enumerate().rev().find(|(_, d)| d.live() && d.service == inc.service && d.time <= inc.opened);
        if let Some((j, d)) = live {
            if d.kind == Kind::Regular && inc.opened.saturating_sub(d.time) <= inferred_window && !l.failed.contains(&j)
            {
                l.inferred.insert(j);
            }
        }
    }
    // An explicit signal may come from an incident handled after the inference above.
    let failed = &l.failed;
    l.inferred.retain(|j| !failed.contains(j));
    l
}

/// Deployment frequency and its weekly series.
pub(crate) struct Frequency {
    pub stats: DeploymentFrequency,
    /// Deployment times by trend week.
    pub by_week: ByWeek<i64>,
}

pub(crate) fn frequency(deps: &[Dep<'_>], span: &Span, scope: &Scope<'_>) -> Frequency {
    let here: Vec<&Dep<'_>> = deps.iter().filter(|d| scope.has(d.service) && span.has(d.time)).collect();
    let count = |k: Kind| here.iter().filter(|d| d.kind == k).count();
    let regular: Vec<i64> = here.iter().filter(|d| d.kind == Kind::Regular).map(|d| d.time).collect();
    let days: BTreeSet<i64> = regular.iter().map(|t| span.bucket(*t, 1)).collect();
    let mut by_week: ByWeek<i64> = BTreeMap::new();
    for t in &regular {
        if let Some(w) = span.week(*t) {
            by_week.entry(w).or_default().push(*t);
        }
    }
    let window_days = span.days();
    Frequency {
        stats: DeploymentFrequency {
            deployments: regular.len(),
            deploy_days: days.len(),
            per_day: ratio(regular.len(), usize::try_from(window_days).unwrap_or(0)),
            deploy_days_per_week: deploy_days_median(&days, span, 7),
            deploy_days_per_month: deploy_days_median(&days, span, 30),
            rollbacks: count(Kind::Rollback),
            redeploys: count(Kind::Redeploy),
            pipeline_failures: count(Kind::PipelineFailed),
            unfinished: count(Kind::Unfinished),
        },
        by_week,
    }
}

/// The median number of deploy-days per whole `bucket_days` bucket (one partial bucket when the
/// window is shorter than one); `None` for an empty window.
fn deploy_days_median(days: &BTreeSet<i64>, span: &Span, bucket_days: i64) -> Option<f64> {
    let whole = span.full(bucket_days);
    let (buckets, limit) = if whole > 0 { (whole, whole.saturating_mul(bucket_days)) } else { (1, i64::MAX) };
    if span.days() == 0 {
        return None;
    }
    let mut per_bucket: BTreeMap<i64, u32> = BTreeMap::new();
    for d in days.iter().filter(|d| **d < limit) {
        *per_bucket.entry(d / bucket_days).or_default() += 1;
    }
    let counts: Vec<u32> = per_bucket.into_values().collect();
    super::median_sparse(&counts, buckets)
}

/// Change fail rate and its weekly series.
pub(crate) struct FailRate {
    pub stats: ChangeFailRate,
    /// Whether each deployment proper failed (explicitly), by trend week.
    pub by_week: ByWeek<bool>,
}

pub(crate) fn change_fail_rate(deps: &[Dep<'_>], links: &Links, span: &Span, scope: &Scope<'_>) -> FailRate {
    let here = || deps.iter().enumerate().filter(|(_, d)| scope.has(d.service) && span.has(d.time));
    let regular: Vec<(usize, &Dep<'_>)> = here().filter(|(_, d)| d.kind == Kind::Regular).collect();
    let failed_ids: Vec<String> =
        regular.iter().filter(|(i, _)| links.failed.contains(i)).map(|(_, d)| d.id.to_string()).collect();
    let inferred_ids: Vec<String> =
        regular.iter().filter(|(i, _)| links.inferred.contains(i)).map(|(_, d)| d.id.to_string()).collect();
    let pipeline = here().filter(|(_, d)| d.kind == Kind::PipelineFailed).count();
    let live = here().filter(|(_, d)| d.live()).count();
    let mut by_week: ByWeek<bool> = BTreeMap::new();
    for (i, d) in &regular {
        if let Some(w) = span.week(d.time) {
            by_week.entry(w).or_default().push(links.failed.contains(i));
        }
    }
    FailRate {
        stats: ChangeFailRate {
            deployments: regular.len(),
            failed: failed_ids.len(),
            rate: ratio(failed_ids.len(), regular.len()),
            inferred: inferred_ids.len(),
            rate_with_inferred: ratio(failed_ids.len() + inferred_ids.len(), regular.len()),
            failed_ids,
            inferred_ids,
            pipeline_failures: pipeline,
            pipeline_failure_rate: ratio(pipeline, pipeline + live),
        },
        by_week,
    }
}

/// Rework rate and its weekly series.
pub(crate) struct Rework {
    pub stats: ReworkRate,
    /// Whether each live deployment is rework, by trend week.
    pub by_week: ByWeek<bool>,
}

pub(crate) fn rework_rate(deps: &[Dep<'_>], links: &Links, span: &Span, scope: &Scope<'_>) -> Rework {
    let live: Vec<(usize, &Dep<'_>)> =
        deps.iter().enumerate().filter(|(_, d)| d.live() && scope.has(d.service) && span.has(d.time)).collect();
    let rework_ids: Vec<String> =
        live.iter().filter(|(i, _)| links.rework.contains(i)).map(|(_, d)| d.id.to_string()).collect();
    let mut by_week: ByWeek<bool> = BTreeMap::new();
    for (i, d) in &live {
        if let Some(w) = span.week(d.time) {
            by_week.entry(w).or_default().push(links.rework.contains(i));
        }
    }
    Rework {
        stats: ReworkRate {
            deployments: live.len(),
            rework: rework_ids.len(),
            rate: ratio(rework_ids.len(), live.len()),
            rework_ids,
        },
        by_week,
    }
}
