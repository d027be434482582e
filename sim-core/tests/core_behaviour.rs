//! What a model author relies on from the core: event order, timers, link
//! timing and impairments, routing, determinism.

use std::cell::RefCell;
use std::rc::Rc;

use sim_core::{
    Context, Endpoint, Field, Fields, Kind, LinkParams, NodeId, NodeKind, Packet, Payload,
    QueueLimit, SimDuration, SimTime, Simulator, TimerId, Topology, TopologyBuilder, Value,
    parse_duration, parse_rate,
};

#[derive(Clone, Debug)]
struct Num(u32);

impl Payload for Num {
    fn trace_fields(&self, out: &mut Fields) {
        out.push((Field::Seq, Value::from(self.0)));
    }
}

type Log = Rc<RefCell<Vec<(u64, u32)>>>;

/// Sends `count` packets of `size` bytes to `dst` at `at`, back to back.
struct Burst {
    dst: NodeId,
    count: u32,
    size: u32,
    at: SimTime,
}

impl Endpoint<Num> for Burst {
    fn start(&mut self, cx: &mut Context<'_, Num>) {
        let t = cx.new_timer(0);
        cx.set_timer(t, self.at);
    }
    fn on_packet(&mut self, _: &mut Context<'_, Num>, _: Packet<Num>) {}
    fn on_timer(&mut self, cx: &mut Context<'_, Num>, _: u64) {
        for i in 0..self.count {
            cx.send(self.dst, self.size, Num(i));
        }
    }
}

/// Logs (arrival time, number) of every packet.
struct Sink(Log);

impl Endpoint<Num> for Sink {
    fn on_packet(&mut self, cx: &mut Context<'_, Num>, p: Packet<Num>) {
        self.0.borrow_mut().push((cx.now().as_nanos(), p.payload.0));
    }
    fn on_timer(&mut self, _: &mut Context<'_, Num>, _: u64) {}
}

fn link(delay: &str, rate: Option<&str>) -> LinkParams {
    LinkParams {
        delay: parse_duration(delay).unwrap(),
        rate: rate.map(|r| parse_rate(r).unwrap()),
        ..LinkParams::default()
    }
}

fn pair(ab: LinkParams) -> (Topology, NodeId, NodeId) {
    let mut t = TopologyBuilder::new();
    let a = t.add_node("a", NodeKind::Host).unwrap();
    let b = t.add_node("b", NodeKind::Host).unwrap();
    t.add_link(a, b, ab.clone(), ab).unwrap();
    (t.build(), a, b)
}

/// Runs a burst from a to b and returns the sink's log and the trace kinds.
fn burst(
    topo: Topology,
    a: NodeId,
    b: NodeId,
    count: u32,
    size: u32,
    seed: u64,
) -> (Vec<(u64, u32)>, Simulator<Num>) {
    let log: Log = Rc::default();
    let mut sim = Simulator::new(topo, seed, true);
    sim.attach(
        a,
        Box::new(Burst {
            dst: b,
            count,
            size,
            at: SimTime::ZERO,
        }),
    )
    .unwrap();
    sim.attach(b, Box::new(Sink(log.clone()))).unwrap();
    sim.run_until(SimTime::MAX);
    let got = log.borrow().clone();
    (got, sim)
}

#[test]
fn a_1500_byte_packet_on_100mbps_10ms_arrives_at_10_12ms() {
    let (topo, a, b) = pair(link("10ms", Some("100Mbps")));
    let (log, sim) = burst(topo, a, b, 1, 1500, 1);
    assert_eq!(log, vec![(10_120_000, 0)]);
    let deliver = sim
        .trace()
        .iter()
        .find(|r| r.kind == Kind::LinkDeliver)
        .unwrap();
    assert_eq!(deliver.t, SimTime(10_120_000));
    assert_eq!(deliver.node, b);
}

#[test]
fn back_to_back_packets_are_serialised_one_after_another() {
    let (topo, a, b) = pair(link("10ms", Some("100Mbps")));
    let (log, sim) = burst(topo, a, b, 3, 1500, 1);
    assert_eq!(log, vec![(10_120_000, 0), (10_240_000, 1), (10_360_000, 2)]);
    // Transmission of the third starts when the second has left the wire.
    let tx: Vec<u64> = sim
        .trace()
        .iter()
        .filter(|r| r.kind == Kind::LinkTransmit)
        .map(|r| r.t.as_nanos())
        .collect();
    assert_eq!(tx, vec![0, 120_000, 240_000]);
}

#[test]
fn a_full_queue_drops_the_excess() {
    let mut p = link("1ms", Some("1Mbps"));
    p.queue = QueueLimit::Packets(3);
    let (topo, a, b) = pair(p);
    let (log, sim) = burst(topo, a, b, 10, 1000, 1);
    // One on the wire plus three waiting get through; six are refused.
    assert_eq!(
        log.iter().map(|x| x.1).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );
    let drops: Vec<_> = sim
        .trace()
        .iter()
        .filter(|r| r.kind == Kind::LinkDrop)
        .collect();
    assert_eq!(drops.len(), 6);
    for d in &drops {
        assert_eq!(d.field(Field::Reason), Some(&Value::from("queue_full")));
        assert_eq!(d.t, SimTime::ZERO);
        assert_eq!(d.node, a);
    }
    let stats = sim.link_stats(sim_core::LinkDirId(0));
    assert_eq!(
        (stats.sent, stats.dropped_queue_full, stats.delivered),
        (4, 6, 4)
    );
}

#[test]
fn a_byte_limited_queue_counts_bytes() {
    let mut p = link("1ms", Some("1Mbps"));
    p.queue = QueueLimit::Bytes(2500);
    let (topo, a, b) = pair(p);
    let (log, _) = burst(topo, a, b, 10, 1000, 1);
    // One on the wire, two (2000 bytes) waiting; a third would make 3000.
    assert_eq!(log.len(), 3);
}

#[test]
fn packets_cross_routers_store_and_forward() {
    let mut t = TopologyBuilder::new();
    let a = t.add_node("a", NodeKind::Host).unwrap();
    let r1 = t.add_node("r1", NodeKind::Router).unwrap();
    let r2 = t.add_node("r2", NodeKind::Router).unwrap();
    let b = t.add_node("b", NodeKind::Host).unwrap();
    let fast = link("1ms", Some("1Gbps"));
    let slow = link("5ms", Some("10Mbps"));
    t.add_link(a, r1, fast.clone(), fast.clone()).unwrap();
    t.add_link(r1, r2, slow.clone(), slow).unwrap();
    t.add_link(r2, b, fast.clone(), fast).unwrap();
    let (log, sim) = burst(t.build(), a, b, 2, 1250, 1);
    // 1250 B: 10 us at 1 Gbps, 1 ms at 10 Mbps. First packet:
    // 10us + 1ms | 1ms + 5ms | 10us + 1ms = 8.02 ms. The second queues behind
    // the first at the bottleneck and leaves it 1 ms later.
    assert_eq!(log, vec![(8_020_000, 0), (9_020_000, 1)]);
    let hops: Vec<_> = sim
        .trace()
        .iter()
        .filter(|r| r.kind == Kind::LinkDeliver && r.field(Field::Seq) == Some(&Value::U64(0)))
        .map(|r| sim.topology().name(r.node).to_string())
        .collect();
    assert_eq!(hops, ["r1", "r2", "b"]);
}

#[test]
fn unreachable_destinations_are_traced_not_fatal() {
    let mut t = TopologyBuilder::new();
    let a = t.add_node("a", NodeKind::Host).unwrap();
    let b = t.add_node("b", NodeKind::Host).unwrap();
    let c = t.add_node("c", NodeKind::Host).unwrap();
    t.add_link(a, b, link("1ms", None), link("1ms", None))
        .unwrap();
    let (log, sim) = burst(t.build(), a, c, 1, 100, 1);
    assert!(log.is_empty());
    let r = sim
        .trace()
        .iter()
        .find(|r| r.kind == Kind::PacketUnroutable)
        .unwrap();
    assert_eq!(r.field(Field::Reason), Some(&Value::from("no_route")));
}

/// Fires timers and records (time, token).
struct TimerProbe {
    plan: Vec<(u64, u64)>,
    fired: Log,
    ids: Vec<TimerId>,
    script: fn(&mut TimerProbe, &mut Context<'_, Num>, u64),
}

impl Endpoint<Num> for TimerProbe {
    fn start(&mut self, cx: &mut Context<'_, Num>) {
        for &(at, token) in &self.plan {
            let id = cx.new_timer(token);
            cx.set_timer(id, SimTime(at));
            self.ids.push(id);
        }
    }
    fn on_packet(&mut self, _: &mut Context<'_, Num>, _: Packet<Num>) {}
    fn on_timer(&mut self, cx: &mut Context<'_, Num>, token: u64) {
        self.fired
            .borrow_mut()
            .push((cx.now().as_nanos(), token as u32));
        (self.script)(self, cx, token);
    }
}

fn probe(
    plan: Vec<(u64, u64)>,
    script: fn(&mut TimerProbe, &mut Context<'_, Num>, u64),
) -> (Vec<(u64, u32)>, u64) {
    let (topo, a, _) = pair(link("1ms", None));
    let fired: Log = Rc::default();
    let mut sim = Simulator::new(topo, 1, false);
    let p = TimerProbe {
        plan,
        fired: fired.clone(),
        ids: Vec::new(),
        script,
    };
    sim.attach(a, Box::new(p)).unwrap();
    sim.run_until(SimTime::MAX);
    let got = fired.borrow().clone();
    (got, sim.events_handled())
}

#[test]
fn simultaneous_events_run_in_the_order_they_were_scheduled() {
    let plan = vec![(50, 3), (10, 0), (50, 1), (50, 2), (10, 9)];
    let (fired, _) = probe(plan, |_, _, _| {});
    assert_eq!(fired, vec![(10, 0), (10, 9), (50, 3), (50, 1), (50, 2)]);
}

#[test]
fn a_cancelled_timer_never_fires() {
    let (fired, _) = probe(vec![(10, 0), (20, 1), (30, 2)], |p, cx, token| {
        if token == 0 {
            cx.cancel_timer(p.ids[1]);
        }
    });
    assert_eq!(fired, vec![(10, 0), (30, 2)]);
}

#[test]
fn a_rearmed_timer_fires_once_at_its_new_deadline() {
    // Token 0 pushes timer 1 back (to 100) and timer 2 forward (to 15).
    let (fired, _) = probe(vec![(10, 0), (20, 1), (30, 2)], |p, cx, token| {
        if token == 0 {
            cx.set_timer(p.ids[1], SimTime(100));
            cx.set_timer(p.ids[2], SimTime(15));
            assert_eq!(cx.timer_deadline(p.ids[1]), Some(SimTime(100)));
        }
    });
    assert_eq!(fired, vec![(10, 0), (15, 2), (100, 1)]);
}

#[test]
fn a_timer_set_in_the_past_fires_now() {
    let (fired, _) = probe(vec![(10, 0), (1_000, 1)], |p, cx, token| {
        if token == 0 {
            cx.set_timer(p.ids[1], SimTime(3));
        }
    });
    assert_eq!(fired, vec![(10, 0), (10, 1)]);
}

#[test]
fn pushing_a_timer_back_repeatedly_costs_no_queue_events() {
    // The retransmission-timer pattern: every 1 us an "ACK" pushes the
    // timer 1 ms into the future, 10,000 times. Only the ACK events and a
    // handful of re-queues of the one timer entry are handled.
    let (fired, events) = probe(vec![(1, 0), (1_000_000, 1)], |p, cx, token| {
        if token == 0 {
            let now = cx.now().as_nanos();
            cx.set_timer(p.ids[1], SimTime(now + 1_000_000));
            if now < 10_000 {
                cx.set_timer(p.ids[0], SimTime(now + 1));
            }
        }
    });
    assert_eq!(fired.last(), Some(&(1_010_000, 1)));
    assert_eq!(fired.iter().filter(|f| f.1 == 1).count(), 1);
    // 10,000 ACK events + start + the timer's entry: at 1 ms, then re-queued
    // once to its final deadline.
    assert!(events <= 10_000 + 4, "{events} events handled");
}

fn jittery(reorder: bool) -> LinkParams {
    LinkParams {
        jitter: parse_duration("5ms").unwrap(),
        reorder,
        ..link("10ms", Some("1Gbps"))
    }
}

#[test]
fn jitter_without_reordering_keeps_fifo_order() {
    for seed in 0..20 {
        let (topo, a, b) = pair(jittery(false));
        let (log, _) = burst(topo, a, b, 200, 100, seed);
        let order: Vec<u32> = log.iter().map(|x| x.1).collect();
        assert_eq!(order, (0..200).collect::<Vec<_>>(), "seed {seed}");
        assert!(log.windows(2).all(|w| w[0].0 <= w[1].0));
        assert!(
            log.iter()
                .all(|&(t, _)| (10_000_000..=15_200_000).contains(&t))
        );
    }
}

#[test]
fn jitter_with_reordering_allowed_reorders() {
    let (topo, a, b) = pair(jittery(true));
    let (log, _) = burst(topo, a, b, 200, 100, 1);
    assert_eq!(log.len(), 200);
    let order: Vec<u32> = log.iter().map(|x| x.1).collect();
    assert_ne!(order, (0..200).collect::<Vec<_>>());
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(sorted, (0..200).collect::<Vec<_>>());
}

#[test]
fn duplication_delivers_extra_copies() {
    let p = LinkParams {
        duplicate: 0.5,
        ..link("1ms", Some("1Gbps"))
    };
    let (topo, a, b) = pair(p);
    let (log, sim) = burst(topo, a, b, 400, 100, 7);
    let stats = sim.link_stats(sim_core::LinkDirId(0));
    assert_eq!(stats.dropped_queue_full, 0);
    assert_eq!(log.len() as u64, 400 + stats.duplicated);
    assert!(
        (150..250).contains(&stats.duplicated),
        "{}",
        stats.duplicated
    );
}

#[test]
fn loss_rate_matches_its_probability_over_many_seeds() {
    let p = LinkParams {
        loss: 0.1,
        ..link("1ms", Some("1Gbps"))
    };
    let mut total_lost = 0u64;
    let mut per_seed = Vec::new();
    for seed in 0..100 {
        let (topo, a, b) = pair(p.clone());
        let (log, sim) = burst(topo, a, b, 1000, 100, seed);
        let lost = 1000 - log.len() as u64;
        assert_eq!(sim.link_stats(sim_core::LinkDirId(0)).lost, lost);
        assert_eq!(
            sim.trace()
                .iter()
                .filter(|r| r.field(Field::Reason) == Some(&Value::from("random_loss")))
                .count() as u64,
            lost
        );
        total_lost += lost;
        per_seed.push(lost);
    }
    // 100,000 Bernoulli(0.1) trials: sd of the total is about 95, so
    // +/- 500 is more than five standard deviations.
    assert!((9_500..=10_500).contains(&total_lost), "lost {total_lost}");
    // Different seeds really do differ.
    per_seed.sort();
    per_seed.dedup();
    assert!(per_seed.len() > 10);
}

#[test]
fn same_seed_same_trace_different_seed_different_trace() {
    let run = |seed| {
        let p = LinkParams {
            loss: 0.2,
            jitter: SimDuration::from_millis(3),
            ..link("10ms", Some("10Mbps"))
        };
        let (topo, a, b) = pair(p);
        let (_, sim) = burst(topo, a, b, 100, 500, seed);
        sim.trace().to_vec()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

/// Takes over odd-numbered packets for `victim` and answers them itself,
/// claiming to be the victim (a man-in-the-middle on a router).
struct Interceptor {
    victim: NodeId,
    seen: Log,
}

impl Endpoint<Num> for Interceptor {
    fn intercepts(&self, p: &Packet<Num>) -> bool {
        p.dst == self.victim && p.payload.0 % 2 == 1
    }
    fn on_packet(&mut self, cx: &mut Context<'_, Num>, p: Packet<Num>) {
        self.seen
            .borrow_mut()
            .push((cx.now().as_nanos(), p.payload.0));
        cx.send_as(self.victim, p.src, 100, Num(1000 + p.payload.0));
    }
    fn on_timer(&mut self, _: &mut Context<'_, Num>, _: u64) {}
}

#[test]
fn an_endpoint_on_a_router_takes_over_the_packets_it_claims() {
    let mut t = TopologyBuilder::new();
    let a = t.add_node("a", NodeKind::Host).unwrap();
    let b = t.add_node("b", NodeKind::Host).unwrap();
    let router = t.add_node("r", NodeKind::Router).unwrap();
    t.add_link(a, router, link("1ms", None), link("1ms", None))
        .unwrap();
    t.add_link(router, b, link("1ms", None), link("1ms", None))
        .unwrap();
    let mut sim = Simulator::new(t.build(), 1, true);
    let (at_b, at_r) = (Log::default(), Log::default());
    let burst = Burst {
        dst: b,
        count: 4,
        size: 100,
        at: SimTime::ZERO,
    };
    sim.attach(a, Box::new(burst)).unwrap();
    sim.attach(b, Box::new(Sink(at_b.clone()))).unwrap();
    let interceptor = Interceptor {
        victim: b,
        seen: at_r.clone(),
    };
    sim.attach(router, Box::new(interceptor)).unwrap();
    sim.run_until(SimTime::MAX);
    let numbers = |l: &Log| l.borrow().iter().map(|(_, n)| *n).collect::<Vec<_>>();
    assert_eq!(numbers(&at_b), [0, 2], "even packets pass through");
    assert_eq!(numbers(&at_r), [1, 3], "odd ones stop at the router");
    let intercepted = sim
        .trace()
        .iter()
        .filter(|x| x.kind == Kind::PacketIntercepted && x.node == router)
        .count();
    assert_eq!(intercepted, 2);
    // The answers claim to come from b and reach a.
    let answers: Vec<_> = sim
        .trace()
        .iter()
        .filter(|x| x.kind == Kind::LinkDeliver && x.node == a)
        .map(|x| (x.field(Field::Src).cloned(), x.field(Field::Seq).cloned()))
        .collect();
    assert_eq!(
        answers,
        [
            (Some(Value::Node(b)), Some(Value::from(1001u32))),
            (Some(Value::Node(b)), Some(Value::from(1003u32)))
        ]
    );
}
