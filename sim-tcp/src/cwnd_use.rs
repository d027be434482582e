//! Whether the congestion window limits the sender, so that ACKs may grow
//! it (Linux's `tcp_cwnd_validate` and `tcp_is_cwnd_limited`; RFC 9438
//! §5.8 asks the same of CUBIC). A sender that leaves its window unfilled,
//! because the application or the peer's window holds it back, learns
//! nothing from its ACKs about what the path would carry: growing the
//! window on them would let it reach sizes never tried, and burst them
//! once the application writes more.

/// What the sender used of its window in the current round.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CwndUse {
    /// cwnd stopped a send in the current round.
    limited: bool,
    /// The most bytes outstanding after a send in the current round.
    max_out: u64,
    /// The send index that ends the current round (`cwnd_usage_seq`).
    until: u64,
}

impl CwndUse {
    /// After a send: `limited` if cwnd stopped it; `outstanding` bytes
    /// sent and not cumulatively acknowledged. A new round starts once
    /// SND.UNA passes the last one's end; within a round, being limited
    /// once is remembered.
    pub(crate) fn sent(&mut self, limited: bool, outstanding: u64, snd_una: u64, snd_nxt: u64) {
        if snd_una >= self.until || limited || (!self.limited && outstanding > self.max_out) {
            self.limited = limited;
            self.max_out = outstanding;
            self.until = snd_nxt;
        }
    }

    /// Whether ACKs may grow `cwnd` (bytes): it was full this round, or in
    /// slow start it is under twice the most that was outstanding (slow
    /// start may still double what the sender used).
    pub(crate) fn cwnd_limited(&self, cwnd: u64, slow_start: bool) -> bool {
        self.limited || (slow_start && cwnd < 2 * self.max_out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unfilled_window_stops_growing_at_twice_what_was_used() {
        let mut u = CwndUse::default();
        // Ten segments of 1,000 bytes sent under a window of 10,000: full.
        u.sent(true, 10_000, 0, 10_000);
        assert!(u.cwnd_limited(10_000, true));
        // The next round sends only 3,000 with the window at 20,000.
        u.sent(false, 3_000, 10_000, 13_000);
        assert!(u.cwnd_limited(5_000, true), "slow start up to twice 3,000");
        assert!(!u.cwnd_limited(6_000, true));
        assert!(!u.cwnd_limited(5_000, false), "no growth in avoidance");
        // Being limited once in a round is kept for the round.
        u.sent(true, 20_000, 10_000, 30_000);
        u.sent(false, 5_000, 12_000, 30_000);
        assert!(u.cwnd_limited(20_000, false));
    }
}
