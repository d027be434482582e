//! The resolver and the server, step by step.

use super::*;

const SERVER: NodeId = NodeId(1);
const WWW: NodeId = NodeId(2);

fn zone(ttl: u32) -> Zone {
    let mut records = BTreeMap::new();
    records.insert("www.example.com".into(), (WWW, ttl));
    Zone {
        records,
        ..Zone::default()
    }
}

fn resolver(hosts: &[(&str, NodeId)]) -> Resolver {
    let cfg = ResolverConfig {
        server: Some(SERVER),
        hosts: hosts.iter().map(|(n, a)| (n.to_string(), *a)).collect(),
        timeout: SimDuration::from_secs(1),
        attempts: 3,
    };
    Resolver::new(Arc::new(cfg), RngStream::derive(7, "dns"))
}

fn at(s: u64) -> SimTime {
    SimTime::ZERO + SimDuration::from_secs(s)
}

fn name(n: &str) -> Arc<str> {
    Arc::from(n)
}

#[test]
fn a_query_encodes_as_rfc_1035_lays_it_out() {
    let q = Message {
        id: 0x1234,
        src_port: 50_000,
        dst_port: PORT,
        name: name("www.example.com"),
        recursion_desired: true,
        answer: None,
    };
    let b = q.encode();
    assert_eq!(&b[..12], &[0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(&b[12..29], b"\x03www\x07example\x03com\x00");
    assert_eq!(&b[29..], &[0, 1, 0, 1]);
    assert_eq!(q.wire_size(), 28 + 33);
    let a = serve(&zone(300), &q).encode();
    assert_eq!(&a[2..4], &[0x85, 0x00]);
    assert_eq!(&a[6..8], &[0, 1], "one answer");
    assert_eq!(
        &a[33..],
        &[0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 44, 0, 4, 10, 0, 0, 3]
    );
    let mut nx = q.clone();
    nx.name = name("nope.example.com");
    let n = serve(&zone(300), &nx).encode();
    assert_eq!(n[3] & 0x0f, 3, "RCODE NXDOMAIN");
    assert_eq!(&n[6..8], &[0, 0], "no answer");
}

#[test]
fn hosts_table_answers_without_a_query() {
    let mut r = resolver(&[("www.example.com", WWW)]);
    assert_eq!(
        r.lookup(at(0), &name("WWW.Example.com.")),
        Lookup::Ready(WWW, Source::Hosts)
    );
    assert_eq!(r.poll_transmit(), None);
}

#[test]
fn answers_are_cached_for_their_ttl_and_no_longer() {
    let mut r = resolver(&[]);
    let n = name("www.example.com");
    assert_eq!(r.lookup(at(0), &n), Lookup::Pending);
    // A second lookup while the first is out sends nothing more.
    assert_eq!(r.lookup(at(0), &n), Lookup::Pending);
    let q = r.poll_transmit().unwrap();
    assert_eq!(r.poll_transmit(), None);
    r.handle_message(at(0), SERVER, &serve(&zone(10), &q));
    assert_eq!(
        r.poll_event().unwrap().outcome,
        LookupResult::Resolved {
            addr: WWW,
            source: Source::Server
        }
    );
    assert_eq!(r.lookup(at(9), &n), Lookup::Ready(WWW, Source::Cache));
    assert_eq!(r.lookup(at(10), &n), Lookup::Pending, "expired at its TTL");
    assert!(r.poll_transmit().is_some());
    assert_eq!(r.stats().cache_hits, 1);
    assert_eq!(r.stats().queries_sent, 2);
}

#[test]
fn lost_queries_are_retried_then_given_up() {
    let mut r = resolver(&[]);
    let n = name("www.example.com");
    r.lookup(at(0), &n);
    let first = r.poll_transmit().unwrap();
    assert_eq!(r.next_timeout(), Some(at(1)));
    r.handle_timeout(at(1));
    assert_eq!(r.poll_transmit().unwrap(), first, "the same query again");
    assert_eq!(
        r.poll_event().unwrap().outcome,
        LookupResult::Retried { attempt: 2 }
    );
    r.handle_timeout(at(2));
    r.poll_transmit().unwrap();
    r.poll_event();
    r.handle_timeout(at(3));
    assert_eq!(r.poll_transmit(), None, "three attempts in all");
    assert_eq!(
        r.poll_event().unwrap().outcome,
        LookupResult::Failed(Failure::Timeout)
    );
    assert_eq!(r.next_timeout(), None);
    // The late answer to the given-up query is ignored.
    r.handle_message(at(4), SERVER, &serve(&zone(10), &first));
    assert_eq!(r.poll_event(), None);
    assert_eq!(r.stats().unmatched, 1);
}

#[test]
fn nxdomain_fails_and_forged_answers_are_ignored() {
    let mut r = resolver(&[]);
    let n = name("nope.example.com");
    r.lookup(at(0), &n);
    let q = r.poll_transmit().unwrap();
    let mut forged = serve(&zone(10), &q);
    forged.id = forged.id.wrapping_add(1);
    r.handle_message(at(0), SERVER, &forged);
    let mut elsewhere = serve(&zone(10), &q);
    elsewhere.dst_port = elsewhere.dst_port.wrapping_add(1);
    r.handle_message(at(0), SERVER, &elsewhere);
    r.handle_message(at(0), WWW, &serve(&zone(10), &q));
    assert_eq!(r.poll_event(), None);
    r.handle_message(at(0), SERVER, &serve(&zone(10), &q));
    assert_eq!(
        r.poll_event().unwrap().outcome,
        LookupResult::Failed(Failure::NxDomain)
    );
    assert_eq!(r.stats().unmatched, 3);
    // NXDOMAIN is not cached: the next lookup asks again.
    assert_eq!(r.lookup(at(0), &n), Lookup::Pending);
}

#[test]
fn names_are_checked() {
    assert!(check_name("www.example.com").is_ok());
    assert!(check_name("www.example.com.").is_ok());
    assert!(check_name("a..b").is_err());
    assert!(check_name("under_score.com").is_err());
    assert!(check_name(&"a".repeat(64)).is_err());
    assert!(check_name("").is_err());
}

/// RFC 1034 §4.3.2 for a zone with an origin: a referral below a cut
/// (not authoritative, NS and glue), an alias followed through the zone,
/// NXDOMAIN with the SOA (RFC 2308 §3), REFUSED outside the zone.
#[test]
fn an_authority_refers_aliases_and_denies_with_its_soa() {
    let mut z = Zone {
        origin: Some("example.com".into()),
        soa: Some((
            Soa {
                mname: "ns.example.com".into(),
                rname: "hostmaster.example.com".into(),
                serial: 1,
                refresh: 3600,
                retry: 600,
                expire: 86_400,
                minimum: 30,
            },
            3600,
        )),
        ..Zone::default()
    };
    z.records.insert("web.example.com".into(), (WWW, 60));
    z.cnames
        .insert("www.example.com".into(), ("web.example.com".into(), 300));
    z.delegations.insert(
        "sub.example.com".into(),
        Delegation {
            servers: vec![("ns.sub.example.com".into(), SERVER)],
            ttl: 100,
        },
    );
    let r = authority::answer(&z, "a.b.sub.example.com");
    assert_eq!((r.rcode, r.authoritative), (Rcode::NoError, false));
    assert!(r.answers.is_empty());
    assert_eq!(r.authority[0].data, RData::Ns("ns.sub.example.com".into()));
    assert_eq!(r.authority[0].name, "sub.example.com");
    assert_eq!(r.additional[0].data, RData::A(SERVER));
    let r = authority::answer(&z, "www.example.com");
    assert!(r.authoritative);
    assert_eq!(r.address_of("www.example.com"), Some((WWW, 60)));
    assert_eq!(r.answers.len(), 2);
    let r = authority::answer(&z, "nope.example.com");
    assert_eq!(r.rcode, Rcode::NxDomain);
    assert!(matches!(
        r.authority[0].data,
        RData::Soa(Soa { minimum: 30, .. })
    ));
    assert_eq!(r.authority[0].name, "example.com");
    assert_eq!(authority::answer(&z, "example.org").rcode, Rcode::Refused);
}
