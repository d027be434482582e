//! A HelloRetryRequest after a 0-RTT offer, over the record layer as the
//! peer sees it (RFC 8446 §4.1.4, §4.2.10): the server skips the early
//! data it has no keys for, the client's second ClientHello goes as a
//! plaintext handshake record, and the request arrives once, after the
//! handshake.

mod support;

use sim_tls::conn::{ConnEvent, Connection, Status};
use sim_tls::handshake::HandshakeEvent;
use sim_tls::pki::DemoPki;
use sim_tls::record::ContentType;
use sim_tls::suite::{Group, Suite, Version};
use support::{GET, pump};

/// The records in `wire`: (content type byte, length).
fn records(wire: &[u8]) -> Vec<(u8, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 5 <= wire.len() {
        let n = usize::from(u16::from_be_bytes([wire[i + 3], wire[i + 4]]));
        out.push((wire[i], n));
        i += 5 + n;
    }
    out
}

#[test]
fn early_data_after_a_hello_retry_is_skipped_and_sent_again() {
    let pki = DemoPki::new("www.example.com", 1_700_000_000);
    let v = [Version::Tls13];
    let suites = [Suite::TLS_AES_128_GCM_SHA256];
    let mut scfg = pki.server(&v, &suites);
    scfg.ticket_key = Some([5; 32]);
    scfg.max_early_data = 16_384;
    scfg.accept_early_data = true;
    // A first connection leaves a ticket that allows early data.
    let mut c = Connection::client(pki.client(&v, &suites), [1; 32], [2; 32]);
    let mut s = Connection::server(scfg.clone(), [3; 32], [4; 32]);
    pump(&mut c, &mut s);
    let ticket = std::iter::from_fn(|| c.poll_event()).find_map(|e| match e {
        ConnEvent::Handshake(HandshakeEvent::NewTicket(t)) => Some(t),
        _ => None,
    });
    // The second offers its key share in a group the server does not take.
    let mut ccfg = pki.client(&v, &suites);
    ccfg.resume13 = ticket;
    ccfg.early_data = true;
    ccfg.groups = vec![Group::Secp384r1, Group::X25519];
    scfg.groups = vec![Group::X25519];
    let mut c = Connection::client(ccfg, [6; 32], [7; 32]);
    let mut s = Connection::server(scfg, [8; 32], [9; 32]);
    c.write_app(GET);
    let first = c.take_tls();
    assert_eq!(
        records(&first).iter().map(|r| r.0).collect::<Vec<_>>(),
        [22, 23],
        "ClientHello, then the request as early data"
    );
    s.read_tls(&first);
    assert_eq!(s.status(), Status::Handshaking, "the early data is skipped");
    let hrr = s.take_tls();
    c.read_tls(&hrr);
    let second = c.take_tls();
    let recs = records(&second);
    assert_eq!(recs.len(), 1);
    assert_eq!(
        recs[0].0,
        ContentType::Handshake.code(),
        "the second ClientHello is a plaintext handshake record"
    );
    assert_eq!(second[5], 1, "and it is a ClientHello");
    s.read_tls(&second);
    pump(&mut c, &mut s);
    assert_eq!(c.status(), Status::Established);
    assert_eq!(s.status(), Status::Established);
    assert_eq!(s.take_app(), GET, "the request, once, after the handshake");
    let server: Vec<ConnEvent> = std::iter::from_fn(|| s.poll_event()).collect();
    let skipped = server
        .iter()
        .filter(|e| matches!(e, ConnEvent::RecordSkipped { .. }))
        .count();
    assert_eq!(skipped, 1);
    assert!(
        server.contains(&ConnEvent::Handshake(HandshakeEvent::EarlyData {
            accepted: false
        }))
    );
    let sent: Vec<&str> = std::iter::from_fn(|| c.poll_event())
        .filter_map(|e| match e {
            ConnEvent::RecordSent { what, .. } => Some(what),
            _ => None,
        })
        .collect();
    assert_eq!(
        sent,
        [
            "ClientHello",
            "EarlyData",
            "ClientHello",
            "Finished",
            "ApplicationData"
        ]
    );
}

/// Skipping is for early data the client offered: an application_data
/// record behind a hello without early_data is out of place before the
/// handshake, skipped or not (RFC 8446 §4.2.10, §5).
#[test]
fn application_data_after_a_hello_without_0rtt_is_unexpected_message() {
    let pki = DemoPki::new("www.example.com", 1_700_000_000);
    let v = [Version::Tls13];
    let suites = [Suite::TLS_AES_128_GCM_SHA256];
    let mut scfg = pki.server(&v, &suites);
    scfg.groups = vec![Group::X25519];
    let mut ccfg = pki.client(&v, &suites);
    ccfg.groups = vec![Group::Secp384r1, Group::X25519];
    let mut c = Connection::client(ccfg, [6; 32], [7; 32]);
    let mut s = Connection::server(scfg, [8; 32], [9; 32]);
    // No early data was offered: an application_data record after the
    // hello is not early data to skip.
    let mut wire = c.take_tls();
    wire.extend_from_slice(&[23, 3, 3, 0, 4, 1, 2, 3, 4]);
    s.read_tls(&wire);
    assert_eq!(
        s.status(),
        Status::Failed(sim_tls::alert::Alert::UnexpectedMessage)
    );
}
