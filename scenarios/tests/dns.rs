//! DNS before the page load: the resolver's cache honours TTLs across a
//! client's connections, the hosts table answers without a query, a server
//! that never answers makes the client give up after its attempts, runs are
//! deterministic (query ids and ports come from the run seed), and bad DNS
//! settings are refused with the path of the field.

mod common;

use common::{assert_refused, metric, run_text};
use scenarios::Outcome;
use sim_core::{Field, Kind};

/// A client making `connections` HTTPS connections one after another to
/// www.example.com, resolved through `dns` (whose zone gives `ttl`).
fn scenario(ttl: &str, dns: &str, connections: u32, link: &str) -> String {
    format!(
        r#"{{
  "name": "t",
  "stop_at": "2min",
  "topology": {{
    "nodes": ["client", "dns", "www"],
    "links": [
      {{"between": ["client", "www"], "delay": "10ms", "bandwidth": "20Mbps"}},
      {{"between": ["client", "dns"], "delay": "5ms"{link}}}
    ]
  }},
  "endpoints": [
    {{"node": "dns", "dns_server": {{"zone": {{"www.example.com": {{"address": "www", "ttl": "{ttl}"}}}}}}}},
    {{"node": "www", "tcp": {{"listen": 443, "tls": {{"certificate": {{"names": ["www.example.com"]}}}}}}}},
    {{"node": "client", "tcp": {{"connect": "www.example.com:443", "connections": {connections},
      "dns": {{{dns}}}, "tls": {{}}}}}}
  ]
}}"#
    )
}

#[test]
fn answers_are_cached_for_their_ttl() {
    // Each connection lasts about 100 ms (TIME_WAIT does not hold the next
    // one back): a 300 s TTL covers all three, a 0 s TTL none.
    let long = run_text(&scenario("300s", r#""server": "dns""#, 3, ""), 1).unwrap();
    assert_eq!(long.outcome, Outcome::Passed);
    assert_eq!(metric(&long, "client.tls.responses"), 3);
    assert_eq!(metric(&long, "client.dns.lookups"), 3);
    assert_eq!(metric(&long, "client.dns.queries_sent"), 1);
    assert_eq!(metric(&long, "client.dns.cache_hits"), 2);
    let zero = run_text(&scenario("0s", r#""server": "dns""#, 3, ""), 1).unwrap();
    assert_eq!(metric(&zero, "client.tls.responses"), 3);
    assert_eq!(metric(&zero, "client.dns.queries_sent"), 3);
    assert_eq!(metric(&zero, "client.dns.cache_hits"), 0);
    assert_eq!(metric(&zero, "dns.dns.queries_answered"), 3);
    // Cached lookups cost nothing: the third connection opens two lookups
    // (10 ms round trips to the server) sooner, give or take microseconds
    // of link queueing around the previous connection's close (16 us less
    // since that close goes CLOSE_WAIT -> LAST_ACK).
    let third_open = |out: &scenarios::RunOutput| {
        out.records
            .iter()
            .filter(|r| r.kind == Kind::TcpState && r.field(Field::To) == Some(&"SYN_SENT".into()))
            .map(|r| r.t.as_nanos())
            .nth(2)
            .unwrap()
    };
    let saved = third_open(&zero) - third_open(&long);
    assert!((19_950_000..20_100_000).contains(&saved), "{saved}");
}

#[test]
fn the_hosts_table_answers_without_a_query() {
    let out = run_text(
        &scenario(
            "300s",
            r#""server": "dns", "hosts": {"WWW.example.com.": "www"}"#,
            1,
            "",
        ),
        1,
    )
    .unwrap();
    assert_eq!(metric(&out, "client.dns.hosts_hits"), 1);
    assert_eq!(metric(&out, "client.dns.queries_sent"), 0);
    assert_eq!(metric(&out, "client.tls.dns_ns"), 0);
    assert_eq!(metric(&out, "client.tls.responses"), 1);
    let resolved: Vec<_> = out
        .records
        .iter()
        .filter(|r| r.kind == Kind::Dns)
        .map(|r| format!("{:?}", r.field(Field::Source)))
        .collect();
    assert_eq!(resolved, [r#"Some(Str("hosts"))"#]);
}

#[test]
fn a_silent_server_makes_the_client_give_up_after_its_attempts() {
    let out = run_text(
        &scenario(
            "300s",
            r#""server": "dns", "timeout": "2s", "attempts": 3"#,
            2,
            r#", "loss": 1.0"#,
        ),
        1,
    )
    .unwrap();
    // Two connections, one after another, each lookup three queries.
    assert_eq!(metric(&out, "client.dns.queries_sent"), 6);
    assert_eq!(metric(&out, "client.dns.timeouts"), 6);
    assert_eq!(metric(&out, "client.dns.failures"), 2);
    assert_eq!(metric(&out, "client.dns.connections_abandoned"), 2);
    assert_eq!(metric(&out, "client.tcp.connections"), 0);
    let failed: Vec<u64> = out
        .records
        .iter()
        .filter(|r| r.kind == Kind::Dns && r.field(Field::Event) == Some(&"failed".into()))
        .map(|r| r.t.as_nanos())
        .collect();
    assert_eq!(failed, [6_000_000_000, 12_000_000_000]);
}

#[test]
fn query_ids_come_from_the_run_seed() {
    let text = scenario("300s", r#""server": "dns""#, 1, "");
    let ids = |seed| -> Vec<String> {
        run_text(&text, seed)
            .unwrap()
            .records
            .iter()
            .filter(|r| {
                r.kind == Kind::LinkTransmit && r.field(Field::Proto) == Some(&"dns".into())
            })
            .map(|r| format!("{:?} {:?}", r.field(Field::DnsId), r.field(Field::Sport)))
            .collect()
    };
    assert_eq!(ids(3), ids(3));
    assert_ne!(ids(3), ids(4));
    assert_eq!(ids(3).len(), 2, "query and answer");
}

#[test]
fn bad_dns_settings_name_the_field() {
    let ok = scenario("300s", r#""server": "dns""#, 1, "");
    let cases = [
        (
            ok.replace(r#""server": "dns""#, r#""server": "nowhere""#),
            "endpoints[2].tcp.dns.server",
            "unknown node",
        ),
        (
            ok.replace(r#""server": "dns""#, r#""server": "www""#),
            "endpoints[2].tcp.dns.server",
            "runs no \"dns_server\"",
        ),
        (
            ok.replace(r#""server": "dns""#, ""),
            "endpoints[2].tcp.dns",
            "no \"server\"",
        ),
        (
            ok.replace("www.example.com:443", "www_1.example.com:443"),
            "endpoints[2].tcp.connect",
            "not a DNS name",
        ),
        (
            ok.replace("\"300s\"", "\"1.5s\""),
            "endpoints[0].dns_server.zone.www.example.com.ttl",
            "whole seconds",
        ),
        (
            ok.replace(r#""address": "www""#, r#""address": "w3""#),
            "endpoints[0].dns_server.zone.www.example.com.address",
            "unknown node",
        ),
        (
            ok.replace(r#""server": "dns""#, r#""server": "dns", "attempts": 0"#),
            "endpoints[2].tcp.dns.attempts",
            "at least one",
        ),
        (
            ok.replace(r#""server": "dns""#, r#""server": "dns", "timeout": "0s""#),
            "endpoints[2].tcp.dns.timeout",
            "longer than 0s",
        ),
        (
            ok.replace(
                r#""listen": 443,"#,
                r#""listen": 443, "dns": {"server": "dns"},"#,
            ),
            "endpoints[1].tcp.dns",
            "goes with \"connect\"",
        ),
        (
            ok.replace(r#""server": "dns""#, r#""servr": "dns""#),
            "endpoints[2].tcp.dns",
            "unknown field",
        ),
    ];
    assert_refused(&cases);
}

/// A client resolving `name` through a recursive resolver, with a root
/// server delegating `example.com` straight to an authority whose zone
/// entries are `zone` (JSON), and the resolver's settings `resolver`.
fn recursive(name: &str, zone: &str, resolver: &str, link: &str) -> String {
    format!(
        r#"{{
  "name": "t",
  "stop_at": "30s",
  "topology": {{
    "nodes": ["client", "resolver", "root", "auth", "www"],
    "links": [
      {{"between": ["client", "resolver"], "delay": "1ms"}},
      {{"between": ["client", "www"], "delay": "1ms"}},
      {{"between": ["resolver", "root"], "delay": "10ms"}},
      {{"between": ["resolver", "auth"], "delay": "10ms"{link}}}
    ]
  }},
  "endpoints": [
    {{"node": "root", "dns_server": {{"origin": ".",
      "delegations": {{"example.com": {{"ns": {{"ns1.example.com": "auth"}}}}}}}}}},
    {{"node": "auth", "dns_server": {{"origin": "example.com", "zone": {zone}}}}},
    {{"node": "resolver", "dns_resolver": {{"roots": {{"a.root-servers.net": "root"}}{resolver}}}}},
    {{"node": "www", "tcp": {{"listen": 80, "http": {{}}}}}},
    {{"node": "client", "tcp": {{"connect": "{name}:80", "dns": {{"server": "resolver"}}, "http": {{}}}}}}
  ]
}}"#
    )
}

/// The reasons of `node`'s `dns` records of `event` (nodes in the order
/// of [`recursive`]'s topology: client, resolver, ...).
fn dns_events(out: &scenarios::RunOutput, node: &str, event: &'static str) -> Vec<String> {
    let at = ["client", "resolver"]
        .iter()
        .position(|n| *n == node)
        .unwrap() as u32;
    out.records
        .iter()
        .filter(|r| {
            r.kind == Kind::Dns
                && r.field(Field::Event) == Some(&event.into())
                && r.node == sim_core::NodeId(at)
        })
        .map(|r| format!("{:?}", r.field(Field::Reason)))
        .collect()
}

#[test]
fn a_recursive_lookup_follows_the_referral_and_the_cname() {
    let zone = r#"{"www.example.com": {"cname": "web.example.com"}, "web.example.com": {"address": "www", "ttl": "60s"}}"#;
    let out = run_text(&recursive("www.example.com", zone, "", ""), 1).unwrap();
    assert_eq!(metric(&out, "client.http.responses"), 1);
    assert_eq!(metric(&out, "resolver.dns.upstream_queries"), 2);
    assert_eq!(metric(&out, "resolver.dns.referrals"), 1);
    assert_eq!(metric(&out, "resolver.dns.cnames"), 1);
    assert_eq!(
        dns_events(&out, "resolver", "referral"),
        [r#"Some(Str("zone example.com"))"#]
    );
    // Resolved in two round trips upstream and one to the resolver.
    let dns_ns = metric(&out, "client.http.dns_ns");
    assert!((42_000_000..43_000_000).contains(&dns_ns), "{dns_ns}");
}

#[test]
fn a_cname_loop_ends_in_servfail_and_the_client_gives_up() {
    let zone = r#"{"a.example.com": {"cname": "b.example.com"}, "b.example.com": {"cname": "a.example.com"}}"#;
    let out = run_text(&recursive("a.example.com", zone, "", ""), 1).unwrap();
    assert_eq!(
        dns_events(&out, "resolver", "failed"),
        [r#"Some(Str("servfail: CNAME loop"))"#]
    );
    assert_eq!(metric(&out, "resolver.dns.servfail_sent"), 1);
    assert_eq!(
        dns_events(&out, "client", "failed"),
        [r#"Some(Str("servfail"))"#]
    );
    assert_eq!(metric(&out, "client.dns.connections_abandoned"), 1);
    // A chain longer than max_depth ends the same way.
    let chain: Vec<String> = (0..6)
        .map(|i| {
            format!(
                r#""c{i}.example.com": {{"cname": "c{}.example.com"}}"#,
                i + 1
            )
        })
        .collect();
    let zone = format!("{{{}}}", chain.join(", "));
    let out = run_text(
        &recursive("c0.example.com", &zone, r#", "max_depth": 3"#, ""),
        1,
    )
    .unwrap();
    assert_eq!(
        dns_events(&out, "resolver", "failed"),
        [r#"Some(Str("servfail: chain too long"))"#]
    );
}

#[test]
fn a_silent_authority_makes_the_resolver_answer_servfail() {
    let zone = r#"{"www.example.com": {"address": "www"}}"#;
    let out = run_text(
        &recursive(
            "www.example.com",
            zone,
            r#", "timeout": "2s", "attempts": 3"#,
            r#", "loss": 1.0"#,
        ),
        1,
    )
    .unwrap();
    // The resolver gives up after three 2 s attempts (about 6.02 s); the
    // stub, whose own 5 s timeout came first, asked again at 5 s with the
    // same id, and takes the first SERVFAIL: the lookup fails with
    // servfail, not timeout. The resolver does not merge the repeated
    // query with the one in flight: it walks again, times out three more
    // times, and its second SERVFAIL finds no lookup waiting.
    assert_eq!(metric(&out, "resolver.dns.queries_received"), 2);
    assert_eq!(metric(&out, "resolver.dns.timeouts"), 6);
    assert_eq!(metric(&out, "resolver.dns.servfail_sent"), 2);
    assert_eq!(metric(&out, "client.dns.failures"), 1);
    assert_eq!(metric(&out, "client.dns.unmatched"), 1);
    assert_eq!(
        dns_events(&out, "client", "failed"),
        [r#"Some(Str("servfail"))"#]
    );
}

#[test]
fn bad_recursive_settings_name_the_field() {
    let zone = r#"{"www.example.com": {"address": "www"}}"#;
    let ok = recursive("www.example.com", zone, "", "");
    let cases = [
        (
            ok.replace(r#""origin": "example.com""#, r#""origin": "example_com""#),
            "endpoints[1].dns_server.origin",
            "not a DNS name",
        ),
        (
            ok.replace(r#""www.example.com": {"address""#, r#""www.example.org": {"address""#),
            "endpoints[1].dns_server.zone.www.example.org",
            "not in the zone's origin",
        ),
        (
            ok.replace(r#"{"address": "www"}"#, r#"{"address": "www", "cname": "x.example.com"}"#),
            "endpoints[1].dns_server.zone.www.example.com",
            "exactly one of",
        ),
        (
            ok.replace(r#""origin": ".","#, r#""origin": "net","#),
            "endpoints[0].dns_server.delegations.example.com",
            "strictly below the origin",
        ),
        (
            ok.replace(r#"{"ns1.example.com": "auth"}"#, "{}"),
            "endpoints[0].dns_server.delegations.example.com.ns",
            "at least one name server",
        ),
        (
            ok.replace(r#"{"ns1.example.com": "auth"}"#, r#"{"ns1.example.com": "nowhere"}"#),
            "endpoints[0].dns_server.delegations.example.com.ns.ns1.example.com",
            "unknown node",
        ),
        (
            ok.replace(r#"{"a.root-servers.net": "root"}"#, "{}"),
            "endpoints[2].dns_resolver.roots",
            "at least one root server",
        ),
        (
            ok.replace(r#""root"}}"#, r#""root"}, "attempts": 0}"#),
            "endpoints[2].dns_resolver.attempts",
            "from 1 to 100",
        ),
        (
            ok.replace(r#""root"}}"#, r#""root"}, "timeout": "0s"}"#),
            "endpoints[2].dns_resolver.timeout",
            "longer than 0s",
        ),
        (
            ok.replace(r#""root"}}"#, r#""root"}, "max_depth": 1000}"#),
            "endpoints[2].dns_resolver.max_depth",
            "at most 64",
        ),
        (
            ok.replace(
                r#"{"node": "www", "tcp""#,
                r#"{"node": "www", "dns_server": {"zone": {"a.example.com": {"cname": "b.example.com"}}}}, {"node": "www", "name": "web", "tcp""#,
            ),
            "endpoints[3].dns_server.zone.a.example.com.cname",
            "needs the zone's \"origin\"",
        ),
    ];
    assert_refused(&cases);
}
