//! Both ends against each other: every flow, every failure the RFCs name
//! an alert for, tampering in flight, resumption and early data.

use super::*;
use crate::alert::Alert;
use crate::cert::{CertError, Certificate, TrustStore};
use crate::cost::PkOps;
use crate::msg::Message;
use crate::pki::DemoPki;
use crate::session::ClientSession;
use crate::session::SessionCache;
use crate::suite::{Group, Suite, Version};
use schedule::ticket_psk;

const NOW: i64 = 1_700_000_000;
const YEAR: i64 = 365 * 86_400;

fn cert(subject: &str, issuer: &str, key: u32, signed_by: u32, ca: bool) -> Certificate {
    crate::pki::certificate(subject, issuer, key, signed_by, ca, NOW)
}

fn configs(versions: &[Version], suites: &[Suite]) -> (ClientConfig, ServerConfig) {
    let pki = DemoPki::new("www.example.com", NOW);
    (pki.client(versions, suites), pki.server(versions, suites))
}

/// What crossed the wire, as "C>ClientHello", "S>CCS", "C>alert:..." lines.
struct Run {
    wire: Vec<String>,
    client: Vec<HandshakeEvent>,
    server: Vec<HandshakeEvent>,
    client_up: bool,
    server_up: bool,
    ops: (PkOps, PkOps),
}

/// Runs a handshake to quiescence; `tamper(from_client, name, bytes)` may
/// change any handshake message in flight.
fn run(c: ClientConfig, s: ServerConfig, tamper: impl FnMut(bool, &str, &mut Vec<u8>)) -> Run {
    run_seeded(0, c, s, tamper)
}

/// A run whose randoms depend on `seed`, for tests that need several
/// distinct connections (fresh randoms give fresh session ids).
fn run_seeded(
    seed: u8,
    c: ClientConfig,
    s: ServerConfig,
    mut tamper: impl FnMut(bool, &str, &mut Vec<u8>),
) -> Run {
    let mut client = Client::new(c, [7 + seed; 32], [8 + seed; 32]);
    let mut server = Server::new(s, [100 + seed; 32], [200 + seed; 32]);
    let mut wire = Vec::new();
    for _ in 0..20 {
        let mut moved = false;
        while let Some(o) = client.poll_output() {
            moved = true;
            deliver(true, o, &mut wire, &mut tamper, |i| server.handle(i));
        }
        while let Some(o) = server.poll_output() {
            moved = true;
            deliver(false, o, &mut wire, &mut tamper, |i| client.handle(i));
        }
        if !moved {
            break;
        }
    }
    Run {
        wire,
        client: std::iter::from_fn(|| client.poll_event()).collect(),
        server: std::iter::from_fn(|| server.poll_event()).collect(),
        client_up: client.is_established(),
        server_up: server.is_established(),
        ops: (client.pk_ops(), server.pk_ops()),
    }
}

fn deliver(
    from_client: bool,
    o: Output,
    wire: &mut Vec<String>,
    tamper: &mut impl FnMut(bool, &str, &mut Vec<u8>),
    mut to: impl FnMut(Input<'_>),
) {
    let who = if from_client { "C" } else { "S" };
    match o {
        Output::Handshake(name, mut bytes) => {
            tamper(from_client, name, &mut bytes);
            wire.push(format!("{who}>{name}"));
            to(Input::Handshake(&bytes));
        }
        Output::ChangeCipherSpec => {
            wire.push(format!("{who}>CCS"));
            to(Input::ChangeCipherSpec);
        }
        Output::Alert(a) => {
            wire.push(format!("{who}>alert:{}", a.name()));
            to(Input::Alert(a));
        }
        Output::WriteKeys(_)
        | Output::ReadKeys(_)
        | Output::Early(_)
        | Output::WriteOpen
        | Output::Exporter(_) => {}
    }
}

/// A change to the test configurations.
type Change = fn(&mut ClientConfig, &mut ServerConfig);

fn no_tamper(_: bool, _: &str, _: &mut Vec<u8>) {}

fn alert_sent(events: &[HandshakeEvent]) -> Option<Alert> {
    events.iter().find_map(|e| match e {
        HandshakeEvent::AlertSent(a, _) => Some(*a),
        _ => None,
    })
}

#[test]
fn tls13_one_rtt_flight_order() {
    let (c, s) = configs(
        &[Version::Tls13, Version::Tls12],
        &[Suite::TLS_AES_128_GCM_SHA256],
    );
    let r = run(c, s, no_tamper);
    assert_eq!(
        r.wire,
        [
            "C>ClientHello",
            "S>ServerHello",
            "S>EncryptedExtensions",
            "S>Certificate",
            "S>CertificateVerify",
            "S>Finished",
            "C>Finished"
        ]
    );
    let up = HandshakeEvent::Established {
        version: Version::Tls13,
        suite: Suite::TLS_AES_128_GCM_SHA256,
    };
    assert_eq!(r.client, std::slice::from_ref(&up));
    assert_eq!(r.server, [up]);
    assert!(r.client_up && r.server_up);
}

#[test]
fn tls12_rsa_and_ecdhe_flights() {
    let (c, s) = configs(&[Version::Tls12], &[Suite::TLS_RSA_WITH_AES_128_GCM_SHA256]);
    let r = run(c, s, no_tamper);
    assert_eq!(
        r.wire,
        [
            "C>ClientHello",
            "S>ServerHello",
            "S>Certificate",
            "S>ServerHelloDone",
            "C>ClientKeyExchange",
            "C>CCS",
            "C>Finished",
            "S>CCS",
            "S>Finished"
        ]
    );
    assert!(r.client_up && r.server_up);

    let (c, s) = configs(
        &[Version::Tls12],
        &[Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256],
    );
    let r = run(c, s, no_tamper);
    assert_eq!(r.wire[3], "S>ServerKeyExchange");
    assert_eq!(r.wire.len(), 10);
    assert!(r.client_up && r.server_up);
}

#[test]
fn every_suite_completes_in_its_version() {
    for suite in Suite::ALL {
        let (c, s) = configs(&[suite.version()], &[suite]);
        let r = run(c, s, no_tamper);
        assert!(r.client_up && r.server_up, "{suite}: {:?}", r.wire);
        assert_eq!(
            r.client,
            [HandshakeEvent::Established {
                version: suite.version(),
                suite
            }]
        );
    }
}

#[test]
fn the_server_picks_its_own_preference_and_the_highest_version() {
    let (mut c, mut s) = configs(
        &[Version::Tls13, Version::Tls12],
        &[Suite::TLS_AES_128_GCM_SHA256, Suite::TLS_AES_256_GCM_SHA384],
    );
    c.suites.push(Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
    s.suites = vec![
        Suite::TLS_AES_256_GCM_SHA384,
        Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ];
    let r = run(c.clone(), s.clone(), no_tamper);
    assert_eq!(
        r.server,
        [HandshakeEvent::Established {
            version: Version::Tls13,
            suite: Suite::TLS_AES_256_GCM_SHA384
        }]
    );
    // A TLS 1.2-only server falls back.
    s.versions = vec![Version::Tls12];
    let r = run(c, s, no_tamper);
    assert_eq!(
        r.client,
        [HandshakeEvent::Established {
            version: Version::Tls12,
            suite: Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        }]
    );
}

#[test]
fn no_common_suite_or_version_is_refused() {
    let (c, mut s) = configs(&[Version::Tls12], &[Suite::TLS_RSA_WITH_AES_128_CBC_SHA]);
    s.suites = vec![Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256];
    let r = run(c, s, no_tamper);
    assert_eq!(r.wire, ["C>ClientHello", "S>alert:handshake_failure"]);
    assert_eq!(
        r.client,
        [HandshakeEvent::AlertReceived(Alert::HandshakeFailure)]
    );
    assert!(!r.client_up && !r.server_up);

    let (c, mut s) = configs(&[Version::Tls12], &[Suite::TLS_RSA_WITH_AES_128_CBC_SHA]);
    s.versions = vec![Version::Tls13];
    let r = run(c, s, no_tamper);
    assert_eq!(r.wire, ["C>ClientHello", "S>alert:protocol_version"]);
}

#[test]
fn certificate_failures_send_the_rfc_alerts() {
    let cases: [(&str, Change, Alert); 5] = [
        (
            "untrusted root",
            |c, _| c.trust = TrustStore::new(),
            Alert::UnknownCa,
        ),
        (
            "expired",
            |c, _| c.now_unix = NOW + 2 * YEAR,
            Alert::CertificateExpired,
        ),
        (
            "wrong name",
            |c, _| c.server_name = "evil.example.net".into(),
            Alert::BadCertificate,
        ),
        (
            "revoked",
            |c, _| c.revoked.revoke("Demo Intermediate CA", 3),
            Alert::CertificateRevoked,
        ),
        (
            "self-signed",
            |_, s| {
                s.chain = vec![cert("www.example.com", "www.example.com", 3, 3, false)];
            },
            Alert::UnknownCa,
        ),
    ];
    for version in [Version::Tls13, Version::Tls12] {
        let suite = if version == Version::Tls13 {
            Suite::TLS_AES_128_GCM_SHA256
        } else {
            Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        };
        for (what, change, alert) in cases {
            let (mut c, mut s) = configs(&[version], &[suite]);
            change(&mut c, &mut s);
            let r = run(c, s, no_tamper);
            assert_eq!(
                alert_sent(&r.client),
                Some(alert),
                "{what} in TLS {version}"
            );
            assert_eq!(r.server, [HandshakeEvent::AlertReceived(alert)], "{what}");
            assert_eq!(r.wire.last().unwrap(), &format!("C>alert:{}", alert.name()));
            assert!(!r.client_up && !r.server_up);
        }
    }
}

#[test]
fn accept_untrusted_goes_on_and_says_so() {
    let (mut c, s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
    c.trust = TrustStore::new();
    c.accept_untrusted = true;
    let r = run(c, s, no_tamper);
    assert!(r.client_up && r.server_up);
    assert!(matches!(
        r.client[0],
        HandshakeEvent::UntrustedAccepted(CertError::UnknownIssuer { .. })
    ));
}

/// An attacker rewrites the ClientHello's supported_versions so a TLS
/// 1.3 server picks TLS 1.2; the sentinel stops the client at the
/// ServerHello, before it sends anything under the weaker version.
#[test]
fn the_downgrade_sentinel_catches_a_version_rollback() {
    let both = [Version::Tls13, Version::Tls12];
    let suites = [
        Suite::TLS_AES_128_GCM_SHA256,
        Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ];
    let (c, s) = configs(&both, &suites);
    let r = run(c, s, |from_client, name, bytes| {
        if from_client && name == "ClientHello" {
            // supported_versions: 00 2b, length 00 05, list 04 03 04 03 03.
            let at = bytes
                .windows(4)
                .position(|w| w == [0x00, 0x2b, 0x00, 0x05])
                .unwrap();
            bytes[at + 5..at + 7].copy_from_slice(&[3, 3]);
        }
    });
    assert_eq!(
        alert_sent(&r.client),
        Some(Alert::IllegalParameter),
        "{:?}",
        r.wire
    );
    assert!(!r.wire.iter().any(|m| m == "C>ClientKeyExchange"));

    // A genuine TLS 1.2-only client talking to the same server is fine:
    // it did not offer TLS 1.3, so the sentinel means nothing to it.
    let (mut c, s) = configs(&both, &suites);
    c.versions = vec![Version::Tls12];
    let r = run(c, s, no_tamper);
    assert!(r.client_up && r.server_up, "{:?}", r.wire);
}

#[test]
fn fallback_scsv_is_refused_by_a_server_that_could_do_better() {
    let suites = [
        Suite::TLS_AES_128_GCM_SHA256,
        Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ];
    let (mut c, s) = configs(&[Version::Tls13, Version::Tls12], &suites);
    c.versions = vec![Version::Tls12];
    c.fallback = true;
    let r = run(c.clone(), s, no_tamper);
    assert_eq!(r.wire, ["C>ClientHello", "S>alert:inappropriate_fallback"]);
    // A TLS 1.2-only server has nothing better to offer.
    let (_, mut s) = configs(&[Version::Tls12], &suites);
    s.versions = vec![Version::Tls12];
    let r = run(c, s, no_tamper);
    assert!(r.client_up && r.server_up, "{:?}", r.wire);
}

/// Who pays for what: the server signs or decrypts once, the client
/// checks both certificates and any signed message.
#[test]
fn public_key_operations_per_flow() {
    let ops = |suite: Suite| {
        let (c, s) = configs(&[suite.version()], &[suite]);
        run(c, s, no_tamper).ops
    };
    let pk = |rsa_private, rsa_public, ecdhe_keygen, ecdhe_derive| PkOps {
        rsa_private,
        rsa_public,
        ecdhe_keygen,
        ecdhe_derive,
    };
    assert_eq!(
        ops(Suite::TLS_AES_128_GCM_SHA256),
        (pk(0, 3, 1, 1), pk(1, 0, 1, 1))
    );
    assert_eq!(
        ops(Suite::TLS_RSA_WITH_AES_128_GCM_SHA256),
        (pk(0, 3, 0, 0), pk(1, 0, 0, 0))
    );
    assert_eq!(
        ops(Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
        (pk(0, 3, 1, 1), pk(1, 0, 1, 1))
    );
    // With the default costs the server's RSA operation dominates.
    let server = crate::cost::CpuCosts::default().time(ops(Suite::TLS_AES_128_GCM_SHA256).1);
    assert_eq!(server, sim_core::SimDuration::from_micros(1_730 + 45 + 39));
}

/// RFC 8446 §4.1.4: the client's share is in a group the server does
/// not take, but they have one in common: one extra round trip.
#[test]
fn hello_retry_request_gets_a_share_in_a_common_group() {
    let (c, mut s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
    s.groups = vec![Group::Secp384r1, Group::Secp256r1];
    let r = run(c, s, no_tamper);
    assert_eq!(
        r.wire,
        [
            "C>ClientHello",
            "S>HelloRetryRequest",
            "C>ClientHello",
            "S>ServerHello",
            "S>EncryptedExtensions",
            "S>Certificate",
            "S>CertificateVerify",
            "S>Finished",
            "C>Finished"
        ]
    );
    assert!(r.client_up && r.server_up);
    // Two key pairs on the client: x25519, then P-256.
    assert_eq!(r.ops.0.ecdhe_keygen, 2);

    // No group in common at all.
    let (c, mut s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
    s.groups = vec![Group::Secp384r1];
    let r = run(c, s, no_tamper);
    assert_eq!(r.wire, ["C>ClientHello", "S>alert:handshake_failure"]);
}

#[test]
fn a_bad_hello_retry_request_is_refused() {
    // The request names a group the client never offered.
    let (c, mut s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
    s.groups = vec![Group::Secp256r1];
    let r = run(c, s, |from_client, name, bytes| {
        if !from_client && name == "HelloRetryRequest" {
            let n = bytes.len();
            bytes[n - 2..].copy_from_slice(&Group::Secp384r1.code().to_be_bytes());
        }
    });
    assert_eq!(
        alert_sent(&r.client),
        Some(Alert::IllegalParameter),
        "{:?}",
        r.wire
    );

    // A second request after the first.
    let (c, _) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
    let mut client = Client::new(c, [1; 32], [2; 32]);
    let hrr = Message::HelloRetryRequest {
        suite: Suite::TLS_AES_128_GCM_SHA256.code(),
        group: Group::Secp256r1.code(),
    }
    .encode(Version::Tls13);
    client.handle(Input::Handshake(&hrr));
    assert!(!client.has_failed());
    client.handle(Input::Handshake(&hrr));
    let out: Vec<Output> = std::iter::from_fn(|| client.poll_output()).collect();
    assert_eq!(out.last(), Some(&Output::Alert(Alert::UnexpectedMessage)));

    // A second ClientHello that still has the wrong share.
    let (c, mut s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
    s.groups = vec![Group::Secp256r1];
    let mut seen = 0;
    let r = run(c, s, |from_client, name, bytes| {
        if from_client && name == "ClientHello" {
            seen += 1;
            if seen == 2 {
                // The share is P-256's; name P-384 instead.
                let Ok(Message::ClientHello(mut ch)) = Message::decode(bytes, Version::Tls12)
                else {
                    panic!("the second ClientHello does not decode")
                };
                let share = ch.key_share.as_mut().expect("a key share");
                assert_eq!(share.0, 0x0017);
                share.0 = 0x0018;
                *bytes = Message::ClientHello(ch).encode(Version::Tls12);
            }
        }
    });
    assert_eq!(
        alert_sent(&r.server),
        Some(Alert::IllegalParameter),
        "{:?}",
        r.wire
    );
}

fn new_session(events: &[HandshakeEvent]) -> Option<ClientSession> {
    events.iter().find_map(|e| match e {
        HandshakeEvent::NewSession(s) => Some(s.clone()),
        _ => None,
    })
}

const RSA12: Suite = Suite::TLS_RSA_WITH_AES_128_CBC_SHA;

/// RFC 5246 §7.3: a session id the server cached lets the next
/// connection skip certificate and key exchange, one round trip less.
#[test]
fn tls12_resumption_by_session_id() {
    let cache = SessionCache::new();
    let (c, mut s) = configs(&[Version::Tls12], &[RSA12]);
    s.sessions = Some(cache.clone());
    let first = run_seeded(1, c.clone(), s.clone(), no_tamper);
    assert!(first.client_up && first.server_up);
    let session = new_session(&first.client).expect("a session to keep");
    assert_eq!(session.id.len(), 32);
    assert_eq!(cache.len(), 1);

    let mut c2 = c.clone();
    c2.resume = Some(session.clone());
    let r = run_seeded(2, c2, s.clone(), no_tamper);
    assert_eq!(
        r.wire,
        [
            "C>ClientHello",
            "S>ServerHello",
            "S>CCS",
            "S>Finished",
            "C>CCS",
            "C>Finished"
        ]
    );
    assert!(r.client_up && r.server_up);
    assert!(
        r.client.contains(&HandshakeEvent::Resumed) && r.server.contains(&HandshakeEvent::Resumed)
    );
    // No public-key work at all.
    assert_eq!(r.ops, (PkOps::default(), PkOps::default()));

    // A server that forgot the session does a full handshake instead.
    let mut c3 = c;
    c3.resume = Some(session);
    s.sessions = Some(SessionCache::new());
    let r = run_seeded(3, c3, s, no_tamper);
    assert!(r.wire.contains(&"S>Certificate".to_string()));
    assert!(
        r.client_up && r.server_up && !r.client.contains(&HandshakeEvent::Resumed),
        "{:?} {:?} {:?}",
        r.wire,
        r.client,
        r.server
    );
}

/// RFC 5077: the server keeps nothing; the client brings the session
/// back sealed in a ticket.
#[test]
fn tls12_resumption_by_ticket() {
    let (mut c, mut s) = configs(
        &[Version::Tls12],
        &[Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256],
    );
    c.tickets = true;
    s.ticket_key = Some([42; 32]);
    let first = run_seeded(4, c.clone(), s.clone(), no_tamper);
    assert_eq!(
        &first.wire[first.wire.len() - 3..],
        ["S>NewSessionTicket", "S>CCS", "S>Finished"]
    );
    let session = new_session(&first.client).expect("a ticket session");
    assert_eq!(session.ticket.as_ref().map(Vec::len), Some(115));

    let mut c2 = c.clone();
    c2.resume = Some(session.clone());
    let r = run_seeded(5, c2.clone(), s.clone(), no_tamper);
    assert_eq!(r.wire.len(), 6, "{:?}", r.wire);
    assert!(r.client_up && r.server_up && r.server.contains(&HandshakeEvent::Resumed));

    // A ticket changed in flight is not resumed; and as the
    // ClientHello changed, the full handshake then fails at Finished.
    let r = run_seeded(6, c2.clone(), s.clone(), |from_client, name, bytes| {
        if from_client && name == "ClientHello" {
            let t = session.ticket.as_ref().unwrap();
            let p = bytes.windows(16).position(|w| w == &t[..16]).unwrap();
            bytes[p + 40] ^= 1;
        }
    });
    assert!(!r.server.contains(&HandshakeEvent::Resumed), "{:?}", r.wire);
    assert_eq!(alert_sent(&r.server), Some(Alert::DecryptError));
    // A ticket sealed under a key the server no longer has: a full
    // handshake.
    s.ticket_key = Some([43; 32]);
    let r = run_seeded(7, c2, s, no_tamper);
    assert!(r.client_up && r.server_up && !r.server.contains(&HandshakeEvent::Resumed));
}

/// RFC 7627: the master secret is bound to the session hash, and a
/// session made with it is never resumed without it (§5.3).
#[test]
fn extended_master_secret() {
    let (c, s) = configs(&[Version::Tls12], &[RSA12]);
    let cache = SessionCache::new();
    let s = ServerConfig {
        sessions: Some(cache),
        ..s
    };
    let with = new_session(&run_seeded(8, c.clone(), s.clone(), no_tamper).client).unwrap();
    let without = {
        let mut c = c.clone();
        c.ems = false;
        new_session(&run_seeded(9, c, s.clone(), no_tamper).client).unwrap()
    };
    assert!(with.ems && !without.ems);
    assert_ne!(with.master, without.master);
    // Offering the EMS session without EMS: no resumption.
    let mut c2 = c;
    c2.ems = false;
    c2.resume = Some(with);
    let r = run_seeded(10, c2, s, no_tamper);
    assert!(r.client_up && r.server_up);
    assert!(!r.server.contains(&HandshakeEvent::Resumed));
}

/// What one side emitted on the wire in a clean handshake: handshake
/// messages (kind byte, bytes) and ChangeCipherSpec as `None`.
type Flight = Vec<Option<(u8, Vec<u8>)>>;

fn record(c: ClientConfig, s: ServerConfig) -> (ClientConfig, ServerConfig, Flight, Flight) {
    let mut client = Client::new(c.clone(), [7; 32], [8; 32]);
    let mut server = Server::new(s.clone(), [9; 32], [10; 32]);
    let (mut cf, mut sf) = (Vec::new(), Vec::new());
    for _ in 0..10 {
        while let Some(o) = client.poll_output() {
            match o {
                Output::Handshake(_, b) => {
                    server.handle(Input::Handshake(&b));
                    cf.push(Some((b[0], b)));
                }
                Output::ChangeCipherSpec => {
                    server.handle(Input::ChangeCipherSpec);
                    cf.push(None);
                }
                _ => {}
            }
        }
        while let Some(o) = server.poll_output() {
            match o {
                Output::Handshake(_, b) => {
                    client.handle(Input::Handshake(&b));
                    sf.push(Some((b[0], b)));
                }
                Output::ChangeCipherSpec => {
                    client.handle(Input::ChangeCipherSpec);
                    sf.push(None);
                }
                _ => {}
            }
        }
    }
    assert!(client.is_established() && server.is_established());
    (c, s, cf, sf)
}

fn feed(h: &mut dyn FnMut(Input<'_>), item: &Option<(u8, Vec<u8>)>) {
    match item {
        Some((_, b)) => h(Input::Handshake(b)),
        None => h(Input::ChangeCipherSpec),
    }
}

/// RFC 8446 §6.2 / RFC 5246 §7.2.2: after every prefix of the peer's
/// messages, every handshake message of another kind than the one
/// expected is unexpected_message, on both sides and in every flow.
#[test]
fn every_message_out_of_place_is_unexpected_message() {
    let mut flows: Vec<(ClientConfig, ServerConfig)> = [
        (Version::Tls13, Suite::TLS_AES_128_GCM_SHA256),
        (Version::Tls12, Suite::TLS_RSA_WITH_AES_128_GCM_SHA256),
        (Version::Tls12, Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
    ]
    .into_iter()
    .map(|(v, s)| configs(&[v], &[s]))
    .collect();
    // TLS 1.3 resumed with accepted early data: EndOfEarlyData, and a
    // NewSessionTicket after the handshake.
    flows.push(resumable13(true, true));
    for (c, s) in flows {
        let suite = c.suites[0];
        let (c, s, cf, sf) = record(c, s);
        let all: Vec<&(u8, Vec<u8>)> = cf.iter().chain(&sf).flatten().collect();
        let mut checked = 0;
        // The client against the server's messages.
        for k in 0..=sf.len() {
            let expected = sf.get(k).map(|m| m.as_ref().map(|(kind, _)| *kind));
            for (kind, bytes) in all.iter().map(|m| (m.0, &m.1)) {
                // A TLS 1.3 client takes tickets whenever it is up.
                let ticket_when_up = k == sf.len() && kind == crate::msg::kind::NEW_SESSION_TICKET;
                if expected == Some(Some(kind)) || ticket_when_up {
                    continue;
                }
                let mut client = Client::new(c.clone(), [7; 32], [8; 32]);
                for item in &sf[..k] {
                    feed(&mut |i| client.handle(i), item);
                }
                while client.poll_output().is_some() {}
                client.handle(Input::Handshake(bytes));
                let last = std::iter::from_fn(|| client.poll_output()).last();
                assert_eq!(
                    last,
                    Some(Output::Alert(Alert::UnexpectedMessage)),
                    "{suite}: client after {k} server messages, given kind {kind}"
                );
                checked += 1;
            }
        }
        // The server against the client's messages.
        for k in 0..=cf.len() {
            let expected = cf.get(k).map(|m| m.as_ref().map(|(kind, _)| *kind));
            for (kind, bytes) in all.iter().map(|m| (m.0, &m.1)) {
                if expected == Some(Some(kind)) {
                    continue;
                }
                let mut server = Server::new(s.clone(), [9; 32], [10; 32]);
                for item in &cf[..k] {
                    feed(&mut |i| server.handle(i), item);
                }
                while server.poll_output().is_some() {}
                server.handle(Input::Handshake(bytes));
                let last = std::iter::from_fn(|| server.poll_output()).last();
                assert_eq!(
                    last,
                    Some(Output::Alert(Alert::UnexpectedMessage)),
                    "{suite}: server after {k} client messages, given kind {kind}"
                );
                checked += 1;
            }
        }
        assert!(checked > 30, "{suite}: {checked}");
    }
}

/// Configurations for a TLS 1.3 resumption: the client holds a ticket
/// from a first full handshake (with early data allowed if `early`),
/// and offers it (sending early data if `early`); the server accepts
/// early data if `accept`.
fn resumable13(early: bool, accept: bool) -> (ClientConfig, ServerConfig) {
    let (mut c, mut s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
    s.ticket_key = Some([42; 32]);
    s.max_early_data = if early { 16_384 } else { 0 };
    s.accept_early_data = accept;
    let first = run_seeded(1, c.clone(), s.clone(), no_tamper);
    let ticket = first.client.iter().find_map(|e| match e {
        HandshakeEvent::NewTicket(t) => Some(t.clone()),
        _ => None,
    });
    assert!(ticket.is_some(), "{:?}", first.wire);
    c.resume13 = ticket;
    c.early_data = early;
    c.ticket_age_ms = 1_500;
    (c, s)
}

#[test]
fn the_ticket_psk_matches_rfc_8448() {
    // RFC 8448 §3: resumption master secret, ticket nonce 00 00, and
    // the PSK §4 resumes with.
    let res = crate::crypto::Secret::new(
        crate::crypto::HashAlg::Sha256,
        &(0..32)
            .map(|i| {
                let h = "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c";
                u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap()
            })
            .collect::<Vec<u8>>(),
    );
    assert_eq!(
        crate::crypto::hex(&ticket_psk(&res, &[0, 0])),
        "4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3"
    );
}

#[test]
fn tls13_psk_resumption_skips_the_certificate() {
    let (c, s) = resumable13(false, false);
    let r = run(c.clone(), s.clone(), no_tamper);
    assert_eq!(
        r.wire,
        [
            "C>ClientHello",
            "S>ServerHello",
            "S>EncryptedExtensions",
            "S>Finished",
            "C>Finished",
            "S>NewSessionTicket"
        ]
    );
    assert!(r.client_up && r.server_up);
    assert!(
        r.client.contains(&HandshakeEvent::Resumed) && r.server.contains(&HandshakeEvent::Resumed)
    );
    // No certificate to check, no CertificateVerify to sign; ECDHE
    // still (psk_dhe_ke, forward secrecy).
    assert_eq!((r.ops.0.rsa_public, r.ops.1.rsa_private), (0, 0));
    assert_eq!(r.ops.1.ecdhe_derive, 1);
    // A fresh ticket for the next time.
    assert!(
        r.client
            .iter()
            .any(|e| matches!(e, HandshakeEvent::NewTicket(_)))
    );

    // The ticket under another server key: a full handshake.
    let mut other = s.clone();
    other.ticket_key = Some([43; 32]);
    let r = run(c.clone(), other, no_tamper);
    assert!(r.wire.contains(&"S>Certificate".to_string()));
    assert!(r.client_up && !r.client.contains(&HandshakeEvent::Resumed));

    // A binder that does not verify is decrypt_error.
    let r = run(c.clone(), s.clone(), |from_client, name, bytes| {
        if from_client && name == "ClientHello" {
            let n = bytes.len();
            bytes[n - 1] ^= 1;
        }
    });
    assert_eq!(alert_sent(&r.server), Some(Alert::DecryptError));
    assert!(!r.client_up);

    // A PSK without psk_key_exchange_modes: missing_extension.
    let r = run(c.clone(), s.clone(), |from_client, name, bytes| {
        if from_client && name == "ClientHello" {
            let Ok(Message::ClientHello(mut h)) = Message::decode(bytes, Version::Tls12) else {
                panic!("decodes")
            };
            h.psk_modes.clear();
            *bytes = Message::ClientHello(h).encode(Version::Tls12);
        }
    });
    assert_eq!(alert_sent(&r.server), Some(Alert::MissingExtension));

    // After a HelloRetryRequest the PSK is offered again with a binder
    // over the new transcript, and resumption goes on.
    let mut s2 = s.clone();
    s2.groups = vec![Group::Secp256r1];
    let r = run(c, s2, no_tamper);
    assert!(r.wire.contains(&"S>HelloRetryRequest".to_string()));
    assert!(r.client_up && r.server.contains(&HandshakeEvent::Resumed));
}

#[test]
fn tls13_early_data_accepted_or_refused() {
    let (c, s) = resumable13(true, true);
    let r = run(c, s, no_tamper);
    assert_eq!(
        r.wire,
        [
            "C>ClientHello",
            "S>ServerHello",
            "S>EncryptedExtensions",
            "S>Finished",
            "C>EndOfEarlyData",
            "C>Finished",
            "S>NewSessionTicket"
        ]
    );
    let accepted = HandshakeEvent::EarlyData { accepted: true };
    assert!(r.client.contains(&accepted) && r.server.contains(&accepted));
    assert!(r.client_up && r.server_up);

    // Refused: no EndOfEarlyData, both sides say so.
    let (c, s) = resumable13(true, false);
    let r = run(c, s, no_tamper);
    assert!(!r.wire.contains(&"C>EndOfEarlyData".to_string()));
    let refused = HandshakeEvent::EarlyData { accepted: false };
    assert!(r.client.contains(&refused) && r.server.contains(&refused));
    assert!(r.client_up && r.server_up);

    // A ticket that allows none: the client does not try.
    let (c, s) = resumable13(false, true);
    let mut c = c;
    c.early_data = true;
    let r = run(c, s, no_tamper);
    assert!(
        !r.client
            .iter()
            .any(|e| matches!(e, HandshakeEvent::EarlyData { .. }))
    );
}

#[test]
fn refuse_weak_policy() {
    let (mut c, s) = configs(&[Version::Tls12], &[Suite::TLS_RSA_WITH_RC4_128_SHA]);
    c.refuse_weak = true;
    let r = run(c, s, no_tamper);
    assert_eq!(alert_sent(&r.client), Some(Alert::InsufficientSecurity));
}

/// A downgrade attempt: an on-path attacker strikes the strong suites
/// from the ClientHello. Both ends negotiate, but the transcripts differ,
/// so the Finished check catches it (RFC 5246 §7.4.9, RFC 8446 §4.4.4).
#[test]
fn a_tampered_client_hello_fails_at_finished() {
    for (version, strong, weak) in [
        (
            Version::Tls12,
            Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            Suite::TLS_RSA_WITH_RC4_128_SHA,
        ),
        (
            Version::Tls13,
            Suite::TLS_AES_256_GCM_SHA384,
            Suite::TLS_AES_128_GCM_SHA256,
        ),
    ] {
        let (c, mut s) = configs(&[version], &[strong, weak]);
        s.suites = vec![strong, weak];
        let r = run(c, s, |from_client, name, bytes| {
            if from_client && name == "ClientHello" {
                // Overwrite the strong code with the weak one in place.
                let code = strong.code().to_be_bytes();
                let at = bytes.windows(2).position(|w| w == code).unwrap();
                bytes[at..at + 2].copy_from_slice(&weak.code().to_be_bytes());
            }
        });
        let failed = [&r.client, &r.server]
            .into_iter()
            .find_map(|e| alert_sent(e))
            .expect("someone notices");
        assert_eq!(failed, Alert::DecryptError, "TLS {version}: {:?}", r.wire);
        assert!(!r.client_up || !r.server_up);
        assert!(!(r.client_up && r.server_up));
    }
}

#[test]
fn a_forged_certificate_verify_is_refused() {
    let (c, s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
    let r = run(c, s, |from_client, name, bytes| {
        if !from_client && name == "CertificateVerify" {
            let n = bytes.len();
            bytes[n - 1] ^= 1;
        }
    });
    assert_eq!(alert_sent(&r.client), Some(Alert::DecryptError));
}

#[test]
fn out_of_order_and_truncated_messages() {
    // A Finished where a ServerHello belongs.
    let (c, _) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
    let mut client = Client::new(c, [1; 32], [2; 32]);
    let _ = client.poll_output();
    client.handle(Input::Handshake(
        &Message::Finished(vec![0; 32]).encode(Version::Tls13),
    ));
    assert_eq!(
        client.poll_output(),
        Some(Output::Alert(Alert::UnexpectedMessage))
    );
    assert!(client.has_failed());
    // Nothing more after a fatal alert.
    client.handle(Input::ChangeCipherSpec);
    assert_eq!(client.poll_output(), None);

    // A truncated ClientHello.
    let (c, s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
    let r = run(c, s, |from_client, _, bytes| {
        if from_client {
            bytes.truncate(bytes.len() / 2);
        }
    });
    assert_eq!(r.wire, ["C>ClientHello", "S>alert:decode_error"]);

    // A TLS 1.2 CCS before the server's flight.
    let (_, s) = configs(&[Version::Tls12], &[Suite::TLS_RSA_WITH_AES_128_GCM_SHA256]);
    let mut server = Server::new(s, [1; 32], [2; 32]);
    server.handle(Input::ChangeCipherSpec);
    assert_eq!(
        server.poll_output(),
        Some(Output::Alert(Alert::UnexpectedMessage))
    );
}

/// Flipping or truncating any byte of any message never panics, and it
/// never leaves both ends believing they agree unless the change was
/// one the protocol does not protect (none here).
#[test]
fn random_mutations_never_panic_or_agree_silently() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut mutated = 0;
    // The resumed flow with early data too: binders, EndOfEarlyData.
    let resumed = resumable13(true, true);
    for round in 0..800 {
        let (c, s) = match round % 4 {
            0 => configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]),
            1 => configs(
                &[Version::Tls12],
                &[Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256],
            ),
            2 => configs(&[Version::Tls12], &[Suite::TLS_RSA_WITH_AES_128_GCM_SHA256]),
            _ => resumed.clone(),
        };
        let target = (next() % 8) as usize;
        let pos = next();
        let bit = 1u8 << (next() % 8);
        let truncate = next() % 4 == 0;
        let mut seen = 0;
        let mut changed = false;
        let r = run(c, s, |_, name, bytes| {
            // A TLS 1.3 ticket comes after the handshake, outside the
            // transcript, and is opaque to the client: a changed one
            // only fails the next resumption.
            if name == "NewSessionTicket" {
                return;
            }
            if seen == target && !bytes.is_empty() {
                let at = (pos % bytes.len() as u64) as usize;
                if truncate {
                    bytes.truncate(at);
                } else {
                    bytes[at] ^= bit;
                }
                changed = true;
            }
            seen += 1;
        });
        if changed {
            mutated += 1;
            assert!(
                !(r.client_up && r.server_up),
                "round {round}: a change went unnoticed: {:?}",
                r.wire
            );
        }
    }
    // Most rounds really changed a message (a test of nothing otherwise).
    assert!(mutated > 400, "only {mutated} rounds changed anything");
}

/// The first ClientHello a client with `c` sends, decoded.
fn first_hello(c: ClientConfig) -> crate::msg::ClientHello {
    let mut client = Client::new(c, [7; 32], [8; 32]);
    let Some(Output::Handshake("ClientHello", bytes)) = client.poll_output() else {
        panic!("no ClientHello first")
    };
    let Ok(Message::ClientHello(ch)) = Message::decode(&bytes, Version::Tls12) else {
        panic!("the ClientHello does not decode")
    };
    ch
}

/// RFC 8446 §9.2 and the TLS 1.2 RFCs: a browser's hello carries
/// signature_algorithms(_cert), supported_groups, ec_point_formats,
/// renegotiation_info, session_ticket, ALPN and status_request; a TLS
/// 1.3-only one leaves out what only TLS 1.2 reads.
#[test]
fn client_hellos_carry_what_real_peers_send() {
    let both = [Version::Tls13, Version::Tls12];
    let (mut c, _) = configs(&both, &[Suite::TLS_AES_128_GCM_SHA256]);
    c.tickets = true; // a scenario client's default
    let ch = first_hello(c);
    assert_eq!(ch.sig_algs, crate::msg::SIGNATURE_SCHEMES);
    assert_eq!(ch.sig_algs_cert, crate::msg::SIGNATURE_SCHEMES);
    assert_eq!(ch.groups, [0x001d, 0x0017]);
    assert_eq!(ch.point_formats, [0]);
    assert!(ch.reneg && ch.status_request);
    assert_eq!(ch.alpn, ["http/1.1"]);
    assert_eq!(ch.ticket, Some(Vec::new()), "an empty session_ticket");
    let (c, _) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
    let ch = first_hello(c);
    assert!(ch.point_formats.is_empty() && !ch.reneg && ch.ticket.is_none());
    assert!(!ch.sig_algs.is_empty() && !ch.groups.is_empty() && ch.key_share.is_some());
}

/// RFC 8446 §9.2: without a PSK a TLS 1.3 ClientHello must carry
/// signature_algorithms and supported_groups, and supported_groups and
/// key_share come together; the server says missing_extension, the
/// client hears it.
#[test]
fn a_tls13_hello_missing_a_mandatory_extension_gets_missing_extension() {
    let changes: [Change; 2] = [
        |c, _| c.extensions.signature_algorithms = false,
        |c, _| c.extensions.supported_groups = false,
    ];
    for change in changes {
        let (mut c, mut s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
        change(&mut c, &mut s);
        let r = run(c, s, no_tamper);
        assert_eq!(r.wire, ["C>ClientHello", "S>alert:missing_extension"]);
        assert_eq!(alert_sent(&r.server), Some(Alert::MissingExtension));
        assert!(
            r.client
                .contains(&HandshakeEvent::AlertReceived(Alert::MissingExtension))
        );
    }
    // TLS 1.2 has no such rule: its server goes on (RFC 5246 §7.4.1.4.1
    // lets it assume SHA-1 signatures).
    let (mut c, s) = configs(
        &[Version::Tls12],
        &[Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256],
    );
    c.extensions.signature_algorithms = false;
    c.extensions.supported_groups = false;
    let r = run(c, s, no_tamper);
    assert!(r.client_up && r.server_up);
}

/// RFC 8446 §4.2.1: a TLS 1.2 ServerHello carries no supported_versions;
/// it answers renegotiation_info, ec_point_formats (ECDHE) and ALPN
/// (RFC 5746 §3.6, RFC 8422 §5.2, RFC 7301 §3.1). A TLS 1.3 ServerHello
/// has supported_versions, and ALPN goes in EncryptedExtensions.
#[test]
fn server_hellos_answer_as_their_version_requires() {
    let sv = [0x00, 0x2b]; // supported_versions
    let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    let mut seen = Vec::new();
    for (v, suite) in [
        (Version::Tls12, Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
        (Version::Tls13, Suite::TLS_AES_128_GCM_SHA256),
    ] {
        let (c, s) = configs(&[v], &[suite]);
        let r = run(c, s, |from_client, name, bytes| {
            if !from_client && (name == "ServerHello" || name == "EncryptedExtensions") {
                seen.push((v, name.to_string(), bytes.clone()));
            }
        });
        assert!(r.client_up && r.server_up, "{v}");
    }
    let (_, _, sh12) = &seen[0];
    let Ok(Message::ServerHello(sh)) = Message::decode(sh12, Version::Tls12) else {
        panic!()
    };
    assert_eq!(sh.version, Version::Tls12);
    assert!(sh.reneg && sh.point_formats);
    assert_eq!(sh.alpn.as_deref(), Some("http/1.1"));
    // The extensions block of a TLS 1.2 ServerHello: no 0x002b type.
    let exts = &sh12[4 + 2 + 32 + 1 + sh12[38] as usize + 3 + 2..];
    let mut types = Vec::new();
    let mut i = 0;
    while i + 4 <= exts.len() {
        types.push(u16::from_be_bytes([exts[i], exts[i + 1]]));
        i += 4 + usize::from(u16::from_be_bytes([exts[i + 2], exts[i + 3]]));
    }
    assert_eq!(types, [0xff01, 11, 16, 23], "reneg, points, ALPN, EMS");
    let (_, _, sh13) = &seen[1];
    assert!(has(sh13, &sv), "TLS 1.3 ServerHello says its version");
    let Ok(Message::EncryptedExtensions { alpn, .. }) = Message::decode(&seen[2].2, Version::Tls13)
    else {
        panic!()
    };
    assert_eq!(alpn.as_deref(), Some("http/1.1"));
}

/// A HelloRetryRequest after a 0-RTT offer (RFC 8446 §4.1.4, §4.2.10):
/// the server skips the early data, the client's second hello drops
/// early_data, and the handshake completes with the data refused.
#[test]
fn a_hello_retry_after_a_0rtt_offer_completes_with_the_early_data_refused() {
    let (mut c, mut s) = resumable13(true, true);
    c.groups = vec![Group::Secp384r1, Group::X25519];
    s.groups = vec![Group::X25519];
    let mut client = Client::new(c, [7; 32], [8; 32]);
    let mut server = Server::new(s, [100; 32], [200; 32]);
    let mut outs = Vec::new();
    let mut early_outputs = Vec::new();
    for _ in 0..20 {
        let mut moved = false;
        while let Some(o) = client.poll_output() {
            moved = true;
            if let Output::Early(e) = &o {
                early_outputs.push(("C", e.clone()));
            }
            deliver(true, o, &mut outs, &mut no_tamper, |i| server.handle(i));
        }
        while let Some(o) = server.poll_output() {
            moved = true;
            if let Output::Early(e) = &o {
                early_outputs.push(("S", e.clone()));
            }
            deliver(false, o, &mut outs, &mut no_tamper, |i| client.handle(i));
        }
        if !moved {
            break;
        }
    }
    assert!(client.is_established() && server.is_established());
    assert_eq!(
        outs[..3],
        ["C>ClientHello", "S>HelloRetryRequest", "C>ClientHello"]
    );
    let kinds: Vec<(&str, &str)> = early_outputs
        .iter()
        .map(|(who, e)| {
            let k = match e {
                Early::Send { .. } => "send",
                Early::Skip { .. } => "skip",
                Early::Retry => "retry",
                _ => "other",
            };
            (*who, k)
        })
        .collect();
    assert_eq!(kinds, [("C", "send"), ("S", "skip"), ("C", "retry")]);
}

mod negative;

/// The verify_data lengths of the Finished messages of a run, (client,
/// server), as they crossed the wire (body after the 4-byte header).
fn finished_lengths(c: ClientConfig, s: ServerConfig) -> (Run, Vec<usize>, Vec<usize>) {
    let (mut client, mut server) = (Vec::new(), Vec::new());
    let r = run(c, s, |from_client, name, bytes| {
        if name == "Finished" {
            let n = bytes.len() - 4;
            if from_client {
                &mut client
            } else {
                &mut server
            }
            .push(n);
        }
    });
    (r, client, server)
}

#[test]
fn the_sha384_suites_run_their_handshake_on_sha384() {
    // TLS 1.3 (RFC 8446 §4.4.4): verify_data is Hash.length, 48 bytes.
    let (c, s) = configs(&[Version::Tls13], &[Suite::TLS_AES_256_GCM_SHA384]);
    let (r, client, server) = finished_lengths(c, s);
    assert!(r.client_up && r.server_up, "{:?}", r.wire);
    assert_eq!((client, server), (vec![48], vec![48]));
    // The SHA-256 suites keep 32.
    let (c, s) = configs(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
    let (_, client, server) = finished_lengths(c, s);
    assert_eq!((client, server), (vec![32], vec![32]));
    // TLS 1.2 (RFC 5246 §7.4.9, RFC 5289 §3): 12 bytes whatever the PRF,
    // with and without the extended master secret (RFC 7627 §3: the
    // session hash is the PRF's hash).
    for ems in [true, false] {
        let (mut c, mut s) = configs(
            &[Version::Tls12],
            &[Suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384],
        );
        (c.ems, s.ems) = (ems, ems);
        let (r, client, server) = finished_lengths(c, s);
        assert!(r.client_up && r.server_up, "ems {ems}: {:?}", r.wire);
        assert_eq!((client, server), (vec![12], vec![12]));
    }
}

#[test]
fn a_sha384_finished_computed_with_sha256_is_refused() {
    // Ends that agreed on the suite but not on its hash cannot finish: a
    // server Finished replaced by one of SHA-256's length fails the
    // client's check (RFC 8446 §4.4.4: decrypt_error).
    let (c, s) = configs(&[Version::Tls13], &[Suite::TLS_AES_256_GCM_SHA384]);
    let r = run(c, s, |from_client, name, bytes| {
        if !from_client && name == "Finished" {
            bytes.truncate(4 + 32);
            bytes[3] = 32;
        }
    });
    assert_eq!(alert_sent(&r.client), Some(Alert::DecryptError));
    assert!(!r.client_up);
}

/// A TLS 1.3 client config holding a ticket of `suite`, and its server.
fn resumable_with(suite: Suite) -> (ClientConfig, ServerConfig, crate::session::Ticket13) {
    let (mut c, mut s) = configs(
        &[Version::Tls13],
        &[Suite::TLS_AES_256_GCM_SHA384, Suite::TLS_AES_128_GCM_SHA256],
    );
    s.suites = vec![suite];
    s.ticket_key = Some([42; 32]);
    let first = run_seeded(1, c.clone(), s.clone(), no_tamper);
    let ticket = first
        .client
        .iter()
        .find_map(|e| match e {
            HandshakeEvent::NewTicket(t) => Some(t.clone()),
            _ => None,
        })
        .expect("a ticket");
    c.resume13 = Some(ticket.clone());
    (c, s, ticket)
}

#[test]
fn a_sha384_ticket_resumes_with_a_48_byte_psk_and_binder() {
    let (c, s, ticket) = resumable_with(Suite::TLS_AES_256_GCM_SHA384);
    // RFC 8446 §4.6.1: the PSK is Hash.length bytes.
    assert_eq!(
        (ticket.suite, ticket.psk.len()),
        (Suite::TLS_AES_256_GCM_SHA384, 48)
    );
    let mut binder = 0;
    let r = run(c, s, |from_client, name, bytes| {
        if from_client && name == "ClientHello" {
            let Ok(Message::ClientHello(h)) = Message::decode(bytes, Version::Tls12) else {
                panic!("decodes")
            };
            binder = h.psk.map_or(0, |p| p.binder.len());
        }
    });
    // §4.2.11.2: the binder is a Finished with the PSK's hash.
    assert_eq!(binder, 48);
    assert!(r.client_up && r.server.contains(&HandshakeEvent::Resumed));
    assert!(!r.wire.contains(&"S>Certificate".to_string()));
}

#[test]
fn after_a_retry_for_a_suite_of_another_hash_the_psk_is_left_out() {
    // The ticket is SHA-384's; the server now takes only a SHA-256 suite
    // and asks for another share. RFC 8446 §4.1.4, §4.2.11: the PSK
    // cannot go with that suite, so the second hello leaves it out and
    // the handshake is a full one.
    let (mut c, mut s, _) = resumable_with(Suite::TLS_AES_256_GCM_SHA384);
    s.suites = vec![Suite::TLS_AES_128_GCM_SHA256];
    s.groups = vec![Group::Secp256r1];
    c.groups = vec![Group::X25519, Group::Secp256r1];
    let mut offered = Vec::new();
    let r = run(c.clone(), s.clone(), |from_client, name, bytes| {
        if from_client && name == "ClientHello" {
            let Ok(Message::ClientHello(h)) = Message::decode(bytes, Version::Tls12) else {
                panic!("decodes")
            };
            offered.push(h.psk.is_some());
        }
    });
    assert!(r.wire.contains(&"S>HelloRetryRequest".to_string()));
    assert_eq!(offered, [true, false]);
    assert!(r.client_up && r.server_up, "{:?}", r.wire);
    assert!(!r.server.contains(&HandshakeEvent::Resumed));
    // With a SHA-384 suite in the retry, the PSK stays and resumes.
    s.suites = vec![Suite::TLS_AES_256_GCM_SHA384];
    let r = run(c, s, no_tamper);
    assert!(r.wire.contains(&"S>HelloRetryRequest".to_string()));
    assert!(r.client_up && r.server.contains(&HandshakeEvent::Resumed));
}

#[test]
fn a_tls12_sha384_session_resumes_under_a_server_that_prefers_sha256() {
    // The session was made with the SHA-384 suite; negotiation now would
    // pick a SHA-256 one, but resumption keeps the session's suite (RFC
    // 5246 §7.4.1.3) and so its PRF hash for the Finished (RFC 5289 §3).
    let cache = SessionCache::new();
    let gcm384 = Suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384;
    let gcm256 = Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;
    let (c, mut s) = configs(&[Version::Tls12], &[gcm384, gcm256]);
    s.sessions = Some(cache.clone());
    let first = run_seeded(1, c.clone(), s.clone(), no_tamper);
    let session = new_session(&first.client).expect("a session to keep");
    assert_eq!(session.suite, gcm384);
    s.suites = vec![gcm256, gcm384];
    let mut c2 = c;
    c2.resume = Some(session);
    let r = run_seeded(2, c2, s, no_tamper);
    assert!(r.client_up && r.server_up, "{:?} {:?}", r.wire, r.client);
    assert!(r.server.contains(&HandshakeEvent::Resumed));
    assert!(r.client.contains(&HandshakeEvent::Established {
        version: Version::Tls12,
        suite: gcm384
    }));
}
