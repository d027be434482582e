//! The TSO/GSO chunks Linux sends new data in, for its PSH rule
//! ([`PushRule::Writes`](crate::PushRule::Writes)).
//!
//! Linux hands new data to the device in chunks of up to
//! min(half cwnd, cwnd − in flight, the autosized TSO size) segments
//! (`tcp_write_xmit` with `tcp_cwnd_test` and `tcp_tso_autosize`), and
//! forces PSH on every chunk of two or more segments ("to expedite GRO
//! flush", `__tcp_transmit_skb`). The segmentation offload leaves that PSH
//! on the chunk's last segment (`tcp_gso_segment`), so on the wire the
//! last segment of each multi-segment chunk carries PSH. The flag is on
//! the copy sent, not on the queued data: a retransmission is judged
//! again. The model sends segment by segment, so it keeps the chunk
//! being sent as a count of bytes.

use sim_core::SimDuration;

/// Linux's `sk_gso_max_size`: the largest chunk in bytes.
pub(crate) const GSO_MAX_SIZE: u64 = 65_536;
/// `sk_pacing_shift`: a chunk holds about 1 ms (2^-10 s) at the pacing
/// rate.
const PACING_SHIFT: u32 = 10;
/// `tcp_tso_rtt_log`: below about 8 ms of minimum RTT, chunks may grow
/// up to `GSO_MAX_SIZE` >> (min RTT in µs >> 9).
const TSO_RTT_LOG: u32 = 9;

/// The chunk being sent.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Chunk {
    /// Bytes of it not yet sent; 0: none open.
    left: u64,
    /// It holds two segments or more.
    multi: bool,
}

impl Chunk {
    /// A chunk of `bytes` starts.
    pub(crate) fn start(&mut self, bytes: u64, mss: u64) {
        self.left = bytes;
        self.multi = bytes > mss;
    }

    /// No chunk is open (a send loop ended: Linux never leaves part of a
    /// chunk for later).
    pub(crate) fn clear(&mut self) {
        self.left = 0;
    }

    pub(crate) fn is_open(&self) -> bool {
        self.left > 0
    }

    /// A new-data segment of `len` bytes left: whether it ends a chunk of
    /// two segments or more (and so carries PSH).
    pub(crate) fn sent(&mut self, len: u64) -> bool {
        if self.left == 0 {
            return false;
        }
        let last = len >= self.left;
        self.left = self.left.saturating_sub(len);
        last && self.multi
    }
}

/// `tcp_tso_autosize`: the segments of one chunk at `pacing_rate` bytes/s
/// (Linux computes the rate whether or not it paces), more on a path
/// whose minimum RTT is a few milliseconds or less, and never fewer than
/// `min_segs` (`tcp_min_tso_segs`).
pub(crate) fn autosize(
    pacing_rate: u64,
    min_rtt: Option<SimDuration>,
    mss: u64,
    min_segs: u64,
) -> u64 {
    let mut bytes = pacing_rate >> PACING_SHIFT;
    if let Some(rtt) = min_rtt {
        let r = (rtt.as_nanos() / 1_000) >> TSO_RTT_LOG;
        if r < 32 {
            bytes += GSO_MAX_SIZE >> r;
        }
    }
    (bytes.min(GSO_MAX_SIZE) / mss.max(1)).max(min_segs)
}

/// `tcp_cwnd_test` with the autosize cap: segments the next chunk may
/// hold with `cwnd` segments, of which `room` are free now.
pub(crate) fn quota(cwnd: u64, room: u64, autosize: u64) -> u64 {
    let half = (cwnd / 2).max(1);
    half.min(room).min(autosize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_segment_of_a_multi_segment_chunk_is_flagged() {
        let mut c = Chunk::default();
        c.start(2_000, 1_000);
        assert_eq!([c.sent(1_000), c.sent(1_000)], [false, true]);
        assert!(!c.is_open());
        c.start(1_000, 1_000);
        assert!(!c.sent(1_000), "a one-segment chunk has no forced PSH");
        assert!(!c.sent(1_000), "no chunk open");
    }

    #[test]
    fn chunks_are_autosized_from_the_pacing_rate_and_a_short_min_rtt() {
        // 10 segments of 1,000 bytes over 100 ms at twice the rate in slow
        // start: 200 kB/s, 195 bytes a millisecond: the minimum, 2.
        assert_eq!(
            autosize(200_000, Some(SimDuration::from_millis(100)), 1_000, 2),
            2
        );
        // A larger minimum (`tcp_min_tso_segs` = 10) binds instead.
        assert_eq!(
            autosize(200_000, Some(SimDuration::from_millis(100)), 1_000, 10),
            10
        );
        // 1 ms of minimum RTT adds 64 KiB >> 1.
        assert_eq!(
            autosize(200_000, Some(SimDuration::from_millis(1)), 1_000, 2),
            32
        );
        // `tcp_min_tso_segs` = 10 raises the minimum.
        assert_eq!(
            autosize(200_000, Some(SimDuration::from_millis(100)), 1_000, 10),
            10
        );
        // Half of cwnd at most, and what cwnd leaves.
        assert_eq!(quota(10, 10, 50), 5);
        assert_eq!(quota(10, 1, 50), 1);
        assert_eq!(quota(1, 1, 2), 1);
    }
}
