//! CUBIC (RFC 9438): after a loss the window follows a cubic function of the
//! time since it, concave up to the old maximum and convex beyond it, with a
//! Reno-friendly floor so it never does worse than NewReno would.
//!
//! Slow start ends at the first loss, or earlier with HyStart (Linux's, the
//! `linux` profile's default) or HyStart++ (RFC 9406): see `hystart.rs`.
//!
//! Arithmetic is in floating point as the RFC writes it; the cube root comes
//! from `libm`, so the result is bit-identical on every platform.

use sim_core::{SimDuration, SimTime};

use super::hystart::{self, HyStartPlusPlus, LinuxHyStart, Step};
use super::{AckInfo, CongestionControl};
use crate::config::HyStart;

/// RFC 9438 §5.1: C = 0.4 (segments / s^3).
const C: f64 = 0.4;
/// RFC 9438 §4.6: multiplicative decrease factor.
const BETA: f64 = 0.7;
/// RFC 9438 §4.3: additive increase of the Reno-friendly estimate.
const ALPHA: f64 = 3.0 * (1.0 - BETA) / (1.0 + BETA);

/// Linux: while W_max is unknown the window grows by at least one segment
/// per this many acknowledged (`bictcp_update`, `cnt` clamped to 20).
const LINUX_CNT_CLAMP: f64 = 20.0;

/// CUBIC's state; windows in segments, as the RFC keeps them.
#[derive(Debug, Clone)]
pub struct Cubic {
    /// Congestion window, segments (fractional).
    cwnd: f64,
    /// Slow-start threshold, segments.
    ssthresh: f64,
    /// Window before the last reduction (W_max).
    w_max: f64,
    /// Start of the current congestion-avoidance epoch.
    epoch: Option<SimTime>,
    /// Time to reach W_max from the epoch start (K), seconds.
    k: f64,
    /// Reno-friendly estimate (W_est).
    w_est: f64,
    smss: f64,
    /// No loss has set W_max yet (Linux's `last_max_cwnd == 0`).
    no_loss_yet: bool,
    /// How slow start may end before a loss.
    exit: SlowStartExit,
}

/// The slow-start exit rule and its state.
#[derive(Debug, Clone)]
enum SlowStartExit {
    /// Only a loss ends slow start.
    Off,
    /// Linux's HyStart, re-armed by every timeout.
    Linux(LinuxHyStart),
    /// HyStart++ for the initial slow start only (RFC 9406 §4.2: later slow
    /// starts have the ssthresh a loss set); `None` once that has ended.
    PlusPlus(Option<HyStartPlusPlus>),
}

impl Cubic {
    /// Starts with `initial_window` bytes of `smss`-byte segments, with
    /// the slow-start exit rule `hystart`.
    pub fn new(initial_window: u32, smss: u32, hystart: HyStart) -> Self {
        let smss = f64::from(smss.max(1));
        let exit = match hystart {
            HyStart::Off => SlowStartExit::Off,
            HyStart::Linux => SlowStartExit::Linux(LinuxHyStart::new()),
            HyStart::PlusPlus => SlowStartExit::PlusPlus(Some(HyStartPlusPlus::new())),
        };
        Cubic {
            cwnd: f64::from(initial_window) / smss,
            ssthresh: f64::from(u32::MAX) / smss,
            w_max: 0.0,
            epoch: None,
            k: 0.0,
            w_est: 0.0,
            smss,
            no_loss_yet: true,
            exit,
        }
    }

    /// Which HyStart rule ended slow start (Linux's HyStart only), if one
    /// did since the last timeout.
    pub fn hystart_found(&self) -> Option<hystart::Found> {
        match &self.exit {
            SlowStartExit::Linux(h) => h.found(),
            _ => None,
        }
    }

    /// HyStart++ is in Conservative Slow Start.
    pub fn in_css(&self) -> bool {
        matches!(&self.exit, SlowStartExit::PlusPlus(Some(h)) if h.in_css())
    }

    /// Slow start for one ACK: RFC 5681's (cwnd += min(N, SMSS), which
    /// RFC 9438 §4.10 keeps), or RFC 9406's in the initial slow start with
    /// HyStart++. A HyStart rule may end it first (ssthresh = cwnd), and
    /// the ACK then grows the window in congestion avoidance. Returns
    /// whether slow start used the ACK.
    /// Slow start's part of an ACK; what is left of `acked_seg` for
    /// congestion avoidance (`None`: nothing).
    fn slow_start(&mut self, ack: &AckInfo, acked_seg: f64) -> Option<f64> {
        let settling = self
            .epoch
            .is_some_and(|e| ack.now.saturating_since(e) < SimDuration::from_secs(1));
        let slow_start = self.cwnd < self.ssthresh;
        match &mut self.exit {
            SlowStartExit::Off => {}
            SlowStartExit::Linux(h) => {
                // Linux runs HyStart (`pkts_acked`) before the window grows
                // (`cong_avoid`), so this ACK already grows in congestion
                // avoidance.
                if h.on_ack(ack, self.cwnd, slow_start, settling).is_some() {
                    self.ssthresh = self.cwnd;
                }
            }
            SlowStartExit::PlusPlus(Some(h)) if slow_start => match h.on_ack(ack) {
                Step::Grow(divisor) => {
                    // RFC 9406 §4.2: cwnd += min(N, L SMSS) / divisor.
                    if ack.cwnd_limited {
                        let limit = f64::from(hystart::PP_L);
                        self.cwnd += acked_seg.min(limit) / f64::from(divisor);
                    }
                    return None;
                }
                Step::Exit => {
                    self.ssthresh = self.cwnd;
                    self.exit = SlowStartExit::PlusPlus(None);
                }
            },
            SlowStartExit::PlusPlus(_) => {}
        }
        if !ack.cwnd_limited {
            // RFC 9438 §5.8 (Linux's `cubictcp_cong_avoid`): no growth
            // while the window does not limit the sender; HyStart above
            // still samples, as Linux's `pkts_acked` does.
            return None;
        }
        if self.cwnd >= self.ssthresh {
            return Some(acked_seg);
        }
        let limit = f64::from(ack.slow_start_limit) / self.smss;
        if limit <= 1.0 {
            // RFC 5681 equation (2), which RFC 9438 §4.10 keeps.
            self.cwnd += acked_seg.min(1.0);
            return None;
        }
        // Linux's `tcp_slow_start` (a window counted in segments):
        // everything acknowledged, up to ssthresh; the rest goes to
        // congestion avoidance.
        let grown = acked_seg.min(limit).min(self.ssthresh - self.cwnd);
        self.cwnd += grown;
        let left = acked_seg - grown;
        (left > 0.0).then_some(left)
    }

    fn reduce(&mut self, smss: u32) {
        self.no_loss_yet = false;
        self.smss = f64::from(smss.max(1));
        // RFC 9438 §4.7 fast convergence: release bandwidth to new flows.
        self.w_max = if self.cwnd < self.w_max {
            self.cwnd * (1.0 + BETA) / 2.0
        } else {
            self.cwnd
        };
        self.ssthresh = (self.cwnd * BETA).max(2.0);
        self.epoch = None;
        if let SlowStartExit::PlusPlus(h) = &mut self.exit {
            // RFC 9406 §4.2: a loss ends HyStart++ for good.
            *h = None;
        }
    }

    fn bytes(&self, segments: f64) -> u32 {
        (segments * self.smss).clamp(self.smss, f64::from(u32::MAX)) as u32
    }
}

impl CongestionControl for Cubic {
    fn name(&self) -> &'static str {
        "cubic"
    }
    fn cwnd(&self) -> u32 {
        self.bytes(self.cwnd)
    }
    fn ssthresh(&self) -> u32 {
        self.bytes(self.ssthresh)
    }

    fn on_ack(&mut self, ack: &AckInfo) {
        let (now, srtt) = (ack.now, ack.srtt);
        self.smss = f64::from(ack.smss.max(1));
        let acked_seg = f64::from(ack.acked) / self.smss;
        let Some(acked_seg) = self.slow_start(ack, acked_seg) else {
            return;
        };
        let epoch = *self.epoch.get_or_insert_with(|| {
            // A new epoch: K from the distance to W_max (§4.2).
            self.k = if self.cwnd < self.w_max {
                libm::cbrt((self.w_max - self.cwnd) / C)
            } else {
                self.w_max = self.cwnd;
                0.0
            };
            self.w_est = self.cwnd;
            now
        });
        let t = now.saturating_since(epoch).as_nanos() as f64 / 1e9;
        let rtt = srtt.map_or(0.1, |d| d.as_nanos() as f64 / 1e9);
        // §4.2: W_cubic(t + RTT), the target one RTT ahead, kept within
        // [cwnd, 1.5 cwnd] (§4.4, §4.5).
        let dt = t + rtt - self.k;
        let target = (C * dt * dt * dt + self.w_max).clamp(self.cwnd, 1.5 * self.cwnd);
        // §4.3: the Reno-friendly estimate.
        self.w_est += ALPHA * acked_seg / self.cwnd;
        let mut cubic_increase = (target - self.cwnd) / self.cwnd * acked_seg;
        if self.no_loss_yet && matches!(self.exit, SlowStartExit::Linux(_)) {
            // Linux's `bictcp_update` with HyStart: while no loss has
            // measured W_max ("the available bandwidth is still unknown"),
            // at least one segment per 20 acknowledged, 5 % a round trip.
            // RFC 9438 §4.10 only sets W_max = cwnd and K = 0.
            cubic_increase = cubic_increase.max(acked_seg / LINUX_CNT_CLAMP);
        }
        if self.w_est > self.cwnd + cubic_increase {
            self.cwnd = self.w_est;
        } else {
            self.cwnd += cubic_increase;
        }
    }

    fn on_fast_retransmit(&mut self, _flight_size: u32, smss: u32) {
        self.reduce(smss);
        // Fast recovery as RFC 5681 inflates it, from the reduced window.
        self.cwnd = self.ssthresh + 3.0;
    }

    fn on_dup_ack_in_recovery(&mut self, _smss: u32) {
        self.cwnd += 1.0;
    }

    fn on_partial_ack(&mut self, acked: u32, smss: u32) {
        let s = f64::from(smss.max(1));
        let acked_seg = f64::from(acked) / s;
        self.cwnd = (self.cwnd - acked_seg + if acked_seg >= 1.0 { 1.0 } else { 0.0 }).max(1.0);
    }

    fn on_recovery_end(&mut self, _flight_size: u32, _smss: u32) {
        self.cwnd = self.ssthresh;
    }

    fn set_cwnd(&mut self, cwnd: u32, _smss: u32) {
        self.cwnd = (f64::from(cwnd) / self.smss).max(1.0);
    }

    /// Only the window and threshold: Linux's CUBIC has nothing for
    /// `CA_EVENT_CWND_RESTART`.
    fn on_idle_restart(&mut self, cwnd: u32, ssthresh: u32, _smss: u32) {
        self.cwnd = (f64::from(cwnd) / self.smss).max(1.0);
        self.ssthresh = f64::from(ssthresh) / self.smss;
    }

    /// The time the sender had nothing to send does not count on the
    /// cubic curve: the epoch moves forward by it, never past now, as
    /// Linux's `bictcp_cwnd_event` does (RFC 9438 §5.8 leaves an
    /// application-limited period's growth to the implementation).
    fn on_tx_start(&mut self, now: SimTime, idle: SimDuration) {
        if let Some(e) = self.epoch.as_mut() {
            *e = (*e + idle).min(now);
        }
    }

    fn on_timeout(&mut self, _flight_size: u32, smss: u32, first: bool) {
        if first {
            self.reduce(smss);
        }
        self.cwnd = 1.0;
        self.epoch = None;
        if let SlowStartExit::Linux(h) = &mut self.exit {
            // Linux's `cubictcp_state` on entering Loss.
            h.rearm();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSS: u32 = 1000;

    fn ms(n: u64) -> SimTime {
        SimTime(n * 1_000_000)
    }

    fn ack(now: SimTime, srtt: Option<SimDuration>) -> AckInfo {
        AckInfo {
            now,
            acked: MSS,
            smss: MSS,
            slow_start_limit: MSS,
            srtt,
            rtt: srtt,
            snd_una: 0,
            snd_nxt: 0,
            cwnd_limited: true,
        }
    }

    #[test]
    fn a_loss_cuts_the_window_by_beta() {
        let mut c = Cubic::new(100 * MSS, MSS, HyStart::Off);
        c.ssthresh = 50.0; // in congestion avoidance
        c.on_fast_retransmit(100 * MSS, MSS);
        c.on_recovery_end(0, MSS);
        assert_eq!(c.cwnd(), 70 * MSS);
        assert_eq!(c.ssthresh(), 70 * MSS);
    }

    #[test]
    fn the_window_returns_to_w_max_after_k_seconds_then_grows_beyond() {
        let mut c = Cubic::new(100 * MSS, MSS, HyStart::Off);
        c.ssthresh = 50.0;
        c.on_fast_retransmit(100 * MSS, MSS);
        c.on_recovery_end(0, MSS);
        // K = cbrt((100 - 70) / 0.4) = cbrt(75) = 4.217 s.
        let rtt = Some(SimDuration::from_millis(100));
        let mut t = 0;
        let mut at_k = 0;
        while t < 8_000 {
            // One window of ACKs per RTT.
            let acks = c.cwnd / 1.0;
            for _ in 0..(acks as u32) {
                c.on_ack(&ack(ms(t), rtt));
            }
            t += 100;
            if t == 4_200 {
                at_k = c.cwnd();
            }
        }
        assert!(
            (95 * MSS..=105 * MSS).contains(&at_k),
            "near W_max at K: {at_k}"
        );
        // Convex growth beyond W_max, on the curve: W_cubic(8.1 s) =
        // 0.4 (8.1 - 4.217)^3 + 100 = 123.4 segments; the window trails the
        // target one RTT ahead by a little.
        let w = f64::from(c.cwnd()) / f64::from(MSS);
        assert!(
            (117.0..=124.0).contains(&w),
            "on the cubic curve at 8 s: {w}"
        );
        assert!(c.k > 4.2 && c.k < 4.22, "K = {}", c.k);
    }

    #[test]
    fn time_with_nothing_to_send_does_not_count_on_the_curve() {
        let rtt = Some(SimDuration::from_millis(100));
        let mut busy = Cubic::new(100 * MSS, MSS, HyStart::Off);
        let mut idle = Cubic::new(100 * MSS, MSS, HyStart::Off);
        for c in [&mut busy, &mut idle] {
            c.ssthresh = 50.0;
            c.on_fast_retransmit(100 * MSS, MSS);
            c.on_recovery_end(0, MSS);
            c.on_ack(&ack(ms(0), rtt)); // the epoch starts at 0
        }
        // Both resume at 3 s; one had nothing to send from 1 s.
        idle.on_tx_start(ms(3_000), SimDuration::from_millis(2_000));
        for c in [&mut busy, &mut idle] {
            c.on_ack(&ack(ms(3_000), rtt));
        }
        // The busy one's target is W_cubic(3.1 s), the idle one's
        // W_cubic(1.1 s): further below W_max, so it grows less.
        assert!(idle.cwnd() < busy.cwnd(), "{} {}", idle.cwnd(), busy.cwnd());
        assert_eq!(idle.epoch, Some(ms(2_000)));
        // Never past now.
        idle.on_tx_start(ms(3_000), SimDuration::from_secs(60));
        assert_eq!(idle.epoch, Some(ms(3_000)));
    }

    #[test]
    fn after_a_lossless_exit_linux_grows_5_percent_a_round_trip_until_a_loss() {
        // Slow start ended without a loss at 100 segments (ssthresh = cwnd).
        let mut rfc = Cubic::new(100 * MSS, MSS, HyStart::Off);
        let mut linux = Cubic::new(100 * MSS, MSS, HyStart::Linux);
        for c in [&mut rfc, &mut linux] {
            c.ssthresh = 100.0;
        }
        let rtt = Some(SimDuration::from_millis(100));
        // One round trip of 100 ACKs at t = 0: RFC 9438 §4.10 (W_max =
        // cwnd, K = 0) adds about ALPHA = 0.53 segments from the
        // Reno-friendly estimate; Linux at least 100 / 20 = 5.
        for c in [&mut rfc, &mut linux] {
            for _ in 0..100 {
                c.on_ack(&ack(ms(0), rtt));
            }
        }
        assert_eq!(rfc.cwnd() / MSS, 100);
        assert!((linux.cwnd - 105.0).abs() < 1e-9, "{}", linux.cwnd);
        // After a loss W_max is known and the clamp is gone: from the same
        // reduction both grow alike.
        for c in [&mut rfc, &mut linux] {
            c.cwnd = 105.0;
            c.on_fast_retransmit(105 * MSS, MSS);
            c.on_recovery_end(0, MSS);
            for i in 0..500 {
                c.on_ack(&ack(ms(1000 + i), rtt));
            }
        }
        assert_eq!(rfc.cwnd, linux.cwnd);
    }

    /// ACKs of one round trip at `t` ms: `n` ACKs 5 ms apart (no train)
    /// with this RTT, SND.UNA from `una`.
    fn round(c: &mut Cubic, t: u64, una: u64, n: u64, rtt_ms: u64) {
        for i in 0..n {
            c.on_ack(&AckInfo {
                now: ms(t + 5 * i),
                acked: MSS,
                smss: MSS,
                slow_start_limit: MSS,
                srtt: Some(SimDuration::from_millis(rtt_ms)),
                rtt: Some(SimDuration::from_millis(rtt_ms)),
                snd_una: una + u64::from(MSS) * i,
                snd_nxt: una + u64::from(MSS) * (2 * n + 10),
                cwnd_limited: true,
            });
        }
    }

    #[test]
    fn hystart_ends_slow_start_once_and_a_timeout_rearms_it() {
        let mut c = Cubic::new(20 * MSS, MSS, HyStart::Linux);
        round(&mut c, 0, 0, 20, 40);
        assert_eq!(c.hystart_found(), None);
        // The next round's RTT rose by 10 ms (> 40 / 8 = 5, within [4, 16]).
        round(&mut c, 200, 100_000, 20, 50);
        assert_eq!(c.hystart_found(), Some(hystart::Found::Delay));
        // Round one grew cwnd to 40; round two's first 8 ACKs only
        // gather samples (48), and the 9th finds the rise.
        let exit = c.ssthresh();
        assert_eq!(exit, 48 * MSS);
        // A timeout: slow start again, towards 0.7 of that window, and
        // HyStart may end it early once more.
        c.on_timeout(exit, MSS, true);
        assert_eq!(c.hystart_found(), None);
        assert_eq!(c.cwnd(), MSS);
        // With HyStart off, the same rounds leave slow start alone.
        let mut off = Cubic::new(20 * MSS, MSS, HyStart::Off);
        round(&mut off, 0, 0, 20, 40);
        round(&mut off, 200, 100_000, 20, 50);
        assert_eq!(off.cwnd(), 60 * MSS);
        assert!(off.ssthresh() > 1 << 30);
    }

    #[test]
    fn hystart_pp_css_grows_a_quarter_as_fast() {
        let mut c = Cubic::new(20 * MSS, MSS, HyStart::PlusPlus);
        round(&mut c, 0, 0, 20, 40);
        round(&mut c, 200, 100_000, 20, 50);
        assert!(c.in_css());
        // 8 ACKs of slow start (+1 each), then 12 in CSS (+1/4 each), on
        // top of round one's 20.
        assert_eq!(c.cwnd(), (20 + 20 + 8 + 3) * MSS);
        assert!(c.ssthresh() > 1 << 30, "still slow start, conservatively");
        // A loss ends HyStart++ for good.
        c.on_fast_retransmit(c.cwnd(), MSS);
        assert!(!c.in_css());
    }

    #[test]
    fn fast_convergence_lowers_w_max_when_losses_come_sooner() {
        let mut c = Cubic::new(100 * MSS, MSS, HyStart::Off);
        c.ssthresh = 50.0;
        c.on_fast_retransmit(100 * MSS, MSS);
        c.on_recovery_end(0, MSS);
        c.on_fast_retransmit(70 * MSS, MSS);
        assert!((c.w_max - 70.0 * 1.7 / 2.0).abs() < 1e-9);
    }
}
