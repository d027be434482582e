//! What a [`Stream`](super::Stream) writes through: a TLS connection, or
//! the bytes as they are (plain HTTP). One enum, so the stream's logic is
//! written once for both.

use sim_tls::conn::{ConnEvent, Connection, Status};
use sim_tls::cost::PkOps;

/// The byte stream an application talks through: TLS, or nothing at all.
#[derive(Debug)]
pub(super) enum Transport {
    Tls(Box<Connection>),
    Plain {
        out: Vec<u8>,
        app_in: Vec<u8>,
        closed: bool,
    },
}

impl Transport {
    pub(super) fn read_tls(&mut self, bytes: &[u8]) {
        match self {
            Transport::Tls(c) => c.read_tls(bytes),
            Transport::Plain { app_in, .. } => app_in.extend_from_slice(bytes),
        }
    }
    pub(super) fn poll_event(&mut self) -> Option<ConnEvent> {
        match self {
            Transport::Tls(c) => c.poll_event(),
            Transport::Plain { .. } => None,
        }
    }
    pub(super) fn pk_ops(&self) -> PkOps {
        match self {
            Transport::Tls(c) => c.pk_ops(),
            Transport::Plain { .. } => PkOps::default(),
        }
    }
    pub(super) fn take_app(&mut self) -> Vec<u8> {
        match self {
            Transport::Tls(c) => c.take_app(),
            Transport::Plain { app_in, .. } => std::mem::take(app_in),
        }
    }
    pub(super) fn can_write(&self) -> bool {
        match self {
            Transport::Tls(c) => c.can_write(),
            Transport::Plain { closed, .. } => !closed,
        }
    }
    pub(super) fn status(&self) -> Status {
        match self {
            Transport::Tls(c) => c.status(),
            Transport::Plain { closed: true, .. } => Status::Closed,
            Transport::Plain { .. } => Status::Established,
        }
    }
    pub(super) fn write_app(&mut self, data: &[u8]) {
        match self {
            Transport::Tls(c) => c.write_app(data),
            Transport::Plain { out, .. } => out.extend_from_slice(data),
        }
    }
    pub(super) fn close(&mut self) {
        match self {
            Transport::Tls(c) => c.close(),
            Transport::Plain { closed, .. } => *closed = true,
        }
    }
    pub(super) fn suite(&self) -> Option<sim_tls::suite::Suite> {
        match self {
            Transport::Tls(c) => c.suite(),
            Transport::Plain { .. } => None,
        }
    }
    pub(super) fn take_key_log(&mut self) -> Vec<sim_tls::keylog::KeyLogLine> {
        match self {
            Transport::Tls(c) => c.take_key_log(),
            Transport::Plain { .. } => Vec::new(),
        }
    }
    pub(super) fn take_tls(&mut self) -> Vec<u8> {
        match self {
            Transport::Tls(c) => c.take_tls(),
            Transport::Plain { out, .. } => std::mem::take(out),
        }
    }
}
