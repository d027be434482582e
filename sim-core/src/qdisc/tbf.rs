//! A token-bucket shaper (Linux's `tbf`): packets leave no faster than
//! `rate` on average, in bursts of at most `burst` bytes; the rest wait in
//! a FIFO (drop-tail at the link's limit).

use super::fifo::Fifo;
use super::{DropCause, Entry, Qdisc, Signals, has_room};
use crate::time::{Rate, SimDuration, SimTime};
use crate::topology::QueueLimit;

/// The shaper's parameters (no defaults: a shaper is its rate and burst).
#[derive(Clone, Debug, PartialEq)]
pub struct TbfConfig {
    /// The long-run rate packets may leave at.
    pub rate: Rate,
    /// The bucket: bytes that may leave back to back after a quiet spell.
    pub burst: u32,
}

/// The bucket holds time: how long `rate` would take to send what may go
/// now (Linux keeps tokens the same way), so it needs no fractions.
#[derive(Debug)]
pub(crate) struct Tbf {
    limit: QueueLimit,
    q: Fifo,
    rate: Rate,
    /// Credit when full.
    depth: SimDuration,
    /// Credit at `at`.
    tokens: SimDuration,
    at: SimTime,
}

impl Tbf {
    pub(crate) fn new(cfg: TbfConfig, limit: QueueLimit) -> Self {
        let depth = cfg.rate.transmit_time(cfg.burst);
        Tbf {
            limit,
            q: Fifo::default(),
            rate: cfg.rate,
            depth,
            tokens: depth,
            at: SimTime::ZERO,
        }
    }

    fn refill(&mut self, now: SimTime) {
        let earned = now.saturating_since(self.at).as_nanos();
        self.tokens = SimDuration(
            self.tokens
                .as_nanos()
                .saturating_add(earned)
                .min(self.depth.as_nanos()),
        );
        self.at = now;
    }
}

impl Qdisc for Tbf {
    fn enqueue(&mut self, _now: SimTime, e: Entry, out: &mut Signals) {
        if self.rate.transmit_time(e.size) > self.depth {
            // It could never gather enough tokens (Linux refuses it too).
            out.drop(e, DropCause::Oversize);
        } else if has_room(self.limit, self.q.len(), self.q.bytes(), e.size) {
            self.q.push(e);
        } else {
            out.drop(e, DropCause::QueueFull);
        }
    }

    fn dequeue(&mut self, now: SimTime, _out: &mut Signals) -> Option<Entry> {
        self.refill(now);
        let need = self.rate.transmit_time(self.q.head_size()?);
        if self.tokens < need {
            return None;
        }
        self.tokens = SimDuration(self.tokens.as_nanos() - need.as_nanos());
        self.q.pop()
    }

    fn wake_at(&self, now: SimTime) -> Option<SimTime> {
        let need = self.rate.transmit_time(self.q.head_size()?);
        let have = self.tokens.as_nanos() + now.saturating_since(self.at).as_nanos();
        Some(now + SimDuration(need.as_nanos().saturating_sub(have)))
    }

    fn len(&self) -> usize {
        self.q.len()
    }

    fn bytes(&self) -> u64 {
        self.q.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1 Mbps with a 3000-byte bucket: two 1500-byte packets go at once,
    /// then one every 12 ms.
    #[test]
    fn a_burst_then_the_rate() {
        let mut t = Tbf::new(
            TbfConfig {
                rate: Rate(1_000_000),
                burst: 3000,
            },
            QueueLimit::Packets(100),
        );
        let mut out = Signals::default();
        for slot in 0..5 {
            t.enqueue(
                SimTime::ZERO,
                Entry {
                    slot,
                    size: 1500,
                    enqueued: SimTime::ZERO,
                    flow: 0,
                    ect: false,
                },
                &mut out,
            );
        }
        let mut now = SimTime::ZERO;
        let mut sent = Vec::new();
        while t.len() > 0 {
            match t.dequeue(now, &mut out) {
                Some(_) => sent.push(now.as_nanos() / 1_000_000),
                None => now = t.wake_at(now).unwrap(),
            }
        }
        assert_eq!(sent, [0, 0, 12, 24, 36]);
        assert!(out.drops.is_empty());
    }

    #[test]
    fn a_packet_bigger_than_the_bucket_is_dropped() {
        let mut t = Tbf::new(
            TbfConfig {
                rate: Rate(1_000_000),
                burst: 1000,
            },
            QueueLimit::Packets(100),
        );
        let mut out = Signals::default();
        let e = Entry {
            slot: 0,
            size: 1500,
            enqueued: SimTime::ZERO,
            flow: 0,
            ect: false,
        };
        t.enqueue(SimTime::ZERO, e, &mut out);
        assert_eq!(out.drops, [(e, DropCause::Oversize)]);
    }
}
