//! Named nodes, full-duplex links, and what routing needs to know of them.
//!
//! Routes are shortest paths: a node's next hop towards a destination is the
//! out-link minimising (link delay + remaining distance), ties going to the
//! link declared first unless a run spreads packets over all of them
//! (equal-cost multipath, [`crate::routing::Ecmp`]). Distance is compared
//! as (propagation delay, hop count), so among equally fast paths the
//! shorter wins, deterministically.
//! The delays that count are those at build time; a link changed mid-run
//! keeps its routes.
//!
//! Building is linear in nodes and links: names go in a map, each node's
//! out-links in one flat array, and connected components are labelled so
//! that "can `a` reach `b`" is one comparison (every link carries both
//! directions, so reaching is symmetric). No route is computed here: a run
//! finds them as packets need them ([`crate::routing::Routes`]).

use std::collections::HashMap;
use std::sync::Arc;

use thiserror::Error;

use crate::routing::Routes;
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
    /// The direction's own ECN marker (none by default), applied to
    /// ECN-capable packets as they join the queue.
    pub marking: Option<crate::ecn::Marking>,
}

impl LinkParams {
    /// Whether packets may be marked CE here: by the direction's own
    /// marker or by its discipline.
    pub fn can_mark(&self) -> bool {
        self.marking.is_some() || self.discipline.marks_ecn()
    }
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
            marking: None,
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
    /// Node ids by name: looked up, never iterated.
    by_name: HashMap<String, NodeId>,
    dirs: Vec<LinkDir>,
}

impl TopologyBuilder {
    /// An empty topology.
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares a node.
    pub fn add_node(&mut self, name: &str, kind: NodeKind) -> Result<NodeId, TopologyError> {
        let id = NodeId(self.nodes.len() as u32);
        if self.by_name.contains_key(name) {
            return Err(TopologyError::DuplicateNode(name.to_string()));
        }
        self.by_name.insert(name.to_string(), id);
        self.nodes.push(NodeInfo {
            name: name.to_string(),
            kind,
        });
        Ok(id)
    }

    /// The id of a declared node.
    pub fn node(&self, name: &str) -> Result<NodeId, TopologyError> {
        self.by_name
            .get(name)
            .copied()
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

    /// Freezes the topology: out-link lists, route costs and connected
    /// components, in time linear in nodes and links.
    pub fn build(self) -> Topology {
        let n = self.nodes.len();
        // Out-links of each node in declaration order, as one flat array
        // (compressed sparse rows): node i's are out[start[i]..start[i+1]].
        let mut start = vec![0u32; n + 1];
        for d in &self.dirs {
            start[d.from.index() + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut out = vec![0u32; self.dirs.len()];
        for (i, d) in self.dirs.iter().enumerate() {
            let f = &mut fill[d.from.index()];
            out[*f as usize] = i as u32;
            *f += 1;
        }
        let cost = self.dirs.iter().map(|d| cost(&d.params)).collect();
        let component = components(n, &start, &out, &self.dirs);
        Topology {
            shape: Arc::new(Shape {
                nodes: self.nodes,
                by_name: self.by_name,
                out_start: start,
                out,
                cost,
                component,
            }),
            dirs: self.dirs,
        }
    }
}

/// Labels each node with the smallest node index of its connected
/// component, by a breadth-first walk from each unlabelled node in order.
fn components(n: usize, start: &[u32], out: &[u32], dirs: &[LinkDir]) -> Vec<u32> {
    let mut label = vec![u32::MAX; n];
    let mut queue = std::collections::VecDeque::new();
    for root in 0..n {
        if label[root] != u32::MAX {
            continue;
        }
        label[root] = root as u32;
        queue.push_back(root);
        while let Some(v) = queue.pop_front() {
            for &l in &out[start[v] as usize..start[v + 1] as usize] {
                let w = dirs[l as usize].to.index();
                if label[w] == u32::MAX {
                    label[w] = root as u32;
                    queue.push_back(w);
                }
            }
        }
    }
    label
}

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

/// Nodes and links. Only link parameters change once built (mid-run link
/// changes); the rest is shared by every clone, so giving each run of a
/// batch its own copy costs one vector of link directions.
#[derive(Clone, Debug)]
pub struct Topology {
    shape: Arc<Shape>,
    dirs: Vec<LinkDir>,
}

/// What never changes after [`TopologyBuilder::build`].
#[derive(Debug)]
struct Shape {
    nodes: Vec<NodeInfo>,
    /// Node ids by name: looked up, never iterated.
    by_name: HashMap<String, NodeId>,
    /// `out[out_start[i]..out_start[i + 1]]`: node i's out-links, in
    /// declaration order.
    out_start: Vec<u32>,
    out: Vec<u32>,
    /// Route cost of each link direction at build time.
    cost: Vec<u128>,
    /// Connected component of each node (its smallest member's index).
    component: Vec<u32>,
}

impl Topology {
    /// All nodes, indexed by [`NodeId`].
    pub fn nodes(&self) -> &[NodeInfo] {
        &self.shape.nodes
    }

    /// All link directions, indexed by [`LinkDirId`].
    pub fn link_dirs(&self) -> &[LinkDir] {
        &self.dirs
    }

    /// The name of a node.
    pub fn name(&self, node: NodeId) -> &str {
        &self.shape.nodes[node.index()].name
    }

    /// Looks a node up by name.
    pub fn node(&self, name: &str) -> Option<NodeId> {
        self.shape.by_name.get(name).copied()
    }

    /// The link directions leaving `node`, in declaration order.
    pub fn out_links(&self, node: NodeId) -> &[u32] {
        let s = &self.shape.out_start;
        &self.shape.out[s[node.index()] as usize..s[node.index() + 1] as usize]
    }

    /// What a link direction counts for in routing: its delay at build time
    /// in the high bits, one hop in the low.
    pub(crate) fn route_cost(&self, dir: LinkDirId) -> u128 {
        self.shape.cost[dir.0 as usize]
    }

    /// The link direction a packet at `at` for `dst` leaves on, or `None` when
    /// `dst` cannot be reached (or is `at` itself). Each call searches
    /// afresh; a run asks its own [`Routes`], which keeps what it found.
    pub fn next_hop(&self, at: NodeId, dst: NodeId) -> Option<LinkDirId> {
        Routes::new().next_hop(self, at, dst)
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
    /// order. Looks only at the out-links of whichever end has fewer.
    pub fn dirs_between(&self, a: NodeId, b: NodeId) -> Vec<LinkDirId> {
        let (x, y) = if self.out_links(a).len() <= self.out_links(b).len() {
            (a, b)
        } else {
            (b, a)
        };
        let mut dirs: Vec<LinkDirId> = self
            .out_links(x)
            .iter()
            .filter(|&&l| self.dirs[l as usize].to == y)
            .flat_map(|&l| [LinkDirId(l & !1), LinkDirId(l | 1)])
            .collect();
        dirs.sort_unstable();
        dirs
    }

    /// True when packets from `src` can reach `dst`: both ends are in the
    /// same connected component.
    pub fn reachable(&self, src: NodeId, dst: NodeId) -> bool {
        self.shape.component[src.index()] == self.shape.component[dst.index()]
    }

    /// The nodes a packet from `src` to `dst` visits, both ends included.
    pub fn path(&self, src: NodeId, dst: NodeId) -> Option<Vec<NodeId>> {
        let mut routes = Routes::new();
        let mut path = vec![src];
        let mut at = src;
        while at != dst {
            let l = routes.next_hop(self, at, dst)?;
            at = self.dirs[l.0 as usize].to;
            path.push(at);
            if path.len() > self.nodes().len() {
                return None;
            }
        }
        Some(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::RngStream;

    /// The all-pairs table routes came from before they were found on
    /// demand (one petgraph Dijkstra per destination), kept as the
    /// reference the on-demand routes must equal: `table[src * n + dst]`
    /// holds every equal-cost next hop in link order, the first being the
    /// single-path route.
    fn all_pairs_next_hops(t: &Topology) -> Vec<Vec<LinkDirId>> {
        use petgraph::graph::{DiGraph, NodeIndex};
        use petgraph::visit::{EdgeRef, Reversed};
        let n = t.nodes().len();
        let dirs = t.link_dirs();
        let mut g: DiGraph<(), u128> = DiGraph::with_capacity(n, dirs.len());
        for _ in 0..n {
            g.add_node(());
        }
        for d in dirs {
            g.add_edge(
                NodeIndex::new(d.from.index()),
                NodeIndex::new(d.to.index()),
                cost(&d.params),
            );
        }
        let mut out: Vec<Vec<u32>> = vec![Vec::new(); n];
        for (i, d) in dirs.iter().enumerate() {
            out[d.from.index()].push(i as u32);
        }
        let mut next_hop = vec![Vec::new(); n * n];
        for dst in 0..n {
            let dist =
                petgraph::algo::dijkstra(Reversed(&g), NodeIndex::new(dst), None, |e| *e.weight());
            for (src, links) in out.iter().enumerate() {
                if src == dst {
                    continue;
                }
                let offers: Vec<(u128, u32)> = links
                    .iter()
                    .filter_map(|&l| {
                        let d = &dirs[l as usize];
                        let rest = dist.get(&NodeIndex::new(d.to.index()))?;
                        Some((cost(&d.params) + rest, l))
                    })
                    .collect();
                let Some(best) = offers.iter().map(|o| o.0).min() else {
                    continue;
                };
                next_hop[src * n + dst] = offers
                    .iter()
                    .filter(|o| o.0 == best)
                    .map(|o| LinkDirId(o.1))
                    .collect();
            }
        }
        next_hop
    }

    /// A random graph: `n` nodes, `m` links between random pairs (parallel
    /// links allowed), delays drawn from a handful of values so that
    /// equal-cost paths, and so ties, are common.
    fn random_topology(rng: &mut RngStream, n: u32, m: u32) -> Topology {
        let mut t = TopologyBuilder::new();
        for i in 0..n {
            t.add_node(&format!("n{i}"), NodeKind::Router).unwrap();
        }
        for _ in 0..m {
            let a = rng.below(u64::from(n)) as u32;
            let mut b = rng.below(u64::from(n)) as u32;
            if a == b {
                b = (b + 1) % n;
            }
            let ab = ms(rng.below(3));
            let ba = if rng.chance(0.5) {
                ab.clone()
            } else {
                ms(rng.below(3))
            };
            t.add_link(NodeId(a), NodeId(b), ab, ba).unwrap();
        }
        t.build()
    }

    #[test]
    fn on_demand_routes_equal_the_all_pairs_table() {
        let mut rng = RngStream::derive(13, "random-graphs");
        for graph in 0..300 {
            let n = 2 + rng.below(30) as u32;
            // From sparse (often disconnected) to dense.
            let m = rng.below(u64::from(3 * n)) as u32;
            let topo = random_topology(&mut rng, n, m);
            let want = all_pairs_next_hops(&topo);
            // Ask in a shuffled order through one cache, as a run would,
            // and each pair afresh: both must equal the table.
            let mut pairs: Vec<(u32, u32)> =
                (0..n).flat_map(|a| (0..n).map(move |b| (a, b))).collect();
            for i in (1..pairs.len()).rev() {
                pairs.swap(i, rng.below(i as u64 + 1) as usize);
            }
            let mut routes = Routes::new();
            let mut multi = Routes::new();
            for (a, b) in pairs {
                let all = &want[(a * n + b) as usize];
                let expected = all.first().copied();
                let (a, b) = (NodeId(a), NodeId(b));
                assert_eq!(
                    routes.next_hop(&topo, a, b),
                    expected,
                    "graph {graph}: next hop at {a:?} for {b:?}"
                );
                assert_eq!(topo.next_hop(a, b), expected);
                assert_eq!(topo.reachable(a, b), a == b || expected.is_some());
                // The equal-cost set, asked through another cache in the
                // same shuffled order, and a keyed choice from it.
                assert_eq!(
                    &multi.next_hops(&topo, a, b),
                    all,
                    "graph {graph}: equal-cost next hops at {a:?} for {b:?}"
                );
                let key = rng.below(u64::MAX);
                let chosen = multi.next_hop_by(&topo, a, b, key);
                assert_eq!(chosen.is_some(), expected.is_some());
                assert!(chosen.is_none_or(|c| all.contains(&c)));
            }
        }
    }

    #[test]
    fn routes_ignore_delays_changed_after_build() {
        // a - b direct (5 ms) or through r (1 + 1 ms): r wins, and keeps
        // winning after the a - r link is slowed mid-run.
        let mut t = TopologyBuilder::new();
        let a = t.add_node("a", NodeKind::Host).unwrap();
        let b = t.add_node("b", NodeKind::Host).unwrap();
        let r = t.add_node("r", NodeKind::Router).unwrap();
        t.add_link(a, b, ms(5), ms(5)).unwrap();
        let (ar, _) = t.add_link(a, r, ms(1), ms(1)).unwrap();
        t.add_link(r, b, ms(1), ms(1)).unwrap();
        let mut topo = t.build();
        topo.set_params(ar, ms(100)).unwrap();
        assert_eq!(topo.path(a, b).unwrap(), vec![a, r, b]);
    }

    #[test]
    fn dirs_between_lists_both_ways_of_every_parallel_link() {
        let mut t = TopologyBuilder::new();
        let a = t.add_node("a", NodeKind::Host).unwrap();
        let b = t.add_node("b", NodeKind::Host).unwrap();
        let c = t.add_node("c", NodeKind::Host).unwrap();
        t.add_link(a, b, ms(1), ms(1)).unwrap();
        t.add_link(c, a, ms(1), ms(1)).unwrap();
        t.add_link(b, a, ms(1), ms(1)).unwrap();
        let topo = t.build();
        let ids = |v: &[u32]| v.iter().map(|&i| LinkDirId(i)).collect::<Vec<_>>();
        assert_eq!(topo.dirs_between(a, b), ids(&[0, 1, 4, 5]));
        assert_eq!(topo.dirs_between(b, a), ids(&[0, 1, 4, 5]));
        assert_eq!(topo.dirs_between(a, c), ids(&[2, 3]));
        assert!(topo.dirs_between(b, c).is_empty());
    }

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
