//! Which data segments carry PSH on the wire: every one in the `rfc`
//! profile (RFC 1122 §4.2.2.2 asks for it on the last buffered segment and
//! allows more); in the `linux` profile the last segment of each write,
//! one every half of the peer's largest window within a long write, a
//! retransmission as its original, and the last segment of every TSO chunk
//! of two segments or more (`tso.rs`).

mod support;

use sim_tcp::{Flags, Profile, TcpConfig};
use support::{Pair, Side, lose_first_sends};

/// A's data segments as (first data byte from 0, length, PSH,
/// retransmission), after `writes` (bytes each, one millisecond apart).
fn data_segments(
    cfg: TcpConfig,
    writes: &[u64],
    drop: Option<&'static [usize]>,
) -> Vec<(u64, u32, bool, bool)> {
    let mut p = Pair::connect_with(cfg.clone(), cfg, 10);
    if let Some(nth) = drop {
        p.drop = lose_first_sends(nth);
    }
    p.run_ms(50);
    for &w in writes {
        let now = p.now;
        p.conn(Side::A).send(now, w);
        p.flush();
        p.run_ms(1);
    }
    p.run_ms(5_000);
    assert_eq!(p.delivered(Side::B), writes.iter().sum::<u64>());
    p.ladder
        .iter()
        .filter(|l| l.from == Side::A && l.seg.data.len > 0)
        .map(|l| {
            (
                l.seg.data.offset,
                l.seg.data.len,
                l.seg.flags.0 & Flags::PSH.0 != 0,
                l.retransmission,
            )
        })
        .collect()
}

#[test]
fn the_rfc_profile_pushes_every_data_segment() {
    let segs = data_segments(TcpConfig::profile(Profile::Rfc), &[3000, 500], None);
    assert!(segs.len() >= 3, "{segs:?}");
    assert!(segs.iter().all(|s| s.2), "{segs:?}");
}

#[test]
fn linux_pushes_the_last_segment_of_each_write_and_of_each_tso_chunk() {
    // MSS 1448 with timestamps, 20 ms round trip: chunks of two segments
    // (the autosize minimum), so 3,000 bytes go as a chunk of 1448 + 1448,
    // pushed at its end, and the 104-byte tail, pushed as the write's end.
    // Minshall's Nagle lets that tail go at once and holds the second
    // write (500 bytes, a millisecond later) while the short tail is
    // unacknowledged.
    let segs = data_segments(TcpConfig::profile(Profile::Linux), &[3000, 500], None);
    let pushed: Vec<(u64, u32, bool)> = segs.iter().map(|s| (s.0, s.1, s.2)).collect();
    assert_eq!(
        pushed,
        [
            (0, 1448, false),
            (1448, 1448, true),
            (2896, 104, true),
            (3000, 500, true)
        ]
    );
    // RFC 896's Nagle holds the tail until the ACK; the second write joins
    // it, and that segment holds both writes' ends.
    let rfc896 = TcpConfig {
        nagle_rule: sim_tcp::NagleRule::Rfc896,
        ..TcpConfig::profile(Profile::Linux)
    };
    let segs = data_segments(rfc896, &[3000, 500], None);
    let pushed: Vec<(u64, u32, bool)> = segs.iter().map(|s| (s.0, s.1, s.2)).collect();
    assert_eq!(
        pushed,
        [(0, 1448, false), (1448, 1448, true), (2896, 604, true)]
    );
}

#[test]
fn linux_forces_a_push_every_half_window_and_a_retransmission_keeps_its_flag() {
    // One 200 kB write to a peer offering 64 KB (its largest window: no
    // autotuning): a push each time more than 32 KB have left since the
    // last one, and at the end. The 5th and 23rd data segments are lost
    // once.
    let fixed = TcpConfig {
        rcv_buf_max: None,
        ..TcpConfig::profile(Profile::Linux)
    };
    let segs = data_segments(fixed, &[200_000], Some(&[5, 23]));
    // The first flight, ten segments in chunks of two: each chunk's second
    // segment is pushed.
    let first_flight: Vec<bool> = segs.iter().take(10).map(|s| s.2).collect();
    assert_eq!(
        first_flight,
        [
            false, true, false, true, false, true, false, true, false, true
        ]
    );
    let ends: Vec<u64> = segs
        .iter()
        .filter(|s| s.2 && !s.3)
        .map(|s| s.0 + u64::from(s.1))
        .collect();
    // 32,768 / 1,448 = 22.6: the 23rd segment ends past half the window
    // and is pushed though it starts a chunk; and the write's end.
    assert!(ends.contains(&(23 * 1448)), "{ends:?}");
    assert_eq!(*ends.last().unwrap(), 200_000);
    // The 23rd was pushed and lost: its retransmission is pushed; the
    // 5th was not pushed, nor is its retransmission. (A chunk's PSH is not
    // kept: a retransmission sent alone has none unless it was a write's
    // end or a forced push.)
    let rtx: Vec<(u64, bool)> = segs.iter().filter(|s| s.3).map(|s| (s.0, s.2)).collect();
    assert!(rtx.contains(&(4 * 1448, false)), "{rtx:?}");
    assert!(rtx.contains(&(22 * 1448, true)), "{rtx:?}");
}

#[test]
fn a_larger_minimum_tso_size_makes_longer_chunks_with_fewer_pushes() {
    // The first flight of a 200 kB write (10 segments, 20 ms round trip):
    // the rate-based size is under two segments, so the minimum decides.
    // With `tcp_min_tso_segs` = 2, chunks of two; with 5, chunks of five
    // (half cwnd allows five).
    let first_flight = |min_tso_segs: u32| -> Vec<bool> {
        let cfg = TcpConfig {
            min_tso_segs,
            ..TcpConfig::profile(Profile::Linux)
        };
        let segs = data_segments(cfg, &[200_000], None);
        segs.iter().take(10).map(|s| s.2).collect()
    };
    assert_eq!(
        first_flight(2),
        [
            false, true, false, true, false, true, false, true, false, true
        ]
    );
    assert_eq!(
        first_flight(5),
        [
            false, false, false, false, true, false, false, false, false, true
        ]
    );
}
