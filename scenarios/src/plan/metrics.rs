//! Metric names: which figures a run of a plan reports, so that
//! expectations and the batch's `metrics` can be checked before any run.
//!
//! Each application model lists the names of its figures
//! (`HostApp::metric_names`, from the same definition that reports them);
//! run, link and host names are put together here and in `run`, which
//! reports the values under the same names.

use std::collections::BTreeSet;

use sim_core::{NodeId, Topology, Value};

use crate::error::InputError;
use sim_apps::host::NamedApp;

/// Names of every metric a run of a plan reports. The run's and the hosts'
/// are listed; the links' are recognised when asked about, since listing
/// six per link direction would be over a million names for a
/// 100,000-node star, when an expectation names a handful.
pub(super) struct MetricNames<'a> {
    topology: &'a Topology,
    /// Run and host metrics, in name order.
    listed: BTreeSet<String>,
}

impl<'a> MetricNames<'a> {
    /// The metrics of a plan with this topology and these hosts.
    pub(super) fn new(topology: &'a Topology, hosts: &[(NodeId, Vec<NamedApp>)]) -> Self {
        let mut listed: BTreeSet<String> =
            run_metric_names().iter().map(|s| s.to_string()).collect();
        for (node, apps) in hosts {
            for k in sim_apps::host::metric_names(apps) {
                listed.insert(format!("{}.{k}", topology.name(*node)));
            }
        }
        MetricNames { topology, listed }
    }

    /// A figure the plan adds (a derived one).
    pub(super) fn insert(&mut self, m: String) {
        self.listed.insert(m);
    }

    /// The topology the names are of.
    pub(super) fn topology(&self) -> &'a Topology {
        self.topology
    }

    /// Whether a run reports `m`.
    pub(super) fn contains(&self, m: &str) -> bool {
        self.listed.contains(m) || self.is_link_metric(m)
    }

    /// Whether `m` is `link.FROM->TO.WHAT` for a link direction FROM to TO.
    /// Node names may themselves hold `->`, so every split is tried.
    fn is_link_metric(&self, m: &str) -> bool {
        let Some((pair, what)) = m.strip_prefix("link.").and_then(|r| r.rsplit_once('.')) else {
            return false;
        };
        let marks = what == LINK_MARKED;
        (LINK_METRICS.contains(&what) || marks)
            && pair.match_indices("->").any(|(i, _)| {
                let (Some(a), Some(b)) = (
                    self.topology.node(&pair[..i]),
                    self.topology.node(&pair[i + 2..]),
                ) else {
                    return false;
                };
                let dirs = self.topology.dirs_between(a, b);
                let links = self.topology.link_dirs();
                dirs.iter()
                    .any(|d| !marks || links[d.0 as usize].params.can_mark())
            })
    }

    /// The run and host metrics, in name order: what a batch keeps when its
    /// file lists none (link counters left out).
    pub(super) fn listed(&self) -> impl Iterator<Item = &String> {
        self.listed.iter()
    }

    /// Every metric name, in name order, for messages that list them: only
    /// built when a name was not found.
    pub(super) fn all(&self) -> BTreeSet<String> {
        let mut names = self.listed.clone();
        for d in self.topology.link_dirs() {
            for k in LINK_METRICS {
                names.insert(link_metric(self.topology, d.from, d.to, k));
            }
            if d.params.can_mark() {
                names.insert(link_metric(self.topology, d.from, d.to, LINK_MARKED));
            }
        }
        names
    }
}

/// Figures of a whole run.
fn run_metric_names() -> [&'static str; 2] {
    ["run.events", "run.end_time_ns"]
}

/// The metrics a batch keeps: those the file lists, or else every one that
/// is not a link counter.
pub(super) fn batch_metrics(
    listed: &[String],
    known: &MetricNames,
) -> Result<Vec<String>, InputError> {
    if listed.is_empty() {
        return Ok(known
            .listed()
            .filter(|m| !m.starts_with("link."))
            .cloned()
            .collect());
    }
    for (i, m) in listed.iter().enumerate() {
        if !known.contains(m) {
            return Err(InputError::at(
                format!("metrics[{i}]"),
                unknown_metric(m, known.all().iter(), "this scenario has"),
            ));
        }
    }
    Ok(listed.to_vec())
}

/// The message for a metric name not among `known`: the closest names
/// first, then all of them after `has` ("this scenario has").
pub(super) fn unknown_metric<'a>(
    m: &str,
    known: impl Iterator<Item = &'a String> + Clone,
    has: &str,
) -> String {
    let list: Vec<&str> = known.clone().map(String::as_str).collect();
    match super::suggest::did_you_mean(m, known.map(String::as_str)) {
        Some(hint) => {
            let mut has = has.to_string();
            if let Some(first) = has.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            format!("unknown metric {m:?}; {hint} {has}: {}", list.join(", "))
        }
        None => format!("unknown metric {m:?}; {has}: {}", list.join(", ")),
    }
}

/// Figures of each link direction.
pub const LINK_METRICS: [&str; 8] = [
    "sent",
    "bytes",
    "delivered",
    "dropped_queue_full",
    "dropped_aqm",
    "max_queue_delay_ns",
    "lost",
    "duplicated",
];

/// ECN marks of a link direction, reported only where its marker or its
/// discipline can mark (so runs without ECN report what they did before).
pub const LINK_MARKED: &str = "marked";

/// The metric name of a link direction's figure.
pub fn link_metric(topology: &Topology, from: NodeId, to: NodeId, what: &str) -> String {
    format!("link.{}->{}.{what}", topology.name(from), topology.name(to))
}

/// A number from a metric value, for comparisons.
pub fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::U64(n) => Some(*n as f64),
        Value::I64(n) => Some(*n as f64),
        Value::F64(x) => Some(*x),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}
