//! TCP Vegas (Brakmo and Peterson, "TCP Vegas: End to End Congestion
//! Avoidance on a Global Internet", IEEE JSAC 13(8), 1995), with the
//! constants and round structure of Linux's implementation.
//!
//! Vegas compares the rate the window would give on an empty path
//! (cwnd / BaseRTT) with the rate it got (cwnd / RTT) once a round trip and
//! keeps the difference, counted in segments queued at the bottleneck,
//! between alpha and beta. It therefore holds a small standing queue and
//! stops growing long before a deep drop-tail buffer fills. Losses are
//! handled by NewReno's rules, which this algorithm wraps.

use sim_core::SimDuration;

use super::newreno::NewReno;
use super::{AckInfo, CongestionControl};

/// Fewest segments queued at the bottleneck Vegas aims for (paper §3.2,
/// Linux `alpha` = 2): below it the window grows one segment a round.
pub const ALPHA: u64 = 2;
/// Most segments queued it accepts (Linux `beta` = 4): above it the window
/// shrinks one segment a round.
pub const BETA: u64 = 4;
/// Queued segments that end slow start (paper §3.3, Linux `gamma` = 1).
pub const GAMMA: u64 = 1;

/// Vegas's window state: NewReno's window and loss reactions, plus the
/// RTT bookkeeping of the current round.
#[derive(Debug, Clone)]
pub struct Vegas {
    reno: NewReno,
    /// The smallest RTT ever seen: the path's propagation delay as far as
    /// this sender can tell (paper §3.2 BaseRTT). Kept across losses, as
    /// Linux does.
    base_rtt: Option<SimDuration>,
    /// The smallest RTT of the round in progress. Linux uses the minimum,
    /// not the mean, so delayed ACKs do not look like queueing.
    round_min_rtt: Option<SimDuration>,
    /// RTT samples in the round in progress.
    round_samples: u32,
    /// The round ends with the first ACK beyond this sequence index (SND.NXT
    /// when it began); `None` while Vegas is off: from a loss until the
    /// next ACK outside recovery (Linux's `tcp_vegas_state`).
    round_end: Option<u64>,
}

impl Vegas {
    /// Starts in slow start with `initial_window`, like NewReno.
    pub fn new(initial_window: u32) -> Self {
        Vegas {
            reno: NewReno::new(initial_window),
            base_rtt: None,
            round_min_rtt: None,
            round_samples: 0,
            round_end: None,
        }
    }

    /// The base RTT measured so far.
    pub fn base_rtt(&self) -> Option<SimDuration> {
        self.base_rtt
    }

    fn start_round(&mut self, snd_nxt: u64) {
        self.round_end = Some(snd_nxt);
        self.round_samples = 0;
        self.round_min_rtt = None;
    }

    fn in_slow_start(&self) -> bool {
        self.reno.cwnd() < self.reno.ssthresh()
    }

    /// The once-a-round decision, from the round's smallest RTT `rtt`.
    fn adjust(&mut self, ack: &AckInfo, base: SimDuration, rtt: SimDuration) {
        let smss = ack.smss.max(1);
        let cwnd = self.reno.cwnd();
        let segs = u64::from(cwnd / smss);
        let (base_ns, rtt_ns) = (base.as_nanos().max(1), rtt.as_nanos().max(1));
        // Expected minus actual rate, times BaseRTT: the segments this flow
        // keeps queued (paper §3.2: Diff = (Expected - Actual) BaseRTT).
        let diff = segs * (rtt_ns - base_ns.min(rtt_ns)) / rtt_ns;
        let ssthresh_below = |cwnd: u32, ssthresh: u32| ssthresh.min(cwnd.saturating_sub(smss));
        if diff > GAMMA && self.in_slow_start() {
            // Paper §3.3: leave slow start when the queue builds, with the
            // window the measured rate needs (+1 for the integer
            // truncation, as Linux).
            let target = (segs * base_ns / rtt_ns + 1) * u64::from(smss);
            let cwnd = cwnd.min(target.min(u64::from(u32::MAX)) as u32);
            self.reno.set_cwnd(cwnd, smss);
            let ss = ssthresh_below(cwnd, self.reno.ssthresh());
            self.reno.set_ssthresh(ss);
        } else if self.in_slow_start() {
            self.reno.on_ack(ack);
        } else if diff > BETA {
            let cwnd = cwnd.saturating_sub(smss);
            self.reno.set_cwnd(cwnd, smss);
            let ss = ssthresh_below(cwnd, self.reno.ssthresh());
            self.reno.set_ssthresh(ss);
        } else if diff < ALPHA {
            self.reno.set_cwnd(cwnd.saturating_add(smss), smss);
        }
        // At least two segments (Linux).
        if self.reno.cwnd() < 2 * smss {
            self.reno.set_cwnd(2 * smss, smss);
        }
        // Linux's `tcp_current_ssthresh`: ssthresh follows three quarters of
        // a window that grew in congestion avoidance.
        let cwnd = self.reno.cwnd();
        let floor = cwnd / 2 + cwnd / 4;
        if self.reno.ssthresh() < floor {
            self.reno.set_ssthresh(floor);
        }
    }
}

impl CongestionControl for Vegas {
    fn name(&self) -> &'static str {
        "vegas"
    }
    forward!(reno =>
        fn cwnd(&self) -> u32;
        fn ssthresh(&self) -> u32;
        fn on_dup_ack_in_recovery(&mut self, smss: u32);
        fn on_partial_ack(&mut self, acked: u32, smss: u32);
        fn set_cwnd(&mut self, cwnd: u32, smss: u32);
    );

    fn on_ack(&mut self, ack: &AckInfo) {
        if let Some(rtt) = ack.rtt {
            self.base_rtt = Some(self.base_rtt.map_or(rtt, |b| b.min(rtt)));
            self.round_min_rtt = Some(self.round_min_rtt.map_or(rtt, |m| m.min(rtt)));
            self.round_samples += 1;
        }
        let Some(end) = self.round_end else {
            // Back in the open state after a loss (or at the first ACK):
            // Vegas starts a fresh round, growing as Reno meanwhile.
            self.start_round(ack.snd_nxt);
            self.reno.on_ack(ack);
            return;
        };
        if ack.snd_una <= end {
            // Within the round only slow start grows the window; in
            // congestion avoidance Vegas decides once a round.
            if self.in_slow_start() {
                self.reno.on_ack(ack);
            }
            return;
        }
        let samples = self.round_samples;
        let rtts = (self.base_rtt, self.round_min_rtt);
        self.start_round(ack.snd_nxt);
        match rtts {
            // Linux: with two samples or fewer a round's minimum says too
            // little, and Reno's rule applies to this ACK.
            (Some(base), Some(rtt)) if samples > 2 => self.adjust(ack, base, rtt),
            _ => self.reno.on_ack(ack),
        }
    }

    fn on_fast_retransmit(&mut self, flight_size: u32, smss: u32) {
        self.round_end = None;
        self.reno.on_fast_retransmit(flight_size, smss);
    }

    fn on_recovery_end(&mut self, flight_size: u32, smss: u32) {
        self.round_end = None;
        self.reno.on_recovery_end(flight_size, smss);
    }

    /// As Linux's `tcp_vegas_cwnd_event` on `CA_EVENT_CWND_RESTART`
    /// (`tcp_vegas_init`): the base RTT is measured afresh, the path may
    /// have changed during the pause.
    fn on_idle_restart(&mut self, cwnd: u32, ssthresh: u32, smss: u32) {
        self.base_rtt = None;
        self.round_min_rtt = None;
        self.round_samples = 0;
        self.round_end = None;
        self.reno.on_idle_restart(cwnd, ssthresh, smss);
    }

    fn on_timeout(&mut self, flight_size: u32, smss: u32, first: bool) {
        self.round_end = None;
        self.reno.on_timeout(flight_size, smss, first);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use sim_core::SimTime;

    const MSS: u32 = 1000;

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    /// An ACK of one segment at SND.UNA `una` with SND.NXT `nxt`.
    fn ack(una: u64, nxt: u64, rtt: Option<SimDuration>) -> AckInfo {
        AckInfo {
            now: SimTime::ZERO,
            acked: MSS,
            smss: MSS,
            slow_start_limit: u32::MAX,
            srtt: rtt,
            rtt,
            snd_una: una,
            snd_nxt: nxt,
            cwnd_limited: true,
        }
    }

    /// One round: `n` ACKs inside it with RTT `rtt`, then the ACK that
    /// ends it. Returns the window after.
    fn round(v: &mut Vegas, n: u64, rtt: SimDuration) -> u32 {
        let end = v.round_end.expect("a round is open");
        for _ in 0..n {
            v.on_ack(&ack(end, end, Some(rtt)));
        }
        v.on_ack(&ack(end + 1, end + 100, Some(rtt)));
        v.cwnd()
    }

    /// Vegas in congestion avoidance at `segs` segments, base RTT 100 ms.
    fn avoiding(segs: u32) -> Vegas {
        let mut v = Vegas::new(segs * MSS);
        v.reno.set_ssthresh(segs * MSS);
        v.on_ack(&ack(1, 10, Some(ms(100))));
        v
    }

    #[test]
    fn grows_below_alpha_holds_between_and_shrinks_above_beta() {
        // 20 segments, base 100 ms. An RTT of 105 ms queues
        // 20 * 5 / 105 = 0 segments: grow.
        let mut v = avoiding(20);
        assert_eq!(round(&mut v, 5, ms(105)), 21 * MSS);
        // 21 * 15 / 115 = 2 (alpha <= diff <= beta): hold.
        assert_eq!(round(&mut v, 5, ms(115)), 21 * MSS);
        // 21 * 30 / 130 = 4: still hold.
        assert_eq!(round(&mut v, 5, ms(130)), 21 * MSS);
        // 21 * 40 / 140 = 6 > beta: shrink by one segment.
        assert_eq!(round(&mut v, 5, ms(140)), 20 * MSS);
        assert_eq!(v.base_rtt(), Some(ms(100)));
    }

    #[test]
    fn no_growth_within_a_round_in_congestion_avoidance() {
        let mut v = avoiding(20);
        let end = v.round_end.unwrap();
        for _ in 0..50 {
            v.on_ack(&ack(end, end, Some(ms(100))));
        }
        assert_eq!(v.cwnd(), 20 * MSS);
    }

    #[test]
    fn slow_start_ends_once_more_than_gamma_segments_queue() {
        let mut v = Vegas::new(10 * MSS);
        v.on_ack(&ack(1, 10, Some(ms(100))));
        assert_eq!(v.cwnd(), 11 * MSS, "slow start grows per ACK");
        // A round whose RTT shows 16 * 10 / 110 = 1 queued segment (the
        // window grew to 16 within it): slow start goes on.
        let c = round(&mut v, 5, ms(110));
        assert_eq!(c, 17 * MSS);
        assert!(v.ssthresh() > 1 << 30);
        // 22 * 30 / 130 = 5 > gamma: the window drops to what the measured
        // rate needs, 22 * 100 / 130 + 1 = 17 segments, ssthresh just below.
        let c = round(&mut v, 5, ms(130));
        assert_eq!(c, 17 * MSS);
        assert_eq!(v.ssthresh(), 16 * MSS);
    }

    #[test]
    fn too_few_samples_fall_back_to_reno() {
        let mut v = avoiding(20);
        // Two samples in the round: Reno's rule on the closing ACK (one
        // segment towards the next increase), no Vegas decision even with a
        // long RTT.
        assert_eq!(round(&mut v, 1, ms(300)), 20 * MSS);
        // Three: Vegas, 20 * 200 / 300 = 13 > beta.
        assert_eq!(round(&mut v, 2, ms(300)), 19 * MSS);
    }

    #[test]
    fn a_loss_halves_like_newreno_and_restarts_the_rounds() {
        let mut v = avoiding(20);
        v.on_fast_retransmit(20 * MSS, MSS);
        assert_eq!((v.ssthresh(), v.cwnd()), (10 * MSS, 13 * MSS));
        assert_eq!(v.round_end, None);
        v.on_recovery_end(10 * MSS, MSS);
        v.on_ack(&ack(500, 520, Some(ms(100))));
        assert_eq!(v.round_end, Some(520));
        assert_eq!(v.base_rtt(), Some(ms(100)), "BaseRTT survives the loss");
    }
}
