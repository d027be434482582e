//! The record layer: framing, fragmentation and protection, as real
//! stacks put records on the wire.
//!
//! Framing is the RFC's: a 5-byte header (type, legacy version, length),
//! plaintext fragments of at most 2^14 bytes (RFC 8446 §5.1, RFC 5246
//! §6.2.1). A record's size on the wire is exactly [`Suite::record_size`].
//!
//! Protection is real, with the RustCrypto ciphers, so a capture decrypts
//! in Wireshark with the run's `keylog.txt`:
//!
//! - TLS 1.3 (RFC 8446 §5.2–5.3): the AEAD over TLSInnerPlaintext (the
//!   data, then the real content type; no padding), nonce = iv XOR the
//!   64-bit sequence number, additional data = the record header.
//! - TLS 1.2 AEAD: AES-GCM (RFC 5288) with a 4-byte implicit salt and an
//!   8-byte explicit nonce carried in the record (the sequence number, as
//!   most stacks choose); ChaCha20-Poly1305 (RFC 7905 §2) with the nonce
//!   formed as in TLS 1.3 and nothing explicit. Additional data =
//!   seq ‖ type ‖ version ‖ plaintext length (RFC 5246 §6.2.3.3).
//! - TLS 1.2 CBC (RFC 5246 §6.2.3.2): MAC-then-encrypt, HMAC over
//!   seq ‖ type ‖ version ‖ length ‖ data, padding to a whole block, and an
//!   explicit IV per record (derived from the key and the sequence number
//!   rather than drawn at random, so runs stay deterministic; a real
//!   stack draws it at random, which no receiver can tell apart).
//! - RC4 (RFC 5246 §6.2.3.1): one keystream per direction across records,
//!   HMAC before it.
//!
//! Changing, dropping, replaying or reordering a record makes the receiver
//! fail with `bad_record_mac`, because the sequence number is implicit
//! (RFC 5246 §6.2.3.1, RFC 8446 §5.3). Every protection failure, padding
//! included, is the same `bad_record_mac`, as RFC 5246 §6.2.3.2 asks so
//! that there is no padding oracle.
//!
//! Model note (README, "TLS"): the key schedule (`crate::crypto`) hashes
//! with SHA-256 for every suite, so the two `_SHA384` suites derive their
//! keys with the wrong hash and a capture of them does not decrypt with
//! the key log; the library's scenarios use SHA-256 suites.

use aes_gcm::aead::{AeadInOut, KeyInit, Nonce, Tag};
use aes_gcm::{Aes128Gcm, Aes256Gcm};
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, InnerIvInit, StreamCipher};
use chacha20poly1305::ChaCha20Poly1305;
use hmac::{Hmac, Mac};

use crate::alert::Alert;
use crate::crypto::{Hash, HashAlg, Secret, hkdf_expand_label, hmac_sha256, prf12};
use crate::suite::{MAX_FRAGMENT, Protection, Suite, Version};

/// The record content types (RFC 8446 §5.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ContentType {
    /// ChangeCipherSpec (TLS 1.2; a compatibility no-op in TLS 1.3).
    ChangeCipherSpec,
    /// An alert.
    Alert,
    /// Handshake messages.
    Handshake,
    /// Application data, and every protected TLS 1.3 record's outer type.
    ApplicationData,
}

impl ContentType {
    /// The wire code.
    pub const fn code(self) -> u8 {
        match self {
            ContentType::ChangeCipherSpec => 20,
            ContentType::Alert => 21,
            ContentType::Handshake => 22,
            ContentType::ApplicationData => 23,
        }
    }

    /// The type for a wire code.
    pub const fn from_code(code: u8) -> Option<ContentType> {
        match code {
            20 => Some(ContentType::ChangeCipherSpec),
            21 => Some(ContentType::Alert),
            22 => Some(ContentType::Handshake),
            23 => Some(ContentType::ApplicationData),
            _ => None,
        }
    }
}

/// Bytes of the TLS 1.2 key block kept: enough for the largest suite
/// (AES-256-CBC-SHA: two 20-byte MAC keys, two 32-byte keys, two 16-byte
/// IVs = 136). The PRF's output is a stream, so a longer block begins with
/// the shorter one (RFC 5246 §5).
const KEY_BLOCK: usize = 160;

/// The secret material of one direction: what the handshake derived, from
/// which the record layer cuts the suite's keys.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TrafficKeys(Source);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Source {
    /// TLS 1.2: what the key block is computed from (when a sealer or
    /// opener is made: kept small, the handshake's outputs carry it), and
    /// which half is ours.
    Tls12 {
        master: [u8; 48],
        client_random: [u8; 32],
        server_random: [u8; 32],
        client_write: bool,
    },
    /// TLS 1.3: the traffic secret (RFC 8446 §7.3 derives key and iv).
    Tls13 { secret: Secret },
}

/// What a key log needs of one direction's keys (see `crate::keylog`).
pub(crate) enum KeySecret<'a> {
    /// TLS 1.2: the master secret.
    Master(&'a [u8; 48]),
    /// TLS 1.3: the traffic secret.
    Traffic(&'a Secret),
}

impl TrafficKeys {
    /// TLS 1.2 write keys from the key block (RFC 5246 §6.3:
    /// PRF(master_secret, "key expansion", server_random + client_random)),
    /// as (client write, server write).
    pub fn tls12(
        master: &[u8],
        client_random: &[u8; 32],
        server_random: &[u8; 32],
    ) -> (Self, Self) {
        // RFC 5246 §8.1: the master secret is 48 bytes.
        let mut m = [0u8; 48];
        let n = master.len().min(48);
        m[..n].copy_from_slice(&master[..n]);
        let side = |client_write| {
            TrafficKeys(Source::Tls12 {
                master: m,
                client_random: *client_random,
                server_random: *server_random,
                client_write,
            })
        };
        (side(true), side(false))
    }

    /// TLS 1.3 keys from a traffic secret (RFC 8446 §7.3): Hash.length
    /// bytes, 32 for the SHA-256 suites, 48 for TLS_AES_256_GCM_SHA384.
    ///
    /// # Panics
    ///
    /// If `secret` is neither 32 nor 48 bytes long (no suite's secret).
    pub fn tls13(secret: &[u8]) -> Self {
        let alg = if secret.len() == HashAlg::Sha384.size() {
            HashAlg::Sha384
        } else {
            HashAlg::Sha256
        };
        TrafficKeys(Source::Tls13 {
            secret: Secret::new(alg, secret),
        })
    }

    /// The secret a key log records for these keys.
    pub(crate) fn secret(&self) -> KeySecret<'_> {
        match &self.0 {
            Source::Tls12 { master, .. } => KeySecret::Master(master),
            Source::Tls13 { secret } => KeySecret::Traffic(secret),
        }
    }

    /// The (MAC key, encryption key, fixed IV) of `suite` for this
    /// direction: cut from the TLS 1.2 key block in the order RFC 5246
    /// §6.3 gives (client MAC, server MAC, client key, server key, client
    /// IV, server IV), or expanded from the TLS 1.3 secret (RFC 8446 §7.3).
    fn material(&self, suite: Suite) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let (mac, key, iv) = lengths(suite);
        match &self.0 {
            Source::Tls12 {
                master,
                client_random,
                server_random,
                client_write,
            } => {
                let mut seed = server_random.to_vec();
                seed.extend_from_slice(client_random);
                // RFC 5289 §3: the _SHA384 suites' PRF is P_SHA384.
                let block = prf12(suite.hash(), master, "key expansion", &seed, KEY_BLOCK);
                let mut at = 0;
                let mut take = |n: usize| {
                    let s = block[at..at + n].to_vec();
                    at += n;
                    s
                };
                let (cm, sm) = (take(mac), take(mac));
                let (ck, sk) = (take(key), take(key));
                let (ci, si) = (take(iv), take(iv));
                if *client_write {
                    (cm, ck, ci)
                } else {
                    (sm, sk, si)
                }
            }
            Source::Tls13 { secret } => (
                Vec::new(),
                hkdf_expand_label(secret.alg(), secret, "key", &[], key as u16),
                hkdf_expand_label(secret.alg(), secret, "iv", &[], iv as u16),
            ),
        }
    }
}

/// (MAC key, encryption key, fixed IV) lengths of a suite (RFC 5246
/// Appendix C, RFC 5288 §3, RFC 7905 §2, RFC 8446 §5.3).
fn lengths(suite: Suite) -> (usize, usize, usize) {
    use Suite::*;
    match suite {
        TLS_RSA_WITH_RC4_128_MD5 => (16, 16, 0),
        TLS_RSA_WITH_RC4_128_SHA => (20, 16, 0),
        TLS_RSA_WITH_3DES_EDE_CBC_SHA => (20, 24, 8),
        TLS_RSA_WITH_AES_128_CBC_SHA | TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA => (20, 16, 16),
        TLS_RSA_WITH_AES_256_CBC_SHA => (20, 32, 16),
        TLS_RSA_WITH_AES_128_CBC_SHA256 => (32, 16, 16),
        TLS_RSA_WITH_AES_128_GCM_SHA256 | TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => (0, 16, 4),
        TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => (0, 32, 4),
        TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => (0, 32, 12),
        TLS_AES_128_GCM_SHA256 => (0, 16, 12),
        TLS_AES_256_GCM_SHA384 | TLS_CHACHA20_POLY1305_SHA256 => (0, 32, 12),
    }
}

/// A keyed HMAC, cloned per record (the key is hashed once).
#[derive(Clone)]
enum RecordMac {
    Md5(Hmac<md5::Md5>),
    Sha1(Hmac<sha1::Sha1>),
    Sha256(Hmac<sha2::Sha256>),
}

impl RecordMac {
    fn new(key: &[u8]) -> Self {
        let bad = "HMAC takes any key length";
        match key.len() {
            16 => RecordMac::Md5(KeyInit::new_from_slice(key).expect(bad)),
            20 => RecordMac::Sha1(KeyInit::new_from_slice(key).expect(bad)),
            _ => RecordMac::Sha256(KeyInit::new_from_slice(key).expect(bad)),
        }
    }

    /// HMAC(seq ‖ type ‖ version ‖ length ‖ data) (RFC 5246 §6.2.3.1).
    fn compute(&self, seq: u64, ty: u8, data: &[u8]) -> Vec<u8> {
        let h = aad12(seq, ty, data.len());
        fn run<M: Mac + Clone>(m: &M, h: &[u8], data: &[u8]) -> Vec<u8> {
            let mut m = m.clone();
            m.update(h);
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        match self {
            RecordMac::Md5(m) => run(m, &h, data),
            RecordMac::Sha1(m) => run(m, &h, data),
            RecordMac::Sha256(m) => run(m, &h, data),
        }
    }
}

/// The TLS 1.2 pseudo-header MACs and AEADs cover: seq ‖ type ‖ version ‖
/// length (RFC 5246 §6.2.3.1, §6.2.3.3).
fn aad12(seq: u64, ty: u8, len: usize) -> [u8; 13] {
    let mut a = [0u8; 13];
    a[..8].copy_from_slice(&seq.to_be_bytes());
    a[8] = ty;
    a[9..11].copy_from_slice(&RECORD_VERSION);
    a[11..].copy_from_slice(&(len as u16).to_be_bytes());
    a
}

/// The cipher of one direction, keyed.
enum Cipher {
    Aes128Gcm(Box<Aes128Gcm>),
    Aes256Gcm(Box<Aes256Gcm>),
    ChaCha(Box<ChaCha20Poly1305>),
    Aes128Cbc(Box<aes::Aes128>),
    Aes256Cbc(Box<aes::Aes256>),
    TdesCbc(Box<des::TdesEde3>),
    Rc4(Box<rc4::Rc4>),
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.write_str(match self {
            Cipher::Aes128Gcm(_) => "AES-128-GCM",
            Cipher::Aes256Gcm(_) => "AES-256-GCM",
            Cipher::ChaCha(_) => "ChaCha20-Poly1305",
            Cipher::Aes128Cbc(_) => "AES-128-CBC",
            Cipher::Aes256Cbc(_) => "AES-256-CBC",
            Cipher::TdesCbc(_) => "3DES-EDE-CBC",
            Cipher::Rc4(_) => "RC4",
        })
    }
}

/// AEAD seal in place; the tag is returned.
fn aead_seal<A: AeadInOut>(a: &A, nonce: &[u8; 12], aad: &[u8], buf: &mut [u8]) -> Vec<u8> {
    let n = Nonce::<A>::try_from(&nonce[..]).expect("12-byte nonce");
    a.encrypt_inout_detached(&n, aad, buf.into())
        .expect("records are far below the AEAD's length limit")
        .to_vec()
}

/// AEAD open in place; false if the tag does not verify.
fn aead_open<A: AeadInOut>(
    a: &A,
    nonce: &[u8; 12],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8],
) -> bool {
    let n = Nonce::<A>::try_from(&nonce[..]).expect("12-byte nonce");
    let Ok(t) = Tag::<A>::try_from(tag) else {
        return false;
    };
    a.decrypt_inout_detached(&n, aad, buf.into(), &t).is_ok()
}

/// CBC encryption of whole blocks in place under `iv`.
fn cbc_encrypt<C>(c: &C, iv: &[u8], buf: &mut [u8])
where
    C: cbc::cipher::BlockCipherEncrypt + Clone,
{
    let mut e = cbc::Encryptor::<C>::inner_iv_slice_init(c.clone(), iv).expect("one block of IV");
    let (blocks, rest) = cbc::cipher::Block::<C>::slice_as_chunks_mut(buf);
    debug_assert!(rest.is_empty());
    e.encrypt_blocks(blocks);
}

/// CBC decryption of whole blocks in place under `iv`.
fn cbc_decrypt<C>(c: &C, iv: &[u8], buf: &mut [u8])
where
    C: cbc::cipher::BlockCipherDecrypt + cbc::cipher::BlockCipherEncrypt + Clone,
{
    let mut d = cbc::Decryptor::<C>::inner_iv_slice_init(c.clone(), iv).expect("one block of IV");
    let (blocks, rest) = cbc::cipher::Block::<C>::slice_as_chunks_mut(buf);
    debug_assert!(rest.is_empty());
    d.decrypt_blocks(blocks);
}

/// One direction's protection: suite, keyed cipher and MAC, fixed IV.
#[derive(Debug)]
struct Protector {
    suite: Suite,
    cipher: Cipher,
    mac: Option<RecordMac>,
    /// The AEAD's fixed IV (TLS 1.3, ChaCha20 in 1.2: 12 bytes; GCM in
    /// 1.2: the 4-byte salt), zero-padded.
    iv: [u8; 12],
    /// Seeds the explicit CBC IVs.
    iv_seed: Hash,
}

impl std::fmt::Debug for RecordMac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RecordMac::Md5(_) => "HMAC-MD5",
            RecordMac::Sha1(_) => "HMAC-SHA1",
            RecordMac::Sha256(_) => "HMAC-SHA256",
        })
    }
}

impl Protector {
    fn new(suite: Suite, keys: &TrafficKeys) -> Self {
        use Suite::*;
        let (mac_key, key, fixed) = keys.material(suite);
        let bad = "key lengths are the suite's";
        let cipher = match suite {
            TLS_RSA_WITH_RC4_128_MD5 | TLS_RSA_WITH_RC4_128_SHA => {
                Cipher::Rc4(Box::new(rc4::Rc4::new_from_slice(&key).expect(bad)))
            }
            TLS_RSA_WITH_3DES_EDE_CBC_SHA => {
                Cipher::TdesCbc(Box::new(des::TdesEde3::new_from_slice(&key).expect(bad)))
            }
            TLS_RSA_WITH_AES_128_CBC_SHA
            | TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
            | TLS_RSA_WITH_AES_128_CBC_SHA256 => {
                Cipher::Aes128Cbc(Box::new(aes::Aes128::new_from_slice(&key).expect(bad)))
            }
            TLS_RSA_WITH_AES_256_CBC_SHA => {
                Cipher::Aes256Cbc(Box::new(aes::Aes256::new_from_slice(&key).expect(bad)))
            }
            TLS_RSA_WITH_AES_128_GCM_SHA256
            | TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
            | TLS_AES_128_GCM_SHA256 => {
                Cipher::Aes128Gcm(Box::new(Aes128Gcm::new_from_slice(&key).expect(bad)))
            }
            TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 | TLS_AES_256_GCM_SHA384 => {
                Cipher::Aes256Gcm(Box::new(Aes256Gcm::new_from_slice(&key).expect(bad)))
            }
            TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 | TLS_CHACHA20_POLY1305_SHA256 => {
                Cipher::ChaCha(Box::new(ChaCha20Poly1305::new_from_slice(&key).expect(bad)))
            }
        };
        let mut iv = [0u8; 12];
        let aead_iv = matches!(suite.protection(), Protection::Aead { .. });
        if aead_iv {
            iv[..fixed.len()].copy_from_slice(&fixed);
        }
        Protector {
            suite,
            cipher,
            mac: (!mac_key.is_empty()).then(|| RecordMac::new(&mac_key)),
            iv,
            iv_seed: hmac_sha256(&key, &[b"netsim explicit cbc iv"]),
        }
    }

    /// The per-record nonce: fixed IV XOR the padded sequence number (RFC
    /// 8446 §5.3, RFC 7905 §2), or for TLS 1.2 GCM salt ‖ explicit part
    /// (RFC 5288 §3).
    fn nonce(&self, seq: u64, explicit: Option<&[u8]>) -> [u8; 12] {
        let mut n = self.iv;
        match explicit {
            Some(e) => n[4..].copy_from_slice(e),
            None => n[4..]
                .iter_mut()
                .zip(seq.to_be_bytes())
                .for_each(|(b, s)| *b ^= s),
        }
        n
    }

    fn aead_seal(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut [u8]) -> Vec<u8> {
        match &self.cipher {
            Cipher::Aes128Gcm(a) => aead_seal(&**a, nonce, aad, buf),
            Cipher::Aes256Gcm(a) => aead_seal(&**a, nonce, aad, buf),
            Cipher::ChaCha(a) => aead_seal(&**a, nonce, aad, buf),
            _ => unreachable!("an AEAD suite has an AEAD cipher"),
        }
    }

    fn aead_open(&self, nonce: &[u8; 12], aad: &[u8], buf: &mut [u8], tag: &[u8]) -> bool {
        match &self.cipher {
            Cipher::Aes128Gcm(a) => aead_open(&**a, nonce, aad, buf, tag),
            Cipher::Aes256Gcm(a) => aead_open(&**a, nonce, aad, buf, tag),
            Cipher::ChaCha(a) => aead_open(&**a, nonce, aad, buf, tag),
            _ => unreachable!("an AEAD suite has an AEAD cipher"),
        }
    }

    fn cbc(&self, encrypt: bool, iv: &[u8], buf: &mut [u8]) {
        match (&self.cipher, encrypt) {
            (Cipher::Aes128Cbc(c), true) => cbc_encrypt(&**c, iv, buf),
            (Cipher::Aes128Cbc(c), false) => cbc_decrypt(&**c, iv, buf),
            (Cipher::Aes256Cbc(c), true) => cbc_encrypt(&**c, iv, buf),
            (Cipher::Aes256Cbc(c), false) => cbc_decrypt(&**c, iv, buf),
            (Cipher::TdesCbc(c), true) => cbc_encrypt(&**c, iv, buf),
            (Cipher::TdesCbc(c), false) => cbc_decrypt(&**c, iv, buf),
            _ => unreachable!("a CBC suite has a block cipher"),
        }
    }

    fn rc4(&mut self, buf: &mut [u8]) {
        match &mut self.cipher {
            Cipher::Rc4(c) => c.apply_keystream(buf),
            _ => unreachable!("a stream suite has RC4"),
        }
    }

    fn mac(&self, seq: u64, ty: u8, data: &[u8]) -> Vec<u8> {
        self.mac
            .as_ref()
            .expect("MAC suites have a MAC key")
            .compute(seq, ty, data)
    }
}

/// The legacy_record_version every record carries (RFC 8446 §5.1).
const RECORD_VERSION: [u8; 2] = [3, 3];

/// Longest ciphertext a record may claim (RFC 5246 §6.2.3: 2^14 + 2048).
const MAX_CIPHERTEXT: usize = MAX_FRAGMENT + 2048;

fn header(ty: u8, len: usize) -> [u8; 5] {
    let l = (len as u16).to_be_bytes();
    [ty, RECORD_VERSION[0], RECORD_VERSION[1], l[0], l[1]]
}

/// The sending half of one direction: turns messages into records.
#[derive(Debug)]
pub struct Sealer {
    protect: Option<Protector>,
    seq: u64,
}

impl Sealer {
    /// A sealer that sends in the clear (before ChangeCipherSpec in TLS
    /// 1.2, ServerHello in TLS 1.3).
    pub fn plaintext() -> Self {
        Sealer {
            protect: None,
            seq: 0,
        }
    }

    /// A sealer protecting with `suite` under `keys`, from sequence number
    /// zero (each key change resets it, RFC 8446 §5.3).
    pub fn new(suite: Suite, keys: TrafficKeys) -> Self {
        Sealer {
            protect: Some(Protector::new(suite, &keys)),
            seq: 0,
        }
    }

    /// Records carrying `data` of type `ty`, fragmented at 2^14 bytes and
    /// concatenated as they go on the wire. Empty data still makes one
    /// record (an empty application data record is legal).
    pub fn seal(&mut self, ty: ContentType, data: &[u8]) -> Vec<u8> {
        let mut wire = Vec::with_capacity(data.len() + 64);
        self.seal_into(ty, data, &mut wire);
        wire
    }

    /// As [`seal`](Self::seal), appending to `wire` (no copy of the
    /// records afterwards).
    pub fn seal_into(&mut self, ty: ContentType, data: &[u8], wire: &mut Vec<u8>) {
        if data.is_empty() {
            self.seal_one(ty, data, wire);
        }
        for chunk in data.chunks(MAX_FRAGMENT) {
            self.seal_one(ty, chunk, wire);
        }
    }

    /// One record, built in place at the end of `wire`.
    fn seal_one(&mut self, ty: ContentType, data: &[u8], wire: &mut Vec<u8>) {
        let Some(p) = &mut self.protect else {
            wire.extend_from_slice(&header(ty.code(), data.len()));
            wire.extend_from_slice(data);
            return;
        };
        let seq = self.seq;
        self.seq += 1;
        let suite = p.suite;
        let len = suite.record_size(data.len()) - 5;
        let tls13 = suite.version() == Version::Tls13;
        let outer = if tls13 {
            ContentType::ApplicationData
        } else {
            ty
        };
        let hdr = header(outer.code(), len);
        wire.reserve(5 + len);
        wire.extend_from_slice(&hdr);
        let at = wire.len();
        match suite.protection() {
            Protection::Aead { explicit_nonce, .. } => {
                let n = usize::from(explicit_nonce);
                // RFC 5288 §3: the explicit part is ours to choose; the
                // sequence number never repeats under one key.
                let explicit = seq.to_be_bytes();
                wire.extend_from_slice(&explicit[8 - n..]);
                wire.extend_from_slice(data);
                let aad: Vec<u8> = if tls13 {
                    wire.push(ty.code()); // TLSInnerPlaintext.type
                    hdr.to_vec()
                } else {
                    aad12(seq, ty.code(), data.len()).to_vec()
                };
                let nonce = p.nonce(seq, (n > 0).then_some(&explicit[..]));
                let tag = p.aead_seal(&nonce, &aad, &mut wire[at + n..]);
                wire.extend_from_slice(&tag);
            }
            Protection::Stream { .. } => {
                // MAC-then-encrypt (RFC 5246 §6.2.3.1).
                let m = p.mac(seq, ty.code(), data);
                wire.extend_from_slice(data);
                wire.extend_from_slice(&m);
                p.rc4(&mut wire[at..]);
            }
            Protection::Cbc { block, .. } => {
                let block = usize::from(block);
                let m = p.mac(seq, ty.code(), data);
                let iv = hmac_sha256(&p.iv_seed, &[&seq.to_be_bytes()]);
                wire.extend_from_slice(&iv[..block]);
                wire.extend_from_slice(data);
                wire.extend_from_slice(&m);
                // Padding: pad_len + 1 bytes each worth pad_len (§6.2.3.2).
                let pad = len - (wire.len() - at);
                wire.extend(std::iter::repeat_n((pad - 1) as u8, pad));
                let (iv, ct) = wire[at..].split_at_mut(block);
                p.cbc(true, iv, ct);
            }
        }
        debug_assert_eq!(wire.len() - at, len);
    }
}

/// The receiving half of one direction: checks and unwraps records.
#[derive(Debug)]
pub struct Opener {
    protect: Option<Protector>,
    seq: u64,
}

impl Opener {
    /// An opener for records in the clear.
    pub fn plaintext() -> Self {
        Opener {
            protect: None,
            seq: 0,
        }
    }

    /// An opener for records protected with `suite` under `keys`.
    pub fn new(suite: Suite, keys: TrafficKeys) -> Self {
        Opener {
            protect: Some(Protector::new(suite, &keys)),
            seq: 0,
        }
    }

    /// The content type and plaintext of one record, or the alert to send.
    /// A record that fails leaves the sequence number where it was, so a
    /// server skipping refused early data can go on (RFC 8446 §4.2.10).
    pub fn open(&mut self, record: &Record) -> Result<(ContentType, Vec<u8>), Alert> {
        self.open_owned(record.clone())
    }

    /// As [`open`](Self::open), decrypting in the record's own buffer.
    pub fn open_owned(&mut self, record: Record) -> Result<(ContentType, Vec<u8>), Alert> {
        let seq = self.seq;
        let opened = self.open_at(seq, record);
        if opened.is_ok() && self.protect.is_some() {
            self.seq += 1;
        }
        opened
    }

    fn open_at(&mut self, seq: u64, record: Record) -> Result<(ContentType, Vec<u8>), Alert> {
        let Some(p) = &mut self.protect else {
            let ty = ContentType::from_code(record.outer_type).ok_or(Alert::UnexpectedMessage)?;
            if record.body.len() > MAX_FRAGMENT {
                return Err(Alert::RecordOverflow);
            }
            return Ok((ty, record.body));
        };
        let mut body = record.body;
        let bad = Err(Alert::BadRecordMac);
        let suite = p.suite;
        let tls13 = suite.version() == Version::Tls13;
        let (ty, plain) = match suite.protection() {
            Protection::Aead {
                explicit_nonce,
                tag,
            } => {
                let (n, t) = (usize::from(explicit_nonce), usize::from(tag));
                if body.len() < n + t {
                    return bad;
                }
                let hdr = header(record.outer_type, body.len());
                let plain_len = body.len() - n - t;
                let explicit: [u8; 8] = if n == 8 {
                    body[..8].try_into().expect("8 bytes")
                } else {
                    [0; 8]
                };
                let aad: Vec<u8> = if tls13 {
                    hdr.to_vec()
                } else {
                    aad12(seq, record.outer_type, plain_len).to_vec()
                };
                let nonce = p.nonce(seq, (n > 0).then_some(&explicit[..]));
                let got = body.split_off(body.len() - t);
                if !p.aead_open(&nonce, &aad, &mut body[n..], &got) {
                    return bad;
                }
                body.drain(..n);
                let mut plain = body;
                if tls13 {
                    // RFC 8446 §5.4: the type is the last non-zero byte.
                    while plain.last() == Some(&0) {
                        plain.pop();
                    }
                    let Some(code) = plain.pop() else {
                        return Err(Alert::UnexpectedMessage);
                    };
                    let ty = ContentType::from_code(code).ok_or(Alert::UnexpectedMessage)?;
                    (ty, plain)
                } else {
                    let ty = ContentType::from_code(record.outer_type)
                        .ok_or(Alert::UnexpectedMessage)?;
                    (ty, plain)
                }
            }
            Protection::Stream { mac } => {
                let m = usize::from(mac);
                let ty =
                    ContentType::from_code(record.outer_type).ok_or(Alert::UnexpectedMessage)?;
                let mut plain = body;
                p.rc4(&mut plain);
                if plain.len() < m {
                    return bad;
                }
                let got = plain.split_off(plain.len() - m);
                if p.mac(seq, ty.code(), &plain) != got {
                    return bad;
                }
                (ty, plain)
            }
            Protection::Cbc { block, mac } => {
                let (b, m) = (usize::from(block), usize::from(mac));
                let ty =
                    ContentType::from_code(record.outer_type).ok_or(Alert::UnexpectedMessage)?;
                if body.len() < b + m + 1 || !(body.len() - b).is_multiple_of(b) {
                    return bad;
                }
                let iv = body[..b].to_vec();
                body.drain(..b);
                let mut plain = body;
                p.cbc(false, &iv, &mut plain);
                let pad = usize::from(*plain.last().expect("non-empty")) + 1;
                if pad + m > plain.len()
                    || plain[plain.len() - pad..]
                        .iter()
                        .any(|&x| usize::from(x) != pad - 1)
                {
                    return bad;
                }
                plain.truncate(plain.len() - pad);
                let got = plain.split_off(plain.len() - m);
                if p.mac(seq, ty.code(), &plain) != got {
                    return bad;
                }
                (ty, plain)
            }
        };
        if plain.len() > MAX_FRAGMENT {
            return Err(Alert::RecordOverflow);
        }
        Ok((ty, plain))
    }
}

/// One record as framed on the wire, not yet opened.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Record {
    /// The header's content type byte (the outer type in TLS 1.3).
    pub outer_type: u8,
    /// The bytes after the header.
    pub body: Vec<u8>,
}

impl Record {
    /// Bytes on the wire, header included.
    pub fn wire_len(&self) -> usize {
        5 + self.body.len()
    }
}

/// Cuts a byte stream into records wherever TCP happened to split it.
#[derive(Clone, Debug, Default)]
pub struct Deframer {
    /// Bytes received; `buf[start..]` are not yet framed.
    buf: Vec<u8>,
    start: usize,
    failed: Option<Alert>,
}

impl Deframer {
    /// An empty deframer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes as they arrived.
    pub fn push(&mut self, bytes: &[u8]) {
        // Drop what was framed: free when nothing is left over, else once
        // it is at least half the buffer (so moves stay linear overall).
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        } else if self.start > 0 && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held that do not yet make a whole record.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The next whole record, `None` if more bytes are needed, or the alert
    /// a malformed header calls for (after which the stream is dead).
    pub fn pop(&mut self) -> Option<Result<Record, Alert>> {
        if let Some(a) = self.failed {
            return Some(Err(a));
        }
        let rest = &self.buf[self.start..];
        if rest.len() < 5 {
            return None;
        }
        let h = [rest[0], rest[1], rest[2], rest[3], rest[4]];
        let len = usize::from(u16::from_be_bytes([h[3], h[4]]));
        let fail = if ContentType::from_code(h[0]).is_none() {
            Some(Alert::UnexpectedMessage)
        } else if h[1] != 3 {
            Some(Alert::DecodeError)
        } else if len > MAX_CIPHERTEXT {
            Some(Alert::RecordOverflow)
        } else {
            None
        };
        if let Some(a) = fail {
            self.failed = Some(a);
            return Some(Err(a));
        }
        if rest.len() < 5 + len {
            return None;
        }
        let body = rest[5..5 + len].to_vec();
        self.start += 5 + len;
        Some(Ok(Record {
            outer_type: h[0],
            body,
        }))
    }
}

/// Joins handshake fragments into whole messages: one record may hold
/// several messages and one message may span several records (RFC 8446
/// §5.1).
#[derive(Clone, Debug, Default)]
pub struct HandshakeJoiner {
    buf: Vec<u8>,
}

impl HandshakeJoiner {
    /// An empty joiner.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the plaintext of one handshake record.
    pub fn push(&mut self, fragment: &[u8]) {
        self.buf.extend_from_slice(fragment);
    }

    /// True when no partial message is held (a key change must fall on a
    /// record boundary with nothing pending, RFC 8446 §5.1).
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The next whole message, header included.
    pub fn pop(&mut self) -> Option<Vec<u8>> {
        if self.buf.len() < 4 {
            return None;
        }
        let len = usize::from(self.buf[1]) << 16
            | usize::from(self.buf[2]) << 8
            | usize::from(self.buf[3]);
        if self.buf.len() < 4 + len {
            return None;
        }
        let rest = self.buf.split_off(4 + len);
        Some(std::mem::replace(&mut self.buf, rest))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> (TrafficKeys, TrafficKeys) {
        TrafficKeys::tls12(&[1; 48], &[2; 32], &[3; 32])
    }

    fn records(wire: &[u8]) -> Vec<Record> {
        let mut d = Deframer::new();
        d.push(wire);
        std::iter::from_fn(|| d.pop().map(|r| r.unwrap())).collect()
    }

    fn pair(suite: Suite) -> (Sealer, Opener) {
        let k = if suite.version() == Version::Tls13 {
            let alg = suite.hash();
            TrafficKeys::tls13(&[5; 48][..alg.size()])
        } else {
            keys().0
        };
        (Sealer::new(suite, k), Opener::new(suite, k))
    }

    #[test]
    fn wire_sizes_are_the_suites_record_sizes() {
        for suite in Suite::ALL {
            for n in [0, 1, 15, 16, 100, 1000, MAX_FRAGMENT] {
                let (mut s, _) = pair(suite);
                let wire = s.seal(ContentType::ApplicationData, &vec![7; n]);
                assert_eq!(wire.len(), suite.record_size(n), "{suite} with {n} bytes");
            }
        }
        let mut clear = Sealer::plaintext();
        assert_eq!(
            clear.seal(ContentType::Handshake, &[1, 2, 3]),
            [22, 3, 3, 0, 3, 1, 2, 3]
        );
    }

    #[test]
    fn large_writes_fragment_at_two_to_the_fourteen() {
        let (mut s, mut o) = pair(Suite::TLS_AES_128_GCM_SHA256);
        let data: Vec<u8> = (0..40_000u32).map(|i| i as u8).collect();
        let recs = records(&s.seal(ContentType::ApplicationData, &data));
        let sizes: Vec<usize> = recs.iter().map(Record::wire_len).collect();
        let g = |n| Suite::TLS_AES_128_GCM_SHA256.record_size(n);
        assert_eq!(sizes, [g(16_384), g(16_384), g(7_232)]);
        let back: Vec<u8> = recs.iter().flat_map(|r| o.open(r).unwrap().1).collect();
        assert_eq!(back, data);
    }

    #[test]
    fn every_suite_round_trips_and_hides_the_plaintext() {
        let text = b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n\r\n";
        for suite in Suite::ALL {
            let (mut s, mut o) = pair(suite);
            for ty in [
                ContentType::Handshake,
                ContentType::ApplicationData,
                ContentType::Alert,
            ] {
                let wire = s.seal(ty, text);
                assert!(
                    !wire.windows(8).any(|w| w == &text[..8]),
                    "{suite} leaks plaintext"
                );
                let recs = records(&wire);
                assert_eq!(recs.len(), 1);
                if suite.version() == Version::Tls13 {
                    // The outer type hides the real one.
                    assert_eq!(recs[0].outer_type, 23);
                }
                assert_eq!(o.open(&recs[0]), Ok((ty, text.to_vec())), "{suite}");
            }
        }
    }

    #[test]
    fn any_changed_byte_is_bad_record_mac() {
        for suite in Suite::ALL {
            let (mut s, _) = pair(suite);
            let rec = records(&s.seal(ContentType::ApplicationData, b"transfer 100 to alice"))
                .pop()
                .unwrap();
            for at in 0..rec.body.len() {
                let mut bad = rec.clone();
                bad.body[at] ^= 0x20;
                let (_, mut o) = pair(suite);
                assert_eq!(o.open(&bad), Err(Alert::BadRecordMac), "{suite}, byte {at}");
            }
        }
    }

    #[test]
    fn dropped_replayed_or_reordered_records_fail() {
        let (mut s, _) = pair(Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
        let a = records(&s.seal(ContentType::ApplicationData, b"one"))
            .pop()
            .unwrap();
        let b = records(&s.seal(ContentType::ApplicationData, b"two"))
            .pop()
            .unwrap();
        let (_, mut o) = pair(Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
        assert_eq!(o.open(&b), Err(Alert::BadRecordMac));
        let (_, mut o) = pair(Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256);
        assert!(o.open(&a).is_ok());
        assert_eq!(o.open(&a), Err(Alert::BadRecordMac));
        // The other direction's keys do not open it either.
        let mut wrong = Opener::new(Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, keys().1);
        assert_eq!(wrong.open(&a), Err(Alert::BadRecordMac));
    }

    #[test]
    fn records_survive_any_split_of_the_stream() {
        let (mut s, _) = pair(Suite::TLS_RSA_WITH_AES_128_CBC_SHA);
        let mut wire = s.seal(ContentType::ApplicationData, &[9; 3000]);
        wire.extend(s.seal(ContentType::Alert, &[1, 0]));
        let whole = records(&wire);
        for step in [1, 2, 7, 1460] {
            let mut d = Deframer::new();
            let mut got = Vec::new();
            for chunk in wire.chunks(step) {
                d.push(chunk);
                while let Some(r) = d.pop() {
                    got.push(r.unwrap());
                }
            }
            assert_eq!(got, whole, "split every {step} bytes");
            assert_eq!(d.buffered(), 0);
        }
    }

    #[test]
    fn malformed_headers_get_their_alerts() {
        let mut d = Deframer::new();
        d.push(&[99, 3, 3, 0, 1, 0]);
        assert_eq!(d.pop(), Some(Err(Alert::UnexpectedMessage)));
        assert_eq!(d.pop(), Some(Err(Alert::UnexpectedMessage)), "stays dead");
        let mut d = Deframer::new();
        d.push(&[23, 3, 3, 0xFF, 0xFF]);
        assert_eq!(d.pop(), Some(Err(Alert::RecordOverflow)));
        let mut d = Deframer::new();
        d.push(&[22, 2, 0, 0, 0]);
        assert_eq!(d.pop(), Some(Err(Alert::DecodeError)));
        // A clear record over 2^14 bytes.
        let mut o = Opener::plaintext();
        let big = Record {
            outer_type: 22,
            body: vec![0; MAX_FRAGMENT + 1],
        };
        assert_eq!(o.open(&big), Err(Alert::RecordOverflow));
    }

    #[test]
    fn handshake_messages_join_across_and_within_records() {
        let m1 = [1, 0, 0, 3, 0xA, 0xB, 0xC];
        let m2 = [2, 0, 0, 1, 0xD];
        let mut j = HandshakeJoiner::new();
        j.push(&m1[..2]);
        assert_eq!(j.pop(), None);
        j.push(&m1[2..]);
        j.push(&m2);
        assert_eq!(j.pop().as_deref(), Some(&m1[..]));
        assert_eq!(j.pop().as_deref(), Some(&m2[..]));
        assert_eq!(j.pop(), None);
        assert!(j.is_empty());
    }
}
