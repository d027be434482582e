//! Which data segments carry PSH on the wire: every one in the `rfc`
//! profile (RFC 1122 §4.2.2.2 asks for it on the last buffered segment and
//! allows more); in the `linux` profile the last segment of each write,
//! one every half of the peer's largest window within a long write, and a
//! retransmission as its original.

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
fn linux_pushes_the_last_segment_of_each_write() {
    // MSS 1448 with timestamps: 3,000 bytes go as 1448 + 1448 + 104, but
    // Nagle holds the 104 while data is outstanding, and the second write
    // (500 bytes, a millisecond later) joins it: that segment holds both
    // writes' ends.
    let segs = data_segments(TcpConfig::profile(Profile::Linux), &[3000, 500], None);
    let pushed: Vec<(u64, u32, bool)> = segs.iter().map(|s| (s.0, s.1, s.2)).collect();
    assert_eq!(
        pushed,
        [(0, 1448, false), (1448, 1448, false), (2896, 604, true)]
    );
    // Without Nagle the first write's tail leaves at once, pushed.
    let no_nagle = TcpConfig {
        nagle: false,
        ..TcpConfig::profile(Profile::Linux)
    };
    let segs = data_segments(no_nagle, &[3000, 500], None);
    let pushed: Vec<(u64, u32, bool)> = segs.iter().map(|s| (s.0, s.1, s.2)).collect();
    assert_eq!(
        pushed,
        [
            (0, 1448, false),
            (1448, 1448, false),
            (2896, 104, true),
            (3000, 500, true)
        ]
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
    let first: Vec<(u64, u32)> = segs
        .iter()
        .filter(|s| s.2 && !s.3)
        .map(|s| (s.0, s.1))
        .collect();
    // 32,768 / 1,448 = 22.6: the 23rd segment ends past half the window,
    // then every 23rd after it.
    let ends: Vec<u64> = first.iter().map(|(o, l)| o + u64::from(*l)).collect();
    assert_eq!(ends[0], 23 * 1448, "{first:?}");
    assert!(ends.len() >= 6, "{ends:?}");
    assert!(
        ends.windows(2).all(|w| w[1] - w[0] <= 23 * 1448),
        "{ends:?}"
    );
    assert_eq!(*ends.last().unwrap(), 200_000);
    // The 23rd was pushed and lost: its retransmission is pushed; the
    // 5th was not pushed, nor is its retransmission.
    let rtx: Vec<(u64, bool)> = segs.iter().filter(|s| s.3).map(|s| (s.0, s.2)).collect();
    assert!(rtx.contains(&(4 * 1448, false)), "{rtx:?}");
    assert!(rtx.contains(&(22 * 1448, true)), "{rtx:?}");
}
