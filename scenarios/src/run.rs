//! Running a [`Plan`] once, with one seed, and judging its expectations.

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Serialize;
use sim_core::{LinkDirId, LinkParams, SimTime, Simulator, TraceRecord, Value};

use crate::build::{Expectation, LINK_METRICS, Measure, Plan, apply, as_number, link_metric};
use crate::format::Quantity;
use crate::payload::Wire;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every expectation held.
    Passed,
    /// At least one expectation did not hold.
    Failed,
    /// A model failed (a bug in netsim); the trace up to the failure is kept.
    Error,
}

/// The result of one expectation.
#[derive(Debug, Clone, Serialize)]
pub struct ExpectResult {
    /// Position in the scenario's `expect` list.
    pub index: usize,
    /// What was expected, in words.
    pub expect: String,
    /// Whether it held.
    pub passed: bool,
    /// The value measured.
    pub observed: f64,
    /// The value measured, as a duration when the bounds are durations.
    pub observed_text: String,
}

/// Everything one run produced.
pub struct RunOutput {
    /// The seed it ran with.
    pub seed: u64,
    /// The trace, in event order.
    pub records: Vec<TraceRecord>,
    /// Named figures, in a fixed order.
    pub metrics: Vec<(String, Value)>,
    /// Each expectation's result.
    pub expectations: Vec<ExpectResult>,
    /// Simulated time when the run stopped.
    pub end_time: SimTime,
    /// Events handled.
    pub events: u64,
    /// Passed, failed or error.
    pub outcome: Outcome,
    /// What went wrong when the outcome is [`Outcome::Error`].
    pub error: Option<String>,
}

/// Runs `plan` with `seed` and judges its expectations.
pub fn run(plan: &Plan, seed: u64) -> RunOutput {
    let mut sim: Simulator<Wire> = Simulator::new(plan.topology.clone(), seed, true);
    for (node, app) in &plan.hosts {
        sim.attach(*node, app.endpoint())
            .expect("plan gives each host one endpoint");
    }
    // A model that panics is a netsim bug; keep the trace up to it as
    // evidence instead of losing the run.
    let result = catch_unwind(AssertUnwindSafe(|| drive(&mut sim, plan)));
    let error = result.err().map(|p| {
        p.downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a model panicked".to_string())
    });
    let metrics = collect_metrics(&sim, plan);
    let records = sim.take_trace();
    let expectations: Vec<ExpectResult> = plan
        .expectations
        .iter()
        .map(|e| judge(e, plan, &metrics, &records))
        .collect();
    let outcome = if error.is_some() {
        Outcome::Error
    } else if expectations.iter().all(|e| e.passed) {
        Outcome::Passed
    } else {
        Outcome::Failed
    };
    RunOutput {
        seed,
        records,
        metrics,
        end_time: sim.now(),
        events: sim.events_handled(),
        expectations,
        outcome,
        error,
    }
}

/// Runs to `stop_at` (or until nothing is left to happen), applying each
/// action before any event at its time.
fn drive(sim: &mut Simulator<Wire>, plan: &Plan) {
    for action in plan.actions.iter().filter(|a| a.at <= plan.stop_at) {
        sim.advance_to(action.at);
        for &dir in &action.dirs {
            let mut p: LinkParams = sim.topology().link_dirs()[dir.0 as usize].params.clone();
            apply(&action.set, &mut p);
            sim.set_link_params(dir, p)
                .expect("action parameters were checked when the plan was built");
        }
    }
    sim.run_until(plan.stop_at);
}

fn collect_metrics(sim: &Simulator<Wire>, plan: &Plan) -> Vec<(String, Value)> {
    let topo = sim.topology();
    let mut m = vec![
        ("run.events".to_string(), Value::U64(sim.events_handled())),
        (
            "run.end_time_ns".to_string(),
            Value::U64(sim.now().as_nanos()),
        ),
    ];
    for (node, _) in &plan.hosts {
        if let Some(ep) = sim.endpoint(*node) {
            for (k, v) in ep.metrics() {
                m.push((format!("{}.{k}", topo.name(*node)), v));
            }
        }
    }
    for (i, d) in topo.link_dirs().iter().enumerate() {
        let s = sim.link_stats(LinkDirId(i as u32));
        let values = [
            s.sent,
            s.bytes,
            s.delivered,
            s.dropped_queue_full,
            s.lost,
            s.duplicated,
        ];
        for (k, v) in LINK_METRICS.iter().zip(values) {
            m.push((link_metric(topo, d.from, d.to, k), Value::U64(v)));
        }
    }
    m
}

fn matches(rec: &TraceRecord, plan: &Plan, field: &str, want: &serde_json::Value) -> bool {
    let Some(v) = rec.field(field) else {
        return false;
    };
    match (v, want) {
        (Value::Str(s), serde_json::Value::String(w)) => s == w,
        (Value::Node(n), serde_json::Value::String(w)) => plan.topology.name(*n) == w,
        (Value::Bool(b), serde_json::Value::Bool(w)) => b == w,
        (_, serde_json::Value::Number(w)) => as_number(v) == w.as_f64(),
        _ => false,
    }
}

fn measure(
    e: &Expectation,
    plan: &Plan,
    metrics: &[(String, Value)],
    records: &[TraceRecord],
) -> f64 {
    match &e.measure {
        Measure::Metric(name) => metrics
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| as_number(v))
            .unwrap_or(f64::NAN),
        Measure::Count { kind, node, fields } => records
            .iter()
            .filter(|r| r.kind == kind)
            .filter(|r| node.is_none_or(|n| r.node == n))
            .filter(|r| fields.iter().all(|(k, v)| matches(r, plan, k, v)))
            .count() as f64,
    }
}

/// The expectation in words: `a.ping.received = 10`,
/// `count(link_drop at r reason=queue_full) >= 1`.
pub fn describe(e: &Expectation, plan: &Plan) -> String {
    let what = match &e.measure {
        Measure::Metric(m) => m.clone(),
        Measure::Count { kind, node, fields } => {
            let mut s = format!("count({kind}");
            if let Some(n) = node {
                s.push_str(&format!(" at {}", plan.topology.name(*n)));
            }
            for (k, v) in fields {
                s.push_str(&format!(
                    " {k}={}",
                    v.as_str().map_or_else(|| v.to_string(), str::to_string)
                ));
            }
            s.push(')');
            s
        }
    };
    let mut parts = Vec::new();
    let fmt = |q: &Quantity| q.to_string();
    if let Some(q) = &e.equals {
        parts.push(format!("{what} = {}", fmt(q)));
    }
    if let Some(q) = &e.at_least {
        parts.push(format!("{what} >= {}", fmt(q)));
    }
    if let Some(q) = &e.at_most {
        parts.push(format!("{what} <= {}", fmt(q)));
    }
    let mut s = parts.join(" and ");
    if let Some(d) = &e.description {
        s = format!("{d} ({s})");
    }
    s
}

fn judge(
    e: &Expectation,
    plan: &Plan,
    metrics: &[(String, Value)],
    records: &[TraceRecord],
) -> ExpectResult {
    let observed = measure(e, plan, metrics, records);
    let passed = e.equals.is_none_or(|q| observed == q.value())
        && e.at_least.is_none_or(|q| observed >= q.value())
        && e.at_most.is_none_or(|q| observed <= q.value());
    let in_time = [e.equals, e.at_least, e.at_most]
        .iter()
        .flatten()
        .any(|q| matches!(q, Quantity::Duration(_)));
    let observed_text = if in_time && observed >= 0.0 && observed.fract() == 0.0 {
        sim_core::SimDuration(observed as u64).to_string()
    } else {
        format!("{observed}")
    };
    ExpectResult {
        index: e.index,
        expect: describe(e, plan),
        passed,
        observed,
        observed_text,
    }
}
