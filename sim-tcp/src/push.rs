//! Which data segments carry PSH under Linux's rule
//! ([`PushRule::Writes`](crate::PushRule::Writes)).
//!
//! Linux sets PSH on the buffer that holds the last byte of each write
//! (`tcp_push` at the end of `tcp_sendmsg`), and inside a long write on
//! the buffer being filled once the data written since the last PSH passes
//! half the largest window the peer has offered (`forced_push`). The flag
//! belongs to the buffer, so a retransmission carries it again, and when a
//! buffer is split the flag stays with its tail (`tcp_fragment`). The
//! model segments a byte stream, so it keeps the positions instead: a
//! segment has PSH when a marked position falls inside it.

use std::collections::VecDeque;

/// The positions that carry PSH.
#[derive(Clone, Debug, Default)]
pub(crate) struct PushMarks {
    /// Send-space indices one past a byte that carries PSH, ascending;
    /// those at or below SND.UNA are dropped as segments go out.
    marks: VecDeque<u64>,
    /// One past the last byte sent with PSH (Linux's `pushed_seq`, which
    /// Linux advances as it copies a write: the model, whose
    /// application writes at once, advances it as data leaves).
    pushed: u64,
}

impl PushMarks {
    /// A write ended at index `end` (exclusive).
    pub(crate) fn wrote(&mut self, end: u64) {
        if self.marks.back().is_none_or(|&m| m < end) {
            self.marks.push_back(end);
        }
    }

    /// The segment ending at `end` carries PSH, whatever the writes were
    /// (a segment the persist timer sends, as Linux's `tcp_write_wakeup`).
    pub(crate) fn force(&mut self, end: u64) {
        let i = self.marks.partition_point(|&m| m < end);
        if self.marks.get(i) != Some(&end) {
            self.marks.insert(i, end);
        }
    }

    /// The first marked position past `start`: where the queued data's
    /// buffer ends, which a TSO chunk does not cross.
    pub(crate) fn next_after(&self, start: u64) -> Option<u64> {
        let i = self.marks.partition_point(|&m| m <= start);
        self.marks.get(i).copied()
    }

    /// Whether the segment carrying data `[start, end)` has PSH. `new`:
    /// first transmission, which may be forced once more than
    /// `half_window` bytes have left since the last PSH (0: not yet known).
    pub(crate) fn segment(
        &mut self,
        start: u64,
        end: u64,
        new: bool,
        una: u64,
        half_window: u64,
    ) -> bool {
        while self.marks.front().is_some_and(|&m| m <= una) {
            self.marks.pop_front();
        }
        let i = self.marks.partition_point(|&m| m <= start);
        let marked = self.marks.get(i).is_some_and(|&m| m <= end);
        let forced = !marked && new && half_window > 0 && end > self.pushed + half_window;
        if forced {
            // Remembered, for its retransmissions.
            self.marks.insert(i, end);
        }
        let push = marked || forced;
        if push && new {
            self.pushed = self.pushed.max(end);
        }
        push
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_segment_holding_a_writes_last_byte_is_pushed() {
        let mut p = PushMarks::default();
        // Two writes: bytes 1..=3000 and 3001..=3500.
        p.wrote(3001);
        p.wrote(3501);
        let sent: Vec<bool> = [(1, 1461), (1461, 2921), (2921, 3501)]
            .into_iter()
            .map(|(s, e)| p.segment(s, e, true, 1, 0))
            .collect();
        // The third carries both ends.
        assert_eq!(sent, [false, false, true]);
        // Its retransmission is pushed again; the first segment's is not.
        assert!(p.segment(2921, 3501, false, 1, 0));
        assert!(!p.segment(1, 1461, false, 1, 0));
        // A split keeps the flag with the tail (`tcp_fragment`).
        assert!(!p.segment(2921, 3000, false, 2921, 0));
        assert!(p.segment(3000, 3501, false, 2921, 0));
    }

    #[test]
    fn a_long_write_is_pushed_every_half_window() {
        let mut p = PushMarks::default();
        p.wrote(1 + 100 * 1000);
        // Half the peer's window: 4,500 bytes, so every fifth 1,000-byte
        // segment is forced.
        let pushed: Vec<u64> = (0..20)
            .filter(|k| p.segment(1 + k * 1000, 1 + (k + 1) * 1000, true, 1, 4500))
            .collect();
        assert_eq!(pushed, [4, 9, 14, 19]);
        // A forced push is kept for the retransmission.
        assert!(p.segment(4001, 5001, false, 1, 4500));
        assert!(!p.segment(3001, 4001, false, 1, 4500));
    }
}
