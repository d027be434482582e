//! The congestion window after the sender was idle (RFC 5681 §4.1,
//! `idle_restart`): what leaves at once when the application writes again
//! after a pause, counted on the wire.

mod support;

use sim_core::SimDuration;
use sim_tcp::{CongestionKind, IdleRestart, Profile, TcpConfig};
use support::{Pair, Side};

const DELAY_MS: u64 = 50;

fn config(rule: IdleRestart) -> TcpConfig {
    TcpConfig {
        idle_restart: rule,
        // A receive window that never limits the bursts counted here.
        rcv_buf: 4 << 20,
        rcv_buf_max: None,
        ..TcpConfig::profile(Profile::Linux)
    }
}

/// A connection whose window grew in slow start, with everything sent
/// acknowledged: (pair, cwnd in segments, RTO).
fn warmed(cfg: TcpConfig) -> (Pair, u32, SimDuration) {
    let mut p = Pair::connect_with(cfg.clone(), cfg, DELAY_MS);
    p.run_ms(200);
    let now = p.now;
    p.conn(Side::A).send(now, 60_000);
    p.flush();
    // Until everything is acknowledged, and no longer.
    for _ in 0..200 {
        if p.conn(Side::A).tcp_info().unacked == 0 {
            break;
        }
        p.run_ms(5);
    }
    assert_eq!(p.delivered(Side::B), 60_000);
    let info = p.conn(Side::A).tcp_info();
    assert_eq!(info.unacked, 0);
    (p, info.snd_cwnd, SimDuration::from_micros(info.rto_us))
}

/// When A last sent data.
fn last_data_sent(p: &Pair) -> sim_core::SimTime {
    p.ladder
        .iter()
        .rev()
        .find(|l| l.from == Side::A && l.seg.data.len > 0)
        .map(|l| l.t)
        .unwrap()
}

/// Writes plenty `idle` after A last sent data, and returns the data
/// segments A sent at that instant and cwnd (segments) and ssthresh
/// (bytes) right after.
fn burst_after(p: &mut Pair, idle: SimDuration) -> (usize, u32, u32) {
    let at = last_data_sent(p) + idle;
    assert!(at >= p.now, "the pause is measured from the last send");
    p.run_until(at);
    p.now = at;
    let before = p.ladder.len();
    p.conn(Side::A).send(at, 1_000_000);
    p.flush();
    let info = p.conn(Side::A).tcp_info();
    let burst = p.ladder[before..]
        .iter()
        .filter(|l| l.from == Side::A && l.t == at && l.seg.data.len > 0)
        .count();
    (burst, info.snd_cwnd, info.snd_ssthresh)
}

fn rtos(rto: SimDuration, times: f64) -> SimDuration {
    SimDuration((rto.as_nanos() as f64 * times) as u64)
}

#[test]
fn linux_halves_the_window_once_per_rto_of_idle_down_to_iw() {
    let (mut p, cwnd, rto) = warmed(config(IdleRestart::Linux));
    assert!(cwnd >= 40, "slow start grew the window: {cwnd}");
    // Just over one RTO: half.
    let (burst, after, ssthresh) = burst_after(&mut p, rtos(rto, 1.5));
    assert_eq!(after, cwnd / 2);
    assert_eq!(burst, (cwnd / 2) as usize);
    // ssthresh keeps 3/4 of the window given up (here it was infinite, and
    // stays so).
    assert!(ssthresh >= (cwnd / 2 + cwnd / 4) * p.conn(Side::A).mss());

    let (mut p, cwnd, rto) = warmed(config(IdleRestart::Linux));
    // Over two RTOs: a quarter, but never below IW = 10.
    let (burst, after, _) = burst_after(&mut p, rtos(rto, 2.5));
    assert_eq!(after, (cwnd / 4).max(10));
    assert_eq!(burst, (cwnd / 4).max(10) as usize);

    let (mut p, _, _) = warmed(config(IdleRestart::Linux));
    // A long pause: IW.
    let (burst, after, _) = burst_after(&mut p, SimDuration::from_secs(30));
    assert_eq!((burst, after), (10, 10));
}

#[test]
fn rfc5681_restarts_at_the_initial_window_after_one_rto() {
    let cfg = config(IdleRestart::Rfc5681);
    let (mut p, cwnd, rto) = warmed(cfg);
    assert!(cwnd > 10);
    let (burst, after, _) = burst_after(&mut p, rtos(rto, 1.5));
    assert_eq!((burst, after), (10, 10));
}

#[test]
fn a_pause_shorter_than_the_rto_keeps_the_window() {
    for rule in [IdleRestart::Linux, IdleRestart::Rfc5681] {
        let (mut p, cwnd, rto) = warmed(config(rule));
        let (burst, after, _) = burst_after(&mut p, rtos(rto, 0.9));
        assert_eq!(after, cwnd, "{rule:?}");
        assert_eq!(burst, cwnd as usize, "{rule:?}");
    }
}

#[test]
fn off_keeps_the_window_after_any_pause() {
    let (mut p, cwnd, _) = warmed(config(IdleRestart::Off));
    let (burst, after, _) = burst_after(&mut p, SimDuration::from_secs(30));
    assert_eq!((burst, after), (cwnd as usize, cwnd));
}

#[test]
fn bbr_is_left_out_of_the_restart() {
    let cfg = TcpConfig {
        congestion: CongestionKind::Bbr,
        ..config(IdleRestart::Linux)
    };
    let (mut p, cwnd, _) = warmed(cfg);
    let (_, after, _) = burst_after(&mut p, SimDuration::from_secs(30));
    assert_eq!(after, cwnd, "BBR keeps its own window");
}

#[test]
fn no_restart_while_data_is_in_flight() {
    // No tail loss probe: the only retransmission is the RTO's.
    let cfg = TcpConfig {
        rack_tlp: false,
        ..config(IdleRestart::Linux)
    };
    let (mut p, cwnd, rto) = warmed(cfg);
    // Two segments; the second is lost. The ACK of the first restarts the
    // retransmission timer, so more than an RTO passes after the last
    // send with the second still in flight and no timeout yet.
    let mss = u64::from(p.conn(Side::A).mss());
    let mut n = 0;
    p.drop = Box::new(move |side, _, seg| {
        if side == Side::A && seg.data.len > 0 {
            n += 1;
            return n == 2;
        }
        false
    });
    let start = p.now;
    p.conn(Side::A).send(start, 2 * mss);
    p.flush();
    assert_eq!(last_data_sent(&p), start);
    let write_at = start + rtos(rto, 1.1);
    p.run_until(write_at);
    p.now = write_at;
    let info = p.conn(Side::A).tcp_info();
    assert_eq!(info.unacked, 1, "the second segment is still in flight");
    assert_eq!(info.retransmits, 0, "and its timer has not fired");
    p.conn(Side::A).send(write_at, 100_000);
    p.flush();
    assert_eq!(p.conn(Side::A).tcp_info().snd_cwnd, cwnd);
}
