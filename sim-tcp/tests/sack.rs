//! SACK (RFC 2018, RFC 2883), SACK-based recovery (RFC 6675), PRR (RFC
//! 6937) and timestamps (RFC 7323), seen on the wire between two
//! connections.

mod support;

use sim_core::{SimDuration, SimTime};
use sim_tcp::conn::{Connection, Event};
use sim_tcp::seq::SeqNum;
use sim_tcp::{Data, Flags, Segment, TcpConfig, Timestamps};
use support::{Pair, Side};

fn cfg(sack: bool) -> TcpConfig {
    TcpConfig {
        delayed_ack: None,
        rcv_buf: 1 << 20,
        initial_window: sim_tcp::InitialWindow::Segments(20),
        sack,
        ..TcpConfig::default()
    }
}

/// A sends one 20-segment window over a 50 ms one-way path and loses the
/// first transmissions of data segments 3, 7 and 12 (counted from 1).
fn three_losses_in_one_window(a: TcpConfig, b: TcpConfig) -> Pair {
    let mut p = Pair::connect_with(a, b, 50);
    p.drop = support::lose_first_sends(&[3, 7, 12]);
    p.run_ms(200);
    let now = p.now;
    p.conn(Side::A).send(now, 20 * 1460);
    p.flush();
    p.run_ms(20_000);
    assert_eq!(p.delivered(Side::B), 20 * 1460);
    p
}

/// When the last byte was acknowledged, measured from the first data.
fn transfer_time(p: &Pair) -> SimDuration {
    let first = p.ladder.iter().find(|l| l.seg.data.len > 0).unwrap().t;
    let last_ack = p
        .events_a
        .iter()
        .rev()
        .find(|(_, e)| matches!(e, Event::Acked(_)))
        .unwrap()
        .0;
    last_ack.saturating_since(first)
}

#[test]
fn sack_recovers_three_losses_in_one_round_trip_where_newreno_takes_three() {
    let sack = three_losses_in_one_window(cfg(true), cfg(true));
    let newreno = three_losses_in_one_window(cfg(false), cfg(false));
    let (s, n) = (
        sack.a.as_ref().unwrap().stats(),
        newreno.a.as_ref().unwrap().stats(),
    );
    // One recovery each, no timeout, each hole sent once more.
    assert_eq!(
        (s.fast_retransmits, s.timeouts, s.retransmissions),
        (1, 0, 3),
        "{s:?}"
    );
    assert_eq!(
        (n.fast_retransmits, n.timeouts, n.retransmissions),
        (1, 0, 3),
        "{n:?}"
    );
    // The three retransmissions go out within one round trip with SACK,
    // one per round trip with NewReno's partial ACKs (RFC 6582).
    let rtx_times = |p: &Pair| -> Vec<SimTime> {
        p.ladder
            .iter()
            .filter(|l| l.retransmission && l.from == Side::A)
            .map(|l| l.t)
            .collect()
    };
    let (rs, rn) = (rtx_times(&sack), rtx_times(&newreno));
    let rtt = SimDuration::from_millis(100);
    assert!(rs[2].saturating_since(rs[0]) < rtt, "{rs:?}");
    assert!(
        rn[2].saturating_since(rn[0]) >= SimDuration::from_millis(200),
        "{rn:?}"
    );
    assert!(
        transfer_time(&sack) + SimDuration::from_millis(200) <= transfer_time(&newreno),
        "sack {:?} newreno {:?}",
        transfer_time(&sack),
        transfer_time(&newreno)
    );
}

#[test]
fn sack_blocks_put_the_latest_segment_first() {
    let p = three_losses_in_one_window(cfg(true), cfg(true));
    let l = p.ladder_text();
    let sacks: Vec<&String> = l
        .iter()
        .filter(|x| x.starts_with("B ") && x.contains("sack="))
        .collect();
    // Data segment k (from 1) covers [1448(k-1)+1, 1448k+1) with 1460-byte
    // segments: offsets of segment k start at 1460(k-1)+1 relative to the
    // ISS. After segment 3 is lost, 4 arrives: one block [4381, 5841).
    assert_eq!(sacks[0], "B ACK seq=1 ack=2921 sack=4381-5841");
    // After 7 is lost, 8 arrives: its block first, then the older one.
    let two = sacks.iter().find(|x| x.contains(',')).unwrap();
    assert_eq!(
        two.as_str(),
        "B ACK seq=1 ack=2921 sack=10221-11681,4381-8761"
    );
}

#[test]
fn sack_is_used_only_when_both_syns_offer_it() {
    let p = three_losses_in_one_window(cfg(true), cfg(false));
    assert!(p.ladder.iter().all(|l| l.seg.sack.is_empty()));
    let syn_ack = p
        .ladder
        .iter()
        .find(|l| l.seg.flags == Flags::SYN | Flags::ACK)
        .unwrap();
    assert!(!syn_ack.seg.sack_permitted, "RFC 2018 §2: not offered back");
    assert!(p.ladder[0].seg.sack_permitted);
    let s = p.a.as_ref().unwrap().stats();
    assert_eq!(s.retransmissions, 3);
}

#[test]
fn prr_spreads_recovery_sends_and_ends_at_ssthresh() {
    let prr = three_losses_in_one_window(
        TcpConfig {
            prr: true,
            ..cfg(true)
        },
        cfg(true),
    );
    let s = prr.a.as_ref().unwrap().stats();
    assert_eq!((s.fast_retransmits, s.timeouts), (1, 0), "{s:?}");
    // RFC 6937: at the end of recovery cwnd = ssthresh, half the 20-segment
    // flight.
    let cuts: Vec<(u32, u32)> = prr
        .events_a
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Cwnd { cwnd, ssthresh } if *ssthresh != u32::MAX => Some((*cwnd, *ssthresh)),
            _ => None,
        })
        .collect();
    // ssthresh = FlightSize / 2: 18 segments were outstanding when the
    // third duplicate ACK came (the first two were acknowledged), and what
    // limited transmit sent does not count (RFC 5681 §3.2 step 2).
    let ssthresh = cuts[0].1;
    assert_eq!(ssthresh, 9 * 1460);
    assert!(cuts.iter().all(|&(_, t)| t == ssthresh), "{cuts:?}");
    // cwnd = pipe + sndcnt comes down step by step as ACKs arrive
    // (proportionally while pipe > ssthresh), never jumping, and recovery
    // ends at ssthresh.
    assert!(cuts.windows(2).all(|w| w[1].0 <= w[0].0), "{cuts:?}");
    assert!(cuts.len() >= 5, "{cuts:?}");
    assert_eq!(cuts.last().unwrap().0, ssthresh);
}

/// Hand-driven handshake between two connections with `cfg`, returning
/// both, established, and the time.
fn established(cfg: TcpConfig) -> (Connection, Connection, SimTime) {
    let t0 = SimTime::ZERO;
    let mut a = Connection::connect(cfg.clone(), t0, 4000, 80, SeqNum(1000));
    let syn = a.poll_transmit().unwrap();
    let t1 = t0 + SimDuration::from_millis(10);
    let mut b = Connection::accept(cfg, t1, 80, 4000, SeqNum(5000), &syn).unwrap();
    let syn_ack = b.poll_transmit().unwrap();
    let t2 = t1 + SimDuration::from_millis(10);
    a.handle_segment(t2, &syn_ack);
    let ack = a.poll_transmit().unwrap();
    let t3 = t2 + SimDuration::from_millis(10);
    b.handle_segment(t3, &ack);
    while b.poll_event().is_some() {}
    while a.poll_event().is_some() {}
    (a, b, t3)
}

#[test]
fn timestamps_take_twelve_bytes_of_each_segment_and_echo_the_peer() {
    let cfg = TcpConfig {
        timestamps: true,
        ..cfg(true)
    };
    let t0 = SimTime::ZERO;
    let mut a = Connection::connect(cfg.clone(), t0, 4000, 80, SeqNum(1000));
    let syn = a.poll_transmit().unwrap();
    // RFC 7323 §3.2: TSecr is zero on the first SYN.
    assert_eq!(syn.timestamps.map(|t| t.ecr), Some(0));
    let (mut a, mut b, now) = established(cfg);
    assert_eq!(a.mss(), 1448, "1460 less the 12-byte option");
    a.send(now, 3000);
    let seg = a.poll_transmit().unwrap();
    let seg2 = a.poll_transmit().unwrap();
    assert_eq!(seg.data.len, 1448);
    assert_eq!(seg.wire_size(), 1500, "a full Ethernet frame's payload");
    let later = now + SimDuration::from_millis(25);
    b.handle_segment(later, &seg);
    b.handle_segment(later, &seg2);
    let ack = b.poll_transmit().unwrap();
    // The ACK echoes A's TSval (RFC 7323 §4.3: TS.Recent from the segment
    // at Last.ACK.sent).
    assert_eq!(ack.timestamps.unwrap().ecr, seg.timestamps.unwrap().val);
}

#[test]
fn paws_drops_an_old_duplicate_and_answers_with_an_ack() {
    let cfg = TcpConfig {
        timestamps: true,
        ..cfg(true)
    };
    let (mut a, mut b, now) = established(cfg);
    a.send(now, 1448 * 2);
    let s1 = a.poll_transmit().unwrap();
    let s2 = a.poll_transmit().unwrap();
    b.handle_segment(now, &s1);
    b.handle_segment(now, &s2);
    while b.poll_transmit().is_some() {}
    while b.poll_event().is_some() {}
    // A segment with the right sequence number but a TSval from before
    // the connection's last one: an old duplicate from a previous
    // incarnation, wrapped into the window (RFC 7323 §5).
    let mut old = s2.clone();
    old.seq = s2.seq + 1448;
    old.data = Data {
        offset: 2 * 1448,
        len: 100,
    };
    old.timestamps = Some(Timestamps {
        val: s1.timestamps.unwrap().val.wrapping_sub(1000),
        ecr: 0,
    });
    let before = b.stats().bytes_delivered;
    b.handle_segment(now + SimDuration::from_millis(1), &old);
    assert_eq!(b.stats().bytes_delivered, before, "not delivered");
    assert_eq!(b.stats().paws_drops, 1);
    let events: Vec<Event> = std::iter::from_fn(|| b.poll_event()).collect();
    assert!(events.contains(&Event::Dropped("PAWS: timestamp older than TS.Recent")));
    let ack = b.poll_transmit().expect("an ACK answers it (§5.3 R1)");
    assert_eq!(ack.flags, Flags::ACK);
    assert_eq!(ack.ack, s2.seq + 1448);
}

#[test]
fn a_duplicate_segment_is_reported_in_a_dsack_block() {
    let (mut a, mut b, now) = established(cfg(true));
    a.send(now, 1460);
    let s1 = a.poll_transmit().unwrap();
    b.handle_segment(now, &s1);
    let _ = b.poll_transmit();
    // The same segment again: RFC 2883 §4.1, a D-SACK block below the
    // cumulative ACK.
    b.handle_segment(now, &s1);
    let ack = b.poll_transmit().unwrap();
    assert_eq!(ack.sack.as_slice(), &[(s1.seq, s1.seq + 1460)]);
    a.handle_segment(now, &ack);
    assert_eq!(a.stats().dsacks_received, 1);
    // The report is made once.
    b.handle_segment(now, &ack_only(&s1));
    assert!(b.poll_transmit().is_none_or(|s| s.sack.is_empty()));
}

fn ack_only(s: &Segment) -> Segment {
    Segment {
        data: Data::default(),
        flags: Flags::ACK,
        seq: s.seq + s.data.len,
        ..s.clone()
    }
}

/// Data B held out of order comes again inside an in-order segment: B's
/// ACK reports the first repeated run as a D-SACK block before its SACK
/// blocks (RFC 2883 §4.1.2; Linux's `tcp_ofo_queue`).
#[test]
fn data_held_out_of_order_and_sent_again_is_dsacked() {
    let mut p = Pair::connect(cfg(true), 10);
    p.run_ms(100);
    let now = p.now;
    let b = p.conn(Side::B);
    let base = b.recv_next();
    let (una, _, _) = b.send_pointers();
    let seg = |from: u32, len: u32| Segment {
        src_port: 4000,
        dst_port: 80,
        seq: base + from,
        ack: una,
        flags: Flags::ACK,
        wnd: 1_000,
        data: Data {
            offset: u64::from(from),
            len,
        },
        ..Segment::default()
    };
    // 1000..3000 and 6000..7000 arrive ahead of a hole at 0.
    for (from, len) in [(1_000, 1_000), (2_000, 1_000), (6_000, 1_000)] {
        b.handle_segment(now, &seg(from, len));
    }
    while b.poll_transmit().is_some() {}
    // Then 0..5000 in one segment.
    b.handle_segment(now, &seg(0, 5_000));
    let ack = b.poll_transmit().expect("an ACK");
    assert_eq!(ack.ack, base + 5_000);
    assert_eq!(
        ack.sack.as_slice(),
        [(base + 1_000, base + 3_000), (base + 6_000, base + 7_000)]
    );
}
