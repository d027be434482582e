//! Several applications on one host (issue 16): each under its own name,
//! with its own ports, and the checks on how they sit together.

mod common;

use common::{assert_refused, metric, run_text};

fn scenario(endpoints: &str) -> String {
    format!(
        r#"{{
  "name": "apps",
  "stop_at": "5s",
  "topology": {{
    "nodes": ["a", "b"],
    "links": [{{"between": ["a", "b"], "delay": "5ms", "bandwidth": "10Mbps"}}]
  }},
  "endpoints": [{endpoints}]
}}"#
    )
}

/// Two clients on one host to the same server port: each stack picks its
/// ports from its own half of the ephemeral range, so the server sees two
/// connections, and each client's figures are its own.
#[test]
fn two_clients_of_one_host_reach_one_listener_apart() {
    let text = scenario(
        r#"{"node": "b", "tcp": {"listen": 80}},
           {"node": "a", "name": "one", "tcp": {"connect": "b:80", "send": 100000, "close": "after_send"}},
           {"node": "a", "name": "two", "tcp": {"connect": "b:80", "send": 50000, "close": "after_send", "at": "10ms"}},
           {"node": "a", "name": "probe", "ping": {"target": "b", "count": 4}}"#,
    );
    let out = run_text(&text, 1).unwrap();
    assert_eq!(metric(&out, "a.one.bytes_acked"), 100_000);
    assert_eq!(metric(&out, "a.two.bytes_acked"), 50_000);
    assert_eq!(metric(&out, "b.tcp.bytes_delivered"), 150_000);
    assert_eq!(metric(&out, "b.tcp.connections"), 2);
    assert_eq!(metric(&out, "b.tcp.integrity_errors"), 0);
    assert_eq!(metric(&out, "a.probe.received"), 4);
    let mut ports: Vec<u16> = out
        .connections
        .iter()
        .filter(|c| c.node == sim_core::NodeId(0))
        .map(|c| c.lport)
        .collect();
    ports.sort_unstable();
    assert_eq!(ports, vec![49_152, 57_344]);
    // Same seed, same run.
    let again = run_text(&text, 1).unwrap();
    assert_eq!(out.metrics, again.metrics);
}

/// A host's one application keeps the metric names it always had.
#[test]
fn an_unnamed_application_keeps_its_metric_names() {
    let text = scenario(
        r#"{"node": "b", "tcp": {"listen": 80}},
           {"node": "a", "tcp": {"connect": "b:80", "send": 1000, "close": "after_send"}}"#,
    );
    let out = run_text(&text, 1).unwrap();
    assert_eq!(metric(&out, "a.tcp.bytes_acked"), 1000);
    assert_eq!(metric(&out, "a.echo.answered"), 0);
}

#[test]
fn applications_that_cannot_share_a_host_are_refused() {
    let listen = |port: u32| format!(r#"{{"node": "b", "tcp": {{"listen": {port}}}}}"#);
    let cases = [
        (
            scenario(&format!("{}, {}", listen(80), listen(81))),
            "endpoints[1]",
            "already runs a \"tcp\" application (endpoints[0]); give each application on a host its own \"name\"",
        ),
        (
            scenario(
                r#"{"node": "b", "name": "x", "tcp": {"listen": 80}}, {"node": "b", "name": "x", "tcp": {"listen": 81}}"#,
            ),
            "endpoints[1].name",
            "already has an application named \"x\"",
        ),
        (
            scenario(r#"{"node": "b", "name": "a.b", "tcp": {"listen": 80}}"#),
            "endpoints[0].name",
            "is not an application name",
        ),
        (
            scenario(r#"{"node": "b", "name": "echo", "tcp": {"listen": 80}}"#),
            "endpoints[0].name",
            "the responder every host runs",
        ),
        (
            scenario(
                r#"{"node": "a", "ping": {"target": "b"}}, {"node": "a", "name": "p2", "ping": {"target": "b"}}"#,
            ),
            "endpoints[1].ping",
            "one ping per host",
        ),
        (
            scenario(
                r#"{"node": "b", "name": "x", "tcp": {"listen": 80}}, {"node": "b", "name": "y", "tcp": {"listen": 80}}"#,
            ),
            "endpoints[1].tcp.listen",
            "two applications on one port",
        ),
        (
            scenario(
                r#"{"node": "b", "name": "x", "tcp": {"listen": 50000}}, {"node": "b", "name": "y", "tcp": {"connect": "a:80"}}"#,
            ),
            "endpoints[0].tcp.listen",
            "ephemeral range",
        ),
        (
            scenario(
                r#"{"node": "b", "name": "x", "dns_server": {"zone": {}}}, {"node": "b", "name": "y", "dns_server": {"zone": {}}}"#,
            ),
            "endpoints[1].dns_server",
            "two applications on one port",
        ),
        (
            scenario(
                r#"{"node": "b", "tcp": {"listen": 443, "tls": {}}}, {"node": "b", "name": "tls", "tcp": {"listen": 80}}"#,
            ),
            "endpoints[1].name",
            "the metric \"b.tls.handshake_ns\" would be reported by two applications",
        ),
        (
            scenario(r#"{"node": "b", "tcp": {"listen": 443, "tls": {}, "fast_open": true}}"#),
            "endpoints[0].tcp.fast_open",
            "a plain TCP application only",
        ),
    ];
    let cases: Vec<(String, &str, &str)> = cases.into_iter().collect();
    assert_refused(&cases);
}

/// An on-path model runs alone on its router.
#[test]
fn an_on_path_model_runs_alone() {
    let text = r#"{
  "name": "x",
  "topology": {"nodes": ["a", "b"], "routers": ["r"],
    "links": [{"between": ["a", "r"], "delay": "1ms"}, {"between": ["r", "b"], "delay": "1ms"}]},
  "endpoints": [{"node": "r", "observer": {}}, {"node": "r", "name": "o2", "observer": {}}]
}"#;
    assert_refused(&[(
        text.to_string(),
        "endpoints[1].node",
        "an on-path model runs alone on its router",
    )]);
}
