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
