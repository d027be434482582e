//! RED, Random Early Detection (Floyd and Jacobson, "Random Early Detection
//! Gateways for Congestion Avoidance", 1993), with the "gentle" variant
//! (Floyd 2000): drops arriving packets with a probability that grows with
//! the average queue length, so senders back off before the queue fills.

use super::fifo::Fifo;
use super::{DropCause, Entry, Qdisc, Signals, has_room};
use crate::rng::RngStream;
use crate::time::{Rate, SimDuration, SimTime};
use crate::topology::QueueLimit;

/// RED's parameters, in packets. The defaults are ns-3's `RedQueueDisc`
/// thresholds and weights (min 5, max 15, 1/50, w_q 0.002, gentle), which
/// follow Floyd's recommendations (max_th at least twice min_th, w_q
/// 0.002). Drops are spaced as Floyd and Jacobson's p_a = p_b / (1 -
/// count p_b); ns-3's default `Wait` option spaces them further apart
/// (docs/validation.md, "Queue disciplines").
#[derive(Clone, Debug, PartialEq)]
pub struct RedConfig {
    /// Average queue below which nothing is dropped.
    pub min_th: f64,
    /// Average queue at which the drop probability reaches `max_p`.
    pub max_th: f64,
    /// Drop probability at `max_th`.
    pub max_p: f64,
    /// Weight of the newest sample in the average queue (w_q).
    pub weight: f64,
    /// Between max_th and twice it, the probability rises linearly from
    /// max_p to 1 instead of jumping to 1.
    pub gentle: bool,
    /// Mark ECN-capable packets CE instead of dropping them early (RFC
    /// 3168 §7; Linux's `ecn` flag, ns-3's `UseEcn`).
    pub ecn: bool,
    /// With `ecn`, still drop when the average is beyond the early range
    /// (Linux's `harddrop`, ns-3's `UseHardDrop`, on by default there):
    /// marking cannot hold a queue that is overflowing.
    pub hard_drop: bool,
}

impl Default for RedConfig {
    fn default() -> Self {
        RedConfig {
            min_th: 5.0,
            max_th: 15.0,
            max_p: 0.02,
            weight: 0.002,
            gentle: true,
            ecn: false,
            hard_drop: true,
        }
    }
}

/// The packet size whose transmission time counts one "idle packet" when
/// the average decays over an empty spell (F&J's `s`).
const TYPICAL_PACKET: u32 = 1500;

#[derive(Debug)]
pub(crate) struct Red {
    cfg: RedConfig,
    limit: QueueLimit,
    q: Fifo,
    /// The average queue, in packets.
    avg: f64,
    /// Packets since the last drop while the average is between the
    /// thresholds; -1 below min_th (F&J's `count`).
    count: i64,
    /// Since when the queue has been empty.
    idle_since: Option<SimTime>,
    typical_tx: SimDuration,
    rng: RngStream,
}

impl Red {
    pub(crate) fn new(
        cfg: RedConfig,
        limit: QueueLimit,
        rate: Option<Rate>,
        rng: RngStream,
    ) -> Self {
        Red {
            cfg,
            limit,
            q: Fifo::default(),
            avg: 0.0,
            count: -1,
            idle_since: Some(SimTime::ZERO),
            typical_tx: rate.map_or(SimDuration::ZERO, |r| r.transmit_time(TYPICAL_PACKET)),
            rng,
        }
    }

    /// F&J's average: an EWMA of the queue at each arrival; over an empty
    /// spell it decays as if `m` packets of size `s` had found the queue
    /// empty.
    fn update_average(&mut self, now: SimTime) {
        let w = self.cfg.weight;
        match self.idle_since {
            Some(since) if self.q.len() == 0 => {
                let m = if self.typical_tx == SimDuration::ZERO {
                    0.0
                } else {
                    (now - since).as_nanos() as f64 / self.typical_tx.as_nanos() as f64
                };
                self.avg *= libm::pow(1.0 - w, m);
            }
            _ => self.avg = (1.0 - w) * self.avg + w * self.q.len() as f64,
        }
    }

    /// Whether the arriving packet is dropped early, and why.
    fn decide(&mut self) -> Option<DropCause> {
        let RedConfig {
            min_th,
            max_th,
            max_p,
            gentle,
            ..
        } = self.cfg;
        let avg = self.avg;
        let pb = if avg < min_th {
            self.count = -1;
            return None;
        } else if avg < max_th {
            max_p * (avg - min_th) / (max_th - min_th)
        } else if gentle && avg < 2.0 * max_th {
            max_p + (1.0 - max_p) * (avg - max_th) / max_th
        } else {
            self.count = 0;
            return Some(DropCause::RedForced);
        };
        // Spread the drops out: the probability grows with the packets
        // since the last one (F&J §7).
        self.count += 1;
        let c = self.count as f64;
        let pa = if c * pb >= 1.0 {
            1.0
        } else {
            pb / (1.0 - c * pb)
        };
        if self.rng.chance(pa) {
            self.count = 0;
            Some(DropCause::RedEarly)
        } else {
            None
        }
    }
}

impl Qdisc for Red {
    fn enqueue(&mut self, now: SimTime, e: Entry, out: &mut Signals) {
        self.update_average(now);
        if let Some(cause) = self.decide() {
            let ecn = self.cfg.ecn && !(cause == DropCause::RedForced && self.cfg.hard_drop);
            if !out.drop_or_mark(e, cause, ecn) {
                return;
            }
        }
        if has_room(self.limit, self.q.len(), self.q.bytes(), e.size) {
            self.idle_since = None;
            self.q.push(e);
        } else {
            // A packet marked above is dropped after all: no room.
            out.marks.retain(|(m, _)| m.slot != e.slot);
            out.drop(e, DropCause::QueueFull);
        }
    }

    fn dequeue(&mut self, now: SimTime, _out: &mut Signals) -> Option<Entry> {
        let e = self.q.pop();
        if self.q.len() == 0 && self.idle_since.is_none() {
            self.idle_since = Some(now);
        }
        e
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

    fn entry(slot: u32) -> Entry {
        Entry {
            slot,
            size: 1500,
            enqueued: SimTime::ZERO,
            flow: 0,
            ect: false,
        }
    }

    fn red(cfg: RedConfig) -> Red {
        Red::new(
            cfg,
            QueueLimit::Packets(1000),
            Some(Rate(10_000_000)),
            RngStream::derive(1, "test"),
        )
    }

    /// Arrivals with nothing leaving: below min_th on average nothing is
    /// dropped; then early drops, more and more likely as the average
    /// climbs, hold the queue between max_th and twice it (gentle).
    #[test]
    fn drops_begin_once_the_average_passes_min_th() {
        let mut r = red(RedConfig {
            weight: 0.2,
            ..RedConfig::default()
        });
        let mut out = Signals::default();
        let mut first_drop_avg = None;
        for s in 0..200 {
            r.enqueue(SimTime::ZERO, entry(s), &mut out);
            if first_drop_avg.is_none() && !out.drops.is_empty() {
                first_drop_avg = Some(r.avg);
            }
        }
        assert!(first_drop_avg.unwrap() >= 5.0, "{first_drop_avg:?}");
        assert!(out.drops.iter().all(|(_, c)| *c == DropCause::RedEarly));
        assert!((15..30).contains(&r.len()), "{}", r.len());
    }

    #[test]
    fn without_gentle_the_forced_drops_start_at_max_th() {
        let mut r = red(RedConfig {
            weight: 0.2,
            gentle: false,
            ..RedConfig::default()
        });
        let mut out = Signals::default();
        for s in 0..200 {
            r.enqueue(SimTime::ZERO, entry(s), &mut out);
        }
        assert!(out.drops.iter().any(|(_, c)| *c == DropCause::RedForced));
        assert!((15..20).contains(&r.len()), "{}", r.len());
    }

    /// With ECN, the early signals on ECN-capable packets are marks that
    /// keep the packet; the forced ones stay drops (hard drop), and a
    /// packet that is not ECN-capable is still dropped.
    #[test]
    fn with_ecn_early_signals_mark_capable_packets() {
        let mut r = red(RedConfig {
            weight: 0.2,
            ecn: true,
            ..RedConfig::default()
        });
        let mut out = Signals::default();
        for s in 0..200 {
            let ect = s % 2 == 0;
            r.enqueue(SimTime::ZERO, Entry { ect, ..entry(s) }, &mut out);
        }
        assert!(!out.marks.is_empty());
        assert!(
            out.marks
                .iter()
                .all(|(e, c)| e.ect && *c == DropCause::RedEarly)
        );
        assert!(
            out.drops
                .iter()
                .all(|(e, c)| !e.ect || *c == DropCause::RedForced)
        );
        // A marked packet stays queued.
        let queued = r.q.len();
        assert!(queued > 30, "marks keep the queue growing: {queued}");
    }

    /// An empty spell lets the average decay: (1 - w)^m with m the idle
    /// time in typical packet times.
    #[test]
    fn the_average_decays_while_the_queue_is_empty() {
        let mut r = red(RedConfig::default());
        r.avg = 10.0;
        r.idle_since = Some(SimTime::ZERO);
        // 1.2 ms is one 1500-byte packet at 10 Mbps: 1000 packet times.
        let later = SimTime::ZERO + SimDuration::from_millis(1200);
        r.update_average(later);
        let expected = 10.0 * libm::pow(0.998, 1000.0);
        assert!((r.avg - expected).abs() < 1e-9, "{}", r.avg);
    }
}
