//! Segments with random and extreme field values (sequence numbers at the
//! wrap, windows of 0 and 65535, MSS 0, window scales past 14, data
//! lengths up to 2^32 - 1) through a whole stack:
//! a listener, the connections it accepts and one it opened. Nothing may
//! panic, and every timer the stack asks for can be run.
//!
//! netsim's segments are values, not bytes (the pcap writer makes bytes of
//! them), so the stack's segment handling is what reads them "from the
//! wire". `cargo test -p sim-tcp --release --test fuzz_segments --
//! --ignored` runs `NETSIM_FUZZ_CASES` (default 200,000) of them.

use sim_core::{NodeId, RngStream, SimDuration, SimTime};
use sim_tcp::seq::SeqNum;
use sim_tcp::stack::TcpStack;
use sim_tcp::{Data, Flags, Segment, TcpConfig};

const PEER: NodeId = NodeId(1);

fn pick<T: Copy>(r: &mut RngStream, xs: &[T]) -> T {
    xs[r.below(xs.len() as u64) as usize]
}

/// A segment from the peer: random fields, each often an extreme value,
/// sometimes one close to what the stack last sent.
fn hostile(r: &mut RngStream, last: Option<&Segment>) -> Segment {
    let u32s = [0, 1, 0x7fff_ffff, 0x8000_0000, u32::MAX - 1, u32::MAX];
    let mut flags = Flags::default();
    for f in [
        Flags::SYN,
        Flags::ACK,
        Flags::FIN,
        Flags::RST,
        Flags::PSH,
        Flags::ECE,
        Flags::CWR,
    ] {
        if r.chance(0.35) {
            flags = flags | f;
        }
    }
    let mut s = Segment {
        src_port: pick(r, &[4000, 4000, 4000, 0, u16::MAX]),
        dst_port: pick(r, &[80, 80, 49152, 0, u16::MAX]),
        seq: SeqNum(if r.chance(0.5) {
            pick(r, &u32s)
        } else {
            r.next_u32()
        }),
        ack: SeqNum(if r.chance(0.5) {
            pick(r, &u32s)
        } else {
            r.next_u32()
        }),
        flags,
        wnd: pick(r, &[0, 1, 1024, 65_535]),
        mss: if r.chance(0.5) {
            Some(pick(r, &[0, 1, 536, 1460, 65_535]))
        } else {
            None
        },
        wscale: if r.chance(0.5) {
            Some(pick(r, &[0, 1, 7, 14, 15, 200, 255]))
        } else {
            None
        },
        sack_permitted: r.chance(0.5),
        fast_open: None,
        ecn: pick(
            r,
            &[
                sim_core::Ecn::NotEct,
                sim_core::Ecn::Ect0,
                sim_core::Ecn::Ect1,
                sim_core::Ecn::Ce,
            ],
        ),
        timestamps: r.chance(0.5).then(|| sim_tcp::Timestamps {
            val: pick(r, &u32s),
            ecr: pick(r, &u32s),
        }),
        sack: {
            // Blocks anywhere: reversed, empty, wrapped, beyond what was
            // sent (RFC 2018 does not let a receiver trust them).
            let mut b = sim_tcp::SackBlocks::default();
            for _ in 0..r.below(5) {
                let left = if r.chance(0.5) {
                    pick(r, &u32s)
                } else {
                    r.next_u32()
                };
                let right = left.wrapping_add(pick(r, &[0, 1, 1448, 0x8000_0000, u32::MAX]));
                b.push(SeqNum(left), SeqNum(right));
            }
            b
        },
        data: Data {
            // Offsets are where data sits in the sender's stream: at most
            // what it was given, which scenarios keep within 2^50 a send.
            offset: pick(r, &[0, 1, 1 << 32, 1 << 52]),
            len: pick(r, &[0, 0, 1, 1460, 65_535, u32::MAX - 1, u32::MAX]),
        },
    };
    // Fast Open options of every length, valid or not (RFC 7413 §4.1.1).
    if r.chance(0.3) {
        let len = pick(r, &[0, 2, 3, 4, 8, 9, 16, 18, 36]);
        let cookie: Vec<u8> = (0..len).map(|_| r.next_u32() as u8).collect();
        let kind = if r.chance(0.5) {
            sim_tcp::fastopen::FoKind::Rfc
        } else {
            sim_tcp::fastopen::FoKind::Exp
        };
        s.fast_open = Some(sim_tcp::fastopen::FoOption::with_cookie(kind, &cookie));
    }
    // Answer what the stack said, so established states are reached too.
    if let Some(l) = last
        && r.chance(0.5)
    {
        s.src_port = l.dst_port;
        s.dst_port = l.src_port;
        s.ack = SeqNum(l.seq.0.wrapping_add(l.seg_len()));
        s.seq = if r.chance(0.7) { l.ack } else { s.seq };
        if r.chance(0.7) {
            s.data.len = s.data.len.min(2_000);
            s.data.offset = s.data.offset.min(1 << 20);
        }
    }
    s
}

fn fuzz(cases: u64, seed: u64) {
    fuzz_with(TcpConfig::default(), cases, seed);
}

fn fuzz_with(cfg: TcpConfig, cases: u64, seed: u64) {
    let mut r = RngStream::derive(seed, "fuzz-segments");
    let mut now = SimTime::ZERO;
    let mut stack = TcpStack::new(cfg.clone(), RngStream::derive(seed, "isn"), None);
    stack.listen(80, 4);
    let mut last: Option<Segment> = None;
    let mut timers = Vec::new();
    for case in 0..cases {
        now += SimDuration::from_micros(r.below(500_000));
        match r.below(10) {
            0 if cfg.fast_open.client && r.chance(0.5) => {
                let bytes = pick(&mut r, &[0, 1, 1460, 100_000]);
                let _ = stack.connect_fast_open(now, PEER, 4000, None, bytes, r.chance(0.5));
            }
            0 => {
                let _ = stack.try_connect(now, PEER, 4000, None);
            }
            1 => {
                // Run every timer that is due by now.
                for (id, at) in std::mem::take(&mut timers) {
                    if at <= now {
                        stack.handle_timeout(now, id);
                    } else {
                        timers.push((id, at));
                    }
                }
            }
            2 => {
                if let Some(&(id, _)) = timers.first() {
                    match r.below(4) {
                        // The scenario check keeps each send within 2^50 bytes.
                        0 => stack.send(now, id, pick(&mut r, &[1, 1460, 1 << 40, 1 << 50])),
                        1 => stack.close(now, id),
                        2 => stack.abort(now, id),
                        _ => stack.read(now, id, pick(&mut r, &[1, u64::MAX])),
                    }
                }
            }
            _ => {
                let seg = hostile(&mut r, last.as_ref());
                stack.handle_segment(now, PEER, &seg);
            }
        }
        while stack.poll_event().is_some() {}
        while let Some((_, t)) = stack.poll_transmit() {
            last = Some(t.seg);
        }
        while let Some((id, at)) = stack.poll_timer() {
            timers.retain(|(i, _)| *i != id);
            if let Some(at) = at {
                timers.push((id, at));
            }
        }
        if case % 5_000 == 4_999 {
            // A fresh stack now and then, so early states come round again.
            stack = TcpStack::new(cfg.clone(), RngStream::derive(case, "isn"), None);
            stack.listen(80, 4);
            timers.clear();
            last = None;
        }
    }
}

#[test]
fn hostile_segments_never_panic_the_stack() {
    fuzz(20_000, 13);
}

#[test]
fn hostile_fast_open_segments_never_panic_the_stack() {
    let mut cfg = TcpConfig::profile(sim_tcp::Profile::Linux);
    // Client, server, cookie-less server and every listener.
    cfg.fast_open = sim_tcp::fastopen::FastOpen::from_sysctl(0x603);
    fuzz_with(cfg, 20_000, 7);
}

#[test]
#[ignore = "minutes: the long segment sweep"]
fn many_hostile_segments_never_panic_the_stack() {
    let cases = std::env::var("NETSIM_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    fuzz(cases, 1);
}

#[test]
fn a_stack_out_of_ephemeral_ports_says_so_instead_of_searching_forever() {
    let mut stack = TcpStack::new(TcpConfig::default(), RngStream::derive(1, "isn"), None);
    let now = SimTime::ZERO;
    for _ in 49_152..=u16::MAX {
        assert!(stack.try_connect(now, PEER, 80, None).is_some());
    }
    assert_eq!(stack.try_connect(now, PEER, 80, None), None);
    // Another server port has ports to spare.
    assert!(stack.try_connect(now, PEER, 443, None).is_some());
}
