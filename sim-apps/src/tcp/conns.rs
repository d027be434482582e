//! The TCP application's per-connection state, and the sim-core timer of
//! each connection.
//!
//! Connection ids are dense (the stack reuses freed ones), so both tables
//! are vectors indexed by id: cheaper than maps, and iterating visits
//! connections in id order, deterministically.

use sim_core::{Context, SimTime, TimerId};
use sim_tcp::stack::ConnId;

use crate::payload::Wire;
use crate::stream::Stream;
use crate::timer::{Slot, TcpTimer, Timer};

/// Per-connection application state.
#[derive(Debug, Default)]
pub(super) struct ConnApp {
    /// The stream (TLS or plain HTTP) riding on this connection.
    pub(super) stream: Option<Box<Stream>>,
    /// Next stream offset expected from the peer.
    pub(super) expected: u64,
    /// When the connection was opened (connect or accept).
    pub(super) opened: Option<SimTime>,
    /// When its page load began: the DNS lookup before it, or the open.
    pub(super) started: Option<SimTime>,
    /// Client: when its current request was issued (its first: when the
    /// page load began, `started`; the others: when the one before was
    /// answered, or its think time ended).
    pub(super) request_at: Option<SimTime>,
    /// Client: its next request waits for a think timer. A timer that
    /// finds this unset belongs to a connection that is gone (its id
    /// may be another's by now) and does nothing.
    pub(super) thinking: bool,
    /// A client connection that has counted as done.
    pub(super) finished: bool,
    /// Client: the requests it makes, when not the application's
    /// `requests` (it takes up what a server's close left undone).
    pub(super) requests: Option<u64>,
    /// Its TLS handshake completed.
    pub(super) tls_up: bool,
    /// A relay's upstream connection: the request to send once connected.
    pub(super) relay_request: Option<Vec<u8>>,
    /// A relay's upstream connection still owes its response.
    pub(super) relay_pending: bool,
    /// Client: its `send` bytes were written before the SYN (TCP Fast
    /// Open), not on `Connected`.
    pub(super) sent_on_syn: bool,
}

/// Per-connection application state, indexed by connection id.
#[derive(Debug, Default)]
pub(super) struct ConnTable(Vec<Option<ConnApp>>);

impl ConnTable {
    pub(super) fn insert(&mut self, id: ConnId, c: ConnApp) {
        let i = id.0 as usize;
        if self.0.len() <= i {
            self.0.resize_with(i + 1, || None);
        }
        self.0[i] = Some(c);
    }
    pub(super) fn get(&self, id: ConnId) -> Option<&ConnApp> {
        self.0.get(id.0 as usize)?.as_ref()
    }
    pub(super) fn get_mut(&mut self, id: ConnId) -> Option<&mut ConnApp> {
        self.0.get_mut(id.0 as usize)?.as_mut()
    }
    pub(super) fn remove(&mut self, id: ConnId) {
        if let Some(slot) = self.0.get_mut(id.0 as usize) {
            *slot = None;
        }
    }
    /// The connections present, in id order.
    pub(super) fn ids(&self) -> Vec<ConnId> {
        (0..self.0.len())
            .filter(|&i| self.0[i].is_some())
            .map(|i| ConnId(i as u32))
            .collect()
    }
    /// A connection's stream, if it has one.
    pub(super) fn stream_mut(&mut self, id: ConnId) -> Option<&mut Stream> {
        self.get_mut(id)?.stream.as_deref_mut()
    }
}

/// Each connection's sim-core timer, made on first use and kept for the
/// id (a reused id reuses its timer).
#[derive(Debug, Default)]
pub(super) struct ConnTimers(Vec<Option<TimerId>>);

impl ConnTimers {
    /// Sets (or, with no deadline, cancels) connection `id`'s timer.
    pub(super) fn update(
        &mut self,
        cx: &mut Context<'_, Wire>,
        slot: Slot,
        id: ConnId,
        deadline: Option<SimTime>,
    ) {
        let i = id.0 as usize;
        if self.0.len() <= i {
            self.0.resize(i + 1, None);
        }
        match deadline {
            Some(at) => {
                let t = match self.0[i] {
                    Some(t) => t,
                    None => {
                        let t = cx.new_timer(Timer::Tcp(slot, TcpTimer::Conn(id)).to_token());
                        self.0[i] = Some(t);
                        t
                    }
                };
                cx.set_timer(t, at);
            }
            None => {
                if let Some(t) = self.0[i] {
                    cx.cancel_timer(t);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_lists_present_connections_in_id_order() {
        let mut t = ConnTable::default();
        t.insert(ConnId(3), ConnApp::default());
        t.insert(ConnId(0), ConnApp::default());
        t.insert(ConnId(1), ConnApp::default());
        t.remove(ConnId(1));
        assert_eq!(t.ids(), vec![ConnId(0), ConnId(3)]);
        assert!(t.get(ConnId(1)).is_none());
        assert!(t.get(ConnId(7)).is_none(), "beyond the end");
        t.remove(ConnId(9)); // nothing there: no panic
        assert!(t.stream_mut(ConnId(3)).is_none(), "no stream yet");
    }
}
