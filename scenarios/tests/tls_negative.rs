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

/// [`scenario`] with a router `mallory` between the two and one fault
/// rule on what it forwards to the server, `tamper` being its action.
fn tampered(tamper: &str, server: &str, client: &str) -> String {
    format!(
        r#"{{
  "name": "t",
  "stop_at": "10s",
  "topology": {{"nodes": ["client", "www"], "routers": ["mallory"], "links": [
    {{"between": ["client", "mallory"], "delay": "5ms", "bandwidth": "20Mbps"}},
    {{"between": ["mallory", "www"], "delay": "5ms", "bandwidth": "20Mbps"}}]}},
  "endpoints": [
    {{"node": "www", "tcp": {{"listen": 443, "tls": {{{server}}}}}}},
    {{"node": "client", "tcp": {{"connect": "www:443", "tls": {{{client}}}}}}}
  ],
  "faults": [{{"from": "mallory", "to": "www", "match": {{"proto": "tcp", "flags": "PSH,ACK"}}, "tamper": {tamper}}}]
}}"#
    )
}

#[test]
fn bad_tamper_actions_name_the_field() {
    let cases = [
        (
            tampered(r#"{"strip": "keyshare"}"#, "", ""),
            "faults[0].tamper.strip",
            "unknown extension \"keyshare\" (one of server_name,",
        ),
        (
            tampered(r#"{"rewrite": "ServerHello.randm", "value": "00"}"#, "", ""),
            "faults[0].tamper.rewrite",
            "unknown field \"ServerHello.randm\" (one of ClientHello.legacy_version,",
        ),
        (
            tampered(
                r#"{"rewrite": "ServerHello.cipher_suite", "value": "13"}"#,
                "",
                "",
            ),
            "faults[0].tamper.value",
            "1 bytes, but ServerHello.cipher_suite has 2",
        ),
        (
            tampered(
                r#"{"rewrite": "ServerHello.random", "value": "xyz"}"#,
                "",
                "",
            ),
            "faults[0].tamper.value",
            "is not hex",
        ),
        (
            tampered(r#"{"rewrite": "ServerHello.random"}"#, "", ""),
            "faults[0].tamper.value",
            "in hex (32 bytes)",
        ),
        (
            tampered(
                r#"{"strip": "key_share", "rewrite": "ClientHello.random"}"#,
                "",
                "",
            ),
            "faults[0].tamper",
            "give exactly one of",
        ),
        (
            tampered(r#"{"strip": "key_share", "value": "00"}"#, "", ""),
            "faults[0].tamper.value",
            "goes with \"rewrite\"",
        ),
        (
            tampered(r#""scramble""#, "", ""),
            "faults[0].tamper",
            "unknown variant",
        ),
        (
            tampered(r#"{"drop": "Certificate"}"#, "", ""),
            "faults[0].tamper",
            "drop",
        ),
    ];
    assert_refused(&cases);
}

/// RFC 8446 §4.1.3: a TLS 1.2 ServerHello to a client that offered TLS
/// 1.3 whose random ends in the downgrade sentinel is illegal_parameter;
/// an attacker who rewrites the random to carry it (here on a server that
/// only speaks TLS 1.2) has the client abort.
#[test]
fn a_rewritten_server_random_with_the_sentinel_is_illegal_parameter() {
    let random = format!("{}{}", "00".repeat(24), "444f574e47524401");
    let text = tampered(
        &format!(r#"{{"rewrite": "ServerHello.random", "value": "{random}"}}"#),
        r#""versions": ["1.2"]"#,
        "",
    )
    .replace(
        r#""from": "mallory", "to": "www""#,
        r#""from": "mallory", "to": "client""#,
    );
    let out = run_text(&text, 1).unwrap();
    let events = tls_events(&out);
    assert!(
        events.contains(&(CLIENT, "alert_sent".into(), "illegal_parameter".into())),
        "{events:?}"
    );
    assert!(
        events.contains(&(WWW, "alert_received".into(), "illegal_parameter".into())),
        "{events:?}"
    );
}

/// A client told to fall back, whose TLS 1.3 handshake fails (here the
/// server answers its hello without signature_algorithms with
/// missing_extension), retries once with TLS 1.2 and TLS_FALLBACK_SCSV;
/// a server that speaks only TLS 1.2 has nothing better to offer (RFC
/// 7507 §3) and the retry's handshake completes.
#[test]
fn a_fallback_retry_completes_with_a_server_that_has_nothing_better() {
    let text = scenario(
        r#""versions": ["1.3", "1.2"]"#,
        r#""versions": ["1.3", "1.2"], "fallback": true, "extensions": {"signature_algorithms": false}"#,
    );
    let out = run_text(&text, 1).unwrap();
    let events = tls_events(&out);
    assert!(
        events.contains(&(WWW, "alert_sent".into(), "missing_extension".into())),
        "{events:?}"
    );
    assert_eq!(
        events.iter().filter(|e| e.1 == "fallback").count(),
        1,
        "{events:?}"
    );
    // The server takes TLS 1.3 and 1.2: the retry is refused.
    assert!(
        events.contains(&(WWW, "alert_sent".into(), "inappropriate_fallback".into())),
        "{events:?}"
    );

    // A TLS 1.2-only server, and a first hello whose random mallory
    // rewrote: the transcripts differ and the first Finished fails; the
    // retry is left alone, carries the SCSV, and completes, since the
    // server has no higher version to offer (RFC 7507 §3).
    let text = tampered(
        &format!(
            r#"{{"rewrite": "ClientHello.random", "value": "{}"}}"#,
            "11".repeat(32)
        ),
        r#""versions": ["1.2"]"#,
        r#""versions": ["1.3", "1.2"], "fallback": true"#,
    );
    let out = run_text(&text, 1).unwrap();
    let events = tls_events(&out);
    let fallbacks: Vec<_> = events.iter().filter(|e| e.1 == "fallback").collect();
    assert_eq!(fallbacks.len(), 1, "{events:?}");
    assert_eq!(
        events.iter().filter(|e| e.1 == "established").count(),
        2,
        "the retry completes on both ends: {events:?}"
    );
    assert!(
        !events.iter().any(|e| e.2 == "inappropriate_fallback"),
        "{events:?}"
    );
    assert_eq!(common::metric(&out, "client.tls.responses"), 1);
}

#[test]
fn fallback_is_for_the_client() {
    let cases = [(
        scenario(r#""fallback": true"#, ""),
        "endpoints[0].tcp.tls.fallback",
        "is for the client",
    )];
    assert_refused(&cases);
}

/// tls-downgrade-tamper with the extended master secret turned off on
/// the server (`"ems": false`, RFC 7627 off): the keys no longer depend
/// on the transcript, so the client's Finished record opens, and the
/// Finished value is what catches the rewritten ClientHello:
/// decrypt_error (RFC 5246 §7.4.9) instead of bad_record_mac.
#[test]
fn without_ems_the_downgrade_is_caught_by_the_finished_value() {
    let file = std::fs::read_to_string(library_file("tls-downgrade-tamper")).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&file).unwrap();
    doc.as_object_mut().unwrap().remove("expect");
    let alerts = |doc: &serde_json::Value| {
        let out = run_text(&doc.to_string(), 1).unwrap();
        tls_events(&out)
            .into_iter()
            .filter(|e| e.1 == "alert_sent")
            .map(|e| e.2)
            .collect::<Vec<_>>()
    };
    assert_eq!(alerts(&doc), ["bad_record_mac"]);
    // The server is endpoints[0].
    doc["endpoints"][0]["tcp"]["tls"]["ems"] = serde_json::Value::Bool(false);
    assert_eq!(alerts(&doc), ["decrypt_error"]);
}

/// RFC 6125 §6.4.4: a certificate whose CN is the host but whose DNS
/// names are not fails the name check (bad_certificate); without DNS
/// names the CN is the name checked.
#[test]
fn the_subject_cn_counts_only_without_dns_names() {
    let run = |certificate: &str| {
        let text = scenario(
            &format!(r#""certificate": {certificate}"#),
            r#""server_name": "www.example.com""#,
        );
        tls_events(&run_text(&text, 1).unwrap())
    };
    let events = run(r#"{"names": ["other.example.com"], "subject_cn": "www.example.com"}"#);
    assert!(
        events.contains(&(CLIENT, "alert_sent".into(), "bad_certificate".into())),
        "{events:?}"
    );
    let events = run(r#"{"names": [], "subject_cn": "www.example.com"}"#);
    assert!(
        events.iter().any(|e| e.0 == CLIENT && e.1 == "established"),
        "{events:?}"
    );
    let events = run(r#"{"names": [], "subject_cn": "other.example.com"}"#);
    assert!(
        events.contains(&(CLIENT, "alert_sent".into(), "bad_certificate".into())),
        "{events:?}"
    );
    assert_refused(&[
        (
            scenario(r#""certificate": {"names": []}"#, ""),
            "endpoints[0].tcp.tls.certificate.names",
            "at least one host",
        ),
        (
            scenario(r#""certificate": {"subject_cn": ""}"#, ""),
            "endpoints[0].tcp.tls.certificate.subject_cn",
            "not empty",
        ),
    ]);
}

/// The library's negative scenarios check what their names promise:
/// without the fault (or the fallback) their expectations fail.
#[test]
fn the_negative_library_scenarios_fail_without_their_fault() {
    let cases = [
        (
            "tls-bad-finished",
            r#""bad_verify_data": true"#,
            r#""bad_verify_data": false"#,
        ),
        (
            "tls-tamper-strip-extension",
            r#""strip": "key_share""#,
            r#""strip": "pre_shared_key""#,
        ),
        (
            "tls-version-fallback-scsv",
            r#""fallback": true"#,
            r#""fallback": false"#,
        ),
    ];
    for (name, from, to) in cases {
        let text = std::fs::read_to_string(library_file(name)).unwrap();
        assert!(text.contains(from), "{name} has {from}");
        let plan = scenarios::plan_from_str(&text.replace(from, to)).unwrap();
        let out = scenarios::run(&plan, plan.default_seed);
        assert_eq!(
            out.outcome,
            scenarios::Outcome::Failed,
            "{name} with {to} should fail"
        );
    }
}
