//! Congestion control behind a small trait, so users can plug in their own.
//!
//! The connection owns loss detection and recovery bookkeeping (duplicate
//! ACK counting, the NewReno `recover` point, retransmission); an algorithm
//! only decides the window in response to these events, and says which of
//! the two fast-recovery rules it follows
//! ([`CongestionControl::recovery_spans_window`]).

/// Inside an `impl CongestionControl`: the listed methods, forwarded
/// unchanged to `self.<field>`, the algorithm this one builds on (DCTCP
/// and Vegas answer losses and recovery as NewReno does).
macro_rules! forward {
    ($field:ident =>) => {};
    ($field:ident => fn $name:ident(&self) -> $ret:ty; $($rest:tt)*) => {
        fn $name(&self) -> $ret {
            self.$field.$name()
        }
        forward!($field => $($rest)*);
    };
    ($field:ident => fn $name:ident(&mut self $(, $arg:ident: $ty:ty)*); $($rest:tt)*) => {
        fn $name(&mut self $(, $arg: $ty)*) {
            self.$field.$name($($arg),*)
        }
        forward!($field => $($rest)*);
    };
}

mod bbr;
mod cubic;
mod dctcp;
mod hystart;
mod newreno;
mod reno;
mod vegas;

pub use bbr::{Bbr, BbrMode};
pub use cubic::Cubic;
pub use dctcp::Dctcp;
pub use hystart::{HyStartPlusPlus, LinuxHyStart};
pub use newreno::NewReno;
pub use reno::Reno;
pub use vegas::Vegas;

use sim_core::{SimDuration, SimTime};

pub use crate::rate::RateSample;

/// What an ACK of new data, outside recovery, tells the algorithm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AckInfo {
    /// When the ACK arrived.
    pub now: SimTime,
    /// Data bytes it newly acknowledged.
    pub acked: u32,
    /// The sender's maximum segment size.
    pub smss: u32,
    /// The most slow start may grow on this ACK, in bytes: SMSS (RFC 5681
    /// equation (2), cwnd += min(N, SMSS)), or with a window counted in
    /// segments everything acknowledged, up to ssthresh, the rest going to
    /// congestion avoidance (Linux's `tcp_slow_start`).
    pub slow_start_limit: u32,
    /// The smoothed RTT after this ACK's sample (CUBIC's window is a
    /// function of time).
    pub srtt: Option<SimDuration>,
    /// The RTT this ACK measured, if it measured one (with SACK or
    /// timestamps nearly every ACK does; otherwise one per round trip).
    pub rtt: Option<SimDuration>,
    /// SND.UNA after this ACK, as a sequence index.
    pub snd_una: u64,
    /// SND.NXT, one past the highest index sent: where a round that starts
    /// now ends.
    pub snd_nxt: u64,
    /// The window limited the sender lately (`cwnd_use.rs`): a
    /// window-based algorithm grows only then. Always true without
    /// `cwnd_limited_growth`.
    pub cwnd_limited: bool,
}

/// A congestion-control algorithm. Sizes are in bytes.
pub trait CongestionControl: std::fmt::Debug {
    /// Short name for traces (`newreno`).
    fn name(&self) -> &'static str;
    /// The congestion window.
    fn cwnd(&self) -> u32;
    /// The slow-start threshold.
    fn ssthresh(&self) -> u32;
    /// New data was acknowledged outside recovery.
    fn on_ack(&mut self, ack: &AckInfo);
    /// Three duplicate ACKs: fast retransmit begins (RFC 5681 §3.2 steps 2-3).
    fn on_fast_retransmit(&mut self, flight_size: u32, smss: u32);
    /// Another duplicate ACK during fast recovery (RFC 5681 §3.2 step 4).
    fn on_dup_ack_in_recovery(&mut self, smss: u32);
    /// A partial ACK during recovery acknowledged `acked` bytes (RFC 6582
    /// §3.2 step 3, partial acknowledgments).
    fn on_partial_ack(&mut self, acked: u32, smss: u32);
    /// A full ACK ended recovery (RFC 6582 §3.2 step 3), or, for Reno, any
    /// new ACK (RFC 5681 §3.2 step 6).
    fn on_recovery_end(&mut self, flight_size: u32, smss: u32);
    /// The retransmission timer expired. `first` is false for a repeated
    /// timeout of the same data, which must not halve ssthresh again
    /// (RFC 5681 §3.1, equation 4).
    fn on_timeout(&mut self, flight_size: u32, smss: u32, first: bool);
    /// The connection sets the window itself: during SACK-based recovery
    /// (RFC 6675 §5: cwnd = ssthresh; RFC 6937: pipe + sndcnt) and when it
    /// ends (cwnd = ssthresh), as Linux's `tcp_cwnd_reduction` does.
    fn set_cwnd(&mut self, cwnd: u32, smss: u32);
    /// The sender restarts after an idle period (RFC 5681 §4.1,
    /// `crate::idle`): the window and threshold become these. The default
    /// sets the window alone; algorithms that keep ssthresh override it.
    /// Not called for model-based algorithms (BBR), which Linux leaves out
    /// of the restart (`tcp_slow_start_after_idle_check` skips a
    /// congestion control with its own `cong_control`).
    fn on_idle_restart(&mut self, cwnd: u32, _ssthresh: u32, smss: u32) {
        self.set_cwnd(cwnd, smss);
    }
    /// Data leaves with nothing in flight, `idle` after data last left
    /// (Linux's `CA_EVENT_TX_START`). Nothing by default.
    fn on_tx_start(&mut self, _now: SimTime, _idle: SimDuration) {}
    /// Without SACK: does fast recovery last until everything outstanding
    /// when it began is acknowledged, retransmitting a hole per partial ACK
    /// and refusing another fast retransmit before then (RFC 6582, the
    /// default)? Reno answers no: the first new ACK ends recovery, and a
    /// further loss in the same window needs three more duplicate ACKs or
    /// a timeout (RFC 5681 §3.2).
    fn recovery_spans_window(&self) -> bool {
        true
    }
    /// Whether the algorithm needs ECN on every segment and ECN-Echo on
    /// every ACK as the CE state of the data (DCTCP, RFC 8257 §3.2;
    /// Linux's `tcp_ca_needs_ecn`) rather than classic ECN's latched echo
    /// (RFC 3168 §6.1.3). Such a connection asks for ECN in its SYN
    /// whatever the configuration says.
    fn needs_ecn(&self) -> bool {
        false
    }
    /// Every ACK of new data, with whether it carried ECN-Echo: bytes
    /// acknowledged, and SND.UNA and SND.NXT after it (DCTCP's marked
    /// fraction, RFC 8257 §3.3). Called only on connections that agreed
    /// to ECN.
    fn on_ecn_feedback(&mut self, _acked: u32, _ece: bool, _snd_una: u64, _snd_nxt: u64) {}
    /// ECN-Echo arrived outside recovery, and cwnd was not reduced for
    /// the window it echoes (RFC 3168 §6.1.2): reduce as for a loss, set
    /// ssthresh and cwnd = ssthresh, without retransmitting anything.
    fn on_ecn_echo(&mut self, flight_size: u32, smss: u32) {
        self.on_fast_retransmit(flight_size, smss);
        let ssthresh = self.ssthresh();
        self.set_cwnd(ssthresh, smss);
    }
    /// Whether the algorithm steers by delivery-rate samples and paces at
    /// its own rate (BBR). The connection samples the delivery rate and
    /// asks [`Self::pacing_rate`] only when this says so, or when the
    /// `pacing` setting asks: window-based algorithms pay for neither.
    fn model_based(&self) -> bool {
        false
    }
    /// Every ACK that delivered data, in or out of recovery, with its
    /// delivery-rate sample (`sim-tcp/src/rate.rs`): what a model-based
    /// algorithm (BBR) steers by. Called only when [`Self::model_based`].
    fn on_rate_sample(&mut self, _info: &RateInfo) {}
    /// The rate this algorithm paces at, bytes per second, given the
    /// SRTT; `None` leaves pacing to the `pacing` setting.
    fn pacing_rate(&self, _srtt: Option<SimDuration>) -> Option<u64> {
        None
    }
}

/// One ACK as a model-based algorithm sees it: its rate sample and the
/// connection around it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateInfo {
    /// When the ACK arrived.
    pub now: SimTime,
    /// Its delivery-rate sample.
    pub sample: RateSample,
    /// Bytes delivered over the connection so far, this ACK included.
    pub delivered: u64,
    /// Bytes in flight before this ACK was read, and after.
    pub prior_in_flight: u64,
    pub in_flight: u64,
    /// The sender's maximum segment size.
    pub smss: u32,
    /// The SRTT after this ACK.
    pub srtt: Option<SimDuration>,
    /// Fast recovery is under way (entered on this ACK or before).
    pub in_recovery: bool,
    /// The connection is recovering from a retransmission timeout: data
    /// sent before it is not yet all acknowledged.
    pub in_loss: bool,
}
