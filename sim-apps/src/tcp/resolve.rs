//! The client side of DNS: a client whose target is a name looks it up
//! before each connection, and opens its connections (how many, how many
//! at once) as the answers come.
//!
//! The resolver is sans-IO (`crate::dns::Resolver`); this file is its
//! glue: it sends the resolver's queries, keeps its one timer at its
//! deadline, and turns its results into connections opened or given up,
//! and into `dns` trace records.

use sim_core::{Context, Field, Kind, NodeId, SimTime, TimerId, Value};
use std::sync::Arc;

use super::{Role, Target, TcpHost};
use crate::dns::{Lookup, LookupResult, Message, Resolver};
use crate::payload::Wire;
use crate::timer::{Slot, TcpTimer, Timer};

/// The client's connections and the lookups before them.
#[derive(Debug, Default)]
pub(super) struct Dialer {
    /// Connections opened so far.
    pub(super) opened: u64,
    /// Fallback retries owed beyond the application's `connections`
    /// (`StreamApp::fallback`).
    pub(super) retries: u64,
    /// Connections not yet finished.
    pub(super) active: u32,
    /// Looks the target's name up, if it has one.
    pub(super) resolver: Option<Resolver>,
    timer: Option<TimerId>,
    /// Connections waiting for the name: when their page load began, and
    /// the requests they take up (see `carry`).
    waiting: Vec<(SimTime, Option<u64>)>,
    /// Requests a server's `Connection: close` left undone on a
    /// connection, with when that page load began: each opens a
    /// connection of its own beyond `connections`, before the next of
    /// those, which makes them (README, "HTTP request/response traffic").
    pub(super) carry: std::collections::VecDeque<(u64, SimTime)>,
    /// Connections given up because the name did not resolve.
    pub(super) abandoned: u64,
    /// Connections waiting for a free ephemeral port (every one to the
    /// server is held, TIME_WAIT included): where to and when they were
    /// due, in order.
    port_wait: std::collections::VecDeque<(NodeId, SimTime, Option<u64>)>,
    /// The stack's [`freed`](sim_tcp::stack::TcpStack::freed) count when
    /// a port was last found wanting.
    port_wait_freed: u64,
}

impl Dialer {
    /// Keeps the resolver's timer at its deadline.
    fn arm(&mut self, cx: &mut Context<'_, Wire>, slot: Slot, deadline: Option<SimTime>) {
        match (deadline, self.timer) {
            (Some(at), Some(t)) => cx.set_timer(t, at),
            (Some(at), None) => {
                let t = cx.new_timer(Timer::Tcp(slot, TcpTimer::Dns).to_token());
                cx.set_timer(t, at);
                self.timer = Some(t);
            }
            (None, Some(t)) => cx.cancel_timer(t),
            (None, None) => {}
        }
    }
}

impl TcpHost {
    /// Opens the client's next connection, if any remain: at once, or
    /// once its name is resolved.
    pub(super) fn connect_next(&mut self, cx: &mut Context<'_, Wire>) {
        let Role::Connect { remote, .. } = &self.app.role else {
            return;
        };
        if self.stopped {
            return;
        }
        let now = cx.now();
        let (started, requests) = match self.dialer.carry.pop_front() {
            Some((n, started)) => (started, Some(n)),
            None if self.dialer.opened >= self.app.connections.max(1) + self.dialer.retries => {
                return;
            }
            None => {
                self.dialer.opened += 1;
                (now, None)
            }
        };
        self.dialer.active += 1;
        let name: Arc<str> = match remote {
            Target::Node(node) => {
                let node = *node;
                return self.connect_to(cx, node, started, requests);
            }
            Target::Name { name, .. } => name.clone(),
        };
        let resolver = self
            .dialer
            .resolver
            .as_mut()
            .expect("named targets have one");
        match resolver.lookup(now, &name) {
            Lookup::Ready(addr, source) => {
                let result = LookupResult::Resolved { addr, source };
                self.dns_event(cx, now, &name, result);
                self.connect_to(cx, addr, started, requests);
            }
            Lookup::Pending => {
                self.dialer.waiting.push((started, requests));
                self.pump_dns(cx);
            }
            Lookup::Failed(f) => {
                // Only without a server, which the scenario check rules
                // out unless the hosts table holds the name: no recursion.
                self.dns_event(cx, now, &name, LookupResult::Failed(f));
                self.give_up(cx);
            }
        }
    }

    /// Its `stop` came: no connection opens from now on, neither a new
    /// one nor one still waiting for its name or for a free port.
    pub(super) fn stop_dialing(&mut self) {
        self.stopped = true;
        self.dialer.port_wait.clear();
    }

    /// Opens a connection to `remote` whose page load began at `started`,
    /// making `requests` requests if not the application's number.
    fn connect_to(
        &mut self,
        cx: &mut Context<'_, Wire>,
        remote: NodeId,
        started: SimTime,
        requests: Option<u64>,
    ) {
        if self.stopped {
            return;
        }
        let Role::Connect {
            port, local_port, ..
        } = self.app.role
        else {
            return;
        };
        let now = cx.now();
        if !self.dialer.port_wait.is_empty() {
            // Earlier connections are still waiting for a port: keep order.
            self.dialer.port_wait.push_back((remote, started, requests));
            return;
        }
        let conn = match self.local_port(local_port, remote, port) {
            Some(local_port) => self.dial(now, remote, port, local_port),
            None => None,
        };
        match conn {
            Some((id, on_syn)) => self.open_dialed(cx, id, on_syn, started, requests),
            None => {
                self.dialer.port_wait_freed = self.stack().freed();
                self.dialer.port_wait.push_back((remote, started, requests));
            }
        }
    }

    /// Opens a connection; with client Fast Open (RFC 7413 §4.2.1) the
    /// application's `send` bytes are written before the SYN, which
    /// carries them if the stack holds a cookie for `remote`. True in the
    /// second place if they were.
    fn dial(
        &mut self,
        now: SimTime,
        remote: NodeId,
        port: u16,
        local_port: Option<u16>,
    ) -> Option<(sim_tcp::stack::ConnId, bool)> {
        let n = self.app.send;
        if n > 0 && self.stack().fast_open_client() {
            return self
                .stack()
                .connect_fast_open(now, remote, port, local_port, n, true)
                .map(|(id, _)| (id, true));
        }
        self.stack()
            .try_connect(now, remote, port, local_port)
            .map(|id| (id, false))
    }

    /// [`open`](Self::open) for a connection [`dial`](Self::dial) made.
    fn open_dialed(
        &mut self,
        cx: &mut Context<'_, Wire>,
        id: sim_tcp::stack::ConnId,
        on_syn: bool,
        started: SimTime,
        requests: Option<u64>,
    ) {
        self.open(cx, id, started, requests);
        if let Some(c) = self.conns.get_mut(id) {
            c.sent_on_syn = on_syn;
        }
    }

    /// The local port of a new connection to `remote:port`: `Some(fixed)`
    /// if the scenario fixed one, `Some(None)` to let the stack pick, or
    /// `None` when this application's share of the ephemeral range is all
    /// held (the connection waits, as when the stack finds none).
    fn local_port(&mut self, fixed: Option<u16>, remote: NodeId, port: u16) -> Option<Option<u16>> {
        match (fixed, self.ports) {
            (Some(p), _) => Some(Some(p)),
            (None, None) => Some(None),
            (None, Some(range)) => self.range_port(remote, port, range).map(Some),
        }
    }

    /// On a host with several TCP applications, the next port of this
    /// application's share of the ephemeral range (`lo..=hi`) that is free
    /// towards `remote:port`, each tried at most once. Its own stack is the
    /// only one that can hold a port of its share.
    fn range_port(&mut self, remote: NodeId, port: u16, (lo, hi): (u16, u16)) -> Option<u16> {
        for _ in lo..=hi {
            let p = self.next_port.clamp(lo, hi);
            self.next_port = if p >= hi { lo } else { p + 1 };
            let quad = sim_tcp::stack::Quad {
                local_port: p,
                remote,
                remote_port: port,
            };
            if self.stack().lookup(quad).is_none() {
                return Some(p);
            }
        }
        None
    }

    /// Opens the connections that waited for a port, now that some have
    /// been freed; true if any opened.
    pub(super) fn retry_port_wait(&mut self, cx: &mut Context<'_, Wire>) -> bool {
        let Role::Connect {
            port, local_port, ..
        } = self.app.role
        else {
            return false;
        };
        if self.dialer.port_wait.is_empty()
            || self.stack.as_ref().map(|s| s.freed()) == Some(self.dialer.port_wait_freed)
        {
            return false;
        }
        let now = cx.now();
        let mut any = false;
        while let Some(&(remote, started, requests)) = self.dialer.port_wait.front() {
            let conn = match self.local_port(local_port, remote, port) {
                Some(local_port) => self.dial(now, remote, port, local_port),
                None => None,
            };
            match conn {
                Some((id, on_syn)) => {
                    self.dialer.port_wait.pop_front();
                    self.open_dialed(cx, id, on_syn, started, requests);
                    any = true;
                }
                None => {
                    self.dialer.port_wait_freed = self.stack().freed();
                    break;
                }
            }
        }
        any
    }

    /// A client connection has finished: the next one may open.
    pub(super) fn finished(&mut self, cx: &mut Context<'_, Wire>) {
        self.dialer.active = self.dialer.active.saturating_sub(1);
        // A client that thinks between requests thinks before its next
        // connection too.
        let think = match self.app.stream.clone() {
            Some(app)
                if self.dialer.opened < self.app.connections.max(1) + self.dialer.retries
                    || !self.dialer.carry.is_empty() =>
            {
                self.draw_think(&app)
            }
            _ => None,
        };
        match think {
            Some(d) => {
                let t = cx.new_timer(Timer::Tcp(self.slot, TcpTimer::ConnectOne).to_token());
                cx.set_timer(t, cx.now() + d);
            }
            None => self.connect_next(cx),
        }
    }

    /// A connection that never opened, because its name did not resolve.
    fn give_up(&mut self, cx: &mut Context<'_, Wire>) {
        self.dialer.abandoned += 1;
        self.finished(cx);
    }

    /// Traces a resolver event, and notes the first lookup's time.
    fn dns_event(
        &mut self,
        cx: &mut Context<'_, Wire>,
        started: SimTime,
        name: &str,
        r: LookupResult,
    ) {
        let now = cx.now();
        if let LookupResult::Resolved { .. } = r {
            self.figures
                .stream
                .dns_ns
                .get_or_insert(now.saturating_since(started).as_nanos());
        }
        if !cx.tracing() {
            return;
        }
        let mut f = vec![(Field::Name, Value::from(name.to_string()))];
        let kind = match r {
            LookupResult::Resolved { addr, source } => {
                f.push((Field::Addr, Value::Node(addr)));
                f.push((Field::Source, source.name().into()));
                "resolved"
            }
            LookupResult::Retried { attempt } => {
                f.push((Field::Attempt, Value::from(attempt)));
                "retry"
            }
            LookupResult::Failed(why) => {
                f.push((Field::Reason, why.name().into()));
                "failed"
            }
        };
        f.insert(0, (Field::Event, kind.into()));
        cx.trace(Kind::Dns, f);
    }

    /// Sends the resolver's queries, acts on its answers and sets its timer.
    pub(super) fn pump_dns(&mut self, cx: &mut Context<'_, Wire>) {
        loop {
            let Some(r) = self.dialer.resolver.as_mut() else {
                return;
            };
            let server = r.server();
            while let Some(m) = r.poll_transmit() {
                if let Some(server) = server {
                    cx.send(server, m.wire_size(), Wire::Dns(m));
                }
            }
            let deadline = r.next_timeout();
            let event = r.poll_event();
            self.dialer.arm(cx, self.slot, deadline);
            // Only handling an event (a connection opened or given up,
            // perhaps a new lookup) can make more to send.
            let Some(e) = event else {
                return;
            };
            // One name per application: every waiting connection wants it.
            let first = self
                .dialer
                .waiting
                .first()
                .map_or(cx.now(), |&(started, _)| started);
            self.dns_event(cx, first, &e.name, e.outcome);
            match e.outcome {
                LookupResult::Resolved { addr, .. } => {
                    for (started, requests) in std::mem::take(&mut self.dialer.waiting) {
                        self.connect_to(cx, addr, started, requests);
                    }
                }
                LookupResult::Failed(_) => {
                    for _ in std::mem::take(&mut self.dialer.waiting) {
                        self.give_up(cx);
                    }
                }
                LookupResult::Retried { .. } => {}
            }
        }
    }

    /// Whether this application has a resolver (a client of a name).
    pub(crate) fn has_resolver(&self) -> bool {
        self.dialer.resolver.is_some()
    }

    /// Whether its resolver waits for this answer.
    pub(crate) fn awaits_dns(&self, from: NodeId, m: &Message) -> bool {
        self.dialer
            .resolver
            .as_ref()
            .is_some_and(|r| r.awaits(from, m))
    }

    /// A DNS message for this host's resolver.
    pub(crate) fn on_dns(&mut self, cx: &mut Context<'_, Wire>, from: NodeId, m: &Message) {
        let now = cx.now();
        if let Some(r) = self.dialer.resolver.as_mut() {
            r.handle_message(now, from, m);
            self.pump_dns(cx);
            self.pump(cx);
        }
    }

    /// The resolver's deadline came.
    pub(super) fn on_dns_timer(&mut self, cx: &mut Context<'_, Wire>) {
        let now = cx.now();
        if let Some(r) = self.dialer.resolver.as_mut() {
            r.handle_timeout(now);
        }
        self.pump_dns(cx);
    }
}
