//! A TCP application as one half of a relay (the man-in-the-middle): the
//! server half hands each request it reads to the node instead of
//! answering it, the client half opens a connection per request and hands
//! back the response, or its failure.
//!
//! The halves never call each other: each queues [`Relayed`] items, and the
//! node's endpoint (the man-in-the-middle) moves them across.

use std::collections::VecDeque;

use sim_core::{Context, NodeId};
use sim_tcp::stack::ConnId;

use super::TcpHost;
use super::conns::ConnApp;
use crate::payload::Wire;
use crate::stream::Step;

/// What a relay's half hands to the other.
#[derive(Debug)]
pub(crate) enum Relayed {
    /// The server half read a whole request on a connection.
    Request {
        /// The connection it came on.
        conn: ConnId,
        /// The request, plaintext.
        bytes: Vec<u8>,
    },
    /// The client half has a whole response.
    Response {
        /// The upstream connection it came on.
        conn: ConnId,
        /// The response, plaintext.
        bytes: Vec<u8>,
    },
    /// The client half's connection ended without a response (TLS alert,
    /// reset, connect failure, timeout).
    Failed {
        /// The upstream connection.
        conn: ConnId,
    },
}

/// A half's output, for the node to pass on, in order.
pub(crate) type RelayQueue = VecDeque<Relayed>;

impl TcpHost {
    /// The next item this half hands on.
    pub(crate) fn pop_relayed(&mut self) -> Option<Relayed> {
        self.relayed.pop_front()
    }

    /// Opens a connection that sends `request` over TLS once up (a relay's
    /// upstream half).
    pub(crate) fn connect_relay(
        &mut self,
        cx: &mut Context<'_, Wire>,
        remote: NodeId,
        port: u16,
        request: Vec<u8>,
    ) -> ConnId {
        let now = cx.now();
        let id = self.stack().connect(now, remote, port, None);
        self.open(cx, id, now, None);
        if let Some(c) = self.conns.get_mut(id) {
            c.relay_request = Some(request);
            c.relay_pending = true;
        }
        self.pump(cx);
        id
    }

    /// Answers a request this relay's server half handed on.
    pub(crate) fn respond(&mut self, cx: &mut Context<'_, Wire>, id: ConnId, response: &[u8]) {
        let Some(app) = self.app.stream.clone() else {
            return;
        };
        let Some(stream) = self.conns.stream_mut(id) else {
            return;
        };
        let step = stream.respond(response, &app);
        let now = cx.now();
        self.apply_step(cx, now, id, step, &app);
        self.pump(cx);
    }

    /// A relay's upstream connection that still owed a response has
    /// failed: say so, once.
    pub(super) fn relay_failed(&mut self, id: ConnId) {
        if let Some(c) = self.conns.get_mut(id)
            && std::mem::take(&mut c.relay_pending)
        {
            self.relayed.push_back(Relayed::Failed { conn: id });
        }
    }

    /// What a stream step means for the relay before anything else: an
    /// upstream connection answered, or failed by an alert.
    pub(super) fn relay_outcome(&mut self, id: ConnId, step: &Step) {
        if step.response.is_some()
            && let Some(c) = self.conns.get_mut(id)
        {
            c.relay_pending = false;
        }
        if step.alert_sent.is_some() || step.alert_received.is_some() {
            self.relay_failed(id);
        }
    }

    /// Hands on the requests and the response a stream step completed.
    pub(super) fn relay_output(&mut self, id: ConnId, step: &mut Step) {
        for bytes in std::mem::take(&mut step.requests) {
            self.relayed.push_back(Relayed::Request { conn: id, bytes });
        }
        if let Some(bytes) = step.response.take() {
            self.relayed
                .push_back(Relayed::Response { conn: id, bytes });
        }
    }

    /// The request a relay's upstream connection sends, once.
    pub(super) fn take_relay_request(&mut self, id: ConnId) -> Option<Vec<u8>> {
        self.conns
            .get_mut(id)
            .and_then(|c: &mut ConnApp| c.relay_request.take())
    }
}
