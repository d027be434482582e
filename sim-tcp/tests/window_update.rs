//! When a read sends a window update at once (`window_update`): as soon as
//! the window can move right by an MSS (RFC 1122 §4.2.3.3, the `rfc`
//! profile), or only when the window offered had fallen to half the
//! largest or less and the read at least doubles it (Linux's
//! `tcp_cleanup_rbuf`, the `linux` profile). Otherwise the next ACK
//! carries the larger window.

mod support;

use sim_tcp::{Profile, TcpConfig};
use support::{Pair, Side};

/// A sends `sent` bytes to B, which does not read until A's data is all
/// in and acknowledged; then B reads `read` bytes. The segments B sends in
/// answer to that read alone: (window field, scaled), none if it waits.
fn update_after_read(profile: Profile, sent: u64, read: u64) -> Vec<u64> {
    let cfg = TcpConfig {
        rcv_buf_max: None,
        ..TcpConfig::profile(profile)
    };
    let mut p = Pair::connect_with(cfg.clone(), cfg, 10);
    p.run_ms(50);
    p.conn(Side::B).set_auto_read(false);
    let now = p.now;
    p.conn(Side::A).send(now, sent);
    p.flush();
    p.run_ms(1_000);
    assert_eq!(p.delivered(Side::B), sent);
    let before = p.ladder.len();
    let now = p.now;
    p.conn(Side::B).read(now, read);
    p.flush();
    let scale = u64::from(p.conn(Side::B).tcp_info().rcv_wscale);
    p.ladder[before..]
        .iter()
        .filter(|l| l.from == Side::B)
        .map(|l| u64::from(l.seg.wnd) << scale)
        .collect()
}

#[test]
fn rfc_announces_a_window_opened_by_one_mss() {
    // 4,000 of 65,535 bytes wait; reading 2,000 opens it by more than
    // an MSS.
    assert_eq!(update_after_read(Profile::Rfc, 4_000, 2_000).len(), 1);
}

#[test]
fn linux_announces_only_a_window_at_least_doubled_from_half_or_less() {
    // 61,535 bytes offered of 65,535: reading 2,000 does not double it.
    assert!(update_after_read(Profile::Linux, 4_000, 2_000).is_empty());
    // 50,000 bytes wait, about 15,500 offered: reading 40,000 more than
    // doubles it, and B says so at once.
    let sent = update_after_read(Profile::Linux, 50_000, 40_000);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0] >= 55_000, "{sent:?}");
}
