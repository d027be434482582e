//! Leaving slow start before the first loss: Linux's HyStart (as its
//! `tcp_cubic.c` runs it) and HyStart++ (RFC 9406).
//!
//! Both watch the ACKs of each round trip ("round": from an ACK that
//! covers the end of the previous round to the one that covers what was
//! sent when it began). Linux's HyStart ends slow start when the ACKs of a
//! round keep arriving close together for longer than half the minimum
//! RTT (the ACK train: the window already spans half the path), or when
//! the smallest RTT of a round's first eight samples has grown by a
//! clamped eighth of the minimum (a queue is building). HyStart++ uses the
//! delay rule only, between the minimum RTTs of consecutive rounds, and
//! then grows at a quarter of the rate for a few rounds (Conservative Slow
//! Start) in case the rise was jitter.

use sim_core::{SimDuration, SimTime};

use super::AckInfo;

/// Linux: HyStart acts only from a window of 16 segments
/// (`hystart_low_window`).
pub const LOW_WINDOW: f64 = 16.0;
/// Linux: ACKs at most 2 ms apart belong to one train
/// (`hystart_ack_delta_us`).
const ACK_DELTA: SimDuration = SimDuration::from_millis(2);
/// Linux: RTT samples taken at the start of a round before the delay rule
/// applies (`HYSTART_MIN_SAMPLES`).
const MIN_SAMPLES: u32 = 8;
/// Linux: the delay rule's threshold, an eighth of the minimum RTT clamped
/// to [4 ms, 16 ms] (`HYSTART_DELAY_MIN`, `HYSTART_DELAY_MAX`).
const DELAY_MIN: SimDuration = SimDuration::from_millis(4);
const DELAY_MAX: SimDuration = SimDuration::from_millis(16);
/// Linux's cushion for ACKs that TSO and GRO delay: the time to send four
/// 64 KB GSO packets at the pacing rate, at most 1 ms
/// (`hystart_ack_delay`).
const GSO_MAX_SIZE: u64 = 65_536;
const ACK_DELAY_CAP: SimDuration = SimDuration::from_millis(1);

/// Which rule ended slow start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    /// The ACK train of a round grew longer than half the minimum RTT.
    AckTrain,
    /// A round's RTT rose above the minimum by the clamped threshold.
    Delay,
}

/// Linux's HyStart state (`struct bictcp`'s HyStart fields).
#[derive(Clone, Debug, Default)]
pub struct LinuxHyStart {
    /// Slow start's exit was found; nothing more until a timeout re-arms.
    found: Option<Found>,
    /// The smallest RTT seen (`delay_min`).
    delay_min: Option<SimDuration>,
    /// The round ends once SND.UNA passes this index (`end_seq`); none
    /// before the first round.
    end_seq: Option<u64>,
    /// When the round began (`round_start`).
    round_start: SimTime,
    /// The last ACK of the current train (`last_ack`).
    last_ack: SimTime,
    /// The smallest RTT of this round so far (`curr_rtt`).
    curr_rtt: Option<SimDuration>,
    /// Samples taken this round, up to [`MIN_SAMPLES`] (`sample_cnt`).
    sample_cnt: u32,
}

impl LinuxHyStart {
    /// Armed, before any round.
    pub fn new() -> Self {
        Self::default()
    }

    /// Which rule ended slow start, if one did since the last re-arm.
    pub fn found(&self) -> Option<Found> {
        self.found
    }

    /// The smallest RTT seen since the last re-arm.
    pub fn delay_min(&self) -> Option<SimDuration> {
        self.delay_min
    }

    /// A retransmission timeout: Linux resets CUBIC and HyStart on entering
    /// its Loss state, so the slow start that follows may end early again.
    pub fn rearm(&mut self) {
        *self = Self::default();
    }

    /// One ACK with `cwnd` (segments) before its increase; `slow_start`
    /// when cwnd < ssthresh, `settling` within a second of the start of a
    /// congestion-avoidance epoch (Linux discards those samples, taken
    /// right after recovery). Returns the rule that says slow start ends
    /// now (the caller sets ssthresh = cwnd).
    pub fn on_ack(
        &mut self,
        ack: &AckInfo,
        cwnd: f64,
        slow_start: bool,
        settling: bool,
    ) -> Option<Found> {
        // Linux's `cubictcp_acked`: only ACKs that measured an RTT count.
        let delay = ack.rtt?.max(SimDuration(1));
        if settling {
            return None;
        }
        self.delay_min = Some(self.delay_min.map_or(delay, |m| m.min(delay)));
        if self.found.is_some() || !slow_start {
            return None;
        }
        self.update(ack, cwnd, delay)
    }

    /// Linux's `hystart_update`.
    fn update(&mut self, ack: &AckInfo, cwnd: f64, delay: SimDuration) -> Option<Found> {
        let now = ack.now;
        if self.end_seq.is_none_or(|end| ack.snd_una > end) {
            // A new round begins at this ACK and ends with what is sent now.
            self.round_start = now;
            self.last_ack = now;
            self.end_seq = Some(ack.snd_nxt);
            self.curr_rtt = None;
            self.sample_cnt = 0;
        }
        if cwnd < LOW_WINDOW {
            return None;
        }
        let delay_min = self.delay_min.unwrap_or(delay);
        // ACK train: while ACKs come at most 2 ms apart, the train is as
        // long as the time since the round began. Longer than half the
        // minimum RTT (plus the GSO cushion; Linux halves it when not
        // pacing, as here): the window already fills the path.
        if now.saturating_since(self.last_ack) <= ACK_DELTA {
            self.last_ack = now;
            let threshold = SimDuration((delay_min + ack_delay(ack, cwnd)).as_nanos() / 2);
            if now.saturating_since(self.round_start) > threshold {
                self.found = Some(Found::AckTrain);
                return self.found;
            }
        }
        // Delay increase: the smallest RTT of the round, once 8 samples are
        // in, above the minimum by an eighth of it clamped to [4, 16] ms.
        self.curr_rtt = Some(self.curr_rtt.map_or(delay, |c| c.min(delay)));
        if self.sample_cnt < MIN_SAMPLES {
            self.sample_cnt += 1;
        } else {
            let eighth = SimDuration(delay_min.as_nanos() / 8);
            let threshold = eighth.clamp(DELAY_MIN, DELAY_MAX);
            if self.curr_rtt.is_some_and(|c| c > delay_min + threshold) {
                self.found = Some(Found::Delay);
                return self.found;
            }
        }
        None
    }
}

/// Linux's `hystart_ack_delay`: four GSO packets' time at the pacing rate
/// (twice cwnd per SRTT in slow start), at most 1 ms; none before an SRTT.
fn ack_delay(ack: &AckInfo, cwnd: f64) -> SimDuration {
    let Some(srtt) = ack.srtt else {
        return SimDuration::ZERO;
    };
    let window = (cwnd * f64::from(ack.smss)) as u64;
    if window == 0 {
        return SimDuration::ZERO;
    }
    // 4 GSO / (2 window / srtt) = 2 GSO srtt / window.
    let t = u128::from(2 * GSO_MAX_SIZE) * u128::from(srtt.as_nanos()) / u128::from(window);
    SimDuration(t.min(u128::from(ACK_DELAY_CAP.as_nanos())) as u64)
}

/// RFC 9406 §4.3: MIN_RTT_THRESH, MAX_RTT_THRESH, MIN_RTT_DIVISOR.
const PP_MIN_RTT_THRESH: SimDuration = SimDuration::from_millis(4);
const PP_MAX_RTT_THRESH: SimDuration = SimDuration::from_millis(16);
const PP_MIN_RTT_DIVISOR: u64 = 8;
/// RFC 9406 §4.3: N_RTT_SAMPLE, the samples a round needs before its
/// minimum is trusted.
const PP_N_RTT_SAMPLE: u32 = 8;
/// RFC 9406 §4.3: CSS grows cwnd at a quarter of slow start's rate
/// (CSS_GROWTH_DIVISOR) for at most five rounds (CSS_ROUNDS).
pub const CSS_GROWTH_DIVISOR: u32 = 4;
pub const CSS_ROUNDS: u32 = 5;
/// RFC 9406 §4.2: without pacing cwnd grows by at most L = 8 SMSS per ACK.
pub const PP_L: u32 = 8;

/// What HyStart++ makes of one ACK in the initial slow start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Grow by min(N, L SMSS) divided by this: 1 in slow start, 4 in CSS.
    Grow(u32),
    /// CSS_ROUNDS rounds of CSS are over: ssthresh = cwnd, congestion
    /// avoidance (RFC 9406 §4.2).
    Exit,
}

/// Conservative Slow Start: the RTT that sent us there and the rounds
/// begun in it (the partial round of entry counts, RFC 9406 §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Css {
    baseline: SimDuration,
    rounds: u32,
}

/// HyStart++ state (RFC 9406 §4.2's variables).
#[derive(Clone, Debug, Default)]
pub struct HyStartPlusPlus {
    /// windowEnd: the round ends when SND.UNA reaches it.
    window_end: Option<u64>,
    /// lastRoundMinRTT, currentRoundMinRTT (none: infinity).
    last_round_min_rtt: Option<SimDuration>,
    current_round_min_rtt: Option<SimDuration>,
    /// rttSampleCount.
    rtt_sample_count: u32,
    /// In CSS (cssBaselineMinRtt and the rounds so far), or in slow start.
    css: Option<Css>,
    /// Times CSS was entered (a spurious entry returns to slow start).
    css_entries: u32,
}

impl HyStartPlusPlus {
    /// Before the first round.
    pub fn new() -> Self {
        Self::default()
    }

    /// In Conservative Slow Start.
    pub fn in_css(&self) -> bool {
        self.css.is_some()
    }

    /// Times CSS was entered (a spurious entry returns to slow start).
    pub fn css_entries(&self) -> u32 {
        self.css_entries
    }

    /// One ACK of new data during the initial slow start (RFC 9406 §4.2).
    pub fn on_ack(&mut self, ack: &AckInfo) -> Step {
        if self.window_end.is_none_or(|end| ack.snd_una >= end) {
            // A round ends when windowEnd is acknowledged; CSS ends after
            // CSS_ROUNDS of them.
            if let Some(css) = &mut self.css {
                if css.rounds >= CSS_ROUNDS {
                    return Step::Exit;
                }
                css.rounds += 1;
            }
            self.last_round_min_rtt = self.current_round_min_rtt;
            self.current_round_min_rtt = None;
            self.rtt_sample_count = 0;
            self.window_end = Some(ack.snd_nxt);
        }
        let step = Step::Grow(if self.css.is_some() {
            CSS_GROWTH_DIVISOR
        } else {
            1
        });
        let Some(rtt) = ack.rtt else {
            return step;
        };
        let current = self.current_round_min_rtt.map_or(rtt, |m| m.min(rtt));
        self.current_round_min_rtt = Some(current);
        self.rtt_sample_count += 1;
        if self.rtt_sample_count < PP_N_RTT_SAMPLE {
            return step;
        }
        match self.css {
            None => {
                if let Some(last) = self.last_round_min_rtt {
                    let thresh = SimDuration(last.as_nanos() / PP_MIN_RTT_DIVISOR)
                        .clamp(PP_MIN_RTT_THRESH, PP_MAX_RTT_THRESH);
                    if current >= last + thresh {
                        // The delay rose: Conservative Slow Start, this
                        // partial round its first.
                        self.css = Some(Css {
                            baseline: current,
                            rounds: 1,
                        });
                        self.css_entries += 1;
                    }
                }
            }
            Some(css) => {
                if current < css.baseline {
                    // The rise was spurious: back to slow start.
                    self.css = None;
                }
            }
        }
        step
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSS: u32 = 1000;

    fn ms(n: u64) -> SimTime {
        SimTime(n * 1_000_000)
    }

    fn ack(now_us: u64, snd_una: u64, snd_nxt: u64, rtt_us: u64) -> AckInfo {
        AckInfo {
            now: SimTime(now_us * 1000),
            acked: MSS,
            smss: MSS,
            slow_start_limit: MSS,
            srtt: Some(SimDuration::from_millis(100)),
            rtt: Some(SimDuration(rtt_us * 1000)),
            snd_una,
            snd_nxt,
            cwnd_limited: true,
        }
    }

    #[test]
    fn an_ack_train_longer_than_half_the_min_rtt_ends_slow_start() {
        let mut h = LinuxHyStart::new();
        // Round 1 begins at t = 100 ms with the window's end at 32 000;
        // ACKs come every 1 ms (within the 2 ms of a train), RTT 40 ms.
        // Threshold: (40 ms + 1 ms cushion) / 2 = 20.5 ms after the start.
        let mut una = 1000;
        let mut last = None;
        for i in 0..30u64 {
            let a = ack(100_000 + i * 1000, una, 32_000, 40_000);
            let r = h.on_ack(&a, 20.0, true, false);
            if r.is_some() {
                last = Some((i, r));
                break;
            }
            una += 1000;
        }
        assert_eq!(last, Some((21, Some(Found::AckTrain))), "21 ms > 20.5 ms");
        assert_eq!(h.delay_min(), Some(SimDuration::from_millis(40)));
        // Found: quiet until re-armed.
        assert_eq!(
            h.on_ack(&ack(200_000, 33_000, 64_000, 90_000), 20.0, true, false),
            None
        );
    }

    #[test]
    fn a_gap_between_acks_breaks_the_train() {
        let mut h = LinuxHyStart::new();
        // ACKs 3 ms apart never form a train, and the RTT does not rise.
        let mut una = 1000;
        for i in 0..30u64 {
            let a = ack(100_000 + i * 3000, una, 100_000, 40_000);
            assert_eq!(h.on_ack(&a, 20.0, true, false), None);
            una += 1000;
        }
    }

    #[test]
    fn below_the_low_window_nothing_is_found() {
        let mut h = LinuxHyStart::new();
        let mut una = 1000;
        for i in 0..40u64 {
            let a = ack(100_000 + i * 1000, una, 100_000, 40_000 + i * 2000);
            assert_eq!(h.on_ack(&a, 15.0, true, false), None);
            una += 1000;
        }
    }

    #[test]
    fn a_delay_rise_after_eight_samples_ends_slow_start() {
        let mut h = LinuxHyStart::new();
        // Round 1 (ACKs 5 ms apart: no train) sets delay_min = 40 ms.
        h.on_ack(&ack(0, 1000, 10_000, 40_000), 20.0, true, false);
        // Round 2: every sample 44 ms. Threshold: 40/8 = 5 ms, within
        // [4, 16]: 44 is not above 45.
        for i in 0..12u64 {
            let a = ack(50_000 + i * 5000, 11_000 + i * 1000, 40_000, 44_000);
            assert_eq!(h.on_ack(&a, 20.0, true, false), None);
        }
        // Round 3: 46 ms. The first 8 samples only gather; the 9th acts.
        let mut found_at = None;
        for i in 0..12u64 {
            let a = ack(200_000 + i * 5000, 41_000 + i * 1000, 80_000, 46_000);
            if h.on_ack(&a, 20.0, true, false) == Some(Found::Delay) {
                found_at = Some(i);
                break;
            }
        }
        assert_eq!(found_at, Some(8));
    }

    #[test]
    fn the_delay_threshold_is_clamped_to_4_and_16_ms() {
        // delay_min 200 ms: an eighth is 25 ms, clamped to 16 ms; 217 ms
        // (above 216) ends slow start, 216 ms does not.
        for (rtt, found) in [(216_000, None), (217_000, Some(Found::Delay))] {
            let mut h = LinuxHyStart::new();
            h.on_ack(&ack(0, 1000, 10_000, 200_000), 20.0, true, false);
            let mut got = None;
            for i in 0..10u64 {
                let a = ack(300_000 + i * 5000, 11_000 + i * 1000, 80_000, rtt);
                got = got.or(h.on_ack(&a, 20.0, true, false));
            }
            assert_eq!(got, found, "rtt {rtt}");
        }
        // delay_min 10 ms: an eighth is 1.25 ms, raised to 4 ms.
        let mut h = LinuxHyStart::new();
        h.on_ack(&ack(0, 1000, 10_000, 10_000), 20.0, true, false);
        let mut got = None;
        for i in 0..10u64 {
            let a = ack(300_000 + i * 5000, 11_000 + i * 1000, 80_000, 13_900);
            got = got.or(h.on_ack(&a, 20.0, true, false));
        }
        assert_eq!(got, None, "13.9 ms is within 10 + 4");
    }

    #[test]
    fn samples_just_after_recovery_and_acks_without_rtt_are_ignored() {
        let mut h = LinuxHyStart::new();
        h.on_ack(&ack(0, 1000, 10_000, 50_000), 20.0, false, true);
        assert_eq!(h.delay_min(), None);
        let mut a = ack(0, 1000, 10_000, 50_000);
        a.rtt = None;
        h.on_ack(&a, 20.0, true, false);
        assert_eq!(h.delay_min(), None);
        h.on_ack(&ack(0, 1000, 10_000, 50_000), 20.0, false, false);
        assert_eq!(h.delay_min(), Some(SimDuration::from_millis(50)));
    }

    #[test]
    fn the_gso_cushion_is_capped_at_1_ms() {
        let a = ack(0, 0, 0, 0);
        // 2 x 65536 x 100 ms / 20 000 bytes = 655 ms, capped.
        assert_eq!(ack_delay(&a, 20.0), ACK_DELAY_CAP);
        // A 1 ms SRTT and a 1 MB window: 131 us.
        let mut a = a;
        a.srtt = Some(SimDuration::from_millis(1));
        assert_eq!(ack_delay(&a, 1000.0), SimDuration(131_072));
    }

    /// Feeds HyStart++ one round of `n` ACKs with this RTT; returns the
    /// steps.
    fn pp_round(h: &mut HyStartPlusPlus, round: u64, n: u64, rtt_ms: u64) -> Vec<Step> {
        (0..n)
            .map(|i| {
                let una = round * 100_000 + i * 1000;
                let mut a = ack(0, una, (round + 1) * 100_000, 0);
                a.now = ms(round * 100 + i);
                a.rtt = Some(SimDuration::from_millis(rtt_ms));
                h.on_ack(&a)
            })
            .collect()
    }

    #[test]
    fn hystart_pp_enters_css_on_a_delay_rise_and_leaves_after_css_rounds() {
        let mut h = HyStartPlusPlus::new();
        assert!(
            pp_round(&mut h, 1, 10, 40)
                .iter()
                .all(|s| *s == Step::Grow(1))
        );
        // Threshold max(4, min(40 / 8, 16)) = 5 ms: 44 ms stays in slow start.
        assert!(
            pp_round(&mut h, 2, 10, 44)
                .iter()
                .all(|s| *s == Step::Grow(1))
        );
        // 50 ms >= 44 + 5.5: CSS from the 8th sample of round 3.
        let r3 = pp_round(&mut h, 3, 10, 50);
        assert_eq!(r3[..8], [Step::Grow(1); 8]);
        assert_eq!(r3[8..], [Step::Grow(CSS_GROWTH_DIVISOR); 2]);
        assert!(h.in_css());
        // Rounds 4 to 7 grow at a quarter; round 3 was CSS's first, so the
        // start of round 8 ends it.
        for round in 4..8 {
            let steps = pp_round(&mut h, round, 10, 50);
            assert!(steps.iter().all(|s| *s == Step::Grow(CSS_GROWTH_DIVISOR)));
        }
        assert_eq!(pp_round(&mut h, 8, 1, 50), [Step::Exit]);
    }

    #[test]
    fn hystart_pp_returns_to_slow_start_when_the_rtt_falls_below_the_baseline() {
        let mut h = HyStartPlusPlus::new();
        pp_round(&mut h, 1, 10, 40);
        pp_round(&mut h, 2, 10, 50);
        assert!(h.in_css());
        // A round whose minimum (45 ms) is under the 50 ms baseline.
        let steps = pp_round(&mut h, 3, 10, 45);
        assert!(!h.in_css());
        assert_eq!(steps[9], Step::Grow(1));
        assert_eq!(h.css_entries(), 1);
    }
}
