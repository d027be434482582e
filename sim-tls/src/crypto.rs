//! The real hash functions and key derivations of TLS: transcript hashes
//! with the suite's hash (SHA-256 or SHA-384), the TLS 1.2 PRF (RFC 5246
//! §5, RFC 5289 §3), HKDF (RFC 5869) with TLS 1.3's HKDF-Expand-Label and
//! Derive-Secret (RFC 8446 §7.1), and Finished verify_data for both
//! versions. These are computed for real so that any change to a
//! handshake message in flight is caught by the Finished check itself.
//! (Public-key operations, elsewhere, are symbolic.)

use std::fmt;
use std::ops::Deref;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha384};

/// A SHA-256 output (the symbolic keys and the session tickets use
/// SHA-256 whatever the suite).
pub type Hash = [u8; 32];

/// The hash a cipher suite's handshake runs on: the TLS 1.2 PRF's (RFC
/// 5246 §5, RFC 5289 §3) or the TLS 1.3 transcript hash and HKDF's (RFC
/// 8446 §7.1, Appendix B.4).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default)]
pub enum HashAlg {
    /// SHA-256: every suite but the `_SHA384` ones.
    #[default]
    Sha256,
    /// SHA-384.
    Sha384,
}

impl HashAlg {
    /// Hash.length: 32 or 48 bytes.
    pub const fn size(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
        }
    }

    /// The hash of `data`.
    pub fn digest(self, data: &[u8]) -> Secret {
        match self {
            HashAlg::Sha256 => Secret::new(self, &Sha256::digest(data)),
            HashAlg::Sha384 => Secret::new(self, &Sha384::digest(data)),
        }
    }

    /// HMAC with this hash of the concatenation of `parts` under `key`.
    pub fn hmac(self, key: &[u8], parts: &[&[u8]]) -> Secret {
        fn run<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
            let mut m = <M as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
            for p in parts {
                m.update(p);
            }
            m.finalize().into_bytes().to_vec()
        }
        let out = match self {
            HashAlg::Sha256 => run::<Hmac<Sha256>>(key, parts),
            HashAlg::Sha384 => run::<Hmac<Sha384>>(key, parts),
        };
        Secret::new(self, &out)
    }
}

/// A hash output or a secret derived with one: Hash.length bytes, with the
/// hash it belongs to (so that Derive-Secret and Finished go on with it).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Secret {
    alg: HashAlg,
    bytes: [u8; 48],
}

impl Secret {
    /// `bytes` (Hash.length of them) as a secret of `alg`.
    ///
    /// # Panics
    ///
    /// If `bytes` is not `alg.size()` long: a derivation bug, not input.
    pub fn new(alg: HashAlg, bytes: &[u8]) -> Self {
        assert_eq!(bytes.len(), alg.size(), "a {alg:?} value");
        let mut b = [0u8; 48];
        b[..bytes.len()].copy_from_slice(bytes);
        Secret { alg, bytes: b }
    }

    /// Hash.length zeros (RFC 8446 §7.1's `0` inputs).
    pub fn zeros(alg: HashAlg) -> Self {
        Secret::new(alg, &[0u8; 48][..alg.size()])
    }

    /// The hash it belongs to.
    pub fn alg(&self) -> HashAlg {
        self.alg
    }
}

impl Default for Secret {
    fn default() -> Self {
        Secret::zeros(HashAlg::Sha256)
    }
}

impl Deref for Secret {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.bytes[..self.alg.size()]
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}({})", self.alg, hex(self))
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Hash {
    Sha256::digest(data).into()
}

/// HMAC-SHA-256 of the concatenation of `parts` under `key`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Hash {
    HashAlg::Sha256
        .hmac(key, parts)
        .deref()
        .try_into()
        .expect("32 bytes")
}

/// The running hash of a handshake transcript (every handshake message as
/// sent and received, in order). The suite, and so the hash, is chosen
/// only by the ServerHello (or HelloRetryRequest), after the first
/// messages are hashed: both hashes run until [`Transcript::set_alg`]
/// says which one counts (RFC 8446 §4.4.1, RFC 5246 §7.4.9).
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    alg: HashAlg,
    h256: Sha256,
    h384: Sha384,
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a message's bytes.
    pub fn add(&mut self, message: &[u8]) {
        self.h256.update(message);
        self.h384.update(message);
    }
    /// The suite's hash is known: [`Transcript::hash`] uses it from now
    /// on (SHA-256 until then).
    pub fn set_alg(&mut self, alg: HashAlg) {
        self.alg = alg;
    }
    /// The hash in use.
    pub fn alg(&self) -> HashAlg {
        self.alg
    }
    /// Replaces everything so far by the synthetic message_hash message
    /// that stands for the first ClientHello after a HelloRetryRequest
    /// (RFC 8446 §4.4.1: handshake type 254, a length of Hash.length,
    /// then Hash(ClientHello1)), with the hash in use.
    pub fn replace_with_message_hash(&mut self) {
        let h = self.hash();
        let alg = self.alg;
        *self = Transcript::new();
        self.alg = alg;
        self.add(&[254, 0, 0, h.len() as u8]);
        self.add(&h);
    }

    /// The hash of everything so far with the hash in use (the transcript
    /// continues).
    pub fn hash(&self) -> Secret {
        self.hash_with(self.alg)
    }

    /// The hash of everything so far with `alg` (a PSK binder is computed
    /// with its ticket's hash before the suite is chosen).
    pub fn hash_with(&self, alg: HashAlg) -> Secret {
        match alg {
            HashAlg::Sha256 => Secret::new(alg, &self.h256.clone().finalize()),
            HashAlg::Sha384 => Secret::new(alg, &self.h384.clone().finalize()),
        }
    }
}

/// The TLS 1.2 PRF: P_<hash>(secret, label + seed), `len` bytes (RFC 5246
/// §5), with SHA-256 or, for the `_SHA384` suites, SHA-384 (RFC 5289 §3).
pub fn prf12(alg: HashAlg, secret: &[u8], label: &str, seed: &[u8], len: usize) -> Vec<u8> {
    let mut label_seed = label.as_bytes().to_vec();
    label_seed.extend_from_slice(seed);
    let mut out = Vec::with_capacity(len + alg.size());
    // A(1) = HMAC(secret, A(0)), A(0) = label + seed.
    let mut a = alg.hmac(secret, &[&label_seed]);
    while out.len() < len {
        out.extend_from_slice(&alg.hmac(secret, &[&a, &label_seed]));
        a = alg.hmac(secret, &[&a]);
    }
    out.truncate(len);
    out
}

/// HKDF-Extract (RFC 5869 §2.2); an empty salt is Hash.length zeros.
pub fn hkdf_extract(alg: HashAlg, salt: &[u8], ikm: &[u8]) -> Secret {
    let zeros = Secret::zeros(alg);
    alg.hmac(if salt.is_empty() { &zeros } else { salt }, &[ikm])
}

/// HKDF-Expand (RFC 5869 §2.3).
pub fn hkdf_expand(alg: HashAlg, prk: &[u8], info: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + alg.size());
    let mut t: Vec<u8> = Vec::new();
    let mut i = 1u8;
    while out.len() < len {
        let block = alg.hmac(prk, &[&t, info, &[i]]);
        out.extend_from_slice(&block);
        t = block.to_vec();
        i += 1;
    }
    out.truncate(len);
    out
}

/// HKDF-Expand-Label (RFC 8446 §7.1): the label gets the "tls13 " prefix.
pub fn hkdf_expand_label(
    alg: HashAlg,
    secret: &[u8],
    label: &str,
    context: &[u8],
    len: u16,
) -> Vec<u8> {
    let full = format!("tls13 {label}");
    let mut info = Vec::with_capacity(4 + full.len() + context.len());
    info.extend_from_slice(&len.to_be_bytes());
    info.push(full.len() as u8);
    info.extend_from_slice(full.as_bytes());
    info.push(context.len() as u8);
    info.extend_from_slice(context);
    hkdf_expand(alg, secret, &info, usize::from(len))
}

/// Derive-Secret (RFC 8446 §7.1): HKDF-Expand-Label(secret, label,
/// Transcript-Hash(messages), Hash.length), with the secret's hash.
pub fn derive_secret(secret: &Secret, label: &str, transcript_hash: &Secret) -> Secret {
    let alg = secret.alg();
    let v = hkdf_expand_label(alg, secret, label, transcript_hash, alg.size() as u16);
    Secret::new(alg, &v)
}

/// TLS 1.2 Finished verify_data: PRF(master_secret, finished_label,
/// Hash(handshake_messages))[0..12] (RFC 5246 §7.4.9), with the PRF of
/// the transcript hash's algorithm (the hash MUST be the PRF's).
pub fn finished12(master_secret: &[u8], client: bool, transcript_hash: &Secret) -> Vec<u8> {
    let label = if client {
        "client finished"
    } else {
        "server finished"
    };
    prf12(
        transcript_hash.alg(),
        master_secret,
        label,
        transcript_hash,
        12,
    )
}

/// TLS 1.3 Finished verify_data: HMAC(finished_key, Transcript-Hash), with
/// finished_key = HKDF-Expand-Label(base_key, "finished", "", Hash.length)
/// (RFC 8446 §4.4.4), with the base key's hash.
pub fn finished13(base_key: &Secret, transcript_hash: &Secret) -> Secret {
    let alg = base_key.alg();
    let finished_key = hkdf_expand_label(alg, base_key, "finished", &[], alg.size() as u16);
    alg.hmac(&finished_key, &[transcript_hash])
}

/// Lower-case hex, for traces and tests.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn sha256_of_abc() {
        // FIPS 180-2 example.
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut t = Transcript::new();
        t.add(b"a");
        t.add(b"bc");
        assert_eq!(*t.hash(), sha256(b"abc"));
    }

    #[test]
    fn hkdf_matches_rfc_5869_test_case_1() {
        let ikm = [0x0b; 22];
        let salt = unhex("000102030405060708090a0b0c");
        let info = unhex("f0f1f2f3f4f5f6f7f8f9");
        let prk = hkdf_extract(HashAlg::Sha256, &salt, &ikm);
        assert_eq!(
            hex(&prk),
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"
        );
        let okm = hkdf_expand(HashAlg::Sha256, &prk, &info, 42);
        assert_eq!(
            hex(&okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        );
    }

    #[test]
    fn tls13_early_secret_matches_rfc_8448() {
        // RFC 8448 §3: with no PSK, early secret = HKDF-Extract(0, 0...).
        assert_eq!(
            hex(&hkdf_extract(HashAlg::Sha256, &[], &[0u8; 32])),
            "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a"
        );
        // RFC 8448 §4: resumption, early secret from the PSK.
        let psk = unhex("4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3");
        assert_eq!(
            hex(&hkdf_extract(HashAlg::Sha256, &[], &psk)),
            "9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c"
        );
    }

    #[test]
    fn the_derived_secret_of_an_empty_transcript_matches_rfc_8448() {
        let early = hkdf_extract(HashAlg::Sha256, &[], &[0u8; 32]);
        let empty = HashAlg::Sha256.digest(&[]);
        assert_eq!(
            hex(&derive_secret(&early, "derived", &empty)),
            "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba"
        );
    }

    #[test]
    fn tls12_prf_matches_the_published_sha256_vector() {
        let secret = unhex("9bbe436ba940f017b17652849a71db35");
        let seed = unhex("a0ba9f936cda311827a6f796ffd5198c");
        let out = prf12(HashAlg::Sha256, &secret, "test label", &seed, 100);
        assert_eq!(
            hex(&out),
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66"
        );
    }

    #[test]
    fn finished_values_change_with_any_transcript_byte() {
        let ms = [7u8; 48];
        let a = HashAlg::Sha256.digest(b"ClientHello ServerHello");
        let b = HashAlg::Sha256.digest(b"ClientHello ServerHellp");
        let ms = Secret::new(HashAlg::Sha256, &ms[..32]);
        assert_eq!(finished12(&ms, true, &a).len(), 12);
        assert_ne!(finished12(&ms, true, &a), finished12(&ms, true, &b));
        assert_ne!(finished12(&ms, true, &a), finished12(&ms, false, &a));
        assert_ne!(finished13(&ms, &a), finished13(&ms, &b));
    }

    #[test]
    fn tls12_prf_matches_the_published_sha384_vector() {
        // The P_SHA384 vector circulated on the IETF TLS list with the
        // SHA-256 one above (RFC 5289 §3 suites use this PRF).
        let secret = unhex("b80b733d6ceefcdc71566ea48e5567df");
        let seed = unhex("cd665cf6a8447dd6ff8b27555edb7465");
        let out = prf12(HashAlg::Sha384, &secret, "test label", &seed, 148);
        assert_eq!(
            hex(&out),
            "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd\
             e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd\
             8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425\
             9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6\
             91c8f3a26854308d5eaa3be85e0990703d73e56f"
        );
        // Finished verify_data stays 12 bytes (RFC 5246 §7.4.9).
        let th = HashAlg::Sha384.digest(b"handshake");
        assert_eq!(finished12(&[1; 48], true, &th).len(), 12);
    }

    #[test]
    fn sha384_hashes_and_secrets_are_48_bytes() {
        // FIPS 180-2 appendix D.1: SHA-384("abc").
        let mut t = Transcript::new();
        t.add(b"a");
        t.add(b"bc");
        t.set_alg(HashAlg::Sha384);
        assert_eq!(
            hex(&t.hash()),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed\
             8086072ba1e7cc2358baeca134c825a7"
        );
        // Both hashes ran from the start: the SHA-256 one is still there.
        assert_eq!(*t.hash_with(HashAlg::Sha256), sha256(b"abc"));
        // HKDF-Extract with no salt uses Hash.length zeros (RFC 5869 §2.2).
        let early = hkdf_extract(HashAlg::Sha384, &[], &[0u8; 48]);
        assert_eq!(early.len(), 48);
        assert_eq!(early, hkdf_extract(HashAlg::Sha384, &[0u8; 48], &[0u8; 48]));
        // Derive-Secret and Finished are Hash.length (RFC 8446 §7.1, §4.4.4).
        let th = t.hash();
        let s = derive_secret(&early, "c hs traffic", &th);
        assert_eq!((s.len(), s.alg()), (48, HashAlg::Sha384));
        assert_eq!(finished13(&s, &th).len(), 48);
        // HKDF-Expand-Label puts the length in the info, so lengths
        // differ in every byte; plain HKDF-Expand blocks are HMAC-SHA-384
        // outputs and a shorter output is a prefix of a longer one.
        let long = hkdf_expand_label(HashAlg::Sha384, &s, "key", &[], 100);
        let short = hkdf_expand_label(HashAlg::Sha384, &s, "key", &[], 20);
        assert_eq!((long.len(), short.len()), (100, 20));
        assert_ne!(long[..20], short[..]);
        let expand = hkdf_expand(HashAlg::Sha384, &s, b"info", 100);
        assert_eq!(expand[..48], *HashAlg::Sha384.hmac(&s, &[b"info", &[1]]));
        assert_eq!(hkdf_expand(HashAlg::Sha384, &s, b"info", 20), expand[..20]);
        // The message_hash stand-in carries Hash.length (RFC 8446 §4.4.1).
        let ch1 = t.hash();
        t.replace_with_message_hash();
        let mut m = vec![254, 0, 0, 48];
        m.extend_from_slice(&ch1);
        assert_eq!(t.hash(), HashAlg::Sha384.digest(&m));
    }
}
