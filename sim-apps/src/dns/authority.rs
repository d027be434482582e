//! How an authoritative server with an `origin` answers (RFC 1034 §4.3.2,
//! the server's algorithm, for one zone and QTYPE A):
//!
//! 1. a name outside the zone: REFUSED (the server is no authority for it
//!    and offers no recursion);
//! 2. a name at or below a delegation: a referral, not authoritative, the
//!    child's NS records in the authority section and their glue A
//!    records in the additional section (step 3b);
//! 3. an A record: the answer, authoritative (step 3a);
//! 4. a CNAME: the alias, then the chain through this zone's own records,
//!    as far as it goes (step 3a: "restart the lookup at the target");
//! 5. nothing: NXDOMAIN, authoritative, with the zone's SOA in the
//!    authority section so resolvers can cache the answer (RFC 2308 §3).

use super::wire::{RData, Rcode, Record, Reply};
use super::{Zone, in_zone};

/// The reply of `zone`'s server to an A query for `qname` (canonical).
pub fn answer(zone: &Zone, qname: &str) -> Reply {
    let origin = zone.origin.as_deref().unwrap_or("");
    if !in_zone(qname, origin) {
        return Reply::empty(Rcode::Refused);
    }
    let mut reply = Reply::empty(Rcode::NoError);
    let mut name = qname.to_string();
    // Each step moves along one CNAME: a chain within the zone has at most
    // as many steps as the zone has aliases, so a loop ends.
    for _ in 0..=zone.cnames.len() {
        if let Some(cut) = delegation_of(zone, &name) {
            if reply.answers.is_empty() {
                let d = &zone.delegations[cut];
                for (ns, addr) in &d.servers {
                    reply.authority.push(Record {
                        name: cut.to_string(),
                        ttl: d.ttl,
                        data: RData::Ns(ns.clone()),
                    });
                    reply.additional.push(Record {
                        name: ns.clone(),
                        ttl: d.ttl,
                        data: RData::A(*addr),
                    });
                }
            }
            // A chain that leaves into a child zone ends here: the
            // resolver follows it from the target (RFC 1034 §4.3.2 3a).
            return reply;
        }
        reply.authoritative = true;
        if let Some(&(addr, ttl)) = zone.records.get(&name) {
            reply.answers.push(Record {
                name,
                ttl,
                data: RData::A(addr),
            });
            return reply;
        }
        match zone.cnames.get(&name) {
            Some((target, ttl)) => {
                reply.answers.push(Record {
                    name,
                    ttl: *ttl,
                    data: RData::Cname(target.clone()),
                });
                if !in_zone(target, origin) {
                    return reply;
                }
                name = target.clone();
            }
            None => {
                // RFC 2308 §2.1: after a CNAME chain, NXDOMAIN is about
                // the chain's last name.
                reply.rcode = Rcode::NxDomain;
                if let Some((soa, ttl)) = &zone.soa {
                    reply.authority.push(Record {
                        name: origin.to_string(),
                        ttl: *ttl,
                        data: RData::Soa(soa.clone()),
                    });
                }
                return reply;
            }
        }
    }
    reply
}

/// The delegation `name` falls under, if any: the longest delegated apex
/// that `name` is at or below (never the zone's own origin).
fn delegation_of<'z>(zone: &'z Zone, name: &str) -> Option<&'z str> {
    zone.delegations
        .keys()
        .filter(|cut| in_zone(name, cut))
        .max_by_key(|cut| cut.len())
        .map(String::as_str)
}
