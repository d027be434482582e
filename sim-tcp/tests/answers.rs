//! Where RFC 9293 and Linux answer differently (`answers`): an ACK of data
//! not yet sent, and the RST of an abort. Checked on the wire: what the
//! receiving end sends, and the TSecr its next ACK echoes.

mod support;

use sim_core::{SimDuration, SimTime};
use sim_tcp::seq::SeqNum;
use sim_tcp::{Answers, Flags, Profile, Segment, TcpConfig, Timestamps};
use support::{ISS_B, Pair, Side};

fn cfg(answers: Answers) -> TcpConfig {
    TcpConfig {
        timestamps: true,
        delayed_ack: None,
        answers,
        ..TcpConfig::profile(Profile::Rfc)
    }
}

/// B, established, gets a FIN,ACK from A's address whose ACK is beyond
/// anything B sent, with a TSval far ahead. Returns what B sends at once,
/// then the TSecr of B's ACK for A's next real data.
fn unsent_ack(answers: Answers) -> (Vec<Segment>, u32) {
    let mut p = Pair::connect(cfg(answers), 10);
    p.run_ms(100);
    let now = p.now;
    let b = p.conn(Side::B);
    let (_, snd_nxt, _) = b.send_pointers();
    let bogus = Segment {
        src_port: b.remote_port(),
        dst_port: b.local_port(),
        seq: b.recv_next(),
        ack: SeqNum(snd_nxt.0.wrapping_add(9_999)),
        flags: Flags::ACK | Flags::FIN,
        wnd: 1_000,
        timestamps: Some(Timestamps {
            val: 2_000_000,
            ecr: 0,
        }),
        ..Segment::default()
    };
    b.handle_segment(now, &bogus);
    let answered: Vec<Segment> = std::iter::from_fn(|| b.poll_transmit()).collect();
    assert_eq!(b.state(), sim_tcp::State::Established, "the FIN is dropped");
    p.flush();
    let now = p.now;
    p.conn(Side::A).send(now, 1_000);
    p.flush();
    p.run_ms(100);
    let ecr = p
        .ladder
        .iter()
        .rev()
        .find(|l| l.from == Side::B)
        .and_then(|l| l.seg.timestamps)
        .map(|t| t.ecr)
        .expect("B acknowledged the data with timestamps");
    (answered, ecr)
}

#[test]
fn rfc_acks_an_ack_of_unsent_data_after_taking_its_tsval() {
    let (answered, ecr) = unsent_ack(Answers::Rfc9293);
    // RFC 9293 §3.10.7.4: send an ACK, drop the segment.
    assert_eq!(answered.len(), 1);
    assert_eq!(answered[0].flags, Flags::ACK);
    assert_eq!(answered[0].timestamps.map(|t| t.ecr), Some(2_000_000));
    // RFC 7323 §4.3 took TS.Recent from it before the ACK check, so the
    // real TSval that follows is older and B keeps echoing the bogus one.
    assert_eq!(ecr, 2_000_000);
}

#[test]
fn linux_drops_an_ack_of_unsent_data_silently_and_keeps_ts_recent() {
    let (answered, ecr) = unsent_ack(Answers::Linux);
    assert!(answered.is_empty(), "{answered:?}");
    // B echoes A's own clock: about 200 ms into the run.
    assert!(ecr < 1_000, "ecr {ecr}");
}

/// A receives 1,000 bytes it never reads, then aborts at 1.1 s: the RST
/// A sends.
fn abort_rst(answers: Answers) -> Segment {
    let mut p = Pair::connect(cfg(answers), 10);
    p.run_ms(100);
    p.conn(Side::A).set_auto_read(false);
    let now = p.now;
    p.conn(Side::B).send(now, 1_000);
    p.flush();
    p.run_until(SimTime::ZERO + SimDuration::from_millis(1_100));
    let before = p.ladder.len();
    let now = p.now;
    p.conn(Side::A).abort(now);
    p.flush();
    let sent: Vec<Segment> = p.ladder[before..]
        .iter()
        .filter(|l| l.from == Side::A)
        .map(|l| l.seg.clone())
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    sent[0].clone()
}

#[test]
fn rfc_aborts_with_a_bare_rst() {
    let rst = abort_rst(Answers::Rfc9293);
    assert_eq!(rst.flags, Flags::RST);
    assert_eq!(rst.timestamps, None);
}

#[test]
fn linux_aborts_with_rst_ack_and_a_current_timestamp() {
    let rst = abort_rst(Answers::Linux);
    assert_eq!(rst.flags, Flags::RST | Flags::ACK);
    // It acknowledges the 1,000 bytes A holds unread.
    assert_eq!(rst.ack.0, ISS_B.0 + 1 + 1_000);
    // TSval is the clock at the abort, 1.1 s, not that of A's last segment.
    let ts = rst.timestamps.expect("timestamps on the RST");
    assert!((1_100..1_110).contains(&ts.val), "{ts:?}");
}

/// A's 1,000 bytes reach B, then come again with A's FIN. The SACK blocks
/// of B's answer.
fn repeat_with_fin(answers: Answers) -> usize {
    let cfg = TcpConfig {
        sack: true,
        ..cfg(answers)
    };
    let mut p = Pair::connect(cfg, 10);
    p.run_ms(100);
    let now = p.now;
    p.conn(Side::A).send(now, 1_000);
    p.flush();
    p.run_ms(100);
    let now = p.now;
    let b = p.conn(Side::B);
    let (una, _, _) = b.send_pointers();
    let again = Segment {
        src_port: b.remote_port(),
        dst_port: b.local_port(),
        seq: SeqNum(b.recv_next().0.wrapping_sub(1_000)),
        ack: una,
        flags: Flags::ACK | Flags::FIN,
        wnd: 1_000,
        data: sim_tcp::Data {
            offset: 0,
            len: 1_000,
        },
        ..Segment::default()
    };
    b.handle_segment(now, &again);
    let answer = b.poll_transmit().expect("B acknowledges the FIN");
    assert_eq!(answer.ack.0, again.seq.0.wrapping_add(1_001));
    answer.sack.len()
}

#[test]
fn rfc_reports_data_repeated_with_a_fin_as_a_dsack_and_linux_does_not() {
    // RFC 2883 §4.1: the duplicate is reported.
    assert_eq!(repeat_with_fin(Answers::Rfc9293), 1);
    // Linux's `tcp_fin` resets the SACK state first.
    assert_eq!(repeat_with_fin(Answers::Linux), 0);
}

/// B's window closes with data still to come from A; B reads it all at
/// 8 s. A's probes of the closed window, as (sequence number relative to
/// A's ISS, data bytes), and whether all the data arrived in the end.
fn zero_window_probes(answers: Answers) -> (Vec<(u32, u32)>, bool) {
    let c = TcpConfig {
        rcv_buf: 4_000,
        ..cfg(answers)
    };
    let mut p = Pair::connect(c, 10);
    p.run_ms(100);
    p.conn(Side::B).set_auto_read(false);
    let now = p.now;
    p.conn(Side::A).send(now, 10_000);
    p.flush();
    p.run_until(SimTime::ZERO + SimDuration::from_secs(8));
    let now = p.now;
    p.conn(Side::B).read(now, 4_000);
    p.conn(Side::B).set_auto_read(true);
    p.flush();
    p.run_ms(2_000);
    let iss = support::ISS_A;
    // Probes: what A sends while B's last word was a zero window.
    let mut closed = false;
    let mut probes = Vec::new();
    for l in &p.ladder {
        match l.from {
            Side::B => closed = l.seg.wnd == 0,
            Side::A if closed => probes.push((l.seg.seq - iss, l.seg.data.len)),
            Side::A => {}
        }
    }
    (probes, p.delivered(Side::B) == 10_000)
}

#[test]
fn rfc_probes_a_zero_window_with_the_next_byte() {
    let (probes, done) = zero_window_probes(Answers::Rfc9293);
    assert!(probes.len() >= 2, "{probes:?}");
    // The byte after the 4,000 the window took.
    assert!(probes.iter().all(|&p| p == (4_001, 1)), "{probes:?}");
    assert!(done);
}

#[test]
fn linux_probes_a_zero_window_with_no_data_below_snd_una() {
    let (probes, done) = zero_window_probes(Answers::Linux);
    assert!(probes.len() >= 2, "{probes:?}");
    assert!(probes.iter().all(|&p| p == (4_000, 0)), "{probes:?}");
    assert!(done);
}

/// A sends data into a silent path until `data_retries` timeouts have
/// passed; returns what A sent after its last data segment.
fn retries_exhausted(answers: Answers) -> Vec<Segment> {
    let cfg = TcpConfig {
        data_retries: 2,
        ..cfg(answers)
    };
    let mut p = Pair::connect(cfg, 10);
    p.run_ms(100);
    p.drop = Box::new(|_, _, _| true);
    let now = p.now;
    p.conn(Side::A).send(now, 1_000);
    p.flush();
    p.run_ms(60_000);
    assert_eq!(p.state(Side::A), sim_tcp::State::Closed);
    let last_data = p
        .ladder
        .iter()
        .rposition(|l| l.from == Side::A && l.seg.data.len > 0)
        .expect("A sent data");
    p.ladder[last_data + 1..]
        .iter()
        .filter(|l| l.from == Side::A)
        .map(|l| l.seg.clone())
        .collect()
}

#[test]
fn rfc_resets_the_peer_when_the_retransmissions_run_out_and_linux_does_not() {
    // The model's RFC side tells the peer with a RST (RFC 1122 §4.2.3.5
    // only closes); Linux's `tcp_write_err` closes without a segment.
    // Once: a closed connection arms no timer again.
    let rfc = retries_exhausted(Answers::Rfc9293);
    assert_eq!(rfc.len(), 1, "{rfc:?}");
    assert!(rfc[0].has(Flags::RST));
    assert!(retries_exhausted(Answers::Linux).is_empty());
}
