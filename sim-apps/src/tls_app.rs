//! TLS over a host's TCP connections: an HTTPS-like exchange in which the
//! client sends a request of a given size and the server answers with a
//! response of a given size, both protected by `sim_tls`.
//!
//! TCP in netsim moves stream positions, not bytes; a TLS connection needs
//! its bytes. So each TLS connection keeps what it wrote (`tx`, indexed by
//! stream offset), the host puts the bytes of every segment it sends into
//! the packet, and the receiving host files them by offset until TCP
//! delivers that range in order. Retransmissions carry the same bytes
//! again; a segment changed in flight carries changed bytes, which the
//! record layer then refuses.

use sim_core::{Field, Kind};
use std::sync::Arc;

use sim_core::Value;

use crate::http;
use sim_tls::alert::Alert;
use sim_tls::conn::{ConnEvent, Connection, Status};
use sim_tls::cost::{CpuCosts, PkOps};
use sim_tls::handshake::{ClientConfig, HandshakeEvent as TlsEvent, ServerConfig};

/// Which end a host plays, with its TLS settings (or plain HTTP).
#[derive(Debug, Clone)]
pub enum TlsSide {
    /// Connects, sends the request, reads the response, closes.
    Client(Box<ClientConfig>),
    /// Accepts, answers each request with the response.
    Server(Box<ServerConfig>),
    /// The same client over plain TCP (HTTP without TLS).
    PlainClient,
    /// The same server over plain TCP.
    PlainServer,
}

impl TlsSide {
    /// True for plain HTTP.
    pub fn is_plain(&self) -> bool {
        matches!(self, TlsSide::PlainClient | TlsSide::PlainServer)
    }
}

/// The byte stream an application talks through: TLS, or nothing at all.
#[derive(Debug)]
enum Stream {
    Tls(Box<Connection>),
    Plain {
        out: Vec<u8>,
        app_in: Vec<u8>,
        closed: bool,
    },
}

impl Stream {
    fn read_tls(&mut self, bytes: &[u8]) {
        match self {
            Stream::Tls(c) => c.read_tls(bytes),
            Stream::Plain { app_in, .. } => app_in.extend_from_slice(bytes),
        }
    }
    fn poll_event(&mut self) -> Option<ConnEvent> {
        match self {
            Stream::Tls(c) => c.poll_event(),
            Stream::Plain { .. } => None,
        }
    }
    fn pk_ops(&self) -> PkOps {
        match self {
            Stream::Tls(c) => c.pk_ops(),
            Stream::Plain { .. } => PkOps::default(),
        }
    }
    fn take_app(&mut self) -> Vec<u8> {
        match self {
            Stream::Tls(c) => c.take_app(),
            Stream::Plain { app_in, .. } => std::mem::take(app_in),
        }
    }
    fn can_write(&self) -> bool {
        match self {
            Stream::Tls(c) => c.can_write(),
            Stream::Plain { closed, .. } => !closed,
        }
    }
    fn status(&self) -> Status {
        match self {
            Stream::Tls(c) => c.status(),
            Stream::Plain { closed: true, .. } => Status::Closed,
            Stream::Plain { .. } => Status::Established,
        }
    }
    fn write_app(&mut self, data: &[u8]) {
        match self {
            Stream::Tls(c) => c.write_app(data),
            Stream::Plain { out, .. } => out.extend_from_slice(data),
        }
    }
    fn close(&mut self) {
        match self {
            Stream::Tls(c) => c.close(),
            Stream::Plain { closed, .. } => *closed = true,
        }
    }
    fn suite(&self) -> Option<sim_tls::suite::Suite> {
        match self {
            Stream::Tls(c) => c.suite(),
            Stream::Plain { .. } => None,
        }
    }
    fn take_tls(&mut self) -> Vec<u8> {
        match self {
            Stream::Tls(c) => c.take_tls(),
            Stream::Plain { out, .. } => std::mem::take(out),
        }
    }
}

/// TLS on top of a TCP application.
#[derive(Debug, Clone)]
pub struct TlsApp {
    /// Client or server.
    pub side: TlsSide,
    /// Bytes of application data the client sends.
    pub request: u64,
    /// Bytes of application data the server answers with.
    pub response: u64,
    /// Prices of public-key operations (reported as `tls.cpu_ns`).
    pub costs: CpuCosts,
    /// Client: offer each connection's session on the next one.
    pub resume: bool,
    /// Client: requests on each connection, one after another (HTTP/1.1
    /// keep-alive); the last says `Connection: close`.
    pub requests: u64,
    /// Client: the Host header of its requests.
    pub host: String,
    /// A relay (a man-in-the-middle's two halves): a server hands each
    /// request it reads to the host instead of answering, a client sends
    /// the request it is given and hands back the whole response.
    pub relay: bool,
}

impl PartialEq for TlsApp {
    /// Configurations hold trust stores and caches without equality; two
    /// apps are equal when they print the same.
    fn eq(&self, other: &Self) -> bool {
        format!("{self:?}") == format!("{other:?}")
    }
}

/// Received bytes by stream offset, until TCP delivers them in order.
#[derive(Debug, Default)]
struct RxBytes {
    /// Stream offset of `buf[0]`.
    base: u64,
    buf: Vec<u8>,
}

impl RxBytes {
    /// Files `data`, which starts at stream `offset`; bytes before the
    /// delivered point are old news (a retransmission) and are skipped.
    fn put(&mut self, offset: u64, data: &[u8]) {
        let end = offset + data.len() as u64;
        if end <= self.base {
            return;
        }
        let skip = self.base.saturating_sub(offset) as usize;
        let at = (offset + skip as u64 - self.base) as usize;
        let data = &data[skip..];
        if self.buf.len() < at + data.len() {
            self.buf.resize(at + data.len(), 0);
        }
        self.buf[at..at + data.len()].copy_from_slice(data);
    }

    /// Hands the bytes TCP just delivered, `len` from `offset`, to `f`;
    /// false if they are not all here.
    fn take(&mut self, offset: u64, len: usize, f: impl FnOnce(&[u8])) -> bool {
        if offset != self.base || self.buf.len() < len {
            return false;
        }
        self.base += len as u64;
        f(&self.buf[..len]);
        self.buf.drain(..len);
        true
    }
}

/// What a connection wrote to TCP, kept in the pieces it was written in
/// (appending never copies what came before) and read back by offset.
#[derive(Debug, Default)]
struct TxLog {
    /// (stream offset of the piece, its bytes), in order.
    pieces: Vec<(u64, Vec<u8>)>,
    end: u64,
}

impl TxLog {
    fn push(&mut self, bytes: Vec<u8>) {
        if !bytes.is_empty() {
            let n = bytes.len() as u64;
            self.pieces.push((self.end, bytes));
            self.end += n;
        }
    }

    /// Bytes `offset .. offset + len`, if all were written.
    fn get(&self, offset: u64, len: usize) -> Option<Arc<[u8]>> {
        let stop = offset.checked_add(len as u64)?;
        if len == 0 || stop > self.end {
            return None;
        }
        let first = self.pieces.partition_point(|(at, _)| *at <= offset) - 1;
        let (at, piece) = &self.pieces[first];
        let from = (offset - at) as usize;
        if from + len <= piece.len() {
            return Some(Arc::from(&piece[from..from + len]));
        }
        // A segment across pieces: gather it.
        let mut out = Vec::with_capacity(len);
        for (at, piece) in &self.pieces[first..] {
            let a = offset.saturating_sub(*at) as usize;
            let b = ((stop - at) as usize).min(piece.len());
            out.extend_from_slice(&piece[a..b]);
            if out.len() == len {
                break;
            }
        }
        Some(Arc::from(out))
    }
}

/// One TLS connection riding on a TCP connection.
#[derive(Debug)]
pub struct TlsConn {
    conn: Stream,
    client: bool,
    /// Everything written to TCP, by stream offset.
    tx: TxLog,
    /// Stream offset of the next record reported sent.
    sent_off: u64,
    rx: RxBytes,
    /// Application bytes received.
    got: u64,
    /// Client: the response's head as far as received, then the total
    /// length it announced (head plus Content-Length).
    head: Vec<u8>,
    expect: Option<u64>,
    /// Client: responses still to ask for; server: request bytes not
    /// yet answered.
    requests_left: u64,
    pending: Vec<u8>,
    /// Client: application bytes that belonged to earlier responses.
    page_base: u64,
    /// Relay client: the response so far.
    response: Vec<u8>,
    done: bool,
    ops_seen: PkOps,
    /// The negotiated suite has been reported.
    negotiated: bool,
    /// Client: handshake round trips so far, counted until the first
    /// application data goes: a flight sent and then an answer received
    /// is one.
    round_trips: u32,
    awaiting_reply: bool,
    app_started: bool,
}

/// What a TLS connection did, for the host's trace and totals.
#[derive(Debug, Default)]
pub struct Step {
    /// Bytes to queue on TCP.
    pub send: u64,
    /// Close the TCP connection (after what is queued).
    pub close: bool,
    /// Trace records: kind and fields.
    pub traces: Vec<(Kind, sim_core::Fields)>,
    /// Handshake completed now.
    pub established: bool,
    /// The session was resumed.
    pub resumed: bool,
    /// The whole response arrived now (client).
    pub response_complete: bool,
    /// A session the client may resume later.
    pub new_session: Option<sim_tls::session::ClientSession>,
    /// A TLS 1.3 ticket the client may resume with later.
    pub new_ticket: Option<sim_tls::session::Ticket13>,
    /// A fatal alert we sent.
    pub alert_sent: Option<Alert>,
    /// A fatal alert we received.
    pub alert_received: Option<Alert>,
    /// Application bytes received now.
    pub app_bytes: u64,
    /// Application data went out now.
    pub app_sent: bool,
    /// Public-key operations performed now.
    pub ops: PkOps,
    /// Client: the first application data went now, after this many
    /// handshake round trips.
    pub round_trips: Option<u32>,
    /// Relay server: requests read now, each whole.
    pub requests: Vec<Vec<u8>>,
    /// Relay client: the whole response, just completed.
    pub response: Option<Vec<u8>>,
}

impl TlsConn {
    /// A client connection: the ClientHello is ready to go.
    pub fn client(cfg: &ClientConfig, random: [u8; 32], ephemeral: [u8; 32], app: &TlsApp) -> Self {
        let request = http::request(app.request, app.requests <= 1, &app.host);
        let mut c = Self::client_sending(cfg, random, ephemeral, &request);
        c.requests_left = app.requests.max(1);
        c
    }

    /// A client connection that sends `request` (a relay's upstream half).
    pub fn client_sending(
        cfg: &ClientConfig,
        random: [u8; 32],
        ephemeral: [u8; 32],
        request: &[u8],
    ) -> Self {
        let mut conn = Connection::client(cfg.clone(), random, ephemeral);
        conn.write_app(request);
        let mut c = Self::with(Stream::Tls(Box::new(conn)), true);
        c.requests_left = 1;
        c
    }

    /// A relay server answers a request it handed on.
    pub fn respond(&mut self, response: &[u8], app: &TlsApp) -> Step {
        self.conn.write_app(response);
        self.step(app)
    }

    /// A server connection waiting for a ClientHello.
    pub fn server(cfg: &ServerConfig, random: [u8; 32], ephemeral: [u8; 32]) -> Self {
        Self::with(
            Stream::Tls(Box::new(Connection::server(cfg.clone(), random, ephemeral))),
            false,
        )
    }

    /// A plain-HTTP client (the request goes at once) or server.
    pub fn plain(client: bool, app: &TlsApp) -> Self {
        let mut conn = Stream::Plain {
            out: Vec::new(),
            app_in: Vec::new(),
            closed: false,
        };
        if client {
            conn.write_app(&http::request(app.request, app.requests <= 1, &app.host));
        }
        let mut c = Self::with(conn, client);
        c.requests_left = app.requests.max(1);
        c
    }

    fn with(conn: Stream, client: bool) -> Self {
        TlsConn {
            conn,
            client,
            tx: TxLog::default(),
            sent_off: 0,
            rx: RxBytes::default(),
            got: 0,
            head: Vec::new(),
            expect: None,
            requests_left: 0,
            pending: Vec::new(),
            page_base: 0,
            response: Vec::new(),
            done: false,
            ops_seen: PkOps::default(),
            negotiated: false,
            round_trips: 0,
            awaiting_reply: false,
            app_started: false,
        }
    }

    /// The bytes of stream range `offset .. offset + len`, as written.
    pub fn bytes(&self, offset: u64, len: u32) -> Option<Arc<[u8]>> {
        self.tx.get(offset, len as usize)
    }

    /// Files bytes that arrived in a segment.
    pub fn arrived(&mut self, offset: u64, data: &[u8]) {
        self.rx.put(offset, data);
    }

    /// TCP delivered `len` bytes at `offset`: feed them to TLS.
    pub fn delivered(&mut self, offset: u64, len: u32, app: &TlsApp) -> Step {
        let conn = &mut self.conn;
        if !self
            .rx
            .take(offset, len as usize, |bytes| conn.read_tls(bytes))
        {
            // A segment without bytes (one a crafted injection made up):
            // to TLS that is garbage on the stream.
            self.conn.read_tls(&vec![0xFF; len as usize]);
        }
        self.step(app)
    }

    /// The peer closed its direction of TCP.
    pub fn peer_closed(&mut self, app: &TlsApp) -> Step {
        let mut s = self.step(app);
        if !self.done {
            self.done = true;
            s.close = true;
        }
        s
    }

    /// Moves what TLS produced to TCP and reports it.
    pub fn step(&mut self, app: &TlsApp) -> Step {
        let mut s = Step::default();
        let closed_by_peer = self.drain_events(&mut s);
        self.after_events(app, s, closed_by_peer)
    }

    /// Turns the connection's events into trace records; true if the peer
    /// sent close_notify.
    fn drain_events(&mut self, s: &mut Step) -> bool {
        let mut closed_by_peer = false;
        while let Some(e) = self.conn.poll_event() {
            match e {
                ConnEvent::RecordSent {
                    what,
                    plaintext,
                    wire,
                } => self.record_sent(s, what, plaintext, wire),
                ConnEvent::RecordReceived {
                    content,
                    plaintext,
                    wire,
                } => {
                    if self.awaiting_reply && !self.app_started {
                        self.awaiting_reply = false;
                        self.round_trips += 1;
                    }
                    s.traces.push((
                        Kind::TlsRecord,
                        vec![
                            (Field::Dir, "recv".into()),
                            (Field::What, content_name(content).into()),
                            (Field::Plaintext, Value::from(plaintext as u64)),
                            (Field::Wire, Value::from(wire as u64)),
                        ],
                    ))
                }
                ConnEvent::RecordSkipped { wire } => s.traces.push((
                    Kind::TlsRecord,
                    vec![
                        (Field::Dir, "skip".into()),
                        (Field::What, "EarlyData".into()),
                        (Field::Wire, Value::from(wire as u64)),
                    ],
                )),
                ConnEvent::Closed => {
                    closed_by_peer = true;
                    s.traces.push((
                        Kind::TlsState,
                        vec![(Field::Event, "close_notify_received".into())],
                    ));
                }
                ConnEvent::Handshake(h) => handshake_event(h, s),
            }
        }
        if !self.negotiated
            && let Some(suite) = self.conn.suite()
        {
            // The suite (and so the version) the hellos settled on.
            self.negotiated = true;
            s.traces.push((
                Kind::TlsState,
                vec![
                    (Field::Event, "negotiated".into()),
                    (Field::Version, Value::from(suite.version().to_string())),
                    (Field::Suite, Value::from(suite.name())),
                ],
            ));
        }
        closed_by_peer
    }

    /// Moves application data and closes as the exchange requires.
    fn after_events(&mut self, app: &TlsApp, mut s: Step, closed_by_peer: bool) -> Step {
        let ops = self.conn.pk_ops();
        s.ops = ops - self.ops_seen;
        self.ops_seen = ops;
        let app_in = self.conn.take_app();
        s.app_bytes = app_in.len() as u64;
        self.got += s.app_bytes;
        if self.client && self.expect.is_none() {
            self.head.extend_from_slice(&app_in);
            self.expect = http::response_length(&self.head);
        }
        if !self.client {
            self.pending.extend_from_slice(&app_in);
        } else if app.relay {
            self.response.extend_from_slice(&app_in);
        }
        // The server answers every complete request (its head ends with an
        // empty line), in order, as soon as it may write: a TLS 1.3 server
        // answers early data at once (0.5-RTT).
        while !self.client
            && self.conn.can_write()
            && let Some(end) = http::head_len(&self.pending)
        {
            let request: Vec<u8> = self.pending.drain(..end).collect();
            if app.relay {
                s.requests.push(request);
                continue;
            }
            self.conn.write_app(&http::response(app.response));
            self.drain_events(&mut s);
        }
        if self.conn.status() == Status::Established
            && self.client
            && !self.done
            && self.expect.is_some_and(|n| self.got - self.page_base >= n)
        {
            s.response_complete = true;
            if app.relay {
                s.response = Some(std::mem::take(&mut self.response));
            }
            self.requests_left -= 1;
            if self.requests_left > 0 {
                // Keep-alive: the next request on the same connection.
                self.page_base += self.expect.take().unwrap_or(0);
                self.head.clear();
                let last = self.requests_left == 1;
                self.conn
                    .write_app(&http::request(app.request, last, &app.host));
            } else {
                // The whole page is here: close_notify, then FIN.
                self.done = true;
                self.conn.close();
                s.close = true;
            }
            self.drain_events(&mut s);
        }
        if closed_by_peer && !self.done {
            // RFC 8446 §6.1: answer close_notify with our own.
            self.done = true;
            self.conn.close();
            s.close = true;
            self.drain_events(&mut s);
        }
        if matches!(self.conn.status(), Status::Failed(_)) && !self.done {
            self.done = true;
            s.close = true;
        }
        let out = self.conn.take_tls();
        s.send = out.len() as u64;
        if matches!(self.conn, Stream::Plain { .. }) && s.send > 0 {
            s.app_sent = true;
        }
        self.tx.push(out);
        s
    }

    /// A record went out; `off` is where it starts in the TCP stream, so a
    /// ladder can name the segments that carry it.
    fn record_sent(&mut self, s: &mut Step, what: &'static str, plaintext: usize, wire: usize) {
        let app = matches!(what, "ApplicationData" | "EarlyData");
        s.app_sent |= app;
        s.traces.push((
            Kind::TlsRecord,
            vec![
                (Field::Dir, "send".into()),
                (Field::What, what.into()),
                (Field::Plaintext, Value::from(plaintext as u64)),
                (Field::Wire, Value::from(wire as u64)),
                (Field::Off, Value::U64(self.sent_off)),
            ],
        ));
        self.sent_off += wire as u64;
        if self.client && !self.app_started {
            if app {
                self.app_started = true;
                s.round_trips = Some(self.round_trips);
                s.traces.push((
                    Kind::TlsState,
                    vec![
                        (Field::Event, "first_app_data".into()),
                        (Field::RoundTrips, Value::from(self.round_trips)),
                    ],
                ));
            } else {
                self.awaiting_reply = true;
            }
        }
    }
}

fn handshake_event(h: TlsEvent, s: &mut Step) {
    let fields = match h {
        TlsEvent::Established { version, suite } => {
            s.established = true;
            vec![
                (Field::Event, "established".into()),
                (Field::Version, Value::from(version.to_string())),
                (Field::Suite, Value::from(suite.name())),
            ]
        }
        TlsEvent::AlertSent(a, why) => {
            s.alert_sent = Some(a);
            vec![
                (Field::Event, "alert_sent".into()),
                (Field::Alert, a.name().into()),
                (Field::Reason, Value::from(why)),
            ]
        }
        TlsEvent::AlertReceived(a) => {
            s.alert_received = Some(a);
            vec![
                (Field::Event, "alert_received".into()),
                (Field::Alert, a.name().into()),
            ]
        }
        TlsEvent::UntrustedAccepted(e) => vec![
            (Field::Event, "untrusted_accepted".into()),
            (Field::Reason, Value::from(e.to_string())),
        ],
        TlsEvent::Resumed => {
            s.resumed = true;
            vec![(Field::Event, "resumed".into())]
        }
        TlsEvent::NewTicket(ticket) => {
            let max = ticket.max_early_data;
            s.new_ticket = Some(ticket);
            vec![
                (Field::Event, "new_ticket".into()),
                (Field::MaxEarlyData, Value::from(max)),
            ]
        }
        TlsEvent::EarlyData { accepted } => vec![(
            Field::Event,
            if accepted {
                "early_data_accepted"
            } else {
                "early_data_rejected"
            }
            .into(),
        )],
        TlsEvent::NewSession(session) => {
            let ticket = session.ticket.is_some();
            s.new_session = Some(session);
            vec![
                (Field::Event, "new_session".into()),
                (Field::Ticket, Value::Bool(ticket)),
            ]
        }
    };
    s.traces.push((Kind::TlsState, fields));
}

fn content_name(c: sim_tls::record::ContentType) -> &'static str {
    use sim_tls::record::ContentType as C;
    match c {
        C::ChangeCipherSpec => "ChangeCipherSpec",
        C::Alert => "Alert",
        C::Handshake => "Handshake",
        C::ApplicationData => "ApplicationData",
    }
}

/// Changes a segment's bytes as an on-path attacker would; true if it
/// found something to change.
pub fn tamper(how: &str, bytes: &mut [u8]) -> bool {
    match how {
        "corrupt" => match bytes.last_mut() {
            Some(b) => {
                *b ^= 0x01;
                true
            }
            None => false,
        },
        "downgrade" => downgrade_client_hello(bytes),
        _ => false,
    }
}

/// Rewrites every suite in a ClientHello at the start of `bytes` to the
/// list's last one, keeping every length (RFC 5246 §7.4.1.2 layout).
fn downgrade_client_hello(bytes: &mut [u8]) -> bool {
    // Record header (5), handshake header (4), version (2), random (32).
    if bytes.len() < 44 || bytes[0] != 22 || bytes[5] != 1 {
        return false;
    }
    let sid = 43 + 1 + usize::from(bytes[43]);
    let Some(len) = bytes
        .get(sid..sid + 2)
        .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
    else {
        return false;
    };
    let list = sid + 2;
    if len < 2 || bytes.len() < list + len {
        return false;
    }
    let last = [bytes[list + len - 2], bytes[list + len - 1]];
    for i in (list..list + len).step_by(2) {
        bytes[i..i + 2].copy_from_slice(&last);
    }
    true
}

/// Lower-case hex, for the `tcp_payload` trace record.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_bytes_come_back_by_offset_across_pieces() {
        let mut tx = TxLog::default();
        tx.push(b"hello ".to_vec());
        tx.push(Vec::new());
        tx.push(b"big ".to_vec());
        tx.push(b"world".to_vec());
        assert_eq!(&*tx.get(0, 5).unwrap(), b"hello");
        assert_eq!(&*tx.get(4, 8).unwrap(), b"o big wo");
        assert_eq!(&*tx.get(6, 9).unwrap(), b"big world");
        assert_eq!(tx.get(10, 6), None, "not all written");
        assert_eq!(tx.get(3, 0), None);
    }

    #[test]
    fn received_bytes_are_filed_by_offset_and_taken_in_order() {
        let mut rx = RxBytes::default();
        let take = |rx: &mut RxBytes, at: u64, n: usize| {
            let mut got = None;
            rx.take(at, n, |b| got = Some(b.to_vec()));
            got
        };
        rx.put(5, b"world");
        rx.put(0, b"hello");
        assert_eq!(take(&mut rx, 0, 5).as_deref(), Some(&b"hello"[..]));
        // A retransmission overlapping what was delivered.
        rx.put(3, b"loworld");
        assert_eq!(take(&mut rx, 5, 5).as_deref(), Some(&b"world"[..]));
        assert_eq!(take(&mut rx, 10, 1), None);
    }
}
