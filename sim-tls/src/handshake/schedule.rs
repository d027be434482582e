//! The key schedules as the handshake uses them: pure functions from
//! secrets and transcript hashes to secrets and keys.
//!
//! Both ends call the same functions with the same inputs, which is what
//! makes their Finished values agree (and a message changed in flight
//! disagree). The primitives (HKDF, the TLS 1.2 PRF, Finished) are
//! [`crate::crypto`]'s; this file only says which label goes over which
//! transcript, citing the RFC step it follows.

use crate::crypto::{
    Hash, derive_secret, finished13, hkdf_expand_label, hkdf_extract, prf12, sha256,
};
use crate::record::TrafficKeys;

/// "TLS 1.3, server CertificateVerify": 64 spaces, the context, a zero, the
/// transcript hash (RFC 8446 §4.4.3).
pub(super) fn cert_verify_content(transcript_hash: &Hash) -> Vec<u8> {
    let mut m = vec![0x20; 64];
    m.extend_from_slice(b"TLS 1.3, server CertificateVerify");
    m.push(0);
    m.extend_from_slice(transcript_hash);
    m
}

/// The TLS 1.3 early secret: HKDF-Extract over the PSK, or zeros without
/// one (RFC 8446 §7.1).
pub(super) fn early_secret13(psk: Option<&[u8; 32]>) -> Hash {
    hkdf_extract(&[], psk.unwrap_or(&[0u8; 32]))
}

/// The PSK binder over a ClientHello truncated before its binders (RFC
/// 8446 §4.2.11.2): a Finished computed with the binder key.
pub(super) fn psk_binder(early: &Hash, truncated_hello_hash: &Hash) -> Hash {
    let binder_key = derive_secret(early, "res binder", &sha256(&[]));
    finished13(&binder_key, truncated_hello_hash)
}

/// The PSK a TLS 1.3 ticket stands for (RFC 8446 §4.6.1).
pub(super) fn ticket_psk(resumption_master: &Hash, nonce: &[u8]) -> [u8; 32] {
    hkdf_expand_label(resumption_master, "resumption", nonce, 32)
        .try_into()
        .expect("32 bytes")
}

/// The TLS 1.3 handshake traffic secrets and the master secret from the
/// early secret, the shared secret and the transcript through ServerHello
/// (RFC 8446 §7.1).
pub(super) fn handshake_secrets13(
    early: &Hash,
    shared: &Hash,
    hello_hash: &Hash,
) -> (Hash, Hash, Hash) {
    let derived = derive_secret(early, "derived", &sha256(&[]));
    let hs = hkdf_extract(&derived, shared);
    let master = hkdf_extract(&derive_secret(&hs, "derived", &sha256(&[])), &[0u8; 32]);
    (
        derive_secret(&hs, "c hs traffic", hello_hash),
        derive_secret(&hs, "s hs traffic", hello_hash),
        master,
    )
}

/// The TLS 1.3 application traffic keys (client, server) from the master
/// secret and the transcript through the server's Finished (RFC 8446 §7.1).
pub(super) fn application_keys13(
    master: &Hash,
    through_server_finished: &Hash,
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
pub(super) fn extended_master12(premaster: &[u8], session_hash: &Hash) -> Vec<u8> {
    prf12(premaster, "extended master secret", session_hash, 48)
}

/// The TLS 1.2 master secret over both randoms (RFC 5246 §8.1).
pub(super) fn master12(
    premaster: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> Vec<u8> {
    let mut seed = client_random.to_vec();
    seed.extend_from_slice(server_random);
    prf12(premaster, "master secret", &seed, 48)
}
