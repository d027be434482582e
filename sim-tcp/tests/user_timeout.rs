//! `TCP_USER_TIMEOUT` (RFC 5482, Linux's semantics): a connection whose
//! data stays unacknowledged, or whose peer's window stays closed, for
//! longer than the user timeout is aborted, and not before.

mod support;

use sim_core::{SimDuration, SimTime};
use sim_tcp::conn::Event;
use sim_tcp::{Profile, SockOpt, State, TcpConfig};
use support::{Pair, Side};

/// When A went to CLOSED, and why.
fn closed_at(p: &Pair) -> Option<(SimTime, &'static str)> {
    p.events_a.iter().find_map(|(t, e)| match e {
        Event::StateChange {
            to: State::Closed,
            cause,
            ..
        } => Some((*t, *cause)),
        _ => None,
    })
}

fn timed_out(p: &Pair) -> bool {
    p.events_a.iter().any(|(_, e)| *e == Event::TimedOut)
}

/// A sends data B never receives from 1 s on; returns the pair and when
/// A first retransmitted.
fn black_hole(user_timeout: Option<SimDuration>) -> (Pair, SimTime) {
    let cfg = TcpConfig::profile(Profile::Linux);
    let mut p = Pair::connect(cfg, 50);
    p.run_ms(1_000);
    let now = p.now;
    p.conn(Side::A)
        .set_option(now, SockOpt::UserTimeout(user_timeout));
    p.drop = Box::new(|side, _, seg| side == Side::A && seg.data.len > 0);
    p.conn(Side::A).send(now, 1_000);
    p.flush();
    p.run_ms(1_000);
    let first_rtx = p
        .ladder
        .iter()
        .find(|l| l.from == Side::A && l.retransmission)
        .map(|l| l.t)
        .expect("a retransmission within a second");
    (p, first_rtx)
}

#[test]
fn unacknowledged_data_aborts_the_connection_at_the_user_timeout() {
    let (mut p, first_rtx) = black_hole(Some(SimDuration::from_secs(3)));
    let deadline = first_rtx + SimDuration::from_secs(3);
    // Just before: still open, still retransmitting.
    p.run_until(first_rtx + SimDuration::from_millis(2_999));
    assert_eq!(p.state(Side::A), State::Established);
    assert!(!timed_out(&p));
    // At it: the timer fires then, not a backed-off RTO later, and the
    // connection is dropped without a RST (Linux's `tcp_write_err`).
    let sent_before = p.ladder.len();
    p.run_ms(2);
    assert_eq!(closed_at(&p), Some((deadline, "user timeout")));
    assert!(timed_out(&p));
    assert!(
        p.ladder[sent_before..]
            .iter()
            .all(|l| l.from != Side::A || !l.seg.has(sim_tcp::Flags::RST)),
        "no RST"
    );
}

#[test]
fn without_a_user_timeout_the_retries_go_on() {
    let (mut p, first_rtx) = black_hole(None);
    p.run_until(first_rtx + SimDuration::from_secs(30));
    assert_eq!(p.state(Side::A), State::Established);
    assert!(!timed_out(&p));
}

#[test]
fn a_closed_window_probed_for_longer_than_the_user_timeout_aborts() {
    let run = |user_timeout: Option<SimDuration>| {
        let cfg = TcpConfig {
            rcv_buf: 4_000,
            rcv_buf_max: None,
            ..TcpConfig::profile(Profile::Linux)
        };
        let mut p = Pair::connect(cfg, 50);
        p.run_ms(500);
        p.conn(Side::B).set_auto_read(false);
        let now = p.now;
        p.conn(Side::A)
            .set_option(now, SockOpt::UserTimeout(user_timeout));
        p.conn(Side::A).send(now, 20_000);
        p.flush();
        p.run_ms(60_000);
        p
    };
    // B answers every probe with a zero window: without a user timeout
    // A probes forever (RFC 1122 §4.2.2.17).
    let p = run(None);
    assert_eq!(p.state(Side::A), State::Established);
    let probes = p
        .ladder
        .iter()
        .filter(|l| l.from == Side::A && l.t > SimTime::ZERO + SimDuration::from_secs(1))
        .count();
    assert!(probes >= 5, "probes: {probes}");

    // With one, the timeout runs from the persist timer's first expiry,
    // whatever the probes' ACKs say.
    let p = run(Some(SimDuration::from_secs(5)));
    let (at, cause) = closed_at(&p).expect("aborted");
    assert_eq!(cause, "user timeout");
    assert!(timed_out(&p));
    // The first probe: A's first segment after the last that carried
    // more than a byte.
    let a: Vec<_> = p.ladder.iter().filter(|l| l.from == Side::A).collect();
    let last_data = a.iter().rposition(|l| l.seg.data.len > 1).expect("data");
    let first_probe = a.get(last_data + 1).expect("a probe").t;
    assert!(
        at >= first_probe + SimDuration::from_secs(5),
        "not before: {at:?} vs first probe {first_probe:?}"
    );
    assert!(
        at <= first_probe + SimDuration::from_millis(5_001),
        "the persist timer is clamped to the user timeout: {at:?}"
    );
}

#[test]
fn a_connect_gives_up_at_the_user_timeout_from_the_first_syn() {
    let run = |user_timeout: Option<SimDuration>| {
        let cfg = TcpConfig {
            user_timeout,
            ..TcpConfig::profile(Profile::Linux)
        };
        let mut p = Pair::connect(cfg, 50);
        // Nobody listens, nobody answers.
        p.listen_b = None;
        p.run_ms(20_000);
        p
    };
    // SYNs at 0, 1, 3, 7 and 15 s (initial RTO 1 s, doubled): a 2.5 s
    // user timeout ends the attempt at 2.5 s, not at the SYN of 3 s.
    let p = run(Some(SimDuration::from_millis(2_500)));
    let syns = p.ladder.iter().filter(|l| l.from == Side::A).count();
    assert_eq!(syns, 2, "the first SYN and one retransmission");
    assert_eq!(
        closed_at(&p),
        Some((SimTime::ZERO + SimDuration::from_millis(2_500), "timeout"))
    );
    assert!(
        p.events_a
            .iter()
            .any(|(_, e)| *e == Event::ConnectFailed("timeout"))
    );
    // Without it, still trying at 20 s.
    let p = run(None);
    assert_eq!(p.state(Side::A), State::SynSent);
}
