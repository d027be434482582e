//! The record layer: framing, fragmentation and protection, byte-exact in
//! size.
//!
//! # What is real and what is a model
//!
//! Framing is the RFC's: a 5-byte header (type, legacy version, length),
//! plaintext fragments of at most 2^14 bytes (RFC 8446 §5.1, RFC 5246
//! §6.2.1), and per suite the bytes protection adds: an explicit IV and
//! padding for CBC, the MAC for stream and CBC suites, an explicit nonce
//! and tag for TLS 1.2 GCM, the inner content type and tag for TLS 1.3
//! (RFC 5246 §6.2.3, RFC 8446 §5.2). So a record's size on the wire is
//! exactly [`Suite::record_size`].
//!
//! The cipher is a model: a keystream seeded per record by HMAC-SHA256
//! over the key, the sequence number and any explicit nonce stands in for
//! AES or ChaCha20, and a keyed multiply-xor hash over header, ciphertext
//! and length stands in for the MAC or AEAD tag (it always catches a change
//! within one 8-byte word; it is not a cryptographic MAC, which a simulator
//! does not need and would pay for on every byte). That keeps what matters to a simulation: an
//! on-path node without the keys sees sizes and noise, never the
//! plaintext; changing, dropping, replaying or reordering a record makes
//! the receiver fail with `bad_record_mac`, because the sequence number is
//! implicit (RFC 5246 §6.2.3.1, RFC 8446 §5.3). Every protection failure,
//! padding included, is the same `bad_record_mac`, as RFC 5246 §6.2.3.2
//! asks so that there is no padding oracle.

use crate::alert::Alert;
use crate::crypto::{Hash, hkdf_expand_label, hmac_sha256, prf12};
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

/// The secret material of one direction.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TrafficKeys {
    key: Hash,
    iv: Hash,
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
        let mut seed = server_random.to_vec();
        seed.extend_from_slice(client_random);
        let block = prf12(master, "key expansion", &seed, 128);
        let part = |i: usize| -> Hash { block[i * 32..(i + 1) * 32].try_into().expect("32 bytes") };
        (
            TrafficKeys {
                key: part(0),
                iv: part(2),
            },
            TrafficKeys {
                key: part(1),
                iv: part(3),
            },
        )
    }

    /// TLS 1.3 keys from a traffic secret (RFC 8446 §7.3).
    pub fn tls13(secret: &Hash) -> Self {
        let get = |label| -> Hash {
            hkdf_expand_label(secret, label, &[], 32)
                .try_into()
                .expect("32 bytes")
        };
        TrafficKeys {
            key: get("key"),
            iv: get("iv"),
        }
    }

    /// XORs the keystream for record `seq` with per-record `nonce` (the
    /// explicit IV or nonce when the suite carries one) into `data`. One
    /// HMAC seeds the record; a SplitMix64 stream does the bytes, so bulk
    /// protection costs a few nanoseconds per 8 bytes.
    fn keystream(&self, seq: u64, nonce: &[u8], data: &mut [u8]) {
        let seed = hmac_sha256(&self.key, &[&self.iv, &seq.to_be_bytes(), nonce]);
        let mut state = u64::from_le_bytes(seed[..8].try_into().expect("8 bytes"));
        for chunk in data.chunks_mut(8) {
            let k = splitmix64(&mut state).to_le_bytes();
            chunk.iter_mut().zip(k).for_each(|(b, k)| *b ^= k);
        }
    }

    /// The record's tag: four multiply-xor lanes keyed per record by one
    /// HMAC, over header, body and length. Each lane's step is a bijection
    /// in both the running value and the input word, so a change confined
    /// to one 8-byte word is always caught; wider changes escape with
    /// probability about 2^-128.
    fn tag(&self, seq: u64, header: &[u8], body: &[u8], len: usize) -> Vec<u8> {
        let k = hmac_sha256(&self.iv, &[&self.key, &seq.to_be_bytes()]);
        let word = |i: usize| u64::from_le_bytes(k[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
        let mut lanes = [word(0), word(1), word(2), word(3)];
        let mults = lanes.map(|h| h.rotate_left(29) | 1);
        let mut feed = |w: u64| {
            for (h, m) in lanes.iter_mut().zip(mults) {
                *h = (*h ^ w).wrapping_mul(m);
            }
        };
        for part in [header, body] {
            for chunk in part.chunks(8) {
                let mut w = [0u8; 8];
                w[..chunk.len()].copy_from_slice(chunk);
                feed(u64::from_le_bytes(w));
            }
            feed(part.len() as u64);
        }
        let mut out: Vec<u8> = lanes
            .iter()
            .flat_map(|&h| {
                let mut s = h;
                splitmix64(&mut s).to_le_bytes()
            })
            .collect();
        out.truncate(len);
        out
    }
}

/// One step of SplitMix64 (Steele, Lea, Flood 2014): a bijective mix of a
/// Weyl sequence.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
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
#[derive(Clone, Debug)]
pub struct Sealer {
    protect: Option<(Suite, TrafficKeys)>,
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
            protect: Some((suite, keys)),
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
        let Some((suite, keys)) = &self.protect else {
            wire.extend_from_slice(&header(ty.code(), data.len()));
            wire.extend_from_slice(data);
            return;
        };
        let seq = self.seq;
        self.seq += 1;
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
            Protection::Aead {
                explicit_nonce,
                tag,
            } => {
                let n = usize::from(explicit_nonce);
                wire.extend_from_slice(&seq.to_be_bytes()[8 - n..]);
                wire.extend_from_slice(data);
                if tls13 {
                    wire.push(ty.code()); // TLSInnerPlaintext.type
                }
                let (nonce, ct) = wire[at..].split_at_mut(n);
                keys.keystream(seq, nonce, ct);
                let t = keys.tag(seq, &hdr, &wire[at..], usize::from(tag));
                wire.extend_from_slice(&t);
            }
            Protection::Stream { mac } => {
                // MAC-then-encrypt (RFC 5246 §6.2.3.1).
                let m = keys.tag(seq, &header(ty.code(), data.len()), data, usize::from(mac));
                wire.extend_from_slice(data);
                wire.extend_from_slice(&m);
                keys.keystream(seq, &[], &mut wire[at..]);
            }
            Protection::Cbc { block, mac } => {
                let block = usize::from(block);
                let m = keys.tag(seq, &header(ty.code(), data.len()), data, usize::from(mac));
                wire.extend_from_slice(
                    &hmac_sha256(&keys.iv, &[b"iv", &seq.to_be_bytes()])[..block],
                );
                wire.extend_from_slice(data);
                wire.extend_from_slice(&m);
                // Padding: pad_len + 1 bytes each worth pad_len (§6.2.3.2).
                let pad = len - (wire.len() - at);
                wire.extend(std::iter::repeat_n((pad - 1) as u8, pad));
                let (iv, ct) = wire[at..].split_at_mut(block);
                keys.keystream(seq, iv, ct);
            }
        }
        debug_assert_eq!(wire.len() - at, len);
    }
}

/// The receiving half of one direction: checks and unwraps records.
#[derive(Clone, Debug)]
pub struct Opener {
    protect: Option<(Suite, TrafficKeys)>,
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
            protect: Some((suite, keys)),
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
        let opened = self.open_at(self.seq, record);
        if opened.is_ok() && self.protect.is_some() {
            self.seq += 1;
        }
        opened
    }

    fn open_at(&self, seq: u64, record: Record) -> Result<(ContentType, Vec<u8>), Alert> {
        let Some((suite, keys)) = &self.protect else {
            let ty = ContentType::from_code(record.outer_type).ok_or(Alert::UnexpectedMessage)?;
            if record.body.len() > MAX_FRAGMENT {
                return Err(Alert::RecordOverflow);
            }
            return Ok((ty, record.body));
        };
        let mut body = record.body;
        let hdr = header(record.outer_type, body.len());
        let bad = Err(Alert::BadRecordMac);
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
                let (sealed, got) = body.split_at(body.len() - t);
                if keys.tag(seq, &hdr, sealed, t) != got {
                    return bad;
                }
                let mut nonce = [0u8; 16];
                let nonce = &mut nonce[..n.min(16)];
                nonce.copy_from_slice(&body[..nonce.len()]);
                body.truncate(body.len() - t);
                body.drain(..n);
                let mut plain = body;
                keys.keystream(seq, nonce, &mut plain);
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
                keys.keystream(seq, &[], &mut plain);
                if plain.len() < m {
                    return bad;
                }
                let got = plain.split_off(plain.len() - m);
                if keys.tag(seq, &header(ty.code(), plain.len()), &plain, m) != got {
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
                keys.keystream(seq, &iv, &mut plain);
                let pad = usize::from(*plain.last().expect("non-empty")) + 1;
                if pad + m > plain.len()
                    || plain[plain.len() - pad..]
                        .iter()
                        .any(|&p| usize::from(p) != pad - 1)
                {
                    return bad;
                }
                plain.truncate(plain.len() - pad);
                let got = plain.split_off(plain.len() - m);
                if keys.tag(seq, &header(ty.code(), plain.len()), &plain, m) != got {
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
            TrafficKeys::tls13(&[5; 32])
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
