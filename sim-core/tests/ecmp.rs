//! Equal-cost multipath: which of several equally short paths packets take
//! under each `Ecmp` mode, seen on the link counters.

use sim_core::{
    Context, Ecmp, Endpoint, Fields, LinkDirId, LinkParams, NodeId, NodeKind, Packet, Payload,
    SimTime, Simulator, Topology, TopologyBuilder,
};

/// A packet of flow `.0`.
#[derive(Clone, Debug)]
struct Pkt(u32);

impl Payload for Pkt {
    fn trace_fields(&self, _: &mut Fields) {}
    fn flow_key(&self) -> u64 {
        u64::from(self.0)
    }
}

/// Sends `per_flow` packets of each of `flows` flows to `dst` at time zero.
struct Sender {
    dst: NodeId,
    flows: u32,
    per_flow: u32,
}

impl Endpoint<Pkt> for Sender {
    fn start(&mut self, cx: &mut Context<'_, Pkt>) {
        for f in 0..self.flows {
            for _ in 0..self.per_flow {
                cx.send(self.dst, 100, Pkt(f));
            }
        }
    }
    fn on_packet(&mut self, _: &mut Context<'_, Pkt>, _: Packet<Pkt>) {}
    fn on_timer(&mut self, _: &mut Context<'_, Pkt>, _: u64) {}
}

/// Counts what arrives.
struct Sink;

impl Endpoint<Pkt> for Sink {
    fn on_packet(&mut self, _: &mut Context<'_, Pkt>, _: Packet<Pkt>) {}
    fn on_timer(&mut self, _: &mut Context<'_, Pkt>, _: u64) {}
}

/// Host a - router s - four middle routers m0..m3 - router t - host b, all
/// links alike: four equal-cost paths from s to t. Returns the topology,
/// a, b and the directions s -> m_i.
fn diamond() -> (Topology, NodeId, NodeId, Vec<LinkDirId>) {
    let mut t = TopologyBuilder::new();
    let a = t.add_node("a", NodeKind::Host).unwrap();
    let b = t.add_node("b", NodeKind::Host).unwrap();
    let s = t.add_node("s", NodeKind::Router).unwrap();
    let e = t.add_node("t", NodeKind::Router).unwrap();
    let p = LinkParams::default;
    t.add_link(a, s, p(), p()).unwrap();
    t.add_link(e, b, p(), p()).unwrap();
    let mut down = Vec::new();
    for i in 0..4 {
        let m = t.add_node(&format!("m{i}"), NodeKind::Router).unwrap();
        down.push(t.add_link(s, m, p(), p()).unwrap().0);
        t.add_link(m, e, p(), p()).unwrap();
    }
    (t.build(), a, b, down)
}

/// Packets each middle path carried when a sends `flows` flows of
/// `per_flow` packets to b.
fn spread(ecmp: Ecmp, seed: u64, flows: u32, per_flow: u32) -> Vec<u64> {
    let (topo, a, b, down) = diamond();
    let mut sim: Simulator<Pkt> = Simulator::new(topo, seed, false);
    sim.set_ecmp(ecmp);
    let sender = Sender {
        dst: b,
        flows,
        per_flow,
    };
    sim.attach(a, Box::new(sender)).unwrap();
    sim.attach(b, Box::new(Sink)).unwrap();
    sim.run_until(SimTime::MAX);
    down.iter().map(|&d| sim.link_stats(d).sent).collect()
}

#[test]
fn off_sends_everything_down_the_first_declared_path() {
    assert_eq!(spread(Ecmp::Off, 1, 32, 10), vec![320, 0, 0, 0]);
}

#[test]
fn flow_keeps_each_flow_on_one_path_and_spreads_flows_over_all() {
    // One flow: all its packets on a single path.
    let one = spread(Ecmp::Flow, 1, 1, 50);
    assert_eq!(one.iter().filter(|&&n| n > 0).count(), 1, "{one:?}");
    assert_eq!(one.iter().sum::<u64>(), 50);
    // 64 flows of 10: every path used, each carrying whole flows.
    let many = spread(Ecmp::Flow, 1, 64, 10);
    assert_eq!(many.iter().sum::<u64>(), 640);
    assert!(many.iter().all(|&n| n > 0 && n % 10 == 0), "{many:?}");
    assert!(many.iter().all(|&n| n <= 320), "{many:?}");
}

#[test]
fn packet_spreads_one_flow_over_every_path() {
    let one = spread(Ecmp::Packet, 1, 1, 400);
    assert_eq!(one.iter().sum::<u64>(), 400);
    assert!(one.iter().all(|&n| (60..=140).contains(&n)), "{one:?}");
}

#[test]
fn the_choice_follows_the_seed_and_repeats_with_it() {
    assert_eq!(spread(Ecmp::Flow, 7, 64, 10), spread(Ecmp::Flow, 7, 64, 10));
    assert_eq!(
        spread(Ecmp::Packet, 7, 4, 100),
        spread(Ecmp::Packet, 7, 4, 100)
    );
    let seeds: Vec<Vec<u64>> = (1..6).map(|s| spread(Ecmp::Flow, s, 16, 1)).collect();
    assert!(seeds.windows(2).any(|w| w[0] != w[1]), "{seeds:?}");
}
