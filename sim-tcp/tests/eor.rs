//! Records (`send(..., MSG_EOR)`): as Linux, no segment carries bytes of
//! two records, first sent or sent again; the record's own write may fill
//! the segment the write before it left short; a short segment ending a
//! record with data behind it leaves without waiting for Nagle.

mod support;

use sim_tcp::{Profile, TcpConfig};
use support::{Pair, Side, lose_first_sends};

/// A's data segments as (first byte from 0, length, ms after the
/// handshake's first segment, retransmission) after writes made before the
/// handshake completes (bytes, and whether the write ends a record), so
/// they all wait for the first flight.
fn data_segments(
    writes: &[(u64, bool)],
    drop: Option<&'static [usize]>,
) -> Vec<(u64, u32, u64, bool)> {
    let cfg = TcpConfig::profile(Profile::Linux);
    let mut p = Pair::connect(cfg, 10);
    if let Some(nth) = drop {
        p.drop = lose_first_sends(nth);
    }
    for &(bytes, eor) in writes {
        let now = p.now;
        let c = p.conn(Side::A);
        assert!(if eor {
            c.send_record(now, bytes)
        } else {
            c.send(now, bytes)
        });
    }
    p.flush();
    p.run_ms(5_000);
    assert_eq!(
        p.delivered(Side::B),
        writes.iter().map(|w| w.0).sum::<u64>()
    );
    p.ladder
        .iter()
        .filter(|l| l.from == Side::A && l.seg.data.len > 0)
        .map(|l| {
            (
                l.seg.data.offset,
                l.seg.data.len,
                l.t.as_nanos() / 1_000_000,
                l.retransmission,
            )
        })
        .collect()
}

#[test]
fn without_records_the_stream_is_cut_in_full_segments() {
    let segs = data_segments(&[(2_000, false), (300, false), (1_000, false)], None);
    let cuts: Vec<(u64, u32)> = segs.iter().map(|s| (s.0, s.1)).collect();
    assert_eq!(cuts, [(0, 1_448), (1_448, 1_448), (2_896, 404)]);
}

#[test]
fn no_segment_crosses_the_end_of_a_record() {
    // 2,000 bytes, then a 300-byte record that fills the short segment
    // the first write left (852 bytes), then 1,000 bytes and a 100-byte
    // record (1,100 bytes, cut at its end), then 100 bytes more. The two
    // short record ends leave at once behind the full segment (20 ms: the
    // handshake's round trip); the last 100 bytes, the queue's tail, wait
    // for Nagle (Minshall: a short segment is unacknowledged) until the
    // first ACK, a round trip later.
    let segs = data_segments(
        &[
            (2_000, false),
            (300, true),
            (1_000, false),
            (100, true),
            (100, false),
        ],
        None,
    );
    assert_eq!(
        segs,
        [
            (0, 1_448, 20, false),
            (1_448, 852, 20, false),
            (2_300, 1_100, 20, false),
            (3_400, 100, 40, false),
        ]
    );
}

#[test]
fn retransmissions_do_not_cross_the_end_of_a_record() {
    // Three records of 400 bytes, all lost the first time: after the
    // timeout each is sent again alone, never merged into one segment.
    let segs = data_segments(&[(400, true), (400, true), (400, true)], Some(&[1, 2, 3]));
    let first: Vec<(u64, u32, bool)> = segs.iter().map(|s| (s.0, s.1, s.3)).collect();
    assert_eq!(
        first,
        [
            (0, 400, false),
            (400, 400, false),
            (800, 400, false),
            (0, 400, true),
            (400, 400, true),
            (800, 400, true),
        ],
        "{segs:?}"
    );
}
