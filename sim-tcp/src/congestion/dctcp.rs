//! DCTCP, Data Center TCP (RFC 8257): NewReno's window growth and loss
//! reaction, with an ECN reaction in proportion to congestion. The sender
//! keeps `alpha`, a moving average of the fraction of bytes whose ACKs
//! carried ECN-Echo, and on ECN-Echo cuts the window by `alpha / 2` (a
//! light mark costs little, a window fully marked halves it), once per
//! window.
//!
//! The receiver side (ECE mirrors the CE state of the data, with an
//! immediate ACK when it flips, RFC 8257 §3.2) is the connection's, chosen
//! by [`CongestionControl::needs_ecn`].

use super::newreno::NewReno;
use super::{AckInfo, CongestionControl};

/// The weight of the newest window's fraction in `alpha` (RFC 8257 §4.2:
/// g = 1/16, Linux's `dctcp_shift_g` = 4).
const G_SHIFT: u32 = 4;

/// `alpha` is kept as a fraction of this, as Linux does (`DCTCP_MAX_ALPHA`).
const ALPHA_ONE: u64 = 1024;

/// DCTCP's state: the window is NewReno's.
#[derive(Debug, Clone)]
pub struct Dctcp {
    reno: NewReno,
    /// The estimate of the marked fraction, out of [`ALPHA_ONE`], scaled up
    /// by `2^G_SHIFT` so the moving average loses no precision (Linux keeps
    /// it the same way).
    alpha_scaled: u64,
    /// Bytes acknowledged in this observation window (`DCTCP.BytesAcked`).
    acked: u64,
    /// Of those, bytes whose ACK carried ECE (`DCTCP.BytesMarked`).
    marked: u64,
    /// The window ends when SND.UNA reaches this (`DCTCP.WindowEnd`): at
    /// first the ISS, so the first ACK closes a window of its own (Linux
    /// starts `next_seq` at SND.NXT when the connection begins).
    window_end: u64,
}

impl Dctcp {
    /// Starts with `initial_window` and alpha = 1 (RFC 8257 §4.2 leaves the
    /// choice; Linux's `dctcp_alpha_on_init` default is the maximum, so
    /// the first marks cut as hard as classic ECN).
    pub fn new(initial_window: u32) -> Self {
        Dctcp {
            reno: NewReno::new(initial_window),
            alpha_scaled: ALPHA_ONE << G_SHIFT,
            acked: 0,
            marked: 0,
            window_end: 0,
        }
    }

    /// The estimate of the fraction of bytes marked, 0 to 1.
    pub fn alpha(&self) -> f64 {
        (self.alpha_scaled >> G_SHIFT) as f64 / ALPHA_ONE as f64
    }
}

impl CongestionControl for Dctcp {
    fn name(&self) -> &'static str {
        "dctcp"
    }
    // RFC 8257 §3.5: growth, loss and recovery as conventional TCP.
    forward!(reno =>
        fn cwnd(&self) -> u32;
        fn ssthresh(&self) -> u32;
        fn on_ack(&mut self, ack: &AckInfo);
        fn on_fast_retransmit(&mut self, flight_size: u32, smss: u32);
        fn on_dup_ack_in_recovery(&mut self, smss: u32);
        fn on_partial_ack(&mut self, acked: u32, smss: u32);
        fn on_recovery_end(&mut self, flight_size: u32, smss: u32);
        fn on_timeout(&mut self, flight_size: u32, smss: u32, first: bool);
        fn set_cwnd(&mut self, cwnd: u32, smss: u32);
        fn on_idle_restart(&mut self, cwnd: u32, ssthresh: u32, smss: u32);
    );

    fn needs_ecn(&self) -> bool {
        true
    }

    /// RFC 8257 §3.3 steps 1-7: count the bytes acknowledged and marked;
    /// when SND.UNA reaches the window's end (Linux's test in
    /// `dctcp_update_alpha`), fold the window's fraction into alpha and
    /// start the next window at SND.NXT.
    fn on_ecn_feedback(&mut self, acked: u32, ece: bool, snd_una: u64, snd_nxt: u64) {
        self.acked += u64::from(acked);
        if ece {
            self.marked += u64::from(acked);
        }
        if snd_una < self.window_end {
            return;
        }
        let fraction = (self.marked * ALPHA_ONE)
            .checked_div(self.acked)
            .map_or(0, |f| f.min(ALPHA_ONE));
        // alpha = (1 - g) alpha + g F, in the scaled form.
        self.alpha_scaled = self.alpha_scaled - (self.alpha_scaled >> G_SHIFT) + fraction;
        self.acked = 0;
        self.marked = 0;
        self.window_end = snd_nxt;
    }

    /// RFC 8257 §3.3 step 9: cwnd = cwnd × (1 − alpha / 2), at least two
    /// segments (Linux's `dctcp_ssthresh`), and ssthresh the same.
    fn on_ecn_echo(&mut self, _flight_size: u32, smss: u32) {
        let cwnd = u64::from(self.reno.cwnd());
        let alpha = self.alpha_scaled >> G_SHIFT;
        let cut = cwnd * alpha / (2 * ALPHA_ONE);
        let target = (cwnd - cut).max(2 * u64::from(smss)) as u32;
        self.reno.set_ssthresh_and_cwnd(target, smss);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSS: u32 = 1000;

    /// A window with every byte marked keeps alpha at 1; windows without
    /// marks decay it by 1/16 each; half marked moves it 1/16 of the way
    /// to one half.
    #[test]
    fn alpha_is_a_moving_average_of_the_marked_fraction() {
        let mut d = Dctcp::new(10 * MSS);
        // SND.NXT runs a window of ten segments ahead of SND.UNA, so each
        // window closes on its tenth ACK.
        let ack = |d: &mut Dctcp, una: u64, marked: bool| {
            d.on_ecn_feedback(MSS, marked, una, una + 10_000);
        };
        ack(&mut d, 1000, true);
        assert_eq!(d.alpha(), 1.0);
        let mut una = 1000;
        let mut window = |d: &mut Dctcp, marked: &dyn Fn(u64) -> bool| {
            for i in 1..=10 {
                una += u64::from(MSS);
                ack(d, una, marked(i));
            }
        };
        let mut alphas = Vec::new();
        for _ in 0..3 {
            window(&mut d, &|_| false);
            alphas.push(d.alpha());
        }
        let expect = [15.0 / 16.0, 225.0 / 256.0, 3375.0 / 4096.0];
        for (got, want) in alphas.iter().zip(expect) {
            assert!((got - want).abs() < 2.0 / 1024.0, "{alphas:?}");
        }
        let before = d.alpha();
        window(&mut d, &|i| i % 2 == 0);
        let want = before + (0.5 - before) / 16.0;
        assert!((d.alpha() - want).abs() < 2.0 / 1024.0, "{}", d.alpha());
    }

    /// The cut is alpha / 2 of the window: half at alpha = 1, none at 0.
    #[test]
    fn the_echo_cuts_in_proportion_to_alpha() {
        let mut d = Dctcp::new(100 * MSS);
        d.on_ecn_echo(0, MSS);
        assert_eq!(d.cwnd(), 50 * MSS);
        assert_eq!(d.ssthresh(), 50 * MSS);
        let mut d = Dctcp::new(100 * MSS);
        d.alpha_scaled = (ALPHA_ONE / 4) << G_SHIFT;
        d.on_ecn_echo(0, MSS);
        assert_eq!(d.cwnd(), 87_500);
        let mut d = Dctcp::new(3 * MSS);
        d.on_ecn_echo(0, MSS);
        assert_eq!(d.cwnd(), 2 * MSS, "never below two segments");
    }
}
