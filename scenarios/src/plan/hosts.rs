//! The `endpoints` section: which application each host runs.
//!
//! A host with no endpoint answers echo requests. Each endpoint names one
//! application, and this file only dispatches: each kind is checked in its
//! own file. What links endpoints to one another (a resolver's server must
//! run a DNS server) is checked once every host is known.

use std::collections::{BTreeMap, BTreeSet};

use sim_core::{NodeId, NodeKind, Topology};

use super::check::{exactly_one, given};
use super::topology::{names, unknown_node};
use super::{dns, flood, mitm, ping, tcp};
use crate::error::InputError;
use crate::format::EndpointSpec;
use sim_apps::host::HostApp;

/// What each host runs, in node order.
pub(super) fn hosts(
    endpoints: &[EndpointSpec],
    topology: &Topology,
) -> Result<Vec<(NodeId, HostApp)>, InputError> {
    // Hosts answer echo unless given something else to run.
    let mut apps: Vec<Option<HostApp>> = topology
        .nodes()
        .iter()
        .map(|n| (n.kind == NodeKind::Host).then_some(HostApp::Echo))
        .collect();
    let mut configured = vec![false; apps.len()];
    let dns_names = dns::names_by_node(endpoints);
    for (i, e) in endpoints.iter().enumerate() {
        let path = format!("endpoints[{i}]");
        let at = endpoint_node(e, &path, topology)?;
        if std::mem::replace(&mut configured[at.index()], true) {
            return Err(InputError::at(
                format!("{path}.node"),
                format!(
                    "{:?} already has an endpoint; one application per host",
                    e.node
                ),
            ));
        }
        apps[at.index()] = Some(application(e, &path, at, topology, &dns_names)?);
    }
    let hosts: Vec<(NodeId, HostApp)> = apps
        .into_iter()
        .enumerate()
        .filter_map(|(i, a)| a.map(|a| (NodeId(i as u32), a)))
        .collect();
    check_resolver_servers(endpoints, topology, &hosts)?;
    Ok(hosts)
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
            ("\"dns_server\"", given(&e.dns_server)),
            ("\"mitm\"", given(&e.mitm)),
            ("\"observer\"", given(&e.observer)),
        ],
    )?;
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
    hosts: &[(NodeId, HostApp)],
) -> Result<(), InputError> {
    for (i, e) in endpoints.iter().enumerate() {
        let Some(server) = e.tcp.as_ref().and_then(|t| t.dns.as_ref()?.server.as_ref()) else {
            continue;
        };
        // `hosts` is in node order: a binary search, not a scan per client.
        let runs_dns = topology.node(server).is_some_and(|n| {
            hosts
                .binary_search_by_key(&n, |(h, _)| *h)
                .is_ok_and(|k| matches!(hosts[k].1, HostApp::DnsServer(_)))
        });
        if !runs_dns {
            return Err(InputError::at(
                format!("endpoints[{i}].tcp.dns.server"),
                format!("{server:?} runs no \"dns_server\""),
            ));
        }
    }
    Ok(())
}
