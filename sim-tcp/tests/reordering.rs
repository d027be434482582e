//! `tcpi_reordering` and `tcpi_reord_seen`, as Linux measures them: data
//! never retransmitted delivered below the highest SACK raises the degree
//! to that distance in segments and counts an event; a loss repaired by a
//! retransmission does not.

mod support;

use sim_core::SimDuration;
use sim_tcp::{Profile, TcpConfig};
use support::{Pair, Side, lose_first_sends};

/// A's first flight of ten segments (1,448 bytes), the first `late` of
/// them held up 1 ms on the way, or the `lost` ones dropped once.
fn flight(late: u64, lost: Option<&'static [usize]>) -> Pair {
    let mut p = Pair::connect(TcpConfig::profile(Profile::Linux), 10);
    p.extra_delay = Box::new(move |side, _, seg| {
        if side == Side::A && seg.data.len > 0 && seg.data.offset < late * 1_448 {
            SimDuration::from_millis(1)
        } else {
            SimDuration::ZERO
        }
    });
    if let Some(nth) = lost {
        p.drop = lose_first_sends(nth);
    }
    p.run_ms(50);
    let now = p.now;
    p.conn(Side::A).send(now, 10 * 1_448);
    p.flush();
    p.run_ms(1_000);
    assert_eq!(p.delivered(Side::B), 10 * 1_448);
    p
}

#[test]
fn no_reordering_leaves_linuxs_starting_degree() {
    let mut p = flight(0, None);
    let info = p.conn(Side::A).tcp_info();
    assert_eq!((info.reordering, info.reord_seen), (3, 0));
}

#[test]
fn eight_segments_overtaken_by_two_raise_the_degree_to_ten() {
    // Segments 9 and 10 arrive first and are SACKed (two SACKed segments:
    // RACK waits a quarter of the minimum RTT, so nothing is
    // retransmitted); segment 1, never retransmitted, then lies ten
    // segments below the highest SACK. Each of the eight late segments is
    // acknowledged at once (it fills a hole) and counts an event, the
    // degree staying at the largest distance.
    let mut p = flight(8, None);
    assert_eq!(p.conn(Side::A).stats().retransmissions, 0);
    let info = p.conn(Side::A).tcp_info();
    assert_eq!((info.reordering, info.reord_seen), (10, 8));
}

#[test]
fn a_loss_repaired_by_a_retransmission_is_not_reordering() {
    let mut p = flight(0, Some(&[2]));
    assert!(p.conn(Side::A).stats().retransmissions > 0);
    let info = p.conn(Side::A).tcp_info();
    assert_eq!((info.reordering, info.reord_seen), (3, 0));
}
