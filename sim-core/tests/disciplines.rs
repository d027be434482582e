//! Queue disciplines on a link, seen from the packets: when they leave,
//! which are dropped and why, and that drop-tail's timing is kept when a
//! discipline has nothing to drop.

use std::cell::RefCell;
use std::rc::Rc;

use sim_core::qdisc::{CodelConfig, Discipline, FqCodelConfig, PieConfig, RedConfig, TbfConfig};
use sim_core::{
    Context, Endpoint, Field, Fields, Kind, LinkParams, NodeId, NodeKind, Packet, Payload,
    QueueLimit, SimDuration, SimTime, Simulator, Topology, TopologyBuilder, Value, parse_duration,
    parse_rate,
};

/// A numbered packet of a flow.
#[derive(Clone, Debug)]
struct Pkt {
    flow: u64,
    n: u32,
}

impl Payload for Pkt {
    fn trace_fields(&self, out: &mut Fields) {
        out.push((Field::Seq, Value::from(self.n)));
    }
    fn flow_key(&self) -> u64 {
        self.flow
    }
}

/// Sends, at each `(time, flow, count)`, `count` packets of 1500 bytes to
/// `dst`, numbered on from the packets before.
struct Sender {
    dst: NodeId,
    plan: Vec<(SimTime, u64, u32)>,
    next: usize,
    sent: u32,
}

impl Endpoint<Pkt> for Sender {
    fn start(&mut self, cx: &mut Context<'_, Pkt>) {
        let t = cx.new_timer(0);
        cx.set_timer(t, self.plan[0].0);
    }
    fn on_packet(&mut self, _: &mut Context<'_, Pkt>, _: Packet<Pkt>) {}
    fn on_timer(&mut self, cx: &mut Context<'_, Pkt>, _: u64) {
        let (_, flow, count) = self.plan[self.next];
        for _ in 0..count {
            cx.send(self.dst, 1500, Pkt { flow, n: self.sent });
            self.sent += 1;
        }
        self.next += 1;
        if let Some(&(at, _, _)) = self.plan.get(self.next) {
            let t = cx.new_timer(0);
            cx.set_timer(t, at);
        }
    }
}

type Log = Rc<RefCell<Vec<(u64, u32)>>>;

struct Sink(Log);

impl Endpoint<Pkt> for Sink {
    fn on_packet(&mut self, cx: &mut Context<'_, Pkt>, p: Packet<Pkt>) {
        self.0.borrow_mut().push((cx.now().as_nanos(), p.payload.n));
    }
    fn on_timer(&mut self, _: &mut Context<'_, Pkt>, _: u64) {}
}

fn pair(discipline: Discipline, queue: QueueLimit) -> (Topology, NodeId, NodeId) {
    let p = LinkParams {
        delay: parse_duration("10ms").unwrap(),
        rate: Some(parse_rate("10Mbps").unwrap()),
        queue,
        discipline,
        ..LinkParams::default()
    };
    let mut t = TopologyBuilder::new();
    let a = t.add_node("a", NodeKind::Host).unwrap();
    let b = t.add_node("b", NodeKind::Host).unwrap();
    t.add_link(a, b, p.clone(), p).unwrap();
    (t.build(), a, b)
}

fn run(
    discipline: Discipline,
    queue: QueueLimit,
    plan: Vec<(SimTime, u64, u32)>,
    seed: u64,
) -> (Vec<(u64, u32)>, Simulator<Pkt>) {
    let (topo, a, b) = pair(discipline, queue);
    let log: Log = Rc::default();
    let mut sim = Simulator::new(topo, seed, true);
    sim.attach(
        a,
        Box::new(Sender {
            dst: b,
            plan,
            next: 0,
            sent: 0,
        }),
    )
    .unwrap();
    sim.attach(b, Box::new(Sink(log.clone()))).unwrap();
    sim.run_until(SimTime::MAX);
    let got = log.borrow().clone();
    (got, sim)
}

fn ms(n: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_millis(n)
}

/// One packet every `gap_us` microseconds for `total` packets.
fn steady(gap_us: u64, total: u32) -> Vec<(SimTime, u64, u32)> {
    (0..u64::from(total))
        .map(|i| (SimTime::ZERO + SimDuration::from_micros(i * gap_us), 0, 1))
        .collect()
}

fn drop_reasons(sim: &Simulator<Pkt>) -> Vec<String> {
    sim.trace()
        .iter()
        .filter(|r| r.kind == Kind::LinkDrop)
        .map(|r| match r.field(Field::Reason) {
            Some(Value::Str(s)) => s.to_string(),
            other => panic!("{other:?}"),
        })
        .collect()
}

fn all() -> [Discipline; 5] {
    [
        Discipline::DropTail,
        Discipline::Red(RedConfig::default()),
        Discipline::Codel(CodelConfig::default()),
        Discipline::FqCodel(FqCodelConfig::default()),
        Discipline::Pie(PieConfig::default()),
    ]
}

#[test]
fn with_nothing_to_drop_every_discipline_times_packets_as_drop_tail() {
    for d in all() {
        let (log, sim) = run(d.clone(), QueueLimit::Packets(1000), vec![(ms(0), 0, 3)], 1);
        // 1.2 ms each at 10 Mbps, 10 ms on the wire.
        assert_eq!(
            log,
            [(11_200_000, 0), (12_400_000, 1), (13_600_000, 2)],
            "{}",
            d.name()
        );
        let tx: Vec<u64> = sim
            .trace()
            .iter()
            .filter(|r| r.kind == Kind::LinkTransmit)
            .map(|r| r.t.as_nanos())
            .collect();
        assert_eq!(tx, [0, 1_200_000, 2_400_000], "{}", d.name());
        assert_eq!(
            sim.link_stats(sim_core::LinkDirId(0)).max_queue_delay,
            SimDuration(2_400_000)
        );
    }
}

#[test]
fn the_queue_limit_still_drops_the_excess() {
    for d in all() {
        let (log, sim) = run(d.clone(), QueueLimit::Packets(3), vec![(ms(0), 0, 10)], 1);
        let expected: &[u32] = if matches!(d, Discipline::FqCodel(_)) {
            // FQ-CoDel drops the fattest flow's oldest packet instead of
            // the newcomer: the last three arrive.
            &[0, 7, 8, 9]
        } else {
            &[0, 1, 2, 3]
        };
        assert_eq!(
            log.iter().map(|x| x.1).collect::<Vec<_>>(),
            expected,
            "{}",
            d.name()
        );
        let want = if matches!(d, Discipline::FqCodel(_)) {
            "fq_overflow"
        } else {
            "queue_full"
        };
        assert_eq!(drop_reasons(&sim), vec![want; 6], "{}", d.name());
        let s = sim.link_stats(sim_core::LinkDirId(0));
        assert_eq!(s.dropped_queue_full + s.dropped_aqm, 6);
    }
}

/// Twice the link's rate for 2 s: drop-tail's queue fills to its limit
/// and packets wait over a second; RED holds its average below twice
/// max_th (30 packets), though with w_q = 0.002 the average trails the
/// queue by a few hundred arrivals, so the queue itself peaks near 100
/// packets (115 ms); CoDel drops by sojourn time, at a rate growing with
/// the square root of its drops, which an unresponsive sender at twice the
/// rate outruns (CoDel is built for senders that back off), so the limit
/// drops too.
#[test]
fn under_overload_red_and_codel_keep_the_queue_short() {
    let plan = steady(600, 3334);
    let (_, tail) = run(
        Discipline::DropTail,
        QueueLimit::Packets(1000),
        plan.clone(),
        1,
    );
    let (_, red) = run(
        Discipline::Red(RedConfig::default()),
        QueueLimit::Packets(1000),
        plan.clone(),
        1,
    );
    let (_, codel) = run(
        Discipline::Codel(CodelConfig::default()),
        QueueLimit::Packets(1000),
        plan,
        1,
    );
    let delay = |s: &Simulator<Pkt>| s.link_stats(sim_core::LinkDirId(0)).max_queue_delay;
    assert!(
        delay(&tail) > SimDuration::from_millis(1000),
        "{}",
        delay(&tail)
    );
    assert!(
        delay(&red) < SimDuration::from_millis(150),
        "{}",
        delay(&red)
    );
    assert!(delay(&codel) < delay(&tail), "{}", delay(&codel));
    assert!(drop_reasons(&tail).iter().all(|r| r == "queue_full"));
    let red_reasons = drop_reasons(&red);
    assert!(red_reasons.iter().any(|r| r == "red_early"));
    assert!(
        red_reasons.iter().all(|r| r.starts_with("red_")),
        "the limit is never reached"
    );
    let codel_reasons = drop_reasons(&codel);
    assert!(codel_reasons.iter().any(|r| r == "codel"));
    assert!(
        codel_reasons
            .iter()
            .all(|r| r == "codel" || r == "queue_full")
    );
    let s = codel.link_stats(sim_core::LinkDirId(0));
    let codel_drops = codel_reasons.iter().filter(|r| *r == "codel").count() as u64;
    assert_eq!(s.dropped_aqm, codel_drops);
}

/// A single packet of a second flow, sent behind 100 packets of a first,
/// waits behind one of them under FQ-CoDel and behind all 100 under
/// drop-tail.
#[test]
fn fq_codel_lets_a_sparse_flow_pass_a_standing_queue() {
    let plan = vec![(ms(0), 1, 100), (ms(1), 2, 1)];
    let (fifo, _) = run(
        Discipline::DropTail,
        QueueLimit::Packets(1000),
        plan.clone(),
        1,
    );
    let (fq, _) = run(
        Discipline::FqCodel(FqCodelConfig::default()),
        QueueLimit::Packets(1000),
        plan,
        1,
    );
    let when = |log: &[(u64, u32)]| log.iter().find(|x| x.1 == 100).unwrap().0;
    // Drop-tail: after all 100 (121.2 ms plus the wire).
    assert_eq!(when(&fifo), 131_200_000);
    // FQ-CoDel: right after the packet in transmission at 1 ms.
    assert_eq!(when(&fq), 13_600_000);
}

#[test]
fn the_same_seed_gives_the_same_drops_and_another_seed_others() {
    let plan = steady(600, 2000);
    let red = || Discipline::Red(RedConfig::default());
    let (a, _) = run(red(), QueueLimit::Packets(1000), plan.clone(), 7);
    let (b, _) = run(red(), QueueLimit::Packets(1000), plan.clone(), 7);
    let (c, _) = run(red(), QueueLimit::Packets(1000), plan, 8);
    assert_eq!(a, b);
    assert_ne!(a, c);
}

/// A 1 Mbps token bucket with a 3000-byte burst on the 10 Mbps link: two
/// packets leave back to back at the link's rate, then one per 12 ms (a
/// 1500-byte packet's worth of tokens at 1 Mbps).
#[test]
fn a_token_bucket_shapes_to_its_rate_after_its_burst() {
    let tbf = Discipline::TokenBucket(TbfConfig {
        rate: parse_rate("1Mbps").unwrap(),
        burst: 3000,
    });
    let (log, sim) = run(tbf, QueueLimit::Packets(1000), vec![(ms(0), 0, 5)], 1);
    let tx: Vec<u64> = sim
        .trace()
        .iter()
        .filter(|r| r.kind == Kind::LinkTransmit)
        .map(|r| r.t.as_nanos())
        .collect();
    assert_eq!(tx, [0, 1_200_000, 12_000_000, 24_000_000, 36_000_000]);
    assert_eq!(log.len(), 5);
    assert_eq!(log[4].0, 36_000_000 + 1_200_000 + 10_000_000);
}

/// PIE under a steady overload: after its 150 ms burst allowance it drops
/// early, by its controller's probability, and keeps the queue far below
/// drop-tail's.
#[test]
fn pie_drops_early_once_the_delay_stays_above_target() {
    let plan = steady(1000, 3000);
    let (_, pie) = run(
        Discipline::Pie(PieConfig::default()),
        QueueLimit::Packets(1000),
        plan.clone(),
        1,
    );
    let (_, tail) = run(Discipline::DropTail, QueueLimit::Packets(1000), plan, 1);
    let reasons = drop_reasons(&pie);
    assert!(reasons.iter().any(|r| r == "pie"), "{reasons:?}");
    let first = pie
        .trace()
        .iter()
        .find(|r| r.kind == Kind::LinkDrop)
        .unwrap()
        .t;
    assert!(first >= ms(150), "{first}");
    let delay = |s: &Simulator<Pkt>| s.link_stats(sim_core::LinkDirId(0)).max_queue_delay;
    assert!(
        delay(&pie) < delay(&tail),
        "{} vs {}",
        delay(&pie),
        delay(&tail)
    );
}
