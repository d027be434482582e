//! Linux's quick ACKs (`quick_ack`): at the start of a connection, and
//! after a silence longer than the RTO, the receiver ACKs each segment at
//! once instead of every second one, so the sender's slow start is not
//! held back by delayed ACKs.

mod support;

use sim_tcp::{Profile, TcpConfig};
use support::{Pair, Side};

fn linux(quick_ack: bool) -> TcpConfig {
    TcpConfig {
        quick_ack,
        ..TcpConfig::profile(Profile::Linux)
    }
}

/// How many data bytes each of B's ACKs acknowledged that the previous did
/// not, in segments of `mss` bytes, for ACKs sent at or after `from_ms`.
fn ack_steps(p: &Pair, mss: u64, from_ms: u64) -> Vec<u64> {
    let mut last = None;
    let mut steps = Vec::new();
    for l in p
        .ladder
        .iter()
        .filter(|l| l.from == Side::B && l.seg.data.len == 0)
    {
        let ack = l.seg.ack.0;
        if let Some(prev) = last {
            let step = u64::from(ack.wrapping_sub(prev));
            if step == 0 || step >= 1 << 31 {
                continue;
            }
            if l.t.as_nanos() >= from_ms * 1_000_000 {
                steps.push(step.div_ceil(mss));
            }
        }
        last = Some(ack);
    }
    steps
}

/// A sends `segments` full segments over a 20 ms one-way path after the
/// handshake, waits, then sends the same again.
fn two_bursts(cfg: TcpConfig, segments: u64, pause_ms: u64) -> Pair {
    let mut p = Pair::connect_with(cfg.clone(), cfg, 20);
    p.run_ms(100);
    let mss = 1448;
    let now = p.now;
    p.conn(Side::A).send(now, segments * mss);
    p.flush();
    p.run_ms(pause_ms);
    let now = p.now;
    p.conn(Side::A).send(now, segments * mss);
    p.flush();
    p.run_ms(5_000);
    assert_eq!(p.delivered(Side::B), 2 * segments * mss);
    p
}

#[test]
fn the_first_sixteen_segments_are_acked_one_by_one() {
    // Half of the 64 KB window B offers holds 22 segments of 1448 bytes:
    // Linux caps that at 16 quick ACKs.
    let p = two_bursts(linux(true), 40, 2_000);
    let steps = ack_steps(&p, 1448, 0);
    assert!(steps.len() > 20, "{steps:?}");
    assert_eq!(steps[..16], [1; 16], "{steps:?}");
    // Then every second segment (RFC 5681 §4.2, Linux's "more than one
    // full frame"): the other 24 of the first burst in 12 ACKs.
    assert_eq!(steps[16..28], [2; 12], "{steps:?}");
}

#[test]
fn without_quick_acks_every_second_segment_is_acked_from_the_start() {
    let p = two_bursts(linux(false), 40, 2_000);
    let steps = ack_steps(&p, 1448, 0);
    // The first flight of 10 segments: 5 ACKs of two segments each.
    assert_eq!(steps[..5], [2; 5], "{steps:?}");
}

#[test]
fn a_silence_longer_than_the_rto_earns_quick_acks_again() {
    // The second burst starts 2 s after the first ended: more than the
    // receiver's RTO (about 200 ms on this 40 ms round trip).
    let p = two_bursts(linux(true), 40, 2_000);
    let second = ack_steps(&p, 1448, 2_100);
    assert!(second.len() >= 16, "{second:?}");
    assert_eq!(second[..10], [1; 10], "{second:?}");
    // A pause shorter than the RTO does not.
    let p = two_bursts(linux(true), 40, 150);
    let steps = ack_steps(&p, 1448, 0);
    let ones = steps.iter().filter(|&&s| s == 1).count();
    assert!(ones <= 16 + 2, "{steps:?}");
}
