//! The sender's scoreboard: every segment sent and not yet cumulatively
//! acknowledged, and what the peer's SACK blocks said about it (RFC 6675
//! §3).
//!
//! Positions are absolute indices of the send sequence space, as in the
//! connection. Segments are kept as sent, in order; a SACK block or a
//! cumulative ACK that ends inside one splits it, so every entry is either
//! wholly SACKed or not at all.

use std::collections::VecDeque;

use sim_core::SimTime;

use crate::rate::{Delivered, TxSnapshot};

/// One run of sent sequence space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sent {
    start: u64,
    end: u64,
    /// When it was last (re)transmitted.
    sent_at: SimTime,
    /// The peer's SACK blocks covered it.
    sacked: bool,
    /// RFC 6675 `IsLost`, as of the last [`Scoreboard::mark_lost`].
    lost: bool,
    /// Retransmitted during the current recovery and not since SACKed: it
    /// counts once more in `pipe` (RFC 6675 §4, `SetPipe` (b)).
    rtx_in_flight: bool,
    /// Ever retransmitted: its acknowledgment times nothing (Karn).
    retransmitted: bool,
    /// Delivery-rate state when it was last sent (`rate.rs`).
    tx: TxSnapshot,
}

impl Sent {
    fn len(&self) -> u64 {
        self.end - self.start
    }
}

/// What a cumulative ACK removed from the scoreboard.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Acked {
    /// Send time of the oldest acknowledged segment neither retransmitted
    /// nor SACKed before: the RTT sample Linux takes
    /// (`tcp_clean_rtx_queue`), void under Karn's rule if
    /// `any_retransmitted`.
    pub first_sent: Option<SimTime>,
    /// Some acknowledged segment had been retransmitted.
    pub any_retransmitted: bool,
    /// Bytes that had been SACKed before this cumulative ACK covered them
    /// (already counted as delivered when SACKed).
    pub were_sacked: u64,
    /// Entries wholly acknowledged and not SACKed before: the segments
    /// this ACK delivered, as a window counted in segments grows by.
    pub segments: u64,
}

/// The scoreboard.
#[derive(Clone, Debug, Default)]
pub struct Scoreboard {
    segs: VecDeque<Sent>,
    /// Counters kept as the flags change, so `pipe` costs nothing on the
    /// lossless path (Linux keeps the same four: `packets_out`,
    /// `sacked_out`, `lost_out`, `retrans_out`).
    total_bytes: u64,
    lost_bytes: u64,
    rtx_bytes: u64,
    sacked_bytes: u64,
    /// The same four in entries: segments as sent, or the pieces SACK
    /// edges cut them into (a receiver SACKs whole segments, so pieces are
    /// rare). Linux counts its window in these (`cwnd_unit` segments).
    total_pkts: u64,
    lost_pkts: u64,
    rtx_pkts: u64,
    sacked_pkts: u64,
    /// One past the highest SACKed index (0: nothing SACKed).
    high_sacked: u64,
    /// RACK (RFC 8985 §6.2 step 2): retransmissions sent after this time
    /// are not taken as delivered by the ACK being processed (it may be
    /// for an earlier transmission). Set before each ACK.
    rack_cut: SimTime,
    /// The most recently sent segment the ACK being processed delivered,
    /// as (send time, end), past the step 2 filter.
    rack_latest: Option<(SimTime, u64)>,
    /// Send times of the last segment, in sequence order, that the ACK's
    /// cumulative part and its SACK blocks delivered past the step 2
    /// filter: Linux takes RACK.rtt from the last one it walks.
    rack_last: [Option<SimTime>; 2],
    /// RFC 8985 §6.2 step 1: a segment never retransmitted was delivered
    /// below the highest SACKed one (`RACK.reordering_seen`).
    reordering_seen: bool,
    /// The newest segment the ACK being read delivered, for its rate
    /// sample (`rate.rs`).
    rate_latest: Option<Delivered>,
    /// Bytes ever deemed lost (a rate sample's losses).
    marked_lost: u64,
    /// Linux's measure of reordering, for `tcp_info` (`reordering.rs`).
    reordering: crate::reordering::Reordering,
}

/// What RACK's loss detection found (RFC 8985 §6.2 step 5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RackLosses {
    /// Segments newly deemed lost.
    pub segments: u64,
    /// Some of them were retransmissions.
    pub retransmissions: bool,
    /// Time left before the youngest segment sent before RACK.xmit_ts is
    /// old enough: the reordering timer (step 6).
    pub timeout: Option<sim_core::SimDuration>,
}

impl Scoreboard {
    /// Records a transmission of `[start, end)` at `now`: new data is
    /// appended, a retransmission marks what it covers.
    pub fn sent(&mut self, start: u64, end: u64, now: SimTime) {
        self.sent_tx(start, end, now, TxSnapshot::default());
    }

    /// [`Self::sent`] with the segment's delivery-rate snapshot.
    pub fn sent_tx(&mut self, start: u64, end: u64, now: SimTime, tx: TxSnapshot) {
        if start >= end {
            return;
        }
        let top = self.segs.back().map_or(0, |s| s.end);
        if self.segs.is_empty() || start >= top {
            self.total_bytes += end - start;
            self.total_pkts += 1;
            self.segs.push_back(Sent {
                start,
                end,
                sent_at: now,
                sacked: false,
                lost: false,
                rtx_in_flight: false,
                retransmitted: false,
                tx,
            });
            return;
        }
        self.split_at(start);
        self.split_at(end.min(top));
        let from = self.index_of(start);
        for s in self.segs.range_mut(from..) {
            if s.start >= end {
                break;
            }
            s.sent_at = now;
            s.tx = tx;
            s.retransmitted = true;
            if !s.rtx_in_flight && !s.sacked {
                s.rtx_in_flight = true;
                self.rtx_bytes += s.end - s.start;
                self.rtx_pkts += 1;
            }
        }
        if end > top {
            self.sent_tx(top, end, now, tx);
        }
    }

    /// A cumulative acknowledgment of everything before `to`.
    pub fn ack(&mut self, to: u64) -> Acked {
        let mut out = Acked::default();
        while let Some(front) = self.segs.front_mut() {
            if front.start >= to {
                break;
            }
            let whole = front.end <= to;
            if !front.sacked {
                let seg = *front;
                Self::rate_note(&mut self.rate_latest, &seg);
                Self::rack_note(
                    &mut self.rack_latest,
                    &mut self.rack_last[0],
                    &mut self.reordering_seen,
                    self.rack_cut,
                    self.high_sacked,
                    &seg,
                );
            }
            if front.retransmitted {
                out.any_retransmitted = true;
            } else if !front.sacked {
                self.reordering.delivered(front.start);
                if out.first_sent.is_none() {
                    out.first_sent = Some(front.sent_at);
                }
            }
            let gone = front.end.min(to) - front.start;
            self.total_bytes -= gone;
            if front.sacked {
                self.sacked_bytes -= gone;
                out.were_sacked += gone;
            }
            if front.lost {
                self.lost_bytes -= gone;
            }
            if front.rtx_in_flight {
                self.rtx_bytes -= gone;
            }
            if whole {
                self.total_pkts -= 1;
                self.sacked_pkts -= u64::from(front.sacked);
                self.lost_pkts -= u64::from(front.lost);
                self.rtx_pkts -= u64::from(front.rtx_in_flight);
                out.segments += u64::from(!front.sacked);
                self.segs.pop_front();
            } else {
                front.start = to;
                break;
            }
        }
        if self.segs.is_empty() {
            self.high_sacked = 0;
        }
        out
    }

    /// Marks `[left, right)` as held by the peer; returns the bytes newly
    /// SACKed and the send time of the oldest of them never retransmitted
    /// (an RTT sample, as Linux's `first_sackt`). Parts outside what is
    /// outstanding are ignored (RFC 2018 §8 lets no receiver's report make
    /// the sender forget data).
    pub fn sack(&mut self, left: u64, right: u64) -> (u64, Option<SimTime>) {
        let (Some(first), Some(last)) = (self.segs.front(), self.segs.back()) else {
            return (0, None);
        };
        let left = left.max(first.start);
        let right = right.min(last.end);
        if left >= right {
            return (0, None);
        }
        let mut first_sent = None;
        self.split_at(left);
        self.split_at(right);
        let from = self.index_of(left);
        let mut newly = 0;
        for s in self.segs.range_mut(from..) {
            if s.start >= right {
                break;
            }
            if !s.sacked {
                Self::rate_note(&mut self.rate_latest, s);
                Self::rack_note(
                    &mut self.rack_latest,
                    &mut self.rack_last[1],
                    &mut self.reordering_seen,
                    self.rack_cut,
                    self.high_sacked,
                    s,
                );
                s.sacked = true;
                self.sacked_pkts += 1;
                if s.lost {
                    s.lost = false;
                    self.lost_bytes -= s.len();
                    self.lost_pkts -= 1;
                }
                if s.rtx_in_flight {
                    s.rtx_in_flight = false;
                    self.rtx_bytes -= s.len();
                    self.rtx_pkts -= 1;
                }
                newly += s.len();
                if !s.retransmitted {
                    self.reordering.delivered(s.start);
                    if first_sent.is_none() {
                        first_sent = Some(s.sent_at);
                    }
                }
            }
        }
        self.sacked_bytes += newly;
        self.high_sacked = self.high_sacked.max(right);
        (newly, first_sent)
    }

    /// Before an ACK is read: retransmissions sent after `cut` are not
    /// taken as delivered by it (RFC 8985 §6.2 step 2).
    pub fn rack_begin(&mut self, cut: SimTime) {
        self.rack_cut = cut;
        self.rack_latest = None;
        self.rack_last = [None; 2];
    }

    /// After an ACK is read: the most recently sent segment it delivered.
    pub fn rack_take(&mut self) -> Option<(SimTime, u64)> {
        self.rack_latest.take()
    }

    /// After an ACK is read: the send time Linux measures RACK.rtt from.
    /// Linux walks the SACK blocks, then the cumulatively acknowledged
    /// segments, each in sequence order, and keeps the last segment's RTT
    /// (`tcp_rack_advance`), where RFC 8985 §6.2 step 2 walks in send
    /// order and so keeps the most recently sent one's.
    pub fn rack_linux_rtt_from(&self) -> Option<SimTime> {
        self.rack_last[0].or(self.rack_last[1])
    }

    /// After an ACK is read: the newest segment it delivered (cumulatively
    /// or by SACK), for the rate sample.
    pub fn take_delivered(&mut self) -> Option<Delivered> {
        self.rate_latest.take()
    }

    /// Bytes ever deemed lost, by any rule.
    pub fn marked_lost(&self) -> u64 {
        self.marked_lost
    }

    fn rate_note(latest: &mut Option<Delivered>, s: &Sent) {
        let d = Delivered {
            tx: s.tx,
            sent_at: s.sent_at,
            end: s.end,
            retransmitted: s.retransmitted,
        };
        if d.newer_than(latest) {
            *latest = Some(d);
        }
    }

    /// The highest SACKed index, or `una` with nothing SACKed (Linux's
    /// `tcp_highest_sack_seq`).
    fn fack(&self, una: u64) -> u64 {
        if self.sacked_bytes > 0 {
            self.high_sacked
        } else {
            una
        }
    }

    /// Before an ACK is read (cumulative part and SACK blocks), with
    /// SND.UNA `una`: Linux's reordering measure starts from here.
    pub fn reordering_begin(&mut self, una: u64) {
        let fack = self.fack(una);
        self.reordering.begin(fack);
    }

    /// After an ACK is read, with SND.UNA now `una`.
    pub fn reordering_end(&mut self, una: u64, mss: u32) {
        let fack = self.fack(una);
        self.reordering.end(fack, u64::from(mss));
    }

    /// A retransmission timeout outside recovery (`reordering.rs`).
    pub fn reordering_on_timeout(&mut self) {
        self.reordering.on_timeout(self.sacked_pkts);
    }

    /// Linux's `tp->reordering` and `tp->reord_seen` (`reordering.rs`).
    pub fn reordering(&self) -> (u32, u32) {
        (self.reordering.degree(), self.reordering.seen())
    }

    /// RFC 8985 §6.2 step 1, `RACK.reordering_seen`.
    pub fn reordering_seen(&self) -> bool {
        self.reordering_seen
    }

    fn rack_note(
        latest: &mut Option<(SimTime, u64)>,
        last: &mut Option<SimTime>,
        reordering_seen: &mut bool,
        cut: SimTime,
        high_sacked: u64,
        s: &Sent,
    ) {
        // Step 1: delivered below the highest SACKed, never retransmitted.
        if !s.retransmitted && s.end <= high_sacked {
            *reordering_seen = true;
        }
        // Step 2: an ACK of a retransmission sent too recently is taken for
        // the original's.
        if s.retransmitted && s.sent_at > cut {
            return;
        }
        *last = Some(s.sent_at);
        if latest.is_none_or(|l| rack_sent_after(s.sent_at, s.end, l.0, l.1)) {
            *latest = Some((s.sent_at, s.end));
        }
    }

    /// RACK's loss detection (RFC 8985 §6.2 step 5): every segment not
    /// SACKed and sent before RACK.xmit_ts (RACK_sent_after) is lost once
    /// `sent_at + rtt + reo_wnd <= now`, retransmissions included; one
    /// deemed lost and not retransmitted since is not looked at again (the
    /// RFC's INFINITE_TS). A lost retransmission no longer counts in
    /// `pipe` as in flight and becomes eligible for [`Self::next_lost`].
    pub fn rack_detect(
        &mut self,
        xmit_ts: SimTime,
        end_seq: u64,
        rtt: sim_core::SimDuration,
        reo_wnd: sim_core::SimDuration,
        now: SimTime,
    ) -> RackLosses {
        let mut out = RackLosses::default();
        for s in self.segs.iter_mut() {
            if s.sacked || (s.lost && !s.rtx_in_flight) {
                continue;
            }
            if !rack_sent_after(xmit_ts, end_seq, s.sent_at, s.end) {
                if !s.retransmitted {
                    // Segments above were first sent later still, and any
                    // retransmission later again: none is before xmit_ts.
                    break;
                }
                continue;
            }
            let deadline = s.sent_at + rtt + reo_wnd;
            if deadline <= now {
                out.segments += 1;
                if s.rtx_in_flight {
                    out.retransmissions = true;
                    s.rtx_in_flight = false;
                    self.rtx_bytes -= s.len();
                    self.rtx_pkts -= 1;
                }
                if !s.lost {
                    s.lost = true;
                    self.lost_bytes += s.len();
                    self.lost_pkts += 1;
                    self.marked_lost += s.len();
                }
            } else {
                let left = deadline.saturating_since(now);
                out.timeout = Some(out.timeout.map_or(left, |t| t.max(left)));
            }
        }
        out
    }

    /// RACK's `NextSeg` rule (1), as Linux's `tcp_xmit_retransmit_queue`:
    /// the first segment deemed lost and not retransmitted since, wherever
    /// HighRxt is (a lost retransmission is sent again).
    pub fn next_lost(&self) -> Option<(u64, u64)> {
        if self.lost_bytes == 0 {
            return None;
        }
        self.segs
            .iter()
            .find(|s| s.lost && !s.sacked && !s.rtx_in_flight)
            .map(|s| (s.start, s.end))
    }

    /// Bytes deemed lost and not retransmitted since.
    pub fn lost_bytes(&self) -> u64 {
        self.lost_bytes
    }

    /// Bytes retransmitted and neither acknowledged nor SACKed since
    /// (Linux's `retrans_out`, in bytes).
    pub fn rtx_bytes(&self) -> u64 {
        self.rtx_bytes
    }

    /// The last segment sent (highest sequence), for a loss probe.
    pub fn last_segment(&self) -> Option<(u64, u64)> {
        self.segs.back().map(|s| (s.start, s.end))
    }

    /// RFC 6675 `IsLost` for every segment not SACKed: lost when `dupthresh`
    /// SACKed segments, or more than `(dupthresh - 1) * smss` SACKed bytes,
    /// lie above it. A segment once lost stays lost until SACKed or
    /// acknowledged.
    pub fn mark_lost(&mut self, dupthresh: u32, smss: u32) {
        if self.sacked_bytes == 0 {
            return;
        }
        let byte_limit = u64::from(dupthresh.saturating_sub(1)) * u64::from(smss);
        let (mut segs_above, mut bytes_above) = (0u32, 0u64);
        for s in self.segs.iter_mut().rev() {
            if s.sacked {
                segs_above += 1;
                bytes_above += s.len();
            } else if !s.lost && (segs_above >= dupthresh || bytes_above > byte_limit) {
                s.lost = true;
                self.lost_bytes += s.len();
                self.lost_pkts += 1;
                self.marked_lost += s.len();
            }
        }
    }

    /// Deems the first outstanding segment lost: the duplicate ACK
    /// threshold was reached (RFC 6675 §5 (4.3): "the segment starting
    /// with sequence number HighACK + 1").
    pub fn mark_front_lost(&mut self) {
        if let Some(s) = self.segs.front_mut()
            && !s.sacked
            && !s.lost
        {
            s.lost = true;
            self.lost_bytes += s.end - s.start;
            self.lost_pkts += 1;
            self.marked_lost += s.end - s.start;
        }
    }

    /// After a retransmission timeout every segment not SACKed is lost
    /// (as Linux's `tcp_enter_loss`), and no retransmission is in flight.
    pub fn mark_all_lost(&mut self) {
        for s in self.segs.iter_mut() {
            s.rtx_in_flight = false;
            s.lost = !s.sacked;
        }
        self.rtx_bytes = 0;
        self.rtx_pkts = 0;
        self.marked_lost += self.total_bytes - self.sacked_bytes - self.lost_bytes;
        self.lost_bytes = self.total_bytes - self.sacked_bytes;
        self.lost_pkts = self.total_pkts - self.sacked_pkts;
    }

    /// A new recovery begins: earlier retransmissions no longer count
    /// separately in `pipe` (RFC 6675 §5: HighRxt starts at HighACK).
    pub fn begin_recovery(&mut self) {
        for s in self.segs.iter_mut() {
            s.rtx_in_flight = false;
        }
        self.rtx_bytes = 0;
        self.rtx_pkts = 0;
    }

    /// RFC 6675 `SetPipe`: bytes believed in the network, the ones neither
    /// SACKed nor lost plus the retransmissions.
    pub fn pipe(&self) -> u64 {
        self.total_bytes - self.sacked_bytes - self.lost_bytes + self.rtx_bytes
    }

    /// `pipe` in segments (Linux's `tcp_packets_in_flight`).
    pub fn pipe_segments(&self) -> u64 {
        self.total_pkts - self.sacked_pkts - self.lost_pkts + self.rtx_pkts
    }

    /// Segments sent that start below `index` and are not yet
    /// cumulatively acknowledged: what is in flight without SACK, where
    /// SND.NXT is `index`.
    pub fn segments_below(&self, index: u64) -> u64 {
        self.segs.partition_point(|s| s.start < index) as u64
    }

    /// Bytes SACKed and not yet cumulatively acknowledged.
    pub fn sacked_bytes(&self) -> u64 {
        self.sacked_bytes
    }

    /// One past the highest SACKed index, 0 if nothing is SACKed.
    pub fn high_sacked(&self) -> u64 {
        self.high_sacked
    }

    /// True if the segment starting at `index` is SACKed.
    pub fn is_sacked_at(&self, index: u64) -> Option<u64> {
        let i = self.segs.partition_point(|s| s.end <= index);
        self.segs
            .get(i)
            .filter(|s| s.sacked && s.start <= index)
            .map(|s| s.end)
    }

    /// True if the first outstanding segment is deemed lost.
    pub fn front_lost(&self) -> bool {
        self.segs.front().is_some_and(|s| s.lost)
    }

    /// RFC 6675 `NextSeg`: with `lost`, rule (1), the first segment at or
    /// after `high_rxt`, not SACKed, deemed lost; without, rule (3), the
    /// first such below the highest SACKed index, lost or not.
    pub fn next_hole(&self, high_rxt: u64, lost: bool) -> Option<(u64, u64)> {
        if lost && self.lost_bytes == 0 {
            return None;
        }
        let from = self.segs.partition_point(|s| s.end <= high_rxt);
        self.segs
            .range(from..)
            .take_while(|s| lost || s.end <= self.high_sacked)
            .find(|s| !s.sacked && s.start >= high_rxt && (s.lost || !lost))
            .map(|s| (s.start, s.end))
    }

    /// RFC 6675 `NextSeg` rule (4): the last segment not SACKed, for the
    /// rescue retransmission.
    pub fn last_unsacked(&self) -> Option<(u64, u64)> {
        self.segs
            .iter()
            .rev()
            .find(|s| !s.sacked)
            .map(|s| (s.start, s.end))
    }

    /// Nothing outstanding.
    pub fn is_empty(&self) -> bool {
        self.segs.is_empty()
    }

    fn index_of(&self, start: u64) -> usize {
        self.segs.partition_point(|s| s.start < start)
    }

    /// Splits the segment containing `at` so that one starts there.
    fn split_at(&mut self, at: u64) {
        let i = self.segs.partition_point(|s| s.end <= at);
        if let Some(s) = self.segs.get_mut(i)
            && s.start < at
            && at < s.end
        {
            let mut tail = *s;
            s.end = at;
            tail.start = at;
            self.total_pkts += 1;
            self.sacked_pkts += u64::from(tail.sacked);
            self.lost_pkts += u64::from(tail.lost);
            self.rtx_pkts += u64::from(tail.rtx_in_flight);
            self.segs.insert(i + 1, tail);
        }
    }
}

/// RFC 8985 §6.2 `RACK_sent_after`: (t1, seq1) was sent after (t2, seq2),
/// ties broken by sequence.
pub fn rack_sent_after(t1: SimTime, seq1: u64, t2: SimTime, seq2: u64) -> bool {
    t1 > t2 || (t1 == t2 && seq1 > seq2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn board(n: u64) -> Scoreboard {
        let mut b = Scoreboard::default();
        for k in 0..n {
            b.sent(1 + k * 100, 1 + (k + 1) * 100, SimTime(k));
        }
        b
    }

    #[test]
    fn an_ack_reports_the_newest_segment_it_delivered_once() {
        let mut b = Scoreboard::default();
        for k in 0..4u64 {
            let tx = TxSnapshot {
                delivered: k * 100,
                ..TxSnapshot::default()
            };
            b.sent_tx(1 + k * 100, 1 + (k + 1) * 100, SimTime(k), tx);
        }
        // A SACK of the third segment, then a cumulative ACK of the first
        // two: each reports the newest it delivered, the SACKed one is not
        // reported again when the cumulative ACK passes it.
        b.sack(201, 301);
        assert_eq!(b.take_delivered().map(|d| d.tx.delivered), Some(200));
        assert_eq!(b.take_delivered(), None);
        b.ack(301);
        let d = b.take_delivered().unwrap();
        assert_eq!((d.tx.delivered, d.sent_at, d.end), (100, SimTime(1), 201));
        // Everything deemed lost counts once in `marked_lost`, whichever
        // rule marked it.
        b.mark_front_lost();
        b.mark_all_lost();
        assert_eq!(b.marked_lost(), 100);
    }

    #[test]
    fn sack_blocks_mark_segments_and_count_new_bytes_once() {
        let mut b = board(5);
        assert_eq!(b.sack(101, 301), (200, Some(SimTime(1))));
        assert_eq!(b.sack(101, 301).0, 0, "a repeated block adds nothing");
        assert_eq!(b.sack(250, 351).0, 50, "a block ending inside splits it");
        assert_eq!(b.sacked_bytes(), 250);
        assert_eq!(b.high_sacked(), 351);
        assert_eq!(b.sack(0, 10_000).0, 250, "clipped to what is outstanding");
    }

    #[test]
    fn three_sacked_segments_above_make_a_hole_lost() {
        let mut b = board(6);
        b.sack(101, 201);
        b.sack(201, 301);
        b.mark_lost(3, 100);
        assert!(!b.front_lost(), "two segments above: not yet");
        assert_eq!(b.pipe(), 400);
        b.sack(301, 401);
        b.mark_lost(3, 100);
        assert!(b.front_lost());
        // Pipe: segments 401..601 in flight, the lost head is not.
        assert_eq!(b.pipe(), 200);
        assert_eq!(b.next_hole(0, true), Some((1, 101)));
        b.begin_recovery();
        b.sent(1, 101, SimTime(9));
        assert_eq!(b.pipe(), 300, "the retransmission is in flight");
        assert_eq!(b.next_hole(101, true), None);
        assert_eq!(
            b.next_hole(101, false),
            None,
            "nothing below the SACKed top"
        );
        b.sack(501, 601);
        assert_eq!(b.next_hole(101, false), Some((401, 501)));
        b.ack(601);
        assert_eq!(b.pipe(), 0);
    }

    #[test]
    fn cumulative_ack_times_the_oldest_fresh_segment() {
        let mut b = board(4);
        b.sent(101, 201, SimTime(50));
        let a = b.ack(251);
        assert_eq!(a.first_sent, Some(SimTime(0)));
        assert!(a.any_retransmitted);
        assert_eq!(b.last_unsacked(), Some((301, 401)));
        let a = b.ack(401);
        assert_eq!(a.first_sent, Some(SimTime(2)), "the rest of the third");
        assert!(b.is_empty());
        assert_eq!(b.high_sacked(), 0);
    }

    #[test]
    fn rack_deems_a_retransmission_lost_once_a_later_send_is_delivered() {
        use sim_core::SimDuration;
        let ms = SimDuration::from_millis;
        let mut b = board(4); // sent at 0..3 ns
        b.rack_begin(SimTime(0));
        b.sack(201, 401);
        assert_eq!(b.rack_take(), Some((SimTime(3), 401)));
        // Segments 1 and 2 were sent before RACK.xmit_ts: lost once old.
        let r = b.rack_detect(SimTime(3), 401, ms(100), ms(25), SimTime(3) + ms(100));
        // The youngest (sent at 1 ns) sets the timer.
        assert_eq!(
            (r.segments, r.timeout),
            (0, Some(SimDuration(25_000_000 - 2)))
        );
        let r = b.rack_detect(SimTime(3), 401, ms(100), ms(25), SimTime(3) + ms(125));
        assert_eq!(r.segments, 2);
        assert_eq!(b.next_lost(), Some((1, 101)));
        b.sent(1, 101, SimTime(3) + ms(125));
        assert_eq!(b.next_lost(), Some((101, 201)), "the first is in flight");
        b.sent(101, 201, SimTime(3) + ms(125));
        assert_eq!(b.pipe(), 200);
        // New data sent after the retransmissions and SACKed: they were
        // sent before it and are lost again (RFC 8985 §6.2 step 5).
        let t = SimTime(3) + ms(130);
        b.sent(401, 501, t);
        b.rack_begin(t);
        b.sack(401, 501);
        assert_eq!(b.rack_take(), Some((t, 501)));
        let r = b.rack_detect(t, 501, ms(100), ms(0), t + ms(100));
        assert_eq!((r.segments, r.retransmissions), (2, true));
        assert_eq!(b.pipe(), 0);
        assert_eq!(b.next_lost(), Some((1, 101)));
        // A retransmission acknowledged too soon after it was sent is taken
        // for the original (step 2) and does not move RACK.xmit_ts.
        let t2 = t + ms(101);
        b.sent(1, 101, t2);
        b.rack_begin(SimTime(t2.0 - 1));
        b.ack(101);
        assert_eq!(b.rack_take(), None);
        assert!(!b.reordering_seen());
    }

    #[test]
    fn linux_takes_rack_rtt_from_the_last_segment_in_sequence_order() {
        use sim_core::SimDuration;
        let ms = SimDuration::from_millis;
        let mut b = board(4); // sent at 0..3 ns, [1, 401)
        // The first segment is sent again at 10 ms; one ACK then delivers
        // it and, cumulatively, the original second segment (sent at 1 ns),
        // and SACKs the fourth.
        b.sent(1, 101, SimTime(0) + ms(10));
        b.rack_begin(SimTime(0) + ms(10));
        b.ack(201);
        b.sack(301, 401);
        // RFC 8985: the most recently sent delivered segment.
        assert_eq!(b.rack_take(), Some((SimTime(0) + ms(10), 101)));
        // Linux: SACK blocks first, then the cumulative ACK in sequence
        // order; the last walked is the original second segment.
        assert_eq!(b.rack_linux_rtt_from(), Some(SimTime(1)));
        // An ACK that only SACKs: the highest newly SACKed segment.
        b.rack_begin(SimTime(0) + ms(10));
        b.sack(201, 301);
        assert_eq!(b.rack_linux_rtt_from(), Some(SimTime(2)));
    }

    #[test]
    fn acked_sacked_bytes_leave_the_count() {
        let mut b = board(3);
        b.sack(101, 201);
        let a = b.ack(201);
        assert_eq!(a.were_sacked, 100);
        assert_eq!(b.sacked_bytes(), 0);
        assert_eq!(b.is_sacked_at(250), None);
    }

    /// Every running counter equals what the entries say, after any mix
    /// of sends, retransmissions, SACKs, ACKs, loss marks and timeouts.
    #[test]
    fn running_counts_match_the_entries() {
        fn recount(b: &Scoreboard) -> [u64; 8] {
            let mut c = [0; 8];
            for s in &b.segs {
                c[0] += s.len();
                c[1] += 1;
                if s.sacked {
                    c[2] += s.len();
                    c[3] += 1;
                }
                if s.lost {
                    c[4] += s.len();
                    c[5] += 1;
                }
                if s.rtx_in_flight {
                    c[6] += s.len();
                    c[7] += 1;
                }
            }
            c
        }
        let mut x: u64 = 12345;
        let mut rnd = |n: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % n
        };
        for _ in 0..200 {
            let mut b = Scoreboard::default();
            let (mut una, mut nxt) = (1u64, 1u64);
            for step in 0..60u64 {
                let t = SimTime(step);
                match rnd(8) {
                    0 | 1 => {
                        let len = 1 + rnd(150);
                        b.sent(nxt, nxt + len, t);
                        nxt += len;
                    }
                    2 if nxt > una => {
                        let from = una + rnd(nxt - una);
                        b.sack(from, from + 1 + rnd(300));
                    }
                    3 if nxt > una => {
                        una += rnd(nxt - una + 1);
                        b.ack(una);
                    }
                    4 if nxt > una => {
                        let from = una + rnd(nxt - una);
                        b.sent(from, (from + 100).min(nxt), t);
                    }
                    5 => b.mark_lost(3, 100),
                    6 => {
                        if rnd(2) == 0 {
                            b.mark_all_lost()
                        } else {
                            b.begin_recovery()
                        }
                    }
                    _ => {
                        b.rack_begin(t);
                        b.rack_detect(
                            t,
                            nxt,
                            sim_core::SimDuration(1),
                            sim_core::SimDuration(0),
                            t,
                        );
                    }
                }
                let c = recount(&b);
                assert_eq!(
                    c,
                    [
                        b.total_bytes,
                        b.total_pkts,
                        b.sacked_bytes,
                        b.sacked_pkts,
                        b.lost_bytes,
                        b.lost_pkts,
                        b.rtx_bytes,
                        b.rtx_pkts
                    ]
                );
                assert_eq!(b.pipe_segments(), c[1] - c[3] - c[5] + c[7]);
            }
        }
    }
}
