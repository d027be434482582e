//! A TLS-terminating man-in-the-middle on a router: a transparent proxy
//! with its own certificate.
//!
//! It takes over every TCP connection to its target (`node:port`) that
//! crosses its router: it answers the client as if it were the server
//! (its segments claim the server's address), runs TLS with the client
//! under its own certificate, and reads the plaintext of each request.
//! For each request it opens its own TLS connection to the real server
//! (from its own address, checking the server's certificate as any client
//! would), sends the request, reads the response, and answers the client
//! with it. The trace records everything it read (`mitm_read`).
//!
//! A client that checks certificates refuses the forged one (its issuer,
//! the attacker's CA, is unknown: `unknown_ca`), and the proxy reads
//! nothing; a client told to accept untrusted certificates (a user
//! clicking through the warning) hands over its request, cookie included,
//! and still gets its page, so it sees nothing wrong.
//!
//! When the real server cannot be reached or its certificate does not
//! check out, the client gets `502 Bad Gateway`, as from a real proxy.
//!
//! Simplifications: each request gets its own upstream connection, closed
//! after its response; the two halves have separate CPU queues.

use sim_core::{Context, Field, Kind, NodeId, Packet, Value};
use std::collections::BTreeMap;

use sim_tcp::stack::ConnId;

use crate::http;
use crate::payload::Wire;
use crate::tcp::{ConnFigures, Relayed, TcpApp, TcpHost};
use crate::timer::{Slot, Timer};

/// A man-in-the-middle's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct MitmApp {
    /// The server whose connections it takes over.
    pub target: NodeId,
    /// Its port.
    pub port: u16,
    /// The half facing the client: listens on `port`, TLS server with the
    /// forged certificate, as a relay.
    pub front: TcpApp,
    /// The half facing the server: TLS client connections opened on
    /// demand, as a relay.
    pub back: TcpApp,
}

/// What it read.
#[derive(Debug, Default, Clone, Copy)]
struct Read {
    requests: u64,
    responses: u64,
    bytes: u64,
    upstream_failures: u64,
}

/// The running man-in-the-middle.
#[derive(Debug)]
pub(crate) struct Mitm {
    target: NodeId,
    port: u16,
    front: TcpHost,
    back: TcpHost,
    /// Upstream connection to the client connection it serves.
    serving: BTreeMap<ConnId, ConnId>,
    read: Read,
}

impl Mitm {
    pub(crate) fn new(app: &MitmApp) -> Self {
        Mitm {
            target: app.target,
            port: app.port,
            front: TcpHost::new(&app.front).speaking_as(app.target),
            back: TcpHost::new(&app.back).second_half(),
            serving: BTreeMap::new(),
            read: Read::default(),
        }
    }

    pub(crate) fn start(&mut self, cx: &mut Context<'_, Wire>) {
        self.front.start(cx);
        self.back.start(cx);
    }

    /// Segments to the target's port, from anyone.
    pub(crate) fn intercepts(&self, packet: &Packet<Wire>) -> bool {
        matches!(&packet.payload, Wire::Tcp { seg, .. }
            if packet.dst == self.target && seg.dst_port == self.port)
    }

    pub(crate) fn on_packet(&mut self, cx: &mut Context<'_, Wire>, packet: &Packet<Wire>) {
        let Wire::Tcp { seg, bytes, .. } = &packet.payload else {
            return;
        };
        // Taken over on the way to the target: the client half. Addressed
        // to this node: the server's answers to the upstream half.
        let half = if packet.dst == cx.node() {
            &mut self.back
        } else {
            &mut self.front
        };
        half.on_segment(cx, packet.src, seg, bytes.as_ref());
        self.relay(cx);
    }

    pub(crate) fn on_timer(&mut self, cx: &mut Context<'_, Wire>, timer: Timer) {
        match timer {
            Timer::Tcp(
                Slot {
                    upstream: false, ..
                },
                t,
            ) => self.front.on_timer(cx, t),
            Timer::Tcp(Slot { upstream: true, .. }, t) => self.back.on_timer(cx, t),
            // Not the halves' business (the scenario gives a router no
            // actions); the client half is polled all the same.
            Timer::Action(_)
            | Timer::Ping(_)
            | Timer::Flood(_)
            | Timer::Udp(_)
            | Timer::DnsResolver(_) => self.front.on_action(cx, None),
        }
        self.relay(cx);
    }

    /// Passes requests up and responses down until neither half has more.
    fn relay(&mut self, cx: &mut Context<'_, Wire>) {
        loop {
            if let Some(Relayed::Request { conn, bytes }) = self.front.pop_relayed() {
                self.read.requests += 1;
                self.trace_read(cx, "request", &bytes);
                let up = self.back.connect_relay(cx, self.target, self.port, bytes);
                self.serving.insert(up, conn);
                continue;
            }
            match self.back.pop_relayed() {
                Some(Relayed::Response { conn, bytes }) => {
                    self.read.responses += 1;
                    self.trace_read(cx, "response", &bytes);
                    if let Some(client) = self.serving.remove(&conn) {
                        self.front.respond(cx, client, &bytes);
                    }
                    continue;
                }
                Some(Relayed::Failed { conn }) => {
                    // The real server could not be reached or refused us:
                    // the client gets what a proxy sends then.
                    self.read.upstream_failures += 1;
                    if let Some(client) = self.serving.remove(&conn) {
                        self.front.respond(cx, client, http::BAD_GATEWAY);
                    }
                    continue;
                }
                Some(Relayed::Request { .. }) | None => {}
            }
            // (A request on the upstream half or a response on the client
            // half cannot happen: each half is one kind of relay.)
            break;
        }
    }

    /// Records what the proxy read: the first line, the cookie if any, and
    /// the head (padding headers cut short).
    fn trace_read(&mut self, cx: &mut Context<'_, Wire>, dir: &'static str, bytes: &[u8]) {
        self.read.bytes += bytes.len() as u64;
        if !cx.tracing() {
            return;
        }
        let end = http::head_len(bytes).unwrap_or(bytes.len());
        let head = http::Head::parse(&bytes[..end]);
        let mut fields = vec![
            (Field::Dir, Value::from(dir)),
            (Field::Bytes, Value::from(bytes.len() as u64)),
            (Field::FirstLine, Value::from(head.first_line.clone())),
        ];
        if let Some(c) = head.get("cookie") {
            fields.push((Field::Cookie, Value::from(c.to_string())));
        }
        let shown: Vec<String> = head
            .headers
            .iter()
            .map(|(k, v)| {
                if k.eq_ignore_ascii_case("x-pad") {
                    format!("{k}: ({} bytes)", v.len())
                } else {
                    format!("{k}: {v}")
                }
            })
            .collect();
        fields.push((Field::Headers, Value::from(shown.join(" | "))));
        cx.trace(Kind::MitmRead, fields);
    }

    /// Its connection ends: the clients' (which it answers as the
    /// server), then its own to the server, each in the order they opened.
    /// Key log lines: its upstream half's (it is the client there); the
    /// half facing the client is a server, whose connections the real
    /// client logs.
    pub(crate) fn key_log(&self) -> Vec<sim_tls::keylog::KeyLogLine> {
        let mut all = self.front.key_log().to_vec();
        all.extend_from_slice(self.back.key_log());
        all
    }

    pub(crate) fn connections(&self) -> Vec<ConnFigures> {
        let mut c = self.front.connections();
        c.extend(self.back.connections());
        c
    }

    pub(crate) fn metrics(&self) -> Vec<(String, Value)> {
        let (handshakes, alerts) = self.front.handshake_figures();
        let (upstream_handshakes, _) = self.back.handshake_figures();
        let f = Figures {
            client_handshakes: handshakes,
            client_alerts_received: alerts,
            server_handshakes: upstream_handshakes,
            read: self.read,
        };
        named(f)
            .into_iter()
            .map(|(k, v)| (format!("mitm.{k}"), Value::U64(v)))
            .collect()
    }

    pub(crate) fn metric_names() -> Vec<String> {
        named(Figures::default())
            .into_iter()
            .map(|(k, _)| format!("mitm.{k}"))
            .collect()
    }
}

/// What it reports.
#[derive(Debug, Default, Clone, Copy)]
struct Figures {
    /// TLS handshakes with clients (under the forged certificate).
    client_handshakes: u64,
    /// Alerts clients sent (refusing the certificate).
    client_alerts_received: u64,
    /// TLS handshakes with the real server.
    server_handshakes: u64,
    read: Read,
}

/// Its figures, by name.
fn named(f: Figures) -> [(&'static str, u64); 7] {
    [
        ("client_handshakes", f.client_handshakes),
        ("client_alerts_received", f.client_alerts_received),
        ("server_handshakes", f.server_handshakes),
        ("requests_read", f.read.requests),
        ("responses_read", f.read.responses),
        ("bytes_read", f.read.bytes),
        ("upstream_failures", f.read.upstream_failures),
    ]
}
