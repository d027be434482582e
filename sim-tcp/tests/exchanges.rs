//! Whole exchanges between two connections, as ladders: the handshake and
//! close variants that textbooks draw.

mod support;

use sim_core::SimDuration;
use sim_tcp::State::*;
use sim_tcp::TcpConfig;
use support::{Pair, Side};

fn cfg() -> TcpConfig {
    TcpConfig {
        delayed_ack: None,
        time_wait: SimDuration::from_secs(4),
        ..TcpConfig::default()
    }
}

#[test]
fn three_way_handshake() {
    let mut p = Pair::connect(cfg(), 10);
    p.run_ms(100);
    assert_eq!(
        p.ladder_text(),
        ["A SYN seq=0", "B SYN,ACK seq=0 ack=1", "A ACK seq=1 ack=1"]
    );
    assert_eq!(p.states(Side::A), [Closed, SynSent, Established]);
    assert_eq!(p.states(Side::B), [Listen, SynRcvd, Established]);
}

#[test]
fn four_way_close_with_time_wait() {
    let mut p = Pair::connect(cfg(), 10);
    p.run_ms(100);
    let now = p.now;
    p.conn(Side::A).close(now);
    p.flush();
    p.run_ms(100);
    assert_eq!(p.state(Side::A), FinWait2);
    assert_eq!(p.state(Side::B), CloseWait);
    let now = p.now;
    p.conn(Side::B).close(now);
    p.flush();
    p.run_ms(100);
    assert_eq!(p.state(Side::A), TimeWait);
    assert_eq!(p.state(Side::B), Closed);
    p.run_ms(5_000);
    assert_eq!(p.state(Side::A), Closed);
    assert_eq!(
        p.states(Side::A),
        [
            Closed,
            SynSent,
            Established,
            FinWait1,
            FinWait2,
            TimeWait,
            Closed
        ]
    );
    assert_eq!(
        p.states(Side::B),
        [Listen, SynRcvd, Established, CloseWait, LastAck, Closed]
    );
    assert_eq!(
        &p.ladder_text()[3..],
        [
            "A FIN,ACK seq=1 ack=1",
            "B ACK seq=1 ack=2",
            "B FIN,ACK seq=1 ack=2",
            "A ACK seq=2 ack=2"
        ]
    );
}

#[test]
fn fin_ack_takes_fin_wait_1_straight_to_time_wait() {
    // B's application closes as soon as A's FIN arrives, so B's ACK of the
    // FIN rides on B's own FIN.
    let mut p = Pair::connect(cfg(), 10);
    p.close_on_peer_fin[1] = true;
    p.run_ms(100);
    let now = p.now;
    p.conn(Side::A).close(now);
    p.flush();
    p.run_ms(100);
    assert_eq!(
        p.states(Side::A),
        [Closed, SynSent, Established, FinWait1, TimeWait]
    );
    assert_eq!(
        p.states(Side::B),
        [Listen, SynRcvd, Established, CloseWait, LastAck, Closed]
    );
    assert_eq!(
        &p.ladder_text()[3..],
        [
            "A FIN,ACK seq=1 ack=1",
            "B FIN,ACK seq=1 ack=2",
            "A ACK seq=2 ack=2"
        ]
    );
}

#[test]
fn simultaneous_open() {
    let mut p = Pair::simultaneous(cfg(), 10);
    p.run_ms(200);
    assert_eq!(p.states(Side::A), [Closed, SynSent, SynRcvd, Established]);
    assert_eq!(p.states(Side::B), [Closed, SynSent, SynRcvd, Established]);
    let l = p.ladder_text();
    assert_eq!(
        &l[..4],
        [
            "A SYN seq=0",
            "B SYN seq=0",
            "B SYN,ACK seq=0 ack=1 rtx",
            "A SYN,ACK seq=0 ack=1 rtx"
        ]
    );
}

#[test]
fn simultaneous_close_goes_through_closing() {
    let mut p = Pair::connect(cfg(), 10);
    p.run_ms(100);
    let now = p.now;
    p.conn(Side::A).close(now);
    p.conn(Side::B).close(now);
    p.flush();
    p.run_ms(100);
    for side in [Side::A, Side::B] {
        assert_eq!(
            p.states(side)[2..],
            [Established, FinWait1, Closing, TimeWait]
        );
    }
    p.run_ms(5_000);
    assert_eq!(p.state(Side::A), Closed);
    assert_eq!(p.state(Side::B), Closed);
}

#[test]
fn half_close_lets_data_flow_the_other_way() {
    let mut p = Pair::connect(cfg(), 10);
    p.run_ms(100);
    let now = p.now;
    p.conn(Side::A).close(now);
    p.flush();
    p.run_ms(100);
    assert_eq!((p.state(Side::A), p.state(Side::B)), (FinWait2, CloseWait));
    let now = p.now;
    assert!(p.conn(Side::B).send(now, 100_000));
    assert!(!p.conn(Side::A).send(now, 1), "A closed its direction");
    p.flush();
    p.run_ms(2_000);
    assert_eq!(p.delivered(Side::A), 100_000);
    assert_eq!(p.state(Side::A), FinWait2);
    let now = p.now;
    p.conn(Side::B).close(now);
    p.flush();
    p.run_ms(100);
    assert_eq!(p.state(Side::A), TimeWait);
}

#[test]
fn bulk_transfer_delivers_every_byte_in_order() {
    let mut p = Pair::connect(cfg(), 5);
    p.run_ms(50);
    let now = p.now;
    p.conn(Side::A).send(now, 1_000_000);
    p.flush();
    p.run_ms(20_000);
    assert_eq!(p.delivered(Side::B), 1_000_000);
    assert_eq!(p.conn(Side::A).stats().bytes_acked, 1_000_000);
    assert_eq!(p.conn(Side::A).stats().retransmissions, 0);
}

#[test]
fn a_lost_segment_is_fast_retransmitted() {
    let mut p = Pair::connect(cfg(), 5);
    // Drop the 10th segment A sends (a data segment) once.
    let mut a_count = 0;
    p.drop = Box::new(move |side, _, seg| {
        if side == Side::A && seg.data.len > 0 {
            a_count += 1;
            return a_count == 10;
        }
        false
    });
    p.run_ms(50);
    let now = p.now;
    p.conn(Side::A).send(now, 300_000);
    p.flush();
    p.run_ms(20_000);
    assert_eq!(p.delivered(Side::B), 300_000);
    let s = p.conn(Side::A).stats();
    assert_eq!(s.fast_retransmits, 1, "{s:?}");
    assert_eq!(s.timeouts, 0, "{s:?}");
    assert_eq!(s.retransmissions, 1, "{s:?}");
}

#[test]
fn syn_retransmits_with_exponential_backoff_then_fails() {
    let mut p = Pair::connect(cfg(), 10);
    p.drop = Box::new(|_, _, _| true);
    p.wire.clear();
    p.run_ms(400_000);
    let syn_times: Vec<u64> = p
        .ladder
        .iter()
        .map(|l| l.t.as_nanos() / 1_000_000_000)
        .collect();
    // Sent at 0 (dropped by the wire cleared above), then 1, 3, 7, ... s.
    // The rfc profile's 60 s ceiling on RTO caps the last interval.
    assert_eq!(syn_times, [0, 1, 3, 7, 15, 31, 63, 123]);
    assert_eq!(p.state(Side::A), Closed);
    assert!(p.events_a.iter().any(
        |(t, e)| *e == sim_tcp::conn::Event::ConnectFailed("timeout")
            && t.as_nanos() == 183_000_000_000
    ));
}

/// Drops A's 10th data segment, then the first segment of new data A sends
/// after retransmitting it: the first segment sent once recovery began.
fn drop_tenth_then_first_new_after_recovery() -> support::DropRule {
    let mut count = 0;
    let mut lost: Option<sim_tcp::seq::SeqNum> = None;
    // One past the highest byte sent before the retransmission.
    let mut high = 0u32;
    let mut retransmitted = false;
    let mut second_dropped = false;
    Box::new(move |side, _, seg| {
        if side != Side::A || seg.data.len == 0 {
            return false;
        }
        count += 1;
        let end = seg.seq.0.wrapping_add(seg.data.len);
        if count == 10 {
            lost = Some(seg.seq);
            high = end;
            return true;
        }
        if Some(seg.seq) == lost && !retransmitted {
            retransmitted = true;
            return false;
        }
        if retransmitted && !second_dropped && seg.seq.0 == high {
            second_dropped = true;
            return true;
        }
        if !retransmitted {
            high = high.max(end);
        }
        false
    })
}

#[test]
fn losing_the_first_segment_sent_in_recovery_is_fast_retransmitted_too() {
    // RFC 6582 §3.2 step 2: `recover` is the highest sequence number sent
    // when recovery began. The segment just after it is covered by the
    // next ACK's "more than recover", so its own duplicate ACKs start a
    // second fast retransmit instead of waiting for the timer.
    let mut p = Pair::connect(cfg(), 5);
    p.drop = drop_tenth_then_first_new_after_recovery();
    p.run_ms(50);
    let now = p.now;
    p.conn(Side::A).send(now, 300_000);
    p.flush();
    p.run_ms(20_000);
    assert_eq!(p.delivered(Side::B), 300_000);
    assert_eq!(
        p.ladder.iter().filter(|l| l.dropped).count(),
        2,
        "both drops happened"
    );
    let s = p.conn(Side::A).stats();
    assert_eq!(s.fast_retransmits, 2, "{s:?}");
    assert_eq!(s.timeouts, 0, "{s:?}");
    assert_eq!(s.retransmissions, 2, "{s:?}");
}

#[test]
fn after_a_lost_syn_the_first_data_timeout_is_3s() {
    // RFC 6298 (5.7): the RTO is re-initialized to 3 s when data
    // transmission begins; the SYN's backoff (1 s doubled to 2 s) is not
    // carried over, which would make it 6 s.
    let mut p = Pair::connect(cfg(), 10);
    let mut a_data = 0;
    p.drop = Box::new(move |side, _, seg| {
        if side != Side::A {
            return false;
        }
        if seg.data.len > 0 {
            a_data += 1;
            return a_data == 1;
        }
        false
    });
    // The first SYN is already on the wire: lose it.
    p.wire.clear();
    p.run_ms(1_100);
    assert_eq!(p.state(Side::A), Established);
    let now = p.now;
    p.conn(Side::A).send(now, 100);
    p.flush();
    p.run_ms(10_000);
    assert_eq!(p.delivered(Side::B), 100);
    let data: Vec<_> = p.ladder.iter().filter(|l| l.seg.data.len > 0).collect();
    assert_eq!(data.len(), 2, "{:?}", p.ladder_text());
    assert!(data[1].retransmission);
    assert_eq!(
        data[1].t.saturating_since(data[0].t),
        SimDuration::from_secs(3)
    );
    assert_eq!(
        p.conn(Side::A).stats().timeouts,
        2,
        "the SYN's and the data's"
    );
}

/// A sends 20 kB with a 3-segment initial window and loses its first data
/// segment: only two segments follow it, so only two duplicate ACKs come
/// back unless limited transmit sends more.
fn first_segment_lost_in_a_small_window(limited_transmit: bool) -> Pair {
    let mut p = Pair::connect(
        TcpConfig {
            limited_transmit,
            ..cfg()
        },
        5,
    );
    let mut a_data = 0;
    p.drop = Box::new(move |side, _, seg| {
        if side == Side::A && seg.data.len > 0 {
            a_data += 1;
            return a_data == 1;
        }
        false
    });
    p.run_ms(50);
    let now = p.now;
    p.conn(Side::A).send(now, 20_000);
    p.flush();
    p.run_ms(10_000);
    assert_eq!(p.delivered(Side::B), 20_000);
    p
}

#[test]
fn limited_transmit_turns_two_duplicate_acks_into_a_fast_retransmit() {
    // RFC 5681 §3.2 step 1 (RFC 3042): the first and second duplicate ACKs
    // each send a segment of new data, whose ACK is the third duplicate.
    let p = first_segment_lost_in_a_small_window(true);
    let s = p.a.as_ref().unwrap().stats();
    assert_eq!((s.fast_retransmits, s.timeouts), (1, 0), "{s:?}");
    let l = p.ladder_text();
    let a_data: Vec<&String> = l
        .iter()
        .filter(|x| x.starts_with("A ") && x.contains("len="))
        .collect();
    assert_eq!(
        a_data[..6],
        [
            "A PSH,ACK seq=1 ack=1 len=1460 DROPPED",
            "A PSH,ACK seq=1461 ack=1 len=1460",
            "A PSH,ACK seq=2921 ack=1 len=1460",
            // One new segment per duplicate ACK, beyond the 3-segment cwnd.
            "A PSH,ACK seq=4381 ack=1 len=1460",
            "A PSH,ACK seq=5841 ack=1 len=1460",
            "A PSH,ACK seq=1 ack=1 len=1460 rtx",
        ]
    );
    // ssthresh = FlightSize / 2 counts the three segments sent before the
    // loss, not the two limited transmit added (step 2): max(4380 / 2,
    // 2 SMSS) = 2920, and cwnd = ssthresh + 3 SMSS.
    let first_cut = p.events_a.iter().find_map(|(_, e)| match e {
        sim_tcp::conn::Event::Cwnd { cwnd, ssthresh } if *ssthresh != u32::MAX => {
            Some((*cwnd, *ssthresh))
        }
        _ => None,
    });
    assert_eq!(first_cut, Some((2920 + 3 * 1460, 2920)));
}

#[test]
fn without_limited_transmit_two_duplicate_acks_wait_for_the_timer() {
    let p = first_segment_lost_in_a_small_window(false);
    let s = p.a.as_ref().unwrap().stats();
    assert_eq!((s.fast_retransmits, s.timeouts), (0, 1), "{s:?}");
}
