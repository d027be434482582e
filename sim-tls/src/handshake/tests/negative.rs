//! The negative-test knobs: an end told to misbehave, and the alert its
//! peer must answer with.

use super::*;

fn misbehaved(events: &[HandshakeEvent]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| match e {
            HandshakeEvent::Misbehaved(what) => Some(what.as_str()),
            _ => None,
        })
        .collect()
}

const TLS13: Suite = Suite::TLS_AES_128_GCM_SHA256;
const ECDHE12: Suite = Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256;

/// RFC 8446 §4.4.4: a server Finished that does not match the client's
/// transcript is decrypt_error, and the client never sends its own.
#[test]
fn tls13_server_bad_verify_data_is_decrypt_error() {
    let (c, mut s) = configs(&[Version::Tls13], &[TLS13]);
    s.misbehave.bad_verify_data = true;
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
            "C>alert:decrypt_error"
        ]
    );
    assert_eq!(alert_sent(&r.client), Some(Alert::DecryptError));
    assert_eq!(
        misbehaved(&r.server),
        ["sent Finished with a wrong verify_data"]
    );
    assert!(!r.client_up && !r.server_up);
    assert!(
        r.server
            .contains(&HandshakeEvent::AlertReceived(Alert::DecryptError))
    );
}

/// The client's wrong Finished in TLS 1.3: the server answers
/// decrypt_error.
#[test]
fn tls13_client_bad_verify_data_is_decrypt_error() {
    let (mut c, s) = configs(&[Version::Tls13], &[TLS13]);
    c.misbehave.bad_verify_data = true;
    let r = run(c, s, no_tamper);
    assert_eq!(
        r.wire.last().map(String::as_str),
        Some("S>alert:decrypt_error")
    );
    assert_eq!(alert_sent(&r.server), Some(Alert::DecryptError));
    assert!(!r.server_up);
}

/// RFC 5246 §7.4.9: the same in TLS 1.2, either way round.
#[test]
fn tls12_bad_verify_data_is_decrypt_error_either_way() {
    let (mut c, s) = configs(&[Version::Tls12], &[ECDHE12]);
    c.misbehave.bad_verify_data = true;
    let r = run(c, s, no_tamper);
    assert_eq!(
        r.wire[r.wire.len() - 3..],
        ["C>CCS", "C>Finished", "S>alert:decrypt_error"]
    );
    assert_eq!(alert_sent(&r.server), Some(Alert::DecryptError));

    let (c, mut s) = configs(&[Version::Tls12], &[ECDHE12]);
    s.misbehave.bad_verify_data = true;
    let r = run(c, s, no_tamper);
    assert_eq!(
        r.wire[r.wire.len() - 3..],
        ["S>CCS", "S>Finished", "C>alert:decrypt_error"]
    );
    assert_eq!(alert_sent(&r.client), Some(Alert::DecryptError));
    // The client had sent its Finished and believes in it; the server
    // believed in its own: only the client's check catches the fault.
    assert!(!r.client_up);
}

/// A server that skips its Certificate: the client, expecting one, gets
/// CertificateVerify (RFC 8446 §4.4.2 makes Certificate mandatory
/// without a PSK): unexpected_message.
#[test]
fn skipped_certificate_is_unexpected_message() {
    let (c, mut s) = configs(&[Version::Tls13], &[TLS13]);
    s.misbehave.skip = Some("Certificate");
    let r = run(c, s, no_tamper);
    assert_eq!(
        r.wire,
        [
            "C>ClientHello",
            "S>ServerHello",
            "S>EncryptedExtensions",
            "S>CertificateVerify",
            "S>Finished",
            "C>alert:unexpected_message"
        ]
    );
    assert_eq!(alert_sent(&r.client), Some(Alert::UnexpectedMessage));
    assert_eq!(misbehaved(&r.server), ["skipped Certificate"]);
}

/// A TLS 1.2 server that sends ServerHelloDone before its
/// ServerKeyExchange: the client, which needs the key exchange first
/// with ECDHE (RFC 5246 §7.3), answers unexpected_message.
#[test]
fn out_of_order_server_hello_done_is_unexpected_message() {
    let (c, mut s) = configs(&[Version::Tls12], &[ECDHE12]);
    s.misbehave.out_of_order = Some("ServerHelloDone");
    let r = run(c, s, no_tamper);
    assert_eq!(
        r.wire,
        [
            "C>ClientHello",
            "S>ServerHello",
            "S>Certificate",
            "S>ServerHelloDone",
            "S>ServerKeyExchange",
            "C>alert:unexpected_message"
        ]
    );
    assert_eq!(alert_sent(&r.client), Some(Alert::UnexpectedMessage));
    assert_eq!(
        misbehaved(&r.server),
        ["sent ServerHelloDone before ServerKeyExchange"]
    );
}

/// A message with nothing before it in its flight (the ClientHello)
/// cannot be sent early: it goes as usual and nothing is reported.
#[test]
fn out_of_order_first_message_changes_nothing() {
    let (mut c, s) = configs(&[Version::Tls13], &[TLS13]);
    c.misbehave.out_of_order = Some("ClientHello");
    let r = run(c, s, no_tamper);
    assert!(r.client_up && r.server_up, "{:?}", r.wire);
    assert!(misbehaved(&r.client).is_empty());
}

/// RFC 7627 §5.1: either end turning the extended master secret off
/// leaves the handshake without it, and both ends agree.
#[test]
fn ems_off_on_either_side_means_no_ems() {
    // A session id makes the client report its session, and whether it
    // has EMS.
    let sessions = |c: ClientConfig, mut s: ServerConfig| {
        s.sessions = Some(SessionCache::new());
        let r = run(c, s, no_tamper);
        assert!(r.client_up && r.server_up, "{:?}", r.wire);
        r.client
            .iter()
            .find_map(|e| match e {
                HandshakeEvent::NewSession(s) => Some(s.ems),
                _ => None,
            })
            .unwrap()
    };
    let (c, s) = configs(&[Version::Tls12], &[ECDHE12]);
    assert!(sessions(c.clone(), s.clone()));
    let mut off = s.clone();
    off.ems = false;
    assert!(!sessions(c.clone(), off));
    let mut off = c;
    off.ems = false;
    assert!(!sessions(off, s));
}

/// Without EMS the Finished check is what catches a ClientHello changed
/// in flight (RFC 5246 §7.4.9): a suite list rewritten to its weakest
/// suite leaves the randoms and so the keys alone, but the transcripts
/// differ, and the server answers the client's Finished with
/// decrypt_error. (With EMS the master secrets already differ, and a
/// record layer would fail the Finished record itself: bad_record_mac.)
#[test]
fn without_ems_a_downgraded_hello_is_decrypt_error() {
    let (mut c, mut s) = configs(&[Version::Tls12], &[ECDHE12, RSA12]);
    c.ems = false;
    s.ems = false;
    let r = run(c, s, |from_client, name, bytes| {
        if from_client && name == "ClientHello" {
            // Header (4), version (2), random (32), session id.
            let at = 4 + 2 + 32 + 1 + usize::from(bytes[38]);
            let len = usize::from(u16::from_be_bytes([bytes[at], bytes[at + 1]]));
            let list = at + 2;
            let last = [bytes[list + len - 2], bytes[list + len - 1]];
            for i in (list..list + len).step_by(2) {
                bytes[i..i + 2].copy_from_slice(&last);
            }
        }
    });
    assert!(r.wire.contains(&"C>Finished".to_string()), "{:?}", r.wire);
    assert_eq!(alert_sent(&r.server), Some(Alert::DecryptError));
    assert!(!r.server_up);
}
