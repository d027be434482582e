//! NewReno: RFC 5681 slow start and congestion avoidance with the RFC 6582
//! fast-recovery window rules.

use super::{AckInfo, CongestionControl};

/// NewReno's window state.
#[derive(Debug, Clone)]
pub struct NewReno {
    cwnd: u32,
    ssthresh: u32,
    /// Bytes acknowledged towards the next one-SMSS increase in congestion
    /// avoidance.
    acked_in_ca: u32,
}

impl NewReno {
    /// Starts with `initial_window` and an "arbitrarily high" ssthresh
    /// (RFC 5681 §3.1).
    pub fn new(initial_window: u32) -> Self {
        NewReno {
            cwnd: initial_window,
            ssthresh: u32::MAX,
            acked_in_ca: 0,
        }
    }

    /// Lets a delay-based algorithm built on these rules (Vegas) lower
    /// ssthresh without a loss.
    pub(crate) fn set_ssthresh(&mut self, ssthresh: u32) {
        self.ssthresh = ssthresh;
    }
}

impl NewReno {
    /// Sets both to `target` (DCTCP's ECN reaction, RFC 8257 §3.3).
    pub(super) fn set_ssthresh_and_cwnd(&mut self, target: u32, smss: u32) {
        self.ssthresh = target;
        self.set_cwnd(target, smss);
    }
}

/// RFC 5681 equation (4): ssthresh = max(FlightSize / 2, 2 * SMSS).
pub fn half_flight(flight_size: u32, smss: u32) -> u32 {
    (flight_size / 2).max(2 * smss)
}

impl CongestionControl for NewReno {
    fn name(&self) -> &'static str {
        "newreno"
    }
    fn cwnd(&self) -> u32 {
        self.cwnd
    }
    fn ssthresh(&self) -> u32 {
        self.ssthresh
    }

    fn on_ack(&mut self, ack: &AckInfo) {
        if !ack.cwnd_limited {
            // Linux's `tcp_reno_cong_avoid`: no growth unless the window
            // limited the sender.
            return;
        }
        let (mut acked, smss) = (ack.acked, ack.smss);
        if self.cwnd < self.ssthresh && ack.slow_start_limit <= smss {
            // Slow start, RFC 5681 equation (2): cwnd += min(N, SMSS).
            self.cwnd = self.cwnd.saturating_add(acked.min(smss));
            return;
        }
        if self.cwnd < self.ssthresh {
            // Linux's `tcp_slow_start`: everything acknowledged, up to
            // ssthresh; the rest grows the window in congestion avoidance.
            let grown = acked
                .min(ack.slow_start_limit)
                .min(self.ssthresh - self.cwnd);
            self.cwnd += grown;
            acked -= grown;
            if acked == 0 {
                return;
            }
        }
        // Congestion avoidance: one SMSS per cwnd of acknowledged data
        // (RFC 5681 §3.1, the byte-counting variant it recommends).
        self.acked_in_ca = self.acked_in_ca.saturating_add(acked);
        if self.acked_in_ca >= self.cwnd {
            self.acked_in_ca -= self.cwnd;
            self.cwnd = self.cwnd.saturating_add(smss);
        }
    }

    fn on_fast_retransmit(&mut self, flight_size: u32, smss: u32) {
        self.ssthresh = half_flight(flight_size, smss);
        // RFC 5681 §3.2 step 3: inflate by the three segments that left.
        self.cwnd = self.ssthresh + 3 * smss;
        self.acked_in_ca = 0;
    }

    fn on_dup_ack_in_recovery(&mut self, smss: u32) {
        self.cwnd = self.cwnd.saturating_add(smss);
    }

    fn on_partial_ack(&mut self, acked: u32, smss: u32) {
        // RFC 6582 §3.2 step 3, partial ACK: deflate by the amount
        // acknowledged, add back one SMSS if at least one SMSS was
        // acknowledged.
        self.cwnd = self.cwnd.saturating_sub(acked);
        if acked >= smss {
            self.cwnd = self.cwnd.saturating_add(smss);
        }
        self.cwnd = self.cwnd.max(smss);
    }

    fn on_recovery_end(&mut self, flight_size: u32, smss: u32) {
        // RFC 6582 §3.2 step 3, full ACK, option (1): min(ssthresh,
        // max(FlightSize, SMSS) + SMSS), which avoids a burst.
        self.cwnd = self.ssthresh.min(flight_size.max(smss) + smss);
    }

    fn set_cwnd(&mut self, cwnd: u32, smss: u32) {
        self.cwnd = cwnd.max(smss);
        self.acked_in_ca = 0;
    }

    fn on_idle_restart(&mut self, cwnd: u32, ssthresh: u32, smss: u32) {
        self.cwnd = cwnd.max(smss);
        self.ssthresh = ssthresh;
        self.acked_in_ca = 0;
    }

    fn on_timeout(&mut self, flight_size: u32, smss: u32, first: bool) {
        if first {
            self.ssthresh = half_flight(flight_size, smss);
        }
        // Loss window: one segment (RFC 5681 §3.1).
        self.cwnd = smss;
        self.acked_in_ca = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use sim_core::SimTime;

    const MSS: u32 = 1000;

    /// An ACK of one MSS.
    fn one() -> AckInfo {
        AckInfo {
            now: SimTime::ZERO,
            acked: MSS,
            smss: MSS,
            slow_start_limit: MSS,
            srtt: None,
            rtt: None,
            snd_una: 0,
            snd_nxt: 0,
            cwnd_limited: true,
        }
    }

    #[test]
    fn slow_start_grows_by_one_mss_per_ack_then_linearly() {
        let mut c = NewReno::new(2 * MSS);
        c.on_ack(&one());
        c.on_ack(&one());
        assert_eq!(c.cwnd(), 4 * MSS);
        c.on_timeout(8 * MSS, MSS, true);
        assert_eq!((c.cwnd(), c.ssthresh()), (MSS, 4 * MSS));
        for _ in 0..3 {
            c.on_ack(&one());
        }
        assert_eq!(c.cwnd(), 4 * MSS, "slow start up to ssthresh");
        // Congestion avoidance: 4 ACKs of one MSS at cwnd 4 MSS add one MSS.
        for _ in 0..3 {
            c.on_ack(&one());
        }
        assert_eq!(c.cwnd(), 4 * MSS);
        c.on_ack(&one());
        assert_eq!(c.cwnd(), 5 * MSS);
    }

    #[test]
    fn counted_in_segments_slow_start_takes_all_that_was_acked_up_to_ssthresh() {
        let mut c = NewReno::new(4 * MSS);
        let two = AckInfo {
            acked: 2 * MSS,
            slow_start_limit: u32::MAX,
            ..one()
        };
        // A delayed ACK of two segments grows the window by two (RFC 5681
        // would grow it by one).
        c.on_ack(&two);
        assert_eq!(c.cwnd(), 6 * MSS);
        c.on_timeout(14 * MSS, MSS, true);
        c.set_cwnd(6 * MSS, MSS);
        // ssthresh 7 SMSS: one segment reaches it, the other counts
        // towards congestion avoidance's next SMSS.
        c.on_ack(&two);
        assert_eq!((c.cwnd(), c.ssthresh()), (7 * MSS, 7 * MSS));
        for _ in 0..3 {
            c.on_ack(&two);
        }
        assert_eq!(c.cwnd(), 8 * MSS, "7 SMSS acknowledged in avoidance");
    }

    #[test]
    fn fast_recovery_inflates_deflates_and_ends_at_ssthresh() {
        let mut c = NewReno::new(10 * MSS);
        c.on_fast_retransmit(10 * MSS, MSS);
        assert_eq!((c.ssthresh(), c.cwnd()), (5 * MSS, 8 * MSS));
        c.on_dup_ack_in_recovery(MSS);
        assert_eq!(c.cwnd(), 9 * MSS);
        c.on_partial_ack(3 * MSS, MSS);
        assert_eq!(c.cwnd(), 7 * MSS);
        c.on_recovery_end(6 * MSS, MSS);
        assert_eq!(c.cwnd(), 5 * MSS);
    }

    #[test]
    fn repeated_timeouts_keep_ssthresh() {
        let mut c = NewReno::new(10 * MSS);
        c.on_timeout(10 * MSS, MSS, true);
        c.on_timeout(MSS, MSS, false);
        assert_eq!(c.ssthresh(), 5 * MSS);
        assert_eq!(c.cwnd(), MSS);
    }
}
