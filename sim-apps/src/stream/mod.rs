//! The byte stream a TCP connection carries, and the HTTP/1.1 exchange on
//! it: the client sends requests of a given size, the server answers each
//! with a response of a given size. The stream is TLS (protected by
//! `sim_tls`) or plain; the exchange is the same either way, so one model
//! serves HTTPS and HTTP and their metrics compare phase by phase.
//!
//! TCP in netsim moves stream positions, not bytes; a TLS connection needs
//! its bytes. So each stream keeps what it wrote (`tx`, indexed by stream
//! offset, see `buffers`), the host puts the bytes of every segment it
//! sends into the packet, and the receiving host files them by offset
//! until TCP delivers that range in order. Retransmissions carry the same
//! bytes again; a segment changed in flight carries changed bytes, which
//! the record layer then refuses.
//!
//! A [`Stream`] is sans-IO: the TCP host tells it what TCP delivered
//! ([`Stream::delivered`], [`Stream::peer_closed`]) and it answers with a
//! [`Step`]: bytes to queue, whether to close, trace records and figures.

mod buffers;
mod tamper;
mod trace;
mod transport;

use sim_core::{Field, Kind, Value};
use std::sync::Arc;

use sim_tls::alert::Alert;
use sim_tls::conn::{ConnEvent, Connection, Status};
use sim_tls::cost::{CpuCosts, PkOps};
use sim_tls::handshake::{ClientConfig, ServerConfig};

use crate::dist::Dist;
use crate::http;
use buffers::{RxBytes, TxLog};
use sim_core::RngStream;
pub use tamper::{EXTENSIONS, Extension, FIELDS, HelloField, Tamper, tamper};
use trace::{content_name, handshake_event};
use transport::Transport;

/// Which end a host plays, with its TLS settings (or plain HTTP).
#[derive(Debug, Clone)]
pub enum StreamSide {
    /// Connects, sends the request, reads the response, closes.
    Client(Box<ClientConfig>),
    /// Accepts, answers each request with the response.
    Server(Box<ServerConfig>),
    /// The same client over plain TCP (HTTP without TLS).
    PlainClient,
    /// The same server over plain TCP.
    PlainServer,
}

impl StreamSide {
    /// True for plain HTTP.
    pub fn is_plain(&self) -> bool {
        matches!(self, StreamSide::PlainClient | StreamSide::PlainServer)
    }
}

/// What a TCP application runs over each connection: HTTP, under TLS or
/// not.
#[derive(Debug, Clone)]
pub struct StreamApp {
    /// Client or server.
    pub side: StreamSide,
    /// Bytes of application data the client sends.
    pub request: u64,
    /// Bytes of application data the server answers with: a constant, or
    /// drawn for each request (from the connection's own stream, see
    /// [`Stream::draw_sizes_from`]), at most [`MAX_DRAWN_RESPONSE`].
    pub response: Dist,
    /// Server: the sizes of the responses on each connection, by request:
    /// the k-th request on a connection gets the k-th size, and every one
    /// past the end of the list the last (README, "HTTP request/response
    /// traffic"). Empty: every response is sized by `response`.
    pub response_sizes: Vec<u64>,
    /// Server: close each connection after answering this many requests
    /// on it, the last response saying `Connection: close` (RFC 9112
    /// §9.6); `None`: never close first (the client closes).
    pub close_after: Option<u64>,
    /// Client: the pause between a response and the next request, in
    /// nanoseconds, drawn by the host (`None`: the next request goes at
    /// once).
    pub think: Option<Dist>,
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
    /// Client: after a connection whose handshake fails, open one more,
    /// offering only the versions below the highest one the failed
    /// connection offered and TLS_FALLBACK_SCSV (a browser's version
    /// fallback, RFC 7507 §1).
    pub fallback: bool,
}

/// The largest response a drawn size gives (64 MiB): the stream holds a
/// message's real bytes, so an unbounded distribution (exponential,
/// Pareto) is cut here rather than exhaust memory.
pub const MAX_DRAWN_RESPONSE: u64 = 64 << 20;

impl PartialEq for StreamApp {
    /// Configurations hold trust stores and caches without equality; two
    /// apps are equal when they print the same.
    fn eq(&self, other: &Self) -> bool {
        format!("{self:?}") == format!("{other:?}")
    }
}

/// The stream riding on one TCP connection: TLS or plain, client or
/// server.
#[derive(Debug)]
pub struct Stream {
    conn: Transport,
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
    /// We answered the peer's close_notify and close our side of TCP when
    /// its FIN, sent right behind it, is in.
    close_on_fin: bool,
    ops_seen: PkOps,
    /// The negotiated suite has been reported.
    negotiated: bool,
    /// Client: handshake round trips so far, counted until the first
    /// application data goes: a flight sent and then an answer received
    /// is one.
    round_trips: u32,
    awaiting_reply: bool,
    app_started: bool,
    /// Server: where drawn response sizes come from.
    sizes: Option<RngStream>,
    /// Server: requests answered on this connection.
    answered: u64,
    /// Client: a response said `Connection: close`: no more requests on
    /// this connection; the server closes it.
    told_to_close: bool,
}

/// What a stream did, for the host's trace and totals.
#[derive(Debug, Default)]
pub struct Step {
    /// Bytes to queue on TCP.
    pub send: u64,
    /// Close the TCP connection (after what is queued).
    pub close: bool,
    /// Trace records: kind and fields.
    pub traces: Vec<(Kind, sim_core::Fields)>,
    /// Key log lines of the keys installed now (`keylog.txt`).
    pub key_log: Vec<sim_tls::keylog::KeyLogLine>,
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
    /// Client: the next request waits for a think time; the host calls
    /// [`Stream::next_request`] when it is over.
    pub think: bool,
    /// Client: the response just completed was the last this connection
    /// gets (its page, or its share of it, is done).
    pub last_response: bool,
    /// Client: requests this connection was to make that a server's
    /// `Connection: close` left undone (they go on a new connection).
    pub leftover: u64,
}

impl Stream {
    /// A client connection: the ClientHello is ready to go.
    ///
    /// It makes `requests` requests (the application's `requests`, or
    /// what an earlier connection left undone).
    pub fn client(
        cfg: &ClientConfig,
        random: [u8; 32],
        ephemeral: [u8; 32],
        app: &StreamApp,
        requests: u64,
    ) -> Self {
        let request = http::request(app.request, requests <= 1, &app.host);
        let mut c = Self::client_sending(cfg, random, ephemeral, &request);
        c.requests_left = requests.max(1);
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
        let mut c = Self::with(Transport::Tls(Box::new(conn)), true);
        c.requests_left = 1;
        c
    }

    /// A relay server answers a request it handed on.
    ///
    /// A response that says `Connection: close` is passed on with the
    /// close: the relay closes its side after it, as the server did
    /// (RFC 9112 §9.6), or its client would wait for a close that never
    /// comes.
    pub fn respond(&mut self, response: &[u8], app: &StreamApp) -> Step {
        self.conn.write_app(response);
        if http::says_close(response) && !self.done {
            self.done = true;
            self.conn.close();
            let mut s = self.step(app);
            s.close = true;
            return s;
        }
        self.step(app)
    }

    /// A server connection waiting for a ClientHello.
    pub fn server(cfg: &ServerConfig, random: [u8; 32], ephemeral: [u8; 32]) -> Self {
        Self::with(
            Transport::Tls(Box::new(Connection::server(cfg.clone(), random, ephemeral))),
            false,
        )
    }

    /// A plain-HTTP client (the request goes at once; `requests` of them,
    /// as [`Stream::client`]) or server.
    pub fn plain(client: bool, app: &StreamApp, requests: u64) -> Self {
        let mut conn = Transport::Plain {
            out: Vec::new(),
            app_in: Vec::new(),
            closed: false,
        };
        if client {
            conn.write_app(&http::request(app.request, requests <= 1, &app.host));
        }
        let mut c = Self::with(conn, client);
        c.requests_left = requests.max(1);
        c
    }

    fn with(conn: Transport, client: bool) -> Self {
        Stream {
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
            close_on_fin: false,
            ops_seen: PkOps::default(),
            negotiated: false,
            round_trips: 0,
            awaiting_reply: false,
            app_started: false,
            sizes: None,
            answered: 0,
            told_to_close: false,
        }
    }

    /// Server: draws each response's size from `rng` (the host names it
    /// after the connection, so a connection's sizes do not depend on how
    /// the others' requests interleave with its own).
    pub fn draw_sizes_from(&mut self, rng: RngStream) {
        self.sizes = Some(rng);
    }

    /// Client: the think time after a response is over; the next request
    /// goes.
    pub fn next_request(&mut self, app: &StreamApp) -> Step {
        let last = self.requests_left == 1;
        self.conn
            .write_app(&http::request(app.request, last, &app.host));
        self.step(app)
    }

    /// The bytes of stream range `offset .. offset + len`, as written.
    pub fn bytes(&self, offset: u64, len: u32) -> Option<Arc<[u8]>> {
        self.tx.get(offset, len as usize)
    }

    /// The peer acknowledged `n` more bytes: they need not be kept.
    pub fn acked(&mut self, n: u64) {
        self.tx.acked(n);
    }

    /// Files bytes that arrived in a segment.
    pub fn arrived(&mut self, offset: u64, data: &[u8]) {
        self.rx.put(offset, data);
    }

    /// TCP delivered `len` bytes at `offset`: feed them to TLS.
    pub fn delivered(&mut self, offset: u64, len: u32, app: &StreamApp) -> Step {
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
    pub fn peer_closed(&mut self, app: &StreamApp) -> Step {
        let mut s = self.step(app);
        if !self.done || self.close_on_fin {
            self.done = true;
            self.close_on_fin = false;
            s.close = true;
        }
        s
    }

    /// Moves what TLS produced to TCP and reports it.
    pub fn step(&mut self, app: &StreamApp) -> Step {
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
        s.key_log.append(&mut self.conn.take_key_log());
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
    fn after_events(&mut self, app: &StreamApp, mut s: Step, closed_by_peer: bool) -> Step {
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
        if !self.client {
            self.answer_requests(app, &mut s);
        }
        // A response is whole once its bytes are in, also when the
        // server's close_notify came right behind them (a server that
        // closes first, RFC 9112 §9.6).
        if matches!(self.conn.status(), Status::Established | Status::Closed)
            && self.client
            && !self.done
            && !self.told_to_close
            && self.expect.is_some_and(|n| self.got - self.page_base >= n)
        {
            self.response_complete(app, &mut s);
        }
        if closed_by_peer && !self.done {
            // RFC 8446 §6.1: answer close_notify with our own. Our FIN
            // waits for the peer's, which left right behind its
            // close_notify: a real application, woken after the kernel
            // took both segments, finds the connection in CLOSE_WAIT and
            // goes to LAST_ACK; closing on the close_notify alone would
            // cross the peer's FIN and take both ends through CLOSING
            // (README, "TLS close": the model waits for that FIN).
            self.done = true;
            self.close_on_fin = true;
            self.conn.close();
            self.drain_events(&mut s);
        }
        if matches!(self.conn.status(), Status::Failed(_)) && !self.done {
            self.done = true;
            s.close = true;
        }
        let out = self.conn.take_tls();
        s.send = out.len() as u64;
        if matches!(self.conn, Transport::Plain { .. }) && s.send > 0 {
            s.app_sent = true;
        }
        self.tx.push(out);
        s
    }

    /// Server: answers every complete request (its head ends with an empty
    /// line), in order, as soon as it may write: a TLS 1.3 server answers
    /// early data at once (0.5-RTT). A relay hands the requests on instead.
    fn answer_requests(&mut self, app: &StreamApp, s: &mut Step) {
        while self.conn.can_write()
            && !self.done
            && let Some(end) = http::head_len(&self.pending)
        {
            let request: Vec<u8> = self.pending.drain(..end).collect();
            if app.relay {
                s.requests.push(request);
                continue;
            }
            let k = self.answered as usize;
            self.answered += 1;
            let n = match (&mut self.sizes, app.response.constant()) {
                _ if !app.response_sizes.is_empty() => {
                    app.response_sizes[k.min(app.response_sizes.len() - 1)]
                }
                (_, Some(n)) => n,
                (Some(rng), None) => app.response.draw(rng).min(MAX_DRAWN_RESPONSE),
                (None, None) => 0,
            };
            let close = app.close_after.is_some_and(|m| self.answered >= m);
            self.conn.write_app(&http::response_closing(n, close));
            if close {
                // RFC 9112 §9.6: a server that sends "close" closes the
                // connection after that response and reads no further
                // request; under TLS its close_notify goes first, then the
                // FIN (RFC 8446 §6.1). The server closes first: its end
                // goes through FIN_WAIT to TIME_WAIT.
                self.done = true;
                self.pending.clear();
                self.conn.close();
                s.close = true;
                s.traces.push((
                    Kind::TcpApp,
                    vec![
                        (
                            Field::Reason,
                            Value::from(format!("after {} requests", self.answered)),
                        ),
                        (Field::Event, "http_close_sent".into()),
                    ],
                ));
            }
            self.drain_events(s);
        }
    }

    /// Client: the response just completed. Ask for the next one on the
    /// same connection (keep-alive), or close once the page is whole.
    fn response_complete(&mut self, app: &StreamApp, s: &mut Step) {
        s.response_complete = true;
        if app.relay {
            s.response = Some(std::mem::take(&mut self.response));
        }
        self.requests_left -= 1;
        if !app.relay && http::says_close(&self.head) {
            // RFC 9112 §9.6: a client that receives "close" sends no
            // further request on the connection. The server closes it;
            // the client answers that close (close_notify, FIN) as any
            // peer's, and the requests left go on a new connection.
            self.told_to_close = true;
            s.last_response = true;
            s.leftover = self.requests_left;
            self.requests_left = 0;
            let reason = format!("{} requests left", s.leftover);
            s.traces.push((
                Kind::TcpApp,
                vec![
                    (Field::Reason, Value::from(reason)),
                    (Field::Event, "http_close_received".into()),
                ],
            ));
            return;
        }
        if self.requests_left > 0 {
            self.page_base += self.expect.take().unwrap_or(0);
            self.head.clear();
            if app.think.is_some() {
                s.think = true;
            } else {
                let last = self.requests_left == 1;
                self.conn
                    .write_app(&http::request(app.request, last, &app.host));
            }
        } else {
            // The whole page is here: close_notify, then FIN.
            s.last_response = true;
            self.done = true;
            self.conn.close();
            s.close = true;
        }
        self.drain_events(s);
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
