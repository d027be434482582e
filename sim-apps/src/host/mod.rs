//! The endpoint every scenario host runs: the echo responder, plus the
//! applications the scenario gives it.
//!
//! A scenario describes each application as a [`HostApp`] (plain data: it
//! can be checked and named before anything runs), with the name its
//! metrics go under ([`NamedApp`]); [`Host::with_apps`] turns them into
//! running applications, each one variant of the private `App` enum.
//! `Endpoint<Wire> for Host` then dispatches every input to the
//! application it is for: one `match` per input, so what each kind does
//! with a packet or a timer is read in one place.
//!
//! Several applications on one host share it as programs share a
//! machine: each TCP application has its own stack and its own ports
//! (segments go to the one whose connection, listening port or share of
//! the ephemeral ports they name), DNS answers go to the resolver that
//! asked, and timers carry the application's index ([`Timer`]).

use sim_core::datagram::{DatagramHost, PingJob};
use sim_core::{Context, Endpoint, Field, Kind, NodeId, Packet, SimTime, Value};

use crate::dns::recursive::RecursiveConfig;
use crate::dns::{DnsResolver, DnsServer, Message, Zone};
use crate::flood::{Flood, SynFlood};
use crate::mitm::{Mitm, MitmApp};
use crate::observer::Observer;
use crate::payload::Wire;
use crate::ping::{self, PingApp};
use crate::start::Start;
use crate::tcp::{self, ConnFigures, TcpApp, TcpHost};
use crate::timer::Timer;
use crate::udp::{Sender, Sink, UdpApp};
use std::sync::Arc;

pub use crate::tcp::HostAction;

/// What a host runs, as the scenario describes it.
#[derive(Debug, Clone, PartialEq)]
pub enum HostApp {
    /// Only answers echo requests.
    Echo,
    /// Pings, and answers echo requests.
    Ping(PingApp),
    /// Runs a TCP application, and answers echo requests.
    Tcp(TcpApp),
    /// Floods a port with spoofed SYNs.
    SynFlood(SynFlood),
    /// Sends UDP datagrams, or counts those arriving on a port.
    Udp(UdpApp),
    /// Answers DNS queries from its zone.
    DnsServer(Zone),
    /// Answers stubs' DNS queries by recursion (RFC 1034 §5.3.3).
    DnsResolver(Arc<RecursiveConfig>),
    /// A TLS-terminating man-in-the-middle (on a router).
    Mitm(Box<MitmApp>),
    /// A passive observer (on a router).
    Observer,
}

impl HostApp {
    /// The names of the metrics a host running only this reports (each
    /// without the node's name in front), in the order it reports them;
    /// known without building or running anything.
    pub fn metric_names(&self) -> Vec<String> {
        metric_names(&[NamedApp::unnamed(self.clone())])
    }

    /// The kind's name in a scenario file, and the name an application
    /// goes by when it is given none.
    pub fn kind(&self) -> &'static str {
        match self {
            HostApp::Echo => "echo",
            HostApp::Ping(_) => "ping",
            HostApp::Tcp(_) => "tcp",
            HostApp::SynFlood(_) => "syn_flood",
            HostApp::Udp(_) => "udp",
            HostApp::DnsServer(_) => "dns_server",
            HostApp::DnsResolver(_) => "dns_resolver",
            HostApp::Mitm(_) => "mitm",
            HostApp::Observer => "observer",
        }
    }

    /// The first part of its own metrics' names (`tcp.goodput_bps`): a
    /// name given to the application takes its place.
    fn family(&self) -> &'static str {
        match self {
            HostApp::Echo => "echo",
            HostApp::Ping(_) => "ping",
            HostApp::Tcp(_) => "tcp",
            HostApp::SynFlood(_) => "flood",
            HostApp::Udp(_) => "udp",
            HostApp::DnsServer(_) | HostApp::DnsResolver(_) => "dns",
            HostApp::Mitm(_) => "mitm",
            HostApp::Observer => "observer",
        }
    }

    /// Its own metric names, unnamed, without the echo responder's.
    fn own_metric_names(&self) -> Vec<String> {
        match self {
            HostApp::Echo => Vec::new(),
            HostApp::Ping(p) => ping::metric_names(Some(&p.job))
                .into_iter()
                .filter(|k| !k.starts_with("echo."))
                .collect(),
            HostApp::Tcp(a) => tcp::metric_names(a),
            HostApp::SynFlood(_) => Flood::metric_names(),
            HostApp::Udp(UdpApp::Send(_)) => Sender::metric_names(),
            HostApp::Udp(UdpApp::Sink(_)) => Sink::metric_names(),
            HostApp::DnsServer(_) => DnsServer::metric_names(),
            HostApp::DnsResolver(_) => DnsResolver::metric_names(),
            HostApp::Mitm(_) => Mitm::metric_names(),
            HostApp::Observer => Observer::metric_names(),
        }
    }
}

/// One application of a host, with the name it goes by.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedApp {
    /// The name the scenario gave it (unique on its host); `None`: its
    /// kind's name, and its metrics keep the names they have always had.
    pub name: Option<String>,
    /// What it runs.
    pub app: HostApp,
}

impl NamedApp {
    /// An application under its kind's name.
    pub fn unnamed(app: HostApp) -> Self {
        NamedApp { name: None, app }
    }

    /// The name it goes by on its host: the one given, or its kind's.
    pub fn label(&self) -> &str {
        self.name.as_deref().unwrap_or(self.app.kind())
    }

    /// A metric name of this application as the host reports it: an
    /// unnamed application's as it is (`tcp.goodput_bps`, `tls.page_ns`);
    /// a named one's under its name, which takes the place of the kind's
    /// own first part (`bulk.goodput_bps`) and goes in front of the others
    /// (`web.tls.page_ns`).
    fn rename(&self, metric: String) -> String {
        let Some(name) = &self.name else {
            return metric;
        };
        match metric
            .strip_prefix(self.app.family())
            .and_then(|r| r.strip_prefix('.'))
        {
            Some(rest) => format!("{name}.{rest}"),
            None => format!("{name}.{metric}"),
        }
    }
}

/// The names of the metrics a host running `apps` reports (each without
/// the node's name in front), in the order it reports them: the echo
/// responder's, then each application's in turn. Known without building or
/// running anything.
pub fn metric_names(apps: &[NamedApp]) -> Vec<String> {
    let mut names = ping::metric_names(None);
    for a in apps {
        names.extend(a.app.own_metric_names().into_iter().map(|m| a.rename(m)));
    }
    names
}

/// The running application.
#[derive(Debug)]
enum App {
    /// Nothing beyond the echo responder.
    Echo,
    /// The ping job, which runs inside the echo responder (see `ping`).
    Ping,
    Tcp(Box<TcpHost>),
    Flood(Flood),
    UdpSend(Sender),
    UdpSink(Sink),
    DnsServer(DnsServer),
    DnsResolver(Box<DnsResolver>),
    Mitm(Box<Mitm>),
    Observer(Observer),
}

/// A running application and how its metrics are named.
#[derive(Debug)]
struct Running {
    spec: NamedApp,
    app: App,
}

/// The endpoint on every scenario host.
#[derive(Debug)]
pub struct Host {
    /// Answers echo requests (and runs the ping job: at most one per host).
    echo: DatagramHost,
    /// Its applications, in the scenario's order (their index is the one
    /// their timers carry).
    apps: Vec<Running>,
    /// Which of `apps` run TCP, in order.
    tcp: Vec<usize>,
    /// The scenario's actions for this host, by [`Timer::Action`] index.
    actions: Vec<HostAction>,
}

/// The ephemeral ports (RFC 6335 §6: 49152 to 65535) that a host's
/// clients share when it runs several: the first of the range, and how
/// many.
const EPHEMERAL: (u16, u32) = (49_152, 16_384);

impl Host {
    /// A host running `app`, with the actions the scenario gives it.
    pub fn new(app: &HostApp, actions: Vec<HostAction>) -> Self {
        Host::with_apps(&[NamedApp::unnamed(app.clone())], actions)
    }

    /// A host running `apps` (none: it only answers echo requests), with
    /// the actions the scenario gives it. At most one pings (the scenario
    /// check sees to it; a second would be ignored).
    ///
    /// # Panics
    ///
    /// With more applications than a timer can name
    /// ([`MAX_APPS`](crate::timer::MAX_APPS)).
    pub fn with_apps(apps: &[NamedApp], actions: Vec<HostAction>) -> Self {
        assert!(
            apps.len() <= crate::timer::MAX_APPS,
            "too many applications"
        );
        let job = apps.iter().find_map(|a| match &a.app {
            HostApp::Ping(p) => Some(&p.job),
            _ => None,
        });
        // TCP clients that let the port be picked: with two or more, each
        // gets an equal share of the ephemeral range, in order, so their
        // stacks never pick the same port towards one server.
        let pickers: Vec<usize> = apps
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                matches!(
                    &a.app,
                    HostApp::Tcp(TcpApp {
                        role: tcp::Role::Connect {
                            local_port: None,
                            ..
                        },
                        ..
                    })
                )
            })
            .map(|(i, _)| i)
            .collect();
        let share = EPHEMERAL.1 / pickers.len().max(1) as u32;
        let mut running = Vec::with_capacity(apps.len());
        let mut tcp_apps = Vec::new();
        for (i, a) in apps.iter().enumerate() {
            let index = i as u16;
            let app = match &a.app {
                HostApp::Echo => App::Echo,
                HostApp::Ping(_) => App::Ping,
                HostApp::Tcp(t) => {
                    tcp_apps.push(i);
                    let mut h = TcpHost::new(t).nth_app(index, a.label());
                    if pickers.len() > 1
                        && let Some(k) = pickers.iter().position(|&p| p == i)
                    {
                        let lo = u32::from(EPHEMERAL.0) + k as u32 * share;
                        h = h.with_ports(lo as u16, (lo + share - 1) as u16);
                    }
                    App::Tcp(Box::new(h))
                }
                HostApp::SynFlood(f) => App::Flood(Flood::new(f, index, a.label())),
                HostApp::Udp(UdpApp::Send(u)) => App::UdpSend(Sender::new(u, index, a.label())),
                HostApp::Udp(UdpApp::Sink(u)) => App::UdpSink(Sink::new(u)),
                HostApp::DnsServer(z) => App::DnsServer(DnsServer::new(z)),
                HostApp::DnsResolver(c) => {
                    App::DnsResolver(Box::new(DnsResolver::new(c, index, a.label())))
                }
                HostApp::Mitm(m) => App::Mitm(Box::new(Mitm::new(m))),
                HostApp::Observer => App::Observer(Observer::default()),
            };
            running.push(Running {
                spec: a.clone(),
                app,
            });
        }
        Host {
            echo: ping::responder(job),
            apps: running,
            tcp: tcp_apps,
            actions,
        }
    }

    /// The figures of its TCP connection ends (at most
    /// [`KEPT_CONNECTIONS`](crate::tcp::KEPT_CONNECTIONS) per TCP
    /// application), each application's in the order they opened.
    pub fn connections(&self) -> Vec<ConnFigures> {
        let mut all = Vec::new();
        for a in &self.apps {
            let from = all.len();
            match &a.app {
                App::Tcp(t) => all.extend(t.connections()),
                App::Mitm(m) => all.extend(m.connections()),
                App::Echo
                | App::Ping
                | App::Flood(_)
                | App::UdpSend(_)
                | App::UdpSink(_)
                | App::DnsServer(_)
                | App::DnsResolver(_)
                | App::Observer(_) => {}
            }
            for e in &mut all[from..] {
                e.app = a.spec.label().to_string();
            }
        }
        all
    }

    /// The NSS key log lines of its TLS connections (`keylog.txt`), each
    /// application's in the order the keys were installed.
    pub fn key_log(&self) -> Vec<sim_tls::keylog::KeyLogLine> {
        let mut all = Vec::new();
        for a in &self.apps {
            match &a.app {
                App::Tcp(t) => all.extend_from_slice(t.key_log()),
                App::Mitm(m) => all.extend(m.key_log()),
                App::Echo
                | App::Ping
                | App::Flood(_)
                | App::UdpSend(_)
                | App::UdpSink(_)
                | App::DnsServer(_)
                | App::DnsResolver(_)
                | App::Observer(_) => {}
            }
        }
        all
    }

    /// The run measures over `[from, to)` (the scenario's `measure`): each
    /// web client's page-time statistics are taken over the pages that
    /// started in it.
    pub fn measure_pages(&mut self, from: SimTime, to: SimTime) {
        for a in &mut self.apps {
            if let App::Tcp(t) = &mut a.app {
                t.measure_pages(from, to);
            }
        }
    }

    /// The run samples time series: from now on each TCP application
    /// keeps its connections' final figures when they close, until
    /// [`Host::flow_samples`] takes them.
    pub fn keep_ended_flows(&mut self) {
        for a in &mut self.apps {
            if let App::Tcp(t) = &mut a.app {
                t.keep_ended_flows();
            }
        }
    }

    /// The connection ends of its TCP applications, live ones first, then
    /// those that closed since the last call, for time series (a
    /// man-in-the-middle's relayed connections are not sampled).
    pub fn flow_samples(&mut self, out: &mut Vec<crate::tcp::FlowSample>) {
        for a in &mut self.apps {
            if let App::Tcp(t) = &mut a.app {
                t.flow_samples(out);
            }
        }
    }

    /// The man-in-the-middle, if that is what this node runs (it runs
    /// nothing else).
    fn mitm(&mut self) -> Option<&mut Mitm> {
        match self.apps.first_mut().map(|a| &mut a.app) {
            Some(App::Mitm(m)) => Some(m),
            _ => None,
        }
    }

    /// The TCP application at index `i` of `apps`.
    fn tcp_at(&mut self, i: usize) -> Option<&mut TcpHost> {
        match self.apps.get_mut(i).map(|a| &mut a.app) {
            Some(App::Tcp(t)) => Some(t),
            _ => None,
        }
    }

    /// Which TCP application a segment from `from` is for: the only one,
    /// or the one whose connection, listening port or port share it
    /// names, or else the first (whose stack answers it as a closed port).
    fn tcp_for(&self, from: NodeId, seg: &sim_tcp::Segment) -> Option<usize> {
        if self.tcp.len() <= 1 {
            return self.tcp.first().copied();
        }
        let owner = self.tcp.iter().copied().find(|&i| match &self.apps[i].app {
            App::Tcp(t) => t.owns(from, seg),
            _ => false,
        });
        owner.or(self.tcp.first().copied())
    }

    /// A UDP datagram: for the sink on its port, if there is one (RFC 768
    /// demultiplexes by destination port alone).
    fn on_datagram(&mut self, cx: &mut Context<'_, Wire>, from: NodeId, d: &crate::udp::Datagram) {
        let now = cx.now();
        for a in &mut self.apps {
            if let App::UdpSink(s) = &mut a.app
                && s.port() == d.dst_port
            {
                return s.on_datagram(now, from, d);
            }
        }
        if cx.tracing() {
            let fields = vec![
                (Field::From, Value::Node(from)),
                (Field::Port, Value::from(u32::from(d.dst_port))),
                (Field::Reason, "no UDP sink on this port".into()),
            ];
            cx.trace(Kind::UdpUnmatched, fields);
        }
    }

    /// A DNS message: a query for the server, an answer for the resolver
    /// that asked (or the first, which counts it unmatched).
    fn on_dns(&mut self, cx: &mut Context<'_, Wire>, from: NodeId, m: &Message) {
        for a in &mut self.apps {
            match &mut a.app {
                App::DnsServer(s) if s.serves(m) => {
                    let reply = s.on_query(m);
                    cx.send(from, reply.wire_size(), Wire::Dns(reply));
                    return;
                }
                App::DnsResolver(r) if r.serves(m) || r.awaits(from, m) => {
                    return r.on_message(cx, from, m);
                }
                _ => {}
            }
        }
        if m.answer.is_some() {
            let resolving = |a: &Running| matches!(&a.app, App::Tcp(t) if t.has_resolver());
            let asked = |a: &Running| matches!(&a.app, App::Tcp(t) if t.awaits_dns(from, m));
            let i = (self.apps.iter().position(asked)).or(self.apps.iter().position(resolving));
            if let Some(t) = i.and_then(|i| self.tcp_at(i)) {
                return t.on_dns(cx, from, m);
            }
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
        // A drawn ping start is drawn now, from the run's seed: the
        // responder is made again with it.
        let drawn = self.apps.iter().find_map(|a| match &a.spec.app {
            HostApp::Ping(
                p @ PingApp {
                    start: Start::Uniform { .. },
                    ..
                },
            ) => Some((p.clone(), a.spec.label().to_string())),
            _ => None,
        });
        if let Some((p, label)) = drawn {
            let node = cx.topology().name(cx.node()).to_string();
            let start = p.start.resolve(cx.run_seed(), &node, &label);
            self.echo = ping::responder(Some(&PingJob { start, ..p.job }));
        }
        Endpoint::<Wire>::start(&mut self.echo, cx);
        for a in &mut self.apps {
            match &mut a.app {
                App::Tcp(t) => t.start(cx),
                App::Mitm(m) => m.start(cx),
                App::Flood(f) => f.start(cx),
                App::UdpSend(u) => u.start(cx),
                App::DnsResolver(r) => r.start(cx),
                App::Echo | App::Ping | App::UdpSink(_) | App::DnsServer(_) | App::Observer(_) => {}
            }
        }
    }

    fn intercepts(&self, packet: &Packet<Wire>) -> bool {
        match self.apps.first().map(|a| &a.app) {
            Some(App::Mitm(m)) => m.intercepts(packet),
            _ => false,
        }
    }

    fn on_transit(&mut self, cx: &mut Context<'_, Wire>, packet: &Packet<Wire>) {
        for a in &mut self.apps {
            if let App::Observer(o) = &mut a.app {
                o.on_transit(cx, packet);
            }
        }
    }

    fn on_packet(&mut self, cx: &mut Context<'_, Wire>, mut packet: Packet<Wire>) {
        if let Some(m) = self.mitm() {
            // Everything it gets is a connection it took over, or its own.
            return m.on_packet(cx, &packet);
        }
        if let Wire::Tcp { seg, .. } = &mut packet.payload {
            // TCP reads the IP header's ECN field with the segment.
            seg.ecn = packet.ecn;
        }
        match &packet.payload {
            Wire::Echo(_) => self.echo.on_packet(cx, packet),
            Wire::Dns(m) => self.on_dns(cx, packet.src, m),
            Wire::Udp(d) => self.on_datagram(cx, packet.src, d),
            Wire::Tcp { seg, bytes, .. } => {
                if let Some(t) = self.tcp_for(packet.src, seg).and_then(|i| self.tcp_at(i)) {
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
        let Some(timer) = Timer::from_token(token) else {
            return;
        };
        if let Some(m) = self.mitm() {
            return m.on_timer(cx, timer);
        }
        match timer {
            Timer::Ping(seq) => self.echo.on_timer(cx, u64::from(seq)),
            Timer::Flood(i) => {
                if let Some(App::Flood(f)) = self.apps.get_mut(usize::from(i)).map(|a| &mut a.app) {
                    f.on_timer(cx);
                }
            }
            Timer::Udp(i) => {
                if let Some(App::UdpSend(u)) = self.apps.get_mut(usize::from(i)).map(|a| &mut a.app)
                {
                    u.on_timer(cx);
                }
            }
            Timer::DnsResolver(i) => {
                if let Some(App::DnsResolver(r)) =
                    self.apps.get_mut(usize::from(i)).map(|a| &mut a.app)
                {
                    r.on_timer(cx);
                }
            }
            Timer::Action(k) => {
                // An action acts on every TCP application of the host.
                let action = self.actions.get(k).copied();
                for i in self.tcp.clone() {
                    if let Some(t) = self.tcp_at(i) {
                        t.on_action(cx, action);
                    }
                }
            }
            Timer::Tcp(slot, t2) => {
                if let Some(t) = self.tcp_at(usize::from(slot.app)) {
                    t.on_timer(cx, t2);
                }
            }
        }
    }

    fn metrics(&self) -> Vec<(String, Value)> {
        let mut echo = ping::metrics(&self.echo);
        // The responder reports `echo.*` first, then the ping job's.
        let pings = echo.split_off(
            echo.iter()
                .take_while(|(k, _)| k.starts_with("echo."))
                .count(),
        );
        let mut m = echo;
        let mut pings = Some(pings);
        for a in &self.apps {
            let own = match &a.app {
                App::Echo => Vec::new(),
                App::Ping => pings.take().unwrap_or_default(),
                App::Tcp(t) => t.metrics(),
                App::Flood(f) => f.metrics(),
                App::UdpSend(u) => u.metrics(),
                App::UdpSink(u) => u.metrics(),
                App::DnsServer(s) => s.metrics(),
                App::DnsResolver(r) => r.metrics(),
                App::Mitm(mitm) => mitm.metrics(),
                App::Observer(o) => o.metrics(),
            };
            m.extend(own.into_iter().map(|(k, v)| (a.spec.rename(k), v)));
        }
        m
    }
}

#[cfg(test)]
mod tests;
