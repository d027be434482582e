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
//! Each settled node keeps the link it chose; a later equal-cost multipath
//! router hangs off the same place, keeping every link that ties for the
//! minimum (see docs/ARCHITECTURE.md, "Routing").

use std::cmp::Reverse;
use std::collections::hash_map::Entry;
use std::collections::{BinaryHeap, HashMap};

use crate::topology::{LinkDirId, NodeId, Topology};

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
        if self.toward.is_empty() {
            self.toward = vec![None; topo.nodes().len()];
        }
        let search = self.toward[dst.index()].get_or_insert_with(|| Box::new(Search::new(dst)));
        Some(LinkDirId(search.settle(topo, at)))
    }
}

/// A node's best way to the destination found so far; final once settled.
#[derive(Debug, Clone, Copy)]
struct Label {
    /// Distance to the destination, in route-cost units.
    dist: u128,
    /// The out-link taken (unused for the destination itself).
    via: u32,
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
                settled: false,
            },
        );
        Search {
            frontier: BinaryHeap::from([Reverse((0, dst.0))]),
            labels,
        }
    }

    /// Runs the search until `at` is settled and returns its next hop.
    /// The caller has checked that `at` can reach the destination.
    fn settle(&mut self, topo: &Topology, at: NodeId) -> u32 {
        loop {
            if let Some(l) = self.labels.get(&at.0)
                && l.settled
            {
                return l.via;
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
                            settled: false,
                        });
                        self.frontier.push(Reverse((offer.0, from.0)));
                    }
                    Entry::Occupied(mut o) => {
                        let m = o.get_mut();
                        if !m.settled && offer < (m.dist, m.via) {
                            let nearer = offer.0 < m.dist;
                            (m.dist, m.via) = offer;
                            if nearer {
                                self.frontier.push(Reverse((offer.0, from.0)));
                            }
                        }
                    }
                }
            }
        }
    }
}
