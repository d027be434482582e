//! Shortest-path routes, found on demand and kept for the rest of a run.
//!
//! A route is what [`Topology`]'s module doc promises: the next hop of a
//! packet at `at` for `dst` is the out-link minimising (link cost +
//! remaining distance to `dst`), distance compared as (propagation delay,
//! hop count), ties going to the link declared first. The costs are those
//! the links had when the topology was built.
//!
//! Nothing is computed up front. [`Routes`] holds, for each destination a
//! packet has been sent to, a Dijkstra search growing outwards from that
//! destination over the reversed links, and runs it only as far as the
//! nodes actually asked about. The search settles nodes in order of
//! distance, and when it settles a node its next hop is final: every link
//! that can lead onto a shortest path ends at a node strictly nearer the
//! destination (each link costs at least one hop), so all of them have
//! been offered, in any order, before the node is settled. The answer for
//! (`at`, `dst`) therefore does not depend on which questions came before
//! it, which keeps routes (and so every output) the same whatever order
//! packets ask in.
//!
//! Work and memory grow with what is used: a search stops at the node asked
//! about, and is resumed later if a farther node asks; a node with one
//! out-link and nodes in another component never start one. A star whose
//! leaves all talk to the hub and back costs one full search (towards the
//! hub) plus a two-node one per leaf.
//!
//! Each settled node keeps the link it chose and, beside it, every other
//! link that ties for the minimum, in link order: its equal-cost next hops.
//! When a node is settled the offers it received at its distance are
//! exactly those links, so equal-cost multipath costs the search nothing
//! (docs/ARCHITECTURE.md, "Routing"). [`Routes::next_hop`] answers with the
//! first of them (single-path routing, [`Ecmp::Off`]);
//! [`Routes::next_hop_by`] picks one by a key the simulator derives from the
//! packet's flow or identity and the run's seed ([`Ecmp::Flow`],
//! [`Ecmp::Packet`]).

use std::cmp::Reverse;
use std::collections::hash_map::Entry;
use std::collections::{BinaryHeap, HashMap};

use crate::topology::{LinkDirId, NodeId, Topology};

/// How routers choose among equal-cost next hops.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Ecmp {
    /// Always the first (the link declared first): one path per pair of
    /// nodes. A [`crate::Simulator`]'s default.
    #[default]
    Off,
    /// By a hash of the packet's flow (addresses and
    /// [`crate::Payload::flow_key`]) and the run's seed: every packet of a
    /// flow takes the same path, flows spread over all of them.
    Flow,
    /// By a hash of the packet's identity and the run's seed: each packet
    /// on its own (packet spraying); a flow's packets may be reordered.
    Packet,
}

/// The routes of one run, computed as packets need them. Each simulator
/// owns one, so runs on other threads share nothing mutable.
#[derive(Debug, Default, Clone)]
pub struct Routes {
    /// The search towards each destination asked about so far, indexed by
    /// destination; empty until the first question.
    toward: Vec<Option<Box<Search>>>,
}

impl Routes {
    /// No routes known yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The link direction a packet at `at` for `dst` leaves on, or `None`
    /// when `dst` cannot be reached (or is `at` itself).
    pub fn next_hop(&mut self, topo: &Topology, at: NodeId, dst: NodeId) -> Option<LinkDirId> {
        if at == dst || !topo.reachable(at, dst) {
            return None;
        }
        // The one way out of a leaf is the way to everywhere it reaches.
        if let [only] = topo.out_links(at) {
            return Some(LinkDirId(*only));
        }
        let label = self.settled(topo, at, dst);
        Some(LinkDirId(label.via))
    }

    /// Like [`next_hop`](Self::next_hop), but chooses among all the
    /// equal-cost next hops by `key`: the same key at the same node always
    /// takes the same link. The node is mixed into the choice so that
    /// successive routers on a path do not repeat one another's choices
    /// (which would leave some paths unused).
    pub fn next_hop_by(
        &mut self,
        topo: &Topology,
        at: NodeId,
        dst: NodeId,
        key: u64,
    ) -> Option<LinkDirId> {
        if at == dst || !topo.reachable(at, dst) {
            return None;
        }
        if let [only] = topo.out_links(at) {
            return Some(LinkDirId(*only));
        }
        let label = self.settled(topo, at, dst);
        if label.ties.is_empty() {
            return Some(LinkDirId(label.via));
        }
        let n = label.ties.len() as u64 + 1;
        let k = mix(key ^ u64::from(at.0).wrapping_mul(0x9e37_79b9_7f4a_7c15)) % n;
        Some(LinkDirId(match k {
            0 => label.via,
            k => label.ties[k as usize - 1],
        }))
    }

    /// Every equal-cost next hop of a packet at `at` for `dst`, in link
    /// order (empty when there is none).
    pub fn next_hops(&mut self, topo: &Topology, at: NodeId, dst: NodeId) -> Vec<LinkDirId> {
        if at == dst || !topo.reachable(at, dst) {
            return Vec::new();
        }
        if let [only] = topo.out_links(at) {
            return vec![LinkDirId(*only)];
        }
        let label = self.settled(topo, at, dst);
        std::iter::once(label.via)
            .chain(label.ties.iter().copied())
            .map(LinkDirId)
            .collect()
    }

    /// The settled label of `at` in the search towards `dst`; the caller
    /// has checked that `at` reaches `dst`.
    fn settled(&mut self, topo: &Topology, at: NodeId, dst: NodeId) -> &Label {
        if self.toward.is_empty() {
            self.toward = vec![None; topo.nodes().len()];
        }
        let search = self.toward[dst.index()].get_or_insert_with(|| Box::new(Search::new(dst)));
        search.settle(topo, at)
    }
}

/// SplitMix64's finaliser: every bit of the key moves every bit of the
/// result, so `% n` of it is spread evenly.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A node's best way to the destination found so far; final once settled.
#[derive(Debug, Clone)]
struct Label {
    /// Distance to the destination, in route-cost units.
    dist: u128,
    /// The out-link taken (unused for the destination itself): the lowest
    /// of those at `dist`.
    via: u32,
    /// The other out-links at `dist`, sorted once settled: with `via`, the
    /// equal-cost next hops. Empty (and unallocated) without a tie.
    ties: Vec<u32>,
    /// Whether `dist` and `via` are final.
    settled: bool,
}

/// A Dijkstra search from one destination over the reversed links, paused
/// wherever it was last needed.
#[derive(Debug, Clone)]
struct Search {
    /// Nodes reached and not yet settled, nearest first (stale entries are
    /// skipped when popped).
    frontier: BinaryHeap<Reverse<(u128, u32)>>,
    /// Every node reached. Looked up by node, never iterated, so its order
    /// cannot reach an output.
    labels: HashMap<u32, Label>,
}

impl Search {
    fn new(dst: NodeId) -> Self {
        let mut labels = HashMap::new();
        labels.insert(
            dst.0,
            Label {
                dist: 0,
                via: u32::MAX,
                ties: Vec::new(),
                settled: false,
            },
        );
        Search {
            frontier: BinaryHeap::from([Reverse((0, dst.0))]),
            labels,
        }
    }

    /// Runs the search until `at` is settled and returns its label.
    /// The caller has checked that `at` can reach the destination.
    fn settle(&mut self, topo: &Topology, at: NodeId) -> &Label {
        loop {
            if self.labels.get(&at.0).is_some_and(|l| l.settled) {
                return &self.labels[&at.0];
            }
            let Reverse((dist, node)) = self
                .frontier
                .pop()
                .expect("a reachable node is settled before the frontier empties");
            let label = self
                .labels
                .get_mut(&node)
                .expect("queued nodes have labels");
            if label.settled || dist > label.dist {
                continue;
            }
            label.settled = true;
            label.ties.sort_unstable();
            // Link `l` leaves `node` towards `m`, so `l ^ 1` leads from `m`
            // into `node`: offer it to `m`.
            for &l in topo.out_links(NodeId(node)) {
                let into = l ^ 1;
                let from = topo.link_dirs()[into as usize].from;
                let offer = (dist + topo.route_cost(LinkDirId(into)), into);
                match self.labels.entry(from.0) {
                    Entry::Vacant(v) => {
                        v.insert(Label {
                            dist: offer.0,
                            via: offer.1,
                            ties: Vec::new(),
                            settled: false,
                        });
                        self.frontier.push(Reverse((offer.0, from.0)));
                    }
                    Entry::Occupied(mut o) => {
                        let m = o.get_mut();
                        if m.settled || offer.0 > m.dist {
                            continue;
                        }
                        if offer.0 < m.dist {
                            (m.dist, m.via) = offer;
                            m.ties.clear();
                            self.frontier.push(Reverse((offer.0, from.0)));
                        } else if offer.1 < m.via {
                            m.ties.push(m.via);
                            m.via = offer.1;
                        } else {
                            m.ties.push(offer.1);
                        }
                    }
                }
            }
        }
    }
}
