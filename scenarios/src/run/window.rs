//! The measurement window (the scenario's `measure`): counters read at its
//! two edges, between events, so rates can be taken over it alone.

use std::collections::HashMap;

use sim_apps::host::Host;
use sim_apps::payload::Wire;
use sim_apps::tcp::ConnFigures;
use sim_core::{LinkDirId, NodeId, SimTime, Simulator, Value};

use crate::plan::Plan;

/// What is read at an edge: the counters rates come from, each link
/// direction's bytes whose transmission had begun, and each kept TCP
/// connection end's bytes acknowledged (for its goodput in `flows.csv`).
struct Edge {
    counters: HashMap<String, u64>,
    transmitted: Vec<u64>,
    acked: HashMap<EndKey, u64>,
}

/// A connection end, told apart from a later one on the same ports by
/// when it opened.
pub(super) type EndKey = (NodeId, u16, NodeId, u16, SimTime);

/// The key of connection end `c`.
pub(super) fn end_key(c: &ConnFigures) -> EndKey {
    (c.node, c.lport, c.peer, c.pport, c.opened)
}

/// The window and what was read at its edges so far.
pub(super) struct Window {
    from: SimTime,
    to: SimTime,
    at_from: Option<Edge>,
    at_to: Option<Edge>,
}

/// The counter a `goodput_bps` is the rate of: TCP's bytes acknowledged,
/// or a UDP sink's bytes received.
const SOURCES: [&str; 2] = ["bytes_acked", "bytes_received"];

/// Means taken over the window, each with the count it is a mean over:
/// a ping's RTT over its replies, a UDP sink's one-way delay over its
/// datagrams. Their sums are the mean times the count (the mean is whole
/// nanoseconds, so a window's mean is off by under a nanosecond).
const MEANS: [(&str, &str); 2] = [("rtt_mean_ns", "received"), ("delay_mean_ns", "received")];

/// Whether an edge keeps metric `k`.
fn kept(k: &str) -> bool {
    SOURCES.iter().any(|s| k.ends_with(s))
        || MEANS.iter().any(|(m, n)| k.ends_with(m) || k.ends_with(n))
}

impl Window {
    pub(super) fn new((from, to): (SimTime, SimTime)) -> Self {
        Window {
            from,
            to,
            at_from: None,
            at_to: None,
        }
    }

    /// The next edge to read, if any is left.
    pub(super) fn next(&self) -> Option<SimTime> {
        match (&self.at_from, &self.at_to) {
            (None, _) => Some(self.from),
            (Some(_), None) => Some(self.to),
            _ => None,
        }
    }

    /// Reads the edge due (every event up to it handled).
    pub(super) fn read(&mut self, sim: &Simulator<Wire>, plan: &Plan) {
        let at = self.next().expect("an edge is due");
        let edge = read_edge(sim, plan, at);
        if self.at_from.is_none() {
            self.at_from = Some(edge);
        } else {
            self.at_to = Some(edge);
        }
    }

    /// Replaces every `goodput_bps` that was observed with the rate of its
    /// counter over the window, and every ping RTT and UDP delay mean with
    /// the mean over what arrived in the window (absent if nothing did). An
    /// edge the run did not reach (it stopped at a limit) is read at the
    /// end.
    pub(super) fn apply(
        &self,
        sim: &Simulator<Wire>,
        plan: &Plan,
        metrics: &mut Vec<(String, Value)>,
    ) {
        let end = sim.now();
        let from = self.at_from.as_ref();
        let late;
        let to = match &self.at_to {
            Some(e) => e,
            None => {
                late = read_edge(sim, plan, end.min(self.to));
                &late
            }
        };
        let ns = self.to.saturating_since(self.from).as_nanos();
        for (k, v) in metrics.iter_mut() {
            let Some(prefix) = k.strip_suffix("goodput_bps") else {
                continue;
            };
            let Some(now) = SOURCES
                .iter()
                .find_map(|s| to.counters.get(&format!("{prefix}{s}")).map(|c| (s, *c)))
            else {
                continue;
            };
            let before = from
                .and_then(|e| e.counters.get(&format!("{prefix}{}", now.0)))
                .copied()
                .unwrap_or(0);
            let bits = u128::from(now.1.saturating_sub(before)) * 8 * 1_000_000_000;
            *v = Value::U64((bits / u128::from(ns.max(1))).min(u128::from(u64::MAX)) as u64);
        }
        let sum = |e: Option<&Edge>, prefix: &str, (mean, count): (&str, &str)| {
            let get = |k: &str| {
                e.and_then(|e| e.counters.get(&format!("{prefix}{k}")))
                    .copied()
                    .unwrap_or(0)
            };
            let n = get(count);
            (u128::from(get(mean)) * u128::from(n), n)
        };
        metrics.retain_mut(|(k, v)| {
            let Some((prefix, pair)) = MEANS
                .iter()
                .find_map(|p| k.strip_suffix(p.0).map(|prefix| (prefix, *p)))
            else {
                return true;
            };
            let (s1, n1) = sum(Some(to), prefix, pair);
            let (s0, n0) = sum(from, prefix, pair);
            if n1 <= n0 {
                return false;
            }
            *v = Value::U64((s1.saturating_sub(s0) / u128::from(n1 - n0)) as u64);
            true
        });
    }

    /// The data bytes of connection end `c` (as it is at the end of the
    /// run) that its peer acknowledged inside the window; `None` when the
    /// end did not exist in the window.
    pub(super) fn acked(&self, sim: &Simulator<Wire>, c: &ConnFigures) -> Option<u64> {
        let end = sim.now().min(self.to);
        let alive = c.opened < end && c.ended.is_none_or(|e| e > self.from);
        if !alive {
            return None;
        }
        let key = end_key(c);
        let at = |e: &Option<Edge>| e.as_ref().and_then(|e| e.acked.get(&key)).copied();
        // An edge the run did not reach is the end of the run, where the
        // end's counters are the ones given.
        let to = match &self.at_to {
            Some(_) => at(&self.at_to).unwrap_or(0),
            None => c.stats.bytes_acked,
        };
        Some(to.saturating_sub(at(&self.at_from).unwrap_or(0)))
    }

    /// The window's length in nanoseconds.
    pub(super) fn span_ns(&self) -> u64 {
        self.to.saturating_since(self.from).as_nanos()
    }

    /// A link direction's bytes whose transmission began in the window, and
    /// the window's length in nanoseconds.
    pub(super) fn transmitted(&self, sim: &Simulator<Wire>, dir: LinkDirId) -> (u64, u64) {
        let i = dir.0 as usize;
        let at = |e: &Option<Edge>, t: SimTime| {
            e.as_ref()
                .map_or_else(|| sim.transmitted_at(dir, t), |e| e.transmitted[i])
        };
        let to = at(&self.at_to, sim.now().min(self.to));
        let from = at(&self.at_from, self.from.min(sim.now()));
        (
            to.saturating_sub(from),
            self.to.saturating_since(self.from).as_nanos(),
        )
    }
}

fn read_edge(sim: &Simulator<Wire>, plan: &Plan, at: SimTime) -> Edge {
    let topo = sim.topology();
    let mut counters = HashMap::new();
    let mut acked = HashMap::new();
    for (node, _) in &plan.hosts {
        let ep = sim.endpoint(*node);
        let host = ep.and_then(|ep| {
            let ep: &dyn std::any::Any = ep;
            ep.downcast_ref::<Host>()
        });
        if let Some(h) = host {
            for c in h.connections() {
                acked.insert(end_key(&c), c.stats.bytes_acked);
            }
        }
        if let Some(ep) = ep {
            for (k, v) in ep.metrics() {
                if let Value::U64(c) = v
                    && kept(&k)
                {
                    counters.insert(format!("{}.{k}", topo.name(*node)), c);
                }
            }
        }
    }
    let transmitted = (0..topo.link_dirs().len())
        .map(|i| sim.transmitted_at(LinkDirId(i as u32), at))
        .collect();
    Edge {
        counters,
        transmitted,
        acked,
    }
}
