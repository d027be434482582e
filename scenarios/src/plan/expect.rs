//! The `expect` and `batch_expect` sections: what must hold of a run, and
//! of a batch of runs.
//!
//! An expectation measures one thing (a metric, a count of trace events,
//! or the TCP states a host's connections go through) and bounds it. The
//! measures are resolved here; they are taken and judged in `run`.

use sim_core::{NodeId, SimTime, Topology};
use sim_tcp::State;

use super::check::{exactly_one, given, node, some_bound};
use super::metrics::{MetricNames, unknown_metric};
use crate::error::InputError;
use crate::format::{BatchExpectSpec, Bounds, CountSpec, ExpectSpec, Quantity, ReferenceSpec};
use sim_apps::host::NamedApp;

/// What an expectation measures.
#[derive(Debug, Clone)]
pub enum Measure {
    /// A named figure from the run's metrics.
    Metric(String),
    /// A node's connection goes through these states consecutively.
    PassesThrough {
        /// The host.
        node: NodeId,
        /// The run of states.
        states: Vec<State>,
    },
    /// A node's connection is in a state at a time.
    InState {
        /// The host.
        node: NodeId,
        /// The state.
        state: State,
        /// When.
        at: SimTime,
    },
    /// A node's connection ends the run in a state, reached by a time.
    EndsIn {
        /// The host.
        node: NodeId,
        /// The final state.
        state: State,
        /// Latest time to reach it.
        by: Option<SimTime>,
    },
    /// The number of trace events matching a filter.
    Count {
        /// Event kind.
        kind: sim_core::Kind,
        /// Only at this node.
        node: Option<NodeId>,
        /// Field values that must match (nodes compared by name).
        fields: Vec<(sim_core::Field, serde_json::Value)>,
    },
}

/// A checked expectation.
#[derive(Debug, Clone)]
pub struct Expectation {
    /// Position in the file's `expect` list.
    pub index: usize,
    /// The user's words, if any.
    pub description: Option<String>,
    /// What is measured.
    pub measure: Measure,
    /// Bounds on it.
    pub equals: Option<Quantity>,
    /// Lower bound.
    pub at_least: Option<Quantity>,
    /// Upper bound.
    pub at_most: Option<Quantity>,
    /// A metric must be missing (`Some(true)`: never happened) or present
    /// (`Some(false)`).
    pub absent: Option<bool>,
}

/// Every expectation of the file, in order; `known` holds the metric names.
pub(super) fn expectations(
    list: &[ExpectSpec],
    topology: &Topology,
    hosts: &[(NodeId, Vec<NamedApp>)],
    known: &MetricNames,
) -> Result<Vec<Expectation>, InputError> {
    list.iter()
        .enumerate()
        .map(|(i, e)| expectation(i, e, topology, hosts, known))
        .collect()
}

fn bounds_of(e: &ExpectSpec) -> Bounds {
    Bounds {
        equals: e.equals,
        at_least: e.at_least,
        at_most: e.at_most,
    }
}

fn expectation(
    index: usize,
    e: &ExpectSpec,
    topology: &Topology,
    hosts: &[(NodeId, Vec<NamedApp>)],
    known: &MetricNames,
) -> Result<Expectation, InputError> {
    let path = format!("expect[{index}]");
    exactly_one(
        &path,
        "give exactly one of",
        &[
            ("\"metric\"", given(&e.metric)),
            ("\"count\"", given(&e.count)),
            ("\"passes_through\"", given(&e.passes_through)),
            ("\"in_state\"", given(&e.in_state)),
            ("\"ends_in\"", given(&e.ends_in)),
        ],
    )?;
    if e.passes_through.is_some() || e.in_state.is_some() || e.ends_in.is_some() {
        return state_expectation(index, e, &path, topology, hosts);
    }
    if e.node.is_some() || e.at.is_some() || e.by.is_some() {
        return Err(InputError::at(
            path,
            "\"node\", \"at\" and \"by\" go with passes_through, in_state or ends_in",
        ));
    }
    let measure = match (&e.metric, &e.count) {
        (Some(m), _) => metric_measure(m, &path, known)?,
        (None, Some(c)) => count_measure(c, &path, topology)?,
        (None, None) => unreachable!("exactly one measure was given"),
    };
    let bounded = e.equals.is_some() || e.at_least.is_some() || e.at_most.is_some();
    match e.absent {
        Some(_) if e.metric.is_none() => {
            return Err(InputError::at(
                format!("{path}.absent"),
                "\"absent\" goes with \"metric\": a count is never absent",
            ));
        }
        Some(true) if bounded => {
            return Err(InputError::at(
                format!("{path}.absent"),
                "\"absent\": true says the metric was never observed; it cannot also have bounds",
            ));
        }
        Some(_) => {}
        None => some_bound(&path, &bounds_of(e))?,
    }
    Ok(Expectation {
        index,
        description: e.description.clone(),
        measure,
        equals: e.equals,
        at_least: e.at_least,
        at_most: e.at_most,
        absent: e.absent,
    })
}

fn metric_measure(m: &str, path: &str, known: &MetricNames) -> Result<Measure, InputError> {
    if !known.contains(m) {
        return Err(InputError::at(
            format!("{path}.metric"),
            unknown_metric(m, known.all().iter(), "this scenario has"),
        ));
    }
    Ok(Measure::Metric(m.to_string()))
}

/// A count of trace events. The kind and field names are kept as written
/// and compared with the trace when the run is judged.
fn count_measure(c: &CountSpec, path: &str, topology: &Topology) -> Result<Measure, InputError> {
    let node = match &c.node {
        Some(n) => Some(node(topology, &format!("{path}.count.node"), n)?),
        None => None,
    };
    let kind = crate::vocab::kind(&c.kind, &format!("{path}.count.kind"))?;
    Ok(Measure::Count {
        kind,
        node,
        fields: crate::vocab::count_fields(kind, &c.fields, &format!("{path}.count"))?,
    })
}

fn state_name(name: &str, path: String) -> Result<State, InputError> {
    State::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = State::ALL.iter().map(|s| s.name()).collect();
        InputError::at(
            path,
            format!(
                "{name:?} is not a TCP state; the states are {}",
                names.join(", ")
            ),
        )
    })
}

fn state_expectation(
    index: usize,
    e: &ExpectSpec,
    path: &str,
    topology: &Topology,
    hosts: &[(NodeId, Vec<NamedApp>)],
) -> Result<Expectation, InputError> {
    let Some(name) = &e.node else {
        return Err(InputError::at(path, "a state expectation needs \"node\""));
    };
    let node = node(topology, &format!("{path}.node"), name)?;
    if !hosts
        .iter()
        .find(|(h, _)| *h == node)
        .is_some_and(|(_, apps)| super::hosts::runs_tcp(apps))
    {
        return Err(InputError::at(
            format!("{path}.node"),
            format!("{name:?} runs no TCP application"),
        ));
    }
    if e.equals.is_some() || e.at_least.is_some() || e.at_most.is_some() || e.absent.is_some() {
        return Err(InputError::at(
            path,
            "bounds and \"absent\" go with \"metric\" or \"count\"",
        ));
    }
    Ok(Expectation {
        index,
        description: e.description.clone(),
        measure: state_measure(e, path, node)?,
        equals: None,
        at_least: None,
        at_most: None,
        absent: None,
    })
}

/// The state measure of `node`: one of passes_through, in_state, ends_in.
fn state_measure(e: &ExpectSpec, path: &str, node: NodeId) -> Result<Measure, InputError> {
    if let Some(list) = &e.passes_through {
        if list.is_empty() {
            return Err(InputError::at(
                format!("{path}.passes_through"),
                "name at least one state",
            ));
        }
        let states = list
            .iter()
            .enumerate()
            .map(|(k, n)| state_name(n, format!("{path}.passes_through[{k}]")))
            .collect::<Result<_, _>>()?;
        Ok(Measure::PassesThrough { node, states })
    } else if let Some(st) = &e.in_state {
        let Some(at) = e.at else {
            return Err(InputError::at(path, "\"in_state\" needs \"at\""));
        };
        Ok(Measure::InState {
            node,
            state: state_name(st, format!("{path}.in_state"))?,
            at: SimTime::ZERO + at.0,
        })
    } else {
        let st = e.ends_in.as_ref().expect("one was given");
        Ok(Measure::EndsIn {
            node,
            state: state_name(st, format!("{path}.ends_in"))?,
            by: e.by.map(|d| SimTime::ZERO + d.0),
        })
    }
}

/// Checks the batch expectations against the batch's metrics (`known` is
/// every metric of the scenario).
pub(super) fn check_batch_expect(
    list: &[BatchExpectSpec],
    batch_metrics: &[String],
    known: &MetricNames,
) -> Result<(), InputError> {
    for (i, b) in list.iter().enumerate() {
        let path = format!("batch_expect[{i}]");
        exactly_one(
            &path,
            "give exactly one of",
            &[
                ("\"metric\"", given(&b.metric)),
                ("\"success_rate\": true", b.success_rate),
            ],
        )?;
        match &b.metric {
            Some(m) if !batch_metrics.contains(m) => {
                return Err(InputError::at(
                    format!("{path}.metric"),
                    not_kept(m, batch_metrics, known),
                ));
            }
            None if b.stat.is_some() => {
                return Err(InputError::at(path, "\"stat\" goes with \"metric\""));
            }
            _ => {}
        }
        let bounds = Bounds {
            equals: b.equals,
            at_least: b.at_least,
            at_most: b.at_most,
        };
        some_bound(&path, &bounds)?;
    }
    Ok(())
}

/// The message for a batch figure that names a metric the batch does not
/// keep: one the scenario has but `metrics` leaves out, or an unknown one.
pub(super) fn not_kept(m: &str, batch_metrics: &[String], known: &MetricNames) -> String {
    if known.contains(m) {
        format!("{m:?} is not among the batch's metrics (list it in \"metrics\")")
    } else {
        unknown_metric(m, batch_metrics.iter(), "the batch keeps")
    }
}

/// A `reference` curve must name a kept metric and a swept parameter, with
/// a Mathis formula that gives a number (an MSS and an RTT above zero):
/// otherwise it would never be drawn, or drawn as nonsense.
pub(super) fn check_reference(
    r: &ReferenceSpec,
    batch_metrics: &[String],
    known: &MetricNames,
    swept: &[&str],
) -> Result<(), InputError> {
    if !batch_metrics.contains(&r.metric) {
        return Err(InputError::at(
            "reference.metric",
            not_kept(&r.metric, batch_metrics, known),
        ));
    }
    if !swept.contains(&r.param.as_str()) {
        let what = if swept.is_empty() {
            "the scenario sweeps nothing".to_string()
        } else {
            format!("the swept parameters are: {}", swept.join(", "))
        };
        return Err(InputError::at(
            "reference.param",
            format!("{:?} is not a swept parameter ({what})", r.param),
        ));
    }
    if r.mathis.mss == 0 {
        return Err(InputError::at(
            "reference.mathis.mss",
            "must be at least 1 byte",
        ));
    }
    if r.mathis.rtt.0 == sim_core::SimDuration::ZERO {
        return Err(InputError::at(
            "reference.mathis.rtt",
            "must be longer than 0s",
        ));
    }
    Ok(())
}
