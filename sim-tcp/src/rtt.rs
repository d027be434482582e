//! The retransmission timer's RTT estimator: RFC 6298, its per-ACK form
//! (RFC 7323 Appendix G), or Linux's (`tcp_rtt_estimator`).

use sim_core::SimDuration;

/// How samples become an RTO.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RtoFormula {
    /// RFC 6298 §2: RTO = SRTT + max(G, 4 RTTVAR), at least the minimum.
    /// With a sample on every ACK the gains are divided by the samples
    /// expected per round trip (RFC 7323 Appendix G), so RTTVAR keeps the
    /// memory of one round trip.
    Rfc6298,
    /// Linux's `tcp_rtt_estimator` and `__tcp_set_rto`: RTO = SRTT +
    /// the largest mean deviation seen over the last round trip, that
    /// deviation term at least the minimum RTO (so RTO ≥ SRTT + 200 ms),
    /// a falling RTT feeding the deviation with an eighth of the gain.
    Linux,
}

/// Linux's scaled state, in ns: `srtt8` is 8 SRTT, the others four times
/// a mean deviation (`mdev_us`, `mdev_max_us`, `rttvar_us`).
#[derive(Clone, Copy, Debug, Default)]
struct LinuxRtt {
    srtt8: i64,
    mdev4: i64,
    mdev_max4: i64,
    rttvar4: i64,
    /// SND.NXT when the current round trip's maximum began.
    rtt_seq: u64,
}

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
    formula: RtoFormula,
    linux: Option<LinuxRtt>,
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
            formula: RtoFormula::Rfc6298,
            linux: None,
        }
    }

    /// The same, with `formula`.
    pub fn with_formula(mut self, formula: RtoFormula) -> Self {
        self.formula = formula;
        self
    }

    /// Takes a measurement `r` when one is taken on every ACK: `expected`
    /// samples per round trip (RFC 7323 Appendix G: FlightSize / (2 SMSS),
    /// one ACK per two segments), with `snd_una` and `snd_nxt` marking
    /// round trips for Linux's formula.
    pub fn sample_per_ack(&mut self, r: SimDuration, expected: u64, snd_una: u64, snd_nxt: u64) {
        match self.formula {
            RtoFormula::Linux => self.sample_linux(r, snd_una, snd_nxt),
            RtoFormula::Rfc6298 => {
                let n = expected.max(1);
                let r = r.as_nanos();
                match self.srtt {
                    None => self.sample(SimDuration(r)),
                    Some(srtt) => {
                        // alpha' = 1/(8n), beta' = 1/(4n).
                        let var = i128::from(self.rttvar);
                        let dev = i128::from(srtt.abs_diff(r));
                        self.rttvar = (var + (dev - var) / (4 * i128::from(n))) as u64;
                        let sr = i128::from(srtt);
                        self.srtt = Some((sr + (i128::from(r) - sr) / (8 * i128::from(n))) as u64);
                        let srtt = self.srtt.unwrap_or(r);
                        self.base_rto = srtt + self.granularity.max(4 * self.rttvar);
                        self.backoff = 0;
                    }
                }
            }
        }
    }

    fn sample_linux(&mut self, r: SimDuration, snd_una: u64, snd_nxt: u64) {
        let m = r.as_nanos().min(i64::MAX as u64 / 16) as i64;
        let rto_min = self.min as i64;
        let l = match self.linux.as_mut() {
            None => {
                let mdev4 = 2 * m;
                let rttvar4 = mdev4.max(rto_min);
                self.linux.insert(LinuxRtt {
                    srtt8: 8 * m,
                    mdev4,
                    mdev_max4: rttvar4,
                    rttvar4,
                    rtt_seq: snd_nxt,
                })
            }
            Some(l) => {
                let mut err = m - l.srtt8 / 8;
                l.srtt8 += err;
                if err < 0 {
                    err = -err - l.mdev4 / 4;
                    if err > 0 {
                        err >>= 3;
                    }
                } else {
                    err -= l.mdev4 / 4;
                }
                l.mdev4 += err;
                if l.mdev4 > l.mdev_max4 {
                    l.mdev_max4 = l.mdev4;
                    l.rttvar4 = l.rttvar4.max(l.mdev_max4);
                }
                if snd_una > l.rtt_seq {
                    if l.mdev_max4 < l.rttvar4 {
                        l.rttvar4 -= (l.rttvar4 - l.mdev_max4) / 4;
                    }
                    l.rtt_seq = snd_nxt;
                    l.mdev_max4 = rto_min;
                }
                l
            }
        };
        let srtt = (l.srtt8 / 8).max(1) as u64;
        self.srtt = Some(srtt);
        self.rttvar = (l.rttvar4 / 4) as u64;
        self.base_rto = srtt + l.rttvar4 as u64;
        self.backoff = 0;
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

    /// The current RTO: bounded below (§2.4; Linux bounds the deviation
    /// term instead) and above (§2.5), backed off.
    pub fn rto(&self) -> SimDuration {
        let base = match self.linux {
            Some(_) => self.base_rto.min(self.max),
            None => self.base_rto.clamp(self.min, self.max),
        };
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
    fn per_ack_samples_keep_a_round_trips_memory_of_variation() {
        // 20 samples a round trip at a steady 100 ms after one at 300 ms:
        // with the RFC gains RTTVAR would forget the jump in a round trip;
        // divided by 20 (RFC 7323 Appendix G) it keeps most of it.
        let mut e = est(0);
        e.sample_per_ack(SimDuration::from_millis(100), 20, 0, 0);
        e.sample_per_ack(SimDuration::from_millis(300), 20, 0, 0);
        for _ in 0..20 {
            e.sample_per_ack(SimDuration::from_millis(100), 20, 0, 0);
        }
        assert!(
            e.rttvar() > SimDuration::from_millis(40),
            "{:?}",
            e.rttvar()
        );
    }

    #[test]
    fn linux_rto_is_srtt_plus_at_least_the_minimum() {
        let mut e = est(200).with_formula(RtoFormula::Linux);
        e.sample_per_ack(SimDuration::from_millis(10), 1, 1, 10);
        // First sample: mdev = 2 RTT = 20 ms, below the 200 ms floor.
        assert_eq!(e.rto(), SimDuration::from_millis(210));
        for k in 0..100 {
            e.sample_per_ack(SimDuration::from_millis(10), 1, 11 + k, 12 + k);
        }
        assert_eq!(
            e.rto(),
            SimDuration::from_millis(210),
            "steady: SRTT + 200 ms"
        );
        // A jump raises the deviation term above the floor at once.
        e.sample_per_ack(SimDuration::from_millis(810), 1, 200, 201);
        assert!(e.rto() > SimDuration::from_millis(400), "{:?}", e.rto());
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
