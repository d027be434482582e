//! Workloads shared by the criterion benchmarks and the runnable examples.
//!
//! PHOLD is the standard discrete-event benchmark: `entities` entities start
//! with `per_entity` pending events each; handling an event schedules exactly
//! one new event for a uniformly random entity at now plus an exponential
//! delay (mean 1 us). [`phold_netsim`] runs it on sim-core's [`Scheduler`];
//! [`phold_binary_heap`] runs the identical workload (same random draws, in
//! the same order) on a bare `std::collections::BinaryHeap` keyed by (time,
//! sequence). Both break ties by insertion order, so both handle the same
//! (time, entity) sequence and return the same checksum.
//!
//! # Example
//!
//! ```
//! use benches::{Phold, phold_binary_heap, phold_netsim};
//! let cfg = Phold { entities: 100, per_entity: 10, events: 10_000, seed: 1 };
//! assert_eq!(phold_netsim(&cfg), phold_binary_heap(&cfg));
//! ```

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use sim_core::{RngStream, Scheduler, SimTime};

/// A PHOLD workload.
#[derive(Clone, Copy, Debug)]
pub struct Phold {
    /// Number of entities.
    pub entities: u32,
    /// Events pending per entity at all times.
    pub per_entity: u32,
    /// Events to handle.
    pub events: u64,
    /// Seed of the random stream.
    pub seed: u64,
}

/// Mean delay between an event and the one it schedules, in ns.
const MEAN_NS: f64 = 1_000.0;

#[inline]
fn delay(rng: &mut RngStream) -> u64 {
    // Round half up without calling `f64::round` (an out-of-line call).
    (rng.exponential(MEAN_NS) + 0.5) as u64
}

#[inline]
fn mix(h: u64, t: u64, e: u32) -> u64 {
    const P: u64 = 0x0000_0100_0000_01b3;
    ((h ^ t).wrapping_mul(P) ^ u64::from(e)).wrapping_mul(P)
}

/// The initial events, in insertion order.
fn initial(cfg: &Phold, rng: &mut RngStream) -> Vec<(u64, u32)> {
    let mut v = Vec::with_capacity((cfg.entities * cfg.per_entity) as usize);
    for e in 0..cfg.entities {
        for _ in 0..cfg.per_entity {
            v.push((delay(rng), e));
        }
    }
    v
}

/// PHOLD on sim-core's scheduler, filled and ready to run.
pub struct PholdNetsim {
    cfg: Phold,
    rng: RngStream,
    sched: Scheduler<u32>,
}

impl PholdNetsim {
    /// Fills the queue with the initial events.
    pub fn new(cfg: &Phold) -> Self {
        let mut rng = RngStream::derive(cfg.seed, "phold");
        let mut sched = Scheduler::new();
        for (t, e) in initial(cfg, &mut rng) {
            sched.schedule(SimTime(t), e);
        }
        PholdNetsim {
            cfg: *cfg,
            rng,
            sched,
        }
    }

    /// Handles `cfg.events` events; returns the checksum of the handled
    /// (time, entity) sequence.
    pub fn run(&mut self) -> u64 {
        let mut h = 0xcbf2_9ce4_8422_2325;
        let n = u64::from(self.cfg.entities);
        for _ in 0..self.cfg.events {
            let (t, e) = self.sched.pop().expect("PHOLD never runs dry");
            h = mix(h, t.as_nanos(), e);
            let target = self.rng.below(n) as u32;
            let d = delay(&mut self.rng);
            self.sched.schedule(SimTime(t.as_nanos() + d), target);
        }
        h
    }
}

/// The identical workload on a bare binary heap of (time, sequence,
/// entity), filled and ready to run: the baseline.
pub struct PholdHeap {
    cfg: Phold,
    rng: RngStream,
    heap: BinaryHeap<Reverse<(u64, u64, u32)>>,
    seq: u64,
}

impl PholdHeap {
    /// Fills the heap with the initial events.
    pub fn new(cfg: &Phold) -> Self {
        let mut rng = RngStream::derive(cfg.seed, "phold");
        let mut heap = BinaryHeap::new();
        let mut seq = 0u64;
        for (t, e) in initial(cfg, &mut rng) {
            heap.push(Reverse((t, seq, e)));
            seq += 1;
        }
        PholdHeap {
            cfg: *cfg,
            rng,
            heap,
            seq,
        }
    }

    /// Handles `cfg.events` events; returns the checksum.
    pub fn run(&mut self) -> u64 {
        let mut h = 0xcbf2_9ce4_8422_2325;
        let n = u64::from(self.cfg.entities);
        for _ in 0..self.cfg.events {
            let Reverse((t, _, e)) = self.heap.pop().expect("PHOLD never runs dry");
            h = mix(h, t, e);
            let target = self.rng.below(n) as u32;
            let d = delay(&mut self.rng);
            self.heap.push(Reverse((t + d, self.seq, target)));
            self.seq += 1;
        }
        h
    }
}

/// Runs PHOLD on sim-core's scheduler; returns the checksum.
pub fn phold_netsim(cfg: &Phold) -> u64 {
    PholdNetsim::new(cfg).run()
}

/// Runs PHOLD on the bare binary heap; returns the checksum.
pub fn phold_binary_heap(cfg: &Phold) -> u64 {
    PholdHeap::new(cfg).run()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_queues_handle_the_same_sequence() {
        for (per_entity, seed) in [(1, 1), (10, 2), (100, 3)] {
            let cfg = Phold {
                entities: 1000,
                per_entity,
                events: 200_000,
                seed,
            };
            assert_eq!(phold_netsim(&cfg), phold_binary_heap(&cfg));
        }
    }

    #[test]
    fn the_checksum_depends_on_the_seed() {
        let cfg = Phold {
            entities: 100,
            per_entity: 1,
            events: 10_000,
            seed: 1,
        };
        assert_ne!(phold_netsim(&cfg), phold_netsim(&Phold { seed: 2, ..cfg }));
    }
}

/// The link-level workload: packets through a 3-hop path.
pub mod links {
    use sim_core::{
        Context, Endpoint, Fields, LinkParams, NodeId, NodeKind, Packet, Payload, Rate,
        SimDuration, SimTime, Simulator, TimerId, TopologyBuilder,
    };

    /// Packets in the benchmark.
    pub const PACKETS: u64 = 1_000_000;

    /// A payload that carries nothing.
    #[derive(Clone)]
    pub struct Blank;
    impl Payload for Blank {
        fn trace_fields(&self, _: &mut Fields) {}
    }

    struct Sender {
        to: NodeId,
        left: u64,
        tick: Option<TimerId>,
    }
    impl Endpoint<Blank> for Sender {
        fn start(&mut self, cx: &mut Context<'_, Blank>) {
            let t = cx.new_timer(0);
            cx.set_timer(t, SimTime::ZERO);
            self.tick = Some(t);
        }
        fn on_packet(&mut self, _: &mut Context<'_, Blank>, _: Packet<Blank>) {}
        fn on_timer(&mut self, cx: &mut Context<'_, Blank>, _: u64) {
            cx.send(self.to, 1000, Blank);
            self.left -= 1;
            if self.left > 0 {
                let next = cx.now() + SimDuration::from_micros(10);
                cx.set_timer(self.tick.expect("started"), next);
            }
        }
    }

    struct Sink(std::rc::Rc<std::cell::Cell<u64>>);
    impl Endpoint<Blank> for Sink {
        fn on_packet(&mut self, _: &mut Context<'_, Blank>, _: Packet<Blank>) {
            self.0.set(self.0.get() + 1);
        }
        fn on_timer(&mut self, _: &mut Context<'_, Blank>, _: u64) {}
    }

    /// Sends `packets` packets of 1000 bytes from a to b across two routers;
    /// returns how many arrived.
    pub fn three_hops(packets: u64) -> u64 {
        let mut t = TopologyBuilder::new();
        let a = t.add_node("a", NodeKind::Host).unwrap();
        let r1 = t.add_node("r1", NodeKind::Router).unwrap();
        let r2 = t.add_node("r2", NodeKind::Router).unwrap();
        let b = t.add_node("b", NodeKind::Host).unwrap();
        let p = LinkParams {
            delay: SimDuration::from_millis(1),
            rate: Some(Rate(1_000_000_000)),
            ..LinkParams::default()
        };
        for (x, y) in [(a, r1), (r1, r2), (r2, b)] {
            t.add_link(x, y, p.clone(), p.clone()).unwrap();
        }
        let mut sim: Simulator<Blank> = Simulator::new(t.build(), 1, false);
        let count = std::rc::Rc::new(std::cell::Cell::new(0));
        sim.attach(
            a,
            Box::new(Sender {
                to: b,
                left: packets,
                tick: None,
            }),
        )
        .unwrap();
        sim.attach(b, Box::new(Sink(count.clone()))).unwrap();
        sim.run_until(SimTime::MAX);
        count.get()
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn every_packet_arrives() {
            assert_eq!(super::three_hops(10_000), 10_000);
        }
    }
}

/// TCP workloads, as scenarios run without tracing: the same workloads ns-3
/// was measured with on this kind of machine (issue 4).
pub mod tcp {
    use scenarios::{Outcome, run_with};

    /// 100,000,000 bytes over one 1 Gbps, 5 ms link, NewReno, MSS 1448,
    /// 128 KiB buffers, `loss` on the data direction.
    pub fn bulk_scenario(bytes: u64, loss: f64) -> scenarios::Plan {
        let text = format!(
            r#"{{
  "name": "bench-bulk",
  "stop_at": "1h",
  "topology": {{
    "nodes": ["a", "b"],
    "links": [{{"between": ["a", "b"], "delay": "5ms", "bandwidth": "1Gbps",
               "one_way": [{{"from": "a", "loss": {loss}}}]}}]
  }},
  "endpoints": [
    {{"node": "b", "tcp": {{"listen": 80, "mss": 1448, "rcv_buf": 131072}}}},
    {{"node": "a", "tcp": {{"connect": "b:80", "mss": 1448, "rcv_buf": 131072,
                          "send": {bytes}, "close": "after_send"}}}}
  ],
  "expect": [{{"metric": "b.tcp.bytes_delivered", "equals": {bytes}}}]
}}"#
        );
        scenarios::plan_from_str(&text).expect("valid bench scenario")
    }

    /// 10,000 connections of 1,000 bytes each, 100 at a time, each closed
    /// normally, over a 1 Gbps, 5 ms link.
    pub fn short_connections_scenario(connections: u64, concurrency: u32) -> scenarios::Plan {
        let text = format!(
            r#"{{
  "name": "bench-short",
  "stop_at": "1h",
  "topology": {{
    "nodes": ["a", "b"],
    "links": [{{"between": ["a", "b"], "delay": "5ms", "bandwidth": "1Gbps"}}]
  }},
  "endpoints": [
    {{"node": "b", "tcp": {{"listen": 80, "backlog": 1024}}}},
    {{"node": "a", "tcp": {{"connect": "b:80", "send": 1000, "close": "after_send",
                          "connections": {connections}, "concurrency": {concurrency}}}}}
  ],
  "expect": [
    {{"metric": "b.tcp.bytes_delivered", "equals": {total}}},
    {{"metric": "a.tcp.established", "equals": {connections}}}
  ]
}}"#,
            total = connections * 1000
        );
        scenarios::plan_from_str(&text).expect("valid bench scenario")
    }

    /// `pages` complete HTTPS page loads (TLS 1.3, 20 kB each), 100 at a
    /// time, over a 1 Gbps link with a 20 ms round trip: TCP handshake,
    /// TLS handshake with certificate checks and CPU cost, GET, response,
    /// close_notify and FIN.
    pub fn https_pages_scenario(pages: u64) -> scenarios::Plan {
        let text = format!(
            r#"{{
  "name": "bench-https",
  "stop_at": "1h",
  "topology": {{
    "nodes": ["client", "www"],
    "links": [{{"between": ["client", "www"], "delay": "10ms", "bandwidth": "1Gbps"}}]
  }},
  "endpoints": [
    {{"node": "www", "tcp": {{"listen": 443, "backlog": 4096, "tls": {{"versions": ["1.3"], "response": 20000}}}}}},
    {{"node": "client", "tcp": {{"connect": "www:443", "connections": {pages}, "concurrency": 100,
                               "tls": {{"versions": ["1.3"]}}}}}}
  ],
  "expect": [{{"metric": "client.tls.responses", "equals": {pages}}}, {{"metric": "client.tls.pages", "equals": {pages}}}]
}}"#
        );
        scenarios::plan_from_str(&text).expect("valid bench scenario")
    }

    /// Runs a plan untraced; panics unless its expectations pass.
    pub fn run_checked(plan: &scenarios::Plan) -> u64 {
        let out = run_with(plan, 1, false);
        assert_eq!(out.outcome, Outcome::Passed, "{:?}", out.expectations);
        out.events
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_workloads_complete() {
            run_checked(&bulk_scenario(2_000_000, 0.0));
            run_checked(&bulk_scenario(2_000_000, 0.01));
            run_checked(&short_connections_scenario(300, 20));
            run_checked(&https_pages_scenario(200));
        }
    }
}
