//! A node's TCP application: the sans-IO TCP stack, hosted, with what
//! rides on its connections (TLS or HTTP streams, DNS lookups before
//! connecting, a relay for the man-in-the-middle).
//!
//! `TcpHost` is the only place that connects the stack to the simulator.
//! Inputs come in with the simulator's context: `TcpHost::start`,
//! `TcpHost::on_segment`, `TcpHost::on_timer`, `TcpHost::on_action`,
//! `TcpHost::on_dns`. After every input it drains, in order, the stack's
//! events (so the application can react before anything is sent, and an
//! ACK can ride on its reply), its segments, and its timer deadlines.
//!
//! The type is one struct, its concerns each in a file beside this one,
//! each owning its data:
//! - `spec`: what the scenario asks ([`TcpApp`], [`Role`], [`HostAction`]);
//! - `conns`: per-connection state and timers;
//! - `events`: the stack's events, traced and reacted to;
//! - `ledger`: each connection end's figures for the summary;
//! - `resolve`: opening a client's connections, after DNS lookups;
//! - `streams`: the TLS or HTTP stream on each connection;
//! - `cpu`: the CPU queue that holds output back during public-key work;
//! - `relay`: a man-in-the-middle's halves;
//! - `metrics`: counters and the names they are reported under.

mod conns;
mod cpu;
mod events;
mod ledger;
mod metrics;
mod relay;
mod resolve;
mod spec;
mod streams;

use sim_core::{Context, Field, Kind, NodeId, RngStream, SimTime, Value};
use std::sync::Arc;

use sim_tcp::stack::TcpStack;

use crate::dns::Resolver;
use crate::payload::Wire;
use crate::timer::{Slot, TcpTimer, Timer};
use conns::{ConnApp, ConnTable, ConnTimers};
use cpu::CpuQueue;
use ledger::Ledger;
pub use ledger::{ConnFigures, FlowSample, KEPT_CONNECTIONS};
pub(crate) use metrics::metric_names;
use metrics::{Snapshot, StreamTotals, TcpTotals};
pub(crate) use relay::{RelayQueue, Relayed};
use resolve::Dialer;
pub use spec::{HostAction, OnPeerClose, Reconnect, Role, Target, TcpApp};
use streams::Sessions;

/// What the application has counted so far.
#[derive(Debug, Default)]
struct Figures {
    tcp: TcpTotals,
    stream: StreamTotals,
    /// Client: each connection's page load, when it started and how long
    /// it took to its last response, in the order they finished.
    pages: Vec<(SimTime, u64)>,
    /// Client: each request's response time, from when it was issued to
    /// its response's last byte, with when it was issued, in the order
    /// they were answered.
    responses: Vec<(SimTime, u64)>,
}

/// A node's TCP application: its stack, its connections and what rides on
/// them.
#[derive(Debug)]
pub(crate) struct TcpHost {
    app: TcpApp,
    /// Which of the node's TCP applications this is, for its timers.
    slot: Slot,
    /// Segments leave claiming this source (a man-in-the-middle speaking
    /// as the server it impersonates).
    spoof_src: Option<NodeId>,
    stack: Option<TcpStack>,
    conns: ConnTable,
    conn_timers: ConnTimers,
    /// Received data is read as it arrives (false while reading stalls).
    reading: bool,
    dialer: Dialer,
    sessions: Sessions,
    cpu: CpuQueue,
    /// Relay output for the node's endpoint to pass on.
    relayed: RelayQueue,
    figures: Figures,
    ledger: Ledger,
    /// Put after the node's name in its random streams' names (empty for
    /// a host's first application).
    stream_tag: String,
    /// Its share of the ephemeral ports (`lo..=hi`) on a host with several
    /// TCP applications; `None`: the stack picks from the whole range.
    ports: Option<(u16, u16)>,
    /// The next port of that share to try.
    next_port: u16,
    /// Connections that closed since time series last sampled, with their
    /// final counters; kept only when the run samples.
    ended: Vec<FlowSample>,
    keep_ended: bool,
    /// The name it goes by on its host (its drawn start's stream).
    label: String,
    /// Its `stop` time came: it opens no more connections.
    stopped: bool,
    /// The run's measurement window: page-time statistics are taken over
    /// the pages that started in it.
    page_window: Option<(SimTime, SimTime)>,
}

/// What a time series reads of a connection.
fn flow_sample(q: sim_tcp::stack::Quad, c: &sim_tcp::conn::Connection) -> FlowSample {
    let s = c.stats();
    FlowSample {
        lport: q.local_port,
        peer: q.remote,
        pport: q.remote_port,
        cwnd: c.cwnd().0,
        srtt: c.srtt(),
        in_flight: c.bytes_in_flight(),
        bytes_acked: s.bytes_acked,
        bytes_delivered: s.bytes_delivered,
        bytes_sent: s.bytes_sent,
    }
}

impl TcpHost {
    /// An application not yet started.
    pub(crate) fn new(a: &TcpApp) -> Self {
        TcpHost {
            app: a.clone(),
            slot: Slot::FIRST,
            spoof_src: None,
            stack: None,
            conns: ConnTable::default(),
            conn_timers: ConnTimers::default(),
            reading: a.stall_reading_until.is_none(),
            dialer: Dialer::default(),
            sessions: Sessions::default(),
            cpu: CpuQueue::new(),
            relayed: RelayQueue::new(),
            figures: Figures::default(),
            ledger: Ledger::default(),
            stream_tag: String::new(),
            ports: None,
            next_port: 0,
            ended: Vec::new(),
            keep_ended: false,
            label: "tcp".to_string(),
            stopped: false,
            page_window: None,
        }
    }

    /// Its connections take their ephemeral ports from `lo..=hi` only.
    pub(crate) fn with_ports(mut self, lo: u16, hi: u16) -> Self {
        self.ports = Some((lo, hi));
        self.next_port = lo;
        self
    }

    /// Whether a segment from `from` belongs here: to one of its
    /// connections, its listening port, or its share of the ports.
    pub(crate) fn owns(&self, from: NodeId, seg: &sim_tcp::Segment) -> bool {
        let quad = sim_tcp::stack::Quad {
            local_port: seg.dst_port,
            remote: from,
            remote_port: seg.src_port,
        };
        if self
            .stack
            .as_ref()
            .is_some_and(|s| s.lookup(quad).is_some())
        {
            return true;
        }
        match self.app.role {
            Role::Listen { port, .. } => port == seg.dst_port,
            Role::Connect {
                local_port: Some(p),
                ..
            } => p == seg.dst_port,
            _ => self
                .ports
                .is_some_and(|(lo, hi)| (lo..=hi).contains(&seg.dst_port)),
        }
    }

    /// The second TCP application of a node: its timers are
    /// [`Slot::SECOND`]'s.
    pub(crate) fn second_half(mut self) -> Self {
        self.slot = Slot::SECOND;
        self
    }

    /// Application number `app` of its host (its timers say so), named
    /// `name` when it is not the first (its random streams then carry the
    /// name, so that two applications of a node draw apart and the first
    /// keeps the streams it always had).
    pub(crate) fn nth_app(mut self, app: u16, name: &str) -> Self {
        self.slot = Slot::app(app);
        self.label = name.to_string();
        if app > 0 {
            self.stream_tag = format!("/{name}");
        }
        self
    }

    /// Its segments claim to come from `src`.
    pub(crate) fn speaking_as(mut self, src: NodeId) -> Self {
        self.spoof_src = Some(src);
        self
    }

    fn stack(&mut self) -> &mut TcpStack {
        self.stack.as_mut().expect("started")
    }

    fn timer(&self, t: TcpTimer) -> u64 {
        Timer::Tcp(self.slot, t).to_token()
    }

    /// Makes the stack (and the random streams, by names that must not
    /// change) and sets the first timers.
    pub(crate) fn start(&mut self, cx: &mut Context<'_, Wire>) {
        let name = cx.topology().name(cx.node()).to_string();
        let name = format!("{name}{}", self.stream_tag);
        let isn = RngStream::derive(cx.run_seed(), &format!("tcp/{name}/isn"));
        let mut stack = TcpStack::new(self.app.cfg.clone(), isn, self.app.iss);
        stack.set_isns(self.app.isns.iter().copied());
        if let Some(app) = &self.app.stream {
            self.sessions.rng = Some(RngStream::derive(cx.run_seed(), &format!("tls/{name}")));
            if app.think.is_some() {
                let think = format!("http/{name}/think");
                self.sessions.think = Some(RngStream::derive(cx.run_seed(), &think));
            }
        }
        self.sessions.prefix.clone_from(&name);
        if let Role::Connect {
            remote: Target::Name { resolver, .. },
            ..
        } = &self.app.role
        {
            let rng = RngStream::derive(cx.run_seed(), &format!("dns/{name}"));
            self.dialer.resolver = Some(Resolver::new(resolver.clone(), rng));
        }
        match self.app.role {
            Role::Listen { port, backlog } => stack.listen(port, backlog),
            Role::Connect { at, .. } => {
                let node = cx.topology().name(cx.node()).to_string();
                let at = at.resolve(cx.run_seed(), &node, &self.label);
                let t = cx.new_timer(self.timer(TcpTimer::Connect));
                cx.set_timer(t, at);
                if let Some(stop) = self.app.stop {
                    let t = cx.new_timer(self.timer(TcpTimer::Stop));
                    cx.set_timer(t, stop);
                }
            }
            Role::OnDemand => {}
        }
        if let Some(until) = self.app.stall_reading_until {
            let t = cx.new_timer(self.timer(TcpTimer::Read));
            cx.set_timer(t, until);
        }
        self.stack = Some(stack);
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
        self.stack().handle_segment(now, from, seg);
        self.pump(cx);
    }

    /// One of its timers fired.
    pub(crate) fn on_timer(&mut self, cx: &mut Context<'_, Wire>, t: TcpTimer) {
        let now = cx.now();
        match t {
            TcpTimer::Conn(id) => self.stack().handle_timeout(now, id),
            TcpTimer::Connect => {
                let first = self.app.concurrency.max(1);
                for _ in 0..first {
                    self.connect_next(cx);
                }
            }
            TcpTimer::Cpu => self.release_held(cx, now),
            TcpTimer::Think(id) => self.think_over(cx, id),
            TcpTimer::ConnectOne => self.connect_next(cx),
            TcpTimer::Dns => self.on_dns_timer(cx),
            TcpTimer::Stop => {
                self.stop_dialing();
                for id in self.conns.ids() {
                    self.stack().close(now, id);
                }
            }
            TcpTimer::Read => {
                self.reading = true;
                for id in self.conns.ids() {
                    self.stack().set_auto_read(id, true);
                    self.stack().read(now, id, u64::MAX);
                }
            }
        }
        self.pump(cx);
    }

    /// A scenario action is due (`None`: one that is not this host's
    /// business; the stack is still polled).
    pub(crate) fn on_action(&mut self, cx: &mut Context<'_, Wire>, action: Option<HostAction>) {
        let now = cx.now();
        for id in self.conns.ids() {
            match action {
                Some(HostAction::Close) => self.stack().close(now, id),
                Some(HostAction::Abort) => self.stack().abort(now, id),
                Some(HostAction::Crash) => self.stack().forget(id),
                Some(HostAction::Send(n)) => {
                    self.figures.tcp.written += n;
                    self.stack().send(now, id, n);
                }
                None => {}
            }
        }
        self.pump(cx);
    }

    /// Starts the application's state for a connection just opened
    /// (connected or accepted), whose page load began at `started`, and
    /// which makes `requests` requests when not the application's number
    /// (it takes up what a server's close left undone: its first request
    /// is issued now, not when the page began).
    fn open(
        &mut self,
        cx: &mut Context<'_, Wire>,
        id: sim_tcp::stack::ConnId,
        started: SimTime,
        requests: Option<u64>,
    ) {
        self.conns.insert(
            id,
            ConnApp {
                expected: 0,
                opened: Some(cx.now()),
                started: Some(started),
                request_at: requests.map(|_| cx.now()),
                requests,
                ..ConnApp::default()
            },
        );
        if !self.reading {
            self.stack().set_auto_read(id, false);
        }
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
                self.transmit(cx, dst, t);
            }
            while let Some((id, deadline)) = self.stack().poll_timer() {
                self.conn_timers.update(cx, self.slot, id, deadline);
            }
            busy |= self.retry_port_wait(cx);
            if !busy {
                break;
            }
        }
    }

    /// Sends a segment, with its stream's bytes if they matter.
    fn transmit(&mut self, cx: &mut Context<'_, Wire>, dst: NodeId, t: sim_tcp::conn::Transmit) {
        let size = t.seg.wire_size();
        let bytes = self.stream_bytes(dst, &t.seg);
        let ecn = t.seg.ecn;
        let wire = Wire::Tcp {
            seg: t.seg,
            retransmission: t.retransmission,
            bytes: bytes.clone(),
        };
        let src = self.spoof_src.unwrap_or(cx.node());
        let id = cx.send_ip(src, dst, size, ecn, wire);
        if let Some(b) = bytes
            && cx.traces(Kind::TcpPayload)
        {
            // The pcap view rebuilds these segments from this.
            let fields = vec![
                (Field::Id, Value::U64(id.0)),
                (Field::Bytes, Value::from(b.len() as u64)),
                (Field::Data, Value::from(sim_tls::crypto::hex(&b))),
            ];
            cx.trace(Kind::TcpPayload, fields);
        }
    }

    /// TLS handshakes completed and alerts received.
    pub(crate) fn handshake_figures(&self) -> (u64, u64) {
        let s = &self.figures.stream;
        (s.handshakes, s.alerts_received)
    }

    /// The figures of its connection ends ([`KEPT_CONNECTIONS`] at most),
    /// in the order they opened.
    pub(crate) fn connections(&self) -> Vec<ConnFigures> {
        self.ledger.figures(self.stack.as_ref())
    }

    /// The key log lines of its TLS client connections (`keylog.txt`).
    pub(crate) fn key_log(&self) -> &[sim_tls::keylog::KeyLogLine] {
        &self.sessions.key_log
    }

    /// Takes page-time statistics over the pages that start in
    /// `[from, to)` only (the scenario's `measure`): a page that starts in
    /// the window counts whole, even if it ends after it.
    pub(crate) fn measure_pages(&mut self, from: SimTime, to: SimTime) {
        self.page_window = Some((from, to));
    }

    /// From now on, keep each connection's final figures when it closes
    /// until [`Self::flow_samples`] takes them.
    pub(crate) fn keep_ended_flows(&mut self) {
        self.keep_ended = true;
    }

    /// The state of each of its live connection ends, then of those that
    /// closed since the last call, for time series.
    pub(crate) fn flow_samples(&mut self, out: &mut Vec<FlowSample>) {
        if let Some(stack) = &self.stack {
            out.extend(stack.connections().map(|(q, c)| flow_sample(q, c)));
        }
        out.append(&mut self.ended);
    }

    /// What it reports, under the names [`metric_names`] lists (less the
    /// observations of what never happened).
    pub(crate) fn metrics(&self) -> Vec<(String, Value)> {
        let mut tcp = self.figures.tcp;
        if let Some(stack) = &self.stack {
            // Connections still open count too.
            for id in self.conns.ids() {
                if let Some(c) = stack.conn(id) {
                    tcp.add_conn(&c.stats());
                }
            }
        }
        let snapshot = Snapshot {
            opened: self.stack.as_ref().map_or(0, |s| s.connections_opened()),
            tcp,
            dns: self
                .dialer
                .resolver
                .as_ref()
                .map(|r| r.stats())
                .unwrap_or_default(),
            dns_abandoned: self.dialer.abandoned,
            stream: self.figures.stream,
            pages: in_window(&self.figures.pages, self.page_window),
            page_count: self.figures.pages.len() as u64,
            responses: in_window(&self.figures.responses, self.page_window),
        };
        // Observations of what never happened are left out.
        metrics::report(&self.app, &snapshot)
            .into_iter()
            .filter_map(|(k, v)| Some((k, Value::U64(v?))))
            .collect()
    }
}

/// The times (ns) of the exchanges that started inside `window` (all of
/// them without one): page and response times over the measure window.
fn in_window(starts_and_times: &[(SimTime, u64)], window: Option<(SimTime, SimTime)>) -> Vec<u64> {
    starts_and_times
        .iter()
        .filter(|(start, _)| window.is_none_or(|(from, to)| *start >= from && *start < to))
        .map(|&(_, ns)| ns)
        .collect()
}
