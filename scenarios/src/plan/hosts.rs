//! The `endpoints` section: which application each host runs.
//!
//! A host with no endpoint answers echo requests. Each endpoint names one
//! application, and a host may have several (each with its own name and
//! ports); this file checks how they sit together and dispatches: each
//! kind is checked in its own file. What links endpoints to one another (a resolver's server must
//! run a DNS server) is checked once every host is known.

use std::collections::{BTreeMap, BTreeSet};

use sim_core::{NodeId, NodeKind, Topology};

use super::check::{exactly_one, given};
use super::topology::{names, unknown_node};
use super::{dns, flood, mitm, ping, tcp, udp};
use crate::error::InputError;
use crate::format::EndpointSpec;
use sim_apps::host::{HostApp, NamedApp};

/// What each host runs, in node order: its applications in file order
/// (none: it answers echo requests only).
pub(super) fn hosts(
    endpoints: &[EndpointSpec],
    topology: &Topology,
) -> Result<Vec<(NodeId, Vec<NamedApp>)>, InputError> {
    // Each node's endpoints, by index into `endpoints`.
    let mut mine: Vec<Vec<usize>> = vec![Vec::new(); topology.nodes().len()];
    let dns_names = dns::names_by_node(endpoints);
    let mut apps: Vec<Vec<NamedApp>> = vec![Vec::new(); topology.nodes().len()];
    // What each host's applications so far have taken (names, the ping,
    // port 53, metric names), so that adding one costs its own, not a
    // pass over the host's others: a flow group can put thousands on one
    // host.
    let mut taken: BTreeMap<usize, Taken> = BTreeMap::new();
    for (i, e) in endpoints.iter().enumerate() {
        let path = format!("endpoints[{i}]");
        let at = endpoint_node(e, &path, topology)?;
        if let Some(name) = &e.name {
            check_name(name, &format!("{path}.name"))?;
        }
        let app = application(e, &path, at, topology, &dns_names)?;
        let named = NamedApp {
            name: e.name.clone(),
            app,
        };
        beside(
            &named,
            i,
            &mine[at.index()],
            endpoints,
            &apps[at.index()],
            taken.entry(at.index()).or_default(),
            topology,
        )?;
        mine[at.index()].push(i);
        apps[at.index()].push(named);
    }
    for (node, idx) in mine.iter().enumerate() {
        if idx.len() > 1 {
            check_ports(&apps[node], idx, endpoints)?;
        }
        udp_ports(&mut apps[node], idx, endpoints)?;
    }
    let hosts: Vec<(NodeId, Vec<NamedApp>)> = apps
        .into_iter()
        .enumerate()
        .filter(|(i, _)| topology.nodes()[*i].kind == NodeKind::Host || !mine[*i].is_empty())
        .map(|(i, a)| (NodeId(i as u32), a))
        .collect();
    check_resolver_servers(endpoints, topology, &hosts)?;
    Ok(hosts)
}

/// Whether a host's applications include one that runs TCP.
pub(super) fn runs_tcp(apps: &[NamedApp]) -> bool {
    apps.iter().any(|a| matches!(a.app, HostApp::Tcp(_)))
}

/// An application's name: letters, digits, `_` and `-` (it becomes part of
/// metric names, which `.` separates), and not `echo` (the responder every
/// host runs).
pub(crate) fn check_name(name: &str, path: &str) -> Result<(), InputError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        return Err(InputError::at(
            path,
            format!("{name:?} is not an application name: 1 to 64 letters, digits, '_' or '-'"),
        ));
    }
    if name == "echo" {
        return Err(InputError::at(
            path,
            "\"echo\" is the responder every host runs; choose another name",
        ));
    }
    Ok(())
}

/// What a host's applications have taken, each with the endpoint that
/// took it.
#[derive(Default)]
struct Taken {
    /// Each application's name (its kind when it has none).
    labels: BTreeMap<String, usize>,
    /// The host's ping.
    ping: Option<usize>,
    /// The host's DNS server.
    dns: Option<usize>,
    /// Every metric name the host reports: the echo responder's, then
    /// each application's own.
    metrics: BTreeSet<String>,
}

/// Endpoint `i` may join the applications a node already has (`before`,
/// endpoints `idx`, what they took in `taken`): an on-path model runs
/// alone on its router, names are unique on a host, a host pings once and
/// serves DNS once, and no two applications report a metric of the same
/// name. If it may, `taken` takes what it holds too.
fn beside(
    new: &NamedApp,
    i: usize,
    idx: &[usize],
    endpoints: &[EndpointSpec],
    before: &[NamedApp],
    taken: &mut Taken,
    topology: &Topology,
) -> Result<(), InputError> {
    let path = format!("endpoints[{i}]");
    let node = &endpoints[i].node;
    if let Some(&first) = idx.first()
        && (matches!(new.app, HostApp::Mitm(_) | HostApp::Observer)
            || matches!(before[0].app, HostApp::Mitm(_) | HostApp::Observer))
    {
        return Err(InputError::at(
            format!("{path}.node"),
            format!(
                "router {node:?} already has an endpoint (endpoints[{first}]); an on-path model runs alone on its router"
            ),
        ));
    }
    // The earliest endpoint the new one clashes with decides the message;
    // at one endpoint, a name before a kind.
    let label = taken.labels.get(new.label()).copied();
    let kind = match new.app {
        HostApp::Ping(_) => taken.ping,
        HostApp::DnsServer(_) | HostApp::DnsResolver(_) => taken.dns,
        _ => None,
    };
    match (label, kind) {
        (Some(j), k) if k.is_none_or(|k| j <= k) => {
            let why = match &new.name {
                Some(n) => format!(
                    "host {node:?} already has an application named {n:?} (endpoints[{j}]); give each application on a host its own \"name\""
                ),
                None => format!(
                    "host {node:?} already runs a {:?} application (endpoints[{j}]); give each application on a host its own \"name\"",
                    new.app.kind()
                ),
            };
            let at = if new.name.is_some() {
                format!("{path}.name")
            } else {
                path.clone()
            };
            return Err(InputError::at(at, why));
        }
        (_, Some(j)) if matches!(new.app, HostApp::Ping(_)) => {
            return Err(InputError::at(
                format!("{path}.ping"),
                format!("host {node:?} already pings (endpoints[{j}]); one ping per host"),
            ));
        }
        (_, Some(j)) => {
            let field = if matches!(new.app, HostApp::DnsResolver(_)) {
                "dns_resolver"
            } else {
                "dns_server"
            };
            return Err(InputError::at(
                format!("{path}.{field}"),
                format!(
                    "host {node:?} already serves DNS on port 53 (endpoints[{j}]); two applications on one port"
                ),
            ));
        }
        _ => {}
    }
    if taken.metrics.is_empty() {
        taken.metrics.extend(sim_apps::host::metric_names(&[]));
    }
    let base = sim_apps::host::metric_names(&[]).len();
    let own = sim_apps::host::metric_names(std::slice::from_ref(new));
    for m in own.into_iter().skip(base) {
        if taken.metrics.contains(&m) {
            return Err(InputError::at(
                format!("{path}.name"),
                format!(
                    "the metric {:?} would be reported by two applications of host {node:?}; choose another \"name\"",
                    format!(
                        "{}.{m}",
                        topology.name(topology.node(node).expect("checked"))
                    )
                ),
            ));
        }
        taken.metrics.insert(m);
    }
    taken.labels.insert(new.label().to_string(), i);
    match new.app {
        HostApp::Ping(_) => taken.ping = Some(i),
        HostApp::DnsServer(_) | HostApp::DnsResolver(_) => taken.dns = Some(i),
        _ => {}
    }
    Ok(())
}

/// The TCP ports of a host with several applications: no two listen on one
/// port or fix one local port, and where a client lets its ports be picked
/// from the ephemeral range (49152 to 65535), none listens there.
fn check_ports(
    apps: &[NamedApp],
    idx: &[usize],
    endpoints: &[EndpointSpec],
) -> Result<(), InputError> {
    use sim_apps::tcp::Role;
    let mut taken: BTreeMap<u16, usize> = BTreeMap::new();
    let picks = apps.iter().any(|a| {
        matches!(
            &a.app,
            HostApp::Tcp(t) if matches!(t.role, Role::Connect { local_port: None, .. })
        )
    });
    for (&i, a) in idx.iter().zip(apps) {
        let HostApp::Tcp(t) = &a.app else {
            continue;
        };
        let (port, field) = match t.role {
            Role::Listen { port, .. } => (port, "listen"),
            Role::Connect {
                local_port: Some(p),
                ..
            } => (p, "local_port"),
            _ => continue,
        };
        let path = format!("endpoints[{i}].tcp.{field}");
        if let Some(j) = taken.insert(port, i) {
            return Err(InputError::at(
                path,
                format!(
                    "port {port} is already endpoints[{j}]'s on host {:?}; two applications on one port",
                    endpoints[i].node
                ),
            ));
        }
        if picks && port >= 49_152 && apps.len() > 1 {
            return Err(InputError::at(
                path,
                format!(
                    "port {port} is in the ephemeral range (49152 to 65535) that host {:?}'s clients pick their ports from; choose a port below 49152",
                    endpoints[i].node
                ),
            ));
        }
    }
    Ok(())
}

/// The UDP ports of a host: no two of its applications use one (a sink's
/// `listen`, a sender's `local_port`, a DNS server's 53: RFC 768
/// demultiplexes by port alone); then each sender without a `local_port`
/// gets the first port from 49152 (RFC 6335 §6's ephemeral range) that
/// none uses, in file order.
fn udp_ports(
    apps: &mut [NamedApp],
    idx: &[usize],
    endpoints: &[EndpointSpec],
) -> Result<(), InputError> {
    use sim_apps::udp::UdpApp;
    let mut taken: BTreeMap<u16, usize> = BTreeMap::new();
    for (&i, a) in idx.iter().zip(apps.iter()) {
        let (port, field) = match &a.app {
            HostApp::Udp(UdpApp::Sink(s)) => (s.port, "udp.listen"),
            HostApp::Udp(UdpApp::Send(s)) if s.local_port != 0 => (s.local_port, "udp.local_port"),
            HostApp::DnsServer(_) => (sim_apps::dns::PORT, "dns_server"),
            HostApp::DnsResolver(_) => (sim_apps::dns::PORT, "dns_resolver"),
            _ => continue,
        };
        if let Some(j) = taken.insert(port, i) {
            return Err(InputError::at(
                format!("endpoints[{i}].{field}"),
                format!(
                    "UDP port {port} is already endpoints[{j}]'s on host {:?}; two applications on one port",
                    endpoints[i].node
                ),
            ));
        }
    }
    let mut next = 49_152u16;
    for a in apps.iter_mut() {
        if let HostApp::Udp(UdpApp::Send(s)) = &mut a.app
            && s.local_port == 0
        {
            while taken.contains_key(&next) {
                next += 1;
            }
            s.local_port = next;
            taken.insert(next, usize::MAX);
        }
    }
    Ok(())
}

/// The endpoint's node: a host, or a router for the on-path models.
fn endpoint_node(e: &EndpointSpec, path: &str, topology: &Topology) -> Result<NodeId, InputError> {
    let at = topology.node(&e.node).ok_or_else(|| {
        InputError::at(
            format!("{path}.node"),
            unknown_node(&e.node, names(topology)),
        )
    })?;
    let router = topology.nodes()[at.index()].kind == NodeKind::Router;
    let on_path = e.mitm.is_some() || e.observer.is_some();
    if router != on_path {
        let why = if router {
            format!(
                "{:?} is a router; endpoints run on hosts (only \"mitm\" and \"observer\" sit on a router)",
                e.node
            )
        } else {
            format!(
                "{:?} is a host; \"mitm\" and \"observer\" sit on a router, where traffic passes",
                e.node
            )
        };
        return Err(InputError::at(format!("{path}.node"), why));
    }
    Ok(at)
}

/// The one application an endpoint names, checked (`dns_names`: the DNS
/// names that lead to each node, for default certificates).
fn application(
    e: &EndpointSpec,
    path: &str,
    at: NodeId,
    topology: &Topology,
    dns_names: &BTreeMap<&str, BTreeSet<String>>,
) -> Result<HostApp, InputError> {
    exactly_one(
        path,
        "give exactly one application:",
        &[
            ("\"ping\"", given(&e.ping)),
            ("\"tcp\"", given(&e.tcp)),
            ("\"syn_flood\"", given(&e.syn_flood)),
            ("\"udp\"", given(&e.udp)),
            ("\"dns_server\"", given(&e.dns_server)),
            ("\"dns_resolver\"", given(&e.dns_resolver)),
            ("\"mitm\"", given(&e.mitm)),
            ("\"observer\"", given(&e.observer)),
        ],
    )?;
    if let Some(u) = &e.udp {
        return udp::udp_app(u, &format!("{path}.udp"), at, &e.node, topology);
    }
    if let Some(r) = &e.dns_resolver {
        let cfg = dns::recursive_config(r, &format!("{path}.dns_resolver"), at, topology)?;
        return Ok(HostApp::DnsResolver(std::sync::Arc::new(cfg)));
    }
    let app = match (&e.ping, &e.tcp, &e.syn_flood, &e.dns_server, &e.mitm) {
        (Some(p), ..) => ping::ping_app(p, &format!("{path}.ping"), at, &e.node, topology)?,
        (_, Some(t), ..) => HostApp::Tcp(tcp::tcp_app(
            t,
            &format!("{path}.tcp"),
            at,
            &e.node,
            topology,
            &dns::certificate_names(&e.node, dns_names),
        )?),
        (_, _, Some(f), ..) => flood::flood_app(f, &format!("{path}.syn_flood"), at, topology)?,
        (_, _, _, Some(d), _) => {
            HostApp::DnsServer(dns::dns_zone(d, &format!("{path}.dns_server"), topology)?)
        }
        (_, _, _, _, Some(m)) => HostApp::Mitm(Box::new(mitm::mitm_app(
            m,
            &format!("{path}.mitm"),
            &e.node,
            topology,
            dns_names,
        )?)),
        (None, None, None, None, None) => HostApp::Observer,
    };
    Ok(app)
}

/// A resolver's server must run a DNS server.
fn check_resolver_servers(
    endpoints: &[EndpointSpec],
    topology: &Topology,
    hosts: &[(NodeId, Vec<NamedApp>)],
) -> Result<(), InputError> {
    for (i, e) in endpoints.iter().enumerate() {
        let Some(server) = e.tcp.as_ref().and_then(|t| t.dns.as_ref()?.server.as_ref()) else {
            continue;
        };
        // `hosts` is in node order: a binary search, not a scan per client.
        let runs_dns = topology.node(server).is_some_and(|n| {
            hosts.binary_search_by_key(&n, |(h, _)| *h).is_ok_and(|k| {
                hosts[k]
                    .1
                    .iter()
                    .any(|a| matches!(a.app, HostApp::DnsServer(_) | HostApp::DnsResolver(_)))
            })
        });
        if !runs_dns {
            return Err(InputError::at(
                format!("endpoints[{i}].tcp.dns.server"),
                format!("{server:?} runs no \"dns_server\" or \"dns_resolver\""),
            ));
        }
    }
    Ok(())
}
