//! `cwnd_unit`: a window counted in segments (Linux's `snd_cwnd`) holds N
//! segments whatever their size; one counted in bytes (RFC 5681) holds as
//! many small segments as add up to N SMSS.

mod support;

use sim_tcp::{CwndUnit, Profile, TcpConfig};
use support::{Pair, Side};

fn cfg(unit: CwndUnit) -> TcpConfig {
    TcpConfig {
        cwnd_unit: unit,
        nagle: false,
        ..TcpConfig::profile(Profile::Linux)
    }
}

/// A writes 60 messages of 100 bytes at once (Nagle off, so each is its own
/// segment) over a 20 ms one-way path; returns the number of data segments
/// A sent before the first ACK came back, and the pair.
fn small_writes(unit: CwndUnit) -> (usize, Pair) {
    let mut p = Pair::connect_with(cfg(unit), cfg(unit), 20);
    p.run_ms(100);
    let start = p.now;
    for _ in 0..60 {
        let now = p.now;
        p.conn(Side::A).send(now, 100);
        p.flush();
    }
    p.run_ms(2_000);
    assert_eq!(p.delivered(Side::B), 6_000);
    let first_ack = p
        .ladder
        .iter()
        .find(|l| l.from == Side::B && l.t > start)
        .map(|l| l.t)
        .unwrap();
    // Segments A sent before B's first ACK could reach it (one-way 20 ms).
    let horizon = first_ack + sim_core::SimDuration::from_millis(20);
    let flight = p
        .ladder
        .iter()
        .filter(|l| l.from == Side::A && l.seg.data.len > 0 && l.t >= start && l.t < horizon)
        .count();
    (flight, p)
}

#[test]
fn ten_segments_of_a_hundred_bytes_fill_an_initial_window_of_ten() {
    let (segments, _) = small_writes(CwndUnit::Segments);
    assert_eq!(segments, 10, "IW 10 is ten segments, whatever their size");
    // Counted in bytes, 14,480 bytes of window hold all sixty.
    let (bytes, _) = small_writes(CwndUnit::Bytes);
    assert_eq!(bytes, 60);
}

/// With every segment acknowledged on its own, both units grow one SMSS
/// per ACK: full segments go out at the same times.
#[test]
fn full_segments_acked_one_by_one_behave_the_same_in_either_unit() {
    let run = |unit| {
        let cfg = TcpConfig {
            delayed_ack: None,
            ..cfg(unit)
        };
        let mut p = Pair::connect_with(cfg.clone(), cfg, 20);
        p.run_ms(100);
        let now = p.now;
        p.conn(Side::A).send(now, 200 * 1448);
        p.flush();
        p.run_ms(5_000);
        assert_eq!(p.delivered(Side::B), 200 * 1448);
        p.ladder
            .iter()
            .filter(|l| l.from == Side::A && l.seg.data.len > 0)
            .map(|l| (l.t, l.seg.data.offset))
            .collect::<Vec<_>>()
    };
    assert_eq!(run(CwndUnit::Segments), run(CwndUnit::Bytes));
}

/// Each of A's window changes, in order.
fn cwnd_steps(p: &Pair) -> Vec<u32> {
    p.events_a
        .iter()
        .filter_map(|(_, e)| match e {
            sim_tcp::conn::Event::Cwnd { cwnd, .. } => Some(*cwnd),
            _ => None,
        })
        .collect()
}

#[test]
fn slow_start_counted_in_segments_grows_by_every_segment_acknowledged() {
    let run = |unit| {
        // Quick ACKs off: every ACK covers two segments.
        let cfg = TcpConfig {
            quick_ack: false,
            ..cfg(unit)
        };
        let mut p = Pair::connect_with(cfg.clone(), cfg, 20);
        p.run_ms(100);
        let now = p.now;
        p.conn(Side::A).send(now, 100 * 1448);
        p.flush();
        p.run_ms(5_000);
        assert_eq!(p.delivered(Side::B), 100 * 1448);
        cwnd_steps(&p)
    };
    // The first flight of 10 segments comes back as 5 ACKs of two: Linux
    // adds both segments each time (the window doubles in a round trip),
    // RFC 5681's min(N, SMSS) one (it grows by half).
    let segments = run(CwndUnit::Segments);
    let bytes = run(CwndUnit::Bytes);
    // (The first change is the initial window, 10 segments.)
    assert_eq!(segments[0], 10 * 1448);
    assert_eq!(segments[5], 20 * 1448, "{segments:?}");
    assert_eq!(bytes[5], 15 * 1448, "{bytes:?}");
}
