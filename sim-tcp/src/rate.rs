//! Delivery-rate estimation (draft-cheng-iccrg-delivery-rate-estimation-02,
//! as Linux's `tcp_rate.c`): every segment sent carries a snapshot of how
//! much had been delivered when it left, and every ACK turns the snapshot of
//! the most recently sent segment it delivers into a rate sample. BBR is
//! built on these samples.
//!
//! Amounts are bytes (Linux counts packets): the connection's delivered
//! data, RFC 6937's DeliveredData summed over the connection.

use sim_core::{SimDuration, SimTime};

/// What the connection had delivered when a segment was (re)sent (the
/// draft's per-packet state `P.delivered`, `P.delivered_time`,
/// `P.first_sent_time`, `P.is_app_limited`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TxSnapshot {
    pub delivered: u64,
    pub delivered_time: SimTime,
    pub first_sent_time: SimTime,
    pub app_limited: bool,
}

/// The segment an ACK delivered that tells the most: the one sent with the
/// highest `delivered` count (the latest sent on ties), as Linux's
/// `tcp_rate_skb_delivered` chooses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivered {
    pub tx: TxSnapshot,
    /// When it was last sent.
    pub sent_at: SimTime,
    /// One past its last index (ties between segments sent at once).
    pub end: u64,
    /// It had been retransmitted: its ACK times nothing (Karn).
    pub retransmitted: bool,
}

impl Delivered {
    /// Whether `self` should replace `best` as the ACK's newest delivery.
    pub fn newer_than(&self, best: &Option<Delivered>) -> bool {
        best.is_none_or(|b| {
            self.tx.delivered > b.tx.delivered
                || (self.tx.delivered == b.tx.delivered
                    && crate::scoreboard::rack_sent_after(self.sent_at, self.end, b.sent_at, b.end))
        })
    }
}

/// One ACK's rate sample (the draft's `rs`, "Upon receiving an ACK").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateSample {
    /// Bytes delivered between the newest delivered segment's send and
    /// this ACK.
    pub delivered: u64,
    /// The interval they were delivered over: the longer of the send and
    /// the ACK intervals (so ACK compression cannot inflate the rate).
    /// `None` when no segment timed one, or when it came out shorter than
    /// the minimum RTT (Linux's `tcp_rate_gen` discards those: a segment
    /// delivered in less than a round trip was sent before its snapshot
    /// could mean anything).
    pub interval: Option<SimDuration>,
    /// The RTT of the newest delivered segment, if it was never
    /// retransmitted.
    pub rtt: Option<SimDuration>,
    /// The newest delivered segment was sent while the application left
    /// the window unused: the rate may be below what the path carries
    /// ("Detecting application-limited phases").
    pub is_app_limited: bool,
    /// Bytes newly deemed lost while reading this ACK.
    pub losses: u64,
    /// `delivered` as it stood when the newest delivered segment was sent:
    /// where BBR's rounds are counted from.
    pub prior_delivered: u64,
    /// Bytes this ACK delivered (cumulatively or by SACK).
    pub acked_sacked: u64,
}

impl RateSample {
    /// Bytes per second, if the sample has an interval.
    pub fn rate(&self) -> Option<u64> {
        let ns = self.interval?.as_nanos();
        (ns > 0).then(|| (u128::from(self.delivered) * 1_000_000_000 / u128::from(ns)) as u64)
    }
}

/// The connection-wide state the draft keeps (`C.delivered`,
/// `C.delivered_time`, `C.first_sent_time`, `C.app_limited`).
#[derive(Clone, Debug, Default)]
pub struct RateEstimator {
    delivered: u64,
    delivered_time: SimTime,
    first_sent_time: SimTime,
    /// Samples are app-limited until `delivered` passes this mark; 0: not
    /// app-limited.
    app_limited_until: u64,
    /// Bytes deemed lost so far, as last seen.
    lost_seen: u64,
    /// The smallest RTT a sample had (Linux keeps a 5-minute windowed
    /// minimum; runs are shorter).
    min_rtt: Option<SimDuration>,
    last: Option<RateSample>,
}

impl RateEstimator {
    /// A segment leaves: its snapshot ("Transmitting a data packet"). With nothing outstanding the
    /// clocks restart, so an idle period is not counted as delivery time.
    pub fn on_send(&mut self, now: SimTime, nothing_outstanding: bool) -> TxSnapshot {
        if nothing_outstanding {
            self.first_sent_time = now;
            self.delivered_time = now;
        }
        TxSnapshot {
            delivered: self.delivered,
            delivered_time: self.delivered_time,
            first_sent_time: self.first_sent_time,
            app_limited: self.app_limited_until != 0,
        }
    }

    /// An ACK delivered `acked_sacked` bytes, `newest` among its segments;
    /// `lost_total` is every byte deemed lost so far. Returns the sample
    /// ("Upon receiving an ACK"), also kept as [`Self::last`].
    pub fn on_ack(
        &mut self,
        now: SimTime,
        newest: Option<Delivered>,
        acked_sacked: u64,
        lost_total: u64,
    ) -> Option<RateSample> {
        let losses = lost_total.saturating_sub(self.lost_seen);
        self.lost_seen = lost_total;
        self.delivered += acked_sacked;
        if acked_sacked > 0 {
            self.delivered_time = now;
        }
        if self.app_limited_until != 0 && self.delivered > self.app_limited_until {
            self.app_limited_until = 0;
        }
        let p = newest?;
        let rtt = (!p.retransmitted).then(|| now.saturating_since(p.sent_at));
        if let Some(r) = rtt {
            self.min_rtt = Some(self.min_rtt.map_or(r, |m| m.min(r)));
        }
        // The next sample's send interval starts at this segment.
        self.first_sent_time = p.sent_at;
        let send_elapsed = p.sent_at.saturating_since(p.tx.first_sent_time);
        let ack_elapsed = now.saturating_since(p.tx.delivered_time);
        let interval = send_elapsed.max(ack_elapsed);
        let valid = interval.as_nanos() > 0 && self.min_rtt.is_none_or(|m| interval >= m);
        let rs = RateSample {
            delivered: self.delivered - p.tx.delivered,
            interval: valid.then_some(interval),
            rtt,
            is_app_limited: p.tx.app_limited,
            losses,
            prior_delivered: p.tx.delivered,
            acked_sacked,
        };
        self.last = Some(rs);
        Some(rs)
    }

    /// "Detecting application-limited phases": the sender has less than a segment left to send and the
    /// window is not full, and nothing lost waits for retransmission: the
    /// samples of what is in flight now say what the application, not the
    /// path, allowed (Linux's `tcp_rate_check_app_limited`).
    pub fn mark_app_limited(&mut self, in_flight: u64) {
        self.app_limited_until = (self.delivered + in_flight).max(1);
    }

    /// Bytes delivered so far (`C.delivered`).
    pub fn delivered(&self) -> u64 {
        self.delivered
    }

    /// The latest sample.
    pub fn last(&self) -> Option<RateSample> {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> SimTime {
        SimTime::ZERO + SimDuration::from_millis(n)
    }

    #[test]
    fn a_steady_flow_samples_its_rate() {
        // One 1000-byte segment every 1 ms, each ACKed 10 ms later: the
        // samples settle at 1000 bytes/ms once the first round is past.
        let mut r = RateEstimator::default();
        let mut sent = Vec::new();
        let mut last = None;
        for i in 0..60u64 {
            let t = ms(i);
            if i >= 10 {
                let (snap, at, end) = sent[(i - 10) as usize];
                let d = Delivered {
                    tx: snap,
                    sent_at: at,
                    end,
                    retransmitted: false,
                };
                last = r.on_ack(t, Some(d), 1000, 0);
            }
            let snap = r.on_send(t, i == 0);
            sent.push((snap, t, (i + 1) * 1000));
        }
        let rs = last.unwrap();
        assert_eq!(rs.rtt, Some(SimDuration::from_millis(10)));
        assert_eq!(rs.rate(), Some(1_000_000));
        assert_eq!(rs.interval, Some(SimDuration::from_millis(10)));
        assert!(!rs.is_app_limited);
    }

    #[test]
    fn app_limited_marks_the_samples_of_what_was_then_in_flight() {
        let mut r = RateEstimator::default();
        let s0 = r.on_send(ms(0), true);
        r.mark_app_limited(1000);
        let s1 = r.on_send(ms(1), false);
        assert!(!s0.app_limited && s1.app_limited);
        let d = |tx, at, end| Delivered {
            tx,
            sent_at: at,
            end,
            retransmitted: false,
        };
        let a = r.on_ack(ms(10), Some(d(s0, ms(0), 1000)), 1000, 0).unwrap();
        assert!(!a.is_app_limited);
        let b = r.on_ack(ms(11), Some(d(s1, ms(1), 2000)), 1000, 0).unwrap();
        assert!(b.is_app_limited);
        // delivered (2000) passed the mark (1000): later sends are not.
        assert!(!r.on_send(ms(12), true).app_limited);
    }

    #[test]
    fn a_sample_shorter_than_the_minimum_rtt_has_no_interval() {
        let mut r = RateEstimator::default();
        let s0 = r.on_send(ms(0), true);
        let d0 = Delivered {
            tx: s0,
            sent_at: ms(0),
            end: 1000,
            retransmitted: false,
        };
        assert!(
            r.on_ack(ms(10), Some(d0), 1000, 0)
                .unwrap()
                .interval
                .is_some()
        );
        // A retransmission sent at 11 ms and acknowledged at 12 ms: 1 ms,
        // under the 10 ms minimum RTT.
        let s1 = r.on_send(ms(11), true);
        let d1 = Delivered {
            tx: s1,
            sent_at: ms(11),
            end: 2000,
            retransmitted: true,
        };
        let rs = r.on_ack(ms(12), Some(d1), 1000, 500).unwrap();
        assert_eq!(rs.interval, None);
        assert_eq!(rs.rtt, None);
        assert_eq!(rs.losses, 500);
    }
}
