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

/// An application call at a time (ms after the start).
type Call<'a> = (
    u64,
    &'a dyn Fn(&mut sim_tcp::conn::Connection, sim_core::SimTime),
);

/// A's data segments after the handshake as (ms after the start, length,
/// PSH), with `script`'s calls made at their times.
fn corked_sends(script: &[Call]) -> Vec<(u64, u32, bool)> {
    let mut p = Pair::connect(TcpConfig::profile(Profile::Linux), 10);
    p.run_ms(100);
    let start = p.now;
    for (at, call) in script {
        let t = start + SimDuration::from_millis(*at);
        if t > p.now {
            p.run_until(t);
        }
        let now = p.now;
        call(p.conn(Side::A), now);
        p.flush();
    }
    p.run_ms(1_000);
    p.ladder
        .iter()
        .filter(|l| l.from == Side::A && l.seg.data.len > 0)
        .map(|l| {
            let ms =
                l.t.saturating_since(start).as_nanos() / SimDuration::from_millis(1).as_nanos();
            (ms, l.seg.data.len, l.seg.has(sim_tcp::Flags::PSH))
        })
        .collect()
}

#[test]
fn a_cork_holds_short_writes_until_it_is_removed() {
    use sim_tcp::SockOpt;
    // Nothing in flight, so Nagle alone would send each write at once.
    let sends = corked_sends(&[
        (0, &|c, t| c.set_option(t, SockOpt::Cork(true))),
        (0, &|c, t| assert!(c.send(t, 40))),
        (50, &|c, t| assert!(c.send(t, 40))),
        (60, &|c, t| c.set_option(t, SockOpt::Cork(false))),
    ]);
    assert_eq!(sends, [(60, 80, true)]);
}

#[test]
fn corked_data_with_nothing_in_flight_leaves_on_the_persist_timer_pushed() {
    use sim_tcp::SockOpt;
    // Linux's 200 ms ceiling on TCP_CORK: the probe timer (one RTO: 20 ms
    // of RTT + 200 ms) sends what waits, with PSH (`tcp_write_wakeup`).
    let sends = corked_sends(&[
        (0, &|c, t| c.set_option(t, SockOpt::Cork(true))),
        (0, &|c, t| assert!(c.send(t, 40))),
    ]);
    assert_eq!(sends.len(), 1, "{sends:?}");
    assert!((215..=225).contains(&sends[0].0), "{sends:?}");
    assert_eq!((sends[0].1, sends[0].2), (40, true));
}

#[test]
fn msg_more_holds_the_short_tail_unpushed_and_a_plain_write_sends_it() {
    use sim_tcp::conn::WriteFlags;
    let more = WriteFlags {
        more: true,
        ..WriteFlags::default()
    };
    // 3,000 bytes with MSG_MORE: the two full segments go, the 104-byte
    // tail waits; 10 ms later a plain 50-byte write sends it and the new
    // bytes together, pushed. Without MSG_MORE the tail would have left
    // at once (Minshall).
    let sends = corked_sends(&[
        (0, &move |c, t| {
            assert_eq!(c.send_limited(t, 3_000, more), 3_000)
        }),
        (10, &|c, t| assert!(c.send(t, 50))),
    ]);
    assert_eq!(sends, [(0, 1448, false), (0, 1448, true), (10, 154, true)]);
}
