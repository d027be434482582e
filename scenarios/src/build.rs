//! From a parsed scenario file to a checked [`Plan`] ready to run.
//!
//! Everything that needs more than one value to check (names, links between
//! declared nodes, reachability, metric names) is checked here, and each
//! problem is reported with the JSON path of the value at fault.

use std::collections::BTreeSet;

use sim_core::datagram::{DatagramHost, PingJob};
use sim_core::{
    Endpoint, LinkDirId, LinkParams, NodeId, NodeKind, QueueLimit, SimDuration, SimTime, Topology,
    TopologyBuilder, Value,
};

use crate::error::InputError;
use crate::format::{ExpectSpec, LinkParamsSpec, Quantity, ScenarioFile};
use crate::payload::Wire;

/// What a host runs.
#[derive(Debug, Clone, PartialEq)]
pub enum HostApp {
    /// Only answers echo requests.
    Echo,
    /// Pings, and answers echo requests.
    Ping(PingJob),
}

impl HostApp {
    /// A fresh endpoint for one run.
    pub fn endpoint(&self) -> Box<dyn Endpoint<Wire>> {
        match self {
            HostApp::Echo => Box::new(DatagramHost::new()),
            HostApp::Ping(job) => Box::new(DatagramHost::with_ping(job.clone())),
        }
    }
}

/// A change of link parameters at a time.
#[derive(Debug, Clone)]
pub struct LinkAction {
    /// When it takes effect.
    pub at: SimTime,
    /// The directions it changes.
    pub dirs: Vec<LinkDirId>,
    /// The parameters it sets; the rest are kept.
    pub set: LinkParamsSpec,
}

/// What an expectation measures.
#[derive(Debug, Clone)]
pub enum Measure {
    /// A named figure from the run's metrics.
    Metric(String),
    /// The number of trace events matching a filter.
    Count {
        /// Event kind.
        kind: String,
        /// Only at this node.
        node: Option<NodeId>,
        /// Field values that must match (nodes compared by name).
        fields: Vec<(String, serde_json::Value)>,
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
}

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
    /// What each host runs, in node order.
    pub hosts: Vec<(NodeId, HostApp)>,
    /// Link changes, in time order (stable for equal times).
    pub actions: Vec<LinkAction>,
    /// What must hold.
    pub expectations: Vec<Expectation>,
}

/// Ping's default: 20 bytes of IPv4 header, 8 of ICMP, 56 of data.
const DEFAULT_PING_SIZE: u32 = 84;
/// An IPv4 header plus an ICMP echo header.
const MIN_PING_SIZE: u32 = 28;

/// Overlays the parameters given in `spec` onto `base`.
pub fn apply(spec: &LinkParamsSpec, base: &mut LinkParams) {
    if let Some(d) = spec.delay {
        base.delay = d.0;
    }
    if let Some(b) = spec.bandwidth {
        base.rate = Some(b.0);
    }
    if let Some(q) = spec.queue_packets {
        base.queue = QueueLimit::Packets(u32::try_from(q.0).unwrap_or(u32::MAX));
    }
    if let Some(q) = spec.queue_bytes {
        base.queue = QueueLimit::Bytes(q.0);
    }
    if let Some(p) = spec.loss {
        base.loss = p.0;
    }
    if let Some(p) = spec.duplicate {
        base.duplicate = p.0;
    }
    if let Some(j) = spec.jitter {
        base.jitter = j.0;
    }
    if let Some(r) = spec.reorder {
        base.reorder = r;
    }
}

fn check_queue(spec: &LinkParamsSpec, path: &str) -> Result<(), InputError> {
    if spec.queue_packets.is_some() && spec.queue_bytes.is_some() {
        return Err(InputError::at(
            path,
            "give queue_packets or queue_bytes, not both",
        ));
    }
    Ok(())
}

/// Checks a parsed scenario and resolves names, producing a [`Plan`].
pub fn plan(file: &ScenarioFile) -> Result<Plan, InputError> {
    let mut tb = TopologyBuilder::new();
    let t = &file.topology;
    if t.nodes.is_empty() {
        return Err(InputError::at(
            "topology.nodes",
            "at least one host is needed",
        ));
    }
    let named = t
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("topology.nodes[{i}]"), n, NodeKind::Host))
        .chain(
            t.routers
                .iter()
                .enumerate()
                .map(|(i, n)| (format!("topology.routers[{i}]"), n, NodeKind::Router)),
        );
    for (path, name, kind) in named {
        if name.trim().is_empty() {
            return Err(InputError::at(path, "a node name cannot be empty"));
        }
        tb.add_node(name, kind)
            .map_err(|e| InputError::at(path, e.to_string()))?;
    }
    let resolve = |tb: &TopologyBuilder, path: String, name: &str| {
        tb.node(name).map_err(|_| {
            InputError::at(
                path,
                format!("unknown node {name:?} (not in topology.nodes or topology.routers)"),
            )
        })
    };
    for (i, l) in t.links.iter().enumerate() {
        let path = format!("topology.links[{i}]");
        let a = resolve(&tb, format!("{path}.between[0]"), &l.between[0])?;
        let b = resolve(&tb, format!("{path}.between[1]"), &l.between[1])?;
        if a == b {
            return Err(InputError::at(
                format!("{path}.between"),
                format!("a link from {:?} to itself is not allowed", l.between[0]),
            ));
        }
        let both = l.params();
        check_queue(&both, &path)?;
        let mut ab = LinkParams::default();
        apply(&both, &mut ab);
        let mut ba = ab.clone();
        for (k, ow) in l.one_way.iter().enumerate() {
            let opath = format!("{path}.one_way[{k}]");
            check_queue(&ow.params(), &opath)?;
            let from = resolve(&tb, format!("{opath}.from"), &ow.from)?;
            if from == a {
                apply(&ow.params(), &mut ab);
            } else if from == b {
                apply(&ow.params(), &mut ba);
            } else {
                return Err(InputError::at(
                    format!("{opath}.from"),
                    format!(
                        "{:?} is not an end of this link ({:?} - {:?})",
                        ow.from, l.between[0], l.between[1]
                    ),
                ));
            }
        }
        tb.add_link(a, b, ab, ba)
            .map_err(|e| InputError::at(path, e.to_string()))?;
    }
    let topology = tb.build();
    let node = |path: String, name: &str| {
        topology.node(name).ok_or_else(|| {
            InputError::at(
                path,
                format!("unknown node {name:?} (not in topology.nodes or topology.routers)"),
            )
        })
    };

    // Hosts answer echo unless given something else to run.
    let mut apps: Vec<Option<HostApp>> = topology
        .nodes()
        .iter()
        .map(|n| (n.kind == NodeKind::Host).then_some(HostApp::Echo))
        .collect();
    let mut configured = vec![false; apps.len()];
    for (i, e) in file.endpoints.iter().enumerate() {
        let path = format!("endpoints[{i}]");
        let at = node(format!("{path}.node"), &e.node)?;
        if topology.nodes()[at.index()].kind == NodeKind::Router {
            return Err(InputError::at(
                format!("{path}.node"),
                format!("{:?} is a router; endpoints run on hosts", e.node),
            ));
        }
        if std::mem::replace(&mut configured[at.index()], true) {
            return Err(InputError::at(
                format!("{path}.node"),
                format!(
                    "{:?} already has an endpoint; one application per host",
                    e.node
                ),
            ));
        }
        let Some(p) = &e.ping else {
            return Err(InputError::at(
                path,
                "names no application (expected one of: ping)",
            ));
        };
        let ppath = format!("{path}.ping");
        let target = node(format!("{ppath}.target"), &p.target)?;
        if target == at {
            return Err(InputError::at(
                format!("{ppath}.target"),
                "a host cannot ping itself",
            ));
        }
        if !topology.reachable(at, target) {
            return Err(InputError::at(
                format!("{ppath}.target"),
                format!(
                    "{:?} cannot be reached from {:?}: no path joins them",
                    p.target, e.node
                ),
            ));
        }
        let size = p.size.unwrap_or(DEFAULT_PING_SIZE);
        if !(MIN_PING_SIZE..=65_535).contains(&size) {
            return Err(InputError::at(
                format!("{ppath}.size"),
                format!(
                    "{size} bytes is impossible for an echo packet (from {MIN_PING_SIZE} to 65535)"
                ),
            ));
        }
        apps[at.index()] = Some(HostApp::Ping(PingJob {
            target,
            count: p.count,
            interval: p.interval.map_or(SimDuration::from_secs(1), |d| d.0),
            size,
            start: SimTime::ZERO + p.at.map_or(SimDuration::ZERO, |d| d.0),
        }));
    }
    let hosts: Vec<(NodeId, HostApp)> = apps
        .into_iter()
        .enumerate()
        .filter_map(|(i, a)| a.map(|a| (NodeId(i as u32), a)))
        .collect();

    let stop_at = SimTime::ZERO + file.stop_at.map_or(SimDuration::from_secs(3600), |d| d.0);
    if stop_at == SimTime::ZERO {
        return Err(InputError::at("stop_at", "must be later than 0s"));
    }

    let mut actions = Vec::new();
    for (i, a) in file.actions.iter().enumerate() {
        let path = format!("actions[{i}]");
        let x = node(format!("{path}.link[0]"), &a.link[0])?;
        let y = node(format!("{path}.link[1]"), &a.link[1])?;
        let mut dirs = topology.dirs_between(x, y);
        if dirs.is_empty() {
            return Err(InputError::at(
                format!("{path}.link"),
                format!("no link joins {:?} and {:?}", a.link[0], a.link[1]),
            ));
        }
        if let Some(from) = &a.from {
            let f = node(format!("{path}.from"), from)?;
            if f != x && f != y {
                return Err(InputError::at(
                    format!("{path}.from"),
                    format!(
                        "{from:?} is not an end of the link {:?} - {:?}",
                        a.link[0], a.link[1]
                    ),
                ));
            }
            dirs.retain(|d| topology.link_dirs()[d.0 as usize].from == f);
        }
        check_queue(&a.set, &format!("{path}.set"))?;
        // Catch an impossible combination now rather than mid-run.
        let mut probe = LinkParams::default();
        apply(&a.set, &mut probe);
        actions.push(LinkAction {
            at: SimTime::ZERO + a.at.0,
            dirs,
            set: a.set.clone(),
        });
    }
    actions.sort_by_key(|a| a.at);

    let known = metric_names(&topology, &hosts);
    let expectations = file
        .expect
        .iter()
        .enumerate()
        .map(|(i, e)| expectation(i, e, &topology, &known))
        .collect::<Result<_, _>>()?;

    Ok(Plan {
        name: file.name.clone(),
        default_seed: file.seed,
        stop_at,
        topology,
        hosts,
        actions,
        expectations,
    })
}

fn expectation(
    index: usize,
    e: &ExpectSpec,
    topology: &Topology,
    known: &BTreeSet<String>,
) -> Result<Expectation, InputError> {
    let path = format!("expect[{index}]");
    let measure = match (&e.metric, &e.count) {
        (Some(m), None) => {
            if !known.contains(m) {
                let list: Vec<&str> = known.iter().map(String::as_str).collect();
                return Err(InputError::at(
                    format!("{path}.metric"),
                    format!(
                        "unknown metric {m:?}; this scenario has: {}",
                        list.join(", ")
                    ),
                ));
            }
            Measure::Metric(m.clone())
        }
        (None, Some(c)) => {
            let node = match &c.node {
                Some(n) => Some(topology.node(n).ok_or_else(|| {
                    InputError::at(format!("{path}.count.node"), format!("unknown node {n:?}"))
                })?),
                None => None,
            };
            Measure::Count {
                kind: c.kind.clone(),
                node,
                fields: c
                    .fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            }
        }
        _ => {
            return Err(InputError::at(
                path,
                "give exactly one of \"metric\" or \"count\"",
            ));
        }
    };
    if e.equals.is_none() && e.at_least.is_none() && e.at_most.is_none() {
        return Err(InputError::at(
            path,
            "give at least one bound: \"equals\", \"at_least\" or \"at_most\"",
        ));
    }
    Ok(Expectation {
        index,
        description: e.description.clone(),
        measure,
        equals: e.equals,
        at_least: e.at_least,
        at_most: e.at_most,
    })
}

/// Names of every metric a run of this plan reports.
pub fn metric_names(topology: &Topology, hosts: &[(NodeId, HostApp)]) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = run_metric_names().iter().map(|s| s.to_string()).collect();
    for (node, app) in hosts {
        for (k, _) in app.endpoint().metrics() {
            names.insert(format!("{}.{k}", topology.name(*node)));
        }
    }
    for d in topology.link_dirs() {
        for k in LINK_METRICS {
            names.insert(link_metric(topology, d.from, d.to, k));
        }
    }
    names
}

/// Figures of a whole run.
pub fn run_metric_names() -> [&'static str; 2] {
    ["run.events", "run.end_time_ns"]
}

/// Figures of each link direction.
pub const LINK_METRICS: [&str; 6] = [
    "sent",
    "bytes",
    "delivered",
    "dropped_queue_full",
    "lost",
    "duplicated",
];

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
