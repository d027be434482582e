//! The recursive resolver step by step, against authorities answering
//! from real zones ([`authority::answer`] through [`serve`]), every
//! response handed over as its wire bytes.

use std::collections::BTreeMap;

use super::*;
use crate::dns::{Delegation, Zone, serve};

const CLIENT: NodeId = NodeId(0);
const ROOT: NodeId = NodeId(10);
const TLD: NodeId = NodeId(11);
const AUTH: NodeId = NodeId(12);
const CDN: NodeId = NodeId(13);
const WWW: NodeId = NodeId(20);

fn at(s: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(s)
}

fn soa(minimum: u32) -> Soa {
    Soa {
        mname: "ns".into(),
        rname: "hostmaster".into(),
        serial: 1,
        refresh: 3600,
        retry: 600,
        expire: 86_400,
        minimum,
    }
}

fn zone(origin: &str) -> Zone {
    Zone {
        origin: Some(origin.into()),
        soa: Some((soa(300), 3600)),
        ..Zone::default()
    }
}

fn delegate(z: &mut Zone, cut: &str, ns: &str, addr: NodeId) {
    z.delegations.insert(
        cut.into(),
        Delegation {
            servers: vec![(ns.into(), addr)],
            ttl: 172_800,
        },
    );
}

/// Root -> com -> example.com and cdn.com: www.example.com is a CNAME
/// (TTL 300) to edge.cdn.com, an A record with TTL 30.
fn internet() -> BTreeMap<NodeId, Zone> {
    let mut root = zone("");
    delegate(&mut root, "com", "a.gtld-servers.net", TLD);
    let mut com = zone("com");
    delegate(&mut com, "example.com", "ns1.example.com", AUTH);
    delegate(&mut com, "cdn.com", "ns1.cdn.com", CDN);
    let mut example = zone("example.com");
    example
        .cnames
        .insert("www.example.com".into(), ("edge.cdn.com".into(), 300));
    example.soa = Some((soa(15), 60));
    let mut cdn = zone("cdn.com");
    cdn.records.insert("edge.cdn.com".into(), (WWW, 30));
    BTreeMap::from([(ROOT, root), (TLD, com), (AUTH, example), (CDN, cdn)])
}

fn config() -> RecursiveConfig {
    RecursiveConfig {
        roots: vec![("a.root-servers.net".into(), ROOT)],
        cache_size: 100,
        max_depth: 16,
        timeout: SimDuration::from_secs(1),
        attempts: 2,
    }
}

fn resolver(cfg: RecursiveConfig) -> Recursive {
    Recursive::new(Arc::new(cfg), RngStream::derive(3, "recursive"))
}

fn stub_query(name: &str, id: u16) -> Message {
    Message {
        id,
        src_port: 40_000,
        dst_port: PORT,
        name: Arc::from(name),
        recursion_desired: true,
        answer: None,
    }
}

/// Delivers every upstream query to its server, at `now`, until the
/// resolver answers the stub: the stub's answer, and the servers asked in
/// order.
fn drive(
    r: &mut Recursive,
    net: &BTreeMap<NodeId, Zone>,
    now: SimTime,
) -> (Option<Message>, Vec<NodeId>) {
    let mut asked = Vec::new();
    for _ in 0..100 {
        let Some(t) = r.poll_transmit() else {
            return (None, asked);
        };
        if t.to == CLIENT {
            return (Some(t.msg), asked);
        }
        assert!(
            !t.msg.recursion_desired,
            "iterative queries ask no recursion"
        );
        asked.push(t.to);
        let reply = serve(&net[&t.to], &t.msg);
        r.handle_response(now, t.to, reply.dst_port, &reply.encode());
    }
    panic!("no end");
}

fn reply_of(m: &Message) -> &Reply {
    match &m.answer {
        Some(Answer::Reply(r)) => r,
        other => panic!("{other:?}"),
    }
}

fn events(r: &mut Recursive) -> Vec<Step> {
    std::iter::from_fn(|| r.poll_event()).collect()
}

#[test]
fn a_cold_lookup_walks_the_referrals_and_follows_the_cname() {
    let net = internet();
    let mut r = resolver(config());
    r.handle_query(at(0), CLIENT, &stub_query("WWW.example.com", 7));
    let (answer, asked) = drive(&mut r, &net, at(0));
    // Root, com, example.com; then the CNAME's target from the cached com
    // servers: com again, then cdn.com.
    assert_eq!(asked, [ROOT, TLD, AUTH, TLD, CDN]);
    let m = answer.unwrap();
    assert_eq!((m.id, m.dst_port), (7, 40_000));
    let rep = reply_of(&m);
    assert_eq!(rep.rcode, Rcode::NoError);
    assert!(rep.recursion_available && !rep.authoritative);
    assert_eq!(rep.address_of("www.example.com"), Some((WWW, 30)));
    assert_eq!(rep.answers.len(), 2, "the CNAME then the address");
    let steps = events(&mut r);
    let referrals: Vec<_> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Referral { zone, server, .. } => Some((zone.as_str(), *server)),
            _ => None,
        })
        .collect();
    assert_eq!(
        referrals,
        [("com", TLD), ("example.com", AUTH), ("cdn.com", CDN)]
    );
    assert_eq!(r.stats().upstream_queries, 5);
    assert_eq!(r.stats().cnames, 1);
}

#[test]
fn the_cache_answers_within_the_ttl_and_asks_again_after() {
    let net = internet();
    let mut r = resolver(config());
    r.handle_query(at(0), CLIENT, &stub_query("www.example.com", 1));
    drive(&mut r, &net, at(0));
    events(&mut r);
    // 10 s later: both records from the cache, their TTLs counted down.
    r.handle_query(at(10), CLIENT, &stub_query("www.example.com", 2));
    let (answer, asked) = drive(&mut r, &net, at(10));
    assert!(asked.is_empty(), "no upstream query");
    let rep = reply_of(answer.as_ref().unwrap()).clone();
    assert_eq!(rep.answers[0].ttl, 290);
    assert_eq!(rep.answers[1].ttl, 20);
    assert!(matches!(
        events(&mut r)[..],
        [Step::CacheCname { .. }, Step::CacheHit { addr: WWW, .. }]
    ));
    // At 30 s the address has expired (RFC 1035 §3.2.1: used while younger
    // than its TTL), the alias has not: one query, to the cached cdn.com
    // servers.
    r.handle_query(at(30), CLIENT, &stub_query("www.example.com", 3));
    let (answer, asked) = drive(&mut r, &net, at(30));
    assert_eq!(asked, [CDN]);
    assert_eq!(
        reply_of(answer.as_ref().unwrap()).address_of("www.example.com"),
        Some((WWW, 30))
    );
    assert_eq!(r.stats().cache_hits, 1);
    assert_eq!(r.stats().cache_misses, 3);
}

#[test]
fn nxdomain_is_cached_for_the_lesser_of_soa_ttl_and_minimum() {
    let mut net = internet();
    let mut r = resolver(config());
    r.handle_query(at(0), CLIENT, &stub_query("nope.example.com", 1));
    let (answer, asked) = drive(&mut r, &net, at(0));
    assert_eq!(asked, [ROOT, TLD, AUTH]);
    let rep = reply_of(answer.as_ref().unwrap()).clone();
    assert_eq!(rep.rcode, Rcode::NxDomain);
    // RFC 2308 §5: min(SOA TTL 60, MINIMUM 15).
    assert_eq!(rep.authority[0].ttl, 15);
    assert_eq!(rep.authority[0].name, "example.com");
    r.handle_query(at(14), CLIENT, &stub_query("nope.example.com", 2));
    let (answer, asked) = drive(&mut r, &net, at(14));
    assert!(asked.is_empty());
    let rep = reply_of(answer.as_ref().unwrap()).clone();
    assert_eq!((rep.rcode, rep.authority[0].ttl), (Rcode::NxDomain, 1));
    assert_eq!(r.stats().negative_cache_hits, 1);
    r.handle_query(at(15), CLIENT, &stub_query("nope.example.com", 3));
    assert_eq!(drive(&mut r, &net, at(15)).1, [AUTH], "expired at 15 s");
    // With the SOA's own TTL the smaller, it decides.
    net.get_mut(&AUTH).unwrap().soa = Some((soa(600), 5));
    let mut r = resolver(config());
    r.handle_query(at(0), CLIENT, &stub_query("nope.example.com", 1));
    let rep = reply_of(drive(&mut r, &net, at(0)).0.as_ref().unwrap()).clone();
    assert_eq!(rep.authority[0].ttl, 5);
    // Without an SOA nothing is cached (RFC 2308 §5).
    net.get_mut(&AUTH).unwrap().soa = None;
    let mut r = resolver(config());
    r.handle_query(at(0), CLIENT, &stub_query("nope.example.com", 1));
    drive(&mut r, &net, at(0));
    r.handle_query(at(1), CLIENT, &stub_query("nope.example.com", 2));
    assert_eq!(drive(&mut r, &net, at(1)).1, [AUTH]);
}

fn servfail(r: &mut Recursive, net: &BTreeMap<NodeId, Zone>, name: &str) -> &'static str {
    r.handle_query(at(0), CLIENT, &stub_query(name, 9));
    let (answer, _) = drive(r, net, at(0));
    assert_eq!(reply_of(answer.as_ref().unwrap()).rcode, Rcode::ServFail);
    events(r)
        .into_iter()
        .find_map(|s| match s {
            Step::ServFail { reason, .. } => Some(reason),
            _ => None,
        })
        .unwrap()
}

#[test]
fn a_cname_loop_ends_in_servfail() {
    let mut net = internet();
    let ex = net.get_mut(&AUTH).unwrap();
    ex.cnames
        .insert("a.example.com".into(), ("b.example.com".into(), 60));
    ex.cnames
        .insert("b.example.com".into(), ("a.example.com".into(), 60));
    let mut r = resolver(config());
    assert_eq!(servfail(&mut r, &net, "a.example.com"), "CNAME loop");
    // The same loop across zones, one CNAME per answer, with the cache
    // holding each link: still found.
    let mut net = internet();
    net.get_mut(&AUTH)
        .unwrap()
        .cnames
        .insert("x.example.com".into(), ("y.cdn.com".into(), 60));
    net.get_mut(&CDN)
        .unwrap()
        .cnames
        .insert("y.cdn.com".into(), ("x.example.com".into(), 60));
    let mut r = resolver(config());
    assert_eq!(servfail(&mut r, &net, "x.example.com"), "CNAME loop");
}

#[test]
fn a_long_cname_chain_ends_at_max_depth() {
    let mut net = internet();
    let ex = net.get_mut(&AUTH).unwrap();
    for i in 0..20 {
        ex.cnames.insert(
            format!("c{i}.example.com"),
            (format!("c{}.example.com", i + 1), 60),
        );
    }
    let mut cfg = config();
    cfg.max_depth = 8;
    let mut r = resolver(cfg);
    assert_eq!(servfail(&mut r, &net, "c0.example.com"), "chain too long");
}

#[test]
fn referrals_must_lead_closer_to_the_name() {
    // example.com's server refers example.com to itself: a loop.
    let mut net = internet();
    delegate(
        net.get_mut(&TLD).unwrap(),
        "example.com",
        "ns1.example.com",
        AUTH,
    );
    let mut lame = zone("com");
    delegate(&mut lame, "example.com", "ns1.example.com", AUTH);
    net.insert(AUTH, lame);
    let mut r = resolver(config());
    assert_eq!(
        servfail(&mut r, &net, "www.example.com"),
        "referral does not lead closer"
    );
    // A referral without glue is not followed (not modelled).
    let mut r = resolver(config());
    r.handle_query(at(0), CLIENT, &stub_query("www.example.com", 1));
    let q = r.poll_transmit().unwrap();
    let mut rep = Reply::empty(Rcode::NoError);
    rep.authority.push(Record {
        name: "com".into(),
        ttl: 60,
        data: RData::Ns("a.gtld-servers.net".into()),
    });
    let m = Message {
        id: q.msg.id,
        src_port: PORT,
        dst_port: q.msg.src_port,
        name: q.msg.name.clone(),
        recursion_desired: false,
        answer: Some(Answer::Reply(Arc::new(rep))),
    };
    r.handle_response(at(0), ROOT, m.dst_port, &m.encode());
    assert_eq!(
        reply_of(&r.poll_transmit().unwrap().msg).rcode,
        Rcode::ServFail
    );
    assert!(events(&mut r).contains(&Step::ServFail {
        name: "www.example.com".into(),
        reason: "referral without glue"
    }));
}

#[test]
fn a_deep_delegation_chain_ends_at_max_depth() {
    // a.b.c.d.e.f.g.h.i.j, each label its own zone on its own node, one
    // referral each.
    let labels = ["j", "i", "h", "g", "f", "e", "d", "c", "b", "a"];
    let mut net = BTreeMap::new();
    let mut apex = String::new();
    for (k, l) in labels.iter().enumerate() {
        let child = if apex.is_empty() {
            l.to_string()
        } else {
            format!("{l}.{apex}")
        };
        let mut z = zone(&apex);
        delegate(
            &mut z,
            &child,
            &format!("ns.{child}"),
            NodeId(100 + k as u32 + 1),
        );
        net.insert(NodeId(100 + k as u32), z);
        apex = child;
    }
    let mut last = zone(&apex);
    last.records.insert(apex.clone(), (WWW, 60));
    net.insert(NodeId(100 + labels.len() as u32), last);
    let mut cfg = config();
    cfg.roots = vec![("root".into(), NodeId(100))];
    let mut r = resolver(cfg.clone());
    r.handle_query(at(0), CLIENT, &stub_query(&apex, 1));
    let (answer, asked) = drive(&mut r, &net, at(0));
    assert_eq!(asked.len(), 11);
    assert_eq!(reply_of(answer.as_ref().unwrap()).rcode, Rcode::NoError);
    cfg.max_depth = 5;
    let mut r = resolver(cfg);
    assert_eq!(servfail(&mut r, &net, &apex), "chain too long");
}

#[test]
fn silent_servers_are_retried_then_given_up() {
    let mut r = resolver(config());
    r.handle_query(at(0), CLIENT, &stub_query("www.example.com", 1));
    let first = r.poll_transmit().unwrap();
    assert_eq!(first.to, ROOT);
    assert_eq!(r.next_timeout(), Some(at(1)));
    r.handle_timeout(at(1));
    let again = r.poll_transmit().unwrap();
    assert_eq!(again.msg, first.msg, "same id and port to the same server");
    r.handle_timeout(at(2));
    // Two attempts at the only root server: SERVFAIL.
    let m = r.poll_transmit().unwrap();
    assert_eq!(m.to, CLIENT);
    assert_eq!(reply_of(&m.msg).rcode, Rcode::ServFail);
    assert_eq!(r.stats().timeouts, 2);
    assert_eq!(r.next_timeout(), None);
}

#[test]
fn responses_are_matched_by_server_port_id_and_name() {
    let net = internet();
    let mut r = resolver(config());
    r.handle_query(at(0), CLIENT, &stub_query("www.example.com", 1));
    let q = r.poll_transmit().unwrap();
    let good = serve(&net[&ROOT], &q.msg);
    let mut forged = good.clone();
    forged.id = forged.id.wrapping_add(1);
    r.handle_response(at(0), ROOT, good.dst_port, &forged.encode());
    r.handle_response(at(0), TLD, good.dst_port, &good.encode());
    r.handle_response(at(0), ROOT, good.dst_port.wrapping_add(1), &good.encode());
    assert_eq!(r.stats().unmatched, 3);
    assert!(r.poll_transmit().is_none());
    r.handle_response(at(0), ROOT, good.dst_port, &good.encode());
    assert_eq!(r.poll_transmit().unwrap().to, TLD);
}

#[test]
fn hostile_bytes_are_counted_and_dropped() {
    let net = internet();
    let mut r = resolver(config());
    r.handle_query(at(0), CLIENT, &stub_query("www.example.com", 1));
    let q = r.poll_transmit().unwrap();
    let good = serve(&net[&ROOT], &q.msg).encode();
    let port = q.msg.src_port;
    // A name that points at itself, one that points forwards, a truncated
    // message, a label over 63 bytes.
    let mut self_loop = good[..12].to_vec();
    self_loop.extend([0xc0, 12, 0, 1, 0, 1]);
    let mut forward = good[..12].to_vec();
    forward.extend([0xc0, 20, 0, 1, 0, 1, 0, 0]);
    let mut long = good[..12].to_vec();
    long.push(64);
    long.extend([b'a'; 70]);
    let cases: Vec<(Vec<u8>, DecodeError)> = vec![
        (self_loop, DecodeError::BadPointer),
        (forward, DecodeError::BadPointer),
        (good[..good.len() - 1].to_vec(), DecodeError::Truncated),
        (long, DecodeError::BadLabel),
        (good[..5].to_vec(), DecodeError::Truncated),
    ];
    for (bytes, why) in &cases {
        assert_eq!(decode(bytes).err(), Some(*why));
        r.handle_response(at(0), ROOT, port, bytes);
    }
    assert_eq!(r.stats().malformed, cases.len() as u64);
    assert!(r.poll_transmit().is_none(), "nothing acted on");
    // Every prefix and every one-byte change of a real referral decodes or
    // fails cleanly, and the resolver survives them all. (A change that
    // keeps the id, name and port is an answer: a changed RCODE is a real
    // SERVFAIL, so at most that one query's answer goes to the stub.)
    let mut rng = RngStream::derive(1, "mutate");
    for n in 0..good.len() {
        let _ = decode(&good[..n]);
    }
    for _ in 0..2000 {
        let mut b = good.clone();
        let i = rng.next_u32() as usize % b.len();
        b[i] = rng.next_u32() as u8;
        let _ = decode(&b);
        r.handle_response(at(0), ROOT, port, &b);
    }
    r.handle_response(at(0), ROOT, port, &good);
    assert!(r.stats().responses_sent <= 1);
    assert!(r.stats().malformed > cases.len() as u64);
}

#[test]
fn the_cache_is_bounded_and_the_soonest_to_expire_leaves() {
    let mut net = internet();
    let cdn = net.get_mut(&CDN).unwrap();
    for i in 0..10 {
        cdn.records.insert(format!("h{i}.cdn.com"), (WWW, 100 + i));
    }
    let mut cfg = config();
    cfg.cache_size = 4;
    let mut r = resolver(cfg);
    for i in 0..10 {
        r.handle_query(at(0), CLIENT, &stub_query(&format!("h{i}.cdn.com"), 1));
        drive(&mut r, &net, at(0));
        assert!(r.cache_len() <= 4);
    }
    assert!(r.stats().cache_evictions > 0);
    // The latest name, expiring last, is still there.
    r.handle_query(at(1), CLIENT, &stub_query("h9.cdn.com", 2));
    assert!(drive(&mut r, &net, at(1)).1.is_empty());
}

#[test]
fn full_responses_round_trip_through_their_bytes() {
    let net = internet();
    for (server, name) in [
        (ROOT, "www.example.com"),
        (AUTH, "www.example.com"),
        (AUTH, "nope.example.com"),
        (CDN, "edge.cdn.com"),
        (CDN, "elsewhere.org"),
    ] {
        let m = serve(&net[&server], &stub_query(name, 5));
        let d = decode(&m.encode()).unwrap();
        assert_eq!(&d.reply, reply_of(&m), "{name} at {server:?}");
        assert_eq!((d.id, d.qname.as_str(), d.response), (5, name, true));
    }
}
