//! Every state's answer to every kind of segment, as a table of
//! (state, input) -> (segments sent, next state), checked against RFC 9293
//! §3.10.7 and RFC 5961. Our ISS is 1000 and the peer's 5000; inputs are
//! built relative to the connection's RCV.NXT and SND.NXT in that state.

use sim_core::SimTime;
use sim_tcp::conn::Connection;
use sim_tcp::seq::SeqNum;
use sim_tcp::{Data, Flags, Profile, Segment, State, TcpConfig};

const T0: SimTime = SimTime(0);

fn cfg() -> TcpConfig {
    TcpConfig {
        delayed_ack: None,
        ..TcpConfig::default()
    }
}

fn seg(flags: Flags, seq: u32, ack: u32, len: u32) -> Segment {
    Segment {
        src_port: 80,
        dst_port: 4000,
        seq: SeqNum(seq),
        ack: SeqNum(ack),
        flags,
        wnd: 65_535,
        data: Data { offset: 0, len },
        ..Segment::default()
    }
}

fn drain(c: &mut Connection) -> Vec<Segment> {
    let mut v = Vec::new();
    while let Some(s) = c.poll_transmit() {
        v.push(s);
    }
    while c.poll_event().is_some() {}
    v
}

fn feed(c: &mut Connection, s: Segment) -> Vec<Segment> {
    c.handle_segment(T0, &s);
    drain(c)
}

const ACK: Flags = Flags::ACK;

/// A connection in `state`, with (RCV.NXT, SND.NXT) as wire numbers.
fn in_state(state: State) -> (Connection, u32, u32) {
    in_state_with(cfg(), state)
}

/// [`in_state`] with another configuration.
fn in_state_with(cfg: TcpConfig, state: State) -> (Connection, u32, u32) {
    let mut c = Connection::connect(cfg.clone(), T0, 4000, 80, SeqNum(1000));
    drain(&mut c);
    let est = |c: &mut Connection| {
        feed(c, seg(Flags::SYN | ACK, 5000, 1001, 0));
    };
    match state {
        State::SynSent => return (c, 0, 1001),
        State::SynRcvd => {
            let syn = seg(Flags::SYN, 5000, 0, 0);
            let mut c = Connection::accept(cfg, T0, 4000, 80, SeqNum(1000), &syn).unwrap();
            drain(&mut c);
            return (c, 5001, 1001);
        }
        _ => est(&mut c),
    }
    match state {
        State::Established => (c, 5001, 1001),
        State::FinWait1 => {
            c.close(T0);
            drain(&mut c);
            (c, 5001, 1002)
        }
        State::FinWait2 => {
            c.close(T0);
            drain(&mut c);
            feed(&mut c, seg(ACK, 5001, 1002, 0));
            (c, 5001, 1002)
        }
        State::CloseWait => {
            feed(&mut c, seg(Flags::FIN | ACK, 5001, 1001, 0));
            (c, 5002, 1001)
        }
        State::Closing => {
            c.close(T0);
            drain(&mut c);
            feed(&mut c, seg(Flags::FIN | ACK, 5001, 1001, 0));
            (c, 5002, 1002)
        }
        State::LastAck => {
            feed(&mut c, seg(Flags::FIN | ACK, 5001, 1001, 0));
            c.close(T0);
            drain(&mut c);
            (c, 5002, 1002)
        }
        State::TimeWait => {
            c.close(T0);
            drain(&mut c);
            feed(&mut c, seg(ACK, 5001, 1002, 0));
            feed(&mut c, seg(Flags::FIN | ACK, 5001, 1002, 0));
            (c, 5002, 1002)
        }
        _ => unreachable!(),
    }
}

/// The inputs, by name, built for a state's (RCV.NXT, SND.NXT).
fn input(name: &str, rcv_nxt: u32, snd_nxt: u32) -> Segment {
    match name {
        "SYN" => seg(Flags::SYN, rcv_nxt, 0, 0),
        "SYN,ACK" => seg(Flags::SYN | ACK, 5000, snd_nxt, 0),
        "ACK" => seg(ACK, rcv_nxt, snd_nxt, 0),
        "FIN" => seg(Flags::FIN | ACK, rcv_nxt, snd_nxt, 0),
        "RST" => seg(Flags::RST, rcv_nxt, 0, 0),
        "data" => seg(Flags::PSH | ACK, rcv_nxt, snd_nxt, 100),
        "out-of-window" => seg(
            Flags::PSH | ACK,
            rcv_nxt.wrapping_add(200_000),
            snd_nxt,
            100,
        ),
        _ => unreachable!(),
    }
}

/// What came back, as `FLAGS seq ack` relative to nothing (absolute), or
/// `-` for silence.
fn describe(out: &[Segment]) -> String {
    if out.is_empty() {
        return "-".to_string();
    }
    out.iter()
        .map(|s| format!("{} {}/{}", s.flags, s.seq.0, s.ack.0))
        .collect::<Vec<_>>()
        .join(" + ")
}

const INPUTS: [&str; 7] = [
    "SYN",
    "SYN,ACK",
    "ACK",
    "FIN",
    "RST",
    "data",
    "out-of-window",
];

/// (state, input, reply, next state). Each row was checked against RFC
/// 9293 §3.10.7 (and RFC 5961 for RST and SYN); notes on the less obvious
/// ones follow the table.
const TABLE: &[(State, &str, &str, State)] = &[
    // SYN_SENT (§3.10.7.3). Our SND.NXT is 1001; no RCV.NXT yet.
    (State::SynSent, "SYN", "SYN,ACK 1000/1", State::SynRcvd), // simultaneous open (1)
    (
        State::SynSent,
        "SYN,ACK",
        "ACK 1001/5001",
        State::Established,
    ),
    (State::SynSent, "ACK", "-", State::SynSent), // (2)
    (State::SynSent, "FIN", "-", State::SynSent),
    (State::SynSent, "RST", "-", State::SynSent), // no ACK: not believed
    (State::SynSent, "data", "-", State::SynSent),
    (State::SynSent, "out-of-window", "-", State::SynSent),
    // SYN_RCVD (passive).
    (State::SynRcvd, "SYN", "-", State::Listen), // fourth step: back to LISTEN
    (
        State::SynRcvd,
        "SYN,ACK",
        "SYN,ACK 1000/5001",
        State::SynRcvd,
    ), // (3)
    (State::SynRcvd, "ACK", "-", State::Established),
    (State::SynRcvd, "FIN", "ACK 1001/5002", State::CloseWait),
    (State::SynRcvd, "RST", "-", State::Listen),
    (State::SynRcvd, "data", "ACK 1001/5101", State::Established),
    (
        State::SynRcvd,
        "out-of-window",
        "ACK 1001/5001",
        State::SynRcvd,
    ),
    // ESTABLISHED.
    (
        State::Established,
        "SYN",
        "ACK 1001/5001",
        State::Established,
    ), // challenge ACK
    (
        State::Established,
        "SYN,ACK",
        "ACK 1001/5001",
        State::Established,
    ), // (4)
    (State::Established, "ACK", "-", State::Established),
    (State::Established, "FIN", "ACK 1001/5002", State::CloseWait),
    (State::Established, "RST", "-", State::Closed),
    (
        State::Established,
        "data",
        "ACK 1001/5101",
        State::Established,
    ),
    (
        State::Established,
        "out-of-window",
        "ACK 1001/5001",
        State::Established,
    ),
    // FIN_WAIT_1: our FIN (seq 1001) is unacknowledged.
    (State::FinWait1, "SYN", "ACK 1002/5001", State::FinWait1),
    (State::FinWait1, "SYN,ACK", "ACK 1002/5001", State::FinWait1),
    (State::FinWait1, "ACK", "-", State::FinWait2),
    (State::FinWait1, "FIN", "ACK 1002/5002", State::TimeWait), // FIN+ACK of our FIN
    (State::FinWait1, "RST", "-", State::Closed),
    (State::FinWait1, "data", "ACK 1002/5101", State::FinWait2), // acks our FIN too
    (
        State::FinWait1,
        "out-of-window",
        "ACK 1002/5001",
        State::FinWait1,
    ),
    // FIN_WAIT_2.
    (State::FinWait2, "SYN", "ACK 1002/5001", State::FinWait2),
    (State::FinWait2, "SYN,ACK", "ACK 1002/5001", State::FinWait2),
    (State::FinWait2, "ACK", "-", State::FinWait2),
    (State::FinWait2, "FIN", "ACK 1002/5002", State::TimeWait),
    (State::FinWait2, "RST", "-", State::Closed),
    (State::FinWait2, "data", "ACK 1002/5101", State::FinWait2), // half-close: still receives
    (
        State::FinWait2,
        "out-of-window",
        "ACK 1002/5001",
        State::FinWait2,
    ),
    // CLOSE_WAIT: the peer's FIN (5001) has been received.
    (State::CloseWait, "SYN", "ACK 1001/5002", State::CloseWait),
    (
        State::CloseWait,
        "SYN,ACK",
        "ACK 1001/5002",
        State::CloseWait,
    ),
    (State::CloseWait, "ACK", "-", State::CloseWait),
    (State::CloseWait, "FIN", "-", State::CloseWait), // (5)
    (State::CloseWait, "RST", "-", State::Closed),
    (State::CloseWait, "data", "-", State::CloseWait), // (5)
    (
        State::CloseWait,
        "out-of-window",
        "ACK 1001/5002",
        State::CloseWait,
    ),
    // CLOSING.
    (State::Closing, "SYN", "ACK 1002/5002", State::Closing),
    (State::Closing, "SYN,ACK", "ACK 1002/5002", State::Closing),
    (State::Closing, "ACK", "-", State::TimeWait),
    (State::Closing, "FIN", "-", State::TimeWait),
    (State::Closing, "RST", "-", State::Closed),
    (State::Closing, "data", "-", State::TimeWait),
    (
        State::Closing,
        "out-of-window",
        "ACK 1002/5002",
        State::Closing,
    ),
    // LAST_ACK.
    (State::LastAck, "SYN", "ACK 1002/5002", State::LastAck),
    (State::LastAck, "SYN,ACK", "ACK 1002/5002", State::LastAck),
    (State::LastAck, "ACK", "-", State::Closed),
    (State::LastAck, "FIN", "-", State::Closed),
    (State::LastAck, "RST", "-", State::Closed),
    (State::LastAck, "data", "-", State::Closed),
    (
        State::LastAck,
        "out-of-window",
        "ACK 1002/5002",
        State::LastAck,
    ),
    // TIME_WAIT (RFC 1337: RST ignored).
    (State::TimeWait, "SYN", "ACK 1002/5002", State::TimeWait),
    (State::TimeWait, "SYN,ACK", "ACK 1002/5002", State::TimeWait),
    (State::TimeWait, "ACK", "-", State::TimeWait),
    (State::TimeWait, "FIN", "-", State::TimeWait),
    (State::TimeWait, "RST", "-", State::TimeWait),
    (State::TimeWait, "data", "-", State::TimeWait),
    (
        State::TimeWait,
        "out-of-window",
        "ACK 1002/5002",
        State::TimeWait,
    ),
];
// Notes:
// (1) SYN_SENT + bare SYN: simultaneous open; the SYN,ACK repeats our ISS.
// (2) SYN_SENT + a segment whose ACK does acknowledge our SYN but which
//     carries no SYN: the first check passes (ISS < SEG.ACK <= SND.NXT), and
//     the fifth drops it ("if neither of the SYN or RST bits is set"). An
//     ACK that does not acknowledge our SYN draws a RST: see below.
// (3) A SYN,ACK whose SYN repeats the peer's ISS, to a passive SYN_RCVD:
//     treated as the peer repeating its SYN (our SYN,ACK was lost).
// (4) In ESTABLISHED a SYN,ACK is a SYN in a synchronized state: challenge
//     ACK (RFC 5961 §4) after failing the sequence check.
// (5) After the peer's FIN, text and FIN are ignored (§3.10.7.4 seventh and
//     eighth steps); they carry nothing new and ACK nothing new.

#[test]
fn every_state_answers_every_segment_as_the_rfc_says() {
    let mut failures = Vec::new();
    for &(state, name, reply, next) in TABLE {
        let (mut c, rcv, snd) = in_state(state);
        assert_eq!(c.state(), state, "setting up {state:?}");
        let out = feed(&mut c, input(name, rcv, snd));
        let got = describe(&out);
        if got != reply || c.state() != next {
            failures.push(format!(
                "{state:?} + {name}: expected {reply} -> {next:?}, got {got} -> {:?}",
                c.state()
            ));
        }
        assert_eq!(c.check_invariants(), Ok(()), "{state:?} + {name}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every synchronized state and every input is covered.
    assert_eq!(TABLE.len(), 9 * INPUTS.len());
}

#[test]
fn syn_sent_resets_an_ack_that_does_not_acknowledge_its_syn() {
    // RFC 9293 §3.10.7.3, first check: <SEQ=SEG.ACK><CTL=RST>.
    let (mut c, _, _) = in_state(State::SynSent);
    let out = feed(&mut c, seg(Flags::SYN | ACK, 5000, 4242, 0));
    assert_eq!(describe(&out), "RST 4242/0");
    assert_eq!(c.state(), State::SynSent);
    // A RST that acknowledges our SYN is believed: connection refused.
    let out = feed(&mut c, seg(Flags::RST | ACK, 0, 1001, 0));
    assert_eq!(describe(&out), "-");
    assert_eq!(c.state(), State::Closed);
}

#[test]
fn a_rst_in_the_window_but_not_at_rcv_nxt_draws_a_challenge_ack() {
    // RFC 5961 §3.2.
    let (mut c, rcv, _) = in_state(State::Established);
    let out = feed(&mut c, seg(Flags::RST, rcv + 10, 0, 0));
    assert_eq!(describe(&out), "ACK 1001/5001");
    assert_eq!(c.state(), State::Established);
    // Outside the window: silently dropped.
    let out = feed(&mut c, seg(Flags::RST, rcv.wrapping_add(1 << 20), 0, 0));
    assert_eq!(describe(&out), "-");
    assert_eq!(c.state(), State::Established);
}

#[test]
fn acks_of_unsent_data_and_ancient_acks_are_answered_and_dropped() {
    let (mut c, rcv, _) = in_state(State::Established);
    // SEG.ACK > SND.NXT: ACK and drop (the data is not delivered).
    let out = feed(&mut c, seg(Flags::PSH | ACK, rcv, 1500, 100));
    assert_eq!(describe(&out), "ACK 1001/5001");
    // An ACK older than SND.UNA - MAX.SND.WND (RFC 5961 §5.2).
    let out = feed(&mut c, seg(ACK, rcv, 1001u32.wrapping_sub(200_000), 0));
    assert_eq!(describe(&out), "ACK 1001/5001");
    assert_eq!(c.stats().bytes_delivered, 0);
}

#[test]
fn an_exact_rst_in_time_wait_closes_under_linux_defaults_only() {
    // Linux's net.ipv4.tcp_rfc1337 defaults to 0: an in-window RST at
    // RCV.NXT kills a TIME_WAIT socket at once. The rfc profile applies
    // RFC 1337 (§3, fix F1: ignore RST in TIME_WAIT).
    for (profile, next) in [
        (Profile::Linux, State::Closed),
        (Profile::Rfc, State::TimeWait),
    ] {
        let cfg = TcpConfig {
            delayed_ack: None,
            ..TcpConfig::profile(profile)
        };
        let (mut c, rcv, _) = in_state_with(cfg, State::TimeWait);
        assert_eq!(c.state(), State::TimeWait);
        let out = feed(&mut c, seg(Flags::RST, rcv, 0, 0));
        assert_eq!(describe(&out), "-", "{profile:?}");
        assert_eq!(c.state(), next, "{profile:?}");
    }
}

/// Bytes delivered to the application, checked to be in order from 0.
fn delivered(c: &mut Connection) -> u64 {
    let mut next = 0;
    while let Some(e) = c.poll_event() {
        if let sim_tcp::conn::Event::Delivered(d) = e {
            assert_eq!(d.offset, next, "delivered out of order");
            next += u64::from(d.len);
        }
    }
    next
}

fn replies(c: &mut Connection) -> String {
    let mut v = Vec::new();
    while let Some(s) = c.poll_transmit() {
        v.push(s);
    }
    describe(&v)
}

#[test]
fn data_on_a_syn_waits_for_established_then_is_delivered() {
    // RFC 9293 §3.10.7.2: the SYN's text is queued; the SYN,ACK
    // acknowledges the SYN only, and the text is delivered (and
    // acknowledged) once the handshake completes.
    let syn = seg(Flags::SYN, 5000, 0, 100);
    let mut c = Connection::accept(cfg(), T0, 4000, 80, SeqNum(1000), &syn).unwrap();
    assert_eq!(replies(&mut c), "SYN,ACK 1000/5001");
    assert_eq!(delivered(&mut c), 0, "not before ESTABLISHED");
    // The peer's ACK of our SYN comes from its SND.NXT, past its data.
    c.handle_segment(T0, &seg(ACK, 5101, 1001, 0));
    assert_eq!(c.state(), State::Established);
    assert_eq!(delivered(&mut c), 100);
    assert_eq!(replies(&mut c), "ACK 1001/5101");
    // The peer's retransmission of that text is a duplicate now.
    c.handle_segment(T0, &seg(Flags::PSH | ACK, 5001, 1001, 100));
    assert_eq!(delivered(&mut c), 0);
    assert_eq!(replies(&mut c), "ACK 1001/5101");
    assert_eq!(c.check_invariants(), Ok(()));
}

#[test]
fn data_and_fin_on_a_syn_ack_are_processed_in_syn_sent() {
    // RFC 9293 §3.10.7.3: after the SYN,ACK takes SYN_SENT to
    // ESTABLISHED, processing continues at the sixth step of §3.10.7.4:
    // text, then FIN.
    let (mut c, _, _) = in_state(State::SynSent);
    c.handle_segment(T0, &seg(Flags::SYN | ACK | Flags::PSH, 5000, 1001, 100));
    assert_eq!(c.state(), State::Established);
    assert_eq!(delivered(&mut c), 100);
    assert_eq!(replies(&mut c), "ACK 1001/5101");

    let (mut c, _, _) = in_state(State::SynSent);
    c.handle_segment(T0, &seg(Flags::SYN | ACK | Flags::FIN, 5000, 1001, 100));
    assert_eq!(c.state(), State::CloseWait);
    assert_eq!(delivered(&mut c), 100);
    assert_eq!(replies(&mut c), "ACK 1001/5102");
    assert_eq!(c.check_invariants(), Ok(()));
}

#[test]
fn data_on_a_simultaneous_open_syn_waits_for_established() {
    // §3.10.7.3, SYN without ACK in SYN_SENT: "queue them for processing
    // after the ESTABLISHED state has been reached".
    let (mut c, _, _) = in_state(State::SynSent);
    c.handle_segment(T0, &seg(Flags::SYN, 5000, 0, 100));
    assert_eq!(c.state(), State::SynRcvd);
    assert_eq!(delivered(&mut c), 0);
    assert_eq!(replies(&mut c), "SYN,ACK 1000/5001");
    c.handle_segment(T0, &seg(ACK, 5101, 1001, 0));
    assert_eq!(c.state(), State::Established);
    assert_eq!(delivered(&mut c), 100);
    assert_eq!(replies(&mut c), "ACK 1001/5101");
}

mod stack {
    //! LISTEN and CLOSED live in the stack: a listener, or no connection.
    use super::*;
    use sim_core::{NodeId, RngStream};
    use sim_tcp::stack::TcpStack;

    const PEER: NodeId = NodeId(7);

    fn stack(listen: bool) -> TcpStack {
        let mut s = TcpStack::new(cfg(), RngStream::derive(1, "isn"), Some(1000));
        if listen {
            s.listen(4000, 8);
        }
        s
    }

    fn answer(s: &mut TcpStack, seg: Segment) -> String {
        s.handle_segment(T0, PEER, &seg);
        while s.poll_event().is_some() {}
        let mut out = Vec::new();
        while let Some((to, t)) = s.poll_transmit() {
            assert_eq!(to, PEER);
            out.push(t.seg);
        }
        while s.poll_timer().is_some() {}
        describe(&out)
    }

    #[test]
    fn a_closed_port_resets_everything_but_a_reset() {
        // RFC 9293 §3.10.7.1.
        let mut s = stack(false);
        assert_eq!(
            answer(&mut s, seg(Flags::SYN, 5000, 0, 0)),
            "RST,ACK 0/5001"
        );
        assert_eq!(answer(&mut s, seg(ACK, 5001, 777, 0)), "RST 777/0");
        assert_eq!(
            answer(&mut s, seg(Flags::PSH, 5001, 0, 100)),
            "RST,ACK 0/5101"
        );
        assert_eq!(answer(&mut s, seg(Flags::RST, 5001, 0, 0)), "-");
        assert_eq!(s.live_connections(), 0);
    }

    #[test]
    fn a_listener_answers_syn_resets_acks_and_ignores_the_rest() {
        // RFC 9293 §3.10.7.2.
        let mut s = stack(true);
        assert_eq!(answer(&mut s, seg(Flags::RST, 5000, 0, 0)), "-");
        assert_eq!(answer(&mut s, seg(ACK, 5000, 321, 0)), "RST 321/0");
        assert_eq!(answer(&mut s, seg(Flags::FIN, 5000, 0, 0)), "-");
        assert_eq!(s.live_connections(), 0);
        assert_eq!(
            answer(&mut s, seg(Flags::SYN, 5000, 0, 0)),
            "SYN,ACK 1000/5001"
        );
        assert_eq!(s.live_connections(), 1);
    }

    #[test]
    fn a_full_syn_queue_drops_new_syns() {
        let mut s = TcpStack::new(cfg(), RngStream::derive(1, "isn"), None);
        s.listen(4000, 2);
        for port in 0..5u16 {
            let mut syn = seg(Flags::SYN, 5000, 0, 0);
            syn.src_port = 100 + port;
            s.handle_segment(T0, PEER, &syn);
            while s.poll_event().is_some() {}
            while s.poll_transmit().is_some() {}
            while s.poll_timer().is_some() {}
        }
        assert_eq!(s.live_connections(), 2);
    }
}

/// RFC 1122 §4.2.2.13: once the application has closed for good
/// (`shut_read`), new data in FIN_WAIT_1 or FIN_WAIT_2 is answered with a
/// RST at SEG.ACK and the connection is gone; a half close (`close` alone)
/// still takes it.
#[test]
fn data_after_a_full_close_is_answered_with_a_reset() {
    for state in [State::FinWait1, State::FinWait2] {
        let (mut c, rcv_nxt, snd_nxt) = in_state(state);
        c.shut_read();
        let ack = if state == State::FinWait1 {
            snd_nxt - 1
        } else {
            snd_nxt
        };
        let out = feed(&mut c, seg(ACK, rcv_nxt, ack, 10));
        assert_eq!(out.len(), 1, "{state:?}: {out:?}");
        assert_eq!(out[0].flags, Flags::RST, "{state:?}");
        assert_eq!(out[0].seq, SeqNum(ack), "{state:?}");
        assert_eq!(c.state(), State::Closed, "{state:?}");

        let (mut c, rcv_nxt, _) = in_state(state);
        let out = feed(&mut c, seg(ACK, rcv_nxt, ack, 10));
        assert!(out.iter().all(|s| !s.has(Flags::RST)), "{state:?}: {out:?}");
        assert_eq!(c.state(), state, "half close: {state:?}");
        assert_eq!(c.recv_next(), SeqNum(rcv_nxt + 10));
    }
    // Before our FIN (ESTABLISHED), data is still taken, as Linux's after
    // shutdown(SHUT_RD).
    let (mut c, rcv_nxt, snd_nxt) = in_state(State::Established);
    c.shut_read();
    let out = feed(&mut c, seg(ACK, rcv_nxt, snd_nxt, 10));
    assert!(out.iter().all(|s| !s.has(Flags::RST)), "{out:?}");
    assert_eq!(c.state(), State::Established);
}
