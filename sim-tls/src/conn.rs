//! A TLS connection over a byte stream: the handshake and the record layer
//! together, still sans-IO.
//!
//! [`Connection`] takes whatever bytes the transport delivered
//! ([`read_tls`](Connection::read_tls)), in any split, and hands back the
//! bytes to send ([`take_tls`](Connection::take_tls)), the application
//! bytes received ([`take_app`](Connection::take_app)) and what happened
//! ([`poll_event`](Connection::poll_event)), including every record sent
//! and received with its wire size so a trace can show the flights.
//!
//! Each handshake message goes in its own record; keys change exactly where
//! the handshake says (after ChangeCipherSpec in TLS 1.2; after ServerHello
//! and after Finished in TLS 1.3), so an observer sees the certificate in
//! TLS 1.2 and only sizes in TLS 1.3. Application data written before the
//! handshake completes waits for it, except a resuming TLS 1.3 client's
//! early data (0-RTT: sent at once under the early keys, and again after
//! the handshake if the server refuses it) and a TLS 1.3 server's data
//! after its Finished (0.5-RTT).

use std::collections::VecDeque;

use crate::alert::Alert;
use crate::cost::PkOps;
use crate::handshake::{
    Client, ClientConfig, Early, HandshakeEvent, Input, Output, Server, ServerConfig,
};
use crate::keylog::{KeyLog, KeyLogLine};
use crate::record::{ContentType, Deframer, HandshakeJoiner, Opener, Sealer};
use crate::suite::{MAX_FRAGMENT, Suite};

/// What a connection reports.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ConnEvent {
    /// A handshake event (established, alerts, an untrusted certificate
    /// accepted).
    Handshake(HandshakeEvent),
    /// A record went out: what it carried (a handshake message's name,
    /// "ChangeCipherSpec", "Alert" or "ApplicationData"), the plaintext
    /// length and the bytes on the wire.
    RecordSent {
        /// What it carried.
        what: &'static str,
        /// Plaintext bytes.
        plaintext: usize,
        /// Wire bytes, header included.
        wire: usize,
    },
    /// A record that did not open was skipped: early data the server
    /// refused (RFC 8446 §4.2.10).
    RecordSkipped {
        /// Wire bytes, header included.
        wire: usize,
    },
    /// A record arrived and opened.
    RecordReceived {
        /// Its real content type.
        content: ContentType,
        /// Plaintext bytes.
        plaintext: usize,
        /// Wire bytes, header included.
        wire: usize,
    },
    /// The peer closed with close_notify.
    Closed,
}

#[derive(Debug)]
enum Handshake {
    Client(Box<Client>),
    Server(Box<Server>),
}

impl Handshake {
    fn poll_output(&mut self) -> Option<Output> {
        match self {
            Handshake::Client(c) => c.poll_output(),
            Handshake::Server(s) => s.poll_output(),
        }
    }
    fn poll_event(&mut self) -> Option<HandshakeEvent> {
        match self {
            Handshake::Client(c) => c.poll_event(),
            Handshake::Server(s) => s.poll_event(),
        }
    }
    fn handle(&mut self, input: Input<'_>) {
        match self {
            Handshake::Client(c) => c.handle(input),
            Handshake::Server(s) => s.handle(input),
        }
    }
    fn suite(&self) -> Option<Suite> {
        match self {
            Handshake::Client(c) => c.suite(),
            Handshake::Server(s) => s.suite(),
        }
    }
    fn pk_ops(&self) -> PkOps {
        match self {
            Handshake::Client(c) => c.pk_ops(),
            Handshake::Server(s) => s.pk_ops(),
        }
    }
    fn is_established(&self) -> bool {
        match self {
            Handshake::Client(c) => c.is_established(),
            Handshake::Server(s) => s.is_established(),
        }
    }
}

/// Where the connection is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    /// Handshaking.
    Handshaking,
    /// Application data flows.
    Established,
    /// Closed in order (close_notify sent or received).
    Closed,
    /// Ended by a fatal alert, sent or received.
    Failed(Alert),
}

/// One end of a TLS connection.
#[derive(Debug)]
pub struct Connection {
    hs: Handshake,
    sealer: Sealer,
    opener: Opener,
    deframer: Deframer,
    joiner: HandshakeJoiner,
    tls_out: Vec<u8>,
    app_in: Vec<u8>,
    app_waiting: Vec<u8>,
    events: VecDeque<ConnEvent>,
    status: Status,
    close_sent: bool,
    /// Client: early data may still go, this many bytes.
    early_budget: Option<usize>,
    /// Client: the early data sent, to send again if refused.
    early_sent: Vec<u8>,
    /// Server: application data is taken before the handshake ends
    /// (accepted early data).
    early_in: bool,
    /// Server: bytes of refused early data still to skip.
    skip: usize,
    /// Server: the early data to skip follows a HelloRetryRequest, before
    /// any read keys: skip by outer content type.
    skip_in_clear: bool,
    /// Records received are protected (read keys are set).
    read_protected: bool,
    /// Server: application data may go before the handshake ends.
    write_open: bool,
    /// The secrets of the keys installed, for `keylog.txt`.
    key_log: KeyLog,
}

impl Connection {
    /// A client; its ClientHello is ready in [`take_tls`](Self::take_tls).
    pub fn client(cfg: ClientConfig, random: [u8; 32], ephemeral: [u8; 32]) -> Self {
        let mut c = Self::with(Handshake::Client(Box::new(Client::new(
            cfg, random, ephemeral,
        ))));
        c.key_log = KeyLog::client(random);
        c.drain_handshake();
        c
    }

    /// A server waiting for a ClientHello.
    pub fn server(cfg: ServerConfig, random: [u8; 32], ephemeral: [u8; 32]) -> Self {
        Self::with(Handshake::Server(Box::new(Server::new(
            cfg, random, ephemeral,
        ))))
    }

    fn with(hs: Handshake) -> Self {
        Connection {
            hs,
            sealer: Sealer::plaintext(),
            opener: Opener::plaintext(),
            deframer: Deframer::new(),
            joiner: HandshakeJoiner::new(),
            tls_out: Vec::new(),
            app_in: Vec::new(),
            app_waiting: Vec::new(),
            events: VecDeque::new(),
            status: Status::Handshaking,
            close_sent: false,
            early_budget: None,
            early_sent: Vec::new(),
            early_in: false,
            skip: 0,
            skip_in_clear: false,
            read_protected: false,
            write_open: false,
            key_log: KeyLog::server(),
        }
    }

    /// Where the connection is.
    pub fn status(&self) -> Status {
        self.status
    }

    /// The negotiated suite, once the hellos are done.
    pub fn suite(&self) -> Option<Suite> {
        self.hs.suite()
    }

    /// Public-key operations performed so far: a host charges
    /// [`CpuCosts::time`](crate::cost::CpuCosts::time) of the increase
    /// after each [`read_tls`](Self::read_tls) before sending what it made.
    pub fn pk_ops(&self) -> PkOps {
        self.hs.pk_ops()
    }

    /// The key log lines of the keys installed since the last call, in
    /// NSS key log format (see [`crate::keylog`]; a client's only).
    pub fn take_key_log(&mut self) -> Vec<KeyLogLine> {
        self.key_log.take()
    }

    /// Bytes to hand to the transport.
    pub fn take_tls(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.tls_out)
    }

    /// Application bytes received so far and not yet taken.
    pub fn take_app(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.app_in)
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ConnEvent> {
        self.events.pop_front()
    }

    /// True when [`write_app`](Self::write_app) sends at once.
    pub fn can_write(&self) -> bool {
        self.status == Status::Established
            || (self.status == Status::Handshaking && self.write_open)
    }

    /// Sends application bytes, or queues them until the handshake is
    /// done; a client with early data allowed sends them as early data.
    pub fn write_app(&mut self, data: &[u8]) {
        match self.status {
            Status::Established => self.send(ContentType::ApplicationData, "ApplicationData", data),
            Status::Handshaking if self.write_open => {
                self.send(ContentType::ApplicationData, "ApplicationData", data)
            }
            Status::Handshaking => match self.early_budget {
                Some(left) if self.app_waiting.is_empty() && data.len() <= left => {
                    self.early_budget = Some(left - data.len());
                    self.early_sent.extend_from_slice(data);
                    self.send(ContentType::ApplicationData, "EarlyData", data);
                }
                _ => self.app_waiting.extend_from_slice(data),
            },
            Status::Closed | Status::Failed(_) => {}
        }
    }

    /// Closes in order with close_notify (RFC 8446 §6.1), also in answer
    /// to the peer's.
    pub fn close(&mut self) {
        let open = matches!(
            self.status,
            Status::Handshaking | Status::Established | Status::Closed
        );
        if open && !self.close_sent {
            self.send(ContentType::Alert, "Alert", &[1, Alert::CloseNotify.code()]);
            self.close_sent = true;
            self.status = Status::Closed;
        }
    }

    /// Takes bytes from the transport, in whatever pieces they came.
    pub fn read_tls(&mut self, bytes: &[u8]) {
        self.deframer.push(bytes);
        while matches!(self.status, Status::Handshaking | Status::Established) {
            let Some(next) = self.deframer.pop() else {
                break;
            };
            let record = match next {
                Ok(r) => r,
                Err(a) => return self.fatal(a, "malformed record header"),
            };
            let wire = record.wire_len();
            // RFC 8446 §4.2.10: after a HelloRetryRequest the server has no
            // keys for the early data that follows the first ClientHello;
            // it skips the records whose outer type is application_data,
            // up to max_early_data.
            if self.skip_in_clear
                && record.outer_type == ContentType::ApplicationData.code()
                && wire <= self.skip
            {
                self.skip -= wire;
                self.events.push_back(ConnEvent::RecordSkipped { wire });
                continue;
            }
            let (content, plain) = match self.opener.open_owned(record) {
                Ok(x) => {
                    self.skip = 0;
                    self.skip_in_clear = false;
                    x
                }
                Err(_) if wire <= self.skip => {
                    self.skip -= wire;
                    self.events.push_back(ConnEvent::RecordSkipped { wire });
                    continue;
                }
                Err(a) => return self.fatal(a, "record failed its protection check"),
            };
            self.events.push_back(ConnEvent::RecordReceived {
                content,
                plaintext: plain.len(),
                wire,
            });
            match content {
                ContentType::Handshake => {
                    self.joiner.push(&plain);
                    while let Some(m) = self.joiner.pop() {
                        self.hs.handle(Input::Handshake(&m));
                        self.drain_handshake();
                        if !matches!(self.status, Status::Handshaking | Status::Established) {
                            return;
                        }
                    }
                }
                ContentType::ChangeCipherSpec => {
                    if plain != [1] {
                        return self
                            .fatal(Alert::DecodeError, "ChangeCipherSpec is not the byte 1");
                    }
                    self.hs.handle(Input::ChangeCipherSpec);
                    self.drain_handshake();
                }
                ContentType::Alert => {
                    let Some(alert) = plain.get(1).and_then(|c| Alert::from_code(*c)) else {
                        return self.fatal(Alert::DecodeError, "alert does not decode");
                    };
                    if alert == Alert::CloseNotify {
                        self.events.push_back(ConnEvent::Closed);
                        self.status = Status::Closed;
                    } else {
                        self.hs.handle(Input::Alert(alert));
                        self.drain_handshake();
                        self.status = Status::Failed(alert);
                    }
                }
                ContentType::ApplicationData => {
                    if self.status != Status::Established && !self.early_in {
                        return self.fatal(
                            Alert::UnexpectedMessage,
                            "application data before the handshake finished",
                        );
                    }
                    if self.app_in.is_empty() {
                        self.app_in = plain;
                    } else {
                        self.app_in.extend_from_slice(&plain);
                    }
                }
            }
        }
    }

    /// Seals `data` as records of at most 2^14 bytes, one event each,
    /// straight onto the outgoing bytes.
    fn send(&mut self, content: ContentType, what: &'static str, data: &[u8]) {
        // One allocation for all the records (their overhead is well under
        // 64 bytes each).
        self.tls_out
            .reserve(data.len() + 64 * (data.len() / MAX_FRAGMENT + 1));
        let mut pieces: Vec<&[u8]> = data.chunks(MAX_FRAGMENT).collect();
        if pieces.is_empty() {
            pieces.push(&[]);
        }
        for piece in pieces {
            let before = self.tls_out.len();
            self.sealer.seal_into(content, piece, &mut self.tls_out);
            self.events.push_back(ConnEvent::RecordSent {
                what,
                plaintext: piece.len(),
                wire: self.tls_out.len() - before,
            });
        }
    }

    /// Sends a fatal alert we raised at the record layer.
    fn fatal(&mut self, alert: Alert, why: &str) {
        self.send(ContentType::Alert, "Alert", &[2, alert.code()]);
        self.events
            .push_back(ConnEvent::Handshake(HandshakeEvent::AlertSent(
                alert,
                why.into(),
            )));
        self.status = Status::Failed(alert);
    }

    /// Moves the handshake's outputs onto the wire and its events out.
    fn drain_handshake(&mut self) {
        while let Some(out) = self.hs.poll_output() {
            match out {
                Output::Handshake(name, bytes) => self.send(ContentType::Handshake, name, &bytes),
                Output::ChangeCipherSpec => {
                    self.send(ContentType::ChangeCipherSpec, "ChangeCipherSpec", &[1])
                }
                Output::Alert(a) => {
                    self.send(ContentType::Alert, "Alert", &[2, a.code()]);
                    self.status = Status::Failed(a);
                }
                Output::WriteKeys(k) | Output::ReadKeys(k) => {
                    let Some(suite) = self.hs.suite() else {
                        continue;
                    };
                    let write = matches!(out, Output::WriteKeys(_));
                    self.key_log.installed(write, &k);
                    if write {
                        self.sealer = Sealer::new(suite, k);
                        // New write keys end the early data.
                        self.early_budget = None;
                    } else {
                        self.opener = Opener::new(suite, k);
                        // With keys, refused early data is told by trial
                        // decryption (RFC 8446 §4.2.10).
                        self.read_protected = true;
                        self.skip_in_clear = false;
                    }
                }
                Output::Exporter(e) => self.key_log.exporter(&e),
                Output::Early(Early::Send { suite, keys, max }) => {
                    self.key_log.early(&keys);
                    self.sealer = Sealer::new(suite, keys);
                    self.early_budget = Some(max as usize);
                    let waiting = std::mem::take(&mut self.app_waiting);
                    if !waiting.is_empty() {
                        self.write_app(&waiting);
                    }
                }
                Output::Early(e @ (Early::Rejected | Early::Retry)) => {
                    if e == Early::Retry {
                        self.sealer = Sealer::plaintext();
                    }
                    self.early_budget = None;
                    let mut again = std::mem::take(&mut self.early_sent);
                    again.append(&mut self.app_waiting);
                    self.app_waiting = again;
                }
                Output::Early(Early::Accept) => self.early_in = true,
                Output::Early(Early::End) => self.early_in = false,
                Output::Early(Early::Skip { max }) => {
                    self.skip = max as usize;
                    self.skip_in_clear = !self.read_protected;
                }
                Output::WriteOpen => self.write_open = true,
            }
        }
        while let Some(e) = self.hs.poll_event() {
            self.events.push_back(ConnEvent::Handshake(e));
        }
        if self.status == Status::Handshaking && self.hs.is_established() {
            self.status = Status::Established;
            self.early_sent.clear();
            let waiting = std::mem::take(&mut self.app_waiting);
            if !waiting.is_empty() {
                self.send(ContentType::ApplicationData, "ApplicationData", &waiting);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::DemoPki;
    use crate::suite::{Suite, Version};

    fn ends(suite: Suite) -> (Connection, Connection) {
        let pki = DemoPki::new("www.example.com", 1_700_000_000);
        let v = [suite.version()];
        (
            Connection::client(pki.client(&v, &[suite]), [1; 32], [2; 32]),
            Connection::server(pki.server(&v, &[suite]), [3; 32], [4; 32]),
        )
    }

    /// Moves bytes both ways in `chunk`-sized pieces until nothing moves;
    /// returns everything each side sent.
    fn pump(c: &mut Connection, s: &mut Connection, chunk: usize) -> (Vec<u8>, Vec<u8>) {
        let (mut up, mut down) = (Vec::new(), Vec::new());
        loop {
            let a = c.take_tls();
            let b = s.take_tls();
            if a.is_empty() && b.is_empty() {
                return (up, down);
            }
            a.chunks(chunk).for_each(|p| s.read_tls(p));
            b.chunks(chunk).for_each(|p| c.read_tls(p));
            up.extend(a);
            down.extend(b);
        }
    }

    const SUITES: [Suite; 4] = [
        Suite::TLS_AES_128_GCM_SHA256,
        Suite::TLS_RSA_WITH_AES_128_CBC_SHA,
        Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        Suite::TLS_RSA_WITH_RC4_128_SHA,
    ];

    #[test]
    fn handshake_and_data_over_any_byte_split() {
        for suite in SUITES {
            for chunk in [1, 7, 536, 1460, usize::MAX] {
                let (mut c, mut s) = ends(suite);
                c.write_app(b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n");
                pump(&mut c, &mut s, chunk);
                assert_eq!(c.status(), Status::Established, "{suite} split {chunk}");
                assert_eq!(s.status(), Status::Established);
                assert_eq!(
                    s.take_app(),
                    b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n"
                );
                let body: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
                s.write_app(&body);
                s.close();
                pump(&mut c, &mut s, chunk);
                assert_eq!(c.take_app(), body, "{suite} split {chunk}");
                assert_eq!(c.status(), Status::Closed);
            }
        }
    }

    #[test]
    fn records_on_the_wire_have_the_suites_sizes() {
        let (mut c, mut s) = ends(Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
        pump(&mut c, &mut s, usize::MAX);
        s.write_app(&[0; 20_000]);
        let sent: Vec<ConnEvent> = std::iter::from_fn(|| s.poll_event()).collect();
        let data: Vec<(usize, usize)> = sent
            .iter()
            .filter_map(|e| match e {
                ConnEvent::RecordSent {
                    what: "ApplicationData",
                    plaintext,
                    wire,
                } => Some((*plaintext, *wire)),
                _ => None,
            })
            .collect();
        // 16384 + 3616, each with 5 header + 8 nonce + 16 tag.
        assert_eq!(data, [(16_384, 16_413), (3_616, 3_645)]);
        let names: Vec<&str> = sent
            .iter()
            .filter_map(|e| match e {
                ConnEvent::RecordSent { what, .. } => Some(*what),
                _ => None,
            })
            .collect();
        assert_eq!(
            names,
            [
                "ServerHello",
                "Certificate",
                "ServerKeyExchange",
                "ServerHelloDone",
                "ChangeCipherSpec",
                "Finished",
                "ApplicationData",
                "ApplicationData"
            ]
        );
    }

    /// What an on-path observer sees: in TLS 1.2 the certificate crosses
    /// in the clear; in TLS 1.3 everything after ServerHello is protected.
    /// The request is never readable.
    #[test]
    fn an_observer_sees_the_tls12_certificate_but_not_the_tls13_one() {
        for (suite, cert_visible) in [
            (Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, true),
            (Suite::TLS_AES_128_GCM_SHA256, false),
        ] {
            let (mut c, mut s) = ends(suite);
            c.write_app(b"password=hunter2");
            let (up, down) = pump(&mut c, &mut s, usize::MAX);
            let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
            assert_eq!(has(&down, b"Demo Intermediate CA"), cert_visible, "{suite}");
            assert!(has(&up, b"www.example.com"), "SNI is in the clear");
            assert!(!has(&up, b"hunter2"));
        }
    }

    #[test]
    fn a_changed_record_is_bad_record_mac_and_the_peer_hears_it() {
        for suite in SUITES {
            let (mut c, mut s) = ends(suite);
            pump(&mut c, &mut s, usize::MAX);
            c.write_app(b"transfer 100 to alice");
            let mut wire = c.take_tls();
            let n = wire.len();
            wire[n - 3] ^= 0x01;
            s.read_tls(&wire);
            assert_eq!(s.status(), Status::Failed(Alert::BadRecordMac), "{suite}");
            assert!(s.take_app().is_empty());
            pump(&mut c, &mut s, usize::MAX);
            assert_eq!(c.status(), Status::Failed(Alert::BadRecordMac));
            let heard: Vec<ConnEvent> = std::iter::from_fn(|| c.poll_event()).collect();
            assert!(
                heard.contains(&ConnEvent::Handshake(HandshakeEvent::AlertReceived(
                    Alert::BadRecordMac
                )))
            );
        }
    }

    #[test]
    fn handshake_alerts_travel_as_records() {
        // A TLS 1.3-only client and a TLS 1.2-only server.
        let (mut c, _) = ends(Suite::TLS_AES_128_GCM_SHA256);
        let (_, mut s) = ends(Suite::TLS_RSA_WITH_AES_128_GCM_SHA256);
        pump(&mut c, &mut s, usize::MAX);
        assert_eq!(s.status(), Status::Failed(Alert::ProtocolVersion));
        assert_eq!(c.status(), Status::Failed(Alert::ProtocolVersion));
    }

    /// After ServerHello, TLS 1.3 alerts travel protected; the server must
    /// still read the client's certificate complaint.
    #[test]
    fn a_tls13_certificate_alert_reaches_the_server() {
        let pki = DemoPki::new("www.example.com", 1_700_000_000);
        let v = [Version::Tls13];
        let s = [Suite::TLS_AES_128_GCM_SHA256];
        let mut cfg = pki.client(&v, &s);
        cfg.trust = crate::cert::TrustStore::new();
        let mut c = Connection::client(cfg, [1; 32], [2; 32]);
        let mut srv = Connection::server(pki.server(&v, &s), [3; 32], [4; 32]);
        pump(&mut c, &mut srv, usize::MAX);
        assert_eq!(c.status(), Status::Failed(Alert::UnknownCa));
        assert_eq!(srv.status(), Status::Failed(Alert::UnknownCa));
    }

    #[test]
    fn garbage_from_the_transport_is_refused_cleanly() {
        let (_, mut s) = ends(Suite::TLS_AES_128_GCM_SHA256);
        s.read_tls(b"GET / HTTP/1.1\r\n\r\n");
        assert_eq!(s.status(), Status::Failed(Alert::UnexpectedMessage));
        let out = s.take_tls();
        assert_eq!(out, [21, 3, 3, 0, 2, 2, 10], "a clear fatal alert record");
        // Application data before the handshake.
        let (_, mut s) = ends(Suite::TLS_AES_128_GCM_SHA256);
        s.read_tls(&[23, 3, 3, 0, 1, 0]);
        assert_eq!(s.status(), Status::Failed(Alert::UnexpectedMessage));
    }

    /// A client and server where the client holds a TLS 1.3 ticket (from
    /// a first connection) that allows early data; the server accepts it
    /// if `accept`.
    fn resuming(accept: bool) -> (Connection, Connection) {
        let pki = DemoPki::new("www.example.com", 1_700_000_000);
        let v = [Version::Tls13];
        let suites = [Suite::TLS_AES_128_GCM_SHA256];
        let mut scfg = pki.server(&v, &suites);
        scfg.ticket_key = Some([5; 32]);
        scfg.max_early_data = 16_384;
        scfg.accept_early_data = accept;
        let mut c = Connection::client(pki.client(&v, &suites), [1; 32], [2; 32]);
        let mut s = Connection::server(scfg.clone(), [3; 32], [4; 32]);
        pump(&mut c, &mut s, usize::MAX);
        let ticket = std::iter::from_fn(|| c.poll_event()).find_map(|e| match e {
            ConnEvent::Handshake(HandshakeEvent::NewTicket(t)) => Some(t),
            _ => None,
        });
        let mut ccfg = pki.client(&v, &suites);
        ccfg.resume13 = ticket;
        ccfg.early_data = true;
        (
            Connection::client(ccfg, [6; 32], [7; 32]),
            Connection::server(scfg, [8; 32], [9; 32]),
        )
    }

    const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n";

    #[test]
    fn accepted_early_data_reaches_the_server_with_the_client_hello() {
        let (mut c, mut s) = resuming(true);
        c.write_app(GET);
        // One flight from the client: ClientHello and the request.
        s.read_tls(&c.take_tls());
        assert_eq!(s.status(), Status::Handshaking);
        assert_eq!(s.take_app(), GET, "0-RTT: the request is in");
        // 0.5-RTT: the server answers before the client's Finished.
        assert!(s.can_write());
        s.write_app(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        c.read_tls(&s.take_tls());
        assert_eq!(c.status(), Status::Established);
        assert_eq!(
            c.take_app(),
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
        );
        s.read_tls(&c.take_tls());
        assert_eq!(s.status(), Status::Established);
        assert!(s.take_app().is_empty(), "the request came once");
        let sent: Vec<&str> = std::iter::from_fn(|| c.poll_event())
            .filter_map(|e| match e {
                ConnEvent::RecordSent { what, .. } => Some(what),
                _ => None,
            })
            .collect();
        assert_eq!(
            sent,
            ["ClientHello", "EarlyData", "EndOfEarlyData", "Finished"]
        );
    }

    /// A 0-RTT client logs every secret of its connection, the two
    /// exporter secrets included, in the order it uses them: with early
    /// data its handshake write keys come after the server's flight
    /// (EndOfEarlyData goes first under the early keys, RFC 8446 §4.5).
    #[test]
    fn a_resuming_client_logs_early_and_exporter_secrets_in_order() {
        let (mut c, mut s) = resuming(true);
        c.write_app(GET);
        pump(&mut c, &mut s, usize::MAX);
        assert_eq!(c.status(), Status::Established);
        let log = c.take_key_log();
        let labels: Vec<&str> = log.iter().map(|l| l.label).collect();
        assert_eq!(
            labels,
            [
                "CLIENT_EARLY_TRAFFIC_SECRET",
                "EARLY_EXPORTER_SECRET",
                "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                "SERVER_TRAFFIC_SECRET_0",
                "EXPORTER_SECRET",
                "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                "CLIENT_TRAFFIC_SECRET_0",
            ]
        );
        // Each is its own 32-byte secret, all for this connection.
        let mut secrets: Vec<&[u8]> = log.iter().map(|l| &l.secret[..]).collect();
        assert!(secrets.iter().all(|s| s.len() == 32));
        secrets.sort();
        secrets.dedup();
        assert_eq!(secrets.len(), 7);
        assert!(log.iter().all(|l| l.client_random == [6; 32]));
    }

    #[test]
    fn refused_early_data_is_skipped_then_sent_again() {
        let (mut c, mut s) = resuming(false);
        c.write_app(GET);
        s.read_tls(&c.take_tls());
        assert!(s.take_app().is_empty(), "refused: not read");
        assert!(
            matches!(s.status(), Status::Handshaking),
            "skipped, not fatal"
        );
        pump(&mut c, &mut s, usize::MAX);
        assert_eq!(s.status(), Status::Established);
        assert_eq!(s.take_app(), GET, "sent again after the handshake, once");
        let skipped = std::iter::from_fn(|| s.poll_event())
            .filter(|e| matches!(e, ConnEvent::RecordSkipped { .. }))
            .count();
        assert_eq!(skipped, 1);
    }
}
