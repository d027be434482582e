//! DNS: a `dns_server` endpoint's zone, and the resolver a TCP client uses
//! when its `connect` names a DNS name.
//!
//! Names are compared in their canonical form (lower case, no final dot),
//! as the DNS models compare them.

use std::collections::{BTreeMap, BTreeSet};

use sim_core::{NodeId, SimDuration, Topology};

use super::check::node;
use crate::error::InputError;
use crate::format::{DnsClientSpec, DnsResolverSpec, DnsServerSpec, EndpointSpec};
use sim_apps::dns::recursive::RecursiveConfig;
use sim_apps::dns::{Delegation, ResolverConfig, Soa, Zone, canonical, check_name, in_zone};

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
                if let Some(a) = &r.address {
                    by_node
                        .entry(a.as_str())
                        .or_default()
                        .insert(canonical(name));
                }
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
    if let Some(o) = &d.origin {
        let opath = format!("{path}.origin");
        if o != "." {
            check_name(o).map_err(|m| InputError::at(&opath, m))?;
        }
        zone.origin = Some(canonical(o.strip_suffix('.').unwrap_or(o)));
    }
    let origin = zone.origin.clone();
    let needs_origin = |what: &str, at: String| -> Result<(), InputError> {
        if origin.is_none() {
            return Err(InputError::at(
                at,
                format!("{what} needs the zone's \"origin\""),
            ));
        }
        Ok(())
    };
    for (name, r) in &d.zone {
        let rpath = format!("{path}.zone.{name}");
        check_name(name).map_err(|m| InputError::at(&rpath, m))?;
        let key = canonical(name);
        if let Some(o) = &origin
            && !in_zone(&key, o)
        {
            return Err(InputError::at(
                rpath,
                format!("not in the zone's origin {o:?}"),
            ));
        }
        let ttl = match r.ttl {
            None => 300,
            Some(d) => ttl_seconds(d.0, &format!("{rpath}.ttl"))?,
        };
        let fresh = match (&r.address, &r.cname) {
            (Some(a), None) => {
                let addr = node(topology, &format!("{rpath}.address"), a)?;
                !zone.cnames.contains_key(&key) && zone.records.insert(key, (addr, ttl)).is_none()
            }
            (None, Some(c)) => {
                let cpath = format!("{rpath}.cname");
                needs_origin("a \"cname\"", cpath.clone())?;
                check_name(c).map_err(|m| InputError::at(&cpath, m))?;
                !zone.records.contains_key(&key)
                    && zone.cnames.insert(key, (canonical(c), ttl)).is_none()
            }
            _ => {
                return Err(InputError::at(
                    rpath,
                    "give exactly one of \"address\" and \"cname\"",
                ));
            }
        };
        if !fresh {
            return Err(InputError::at(
                rpath,
                "the same name twice (names ignore case and a final dot)",
            ));
        }
    }
    if let Some(soa) = &d.soa {
        needs_origin("\"soa\"", format!("{path}.soa"))?;
        let ttl = soa
            .ttl
            .map_or(Ok(3600), |t| ttl_seconds(t.0, &format!("{path}.soa.ttl")))?;
        let minimum = soa.minimum.map_or(Ok(300), |t| {
            ttl_seconds(t.0, &format!("{path}.soa.minimum"))
        })?;
        zone.soa = Some((default_soa(origin.as_deref().unwrap_or(""), minimum), ttl));
    } else if let Some(o) = &origin {
        zone.soa = Some((default_soa(o, 300), 3600));
    }
    for (cut, dl) in &d.delegations {
        let dpath = format!("{path}.delegations.{cut}");
        needs_origin("a delegation", dpath.clone())?;
        check_name(cut).map_err(|m| InputError::at(&dpath, m))?;
        let key = canonical(cut);
        let o = origin.as_deref().unwrap_or("");
        if key == o || !in_zone(&key, o) {
            return Err(InputError::at(
                dpath,
                format!("a delegation is strictly below the origin {o:?}"),
            ));
        }
        if dl.ns.is_empty() {
            return Err(InputError::at(
                format!("{dpath}.ns"),
                "at least one name server",
            ));
        }
        let mut servers = Vec::new();
        for (ns, at) in &dl.ns {
            let npath = format!("{dpath}.ns.{ns}");
            check_name(ns).map_err(|m| InputError::at(&npath, m))?;
            servers.push((canonical(ns), node(topology, &npath, at)?));
        }
        let ttl = dl
            .ttl
            .map_or(Ok(172_800), |t| ttl_seconds(t.0, &format!("{dpath}.ttl")))?;
        zone.delegations.insert(key, Delegation { servers, ttl });
    }
    Ok(zone)
}

/// The SOA the model writes for `origin`: `ns.<origin>` as primary,
/// `hostmaster.<origin>` as mailbox, serial 1 and BIND's example timers;
/// only MINIMUM (and the record's TTL) changes what resolvers do.
fn default_soa(origin: &str, minimum: u32) -> Soa {
    let under = |l: &str| {
        if origin.is_empty() {
            l.to_string()
        } else {
            format!("{l}.{origin}")
        }
    };
    Soa {
        mname: under("ns"),
        rname: under("hostmaster"),
        serial: 1,
        refresh: 3600,
        retry: 600,
        expire: 86_400,
        minimum,
    }
}

/// A recursive resolver's settings.
pub(super) fn recursive_config(
    d: &DnsResolverSpec,
    path: &str,
    at: NodeId,
    topology: &Topology,
) -> Result<RecursiveConfig, InputError> {
    if d.roots.is_empty() {
        return Err(InputError::at(
            format!("{path}.roots"),
            "at least one root server",
        ));
    }
    let mut roots = Vec::new();
    for (name, n) in &d.roots {
        let rpath = format!("{path}.roots.{name}");
        check_name(name).map_err(|m| InputError::at(&rpath, m))?;
        let node = node(topology, &rpath, n)?;
        if node == at || !topology.reachable(at, node) {
            return Err(InputError::at(
                rpath,
                format!("{n:?} cannot be reached from here"),
            ));
        }
        roots.push((canonical(name), node));
    }
    let cache_size = d
        .cache_size
        .unwrap_or(RecursiveConfig::DEFAULT_CACHE_SIZE as u64);
    if cache_size > 1 << 24 {
        return Err(InputError::at(
            format!("{path}.cache_size"),
            "at most 16777216 entries",
        ));
    }
    let max_depth = d.max_depth.unwrap_or(RecursiveConfig::DEFAULT_MAX_DEPTH);
    if max_depth > 64 {
        return Err(InputError::at(format!("{path}.max_depth"), "at most 64"));
    }
    let timeout = d.timeout.map_or(RecursiveConfig::DEFAULT_TIMEOUT, |t| t.0);
    if timeout == SimDuration::ZERO {
        return Err(InputError::at(
            format!("{path}.timeout"),
            "must be longer than 0s",
        ));
    }
    let attempts = d.attempts.unwrap_or(RecursiveConfig::DEFAULT_ATTEMPTS);
    if attempts == 0 || attempts > 100 {
        return Err(InputError::at(
            format!("{path}.attempts"),
            "from 1 to 100 queries per server",
        ));
    }
    Ok(RecursiveConfig {
        roots,
        cache_size: cache_size as usize,
        max_depth,
        timeout,
        attempts,
    })
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
