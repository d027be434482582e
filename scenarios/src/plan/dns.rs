//! DNS: a `dns_server` endpoint's zone, and the resolver a TCP client uses
//! when its `connect` names a DNS name.
//!
//! Names are compared in their canonical form (lower case, no final dot),
//! as the DNS models compare them.

use std::collections::{BTreeMap, BTreeSet};

use sim_core::{NodeId, SimDuration, Topology};

use super::check::node;
use crate::error::InputError;
use crate::format::{DnsClientSpec, DnsServerSpec, EndpointSpec};
use sim_apps::dns::{ResolverConfig, Zone, canonical, check_name};

/// The DNS names that lead to each node, by node name: the names of every
/// `dns_server` zone's records and of every client's `hosts` table, in
/// canonical form. A TLS server's default certificate carries them, so a
/// client that connects by one of these names finds it on the certificate.
/// The names are taken as written; each is checked where it is declared.
pub(super) fn names_by_node(endpoints: &[EndpointSpec]) -> BTreeMap<&str, BTreeSet<String>> {
    let mut by_node: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for e in endpoints {
        if let Some(d) = &e.dns_server {
            for (name, r) in &d.zone {
                by_node
                    .entry(r.address.as_str())
                    .or_default()
                    .insert(canonical(name));
            }
        }
        if let Some(d) = e.tcp.as_ref().and_then(|t| t.dns.as_ref()) {
            for (name, host) in &d.hosts {
                by_node
                    .entry(host.as_str())
                    .or_default()
                    .insert(canonical(name));
            }
        }
    }
    by_node
}

/// Node `node`'s own name, then the DNS names that lead to it: the names
/// a TLS server's certificate carries when the scenario gives none.
pub(super) fn certificate_names(
    node: &str,
    by_node: &BTreeMap<&str, BTreeSet<String>>,
) -> Vec<String> {
    let mut names = vec![node.to_string()];
    if let Some(dns) = by_node.get(node) {
        names.extend(dns.iter().filter(|n| *n != node).cloned());
    }
    names
}

/// A DNS server's zone.
pub(super) fn dns_zone(
    d: &DnsServerSpec,
    path: &str,
    topology: &Topology,
) -> Result<Zone, InputError> {
    let mut zone = Zone::default();
    for (name, r) in &d.zone {
        let rpath = format!("{path}.zone.{name}");
        check_name(name).map_err(|m| InputError::at(&rpath, m))?;
        let addr = node(topology, &format!("{rpath}.address"), &r.address)?;
        let ttl = match r.ttl {
            None => 300,
            Some(d) => ttl_seconds(d.0, &format!("{rpath}.ttl"))?,
        };
        if zone.records.insert(canonical(name), (addr, ttl)).is_some() {
            return Err(InputError::at(
                rpath,
                "the same name twice (names ignore case and a final dot)",
            ));
        }
    }
    Ok(zone)
}

/// A TTL: whole seconds that fit its 32 bits (RFC 2181 §8: up to 2^31 - 1).
fn ttl_seconds(d: SimDuration, path: &str) -> Result<u32, InputError> {
    let ns = d.as_nanos();
    if !ns.is_multiple_of(1_000_000_000) || ns / 1_000_000_000 > (1 << 31) - 1 {
        return Err(InputError::at(
            path,
            "a TTL is whole seconds, at most 2147483647s",
        ));
    }
    Ok((ns / 1_000_000_000) as u32)
}

/// A client's resolver settings (the client runs on host `at`).
pub(super) fn resolver_config(
    d: &DnsClientSpec,
    path: &str,
    at: NodeId,
    topology: &Topology,
) -> Result<ResolverConfig, InputError> {
    let server = match &d.server {
        None => None,
        Some(s) => {
            let spath = format!("{path}.server");
            let n = node(topology, &spath, s)?;
            if n == at || !topology.reachable(at, n) {
                return Err(InputError::at(
                    spath,
                    format!("{s:?} cannot be reached from here"),
                ));
            }
            Some(n)
        }
    };
    let mut hosts = BTreeMap::new();
    for (name, host) in &d.hosts {
        let hpath = format!("{path}.hosts.{name}");
        check_name(name).map_err(|m| InputError::at(&hpath, m))?;
        hosts.insert(canonical(name), node(topology, &hpath, host)?);
    }
    let timeout = d.timeout.map_or(ResolverConfig::DEFAULT_TIMEOUT, |t| t.0);
    if timeout == SimDuration::ZERO {
        return Err(InputError::at(
            format!("{path}.timeout"),
            "must be longer than 0s",
        ));
    }
    let attempts = d.attempts.unwrap_or(ResolverConfig::DEFAULT_ATTEMPTS);
    if attempts == 0 {
        return Err(InputError::at(
            format!("{path}.attempts"),
            "at least one query is needed",
        ));
    }
    Ok(ResolverConfig {
        server,
        hosts,
        timeout,
        attempts,
    })
}
