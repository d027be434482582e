//! Which `link_transmit` is a packet's first, decided record by record.
//!
//! A packet keeps its id across hops and in a link's duplicate, so the
//! first transmission is not simply the first record with an id. A
//! transmission is a later one when the packet reached the sending node
//! over a link (it is being forwarded) or it is the link's copy
//! (`link_enqueue` with `duplicate`). [`FirstHops`] follows each packet
//! from `link_enqueue` to `link_transmit` on its sending node, in the
//! queue's order, instead of remembering every id ever sent: it holds one
//! entry per packet waiting in a link queue and one per packet that arrived
//! at a node it passes through (passed on in the same instant).

use std::collections::VecDeque;

use crate::idmap::IdMap;

use sim_core::{Field, Kind, NodeId, TraceRecord, Value};

/// What a record means for its packet's first hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hop {
    /// The packet's first transmission.
    First,
    /// A transmission after the first (a forward, a duplicate).
    Later,
    /// The packet was refused before its first transmission (queue full,
    /// a fault, no route, taken by an interceptor at its origin) and a
    /// copy of it may not be waiting.
    Refused,
    /// Anything else.
    Other,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct FirstHops {
    /// Per (packet id, sending node): packets enqueued and not yet
    /// transmitted, in queue order; `true` for one whose transmission is
    /// not the packet's first.
    queued: IdMap<(u64, NodeId), VecDeque<bool>>,
    /// Per (packet id, node): packets that arrived at a node they only pass
    /// through and were not passed on yet.
    passing: IdMap<(u64, NodeId), u32>,
}

impl FirstHops {
    fn take_passing(&mut self, id: u64, node: NodeId) -> bool {
        match self.passing.get_mut(&(id, node)) {
            Some(n) => {
                *n -= 1;
                if *n == 0 {
                    self.passing.remove(&(id, node));
                }
                true
            }
            None => false,
        }
    }

    pub(crate) fn push(&mut self, r: &TraceRecord) -> Hop {
        let Some(id) = r.u64(Field::Id) else {
            return Hop::Other;
        };
        let from = r.node_field(Field::From);
        match (r.kind, from) {
            (Kind::LinkEnqueue, Some(from)) => {
                let copy = r.field(Field::Duplicate) == Some(&Value::Bool(true));
                let forwarded = !copy && self.take_passing(id, from);
                self.queued
                    .entry((id, from))
                    .or_default()
                    .push_back(copy || forwarded);
                Hop::Other
            }
            (Kind::LinkTransmit, Some(from)) => {
                let later = match self.queued.get_mut(&(id, from)) {
                    Some(q) => {
                        let later = q.pop_front().unwrap_or(false);
                        if q.is_empty() {
                            self.queued.remove(&(id, from));
                        }
                        later
                    }
                    None => self.take_passing(id, from),
                };
                if later { Hop::Later } else { Hop::First }
            }
            (Kind::LinkDeliver, _) => {
                if let (Some(to), Some(dst)) = (r.node_field(Field::To), r.node_field(Field::Dst))
                    && to != dst
                {
                    *self.passing.entry((id, to)).or_default() += 1;
                }
                Hop::Other
            }
            (Kind::LinkDrop, Some(from)) if r.text(Field::Reason) != Some("random_loss") => {
                // A refused copy leaves its original in the queue.
                if self.take_passing(id, from) || self.queued.contains_key(&(id, from)) {
                    Hop::Other
                } else {
                    Hop::Refused
                }
            }
            (Kind::PacketUnroutable | Kind::PacketIntercepted, _) => {
                if self.take_passing(id, r.node) {
                    Hop::Other
                } else {
                    Hop::Refused
                }
            }
            _ => Hop::Other,
        }
    }
}
