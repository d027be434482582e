//! The TLS handshake as sans-IO client and server.
//!
//! # Contract
//!
//! [`Client`] and [`Server`] never touch a socket or a clock. Feed each the
//! peer's handshake messages (as bytes, one message at a time), its
//! ChangeCipherSpec and its alerts with [`handle`](Client::handle); then
//! drain [`poll_output`](Client::poll_output) for what to send (handshake
//! messages with their names, ChangeCipherSpec, an alert) and
//! [`poll_event`](Client::poll_event) for what happened (a
//! [`HandshakeEvent`]: established with the negotiated version and suite,
//! alerts sent and received, an untrusted certificate accepted on the
//! user's say-so). The handshake keeps no
//! timers: it moves only when an input arrives.
//!
//! Flows: TLS 1.3 1-RTT with (EC)DHE (RFC 8446 §2: ClientHello /
//! ServerHello, EncryptedExtensions, Certificate, CertificateVerify,
//! Finished / Finished) and TLS 1.2 full handshakes with RSA or ECDHE_RSA key
//! exchange (RFC 5246 §7.3). Every message is hashed into the transcript as
//! sent or received; Finished values come from the real key schedules, so a
//! message changed in flight fails the Finished check (`decrypt_error`).
//! A message a state does not expect is `unexpected_message`; one that does
//! not decode is `decode_error`. Downgrades are caught twice over: the TLS
//! 1.3 sentinel in ServerHello.random (RFC 8446 §4.1.3) and
//! TLS_FALLBACK_SCSV (RFC 7507). A TLS 1.3 client whose key share is in
//! a group the server does not take gets a HelloRetryRequest for a common
//! group (RFC 8446 §4.1.4), with the first ClientHello folded into a
//! message_hash in both transcripts (§4.4.1). TLS 1.2 sessions resume by
//! session id from the server's
//! [`SessionCache`](crate::session::SessionCache) or by RFC 5077 ticket, in
//! the abbreviated handshake (server Finished first), and full handshakes
//! use the extended master secret when both ends offer it (RFC 7627),
//! which a resumption may not change. TLS 1.3 servers with a ticket key
//! issue a NewSessionTicket after the handshake; a client resumes with it
//! as a PSK (RFC 8446 §2.2, psk_dhe_ke, binder over the truncated
//! ClientHello) and may send early data (§2.3), which the server accepts
//! (EndOfEarlyData closes it) or refuses (its records are skipped).
//! Record protection is the record layer's ([`crate::record`]), driven by
//! the WriteKeys/ReadKeys/Early outputs.
//!
//! # Reading the code
//!
//! Start with `common.rs`: the types that cross the boundary, the shared
//! plumbing (transcript, output and event queues, pending TLS 1.2 keys)
//! and the `End` trait whose `handle_input` drives either end one input at
//! a time. Then `client.rs` or `server.rs`: each end's state enum (named
//! for what it expects next, holding only the secrets valid there) and its
//! `step`, one arm per (state, message), each calling a function named for
//! the message. The version-specific functions sit beside them, in
//! `client/tls13.rs`, `client/tls12.rs`, `server/tls13.rs` and
//! `server/tls12.rs`, in handshake order. `schedule.rs` holds the key
//! schedules both ends compute alike (RFC 8446 §7.1, RFC 5246 §8.1, RFC
//! 7627 §4); `config.rs` the settings. The tests (`tests.rs`) run both
//! ends against each other and tamper with the messages in between.

mod client;
mod common;
mod config;
mod schedule;
mod server;

#[cfg(test)]
mod tests;

pub use client::Client;
pub use common::{
    DOWNGRADE_SENTINEL_12, Early, Exporter, FALLBACK_SCSV, HandshakeEvent, Input, Output,
};
pub use config::{
    CLIENT_MESSAGES, CertificateCache, ClientConfig, Extensions, Misbehave, SERVER_MESSAGES,
    ServerConfig,
};
pub use server::Server;
