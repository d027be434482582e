//! The scheduler against a bare binary heap on PHOLD (1,000 entities; 1, 10
//! and 1,000 pending events each), and timer re-arming as TCP does it.
//!
//! Run with `cargo bench -p benches --bench scheduler`. Only ratios within one
//! run mean anything on a shared machine.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use benches::{Phold, PholdHeap, PholdNetsim};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use sim_core::{
    Context, Endpoint, Fields, NodeKind, Packet, Payload, RngStream, SimDuration, SimTime,
    Simulator, TimerId, TopologyBuilder,
};

const EVENTS: u64 = 2_000_000;

fn phold(c: &mut Criterion) {
    let mut g = c.benchmark_group("phold");
    g.sample_size(10);
    g.throughput(Throughput::Elements(EVENTS));
    for per_entity in [1u32, 10, 1000] {
        let cfg = Phold {
            entities: 1000,
            per_entity,
            events: EVENTS,
            seed: 1,
        };
        let pending = 1000 * per_entity;
        g.bench_function(format!("netsim/{pending}_pending"), |b| {
            b.iter_batched_ref(
                || PholdNetsim::new(&cfg),
                |w| w.run(),
                BatchSize::PerIteration,
            )
        });
        g.bench_function(format!("binary_heap/{pending}_pending"), |b| {
            b.iter_batched_ref(
                || PholdHeap::new(&cfg),
                |w| w.run(),
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

#[derive(Clone)]
struct Nothing;
impl Payload for Nothing {
    fn trace_fields(&self, _: &mut Fields) {}
}

/// 1,000 connections each holding a 200 ms retransmission timer; every
/// "ACK" (one every ~1 us, for a random connection) pushes that
/// connection's timer back. The timers never fire.
struct Rearm {
    timers: Vec<TimerId>,
    ack: Option<TimerId>,
    rng: RngStream,
    acks_left: u64,
}

const CONNS: usize = 1000;
const ACKS: u64 = 1_000_000;
const RTO: SimDuration = SimDuration::from_millis(200);

impl Endpoint<Nothing> for Rearm {
    fn start(&mut self, cx: &mut Context<'_, Nothing>) {
        for i in 0..CONNS {
            let t = cx.new_timer(i as u64);
            cx.set_timer(t, cx.now() + RTO);
            self.timers.push(t);
        }
        let ack = cx.new_timer(u64::MAX);
        cx.set_timer(ack, cx.now());
        self.ack = Some(ack);
    }
    fn on_packet(&mut self, _: &mut Context<'_, Nothing>, _: Packet<Nothing>) {}
    fn on_timer(&mut self, cx: &mut Context<'_, Nothing>, token: u64) {
        assert_eq!(token, u64::MAX, "no retransmission timer should fire");
        let c = self.rng.below(CONNS as u64) as usize;
        let now = cx.now();
        cx.set_timer(self.timers[c], now + RTO);
        self.acks_left -= 1;
        if self.acks_left == 0 {
            // The transfer is over: the connections close their timers.
            for &t in &self.timers {
                cx.cancel_timer(t);
            }
        } else {
            let gap = SimDuration((self.rng.exponential(1000.0) + 0.5) as u64);
            cx.set_timer(self.ack.expect("started"), now + gap);
        }
    }
}

fn rearm_netsim() -> u64 {
    let mut t = TopologyBuilder::new();
    let a = t.add_node("a", NodeKind::Host).unwrap();
    let mut sim: Simulator<Nothing> = Simulator::new(t.build(), 1, false);
    let ep = Rearm {
        timers: Vec::new(),
        ack: None,
        rng: RngStream::derive(1, "acks"),
        acks_left: ACKS,
    };
    sim.attach(a, Box::new(ep)).unwrap();
    sim.run_until(SimTime(u64::MAX / 2));
    sim.events_handled()
}

/// The same workload the way a cancel-and-reschedule simulator does it: a
/// binary heap, a new entry on every re-arm, stale entries skipped by
/// generation when they surface.
fn rearm_heap() -> u64 {
    let mut rng = RngStream::derive(1, "acks");
    let mut heap: BinaryHeap<Reverse<(u64, u64, u32, u32)>> = BinaryHeap::new();
    let mut generation = vec![0u32; CONNS + 1];
    let mut seq = 0u64;
    let mut push = |heap: &mut BinaryHeap<_>, t: u64, who: usize, generation: &mut [u32]| {
        generation[who] += 1;
        heap.push(Reverse((t, seq, who as u32, generation[who])));
        seq += 1;
    };
    for c in 0..CONNS {
        push(&mut heap, RTO.as_nanos(), c, &mut generation);
    }
    push(&mut heap, 0, CONNS, &mut generation);
    let mut acks_left = ACKS;
    let mut handled = 0;
    while let Some(Reverse((now, _, who, g))) = heap.pop() {
        if g != generation[who as usize] {
            continue;
        }
        handled += 1;
        assert_eq!(who as usize, CONNS);
        let c = rng.below(CONNS as u64) as usize;
        push(&mut heap, now + RTO.as_nanos(), c, &mut generation);
        acks_left -= 1;
        if acks_left == 0 {
            break;
        }
        let gap = (rng.exponential(1000.0) + 0.5) as u64;
        push(&mut heap, now + gap, CONNS, &mut generation);
    }
    handled
}

fn timers(c: &mut Criterion) {
    let mut g = c.benchmark_group("rearm_rto_on_every_ack");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ACKS));
    g.bench_function("netsim_simulator", |b| b.iter(rearm_netsim));
    g.bench_function("binary_heap_cancel_and_push", |b| b.iter(rearm_heap));
    g.finish();
}

criterion_group!(benches, phold, timers);
criterion_main!(benches);
