//! `TCP_NOTSENT_LOWAT` (`notsent_lowat`): a write takes data only while
//! fewer than the limit's bytes wait unsent, in whole send-queue buffers
//! as Linux's `tcp_sendmsg_locked` copies; the socket is writable again
//! once the unsent bytes are under half the limit.

mod support;

use sim_tcp::conn::WriteFlags;
use sim_tcp::{Profile, TcpConfig};
use support::{Pair, Side};

fn pair(notsent_lowat: Option<u32>) -> Pair {
    let cfg = TcpConfig {
        notsent_lowat,
        ..TcpConfig::profile(Profile::Linux)
    };
    let mut p = Pair::connect(cfg, 10);
    p.run_ms(50);
    p
}

#[test]
fn without_a_limit_a_write_is_taken_whole() {
    let mut p = pair(None);
    let now = p.now;
    assert_eq!(
        p.conn(Side::A)
            .send_limited(now, 200_000, WriteFlags::default()),
        200_000
    );
    assert!(p.conn(Side::A).notsent_below_lowat(true));
    p.flush();
    p.run_ms(2_000);
    assert_eq!(p.delivered(Side::B), 200_000);
}

#[test]
fn a_write_stops_at_the_first_new_buffer_once_the_limit_is_reached() {
    let mut p = pair(Some(4_000));
    let now = p.now;
    let a = p.conn(Side::A);
    let took = a.send_limited(now, 200_000, WriteFlags::default());
    // The first buffer fills, leaves as far as the initial window allows
    // (10 segments of 1,448 bytes); the rest of it, unsent, is topped up
    // to a whole buffer (`size_goal`: half the peer's 64 KB window, in
    // whole segments, 22 × 1,448), and no new buffer is started with
    // that many bytes unsent.
    let goal = 22 * 1_448;
    assert_eq!(took, 14_480 + goal);
    assert_eq!(a.unsent(), goal);
    assert!(!a.notsent_below_lowat(false));
    assert!(!a.notsent_below_lowat(true));
    p.flush();
    // Once the ACKs let the unsent bytes out, the socket is writable and
    // takes the next part of the write.
    p.run_ms(200);
    let a = p.conn(Side::A);
    assert!(a.notsent_below_lowat(true), "unsent {}", a.unsent());
    let now = p.now;
    let more = p
        .conn(Side::A)
        .send_limited(now, 200_000 - took, WriteFlags::default());
    assert!(more > 0 && more < 200_000 - took, "{more}");
    p.flush();
    p.run_ms(2_000);
    assert_eq!(p.delivered(Side::B), took + more);
}

#[test]
fn a_limit_of_zero_takes_nothing() {
    // `tcp_stream_memory_free`: the unsent bytes are never fewer than 0,
    // so no buffer can be started.
    let mut p = pair(Some(0));
    let now = p.now;
    assert_eq!(
        p.conn(Side::A)
            .send_limited(now, 5_000, WriteFlags::default()),
        0
    );
    assert_eq!(p.conn(Side::A).unsent(), 0);
}
