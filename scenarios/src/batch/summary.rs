//! What a batch adds up to: outcome counts and metric statistics per point,
//! the batch expectations judged on them, and the `summary.json` and
//! `batch.json` texts.

use std::ops::Range;

use serde::Serialize;
use serde_json::Value as Json;

use super::record::Ordered;
use super::{Batch, Job, RunRecord};
use crate::format::{BatchExpectSpec, Bounds, Stat};
use crate::json::number;
use crate::run::Outcome;
use crate::stats::Summary;

/// A point's parameters, outcome counts and metric statistics, for the
/// summary.
type PointParts = (
    Vec<(String, Json)>,
    Vec<(String, u64)>,
    Vec<(String, Option<Summary>)>,
);

/// Accumulates what the summary needs, point by point.
pub(super) struct Tally {
    pub(super) outcomes: Vec<[u64; 3]>,
    /// values[point][metric] = every run's value.
    pub(super) values: Vec<Vec<Vec<f64>>>,
    pub(super) failures: Vec<(Job, Outcome, Option<String>)>,
}

const MAX_LISTED_FAILURES: usize = 100;

impl Tally {
    pub(super) fn new(points: usize, metrics: usize) -> Self {
        Tally {
            outcomes: vec![[0; 3]; points],
            values: vec![vec![Vec::new(); metrics]; points],
            failures: Vec::new(),
        }
    }

    pub(super) fn add(&mut self, r: &RunRecord) {
        let i = match r.outcome {
            Outcome::Passed => 0,
            Outcome::Failed => 1,
            Outcome::Error | Outcome::Stopped => 2,
        };
        self.outcomes[r.job.point][i] += 1;
        for (m, x) in r.metrics.iter().enumerate() {
            self.values[r.job.point][m].push(*x);
        }
        if r.outcome != Outcome::Passed && self.failures.len() < MAX_LISTED_FAILURES {
            self.failures.push((r.job, r.outcome, r.error.clone()));
        }
    }
}

/// One point of `summary.json`.
#[derive(Serialize)]
struct Point<'a> {
    point: usize,
    params: Ordered<'a, Json>,
    runs: u64,
    outcomes: Ordered<'a, u64>,
    metrics: Ordered<'a, Option<Summary>>,
}
/// One failing run of `summary.json`.
#[derive(Serialize)]
struct Failure {
    point: usize,
    seed: u64,
    outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}
/// `summary.json`.
#[derive(Serialize)]
struct Top<'a> {
    netsim: &'static str,
    scenario: &'a str,
    seeds: [u64; 2],
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<[u64; 2]>,
    runs: u64,
    outcome: &'static str,
    outcomes: Ordered<'a, u64>,
    batch_expectations: &'a [BatchExpectResult],
    failed_runs: Vec<Failure>,
    points: Vec<Point<'a>>,
}

/// One batch expectation's result at one point.
#[derive(Debug, Clone, Serialize)]
pub struct BatchExpectResult {
    /// What was expected.
    pub expect: String,
    /// At which point of the sweep.
    pub point: usize,
    /// Whether it held.
    pub passed: bool,
    /// What was measured.
    pub observed: Json,
}

/// The outcome of a whole batch.
#[derive(Debug, Clone)]
pub struct BatchOutcome {
    /// Runs made.
    pub runs: u64,
    /// Runs that passed, failed, errored.
    pub outcomes: [u64; 3],
    /// Batch expectations, per point.
    pub expectations: Vec<BatchExpectResult>,
    /// True when the batch passed (for a shard: every run of its slice
    /// passed; its batch expectations are judged at merge).
    pub passed: bool,
    /// The slice K of N this was, if a shard.
    pub shard: Option<(u64, u64)>,
    /// The first failing runs (at most 100).
    pub failures: Vec<(Job, Outcome, Option<String>)>,
    /// Per point: the values of each metric (for plots).
    pub values: Vec<Vec<Vec<f64>>>,
}

fn describe_batch(b: &BatchExpectSpec) -> String {
    let what = match (&b.metric, b.success_rate) {
        (Some(m), _) => {
            let stat = b.stat.unwrap_or(Stat::Mean);
            format!(
                "{}({m})",
                serde_json::to_value(stat)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            )
        }
        _ => "success_rate".to_string(),
    };
    let bounds = Bounds {
        equals: b.equals,
        at_least: b.at_least,
        at_most: b.at_most,
    };
    bounds.describe(&what, b.description.as_deref())
}

impl Batch {
    pub(super) fn judge(&self, tally: &Tally) -> Vec<BatchExpectResult> {
        let mut out = Vec::new();
        let specs = &self.plans[0].batch_expect;
        for point in 0..self.plans.len() {
            for b in specs {
                let [passed, failed, errors] = tally.outcomes[point];
                let total = passed + failed + errors;
                let observed = match &b.metric {
                    Some(m) => {
                        let i = self
                            .metrics()
                            .iter()
                            .position(|x| x == m)
                            .expect("checked metric");
                        Summary::of(&tally.values[point][i])
                            .map_or(f64::NAN, |s| s.get(b.stat.unwrap_or(Stat::Mean)))
                    }
                    None => {
                        if total == 0 {
                            f64::NAN
                        } else {
                            passed as f64 / total as f64
                        }
                    }
                };
                let ok = Bounds {
                    equals: b.equals,
                    at_least: b.at_least,
                    at_most: b.at_most,
                }
                .hold(observed);
                out.push(BatchExpectResult {
                    expect: describe_batch(b),
                    point,
                    passed: ok,
                    observed: number(observed),
                });
            }
        }
        out
    }

    pub(super) fn summary_json(
        &self,
        seeds: &Range<u64>,
        shard: Option<(u64, u64)>,
        tally: &Tally,
        outcome: &BatchOutcome,
    ) -> String {
        let names: Vec<String> = ["passed", "failed", "error"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let counts = |o: [u64; 3]| -> Vec<(String, u64)> { names.iter().cloned().zip(o).collect() };
        let all = counts(outcome.outcomes);
        let per_point: Vec<PointParts> = (0..self.plans.len())
            .map(|p| {
                let stats = self
                    .metrics()
                    .iter()
                    .cloned()
                    .zip(tally.values[p].iter().map(|v| Summary::of(v)))
                    .collect();
                (self.params_json(p), counts(tally.outcomes[p]), stats)
            })
            .collect();
        let top = Top {
            netsim: env!("CARGO_PKG_VERSION"),
            scenario: self.name(),
            seeds: [seeds.start, seeds.end],
            shard: shard.map(|(k, n)| [k, n]),
            runs: outcome.runs,
            outcome: match (outcome.shard, outcome.passed) {
                (Some(_), _) => "unjudged",
                (None, true) => "passed",
                (None, false) => "failed",
            },
            outcomes: Ordered(&all),
            batch_expectations: &outcome.expectations,
            failed_runs: outcome
                .failures
                .iter()
                .map(|(j, o, e)| Failure {
                    point: j.point,
                    seed: j.seed,
                    outcome: *o,
                    error: e.clone(),
                })
                .collect(),
            points: per_point
                .iter()
                .enumerate()
                .map(|(p, (params, oc, stats))| Point {
                    point: p,
                    params: Ordered(params),
                    runs: oc.iter().map(|(_, n)| n).sum(),
                    outcomes: Ordered(oc),
                    metrics: Ordered(stats),
                })
                .collect(),
        };
        let mut s = serde_json::to_string_pretty(&top).expect("summary serialises");
        s.push('\n');
        s
    }

    pub(super) fn batch_json(&self, seeds: &Range<u64>, shard: Option<(u64, u64)>) -> String {
        let v = serde_json::json!({
            "netsim": env!("CARGO_PKG_VERSION"),
            "scenario": self.name(),
            "seeds": [seeds.start, seeds.end],
            "points": self.plans.len(),
            "shard": shard.map(|(k, n)| [k, n]),
            "scenario_text": self.text,
        });
        let mut s = serde_json::to_string_pretty(&v).expect("serialises");
        s.push('\n');
        s
    }
}
