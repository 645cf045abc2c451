//! Hand-built histories with every expected value worked out in the comments.

use super::*;
use crate::events::metrics::bands::{self as b};

/// 2026-01-01T00:00:00Z.
const D0: i64 = 1_767_225_600;
const H: i64 = 3600;

fn at(day: i64, hour: i64) -> i64 {
    D0 + day * DAY + hour * H
}

fn change(id: &str, first: i64, merged: i64) -> Change {
    Change { id: id.into(), first_commit: first, merged_at: Some(merged), services: vec!["api".into()] }
}

fn dep(id: &str, rev: &str, ring: &str, time: i64) -> Deployment {
    Deployment {
        id: id.into(),
        revision: rev.into(),
        ring: ring.into(),
        env: if ring == "ga" { "prod".into() } else { ring.into() },
        service: Some("api".into()),
        status: DeployStatus::Success,
        time,
        rollback_of: None,
        rollback_to: None,
        fixes: Vec::new(),
        redeploy: false,
    }
}

fn ga(id: &str, rev: &str, time: i64) -> Deployment {
    dep(id, rev, "ga", time)
}

fn inc(id: &str, sev: u8, opened: i64) -> Incident {
    Incident {
        id: id.into(),
        sev,
        service: Some("api".into()),
        opened,
        acked: None,
        resolved: None,
        cause: None,
        via: None,
        fix_deploy: None,
    }
}

/// A linear trunk: a revision contains every change at or before it.
fn trunk(order: &'static [&'static str]) -> impl Fn(&str, &str) -> bool {
    move |rev: &str, change: &str| {
        let pos = |x: &str| order.iter().position(|o| *o == x);
        matches!((pos(rev), pos(change)), (Some(r), Some(c)) if c <= r)
    }
}

const TRUNK: &[&str] = &["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9", "c10", "c11", "c12"];

fn sla() -> BTreeMap<u8, Sla> {
    [(1, (1800, Some(4 * H))), (2, (3600, Some(DAY))), (3, (DAY, None))].into_iter().collect()
}

fn options() -> Options {
    Options { sla: sla(), ..Options::new(at(0, 0), at(35, 0)) }
}

/// Five weeks, days 0..35; service `api` everywhere.
fn changes() -> Vec<Change> {
    vec![
        change("c1", at(-30, 0), at(-29, 0)), // history from before deployments were recorded
        change("c2", at(0, 2), at(0, 3)),
        change("c3", at(2, 0), at(3, 0)), // a squash merge of three commits: one change, earliest first commit
        change("c4", at(5, 0), at(6, 0)), // c4..c6 ship together in G3
        change("c5", at(5, 12), at(6, 1)),
        change("c6", at(6, 0), at(6, 2)),
        change("c7", at(9, 0), at(7, 12)), // a laptop clock a day and more fast: deployed before it "began"
        change("c8", at(9, 6), at(9, 20)),
        change("c9", at(11, 1), at(11, 2)),
        change("c9", at(11, 2), at(11, 2)), // the same change recorded twice
        change("c10", at(15, 0), at(15, 12)),
        change("c11", at(19, 0), at(20, 0)),
        change("c12", at(25, 0), at(25, 2)), // deployed only after the window
    ]
}

fn deployments() -> Vec<Deployment> {
    let started = |mut d: Deployment| {
        d.status = DeployStatus::Started;
        d
    };
    vec![
        // Other rings, which must not count for ga (internal even has its own rollback).
        dep("N1", "c3", "internal", at(2, 12)),
        dep("N2", "c6", "internal", at(6, 6)),
        dep("N3", "c7", "internal", at(7, 6)),
        Deployment { rollback_of: Some("N3".into()), ..dep("N4", "c6", "internal", at(7, 8)) },
        dep("P1", "c3", "preview", at(3, 0)),
        dep("P2", "c6", "preview", at(6, 12)),
        dep("P3", "c8", "preview", at(9, 23)),
        // Production.
        ga("G1", "c2", at(1, 0)),
        ga("G2", "c3", at(4, 0)),
        ga("G3", "c6", at(7, 0)),
        ga("G4", "c7", at(8, 0)),
        Deployment { rollback_of: Some("G4".into()), rollback_to: Some("c6".into()), ..ga("G5", "c6", at(8, 2)) },
        ga("G6", "c8", at(10, 0)),
        started(ga("G7", "c9", at(11, 2))),
        Deployment { fixes: vec!["I1".into()], ..ga("G7", "c9", at(11, 3)) },
        Deployment { fixes: vec!["I1".into()], ..ga("G7", "c9", at(11, 3)) }, // recorded twice
        ga("G8", "c9", at(15, 0)),                                            // the same revision again: a redeploy
        ga("G9", "c10", at(16, 0)),
        Deployment { status: DeployStatus::Failed, ..ga("G10", "c11", at(20, 0)) },
        ga("G11", "c11", at(21, 0)),
        started(ga("G13", "c12", at(34, 0))), // never finished
        ga("G12", "c12", at(36, 0)),          // after the window
    ]
}

fn incidents() -> Vec<Incident> {
    vec![
        // Before any production deployment: nothing to infer.
        Incident { acked: Some(at(0, 13)), resolved: Some(at(0, 15)), ..inc("I0", 2, at(0, 12)) },
        Incident {
            acked: Some(at(11, 0) + 1200),
            resolved: Some(at(11, 4)),
            cause: Some("c8".into()),
            via: Some("fix-forward".into()),
            fix_deploy: Some("G7".into()),
            ..inc("I1", 1, at(11, 0))
        },
        inc("I1", 1, at(11, 0)), // an earlier snapshot of I1, merged
        // Unknown cause, 5 h after G9 with nothing deployed since: inferred.
        Incident { acked: Some(at(16, 7)), resolved: Some(at(16, 9)), ..inc("I2", 2, at(16, 5)) },
        // Known cause but Sev3: G2 is not failed.
        Incident { resolved: Some(at(6, 0)), cause: Some("G2".into()), ..inc("I3", 3, at(5, 0)) },
        // Still open at `now`, eight days after the last deployment.
        Incident { cause: Some("unknown".into()), ..inc("I4", 1, at(29, 0)) },
    ]
}

fn scenario(opts: &Options) -> Metrics {
    compute(&changes(), &deployments(), &incidents(), &trunk(TRUNK), opts, at(35, 0))
}

#[test]
fn scenario_lead_time() {
    let m = scenario(&options());
    // c1, c2: in G1, the first ga deployment, and committed before it: excluded.
    // c3  at(2,0)  -> G2 at(4,0)   = 2 d   = 172800
    // c4  at(5,0)  -> G3 at(7,0)   = 2 d   = 172800
    // c5  at(5,12) -> G3           = 1.5 d = 129600
    // c6  at(6,0)  -> G3           = 1 d   =  86400
    // c7  at(9,0)  -> G4 at(8,0)   = -1 d: skewed
    // c8  at(9,6)  -> G6 at(10,0)  = 18 h  =  64800
    // c9  at(11,1) -> G7 at(11,3)  = 2 h   =   7200 (the duplicate's later first commit loses)
    // c10 at(15,0) -> G9 at(16,0)  = 1 d   =  86400
    // c11 at(19,0) -> G11 at(21,0) = 2 d   = 172800 (G10 failed in the pipeline)
    // c12: G12 is after the window: pending.
    // sorted: 7200 64800 86400 86400 | 129600 172800 172800 172800
    // median = (86400 + 129600) / 2 = 108000; p90 = rank ceil(0.9 × 8) = 8 -> 172800
    assert_eq!(
        m.lead_time,
        LeadTime {
            measured: 8,
            median: Some(108_000),
            p90: Some(172_800),
            skewed: vec![Skewed { id: "c7".into(), secs: -86_400 }],
            excluded_before_first_deploy: 2,
            pending: 1,
        }
    );
}

#[test]
fn scenario_deployment_frequency() {
    let m = scenario(&options());
    // Deployments proper: G1 d1, G2 d4 | G3 d7, G4 d8, G6 d10, G7 d11 | G9 d16 | G11 d21 | -
    // = 8 on 8 days; 8 / 35 days. Deploy-days per week: 2, 4, 1, 1, 0 -> sorted 0 1 1 2 4 -> 1.
    // One whole 30-day month (days 0..30) holding all 8 deploy-days -> 8.
    assert_eq!(
        m.deployment_frequency,
        DeploymentFrequency {
            deployments: 8,
            deploy_days: 8,
            per_day: Some(8.0 / 35.0),
            deploy_days_per_week: Some(1.0),
            deploy_days_per_month: Some(8.0),
            rollbacks: 1,         // G5
            redeploys: 1,         // G8
            pipeline_failures: 1, // G10
            unfinished: 1,        // G13
        }
    );
}

#[test]
fn scenario_change_fail_rate() {
    let m = scenario(&options());
    // G4: rolled back by G5. G6: cause of Sev1 I1 (and named through I1 by G7's fix).
    // G2: cause of I3, but Sev3. G9: I2 (unknown cause) 5 h later, nothing newer: inferred.
    // I0 had no deployment before it; I4 came 8 days after G11, outside the 24 h window.
    // rate = 2 / 8; with inferred 3 / 8. Pipeline: 1 / (1 + 10 live: 8 + G5 + G8).
    assert_eq!(
        m.change_fail_rate,
        ChangeFailRate {
            deployments: 8,
            failed: 2,
            failed_ids: vec!["G4".into(), "G6".into()],
            rate: Some(0.25),
            inferred: 1,
            inferred_ids: vec!["G9".into()],
            rate_with_inferred: Some(0.375),
            pipeline_failures: 1,
            pipeline_failure_rate: Some(1.0 / 11.0),
        }
    );
}

#[test]
fn scenario_recovery_and_rework() {
    let m = scenario(&options());
    // G4 at(8,0): rollback G5 at(8,2) -> 7200.
    // G6 at(10,0): fix-forward G7 at(11,3), I1 resolved at(11,4) -> earliest: 27 h = 97200.
    // median = (7200 + 97200) / 2 = 52200; p90 = rank ceil(1.8) = 2 -> 97200.
    assert_eq!(
        m.recovery_time,
        RecoveryTime {
            failed: 2,
            recovered: 2,
            median: Some(52_200),
            p90: Some(97_200),
            unrecovered: vec![],
            skewed: vec![],
        }
    );
    // Live in the window: 8 deployments + G5 + G8 = 10; rework: G5 (rollback), G7 (fixes I1) = 2.
    assert_eq!(
        m.rework_rate,
        ReworkRate { deployments: 10, rework: 2, rework_ids: vec!["G5".into(), "G7".into()], rate: Some(0.2) }
    );
}

#[test]
fn scenario_incidents_by_severity() {
    let m = scenario(&options());
    let sev = |sev, incidents, open, unknown_cause, ack, restore, sla: Sla, acks, restores| SeverityStats {
        sev,
        incidents,
        open,
        unknown_cause,
        ack_median: ack,
        restore_median: restore,
        respond_within: Some(sla.0),
        restore_within: sla.1,
        ack_breaches: Some(acks),
        restore_breaches: restores,
        skewed: 0,
    };
    assert_eq!(
        m.incidents,
        vec![
            // I1: ack 1200 (<= 1800), restore 4 h (= 14400, not over). I4: open 6 d at `now`:
            // past both targets.
            sev(1, 2, 1, 1, Some(1200), Some(14_400), (1800, Some(14_400)), 1, Some(1)),
            // I0: ack 1 h (= 3600, not over), restore 3 h. I2: ack 2 h (over), restore 4 h.
            // medians (3600 + 7200) / 2 = 5400, (10800 + 14400) / 2 = 12600.
            sev(2, 2, 0, 2, Some(5400), Some(12_600), (3600, Some(DAY)), 1, Some(0)),
            // I3: never acknowledged, resolved after 1 d: acknowledged at resolution, 86400 (not over).
            sev(3, 1, 0, 0, Some(DAY), Some(DAY), (DAY, None), 0, None),
        ]
    );
}

#[test]
fn scenario_bands() {
    let m = scenario(&options());
    // lead 108000 s: >= 1 d, <= 1 w -> high. Frequency: 0.23/day, 1 deploy-day a week -> high.
    // CFR 25% and 37.5%: above 20% (and 10%), within 40% -> low. Recovery 14.5 h < 1 d -> high.
    assert_eq!(m.bands.year, BandYear::Y2024);
    assert_eq!(m.bands.lead_time, Some(Band::High));
    assert_eq!(m.bands.deployment_frequency, Some(Band::High));
    assert_eq!(m.bands.change_fail_rate, Some(Band::Low));
    assert_eq!(m.bands.change_fail_rate_with_inferred, Some(Band::Low));
    assert_eq!(m.bands.recovery_time, Some(Band::High));
    assert!(m.bands.note.contains("not targets") && m.bands.note.contains("20%"));

    // 2023: CFR 25% > 15% -> low; the rest as in 2024.
    let m = scenario(&Options { bands: BandYear::Y2023, ..options() });
    assert_eq!(
        (m.bands.lead_time, m.bands.deployment_frequency, m.bands.change_fail_rate, m.bands.recovery_time),
        (Some(Band::High), Some(Band::High), Some(Band::Low), Some(Band::High))
    );
    assert!(m.bands.note.contains("2023"));
}

#[test]
fn scenario_trend_and_window() {
    let m = scenario(&options());
    assert_eq!(
        m.window,
        Window { since: at(0, 0), until: at(35, 0), days: 35, full_weeks: 5, ring: "ga".into(), service: None }
    );
    let points = |values: Vec<Option<f64>>| -> Vec<Point<f64>> {
        values
            .into_iter()
            .enumerate()
            .map(|(w, value)| Point { week_start: at(7 * w as i64, 0), days: 7, value })
            .collect()
    };
    let points_i = |values: Vec<Option<i64>>| -> Vec<Point<i64>> {
        values
            .into_iter()
            .enumerate()
            .map(|(w, value)| Point { week_start: at(7 * w as i64, 0), days: 7, value })
            .collect()
    };
    // Lead time by week of deployment: w0 c3; w1 c4 c5 c6 c8 c9 -> 7200 64800 [86400] 129600 172800;
    // w2 c10; w3 c11; w4 nothing.
    assert_eq!(m.trend.lead_time, points_i(vec![Some(172_800), Some(86_400), Some(86_400), Some(172_800), None]));
    // Deployments per day: 2/7, 4/7, 1/7, 1/7, 0/7.
    assert_eq!(
        m.trend.deployment_frequency,
        points(vec![Some(2.0 / 7.0), Some(4.0 / 7.0), Some(1.0 / 7.0), Some(1.0 / 7.0), Some(0.0)])
    );
    // CFR: w0 0/2; w1 G4, G6 of 4; w2 0/1 (G9 only inferred); w3 0/1; w4 no deployments.
    assert_eq!(m.trend.change_fail_rate, points(vec![Some(0.0), Some(0.5), Some(0.0), Some(0.0), None]));
    assert_eq!(m.trend.recovery_time, points_i(vec![None, Some(52_200), None, None, None]));
    // Rework: w0 0/2; w1 G5, G7 of G3 G4 G5 G6 G7; w2 0 of G8 G9; w3 0 of G11; w4 none.
    assert_eq!(m.trend.rework_rate, points(vec![Some(0.0), Some(0.4), Some(0.0), Some(0.0), None]));
    assert!(!m.trend.truncated);
}

#[test]
fn scenario_other_ring() {
    // Incidents belong to the measured ring's environment, so the caller passes none for preview.
    let preview = Options { ring: "preview".into(), ..options() };
    let m = compute(&changes(), &deployments(), &[], &trunk(TRUNK), &preview, at(35, 0));
    // P1 (c3) is preview's first: c1, c2, c3 excluded.
    // P2 at(6,12): c4 1.5 d = 129600, c5 1 d = 86400, c6 12 h = 43200.
    // P3 at(9,23): c7 23 h = 82800 (positive against this later deployment), c8 17 h = 61200.
    // c9..c12 never reach preview: pending 4.
    // sorted 43200 61200 [82800] 86400 129600; p90 = rank ceil(4.5) = 5 -> 129600.
    assert_eq!((m.lead_time.measured, m.lead_time.median, m.lead_time.p90), (5, Some(82_800), Some(129_600)));
    assert_eq!((m.lead_time.excluded_before_first_deploy, m.lead_time.pending), (3, 4));
    assert!(m.lead_time.skewed.is_empty());
    // P1 d3, P2 d6, P3 d9; nothing failed.
    assert_eq!((m.deployment_frequency.deployments, m.change_fail_rate.rate), (3, Some(0.0)));
    assert_eq!(m.bands.lead_time, Some(Band::Elite)); // 23 h
                                                      // Passed anyway, I1's cause (revision c8) names P3: the engine trusts what it is given.
    let m = scenario(&preview);
    assert_eq!(m.change_fail_rate.failed_ids, vec!["P3".to_string()]);
}

#[test]
fn empty_window_inside_the_scenario() {
    for until in [at(0, 0), at(-10, 0)] {
        let m = scenario(&Options { until, ..options() });
        assert_eq!((m.window.until, m.window.days, m.window.full_weeks), (at(0, 0), 0, 0));
        // Only c1 was on trunk before at(0,0), and undeployed then.
        assert_eq!(m.lead_time.pending, 1);
        assert_eq!((m.lead_time.measured, m.lead_time.median), (0, None));
        assert_eq!((m.deployment_frequency.deployments, m.deployment_frequency.per_day), (0, None));
        assert_eq!(m.deployment_frequency.deploy_days_per_week, None);
        assert_eq!((m.change_fail_rate.rate, m.recovery_time.median, m.rework_rate.rate), (None, None, None));
        assert!(m.incidents.iter().all(|s| s.incidents == 0));
        assert!(m.trend.lead_time.is_empty() && m.trend.deployment_frequency.is_empty());
        assert_eq!(m.bands.deployment_frequency, None);
    }
}

#[test]
fn empty_inputs_are_not_available_not_nan() {
    let m = compute(&[], &[], &[], &|_: &str, _: &str| false, &Options::new(at(0, 0), at(28, 0)), at(28, 0));
    assert_eq!(
        m.lead_time,
        LeadTime { measured: 0, median: None, p90: None, skewed: vec![], excluded_before_first_deploy: 0, pending: 0 }
    );
    // No deployments in 28 days: 0 per day, 0 deploy-days in each of 4 weeks and in the one
    // (partial) month; that is a measurement, but no band without a deployment.
    assert_eq!(
        m.deployment_frequency,
        DeploymentFrequency {
            deployments: 0,
            deploy_days: 0,
            per_day: Some(0.0),
            deploy_days_per_week: Some(0.0),
            deploy_days_per_month: Some(0.0),
            rollbacks: 0,
            redeploys: 0,
            pipeline_failures: 0,
            unfinished: 0,
        }
    );
    assert_eq!((m.change_fail_rate.rate, m.change_fail_rate.rate_with_inferred), (None, None));
    assert_eq!(m.change_fail_rate.pipeline_failure_rate, None);
    assert_eq!((m.recovery_time.median, m.recovery_time.p90, m.rework_rate.rate), (None, None, None));
    let b = &m.bands;
    assert_eq!(
        [b.lead_time, b.deployment_frequency, b.change_fail_rate, b.change_fail_rate_with_inferred, b.recovery_time],
        [None; 5]
    );
    // The default SLA table still lists its three severities, with nothing in them.
    assert_eq!(
        m.incidents.iter().map(|s| (s.sev, s.incidents, s.ack_median)).collect::<Vec<_>>(),
        vec![(1, 0, None), (2, 0, None), (3, 0, None)]
    );
    assert_eq!(m.incidents[0].ack_breaches, Some(0));
    assert_eq!(m.trend.deployment_frequency.len(), 4);
    assert!(m.trend.deployment_frequency.iter().all(|p| p.value == Some(0.0)));
    assert!(m.trend.lead_time.iter().all(|p| p.value.is_none()));
    let json = serde_json::to_string(&m).unwrap();
    assert!(!json.contains("NaN") && json.contains("\"year\":\"2024\"") && json.contains("\"lead_time\""));
}

#[test]
fn one_deployment() {
    let changes = [change("c1", at(0, 0), at(0, 1)), change("c2", at(0, 5), at(0, 6))];
    let m = compute(&changes, &[ga("G1", "c2", at(1, 0))], &[], &trunk(TRUNK), &options(), at(35, 0));
    // Both changes are in the first deployment and older than it: excluded, nothing measured.
    assert_eq!((m.lead_time.measured, m.lead_time.excluded_before_first_deploy, m.lead_time.median), (1 - 1, 2, None));
    assert_eq!((m.deployment_frequency.deployments, m.deployment_frequency.per_day), (1, Some(1.0 / 35.0)));
    // Weeks: 1, 0, 0, 0, 0 -> median 0. Month: 1 -> the medium band (once a month or more).
    assert_eq!(m.deployment_frequency.deploy_days_per_week, Some(0.0));
    assert_eq!(m.bands.deployment_frequency, Some(Band::Medium));
    assert_eq!((m.change_fail_rate.rate, m.bands.change_fail_rate), (Some(0.0), Some(Band::Elite)));
    assert_eq!((m.rework_rate.rate, m.recovery_time.failed), (Some(0.0), 0));
}

#[test]
fn all_rolled_back_and_all_pipeline_failures() {
    let deps: Vec<Deployment> = (0..3)
        .flat_map(|i| {
            let id = format!("G{i}");
            [
                ga(&id, TRUNK[i + 1], at(i as i64 + 1, 0)),
                Deployment {
                    rollback_of: Some(TRUNK[i + 1].into()), // by revision this time
                    ..ga(&format!("R{i}"), TRUNK[0], at(i as i64 + 1, 1))
                },
            ]
        })
        .collect();
    let m = compute(&[], &deps, &[], &trunk(TRUNK), &options(), at(35, 0));
    // 3 deployments, each rolled back an hour later: CFR 3/3, recovery 3600 each.
    assert_eq!((m.change_fail_rate.deployments, m.change_fail_rate.failed, m.change_fail_rate.rate), (3, 3, Some(1.0)));
    assert_eq!(m.bands.change_fail_rate, Some(Band::Low));
    assert_eq!(
        (m.recovery_time.median, m.recovery_time.p90, m.bands.recovery_time),
        (Some(H), Some(H), Some(Band::High))
    );
    // Rollbacks are rework: 3 of 6 live deployments.
    assert_eq!((m.rework_rate.rework, m.rework_rate.deployments, m.rework_rate.rate), (3, 6, Some(0.5)));
    // The first R0 rolls back to c1, which was never deployed: still a rollback, not a redeploy.
    assert_eq!((m.deployment_frequency.rollbacks, m.deployment_frequency.redeploys), (3, 0));

    let failed: Vec<Deployment> =
        deps.iter().map(|d| Deployment { status: DeployStatus::Failed, ..d.clone() }).collect();
    let m = compute(&[], &failed, &[], &trunk(TRUNK), &options(), at(35, 0));
    assert_eq!((m.change_fail_rate.deployments, m.change_fail_rate.rate), (0, None));
    assert_eq!((m.change_fail_rate.pipeline_failures, m.change_fail_rate.pipeline_failure_rate), (6, Some(1.0)));
    assert_eq!((m.deployment_frequency.deployments, m.deployment_frequency.pipeline_failures), (0, 6));
    assert_eq!(m.recovery_time.failed, 0);
}

#[test]
fn duplicate_events_count_once() {
    let d = ga("G1", "c2", at(1, 0));
    let failed_then_retried = Deployment { status: DeployStatus::Failed, ..ga("G2", "c3", at(2, 0)) };
    let deps = vec![d.clone(), d.clone(), d, failed_then_retried, ga("G2", "c3", at(2, 1))];
    let i = Incident { cause: Some("G1".into()), resolved: Some(at(1, 2)), ..inc("I1", 1, at(1, 1)) };
    let changes = [change("c3", at(1, 12), at(1, 13)), change("c3", at(1, 12), at(1, 13))];
    let m = compute(&changes, &deps, &[i.clone(), i], &trunk(TRUNK), &options(), at(35, 0));
    // G1 once; G2's later success wins over its failure (last finished wins).
    assert_eq!(m.deployment_frequency.deployments, 2);
    assert_eq!(m.deployment_frequency.pipeline_failures, 0);
    assert_eq!((m.change_fail_rate.failed, m.change_fail_rate.rate), (1, Some(0.5)));
    assert_eq!(m.incidents[0].incidents, 1);
    // c3 at(1,12) -> G2 at(2,1) = 13 h, once.
    assert_eq!((m.lead_time.measured, m.lead_time.median), (1, Some(13 * H)));
    // G1 -> I1 resolved 2 h later.
    assert_eq!(m.recovery_time.median, Some(2 * H));
}

/// A monorepo: `api` and `web` deploy separately; deployments of other services, or of none, do
/// not count for a service.
fn monorepo() -> (Vec<Change>, Vec<Deployment>, Vec<Incident>) {
    let svc = |d: Deployment, s: Option<&str>| Deployment { service: s.map(str::to_string), ..d };
    let ch = |id: &str, services: &[&str]| Change {
        id: id.into(),
        first_commit: at(1, 0),
        merged_at: None,
        services: services.iter().map(|s| s.to_string()).collect(),
    };
    let changes = vec![ch("c2", &["api"]), ch("c3", &["web"]), ch("c4", &["api", "web"]), ch("c5", &["zzz"])];
    let deps = vec![
        svc(ga("A0", "c1", at(0, 0)), Some("api")),
        svc(ga("W0", "c1", at(0, 0)), Some("web")),
        svc(ga("A1", "c4", at(2, 0)), Some("api")),
        svc(ga("W1", "c4", at(3, 0)), Some("web")),
        svc(ga("Z0", "c1", at(0, 0)), Some("zzz")),
        svc(ga("Z1", "c5", at(4, 0)), Some("zzz")),
        svc(ga("N1", "c5", at(5, 0)), None),
    ];
    let incidents = vec![Incident { service: Some("zzz".into()), ..inc("IZ", 1, at(4, 1)) }];
    (changes, deps, incidents)
}

#[test]
fn services_scope_everything() {
    let (changes, deps, incidents) = monorepo();
    let api = Options { service: Some("api".into()), ..options() };
    let m = compute(&changes, &deps, &incidents, &trunk(TRUNK), &api, at(35, 0));
    // api changes c2, c4: both first in A1 at(2,0): 1 d each. A0 was api's first and held neither.
    assert_eq!((m.lead_time.measured, m.lead_time.median, m.lead_time.excluded_before_first_deploy), (2, Some(DAY), 0));
    // A0, A1 only (N1 has no service, so no service filter matches it).
    assert_eq!(m.deployment_frequency.deployments, 2);
    // IZ is zzz's: not in api's table, and it infers nothing for api.
    assert_eq!((m.change_fail_rate.inferred, m.incidents[0].incidents), (0, 0));

    let m = compute(&changes, &deps, &incidents, &trunk(TRUNK), &options(), at(35, 0));
    // All: c2 -> A1 1 d; c3 (web) -> W1 at(3,0) 2 d; c4 -> A1 1 d; c5 (zzz) -> Z1 at(4,0) 3 d.
    // sorted 1 1 2 3 d -> median 1.5 d = 129600.
    assert_eq!((m.lead_time.measured, m.lead_time.median), (4, Some(129_600)));
    // 7 deployments; Z1 is inferred from IZ an hour later (same service); N1 came after, but in
    // no service, so it is not newer "of that service".
    assert_eq!((m.deployment_frequency.deployments, m.change_fail_rate.inferred_ids.clone()), (7, vec!["Z1".into()]));
    assert_eq!(m.incidents[0].incidents, 1);
}

#[test]
fn rollback_to_only_rolls_back_what_was_live() {
    let deps = vec![
        ga("G1", "c2", at(1, 0)),
        ga("G2", "c3", at(2, 0)),
        Deployment { rollback_to: Some("c2".into()), ..ga("R1", "c2", at(2, 3)) },
    ];
    let m = compute(&[], &deps, &[], &trunk(TRUNK), &options(), at(35, 0));
    assert_eq!(m.change_fail_rate.failed_ids, vec!["G2".to_string()]);
    assert_eq!(m.recovery_time.median, Some(3 * H));
}

#[test]
fn fixes_by_id_revision_and_incident() {
    let deps = vec![
        ga("G1", "c2", at(1, 0)),
        ga("G2", "c3", at(2, 0)),
        ga("G3", "c4", at(3, 0)),
        // Fixes G1 by id, G2 by revision; "JIRA-1" names nothing known.
        Deployment { fixes: vec!["G1".into(), "c3".into(), "JIRA-1".into()], ..ga("G4", "c5", at(4, 0)) },
        // Names an incident with no known cause: rework, but no deployment is blamed for it.
        Deployment { fixes: vec!["I9".into()], ..ga("G5", "c6", at(5, 0)) },
        // Names a Sev3 incident caused by G3: the fix shows G3 needed intervention.
        Deployment { fixes: vec!["I3".into()], ..ga("G6", "c7", at(6, 0)) },
        // "Fixes" itself and a later deployment: neither counts.
        Deployment { fixes: vec!["G7".into(), "G8".into()], ..ga("G7", "c8", at(7, 0)) },
        ga("G8", "c9", at(8, 0)),
    ];
    let incs = vec![
        Incident { resolved: Some(at(9, 0)), ..inc("I9", 2, at(4, 12)) },
        Incident { cause: Some("G3".into()), ..inc("I3", 3, at(3, 1)) },
    ];
    let m = compute(&[], &deps, &incs, &trunk(TRUNK), &options(), at(35, 0));
    assert_eq!(m.change_fail_rate.failed_ids, vec!["G1".to_string(), "G2".into(), "G3".into()]);
    // I9 (Sev2, unknown cause) opened 12 h after G4, nothing newer: G4 is inferred.
    assert_eq!(m.change_fail_rate.inferred_ids, vec!["G4".to_string()]);
    assert_eq!(m.rework_rate.rework_ids, vec!["G4".to_string(), "G5".into(), "G6".into()]);
    // Recovery: G1 3 d, G2 2 d, G3 3 d (G6) -> median 3 d.
    assert_eq!(m.recovery_time.median, Some(3 * DAY));
}

#[test]
fn severity_cut_and_incident_fix_deploy() {
    let deps = vec![ga("G1", "c2", at(1, 0)), ga("G2", "c3", at(2, 0)), ga("G3", "c4", at(3, 0))];
    let incs = vec![
        // Sev2 cause by id: failed; resolved by G3 named as its fix_deploy.
        Incident { cause: Some("G1".into()), fix_deploy: Some("G3".into()), ..inc("I1", 2, at(1, 6)) },
        // Sev3 cause: not failed.
        Incident { cause: Some("c3".into()), ..inc("I2", 3, at(2, 1)) },
    ];
    let m = compute(&[], &deps, &incs, &trunk(TRUNK), &options(), at(35, 0));
    assert_eq!(m.change_fail_rate.failed_ids, vec!["G1".to_string()]);
    assert_eq!(m.rework_rate.rework_ids, vec!["G3".to_string()]);
    assert_eq!(m.recovery_time.median, Some(2 * DAY));
}

#[test]
fn inference_window_and_newer_deployments() {
    let deps = vec![ga("G1", "c2", at(1, 0)), ga("G2", "c3", at(1, 12)), ga("G3", "c4", at(5, 0))];
    let incs = vec![
        inc("I1", 1, at(2, 12)),                       // 24 h after G2 (inclusive); G1 is not newest
        Incident { sev: 3, ..inc("I2", 3, at(5, 1)) }, // Sev3: not inferred
        Incident { service: None, ..inc("I3", 1, at(5, 2)) }, // no service: matches no api deployment
    ];
    let m = compute(&[], &deps, &incs, &trunk(TRUNK), &options(), at(35, 0));
    assert_eq!(m.change_fail_rate.inferred_ids, vec!["G2".to_string()]);
    let m = compute(&[], &deps, &incs, &trunk(TRUNK), &Options { inferred_window: DAY - 1, ..options() }, at(35, 0));
    assert_eq!(m.change_fail_rate.inferred, 0);
    let m = compute(&[], &deps, &incs, &trunk(TRUNK), &Options { inferred_window: -5, ..options() }, at(35, 0));
    assert_eq!(m.change_fail_rate.inferred, 0);
}

#[test]
fn redeploys_flagged_or_detected() {
    let deps = vec![
        ga("G1", "c2", at(1, 0)),
        Deployment { redeploy: true, ..ga("G2", "c3", at(2, 0)) }, // the caller says so
        ga("G3", "c2", at(3, 0)),                                  // c2 again, after c3: detected
        // A rollback naming the redeploy G3 blames c2's deployment proper, G1.
        Deployment { rollback_of: Some("G3".into()), ..ga("R1", "c1", at(3, 1)) },
    ];
    let changes = [change("c3", at(1, 12), at(1, 13))];
    let m = compute(&changes, &deps, &[], &trunk(TRUNK), &options(), at(35, 0));
    assert_eq!((m.deployment_frequency.deployments, m.deployment_frequency.redeploys), (1, 2));
    assert_eq!(m.change_fail_rate.failed_ids, vec!["G1".to_string()]);
    // A redeploy still carries changes: c3 -> G2 at(2,0) = 12 h.
    assert_eq!(m.lead_time.median, Some(12 * H));
}

#[test]
fn incidents_open_skewed_and_unknown_severity() {
    let incs = vec![
        Incident { acked: Some(at(1, 0) - 10), ..inc("I1", 2, at(1, 0)) }, // acked before opened
        inc("I2", 7, at(2, 0)),                                            // no SLA for Sev7
        inc("I3", 1, at(34, 23)),                                          // opened 1 h before now
        inc("I4", 1, at(40, 0)),                                           // after the window
    ];
    let m = compute(&[], &[], &incs, &trunk(TRUNK), &options(), at(35, 0));
    let s: BTreeMap<u8, &SeverityStats> = m.incidents.iter().map(|s| (s.sev, s)).collect();
    // I1: skewed, out of the median; still open 34 d at now: restore breach (1 d), ack not (-10 s).
    assert_eq!(
        (s[&2].skewed, s[&2].ack_median, s[&2].ack_breaches, s[&2].restore_breaches),
        (1, None, Some(0), Some(1))
    );
    assert_eq!(
        (s[&7].incidents, s[&7].ack_breaches, s[&7].restore_breaches, s[&7].respond_within),
        (1, None, None, None)
    );
    // I3: 1 h unacknowledged > 30 min, but < 4 h restore.
    assert_eq!((s[&1].incidents, s[&1].ack_breaches, s[&1].restore_breaches), (1, Some(1), Some(0)));
    assert_eq!(m.incidents.iter().map(|s| s.sev).collect::<Vec<_>>(), vec![1, 2, 3, 7]);
}

#[test]
fn recovery_signals_before_the_failure_are_skew() {
    let deps = vec![ga("G1", "c2", at(2, 0)), ga("G2", "c3", at(3, 0))];
    let incs = vec![
        Incident { cause: Some("G1".into()), resolved: Some(at(1, 0)), ..inc("I1", 1, at(0, 0)) },
        Incident { cause: Some("G2".into()), ..inc("I2", 1, at(3, 1)) },
    ];
    let m = compute(&[], &deps, &incs, &trunk(TRUNK), &options(), at(35, 0));
    assert_eq!((m.recovery_time.failed, m.recovery_time.recovered, m.recovery_time.median), (2, 0, None));
    assert_eq!(
        (m.recovery_time.skewed.clone(), m.recovery_time.unrecovered.clone()),
        (vec!["G1".into()], vec!["G2".into()])
    );
}

#[test]
fn weird_input_never_panics() {
    let extremes = [i64::MIN, i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX];
    let mut deps = Vec::new();
    let mut incs = Vec::new();
    let mut changes = Vec::new();
    for (k, t) in extremes.iter().enumerate() {
        let id = format!("X{k}");
        deps.push(Deployment {
            rollback_of: Some(id.clone()), // itself
            fixes: vec![id.clone(), String::new(), "c2".into()],
            service: None,
            ..ga(&id, "c2", *t)
        });
        deps.push(Deployment { ring: String::new(), ..ga("", "", *t) });
        incs.push(Incident {
            sev: [0, 1, 2, 255][k % 4],
            acked: Some(i64::MIN),
            resolved: Some(i64::MAX),
            cause: Some(String::new()),
            fix_deploy: Some(id.clone()),
            ..inc(&id, 1, *t)
        });
        changes.push(Change {
            id: "c2".into(),
            first_commit: *t,
            merged_at: Some(-*t.max(&(i64::MIN + 1))),
            services: vec![],
        });
    }
    let sla: BTreeMap<u8, Sla> = [(0, (-1, Some(i64::MIN))), (1, (i64::MAX, Some(i64::MAX)))].into_iter().collect();
    for (since, until) in
        [(i64::MIN, i64::MAX), (i64::MAX, i64::MIN), (0, 0), (-5 * WEEK, 3), (i64::MAX - 10, i64::MAX)]
    {
        for now in [i64::MIN, 0, i64::MAX] {
            let opts =
                Options { since, until, inferred_window: i64::MAX, sla: sla.clone(), ..Options::new(since, until) };
            let m = compute(&changes, &deps, &incs, &|_: &str, _: &str| true, &opts, now);
            assert!(m.trend.lead_time.len() <= MAX_TREND_WEEKS);
            for r in [m.change_fail_rate.rate, m.change_fail_rate.rate_with_inferred, m.rework_rate.rate]
                .into_iter()
                .flatten()
            {
                assert!((0.0..=1.0).contains(&r));
            }
            assert!(serde_json::to_string(&m).is_ok());
        }
    }
    let m = compute(&changes, &deps, &incs, &|_: &str, _: &str| true, &Options::new(i64::MIN, i64::MAX), 0);
    assert!(m.trend.truncated);
    assert_eq!(m.trend.rework_rate.len(), MAX_TREND_WEEKS);
}

#[test]
fn median_and_percentile_definitions() {
    assert_eq!(median(&[]), None);
    assert_eq!(median(&[5]), Some(5));
    assert_eq!(median(&[3, 1, 2]), Some(2));
    assert_eq!(median(&[1, 2]), Some(1)); // 1.5 rounded down
    assert_eq!(median(&[-3, -2]), Some(-3)); // -2.5 rounded down (floor)
    assert_eq!(median(&[i64::MAX, i64::MAX]), Some(i64::MAX)); // no overflow
    let ten: Vec<i64> = (1..=10).rev().collect();
    assert_eq!(percentile(&ten, 90), Some(9)); // rank ceil(9.0) = 9
    assert_eq!(percentile(&ten, 91), Some(10)); // rank ceil(9.1) = 10
    assert_eq!(percentile(&ten, 50), Some(5));
    assert_eq!(percentile(&ten, 0), Some(1)); // rank at least 1
    assert_eq!(percentile(&ten, 500), Some(10));
    assert_eq!(percentile(&[7], 90), Some(7));
    assert_eq!(percentile(&[], 90), None);
    assert_eq!(median_sparse(&[], 0), None);
    assert_eq!(median_sparse(&[4, 2], 5), Some(0.0)); // 0 0 0 2 4
    assert_eq!(median_sparse(&[4, 2], 3), Some(2.0)); // 0 2 4
    assert_eq!(median_sparse(&[4, 2, 1, 3], 4), Some(2.5)); // 1 2 3 4
}

#[test]
fn band_boundaries() {
    use BandYear::{Y2023, Y2024};
    for y in [Y2024, Y2023] {
        assert_eq!(b::lead_time(y, DAY - 1), Band::Elite);
        assert_eq!(b::lead_time(y, DAY), Band::High); // "< 1 day" is strict
        assert_eq!(b::lead_time(y, 7 * DAY), Band::High); // "1 day – 1 week" includes the week
        assert_eq!(b::lead_time(y, 7 * DAY + 1), Band::Medium);
        assert_eq!(b::lead_time(y, 30 * DAY), Band::Medium);
        assert_eq!(b::lead_time(y, 30 * DAY + 1), Band::Low);
        assert_eq!(b::lead_time(y, 400 * DAY), Band::Low); // beyond every cluster
        assert_eq!(b::lead_time(y, -5), Band::Elite);
        assert_eq!(b::recovery_time(y, H - 1), Band::Elite);
        assert_eq!(b::recovery_time(y, H), Band::High);
        assert_eq!(b::recovery_time(y, DAY - 1), Band::High);
    }
    // 2024: high and medium are both "< 1 day"; 1 day to 1 week lies between clusters -> low.
    assert_eq!(b::recovery_time(Y2024, DAY), Band::Low);
    assert_eq!(b::recovery_time(Y2024, 60 * DAY), Band::Low);
    // 2023: medium is 1 day – 1 week; 1 week – 1 month lies between medium and low -> low.
    assert_eq!(b::recovery_time(Y2023, DAY), Band::Medium);
    assert_eq!(b::recovery_time(Y2023, 7 * DAY), Band::Medium);
    assert_eq!(b::recovery_time(Y2023, 7 * DAY + 1), Band::Low);

    // 2024 CFR: elite 5%, high 20%, medium 10%, low 40%.
    let cfr = |y, f, n| b::change_fail_rate(y, f, n);
    assert_eq!(cfr(Y2024, 0, 0), None);
    assert_eq!(cfr(Y2024, 0, 9), Some(Band::Elite));
    assert_eq!(cfr(Y2024, 1, 20), Some(Band::Elite)); // exactly 5%
    assert_eq!(cfr(Y2024, 1, 19), Some(Band::High)); // 5.3%
    assert_eq!(cfr(Y2024, 2, 25), Some(Band::High)); // 8%, under medium's 10% too: the better wins
    assert_eq!(cfr(Y2024, 3, 25), Some(Band::High)); // 12%
    assert_eq!(cfr(Y2024, 1, 5), Some(Band::High)); // exactly 20%
    assert_eq!(cfr(Y2024, 21, 100), Some(Band::Low));
    assert_eq!(cfr(Y2024, 9, 10), Some(Band::Low));
    // 2023 CFR: 5%, 10%, 15%, 64%.
    assert_eq!(cfr(Y2023, 1, 10), Some(Band::High));
    assert_eq!(cfr(Y2023, 3, 25), Some(Band::Medium)); // 12%
    assert_eq!(cfr(Y2023, 3, 20), Some(Band::Medium)); // exactly 15%
    assert_eq!(cfr(Y2023, 4, 25), Some(Band::Low)); // 16%
    assert_eq!(cfr(Y2023, usize::MAX, usize::MAX), Some(Band::Low)); // no overflow

    assert_eq!(b::deployment_frequency(1.0, 0.0, 0.0), Band::Elite);
    assert_eq!(b::deployment_frequency(0.5, 3.0, 0.0), Band::Elite);
    assert_eq!(b::deployment_frequency(0.5, 2.5, 10.0), Band::High);
    assert_eq!(b::deployment_frequency(0.1, 0.5, 2.0), Band::Medium);
    assert_eq!(b::deployment_frequency(0.01, 0.0, 0.5), Band::Low);
    assert!(b::note(Y2024).contains("survey") && b::note(Y2024).contains("10%"));
}

#[test]
fn options_from_a_policy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(
        &path,
        "[deploy]\nrings = [\"canary\", \"prod\"]\n\n[incidents]\ninferred-window = \"2h\"\n\n\
         [incidents.severity.1]\nrespond-within = \"5m\"\nrestore-within = \"1h\"\n",
    )
    .unwrap();
    let loaded = crate::policy::load::load(crate::policy::Source::File(path), &crate::policy::NoBlobs).unwrap();
    let o = Options::from_policy(&loaded.policy, 1, 2);
    assert_eq!((o.ring.as_str(), o.inferred_window, o.since, o.until), ("prod", 2 * H, 1, 2));
    assert_eq!(o.sla.get(&1), Some(&(300, Some(H))));
    assert_eq!(o.sla.get(&2), Some(&(H, None)));
    assert_eq!(o.bands, BandYear::Y2024);
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn arb_dep() -> impl Strategy<Value = Deployment> {
        (0..6usize, 0..6usize, 0..3usize, 0..3usize, -3..40i64, 0..4usize, 0..4usize, any::<bool>()).prop_map(
            |(id, rev, ring, status, day, rb, fix, redeploy)| {
                let names = ["G0", "G1", "c2", "c3", "I0", ""];
                Deployment {
                    service: [Some("api".to_string()), None, Some("web".into())][ring].clone(),
                    status: [DeployStatus::Success, DeployStatus::Failed, DeployStatus::Started][status],
                    rollback_of: (rb == 1).then(|| names[id].to_string()),
                    rollback_to: (rb == 2).then(|| "c1".to_string()),
                    fixes: (0..fix).map(|k| names[(id + k) % 6].to_string()).collect(),
                    redeploy,
                    ..ga(&format!("G{id}"), TRUNK[rev], at(day, (id as i64) % 24))
                }
            },
        )
    }

    fn arb_inc() -> impl Strategy<Value = Incident> {
        (0..4usize, 0..5u8, -3..40i64, proptest::option::of(-2..30i64), proptest::option::of(0..5usize)).prop_map(
            |(id, sev, day, fix, cause)| Incident {
                acked: fix.map(|h| at(day, h)),
                resolved: fix.map(|h| at(day, h + 1)),
                cause: cause.map(|c| ["G0", "c2", "c3", "unknown", "X"][c].to_string()),
                fix_deploy: fix.map(|_| format!("G{id}")),
                ..inc(&format!("I{id}"), sev, at(day, 0))
            },
        )
    }

    proptest! {
        /// Trunk positions (the fast path `metrics` takes on a first-parent chain) give exactly
        /// what asking the ancestry oracle for every deployment gives, services and all.
        #[test]
        fn trunk_positions_agree_with_the_oracle(
            deps in proptest::collection::vec(
                (0..14usize, 0..3usize, -3..40i64, 0..3usize).prop_map(|(rev, svc, day, status)| Deployment {
                    service: [Some("api".to_string()), None, Some("web".into())][svc].clone(),
                    status: [DeployStatus::Success, DeployStatus::Success, DeployStatus::Failed][status],
                    ..ga(&format!("D{rev}{day}"), ["X", "G0"].get(rev.wrapping_sub(12)).copied().unwrap_or_else(|| TRUNK[rev % 12]), at(day, 0))
                }),
                0..25,
            ),
            changes in proptest::collection::vec((-5..40i64, 0..4usize), 0..12),
            service in proptest::option::of(0..2usize),
        ) {
            let changes: Vec<Change> = changes
                .iter()
                .enumerate()
                .map(|(k, (d, s))| Change {
                    services: [vec![], vec!["api".to_string()], vec!["web".into()], vec!["api".into(), "web".into()]][*s].clone(),
                    ..change(TRUNK[k], at(*d, 0), at(*d, 1))
                })
                .collect();
            let mut opts = Options { sla: sla(), service: service.map(|s| ["api", "web"][s].to_string()), ..Options::new(at(0, 0), at(35, 0)) };
            let oracle = compute(&changes, &deps, &[], &trunk(TRUNK), &opts, at(40, 0));
            opts.trunk_order = Some(TRUNK.iter().enumerate().map(|(i, c)| (c.to_string(), i as u64 + 1)).collect());
            let positions = compute(&changes, &deps, &[], &trunk(TRUNK), &opts, at(40, 0));
            prop_assert_eq!(serde_json::to_value(&positions).unwrap(), serde_json::to_value(&oracle).unwrap());
        }

        #[test]
        fn any_history_gives_sane_numbers(
            deps in proptest::collection::vec(arb_dep(), 0..20),
            incs in proptest::collection::vec(arb_inc(), 0..8),
            firsts in proptest::collection::vec(-5..40i64, 0..12),
            since in -5..20i64,
            len in -3..40i64,
        ) {
            let changes: Vec<Change> =
                firsts.iter().enumerate().map(|(k, d)| change(TRUNK[k % 12], at(*d, 0), at(*d, 1))).collect();
            let opts = Options { sla: sla(), ..Options::new(at(since, 0), at(since + len, 0)) };
            let m = compute(&changes, &deps, &incs, &trunk(TRUNK), &opts, at(40, 0));
            let c = &m.change_fail_rate;
            prop_assert!(c.failed + c.inferred <= c.deployments);
            prop_assert_eq!(c.deployments, m.deployment_frequency.deployments);
            prop_assert!(m.rework_rate.rework <= m.rework_rate.deployments);
            prop_assert!(m.recovery_time.recovered + m.recovery_time.unrecovered.len() + m.recovery_time.skewed.len() == m.recovery_time.failed);
            prop_assert_eq!(m.recovery_time.failed, c.failed);
            if let (Some(med), Some(p90)) = (m.lead_time.median, m.lead_time.p90) {
                prop_assert!(med > 0 && med <= p90);
            }
            let weekly: usize = m.trend.deployment_frequency.iter().map(|p| {
                (p.value.unwrap_or(0.0) * p.days as f64).round() as usize
            }).sum();
            prop_assert_eq!(weekly, m.deployment_frequency.deployments);
        }
    }
}
