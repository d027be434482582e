//! The endpoint every scenario host runs: the echo responder, plus one
//! application chosen by the scenario.
//!
//! A scenario describes each host's application as a [`HostApp`] (plain
//! data: it can be checked and named before anything runs); [`Host::new`]
//! turns it into the running application, one variant of the private
//! `App` enum. `Endpoint<Wire> for Host` then dispatches every input to
//! that one application: one `match` per input, so what each kind does
//! with a packet or a timer is read in one place.

use sim_core::datagram::{DatagramHost, PingJob};
use sim_core::{Context, Endpoint, Field, Kind, NodeId, Packet, Value};

use crate::dns::{DnsServer, Message, Zone};
use crate::flood::{Flood, SynFlood};
use crate::mitm::{Mitm, MitmApp};
use crate::observer::Observer;
use crate::payload::Wire;
use crate::ping;
use crate::tcp::{self, ConnFigures, TcpApp, TcpHost};
use crate::timer::Timer;

pub use crate::tcp::HostAction;

/// What a host runs, as the scenario describes it.
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
    Mitm(Box<MitmApp>),
    /// A passive observer (on a router).
    Observer,
}

impl HostApp {
    /// The names of the metrics a host running this reports (each without
    /// the node's name in front), in the order it reports them; known
    /// without building or running anything.
    pub fn metric_names(&self) -> Vec<String> {
        let job = match self {
            HostApp::Ping(job) => Some(job),
            _ => None,
        };
        let mut names = ping::metric_names(job);
        names.extend(match self {
            HostApp::Echo | HostApp::Ping(_) => Vec::new(),
            HostApp::Tcp(a) => tcp::metric_names(a),
            HostApp::SynFlood(_) => Flood::metric_names(),
            HostApp::DnsServer(_) => DnsServer::metric_names(),
            HostApp::Mitm(_) => Mitm::metric_names(),
            HostApp::Observer => Observer::metric_names(),
        });
        names
    }
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
    DnsServer(DnsServer),
    Mitm(Box<Mitm>),
    Observer(Observer),
}

/// The endpoint on every scenario host.
#[derive(Debug)]
pub struct Host {
    /// Answers echo requests (and runs the ping job).
    echo: DatagramHost,
    app: App,
    /// The scenario's actions for this host, by [`Timer::Action`] index.
    actions: Vec<HostAction>,
}

impl Host {
    /// A host running `app`, with the actions the scenario gives it.
    pub fn new(app: &HostApp, actions: Vec<HostAction>) -> Self {
        let (echo, app) = match app {
            HostApp::Echo => (ping::responder(None), App::Echo),
            HostApp::Ping(job) => (ping::responder(Some(job)), App::Ping),
            HostApp::Tcp(a) => (ping::responder(None), App::Tcp(Box::new(TcpHost::new(a)))),
            HostApp::SynFlood(f) => (ping::responder(None), App::Flood(Flood::new(f))),
            HostApp::DnsServer(z) => (ping::responder(None), App::DnsServer(DnsServer::new(z))),
            HostApp::Mitm(m) => (ping::responder(None), App::Mitm(Box::new(Mitm::new(m)))),
            HostApp::Observer => (ping::responder(None), App::Observer(Observer::default())),
        };
        Host { echo, app, actions }
    }

    /// The figures of its TCP connection ends (at most
    /// [`KEPT_CONNECTIONS`](crate::tcp::KEPT_CONNECTIONS) per TCP
    /// application), each application's in the order they opened.
    pub fn connections(&self) -> Vec<ConnFigures> {
        match &self.app {
            App::Tcp(t) => t.connections(),
            App::Mitm(m) => m.connections(),
            App::Echo | App::Ping | App::Flood(_) | App::DnsServer(_) | App::Observer(_) => {
                Vec::new()
            }
        }
    }

    /// A DNS message: a query for the server, an answer for the resolver.
    fn on_dns(&mut self, cx: &mut Context<'_, Wire>, from: NodeId, m: &Message) {
        match &mut self.app {
            App::DnsServer(s) if s.serves(m) => {
                let reply = s.on_query(m);
                cx.send(from, reply.wire_size(), Wire::Dns(reply));
                return;
            }
            App::Tcp(t) if t.has_resolver() && m.answer.is_some() => {
                return t.on_dns(cx, from, m);
            }
            _ => {}
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
        match &mut self.app {
            App::Tcp(t) => t.start(cx),
            App::Mitm(m) => m.start(cx),
            App::Flood(f) => f.start(cx),
            App::Echo | App::Ping | App::DnsServer(_) | App::Observer(_) => {}
        }
    }

    fn intercepts(&self, packet: &Packet<Wire>) -> bool {
        match &self.app {
            App::Mitm(m) => m.intercepts(packet),
            _ => false,
        }
    }

    fn on_transit(&mut self, cx: &mut Context<'_, Wire>, packet: &Packet<Wire>) {
        if let App::Observer(o) = &mut self.app {
            o.on_transit(cx, packet);
        }
    }

    fn on_packet(&mut self, cx: &mut Context<'_, Wire>, packet: Packet<Wire>) {
        if let App::Mitm(m) = &mut self.app {
            // Everything it gets is a connection it took over, or its own.
            return m.on_packet(cx, &packet);
        }
        match &packet.payload {
            Wire::Echo(_) => self.echo.on_packet(cx, packet),
            Wire::Dns(m) => self.on_dns(cx, packet.src, m),
            Wire::Tcp { seg, bytes, .. } => {
                if let App::Tcp(t) = &mut self.app {
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
        match (&mut self.app, timer) {
            (App::Mitm(m), timer) => m.on_timer(cx, timer),
            (_, Timer::Ping(seq)) => self.echo.on_timer(cx, u64::from(seq)),
            (App::Flood(f), Timer::Flood) => f.on_timer(cx),
            (App::Tcp(t), Timer::Action(i)) => t.on_action(cx, self.actions.get(i).copied()),
            (App::Tcp(t), Timer::Tcp(_, t2)) => t.on_timer(cx, t2),
            _ => {}
        }
    }

    fn metrics(&self) -> Vec<(String, Value)> {
        let mut m = ping::metrics(&self.echo);
        m.extend(match &self.app {
            App::Echo | App::Ping => Vec::new(),
            App::Tcp(t) => t.metrics(),
            App::Flood(f) => f.metrics(),
            App::DnsServer(s) => s.metrics(),
            App::Mitm(mitm) => mitm.metrics(),
            App::Observer(o) => o.metrics(),
        });
        m
    }
}

#[cfg(test)]
mod tests;
