//! The real hash functions and key derivations of TLS: SHA-256 transcript
//! hashes, the TLS 1.2 PRF (RFC 5246 §5), HKDF (RFC 5869) with TLS 1.3's
//! HKDF-Expand-Label and Derive-Secret (RFC 8446 §7.1), and Finished
//! verify_data for both versions. These are computed for real so that any
//! change to a handshake message in flight is caught by the Finished check
//! itself. (Public-key operations, elsewhere, are symbolic.)

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// A SHA-256 output.
pub type Hash = [u8; 32];

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Hash {
    Sha256::digest(data).into()
}

/// HMAC-SHA-256 of the concatenation of `parts` under `key`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Hash {
    let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// The running hash of a handshake transcript (every handshake message as
/// sent and received, in order).
#[derive(Clone, Debug, Default)]
pub struct Transcript {
    h: Sha256,
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a message's bytes.
    pub fn add(&mut self, message: &[u8]) {
        self.h.update(message);
    }
    /// Replaces everything so far by the synthetic message_hash message
    /// that stands for the first ClientHello after a HelloRetryRequest
    /// (RFC 8446 §4.4.1).
    pub fn replace_with_message_hash(&mut self) {
        let h = self.hash();
        self.h = Sha256::new();
        self.h.update([254, 0, 0, 32]);
        self.h.update(h);
    }

    /// The hash of everything so far (the transcript continues).
    pub fn hash(&self) -> Hash {
        self.h.clone().finalize().into()
    }
}

/// The TLS 1.2 PRF with SHA-256: P_SHA256(secret, label + seed), `len`
/// bytes (RFC 5246 §5).
pub fn prf12(secret: &[u8], label: &str, seed: &[u8], len: usize) -> Vec<u8> {
    let mut label_seed = label.as_bytes().to_vec();
    label_seed.extend_from_slice(seed);
    let mut out = Vec::with_capacity(len + 32);
    // A(1) = HMAC(secret, A(0)), A(0) = label + seed.
    let mut a = hmac_sha256(secret, &[&label_seed]);
    while out.len() < len {
        out.extend_from_slice(&hmac_sha256(secret, &[&a, &label_seed]));
        a = hmac_sha256(secret, &[&a]);
    }
    out.truncate(len);
    out
}

/// HKDF-Extract (RFC 5869 §2.2); an empty salt is a string of zeros.
pub fn hkdf_extract(salt: &[u8], ikm: &[u8]) -> Hash {
    let zeros = [0u8; 32];
    hmac_sha256(if salt.is_empty() { &zeros } else { salt }, &[ikm])
}

/// HKDF-Expand (RFC 5869 §2.3).
pub fn hkdf_expand(prk: &[u8], info: &[u8], len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut t: Vec<u8> = Vec::new();
    let mut i = 1u8;
    while out.len() < len {
        let block = hmac_sha256(prk, &[&t, info, &[i]]);
        out.extend_from_slice(&block);
        t = block.to_vec();
        i += 1;
    }
    out.truncate(len);
    out
}

/// HKDF-Expand-Label (RFC 8446 §7.1): the label gets the "tls13 " prefix.
pub fn hkdf_expand_label(secret: &[u8], label: &str, context: &[u8], len: u16) -> Vec<u8> {
    let full = format!("tls13 {label}");
    let mut info = Vec::with_capacity(4 + full.len() + context.len());
    info.extend_from_slice(&len.to_be_bytes());
    info.push(full.len() as u8);
    info.extend_from_slice(full.as_bytes());
    info.push(context.len() as u8);
    info.extend_from_slice(context);
    hkdf_expand(secret, &info, usize::from(len))
}

/// Derive-Secret (RFC 8446 §7.1): HKDF-Expand-Label(secret, label,
/// Transcript-Hash(messages), Hash.length).
pub fn derive_secret(secret: &[u8], label: &str, transcript_hash: &Hash) -> Hash {
    let v = hkdf_expand_label(secret, label, transcript_hash, 32);
    v.try_into().expect("32 bytes")
}

/// TLS 1.2 Finished verify_data: PRF(master_secret, finished_label,
/// Hash(handshake_messages))[0..12] (RFC 5246 §7.4.9).
pub fn finished12(master_secret: &[u8], client: bool, transcript_hash: &Hash) -> Vec<u8> {
    let label = if client {
        "client finished"
    } else {
        "server finished"
    };
    prf12(master_secret, label, transcript_hash, 12)
}

/// TLS 1.3 Finished verify_data: HMAC(finished_key, Transcript-Hash), with
/// finished_key = HKDF-Expand-Label(base_key, "finished", "", Hash.length)
/// (RFC 8446 §4.4.4).
pub fn finished13(base_key: &[u8], transcript_hash: &Hash) -> Hash {
    let finished_key = hkdf_expand_label(base_key, "finished", &[], 32);
    hmac_sha256(&finished_key, &[transcript_hash])
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
        assert_eq!(t.hash(), sha256(b"abc"));
    }

    #[test]
    fn hkdf_matches_rfc_5869_test_case_1() {
        let ikm = [0x0b; 22];
        let salt = unhex("000102030405060708090a0b0c");
        let info = unhex("f0f1f2f3f4f5f6f7f8f9");
        let prk = hkdf_extract(&salt, &ikm);
        assert_eq!(
            hex(&prk),
            "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5"
        );
        let okm = hkdf_expand(&prk, &info, 42);
        assert_eq!(
            hex(&okm),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
        );
    }

    #[test]
    fn tls13_early_secret_matches_rfc_8448() {
        // RFC 8448 §3: with no PSK, early secret = HKDF-Extract(0, 0...).
        assert_eq!(
            hex(&hkdf_extract(&[], &[0u8; 32])),
            "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a"
        );
        // RFC 8448 §4: resumption, early secret from the PSK.
        let psk = unhex("4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3");
        assert_eq!(
            hex(&hkdf_extract(&[], &psk)),
            "9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c"
        );
    }

    #[test]
    fn the_derived_secret_of_an_empty_transcript_matches_rfc_8448() {
        let early = hkdf_extract(&[], &[0u8; 32]);
        let empty = sha256(&[]);
        assert_eq!(
            hex(&derive_secret(&early, "derived", &empty)),
            "6f2615a108c702c5678f54fc9dbab69716c076189c48250cebeac3576c3611ba"
        );
    }

    #[test]
    fn tls12_prf_matches_the_published_sha256_vector() {
        let secret = unhex("9bbe436ba940f017b17652849a71db35");
        let seed = unhex("a0ba9f936cda311827a6f796ffd5198c");
        let out = prf12(&secret, "test label", &seed, 100);
        assert_eq!(
            hex(&out),
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff70187347b66"
        );
    }

    #[test]
    fn finished_values_change_with_any_transcript_byte() {
        let ms = [7u8; 48];
        let a = sha256(b"ClientHello ServerHello");
        let b = sha256(b"ClientHello ServerHellp");
        assert_eq!(finished12(&ms, true, &a).len(), 12);
        assert_ne!(finished12(&ms, true, &a), finished12(&ms, true, &b));
        assert_ne!(finished12(&ms, true, &a), finished12(&ms, false, &a));
        assert_ne!(finished13(&ms, &a), finished13(&ms, &b));
    }
}
