//! TLS over simulated TCP, end to end: pages arrive whole over lossy and
//! reordering links (the bytes ride with TCP's retransmissions), runs are
//! deterministic and seeds matter, and bad TLS settings are refused with
//! the path of the field.

mod common;

use common::{assert_refused, metric, run_text};
use scenarios::{Outcome, RunOutput};
use sim_core::{Field, Kind};

fn scenario(link: &str, server: &str, client: &str) -> String {
    format!(
        r#"{{
  "name": "t",
  "stop_at": "2min",
  "topology": {{"nodes": ["client", "www"], "links": [{{"between": ["client", "www"], "delay": "10ms", "bandwidth": "20Mbps"{link}}}]}},
  "endpoints": [
    {{"node": "www", "tcp": {{"listen": 443, "tls": {{{server}}}}}}},
    {{"node": "client", "tcp": {{"connect": "www:443", "tls": {{{client}}}}}}}
  ]
}}"#
    )
}

/// With 3% loss both ways, jitter and reordering, TCP retransmits and
/// reorders; TLS must still see exactly the bytes that were sent (any
/// wrong byte would be a bad_record_mac).
#[test]
fn pages_arrive_whole_over_lossy_reordering_links() {
    let text = scenario(
        r#", "loss": 0.03, "jitter": "3ms", "reorder": true"#,
        r#""response": 60000"#,
        r#""server_name": "www""#,
    );
    let mut retransmitted = 0;
    for seed in 1..=25 {
        let out = run_text(&text, seed).unwrap();
        assert_eq!(out.outcome, Outcome::Passed, "seed {seed}");
        assert_eq!(metric(&out, "client.tls.responses"), 1, "seed {seed}");
        assert_eq!(metric(&out, "client.tls.alerts_sent"), 0, "seed {seed}");
        assert_eq!(metric(&out, "www.tls.alerts_sent"), 0, "seed {seed}");
        assert!(metric(&out, "client.tls.app_bytes_received") > 60_000);
        retransmitted += metric(&out, "www.tcp.retransmissions");
    }
    assert!(retransmitted > 10, "the loss really bit: {retransmitted}");
}

#[test]
fn same_seed_same_bytes_other_seed_other_randoms() {
    let text = scenario("", r#""versions": ["1.3"]"#, r#""versions": ["1.3"]"#);
    let a = run_text(&text, 4).unwrap();
    let b = run_text(&text, 4).unwrap();
    let c = run_text(&text, 5).unwrap();
    let payloads = |o: &RunOutput| -> Vec<String> {
        o.records
            .iter()
            .filter(|r| r.kind == Kind::TcpPayload)
            .map(|r| format!("{:?}", r.field(Field::Data)))
            .collect()
    };
    assert_eq!(payloads(&a), payloads(&b));
    assert_eq!(a.metrics, b.metrics);
    // The client and server randoms and keys come from the run seed.
    assert_ne!(payloads(&a)[0], payloads(&c)[0]);
    assert_eq!(metric(&c, "client.tls.responses"), 1);
}

#[test]
fn bad_tls_settings_name_the_field() {
    let cases = [
        (
            scenario("", r#""suites": ["TLS_RSA_WITH_AES_129_CBC_SHA"]"#, ""),
            "endpoints[0].tcp.tls.suites[0]",
            "unknown cipher suite",
        ),
        (
            scenario("", "", r#""certificate": {"expired": true}"#),
            "endpoints[1].tcp.tls.certificate",
            "is for the server",
        ),
        (
            scenario("", r#""request": 10"#, ""),
            "endpoints[0].tcp.tls.request",
            "is for the client",
        ),
        (
            scenario(
                "",
                r#""versions": ["1.3"], "suites": ["TLS_RSA_WITH_AES_128_CBC_SHA"]"#,
                "",
            ),
            "endpoints[0].tcp.tls.suites",
            "none of these suites",
        ),
        (
            scenario("", r#""groups": ["x448"]"#, ""),
            "endpoints[0].tcp.tls.groups[0]",
            "unknown group",
        ),
        (scenario("", r#""versions": ["1.4"]"#, ""), "versions", ""),
    ];
    assert_refused(&cases);
    let both = scenario("", "", "").replace(
        r#""connect": "www:443","#,
        r#""connect": "www:443", "http": {},"#,
    );
    let err = run_text(&both, 1).err().unwrap();
    assert!(
        err.contains("endpoints[1].tcp") && err.contains("not both"),
        "{err}"
    );
    let with_send = scenario("", "", "").replace(
        r#""connect": "www:443","#,
        r#""connect": "www:443", "send": 100,"#,
    );
    let err = run_text(&with_send, 1).err().unwrap();
    assert!(err.contains("endpoints[1].tcp.send"), "{err}");
}

/// Twenty clients at once: the server's single CPU does one RSA-2048
/// private operation after another, so late handshakes wait for earlier
/// ones (server capacity, not just latency).
#[test]
fn concurrent_handshakes_queue_on_the_server_cpu() {
    let text = scenario(
        "",
        r#""versions": ["1.2"], "suites": ["TLS_RSA_WITH_AES_128_GCM_SHA256"], "response": 1000"#,
        r#""versions": ["1.2"], "suites": ["TLS_RSA_WITH_AES_128_GCM_SHA256"]"#,
    )
    .replace(
        r#""connect": "www:443","#,
        r#""connect": "www:443", "connections": 20, "concurrency": 20,"#,
    );
    let out = run_text(&text, 1).unwrap();
    assert_eq!(metric(&out, "client.tls.responses"), 20);
    assert_eq!(metric(&out, "www.tls.cpu_ns"), 20 * 1_730_000);
    let waits: Vec<u64> = out
        .records
        .iter()
        .filter(|r| r.kind == Kind::TlsCpu && r.node == sim_core::NodeId(1))
        .filter_map(|r| match r.field(Field::WaitNs) {
            Some(sim_core::Value::U64(w)) => Some(*w),
            _ => None,
        })
        .collect();
    assert_eq!(waits.len(), 20);
    // The ClientKeyExchanges arrive spread out (the client's own CPU
    // checks twenty chains first), yet at the peak several private-key
    // operations are ahead in line.
    let worst = *waits.iter().max().unwrap();
    assert!(worst >= 5 * 1_730_000, "worst wait {worst} ns");
    // The page-time figures show it: every page counted, the slowest
    // waiting behind the queue, the quickest not.
    assert_eq!(metric(&out, "client.tls.pages"), 20);
    let (p50, p95, max) = (
        metric(&out, "client.tls.page_ns_p50"),
        metric(&out, "client.tls.page_ns_p95"),
        metric(&out, "client.tls.page_ns_max"),
    );
    // The first connection's page is one of them.
    assert!(metric(&out, "client.tls.page_ns") <= max);
    assert!(p50 <= p95 && p95 <= max, "{p50} {p95} {max}");
    assert!(
        max - metric(&out, "client.tls.page_ns") >= 5 * 1_730_000,
        "queueing shows in the slowest page"
    );
    let mean = metric(&out, "client.tls.page_ns_mean");
    assert!(p50 / 2 < mean && mean <= max);
}

/// 0-RTT: on a resumed connection the request rides with the ClientHello
/// and the server answers at once (0.5-RTT), so the response starts one
/// round trip (20 ms here) sooner than with a 1-RTT resumption (the page
/// is small, so the congestion window does not hold it back).
#[test]
fn early_data_saves_one_round_trip_on_the_resumed_connection() {
    let text =
        |early: bool| {
            scenario(
            "",
            r#""versions": ["1.3"], "tickets": true, "max_early_data": 16384, "response": 1000"#,
            &format!(r#""versions": ["1.3"], "resume": true, "early_data": {early}"#),
        )
        .replace(r#""connect": "www:443","#, r#""connect": "www:443", "connections": 2,"#)
        };
    // From the second connection's TCP connect to its first response byte.
    let wait = |early: bool| -> u64 {
        let out = run_text(&text(early), 1).unwrap();
        assert_eq!(metric(&out, "client.tls.responses"), 2);
        assert_eq!(metric(&out, "client.tls.resumed"), 1);
        // The client is node 0; its second connection, port 49153.
        let second = |r: &&sim_core::TraceRecord| {
            r.node.0 == 0 && r.field(Field::Lport) == Some(&sim_core::Value::U64(49153))
        };
        let connected = out
            .records
            .iter()
            .filter(second)
            .find(|r| r.kind == Kind::TcpApp && r.field(Field::Event) == Some(&"connected".into()))
            .unwrap()
            .t;
        let first_byte = out
            .records
            .iter()
            .filter(second)
            .find(|r| {
                r.kind == Kind::TlsRecord
                    && r.field(Field::Dir) == Some(&"recv".into())
                    && r.field(Field::What) == Some(&"ApplicationData".into())
            })
            .unwrap()
            .t;
        first_byte.saturating_since(connected).as_nanos()
    };
    let (zero, one) = (wait(true), wait(false));
    let saved = one - zero;
    assert!(
        (19_500_000..20_500_000).contains(&saved),
        "0-RTT {zero} ns, 1-RTT {one} ns"
    );
}

#[test]
fn bad_early_data_settings_name_the_field() {
    let cases = [
        (
            scenario("", r#""early_data": true"#, ""),
            "endpoints[0].tcp.tls.early_data",
            "is for the client",
        ),
        (
            scenario("", "", r#""max_early_data": 100"#),
            "endpoints[1].tcp.tls.max_early_data",
            "is for the server",
        ),
        (
            scenario("", r#""max_early_data": 100"#, ""),
            "endpoints[0].tcp.tls.max_early_data",
            "\"tickets\": true",
        ),
        (
            scenario("", r#""tickets": true, "max_early_data": 20000"#, ""),
            "endpoints[0].tcp.tls.max_early_data",
            "at most 16384",
        ),
    ];
    assert_refused(&cases);
}

#[test]
fn bad_mitm_settings_name_the_field() {
    let ok = library_json("tls-mitm-accepted");
    assert!(run_text(&ok.to_string(), 1).is_ok());
    // The library file with one change to its first endpoint (the mitm).
    let with = |change: &dyn Fn(&mut serde_json::Value)| {
        let mut doc = ok.clone();
        change(&mut doc["endpoints"][0]);
        doc.to_string()
    };
    let intercept = |to: &'static str| {
        with(&move |e: &mut serde_json::Value| e["mitm"]["intercept"] = to.into())
    };
    let cases = [
        (
            with(&|e| e["node"] = "client".into()),
            "endpoints[0].node",
            "sit on a router",
        ),
        (
            intercept("w3:443"),
            "endpoints[0].mitm.intercept",
            "unknown node",
        ),
        (
            intercept("r:443"),
            "endpoints[0].mitm.intercept",
            "is a router",
        ),
        (intercept("www"), "endpoints[0].mitm.intercept", "node:port"),
        (
            with(&|e| e["ping"] = serde_json::json!({"target": "www"})),
            "endpoints[0]",
            "exactly one application",
        ),
        (
            // Other applications stay off routers.
            with(&|e| {
                e.as_object_mut().unwrap().remove("mitm");
                e["ping"] = serde_json::json!({"target": "www"});
            }),
            "endpoints[0].node",
            "is a router",
        ),
    ];
    assert_refused(&cases);
}

/// A library scenario as a JSON value, to vary in a test.
fn library_json(name: &str) -> serde_json::Value {
    let path = format!("{}/library/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The observer puts streams back in order: over lossy, reordering links
/// it still reads each thing once (retransmissions are not read twice,
/// late segments wait for the gap).
#[test]
fn the_observer_reads_each_thing_once_over_lossy_links() {
    let mut doc = library_json("tls-passive-observer");
    for link in doc["topology"]["links"].as_array_mut().unwrap() {
        link["loss"] = 0.05.into();
        link["jitter"] = "2ms".into();
        link["reorder"] = true.into();
    }
    let text = doc.to_string();
    let mut retransmitted = 0;
    for seed in 1..=10 {
        let out = run_text(&text, seed).unwrap();
        assert_eq!(metric(&out, "r.observer.cookies"), 1, "seed {seed}");
        assert_eq!(metric(&out, "r.observer.server_names"), 2, "seed {seed}");
        assert_eq!(metric(&out, "r.observer.certificates"), 1, "seed {seed}");
        assert_eq!(metric(&out, "r.observer.http_heads"), 2, "seed {seed}");
        retransmitted += metric(&out, "www-tls12.tcp.retransmissions")
            + metric(&out, "www-tls13.tcp.retransmissions")
            + metric(&out, "www-http.tcp.retransmissions");
    }
    assert!(retransmitted > 5, "the loss bit: {retransmitted}");
}

/// The summary's phases add up: the first response byte comes after the
/// DNS lookup, TCP's round trip, the TLS round trips the version needs,
/// the request's round trip and the modelled public-key work, and
/// nothing else (serialisation of a small page: under a millisecond).
#[test]
fn time_to_first_byte_is_the_round_trips_plus_cpu() {
    let scenario = |app: &str, server: &str| {
        format!(
            r#"{{
  "name": "ttfb",
  "topology": {{"nodes": ["client", "dns", "www"], "links": [
    {{"between": ["client", "www"], "delay": "10ms", "bandwidth": "50Mbps"}},
    {{"between": ["client", "dns"], "delay": "5ms", "bandwidth": "50Mbps"}}]}},
  "endpoints": [
    {{"node": "dns", "dns_server": {{"zone": {{"www.example.com": {{"address": "www"}}}}}}}},
    {{"node": "www", "tcp": {{"listen": 443, {server}}}}},
    {{"node": "client", "tcp": {{"connect": "www.example.com:443", "dns": {{"server": "dns"}}, {app}}}}}
  ]
}}"#
        )
    };
    let tls = |v: &str| {
        scenario(
            &format!(r#""tls": {{"versions": ["{v}"]}}"#),
            &format!(
                r#""tls": {{"versions": ["{v}"], "certificate": {{"names": ["www.example.com"]}}, "response": 1000}}"#
            ),
        )
    };
    let cases = [
        (
            "http",
            scenario(r#""http": {}"#, r#""http": {"response": 1000}"#),
            0,
        ),
        ("tls", tls("1.3"), 1),
        ("tls", tls("1.2"), 2),
    ];
    for (family, text, tls_round_trips) in cases {
        let out = run_text(&text, 1).unwrap();
        let client = |k: &str| metric(&out, &format!("client.{family}.{k}"));
        let server = |k: &str| metric(&out, &format!("www.{family}.{k}"));
        let cpu = if family == "tls" {
            assert_eq!(client("round_trips"), tls_round_trips);
            client("cpu_ns") + server("cpu_ns")
        } else {
            0
        };
        let rtt = 20_000_000;
        let predicted = client("dns_ns") + (2 + tls_round_trips) * rtt + cpu;
        let first_byte = client("first_byte_ns");
        assert!(
            first_byte >= predicted && first_byte - predicted < 1_000_000,
            "{family} with {tls_round_trips} TLS round trips: first byte at {first_byte} ns, predicted {predicted} ns"
        );
        assert!((10_000_000..10_100_000).contains(&client("dns_ns")));
    }
}

/// When the real server's certificate does not check out for the proxy
/// (here it has expired), the proxy cannot relay: the client, which
/// accepted the proxy's certificate, gets a 502 and its page never comes.
#[test]
fn a_mitm_that_cannot_reach_the_server_answers_bad_gateway() {
    let mut doc = library_json("tls-mitm-accepted");
    doc["endpoints"][1]["tcp"]["tls"]["certificate"]["expired"] = true.into();
    doc["expect"] = serde_json::json!([]);
    let out = run_text(&doc.to_string(), 1).unwrap();
    assert_eq!(metric(&out, "r.mitm.requests_read"), 1);
    assert_eq!(metric(&out, "r.mitm.upstream_failures"), 1);
    assert_eq!(metric(&out, "r.mitm.responses_read"), 0);
    let bad_gateway = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".len() as u64;
    assert_eq!(metric(&out, "client.tls.app_bytes_received"), bad_gateway);
    assert_eq!(metric(&out, "client.tls.responses"), 1);
    let expired = out.records.iter().any(|r| {
        r.kind == Kind::TlsState
            && r.field(Field::Event) == Some(&"alert_sent".into())
            && r.field(Field::Alert) == Some(&"certificate_expired".into())
    });
    assert!(expired, "the proxy refused the server's certificate");
}

/// A client that connects to `www.example.com:443` through DNS checks the
/// certificate against that name; a server whose scenario names no
/// certificate names gets one for its node name and every DNS name that
/// leads to it, so the page loads with defaults. A `server_name` that names
/// something else still fails with the hostname alert.
#[test]
fn a_dns_named_https_page_loads_with_default_certificate_names() {
    let page = |dns: &str, client_tls: &str| {
        format!(
            r#"{{
  "name": "dns-named",
  "stop_at": "10s",
  "topology": {{"nodes": ["client", "dns", "www"], "links": [
    {{"between": ["client", "www"], "delay": "10ms"}},
    {{"between": ["client", "dns"], "delay": "5ms"}}
  ]}},
  "endpoints": [
    {{"node": "dns", "dns_server": {{"zone": {{"WWW.Example.com.": {{"address": "www"}}, "mail.example.com": {{"address": "dns"}}}}}}}},
    {{"node": "www", "tcp": {{"listen": 443, "tls": {{}}}}}},
    {{"node": "client", "tcp": {{"connect": "www.example.com:443", "tls": {{{client_tls}}}, "dns": {dns}}}}}
  ]
}}"#
        )
    };
    let alert = |out: &RunOutput| -> Vec<String> {
        out.records
            .iter()
            .filter(|r| r.kind == Kind::TlsState)
            .filter_map(|r| r.field(Field::Alert).map(|a| format!("{a:?}")))
            .collect()
    };
    for dns in [
        r#"{"server": "dns"}"#,
        r#"{"hosts": {"www.example.com": "www"}}"#,
    ] {
        let out = run_text(&page(dns, ""), 1).unwrap();
        assert_eq!(out.outcome, Outcome::Passed, "{dns}");
        assert_eq!(metric(&out, "client.tls.handshakes"), 1, "{dns}");
        assert_eq!(metric(&out, "client.tls.responses"), 1, "{dns}");
        assert_eq!(metric(&out, "client.tls.alerts_sent"), 0, "{dns}");
        assert!(alert(&out).is_empty(), "{dns}: {:?}", alert(&out));

        let out = run_text(&page(dns, r#""server_name": "shop.example.com""#), 1).unwrap();
        assert_eq!(metric(&out, "client.tls.handshakes"), 0, "{dns}");
        assert_eq!(metric(&out, "client.tls.responses"), 0, "{dns}");
        assert_eq!(metric(&out, "client.tls.alerts_sent"), 1, "{dns}");
        let alerts = alert(&out);
        assert!(
            !alerts.is_empty() && alerts.iter().all(|a| a.contains("bad_certificate")),
            "{dns}: {alerts:?}"
        );
    }
}

#[test]
fn bad_extension_settings_name_the_field() {
    let cases = [
        (
            scenario("", r#""extensions": {"signature_algorithms": false}"#, ""),
            "endpoints[0].tcp.tls.extensions.signature_algorithms",
            "only a client sends",
        ),
        (
            scenario("", "", r#""extensions": {"alpn": "yes"}"#),
            "extensions",
            "",
        ),
        (
            scenario("", "", r#""extensions": {"npn": false}"#),
            "npn",
            "",
        ),
    ];
    assert_refused(&cases);
}

/// The nodes of [`scenario`], in its order.
const CLIENT: sim_core::NodeId = sim_core::NodeId(0);
const WWW: sim_core::NodeId = sim_core::NodeId(1);

/// Each TCP state change of `node`'s connection: (from, to).
fn states(out: &RunOutput, node: sim_core::NodeId) -> Vec<(String, String)> {
    out.records
        .iter()
        .filter(|r| r.kind == Kind::TcpState && r.node == node)
        .map(|r| {
            let s = |f| match r.field(f) {
                Some(sim_core::Value::Str(s)) => s.to_string(),
                v => format!("{v:?}"),
            };
            (s(Field::From), s(Field::To))
        })
        .collect()
}

/// The client closes with close_notify and FIN, back to back (in two
/// segments, or in one when the close_notify is retransmitted with the
/// FIN). The server answers with its own close_notify, takes the FIN and
/// closes from CLOSE_WAIT through LAST_ACK; the client goes from
/// FIN_WAIT_1 to TIME_WAIT: neither end passes through CLOSING (RFC 9293
/// §3.6's simultaneous close is for FINs that cross).
#[test]
fn close_notify_and_fin_leave_the_server_in_close_wait_then_last_ack() {
    let lose_close_notify = r#",
  "faults": [{"from": "client", "match": {"proto": "tcp", "len": 24}, "nth": 1, "drop": true}]"#;
    for faults in ["", lose_close_notify] {
        let text = scenario("", r#""versions": ["1.3"]"#, r#""versions": ["1.3"]"#).replacen(
            "\n}",
            &format!("{faults}\n}}"),
            1,
        );
        let out = run_text(&text, 1).unwrap();
        assert_eq!(metric(&out, "client.tls.responses"), 1, "{faults}");
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            states(&out, WWW)[2..],
            pairs(&[
                ("ESTABLISHED", "CLOSE_WAIT"),
                ("CLOSE_WAIT", "LAST_ACK"),
                ("LAST_ACK", "CLOSED")
            ]),
            "{faults}"
        );
        let client = states(&out, CLIENT);
        assert!(
            !client.iter().any(|(_, to)| to == "CLOSING"),
            "{faults}: {client:?}"
        );
        assert_eq!(client.last().unwrap().1, "TIME_WAIT");
        // The server heard the close_notify before its TCP closed.
        let heard = out.records.iter().position(|r| {
            r.kind == Kind::TlsState
                && r.node == WWW
                && r.field(Field::Event) == Some(&sim_core::Value::from("close_notify_received"))
        });
        let last_ack = out.records.iter().position(|r| {
            r.kind == Kind::TcpState
                && r.node == WWW
                && r.field(Field::To) == Some(&sim_core::Value::from("LAST_ACK"))
        });
        assert!(heard.unwrap() < last_ack.unwrap(), "{faults}");
    }
}

/// A TLS 1.3 client told to leave out signature_algorithms: the server's
/// missing_extension alert (RFC 8446 §9.2) is the only thing it sends.
#[test]
fn a_client_without_signature_algorithms_hears_missing_extension() {
    let text = scenario(
        "",
        r#""versions": ["1.3"]"#,
        r#""versions": ["1.3"], "extensions": {"signature_algorithms": false}"#,
    );
    let out = run_text(&text, 1).unwrap();
    assert_eq!(metric(&out, "client.tls.handshakes"), 0);
    let alerts: Vec<(String, Option<String>)> = out
        .records
        .iter()
        .filter(|r| r.kind == Kind::TlsState)
        .map(|r| {
            let s = |f| match r.field(f) {
                Some(sim_core::Value::Str(s)) => Some(s.to_string()),
                _ => None,
            };
            let who = if r.node == WWW { "www" } else { "client" };
            (
                format!("{who}:{}", s(Field::Event).unwrap()),
                s(Field::Alert),
            )
        })
        .collect();
    let missing = Some("missing_extension".to_string());
    assert_eq!(
        alerts,
        [
            ("www:alert_sent".to_string(), missing.clone()),
            ("client:alert_received".to_string(), missing)
        ]
    );
}
