//! Receive-buffer autotuning: Linux's dynamic right-sizing
//! (`tcp_rcv_space_adjust`, `tcp_rcv_rtt_update` in `tcp_input.c`; Fisk
//! and Feng, "Dynamic right-sizing in TCP", 2001).
//!
//! A fixed 64 KB buffer caps a flow at 64 KB per round trip, whatever the
//! path. Instead the receiver measures, once per round trip of its own
//! estimate, how much the application consumed, and lets the window grow to
//! about twice that (more while the rate is still rising), up to a maximum.
//! Sizes here are window bytes: Linux sizes a buffer that also holds
//! per-packet overhead and derives the window from it, which cancels out
//! except in the maximum (the caller passes the window that Linux's largest
//! buffer allows).

use sim_core::{SimDuration, SimTime};

/// Linux's `TCP_INIT_CWND`: the first measurement's baseline is at most
/// this many segments (`tcp_init_buffer_space`).
const INIT_SEGMENTS: u64 = 10;

/// The receiver's side of dynamic right-sizing for one connection.
#[derive(Clone, Debug)]
pub struct RcvAutotune {
    /// Largest window the buffer may grow to.
    max: u32,
    /// The receiver's own RTT estimate (Linux's `rcv_rtt_est`), `None`
    /// before its first sample: without one the buffer never grows.
    rtt: Option<SimDuration>,
    /// Without timestamps: the measurement under way, the sequence index
    /// that ends it (one window past RCV.NXT when it began) and its start.
    window_probe: Option<(u64, SimTime)>,
    /// The last TSecr a sample was taken from: one sample per echoed value.
    last_tsecr: Option<u32>,
    /// Bytes the application consumed in the last measured round
    /// (`rcvq_space.space`).
    space: u64,
    /// Bytes consumed when the round under way began, and its start
    /// (`rcvq_space.seq`, `rcvq_space.time`); `None` before ESTABLISHED.
    round: Option<(u64, SimTime)>,
}

impl RcvAutotune {
    /// Autotuning up to a window of `max` bytes.
    pub fn new(max: u32) -> Self {
        RcvAutotune {
            max,
            rtt: None,
            window_probe: None,
            last_tsecr: None,
            space: 0,
            round: None,
        }
    }

    /// The receiver's RTT estimate.
    pub fn rtt(&self) -> Option<SimDuration> {
        self.rtt
    }

    /// The connection is established: the first round starts, with a
    /// baseline of the window offered, at most ten segments
    /// (`tcp_init_buffer_space`).
    pub fn start(&mut self, now: SimTime, copied: u64, window: u32, mss: u32) {
        self.space = u64::from(window).min(INIT_SEGMENTS * u64::from(mss));
        self.round = Some((copied, now));
    }

    /// Linux's `tcp_rcv_rtt_update`: a sample from timestamps (`per_window`
    /// false) is smoothed with gain 1/8; one per window of data (true)
    /// over-estimates, so only a smaller one replaces the estimate.
    fn sample(&mut self, m: SimDuration, per_window: bool) {
        let m = m.max(SimDuration(1));
        self.rtt = Some(match self.rtt {
            None => m,
            Some(r) if per_window => r.min(m),
            Some(r) => SimDuration(r.as_nanos() - r.as_nanos() / 8 + m.as_nanos() / 8),
        });
    }

    /// In-order data of `len` bytes arrived. With timestamps, `ts_rtt` is
    /// the time since the TSval the segment echoes (`tsecr`) was sent,
    /// taken once per echoed value from a full segment
    /// (`tcp_rcv_rtt_measure_ts`). Without, one sample per window of data:
    /// the time for RCV.NXT to pass the right edge offered when the
    /// measurement began (`tcp_rcv_rtt_measure`).
    pub fn on_data(
        &mut self,
        now: SimTime,
        len: u32,
        rcv_mss: u32,
        ts: Option<(u32, SimDuration)>,
        rcv_nxt: u64,
        rcv_wnd: u64,
    ) {
        if let Some((tsecr, rtt)) = ts {
            if self.last_tsecr != Some(tsecr) {
                self.last_tsecr = Some(tsecr);
                if len >= rcv_mss {
                    self.sample(rtt, false);
                }
            }
            return;
        }
        match self.window_probe {
            Some((end, _)) if rcv_nxt < end => return,
            Some((_, began)) => self.sample(now.saturating_since(began), true),
            None => {}
        }
        self.window_probe = Some((rcv_nxt + rcv_wnd, now));
    }

    /// The application has consumed `copied` bytes in all. Once a round
    /// trip (of the receiver's estimate) has passed since the last
    /// measurement, returns the window the buffer should now allow if it
    /// grew beyond `current` (`tcp_rcv_space_adjust`).
    pub fn on_copied(&mut self, now: SimTime, copied: u64, current: u32, mss: u32) -> Option<u32> {
        let (Some(rtt), Some((from, began))) = (self.rtt, self.round) else {
            return None;
        };
        if now.saturating_since(began) < rtt {
            return None;
        }
        self.round = Some((copied, now));
        let round = copied - from;
        if round <= self.space {
            return None;
        }
        // Twice what the application took in a round trip, to ride out a
        // loss, plus 16 segments of cushion; and while the rate is still
        // rising (slow start) twice the rise again, since the window
        // offered now is used a round trip later.
        let mut win = 2 * round + 16 * u64::from(mss);
        if let Some(rise) = (win * (round - self.space)).checked_div(self.space) {
            win += 2 * rise;
        }
        self.space = round;
        let win = win.min(u64::from(self.max)) as u32;
        (win > current).then_some(win)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }
    fn at(n: u64) -> SimTime {
        SimTime::ZERO + ms(n)
    }

    #[test]
    fn grows_to_twice_the_round_plus_growth_and_cushion_up_to_the_max() {
        let mut a = RcvAutotune::new(1_000_000);
        a.start(at(0), 0, 65_535, 1000);
        // No RTT yet: nothing grows.
        assert_eq!(a.on_copied(at(50), 30_000, 65_535, 1000), None);
        a.on_data(at(50), 1000, 1000, Some((7, ms(100))), 0, 0);
        assert_eq!(a.rtt(), Some(ms(100)));
        // Less than an RTT since the round began.
        assert_eq!(a.on_copied(at(90), 30_000, 65_535, 1000), None);
        // 40 000 bytes in the round, against a baseline of 10 segments:
        // 2 x 40 000 + 16 000 = 96 000, plus twice 96 000 x 30 000 / 10 000.
        assert_eq!(
            a.on_copied(at(100), 40_000, 65_535, 1000),
            Some(96_000 + 2 * 288_000)
        );
        // The same rate again: no growth (the round is not larger).
        assert_eq!(a.on_copied(at(200), 80_000, 672_000, 1000), None);
        // A faster round is capped at the maximum.
        assert_eq!(
            a.on_copied(at(300), 400_000, 672_000, 1000),
            Some(1_000_000)
        );
    }

    #[test]
    fn timestamp_samples_are_smoothed_and_taken_once_per_echo() {
        let mut a = RcvAutotune::new(1 << 20);
        a.on_data(at(0), 1000, 1000, Some((1, ms(80))), 0, 0);
        a.on_data(at(0), 1000, 1000, Some((1, ms(800))), 0, 0);
        assert_eq!(a.rtt(), Some(ms(80)), "same TSecr: no second sample");
        a.on_data(at(0), 500, 1000, Some((2, ms(800))), 0, 0);
        assert_eq!(a.rtt(), Some(ms(80)), "short segment: no sample");
        a.on_data(at(0), 1000, 1000, Some((3, ms(160))), 0, 0);
        assert_eq!(a.rtt(), Some(ms(90)), "gain 1/8");
    }

    #[test]
    fn without_timestamps_one_sample_a_window_keeping_the_smallest() {
        let mut a = RcvAutotune::new(1 << 20);
        a.on_data(at(0), 1000, 1000, None, 1000, 10_000);
        a.on_data(at(50), 1000, 1000, None, 9_000, 10_000);
        assert_eq!(a.rtt(), None, "the window is not yet passed");
        a.on_data(at(120), 1000, 1000, None, 11_000, 10_000);
        assert_eq!(a.rtt(), Some(ms(120)));
        a.on_data(at(300), 1000, 1000, None, 21_000, 10_000);
        assert_eq!(a.rtt(), Some(ms(120)), "a larger sample does not raise it");
        a.on_data(at(400), 1000, 1000, None, 31_000, 10_000);
        assert_eq!(a.rtt(), Some(ms(100)));
    }
}
