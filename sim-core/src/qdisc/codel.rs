//! CoDel, Controlled Delay (RFC 8289): drops at dequeue when packets have
//! stayed in the queue longer than `target` for at least `interval`, at a
//! rate that grows with the square root of the drops so far.

use super::fifo::Fifo;
use super::{DropCause, Entry, Qdisc, Signals, has_room};
use crate::time::{SimDuration, SimTime};
use crate::topology::QueueLimit;

/// CoDel's parameters; the defaults are RFC 8289 §4.3/§4.4's (and Linux's).
#[derive(Clone, Debug, PartialEq)]
pub struct CodelConfig {
    /// Acceptable standing queue delay (5 ms).
    pub target: SimDuration,
    /// The sliding window a delay must persist for (100 ms, a worst-case
    /// RTT).
    pub interval: SimDuration,
    /// Largest packet: a queue holding no more than this is never dropped
    /// from (RFC 8289 §5.5's MAXPACKET; 1500 bytes).
    pub mtu: u32,
    /// Mark ECN-capable packets CE instead of dropping them (RFC 8289
    /// §5.1's note on ECN; Linux's `ecn`: off for `codel`, on for
    /// `fq_codel`).
    pub ecn: bool,
}

impl Default for CodelConfig {
    fn default() -> Self {
        CodelConfig {
            target: SimDuration::from_millis(5),
            interval: SimDuration::from_millis(100),
            mtu: 1500,
            ecn: false,
        }
    }
}

/// One queue's CoDel state (RFC 8289 §5.1's variables).
#[derive(Debug, Default)]
pub(crate) struct CodelState {
    /// When the sojourn time first went above target (plus interval); `None`
    /// while below.
    first_above_time: Option<SimTime>,
    /// When the next drop is due while dropping.
    drop_next: SimTime,
    /// Drops since entering the dropping state.
    count: u32,
    /// `count` when the last dropping state began.
    lastcount: u32,
    dropping: bool,
}

impl CodelState {
    /// RFC 8289 §5.5: takes the head packet and says whether it may be
    /// dropped.
    fn dodequeue(
        &mut self,
        cfg: &CodelConfig,
        now: SimTime,
        q: &mut Fifo,
    ) -> (Option<Entry>, bool) {
        let Some(e) = q.pop() else {
            self.first_above_time = None;
            return (None, false);
        };
        let sojourn = now - e.enqueued;
        let mut ok_to_drop = false;
        if sojourn < cfg.target || q.bytes() <= u64::from(cfg.mtu) {
            // Below target, or too little queued to matter.
            self.first_above_time = None;
        } else {
            match self.first_above_time {
                None => self.first_above_time = Some(now + cfg.interval),
                Some(t) if now >= t => ok_to_drop = true,
                Some(_) => {}
            }
        }
        (Some(e), ok_to_drop)
    }

    /// RFC 8289 §5.6: the next packet to send from `q`, dropping on the way
    /// as the control law says. With ECN an ECN-capable packet due to be
    /// dropped is marked and sent instead, and the drop schedule moves on
    /// as if it had been dropped (as Linux's `codel_dequeue` does).
    pub(crate) fn dequeue(
        &mut self,
        cfg: &CodelConfig,
        now: SimTime,
        q: &mut Fifo,
        out: &mut Signals,
    ) -> Option<Entry> {
        let (mut head, mut ok_to_drop) = self.dodequeue(cfg, now, q);
        let Some(mut e) = head else {
            self.dropping = false;
            return None;
        };
        if self.dropping {
            if !ok_to_drop {
                // Sojourn time below target: leave the dropping state.
                self.dropping = false;
            }
            while self.dropping && now >= self.drop_next {
                self.count += 1;
                if out.drop_or_mark(e, DropCause::Codel, cfg.ecn) {
                    self.drop_next = control_law(cfg, self.drop_next, self.count);
                    return Some(e);
                }
                (head, ok_to_drop) = self.dodequeue(cfg, now, q);
                match head {
                    Some(next) if ok_to_drop => {
                        e = next;
                        self.drop_next = control_law(cfg, self.drop_next, self.count);
                    }
                    Some(next) => {
                        e = next;
                        self.dropping = false;
                    }
                    None => {
                        self.dropping = false;
                        return None;
                    }
                }
            }
        } else if ok_to_drop {
            let marked = out.drop_or_mark(e, DropCause::Codel, cfg.ecn);
            if !marked {
                (head, _) = self.dodequeue(cfg, now, q);
            }
            self.dropping = true;
            // If we were dropping recently, start from the drop rate that
            // controlled the queue then (§5.6).
            let delta = self.count.saturating_sub(self.lastcount);
            self.count = if delta > 1
                && now.saturating_since(self.drop_next)
                    < SimDuration(cfg.interval.as_nanos().saturating_mul(16))
            {
                delta
            } else {
                1
            };
            self.drop_next = control_law(cfg, now, self.count);
            self.lastcount = self.count;
            if !marked {
                e = head?;
            }
        }
        Some(e)
    }
}

/// RFC 8289 §5.4: `t + interval / sqrt(count)`, rounded down to the
/// nanosecond (libm's sqrt, so every machine agrees).
fn control_law(cfg: &CodelConfig, t: SimTime, count: u32) -> SimTime {
    let ns = cfg.interval.as_nanos() as f64 / libm::sqrt(f64::from(count.max(1)));
    t + SimDuration(ns as u64)
}

/// CoDel on one FIFO, with the link's limit as a tail-drop backstop.
#[derive(Debug)]
pub(crate) struct Codel {
    cfg: CodelConfig,
    limit: QueueLimit,
    q: Fifo,
    state: CodelState,
}

impl Codel {
    pub(crate) fn new(cfg: CodelConfig, limit: QueueLimit) -> Self {
        Codel {
            cfg,
            limit,
            q: Fifo::default(),
            state: CodelState::default(),
        }
    }
}

impl Qdisc for Codel {
    fn enqueue(&mut self, _now: SimTime, e: Entry, out: &mut Signals) {
        if has_room(self.limit, self.q.len(), self.q.bytes(), e.size) {
            self.q.push(e);
        } else {
            out.drop(e, DropCause::QueueFull);
        }
    }

    fn dequeue(&mut self, now: SimTime, out: &mut Signals) -> Option<Entry> {
        self.state.dequeue(&self.cfg, now, &mut self.q, out)
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

    fn at(ms: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_millis(ms)
    }

    fn entry(slot: u32, t: SimTime) -> Entry {
        Entry {
            slot,
            size: 1500,
            enqueued: t,
            flow: 0,
            ect: false,
        }
    }

    /// A queue that always holds 50 ms of packets: CoDel lets the first
    /// interval pass, then drops at 100 ms / sqrt(count) spacing.
    #[test]
    fn a_standing_queue_is_dropped_from_at_the_control_law_spacing() {
        let mut c = Codel::new(CodelConfig::default(), QueueLimit::Packets(10_000));
        let mut out = Signals::default();
        let mut slot = 0;
        // One packet in and one out every millisecond, each waiting 50 ms.
        for t in 0..50 {
            c.enqueue(at(t), entry(slot, at(t)), &mut out);
            slot += 1;
        }
        let mut drop_times = Vec::new();
        for t in 50..600 {
            c.enqueue(at(t), entry(slot, at(t)), &mut out);
            slot += 1;
            let before = out.drops.len();
            c.dequeue(at(t), &mut out);
            if out.drops.len() > before {
                drop_times.push(t);
            }
        }
        assert!(out.drops.iter().all(|(_, c)| *c == DropCause::Codel));
        // Above target from 50 ms: first drop an interval later, at 150 ms,
        // with count 1 (next due 100/sqrt(1) = 100 ms later); then
        // 100/sqrt(2) = 70.7 ms and 100/sqrt(3) = 57.7 ms later, each at
        // the first dequeue at or after the due time.
        assert_eq!(&drop_times[..4], &[150, 250, 321, 379]);
    }

    /// With ECN the same standing queue of ECN-capable packets is marked
    /// on the same schedule, and nothing is dropped: every packet is sent.
    #[test]
    fn with_ecn_capable_packets_are_marked_on_the_drop_schedule() {
        let cfg = CodelConfig {
            ecn: true,
            ..CodelConfig::default()
        };
        let mut c = Codel::new(cfg, QueueLimit::Packets(10_000));
        let mut out = Signals::default();
        let capable = |slot, t| Entry {
            ect: true,
            ..entry(slot, t)
        };
        let mut slot = 0;
        for t in 0..50 {
            c.enqueue(at(t), capable(slot, at(t)), &mut out);
            slot += 1;
        }
        let mut mark_times = Vec::new();
        let mut sent = Vec::new();
        for t in 50..600 {
            c.enqueue(at(t), capable(slot, at(t)), &mut out);
            slot += 1;
            let before = out.marks.len();
            sent.push(c.dequeue(at(t), &mut out).unwrap().slot);
            if out.marks.len() > before {
                mark_times.push(t);
                assert_eq!(out.marks.last().unwrap().0.slot, *sent.last().unwrap());
            }
        }
        assert!(out.drops.is_empty());
        assert_eq!(sent, (0..550).collect::<Vec<_>>());
        assert_eq!(&mark_times[..4], &[150, 250, 321, 379]);
    }

    /// Below target nothing is dropped, however long the queue stays.
    #[test]
    fn a_short_queue_is_never_dropped_from() {
        let mut c = Codel::new(CodelConfig::default(), QueueLimit::Packets(10_000));
        let mut out = Signals::default();
        for t in 0..1000 {
            c.enqueue(at(t), entry(t as u32, at(t)), &mut out);
            if t >= 4 {
                // Each packet waits 4 ms < 5 ms.
                let e = c.dequeue(at(t), &mut out).unwrap();
                assert_eq!(e.slot as u64, t - 4);
            }
        }
        assert!(out.drops.is_empty());
    }

    #[test]
    fn the_limit_is_a_tail_drop_backstop() {
        let mut c = Codel::new(CodelConfig::default(), QueueLimit::Packets(2));
        let mut out = Signals::default();
        for s in 0..3 {
            c.enqueue(at(0), entry(s, at(0)), &mut out);
        }
        assert_eq!(out.drops, [(entry(2, at(0)), DropCause::QueueFull)]);
        assert_eq!(c.len(), 2);
    }
}
