//! The endpoint every scenario host runs: it answers echo requests, runs a
//! ping or a TCP application, and turns what the models report into trace
//! records.
//!
//! The TCP stack is sans-IO; this adapter is the only place that connects
//! it to the simulator. After every input it drains, in order, the stack's
//! events (so the application can react before anything is sent, and an
//! ACK can ride on its reply), its segments, and its timer deadlines.

/// Per-connection application state, indexed by connection id: ids are
/// dense (the stack reuses freed ones), so a vector beats a map, and
/// iterating it visits connections in id order, deterministically.
#[derive(Debug, Default)]
struct ConnTable(Vec<Option<ConnApp>>);

impl ConnTable {
    fn insert(&mut self, id: ConnId, c: ConnApp) {
        let i = id.0 as usize;
        if self.0.len() <= i {
            self.0.resize_with(i + 1, || None);
        }
        self.0[i] = Some(c);
    }
    fn get(&self, id: ConnId) -> Option<&ConnApp> {
        self.0.get(id.0 as usize)?.as_ref()
    }
    fn get_mut(&mut self, id: ConnId) -> Option<&mut ConnApp> {
        self.0.get_mut(id.0 as usize)?.as_mut()
    }
    fn remove(&mut self, id: ConnId) {
        if let Some(slot) = self.0.get_mut(id.0 as usize) {
            *slot = None;
        }
    }
    fn ids(&self) -> Vec<ConnId> {
        (0..self.0.len())
            .filter(|&i| self.0[i].is_some())
            .map(|i| ConnId(i as u32))
            .collect()
    }
}

use sim_core::{Field, Kind};
use std::collections::VecDeque;
use std::sync::Arc;

use sim_core::datagram::{DatagramHost, PingJob};
use sim_core::{Context, Endpoint, NodeId, Packet, RngStream, SimTime, TimerId, Value};
use sim_tcp::conn::Event;
use sim_tcp::stack::{ConnId, Quad, StackEvent, TcpStack};
use sim_tcp::{State, TcpConfig};

use crate::dns::{Lookup, Outcome, Resolver, ResolverConfig, Zone};
use crate::payload::Wire;
use crate::tls_app::{Step, TlsApp, TlsConn, TlsSide, hex};

/// How a TCP application opens its connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// Accept connections on a port.
    Listen {
        /// The port.
        port: u16,
        /// SYN queue length.
        backlog: u32,
    },
    /// Open connections only when asked (a man-in-the-middle's upstream
    /// half).
    OnDemand,
    /// Open one connection.
    Connect {
        /// Peer node, or the name to look up.
        remote: Target,
        /// Peer port.
        port: u16,
        /// Our port (ephemeral if `None`).
        local_port: Option<u16>,
        /// When.
        at: SimTime,
    },
}

/// Whom a client connects to.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A node, by its name in the scenario.
    Node(NodeId),
    /// A DNS name, resolved before each connection.
    Name {
        /// The name.
        name: Arc<str>,
        /// How.
        resolver: Arc<ResolverConfig>,
    },
}

/// What to do when the peer closes its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnPeerClose {
    /// Close ours too (what most applications do).
    Close,
    /// Never close: the connection stays in CLOSE_WAIT.
    Ignore,
}

/// A TCP application: open, send, close, as the scenario says.
#[derive(Debug, Clone, PartialEq)]
pub struct TcpApp {
    /// Listen or connect.
    pub role: Role,
    /// Bytes to send on each connection once it is established, as fast as
    /// the windows allow.
    pub send: u64,
    /// Close right after queuing `send` (the FIN follows the data).
    pub close_after_send: bool,
    /// Reaction to the peer's FIN.
    pub on_peer_close: OnPeerClose,
    /// Hold received data unread until this time (the window closes as it
    /// fills), then read it all and from then on at once.
    pub stall_reading_until: Option<SimTime>,
    /// Connections to open in all (a client), one after another.
    pub connections: u64,
    /// How many of them may be open at once.
    pub concurrency: u32,
    /// Protocol settings.
    pub cfg: TcpConfig,
    /// Fixed initial sequence number, for readable traces.
    pub iss: Option<u32>,
    /// Run TLS over each connection (the `send` bytes are then unused).
    /// Shared, because every connection event consults it.
    pub tls: Option<Arc<TlsApp>>,
}

/// Something a scenario action makes a host do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostAction {
    /// Close every connection.
    Close,
    /// Reset every connection.
    Abort,
    /// Queue more bytes on every connection.
    Send(u64),
    /// Lose every connection's state without a word (a crash).
    Crash,
}

/// A SYN flood to run.
#[derive(Debug, Clone, PartialEq)]
pub struct SynFlood {
    /// Victim node.
    pub target: NodeId,
    /// Victim port.
    pub port: u16,
    /// SYNs to send.
    pub count: u64,
    /// Gap between SYNs.
    pub interval: sim_core::SimDuration,
    /// First SYN.
    pub at: SimTime,
    /// Claimed sources, round robin (empty: the flooder itself).
    pub spoof: Vec<NodeId>,
}

/// What a host runs.
#[derive(Debug, Clone, PartialEq)]
pub enum HostApp {
    /// Only answers echo requests.
    Echo,
    /// Pings, and answers echo requests.
    Ping(PingJob),
    /// Runs a TCP application, and answers echo requests.
    Tcp(TcpApp),
    /// Floods a port with spoofed SYNs.
    SynFlood(SynFlood),
    /// Answers DNS queries from its zone.
    DnsServer(Zone),
    /// A TLS-terminating man-in-the-middle (on a router).
    Mitm(Box<crate::mitm::MitmApp>),
    /// A passive observer (on a router).
    Observer,
}

const KIND_SHIFT: u32 = 56;
const KIND_ECHO: u64 = 0;
const KIND_CONN: u64 = 1;
const KIND_CONNECT: u64 = 2;
const KIND_ACTION: u64 = 3;
const KIND_READ: u64 = 4;
const KIND_FLOOD: u64 = 5;
const KIND_CPU: u64 = 6;
const KIND_DNS: u64 = 7;

/// Set in the timer tokens of a second TCP application on one node (a
/// man-in-the-middle's upstream half), below the kind bits.
pub(crate) const SECOND_HALF: u64 = 1 << (KIND_SHIFT - 1);

/// Splits a timer token into (kind, value, second half?).
pub(crate) fn split_token(token: u64) -> (u64, u64, bool) {
    let value = token & ((1 << KIND_SHIFT) - 1);
    (
        token >> KIND_SHIFT,
        value & !SECOND_HALF,
        value & SECOND_HALF != 0,
    )
}

fn token(kind: u64, value: u64) -> u64 {
    (kind << KIND_SHIFT) | value
}

/// The timer token that delivers action `index` of a host.
pub fn action_token(index: usize) -> u64 {
    token(KIND_ACTION, index as u64)
}

/// Per-connection application state.
#[derive(Debug, Default)]
struct ConnApp {
    /// TLS riding on this connection.
    tls: Option<Box<TlsConn>>,
    /// Next stream offset expected from the peer.
    expected: u64,
    /// When the connection was opened (connect or accept).
    opened: Option<SimTime>,
    /// When its page load began: the DNS lookup before it, or the open.
    started: Option<SimTime>,
    /// A client connection that has counted as done.
    finished: bool,
    /// A relay's upstream connection: the request to send once connected.
    relay_request: Option<Vec<u8>>,
    /// A relay's upstream connection still owes its response.
    relay_pending: bool,
}

#[derive(Debug, Default, Clone, Copy)]
struct Totals {
    established: u64,
    written: u64,
    bytes_acked: u64,
    bytes_delivered: u64,
    integrity_errors: u64,
    segments_sent: u64,
    retransmissions: u64,
    timeouts: u64,
    fast_retransmits: u64,
    resets: u64,
    connect_failed: u64,
    timed_out: u64,
    handshake_ns: Option<u64>,
    first_connected: Option<SimTime>,
    /// The latest acknowledgment of new data.
    last_progress: Option<SimTime>,
    last_ack_at: Option<SimTime>,
    first_delivery: Option<SimTime>,
    last_delivery: Option<SimTime>,
}

/// TLS figures of a host.
#[derive(Debug, Default, Clone, Copy)]
struct TlsTotals {
    handshakes: u64,
    resumed: u64,
    alerts_sent: u64,
    alerts_received: u64,
    app_bytes: u64,
    responses: u64,
    cpu_ns: u64,
    /// The first lookup's answer, from its start.
    dns_ns: Option<u64>,
    /// Handshake round trips before the first connection's request.
    round_trips: Option<u64>,
    /// First handshake: from the page load's start to TLS established.
    handshake_ns: Option<u64>,
    /// First response: from the page load's start to its last byte.
    page_ns: Option<u64>,
    /// The first connection's other phases, from its page load's start.
    tcp_connected_ns: Option<u64>,
    request_sent_ns: Option<u64>,
    first_byte_ns: Option<u64>,
    closed_ns: Option<u64>,
    /// The connection those phases belong to.
    first_conn: Option<ConnId>,
}

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

/// A node's TCP application: its stack, its connections and what rides on
/// them (TLS, HTTP, DNS lookups before connecting).
#[derive(Debug)]
pub(crate) struct TcpHost {
    app: TcpApp,
    /// Added to every timer token (see [`SECOND_HALF`]).
    token_base: u64,
    /// Segments leave claiming this source (a man-in-the-middle speaking
    /// as the server it impersonates).
    spoof_src: Option<NodeId>,
    /// Relay output for the node's endpoint to pass on.
    pub(crate) relayed: VecDeque<Relayed>,
    /// Draws client/server randoms and ephemeral keys.
    tls_rng: Option<RngStream>,
    /// The last session a client connection left, to resume on the next.
    tls_session: Option<sim_tls::session::ClientSession>,
    /// The last TLS 1.3 ticket, and when it came.
    tls_ticket13: Option<(sim_tls::session::Ticket13, SimTime)>,
    /// Client: each connection's page time, from its start to its last
    /// response, in the order they finished.
    page_times: Vec<u64>,
    tls_totals: TlsTotals,
    /// The host's one CPU is busy with public-key work until then.
    cpu_busy_until: SimTime,
    /// TLS output held back until the CPU work that made it is done:
    /// (release time, connection, bytes to send, close after), in order.
    held: VecDeque<(SimTime, ConnId, u64, bool)>,
    cpu_timer: Option<TimerId>,
    /// Connections opened so far by a client.
    opened: u64,
    /// Client connections not yet finished.
    active: u32,
    /// Looks the target's name up, if it has one.
    resolver: Option<Resolver>,
    dns_timer: Option<TimerId>,
    /// Start times of connections waiting for the name.
    waiting: Vec<SimTime>,
    /// Connections given up because the name did not resolve.
    dns_failed: u64,
    stack: Option<TcpStack>,
    timers: Vec<Option<TimerId>>,
    conns: ConnTable,
    totals: Totals,
    reading: bool,
}

/// What a DNS server did.
#[derive(Debug, Default, Clone, Copy)]
struct DnsServerStats {
    answered: u64,
    nxdomain: u64,
}

/// The endpoint on every scenario host.
#[derive(Debug)]
pub struct Host {
    echo: DatagramHost,
    tcp: Option<TcpHost>,
    dns_server: Option<(Zone, DnsServerStats)>,
    mitm: Option<crate::mitm::Mitm>,
    observer: Option<crate::observer::Observer>,
    /// The flood, SYNs sent, and its timer.
    flood: Option<(SynFlood, u64, Option<TimerId>)>,
    actions: Vec<HostAction>,
}

impl Host {
    /// A host running `app`, with the actions the scenario gives it.
    pub fn new(app: &HostApp, actions: Vec<HostAction>) -> Self {
        let echo = match app {
            HostApp::Ping(job) => DatagramHost::with_ping(job.clone()),
            _ => DatagramHost::new(),
        };
        let tcp = match app {
            HostApp::Tcp(a) => Some(TcpHost::new(a)),
            _ => None,
        };
        let flood = match app {
            HostApp::SynFlood(f) => Some((f.clone(), 0, None)),
            _ => None,
        };
        let dns_server = match app {
            HostApp::DnsServer(z) => Some((z.clone(), DnsServerStats::default())),
            _ => None,
        };
        let mitm = match app {
            HostApp::Mitm(m) => Some(crate::mitm::Mitm::new(m)),
            _ => None,
        };
        let observer = matches!(app, HostApp::Observer).then(crate::observer::Observer::default);
        Host {
            echo,
            tcp,
            dns_server,
            mitm,
            observer,
            flood,
            actions,
        }
    }
}

fn quad_fields(q: Quad) -> sim_core::Fields {
    vec![
        (Field::Lport, Value::from(u32::from(q.local_port))),
        (Field::Peer, Value::Node(q.remote)),
        (Field::Pport, Value::from(u32::from(q.remote_port))),
    ]
}

impl TcpHost {
    /// An application not yet started.
    pub(crate) fn new(a: &TcpApp) -> Self {
        TcpHost {
            token_base: 0,
            spoof_src: None,
            relayed: VecDeque::new(),
            opened: 0,
            active: 0,
            resolver: None,
            dns_timer: None,
            waiting: Vec::new(),
            dns_failed: 0,
            reading: a.stall_reading_until.is_none(),
            tls_rng: None,
            tls_session: None,
            tls_ticket13: None,
            page_times: Vec::new(),
            tls_totals: TlsTotals::default(),
            cpu_busy_until: SimTime::ZERO,
            held: VecDeque::new(),
            cpu_timer: None,
            app: a.clone(),
            stack: None,
            timers: Vec::new(),
            conns: ConnTable::default(),
            totals: Totals::default(),
        }
    }

    /// The second TCP application of a node: its timer tokens carry
    /// [`SECOND_HALF`].
    pub(crate) fn second_half(mut self) -> Self {
        self.token_base = SECOND_HALF;
        self
    }

    /// Its segments claim to come from `src`.
    pub(crate) fn speaking_as(mut self, src: NodeId) -> Self {
        self.spoof_src = Some(src);
        self
    }

    fn token(&self, kind: u64, value: u64) -> u64 {
        self.token_base | token(kind, value)
    }

    /// A segment arrived (with its bytes, for a stream whose content
    /// matters).
    pub(crate) fn on_segment(
        &mut self,
        cx: &mut Context<'_, Wire>,
        from: NodeId,
        seg: &sim_tcp::Segment,
        bytes: Option<&Arc<[u8]>>,
    ) {
        if let Some(b) = bytes {
            self.file_bytes(from, seg, b);
        }
        let now = cx.now();
        self.stack().on_segment(now, from, seg);
        self.pump(cx);
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
        self.open(cx, id, now);
        if let Some(c) = self.conns.get_mut(id) {
            c.relay_request = Some(request);
            c.relay_pending = true;
        }
        self.pump(cx);
        id
    }

    /// A relay's upstream connection that still owed a response has
    /// failed: say so, once.
    fn relay_failed(&mut self, id: ConnId) {
        if let Some(c) = self.conns.get_mut(id)
            && std::mem::take(&mut c.relay_pending)
        {
            self.relayed.push_back(Relayed::Failed { conn: id });
        }
    }

    /// Answers a request this relay's server half handed on.
    pub(crate) fn respond(&mut self, cx: &mut Context<'_, Wire>, id: ConnId, response: &[u8]) {
        let Some(app) = self.app.tls.clone() else {
            return;
        };
        let Some(tls) = self.conns.get_mut(id).and_then(|c| c.tls.as_mut()) else {
            return;
        };
        let step = tls.respond(response, &app);
        let now = cx.now();
        self.apply_tls(cx, now, id, step, &app);
        self.pump(cx);
    }

    fn stack(&mut self) -> &mut TcpStack {
        self.stack.as_mut().expect("started")
    }

    pub(crate) fn start(&mut self, cx: &mut Context<'_, Wire>) {
        let name = cx.topology().name(cx.node()).to_string();
        let isn = RngStream::derive(cx.run_seed(), &format!("tcp/{name}/isn"));
        let mut stack = TcpStack::new(self.app.cfg.clone(), isn, self.app.iss);
        if self.app.tls.is_some() {
            self.tls_rng = Some(RngStream::derive(cx.run_seed(), &format!("tls/{name}")));
        }
        if let Role::Connect {
            remote: Target::Name { resolver, .. },
            ..
        } = &self.app.role
        {
            let rng = RngStream::derive(cx.run_seed(), &format!("dns/{name}"));
            self.resolver = Some(Resolver::new(resolver.clone(), rng));
        }
        match self.app.role {
            Role::Listen { port, backlog } => stack.listen(port, backlog),
            Role::Connect { at, .. } => {
                let t = cx.new_timer(self.token(KIND_CONNECT, 0));
                cx.set_timer(t, at);
            }
            Role::OnDemand => {}
        }
        if let Some(until) = self.app.stall_reading_until {
            let t = cx.new_timer(self.token(KIND_READ, 0));
            cx.set_timer(t, until);
        }
        self.stack = Some(stack);
    }

    fn open(&mut self, cx: &mut Context<'_, Wire>, id: ConnId, started: SimTime) {
        self.conns.insert(
            id,
            ConnApp {
                expected: 0,
                opened: Some(cx.now()),
                started: Some(started),
                ..ConnApp::default()
            },
        );
        if !self.reading {
            self.stack().set_auto_read(id, false);
        }
    }

    /// Opens the client's next connection, if any remain: at once, or
    /// once its name is resolved.
    fn connect_next(&mut self, cx: &mut Context<'_, Wire>) {
        let Role::Connect { remote, .. } = &self.app.role else {
            return;
        };
        if self.opened >= self.app.connections.max(1) {
            return;
        }
        self.opened += 1;
        self.active += 1;
        let now = cx.now();
        let name = match remote {
            Target::Node(node) => {
                let node = *node;
                return self.connect_to(cx, node, now);
            }
            Target::Name { name, .. } => name.clone(),
        };
        let resolver = self.resolver.as_mut().expect("named targets have one");
        match resolver.lookup(now, &name) {
            Lookup::Ready(addr, source) => {
                let outcome = Outcome::Resolved { addr, source };
                self.dns_event(cx, now, &name, outcome);
                self.connect_to(cx, addr, now);
            }
            Lookup::Pending => {
                self.waiting.push(now);
                self.pump_dns(cx);
            }
            Lookup::Failed(f) => {
                // Only without a server, which the scenario check rules
                // out unless the hosts table holds the name: no recursion.
                self.dns_event(cx, now, &name, Outcome::Failed(f));
                self.give_up(cx);
            }
        }
    }

    fn connect_to(&mut self, cx: &mut Context<'_, Wire>, remote: NodeId, started: SimTime) {
        let Role::Connect {
            port, local_port, ..
        } = self.app.role
        else {
            return;
        };
        let now = cx.now();
        let id = self.stack().connect(now, remote, port, local_port);
        self.open(cx, id, started);
    }

    /// A connection that never opened, because its name did not resolve.
    fn give_up(&mut self, cx: &mut Context<'_, Wire>) {
        self.dns_failed += 1;
        self.active = self.active.saturating_sub(1);
        self.connect_next(cx);
    }

    /// Traces a resolver event, and notes the first lookup's time.
    fn dns_event(&mut self, cx: &mut Context<'_, Wire>, started: SimTime, name: &str, o: Outcome) {
        let now = cx.now();
        if let Outcome::Resolved { .. } = o {
            self.tls_totals
                .dns_ns
                .get_or_insert(now.saturating_since(started).as_nanos());
        }
        if !cx.tracing() {
            return;
        }
        let mut f = vec![(Field::Name, Value::from(name.to_string()))];
        let kind = match o {
            Outcome::Resolved { addr, source } => {
                f.push((Field::Addr, Value::Node(addr)));
                f.push((Field::Source, source.name().into()));
                "resolved"
            }
            Outcome::Retried { attempt } => {
                f.push((Field::Attempt, Value::from(attempt)));
                "retry"
            }
            Outcome::Failed(why) => {
                f.push((Field::Reason, why.name().into()));
                "failed"
            }
        };
        f.insert(0, (Field::Event, kind.into()));
        cx.trace(Kind::Dns, f);
    }

    /// Sends the resolver's queries, acts on its answers and sets its timer.
    fn pump_dns(&mut self, cx: &mut Context<'_, Wire>) {
        loop {
            let Some(r) = self.resolver.as_mut() else {
                return;
            };
            let server = r.server();
            while let Some(m) = r.poll_transmit() {
                if let Some(server) = server {
                    cx.send(server, m.wire_size(), Wire::Dns(m));
                }
            }
            let deadline = r.deadline();
            let event = r.poll_event();
            match (deadline, self.dns_timer) {
                (Some(at), Some(t)) => cx.set_timer(t, at),
                (Some(at), None) => {
                    let t = cx.new_timer(self.token(KIND_DNS, 0));
                    cx.set_timer(t, at);
                    self.dns_timer = Some(t);
                }
                (None, Some(t)) => cx.cancel_timer(t),
                (None, None) => {}
            }
            // Only handling an event (a connection opened or given up,
            // perhaps a new lookup) can make more to send.
            let Some(e) = event else {
                return;
            };
            // One name per application: every waiting connection wants it.
            let first = self.waiting.first().copied().unwrap_or(cx.now());
            self.dns_event(cx, first, &e.name, e.outcome);
            match e.outcome {
                Outcome::Resolved { addr, .. } => {
                    for started in std::mem::take(&mut self.waiting) {
                        self.connect_to(cx, addr, started);
                    }
                }
                Outcome::Failed(_) => {
                    for _ in std::mem::take(&mut self.waiting) {
                        self.give_up(cx);
                    }
                }
                Outcome::Retried { .. } => {}
            }
        }
    }

    /// A DNS message for this host's resolver.
    fn on_dns(&mut self, cx: &mut Context<'_, Wire>, from: NodeId, m: &crate::dns::Message) {
        let now = cx.now();
        if let Some(r) = self.resolver.as_mut() {
            r.on_message(now, from, m);
            self.pump_dns(cx);
            self.pump(cx);
        }
    }

    pub(crate) fn on_timer(
        &mut self,
        cx: &mut Context<'_, Wire>,
        kind: u64,
        value: u64,
        actions: &[HostAction],
    ) {
        let now = cx.now();
        match kind {
            KIND_CONN => self.stack().on_timeout(now, ConnId(value as u32)),
            KIND_CONNECT => {
                let first = self.app.concurrency.max(1);
                for _ in 0..first {
                    self.connect_next(cx);
                }
            }
            KIND_CPU => self.release_held(cx, now),
            KIND_DNS => {
                if let Some(r) = self.resolver.as_mut() {
                    r.on_timeout(now);
                }
                self.pump_dns(cx);
            }
            KIND_READ => {
                self.reading = true;
                let ids = self.conns.ids();
                for id in ids {
                    self.stack().set_auto_read(id, true);
                    self.stack().read(now, id, u64::MAX);
                }
            }
            KIND_ACTION => {
                let ids = self.conns.ids();
                let action = actions.get(value as usize).copied();
                for id in ids {
                    match action {
                        Some(HostAction::Close) => self.stack().close(now, id),
                        Some(HostAction::Abort) => self.stack().abort(now, id),
                        Some(HostAction::Crash) => self.stack().forget(id),
                        Some(HostAction::Send(n)) => {
                            self.totals.written += n;
                            self.stack().send(now, id, n);
                        }
                        None => {}
                    }
                }
            }
            _ => {}
        }
        self.pump(cx);
    }

    /// Drains events, then segments, then timers, until the stack is quiet.
    fn pump(&mut self, cx: &mut Context<'_, Wire>) {
        loop {
            let mut busy = false;
            while let Some(ev) = self.stack().poll_event() {
                busy = true;
                self.on_event(cx, ev);
            }
            while let Some((dst, t)) = self.stack().poll_transmit() {
                busy = true;
                let size = t.seg.wire_size();
                let bytes = self.stream_bytes(dst, &t.seg);
                let wire = Wire::Tcp {
                    seg: t.seg,
                    retransmission: t.retransmission,
                    bytes: bytes.clone(),
                };
                let id = match self.spoof_src {
                    Some(src) => cx.send_as(src, dst, size, wire),
                    None => cx.send(dst, size, wire),
                };
                if let Some(b) = bytes
                    && cx.tracing()
                {
                    // The pcap view rebuilds these segments from this.
                    let fields = vec![
                        (Field::Id, Value::U64(id.0)),
                        (Field::Bytes, Value::from(b.len() as u64)),
                        (Field::Data, Value::from(hex(&b))),
                    ];
                    cx.trace(Kind::TcpPayload, fields);
                }
            }
            while let Some((id, deadline)) = self.stack().poll_timer() {
                let i = id.0 as usize;
                if self.timers.len() <= i {
                    self.timers.resize(i + 1, None);
                }
                match deadline {
                    Some(at) => {
                        let t = match self.timers[i] {
                            Some(t) => t,
                            None => {
                                let t = cx.new_timer(self.token(KIND_CONN, u64::from(id.0)));
                                self.timers[i] = Some(t);
                                t
                            }
                        };
                        cx.set_timer(t, at);
                    }
                    None => {
                        if let Some(t) = self.timers[i] {
                            cx.cancel_timer(t);
                        }
                    }
                }
            }
            if !busy {
                break;
            }
        }
    }

    /// The real bytes a data segment carries, for a TLS connection.
    fn stream_bytes(&self, dst: NodeId, seg: &sim_tcp::Segment) -> Option<Arc<[u8]>> {
        // Every data segment passes here: plain TCP apps pay one test.
        if seg.data.len == 0 || self.app.tls.is_none() {
            return None;
        }
        let stack = self.stack.as_ref()?;
        let id = stack.lookup(Quad {
            local_port: seg.src_port,
            remote: dst,
            remote_port: seg.dst_port,
        })?;
        let tls = self.conns.get(id)?.tls.as_ref()?;
        tls.bytes(seg.data.offset, seg.data.len)
    }

    /// Files the bytes of an arriving segment with its TLS connection.
    fn file_bytes(&mut self, from: NodeId, seg: &sim_tcp::Segment, bytes: &[u8]) {
        let Some(stack) = self.stack.as_ref() else {
            return;
        };
        let Some(id) = stack.lookup(Quad {
            local_port: seg.dst_port,
            remote: from,
            remote_port: seg.src_port,
        }) else {
            return;
        };
        if let Some(tls) = self.conns.get_mut(id).and_then(|c| c.tls.as_mut()) {
            tls.arrived(seg.data.offset, bytes);
        }
    }

    fn tls_random(&mut self) -> ([u8; 32], [u8; 32]) {
        let rng = self.tls_rng.as_mut().expect("TLS hosts have a stream");
        let mut draw = || {
            let mut b = [0u8; 32];
            for c in b.chunks_mut(8) {
                c.copy_from_slice(&rng.next_u64().to_le_bytes());
            }
            b
        };
        (draw(), draw())
    }

    /// The stream a client connection runs once TCP is up: plain HTTP, a
    /// relay's request, or TLS offering the last session (with `resume`).
    fn client_conn(&mut self, id: ConnId, now: SimTime, app: &TlsApp) -> TlsConn {
        let TlsSide::Client(cfg) = &app.side else {
            return TlsConn::plain(true, app);
        };
        let (random, eph) = self.tls_random();
        if let Some(request) = self.conns.get_mut(id).and_then(|c| c.relay_request.take()) {
            return TlsConn::client_sending(cfg, random, eph, &request);
        }
        let mut cfg = cfg.clone();
        if app.resume {
            cfg.resume = self.tls_session.clone();
            if let Some((t, at)) = &self.tls_ticket13 {
                cfg.resume13 = Some(t.clone());
                let age = now.saturating_since(*at).as_nanos() / 1_000_000;
                cfg.ticket_age_ms = u32::try_from(age).unwrap_or(u32::MAX);
            }
        }
        TlsConn::client(&cfg, random, eph, app)
    }

    /// TLS's part in a connection event. Returns true when it took care of
    /// the peer's FIN (so the plain TCP reaction must not close again).
    fn tls_event(&mut self, cx: &mut Context<'_, Wire>, id: ConnId, e: &Event) -> bool {
        let Some(app) = self.app.tls.clone() else {
            return false;
        };
        let now = cx.now();
        let since_start = self
            .conns
            .get(id)
            .and_then(|c| c.started)
            .map(|o| now.saturating_since(o).as_nanos());
        let t = &mut self.tls_totals;
        if t.first_conn.is_none() && matches!(e, Event::Connected) {
            t.first_conn = Some(id);
            t.tcp_connected_ns = since_start;
        }
        // Closed: both directions are done (TIME_WAIT or CLOSED).
        let done = matches!(
            e,
            Event::Closed
                | Event::StateChange {
                    to: State::TimeWait | State::Closed,
                    ..
                }
        );
        if t.first_conn == Some(id) && done && t.closed_ns.is_none() {
            t.closed_ns = since_start;
        }
        let step = match (e, &app.side) {
            (Event::Connected, TlsSide::PlainClient | TlsSide::Client(_)) => {
                let mut conn = self.client_conn(id, now, &app);
                let step = conn.step(&app);
                if let Some(c) = self.conns.get_mut(id) {
                    c.tls = Some(Box::new(conn));
                }
                step
            }
            (Event::Delivered(d), _) => {
                let Some(tls) = self.conns.get_mut(id).and_then(|c| c.tls.as_mut()) else {
                    return false;
                };
                tls.delivered(d.offset, d.len, &app)
            }
            (Event::PeerClosed, _) => {
                let Some(tls) = self.conns.get_mut(id).and_then(|c| c.tls.as_mut()) else {
                    return false;
                };
                tls.peer_closed(&app)
            }
            _ => return false,
        };
        self.apply_tls(cx, now, id, step, &app);
        matches!(e, Event::PeerClosed)
    }

    fn apply_tls(
        &mut self,
        cx: &mut Context<'_, Wire>,
        now: SimTime,
        id: ConnId,
        step: Step,
        app: &TlsApp,
    ) {
        // A relay's upstream connection: answered, or failed by an alert.
        if step.response.is_some()
            && let Some(c) = self.conns.get_mut(id)
        {
            c.relay_pending = false;
        }
        if step.alert_sent.is_some() || step.alert_received.is_some() {
            self.relay_failed(id);
        }
        if cx.tracing()
            && let Some(q) = self.stack().quad(id)
        {
            for (kind, fields) in step.traces {
                let mut f = quad_fields(q);
                f.extend(fields);
                cx.trace(kind, f);
            }
        }
        let t = &mut self.tls_totals;
        let started = self.conns.get(id).and_then(|c| c.started);
        let since_start = |now: SimTime| started.map(|o| now.saturating_since(o).as_nanos());
        if step.established {
            t.handshakes += 1;
            if t.handshake_ns.is_none() {
                t.handshake_ns = since_start(now);
            }
        }
        t.resumed += u64::from(step.resumed);
        if let Some(session) = step.new_session.clone() {
            self.tls_session = Some(session);
        }
        if let Some(ticket) = step.new_ticket.clone() {
            self.tls_ticket13 = Some((ticket, now));
        }
        t.alerts_sent += u64::from(step.alert_sent.is_some());
        t.alerts_received += u64::from(step.alert_received.is_some());
        t.app_bytes += step.app_bytes;
        if t.first_conn == Some(id) {
            if let Some(n) = step.round_trips {
                t.round_trips.get_or_insert(u64::from(n));
            }
            if step.app_sent && t.request_sent_ns.is_none() {
                t.request_sent_ns = since_start(now);
            }
            if step.app_bytes > 0 && t.first_byte_ns.is_none() {
                t.first_byte_ns = since_start(now);
            }
        }
        for bytes in step.requests {
            self.relayed.push_back(Relayed::Request { conn: id, bytes });
        }
        if let Some(bytes) = step.response {
            self.relayed
                .push_back(Relayed::Response { conn: id, bytes });
        }
        let cost = app.costs.time(step.ops);
        t.cpu_ns += cost.0;
        if step.response_complete {
            t.responses += 1;
            if t.page_ns.is_none() {
                t.page_ns = since_start(now);
            }
            // The connection's last response: its page is complete.
            if step.close
                && let Some(ns) = since_start(now)
            {
                self.page_times.push(ns);
            }
        }
        self.totals.written += step.send;
        // The public-key work behind this output runs on the host's one
        // CPU after whatever it is already doing; the output waits for it
        // (and output already waiting keeps its place in line).
        let mut release = now;
        if cost.0 > 0 {
            let start = self.cpu_busy_until.max(now);
            release = start + cost;
            self.cpu_busy_until = release;
            if cx.tracing()
                && let Some(q) = self.stack().quad(id)
            {
                let mut f = quad_fields(q);
                f.push((Field::RsaPrivate, Value::from(step.ops.rsa_private)));
                f.push((Field::RsaPublic, Value::from(step.ops.rsa_public)));
                f.push((
                    Field::Ecdhe,
                    Value::from(step.ops.ecdhe_keygen + step.ops.ecdhe_derive),
                ));
                f.push((Field::BusyNs, Value::U64(cost.0)));
                f.push((
                    Field::WaitNs,
                    Value::U64(start.saturating_since(now).as_nanos()),
                ));
                cx.trace(Kind::TlsCpu, f);
            }
        }
        if let Some(&(last, ..)) = self.held.back() {
            release = release.max(last);
        }
        if release > now {
            if step.send > 0 || step.close {
                self.held.push_back((release, id, step.send, step.close));
                self.arm_cpu_timer(cx);
            }
            return;
        }
        self.emit(now, id, step.send, step.close);
    }

    fn emit(&mut self, now: SimTime, id: ConnId, send: u64, close: bool) {
        if send > 0 {
            self.stack().send(now, id, send);
        }
        if close {
            self.stack().close(now, id);
        }
    }

    fn arm_cpu_timer(&mut self, cx: &mut Context<'_, Wire>) {
        let Some(&(at, ..)) = self.held.front() else {
            return;
        };
        let t = match self.cpu_timer {
            Some(t) => t,
            None => {
                let t = cx.new_timer(self.token(KIND_CPU, 0));
                self.cpu_timer = Some(t);
                t
            }
        };
        cx.set_timer(t, at);
    }

    /// Sends what the CPU has finished computing.
    fn release_held(&mut self, cx: &mut Context<'_, Wire>, now: SimTime) {
        while let Some(&(at, id, send, close)) = self.held.front() {
            if at > now {
                break;
            }
            self.held.pop_front();
            if self.conns.get(id).is_some() {
                self.emit(now, id, send, close);
            }
        }
        self.arm_cpu_timer(cx);
    }

    fn on_event(&mut self, cx: &mut Context<'_, Wire>, ev: StackEvent) {
        let now = cx.now();
        match ev {
            StackEvent::Accepted { conn, .. } => {
                self.open(cx, conn, now);
                if let Some(app) = self.app.tls.clone() {
                    let stream = match &app.side {
                        TlsSide::Server(cfg) => {
                            let (random, eph) = self.tls_random();
                            Some(TlsConn::server(cfg, random, eph))
                        }
                        TlsSide::PlainServer => Some(TlsConn::plain(false, &app)),
                        _ => None,
                    };
                    if let (Some(s), Some(c)) = (stream, self.conns.get_mut(conn)) {
                        c.tls = Some(Box::new(s));
                    }
                }
            }
            StackEvent::Unmatched { reason, from, port } => {
                if cx.tracing() {
                    let fields = vec![
                        (Field::From, Value::Node(from)),
                        (Field::Port, Value::from(u32::from(port))),
                        (Field::Reason, reason.into()),
                    ];
                    cx.trace(Kind::TcpUnmatched, fields);
                }
            }
            StackEvent::Conn(id, e) => {
                let quad = self.stack().quad(id);
                if cx.tracing()
                    && let Some(q) = quad
                {
                    trace_conn_event(cx, q, &e);
                }
                // A client connection is finished once both directions are
                // closed (TIME_WAIT, or CLOSED however it got there): the
                // next one may open.
                let done = matches!(
                    e,
                    Event::StateChange {
                        to: State::TimeWait | State::Closed,
                        ..
                    }
                );
                let client = matches!(self.app.role, Role::Connect { .. });
                if done
                    && client
                    && let Some(c) = self.conns.get_mut(id)
                    && !c.finished
                {
                    c.finished = true;
                    self.active = self.active.saturating_sub(1);
                    self.connect_next(cx);
                }
                let peer_close_handled = self.tls_event(cx, id, &e);
                // In TIME_WAIT everything we sent is acknowledged and the
                // peer has nothing more to send: the TLS state (with every
                // byte written) can go, long before 2 MSL end.
                if matches!(
                    e,
                    Event::StateChange {
                        to: State::TimeWait,
                        ..
                    }
                ) && let Some(c) = self.conns.get_mut(id)
                {
                    c.tls = None;
                }
                if matches!(
                    e,
                    Event::Reset | Event::ConnectFailed(_) | Event::TimedOut | Event::Closed
                ) {
                    self.relay_failed(id);
                }
                if !peer_close_handled {
                    self.react(now, id, e);
                }
            }
        }
    }

    fn react(&mut self, now: SimTime, id: ConnId, e: Event) {
        match e {
            Event::Connected => {
                self.totals.established += 1;
                self.totals.first_connected.get_or_insert(now);
                let opened = self.conns.get(id).and_then(|c| c.opened);
                if self.totals.handshake_ns.is_none()
                    && let Some(t0) = opened
                {
                    self.totals.handshake_ns = Some(now.saturating_since(t0).as_nanos());
                }
                if self.app.send > 0 {
                    self.totals.written += self.app.send;
                    let n = self.app.send;
                    self.stack().send(now, id, n);
                }
                if self.app.close_after_send {
                    self.stack().close(now, id);
                }
            }
            Event::Delivered(d) => {
                if self.conns.get(id).is_none() {
                    self.conns.insert(id, ConnApp::default());
                }
                let c = self.conns.get_mut(id).expect("inserted");
                if d.offset != c.expected {
                    self.totals.integrity_errors += 1;
                }
                c.expected = d.offset + u64::from(d.len);
                self.totals.bytes_delivered += u64::from(d.len);
                self.totals.first_delivery.get_or_insert(now);
                self.totals.last_delivery = Some(now);
            }
            Event::PeerClosed => {
                if self.app.on_peer_close == OnPeerClose::Close {
                    self.stack().close(now, id);
                }
            }
            Event::Acked(n) => {
                self.totals.bytes_acked += n;
                self.totals.last_progress = Some(now);
                if self.totals.bytes_acked >= self.totals.written {
                    self.totals.last_ack_at = Some(now);
                }
            }
            Event::Reset => self.totals.resets += 1,
            Event::ConnectFailed(_) => self.totals.connect_failed += 1,
            Event::TimedOut => self.totals.timed_out += 1,
            Event::Closed => {
                if let Some(c) = self.stack().conn(id) {
                    let s = c.stats();
                    self.totals.segments_sent += s.segments_sent;
                    self.totals.retransmissions += s.retransmissions;
                    self.totals.timeouts += s.timeouts;
                    self.totals.fast_retransmits += s.fast_retransmits;
                }
                self.conns.remove(id);
            }
            Event::StateChange { .. }
            | Event::Rtt { .. }
            | Event::Cwnd { .. }
            | Event::ChallengeAck(_)
            | Event::Dropped(_) => {}
        }
    }

    fn metrics(&self) -> Vec<(String, Value)> {
        let mut t = self.totals;
        if let Some(stack) = &self.stack {
            // Connections still open count too.
            for id in self.conns.ids() {
                if let Some(c) = stack.conn(id) {
                    let s = c.stats();
                    t.segments_sent += s.segments_sent;
                    t.retransmissions += s.retransmissions;
                    t.timeouts += s.timeouts;
                    t.fast_retransmits += s.fast_retransmits;
                }
            }
        }
        let opened = self.stack.as_ref().map_or(0, |s| s.connections_opened());
        let transfer_ns = match (t.last_ack_at, t.written) {
            (Some(at), w) if w > 0 => at.as_nanos(),
            _ => 0,
        };
        // Application bytes acknowledged per second, from the first
        // connection's establishment to the last acknowledgment.
        let goodput_bps = match (t.first_connected, t.last_progress) {
            (Some(a), Some(b)) if b > a => {
                (u128::from(t.bytes_acked) * 8 * 1_000_000_000
                    / u128::from(b.saturating_since(a).as_nanos())) as u64
            }
            _ => 0,
        };
        let delivery_ns = match (t.first_delivery, t.last_delivery) {
            (Some(a), Some(b)) => b.saturating_since(a).as_nanos(),
            _ => 0,
        };
        [
            ("tcp.connections", opened),
            ("tcp.established", t.established),
            ("tcp.bytes_written", t.written),
            ("tcp.bytes_acked", t.bytes_acked),
            ("tcp.bytes_delivered", t.bytes_delivered),
            ("tcp.integrity_errors", t.integrity_errors),
            ("tcp.segments_sent", t.segments_sent),
            ("tcp.retransmissions", t.retransmissions),
            ("tcp.timeouts", t.timeouts),
            ("tcp.fast_retransmits", t.fast_retransmits),
            ("tcp.resets_received", t.resets),
            ("tcp.connect_failed", t.connect_failed),
            ("tcp.timed_out", t.timed_out),
            ("tcp.handshake_ns", t.handshake_ns.unwrap_or(0)),
            ("tcp.all_acked_at_ns", transfer_ns),
            ("tcp.delivery_span_ns", delivery_ns),
            ("tcp.goodput_bps", goodput_bps),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .chain(self.dns_metrics())
        .chain(self.tls_metrics())
        .map(|(k, v)| (k, Value::U64(v)))
        .collect()
    }

    /// Whether the client looks its peer's name up (before and after the
    /// run starts alike, so the metric names are known from the plan).
    fn resolves(&self) -> bool {
        matches!(
            self.app.role,
            Role::Connect {
                remote: Target::Name { .. },
                ..
            }
        )
    }

    /// TLS handshakes completed and alerts received.
    pub(crate) fn tls_figures(&self) -> (u64, u64) {
        (self.tls_totals.handshakes, self.tls_totals.alerts_received)
    }

    fn dns_metrics(&self) -> Vec<(String, u64)> {
        if !self.resolves() {
            return Vec::new();
        }
        let s = self
            .resolver
            .as_ref()
            .map(|r| r.stats())
            .unwrap_or_default();
        [
            ("lookups", s.lookups),
            ("hosts_hits", s.hosts_hits),
            ("cache_hits", s.cache_hits),
            ("queries_sent", s.queries_sent),
            ("timeouts", s.timeouts),
            ("answers", s.answers),
            ("nxdomain", s.nxdomain),
            ("failures", s.failures),
            ("unmatched", s.unmatched),
            ("connections_abandoned", self.dns_failed),
            ("first_lookup_ns", self.tls_totals.dns_ns.unwrap_or(0)),
        ]
        .into_iter()
        .map(|(k, v)| (format!("dns.{k}"), v))
        .collect()
    }

    fn tls_metrics(&self) -> Vec<(String, u64)> {
        let Some(app) = &self.app.tls else {
            return Vec::new();
        };
        let t = self.tls_totals;
        let mut m = Vec::new();
        if !app.side.is_plain() {
            m.extend([
                ("handshakes", t.handshakes),
                ("resumed", t.resumed),
                ("alerts_sent", t.alerts_sent),
                ("alerts_received", t.alerts_received),
            ]);
            if matches!(app.side, TlsSide::Client(_)) {
                m.push(("round_trips", t.round_trips.unwrap_or(0)));
            }
        }
        m.extend([
            ("app_bytes_received", t.app_bytes),
            ("responses", t.responses),
        ]);
        if !app.side.is_plain() {
            m.push(("cpu_ns", t.cpu_ns));
        }
        if self.resolves() {
            m.push(("dns_ns", t.dns_ns.unwrap_or(0)));
        }
        m.push(("tcp_connected_ns", t.tcp_connected_ns.unwrap_or(0)));
        if !app.side.is_plain() {
            m.push(("handshake_ns", t.handshake_ns.unwrap_or(0)));
        }
        m.extend([
            ("request_sent_ns", t.request_sent_ns.unwrap_or(0)),
            ("first_byte_ns", t.first_byte_ns.unwrap_or(0)),
            ("page_ns", t.page_ns.unwrap_or(0)),
            ("closed_ns", t.closed_ns.unwrap_or(0)),
        ]);
        if matches!(app.side, TlsSide::Client(_) | TlsSide::PlainClient) {
            // Every connection's page, for capacity studies.
            let mut pages = self.page_times.clone();
            pages.sort_unstable();
            let q = |p: usize| match pages.len() {
                0 => 0,
                n => pages[(n * p).div_ceil(100).max(1) - 1],
            };
            let mean = match pages.len() {
                0 => 0,
                n => pages.iter().sum::<u64>() / n as u64,
            };
            m.extend([
                ("pages", pages.len() as u64),
                ("page_ns_mean", mean),
                ("page_ns_p50", q(50)),
                ("page_ns_p95", q(95)),
                ("page_ns_max", q(100)),
            ]);
        }
        // Plain HTTP reports the same phases under http.*.
        let family = if app.side.is_plain() { "http" } else { "tls" };
        m.into_iter()
            .map(|(k, v)| (format!("{family}.{k}"), v))
            .collect()
    }
}

fn trace_conn_event(cx: &mut Context<'_, Wire>, q: Quad, e: &Event) {
    let mut f = quad_fields(q);
    let kind = match e {
        Event::StateChange { from, to, cause } => {
            f.push((Field::From, from.name().into()));
            f.push((Field::To, to.name().into()));
            f.push((Field::Cause, (*cause).into()));
            Kind::TcpState
        }
        Event::Delivered(d) => {
            f.push((Field::Offset, Value::U64(d.offset)));
            f.push((Field::Bytes, Value::from(d.len)));
            Kind::TcpDeliver
        }
        Event::Rtt { srtt, rttvar, rto } => {
            f.push((Field::SrttNs, Value::U64(srtt.as_nanos())));
            f.push((Field::RttvarNs, Value::U64(rttvar.as_nanos())));
            f.push((Field::RtoNs, Value::U64(rto.as_nanos())));
            Kind::TcpRtt
        }
        Event::Cwnd { cwnd, ssthresh } => {
            f.push((Field::Cwnd, Value::from(*cwnd)));
            f.push((Field::Ssthresh, Value::from(*ssthresh)));
            Kind::TcpCwnd
        }
        Event::ChallengeAck(why) => {
            f.push((Field::Reason, (*why).into()));
            Kind::TcpChallengeAck
        }
        Event::Dropped(why) => {
            f.push((Field::Reason, (*why).into()));
            Kind::TcpDrop
        }
        Event::Acked(_) => return,
        Event::Connected => app_event(&mut f, "connected"),
        Event::PeerClosed => app_event(&mut f, "peer_closed"),
        Event::Reset => app_event(&mut f, "reset"),
        Event::ConnectFailed(why) => {
            f.push((Field::Reason, (*why).into()));
            app_event(&mut f, "connect_failed")
        }
        Event::TimedOut => app_event(&mut f, "timed_out"),
        Event::Closed => app_event(&mut f, "closed"),
    };
    cx.trace(kind, f);
}

fn app_event(f: &mut sim_core::Fields, what: &'static str) -> Kind {
    f.push((Field::Event, what.into()));
    Kind::TcpApp
}

impl Host {
    /// Sends the next SYN of the flood and schedules the one after.
    fn flood_once(&mut self, cx: &mut Context<'_, Wire>) {
        let Some((f, sent, timer)) = &mut self.flood else {
            return;
        };
        let i = *sent;
        *sent += 1;
        let (src, sport) = if f.spoof.is_empty() {
            (cx.node(), 1024 + (i % 64_512) as u16)
        } else {
            let n = f.spoof.len() as u64;
            (f.spoof[(i % n) as usize], 1024 + ((i / n) % 64_512) as u16)
        };
        let seq = sim_tcp::seq::SeqNum(cx.rng().next_u32());
        let seg = sim_tcp::Segment {
            src_port: sport,
            dst_port: f.port,
            seq,
            flags: sim_tcp::Flags::SYN,
            wnd: 65_535,
            mss: Some(1460),
            ..sim_tcp::Segment::default()
        };
        let size = seg.wire_size();
        let (target, interval, count) = (f.target, f.interval, f.count);
        cx.send_as(
            src,
            target,
            size,
            Wire::Tcp {
                seg,
                retransmission: false,
                bytes: None,
            },
        );
        if *sent < count
            && let Some(t) = *timer
        {
            let next = cx.now() + interval;
            cx.set_timer(t, next);
        }
    }
}

impl Host {
    /// A DNS message: a query for the server, an answer for the resolver.
    fn on_dns(&mut self, cx: &mut Context<'_, Wire>, from: NodeId, m: &crate::dns::Message) {
        if let Some((zone, stats)) = &mut self.dns_server
            && m.answer.is_none()
            && m.dst_port == crate::dns::PORT
        {
            let reply = crate::dns::serve(zone, m);
            stats.answered += 1;
            if reply.answer == Some(crate::dns::Answer::NxDomain) {
                stats.nxdomain += 1;
            }
            cx.send(from, reply.wire_size(), Wire::Dns(reply));
            return;
        }
        if let Some(t) = &mut self.tcp
            && t.resolver.is_some()
            && m.answer.is_some()
        {
            t.on_dns(cx, from, m);
            return;
        }
        if cx.tracing() {
            let fields = vec![
                (Field::From, Value::Node(from)),
                (Field::Port, Value::from(u32::from(m.dst_port))),
                (
                    Field::Reason,
                    "no DNS server or resolver on this port".into(),
                ),
            ];
            cx.trace(Kind::UdpUnmatched, fields);
        }
    }
}

impl Endpoint<Wire> for Host {
    fn start(&mut self, cx: &mut Context<'_, Wire>) {
        Endpoint::<Wire>::start(&mut self.echo, cx);
        if let Some(t) = &mut self.tcp {
            t.start(cx);
        }
        if let Some(m) = &mut self.mitm {
            m.start(cx);
        }
        if let Some((f, _, timer)) = &mut self.flood
            && f.count > 0
        {
            let t = cx.new_timer(token(KIND_FLOOD, 0));
            cx.set_timer(t, f.at);
            *timer = Some(t);
        }
    }

    fn intercepts(&self, packet: &Packet<Wire>) -> bool {
        self.mitm.as_ref().is_some_and(|m| m.intercepts(packet))
    }

    fn on_transit(&mut self, cx: &mut Context<'_, Wire>, packet: &Packet<Wire>) {
        if let Some(o) = &mut self.observer {
            o.on_transit(cx, packet);
        }
    }

    fn on_packet(&mut self, cx: &mut Context<'_, Wire>, packet: Packet<Wire>) {
        if let Some(m) = &mut self.mitm {
            m.on_packet(cx, &packet);
            return;
        }
        match &packet.payload {
            Wire::Echo(_) => self.echo.on_packet(cx, packet),
            Wire::Dns(m) => self.on_dns(cx, packet.src, m),
            Wire::Tcp { seg, bytes, .. } => {
                if let Some(t) = &mut self.tcp {
                    t.on_segment(cx, packet.src, seg, bytes.as_ref());
                } else if cx.tracing() {
                    let fields = vec![
                        (Field::From, Value::Node(packet.src)),
                        (Field::Port, Value::from(u32::from(seg.dst_port))),
                        (Field::Reason, "no TCP on this host".into()),
                    ];
                    cx.trace(Kind::TcpUnmatched, fields);
                }
            }
        }
    }

    fn on_timer(&mut self, cx: &mut Context<'_, Wire>, token: u64) {
        if let Some(m) = &mut self.mitm {
            m.on_timer(cx, token);
            return;
        }
        let (kind, value, _) = split_token(token);
        if kind == KIND_ECHO {
            self.echo.on_timer(cx, value);
        } else if kind == KIND_FLOOD {
            self.flood_once(cx);
        } else if let Some(t) = &mut self.tcp {
            t.on_timer(cx, kind, value, &self.actions);
        }
    }

    fn metrics(&self) -> Vec<(String, Value)> {
        let mut m = Endpoint::<Wire>::metrics(&self.echo);
        if let Some(t) = &self.tcp {
            m.extend(t.metrics());
        }
        if let Some((_, sent, _)) = &self.flood {
            m.push(("flood.syns_sent".to_string(), Value::U64(*sent)));
        }
        if let Some(mitm) = &self.mitm {
            m.extend(mitm.metrics());
        }
        if let Some(o) = &self.observer {
            m.extend(o.metrics());
        }
        if let Some((_, s)) = &self.dns_server {
            m.push(("dns.queries_answered".to_string(), Value::U64(s.answered)));
            m.push(("dns.nxdomain_sent".to_string(), Value::U64(s.nxdomain)));
        }
        m
    }
}
