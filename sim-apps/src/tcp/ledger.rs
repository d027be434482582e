//! Each connection end's figures for the run summary, kept by the model
//! itself: when it opened, reached ESTABLISHED and ended, its last state,
//! and its own counters ([`ConnStats`]) taken when it ends or, for one
//! still open, when the run does. Nothing here needs a trace record, so a
//! run that only wants its summary builds none.

use sim_core::{NodeId, SimDuration, SimTime};
use sim_tcp::conn::ConnStats;
use sim_tcp::stack::{ConnId, Quad, TcpStack};
use sim_tcp::{CongestionKind, State};

use crate::histogram::Histogram;

/// A host keeps the figures of its first this many connection ends and no
/// more. The summary lists the first this many of the whole run, ordered
/// by when they opened, and a host's ends open in the order it keeps
/// them, so no end the summary could list is left out; a SYN flood's
/// million half-open connections cost nothing here.
pub const KEPT_CONNECTIONS: usize = 100;

/// One TCP connection end's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnFigures {
    /// Its node.
    pub node: NodeId,
    /// Local port.
    pub lport: u16,
    /// Peer node (the address it talks to).
    pub peer: NodeId,
    /// Peer port.
    pub pport: u16,
    /// Its first state change: connect, or a SYN received.
    pub opened: SimTime,
    /// When it first reached ESTABLISHED.
    pub established: Option<SimTime>,
    /// When it reached CLOSED, or went back to LISTEN (and so was gone).
    pub ended: Option<SimTime>,
    /// Its last state.
    pub final_state: State,
    /// Its counters: segments sent and retransmitted, data bytes sent and
    /// delivered, as TCP counted them.
    pub stats: ConnStats,
    /// The application it belongs to, by its name on the host (filled in
    /// by the host, which knows the names).
    pub app: String,
    /// The congestion control it ran.
    pub congestion: CongestionKind,
    /// When the peer last acknowledged new data: the end of the span its
    /// goodput is taken over.
    pub last_acked: Option<SimTime>,
    /// Its RTT samples, in nanoseconds.
    pub rtt: Histogram,
}

/// A live connection end's state when a time series samples it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowSample {
    /// Local port.
    pub lport: u16,
    /// Peer node.
    pub peer: NodeId,
    /// Peer port.
    pub pport: u16,
    /// Congestion window in bytes.
    pub cwnd: u32,
    /// Smoothed RTT, once measured.
    pub srtt: Option<sim_core::SimDuration>,
    /// Data bytes sent and not yet acknowledged.
    pub in_flight: u64,
    /// Data bytes the peer acknowledged so far.
    pub bytes_acked: u64,
    /// Data bytes delivered to the application so far.
    pub bytes_delivered: u64,
    /// Data bytes sent so far, retransmissions included: zero for an end
    /// that only receives, whose window means nothing.
    pub bytes_sent: u64,
}

/// The figures of a host's connection ends, in the order they opened.
#[derive(Debug, Default)]
pub(super) struct Ledger {
    /// At most [`KEPT_CONNECTIONS`].
    ends: Vec<ConnFigures>,
    /// The kept ends not yet ended: (connection id, index in `ends`). Ids
    /// are reused once a connection is gone, so an id maps to an entry
    /// only while it lives.
    live: Vec<(ConnId, usize)>,
}

impl Ledger {
    /// Connection `id` (of 4-tuple `quad`, on `node`, running
    /// `congestion`) changed state to `to` at `now`; `stack` still holds
    /// it.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn state_changed(
        &mut self,
        node: NodeId,
        congestion: CongestionKind,
        now: SimTime,
        id: ConnId,
        quad: Quad,
        to: State,
        stack: &TcpStack,
    ) {
        let i = match self.live.iter().position(|(c, _)| *c == id) {
            Some(at) => self.live[at].1,
            None if self.ends.len() < KEPT_CONNECTIONS => {
                self.ends.push(ConnFigures {
                    node,
                    lport: quad.local_port,
                    peer: quad.remote,
                    pport: quad.remote_port,
                    opened: now,
                    established: None,
                    ended: None,
                    final_state: to,
                    stats: ConnStats::default(),
                    app: String::new(),
                    congestion,
                    last_acked: None,
                    rtt: Histogram::default(),
                });
                self.live.push((id, self.ends.len() - 1));
                self.ends.len() - 1
            }
            None => return,
        };
        let end = &mut self.ends[i];
        end.final_state = to;
        if to == State::Established {
            end.established.get_or_insert(now);
        }
        if matches!(to, State::Closed | State::Listen) {
            // The stack forgets it once this event is handled: its counters
            // are final now.
            end.ended = Some(now);
            if let Some(c) = stack.conn(id) {
                end.stats = c.stats();
            }
            self.live.retain(|(c, _)| *c != id);
        }
    }

    /// The kept end of connection `id` while it lives.
    fn live_mut(&mut self, id: ConnId) -> Option<&mut ConnFigures> {
        // Few connections live at once on a host that sends much; a
        // linear search costs less than a map here.
        let i = self.live.iter().find(|(c, _)| *c == id)?.1;
        self.ends.get_mut(i)
    }

    /// Connection `id` took RTT sample `r`.
    pub(super) fn rtt_sample(&mut self, id: ConnId, r: SimDuration) {
        if let Some(e) = self.live_mut(id) {
            e.rtt.push(r.as_nanos());
        }
    }

    /// The peer acknowledged new data of connection `id` at `now`.
    pub(super) fn acked(&mut self, id: ConnId, now: SimTime) {
        if let Some(e) = self.live_mut(id) {
            e.last_acked = Some(now);
        }
    }

    /// Every kept end, in the order they opened, those still open with
    /// their counters as they are now.
    pub(super) fn figures(&self, stack: Option<&TcpStack>) -> Vec<ConnFigures> {
        let mut ends = self.ends.clone();
        if let Some(stack) = stack {
            for (id, i) in &self.live {
                if let Some(c) = stack.conn(*id) {
                    ends[*i].stats = c.stats();
                }
            }
        }
        ends
    }
}
