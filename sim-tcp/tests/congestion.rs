//! Congestion control seen on one path: how CUBIC leaves slow start with
//! and without HyStart (Linux's) and HyStart++ (RFC 9406), and how Reno
//! and NewReno recover from several losses in one window.

mod support;

use sim_core::{SimDuration, SimTime};
use sim_tcp::conn::Event;
use sim_tcp::{CongestionKind, HyStart, Profile, TcpConfig};
use support::{Bottleneck, Pair, Side};

/// A bottleneck of `mbit` Mbit/s, 20 ms each way (40 ms of RTT) and a
/// queue of 100 packets.
#[derive(Clone, Copy)]
struct Path {
    mbit: u64,
    /// Queue, bytes.
    queue: u64,
}

const QUEUE: u64 = 100 * 1500;

impl Path {
    /// What the path itself holds, in bytes.
    fn bdp(self) -> u32 {
        (self.mbit * 125_000 * 40 / 1000) as u32
    }
}

/// 10 Mbit/s: a BDP of 50 000 bytes (35 segments of 1448); delayed ACKs
/// come 2.4 ms apart, too far apart for an ACK train (2 ms).
const SLOW: Path = Path {
    mbit: 10,
    queue: QUEUE,
};
/// 50 Mbit/s: a BDP of 250 000 bytes; ACKs 0.5 ms apart.
const FAST: Path = Path {
    mbit: 50,
    queue: QUEUE,
};

fn cubic(hystart: HyStart) -> TcpConfig {
    TcpConfig {
        congestion: CongestionKind::Cubic,
        hystart,
        rcv_buf: 8 << 20,
        ..TcpConfig::profile(Profile::Linux)
    }
}

/// A sends 8 MB through the bottleneck; returns the pair after 3 s.
fn bulk(cfg: TcpConfig, path: Path) -> Pair {
    let mut p = Pair::connect_with(cfg.clone(), cfg, 20);
    p.bottleneck = Some(Bottleneck::new(path.mbit, path.queue));
    p.run_ms(100);
    let now = p.now;
    p.conn(Side::A).send(now, 8 << 20);
    p.flush();
    p.run_ms(3_000);
    p
}

/// A's window changes: (time, cwnd, ssthresh).
fn cwnds(p: &Pair) -> Vec<(SimTime, u32, u32)> {
    p.events_a
        .iter()
        .filter_map(|(t, e)| match e {
            Event::Cwnd { cwnd, ssthresh } => Some((*t, *cwnd, *ssthresh)),
            _ => None,
        })
        .collect()
}

/// The first change that set ssthresh: when slow start ended, cwnd and
/// ssthresh then.
fn slow_start_end(p: &Pair) -> (SimTime, u32, u32) {
    *cwnds(p)
        .iter()
        .find(|(_, _, ss)| *ss < 1 << 30)
        .expect("slow start ended")
}

/// When the bottleneck first dropped one of A's segments.
fn first_loss(p: &Pair) -> Option<SimTime> {
    p.ladder
        .iter()
        .find(|l| l.from == Side::A && l.dropped)
        .map(|l| l.t)
}

/// The largest window in slow start (before ssthresh was set).
fn slow_start_peak(p: &Pair) -> u32 {
    cwnds(p)
        .iter()
        .take_while(|(_, _, ss)| *ss >= 1 << 30)
        .map(|(_, c, _)| *c)
        .max()
        .unwrap()
}

/// HyStart sets ssthresh to cwnd before the ACK that found the exit grows
/// the window (in congestion avoidance, by a fraction of a segment).
fn assert_exit_at_cwnd(cwnd: u32, ssthresh: u32) {
    assert!(
        (ssthresh..ssthresh + 1448).contains(&cwnd),
        "cwnd {cwnd}, ssthresh {ssthresh}"
    );
}

#[test]
fn hystart_ack_train_leaves_slow_start_near_the_bdp_before_a_loss() {
    let p = bulk(cubic(HyStart::Linux), FAST);
    let (t, cwnd, ssthresh) = slow_start_end(&p);
    assert_exit_at_cwnd(cwnd, ssthresh);
    // ACKs 0.5 ms apart form a train; it spans half the minimum RTT (plus
    // Linux's 1 ms cushion, halved) when the window is about half the BDP,
    // and slow start counted in segments (the linux profile: the window
    // doubles in a round trip) has grown it by up to half again within
    // that round: below the path and its queue (400 000 bytes).
    let bdp = FAST.bdp();
    assert!(
        (bdp / 3..=bdp * 3 / 2).contains(&ssthresh),
        "ssthresh {ssthresh} near the BDP {bdp}, at {t:?}"
    );
    // Congestion avoidance (Linux's 5 % a round trip until a loss sets
    // W_max) fills the rest of the queue later: the loss comes after slow
    // start ended, not during it. (With RFC 5681's slower slow start the
    // exit came at a smaller window and the loss 400 ms later.)
    let loss = first_loss(&p).expect("congestion avoidance fills the queue");
    assert!(loss > t + SimDuration::from_millis(50), "{loss:?}");
}

#[test]
fn hystart_delay_rule_ends_slow_start_when_acks_are_too_sparse_for_a_train() {
    let p = bulk(cubic(HyStart::Linux), SLOW);
    let (t, cwnd, ssthresh) = slow_start_end(&p);
    assert_exit_at_cwnd(cwnd, ssthresh);
    // The round's smallest RTT exceeds the 42 ms minimum by more than
    // 5.3 ms (an eighth) once the standing queue holds some 5 packets at
    // the start of a round; slow start's growth within that round (the
    // window doubles in a round trip, counted in segments) takes the
    // window to under three times the BDP, still short of the path and
    // its 100-packet queue (200 000 bytes).
    let bdp = SLOW.bdp();
    assert!(
        (bdp..=bdp + QUEUE as u32 * 2 / 3).contains(&ssthresh),
        "ssthresh {ssthresh}, BDP {bdp}"
    );
    let loss = first_loss(&p).expect("congestion avoidance fills the queue");
    assert!(
        loss > t + SimDuration::from_millis(800),
        "{loss:?} t {t:?} ssthresh {ssthresh} bdp {bdp}"
    );
    assert!(p.delivered(Side::B) > 3_000_000);
}

#[test]
fn without_hystart_cubic_overshoots_until_the_queue_overflows() {
    for path in [SLOW, FAST] {
        let p = bulk(cubic(HyStart::Off), path);
        let loss = first_loss(&p).expect("the queue overflows");
        let (t, _, ssthresh) = slow_start_end(&p);
        assert!(t > loss, "slow start ends only after a loss");
        // The window passed the path and its queue.
        let peak = slow_start_peak(&p);
        let full = path.bdp() + QUEUE as u32;
        assert!(peak > full, "peak {peak}, path and queue {full}");
        assert!(ssthresh > path.bdp(), "ssthresh {ssthresh}");
        assert!(stats(&p).retransmissions > 10);

        let h = bulk(cubic(HyStart::Linux), path);
        assert!(slow_start_peak(&h) < full);
        assert!(slow_start_end(&h).0 < t);
    }
}

/// The times of window increases smaller than one MSS made while
/// ssthresh was still unset: Conservative Slow Start's quarter steps (RFC
/// 9406 §4.2; slow start grows by at least one MSS per ACK).
fn css_steps(p: &Pair) -> Vec<SimTime> {
    let mut steps = Vec::new();
    let mut last = None;
    for (t, cwnd, ss) in cwnds(p) {
        if ss < 1 << 30 {
            break;
        }
        if let Some(prev) = last
            && cwnd > prev
            && cwnd - prev < 1448
        {
            steps.push(t);
        }
        last = Some(cwnd);
    }
    steps
}

#[test]
fn hystart_pp_enters_css_then_congestion_avoidance_before_a_loss() {
    // 10 Mbit/s with a deep queue (600 packets, 720 ms): room for CSS's
    // five rounds at a quarter of slow start's growth. (400 packets held
    // them with delayed ACKs from the first segment; the linux profile's
    // quick ACKs make the first rounds grow faster and the exit come at a
    // larger window, and then the fifth CSS round overflows 400.)
    let path = Path {
        mbit: 10,
        queue: 600 * 1500,
    };
    let p = bulk(cubic(HyStart::PlusPlus), path);
    let css = css_steps(&p);
    assert!(css.len() > 100, "{} CSS increments", css.len());
    // CSS_ROUNDS rounds later, ssthresh = cwnd: congestion avoidance
    // without a loss.
    let (t, cwnd, ssthresh) = slow_start_end(&p);
    assert!(css[0] < t);
    assert_exit_at_cwnd(cwnd, ssthresh);
    assert_eq!(first_loss(&p), None);
    assert_eq!(stats(&p).fast_retransmits, 0);
    // Without it, slow start overflows even this queue.
    let off = bulk(cubic(HyStart::Off), path);
    assert!(first_loss(&off).is_some());
    assert!(css_steps(&off).is_empty());
}

#[test]
fn hystart_pp_enters_css_before_the_first_loss_on_a_shorter_queue() {
    // 50 Mbit/s, 100 packets: the delay rise is seen and CSS begins, but
    // five rounds of growth by a quarter still overflow the queue; the
    // loss ends HyStart++ (RFC 9406 §4.2).
    let p = bulk(cubic(HyStart::PlusPlus), FAST);
    let css = css_steps(&p);
    let loss = first_loss(&p).expect("a loss in CSS");
    assert!(!css.is_empty() && css[0] < loss);
    let (t, cwnd, ssthresh) = slow_start_end(&p);
    assert!(t > loss);
    assert!(ssthresh < cwnd, "a loss response, not CSS's end");
}

fn reno_cfg(kind: CongestionKind) -> TcpConfig {
    TcpConfig {
        congestion: kind,
        delayed_ack: None,
        rcv_buf: 1 << 20,
        initial_window: sim_tcp::InitialWindow::Segments(20),
        ..TcpConfig::default()
    }
}

/// One 20-segment window over 50 ms each way, SACK off, losing the first
/// transmissions of data segments 3, 7 and 12 (counted from 1).
fn three_losses(kind: CongestionKind) -> Pair {
    let cfg = reno_cfg(kind);
    let mut p = Pair::connect_with(cfg.clone(), cfg, 50);
    p.drop = support::lose_first_sends(&[3, 7, 12]);
    p.run_ms(200);
    let now = p.now;
    p.conn(Side::A).send(now, 40 * 1460);
    p.flush();
    p.run_ms(20_000);
    assert_eq!(p.delivered(Side::B), 40 * 1460);
    p
}

/// Data offsets A retransmitted, in order, and whether a timeout sent each.
fn retransmitted(p: &Pair) -> Vec<u64> {
    p.ladder
        .iter()
        .filter(|l| l.from == Side::A && l.retransmission && l.seg.data.len > 0)
        .map(|l| l.seg.data.offset / 1460 + 1)
        .collect()
}

#[test]
fn newreno_repairs_three_losses_in_one_recovery_where_reno_needs_more() {
    let newreno = three_losses(CongestionKind::NewReno);
    let reno = three_losses(CongestionKind::Reno);
    let (n, r) = (stats(&newreno), stats(&reno));
    // NewReno: one fast retransmit, then a hole per partial ACK (RFC 6582
    // §3.2 step 3), no timeout.
    assert_eq!((n.fast_retransmits, n.timeouts), (1, 0));
    assert_eq!(retransmitted(&newreno), [3, 7, 12]);
    // Reno leaves recovery on the partial ACK for segment 3 (cwnd =
    // ssthresh, RFC 5681 §3.2 step 6); the segments that the inflated
    // window let out bring three more duplicate ACKs, a second fast
    // retransmit (for segment 7) and a second halving; segment 12 then
    // waits for the retransmission timer.
    assert_eq!((r.fast_retransmits, r.timeouts), (2, 1));
    assert_eq!(retransmitted(&reno)[..2], [3, 7]);
    assert!(retransmitted(&reno).contains(&12));
    // ssthresh is set once by NewReno; Reno sets it again at its second
    // fast retransmit (half of what the inflated window let out).
    let settings = |p: &Pair| {
        let mut v: Vec<u32> = cwnds(p).iter().map(|(_, _, s)| *s).collect();
        v.dedup();
        v.len() - 1
    };
    assert_eq!(settings(&newreno), 1);
    assert!(settings(&reno) >= 2);
    let done = |p: &Pair| {
        p.events_a
            .iter()
            .rev()
            .find(|(_, e)| matches!(e, Event::Acked(_)))
            .unwrap()
            .0
    };
    assert!(done(&reno) > done(&newreno) + SimDuration::from_millis(500));
}

fn stats(p: &Pair) -> sim_tcp::conn::ConnStats {
    p.a.as_ref().expect("A exists").stats()
}

fn vegas_or(kind: CongestionKind) -> TcpConfig {
    TcpConfig {
        congestion: kind,
        rcv_buf: 8 << 20,
        ..TcpConfig::profile(Profile::Linux)
    }
}

/// Queue seen by arrivals at the bottleneck after `from`, in segments of
/// 1488 bytes on the wire: (max, mean).
fn queue_after(p: &Pair, from: SimTime) -> (f64, f64) {
    let b = p.bottleneck.as_ref().expect("a bottleneck");
    let q: Vec<f64> = b
        .backlog
        .iter()
        .filter(|(t, _)| *t >= from)
        .map(|(_, q)| *q as f64 / 1488.0)
        .collect();
    let max = q.iter().cloned().fold(0.0, f64::max);
    (max, q.iter().sum::<f64>() / q.len() as f64)
}

/// A sends 64 MB for 8 s over SLOW's path (10 Mbit/s, 40 ms, a queue of
/// 100 packets) with the linux profile (timestamps: an RTT sample on
/// every ACK) and congestion control `kind`.
fn long_bulk(kind: CongestionKind) -> Pair {
    let cfg = vegas_or(kind);
    let mut p = Pair::connect_with(cfg.clone(), cfg, 20);
    p.bottleneck = Some(Bottleneck::new(SLOW.mbit, SLOW.queue));
    p.run_ms(100);
    let now = p.now;
    p.conn(Side::A).send(now, 64 << 20);
    p.flush();
    p.run_ms(8_000);
    p
}

#[test]
fn vegas_keeps_a_few_segments_queued_where_newreno_and_cubic_fill_the_buffer() {
    let settled = SimTime::ZERO + SimDuration::from_millis(4_000);
    // The path holds 10 Mbit/s x 40 ms / 1488 bytes a segment on the wire
    // = 33.6 segments.
    let path_segs = 33.6;

    let v = long_bulk(CongestionKind::Vegas);
    // Never a drop: Vegas left slow start on delay (more than gamma = 1
    // segment queued) and then stopped growing.
    assert_eq!(first_loss(&v), None);
    assert_eq!(stats(&v).retransmissions, 0);
    let (t, cwnd, ssthresh) = slow_start_end(&v);
    assert!(t < SimTime::ZERO + SimDuration::from_millis(400), "{t:?}");
    // Slow start doubles the window within the round that shows the queue,
    // so the exit window (the rate seen, + 1) overshoots the path; below
    // the path and its queue (133 segments).
    assert!((40..100).contains(&(cwnd / 1448)), "exit cwnd {cwnd}");
    assert_eq!(ssthresh, cwnd - 1448);
    // Then one segment less a round until 2 to 4 are queued: once settled,
    // arrivals find at most beta + 1 segments waiting (a delayed ACK's
    // two-segment burst on top), a standing queue of about alpha, and a
    // window of the path plus that queue.
    let (max, mean) = queue_after(&v, settled);
    assert!(max <= 5.0, "Vegas queue max {max}");
    assert!((1.0..=4.0).contains(&mean), "Vegas queue mean {mean}");
    // The window in force at 4 s and every later one.
    let all = cwnds(&v);
    let from = all.iter().rposition(|(t, _, _)| *t < settled).unwrap();
    let late: Vec<u32> = all[from..].iter().map(|(_, c, _)| c / 1448).collect();
    for c in &late {
        assert!(
            (path_segs as u32..=path_segs as u32 + 6).contains(c),
            "Vegas cwnd {c} segments after 4 s: {late:?}"
        );
    }

    for kind in [CongestionKind::NewReno, CongestionKind::Cubic] {
        let p = long_bulk(kind);
        // Loss-based: the window grows until the 100-packet queue
        // overflows, again and again (CUBIC 9 drops in 8 s, NewReno 140:
        // PRR's conservative bound keeps recovery from overflowing it
        // again at once).
        assert!(first_loss(&p).is_some(), "{kind:?}");
        assert!(stats(&p).retransmissions >= 5, "{kind:?}");
        let (max, mean) = queue_after(&p, settled);
        assert!(max > 85.0, "{kind:?} queue max {max}");
        assert!(mean > 50.0, "{kind:?} queue mean {mean}");
        // The same bottleneck, kept as busy: all three deliver the same
        // bytes in 8 s (the link's rate, less the first round trips).
        assert_eq!(p.delivered(Side::B), v.delivered(Side::B), "{kind:?}");
    }
    assert!(v.delivered(Side::B) > 9_500_000);
}
