//! The `_SHA384` suites end to end over the record layer: data flows both
//! ways, and the key log holds secrets of the suite's hash length (RFC
//! 8446 §7.1: Hash.length; RFC 5246 §8.1: a 48-byte master secret), the
//! lengths a capture tool expects for these suites.

mod support;

use sim_tls::conn::{Connection, Status};
use sim_tls::pki::DemoPki;
use sim_tls::suite::Suite;
use support::{GET, pump};

const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

/// A connection of `suite` that carries a request and a response; the
/// client's key log lines as (label, secret length).
fn key_log(suite: Suite) -> Vec<(&'static str, usize)> {
    let pki = DemoPki::new("www.example.com", 1_700_000_000);
    let v = [suite.version()];
    let mut c = Connection::client(pki.client(&v, &[suite]), [1; 32], [2; 32]);
    let mut s = Connection::server(pki.server(&v, &[suite]), [3; 32], [4; 32]);
    pump(&mut c, &mut s);
    assert_eq!(
        (c.status(), s.status()),
        (Status::Established, Status::Established)
    );
    assert_eq!(c.suite(), Some(suite));
    c.write_app(GET);
    pump(&mut c, &mut s);
    assert_eq!(s.take_app(), GET);
    s.write_app(OK);
    pump(&mut c, &mut s);
    assert_eq!(c.take_app(), OK);
    c.take_key_log()
        .into_iter()
        .map(|l| (l.label, l.secret.len()))
        .collect()
}

#[test]
fn tls13_aes_256_gcm_sha384_logs_48_byte_traffic_secrets() {
    assert_eq!(
        key_log(Suite::TLS_AES_256_GCM_SHA384),
        [
            ("SERVER_HANDSHAKE_TRAFFIC_SECRET", 48),
            ("CLIENT_HANDSHAKE_TRAFFIC_SECRET", 48),
            ("SERVER_TRAFFIC_SECRET_0", 48),
            ("EXPORTER_SECRET", 48),
            ("CLIENT_TRAFFIC_SECRET_0", 48),
        ]
    );
    // A SHA-256 suite's are 32.
    assert!(
        key_log(Suite::TLS_AES_128_GCM_SHA256)
            .iter()
            .all(|&(_, n)| n == 32)
    );
}

#[test]
fn tls12_ecdhe_aes_256_gcm_sha384_completes_and_logs_its_master_secret() {
    assert_eq!(
        key_log(Suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384),
        [("CLIENT_RANDOM", 48)]
    );
}
