//! Two connections joined by a wire with a fixed one-way delay: a tiny
//! discrete-event loop for ladder tests of whole exchanges.

#![allow(dead_code)]

use sim_core::{SimDuration, SimTime};
use sim_tcp::conn::{Connection, Event};
use sim_tcp::seq::SeqNum;
use sim_tcp::{Segment, State, TcpConfig};

/// Which side.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Side {
    A,
    B,
}

/// A segment on the wire: when it arrives, where, and what.
#[derive(Clone, Debug)]
pub struct Flight {
    pub arrive: SimTime,
    pub to: Side,
    pub seg: Segment,
}

/// One line of the ladder.
#[derive(Clone, Debug)]
pub struct Line {
    pub t: SimTime,
    pub from: Side,
    pub seg: Segment,
    pub dropped: bool,
    pub retransmission: bool,
}

/// Decides whether a segment is lost on the wire.
pub type DropRule = Box<dyn FnMut(Side, usize, &Segment) -> bool>;

/// Loses the first transmissions of A's data segments numbered `nth`
/// (counted from 1, in the order their offsets are first sent);
/// retransmissions get through.
pub fn lose_first_sends(nth: &'static [usize]) -> DropRule {
    let mut first_sent = std::collections::BTreeSet::new();
    Box::new(move |side, _, seg| {
        if side != Side::A || seg.data.len == 0 || !first_sent.insert(seg.data.offset) {
            return false;
        }
        nth.contains(&first_sent.len())
    })
}

/// Decides how much later than the wire's delay a segment arrives.
pub type DelayRule = Box<dyn FnMut(Side, usize, &Segment) -> SimDuration>;

/// A rate-limited, drop-tail link in front of the wire from A to B: a
/// segment waits its turn, then takes its serialisation time (40 bytes of
/// headers plus its data); one that finds the queue full is lost.
pub struct Bottleneck {
    pub bytes_per_sec: u64,
    /// Bytes that may wait (including the one being sent).
    pub queue_bytes: u64,
    /// When the link finishes what it holds.
    free: SimTime,
    /// Bytes waiting (the one being sent included) when each segment that
    /// got in arrived, with the time: the queue as arrivals see it.
    pub backlog: Vec<(SimTime, u64)>,
}

impl Bottleneck {
    pub fn new(mbit_per_sec: u64, queue_bytes: u64) -> Bottleneck {
        Bottleneck {
            bytes_per_sec: mbit_per_sec * 125_000,
            queue_bytes,
            free: SimTime::ZERO,
            backlog: Vec::new(),
        }
    }

    /// When a segment of `size` bytes offered at `now` has left the link,
    /// or `None` if the queue is full.
    fn offer(&mut self, now: SimTime, size: u64) -> Option<SimTime> {
        let backlog = self.free.saturating_since(now).as_nanos();
        let queued = (u128::from(backlog) * u128::from(self.bytes_per_sec) / 1_000_000_000) as u64;
        if queued + size > self.queue_bytes {
            return None;
        }
        self.backlog.push((now, queued));
        let start = self.free.max(now);
        let tx = SimDuration(size * 1_000_000_000 / self.bytes_per_sec);
        self.free = start + tx;
        Some(self.free)
    }
}

pub struct Pair {
    pub a: Option<Connection>,
    pub b: Option<Connection>,
    pub now: SimTime,
    pub delay: SimDuration,
    pub wire: Vec<Flight>,
    pub ladder: Vec<Line>,
    pub events_a: Vec<(SimTime, Event)>,
    pub events_b: Vec<(SimTime, Event)>,
    /// Decides whether a segment (sent from `Side`, nth segment overall)
    /// is dropped.
    pub drop: DropRule,
    /// Extra one-way delay for a segment (sent from `Side`, nth segment
    /// overall): reorders the wire.
    pub extra_delay: DelayRule,
    sent: usize,
    /// Server config for a passive open on B when A's SYN arrives.
    pub listen_b: Option<TcpConfig>,
    /// Close a side's connection as soon as the peer's FIN arrives [A, B].
    pub close_on_peer_fin: [bool; 2],
    /// A bottleneck on A's way to B.
    pub bottleneck: Option<Bottleneck>,
    /// Decides whether a segment (sent from `Side`, nth segment overall)
    /// is marked CE on the way, if it is ECN-capable (RFC 3168 §5).
    pub mark: DropRule,
}

pub const ISS_A: SeqNum = SeqNum(1000);
pub const ISS_B: SeqNum = SeqNum(5000);

impl Pair {
    /// A connects to B, which listens with `cfg`.
    pub fn connect(cfg: TcpConfig, delay_ms: u64) -> Pair {
        let a = Connection::connect(cfg.clone(), SimTime::ZERO, 4000, 80, ISS_A);
        Pair::start(a, None, Some(cfg), delay_ms)
    }

    /// A connects with `a` to B, which listens with `b`.
    pub fn connect_with(a: TcpConfig, b: TcpConfig, delay_ms: u64) -> Pair {
        let a = Connection::connect(a, SimTime::ZERO, 4000, 80, ISS_A);
        Pair::start(a, None, Some(b), delay_ms)
    }

    /// Both sides open actively at the same time (simultaneous open).
    pub fn simultaneous(cfg: TcpConfig, delay_ms: u64) -> Pair {
        let a = Connection::connect(cfg.clone(), SimTime::ZERO, 4000, 80, ISS_A);
        let b = Connection::connect(cfg, SimTime::ZERO, 80, 4000, ISS_B);
        Pair::start(a, Some(b), None, delay_ms)
    }

    /// A pair with these ends, their first segments on the wire.
    fn start(
        a: Connection,
        b: Option<Connection>,
        listen_b: Option<TcpConfig>,
        delay_ms: u64,
    ) -> Pair {
        let mut p = Pair {
            a: Some(a),
            b,
            now: SimTime::ZERO,
            delay: SimDuration::from_millis(delay_ms),
            wire: Vec::new(),
            ladder: Vec::new(),
            events_a: Vec::new(),
            events_b: Vec::new(),
            drop: Box::new(|_, _, _| false),
            extra_delay: Box::new(|_, _, _| SimDuration::ZERO),
            sent: 0,
            listen_b,
            close_on_peer_fin: [false; 2],
            bottleneck: None,
            mark: Box::new(|_, _, _| false),
        };
        p.flush();
        p
    }

    pub fn conn(&mut self, side: Side) -> &mut Connection {
        match side {
            Side::A => self.a.as_mut().expect("A exists"),
            Side::B => self.b.as_mut().expect("B exists"),
        }
    }

    pub fn state(&self, side: Side) -> State {
        let c = match side {
            Side::A => &self.a,
            Side::B => &self.b,
        };
        c.as_ref().map_or(State::Listen, |c| c.state())
    }

    /// Moves segments and events out of both connections.
    pub fn flush(&mut self) {
        for side in [Side::A, Side::B] {
            let now = self.now;
            let Some(c) = (match side {
                Side::A => self.a.as_mut(),
                Side::B => self.b.as_mut(),
            }) else {
                continue;
            };
            let mut segs = Vec::new();
            while let Some(t) = c.poll_transmit_full() {
                segs.push(t);
            }
            let mut evs = Vec::new();
            while let Some(e) = c.poll_event() {
                evs.push((now, e));
            }
            match side {
                Side::A => self.events_a.extend(evs),
                Side::B => self.events_b.extend(evs),
            }
            for t in segs {
                let n = self.sent;
                self.sent += 1;
                let mut dropped = (self.drop)(side, n, &t.seg);
                let mut departs = now;
                if let (Side::A, Some(b), false) = (side, self.bottleneck.as_mut(), dropped) {
                    match b.offer(now, 40 + u64::from(t.seg.data.len)) {
                        Some(at) => departs = at,
                        None => dropped = true,
                    }
                }
                self.ladder.push(Line {
                    t: now,
                    from: side,
                    seg: t.seg.clone(),
                    dropped,
                    retransmission: t.retransmission,
                });
                if !dropped {
                    let to = if side == Side::A { Side::B } else { Side::A };
                    let extra = (self.extra_delay)(side, n, &t.seg);
                    let mut seg = t.seg;
                    if seg.ecn.is_capable() && (self.mark)(side, n, &seg) {
                        seg.ecn = sim_core::Ecn::Ce;
                    }
                    self.wire.push(Flight {
                        arrive: departs + self.delay + extra,
                        to,
                        seg,
                    });
                }
            }
        }
    }

    /// Runs until `until`: delivers segments and fires timers in time order.
    pub fn run_until(&mut self, until: SimTime) {
        loop {
            let next_seg = self.wire.iter().map(|f| f.arrive).min();
            let next_timer = [self.a.as_ref(), self.b.as_ref()]
                .into_iter()
                .flatten()
                .filter_map(|c| c.next_timeout())
                .min();
            let next = match (next_seg, next_timer) {
                (Some(s), Some(t)) => s.min(t),
                (Some(s), None) => s,
                (None, Some(t)) => t,
                (None, None) => break,
            };
            if next > until {
                break;
            }
            self.now = next;
            if next_seg == Some(next) {
                let i = self.wire.iter().position(|f| f.arrive == next).unwrap();
                let f = self.wire.remove(i);
                self.deliver(f);
            } else {
                for side in [Side::A, Side::B] {
                    let now = self.now;
                    let c = match side {
                        Side::A => self.a.as_mut(),
                        Side::B => self.b.as_mut(),
                    };
                    if let Some(c) = c
                        && c.next_timeout().is_some_and(|t| t <= now)
                    {
                        c.handle_timeout(now);
                    }
                }
            }
            self.flush();
        }
        self.now = self.now.max(until.min(self.now.max(until)));
    }

    fn deliver(&mut self, f: Flight) {
        let now = self.now;
        let to = f.to;
        self.deliver_inner(f);
        // An application that closes on the peer's FIN does so before the
        // connection's output is collected.
        let idx = if to == Side::A { 0 } else { 1 };
        if self.close_on_peer_fin[idx] {
            let evs = if to == Side::A {
                &mut self.events_a
            } else {
                &mut self.events_b
            };
            let c = match to {
                Side::A => self.a.as_mut(),
                Side::B => self.b.as_mut(),
            };
            if let Some(c) = c {
                let mut fin = false;
                while let Some(e) = c.poll_event() {
                    fin |= e == Event::PeerClosed;
                    evs.push((now, e));
                }
                if fin {
                    c.close(now);
                }
            }
        }
    }

    fn deliver_inner(&mut self, f: Flight) {
        let now = self.now;
        match f.to {
            Side::A => {
                if let Some(a) = self.a.as_mut() {
                    a.handle_segment(now, &f.seg);
                }
            }
            Side::B => match self.b.as_mut() {
                Some(b) if b.state() != State::Closed && b.state() != State::Listen => {
                    b.handle_segment(now, &f.seg)
                }
                _ => {
                    if let Some(cfg) = self.listen_b.clone() {
                        self.b = Connection::accept(cfg, now, 80, 4000, ISS_B, &f.seg);
                    }
                }
            },
        }
    }

    pub fn run_ms(&mut self, ms: u64) {
        let until = self.now + SimDuration::from_millis(ms);
        self.run_until(until);
    }

    /// The states a side went through, in order, starting with its first.
    pub fn states(&self, side: Side) -> Vec<State> {
        let evs = if side == Side::A {
            &self.events_a
        } else {
            &self.events_b
        };
        let mut v = Vec::new();
        for (_, e) in evs {
            if let Event::StateChange { from, to, .. } = e {
                if v.is_empty() {
                    v.push(*from);
                }
                v.push(*to);
            }
        }
        v
    }

    /// Ladder lines as compact text: `A SYN seq=0` with sequence numbers
    /// relative to each side's ISS.
    pub fn ladder_text(&self) -> Vec<String> {
        self.ladder
            .iter()
            .map(|l| {
                let (own, peer) = if l.from == Side::A {
                    (ISS_A, ISS_B)
                } else {
                    (ISS_B, ISS_A)
                };
                let seq = l.seg.seq.0.wrapping_sub(own.0);
                let ack = l.seg.ack.0.wrapping_sub(peer.0);
                let mut s = format!("{:?} {}", l.from, l.seg.flags);
                s.push_str(&format!(" seq={seq}"));
                if l.seg.flags.contains(sim_tcp::Flags::ACK) {
                    s.push_str(&format!(" ack={ack}"));
                }
                if l.seg.data.len > 0 {
                    s.push_str(&format!(" len={}", l.seg.data.len));
                }
                for (i, (left, right)) in l.seg.sack.as_slice().iter().enumerate() {
                    let (left, right) = (left.0.wrapping_sub(peer.0), right.0.wrapping_sub(peer.0));
                    s.push_str(&format!(
                        "{}{left}-{right}",
                        if i == 0 { " sack=" } else { "," }
                    ));
                }
                if l.retransmission {
                    s.push_str(" rtx");
                }
                if l.dropped {
                    s.push_str(" DROPPED");
                }
                s
            })
            .collect()
    }

    /// Bytes delivered to a side's application, checked for integrity:
    /// each delivered run must continue where the last one ended.
    pub fn delivered(&self, side: Side) -> u64 {
        let evs = if side == Side::A {
            &self.events_a
        } else {
            &self.events_b
        };
        let mut next = 0;
        for (_, e) in evs {
            if let Event::Delivered(d) = e {
                assert_eq!(d.offset, next, "delivered out of order or with a gap");
                next += u64::from(d.len);
            }
        }
        next
    }
}
