//! The measurement window (the scenario's `measure`): counters read at its
//! two edges, between events, so rates can be taken over it alone.

use std::collections::HashMap;

use sim_apps::payload::Wire;
use sim_core::{LinkDirId, SimTime, Simulator, Value};

use crate::plan::Plan;

/// What is read at an edge: the counters rates come from, and each link
/// direction's bytes whose transmission had begun.
struct Edge {
    counters: HashMap<String, u64>,
    transmitted: Vec<u64>,
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
    /// counter over the window. An edge the run did not reach (it stopped
    /// at a limit) is read at the end.
    pub(super) fn apply(
        &self,
        sim: &Simulator<Wire>,
        plan: &Plan,
        metrics: &mut [(String, Value)],
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
    for (node, _) in &plan.hosts {
        if let Some(ep) = sim.endpoint(*node) {
            for (k, v) in ep.metrics() {
                if let Value::U64(c) = v
                    && SOURCES.iter().any(|s| k.ends_with(s))
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
    }
}
