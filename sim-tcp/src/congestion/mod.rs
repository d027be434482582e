//! Congestion control behind a small trait, so users can plug in their own.
//!
//! The connection owns loss detection and recovery bookkeeping (duplicate
//! ACK counting, the NewReno `recover` point, retransmission); an algorithm
//! only decides the window in response to these events.

mod cubic;
mod newreno;

pub use cubic::Cubic;
pub use newreno::NewReno;

use sim_core::{SimDuration, SimTime};

/// A congestion-control algorithm. Sizes are in bytes.
pub trait CongestionControl: std::fmt::Debug {
    /// Short name for traces (`newreno`).
    fn name(&self) -> &'static str;
    /// The congestion window.
    fn cwnd(&self) -> u32;
    /// The slow-start threshold.
    fn ssthresh(&self) -> u32;
    /// New data was acknowledged outside recovery, at `now`, with the
    /// current smoothed RTT (CUBIC's window is a function of time).
    fn on_ack(&mut self, acked: u32, smss: u32, now: SimTime, srtt: Option<SimDuration>);
    /// Three duplicate ACKs: fast retransmit begins (RFC 5681 §3.2 steps 2-3).
    fn on_fast_retransmit(&mut self, flight_size: u32, smss: u32);
    /// Another duplicate ACK during fast recovery (RFC 5681 §3.2 step 4).
    fn on_dup_ack_in_recovery(&mut self, smss: u32);
    /// A partial ACK during recovery acknowledged `acked` bytes (RFC 6582
    /// §3.2 step 3, partial acknowledgments).
    fn on_partial_ack(&mut self, acked: u32, smss: u32);
    /// A full ACK ended recovery (RFC 6582 §3.2 step 3).
    fn on_recovery_end(&mut self, flight_size: u32, smss: u32);
    /// The retransmission timer expired. `first` is false for a repeated
    /// timeout of the same data, which must not halve ssthresh again
    /// (RFC 5681 §3.1, equation 4).
    fn on_timeout(&mut self, flight_size: u32, smss: u32, first: bool);
    /// The connection sets the window itself: during SACK-based recovery
    /// (RFC 6675 §5: cwnd = ssthresh; RFC 6937: pipe + sndcnt) and when it
    /// ends (cwnd = ssthresh), as Linux's `tcp_cwnd_reduction` does.
    fn set_cwnd(&mut self, cwnd: u32, smss: u32);
}
