//! The NSS key log: the secrets a capture tool needs to decrypt a
//! connection's records, one line each (`LABEL <client random> <secret>`,
//! both in hex), in the format NSS, OpenSSL and Wireshark share.
//!
//! A TLS 1.2 connection has one line, `CLIENT_RANDOM` with the master
//! secret. A TLS 1.3 connection has one per traffic secret and one per
//! exporter secret: `CLIENT_EARLY_TRAFFIC_SECRET` and
//! `EARLY_EXPORTER_SECRET` (when the client offers 0-RTT data),
//! `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, `SERVER_HANDSHAKE_TRAFFIC_SECRET`,
//! `CLIENT_TRAFFIC_SECRET_0`, `SERVER_TRAFFIC_SECRET_0` and
//! `EXPORTER_SECRET`, the labels OpenSSL's key log callback writes. The
//! exporter secrets protect no record: they are there for a tool that
//! checks keying material exported from the connection (RFC 8446 §7.5).
//! A traffic secret is Hash.length bytes of the suite's hash (RFC 8446
//! §7.1): 32 (64 hex digits), or 48 for TLS_AES_256_GCM_SHA384; the
//! TLS 1.2 master secret is always 48 (RFC 5246 §8.1).
//!
//! The client end writes the log: it alone knows every secret of its
//! connection together with the ClientHello.random that names it (a
//! server learns the random only from the hello), and every TLS
//! connection in a simulation has a client end in the simulation, the
//! man in the middle's upstream half included. The lines come from the
//! keys the handshake installs, in the order it installs them, so they
//! are the secrets the records were really protected with.

use std::fmt;

use crate::crypto::hex;
use crate::handshake::Exporter;
use crate::record::{KeySecret, TrafficKeys};

/// One line of the key log.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct KeyLogLine {
    /// The label (`CLIENT_RANDOM`, `SERVER_TRAFFIC_SECRET_0`, ...).
    pub label: &'static str,
    /// The ClientHello.random of the connection.
    pub client_random: [u8; 32],
    /// The secret: the master secret (TLS 1.2) or a traffic secret.
    pub secret: Vec<u8>,
}

impl fmt::Display for KeyLogLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.label,
            hex(&self.client_random),
            hex(&self.secret)
        )
    }
}

/// What one connection end logs as its keys change.
#[derive(Clone, Debug)]
pub(crate) struct KeyLog {
    /// The client's random; `None` for a server, which logs nothing.
    client_random: Option<[u8; 32]>,
    /// TLS 1.3 read keys installed so far (server handshake, then
    /// application).
    reads: u8,
    /// TLS 1.3 write keys installed so far, early keys aside.
    writes: u8,
    /// The TLS 1.2 master secret was logged.
    master_logged: bool,
    lines: Vec<KeyLogLine>,
}

impl KeyLog {
    /// A client's log, for the connection its hello's random names.
    pub(crate) fn client(client_random: [u8; 32]) -> Self {
        KeyLog {
            client_random: Some(client_random),
            reads: 0,
            writes: 0,
            master_logged: false,
            lines: Vec::new(),
        }
    }

    /// A server's: it logs nothing (see the module comment).
    pub(crate) fn server() -> Self {
        KeyLog {
            client_random: None,
            ..KeyLog::client([0; 32])
        }
    }

    fn push(&mut self, label: &'static str, secret: &[u8]) {
        if let Some(client_random) = self.client_random {
            self.lines.push(KeyLogLine {
                label,
                client_random,
                secret: secret.to_vec(),
            });
        }
    }

    /// The client's 0-RTT keys were installed.
    pub(crate) fn early(&mut self, keys: &TrafficKeys) {
        if let KeySecret::Traffic(s) = keys.secret() {
            self.push("CLIENT_EARLY_TRAFFIC_SECRET", s);
        }
    }

    /// Write (`write`) or read keys were installed. TLS 1.3's come in the
    /// order RFC 8446 §7.1 derives them: handshake, then application.
    pub(crate) fn installed(&mut self, write: bool, keys: &TrafficKeys) {
        match keys.secret() {
            KeySecret::Master(master) => {
                if !self.master_logged {
                    self.master_logged = true;
                    // RFC 5246 §8.1: the master secret is 48 bytes.
                    self.push("CLIENT_RANDOM", master);
                }
            }
            KeySecret::Traffic(s) => {
                let (n, labels) = if write {
                    (
                        &mut self.writes,
                        ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0"],
                    )
                } else {
                    (
                        &mut self.reads,
                        ["SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"],
                    )
                };
                let label = labels.get(usize::from(*n)).copied();
                *n = n.saturating_add(1);
                if let Some(label) = label {
                    self.push(label, s);
                }
            }
        }
    }

    /// A TLS 1.3 exporter secret was derived.
    pub(crate) fn exporter(&mut self, e: &Exporter) {
        match e {
            Exporter::Early(s) => self.push("EARLY_EXPORTER_SECRET", s),
            Exporter::Main(s) => self.push("EXPORTER_SECRET", s),
        }
    }

    /// The lines logged since the last call.
    pub(crate) fn take(&mut self) -> Vec<KeyLogLine> {
        std::mem::take(&mut self.lines)
    }
}
