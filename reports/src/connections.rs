//! Per-connection figures for `summary.json`, derived from the trace: for
//! each TCP connection end, when it opened, reached ESTABLISHED and ended,
//! its final state, and the segments, retransmissions and bytes it sent and
//! delivered.

use sim_core::{Field, Kind, NodeId, SimTime, TraceRecord, Value};
use std::collections::BTreeMap;

/// One connection end's figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnFigures {
    /// The node.
    pub node: Option<NodeId>,
    /// Local port.
    pub lport: u64,
    /// Peer node.
    pub peer: Option<NodeId>,
    /// Peer port.
    pub pport: u64,
    /// First state change (connect or SYN received).
    pub opened: Option<SimTime>,
    /// Reached ESTABLISHED.
    pub established: Option<SimTime>,
    /// Reached CLOSED (or went back to LISTEN).
    pub ended: Option<SimTime>,
    /// The last state.
    pub final_state: String,
    /// Segments it put on the wire.
    pub segments_sent: u64,
    /// Of which retransmissions.
    pub retransmissions: u64,
    /// Data bytes in segments sent (retransmissions included).
    pub bytes_sent: u64,
    /// Bytes delivered in order to its application.
    pub bytes_delivered: u64,
}

/// A connection end: (node, local port, peer, peer port).
type Key = (NodeId, u64, NodeId, u64);

/// Every connection end in the trace, in order of first appearance (a thin
/// wrapper over [`FiguresBuilder`]).
pub fn figures(records: &[TraceRecord]) -> Vec<ConnFigures> {
    let mut b = FiguresBuilder::default();
    for r in records {
        b.push(r);
    }
    b.finish()
}

/// The record kinds the figures are made from: a run that only wants its
/// summary builds no other record.
pub const KINDS: &[Kind] = &[Kind::TcpState, Kind::TcpDeliver, Kind::LinkTransmit];

/// The figures of every connection end, fed record by record. Holds one
/// [`ConnFigures`] per connection end seen, nothing per record.
#[derive(Debug, Default, Clone)]
pub struct FiguresBuilder {
    order: Vec<Key>,
    map: BTreeMap<Key, ConnFigures>,
}

impl FiguresBuilder {
    /// Takes the next record.
    pub fn push(&mut self, r: &TraceRecord) {
        match r.kind {
            Kind::TcpState | Kind::TcpDeliver => {
                let (Some(lport), Some(peer), Some(pport)) = (
                    r.u64(Field::Lport),
                    r.node_field(Field::Peer),
                    r.u64(Field::Pport),
                ) else {
                    return;
                };
                let key = (r.node, lport, peer, pport);
                let order = &mut self.order;
                let c = self.map.entry(key).or_insert_with(|| {
                    order.push(key);
                    ConnFigures {
                        node: Some(r.node),
                        lport,
                        peer: Some(peer),
                        pport,
                        ..ConnFigures::default()
                    }
                });
                if r.kind == Kind::TcpDeliver {
                    c.bytes_delivered += r.u64(Field::Bytes).unwrap_or(0);
                    return;
                }
                c.opened.get_or_insert(r.t);
                let to = match r.field(Field::To) {
                    Some(Value::Str(s)) => s,
                    _ => return,
                };
                if to == "ESTABLISHED" {
                    c.established.get_or_insert(r.t);
                }
                if to == "CLOSED" || to == "LISTEN" {
                    c.ended = Some(r.t);
                }
                if c.final_state != *to {
                    c.final_state = to.to_string();
                }
            }
            Kind::LinkTransmit => {
                // Segments as they leave the connection's own host.
                if r.text(Field::Proto) != Some("tcp") {
                    return;
                }
                let (Some(src), Some(from)) = (r.node_field(Field::Src), r.node_field(Field::From))
                else {
                    return;
                };
                if src != from {
                    return;
                }
                let (Some(sp), Some(dst), Some(dp)) = (
                    r.u64(Field::Sport),
                    r.node_field(Field::Dst),
                    r.u64(Field::Dport),
                ) else {
                    return;
                };
                if let Some(c) = self.map.get_mut(&(src, sp, dst, dp)) {
                    c.segments_sent += 1;
                    c.bytes_sent += r.u64(Field::Len).unwrap_or(0);
                    if r.field(Field::Rtx) == Some(&Value::Bool(true)) {
                        c.retransmissions += 1;
                    }
                }
            }
            _ => {}
        }
    }

    /// The figures, in order of first appearance.
    pub fn finish(self) -> Vec<ConnFigures> {
        let mut map = self.map;
        self.order
            .into_iter()
            .filter_map(|k| map.remove(&k))
            .collect()
    }
}
