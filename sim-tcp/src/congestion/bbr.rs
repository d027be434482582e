//! BBR version 1 (draft-cardwell-iccrg-bbr-congestion-control-00, as
//! Linux's `tcp_bbr.c` before BBRv2): a model of the path, its bottleneck
//! bandwidth (the largest delivery rate of the last 10 rounds) and its
//! round-trip propagation time (the smallest RTT of the last 10 s), sets a
//! pacing rate and a window; losses and delay growth do not.
//!
//! Modes (the draft's "State Machine"): STARTUP paces at 2/ln 2 of the
//! estimate until three rounds in a row fail to raise it by a quarter (the
//! pipe is full); DRAIN paces at the inverse gain until what is in flight
//! fits one BDP; PROBE_BW then cycles its pacing gain through 1.25, 0.75
//! and six rounds of 1; PROBE_RTT, when the minimum RTT is 10 s old, holds
//! the window at 4 segments for 200 ms and a round so the queue empties
//! and the minimum can be measured again.
//!
//! Sizes are bytes (Linux counts packets): the window is a whole number of
//! SMSS. Not modelled: the long-term (policer) bandwidth estimate
//! (`lt_bw`), the ACK-aggregation allowance of later kernels
//! (`extra_acked`), the restart after idle, and the delayed-ACK test on
//! min-RTT samples (`is_ack_delayed`). In fast recovery the connection's
//! PRR decides what is sent, as for every algorithm; Linux's BBR replaces
//! PRR with its own packet conservation.

use sim_core::{SimDuration, SimTime};

use super::{AckInfo, CongestionControl, RateInfo};

/// Gains are in 1/256 (Linux's `BBR_UNIT`).
const UNIT: u64 = 256;
/// 2/ln 2, the smallest gain that doubles the delivery rate every round
/// (the draft's "Startup"; Linux's `bbr_high_gain`).
const HIGH_GAIN: u64 = UNIT * 2885 / 1000 + 1;
/// Its inverse, to drain the queue STARTUP built in one round ("Drain").
const DRAIN_GAIN: u64 = UNIT * 1000 / 2885;
/// PROBE_BW's window gain: room for ACKs that come late or in bursts.
const CWND_GAIN: u64 = UNIT * 2;
/// PROBE_BW's pacing gains ("ProbeBW"): probe up, drain what the probe
/// queued, cruise.
const CYCLE: [u64; 8] = [
    UNIT * 5 / 4,
    UNIT * 3 / 4,
    UNIT,
    UNIT,
    UNIT,
    UNIT,
    UNIT,
    UNIT,
];
/// The bandwidth filter's window, in rounds (Linux's `bbr_bw_rtts`).
const BW_ROUNDS: u64 = CYCLE.len() as u64 + 2;
/// The min-RTT filter's window (Linux's `bbr_min_rtt_win_sec`).
const MIN_RTT_WINDOW: SimDuration = SimDuration::from_secs(10);
/// How long PROBE_RTT holds the window down (`bbr_probe_rtt_mode_ms`).
const PROBE_RTT_TIME: SimDuration = SimDuration::from_millis(200);
/// The smallest window, segments (`bbr_cwnd_min_target`): enough for
/// delayed ACKs to keep the ACK clock going.
const MIN_CWND_SEGS: u64 = 4;
/// Full-pipe detection: growth under 25 % for three rounds (the draft's
/// "Startup").
const FULL_BW_THRESH: u64 = UNIT * 5 / 4;
const FULL_BW_ROUNDS: u32 = 3;
/// The window before the minimum RTT is known, segments (Linux's
/// `TCP_INIT_CWND`).
const INIT_CWND_SEGS: u64 = 10;
/// Pacing 1 % under the estimate keeps the queue from building
/// (`bbr_pacing_margin_percent`).
const PACING_MARGIN_PCT: u64 = 1;

/// Which mode BBR is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BbrMode {
    Startup,
    Drain,
    ProbeBw,
    ProbeRtt,
}

/// BBR's state.
#[derive(Clone, Debug)]
pub struct Bbr {
    mode: BbrMode,
    cwnd: u64,
    /// What STARTUP's BDP said when DRAIN began (Linux sets `snd_ssthresh`
    /// there); unbounded before.
    ssthresh: u64,
    smss: u64,
    /// Bytes per second.
    pacing_rate: u64,
    has_seen_rtt: bool,
    pacing_gain: u64,
    cwnd_gain: u64,
    /// Max filter: (round, bytes per second), rounds increasing and rates
    /// decreasing, so the front is the largest of the window.
    bw: std::collections::VecDeque<(u64, u64)>,
    rounds: u64,
    next_round_delivered: u64,
    round_start: bool,
    min_rtt: Option<SimDuration>,
    min_rtt_stamp: Option<SimTime>,
    full_bw: u64,
    full_bw_count: u32,
    full_bw_reached: bool,
    cycle_index: usize,
    cycle_stamp: SimTime,
    /// Where PROBE_BW's cycle starts, from the connection (Linux draws it at
    /// random; a simulation must not draw behind the scenario's back).
    cycle_seed: u64,
    probe_rtt_done: Option<SimTime>,
    probe_rtt_round_done: bool,
    prior_cwnd: u64,
    /// Fast recovery or RTO recovery as of the last ACK (Linux's
    /// `prev_ca_state`).
    was_recovering: bool,
    /// The first round of fast recovery: packet conservation.
    conservation: bool,
}

impl Bbr {
    /// A BBR sender with `initial_window` bytes of window and `seed`
    /// choosing where the gain cycle starts.
    pub fn new(initial_window: u32, smss: u32, seed: u64) -> Self {
        Bbr {
            mode: BbrMode::Startup,
            cwnd: u64::from(initial_window),
            ssthresh: u64::from(u32::MAX),
            smss: u64::from(smss.max(1)),
            pacing_rate: 0,
            has_seen_rtt: false,
            pacing_gain: HIGH_GAIN,
            cwnd_gain: HIGH_GAIN,
            bw: std::collections::VecDeque::new(),
            rounds: 0,
            next_round_delivered: 0,
            round_start: false,
            min_rtt: None,
            min_rtt_stamp: None,
            full_bw: 0,
            full_bw_count: 0,
            full_bw_reached: false,
            cycle_index: 0,
            cycle_stamp: SimTime::ZERO,
            cycle_seed: seed,
            probe_rtt_done: None,
            probe_rtt_round_done: false,
            prior_cwnd: 0,
            was_recovering: false,
            conservation: false,
        }
    }

    /// The current mode.
    pub fn mode(&self) -> BbrMode {
        self.mode
    }

    /// The bottleneck bandwidth estimate, bytes per second.
    pub fn max_bw(&self) -> u64 {
        self.bw.front().map_or(0, |b| b.1)
    }

    /// The propagation RTT estimate.
    pub fn min_rtt(&self) -> Option<SimDuration> {
        self.min_rtt
    }

    /// The pacing gain now, in 1/256.
    pub fn pacing_gain(&self) -> u64 {
        self.pacing_gain
    }

    fn add_bw_sample(&mut self, bw: u64) {
        while self.bw.back().is_some_and(|b| b.1 <= bw) {
            self.bw.pop_back();
        }
        self.bw.push_back((self.rounds, bw));
        while self
            .bw
            .front()
            .is_some_and(|b| b.0 + BW_ROUNDS <= self.rounds)
        {
            self.bw.pop_front();
        }
    }

    /// BDP at `gain`, whole segments rounded up (Linux's `bbr_bdp`);
    /// before any RTT sample, the initial window.
    fn bdp_segs(&self, bw: u64, gain: u64) -> u64 {
        let Some(rtt) = self.min_rtt else {
            return INIT_CWND_SEGS;
        };
        let bytes_x = u128::from(bw) * u128::from(rtt.as_nanos()) * u128::from(gain);
        let per_seg = 1_000_000_000u128 * u128::from(UNIT) * u128::from(self.smss);
        bytes_x.div_ceil(per_seg) as u64
    }

    /// Linux's `bbr_quantization_budget`: three send quanta (Linux's TSO
    /// burst size for the pacing rate, at least 2 segments; netsim has no
    /// TSO but keeps the allowance, which also covers delayed ACKs), even,
    /// and two more in the probing phase.
    fn quantize(&self, segs: u64) -> u64 {
        let mut w = segs + 3 * self.tso_segs_goal();
        w = (w + 1) & !1;
        if self.mode == BbrMode::ProbeBw && self.cycle_index == 0 {
            w += 2;
        }
        w
    }

    /// Linux's `bbr_tso_segs_goal`: about a millisecond of the pacing
    /// rate (rate >> 10), under 64 KB, at least 2 segments (1 below 1.2
    /// Mbit/s).
    fn tso_segs_goal(&self) -> u64 {
        let bytes = (self.pacing_rate >> 10).min(65_536 - 1 - 320);
        let min = if self.pacing_rate < 1_200_000 / 8 {
            1
        } else {
            2
        };
        (bytes / self.smss).max(min).min(127)
    }

    /// BDP at `gain` plus the quanta, segments (`bbr_inflight`).
    fn inflight_segs(&self, bw: u64, gain: u64) -> u64 {
        self.quantize(self.bdp_segs(bw, gain))
    }

    fn rate_at(&self, bw: u64, gain: u64) -> u64 {
        (u128::from(bw) * u128::from(gain) * u128::from(100 - PACING_MARGIN_PCT)
            / (u128::from(UNIT) * 100)) as u64
    }

    /// Before a bandwidth sample: the initial window over the SRTT (1 ms
    /// without one) at the high gain (`bbr_init_pacing_rate_from_rtt`).
    fn initial_rate(&self, srtt: Option<SimDuration>) -> u64 {
        let rtt = srtt.map_or(1_000_000, |r| r.as_nanos().max(1));
        let bw = u128::from(self.cwnd) * 1_000_000_000 / u128::from(rtt);
        self.rate_at(bw as u64, HIGH_GAIN)
    }

    fn enter_probe_bw(&mut self, now: SimTime) {
        self.mode = BbrMode::ProbeBw;
        // Linux: CYCLE_LEN - 1 - random(bbr_cycle_rand = 7), then one
        // advance: any phase but the draining one (1).
        self.cycle_index = (CYCLE.len() - 1 - (self.cycle_seed % 7) as usize) % CYCLE.len();
        self.advance_cycle(now);
    }

    fn advance_cycle(&mut self, now: SimTime) {
        self.cycle_index = (self.cycle_index + 1) % CYCLE.len();
        self.cycle_stamp = now;
    }

    fn reset_mode(&mut self, now: SimTime) {
        if self.full_bw_reached {
            self.enter_probe_bw(now);
        } else {
            self.mode = BbrMode::Startup;
        }
    }

    fn save_cwnd(&mut self) {
        self.prior_cwnd = if !self.was_recovering && self.mode != BbrMode::ProbeRtt {
            self.cwnd
        } else {
            self.prior_cwnd.max(self.cwnd)
        };
    }

    /// Round counting and the max filter (Linux's `bbr_update_bw`).
    fn update_bw(&mut self, r: &RateInfo) {
        self.round_start = false;
        let rs = &r.sample;
        let Some(bw) = rs.rate() else { return };
        if rs.prior_delivered >= self.next_round_delivered {
            self.next_round_delivered = r.delivered;
            self.rounds += 1;
            self.round_start = true;
            self.conservation = false;
        }
        // An app-limited sample says what the application sent, not what
        // the path carries, unless it beats the estimate (the draft's "BBR.BtlBw").
        if !rs.is_app_limited || bw >= self.max_bw() {
            self.add_bw_sample(bw);
        }
    }

    /// PROBE_BW's phase ends after a min RTT, or for the probing phase
    /// once it put a BDP×1.25 in flight (or lost), and for the draining
    /// phase as soon as in flight is down to one BDP ("ProbeBW").
    fn update_cycle(&mut self, r: &RateInfo) {
        if self.mode != BbrMode::ProbeBw {
            return;
        }
        let full_length = self
            .min_rtt
            .is_some_and(|m| r.now.saturating_since(self.cycle_stamp) > m);
        let gain = self.pacing_gain;
        let prior_segs = r.prior_in_flight / self.smss;
        let bw = self.max_bw();
        let next = if gain == UNIT {
            full_length
        } else if gain > UNIT {
            full_length && (r.sample.losses > 0 || prior_segs >= self.inflight_segs(bw, gain))
        } else {
            full_length || prior_segs <= self.inflight_segs(bw, UNIT)
        };
        if next {
            self.advance_cycle(r.now);
        }
    }

    fn check_full_bw(&mut self, r: &RateInfo) {
        if self.full_bw_reached || !self.round_start || r.sample.is_app_limited {
            return;
        }
        let bw = self.max_bw();
        if u128::from(bw) * u128::from(UNIT)
            >= u128::from(self.full_bw) * u128::from(FULL_BW_THRESH)
        {
            self.full_bw = bw;
            self.full_bw_count = 0;
            return;
        }
        self.full_bw_count += 1;
        self.full_bw_reached = self.full_bw_count >= FULL_BW_ROUNDS;
    }

    fn check_drain(&mut self, r: &RateInfo) {
        let bw = self.max_bw();
        if self.mode == BbrMode::Startup && self.full_bw_reached {
            self.mode = BbrMode::Drain;
            self.ssthresh = self.inflight_segs(bw, UNIT) * self.smss;
        }
        if self.mode == BbrMode::Drain && r.in_flight / self.smss <= self.inflight_segs(bw, UNIT) {
            self.enter_probe_bw(r.now);
        }
    }

    /// Min-RTT filter and PROBE_RTT (the draft's "ProbeRTT", Linux's
    /// `bbr_update_min_rtt`).
    /// (Linux also marks the samples of PROBE_RTT app-limited; here they
    /// only reach the max filter, where a low one changes nothing.)
    fn update_min_rtt(&mut self, r: &RateInfo) {
        let now = r.now;
        let stamp = *self.min_rtt_stamp.get_or_insert(now);
        let expired = now > stamp + MIN_RTT_WINDOW;
        if let Some(rtt) = r.sample.rtt
            && (self.min_rtt.is_none_or(|m| rtt < m) || expired)
        {
            self.min_rtt = Some(rtt);
            self.min_rtt_stamp = Some(now);
        }
        if expired && self.mode != BbrMode::ProbeRtt {
            self.mode = BbrMode::ProbeRtt;
            self.save_cwnd();
            self.probe_rtt_done = None;
        }
        if self.mode == BbrMode::ProbeRtt {
            match self.probe_rtt_done {
                None if r.in_flight <= MIN_CWND_SEGS * self.smss => {
                    self.probe_rtt_done = Some(now + PROBE_RTT_TIME);
                    self.probe_rtt_round_done = false;
                    self.next_round_delivered = r.delivered;
                }
                None => {}
                Some(done) => {
                    if self.round_start {
                        self.probe_rtt_round_done = true;
                    }
                    if self.probe_rtt_round_done && now > done {
                        self.min_rtt_stamp = Some(now);
                        self.cwnd = self.cwnd.max(self.prior_cwnd);
                        self.reset_mode(now);
                    }
                }
            }
        }
    }

    fn update_gains(&mut self) {
        (self.pacing_gain, self.cwnd_gain) = match self.mode {
            BbrMode::Startup => (HIGH_GAIN, HIGH_GAIN),
            BbrMode::Drain => (DRAIN_GAIN, HIGH_GAIN),
            BbrMode::ProbeBw => (CYCLE[self.cycle_index], CWND_GAIN),
            BbrMode::ProbeRtt => (UNIT, UNIT),
        };
    }

    fn set_pacing_rate(&mut self, r: &RateInfo) {
        if !self.has_seen_rtt && r.srtt.is_some() {
            self.has_seen_rtt = true;
            self.pacing_rate = self.initial_rate(r.srtt);
        }
        let rate = self.rate_at(self.max_bw(), self.pacing_gain);
        // In STARTUP the rate only rises: an early low sample must not
        // slow the ramp.
        if self.full_bw_reached || rate > self.pacing_rate {
            self.pacing_rate = rate;
        }
    }

    /// Linux's `bbr_set_cwnd` with `bbr_set_cwnd_to_recover_or_restore`.
    fn set_cwnd(&mut self, r: &RateInfo) {
        let acked = r.sample.acked_sacked;
        let mss = self.smss;
        if acked > 0 {
            let mut cwnd = self.cwnd;
            if r.sample.losses > 0 {
                cwnd = cwnd.saturating_sub(r.sample.losses).max(mss);
            }
            let recovering = r.in_recovery || r.in_loss;
            if r.in_recovery && !self.was_recovering {
                // Entering fast recovery: packet conservation for a round.
                self.conservation = true;
                self.next_round_delivered = r.delivered;
                cwnd = r.in_flight + acked;
            } else if self.was_recovering && !recovering {
                cwnd = cwnd.max(self.prior_cwnd);
                self.conservation = false;
            }
            self.was_recovering = recovering;
            if self.conservation {
                cwnd = cwnd.max(r.in_flight + acked);
            } else {
                let target = self.inflight_segs(self.max_bw(), self.cwnd_gain) * mss;
                if self.full_bw_reached {
                    cwnd = (cwnd + acked).min(target);
                } else if cwnd < target || r.delivered < INIT_CWND_SEGS * mss {
                    cwnd += acked;
                }
                cwnd = cwnd.max(MIN_CWND_SEGS * mss);
            }
            self.cwnd = cwnd.min(u64::from(u32::MAX));
        }
        if self.mode == BbrMode::ProbeRtt {
            self.cwnd = self.cwnd.min(MIN_CWND_SEGS * mss);
        }
    }
}

impl CongestionControl for Bbr {
    fn name(&self) -> &'static str {
        "bbr"
    }

    fn cwnd(&self) -> u32 {
        self.cwnd.min(u64::from(u32::MAX)) as u32
    }

    fn ssthresh(&self) -> u32 {
        self.ssthresh.min(u64::from(u32::MAX)) as u32
    }

    /// BBR does everything from the rate sample of the same ACK.
    fn on_ack(&mut self, _ack: &AckInfo) {}

    /// Loss does not set the window: only the prior window is kept to
    /// come back to (Linux's `bbr_ssthresh`).
    fn on_fast_retransmit(&mut self, _flight_size: u32, _smss: u32) {
        self.save_cwnd();
    }

    fn on_dup_ack_in_recovery(&mut self, _smss: u32) {}

    fn on_partial_ack(&mut self, _acked: u32, _smss: u32) {}

    fn on_recovery_end(&mut self, _flight_size: u32, _smss: u32) {}

    /// Linux's `tcp_enter_loss` leaves one segment of window (nothing is
    /// in flight once everything is deemed lost) and BBR treats the
    /// timeout as the end of a round with its full-pipe count restarted.
    fn on_timeout(&mut self, _flight_size: u32, smss: u32, first: bool) {
        if first {
            self.save_cwnd();
        }
        self.was_recovering = true;
        self.conservation = false;
        self.full_bw = 0;
        self.round_start = true;
        self.cwnd = u64::from(smss);
    }

    /// The connection's recovery (cwnd = ssthresh, PRR) sets the window
    /// of window-based algorithms; BBR keeps its own, so this is ignored.
    fn set_cwnd(&mut self, _cwnd: u32, _smss: u32) {}

    fn model_based(&self) -> bool {
        true
    }

    fn on_rate_sample(&mut self, r: &RateInfo) {
        self.smss = u64::from(r.smss.max(1));
        self.update_bw(r);
        self.update_cycle(r);
        self.check_full_bw(r);
        self.check_drain(r);
        self.update_min_rtt(r);
        self.update_gains();
        self.set_pacing_rate(r);
        self.set_cwnd(r);
    }

    fn pacing_rate(&self, srtt: Option<SimDuration>) -> Option<u64> {
        Some(if self.pacing_rate > 0 {
            self.pacing_rate
        } else {
            self.initial_rate(srtt)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate::RateSample;

    const MSS: u32 = 1000;

    /// An ACK delivering one segment at `bw` bytes/s with RTT `rtt_ms`,
    /// `prior` being what was delivered when the segment left.
    fn ack(
        now_ms: u64,
        bw: u64,
        rtt_ms: u64,
        delivered: u64,
        prior: u64,
        in_flight: u64,
    ) -> RateInfo {
        let interval = SimDuration::from_millis(rtt_ms);
        RateInfo {
            now: SimTime::ZERO + SimDuration::from_millis(now_ms),
            sample: RateSample {
                delivered: bw * rtt_ms / 1000,
                interval: Some(interval),
                rtt: Some(interval),
                is_app_limited: false,
                losses: 0,
                prior_delivered: prior,
                acked_sacked: u64::from(MSS),
            },
            delivered,
            prior_in_flight: in_flight,
            in_flight,
            smss: MSS,
            srtt: Some(interval),
            in_recovery: false,
            in_loss: false,
        }
    }

    #[test]
    fn a_flat_bandwidth_for_three_rounds_ends_startup() {
        let mut b = Bbr::new(10 * MSS, MSS, 0);
        // One sample per round at a steady 1 MB/s, 100 ms RTT; each round
        // delivers 100 segments.
        let mut delivered = 0;
        let mut modes = Vec::new();
        for round in 0..6u64 {
            let prior = delivered;
            delivered += 100 * u64::from(MSS);
            b.on_rate_sample(&ack(100 * round, 1_000_000, 100, delivered, prior, 0));
            modes.push(b.mode());
        }
        // Round 1 sets full_bw; rounds 2, 3, 4 fail to grow it by 25 %.
        assert_eq!(b.max_bw(), 1_000_000);
        assert_eq!(&modes[..3], &[BbrMode::Startup; 3]);
        // The fourth flat round fills the pipe; with nothing in flight
        // DRAIN is over at once.
        assert_eq!(modes[3], BbrMode::ProbeBw);
        // Window: 2 x BDP (100 segments) + 3 quanta of 2, even.
        let bdp = 100;
        assert!(u64::from(b.cwnd()) <= (2 * bdp + 6 + 2) * u64::from(MSS));
    }

    #[test]
    fn an_expired_min_rtt_enters_probe_rtt_and_leaves_after_200_ms() {
        let mut b = Bbr::new(10 * MSS, MSS, 3);
        b.on_rate_sample(&ack(0, 1_000_000, 100, 1000, 0, 50_000));
        assert_eq!(b.min_rtt(), Some(SimDuration::from_millis(100)));
        // 10.1 s later, with a larger RTT: the filter has expired.
        b.on_rate_sample(&ack(10_100, 1_000_000, 120, 2000, 1000, 50_000));
        assert_eq!(b.mode(), BbrMode::ProbeRtt);
        assert_eq!(b.cwnd(), 4 * MSS);
        // The expired filter took the new sample.
        assert_eq!(b.min_rtt(), Some(SimDuration::from_millis(120)));
        // In flight reaches 4 segments: 200 ms start now.
        b.on_rate_sample(&ack(10_200, 1_000_000, 100, 3000, 2000, 4000));
        assert_eq!(b.mode(), BbrMode::ProbeRtt);
        // 200 ms on but no round yet: still held.
        b.on_rate_sample(&ack(10_401, 1_000_000, 100, 3500, 2000, 4000));
        assert_eq!(b.mode(), BbrMode::ProbeRtt);
        // A round later, out (to PROBE_BW: this was the third flat round,
        // so the pipe counts as full), with the window saved before.
        b.on_rate_sample(&ack(10_402, 1_000_000, 100, 4000, 3000, 4000));
        assert_eq!(b.mode(), BbrMode::ProbeBw);
        assert!(b.cwnd() > 4 * MSS);
    }
}
