//! The `topology` section: nodes, then the links between them, with the
//! parameters of each direction.
//!
//! The names are declared before any link so that a link can be checked
//! against them; routes are computed once every link is known.

use sim_core::{LinkParams, NodeId, NodeKind, QueueLimit, Topology, TopologyBuilder};

use crate::error::InputError;
use crate::format::{LinkParamsSpec, LinkSpec, TopologySpec};

/// Checks the nodes and links and builds the topology with its routes.
pub(super) fn topology(t: &TopologySpec) -> Result<Topology, InputError> {
    let mut tb = TopologyBuilder::new();
    add_nodes(&mut tb, t)?;
    for (i, l) in t.links.iter().enumerate() {
        add_link(&mut tb, t, l, &format!("topology.links[{i}]"))?;
    }
    Ok(tb.build())
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
) -> Result<(), InputError> {
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
    for (k, ow) in l.one_way.iter().enumerate() {
        let opath = format!("{path}.one_way[{k}]");
        check_queue(&ow.params(), &opath)?;
        let from = resolve(tb, t, format!("{opath}.from"), &ow.from)?;
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
    Ok(())
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
}

/// The most packets a link direction's queue may hold: each waiting
/// packet is held in memory, so a queue of 10^12 would grow until the run
/// died.
pub const MAX_QUEUE_PACKETS: u64 = 1_000_000;
/// The most bytes a link direction's queue may hold (100 MB).
pub const MAX_QUEUE_BYTES: u64 = 100_000_000;

/// A queue is limited in packets or in bytes, not both, and within what a
/// run can hold.
pub(super) fn check_queue(spec: &LinkParamsSpec, path: &str) -> Result<(), InputError> {
    if spec.queue_packets.is_some() && spec.queue_bytes.is_some() {
        return Err(InputError::at(
            path,
            "give queue_packets or queue_bytes, not both",
        ));
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
