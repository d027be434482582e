//! How far the network reorders, as Linux measures it for `tcp_info`
//! (`tcpi_reordering`, `tcpi_reord_seen`).
//!
//! Linux's `tp->reordering` starts at `tcp_reordering` (3) and grows when
//! an ACK delivers, by SACK or cumulatively, data never retransmitted
//! that lies below the highest SACKed sequence seen before that ACK
//! (`tcp_sacktag_one`, `tcp_clean_rtx_queue`): the distance from the
//! lowest such byte up to the highest SACKed one, in segments, if it
//! exceeds the current degree, capped at `tcp_max_reordering` (300);
//! every such ACK counts one reordering event
//! (`tcp_check_sack_reordering`). A timeout in the Open or Disorder state
//! with at least `tcp_reordering` segments SACKed takes the degree back
//! down (`tcp_enter_loss`).
//!
//! The model's RACK keeps its own `RACK.reordering_seen` (RFC 8985 §6.2
//! step 1, in `scoreboard.rs`); this measure does not steer loss
//! detection. Linux's other sources of the degree are not modelled:
//! Reno's duplicate-ACK count without SACK (`tcp_check_reno_reordering`)
//! and the per-destination metrics cache.

/// `tcp_reordering`: the starting degree, Linux's default.
pub(crate) const INITIAL: u32 = 3;
/// `tcp_max_reordering`.
const MAX: u32 = 300;

/// The degree of reordering and the events that raised it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reordering {
    /// `tp->reordering`, segments.
    degree: u32,
    /// `tp->reord_seen`.
    seen: u32,
    /// The highest SACKed index when the ACK being read arrived (SND.UNA
    /// with nothing SACKed: Linux's `prior_fack`).
    prior_fack: u64,
    /// The lowest index the ACK delivered that was never retransmitted
    /// and lies below `prior_fack` (Linux's `state->reord`).
    low: Option<u64>,
}

impl Default for Reordering {
    fn default() -> Self {
        Reordering {
            degree: INITIAL,
            seen: 0,
            prior_fack: 0,
            low: None,
        }
    }
}

impl Reordering {
    /// An ACK is about to be read; `fack` is the highest SACKed index
    /// (SND.UNA if nothing is SACKed).
    pub(crate) fn begin(&mut self, fack: u64) {
        self.prior_fack = fack;
        self.low = None;
    }

    /// The ACK delivered `[start, ..)`, never retransmitted.
    pub(crate) fn delivered(&mut self, start: u64) {
        if start < self.prior_fack && self.low.is_none_or(|l| start < l) {
            self.low = Some(start);
        }
    }

    /// The ACK has been read; `fack` is now the highest SACKed index
    /// (SND.UNA if nothing is SACKed any more).
    pub(crate) fn end(&mut self, fack: u64, mss: u64) {
        let Some(low) = self.low.take() else {
            return;
        };
        if low >= fack {
            return;
        }
        let metric = fack - low;
        if mss > 0 && metric > u64::from(self.degree) * mss {
            self.degree = metric.div_ceil(mss).min(u64::from(MAX)) as u32;
        }
        self.seen += 1;
    }

    /// A retransmission timeout outside recovery with `sacked` segments
    /// SACKed: many SACKs yet no recovery suggest the degree is too high.
    pub(crate) fn on_timeout(&mut self, sacked: u64) {
        if sacked >= u64::from(INITIAL) {
            self.degree = self.degree.min(INITIAL);
        }
    }

    /// `tcpi_reordering`.
    pub(crate) fn degree(&self) -> u32 {
        self.degree
    }

    /// `tcpi_reord_seen`.
    pub(crate) fn seen(&self) -> u32 {
        self.seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_degree_grows_to_the_distance_below_the_highest_sack() {
        let mut r = Reordering::default();
        // 7,000 bytes below a SACK ending at 10,001, MSS 1,000: 7.
        r.begin(10_001);
        r.delivered(3_001);
        r.end(10_001, 1_000);
        assert_eq!((r.degree(), r.seen()), (7, 1));
        // 3,000 bytes is within the degree: counted, not raised.
        r.begin(10_001);
        r.delivered(7_001);
        r.end(10_001, 1_000);
        assert_eq!((r.degree(), r.seen()), (7, 2));
        // Delivered above what was SACKed: no reordering.
        r.begin(10_001);
        r.delivered(10_001);
        r.end(12_001, 1_000);
        assert_eq!((r.degree(), r.seen()), (7, 2));
        r.on_timeout(3);
        assert_eq!(r.degree(), 3);
    }
}
