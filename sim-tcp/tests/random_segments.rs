//! Random segment sequences, timer expiries and application calls fed to
//! established connections: nothing panics, the TCB's invariants hold after
//! every step, what it sends is well formed, and every state is reached.
//! Deterministic (seeded streams); `cargo test -- --ignored` runs a much
//! longer soak.

use std::collections::BTreeSet;

use sim_core::{RngStream, SimDuration, SimTime};
use sim_tcp::conn::Connection;
use sim_tcp::seq::SeqNum;
use sim_tcp::{Data, Flags, Segment, State, TcpConfig};

fn header(seq: u32, ack: u32, flags: Flags) -> Segment {
    Segment {
        src_port: 80,
        dst_port: 4000,
        seq: SeqNum(seq),
        ack: SeqNum(ack),
        flags,
        wnd: 65_535,
        ..Segment::default()
    }
}

/// Mostly segments a real peer could send (near RCV.NXT, acknowledging
/// something between SND.UNA and what was sent), sometimes anything at all.
fn random_segment(r: &mut RngStream, c: &Connection) -> Segment {
    let rcv_nxt = c.recv_next().0;
    let (una, _, max) = c.send_pointers();
    if r.chance(0.2) {
        let mut flags = Flags::default();
        for f in [Flags::SYN, Flags::ACK, Flags::FIN, Flags::RST, Flags::PSH] {
            if r.chance(0.4) {
                flags = flags | f;
            }
        }
        let mut s = header(r.next_u32(), r.next_u32(), flags);
        s.wnd = r.below(65_536) as u16;
        s.data.len = r.below(3000) as u32;
        return s;
    }
    let seq = rcv_nxt
        .wrapping_add(r.below(4_000) as u32)
        .wrapping_sub(if r.chance(0.3) { 2_000 } else { 0 });
    let span = (max - una).max(1);
    let ack = una.0.wrapping_add(r.below(u64::from(span) + 2) as u32);
    let mut flags = Flags::ACK;
    let len = if r.chance(0.5) {
        0
    } else {
        1 + r.below(1460) as u32
    };
    if len > 0 {
        flags = flags | Flags::PSH;
    }
    if r.chance(0.05) {
        flags = flags | Flags::FIN;
    }
    if r.chance(0.01) {
        flags = flags | Flags::RST;
    }
    if r.chance(0.01) {
        flags = flags | Flags::SYN;
    }
    let mut s = header(seq, ack, flags);
    s.wnd = if r.chance(0.1) {
        0
    } else {
        r.below(65_536) as u16
    };
    s.data = Data {
        offset: r.below(1 << 30),
        len,
    };
    s
}

/// Establishes a connection, actively or passively, like a real peer would.
fn established(r: &mut RngStream, cfg: TcpConfig) -> Connection {
    let now = SimTime::ZERO;
    let peer_iss = r.next_u32();
    let our_iss = r.next_u32();
    let mut syn = header(peer_iss, 0, Flags::SYN);
    syn.mss = Some(536 + r.below(1000) as u16);
    syn.wscale = r.chance(0.5).then(|| r.below(8) as u8);
    let mut c = if r.chance(0.5) {
        let mut c = Connection::connect(cfg, now, 4000, 80, SeqNum(our_iss));
        syn.flags = Flags::SYN | Flags::ACK;
        syn.ack = SeqNum(our_iss.wrapping_add(1));
        c.handle_segment(now, &syn);
        c
    } else {
        let mut c = Connection::accept(cfg, now, 4000, 80, SeqNum(our_iss), &syn).unwrap();
        let ack = header(
            peer_iss.wrapping_add(1),
            our_iss.wrapping_add(1),
            Flags::ACK,
        );
        c.handle_segment(now, &ack);
        c
    };
    while c.poll_transmit().is_some() {}
    while c.poll_event().is_some() {}
    assert_eq!(c.state(), State::Established);
    c
}

/// Drives one connection through `steps` random inputs; returns the states
/// it visited and the bytes it moved.
fn soak(seed: u64, steps: usize) -> (BTreeSet<State>, u64) {
    let mut r = RngStream::derive(seed, "random-segments");
    let cfg = TcpConfig {
        rcv_buf: [4096, 65_535, 1 << 20][r.below(3) as usize],
        delayed_ack: r.chance(0.5).then_some(SimDuration::from_millis(200)),
        nagle: r.chance(0.7),
        ..TcpConfig::default()
    };
    let mut c = established(&mut r, cfg);
    let mut now = SimTime::ZERO;
    let mut seen = BTreeSet::new();
    for step in 0..steps {
        match r.below(12) {
            0 => {
                c.send(now, r.below(20_000));
            }
            1 => c.read(now, r.below(70_000)),
            2 if r.chance(0.05) => c.close(now),
            3 if r.chance(0.01) => c.abort(now),
            4 | 5 => {
                now += SimDuration(r.below(2_000_000_000));
                if c.next_timeout().is_some_and(|t| t <= now) {
                    c.handle_timeout(now);
                }
            }
            _ => {
                let seg = random_segment(&mut r, &c);
                c.handle_segment(now, &seg);
            }
        }
        while let Some(t) = c.poll_transmit_full() {
            let s = t.seg;
            assert!(
                s.data.len <= c.mss(),
                "seed {seed} step {step}: {} > MSS",
                s.data.len
            );
            let synchronized = !matches!(c.state(), State::SynSent | State::Closed);
            if !s.flags.contains(Flags::RST) && synchronized {
                assert!(
                    s.flags.contains(Flags::ACK),
                    "seed {seed} step {step}: {s:?} lacks ACK"
                );
            }
        }
        while c.poll_event().is_some() {}
        seen.insert(c.state());
        if let Err(e) = c.check_invariants() {
            panic!("seed {seed} step {step} in {}: {e}", c.state());
        }
        if c.is_closed() {
            break;
        }
    }
    let s = c.stats();
    (seen, s.bytes_delivered + s.bytes_acked)
}

#[test]
fn random_inputs_never_break_a_connection() {
    let mut seen = BTreeSet::new();
    let mut bytes = 0;
    for seed in 0..300 {
        let (s, b) = soak(seed, 400);
        seen.extend(s);
        bytes += b;
    }
    // The walk really explores: every state after ESTABLISHED is reached,
    // and data moves both ways.
    for s in [
        State::Established,
        State::FinWait1,
        State::FinWait2,
        State::CloseWait,
        State::Closing,
        State::LastAck,
        State::TimeWait,
        State::Closed,
    ] {
        assert!(seen.contains(&s), "never reached {s}: {seen:?}");
    }
    assert!(bytes > 1_000_000, "only {bytes} bytes moved");
}

#[test]
#[ignore = "long soak: cargo test -p sim-tcp --test random_segments -- --ignored"]
fn random_inputs_soak() {
    for seed in 0..20_000 {
        soak(seed, 3_000);
    }
}
