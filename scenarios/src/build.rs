//! From a parsed scenario file to a checked [`Plan`] ready to run.
//!
//! Everything that needs more than one value to check (names, links between
//! declared nodes, reachability, metric names) is checked here, and each
//! problem is reported with the JSON path of the value at fault.

use std::collections::BTreeSet;

use sim_core::datagram::PingJob;
use sim_core::{
    FaultAction, LinkDirId, LinkParams, NodeId, NodeKind, QueueLimit, SimDuration, SimTime,
    Topology, TopologyBuilder, Value,
};
use sim_tcp::{InitialWindow, Profile, State, TcpConfig};

use crate::error::InputError;
use crate::format::TamperName;
use crate::format::{
    CloseWhen, ExpectSpec, LinkParamsSpec, ProfileName, Quantity, ScenarioFile, TcpSpec,
};
use sim_apps::host::{HostAction, HostApp};
use sim_apps::stream::{StreamApp, StreamSide};
use sim_apps::tcp::{OnPeerClose, Role, Target, TcpApp};

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

/// A checked fault rule.
#[derive(Debug, Clone)]
pub struct FaultRule {
    /// Link directions it watches.
    pub dirs: Vec<LinkDirId>,
    /// Field values a packet must have.
    pub fields: Vec<(String, serde_json::Value)>,
    /// First affected match (1-based).
    pub first: u32,
    /// Number of matches affected; 0 for all from `first` on.
    pub times: u32,
    /// Window of send times.
    pub after: SimTime,
    /// End of the window (exclusive).
    pub before: SimTime,
    /// What happens.
    pub action: FaultAction,
}

/// True when a trace value equals a value written in a scenario (nodes
/// compare by name).
pub fn value_matches(v: &Value, want: &serde_json::Value, topology: &Topology) -> bool {
    match (v, want) {
        (Value::Str(s), serde_json::Value::String(w)) => s == w,
        (Value::Node(n), serde_json::Value::String(w)) => topology.name(*n) == w,
        (Value::Bool(b), serde_json::Value::Bool(w)) => b == w,
        (_, serde_json::Value::Number(w)) => as_number(v) == w.as_f64(),
        _ => false,
    }
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
    pub batch_expect: Vec<crate::format::BatchExpectSpec>,
    /// A reference curve for the batch's plots.
    pub reference: Option<crate::format::ReferenceSpec>,
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
        let router = topology.nodes()[at.index()].kind == NodeKind::Router;
        let on_path = e.mitm.is_some() || e.observer.is_some();
        if router != on_path {
            let why = if router {
                format!(
                    "{:?} is a router; endpoints run on hosts (only \"mitm\" and \"observer\" sit on a router)",
                    e.node
                )
            } else {
                format!(
                    "{:?} is a host; \"mitm\" and \"observer\" sit on a router, where traffic passes",
                    e.node
                )
            };
            return Err(InputError::at(format!("{path}.node"), why));
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
        let given = [
            e.ping.is_some(),
            e.tcp.is_some(),
            e.syn_flood.is_some(),
            e.dns_server.is_some(),
            e.mitm.is_some(),
            e.observer.is_some(),
        ];
        if given.iter().filter(|g| **g).count() != 1 {
            return Err(InputError::at(
                path,
                "give exactly one application: \"ping\", \"tcp\", \"syn_flood\", \"dns_server\", \"mitm\" or \"observer\"",
            ));
        }
        let app = match (&e.ping, &e.tcp, &e.syn_flood, &e.dns_server, &e.mitm) {
            (Some(p), ..) => ping_app(p, &format!("{path}.ping"), at, &e.node, &topology)?,
            (_, Some(t), ..) => {
                HostApp::Tcp(tcp_app(t, &format!("{path}.tcp"), at, &e.node, &topology)?)
            }
            (_, _, Some(f), ..) => flood_app(f, &format!("{path}.syn_flood"), at, &topology)?,
            (_, _, _, Some(d), _) => {
                HostApp::DnsServer(dns_zone(d, &format!("{path}.dns_server"), &topology)?)
            }
            (_, _, _, _, Some(m)) => HostApp::Mitm(Box::new(mitm_app(
                m,
                &format!("{path}.mitm"),
                &e.node,
                &topology,
            )?)),
            (None, None, None, None, None) => HostApp::Observer,
        };
        apps[at.index()] = Some(app);
    }
    let hosts: Vec<(NodeId, HostApp)> = apps
        .into_iter()
        .enumerate()
        .filter_map(|(i, a)| a.map(|a| (NodeId(i as u32), a)))
        .collect();
    // A resolver's server must run one.
    for (i, e) in file.endpoints.iter().enumerate() {
        let Some(server) = e.tcp.as_ref().and_then(|t| t.dns.as_ref()?.server.as_ref()) else {
            continue;
        };
        let runs_dns = topology.node(server).is_some_and(|n| {
            hosts
                .iter()
                .any(|(h, a)| *h == n && matches!(a, HostApp::DnsServer(_)))
        });
        if !runs_dns {
            return Err(InputError::at(
                format!("endpoints[{i}].tcp.dns.server"),
                format!("{server:?} runs no \"dns_server\""),
            ));
        }
    }

    let stop_at = SimTime::ZERO + file.stop_at.map_or(SimDuration::from_secs(3600), |d| d.0);
    if stop_at == SimTime::ZERO {
        return Err(InputError::at("stop_at", "must be later than 0s"));
    }

    let mut actions = Vec::new();
    let mut node_actions = Vec::new();
    for (i, a) in file.actions.iter().enumerate() {
        let path = format!("actions[{i}]");
        let at = SimTime::ZERO + a.at.0;
        match (&a.link, &a.node) {
            (Some(link), None) => actions.push(link_action(a, link, &path, at, &topology)?),
            (None, Some(n)) => {
                let node = node(format!("{path}.node"), n)?;
                if !matches!(
                    hosts.iter().find(|(h, _)| *h == node),
                    Some((_, HostApp::Tcp(_)))
                ) {
                    return Err(InputError::at(
                        format!("{path}.node"),
                        format!("{n:?} runs no TCP application to act on"),
                    ));
                }
                let what = match (a.close, a.abort, a.send, a.crash) {
                    (Some(true), None, None, None) => HostAction::Close,
                    (None, Some(true), None, None) => HostAction::Abort,
                    (None, None, Some(bytes), None) => HostAction::Send(bytes),
                    (None, None, None, Some(true)) => HostAction::Crash,
                    _ => {
                        return Err(InputError::at(
                            path,
                            "a node action needs exactly one of \"close\": true, \"abort\": true, \"crash\": true or \"send\": bytes",
                        ));
                    }
                };
                if a.set.is_some() || a.from.is_some() {
                    return Err(InputError::at(
                        path,
                        "\"set\" and \"from\" go with \"link\", not \"node\"",
                    ));
                }
                node_actions.push((at, node, what));
            }
            _ => {
                return Err(InputError::at(
                    path,
                    "give either \"link\" (with \"set\") or \"node\" (with close, abort or send)",
                ));
            }
        }
    }
    actions.sort_by_key(|a| a.at);

    let known = metric_names(&topology, &hosts);
    let expectations = file
        .expect
        .iter()
        .enumerate()
        .map(|(i, e)| expectation(i, e, &topology, &hosts, &known))
        .collect::<Result<_, _>>()?;

    let batch_metrics = if file.metrics.is_empty() {
        known
            .iter()
            .filter(|m| !m.starts_with("link."))
            .cloned()
            .collect()
    } else {
        for (i, m) in file.metrics.iter().enumerate() {
            if !known.contains(m) {
                return Err(InputError::at(
                    format!("metrics[{i}]"),
                    format!("unknown metric {m:?}"),
                ));
            }
        }
        file.metrics.clone()
    };
    for (i, b) in file.batch_expect.iter().enumerate() {
        let path = format!("batch_expect[{i}]");
        match (&b.metric, b.success_rate) {
            (Some(m), None) => {
                if !batch_metrics.contains(m) {
                    return Err(InputError::at(
                        format!("{path}.metric"),
                        format!("{m:?} is not among the batch's metrics"),
                    ));
                }
            }
            (None, Some(true)) => {
                if b.stat.is_some() {
                    return Err(InputError::at(path, "\"stat\" goes with \"metric\""));
                }
            }
            _ => {
                return Err(InputError::at(
                    path,
                    "give exactly one of \"metric\" or \"success_rate\": true",
                ));
            }
        }
        if b.equals.is_none() && b.at_least.is_none() && b.at_most.is_none() {
            return Err(InputError::at(
                path,
                "give at least one bound: \"equals\", \"at_least\" or \"at_most\"",
            ));
        }
    }
    let faults = file
        .faults
        .iter()
        .enumerate()
        .map(|(i, f)| fault_rule(f, &format!("faults[{i}]"), &topology))
        .collect::<Result<_, _>>()?;

    let injections = file
        .inject
        .iter()
        .enumerate()
        .map(|(i, inj)| injection(inj, &format!("inject[{i}]"), &topology))
        .collect::<Result<_, _>>()?;

    Ok(Plan {
        name: file.name.clone(),
        default_seed: file.seed,
        stop_at,
        topology,
        hosts,
        actions,
        node_actions,
        faults,
        injections,
        expectations,
        batch_metrics,
        batch_expect: file.batch_expect.clone(),
        reference: file.reference.clone(),
    })
}

/// Reads control bits written as `"SYN,ACK"`.
pub fn parse_flags(text: &str) -> Option<sim_tcp::Flags> {
    let mut f = sim_tcp::Flags::default();
    for name in text.split(',').map(str::trim) {
        f = f | match name {
            "SYN" => sim_tcp::Flags::SYN,
            "ACK" => sim_tcp::Flags::ACK,
            "FIN" => sim_tcp::Flags::FIN,
            "RST" => sim_tcp::Flags::RST,
            "PSH" => sim_tcp::Flags::PSH,
            _ => return None,
        };
    }
    Some(f)
}

fn injection(
    inj: &crate::format::InjectSpec,
    path: &str,
    topology: &Topology,
) -> Result<(SimTime, NodeId, NodeId, NodeId, sim_tcp::Segment), InputError> {
    let node = |p: String, name: &str| {
        topology
            .node(name)
            .ok_or_else(|| InputError::at(p, format!("unknown node {name:?}")))
    };
    let entry = node(format!("{path}.from"), &inj.from)?;
    let src = match &inj.src {
        Some(s) => node(format!("{path}.src"), s)?,
        None => entry,
    };
    let dst = node(format!("{path}.to"), &inj.to)?;
    if entry != dst && !topology.reachable(entry, dst) {
        return Err(InputError::at(
            format!("{path}.to"),
            format!("{:?} cannot be reached from {:?}", inj.to, inj.from),
        ));
    }
    let t = &inj.tcp;
    let flags = parse_flags(&t.flags).ok_or_else(|| {
        InputError::at(
            format!("{path}.tcp.flags"),
            format!("{:?} is not a list of SYN, ACK, FIN, RST, PSH", t.flags),
        )
    })?;
    let seg = sim_tcp::Segment {
        src_port: t.sport,
        dst_port: t.dport,
        seq: sim_tcp::seq::SeqNum(t.seq),
        ack: sim_tcp::seq::SeqNum(t.ack),
        flags,
        wnd: t.wnd.unwrap_or(65_535),
        mss: None,
        wscale: None,
        data: sim_tcp::Data {
            offset: 0,
            len: t.len,
        },
    };
    Ok((SimTime::ZERO + inj.at.0, entry, src, dst, seg))
}

fn fault_rule(
    f: &crate::format::FaultSpec,
    path: &str,
    topology: &Topology,
) -> Result<FaultRule, InputError> {
    let from = topology.node(&f.from).ok_or_else(|| {
        InputError::at(format!("{path}.from"), format!("unknown node {:?}", f.from))
    })?;
    let to =
        match &f.to {
            Some(t) => Some(topology.node(t).ok_or_else(|| {
                InputError::at(format!("{path}.to"), format!("unknown node {t:?}"))
            })?),
            None => None,
        };
    let dirs: Vec<LinkDirId> = topology
        .link_dirs()
        .iter()
        .enumerate()
        .filter(|(_, d)| d.from == from && to.is_none_or(|t| d.to == t))
        .map(|(i, _)| LinkDirId(i as u32))
        .collect();
    if dirs.is_empty() {
        return Err(InputError::at(
            path,
            format!(
                "no link leaves {:?}{}",
                f.from,
                f.to.as_ref()
                    .map_or(String::new(), |t| format!(" towards {t:?}"))
            ),
        ));
    }
    let action = match (f.drop, f.duplicate, f.delay, f.tamper) {
        (Some(true), None, None, None) => FaultAction::Drop,
        (None, Some(true), None, None) => FaultAction::Duplicate,
        (None, None, Some(d), None) => FaultAction::Delay(d.0),
        (None, None, None, Some(TamperName::Corrupt)) => FaultAction::Modified("corrupt"),
        (None, None, None, Some(TamperName::Downgrade)) => FaultAction::Modified("downgrade"),
        _ => {
            return Err(InputError::at(
                path,
                "give exactly one action: \"drop\": true, \"duplicate\": true, \"delay\": duration or \"tamper\": \"corrupt\" | \"downgrade\"",
            ));
        }
    };
    let first = f.nth.unwrap_or(1);
    if first == 0 {
        return Err(InputError::at(
            format!("{path}.nth"),
            "matches are counted from 1",
        ));
    }
    Ok(FaultRule {
        dirs,
        fields: f
            .match_fields
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        first,
        times: f.times.unwrap_or(1),
        after: SimTime::ZERO + f.after.map_or(SimDuration::ZERO, |d| d.0),
        before: f.before.map_or(SimTime::MAX, |d| SimTime::ZERO + d.0),
        action,
    })
}

fn link_action(
    a: &crate::format::ActionSpec,
    link: &[String; 2],
    path: &str,
    at: SimTime,
    topology: &Topology,
) -> Result<LinkAction, InputError> {
    let node = |p: String, name: &str| {
        topology
            .node(name)
            .ok_or_else(|| InputError::at(p, format!("unknown node {name:?}")))
    };
    let x = node(format!("{path}.link[0]"), &link[0])?;
    let y = node(format!("{path}.link[1]"), &link[1])?;
    let mut dirs = topology.dirs_between(x, y);
    if dirs.is_empty() {
        return Err(InputError::at(
            format!("{path}.link"),
            format!("no link joins {:?} and {:?}", link[0], link[1]),
        ));
    }
    if let Some(from) = &a.from {
        let f = node(format!("{path}.from"), from)?;
        if f != x && f != y {
            return Err(InputError::at(
                format!("{path}.from"),
                format!(
                    "{from:?} is not an end of the link {:?} - {:?}",
                    link[0], link[1]
                ),
            ));
        }
        dirs.retain(|d| topology.link_dirs()[d.0 as usize].from == f);
    }
    let Some(set) = &a.set else {
        return Err(InputError::at(path, "a link action needs \"set\""));
    };
    if a.close.is_some() || a.abort.is_some() || a.send.is_some() || a.crash.is_some() {
        return Err(InputError::at(
            path,
            "close, abort and send go with \"node\", not \"link\"",
        ));
    }
    check_queue(set, &format!("{path}.set"))?;
    Ok(LinkAction {
        at,
        dirs,
        set: set.clone(),
    })
}

fn ping_app(
    p: &crate::format::PingSpec,
    ppath: &str,
    at: NodeId,
    name: &str,
    topology: &Topology,
) -> Result<HostApp, InputError> {
    let target = topology.node(&p.target).ok_or_else(|| {
        InputError::at(
            format!("{ppath}.target"),
            format!("unknown node {:?}", p.target),
        )
    })?;
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
                "{:?} cannot be reached from {name:?}: no path joins them",
                p.target
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
    Ok(HostApp::Ping(PingJob {
        target,
        count: p.count,
        interval: p.interval.map_or(SimDuration::from_secs(1), |d| d.0),
        size,
        start: SimTime::ZERO + p.at.map_or(SimDuration::ZERO, |d| d.0),
    }))
}

fn tcp_app(
    t: &TcpSpec,
    path: &str,
    at: NodeId,
    name: &str,
    topology: &Topology,
) -> Result<TcpApp, InputError> {
    let role = match (&t.listen, &t.connect) {
        (Some(port), None) => {
            if *port == 0 {
                return Err(InputError::at(
                    format!("{path}.listen"),
                    "port 0 cannot be listened on",
                ));
            }
            if t.local_port.is_some() || t.at.is_some() {
                return Err(InputError::at(
                    path,
                    "\"local_port\" and \"at\" go with \"connect\"",
                ));
            }
            Role::Listen {
                port: *port,
                backlog: t.backlog.unwrap_or(128).max(1),
            }
        }
        (None, Some(target)) => {
            let cpath = format!("{path}.connect");
            let (remote, port) = match &t.dns {
                Some(dns) => {
                    let (host, port) = split_port(target, &cpath, "name")?;
                    sim_apps::dns::check_name(host).map_err(|m| InputError::at(&cpath, m))?;
                    let dpath = format!("{path}.dns");
                    let resolver = resolver_config(dns, &dpath, at, topology)?;
                    if resolver.server.is_none()
                        && !resolver.hosts.contains_key(&sim_apps::dns::canonical(host))
                    {
                        return Err(InputError::at(
                            &dpath,
                            format!(
                                "{host:?} is not in \"hosts\" and there is no \"server\" to ask"
                            ),
                        ));
                    }
                    let name = host.into();
                    let resolver = std::sync::Arc::new(resolver);
                    (Target::Name { name, resolver }, port)
                }
                None => {
                    let (remote, port) = node_port(target, &cpath, topology)?;
                    let host = target.rsplit_once(':').map_or(target.as_str(), |(h, _)| h);
                    if remote == at {
                        return Err(InputError::at(
                            &cpath,
                            "a host cannot connect to itself (there is no loopback)",
                        ));
                    }
                    if !topology.reachable(at, remote) {
                        return Err(InputError::at(
                            &cpath,
                            format!("{host:?} cannot be reached from {name:?}: no path joins them"),
                        ));
                    }
                    (Target::Node(remote), port)
                }
            };
            if t.backlog.is_some() {
                return Err(InputError::at(path, "\"backlog\" goes with \"listen\""));
            }
            Role::Connect {
                remote,
                port,
                local_port: t.local_port,
                at: SimTime::ZERO + t.at.map_or(SimDuration::ZERO, |d| d.0),
            }
        }
        _ => {
            return Err(InputError::at(
                path,
                "give exactly one of \"listen\" or \"connect\"",
            ));
        }
    };
    if t.dns.is_some() && t.connect.is_none() {
        return Err(InputError::at(
            format!("{path}.dns"),
            "\"dns\" goes with \"connect\"",
        ));
    }
    let mut cfg = TcpConfig::profile(match t.profile.unwrap_or(ProfileName::Rfc) {
        ProfileName::Rfc => Profile::Rfc,
        ProfileName::Linux => Profile::Linux,
    });
    if let Some(m) = t.mss {
        if !(64..=65_495).contains(&m) {
            return Err(InputError::at(
                format!("{path}.mss"),
                format!("{m} is not a usable MSS (64 to 65495)"),
            ));
        }
        cfg.mss = m;
    }
    if let Some(b) = t.rcv_buf {
        if !(1..=(65_535 << 14)).contains(&b) {
            return Err(InputError::at(
                format!("{path}.rcv_buf"),
                format!("{b} bytes cannot be advertised (1 to 65535 x 2^14)"),
            ));
        }
        cfg.rcv_buf = b;
    }
    if let Some(c) = t.congestion {
        cfg.congestion = match c {
            crate::format::CongestionName::Newreno => sim_tcp::CongestionKind::NewReno,
            crate::format::CongestionName::Cubic => sim_tcp::CongestionKind::Cubic,
        };
    }
    if let Some(n) = t.nagle {
        cfg.nagle = n;
    }
    if let Some(d) = t.delayed_ack {
        cfg.delayed_ack = (d.0 > SimDuration::ZERO).then_some(d.0);
    }
    if let Some(w) = t.initial_window {
        if w == 0 {
            return Err(InputError::at(
                format!("{path}.initial_window"),
                "must be at least 1 segment",
            ));
        }
        cfg.initial_window = InitialWindow::Segments(w);
    }
    if let Some(d) = t.time_wait {
        cfg.time_wait = d.0;
    }
    if let Some(d) = t.min_rto {
        cfg.min_rto = d.0;
    }
    if let Some(d) = t.max_rto {
        cfg.max_rto = d.0;
    }
    if let Some(d) = t.initial_rto {
        cfg.initial_rto = d.0;
    }
    if cfg.min_rto > cfg.max_rto {
        return Err(InputError::at(
            path,
            format!(
                "min_rto ({}) is above max_rto ({})",
                cfg.min_rto, cfg.max_rto
            ),
        ));
    }
    if let Some(n) = t.data_retries {
        cfg.data_retries = n;
    }
    if let Some(d) = t.fin_wait_2_timeout {
        cfg.fin_wait_2_timeout = (d.0 > SimDuration::ZERO).then_some(d.0);
    }
    if let Some(n) = t.syn_retries {
        cfg.syn_retries = n;
    }
    if let Some(b) = t.rfc1337 {
        cfg.rfc1337 = b;
    }
    if let Some(b) = t.window_scaling {
        cfg.window_scaling = b;
    }
    if let Some(b) = t.syn_cookies {
        if t.listen.is_none() {
            return Err(InputError::at(
                format!("{path}.syn_cookies"),
                "SYN cookies are for a listener",
            ));
        }
        cfg.syn_cookies = b;
    }
    if let Some(b) = t.two_way_handshake {
        if t.listen.is_none() {
            return Err(InputError::at(
                format!("{path}.two_way_handshake"),
                "only a listening server can use the two-way handshake",
            ));
        }
        cfg.two_way_handshake = b;
    }
    let connections = t.connections.unwrap_or(1);
    let concurrency = t.concurrency.unwrap_or(1);
    if (t.connections.is_some() || t.concurrency.is_some()) && t.connect.is_none() {
        return Err(InputError::at(
            path,
            "\"connections\" and \"concurrency\" go with \"connect\"",
        ));
    }
    if connections == 0 || concurrency == 0 {
        return Err(InputError::at(
            path,
            "\"connections\" and \"concurrency\" must be at least 1",
        ));
    }
    if connections > 1 && t.local_port.is_some() {
        return Err(InputError::at(
            format!("{path}.local_port"),
            "several connections cannot share one fixed local port",
        ));
    }
    let close = t.close.unwrap_or(CloseWhen::OnPeerClose);
    if (t.tls.is_some() || t.http.is_some()) && t.nagle.is_none() {
        // Browsers and common servers set TCP_NODELAY: a flight of
        // handshake records must not wait for an ACK.
        cfg.nagle = false;
    }
    Ok(TcpApp {
        role,
        send: t.send.unwrap_or(0),
        close_after_send: close == CloseWhen::AfterSend,
        on_peer_close: if close == CloseWhen::Never {
            OnPeerClose::Ignore
        } else {
            OnPeerClose::Close
        },
        stall_reading_until: t.stall_reading_until.map(|d| SimTime::ZERO + d.0),
        connections,
        concurrency,
        cfg,
        iss: t.iss,
        stream: match (&t.tls, &t.http) {
            (Some(_), Some(_)) => {
                return Err(InputError::at(path, "give \"tls\" or \"http\", not both"));
            }
            (None, Some(h)) => {
                if t.send.is_some() {
                    return Err(InputError::at(
                        format!("{path}.send"),
                        "with \"http\" the data is the request and response; leave \"send\" out",
                    ));
                }
                let client = t.connect.is_some();
                let misplaced = if client {
                    h.response.is_some()
                } else {
                    h.request.is_some() || h.requests.is_some()
                };
                if misplaced {
                    let (field, role) = if client {
                        ("response", "server")
                    } else {
                        ("request", "client")
                    };
                    return Err(InputError::at(
                        format!("{path}.http.{field}"),
                        format!("\"{field}\" is for the {role}"),
                    ));
                }
                Some(std::sync::Arc::new(StreamApp {
                    side: if client {
                        StreamSide::PlainClient
                    } else {
                        StreamSide::PlainServer
                    },
                    request: h.request.unwrap_or(300),
                    response: h.response.unwrap_or(10_000),
                    costs: sim_tls::cost::CpuCosts::default(),
                    resume: false,
                    requests: requests_per_connection(
                        h.requests,
                        &format!("{path}.http.requests"),
                    )?,
                    host: t
                        .connect
                        .as_deref()
                        .map_or(name, |c| c.rsplit_once(':').map_or(c, |(h, _)| h))
                        .to_string(),
                    relay: false,
                }))
            }
            (Some(spec), None) => {
                if t.send.is_some() {
                    return Err(InputError::at(
                        format!("{path}.send"),
                        "with \"tls\" the data is the TLS request and response; leave \"send\" out",
                    ));
                }
                let peer = t
                    .connect
                    .as_deref()
                    .map(|c| c.rsplit_once(':').map_or(c, |(h, _)| h));
                Some(std::sync::Arc::new(tls_app(
                    spec,
                    &format!("{path}.tls"),
                    peer,
                    name,
                )?))
            }
            (None, None) => None,
        },
    })
}

/// Requests per connection: at least one.
fn requests_per_connection(n: Option<u64>, path: &str) -> Result<u64, InputError> {
    match n {
        Some(0) => Err(InputError::at(
            path,
            "a connection makes at least one request",
        )),
        n => Ok(n.unwrap_or(1)),
    }
}

/// The demo CRL, known to every client: the serial a `"revoked": true`
/// certificate carries.
const REVOKED_SERIAL: u64 = 666;

/// TLS settings for a client (`peer` is the node it connects to) or a
/// server (`peer` is `None`; `name` is its own node name).
fn tls_app(
    spec: &crate::format::TlsSpec,
    path: &str,
    peer: Option<&str>,
    name: &str,
) -> Result<StreamApp, InputError> {
    use crate::format::{IssuerName, TlsVersionName};
    use sim_tls::suite::{Group, Suite, Version};

    let versions: Vec<Version> = spec
        .versions
        .clone()
        .unwrap_or(vec![TlsVersionName::Tls13, TlsVersionName::Tls12])
        .into_iter()
        .map(|v| match v {
            TlsVersionName::Tls12 => Version::Tls12,
            TlsVersionName::Tls13 => Version::Tls13,
        })
        .collect();
    if versions.is_empty() {
        return Err(InputError::at(
            format!("{path}.versions"),
            "offer at least one version",
        ));
    }
    let suites: Vec<Suite> = match &spec.suites {
        Some(names) => names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                Suite::from_name(n).ok_or_else(|| {
                    InputError::at(
                        format!("{path}.suites[{i}]"),
                        format!("unknown cipher suite {n:?} (registry names, such as \"TLS_AES_128_GCM_SHA256\")"),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
        None => vec![
            Suite::TLS_AES_128_GCM_SHA256,
            Suite::TLS_AES_256_GCM_SHA384,
            Suite::TLS_CHACHA20_POLY1305_SHA256,
            Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            Suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            Suite::TLS_RSA_WITH_AES_128_GCM_SHA256,
            Suite::TLS_RSA_WITH_AES_128_CBC_SHA,
        ],
    };
    if !suites.iter().any(|s| versions.contains(&s.version())) {
        return Err(InputError::at(
            format!("{path}.suites"),
            "none of these suites belongs to a version offered",
        ));
    }
    let groups: Option<Vec<Group>> = match &spec.groups {
        Some(names) => Some(
            names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    Group::from_name(n).ok_or_else(|| {
                        InputError::at(
                            format!("{path}.groups[{i}]"),
                            format!("unknown group {n:?} (x25519, secp256r1 or secp384r1)"),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
        None => None,
    };
    let date = spec.date.unwrap_or(1_700_000_000);
    let misplaced = |field: &str, role: &str| {
        Err(InputError::at(
            format!("{path}.{field}"),
            format!("\"{field}\" is for the {role}"),
        ))
    };
    match peer {
        Some(server) => {
            if spec.certificate.is_some() {
                return misplaced("certificate", "server");
            }
            if spec.response.is_some() {
                return misplaced("response", "server");
            }
            let host = spec
                .server_name
                .clone()
                .unwrap_or_else(|| server.to_string());
            let pki = sim_tls::pki::DemoPki::new(&host, date);
            let mut cfg = pki.client(&versions, &suites);
            if let Some(g) = groups {
                cfg.groups = g;
            }
            cfg.accept_untrusted = spec.accept_untrusted.unwrap_or(false);
            cfg.refuse_weak = spec.refuse_weak.unwrap_or(false);
            cfg.revoked
                .revoke(&pki.intermediate.subject, REVOKED_SERIAL);
            for (field, set) in [
                ("session_cache", spec.session_cache.is_some()),
                ("max_early_data", spec.max_early_data.is_some()),
                ("accept_early_data", spec.accept_early_data.is_some()),
            ] {
                if set {
                    return misplaced(field, "server");
                }
            }
            cfg.tickets = spec.tickets.unwrap_or(false);
            cfg.early_data = spec.early_data.unwrap_or(false);
            Ok(StreamApp {
                side: StreamSide::Client(Box::new(cfg)),
                request: spec.request.unwrap_or(300),
                response: 0,
                costs: sim_tls::cost::CpuCosts::default(),
                resume: spec.resume.unwrap_or(false),
                requests: requests_per_connection(spec.requests, &format!("{path}.requests"))?,
                host,
                relay: false,
            })
        }
        None => {
            for (field, set) in [
                ("server_name", spec.server_name.is_some()),
                ("request", spec.request.is_some()),
                ("accept_untrusted", spec.accept_untrusted.is_some()),
                ("refuse_weak", spec.refuse_weak.is_some()),
                ("resume", spec.resume.is_some()),
                ("early_data", spec.early_data.is_some()),
                ("requests", spec.requests.is_some()),
            ] {
                if set {
                    return misplaced(field, "client");
                }
            }
            let c = spec.certificate.clone().unwrap_or_default();
            let names = c.names.clone().unwrap_or_else(|| vec![name.to_string()]);
            let Some(first) = names.first() else {
                return Err(InputError::at(
                    format!("{path}.certificate.names"),
                    "a certificate names at least one host",
                ));
            };
            let pki = sim_tls::pki::DemoPki::new(first, date);
            let mut cfg = pki.server(&versions, &suites);
            if let Some(g) = groups {
                cfg.groups = g;
            }
            let mut leaf = pki.leaf.clone();
            leaf.san = names.clone();
            if let Some(size) = c.size {
                if !(200..=16_000).contains(&size) {
                    return Err(InputError::at(
                        format!("{path}.certificate.size"),
                        format!("{size} bytes is not a certificate size (200 to 16000)"),
                    ));
                }
                leaf.size = size;
            }
            if c.expired == Some(true) {
                leaf.not_before = date - 2 * sim_tls::pki::YEAR;
                leaf.not_after = date - 86_400;
            }
            if c.revoked == Some(true) {
                leaf.serial = REVOKED_SERIAL;
            }
            cfg.chain = match c.issuer.unwrap_or(IssuerName::Trusted) {
                IssuerName::Trusted => vec![leaf, pki.intermediate.clone()],
                IssuerName::UnknownCa => {
                    let rogue =
                        sim_tls::pki::certificate("Unknown CA", "Unknown CA", 20, 20, true, date);
                    leaf.issuer = rogue.subject.clone();
                    leaf.signed_by = rogue.key;
                    vec![leaf, rogue]
                }
                IssuerName::SelfSigned => {
                    leaf.issuer = leaf.subject.clone();
                    leaf.signed_by = leaf.key;
                    vec![leaf]
                }
            };
            if spec.session_cache == Some(true) {
                cfg.sessions = Some(sim_tls::session::SessionCache::new());
            }
            if spec.tickets == Some(true) {
                // The ticket key is the server's own secret; derived from
                // its name so runs are reproducible.
                cfg.ticket_key = Some(sim_tls::crypto::sha256(
                    format!("ticket key of {name}").as_bytes(),
                ));
            }
            cfg.max_early_data = spec.max_early_data.unwrap_or(0);
            if cfg.max_early_data > sim_tls::suite::MAX_FRAGMENT as u32 {
                return Err(InputError::at(
                    format!("{path}.max_early_data"),
                    "at most 16384 bytes (one record) in this model",
                ));
            }
            if cfg.max_early_data > 0 && cfg.ticket_key.is_none() {
                return Err(InputError::at(
                    format!("{path}.max_early_data"),
                    "early data rides on tickets: set \"tickets\": true",
                ));
            }
            cfg.accept_early_data = spec.accept_early_data.unwrap_or(true);
            Ok(StreamApp {
                side: StreamSide::Server(Box::new(cfg)),
                request: 1,
                response: spec.response.unwrap_or(10_000),
                costs: sim_tls::cost::CpuCosts::default(),
                resume: false,
                requests: 1,
                host: String::new(),
                relay: false,
            })
        }
    }
}

/// A man-in-the-middle: a relaying TLS server half with the forged
/// certificate, and a TLS client half for the real server.
fn mitm_app(
    m: &crate::format::MitmSpec,
    path: &str,
    name: &str,
    topology: &Topology,
) -> Result<sim_apps::mitm::MitmApp, InputError> {
    use crate::format::{CertificateSpec, IssuerName, TlsSpec};
    let ipath = format!("{path}.intercept");
    let (target, port) = node_port(&m.intercept, &ipath, topology)?;
    if topology.nodes()[target.index()].kind == NodeKind::Router {
        return Err(InputError::at(
            ipath,
            format!(
                "{:?} is a router; a server runs on a host",
                topology.name(target)
            ),
        ));
    }
    let mut cert = m.certificate.clone().unwrap_or_default();
    cert.names
        .get_or_insert_with(|| vec![topology.name(target).to_string()]);
    cert.issuer.get_or_insert(IssuerName::UnknownCa);
    let upstream_name = cert.names.as_ref().and_then(|n| n.first()).cloned();
    let tls = |certificate: Option<CertificateSpec>, server_name: Option<String>| TlsSpec {
        versions: m.versions.clone(),
        server_name,
        certificate,
        ..TlsSpec::default()
    };
    let relay = |app: StreamApp| Some(std::sync::Arc::new(StreamApp { relay: true, ..app }));
    let front_tls = tls_app(&tls(Some(cert), None), path, None, name)?;
    let back_tls = tls_app(
        &tls(None, upstream_name),
        path,
        Some(topology.name(target)),
        name,
    )?;
    let tcp = |role: Role, tls| TcpApp {
        role,
        send: 0,
        close_after_send: false,
        on_peer_close: OnPeerClose::Close,
        stall_reading_until: None,
        connections: 1,
        concurrency: 1,
        cfg: TcpConfig {
            nagle: false,
            ..TcpConfig::profile(Profile::Rfc)
        },
        iss: None,
        stream: tls,
    };
    Ok(sim_apps::mitm::MitmApp {
        target,
        port,
        front: tcp(Role::Listen { port, backlog: 128 }, relay(front_tls)),
        back: tcp(Role::OnDemand, relay(back_tls)),
    })
}

/// Splits `"host:port"`; `form` names what the host part is.
fn split_port<'a>(text: &'a str, path: &str, form: &str) -> Result<(&'a str, u16), InputError> {
    let (host, port) = text
        .rsplit_once(':')
        .ok_or_else(|| InputError::at(path, format!("{text:?} is not \"{form}:port\"")))?;
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| InputError::at(path, format!("{port:?} is not a port (1 to 65535)")))?;
    Ok((host, port))
}

/// A DNS server's zone.
fn dns_zone(
    d: &crate::format::DnsServerSpec,
    path: &str,
    topology: &Topology,
) -> Result<sim_apps::dns::Zone, InputError> {
    let mut zone = sim_apps::dns::Zone::default();
    for (name, r) in &d.zone {
        let rpath = format!("{path}.zone.{name}");
        sim_apps::dns::check_name(name).map_err(|m| InputError::at(&rpath, m))?;
        let addr = topology.node(&r.address).ok_or_else(|| {
            InputError::at(
                format!("{rpath}.address"),
                format!("unknown node {:?}", r.address),
            )
        })?;
        let ttl = match r.ttl {
            None => 300,
            Some(d) => ttl_seconds(d.0, &format!("{rpath}.ttl"))?,
        };
        if zone
            .records
            .insert(sim_apps::dns::canonical(name), (addr, ttl))
            .is_some()
        {
            return Err(InputError::at(
                rpath,
                "the same name twice (names ignore case and a final dot)",
            ));
        }
    }
    Ok(zone)
}

/// A TTL: whole seconds that fit its 32 bits (RFC 2181 §8: up to 2^31 - 1).
fn ttl_seconds(d: SimDuration, path: &str) -> Result<u32, InputError> {
    let ns = d.as_nanos();
    if !ns.is_multiple_of(1_000_000_000) || ns / 1_000_000_000 > (1 << 31) - 1 {
        return Err(InputError::at(
            path,
            "a TTL is whole seconds, at most 2147483647s",
        ));
    }
    Ok((ns / 1_000_000_000) as u32)
}

/// A client's resolver settings.
fn resolver_config(
    d: &crate::format::DnsClientSpec,
    path: &str,
    at: NodeId,
    topology: &Topology,
) -> Result<sim_apps::dns::ResolverConfig, InputError> {
    use sim_apps::dns::ResolverConfig;
    let server = match &d.server {
        None => None,
        Some(s) => {
            let spath = format!("{path}.server");
            let n = topology
                .node(s)
                .ok_or_else(|| InputError::at(&spath, format!("unknown node {s:?}")))?;
            if n == at || !topology.reachable(at, n) {
                return Err(InputError::at(
                    spath,
                    format!("{s:?} cannot be reached from here"),
                ));
            }
            Some(n)
        }
    };
    let mut hosts = std::collections::BTreeMap::new();
    for (name, node) in &d.hosts {
        let hpath = format!("{path}.hosts.{name}");
        sim_apps::dns::check_name(name).map_err(|m| InputError::at(&hpath, m))?;
        let n = topology
            .node(node)
            .ok_or_else(|| InputError::at(&hpath, format!("unknown node {node:?}")))?;
        hosts.insert(sim_apps::dns::canonical(name), n);
    }
    let timeout = d.timeout.map_or(ResolverConfig::DEFAULT_TIMEOUT, |t| t.0);
    if timeout == SimDuration::ZERO {
        return Err(InputError::at(
            format!("{path}.timeout"),
            "must be longer than 0s",
        ));
    }
    let attempts = d.attempts.unwrap_or(ResolverConfig::DEFAULT_ATTEMPTS);
    if attempts == 0 {
        return Err(InputError::at(
            format!("{path}.attempts"),
            "at least one query is needed",
        ));
    }
    Ok(ResolverConfig {
        server,
        hosts,
        timeout,
        attempts,
    })
}

/// Reads `"node:port"`.
fn node_port(text: &str, path: &str, topology: &Topology) -> Result<(NodeId, u16), InputError> {
    let (host, port) = split_port(text, path, "node")?;
    let node = topology
        .node(host)
        .ok_or_else(|| InputError::at(path, format!("unknown node {host:?}")))?;
    Ok((node, port))
}

fn flood_app(
    f: &crate::format::SynFloodSpec,
    path: &str,
    at: NodeId,
    topology: &Topology,
) -> Result<HostApp, InputError> {
    let tpath = format!("{path}.target");
    let (target, port) = node_port(&f.target, &tpath, topology)?;
    if !topology.reachable(at, target) || target == at {
        return Err(InputError::at(
            tpath,
            format!("{:?} cannot be reached from here", f.target),
        ));
    }
    let spoof = f
        .spoof
        .iter()
        .enumerate()
        .map(|(i, n)| {
            topology.node(n).ok_or_else(|| {
                InputError::at(format!("{path}.spoof[{i}]"), format!("unknown node {n:?}"))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(HostApp::SynFlood(sim_apps::flood::SynFlood {
        target,
        port,
        count: f.count,
        interval: f.interval.map_or(SimDuration::from_millis(1), |d| d.0),
        at: SimTime::ZERO + f.at.map_or(SimDuration::ZERO, |d| d.0),
        spoof,
    }))
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
    hosts: &[(NodeId, HostApp)],
) -> Result<Expectation, InputError> {
    let Some(name) = &e.node else {
        return Err(InputError::at(path, "a state expectation needs \"node\""));
    };
    let node = topology
        .node(name)
        .ok_or_else(|| InputError::at(format!("{path}.node"), format!("unknown node {name:?}")))?;
    if !matches!(
        hosts.iter().find(|(h, _)| *h == node),
        Some((_, HostApp::Tcp(_)))
    ) {
        return Err(InputError::at(
            format!("{path}.node"),
            format!("{name:?} runs no TCP application"),
        ));
    }
    if e.equals.is_some() || e.at_least.is_some() || e.at_most.is_some() {
        return Err(InputError::at(
            path,
            "bounds go with \"metric\" or \"count\"",
        ));
    }
    let measure = if let Some(list) = &e.passes_through {
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
        Measure::PassesThrough { node, states }
    } else if let Some(st) = &e.in_state {
        let Some(at) = e.at else {
            return Err(InputError::at(path, "\"in_state\" needs \"at\""));
        };
        Measure::InState {
            node,
            state: state_name(st, format!("{path}.in_state"))?,
            at: SimTime::ZERO + at.0,
        }
    } else {
        let st = e.ends_in.as_ref().expect("one was given");
        Measure::EndsIn {
            node,
            state: state_name(st, format!("{path}.ends_in"))?,
            by: e.by.map(|d| SimTime::ZERO + d.0),
        }
    };
    Ok(Expectation {
        index,
        description: e.description.clone(),
        measure,
        equals: None,
        at_least: None,
        at_most: None,
    })
}

fn expectation(
    index: usize,
    e: &ExpectSpec,
    topology: &Topology,
    hosts: &[(NodeId, HostApp)],
    known: &BTreeSet<String>,
) -> Result<Expectation, InputError> {
    let path = format!("expect[{index}]");
    let given = [
        e.metric.is_some(),
        e.count.is_some(),
        e.passes_through.is_some(),
        e.in_state.is_some(),
        e.ends_in.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(InputError::at(
            path,
            "give exactly one of \"metric\", \"count\", \"passes_through\", \"in_state\" or \"ends_in\"",
        ));
    }
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
        for k in app.metric_names() {
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
