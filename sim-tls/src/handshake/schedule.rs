//! The key schedules as the handshake uses them: pure functions from
//! secrets and transcript hashes to secrets and keys.
//!
//! Both ends call the same functions with the same inputs, which is what
//! makes their Finished values agree (and a message changed in flight
//! disagree). The primitives (HKDF, the TLS 1.2 PRF, Finished) are
//! [`crate::crypto`]'s; this file only says which label goes over which
//! transcript, citing the RFC step it follows.

use crate::crypto::{
    HashAlg, Secret, derive_secret, finished13, hkdf_expand_label, hkdf_extract, prf12,
};
use crate::record::TrafficKeys;

/// "TLS 1.3, server CertificateVerify": 64 spaces, the context, a zero, the
/// transcript hash (RFC 8446 §4.4.3).
pub(super) fn cert_verify_content(transcript_hash: &Secret) -> Vec<u8> {
    let mut m = vec![0x20; 64];
    m.extend_from_slice(b"TLS 1.3, server CertificateVerify");
    m.push(0);
    m.extend_from_slice(transcript_hash);
    m
}

/// The TLS 1.3 early secret with the suite's (or the PSK's) hash:
/// HKDF-Extract over the PSK, or Hash.length zeros without one (RFC 8446
/// §7.1).
pub(super) fn early_secret13(alg: HashAlg, psk: Option<&[u8]>) -> Secret {
    hkdf_extract(alg, &[], psk.unwrap_or(&Secret::zeros(alg)))
}

/// The PSK binder over a ClientHello truncated before its binders (RFC
/// 8446 §4.2.11.2): a Finished computed with the binder key.
pub(super) fn psk_binder(early: &Secret, truncated_hello_hash: &Secret) -> Secret {
    let binder_key = derive_secret(early, "res binder", &early.alg().digest(&[]));
    finished13(&binder_key, truncated_hello_hash)
}

/// The PSK a TLS 1.3 ticket stands for, Hash.length bytes (RFC 8446
/// §4.6.1).
pub(super) fn ticket_psk(resumption_master: &Secret, nonce: &[u8]) -> Vec<u8> {
    let alg = resumption_master.alg();
    hkdf_expand_label(
        alg,
        resumption_master,
        "resumption",
        nonce,
        alg.size() as u16,
    )
}

/// The TLS 1.3 handshake traffic secrets and the master secret from the
/// early secret, the shared secret and the transcript through ServerHello
/// (RFC 8446 §7.1).
pub(super) fn handshake_secrets13(
    early: &Secret,
    shared: &[u8],
    hello_hash: &Secret,
) -> (Secret, Secret, Secret) {
    let alg = early.alg();
    let empty = alg.digest(&[]);
    let derived = derive_secret(early, "derived", &empty);
    let hs = hkdf_extract(alg, &derived, shared);
    let master = hkdf_extract(
        alg,
        &derive_secret(&hs, "derived", &empty),
        &Secret::zeros(alg),
    );
    (
        derive_secret(&hs, "c hs traffic", hello_hash),
        derive_secret(&hs, "s hs traffic", hello_hash),
        master,
    )
}

/// The TLS 1.3 application traffic keys (client, server) from the master
/// secret and the transcript through the server's Finished (RFC 8446 §7.1).
pub(super) fn application_keys13(
    master: &Secret,
    through_server_finished: &Secret,
) -> (TrafficKeys, TrafficKeys) {
    (
        TrafficKeys::tls13(&derive_secret(
            master,
            "c ap traffic",
            through_server_finished,
        )),
        TrafficKeys::tls13(&derive_secret(
            master,
            "s ap traffic",
            through_server_finished,
        )),
    )
}

/// RFC 7627 §4: the master secret bound to the session hash (the
/// transcript through ClientKeyExchange).
/// The PRF and the session hash both use the suite's hash (§3).
pub(super) fn extended_master12(premaster: &[u8], session_hash: &Secret) -> Vec<u8> {
    prf12(
        session_hash.alg(),
        premaster,
        "extended master secret",
        session_hash,
        48,
    )
}

/// The TLS 1.2 master secret over both randoms (RFC 5246 §8.1), with the
/// suite's PRF.
pub(super) fn master12(
    alg: HashAlg,
    premaster: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Vec<u8> {
    let mut seed = client_random.to_vec();
    seed.extend_from_slice(server_random);
    prf12(alg, premaster, "master secret", &seed, 48)
}
