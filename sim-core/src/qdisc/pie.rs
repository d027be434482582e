//! PIE, Proportional Integral controller Enhanced (RFC 8033): drops
//! arriving packets with a probability that a controller updates every
//! `t_update` from the queueing delay's distance to its target and its
//! trend.

use super::fifo::Fifo;
use super::{DropCause, Entry, Qdisc, Signals, has_room};
use crate::rng::RngStream;
use crate::time::{SimDuration, SimTime};
use crate::topology::QueueLimit;

/// PIE's parameters; the defaults are RFC 8033 §5's (and Linux's `pie`).
#[derive(Clone, Debug, PartialEq)]
pub struct PieConfig {
    /// The queueing delay PIE steers towards (QDELAY_REF, 15 ms).
    pub target: SimDuration,
    /// How often the drop probability is updated (T_UPDATE, 15 ms).
    pub t_update: SimDuration,
    /// Weight of the delay's distance from target, per second (0.125).
    pub alpha: f64,
    /// Weight of the delay's change since the last update, per second
    /// (1.25).
    pub beta: f64,
    /// Burst a new busy period may put in the queue undropped (MAX_BURST,
    /// 150 ms).
    pub max_burst: SimDuration,
    /// Mark ECN-capable packets CE instead of dropping them while the
    /// probability is at most 10 % (RFC 8033 §5.1, `mark_ecnth`); above
    /// it, drop (Linux's `ecn` flag, off by default).
    pub ecn: bool,
}

impl Default for PieConfig {
    fn default() -> Self {
        PieConfig {
            target: SimDuration::from_millis(15),
            t_update: SimDuration::from_millis(15),
            alpha: 0.125,
            beta: 1.25,
            max_burst: SimDuration::from_millis(150),
            ecn: false,
        }
    }
}

/// The drop probability up to which an ECN-capable packet is marked
/// rather than dropped (RFC 8033 §5.1, `mark_ecnth`).
const MARK_ECN_TH: f64 = 0.1;

/// Updates caught up in one go after an idle spell: by then the drop
/// probability has decayed to zero (0.98^40000 underflows) and nothing
/// more can change.
const MAX_CATCH_UP: u32 = 40_000;

#[derive(Debug)]
pub(crate) struct Pie {
    cfg: PieConfig,
    limit: QueueLimit,
    q: Fifo,
    drop_prob: f64,
    /// The queueing delay: the sojourn of the last packet sent, zero once
    /// the queue is empty (Linux's default, timestamps rather than RFC 8033
    /// §5.2's departure-rate estimate).
    qdelay: SimDuration,
    qdelay_old: SimDuration,
    burst_allowance: SimDuration,
    next_update: SimTime,
    rng: RngStream,
}

impl Pie {
    pub(crate) fn new(cfg: PieConfig, limit: QueueLimit, rng: RngStream) -> Self {
        Pie {
            next_update: SimTime::ZERO + cfg.t_update,
            burst_allowance: cfg.max_burst,
            cfg,
            limit,
            q: Fifo::default(),
            drop_prob: 0.0,
            qdelay: SimDuration::ZERO,
            qdelay_old: SimDuration::ZERO,
            rng,
        }
    }

    /// Runs the periodic updates due by `now` (each `t_update` since the
    /// start; between packets the delay does not change, so running them
    /// late gives what a timer would have).
    fn catch_up(&mut self, now: SimTime) {
        let mut steps = 0;
        while self.next_update <= now {
            if steps < MAX_CATCH_UP {
                self.update();
                steps += 1;
            }
            self.next_update += self.cfg.t_update;
            if steps == MAX_CATCH_UP {
                // Skip the rest of the idle spell whole.
                let behind = now.saturating_since(self.next_update).as_nanos();
                let period = self.cfg.t_update.as_nanos().max(1);
                self.next_update += SimDuration((behind / period + 1) * period);
            }
        }
    }

    /// RFC 8033 §4.2: the controller, with §4.3's auto-scaling and §5.5's
    /// cap on the step; §4.4's burst allowance.
    fn update(&mut self) {
        let secs = |d: SimDuration| d.as_nanos() as f64 / 1e9;
        let (qdelay, old, target) = (
            secs(self.qdelay),
            secs(self.qdelay_old),
            secs(self.cfg.target),
        );
        let mut p = 0.0;
        if self.burst_allowance == SimDuration::ZERO {
            p = self.cfg.alpha * (qdelay - target) + self.cfg.beta * (qdelay - old);
            // Small probabilities move in small steps (§4.3).
            p /= match self.drop_prob {
                x if x < 0.000_001 => 2048.0,
                x if x < 0.000_01 => 512.0,
                x if x < 0.000_1 => 128.0,
                x if x < 0.001 => 32.0,
                x if x < 0.01 => 8.0,
                x if x < 0.1 => 2.0,
                _ => 1.0,
            };
            if self.drop_prob >= 0.1 && p > 0.02 {
                p = 0.02;
            }
        }
        let mut prob = self.drop_prob + p;
        if self.qdelay == SimDuration::ZERO && self.qdelay_old == SimDuration::ZERO {
            // Idle: let the probability decay (§4.2).
            prob *= 0.98;
        }
        self.drop_prob = prob.clamp(0.0, 1.0);
        self.burst_allowance = SimDuration(
            self.burst_allowance
                .as_nanos()
                .saturating_sub(self.cfg.t_update.as_nanos()),
        );
        let half = SimDuration(self.cfg.target.as_nanos() / 2);
        if self.drop_prob == 0.0 && self.qdelay < half && self.qdelay_old < half {
            // Quiet again: the next burst is allowed through (§4.4).
            self.burst_allowance = self.cfg.max_burst;
        }
        self.qdelay_old = self.qdelay;
    }

    /// RFC 8033 §4.1: whether an arriving packet is dropped early.
    fn drop_early(&mut self) -> bool {
        let half = SimDuration(self.cfg.target.as_nanos() / 2);
        if self.burst_allowance > SimDuration::ZERO
            || (self.qdelay_old < half && self.drop_prob < 0.2)
            || self.q.len() <= 2
        {
            return false;
        }
        self.rng.chance(self.drop_prob)
    }
}

impl Qdisc for Pie {
    fn enqueue(&mut self, now: SimTime, e: Entry, out: &mut Signals) {
        self.catch_up(now);
        if !has_room(self.limit, self.q.len(), self.q.bytes(), e.size) {
            out.drop(e, DropCause::QueueFull);
        } else if self.drop_early() {
            let mark = self.cfg.ecn && self.drop_prob <= MARK_ECN_TH;
            if out.drop_or_mark(e, DropCause::Pie, mark) {
                self.q.push(e);
            }
        } else {
            self.q.push(e);
        }
    }

    fn dequeue(&mut self, now: SimTime, _out: &mut Signals) -> Option<Entry> {
        self.catch_up(now);
        let e = self.q.pop()?;
        self.qdelay = if self.q.len() == 0 {
            SimDuration::ZERO
        } else {
            now - e.enqueued
        };
        Some(e)
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

    fn pie() -> Pie {
        Pie::new(
            PieConfig::default(),
            QueueLimit::Packets(100_000),
            RngStream::derive(1, "pie"),
        )
    }

    /// A standing 100 ms queue: nothing is dropped in the first 150 ms
    /// (the burst allowance), then the probability climbs and drops begin.
    #[test]
    fn a_standing_queue_raises_the_drop_probability_after_the_burst_allowance() {
        let mut p = pie();
        let mut out = Signals::default();
        let mut first_drop = None;
        // One arrival a millisecond; departures start once 100 wait.
        for t in 0..3000 {
            let e = Entry {
                slot: t as u32,
                size: 1500,
                enqueued: at(t),
                flow: 0,
                ect: false,
            };
            p.enqueue(at(t), e, &mut out);
            if t < 100 {
                continue;
            }
            p.dequeue(at(t), &mut out);
            if first_drop.is_none() && !out.drops.is_empty() {
                first_drop = Some(t);
            }
        }
        let first = first_drop.expect("PIE drops from a standing queue");
        assert!(first >= 150, "{first}");
        assert!(p.drop_prob > 0.0);
        assert!(out.drops.iter().all(|(_, c)| *c == DropCause::Pie));
    }

    /// §4.3: starting from zero, one update moves the probability by the
    /// controller's output / 2048.
    #[test]
    fn small_probabilities_move_in_small_steps() {
        let mut p = pie();
        p.burst_allowance = SimDuration::ZERO;
        p.qdelay = SimDuration::from_millis(115);
        p.qdelay_old = SimDuration::from_millis(15);
        p.update();
        let expected = (0.125 * (0.115 - 0.015) + 1.25 * (0.115 - 0.015)) / 2048.0;
        assert!((p.drop_prob - expected).abs() < 1e-15, "{}", p.drop_prob);
    }

    /// An idle queue lets the probability decay by 2% an update, and a
    /// long idle spell is caught up in bounded work.
    #[test]
    fn idle_time_decays_the_probability() {
        let mut p = pie();
        p.burst_allowance = SimDuration::ZERO;
        p.drop_prob = 0.5;
        p.catch_up(at(150));
        // Ten updates with zero delay: the controller pushes down too.
        assert!(
            p.drop_prob < 0.5 * 0.98f64.powi(10) + 1e-12,
            "{}",
            p.drop_prob
        );
        p.catch_up(SimTime::ZERO + SimDuration::from_secs(1_000_000));
        assert_eq!(p.drop_prob, 0.0);
        assert!(p.next_update > SimTime::ZERO + SimDuration::from_secs(1_000_000));
    }
}
