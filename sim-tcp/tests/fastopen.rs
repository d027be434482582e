//! TCP Fast Open (RFC 7413) between two stacks, checked on the wire: the
//! cookie request and its use, SYN data taken by the server, a SYN,ACK
//! acknowledging part of the SYN data, and a wrong cookie.

use sim_core::{NodeId, RngStream, SimDuration, SimTime};
use sim_tcp::fastopen::{FastOpen, FoKind, FoOption, TCPI_OPT_SYN_DATA};
use sim_tcp::seq::SeqNum;
use sim_tcp::stack::{ConnId, StackEvent, TcpStack};
use sim_tcp::{Data, Flags, Profile, Segment, State, TcpConfig};

const CLIENT: NodeId = NodeId(1);
const SERVER: NodeId = NodeId(2);
const PORT: u16 = 80;
const T0: SimTime = SimTime::ZERO;

fn cfg(fo: FastOpen) -> TcpConfig {
    let mut c = TcpConfig::profile(Profile::Linux);
    c.fast_open = fo;
    c
}

fn both() -> FastOpen {
    FastOpen {
        client: true,
        server: true,
        all_listeners: true,
        ..FastOpen::default()
    }
}

fn stacks(fo: FastOpen) -> (TcpStack, TcpStack) {
    let c = TcpStack::new(cfg(fo), RngStream::derive(1, "client"), None);
    let mut s = TcpStack::new(cfg(fo), RngStream::derive(1, "server"), None);
    s.listen(PORT, 8);
    (c, s)
}

/// Segments `from` has to send, with its events drained first.
fn out(from: &mut TcpStack) -> (Vec<Segment>, Vec<StackEvent>) {
    let mut events = Vec::new();
    while let Some(e) = from.poll_event() {
        events.push(e);
    }
    let mut segs = Vec::new();
    while let Some((_, t)) = from.poll_transmit() {
        segs.push(t.seg);
    }
    while from.poll_timer().is_some() {}
    (segs, events)
}

fn deliver(to: &mut TcpStack, from: NodeId, segs: &[Segment]) {
    for s in segs {
        to.handle_segment(T0, from, s);
    }
}

fn delivered(events: &[StackEvent]) -> u64 {
    events
        .iter()
        .map(|e| match e {
            StackEvent::Conn(_, sim_tcp::conn::Event::Delivered(d)) => u64::from(d.len),
            _ => 0,
        })
        .sum()
}

fn accepted(events: &[StackEvent]) -> Option<ConnId> {
    events.iter().find_map(|e| match e {
        StackEvent::Accepted { conn, .. } => Some(*conn),
        _ => None,
    })
}

/// A first connection that asks for a cookie and completes; returns the
/// cookie the server gave.
fn warm_up(c: &mut TcpStack, s: &mut TcpStack) -> FoOption {
    let (_, syn_data) = c
        .connect_fast_open(T0, SERVER, PORT, None, 500, true)
        .unwrap();
    assert_eq!(syn_data, 0, "no cookie yet: no data on the SYN");
    let (syn, _) = out(c);
    assert_eq!(syn.len(), 1);
    assert_eq!(syn[0].fast_open, Some(FoOption::request(FoKind::Rfc)));
    assert_eq!(syn[0].data.len, 0);
    deliver(s, CLIENT, &syn);
    let (syn_ack, events) = out(s);
    assert_eq!(delivered(&events), 0);
    assert_eq!(
        syn_ack[0].ack,
        syn[0].seq + 1,
        "only the SYN is acknowledged"
    );
    let cookie = syn_ack[0].fast_open.expect("the SYN,ACK carries a cookie");
    assert_eq!(cookie.len, 8);
    deliver(c, SERVER, &syn_ack);
    let (rest, _) = out(c);
    deliver(s, CLIENT, &rest);
    let (_, events) = out(s);
    assert_eq!(delivered(&events), 500, "the data follows the handshake");
    cookie
}

#[test]
fn a_cookie_asked_for_once_carries_data_on_the_next_syn() {
    let (mut c, mut s) = stacks(both());
    let cookie = warm_up(&mut c, &mut s);

    let (cid, syn_data) = c
        .connect_fast_open(T0, SERVER, PORT, None, 1000, true)
        .unwrap();
    assert_eq!(syn_data, 1000);
    let (syn, _) = out(&mut c);
    assert_eq!(syn.len(), 1);
    assert!(syn[0].has(Flags::SYN));
    assert_eq!(syn[0].data.len, 1000, "the SYN carries the data");
    assert_eq!(syn[0].fast_open, Some(cookie), "and the cookie");

    deliver(&mut s, CLIENT, &syn);
    let (syn_ack, events) = out(&mut s);
    // RFC 7413 §4.2.2: the server takes the data before the handshake ends.
    assert_eq!(delivered(&events), 1000);
    let child = accepted(&events).unwrap();
    assert!(s.conn(child).unwrap().is_fast_open_child());
    assert_eq!(s.conn(child).unwrap().state(), State::SynRcvd);
    assert_eq!(
        syn_ack[0].ack,
        syn[0].seq + 1001,
        "the SYN,ACK acks the data"
    );
    assert_eq!(syn_ack[0].fast_open, None);
    // The whole initial window beyond the data, as Linux's `rsk_rcv_wnd`.
    assert_eq!(syn_ack[0].wnd, 65_535);
    assert_ne!(
        s.conn(child).unwrap().tcp_info().options & TCPI_OPT_SYN_DATA,
        0
    );

    deliver(&mut c, SERVER, &syn_ack);
    let (ack, _) = out(&mut c);
    assert_eq!(c.conn(cid).unwrap().state(), State::Established);
    assert_ne!(
        c.conn(cid).unwrap().tcp_info().options & TCPI_OPT_SYN_DATA,
        0
    );
    assert_eq!(ack.len(), 1);
    assert_eq!(ack[0].data.len, 0, "nothing is sent again");
    deliver(&mut s, CLIENT, &ack);
    let _ = out(&mut s);
    assert_eq!(s.conn(child).unwrap().state(), State::Established);
}

#[test]
fn syn_data_the_syn_ack_leaves_unacknowledged_is_sent_again() {
    let (mut c, mut s) = stacks(both());
    warm_up(&mut c, &mut s);
    let (cid, _) = c
        .connect_fast_open(T0, SERVER, PORT, None, 1000, true)
        .unwrap();
    let (syn, _) = out(&mut c);
    // A server that took only 400 bytes of the 1000.
    let syn_ack = Segment {
        src_port: PORT,
        dst_port: syn[0].src_port,
        seq: SeqNum(7000),
        ack: syn[0].seq + 401,
        flags: Flags::SYN | Flags::ACK,
        wnd: 65_535,
        mss: Some(1460),
        ..Segment::default()
    };
    deliver(&mut c, SERVER, &[syn_ack]);
    let (segs, _) = out(&mut c);
    assert_eq!(c.conn(cid).unwrap().state(), State::Established);
    let data: Vec<(SeqNum, u32)> = segs
        .iter()
        .filter(|s| s.data.len > 0)
        .map(|s| (s.seq, s.data.len))
        .collect();
    assert_eq!(data, vec![(syn[0].seq + 401, 600)]);
    // Sent again, as retransmissions (Linux marks them lost).
    let info = c.conn(cid).unwrap().tcp_info();
    assert_eq!((info.retrans, info.total_retrans), (1, 1));
    assert_eq!(
        c.conn(cid).unwrap().tcp_info().options & TCPI_OPT_SYN_DATA,
        0,
        "not all the SYN's data was acknowledged"
    );
}

#[test]
fn a_wrong_cookie_gets_the_syn_acked_alone_and_the_right_cookie() {
    let (_, mut s) = stacks(both());
    let syn = Segment {
        src_port: 5000,
        dst_port: PORT,
        seq: SeqNum(100),
        flags: Flags::SYN,
        wnd: 65_535,
        mss: Some(1460),
        fast_open: Some(FoOption::with_cookie(FoKind::Exp, &[9; 8])),
        data: Data {
            offset: 0,
            len: 300,
        },
        ..Segment::default()
    };
    deliver(&mut s, CLIENT, std::slice::from_ref(&syn));
    let (syn_ack, events) = out(&mut s);
    assert_eq!(delivered(&events), 0, "the data waits for the handshake");
    assert_eq!(syn_ack[0].ack, SeqNum(101));
    let right = syn_ack[0].fast_open.expect("a cookie to use next time");
    assert_eq!(right.kind, FoKind::Exp, "in the client's encoding");
    assert_ne!(right.bytes(), &[9; 8]);

    // The same SYN with the right cookie, from another port, is taken.
    let good = Segment {
        src_port: 5001,
        fast_open: Some(right),
        ..syn
    };
    deliver(&mut s, CLIENT, &[good]);
    let (syn_ack, events) = out(&mut s);
    assert_eq!(delivered(&events), 300);
    assert_eq!(syn_ack[0].ack, SeqNum(401));
}

#[test]
fn malformed_options_are_ignored_as_if_absent() {
    let (_, mut s) = stacks(both());
    for (port, len) in [(6000u16, 3usize), (6001, 2), (6002, 18)] {
        let syn = Segment {
            src_port: port,
            dst_port: PORT,
            seq: SeqNum(100),
            flags: Flags::SYN,
            wnd: 65_535,
            fast_open: Some(FoOption::with_cookie(FoKind::Rfc, &vec![1; len])),
            data: Data { offset: 0, len: 10 },
            ..Segment::default()
        };
        deliver(&mut s, CLIENT, &[syn]);
        let (syn_ack, events) = out(&mut s);
        assert_eq!(delivered(&events), 0);
        assert_eq!(syn_ack[0].ack, SeqNum(101), "cookie of {len} bytes");
        assert_eq!(syn_ack[0].fast_open, None, "no cookie offered");
    }
}

#[test]
fn a_listener_without_fast_open_ignores_it() {
    let (mut c, mut s) = stacks(FastOpen {
        client: true,
        ..FastOpen::default()
    });
    let _ = c.connect_fast_open(T0, SERVER, PORT, None, 100, true);
    let (syn, _) = out(&mut c);
    assert!(syn[0].fast_open.is_some(), "the client still asks");
    deliver(&mut s, CLIENT, &syn);
    let (syn_ack, _) = out(&mut s);
    assert_eq!(syn_ack[0].fast_open, None);
}

#[test]
fn a_fast_open_child_sends_its_syn_ack_again_on_its_timer() {
    let (mut c, mut s) = stacks(both());
    warm_up(&mut c, &mut s);
    let _ = c.connect_fast_open(T0, SERVER, PORT, None, 100, true);
    let (syn, _) = out(&mut c);
    deliver(&mut s, CLIENT, &syn);
    let (first, events) = out(&mut s);
    let child = accepted(&events).unwrap();
    assert_eq!(first[0].ack, syn[0].seq + 101);
    // No ACK comes: the child's SYN,ACK goes again on its timer.
    let at = T0 + SimDuration::from_secs(1);
    s.handle_timeout(at, child);
    let (again, _) = out(&mut s);
    assert_eq!(again.len(), 1);
    assert!(again[0].has(Flags::SYN) && again[0].has(Flags::ACK));
    assert_eq!(again[0].ack, syn[0].seq + 101);
}

#[test]
fn a_cookie_is_not_repeated_on_a_retransmitted_syn_ack() {
    // Linux's `tcp_rtx_synack` sends no cookie.
    let (mut c, mut s) = stacks(both());
    let _ = c.connect_fast_open(T0, SERVER, PORT, None, 0, true);
    let (syn, _) = out(&mut c);
    deliver(&mut s, CLIENT, &syn);
    let (first, events) = out(&mut s);
    assert!(first[0].fast_open.is_some());
    let conn = accepted(&events).unwrap();
    s.handle_timeout(T0 + SimDuration::from_secs(1), conn);
    let (again, _) = out(&mut s);
    assert!(again[0].has(Flags::SYN));
    assert_eq!(again[0].fast_open, None);
}

#[test]
fn the_server_key_comes_from_the_seed() {
    let cookie = |seed: u64| {
        let mut s = TcpStack::new(cfg(both()), RngStream::derive(seed, "server"), None);
        s.listen(PORT, 8);
        let syn = Segment {
            src_port: 5000,
            dst_port: PORT,
            seq: SeqNum(1),
            flags: Flags::SYN,
            wnd: 65_535,
            fast_open: Some(FoOption::request(FoKind::Rfc)),
            ..Segment::default()
        };
        deliver(&mut s, CLIENT, &[syn]);
        out(&mut s).0[0].fast_open.unwrap()
    };
    assert_eq!(cookie(1), cookie(1));
    assert_ne!(cookie(1), cookie(2));
}
