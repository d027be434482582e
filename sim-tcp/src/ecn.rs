//! ECN in TCP (RFC 3168 §6.1): the set-up in the SYNs, ECT on data, the
//! receiver's echo of CE, and the sender's once-per-window reduction with
//! CWR. DCTCP's receiver (RFC 8257 §3.2), which echoes the CE state of
//! each segment instead of latching it, is the other mode.
//!
//! The connection (`crate::conn`) calls these at its handshake, send and
//! receive points; the window reduction itself is the congestion
//! control's ([`crate::congestion::CongestionControl::on_ecn_echo`]).

use sim_core::Ecn;

use crate::config::{CongestionKind, EcnMode, TcpConfig};
use crate::segment::{Flags, Segment};

/// Whether our SYN asks for ECN: configured on, or an algorithm that needs
/// it (Linux's `tcp_ca_needs_ecn` overrides `tcp_ecn`).
pub(crate) fn asks(cfg: &TcpConfig) -> bool {
    cfg.ecn == EcnMode::On || cfg.congestion == CongestionKind::Dctcp
}

/// Whether we agree when the peer's SYN asks. Whoever asks also agrees,
/// so this is whether a connection with this configuration may use ECN at
/// all: what decides whether its ECN figures are reported.
pub fn may_use(cfg: &TcpConfig) -> bool {
    cfg.ecn != EcnMode::Off || cfg.congestion == CongestionKind::Dctcp
}

/// A connection's ECN state.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct EcnState {
    /// Both ends agreed in the handshake (RFC 3168 §6.1.1).
    pub(crate) on: bool,
    /// DCTCP's modes: ECT on every segment, and ECE as the CE state of
    /// the latest data (RFC 8257 §3.2).
    pub(crate) per_segment: bool,
    /// Receiver: CE arrived; every ACK carries ECE until a CWR arrives
    /// (RFC 3168 §6.1.3).
    demand_cwr: bool,
    /// DCTCP receiver: the latest data segment was CE.
    ce_state: bool,
    /// Sender: the window was reduced; the next new data carries CWR
    /// (RFC 3168 §6.1.2).
    queue_cwr: bool,
    /// Sender: no further reduction until SND.UNA reaches this index (the
    /// data outstanding at the last reduction, RFC 3168 §6.1.2: "at most
    /// once per window of data").
    reduced_until: u64,
}

/// What a data segment's arrival asks of the receiver's ACKs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arrival {
    /// Nothing new.
    Quiet,
    /// The first CE after a quiet spell: ACK quickly (Linux enters quick
    /// ACK mode, since a sender with a small window must hear soon).
    FirstCe,
    /// DCTCP: the CE state flipped. Any delayed ACK goes first with the
    /// old state, then this segment is ACKed at once with the new one.
    Flipped,
}

impl EcnState {
    /// The peer's SYN or SYN,ACK: ECN is on if we asked (or agree) and the
    /// peer's flags complete the set-up (RFC 3168 §6.1.1: an ECN-setup SYN
    /// has ECE and CWR, an ECN-setup SYN,ACK has ECE and not CWR).
    pub(crate) fn take_syn(&mut self, cfg: &TcpConfig, syn: &Segment, per_segment: bool) {
        let answer = syn.has(Flags::ACK);
        self.on = if answer {
            asks(cfg) && syn.has(Flags::ECE) && !syn.has(Flags::CWR)
        } else {
            may_use(cfg) && syn.has(Flags::ECE) && syn.has(Flags::CWR)
        };
        self.per_segment = self.on && per_segment;
    }

    /// The ECN flags of a SYN we send: the request on a SYN, the answer on
    /// a SYN,ACK.
    pub(crate) fn syn_flags(&self, cfg: &TcpConfig, passive: bool) -> Flags {
        match (passive, self.on) {
            (false, _) if asks(cfg) => Flags::ECE | Flags::CWR,
            (true, true) => Flags::ECE,
            _ => Flags::default(),
        }
    }

    /// The ECN field and flags of a segment after the handshake. ECT goes
    /// on new data only (RFC 3168 §6.1.4: not on pure ACKs; §6.1.5: not on
    /// retransmissions; §6.1.6: not on window probes); DCTCP puts it on
    /// everything, as Linux does. CWR rides on the first new data after a
    /// reduction; ECE on every ACK while the receiver demands it.
    pub(crate) fn stamp(&mut self, new_data: bool) -> (Ecn, Flags) {
        if !self.on {
            return (Ecn::NotEct, Flags::default());
        }
        let mut flags = Flags::default();
        if new_data && self.queue_cwr {
            self.queue_cwr = false;
            flags = flags | Flags::CWR;
        }
        let echo = if self.per_segment {
            self.ce_state
        } else {
            self.demand_cwr
        };
        if echo {
            flags = flags | Flags::ECE;
        }
        let ecn = if new_data || self.per_segment {
            Ecn::Ect0
        } else {
            Ecn::NotEct
        };
        (ecn, flags)
    }

    /// A data segment arrived (RFC 3168 §6.1.3): CWR ends the echo, then CE
    /// starts it (a CE on the CWR segment itself demands another). DCTCP
    /// follows the CE state instead.
    pub(crate) fn on_data(&mut self, seg: &Segment) -> Arrival {
        if !self.on {
            return Arrival::Quiet;
        }
        let ce = seg.ecn == Ecn::Ce;
        if self.per_segment {
            let flipped = ce != self.ce_state;
            self.ce_state = ce;
            return if flipped {
                Arrival::Flipped
            } else {
                Arrival::Quiet
            };
        }
        if seg.has(Flags::CWR) {
            self.demand_cwr = false;
        }
        if ce && !self.demand_cwr {
            self.demand_cwr = true;
            return Arrival::FirstCe;
        }
        if ce {
            self.demand_cwr = true;
        }
        Arrival::Quiet
    }

    /// The DCTCP receiver's echo before `on_data` flipped it, for the
    /// delayed ACK that goes first.
    pub(crate) fn set_echo(&mut self, ce: bool) {
        self.ce_state = ce;
    }

    /// The DCTCP receiver's echo now.
    pub(crate) fn echo(&self) -> bool {
        self.ce_state
    }

    /// Whether an ACK's ECN-Echo calls for a reduction now: ECN is on, it
    /// is outside recovery, and data beyond the window last reduced is
    /// acknowledged (RFC 3168 §6.1.2). Beyond, not up to: the segment
    /// that carried CWR is the first after that window, and the receiver
    /// echoes until it arrives (Linux holds its CWR state the same way).
    pub(crate) fn should_reduce(&self, ece: bool, in_recovery: bool, snd_una: u64) -> bool {
        self.on && ece && !in_recovery && snd_una > self.reduced_until
    }

    /// The window was reduced (for ECE, a loss or a timeout) with `snd_max`
    /// the highest sent: ignore ECE for that data, and tell the receiver
    /// with CWR (Linux queues CWR on every reduction, `tcp_ecn_queue_cwr`).
    pub(crate) fn reduced(&mut self, snd_max: u64) {
        if self.on {
            self.reduced_until = snd_max;
            self.queue_cwr = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Profile;

    fn syn(flags: Flags) -> Segment {
        Segment {
            flags: Flags::SYN | flags,
            ..Segment::default()
        }
    }

    #[test]
    fn setup_needs_both_sides() {
        let mut on = TcpConfig::profile(Profile::Rfc);
        on.ecn = EcnMode::On;
        let linux = TcpConfig::profile(Profile::Linux);
        let rfc = TcpConfig::profile(Profile::Rfc);
        let request = Flags::ECE | Flags::CWR;
        // Linux answers a request but does not ask.
        let mut s = EcnState::default();
        assert_eq!(s.syn_flags(&linux, false), Flags::default());
        s.take_syn(&linux, &syn(request), false);
        assert!(s.on);
        assert_eq!(s.syn_flags(&linux, true), Flags::ECE);
        // rfc refuses.
        s.take_syn(&rfc, &syn(request), false);
        assert!(!s.on);
        assert_eq!(s.syn_flags(&rfc, true), Flags::default());
        // A SYN,ACK with ECE and CWR is not a set-up answer.
        assert_eq!(s.syn_flags(&on, false), request);
        s.take_syn(&on, &syn(Flags::ACK | request), false);
        assert!(!s.on);
        s.take_syn(&on, &syn(Flags::ACK | Flags::ECE), false);
        assert!(s.on);
    }

    #[test]
    fn the_echo_latches_until_cwr() {
        let mut s = EcnState {
            on: true,
            ..EcnState::default()
        };
        let data = |ecn, flags| Segment {
            ecn,
            flags: Flags::ACK | flags,
            ..Segment::default()
        };
        let none = Flags::default();
        assert_eq!(s.on_data(&data(Ecn::Ect0, none)), Arrival::Quiet);
        assert_eq!(s.stamp(false).1, none);
        assert_eq!(s.on_data(&data(Ecn::Ce, none)), Arrival::FirstCe);
        assert_eq!(s.on_data(&data(Ecn::Ect0, none)), Arrival::Quiet);
        assert_eq!(s.stamp(false), (Ecn::NotEct, Flags::ECE));
        s.on_data(&data(Ecn::Ect0, Flags::CWR));
        assert_eq!(s.stamp(false).1, none);
        // The sender's side: one reduction per window, CWR on new data.
        assert!(s.should_reduce(true, false, 1));
        s.reduced(5000);
        assert!(!s.should_reduce(true, false, 5000));
        assert!(s.should_reduce(true, false, 5001));
        assert!(!s.should_reduce(true, true, 5001));
        assert_eq!(s.stamp(false), (Ecn::NotEct, none), "no CWR on an ACK");
        assert_eq!(s.stamp(true), (Ecn::Ect0, Flags::CWR));
        assert_eq!(s.stamp(true), (Ecn::Ect0, none));
    }
}
