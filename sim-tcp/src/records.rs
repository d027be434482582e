//! Record boundaries set by `send(..., MSG_EOR)`.
//!
//! Linux marks the buffer holding the last byte of an `MSG_EOR` write as
//! end-of-record (`TCP_SKB_CB(skb)->eor`) and never adds later data to it:
//! not when a later write is copied in (`tcp_skb_can_collapse_to` in
//! `tcp_sendmsg_locked`), not when queued buffers are merged for a
//! retransmission (`tcp_collapse_retrans`) or an MTU probe. The EOR write
//! itself may still fill the buffer the previous write left open. A
//! segment, first sent or sent again, so never spans a boundary. The model
//! segments a byte stream, so it keeps the boundaries as positions.
//!
//! Every buffer but the last in the queue is sent without waiting for
//! Nagle's algorithm (`tcp_write_xmit` tests only the queue's tail with
//! the socket's Nagle setting): a short segment ending at a boundary with
//! data written after it leaves at once.

use std::collections::VecDeque;

/// The record boundaries not yet acknowledged.
#[derive(Clone, Debug, Default)]
pub(crate) struct Records {
    /// Send-space indices one past a record's last byte, ascending.
    ends: VecDeque<u64>,
}

impl Records {
    /// An `MSG_EOR` write ended at index `end` (exclusive).
    pub(crate) fn end_at(&mut self, end: u64) {
        if self.ends.back().is_none_or(|&e| e < end) {
            self.ends.push_back(end);
        }
    }

    /// Forgets the boundaries at or below SND.UNA `una`.
    pub(crate) fn acked(&mut self, una: u64) {
        while self.ends.front().is_some_and(|&e| e <= una) {
            self.ends.pop_front();
        }
    }

    /// The first boundary past `start`, which a segment from `start` must
    /// not cross.
    pub(crate) fn next_after(&self, start: u64) -> Option<u64> {
        let i = self.ends.partition_point(|&e| e <= start);
        self.ends.get(i).copied()
    }

    /// The length of a segment from `start` of at most `len` bytes, cut at
    /// the next boundary.
    #[inline]
    pub(crate) fn cut(&self, start: u64, len: u64) -> u64 {
        if self.ends.is_empty() {
            return len; // no MSG_EOR write waits: the common case
        }
        match self.next_after(start) {
            Some(end) => len.min(end - start),
            None => len,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_cut_at_record_ends_until_they_are_acknowledged() {
        let mut r = Records::default();
        r.end_at(801);
        r.end_at(1_201);
        r.end_at(1_201);
        assert_eq!(r.cut(1, 1_000), 800);
        assert_eq!(r.cut(801, 1_000), 400);
        assert_eq!(r.cut(1_201, 1_000), 1_000);
        r.acked(801);
        assert_eq!(r.next_after(1), Some(1_201));
    }
}
