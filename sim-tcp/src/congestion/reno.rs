//! Reno: RFC 5681 slow start, congestion avoidance and fast
//! retransmit/fast recovery, without NewReno's partial-ACK rule (RFC 6582).
//!
//! The window rules are NewReno's; what differs is recovery. Reno leaves
//! fast recovery on the first ACK of new data (RFC 5681 §3.2 step 6), so a
//! second loss in the same window is repaired only by three further
//! duplicate ACKs (another fast retransmit, another halving) or by the
//! retransmission timer. The connection asks
//! [`CongestionControl::recovery_spans_window`] to know which rule to run.

use super::newreno::NewReno;
use super::{AckInfo, CongestionControl};

/// Reno's window state (NewReno's, with RFC 5681's recovery).
#[derive(Debug, Clone)]
pub struct Reno {
    inner: NewReno,
}

impl Reno {
    /// Starts with `initial_window` and an "arbitrarily high" ssthresh
    /// (RFC 5681 §3.1).
    pub fn new(initial_window: u32) -> Self {
        Reno {
            inner: NewReno::new(initial_window),
        }
    }
}

impl CongestionControl for Reno {
    fn name(&self) -> &'static str {
        "reno"
    }
    fn cwnd(&self) -> u32 {
        self.inner.cwnd()
    }
    fn ssthresh(&self) -> u32 {
        self.inner.ssthresh()
    }
    fn on_ack(&mut self, ack: &AckInfo) {
        self.inner.on_ack(ack);
    }
    fn on_fast_retransmit(&mut self, flight_size: u32, smss: u32) {
        // RFC 5681 §3.2 steps 2 and 3: ssthresh = max(FlightSize / 2,
        // 2 SMSS), cwnd = ssthresh + 3 SMSS.
        self.inner.on_fast_retransmit(flight_size, smss);
    }
    fn on_dup_ack_in_recovery(&mut self, smss: u32) {
        // RFC 5681 §3.2 step 4: inflate by one SMSS.
        self.inner.on_dup_ack_in_recovery(smss);
    }
    fn on_partial_ack(&mut self, acked: u32, smss: u32) {
        // Not called: a new ACK ends Reno's recovery. Should a connection
        // call it anyway, deflating is the safe reading.
        self.inner.on_partial_ack(acked, smss);
    }
    fn on_recovery_end(&mut self, _flight_size: u32, smss: u32) {
        // RFC 5681 §3.2 step 6: "set cwnd to ssthresh" (deflating the
        // window), on the first ACK of new data.
        let ssthresh = self.inner.ssthresh();
        self.inner.set_cwnd(ssthresh, smss);
    }
    fn on_timeout(&mut self, flight_size: u32, smss: u32, first: bool) {
        self.inner.on_timeout(flight_size, smss, first);
    }
    fn set_cwnd(&mut self, cwnd: u32, smss: u32) {
        self.inner.set_cwnd(cwnd, smss);
    }
    fn on_idle_restart(&mut self, cwnd: u32, ssthresh: u32, smss: u32) {
        self.inner.on_idle_restart(cwnd, ssthresh, smss);
    }
    fn recovery_spans_window(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSS: u32 = 1000;

    #[test]
    fn recovery_ends_at_ssthresh_and_partial_acks_do_not_keep_it() {
        let mut c = Reno::new(10 * MSS);
        assert!(!c.recovery_spans_window());
        assert!(NewReno::new(10 * MSS).recovery_spans_window());
        c.on_fast_retransmit(10 * MSS, MSS);
        assert_eq!((c.ssthresh(), c.cwnd()), (5 * MSS, 8 * MSS));
        c.on_dup_ack_in_recovery(MSS);
        assert_eq!(c.cwnd(), 9 * MSS);
        // The first new ACK, even one that leaves data outstanding: cwnd =
        // ssthresh whatever is in flight (NewReno would take min(ssthresh,
        // FlightSize + SMSS)).
        c.on_recovery_end(2 * MSS, MSS);
        assert_eq!(c.cwnd(), 5 * MSS);
        // A second fast retransmit in the same window halves again.
        c.on_fast_retransmit(5 * MSS, MSS);
        assert_eq!(c.ssthresh(), 2500);
    }
}
