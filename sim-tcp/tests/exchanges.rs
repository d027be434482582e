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
