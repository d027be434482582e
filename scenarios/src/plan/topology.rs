//! The `topology` section: nodes, then the links between them, with the
//! parameters of each direction.
//!
//! The names are declared before any link so that a link can be checked
//! against them; routes are computed once every link is known.

use std::collections::BTreeMap;

use sim_core::{LinkParams, Marking, NodeId, NodeKind, QueueLimit, Topology, TopologyBuilder};

use crate::error::InputError;
use crate::format::{
    DisciplineName, DisciplineSpec, Duration, LinkParamsSpec, LinkSpec, MarkSpec, TopologySpec,
    TunedDiscipline,
};
use crate::limits::{MAX_LINKS, MAX_NODES};
use sim_core::qdisc::{CodelConfig, Discipline, FqCodelConfig, PieConfig, RedConfig, TbfConfig};

/// Checks the nodes and links and builds the topology with its routes.
pub(super) fn topology(t: &TopologySpec) -> Result<Topology, InputError> {
    check_size(t)?;
    let mut tb = TopologyBuilder::new();
    add_nodes(&mut tb, t)?;
    // A second link between the same two nodes would never carry a packet
    // (routes take the first declared): refused rather than ignored.
    let mut pairs: BTreeMap<(NodeId, NodeId), usize> = BTreeMap::new();
    for (i, l) in t.links.iter().enumerate() {
        let path = format!("topology.links[{i}]");
        let (a, b) = add_link(&mut tb, t, l, &path)?;
        if let Some(j) = pairs.insert((a.min(b), a.max(b)), i) {
            return Err(InputError::at(
                format!("{path}.between"),
                format!(
                    "{:?} and {:?} are already joined by topology.links[{j}]; one link per pair of nodes",
                    l.between[0], l.between[1]
                ),
            ));
        }
    }
    Ok(tb.build())
}

/// Refuses more nodes or links than [`limits`](crate::limits) allows.
fn check_size(t: &TopologySpec) -> Result<(), InputError> {
    let nodes = t.nodes.len() + t.routers.len();
    if nodes > MAX_NODES {
        let at = if t.nodes.len() > MAX_NODES {
            "topology.nodes"
        } else {
            "topology.routers"
        };
        return Err(InputError::at(
            at,
            format!("{nodes} nodes (hosts and routers); a scenario may have at most {MAX_NODES}"),
        ));
    }
    if t.links.len() > MAX_LINKS {
        return Err(InputError::at(
            "topology.links",
            format!(
                "{} links; a scenario may have at most {MAX_LINKS}",
                t.links.len()
            ),
        ));
    }
    Ok(())
}

/// The message for a name that is neither a host nor a router, with the
/// closest of the `known` names if one is near.
pub(super) fn unknown_node<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    match super::suggest::did_you_mean(name, known) {
        Some(hint) => format!("unknown node {name:?}; {hint}"),
        None => format!("unknown node {name:?} (not in topology.nodes or topology.routers)"),
    }
}

/// Every node's name, for [`unknown_node`].
pub(super) fn names(topology: &Topology) -> impl Iterator<Item = &str> {
    topology.nodes().iter().map(|n| n.name.as_str())
}

fn add_nodes(tb: &mut TopologyBuilder, t: &TopologySpec) -> Result<(), InputError> {
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
    Ok(())
}

fn resolve(
    tb: &TopologyBuilder,
    t: &TopologySpec,
    path: String,
    name: &str,
) -> Result<NodeId, InputError> {
    tb.node(name).map_err(|_| {
        let known = t.nodes.iter().chain(&t.routers).map(String::as_str);
        InputError::at(path, unknown_node(name, known))
    })
}

/// Adds one link: its parameters apply both ways, then each `one_way`
/// entry overrides the direction leaving its node.
fn add_link(
    tb: &mut TopologyBuilder,
    t: &TopologySpec,
    l: &LinkSpec,
    path: &str,
) -> Result<(NodeId, NodeId), InputError> {
    let a = resolve(tb, t, format!("{path}.between[0]"), &l.between[0])?;
    let b = resolve(tb, t, format!("{path}.between[1]"), &l.between[1])?;
    if a == b {
        return Err(InputError::at(
            format!("{path}.between"),
            format!("a link from {:?} to itself is not allowed", l.between[0]),
        ));
    }
    let both = l.params();
    check_queue(&both, path)?;
    let mut ab = LinkParams::default();
    apply(&both, &mut ab);
    let mut ba = ab.clone();
    let mut seen: [Option<usize>; 2] = [None, None];
    for (k, ow) in l.one_way.iter().enumerate() {
        let opath = format!("{path}.one_way[{k}]");
        check_queue(&ow.params(), &opath)?;
        let from = resolve(tb, t, format!("{opath}.from"), &ow.from)?;
        let side = usize::from(from == b);
        if (from == a || from == b)
            && let Some(j) = seen[side].replace(k)
        {
            return Err(InputError::at(
                format!("{opath}.from"),
                format!(
                    "the direction leaving {:?} is already set by {path}.one_way[{j}]; one entry per direction",
                    ow.from
                ),
            ));
        }
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
    Ok((a, b))
}

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
    if let Some(d) = &spec.discipline {
        base.discipline = discipline(d);
    }
    if let Some(m) = spec.ecn_mark {
        base.marking = Some(match m {
            MarkSpec::ThresholdPackets(n) => {
                Marking::Threshold(QueueLimit::Packets(u32::try_from(n.0).unwrap_or(u32::MAX)))
            }
            MarkSpec::ThresholdBytes(n) => Marking::Threshold(QueueLimit::Bytes(n.0)),
            MarkSpec::Probability(p) => Marking::Probability(p.0),
        });
    }
}

/// The discipline a spec names, its parameters over the defaults.
fn discipline(spec: &DisciplineSpec) -> Discipline {
    let tuned = match spec {
        DisciplineSpec::Named(DisciplineName::DropTail) => return Discipline::DropTail,
        DisciplineSpec::Named(DisciplineName::Red) => return Discipline::Red(RedConfig::default()),
        DisciplineSpec::Named(DisciplineName::Codel) => {
            return Discipline::Codel(CodelConfig::default());
        }
        DisciplineSpec::Named(DisciplineName::FqCodel) => {
            return Discipline::FqCodel(FqCodelConfig::default());
        }
        DisciplineSpec::Named(DisciplineName::Pie) => return Discipline::Pie(PieConfig::default()),
        DisciplineSpec::Tuned(t) => t,
    };
    let codel =
        |d: CodelConfig, target: Option<Duration>, interval: Option<Duration>, ecn| CodelConfig {
            target: target.map_or(d.target, |t| t.0),
            interval: interval.map_or(d.interval, |t| t.0),
            ecn: Option::unwrap_or(ecn, d.ecn),
            ..d
        };
    match tuned {
        TunedDiscipline::Red(r) => {
            let d = RedConfig::default();
            Discipline::Red(RedConfig {
                min_th: r.min_th.unwrap_or(d.min_th),
                max_th: r.max_th.unwrap_or(d.max_th),
                max_p: r.max_p.map_or(d.max_p, |p| p.0),
                weight: r.weight.map_or(d.weight, |p| p.0),
                gentle: r.gentle.unwrap_or(d.gentle),
                ecn: r.ecn.unwrap_or(d.ecn),
                hard_drop: r.hard_drop.unwrap_or(d.hard_drop),
            })
        }
        TunedDiscipline::Codel(c) => {
            Discipline::Codel(codel(CodelConfig::default(), c.target, c.interval, c.ecn))
        }
        TunedDiscipline::FqCodel(f) => {
            let d = FqCodelConfig::default();
            Discipline::FqCodel(FqCodelConfig {
                flows: f
                    .flows
                    .map_or(d.flows, |n| u32::try_from(n.0).unwrap_or(u32::MAX)),
                quantum: f
                    .quantum
                    .map_or(d.quantum, |n| u32::try_from(n.0).unwrap_or(u32::MAX)),
                codel: codel(d.codel.clone(), f.target, f.interval, f.ecn),
            })
        }
        TunedDiscipline::Pie(p) => {
            let d = PieConfig::default();
            Discipline::Pie(PieConfig {
                target: p.target.map_or(d.target, |t| t.0),
                t_update: p.t_update.map_or(d.t_update, |t| t.0),
                alpha: p.alpha.unwrap_or(d.alpha),
                beta: p.beta.unwrap_or(d.beta),
                max_burst: p.max_burst.map_or(d.max_burst, |t| t.0),
                ecn: p.ecn.unwrap_or(d.ecn),
            })
        }
        TunedDiscipline::TokenBucket(t) => Discipline::TokenBucket(TbfConfig {
            rate: t.rate.0,
            burst: u32::try_from(t.burst.0).unwrap_or(u32::MAX),
        }),
    }
}

/// The most flow queues FQ-CoDel may have: Linux's limit (65536), and each
/// one costs memory whether used or not.
const MAX_FQ_FLOWS: u64 = 65_536;

/// A discipline's parameters must describe a working queue.
fn check_discipline(spec: &DisciplineSpec, path: &str) -> Result<(), InputError> {
    let DisciplineSpec::Tuned(t) = spec else {
        return Ok(());
    };
    let bad = |field: &str, why: String| Err(InputError::at(format!("{path}.{field}"), why));
    let positive = |field: &str, d: Option<Duration>| match d {
        Some(d) if d.0 == sim_core::SimDuration::ZERO => {
            bad(field, "must be longer than 0s".into())
        }
        _ => Ok(()),
    };
    match t {
        TunedDiscipline::Red(r) => {
            let d = RedConfig::default();
            let (min, max) = (r.min_th.unwrap_or(d.min_th), r.max_th.unwrap_or(d.max_th));
            if !(min.is_finite() && min >= 0.0) {
                return bad(
                    "red.min_th",
                    format!("{min} is not a queue length (0 or more packets)"),
                );
            }
            if !(max.is_finite() && max > min) {
                return bad(
                    "red.max_th",
                    format!("{max} must be more than min_th ({min})"),
                );
            }
            if r.max_p.is_some_and(|p| p.0 == 0.0) {
                return bad(
                    "red.max_p",
                    "must be above 0 (RED would never drop early)".into(),
                );
            }
            if r.weight.is_some_and(|p| p.0 == 0.0) {
                return bad(
                    "red.weight",
                    "must be above 0 (the average would never move)".into(),
                );
            }
            Ok(())
        }
        TunedDiscipline::Codel(c) => {
            positive("codel.target", c.target)?;
            positive("codel.interval", c.interval)
        }
        TunedDiscipline::FqCodel(f) => {
            if let Some(n) = f.flows
                && !(1..=MAX_FQ_FLOWS).contains(&n.0)
            {
                return bad(
                    "fq_codel.flows",
                    format!("{} is not from 1 to {MAX_FQ_FLOWS}", n.0),
                );
            }
            if f.quantum
                .is_some_and(|q| q.0 == 0 || q.0 > u64::from(u32::MAX))
            {
                return bad(
                    "fq_codel.quantum",
                    "must be from 1 byte to 4294967295".into(),
                );
            }
            positive("fq_codel.target", f.target)?;
            positive("fq_codel.interval", f.interval)
        }
        TunedDiscipline::Pie(p) => {
            positive("pie.target", p.target)?;
            positive("pie.t_update", p.t_update)?;
            for (field, w) in [("pie.alpha", p.alpha), ("pie.beta", p.beta)] {
                if let Some(w) = w
                    && !(w.is_finite() && w >= 0.0)
                {
                    return bad(field, format!("{w} is not a weight (0 or more)"));
                }
            }
            Ok(())
        }
        TunedDiscipline::TokenBucket(t) => {
            if t.burst.0 > u64::from(u32::MAX) {
                return bad(
                    "token_bucket.burst",
                    "must be at most 4294967295 bytes".into(),
                );
            }
            Ok(())
        }
    }
}

/// The most packets a link direction's queue may hold: each waiting
/// packet is held in memory, so a queue of 10^12 would grow until the run
/// died.
pub const MAX_QUEUE_PACKETS: u64 = 1_000_000;
/// The most bytes a link direction's queue may hold (100 MB).
pub const MAX_QUEUE_BYTES: u64 = 100_000_000;

/// A queue is limited in packets or in bytes, not both, within what a run
/// can hold, and its discipline's parameters make sense.
pub(crate) fn check_queue(spec: &LinkParamsSpec, path: &str) -> Result<(), InputError> {
    if spec.queue_packets.is_some() && spec.queue_bytes.is_some() {
        return Err(InputError::at(
            path,
            "give queue_packets or queue_bytes, not both",
        ));
    }
    if let Some(d) = &spec.discipline {
        check_discipline(d, &format!("{path}.discipline"))?;
    }
    for (field, given, max) in [
        ("queue_packets", spec.queue_packets, MAX_QUEUE_PACKETS),
        ("queue_bytes", spec.queue_bytes, MAX_QUEUE_BYTES),
    ] {
        if let Some(n) = given
            && n.0 > max
        {
            return Err(InputError::at(
                format!("{path}.{field}"),
                format!(
                    "{} is more than a queue may hold in this model (at most {max}: \
                     every waiting packet is held in memory)",
                    n.0
                ),
            ));
        }
    }
    Ok(())
}
