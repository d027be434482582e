//! `cwnd_limited_growth` (Linux's `tcp_is_cwnd_limited`, RFC 9438 §5.8):
//! a sender whose application writes less than the window allows gets ACKs
//! that say nothing about what the path carries, and its window does not
//! grow on them; a sender that fills its window grows as before.

mod support;

use sim_tcp::{CongestionKind, Profile, TcpConfig};
use support::{Pair, Side};

/// A writes `per_write` bytes every 50 ms, `writes` times, over a 10 ms
/// path; A's cwnd (bytes) afterwards.
fn cwnd_after_small_writes(cfg: TcpConfig, per_write: u64, writes: u64) -> u32 {
    let mut p = Pair::connect_with(cfg.clone(), cfg, 10);
    p.run_ms(50);
    for _ in 0..writes {
        let now = p.now;
        p.conn(Side::A).send(now, per_write);
        p.flush();
        p.run_ms(50);
    }
    assert_eq!(p.delivered(Side::B), per_write * writes);
    p.conn(Side::A).cwnd().0
}

fn with(profile: Profile, congestion: CongestionKind, limited: bool) -> TcpConfig {
    TcpConfig {
        congestion,
        cwnd_limited_growth: limited,
        ..TcpConfig::profile(profile)
    }
}

#[test]
fn an_application_limited_sender_keeps_its_initial_window() {
    // Four segments a write, forty writes: never more than 4 of the 10
    // segments of the initial window in flight, so slow start stops at
    // twice that (8 segments < 10: no growth at all).
    for cc in [CongestionKind::NewReno, CongestionKind::Cubic] {
        let linux = cwnd_after_small_writes(with(Profile::Linux, cc, true), 4 * 1448, 40);
        assert_eq!(linux, 10 * 1448, "{cc:?}");
        // Without the rule every ACK grows it: 160 segments acknowledged.
        let grows = cwnd_after_small_writes(with(Profile::Linux, cc, false), 4 * 1448, 40);
        assert!(grows >= 100 * 1448, "{cc:?}: {grows}");
    }
}

#[test]
fn a_sender_grows_its_window_to_twice_what_it_used() {
    // Writes of 10 full segments: the first fills the initial window, and
    // slow start doubles it to 20 segments; the later writes use only half
    // of that, so it stays there. Without the rule it grows on every ACK.
    let cfg = |limited| with(Profile::Linux, CongestionKind::NewReno, limited);
    let on = cwnd_after_small_writes(cfg(true), 10 * 1448, 4);
    assert_eq!(on, 20 * 1448);
    let off = cwnd_after_small_writes(cfg(false), 10 * 1448, 4);
    assert_eq!(off, 50 * 1448);
}
