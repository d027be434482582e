//! Running a [`Plan`] once, with one seed, and judging its expectations.
//!
//! A run is a pure function of the plan and the seed: [`run_with`] builds
//! the simulator, attaches each host's model, schedules the plan's actions
//! and injections, and drives it to the plan's stop time. Two things are
//! kept apart because they are read on their own: the hook that applies
//! fault rules to packets in flight (`faults`), and the judging of
//! expectations against the metrics and the trace (`judge`).

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Serialize;
use sim_core::{LinkDirId, LinkParams, SimTime, Simulator, TraceRecord, Value};

use crate::plan::{LINK_METRICS, Plan, apply, link_metric};
use sim_apps::host::Host;
use sim_apps::payload::Wire;
use sim_apps::timer::Timer;

mod faults;
mod judge;

pub use judge::{ExpectResult, Observed};

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
    run_with(plan, seed, true)
}

/// Runs `plan` with `seed`; with `trace` false no trace record is built
/// (batch runs and benchmarks), and expectations that read the trace (counts
/// and states) fail with "needs the trace".
pub fn run_with(plan: &Plan, seed: u64, trace: bool) -> RunOutput {
    let mut sim = simulator(plan, seed, trace);
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
    let expectations = judge::judge_all(plan, trace, &metrics, &records);
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
        end_time: end_time(&sim, plan),
        events: sim.events_handled(),
        expectations,
        outcome,
        error,
    }
}

/// The simulator of a run before its first event: hosts attached with
/// their actions scheduled, crafted segments queued, fault rules hooked.
fn simulator(plan: &Plan, seed: u64, trace: bool) -> Simulator<Wire> {
    let mut sim: Simulator<Wire> = Simulator::new(plan.topology.clone(), seed, trace);
    for (node, app) in &plan.hosts {
        let mine: Vec<_> = plan
            .node_actions
            .iter()
            .filter(|(_, n, _)| n == node)
            .collect();
        let host = Host::new(app, mine.iter().map(|(_, _, a)| *a).collect());
        sim.attach(*node, Box::new(host))
            .expect("plan gives each host one endpoint");
        for (i, (at, _, _)) in mine.iter().enumerate() {
            sim.schedule(*node, *at, Timer::Action(i).to_token());
        }
    }
    for (at, entry, src, dst, seg) in &plan.injections {
        let size = seg.wire_size();
        let payload = Wire::Tcp {
            seg: seg.clone(),
            retransmission: false,
            bytes: None,
        };
        sim.inject(*at, *entry, *src, *dst, size, payload);
    }
    if !plan.faults.is_empty() {
        sim.set_fault_hook(faults::fault_hook(plan));
    }
    sim
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

/// The run ends at the horizon if work remained, otherwise at its last real
/// event (not at a cancelled timer's leftover queue entry).
fn end_time(sim: &Simulator<Wire>, plan: &Plan) -> SimTime {
    if sim.now() >= plan.stop_at {
        plan.stop_at
    } else {
        sim.last_activity()
    }
}

fn collect_metrics(sim: &Simulator<Wire>, plan: &Plan) -> Vec<(String, Value)> {
    let topo = sim.topology();
    let mut m = vec![
        ("run.events".to_string(), Value::U64(sim.events_handled())),
        (
            "run.end_time_ns".to_string(),
            Value::U64(end_time(sim, plan).as_nanos()),
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
