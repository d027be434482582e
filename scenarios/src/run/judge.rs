//! Judging a run's expectations against its metrics and its trace, and
//! putting each one in words for the summary.
//!
//! Metrics and counts are numbers checked against bounds; state
//! expectations read each connection's `tcp_state` history from the trace.

use serde::Serialize;
use sim_core::{Field, Kind, KindSet, NodeId, SimTime, Topology, TraceRecord, Value};
use std::collections::HashMap;

use sim_tcp::State;

use crate::format::{Bounds, Quantity};
use crate::plan::{Expectation, Measure, Plan, as_number, value_matches};

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

/// Judges a run's expectations from its records, taken one at a time as
/// the run makes them, so nothing of the trace needs to be held: counts are
/// counters, and state expectations keep each connection's state steps on
/// the nodes they name.
pub(super) struct Judge {
    expectations: Vec<Expectation>,
    topology: Topology,
    /// Per expectation: how many records matched (counts only).
    counts: Vec<u64>,
    /// Per node with a state expectation: each connection's steps.
    states: HashMap<NodeId, StateBook>,
}

/// One node's connections, as (time, state) steps in trace order: a
/// connection's first record's `from` at that record's time, then every
/// `to`. Connections keep the order of their first record.
#[derive(Default)]
struct StateBook {
    index: HashMap<(u64, NodeId, u64), usize>,
    histories: Vec<Vec<(SimTime, State)>>,
}

impl Judge {
    pub(super) fn new(plan: &Plan) -> Self {
        let states = plan
            .expectations
            .iter()
            .filter_map(|e| match &e.measure {
                Measure::PassesThrough { node, .. }
                | Measure::InState { node, .. }
                | Measure::EndsIn { node, .. } => Some((*node, StateBook::default())),
                _ => None,
            })
            .collect();
        Judge {
            expectations: plan.expectations.clone(),
            topology: plan.topology.clone(),
            counts: vec![0; plan.expectations.len()],
            states,
        }
    }

    /// The kinds of record the expectations of `plan` read.
    pub(super) fn wanted(plan: &Plan) -> KindSet {
        let kinds: Vec<Kind> = plan
            .expectations
            .iter()
            .filter_map(|e| match &e.measure {
                Measure::Count { kind, .. } => Some(*kind),
                Measure::Metric(_) => None,
                _ => Some(Kind::TcpState),
            })
            .collect();
        KindSet::of(&kinds)
    }

    /// Takes the next record.
    pub(super) fn push(&mut self, r: &TraceRecord) {
        for (e, n) in self.expectations.iter().zip(self.counts.iter_mut()) {
            if let Measure::Count { kind, node, fields } = &e.measure
                && r.kind == *kind
                && node.is_none_or(|at| r.node == at)
                && fields.iter().all(|(k, want)| {
                    r.field(*k)
                        .is_some_and(|v| value_matches(v, want, &self.topology))
                })
            {
                *n += 1;
            }
        }
        if r.kind == Kind::TcpState
            && let Some(book) = self.states.get_mut(&r.node)
        {
            book.push(r);
        }
    }

    /// Judges every expectation of `plan`. Without a trace, expectations
    /// that read it (counts and states) fail with "needs the trace".
    pub(super) fn finish(
        &self,
        plan: &Plan,
        trace: bool,
        metrics: &[(String, Value)],
    ) -> Vec<ExpectResult> {
        plan.expectations
            .iter()
            .zip(&self.counts)
            .map(|(e, count)| {
                if !trace && !matches!(e.measure, Measure::Metric(_)) {
                    return ExpectResult {
                        index: e.index,
                        expect: describe(e, plan),
                        passed: false,
                        observed: Observed::Text("needs the trace".to_string()),
                        observed_text: "needs the trace".to_string(),
                    };
                }
                self.judge(e, plan, metrics, *count)
            })
            .collect()
    }

    fn histories(&self, node: NodeId) -> &[Vec<(SimTime, State)>] {
        self.states.get(&node).map_or(&[], |b| &b.histories)
    }
}

impl StateBook {
    fn push(&mut self, r: &TraceRecord) {
        let num = |k| match r.field(k) {
            Some(Value::U64(n)) => *n,
            _ => 0,
        };
        let peer = match r.field(Field::Peer) {
            Some(Value::Node(n)) => *n,
            _ => NodeId(u32::MAX),
        };
        let key = (num(Field::Lport), peer, num(Field::Pport));
        let state = |k| match r.field(k) {
            Some(Value::Str(s)) => State::from_name(s),
            _ => None,
        };
        let (Some(from), Some(to)) = (state(Field::From), state(Field::To)) else {
            return;
        };
        let next = self.histories.len();
        let i = *self.index.entry(key).or_insert(next);
        if i == next {
            self.histories.push(vec![(r.t, from)]);
        }
        self.histories[i].push((r.t, to));
    }
}

/// What an expectation observed of a metric that was never reported: what
/// it observes never happened (a completion time of a flow that never
/// completed), which is not 0.
pub const NEVER_HAPPENED: &str = "never happened";

fn measure(e: &Expectation, metrics: &[(String, Value)], count: u64) -> f64 {
    match &e.measure {
        Measure::Metric(name) => metrics
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| as_number(v))
            .unwrap_or(f64::NAN),
        Measure::Count { .. } => count as f64,
        _ => f64::NAN,
    }
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
fn judge_states(e: &Expectation, judge: &Judge) -> (bool, String) {
    match &e.measure {
        Measure::PassesThrough { node, states } => {
            let h = judge.histories(*node);
            let passed = h.iter().any(|c| {
                let seq: Vec<State> = c.iter().map(|(_, s)| *s).collect();
                seq.windows(states.len()).any(|w| w == states.as_slice())
            });
            (passed, describe_histories(h))
        }
        Measure::InState { node, state, at } => {
            let h = judge.histories(*node);
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
            let h = judge.histories(*node);
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
fn describe(e: &Expectation, plan: &Plan) -> String {
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
    match e.absent {
        Some(true) => {
            let s = format!("{what} never happened");
            match &e.description {
                Some(d) => format!("{d} ({s})"),
                None => s,
            }
        }
        Some(false) if bounds(e).is_empty() => {
            let s = format!("{what} happened");
            match &e.description {
                Some(d) => format!("{d} ({s})"),
                None => s,
            }
        }
        _ => bounds(e).describe(&what, e.description.as_deref()),
    }
}

fn bounds(e: &Expectation) -> Bounds {
    Bounds {
        equals: e.equals,
        at_least: e.at_least,
        at_most: e.at_most,
    }
}

impl Judge {
    fn judge(
        &self,
        e: &Expectation,
        plan: &Plan,
        metrics: &[(String, Value)],
        count: u64,
    ) -> ExpectResult {
        if matches!(
            e.measure,
            Measure::PassesThrough { .. } | Measure::InState { .. } | Measure::EndsIn { .. }
        ) {
            let (passed, seen) = judge_states(e, self);
            return ExpectResult {
                index: e.index,
                expect: describe(e, plan),
                passed,
                observed: Observed::Text(seen.clone()),
                observed_text: seen,
            };
        }
        let observed = measure(e, metrics, count);
        if let Measure::Metric(name) = &e.measure {
            let present = metrics.iter().any(|(k, _)| k == name);
            // An observation never made is not 0: an expectation on it
            // fails, unless it says it must be absent.
            if e.absent == Some(true) || !present {
                let passed = e.absent == Some(true) && !present;
                let (observed, text) = if present {
                    (Observed::Number(observed), format!("{observed}"))
                } else {
                    let t = NEVER_HAPPENED.to_string();
                    (Observed::Text(t.clone()), t)
                };
                return ExpectResult {
                    index: e.index,
                    expect: describe(e, plan),
                    passed,
                    observed,
                    observed_text: text,
                };
            }
        }
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
}
