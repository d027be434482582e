//! Queue disciplines: what a link direction does with the packets waiting
//! for its transmitter (docs/ARCHITECTURE.md, "Add a queue discipline").
//!
//! Drop-tail, the default, is not a [`Qdisc`]: its decisions are known when
//! a packet arrives, so the link computes each packet's transmission slot
//! there and schedules its arrival at once (one event per packet per hop).
//! Every other discipline decides or reorders at dequeue time (CoDel drops
//! by sojourn time, FQ-CoDel picks a flow), so those links keep a real
//! queue: the transmitter takes the next packet from the discipline when it
//! finishes the one before.
//!
//! A discipline is a plain struct, given the current time with each call:
//! it sees [`Entry`] values (a packet's handle, size, arrival time and
//! flow), never the packets, and reports what it dropped and why. The
//! marking hook of ECN (RFC 3168 §5) hangs off the same calls: a discipline
//! configured for ECN that would drop an ECN-capable packet to signal
//! congestion marks it CE instead ([`Signals::drop_or_mark`]), and the link
//! sets the codepoint on the packet. The link's own marker
//! ([`crate::ecn::Marking`]) is the other user of the hook.

mod codel;
mod fifo;
mod fq_codel;
mod pie;
mod red;
mod tbf;

pub use codel::CodelConfig;
pub use fq_codel::FqCodelConfig;
pub use pie::PieConfig;
pub use red::RedConfig;
pub use tbf::TbfConfig;

use crate::rng::RngStream;
use crate::time::{Rate, SimTime};
use crate::topology::QueueLimit;

/// Which discipline a link direction runs, with its parameters.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Discipline {
    /// First in, first out; a packet that finds the queue full is dropped.
    #[default]
    DropTail,
    /// Random Early Detection (Floyd and Jacobson 1993), gentle by default.
    Red(RedConfig),
    /// Controlled Delay (RFC 8289).
    Codel(CodelConfig),
    /// Flow queueing with CoDel per flow (RFC 8290).
    FqCodel(FqCodelConfig),
    /// Proportional Integral controller Enhanced (RFC 8033).
    Pie(PieConfig),
    /// A token-bucket shaper (Linux's `tbf`).
    TokenBucket(TbfConfig),
}

impl Discipline {
    /// Whether it marks ECN-capable packets instead of dropping them.
    pub fn marks_ecn(&self) -> bool {
        match self {
            Discipline::Red(c) => c.ecn,
            Discipline::Codel(c) => c.ecn,
            Discipline::FqCodel(c) => c.codel.ecn,
            Discipline::Pie(c) => c.ecn,
            Discipline::DropTail | Discipline::TokenBucket(_) => false,
        }
    }

    /// The name scenario files and the README use.
    pub fn name(&self) -> &'static str {
        match self {
            Discipline::DropTail => "drop_tail",
            Discipline::Red(_) => "red",
            Discipline::Codel(_) => "codel",
            Discipline::FqCodel(_) => "fq_codel",
            Discipline::Pie(_) => "pie",
            Discipline::TokenBucket(_) => "token_bucket",
        }
    }
}

/// A waiting packet as a discipline sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The link's handle for the packet.
    pub slot: u32,
    /// Bytes on the wire.
    pub size: u32,
    /// When it joined the queue.
    pub enqueued: SimTime,
    /// Its flow (addresses, protocol and ports, hashed by the link).
    pub flow: u64,
    /// It is ECN-capable (ECT, or CE already): a congestion signal may
    /// mark it instead of dropping it.
    pub ect: bool,
}

/// Why a discipline dropped or marked a packet: the `reason` of its
/// `link_drop` or `link_mark` record and the counter it is added to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DropCause {
    /// The queue's limit (`queue_packets` or `queue_bytes`) was reached.
    QueueFull,
    /// RED's early drop, with probability from the average queue.
    RedEarly,
    /// RED's forced drop: the average queue above the maximum threshold
    /// (twice it when gentle).
    RedForced,
    /// CoDel's drop: packets stayed longer than the target for an interval.
    Codel,
    /// FQ-CoDel's overflow: the limit was reached and the fattest flow
    /// lost its oldest packet.
    FqOverflow,
    /// PIE's early drop, with its controller's probability.
    Pie,
    /// A packet larger than a token bucket holds: it could never leave.
    Oversize,
    /// The link's own marker: the queue ahead held at least its threshold
    /// ([`crate::ecn::Marking::Threshold`]).
    MarkThreshold,
    /// The link's own marker drew a mark
    /// ([`crate::ecn::Marking::Probability`]).
    MarkRandom,
}

impl DropCause {
    /// The trace's `reason` value.
    pub fn name(self) -> &'static str {
        match self {
            DropCause::QueueFull => "queue_full",
            DropCause::RedEarly => "red_early",
            DropCause::RedForced => "red_forced",
            DropCause::Codel => "codel",
            DropCause::FqOverflow => "fq_overflow",
            DropCause::Pie => "pie",
            DropCause::Oversize => "oversize",
            DropCause::MarkThreshold => "threshold",
            DropCause::MarkRandom => "random",
        }
    }
}

/// The congestion signals of one call: packets dropped, and packets
/// marked CE that stay queued (or are sent), each with its cause.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Signals {
    /// Packets to forget.
    pub drops: Vec<(Entry, DropCause)>,
    /// Packets whose ECN field becomes CE.
    pub marks: Vec<(Entry, DropCause)>,
}

impl Signals {
    /// Drops `e`.
    pub fn drop(&mut self, e: Entry, cause: DropCause) {
        self.drops.push((e, cause));
    }

    /// Signals congestion on `e`: marks it CE if the discipline uses ECN
    /// and the packet is ECN-capable (RFC 3168 §5: "instead of dropping"),
    /// else drops it. Returns whether it was marked (it stays).
    pub fn drop_or_mark(&mut self, e: Entry, cause: DropCause, ecn: bool) -> bool {
        if ecn && e.ect {
            self.marks.push((e, cause));
            true
        } else {
            self.drops.push((e, cause));
            false
        }
    }
}

/// A queue discipline that decides at dequeue time.
pub trait Qdisc: std::fmt::Debug {
    /// A packet arrives; it may be dropped or marked at once (or another
    /// dropped in its place), each signal pushed to `out`.
    fn enqueue(&mut self, now: SimTime, e: Entry, out: &mut Signals);
    /// The transmitter is free: the next packet to send, if any, after
    /// any drops the discipline makes on the way (a packet it returns may
    /// also be in `out.marks`).
    fn dequeue(&mut self, now: SimTime, out: &mut Signals) -> Option<Entry>;
    /// When `dequeue` gave nothing though packets wait (a shaper out of
    /// tokens), when to ask again.
    fn wake_at(&self, _now: SimTime) -> Option<SimTime> {
        None
    }
    /// Packets waiting.
    fn len(&self) -> usize;
    /// Bytes waiting.
    fn bytes(&self) -> u64;
    /// Whether nothing waits.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Builds the discipline of a link direction; `None` for drop-tail, which
/// the link runs on its fast path. `rng` is the direction's own stream for
/// the discipline (RED's draws, FQ-CoDel's hash perturbation), so choosing
/// a discipline shifts no other random draw.
pub fn build(
    d: &Discipline,
    limit: QueueLimit,
    rate: Option<Rate>,
    rng: RngStream,
) -> Option<Box<dyn Qdisc>> {
    match d {
        Discipline::DropTail => None,
        Discipline::Red(c) => Some(Box::new(red::Red::new(c.clone(), limit, rate, rng))),
        Discipline::Codel(c) => Some(Box::new(codel::Codel::new(c.clone(), limit))),
        Discipline::FqCodel(c) => Some(Box::new(fq_codel::FqCodel::new(c.clone(), limit, rng))),
        Discipline::Pie(c) => Some(Box::new(pie::Pie::new(c.clone(), limit, rng))),
        Discipline::TokenBucket(c) => Some(Box::new(tbf::Tbf::new(c.clone(), limit))),
    }
}

/// Whether a queue of `len` packets and `bytes` bytes has room for one
/// more of `size` bytes under `limit`.
pub(crate) fn has_room(limit: QueueLimit, len: usize, bytes: u64, size: u32) -> bool {
    match limit {
        QueueLimit::Packets(n) => (len as u64) < u64::from(n),
        QueueLimit::Bytes(b) => bytes + u64::from(size) <= b,
    }
}
