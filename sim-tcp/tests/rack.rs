//! RACK-TLP (RFC 8985) seen on the wire between two connections: lost
//! retransmissions found by time (§6), a tail loss repaired by a probe
//! (§7), and reordering within the reordering window left alone.

mod support;

use std::collections::HashMap;

use sim_core::SimDuration;
use sim_tcp::TcpConfig;
use sim_tcp::conn::ConnStats;
use support::{Pair, Side};

fn cfg(rack_tlp: bool) -> TcpConfig {
    TcpConfig {
        delayed_ack: None,
        rcv_buf: 1 << 20,
        initial_window: sim_tcp::InitialWindow::Segments(20),
        sack: true,
        rack_tlp,
        ..TcpConfig::default()
    }
}

/// A sends `segments` full segments over a 50 ms one-way path; the
/// transmissions of data segment `k` (counted from 1 in first-sent order)
/// numbered in `lose` (from 1) are dropped.
fn run(rack_tlp: bool, segments: u64, k: usize, lose: &'static [u32]) -> (Pair, ConnStats) {
    let mut p = Pair::connect_with(cfg(rack_tlp), cfg(rack_tlp), 50);
    let mut order: Vec<u64> = Vec::new();
    let mut times: HashMap<u64, u32> = HashMap::new();
    p.drop = Box::new(move |side, _, seg| {
        if side != Side::A || seg.data.len == 0 {
            return false;
        }
        if !order.contains(&seg.data.offset) {
            order.push(seg.data.offset);
        }
        let n = times.entry(seg.data.offset).or_insert(0);
        *n += 1;
        order.get(k - 1) == Some(&seg.data.offset) && lose.contains(n)
    });
    p.run_ms(200);
    let now = p.now;
    p.conn(Side::A).send(now, segments * 1460);
    p.flush();
    p.run_ms(20_000);
    assert_eq!(p.delivered(Side::B), segments * 1460);
    let s = p.a.as_ref().unwrap().stats();
    (p, s)
}

#[test]
fn rack_resends_a_lost_retransmission_without_a_timeout() {
    // Segment 3 and its first retransmission are lost. RFC 6675 alone never
    // deems a retransmission lost again: the RTO resends it.
    let (_, plain) = run(false, 40, 3, &[1, 2]);
    assert_eq!(plain.timeouts, 1, "{plain:?}");
    // RACK: segments sent after the retransmission are SACKed one round
    // trip later, so it is lost (RFC 8985 §6.2 step 5) and sent again.
    let (p, s) = run(true, 40, 3, &[1, 2]);
    assert_eq!(
        (s.timeouts, s.fast_retransmits, s.retransmissions),
        (0, 1, 2),
        "{s:?}"
    );
    assert_eq!(s.rack_losses, 2, "the original and the retransmission");
    // The second retransmission goes one round trip after the first.
    let rtx: Vec<_> = p
        .ladder
        .iter()
        .filter(|l| l.retransmission && l.from == Side::A)
        .map(|l| l.t)
        .collect();
    let gap = rtx[1].saturating_since(rtx[0]);
    assert!(
        gap >= SimDuration::from_millis(100) && gap < SimDuration::from_millis(150),
        "{rtx:?}"
    );
}

#[test]
fn a_tail_loss_is_repaired_by_a_probe_not_a_timeout() {
    let (_, plain) = run(false, 10, 10, &[1]);
    assert_eq!(plain.timeouts, 1, "{plain:?}");
    let (p, s) = run(true, 10, 10, &[1]);
    assert_eq!(
        (s.tlp_probes, s.timeouts, s.retransmissions),
        (1, 0, 1),
        "{s:?}"
    );
    // The probe goes 2 SRTT + WCDelAckT (one segment in flight) after the
    // last ACK reaches A (RFC 8985 §7.2): 400 ms, not the 1 s RTO; B sent
    // that ACK 50 ms before.
    let last_ack = p
        .ladder
        .iter()
        .filter(|l| {
            l.from == Side::B && l.t < p.ladder.iter().find(|l| l.retransmission).unwrap().t
        })
        .map(|l| l.t)
        .max()
        .unwrap();
    let probe = p.ladder.iter().find(|l| l.retransmission).unwrap().t;
    assert_eq!(
        probe.saturating_since(last_ack),
        SimDuration::from_millis(450)
    );
}

/// Three segments; the first arrives `late_ms` after the others.
fn reordered(late_ms: u64) -> ConnStats {
    let mut p = Pair::connect_with(cfg(true), cfg(true), 50);
    let mut first: Option<u64> = None;
    p.extra_delay = Box::new(move |side, _, seg| {
        if side == Side::A
            && seg.data.len > 0
            && *first.get_or_insert(seg.data.offset) == seg.data.offset
        {
            SimDuration::from_millis(late_ms)
        } else {
            SimDuration::ZERO
        }
    });
    p.run_ms(200);
    let now = p.now;
    p.conn(Side::A).send(now, 3 * 1460);
    p.flush();
    p.run_ms(5_000);
    assert_eq!(p.delivered(Side::B), 3 * 1460);
    p.a.as_ref().unwrap().stats()
}

#[test]
fn reordering_within_the_window_is_not_taken_for_a_loss() {
    // min_RTT 100 ms: reo_wnd 25 ms (RFC 8985 §6.2 step 4), with fewer than
    // DupThresh segments SACKed. 5 ms late: the reordering timer would
    // fire at 125 ms, the cumulative ACK comes at 105 ms.
    let s = reordered(5);
    assert_eq!((s.retransmissions, s.rack_losses), (0, 0), "{s:?}");
    // 40 ms late: the timer fires first and the segment is resent.
    let s = reordered(40);
    assert_eq!(
        (s.retransmissions, s.rack_losses, s.timeouts),
        (1, 1, 0),
        "{s:?}"
    );
}

/// A FIN sent after the data is new data too: the probe timer restarts
/// from it (RFC 8985 §7.2), so the probe goes two round trips after the
/// FIN, not after the data before it.
#[test]
fn a_fin_restarts_the_probe_timer() {
    let mut p = Pair::connect_with(cfg(true), cfg(true), 50);
    p.run_ms(200);
    // Nothing of what A sends from now on arrives.
    p.drop = Box::new(|side, _, seg| {
        side == Side::A && (seg.data.len > 0 || seg.has(sim_tcp::Flags::FIN))
    });
    let now = p.now;
    p.conn(Side::A).send(now, 5 * 1460);
    p.flush();
    p.run_ms(10);
    let now = p.now;
    p.conn(Side::A).close(now);
    p.flush();
    p.run_ms(1_000);
    let a: Vec<_> = p.ladder.iter().filter(|l| l.from == Side::A).collect();
    let fin = a
        .iter()
        .find(|l| l.seg.has(sim_tcp::Flags::FIN) && !l.retransmission)
        .expect("a FIN")
        .t;
    let probe = a.iter().find(|l| l.retransmission).expect("a probe").t;
    let after_fin = probe.saturating_since(fin);
    // 2 SRTT = 200 ms (a few ms more for Linux's minimum added to it).
    assert!(
        after_fin >= SimDuration::from_millis(200) && after_fin < SimDuration::from_millis(250),
        "probe {after_fin:?} after the FIN"
    );
}
