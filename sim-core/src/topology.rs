//! Named nodes, full-duplex links, and static shortest-path routes.
//!
//! The graph is held in `petgraph` with one directed edge per link direction.
//! Routes are computed once, when the topology is built: for each destination
//! a Dijkstra over the reversed graph gives every node's distance to it, and a
//! node's next hop is the out-link minimising (link delay + remaining
//! distance), ties going to the link declared first. Distance is compared as
//! (propagation delay, hop count), so among equally fast paths the shorter
//! wins, deterministically.

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{EdgeRef, Reversed};
use thiserror::Error;

use crate::time::{Rate, SimDuration};

/// Index of a node in the topology, in declaration order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The position of this node in declaration order.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The node's IPv4 address, 10.x.y.z of its index plus one: what DNS
    /// answers hold and what the pcap shows.
    pub fn ipv4(self) -> [u8; 4] {
        let v = self.0 + 1;
        [10, (v >> 16) as u8, (v >> 8) as u8, v as u8]
    }
}

/// Index of one direction of a link: link `k` has directions `2k` (first
/// node to second) and `2k + 1` (back).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct LinkDirId(pub u32);

/// What a node is for. Both forward packets not addressed to them; only hosts
/// run endpoints.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NodeKind {
    /// An end system that runs protocol endpoints.
    Host,
    /// A store-and-forward router.
    Router,
}

/// How much a link direction's drop-tail queue holds, not counting the packet
/// being transmitted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum QueueLimit {
    /// At most this many packets waiting.
    Packets(u32),
    /// At most this many bytes waiting.
    Bytes(u64),
}

/// The behaviour of one direction of a link.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkParams {
    /// Propagation delay.
    pub delay: SimDuration,
    /// Serialisation rate; `None` is an infinitely fast link.
    pub rate: Option<Rate>,
    /// Drop-tail queue capacity.
    pub queue: QueueLimit,
    /// Probability that a transmitted packet is lost on the wire.
    pub loss: f64,
    /// Probability that a packet is sent twice.
    pub duplicate: f64,
    /// Extra delay drawn uniformly from `[0, jitter]` for each packet.
    pub jitter: SimDuration,
    /// Whether jitter may reorder packets; when false a packet never arrives
    /// before one sent earlier on the same direction.
    pub reorder: bool,
    /// What the queue does with waiting packets (drop-tail by default);
    /// `queue` is its limit. Fixed for the run: a link action that changes
    /// the parameters keeps the discipline built at the start.
    pub discipline: crate::qdisc::Discipline,
}

impl Default for LinkParams {
    /// A perfect 1 ms link with no rate limit and a 1000-packet queue (the
    /// Linux default `txqueuelen`).
    fn default() -> Self {
        LinkParams {
            delay: SimDuration::from_millis(1),
            rate: None,
            queue: QueueLimit::Packets(1000),
            loss: 0.0,
            duplicate: 0.0,
            jitter: SimDuration::ZERO,
            reorder: false,
            discipline: crate::qdisc::Discipline::DropTail,
        }
    }
}

/// One direction of a link.
#[derive(Clone, Debug)]
pub struct LinkDir {
    /// Sending end.
    pub from: NodeId,
    /// Receiving end.
    pub to: NodeId,
    /// Its behaviour.
    pub params: LinkParams,
}

/// A node's name and role.
#[derive(Clone, Debug)]
pub struct NodeInfo {
    /// Name from the scenario; unique.
    pub name: String,
    /// Host or router.
    pub kind: NodeKind,
}

/// Mistakes in a topology description.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum TopologyError {
    /// Two nodes share a name.
    #[error("node {0:?} is declared twice")]
    DuplicateNode(String),
    /// A link names a node that was not declared.
    #[error("unknown node {0:?}")]
    UnknownNode(String),
    /// Both ends of a link are the same node.
    #[error("a link from {0:?} to itself is not allowed")]
    SelfLink(String),
    /// A probability outside `[0, 1]`.
    #[error("{what} must be between 0 and 1, not {value}")]
    Probability {
        /// Which parameter.
        what: &'static str,
        /// The value given.
        value: f64,
    },
    /// A queue that can hold nothing.
    #[error("queue capacity must be at least 1")]
    EmptyQueue,
}

/// Builds a [`Topology`]; checks names and parameters as they are added.
#[derive(Default, Debug)]
pub struct TopologyBuilder {
    nodes: Vec<NodeInfo>,
    dirs: Vec<LinkDir>,
}

impl TopologyBuilder {
    /// An empty topology.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a node.
    pub fn add_node(&mut self, name: &str, kind: NodeKind) -> Result<NodeId, TopologyError> {
        if self.nodes.iter().any(|n| n.name == name) {
            return Err(TopologyError::DuplicateNode(name.to_string()));
        }
        self.nodes.push(NodeInfo {
            name: name.to_string(),
            kind,
        });
        Ok(NodeId(self.nodes.len() as u32 - 1))
    }

    /// The id of a declared node.
    pub fn node(&self, name: &str) -> Result<NodeId, TopologyError> {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .map(|i| NodeId(i as u32))
            .ok_or_else(|| TopologyError::UnknownNode(name.to_string()))
    }

    /// Adds a full-duplex link; `ab` governs a→b and `ba` governs b→a.
    pub fn add_link(
        &mut self,
        a: NodeId,
        b: NodeId,
        ab: LinkParams,
        ba: LinkParams,
    ) -> Result<(LinkDirId, LinkDirId), TopologyError> {
        if a == b {
            return Err(TopologyError::SelfLink(self.nodes[a.index()].name.clone()));
        }
        for p in [&ab, &ba] {
            check_params(p)?;
        }
        let id = self.dirs.len() as u32;
        self.dirs.push(LinkDir {
            from: a,
            to: b,
            params: ab,
        });
        self.dirs.push(LinkDir {
            from: b,
            to: a,
            params: ba,
        });
        Ok((LinkDirId(id), LinkDirId(id + 1)))
    }

    /// Computes the routes and freezes the topology.
    pub fn build(self) -> Topology {
        let n = self.nodes.len();
        let mut g: DiGraph<(), u128> = DiGraph::with_capacity(n, self.dirs.len());
        for _ in 0..n {
            g.add_node(());
        }
        for d in &self.dirs {
            g.add_edge(
                NodeIndex::new(d.from.index()),
                NodeIndex::new(d.to.index()),
                cost(&d.params),
            );
        }
        // Outgoing link directions of each node, in declaration order.
        let mut out: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (i, d) in self.dirs.iter().enumerate() {
            out[d.from.index()].push(i as u32);
        }
        let mut next_hop = vec![NO_ROUTE; n * n];
        for dst in 0..n {
            let dist =
                petgraph::algo::dijkstra(Reversed(&g), NodeIndex::new(dst), None, |e| *e.weight());
            for (src, links) in out.iter().enumerate() {
                if src == dst {
                    continue;
                }
                let best = links
                    .iter()
                    .filter_map(|&l| {
                        let d = &self.dirs[l as usize];
                        let rest = dist.get(&NodeIndex::new(d.to.index()))?;
                        Some((cost(&d.params) + rest, l))
                    })
                    .min();
                if let Some((_, l)) = best {
                    next_hop[src * n + dst] = l;
                }
            }
        }
        Topology {
            nodes: self.nodes,
            dirs: self.dirs,
            next_hop,
        }
    }
}

const NO_ROUTE: u32 = u32::MAX;

/// Route cost of a link direction: delay in the high bits, one hop in the low.
fn cost(p: &LinkParams) -> u128 {
    (u128::from(p.delay.as_nanos()) << 32) | 1
}

fn check_params(p: &LinkParams) -> Result<(), TopologyError> {
    for (what, value) in [("loss", p.loss), ("duplicate", p.duplicate)] {
        if !(0.0..=1.0).contains(&value) {
            return Err(TopologyError::Probability { what, value });
        }
    }
    if matches!(p.queue, QueueLimit::Packets(0) | QueueLimit::Bytes(0)) {
        return Err(TopologyError::EmptyQueue);
    }
    Ok(())
}

/// Nodes, links and the routing table: immutable once built.
#[derive(Clone, Debug)]
pub struct Topology {
    nodes: Vec<NodeInfo>,
    dirs: Vec<LinkDir>,
    /// `next_hop[src * n + dst]`: the link direction to take, or `NO_ROUTE`.
    next_hop: Vec<u32>,
}

impl Topology {
    /// All nodes, indexed by [`NodeId`].
    pub fn nodes(&self) -> &[NodeInfo] {
        &self.nodes
    }

    /// All link directions, indexed by [`LinkDirId`].
    pub fn link_dirs(&self) -> &[LinkDir] {
        &self.dirs
    }

    /// The name of a node.
    pub fn name(&self, node: NodeId) -> &str {
        &self.nodes[node.index()].name
    }

    /// Looks a node up by name.
    pub fn node(&self, name: &str) -> Option<NodeId> {
        self.nodes
            .iter()
            .position(|n| n.name == name)
            .map(|i| NodeId(i as u32))
    }

    /// The link direction a packet at `at` for `dst` leaves on, or `None` when
    /// `dst` cannot be reached (or is `at` itself).
    #[inline]
    pub fn next_hop(&self, at: NodeId, dst: NodeId) -> Option<LinkDirId> {
        let n = self.nodes.len();
        match self.next_hop[at.index() * n + dst.index()] {
            NO_ROUTE => None,
            l => Some(LinkDirId(l)),
        }
    }

    /// Changes one direction's parameters mid-run. Routes are not
    /// recomputed: they stay as the delays at build time made them.
    pub(crate) fn set_params(
        &mut self,
        dir: LinkDirId,
        params: LinkParams,
    ) -> Result<(), TopologyError> {
        check_params(&params)?;
        self.dirs[dir.0 as usize].params = params;
        Ok(())
    }

    /// The link directions between `a` and `b`, both ways, in declaration
    /// order.
    pub fn dirs_between(&self, a: NodeId, b: NodeId) -> Vec<LinkDirId> {
        (0..self.dirs.len() as u32)
            .filter(|&i| {
                let d = &self.dirs[i as usize];
                (d.from == a && d.to == b) || (d.from == b && d.to == a)
            })
            .map(LinkDirId)
            .collect()
    }

    /// True when packets from `src` can reach `dst`.
    pub fn reachable(&self, src: NodeId, dst: NodeId) -> bool {
        src == dst || self.next_hop(src, dst).is_some()
    }

    /// The nodes a packet from `src` to `dst` visits, both ends included.
    pub fn path(&self, src: NodeId, dst: NodeId) -> Option<Vec<NodeId>> {
        let mut path = vec![src];
        let mut at = src;
        while at != dst {
            let l = self.next_hop(at, dst)?;
            at = self.dirs[l.0 as usize].to;
            path.push(at);
            if path.len() > self.nodes.len() {
                return None;
            }
        }
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> LinkParams {
        LinkParams {
            delay: SimDuration::from_millis(n),
            ..LinkParams::default()
        }
    }

    #[test]
    fn routes_take_the_fastest_path() {
        // a - r1 - b costs 2 ms; a - r2 - b costs 10 ms; a - b direct 5 ms.
        let mut t = TopologyBuilder::new();
        let a = t.add_node("a", NodeKind::Host).unwrap();
        let b = t.add_node("b", NodeKind::Host).unwrap();
        let r1 = t.add_node("r1", NodeKind::Router).unwrap();
        let r2 = t.add_node("r2", NodeKind::Router).unwrap();
        t.add_link(a, r2, ms(5), ms(5)).unwrap();
        t.add_link(r2, b, ms(5), ms(5)).unwrap();
        t.add_link(a, b, ms(5), ms(5)).unwrap();
        t.add_link(a, r1, ms(1), ms(1)).unwrap();
        t.add_link(r1, b, ms(1), ms(1)).unwrap();
        let topo = t.build();
        assert_eq!(topo.path(a, b).unwrap(), vec![a, r1, b]);
        assert_eq!(topo.path(b, a).unwrap(), vec![b, r1, a]);
        assert_eq!(topo.path(r2, r1).unwrap(), vec![r2, a, r1]);
    }

    #[test]
    fn equal_delay_prefers_fewer_hops() {
        let mut t = TopologyBuilder::new();
        let a = t.add_node("a", NodeKind::Host).unwrap();
        let b = t.add_node("b", NodeKind::Host).unwrap();
        let r = t.add_node("r", NodeKind::Router).unwrap();
        t.add_link(a, r, ms(0), ms(0)).unwrap();
        t.add_link(r, b, ms(0), ms(0)).unwrap();
        t.add_link(a, b, ms(0), ms(0)).unwrap();
        assert_eq!(t.build().path(a, b).unwrap(), vec![a, b]);
    }

    #[test]
    fn disconnected_nodes_have_no_route() {
        let mut t = TopologyBuilder::new();
        let a = t.add_node("a", NodeKind::Host).unwrap();
        let b = t.add_node("b", NodeKind::Host).unwrap();
        let c = t.add_node("c", NodeKind::Host).unwrap();
        t.add_link(a, b, ms(1), ms(1)).unwrap();
        let topo = t.build();
        assert!(topo.reachable(a, b));
        assert!(!topo.reachable(a, c));
        assert_eq!(topo.next_hop(c, a), None);
    }

    #[test]
    fn rejects_bad_topologies() {
        let mut t = TopologyBuilder::new();
        let a = t.add_node("a", NodeKind::Host).unwrap();
        let b = t.add_node("b", NodeKind::Host).unwrap();
        assert_eq!(
            t.add_node("a", NodeKind::Router),
            Err(TopologyError::DuplicateNode("a".into()))
        );
        assert_eq!(t.node("zz"), Err(TopologyError::UnknownNode("zz".into())));
        assert_eq!(
            t.add_link(a, a, ms(1), ms(1)),
            Err(TopologyError::SelfLink("a".into()))
        );
        let lossy = LinkParams { loss: 1.5, ..ms(1) };
        assert!(matches!(
            t.add_link(a, b, lossy, ms(1)),
            Err(TopologyError::Probability { what: "loss", .. })
        ));
    }
}
