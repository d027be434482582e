//! Receive-buffer autotuning (Linux's dynamic right-sizing) on a long fat
//! path: the advertised window grows round by round and the transfer
//! reaches the link's rate, where a fixed 64 KB buffer holds it to 64 KB a
//! round trip.

mod support;

use sim_core::{SimDuration, SimTime};
use sim_tcp::{Profile, TcpConfig};
use support::{Bottleneck, Pair, Side};

/// 100 Mbit/s, 50 ms each way: a BDP of 1.25 MB.
const MBIT: u64 = 100;
const ONE_WAY_MS: u64 = 50;

/// A sends 200 MB to B for `secs` seconds through the bottleneck (queue of
/// one BDP); both ends run `cfg`.
fn transfer(cfg: TcpConfig, secs: u64) -> Pair {
    let mut p = Pair::connect_with(cfg.clone(), cfg, ONE_WAY_MS);
    p.bottleneck = Some(Bottleneck::new(MBIT, 1_250_000));
    p.run_ms(300);
    let now = p.now;
    p.conn(Side::A).send(now, 200 << 20);
    p.flush();
    p.run_ms(secs * 1000);
    p
}

/// B's advertised windows (bytes, scaled) on the wire, with their times.
fn windows(p: &Pair, wscale: u8) -> Vec<(SimTime, u64)> {
    p.ladder
        .iter()
        .filter(|l| l.from == Side::B && !l.seg.flags.contains(sim_tcp::Flags::SYN))
        .map(|l| (l.t, u64::from(l.seg.wnd) << wscale))
        .collect()
}

/// Bytes B's application received between `from` and `to` seconds.
fn delivered_between(p: &Pair, from: u64, to: u64) -> u64 {
    let (from, to) = (
        SimTime::ZERO + SimDuration::from_secs(from),
        SimTime::ZERO + SimDuration::from_secs(to),
    );
    p.events_b
        .iter()
        .filter(|(t, _)| (from..to).contains(t))
        .map(|(_, e)| match e {
            sim_tcp::conn::Event::Delivered(d) => u64::from(d.len),
            _ => 0,
        })
        .sum()
}

/// The window shift each SYN offered (A's, then B's).
fn syn_shifts(p: &Pair) -> Vec<Option<u8>> {
    p.ladder
        .iter()
        .filter(|l| l.seg.flags.contains(sim_tcp::Flags::SYN))
        .map(|l| l.seg.wscale)
        .collect()
}

/// What the link delivers in `secs` seconds as data: 1448 of every 1488
/// bytes (the harness charges 40 bytes of headers; timestamps take 12 of
/// the 1460-byte MSS).
fn link_bytes(secs: u64) -> u64 {
    MBIT * 125_000 * secs * 1448 / 1488
}

#[test]
fn autotuning_grows_the_advertised_window_over_rounds_to_the_link_rate() {
    let cfg = TcpConfig::profile(Profile::Linux);
    assert_eq!(cfg.rcv_buf_max, Some(3 << 20));
    let p = transfer(cfg, 10);
    // The shift is chosen at SYN time for the largest buffer, 6 MiB
    // (twice the largest window): 7, as Linux with tcp_rmem[2] = 6 MiB.
    assert_eq!(syn_shifts(&p), [Some(7), Some(7)]);
    // B's advertised window, each change in order. It starts at 64 KB
    // (rcv_buf), grows only after a round trip of the receiver's estimate
    // has measured what the application consumed, several times, and
    // stops at the largest window (3 MiB).
    let mut changes: Vec<(SimTime, u64)> = Vec::new();
    for (t, w) in windows(&p, 7) {
        if changes.last().is_none_or(|&(_, last)| last != w) {
            changes.push((t, w));
        }
    }
    let sizes: Vec<u64> = changes.iter().map(|&(_, w)| w).collect();
    assert!(sizes.is_sorted(), "the window never shrinks: {sizes:?}");
    assert!(sizes[0] <= 65_535 + 1448, "{sizes:?}");
    assert_eq!(*sizes.last().unwrap(), 3 << 20, "{sizes:?}");
    let grown: Vec<&(SimTime, u64)> = changes.iter().filter(|&&(_, w)| w > 70_000).collect();
    assert!(grown.len() >= 3, "grows over several rounds: {changes:?}");
    // The first growth comes a round trip or more after the data starts
    // (at 300 ms), the last within a second of it.
    let ms = |t: SimTime| t.as_nanos() / 1_000_000;
    assert!(ms(grown[0].0) >= 400, "{changes:?}");
    assert!(ms(grown.last().unwrap().0) < 1_300, "{changes:?}");
    // From 5 s to 10 s the transfer runs at over 90 % of the link.
    let steady = delivered_between(&p, 5, 10);
    assert!(
        steady > link_bytes(5) * 9 / 10,
        "{steady} of {} in 5 s",
        link_bytes(5)
    );
    assert!(p.delivered(Side::B) > 100_000_000);
}

#[test]
fn a_fixed_64_kb_buffer_holds_the_transfer_to_64_kb_a_round_trip() {
    let cfg = TcpConfig {
        rcv_buf_max: None,
        ..TcpConfig::profile(Profile::Linux)
    };
    let p = transfer(cfg, 10);
    // Without autotuning the shift fits 65,535 bytes: none.
    assert_eq!(syn_shifts(&p), [Some(0), Some(0)]);
    let sizes: Vec<u64> = windows(&p, 0).iter().map(|&(_, w)| w).collect();
    assert!(sizes.iter().all(|&w| w <= 65_535));
    // 65,535 bytes per round trip of just over 100 ms (the window's own
    // serialisation adds 5 ms): 3.1 to 3.3 MB in 5 s, 5 % of the link.
    let steady = delivered_between(&p, 5, 10);
    assert!(
        (65_535 * 50 * 95 / 100..=65_535 * 50).contains(&steady),
        "{steady}"
    );
    assert!(steady * 15 < link_bytes(5));
}

#[test]
fn a_fixed_64_kb_send_buffer_caps_the_transfer_as_a_fixed_receive_buffer_does() {
    // The receiver autotunes (linux profile); the sender's buffer holds
    // 65,536 bytes written and not yet acknowledged.
    let b = TcpConfig::profile(Profile::Linux);
    let a = TcpConfig {
        snd_buf: Some(65_536),
        ..b.clone()
    };
    let mut p = Pair::connect_with(a, b, ONE_WAY_MS);
    p.bottleneck = Some(Bottleneck::new(MBIT, 1_250_000));
    p.run_ms(300);
    let now = p.now;
    p.conn(Side::A).send(now, 200 << 20);
    p.flush();
    // Every 10 ms: never more than the buffer in flight, and the buffer,
    // not cwnd, is what binds once slow start has passed it.
    let mut largest = 0;
    for _ in 0..1_000 {
        p.run_ms(10);
        let in_flight = p.conn(Side::A).bytes_in_flight();
        assert!(in_flight <= 65_536, "{in_flight}");
        largest = largest.max(in_flight);
    }
    assert!(largest > 60_000, "{largest}");
    assert!(p.conn(Side::A).cwnd().0 > 65_536);
    // The window B offers grows past 1 MB all the same.
    assert!(windows(&p, 7).iter().any(|&(_, w)| w > 1 << 20));
    // 65,536 bytes a round trip of just over 100 ms.
    let steady = delivered_between(&p, 5, 10);
    assert!(
        (65_536 * 50 * 95 / 100..=65_536 * 50).contains(&steady),
        "{steady}"
    );
}
