//! The retransmission timer's RTT estimator, RFC 6298.

use sim_core::SimDuration;

/// SRTT, RTTVAR and RTO, with exponential backoff.
#[derive(Clone, Debug)]
pub struct RttEstimator {
    srtt: Option<u64>,
    rttvar: u64,
    /// RTO before backoff, in ns.
    base_rto: u64,
    /// Number of doublings applied since the last new sample.
    backoff: u32,
    min: u64,
    max: u64,
    granularity: u64,
}

impl RttEstimator {
    /// An estimator with no sample yet: RTO = `initial` (RFC 6298 §2.1).
    pub fn new(initial: SimDuration, min: SimDuration, max: SimDuration, g: SimDuration) -> Self {
        RttEstimator {
            srtt: None,
            rttvar: 0,
            base_rto: initial.as_nanos(),
            backoff: 0,
            min: min.as_nanos(),
            max: max.as_nanos(),
            granularity: g.as_nanos(),
        }
    }

    /// Takes a measurement `r` (RFC 6298 §2.2 and §2.3) and clears any
    /// backoff, since a fresh RTO has been computed.
    pub fn sample(&mut self, r: SimDuration) {
        let r = r.as_nanos();
        match self.srtt {
            None => {
                // (2.2) SRTT <- R, RTTVAR <- R/2.
                self.srtt = Some(r);
                self.rttvar = r / 2;
            }
            Some(srtt) => {
                // (2.3) beta = 1/4, alpha = 1/8; RTTVAR uses the old SRTT.
                self.rttvar = (3 * self.rttvar + srtt.abs_diff(r)) / 4;
                self.srtt = Some((7 * srtt + r) / 8);
            }
        }
        let srtt = self.srtt.unwrap_or(r);
        // RTO <- SRTT + max(G, K*RTTVAR), K = 4.
        self.base_rto = srtt + self.granularity.max(4 * self.rttvar);
        self.backoff = 0;
    }

    /// Doubles the RTO after the timer expires (RFC 6298 §5.5).
    pub fn back_off(&mut self) {
        if self.rto().as_nanos() < self.max {
            self.backoff += 1;
        }
    }

    /// RFC 6298 §5.7: after a SYN timed out, an RTO below 3 s "MUST be
    /// re-initialized to 3 seconds when data transmission begins". The
    /// SYN's backoff is not carried over: the first data timeout is 3 s,
    /// not 3 s doubled once per SYN retransmission.
    pub fn at_least_3s_after_syn_timeout(&mut self) {
        if self.srtt.is_none() {
            self.base_rto = self.base_rto.max(3_000_000_000);
            self.backoff = 0;
        }
    }

    /// The current RTO: bounded below (§2.4) and above (§2.5), backed off.
    pub fn rto(&self) -> SimDuration {
        let base = self.base_rto.clamp(self.min, self.max);
        let backed = base.saturating_mul(1u64 << self.backoff.min(32));
        SimDuration(backed.min(self.max))
    }

    /// Smoothed RTT, once measured.
    pub fn srtt(&self) -> Option<SimDuration> {
        self.srtt.map(SimDuration)
    }

    /// RTT variation.
    pub fn rttvar(&self) -> SimDuration {
        SimDuration(self.rttvar)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est(min_ms: u64) -> RttEstimator {
        RttEstimator::new(
            SimDuration::from_secs(1),
            SimDuration::from_millis(min_ms),
            SimDuration::from_secs(60),
            SimDuration::from_millis(1),
        )
    }

    #[test]
    fn first_sample_sets_srtt_and_half_variance() {
        let mut e = est(0);
        assert_eq!(e.rto(), SimDuration::from_secs(1));
        e.sample(SimDuration::from_millis(100));
        assert_eq!(e.srtt(), Some(SimDuration::from_millis(100)));
        assert_eq!(e.rttvar(), SimDuration::from_millis(50));
        // 100 + 4 * 50 = 300 ms
        assert_eq!(e.rto(), SimDuration::from_millis(300));
    }

    #[test]
    fn later_samples_use_the_rfc_gains() {
        let mut e = est(0);
        e.sample(SimDuration::from_millis(100));
        e.sample(SimDuration::from_millis(200));
        // RTTVAR = 3/4*50 + 1/4*|100-200| = 62.5; SRTT = 7/8*100 + 1/8*200 = 112.5
        assert_eq!(e.rttvar(), SimDuration::from_micros(62_500));
        assert_eq!(e.srtt(), Some(SimDuration::from_micros(112_500)));
        assert_eq!(e.rto(), SimDuration::from_micros(362_500));
    }

    #[test]
    fn rto_is_bounded_and_backs_off() {
        let mut e = est(1000);
        e.sample(SimDuration::from_millis(10));
        assert_eq!(e.rto(), SimDuration::from_secs(1), "min RTO 1 s");
        e.back_off();
        assert_eq!(e.rto(), SimDuration::from_secs(2));
        for _ in 0..10 {
            e.back_off();
        }
        assert_eq!(e.rto(), SimDuration::from_secs(60), "max RTO");
        e.sample(SimDuration::from_millis(10));
        assert_eq!(
            e.rto(),
            SimDuration::from_secs(1),
            "a new sample clears backoff"
        );
    }

    #[test]
    fn after_a_syn_timeout_data_starts_at_3s_without_the_syns_backoff() {
        let mut e = est(1000);
        e.back_off();
        e.back_off();
        assert_eq!(e.rto(), SimDuration::from_secs(4));
        e.at_least_3s_after_syn_timeout();
        assert_eq!(e.rto(), SimDuration::from_secs(3));
    }

    #[test]
    fn a_stable_path_keeps_rto_above_srtt_by_the_granularity() {
        let mut e = est(0);
        for _ in 0..200 {
            e.sample(SimDuration::from_millis(20));
        }
        assert_eq!(e.rto(), SimDuration::from_millis(21));
    }
}
