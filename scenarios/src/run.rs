//! Running a [`Plan`] once, with one seed, and judging its expectations.

use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Serialize;
use sim_core::{LinkDirId, LinkParams, SimTime, Simulator, TraceRecord, Value};

use crate::build::{
    Expectation, FaultRule, LINK_METRICS, Measure, Plan, apply, as_number, link_metric,
    value_matches,
};
use crate::format::Quantity;
use sim_apps::host::Host;
use sim_apps::payload::Wire;
use sim_apps::timer::Timer;
use sim_core::NodeId;
use sim_tcp::State;

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
    /// The value measured: a number, or for state expectations the
    /// states seen.
    pub observed: Observed,
    /// The value measured as text (a duration when the bounds are
    /// durations).
    pub observed_text: String,
}

/// What an expectation measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Observed {
    /// A metric or a count.
    Number(f64),
    /// State sequences or states, described.
    Text(String),
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
        sim.set_fault_hook(fault_hook(plan));
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
        .map(|e| {
            if !trace && !matches!(e.measure, Measure::Metric(_)) {
                return ExpectResult {
                    index: e.index,
                    expect: describe(e, plan),
                    passed: false,
                    observed: Observed::Text("needs the trace".to_string()),
                    observed_text: "needs the trace".to_string(),
                };
            }
            judge(e, plan, &metrics, &records)
        })
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
        end_time: end_time(&sim, plan),
        events: sim.events_handled(),
        expectations,
        outcome,
        error,
    }
}

/// The hook that applies the plan's fault rules: each rule counts the
/// packets that match it, in the order they are offered to links.
fn fault_hook(plan: &Plan) -> sim_core::FaultHook<Wire> {
    let rules: Vec<FaultRule> = plan.faults.clone();
    let topology = plan.topology.clone();
    let mut seen = vec![0u32; rules.len()];
    Box::new(move |now, dir, packet: &mut sim_core::Packet<Wire>| {
        let mut fields: sim_core::Fields = vec![
            ("src", Value::Node(packet.src)),
            ("dst", Value::Node(packet.dst)),
            ("size", Value::U64(u64::from(packet.size))),
        ];
        sim_core::Payload::trace_fields(&packet.payload, &mut fields);
        for (rule, count) in rules.iter().zip(seen.iter_mut()) {
            if !rule.dirs.contains(&dir) || now < rule.after || now >= rule.before {
                continue;
            }
            let hit = rule.fields.iter().all(|(k, want)| {
                fields
                    .iter()
                    .find(|(name, _)| name == k)
                    .is_some_and(|(_, v)| value_matches(v, want, &topology))
            });
            if !hit {
                continue;
            }
            *count += 1;
            let n = *count;
            if n >= rule.first && (rule.times == 0 || n < rule.first + rule.times) {
                if let sim_core::FaultAction::Modified(how) = rule.action {
                    // Only a segment with real (TLS) bytes can be changed.
                    let changed = match &mut packet.payload {
                        Wire::Tcp { bytes: Some(b), .. } => {
                            let mut v = b.to_vec();
                            let done = sim_apps::stream::tamper(how, &mut v);
                            *b = std::sync::Arc::from(v);
                            done
                        }
                        _ => false,
                    };
                    return if changed {
                        rule.action
                    } else {
                        sim_core::FaultAction::Pass
                    };
                }
                return rule.action;
            }
        }
        sim_core::FaultAction::Pass
    })
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

fn matches(rec: &TraceRecord, plan: &Plan, field: &str, want: &serde_json::Value) -> bool {
    rec.field(field)
        .is_some_and(|v| value_matches(v, want, &plan.topology))
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
        _ => f64::NAN,
    }
}

/// Each connection of `node`, as (time, state) steps in trace order: its
/// first record's `from` at that record's time, then every `to`.
fn state_histories(node: NodeId, records: &[TraceRecord]) -> Vec<Vec<(SimTime, State)>> {
    let mut order: Vec<(u64, NodeId, u64)> = Vec::new();
    let mut hist: Vec<Vec<(SimTime, State)>> = Vec::new();
    for r in records
        .iter()
        .filter(|r| r.kind == "tcp_state" && r.node == node)
    {
        let num = |k| match r.field(k) {
            Some(Value::U64(n)) => *n,
            _ => 0,
        };
        let peer = match r.field("peer") {
            Some(Value::Node(n)) => *n,
            _ => NodeId(u32::MAX),
        };
        let key = (num("lport"), peer, num("pport"));
        let state = |k| match r.field(k) {
            Some(Value::Str(s)) => State::from_name(s),
            _ => None,
        };
        let (Some(from), Some(to)) = (state("from"), state("to")) else {
            continue;
        };
        let i = match order.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                order.push(key);
                hist.push(vec![(r.t, from)]);
                hist.len() - 1
            }
        };
        hist[i].push((r.t, to));
    }
    hist
}

fn describe_histories(h: &[Vec<(SimTime, State)>]) -> String {
    if h.is_empty() {
        return "no TCP connection".to_string();
    }
    h.iter()
        .map(|c| {
            c.iter()
                .map(|(_, s)| s.name())
                .collect::<Vec<_>>()
                .join(" -> ")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Judges a state expectation: (passed, what was seen).
fn judge_states(e: &Expectation, records: &[TraceRecord]) -> (bool, String) {
    match &e.measure {
        Measure::PassesThrough { node, states } => {
            let h = state_histories(*node, records);
            let passed = h.iter().any(|c| {
                let seq: Vec<State> = c.iter().map(|(_, s)| *s).collect();
                seq.windows(states.len()).any(|w| w == states.as_slice())
            });
            (passed, describe_histories(&h))
        }
        Measure::InState { node, state, at } => {
            let h = state_histories(*node, records);
            let at_t: Vec<State> = h
                .iter()
                .map(|c| {
                    c.iter()
                        .take_while(|(t, _)| t <= at)
                        .last()
                        .map_or(State::Closed, |(_, s)| *s)
                })
                .collect();
            let seen: Vec<&str> = at_t.iter().map(|s| s.name()).collect();
            (
                at_t.contains(state),
                format!(
                    "at {at}: {}",
                    if seen.is_empty() {
                        "no TCP connection".to_string()
                    } else {
                        seen.join(", ")
                    }
                ),
            )
        }
        Measure::EndsIn { node, state, by } => {
            let h = state_histories(*node, records);
            let ends: Vec<(SimTime, State)> = h.iter().filter_map(|c| c.last().copied()).collect();
            let passed = ends
                .iter()
                .any(|(t, s)| s == state && by.is_none_or(|b| *t <= b));
            let seen: Vec<String> = ends
                .iter()
                .map(|(t, s)| format!("{} at {t}", s.name()))
                .collect();
            (
                passed,
                if seen.is_empty() {
                    "no TCP connection".to_string()
                } else {
                    seen.join(", ")
                },
            )
        }
        _ => (false, String::new()),
    }
}

/// The expectation in words: `a.ping.received = 10`,
/// `count(link_drop at r reason=queue_full) >= 1`.
pub fn describe(e: &Expectation, plan: &Plan) -> String {
    let what = match &e.measure {
        Measure::PassesThrough { node, states } => {
            let names: Vec<&str> = states.iter().map(|s| s.name()).collect();
            let mut s = format!(
                "{} passes through {}",
                plan.topology.name(*node),
                names.join(" -> ")
            );
            if let Some(d) = &e.description {
                s = format!("{d} ({s})");
            }
            return s;
        }
        Measure::InState { node, state, at } => {
            let mut s = format!(
                "{} is in {} at {at}",
                plan.topology.name(*node),
                state.name()
            );
            if let Some(d) = &e.description {
                s = format!("{d} ({s})");
            }
            return s;
        }
        Measure::EndsIn { node, state, by } => {
            let mut s = format!("{} ends in {}", plan.topology.name(*node), state.name());
            if let Some(b) = by {
                s.push_str(&format!(" by {b}"));
            }
            if let Some(d) = &e.description {
                s = format!("{d} ({s})");
            }
            return s;
        }
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
    bounds(e).describe(&what, e.description.as_deref())
}

fn bounds(e: &Expectation) -> crate::format::Bounds {
    crate::format::Bounds {
        equals: e.equals,
        at_least: e.at_least,
        at_most: e.at_most,
    }
}

fn judge(
    e: &Expectation,
    plan: &Plan,
    metrics: &[(String, Value)],
    records: &[TraceRecord],
) -> ExpectResult {
    if matches!(
        e.measure,
        Measure::PassesThrough { .. } | Measure::InState { .. } | Measure::EndsIn { .. }
    ) {
        let (passed, seen) = judge_states(e, records);
        return ExpectResult {
            index: e.index,
            expect: describe(e, plan),
            passed,
            observed: Observed::Text(seen.clone()),
            observed_text: seen,
        };
    }
    let observed = measure(e, plan, metrics, records);
    let passed = bounds(e).hold(observed);
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
        observed: Observed::Number(observed),
        observed_text,
    }
}
