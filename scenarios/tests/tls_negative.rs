//! The negative-test knobs of TLS as a scenario reaches them: an end told
//! to misbehave, and the alert its peer answers with, traced; and bad
//! knob values refused with the path of the field (exit 2).

mod common;

use common::{assert_refused, library_file, netsim, run_text};
use scenarios::RunOutput;
use sim_core::{Field, Kind};

fn scenario(server: &str, client: &str) -> String {
    format!(
        r#"{{
  "name": "t",
  "stop_at": "10s",
  "topology": {{"nodes": ["client", "www"], "links": [{{"between": ["client", "www"], "delay": "10ms", "bandwidth": "20Mbps"}}]}},
  "endpoints": [
    {{"node": "www", "tcp": {{"listen": 443, "tls": {{{server}}}}}}},
    {{"node": "client", "tcp": {{"connect": "www:443", "tls": {{{client}}}}}}}
  ]
}}"#
    )
}

/// The `tls_state` events of a run as (node, event, alert or reason).
fn tls_events(out: &RunOutput) -> Vec<(u32, String, String)> {
    out.records
        .iter()
        .filter(|r| r.kind == Kind::TlsState)
        .map(|r| {
            let get = |f: Field| match r.field(f) {
                Some(sim_core::Value::Str(s)) => s.to_string(),
                _ => String::new(),
            };
            let detail = match get(Field::Alert) {
                a if a.is_empty() => get(Field::Reason),
                a => a,
            };
            (r.node.0, get(Field::Event), detail)
        })
        .collect()
}

const CLIENT: u32 = 0;
const WWW: u32 = 1;

/// A TLS 1.2 client that skips its ClientKeyExchange: the server, waiting
/// for it, gets ChangeCipherSpec and answers unexpected_message (RFC 5246
/// §7.3: ClientKeyExchange is always sent).
#[test]
fn a_client_skipping_client_key_exchange_hears_unexpected_message() {
    let text = scenario(
        r#""versions": ["1.2"]"#,
        r#""versions": ["1.2"], "misbehave": {"skip": "ClientKeyExchange"}"#,
    );
    let out = run_text(&text, 1).unwrap();
    let events = tls_events(&out);
    assert!(
        events.contains(&(
            CLIENT,
            "misbehaved".into(),
            "skipped ClientKeyExchange".into()
        )),
        "{events:?}"
    );
    assert!(
        events.contains(&(WWW, "alert_sent".into(), "unexpected_message".into())),
        "{events:?}"
    );
    assert!(
        events.contains(&(CLIENT, "alert_received".into(), "unexpected_message".into())),
        "{events:?}"
    );
    assert!(!events.iter().any(|e| e.1 == "established"), "{events:?}");
}

/// A TLS 1.3 server that sends CertificateVerify before its Certificate:
/// unexpected_message from the client.
#[test]
fn a_server_sending_certificate_verify_early_hears_unexpected_message() {
    let text = scenario(
        r#""versions": ["1.3"], "misbehave": {"out_of_order": "CertificateVerify"}"#,
        r#""versions": ["1.3"]"#,
    );
    let out = run_text(&text, 1).unwrap();
    let events = tls_events(&out);
    assert!(
        events.contains(&(
            WWW,
            "misbehaved".into(),
            "sent CertificateVerify before Certificate".into()
        )),
        "{events:?}"
    );
    assert!(
        events.contains(&(CLIENT, "alert_sent".into(), "unexpected_message".into())),
        "{events:?}"
    );
}

#[test]
fn bad_misbehave_settings_name_the_field() {
    let cases = [
        (
            scenario(r#""misbehave": {"skip": "ClientKeyExchange"}"#, ""),
            "endpoints[0].tcp.tls.misbehave.skip",
            "not a handshake message a TLS server sends",
        ),
        (
            scenario("", r#""misbehave": {"out_of_order": "Certificat"}"#),
            "endpoints[1].tcp.tls.misbehave.out_of_order",
            "ClientHello, ClientKeyExchange",
        ),
        (
            scenario("", r#""misbehave": {"bad_verify_data": "yes"}"#),
            "misbehave",
            "",
        ),
        (
            scenario("", r#""misbehave": {"wrong_mac": true}"#),
            "wrong_mac",
            "",
        ),
    ];
    assert_refused(&cases);
}

/// The command line says the same and exits 2, writing nothing.
#[test]
fn netsim_check_refuses_an_unknown_message_with_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("s.json");
    std::fs::write(&path, scenario(r#""misbehave": {"skip": "Finish"}"#, "")).unwrap();
    let o = netsim(&["check", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains("endpoints[0].tcp.tls.misbehave.skip") && err.contains("\"Finish\""),
        "{err}"
    );
    // And the library's misbehaving scenario checks clean.
    let o = netsim(&["check", &library_file("tls-bad-finished")]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
