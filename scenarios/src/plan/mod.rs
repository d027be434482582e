//! From a parsed scenario file to a checked [`Plan`] ready to run.
//!
//! [`crate::format`] checks each value on its own as it is read; everything
//! that needs more than one value to check (names, links between declared
//! nodes, reachability, which settings go together, metric names) is checked
//! here, and each problem is reported with the JSON path of the value at
//! fault. A `Plan` holds only resolved things (node ids, simulator times,
//! protocol configurations), so a run never has to look a name up or fail
//! on bad input.
//!
//! [`plan()`] reads as the file does: the topology first, since every other
//! section names its nodes, then what runs on the hosts, the changes and
//! faults, then the expectations, which may name any metric the hosts
//! report, and last what a snapshot test keeps. One file per section; the
//! applications each have their own (`tcp`, `stream` for TLS and HTTP over
//! it, `dns`, `mitm`, `flood`, `ping`), and `check` holds the checks every
//! section shares.

use sim_core::{Ecmp, NodeId, SimDuration, SimTime, Topology};

use crate::error::InputError;
use crate::format::{BatchExpectSpec, EcmpName, ReferenceSpec, ScenarioFile};
use sim_apps::host::{HostAction, NamedApp};

mod actions;
mod check;
pub(crate) mod derived;
mod dist;
mod dns;
mod expect;
mod faults;
mod flood;
mod hosts;
mod metrics;
mod mitm;
mod ping;
mod snapshot;
mod stream;
mod suggest;
mod tcp;
mod topology;
mod trace;
mod udp;

pub use actions::LinkAction;
pub use expect::{Expectation, Measure};
pub use faults::{FaultRule, value_matches};
pub(crate) use hosts::check_name;
pub use metrics::{LINK_MARKED, LINK_METRICS, as_number, link_metric};
pub use snapshot::{MetricSelection, SIGNIFICANT_KINDS, SnapshotSelection};
pub use topology::apply;
pub(crate) use topology::check_queue;
pub use trace::TraceFilter;

/// A scenario checked and resolved, ready to run any number of times.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Scenario name.
    pub name: String,
    /// Seed used when none is given.
    pub default_seed: u64,
    /// Latest simulated time.
    pub stop_at: SimTime,
    /// Nodes, links, routes.
    pub topology: Topology,
    /// How routers choose among equally short paths.
    pub ecmp: Ecmp,
    /// What each host runs, in node order.
    pub hosts: Vec<(NodeId, Vec<NamedApp>)>,
    /// Link changes, in time order (stable for equal times).
    pub actions: Vec<LinkAction>,
    /// Application actions: (time, host, what), in file order.
    pub node_actions: Vec<(SimTime, NodeId, HostAction)>,
    /// Fault rules, in file order (the first that fires wins).
    pub faults: Vec<FaultRule>,
    /// Crafted segments: (time, entry node, claimed source, destination,
    /// segment).
    pub injections: Vec<(SimTime, NodeId, NodeId, NodeId, sim_tcp::Segment)>,
    /// What must hold.
    pub expectations: Vec<Expectation>,
    /// Metrics a batch keeps, summarises and plots.
    pub batch_metrics: Vec<String>,
    /// What must hold of a batch.
    pub batch_expect: Vec<BatchExpectSpec>,
    /// A reference curve for the batch's plots.
    pub reference: Option<ReferenceSpec>,
    /// What a snapshot test keeps of a run.
    pub snapshot: SnapshotSelection,
    /// Which records the trace files hold.
    pub trace_filter: TraceFilter,
    /// The time series' sampling interval, if the scenario asks for them.
    pub sample_every: Option<SimDuration>,
    /// Figures computed from the metrics after the run.
    pub derived: Vec<derived::Derived>,
    /// The window rates are measured over, if not the whole run.
    pub measure: Option<(SimTime, SimTime)>,
}

/// Checks a parsed scenario and resolves names, producing a [`Plan`].
///
/// The steps run in the file's order and the first problem found is the
/// one reported.
/// `swept` names the parameters the file's sweeps vary (none for a file
/// without sweeps): a `reference` curve is drawn against one of them.
pub fn plan(file: &ScenarioFile, swept: &[&str]) -> Result<Plan, InputError> {
    if !file.topology.generate.is_empty() || !file.flows.is_empty() {
        return Err(InputError::at(
            if file.flows.is_empty() {
                "topology.generate"
            } else {
                "flows"
            },
            "not expanded: read the file with scenarios::parse or parse_value, which expand it",
        ));
    }
    let topology = topology::topology(&file.topology)?;
    let hosts = hosts::hosts(&file.endpoints, &topology)?;
    let stop_at = stop_at(file)?;
    let (actions, node_actions) = actions::actions(&file.actions, &topology, &hosts)?;
    let mut known = metrics::MetricNames::new(&topology, &hosts);
    let sampled = file.timeseries.is_some();
    let derived = derived::derived(&file.derived, &mut known, &actions, sampled)?;
    let expectations = expect::expectations(&file.expect, &topology, &hosts, &known)?;
    let batch_metrics = metrics::batch_metrics(&file.metrics, &known)?;
    expect::check_batch_expect(&file.batch_expect, &batch_metrics, &known)?;
    if let Some(r) = &file.reference {
        expect::check_reference(r, &batch_metrics, &known, swept)?;
    }
    let faults = faults::fault_rules(&file.faults, &topology)?;
    let injections = faults::injections(&file.inject, &topology)?;
    let snapshot = snapshot::snapshot(file.snapshot.as_ref(), &topology, &known)?;
    let trace_filter = trace::trace_filter(file.trace.as_ref(), &topology)?;
    let sample_every = sample_every(file, stop_at)?;
    let measure = measure(file, stop_at)?;
    Ok(Plan {
        name: file.name.clone(),
        default_seed: file.seed,
        stop_at,
        topology,
        ecmp: ecmp(file),
        hosts,
        actions,
        node_actions,
        faults,
        injections,
        expectations,
        batch_metrics,
        batch_expect: file.batch_expect.clone(),
        reference: file.reference.clone(),
        snapshot,
        trace_filter,
        sample_every,
        derived,
        measure,
    })
}

/// The `measure` window: `from` before `to`, `to` at most `stop_at`.
fn measure(
    file: &ScenarioFile,
    stop_at: SimTime,
) -> Result<Option<(SimTime, SimTime)>, InputError> {
    let Some(m) = &file.measure else {
        return Ok(None);
    };
    let from = SimTime::ZERO + m.from.0;
    let to = m.to.map_or(stop_at, |d| SimTime::ZERO + d.0);
    if to > stop_at {
        return Err(InputError::at(
            "measure.to",
            format!(
                "is after stop_at ({})",
                stop_at.saturating_since(SimTime::ZERO)
            ),
        ));
    }
    if from >= to {
        let path = if m.to.is_some() {
            "measure.to"
        } else {
            "measure.from"
        };
        return Err(InputError::at(
            path,
            "the window must end after it starts (from < to, to at most stop_at)",
        ));
    }
    Ok(Some((from, to)))
}

/// The `timeseries` interval: longer than 0, at most the run, and at most
/// [`MAX_SAMPLES`](crate::limits::MAX_SAMPLES) samples.
fn sample_every(file: &ScenarioFile, stop_at: SimTime) -> Result<Option<SimDuration>, InputError> {
    let Some(spec) = &file.timeseries else {
        return Ok(None);
    };
    let every = spec.interval.0;
    let path = "timeseries.interval";
    if every == SimDuration::ZERO {
        return Err(InputError::at(path, "must be longer than 0s"));
    }
    let run = stop_at.saturating_since(SimTime::ZERO);
    if every > run {
        return Err(InputError::at(
            path,
            format!("is longer than the run (stop_at {run})"),
        ));
    }
    let samples = run.as_nanos() / every.as_nanos();
    if samples > crate::limits::MAX_SAMPLES {
        return Err(InputError::at(
            path,
            format!(
                "gives {samples} samples over the run; at most {} (a longer interval or an earlier stop_at)",
                crate::limits::MAX_SAMPLES
            ),
        ));
    }
    Ok(Some(every))
}

/// The scenario's equal-cost multipath mode (default per flow).
fn ecmp(file: &ScenarioFile) -> Ecmp {
    match file.routing.as_ref().and_then(|r| r.ecmp) {
        None | Some(EcmpName::Flow) => Ecmp::Flow,
        Some(EcmpName::Packet) => Ecmp::Packet,
        Some(EcmpName::Off) => Ecmp::Off,
    }
}

/// When the run stops at the latest (default one hour).
fn stop_at(file: &ScenarioFile) -> Result<SimTime, InputError> {
    let stop_at = SimTime::ZERO + file.stop_at.map_or(SimDuration::from_secs(3600), |d| d.0);
    if stop_at == SimTime::ZERO {
        return Err(InputError::at("stop_at", "must be later than 0s"));
    }
    Ok(stop_at)
}
