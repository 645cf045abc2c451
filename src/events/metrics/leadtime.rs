//! Lead time for changes.
//!
//! For each change, the *end* is the time of the first successful deployment to the ring (of any
//! kind: a rollback or redeploy can carry a change too) whose revision contains the change, by the
//! ancestry oracle. Only deployments that could carry the change are looked at: in the service
//! scope, and of a service the change touches (or of no service; a change with no services is
//! carried by any deployment). The lead time is `end - first_commit`.
//!
//! Every change whose end falls in the window is exactly one of:
//! * *measured*: a positive lead time, in the median and p90;
//! * *skewed*: zero or negative (clock skew, forged author dates), listed with its id;
//! * *excluded before first deploy*: contained in the first recorded deployment that could carry
//!   it and committed before that deployment. Those are history from before deployments were
//!   recorded, whose lead times would be artefacts of the install date. (A change contained in the
//!   first deployment but committed at or after it is skewed, not excluded.)
//!
//! A change is *pending* when it reached trunk (`merged_at`, else `first_commit`) before the
//! window's end and no deployment carried it before the window's end.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::deploys::Dep;
use super::{summary, ByWeek, Change, LeadTime, Scope, Skewed, Span};

/// Lead time and its weekly series.
pub(crate) struct Lead {
    pub stats: LeadTime,
    /// Measured lead times by trend week of their end.
    pub by_week: ByWeek<i64>,
}

/// Where one change stands.
enum Outcome {
    /// First carried at `end`; `excluded` when that was the first deployment and it predates it.
    Deployed { end: i64, excluded: bool },
    /// Never carried by a recorded deployment.
    Pending,
}

pub(crate) fn measure(
    changes: &[Change],
    deps: &[Dep<'_>],
    contains: &dyn Fn(&str, &str) -> bool,
    span: &Span,
    scope: &Scope<'_>,
    trunk_order: Option<&HashMap<String, u64>>,
) -> Lead {
    // One set of carriers per distinct set of services a change touches (a handful in a
    // monorepo): a change may only be carried by deployments of a service it touches.
    let mut fast: HashMap<&[String], Carriers> = HashMap::new();
    let mut stats = LeadTime {
        measured: 0,
        median: None,
        p90: None,
        skewed: Vec::new(),
        excluded_before_first_deploy: 0,
        pending: 0,
    };
    let mut values = Vec::new();
    let mut by_week: ByWeek<i64> = BTreeMap::new();
    let merged = merge(changes);
    for change in merged.iter().filter(|c| scope.has_change(&c.services)) {
        let outcome = match (trunk_order, trunk_order.and_then(|o| o.get(&change.id))) {
            (Some(order), Some(&pos)) => fast
                .entry(change.services.as_slice())
                .or_insert_with(|| Carriers::new(deps, scope, order, &change.services))
                .first(change, pos, deps, contains),
            _ => first_carrier(change, deps, contains, scope),
        };
        let end = match outcome {
            Outcome::Deployed { end, .. } => Some(end),
            Outcome::Pending => None,
        };
        let on_trunk = change.merged_at.unwrap_or(change.first_commit);
        if on_trunk < span.until && end.is_none_or(|e| e >= span.until) {
            stats.pending += 1;
        }
        let Outcome::Deployed { end, excluded } = outcome else { continue };
        if !span.has(end) {
            continue;
        }
        let secs = end.saturating_sub(change.first_commit);
        if excluded {
            stats.excluded_before_first_deploy += 1;
        } else if secs <= 0 {
            stats.skewed.push(Skewed { id: change.id.clone(), secs });
        } else {
            values.push(secs);
            if let Some(w) = span.week(end) {
                by_week.entry(w).or_default().push(secs);
            }
        }
    }
    stats.measured = values.len();
    (stats.median, stats.p90) = summary(&values);
    Lead { stats, by_week }
}

/// The first deployment carrying the change. Each distinct revision is asked about once.
fn first_carrier(
    change: &Change,
    deps: &[Dep<'_>],
    contains: &dyn Fn(&str, &str) -> bool,
    scope: &Scope<'_>,
) -> Outcome {
    let mut first = None;
    let mut asked: HashSet<&str> = HashSet::new();
    for (i, d) in deps.iter().enumerate().filter(|(_, d)| could_carry(d, scope, &change.services)) {
        let first_index = *first.get_or_insert(i);
        if !asked.insert(d.revision) {
            continue;
        }
        if contains(d.revision, &change.id) {
            let excluded = first_index == i && change.first_commit < d.time;
            return Outcome::Deployed { end: d.time, excluded };
        }
    }
    Outcome::Pending
}

/// Whether deployment `d` could carry a change touching `services`: live, in scope, and of a
/// service the change touches (or of none; a change with no services goes with any deployment).
fn could_carry(d: &Dep<'_>, scope: &Scope<'_>, services: &[String]) -> bool {
    d.live() && scope.has(d.service) && d.service.is_none_or(|s| services.is_empty() || services.iter().any(|x| x == s))
}

/// Changes merged by id: the earliest first commit and merge, the union of services.
/// The deployments that could carry a change touching one set of services (see
/// [`could_carry`]), with the running maximum of their trunk positions: on a
/// first-parent chain a revision contains every change at or below its position, so the first
/// deployment that contains a change is the first whose running maximum reaches it.
struct Carriers {
    /// Indices into `deps` of the live deployments in scope, in order.
    order: Vec<usize>,
    /// Running maximum of the known positions (`None` until one is known).
    running_max: Vec<Option<u64>>,
    /// Entries of `order` whose revision is not on the trunk chain: asked through the oracle.
    off_trunk: Vec<usize>,
}

impl Carriers {
    fn new(deps: &[Dep<'_>], scope: &Scope<'_>, trunk: &HashMap<String, u64>, services: &[String]) -> Self {
        let order: Vec<usize> =
            deps.iter().enumerate().filter(|(_, d)| could_carry(d, scope, services)).map(|(i, _)| i).collect();
        let mut running_max = Vec::with_capacity(order.len());
        let mut off_trunk = Vec::new();
        let mut max: Option<u64> = None;
        for (j, &i) in order.iter().enumerate() {
            match trunk.get(deps[i].revision) {
                Some(&p) => max = Some(max.map_or(p, |m| m.max(p))),
                None => off_trunk.push(j),
            }
            running_max.push(max);
        }
        Self { order, running_max, off_trunk }
    }

    fn first(&self, change: &Change, pos: u64, deps: &[Dep<'_>], contains: &dyn Fn(&str, &str) -> bool) -> Outcome {
        let on_trunk = self.running_max.partition_point(|m| m.is_none_or(|m| m < pos));
        let off = self
            .off_trunk
            .iter()
            .copied()
            .take_while(|&j| j < on_trunk)
            .find(|&j| contains(deps[self.order[j]].revision, &change.id));
        let Some(j) = off.or((on_trunk < self.order.len()).then_some(on_trunk)) else { return Outcome::Pending };
        let d = &deps[self.order[j]];
        Outcome::Deployed { end: d.time, excluded: j == 0 && change.first_commit < d.time }
    }
}

fn merge(changes: &[Change]) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::with_capacity(changes.len());
    let mut at: HashMap<&str, usize> = HashMap::new();
    for c in changes {
        match at.get(c.id.as_str()).and_then(|i| out.get_mut(*i)) {
            Some(m) => {
                m.first_commit = m.first_commit.min(c.first_commit);
                m.merged_at = match (m.merged_at, c.merged_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                for s in &c.services {
                    if !m.services.contains(s) {
                        m.services.push(s.clone());
                    }
                }
            }
            None => {
                at.insert(&c.id, out.len());
                out.push(c.clone());
            }
        }
    }
    out
}
