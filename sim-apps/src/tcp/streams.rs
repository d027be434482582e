//! The streams (TLS or plain HTTP) riding on the TCP application's
//! connections: which stream each connection gets, what connection events
//! mean to it, and what its output does (queued on TCP, held for the CPU,
//! handed to a relay, counted, traced).
//!
//! Also the bytes: TCP moves stream positions, so the host puts a
//! stream's real bytes into each segment it sends and files those of each
//! segment that arrives (see `crate::stream`).

use sim_core::{Context, Field, Kind, NodeId, RngStream, SimDuration, SimTime, Value};
use std::sync::Arc;

use sim_tcp::State;
use sim_tcp::conn::Event;
use sim_tcp::stack::{ConnId, Quad};
use sim_tls::session::{ClientSession, Ticket13};

use super::cpu::Held;
use super::events::quad_fields;
use super::{Reconnect, Role, TcpHost};
use crate::payload::Wire;
use crate::stream::{Step, Stream, StreamApp, StreamSide};
use crate::timer::{TcpTimer, Timer};

/// What TLS carries from one connection to the next: randomness, and the
/// session to resume.
#[derive(Debug, Default)]
pub(super) struct Sessions {
    /// Draws client/server randoms and ephemeral keys.
    pub(super) rng: Option<RngStream>,
    /// The last session a client connection left, to resume on the next.
    session: Option<ClientSession>,
    /// The last TLS 1.3 ticket, and when it came.
    ticket13: Option<(Ticket13, SimTime)>,
    /// The host and application its random streams are named after
    /// (`<node>` for a host's first application, `<node>/<name>` for the
    /// others).
    pub(super) prefix: String,
    /// Server: connections accepted so far (each draws its response
    /// sizes from a stream of its own, by this number).
    accepted: u64,
    /// Client: draws think times (`http/<prefix>/think`).
    pub(super) think: Option<RngStream>,
    /// The key log lines of every connection so far, in the order their
    /// keys were installed.
    pub(super) key_log: Vec<sim_tls::keylog::KeyLogLine>,
    /// Client with `fallback`: the versions the next connection offers
    /// after a failed handshake (highest first), once one failed.
    fallback: Option<Vec<sim_tls::suite::Version>>,
}

impl Sessions {
    /// A random and an ephemeral key for a new connection.
    fn random(&mut self) -> ([u8; 32], [u8; 32]) {
        let rng = self.rng.as_mut().expect("TLS hosts have a stream");
        let mut draw = || {
            let mut b = [0u8; 32];
            for c in b.chunks_mut(8) {
                c.copy_from_slice(&rng.next_u64().to_le_bytes());
            }
            b
        };
        (draw(), draw())
    }

    /// Keeps what a step offers for resumption.
    fn remember(&mut self, step: &Step, now: SimTime) {
        if let Some(session) = step.new_session.clone() {
            self.session = Some(session);
        }
        if let Some(ticket) = step.new_ticket.clone() {
            self.ticket13 = Some((ticket, now));
        }
    }
}

impl TcpHost {
    /// The stream a client connection runs once TCP is up: plain HTTP, a
    /// relay's request, or TLS offering the last session (with `resume`).
    fn client_stream(&mut self, id: ConnId, now: SimTime, app: &StreamApp) -> Stream {
        let requests = self
            .conns
            .get(id)
            .and_then(|c| c.requests)
            .unwrap_or(app.requests);
        let StreamSide::Client(cfg) = &app.side else {
            return Stream::plain(true, app, requests);
        };
        let (random, eph) = self.sessions.random();
        if let Some(request) = self.take_relay_request(id) {
            return Stream::client_sending(cfg, random, eph, &request);
        }
        let mut cfg = cfg.clone();
        if let Some(versions) = &self.sessions.fallback {
            // RFC 7507 §4: a fallback retry carries TLS_FALLBACK_SCSV.
            cfg.versions = versions.clone();
            cfg.fallback = true;
        }
        if app.resume {
            cfg.resume = self.sessions.session.clone();
            if let Some((t, at)) = &self.sessions.ticket13 {
                cfg.resume13 = Some(t.clone());
                let age = now.saturating_since(*at).as_nanos() / 1_000_000;
                cfg.ticket_age_ms = u32::try_from(age).unwrap_or(u32::MAX);
            }
        }
        Stream::client(&cfg, random, eph, app, requests)
    }

    /// Client with `fallback`: a handshake that ended in an alert before
    /// it completed has the next connection offer the versions below the
    /// highest this one offered, with TLS_FALLBACK_SCSV (RFC 7507 §1: what
    /// browsers did with servers intolerant of a new version), as one
    /// connection more than `connections`. Traced as a `tls_state` event
    /// `fallback` with the version the retry offers at most.
    fn fall_back(&mut self, cx: &mut Context<'_, Wire>, id: ConnId, step: &Step) {
        let Some(c) = self.conns.get_mut(id) else {
            return;
        };
        c.tls_up |= step.established;
        let failed = step.alert_sent.is_some() || step.alert_received.is_some();
        if c.tls_up || !failed || !self.client() {
            return;
        }
        let Some(StreamSide::Client(cfg)) = self.app.stream.as_ref().map(|a| &a.side) else {
            return;
        };
        let mut offered = self
            .sessions
            .fallback
            .clone()
            .unwrap_or_else(|| cfg.versions.clone());
        offered.sort_unstable_by(|a, b| b.cmp(a));
        if offered.len() < 2 {
            return;
        }
        offered.remove(0);
        let top = offered[0];
        self.sessions.fallback = Some(offered);
        self.dialer.retries += 1;
        if cx.tracing()
            && let Some(q) = self.stack().quad(id)
        {
            let mut f = quad_fields(q);
            f.push((Field::Event, "fallback".into()));
            f.push((Field::Version, Value::from(top.to_string())));
            cx.trace(Kind::TlsState, f);
        }
    }

    /// A server's new connection gets its stream at once (it waits for the
    /// client's first bytes).
    pub(super) fn accept_stream(&mut self, seed: u64, conn: ConnId) {
        let Some(app) = self.app.stream.clone() else {
            return;
        };
        let stream = match &app.side {
            StreamSide::Server(cfg) => {
                let (random, eph) = self.sessions.random();
                Some(Stream::server(cfg, random, eph))
            }
            StreamSide::PlainServer => Some(Stream::plain(false, &app, 1)),
            _ => None,
        };
        let k = self.sessions.accepted;
        self.sessions.accepted += 1;
        if let (Some(mut s), Some(c)) = (stream, self.conns.get_mut(conn)) {
            if app.response.constant().is_none() {
                // One stream per accepted connection, numbered in accept
                // order (README, "HTTP request/response traffic").
                let name = format!("http/{}/response/{k}", self.sessions.prefix);
                s.draw_sizes_from(RngStream::derive(seed, &name));
            }
            c.stream = Some(Box::new(s));
        }
    }

    /// Whether it opens connections (a client).
    fn client(&self) -> bool {
        matches!(self.app.role, Role::Connect { .. })
    }

    /// Client: connection `id`'s think time is over; its next request
    /// goes.
    pub(super) fn think_over(&mut self, cx: &mut Context<'_, Wire>, id: ConnId) {
        let Some(app) = self.app.stream.clone() else {
            return;
        };
        let now = cx.now();
        match self.conns.get_mut(id) {
            Some(c) if c.thinking => {
                c.thinking = false;
                c.request_at = Some(now);
            }
            _ => return,
        }
        let Some(stream) = self.conns.stream_mut(id) else {
            return;
        };
        let step = stream.next_request(&app);
        self.apply_step(cx, now, id, step, &app);
    }

    /// Client: a think time drawn from the application's `think` stream.
    pub(super) fn draw_think(&mut self, app: &StreamApp) -> Option<SimDuration> {
        let d = app.think.as_ref()?;
        let rng = self.sessions.think.as_mut()?;
        Some(SimDuration(d.draw(rng)))
    }

    /// The stream's part in a connection event. Returns true when it took
    /// care of the peer's FIN (so the plain TCP reaction must not close
    /// again).
    pub(super) fn stream_event(
        &mut self,
        cx: &mut Context<'_, Wire>,
        id: ConnId,
        e: &Event,
    ) -> bool {
        let Some(app) = self.app.stream.clone() else {
            return false;
        };
        let now = cx.now();
        self.note_phases(now, id, e);
        let step = match (e, &app.side) {
            (Event::Connected, StreamSide::PlainClient | StreamSide::Client(_)) => {
                let mut stream = self.client_stream(id, now, &app);
                let step = stream.step(&app);
                if let Some(c) = self.conns.get_mut(id) {
                    c.stream = Some(Box::new(stream));
                }
                step
            }
            (Event::Delivered(d), _) => {
                let Some(stream) = self.conns.stream_mut(id) else {
                    return false;
                };
                stream.delivered(d.offset, d.len, &app)
            }
            (Event::PeerClosed, _) => {
                let Some(stream) = self.conns.stream_mut(id) else {
                    return false;
                };
                stream.peer_closed(&app)
            }
            (Event::Acked(n), _) => {
                if let Some(stream) = self.conns.stream_mut(id) {
                    stream.acked(*n);
                }
                return false;
            }
            _ => return false,
        };
        self.apply_step(cx, now, id, step, &app);
        matches!(e, Event::PeerClosed)
    }

    /// The first connection's TCP phases: connected, and closed (both
    /// directions done: TIME_WAIT or CLOSED).
    fn note_phases(&mut self, now: SimTime, id: ConnId, e: &Event) {
        let since_start = self
            .conns
            .get(id)
            .and_then(|c| c.started)
            .map(|o| now.saturating_since(o).as_nanos());
        let t = &mut self.figures.stream;
        if t.first_conn.is_none() && matches!(e, Event::Connected) {
            t.first_conn = Some(id);
            t.tcp_connected_ns = since_start;
        }
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
    }

    /// Acts on what a stream did: relay, trace, count, then queue its
    /// output on TCP, at once or once the CPU work behind it is done.
    pub(super) fn apply_step(
        &mut self,
        cx: &mut Context<'_, Wire>,
        now: SimTime,
        id: ConnId,
        mut step: Step,
        app: &StreamApp,
    ) {
        self.relay_outcome(id, &step);
        if cx.tracing()
            && let Some(q) = self.stack().quad(id)
        {
            for (kind, fields) in std::mem::take(&mut step.traces) {
                let mut f = quad_fields(q);
                f.extend(fields);
                cx.trace(kind, f);
            }
        }
        let started = self.conns.get(id).and_then(|c| c.started);
        self.sessions.remember(&step, now);
        if app.fallback {
            self.fall_back(cx, id, &step);
        }
        self.sessions.key_log.append(&mut step.key_log);
        let cost = app.costs.time(step.ops);
        if let Some(page) = self.figures.stream.record(id, &step, started, now, cost.0)
            && let Some(start) = started
        {
            self.figures.pages.push((start, page));
        }
        if step.response_complete && self.client() {
            let asked = self.conns.get(id).and_then(|c| c.request_at.or(c.started));
            if let Some(at) = asked {
                let ns = now.saturating_since(at).as_nanos();
                self.figures.responses.push((at, ns));
            }
            // The next request went with this step, unless it waits for
            // a think time or the connection is done.
            let next = (!step.last_response && !step.think).then_some(now);
            if let Some(c) = self.conns.get_mut(id) {
                c.request_at = next;
            }
            if step.think
                && let Some(d) = self.draw_think(app)
            {
                if let Some(c) = self.conns.get_mut(id) {
                    c.thinking = true;
                }
                let t = cx.new_timer(Timer::Tcp(self.slot, TcpTimer::Think(id)).to_token());
                cx.set_timer(t, now + d);
            }
            self.after_last_response(cx, id, &step, started);
        }
        self.relay_output(id, &mut step);
        self.figures.tcp.written += step.send;
        // The public-key work behind this output runs on the host's one
        // CPU after whatever it is already doing; the output waits for it
        // (and output already waiting keeps its place in line).
        let mut ready = now;
        if cost.0 > 0 {
            let (start, done) = self.cpu.run(now, cost);
            ready = done;
            if cx.tracing()
                && let Some(q) = self.stack().quad(id)
            {
                let mut f = quad_fields(q);
                f.push((Field::RsaPrivate, Value::from(step.ops.rsa_private)));
                f.push((Field::RsaPublic, Value::from(step.ops.rsa_public)));
                let ecdhe = step.ops.ecdhe_keygen + step.ops.ecdhe_derive;
                f.push((Field::Ecdhe, Value::from(ecdhe)));
                f.push((Field::BusyNs, Value::U64(cost.0)));
                f.push((
                    Field::WaitNs,
                    Value::U64(start.saturating_since(now).as_nanos()),
                ));
                cx.trace(Kind::TlsCpu, f);
            }
        }
        let at = self.cpu.release_time(ready);
        if at > now {
            if step.send > 0 || step.close {
                let (send, close) = (step.send, step.close);
                self.cpu.hold(Held {
                    at,
                    conn: id,
                    send,
                    close,
                });
                self.cpu.arm(cx, self.slot);
            }
            return;
        }
        self.emit(now, id, step.send, step.close);
    }

    /// Client: what its connection's last response means for the next
    /// connection. Requests a server's `Connection: close` left undone
    /// wait for a connection of their own (same page, same start); with
    /// `reconnect: after_response` the next connection opens now rather
    /// than once this one is closed.
    fn after_last_response(
        &mut self,
        cx: &mut Context<'_, Wire>,
        id: ConnId,
        step: &Step,
        started: Option<SimTime>,
    ) {
        if !step.last_response {
            return;
        }
        if step.leftover > 0 {
            let started = started.unwrap_or(cx.now());
            self.dialer.carry.push_back((step.leftover, started));
        }
        if self.app.reconnect == Reconnect::AfterResponse
            && let Some(c) = self.conns.get_mut(id)
            && !c.finished
        {
            c.finished = true;
            self.finished(cx);
        }
    }

    fn emit(&mut self, now: SimTime, id: ConnId, send: u64, close: bool) {
        if send > 0 {
            self.stack().send(now, id, send);
        }
        if close {
            self.stack().close(now, id);
        }
    }

    /// Sends what the CPU has finished computing.
    pub(super) fn release_held(&mut self, cx: &mut Context<'_, Wire>, now: SimTime) {
        while let Some(h) = self.cpu.pop_due(now) {
            if self.conns.get(h.conn).is_some() {
                self.emit(now, h.conn, h.send, h.close);
            }
        }
        self.cpu.arm(cx, self.slot);
    }

    /// The real bytes a data segment carries, for a stream whose content
    /// matters.
    pub(super) fn stream_bytes(&self, dst: NodeId, seg: &sim_tcp::Segment) -> Option<Arc<[u8]>> {
        // Every data segment passes here: plain TCP apps pay one test.
        if seg.data.len == 0 || self.app.stream.is_none() {
            return None;
        }
        let stack = self.stack.as_ref()?;
        let id = stack.lookup(Quad {
            local_port: seg.src_port,
            remote: dst,
            remote_port: seg.dst_port,
        })?;
        let stream = self.conns.get(id)?.stream.as_ref()?;
        stream.bytes(seg.data.offset, seg.data.len)
    }

    /// Files the bytes of an arriving segment with its stream.
    pub(super) fn file_bytes(&mut self, from: NodeId, seg: &sim_tcp::Segment, bytes: &[u8]) {
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
        if let Some(stream) = self.conns.stream_mut(id) {
            stream.arrived(seg.data.offset, bytes);
        }
    }
}
