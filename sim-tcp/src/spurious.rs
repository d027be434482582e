//! Was a recovery needed? A fast retransmit or a timeout retransmits data
//! the sender believes lost; when the peer shows it had the originals, the
//! window was cut for nothing. Two signs are read, as Linux reads them
//! before undoing a reduction (`tcp_try_undo_dsack`, `tcp_packet_delayed`):
//!
//! - every retransmission of the episode came back in a D-SACK block (RFC
//!   3708 §3, with RFC 2883's reports);
//! - with timestamps, the first ACK to advance after a retransmission
//!   echoes a TSval older than that retransmission's: it was sent for an
//!   original (the Eifel detection, RFC 3522 §2).
//!
//! The connection counts such episodes (`spurious_recoveries`); it does not
//! undo the reduction (a stated deviation from Linux, README model notes).

/// One loss episode, from the fast retransmit or timeout that began it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Episode {
    /// SND.UNA when it began (Linux's `undo_marker`): D-SACKs above it
    /// report this episode's retransmissions.
    marker: u64,
    /// Retransmissions sent and not yet reported as duplicates (Linux's
    /// `undo_retrans`).
    unreported: u32,
    /// Retransmissions sent in the episode.
    sent: u32,
    /// TSval of the episode's first retransmission, while the Eifel check
    /// waits for the first ACK that advances after it.
    first_tsval: Option<u32>,
    /// Found spurious: nothing more to decide.
    decided: bool,
}

impl Episode {
    /// A fast retransmit or timeout begins an episode at `snd_una`.
    pub fn begin(snd_una: u64) -> Self {
        Episode {
            marker: snd_una,
            unreported: 0,
            sent: 0,
            first_tsval: None,
            decided: false,
        }
    }

    /// A retransmission went out, carrying `tsval` if timestamps are on.
    pub fn retransmitted(&mut self, tsval: Option<u32>) {
        if self.decided {
            return;
        }
        self.sent += 1;
        self.unreported += 1;
        if self.sent == 1 {
            self.first_tsval = tsval;
        }
    }

    /// A D-SACK reported `[left, right)` (absolute indices) received
    /// twice, `segments` segments' worth, on an ACK that found SND.UNA at
    /// `prior_una`. True if that made every retransmission of the episode
    /// reported: the episode was spurious (RFC 3708 §3).
    pub fn dsack(&mut self, right: u64, segments: u32, prior_una: u64) -> bool {
        if self.decided || self.unreported == 0 || right <= self.marker || right > prior_una {
            return false;
        }
        self.unreported = self.unreported.saturating_sub(segments.max(1));
        if self.unreported == 0 {
            self.decided = true;
            return true;
        }
        false
    }

    /// An ACK advanced SND.UNA, echoing `tsecr`. True if it shows the
    /// original, not the retransmission, was acknowledged (RFC 3522 §2:
    /// TSecr older than the first retransmission's TSval).
    pub fn advanced(&mut self, tsecr: Option<u32>) -> bool {
        if self.decided {
            return false;
        }
        let (Some(first), Some(ecr)) = (self.first_tsval.take(), tsecr) else {
            return false;
        };
        // TSvals compare as sequence numbers (RFC 7323 §5.2). An echo of
        // the retransmission's own TSval (or of the same millisecond)
        // proves nothing; D-SACKs may still tell.
        let older = first.wrapping_sub(ecr);
        self.decided = older != 0 && older < 1 << 31;
        self.decided
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_retransmission_dsacked_makes_the_episode_spurious() {
        let mut e = Episode::begin(1000);
        e.retransmitted(None);
        e.retransmitted(None);
        // A D-SACK below the marker reports an older episode's data.
        assert!(!e.dsack(900, 1, 3000));
        assert!(!e.dsack(2000, 1, 3000));
        assert!(e.dsack(3000, 1, 3000));
        // Decided once.
        assert!(!e.dsack(3000, 1, 3000));
    }

    #[test]
    fn an_echo_older_than_the_retransmission_shows_the_original_arrived() {
        let mut e = Episode::begin(1);
        e.retransmitted(Some(500));
        assert!(e.advanced(Some(480)));
        let mut e = Episode::begin(1);
        e.retransmitted(Some(500));
        assert!(!e.advanced(Some(500)), "the retransmission's own echo");
        assert!(!e.advanced(Some(480)), "only the first advancing ACK tells");
    }

    #[test]
    fn without_timestamps_only_dsacks_decide() {
        let mut e = Episode::begin(1);
        e.retransmitted(None);
        assert!(!e.advanced(None));
        assert!(e.dsack(100, 1, 100));
    }
}
