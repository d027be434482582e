//! `tcp_info`'s clocks: `tcpi_busy_time` (data queued or in flight),
//! `tcpi_rwnd_limited` (the part of it the peer's window held the sender
//! back with cwnd to spare) and `tcpi_last_data_recv`.

mod support;

use sim_core::{SimDuration, SimTime};
use sim_tcp::{Profile, TcpConfig};
use support::{Pair, Side};

fn ms(d: u64) -> u64 {
    d / 1_000
}

#[test]
fn a_closed_window_counts_as_window_limited_busy_time() {
    // B offers a fixed 64 KB and reads nothing until 500 ms after A's
    // 100 kB write; A fills the window within a few round trips (20 ms)
    // and is window-limited until B's read reopens it.
    let cfg = TcpConfig {
        rcv_buf_max: None,
        ..TcpConfig::profile(Profile::Linux)
    };
    let mut p = Pair::connect(cfg, 10);
    p.run_ms(50);
    p.conn(Side::B).set_auto_read(false);
    let start = p.now;
    let info = p.conn(Side::A).tcp_info_at(start);
    assert_eq!((info.busy_time_us, info.rwnd_limited_us), (0, 0));
    p.conn(Side::A).send(start, 100_000);
    p.flush();
    p.run_ms(500);
    let at = |p: &Pair, t: SimTime| {
        let i = p.a.as_ref().expect("A").tcp_info_at(t);
        (ms(i.busy_time_us), ms(i.rwnd_limited_us))
    };
    let (busy, rwnd) = at(&p, p.now);
    assert_eq!(busy, 500, "busy since the write");
    // Slow start sends 10 segments, then 20 (20 ms in); 40 ms in, cwnd
    // allows 40 more but the 64 KB window only 15: window-limited from
    // then on.
    assert_eq!(rwnd, 460, "window-limited");
    let now = p.now;
    let unread = p.delivered(Side::B);
    p.conn(Side::B).read(now, unread);
    p.flush();
    p.run_ms(1_000);
    assert_eq!(p.delivered(Side::B), 100_000);
    // All acknowledged: both clocks stopped, the window-limited one when
    // the reopened window let A send again.
    let (busy_end, rwnd_end) = at(&p, p.now);
    let (busy_later, rwnd_later) = at(&p, p.now + SimDuration::from_secs(5));
    assert_eq!((busy_end, rwnd_end), (busy_later, rwnd_later));
    assert!(busy_end > 500 && busy_end < 600, "busy {busy_end} ms");
    assert!(rwnd_end >= rwnd && rwnd_end < rwnd + 30, "{rwnd_end} ms");
    // B last received data when A's last segment arrived.
    let b = p.b.as_ref().expect("B").tcp_info_at(p.now);
    assert!(b.last_data_recv_ms < 1_000, "{}", b.last_data_recv_ms);
    let b_later =
        p.b.as_ref()
            .expect("B")
            .tcp_info_at(p.now + SimDuration::from_secs(2));
    assert_eq!(b_later.last_data_recv_ms, b.last_data_recv_ms + 2_000);
}

#[test]
fn before_any_data_the_last_receipt_is_the_handshake() {
    let mut p = Pair::connect(TcpConfig::profile(Profile::Linux), 10);
    p.run_ms(50);
    // A was established when the SYN,ACK came, 20 ms in; B at A's ACK,
    // 30 ms in.
    let now = p.now + SimDuration::from_millis(1_000);
    let a = p.conn(Side::A).tcp_info_at(now);
    let b = p.conn(Side::B).tcp_info_at(now);
    assert_eq!((a.last_data_recv_ms, b.last_data_recv_ms), (1_030, 1_020));
}
