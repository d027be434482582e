//! Explicit Congestion Notification in the IP header (RFC 3168 §5), and
//! how a link direction marks packets on its own.
//!
//! The codepoint belongs to the packet ([`crate::Packet::ecn`]), not to its
//! payload: queues along the path change it without knowing the protocol
//! inside, and the transport at the far end reads it back. Who sets ECT and
//! how the echo reaches the sender is the transport's business (sim-tcp).

use crate::topology::QueueLimit;

/// The two-bit ECN field of the IP header (RFC 3168 §5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Ecn {
    /// `00`: the transport does not take part in ECN.
    #[default]
    NotEct,
    /// `01`: ECN-capable transport, codepoint 1.
    Ect1,
    /// `10`: ECN-capable transport, codepoint 0 (what RFC 3168 senders use).
    Ect0,
    /// `11`: congestion experienced, set by a queue instead of a drop.
    Ce,
}

impl Ecn {
    /// The field's two bits, as the IP header carries them.
    pub fn bits(self) -> u8 {
        match self {
            Ecn::NotEct => 0b00,
            Ecn::Ect1 => 0b01,
            Ecn::Ect0 => 0b10,
            Ecn::Ce => 0b11,
        }
    }

    /// Whether the sender takes part in ECN: ECT(0), ECT(1), or CE set on
    /// the way. A queue marks such a packet instead of dropping it; one
    /// already CE stays CE and counts as marked again (RFC 3168 §5: CE is
    /// never reset; Linux's `INET_ECN_set_ce` accepts it).
    pub fn is_capable(self) -> bool {
        self != Ecn::NotEct
    }

    /// The name the trace writes (`ect0`, `ect1`, `ce`; `not_ect` is never
    /// written: a packet without ECN carries no `ecn` field).
    pub fn name(self) -> &'static str {
        match self {
            Ecn::NotEct => "not_ect",
            Ecn::Ect1 => "ect1",
            Ecn::Ect0 => "ect0",
            Ecn::Ce => "ce",
        }
    }

    /// The codepoint a trace name stands for.
    pub fn from_name(name: &str) -> Option<Ecn> {
        [Ecn::NotEct, Ecn::Ect1, Ecn::Ect0, Ecn::Ce]
            .into_iter()
            .find(|e| e.name() == name)
    }
}

/// A link direction's own marking policy, applied as an ECN-capable packet
/// joins the queue, whatever the discipline: the plain marker an endpoint
/// study needs (DCTCP's switch rule, RFC 8257 §3.1, is a threshold on the
/// instantaneous queue). Packets that are not ECN-capable are never touched
/// by it; the queue's limit and discipline still drop them as before.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Marking {
    /// Mark CE when the packet finds at least this much waiting ahead of
    /// it (packets or bytes).
    Threshold(QueueLimit),
    /// Mark CE with this probability, drawn from the direction's own
    /// `mark` stream.
    Probability(f64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codepoints_match_rfc_3168() {
        let all = [Ecn::NotEct, Ecn::Ect1, Ecn::Ect0, Ecn::Ce];
        assert_eq!(all.map(Ecn::bits), [0, 1, 2, 3]);
        assert_eq!(all.map(Ecn::is_capable), [false, true, true, true]);
        for e in all {
            assert_eq!(Ecn::from_name(e.name()), Some(e));
        }
    }
}
