//! Symbolic public-key operations.
//!
//! A simulator needs the *rules* of public-key cryptography, not its
//! mathematics: only the holder of a private key can sign as it or open what
//! was sealed to it, and both ends of an (EC)DHE exchange, but nobody else,
//! arrive at the same secret. Here a key pair is an identity ([`KeyId`]);
//! signing and opening take a [`PrivateKey`], which only the scenario hands
//! to the key's owner; verification and sealing take only the public
//! [`KeyId`]. The bytes are real and sized like RSA-2048 values, so wire
//! sizes and transcript hashes are right, but their security is by these
//! rules, not by hardness: an on-path node model simply has no private key
//! to call them with.

use crate::cert::KeyId;
use crate::crypto::{Hash, sha256};
use crate::suite::Group;

/// Bytes of an RSA-2048 signature or ciphertext.
pub const RSA_SIZE: usize = 256;

/// Possession of a key pair's private half.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PrivateKey(pub KeyId);

fn key_secret(key: KeyId) -> Hash {
    let mut m = b"netsim symbolic private key ".to_vec();
    m.extend(key.0.to_be_bytes());
    sha256(&m)
}

fn widen(h: Hash, tag: &[u8]) -> Vec<u8> {
    // Eight chained hashes: 256 bytes, the size of an RSA-2048 value.
    let mut out = Vec::with_capacity(RSA_SIZE);
    let mut block = h;
    while out.len() < RSA_SIZE {
        let mut m = tag.to_vec();
        m.extend_from_slice(&block);
        block = sha256(&m);
        out.extend_from_slice(&block);
    }
    out
}

/// A signature by `key` over `data`.
pub fn sign(key: PrivateKey, data: &[u8]) -> Vec<u8> {
    let mut m = key_secret(key.0).to_vec();
    m.extend_from_slice(data);
    widen(sha256(&m), b"sig")
}

/// Whether `sig` is `key`'s signature over `data`.
pub fn verify(key: KeyId, data: &[u8], sig: &[u8]) -> bool {
    // The rules allow any verifier to check; only `sign` needs the key.
    sign(PrivateKey(key), data) == sig
}

/// `secret` sealed to `key` (RSA key transport): the key's id, then the
/// secret, padded to RSA size.
pub fn seal(key: KeyId, secret: &[u8]) -> Vec<u8> {
    let mut out = key.0.to_be_bytes().to_vec();
    out.push(secret.len() as u8);
    out.extend_from_slice(secret);
    out.resize(RSA_SIZE, 0);
    out
}

/// Opens a sealed value with a private key; `None` if it was sealed to
/// another key or is malformed.
pub fn open(key: PrivateKey, sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() != RSA_SIZE || sealed[..4] != key.0.0.to_be_bytes() {
        return None;
    }
    let n = usize::from(sealed[4]);
    sealed.get(5..5 + n).map(<[u8]>::to_vec)
}

/// The shared secret of an (EC)DHE exchange between two public shares; the
/// same from either side.
pub fn dh_shared(a: &[u8], b: &[u8]) -> Hash {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    let mut m = b"netsim symbolic ecdhe ".to_vec();
    m.extend_from_slice(lo);
    m.extend_from_slice(hi);
    sha256(&m)
}

/// The public key share for `group` from an ephemeral secret, sized as
/// the group's real shares are.
pub fn key_share(ephemeral: &[u8; 32], group: Group) -> Vec<u8> {
    let mut out = Vec::with_capacity(group.share_len());
    let mut block = sha256(&[&ephemeral[..], &group.code().to_be_bytes()].concat());
    while out.len() < group.share_len() {
        out.extend_from_slice(&block);
        block = sha256(&block);
    }
    out.truncate(group.share_len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_holder_signs_and_opens() {
        let (k, other) = (KeyId(1), KeyId(2));
        let sig = sign(PrivateKey(k), b"transcript");
        assert_eq!(sig.len(), RSA_SIZE);
        assert!(verify(k, b"transcript", &sig));
        assert!(!verify(k, b"transcripT", &sig));
        assert!(!verify(other, b"transcript", &sig));
        let sealed = seal(k, &[9; 48]);
        assert_eq!(sealed.len(), RSA_SIZE);
        assert_eq!(open(PrivateKey(k), &sealed), Some(vec![9; 48]));
        assert_eq!(open(PrivateKey(other), &sealed), None);
        assert_eq!(dh_shared(b"x", b"y"), dh_shared(b"y", b"x"));
    }
}
