//! Recoveries the peer shows were unneeded (`spurious_recoveries`): a
//! reordered segment taken for lost, an ACK delayed past the RTO. Each is
//! told apart from a real loss by D-SACK (RFC 3708) or by the timestamp
//! the ACK echoes (RFC 3522).

mod support;

use sim_core::SimDuration;
use sim_tcp::TcpConfig;
use sim_tcp::conn::ConnStats;
use support::{Pair, Side};

fn cfg(timestamps: bool) -> TcpConfig {
    TcpConfig {
        delayed_ack: None,
        rcv_buf: 1 << 20,
        initial_window: sim_tcp::InitialWindow::Segments(20),
        sack: true,
        timestamps,
        ..TcpConfig::default()
    }
}

enum Trouble {
    /// The 3rd data segment arrives 30 ms late (after the next ones).
    Reorder,
    /// The 3rd data segment is lost.
    Loss,
    /// B's first 20 ACKs of data are held 1.5 s (past A's 1 s RTO).
    SlowAcks,
}

fn run(trouble: Trouble, timestamps: bool) -> ConnStats {
    let mut p = Pair::connect_with(cfg(timestamps), cfg(timestamps), 20);
    p.run_ms(100);
    let mut data_seen = 0;
    match trouble {
        Trouble::Reorder => {
            p.extra_delay = Box::new(move |side, _, seg| {
                if side == Side::A && seg.data.len > 0 {
                    data_seen += 1;
                    if data_seen == 3 {
                        return SimDuration::from_millis(30);
                    }
                }
                SimDuration::ZERO
            });
        }
        Trouble::Loss => {
            p.drop = Box::new(move |side, _, seg| {
                if side == Side::A && seg.data.len > 0 {
                    data_seen += 1;
                    return data_seen == 3;
                }
                false
            });
        }
        Trouble::SlowAcks => {
            let mut held = 0;
            p.extra_delay = Box::new(move |side, _, seg| {
                // B's ACKs of the first flight leave B 20 ms after A sent it.
                if side == Side::B && seg.data.len == 0 && held < 20 {
                    held += 1;
                    return SimDuration::from_millis(1_500);
                }
                SimDuration::ZERO
            });
        }
    }
    let now = p.now;
    p.conn(Side::A).send(now, 10 * 1460);
    p.flush();
    p.run_ms(10_000);
    assert_eq!(p.delivered(Side::B), 10 * 1460);
    p.a.as_ref().unwrap().stats()
}

#[test]
fn a_reordered_segment_retransmitted_is_a_spurious_recovery() {
    for ts in [false, true] {
        let s = run(Trouble::Reorder, ts);
        assert_eq!(
            (s.fast_retransmits, s.spurious_recoveries),
            (1, 1),
            "timestamps {ts}: {s:?}"
        );
        // Without timestamps only B's D-SACK of the late original tells.
        if !ts {
            assert_eq!(s.dsacks_received, 1, "{s:?}");
        }
    }
}

#[test]
fn a_real_loss_is_not() {
    for ts in [false, true] {
        let s = run(Trouble::Loss, ts);
        assert_eq!(
            (s.fast_retransmits, s.spurious_recoveries, s.dsacks_received),
            (1, 0, 0),
            "timestamps {ts}: {s:?}"
        );
    }
}

#[test]
fn acks_held_past_the_rto_make_a_spurious_timeout() {
    for ts in [false, true] {
        let s = run(Trouble::SlowAcks, ts);
        assert!(s.timeouts >= 1, "{s:?}");
        assert_eq!(s.spurious_recoveries, 1, "timestamps {ts}: {s:?}");
    }
}
