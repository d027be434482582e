//! What Nagle's algorithm holds back (`nagle_rule`): RFC 896 holds any
//! segment shorter than an MSS while data is unacknowledged; Minshall's
//! variant, as Linux, only while an earlier short segment is, so the short
//! tail of a write leaves at once behind its full segments.

mod support;

use sim_core::SimDuration;
use sim_tcp::{NagleRule, Profile, TcpConfig};
use support::{Pair, Side};

/// A writes 2,500 bytes (one full segment and a 1,052-byte tail), then
/// 100 bytes 1 ms later. The times A sends each data segment, in ms after
/// the first write, with its length.
fn sends(rule: NagleRule) -> Vec<(u64, u32)> {
    let cfg = TcpConfig {
        nagle_rule: rule,
        ..TcpConfig::profile(Profile::Linux)
    };
    let mut p = Pair::connect(cfg, 10);
    p.run_ms(100);
    let start = p.now;
    p.conn(Side::A).send(start, 2_500);
    p.flush();
    p.run_ms(1);
    let now = p.now;
    p.conn(Side::A).send(now, 100);
    p.flush();
    p.run_ms(200);
    p.ladder
        .iter()
        .filter(|l| l.from == Side::A && l.seg.data.len > 0)
        .map(|l| {
            let ms =
                l.t.saturating_since(start).as_nanos() / SimDuration::from_millis(1).as_nanos();
            (ms, l.seg.data.len)
        })
        .collect()
}

#[test]
fn rfc896_holds_the_short_tail_of_a_write_for_a_round_trip() {
    // The tail waits for the ACK of the full segment (20 ms round trip),
    // and the 100 bytes ride with it.
    assert_eq!(sends(NagleRule::Rfc896), [(0, 1448), (20, 1152)]);
}

#[test]
fn minshall_sends_the_tail_at_once_and_holds_the_next_short_write() {
    // The tail goes behind the full segment; the 100-byte write waits
    // while that short tail is unacknowledged.
    assert_eq!(
        sends(NagleRule::Minshall),
        [(0, 1448), (0, 1052), (20, 100)]
    );
}
