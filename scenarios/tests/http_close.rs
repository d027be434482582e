//! HTTP keep-alive as servers and browsers do it: a server that closes
//! first after N responses (`Connection: close`, RFC 9112 §9.6), response
//! sizes listed by request, a client that reconnects as soon as its last
//! response is in, and several connections at once.

mod common;

use common::{assert_refused, library_file, metric, run_text};
use sim_core::{Field, Kind, NodeId, SimTime, TraceRecord};

const A: NodeId = NodeId(0);
const B: NodeId = NodeId(1);

/// A plain-HTTP server `b` with `server` (JSON fields of its `http`) and a
/// client `a` with `client` (fields of its `tcp`) and `http` (fields of
/// its `http`), 10 ms apart.
fn scenario(server: &str, client: &str, http: &str) -> String {
    format!(
        r#"{{
  "name": "close", "stop_at": "60s",
  "topology": {{"nodes": ["a", "b"], "links": [{{"between": ["a", "b"], "delay": "10ms", "bandwidth": "10Mbps"}}]}},
  "endpoints": [
    {{"node": "b", "tcp": {{"listen": 80, "http": {{{server}}}}}}},
    {{"node": "a", "tcp": {{"connect": "b:80"{client}, "http": {{"request": 200{http}}}}}}}
  ]
}}"#
    )
}

fn hex_bytes(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// A record's text field ("" if it has none).
fn field(r: &TraceRecord, f: Field) -> &str {
    r.text(f).unwrap_or("")
}

/// The HTTP response heads `b` sent, in order, read from the bytes of its
/// segments (each response's head starts a segment here: a new write).
fn response_heads(out: &scenarios::RunOutput) -> Vec<String> {
    out.records
        .iter()
        .filter(|r| r.kind == Kind::TcpPayload && r.node == B)
        .filter_map(|r| {
            let bytes = hex_bytes(r.text(Field::Data)?);
            let s = String::from_utf8_lossy(&bytes).to_string();
            s.starts_with("HTTP/1.1").then(|| {
                let end = s.find("\r\n\r\n").map_or(s.len(), |e| e + 4);
                s[..end].to_string()
            })
        })
        .collect()
}

/// Who sent the first FIN of each connection (by the client's port), in
/// the order the connections opened.
fn first_fins(out: &scenarios::RunOutput) -> Vec<(u64, &'static str)> {
    let mut seen: Vec<(u64, &'static str)> = Vec::new();
    for r in &out.records {
        if r.kind != Kind::LinkTransmit || !field(r, Field::Flags).contains("FIN") {
            continue;
        }
        let (port, who) = if r.node_field(Field::Src) == Some(A) {
            (r.u64(Field::Sport), "client")
        } else {
            (r.u64(Field::Dport), "server")
        };
        let port = port.unwrap();
        if !seen.iter().any(|(p, _)| *p == port) {
            seen.push((port, who));
        }
    }
    seen
}

/// The client's TCP state changes, (time, port, to).
fn client_states(out: &scenarios::RunOutput) -> Vec<(SimTime, u64, String, String)> {
    out.records
        .iter()
        .filter(|r| r.kind == Kind::TcpState && r.node == A)
        .map(|r| {
            (
                r.t,
                r.u64(Field::Lport).unwrap(),
                field(r, Field::From).to_string(),
                field(r, Field::To).to_string(),
            )
        })
        .collect()
}

fn count(out: &scenarios::RunOutput, node: NodeId, kind: Kind, event: &str) -> usize {
    out.records
        .iter()
        .filter(|r| r.kind == kind && r.node == node && r.text(Field::Event) == Some(event))
        .count()
}

#[test]
fn a_server_closing_after_two_says_connection_close_and_sends_the_first_fin() {
    let text = scenario(
        r#""response": 3000, "close": {"after": 2}"#,
        "",
        r#", "requests": 5"#,
    );
    let out = run_text(&text, 1).unwrap();
    let heads = response_heads(&out);
    assert_eq!(heads.len(), 5, "{heads:?}");
    let closing: Vec<bool> = heads
        .iter()
        .map(|h| h.contains("Connection: close\r\n"))
        .collect();
    // The second on each of the first two connections; the fifth is the
    // first on the third connection, which the client closes itself.
    assert_eq!(closing, [false, true, false, true, false], "{heads:?}");
    assert_eq!(
        first_fins(&out)
            .into_iter()
            .map(|(_, who)| who)
            .collect::<Vec<_>>(),
        ["server", "server", "client"]
    );
    assert_eq!(metric(&out, "a.tcp.connections"), 3);
    assert_eq!(metric(&out, "a.http.responses"), 5);
    assert_eq!(metric(&out, "a.http.pages"), 1);
    assert_eq!(count(&out, B, Kind::TcpApp, "http_close_sent"), 2);
    assert_eq!(count(&out, A, Kind::TcpApp, "http_close_received"), 2);
    // The server's ends that closed first wait in TIME_WAIT; the client's
    // end of those went CLOSE_WAIT, LAST_ACK.
    let server_time_wait = out
        .records
        .iter()
        .filter(|r| r.kind == Kind::TcpState && r.node == B && field(r, Field::To) == "TIME_WAIT")
        .count();
    assert_eq!(server_time_wait, 2);
    let states = client_states(&out);
    assert_eq!(
        states.iter().filter(|s| s.3 == "LAST_ACK").count(),
        2,
        "{states:?}"
    );
    assert_eq!(states.iter().filter(|s| s.3 == "TIME_WAIT").count(), 1);
}

#[test]
fn every_closes_after_each_response_and_the_client_still_makes_all_its_requests() {
    for (requests, concurrency) in [(3, 1), (4, 2)] {
        let client = format!(r#", "connections": 2, "concurrency": {concurrency}"#);
        let http = format!(r#", "requests": {requests}"#);
        let out = run_text(&scenario(r#""close": "every""#, &client, &http), 7).unwrap();
        let all = 2 * requests;
        assert_eq!(metric(&out, "a.http.responses"), all);
        assert_eq!(metric(&out, "a.tcp.connections"), all);
        assert_eq!(metric(&out, "a.http.pages"), 2);
        let fins = first_fins(&out);
        assert_eq!(fins.len() as u64, all);
        assert!(fins.iter().all(|(_, who)| *who == "server"), "{fins:?}");
        assert!(
            response_heads(&out)
                .iter()
                .all(|h| h.contains("Connection: close"))
        );
    }
}

#[test]
fn listed_response_sizes_go_by_request_on_each_connection_and_the_last_repeats() {
    let text = scenario(
        r#""response": [5000, 20000, 1000]"#,
        r#", "connections": 2"#,
        r#", "requests": 5"#,
    );
    let out = run_text(&text, 1).unwrap();
    let lengths: Vec<u64> = response_heads(&out)
        .iter()
        .map(|h| {
            let l = h
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .unwrap();
            l.trim().parse().unwrap()
        })
        .collect();
    let one = [5000, 20000, 1000, 1000, 1000];
    assert_eq!(lengths, [one, one].concat());
    // Every byte of them on the wire, once (a lossless path).
    let sent: u64 = out
        .flows
        .iter()
        .filter(|f| f.conn.lport == 80)
        .map(|f| f.conn.stats.bytes_sent)
        .sum();
    let want: u64 = lengths
        .iter()
        .map(|&n| sim_apps::http::response(n).len() as u64)
        .sum();
    assert_eq!(sent, want);
    assert_eq!(metric(&out, "a.http.app_bytes_received"), want);
}

#[test]
fn reconnecting_after_the_response_opens_before_the_close_and_saves_a_round_trip_each() {
    let lib = std::fs::read_to_string(library_file("http-server-close")).unwrap();
    let eager = lib.replace(
        r#""connect": "www:443","#,
        r#""connect": "www:443", "reconnect": "after_response","#,
    );
    assert_ne!(lib, eager);
    let late = run_text(&lib, 1).unwrap();
    let soon = run_text(&eager, 1).unwrap();
    for out in [&late, &soon] {
        assert_eq!(metric(out, "client.tls.responses"), 6);
        assert_eq!(metric(out, "client.tcp.connections"), 3);
        assert_eq!(metric(out, "client.tls.pages"), 1);
    }
    // The next SYN leaves when the last response is in, while the
    // connection before is still in LAST_ACK; by default after CLOSED.
    let opens_before_close = |out: &scenarios::RunOutput| {
        let s = client_states(out);
        let second_syn = s
            .iter()
            .find(|x| x.1 == 49153 && x.3 == "SYN_SENT")
            .unwrap()
            .0;
        let first_closed = s
            .iter()
            .find(|x| x.1 == 49152 && x.3 == "CLOSED")
            .unwrap()
            .0;
        second_syn < first_closed
    };
    assert!(opens_before_close(&soon));
    assert!(!opens_before_close(&late));
    // Two reconnections, each a round trip (2 x 10 ms) sooner.
    let page = |out| metric(out, "client.tls.page_ns_max");
    let saved = page(&late) - page(&soon);
    assert!((39_000_000..=41_000_000).contains(&saved), "{saved}");
}

/// The most connections established at once at the client, from its
/// state changes.
fn most_at_once(out: &scenarios::RunOutput) -> u64 {
    let (mut now, mut most) = (0i64, 0i64);
    for (_, _, from, to) in client_states(out) {
        if to == "ESTABLISHED" {
            now += 1;
        }
        if from == "ESTABLISHED" {
            now -= 1;
        }
        most = most.max(now);
    }
    most as u64
}

#[test]
fn concurrency_keeps_up_to_n_connections_established_at_once() {
    // 24 objects of 20 kB: a browser's six connections of four requests,
    // against one connection of 24.
    let six = scenario(
        r#""response": 20000"#,
        r#", "connections": 6, "concurrency": 6"#,
        r#", "requests": 4"#,
    );
    let one = scenario(r#""response": 20000"#, "", r#", "requests": 24"#);
    let six = run_text(&six, 1).unwrap();
    let one = run_text(&one, 1).unwrap();
    assert_eq!(most_at_once(&six), 6);
    assert_eq!(most_at_once(&one), 1);
    for out in [&six, &one] {
        assert_eq!(metric(out, "a.http.responses"), 24);
    }
    // The last response of the six comes well before that of the one.
    let done = |out: &scenarios::RunOutput| metric(out, "a.http.page_ns_max");
    assert!(done(&six) * 2 < done(&one), "{} {}", done(&six), done(&one));
}

#[test]
fn a_server_close_with_concurrency_hands_the_rest_to_new_connections_within_the_limit() {
    let text = scenario(
        r#""close": {"after": 2}"#,
        r#", "connections": 3, "concurrency": 3"#,
        r#", "requests": 5"#,
    );
    let out = run_text(&text, 1).unwrap();
    assert_eq!(metric(&out, "a.http.responses"), 15);
    assert_eq!(metric(&out, "a.tcp.connections"), 9);
    assert_eq!(metric(&out, "a.http.pages"), 3);
    assert!(most_at_once(&out) <= 3);
}

#[test]
fn bad_close_response_and_reconnect_values_are_refused_with_their_paths() {
    let s = "endpoints[0].tcp.http";
    let c = "endpoints[1].tcp";
    assert_refused(&[
        (
            scenario(r#""close": {"after": 0}"#, "", ""),
            &format!("{s}.close.after"),
            "at least one response",
        ),
        (
            scenario(r#""close": {"after": 2000000}"#, "", ""),
            &format!("{s}.close.after"),
            "at most 1000000",
        ),
        (
            scenario(r#""close": "sometimes""#, "", ""),
            &format!("{s}.close"),
            "unknown variant",
        ),
        (
            scenario("", "", r#", "close": "every""#),
            &format!("{c}.http.close"),
            "is for the server",
        ),
        (
            scenario(r#""response": []"#, "", ""),
            &format!("{s}.response"),
            "at least one",
        ),
        (
            scenario(r#""response": [10, 100000000000]"#, "", ""),
            &format!("{s}.response[1]"),
            "more than an HTTP message may have",
        ),
        (
            scenario(r#""response": [10, -4]"#, "", ""),
            &format!("{s}.response"),
            "invalid value",
        ),
        (
            scenario("", r#", "reconnect": "later""#, ""),
            &format!("{c}.reconnect"),
            "unknown variant",
        ),
        (
            scenario("", "", "").replace(
                r#""listen": 80,"#,
                r#""listen": 80, "reconnect": "after_response","#,
            ),
            "endpoints[0].tcp.reconnect",
            "goes with \"connect\"",
        ),
        (
            scenario("", r#", "reconnect": "after_response""#, "")
                .replace(r#", "http": {"request": 200}"#, r#", "send": 10"#),
            &format!("{c}.reconnect"),
            "goes with \"http\" or \"tls\"",
        ),
    ]);
}

#[test]
fn tls_takes_the_same_close_and_list_with_their_paths() {
    let lib = std::fs::read_to_string(library_file("http-server-close")).unwrap();
    let with = |end: usize, key: &str, v: serde_json::Value| {
        let mut j: serde_json::Value = serde_json::from_str(&lib).unwrap();
        j["endpoints"][end]["tcp"]["tls"][key] = v;
        j.to_string()
    };
    assert_refused(&[
        (
            with(0, "close", serde_json::json!({"after": 0})),
            "endpoints[0].tcp.tls.close.after",
            "at least one",
        ),
        (
            with(0, "response", serde_json::json!([])),
            "endpoints[0].tcp.tls.response",
            "at least one",
        ),
        (
            with(1, "close", serde_json::json!("every")),
            "endpoints[1].tcp.tls.close",
            "is for the server",
        ),
    ]);
    // A distribution, which a TLS server takes as an HTTP one does: each
    // response drawn anew.
    let mut j: serde_json::Value = serde_json::from_str(&with(
        0,
        "response",
        serde_json::json!({"exponential": 5000}),
    ))
    .unwrap();
    j.as_object_mut().unwrap().remove("expect");
    let out = run_text(&j.to_string(), 1).unwrap();
    assert_eq!(metric(&out, "client.tls.responses"), 6);
    let sizes: std::collections::BTreeSet<u64> = out
        .records
        .iter()
        .filter(|r| {
            r.kind == Kind::TlsRecord
                && r.node == B
                && r.text(Field::Dir) == Some("send")
                && r.text(Field::What) == Some("ApplicationData")
        })
        .filter_map(|r| r.u64(Field::Plaintext))
        .collect();
    assert!(sizes.len() > 2, "{sizes:?}");
}

#[test]
fn a_man_in_the_middle_passes_the_servers_close_on() {
    let lib = std::fs::read_to_string(library_file("tls-mitm-accepted")).unwrap();
    let mut j: serde_json::Value = serde_json::from_str(&lib).unwrap();
    j.as_object_mut().unwrap().remove("expect");
    for e in j["endpoints"].as_array_mut().unwrap() {
        let tcp = &mut e["tcp"];
        if tcp.get("tls").is_none() {
            continue;
        }
        if tcp.get("listen").is_some() {
            tcp["tls"]["close"] = serde_json::json!({"after": 1});
        } else {
            tcp["tls"]["requests"] = serde_json::json!(2);
        }
    }
    let out = run_text(&j.to_string(), 1).unwrap();
    // The relay closes its side toward the client after the closing
    // response, so the client goes on with a new connection.
    assert_eq!(metric(&out, "client.tcp.connections"), 2);
    assert_eq!(metric(&out, "client.tls.responses"), 2);
    assert_eq!(metric(&out, "client.tls.pages"), 1);
    let router_fin_wait = out
        .records
        .iter()
        .filter(|r| {
            r.kind == Kind::TcpState
                && r.text(Field::To) == Some("FIN_WAIT_1")
                && r.u64(Field::Lport) == Some(443)
                && r.node != B
        })
        .count();
    assert!(router_fin_wait >= 2, "{router_fin_wait}");
}
