//! Certificates as X.509 v3 DER (RFC 5280 §4.1), so that a capture shows
//! them the way Wireshark shows real ones: subject and issuer names,
//! validity, an RSA-2048 public key, basicConstraints, subject and
//! authority key identifiers and the subject alternative names.
//!
//! What stays symbolic: the key is an identity ([`KeyId`]) carried in the
//! key identifiers, the modulus is filler of the right size, and the
//! signature is [`crate::keys::sign`] over the to-be-signed bytes. A
//! certificate's configured size is reached with a non-critical comment
//! extension that says it is padding.

use crate::cert::{Certificate, KeyId};
use crate::keys::{PrivateKey, sign};

/// A malformed certificate.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DerError;

const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const INTEGER: u8 = 0x02;
const BIT_STRING: u8 = 0x03;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const OID: u8 = 0x06;
const UTF8_STRING: u8 = 0x0c;
const GENERALIZED_TIME: u8 = 0x18;
const BOOLEAN: u8 = 0x01;

const SHA256_WITH_RSA: &[u64] = &[1, 2, 840, 113_549, 1, 1, 11];
const RSA_ENCRYPTION: &[u64] = &[1, 2, 840, 113_549, 1, 1, 1];
const COMMON_NAME: &[u64] = &[2, 5, 4, 3];
const SUBJECT_KEY_ID: &[u64] = &[2, 5, 29, 14];
const SUBJECT_ALT_NAME: &[u64] = &[2, 5, 29, 17];
const BASIC_CONSTRAINTS: &[u64] = &[2, 5, 29, 19];
const AUTHORITY_KEY_ID: &[u64] = &[2, 5, 29, 35];
/// Netscape certificate comment: an IA5String that every X.509 parser
/// knows and skips, which carries the padding.
const PADDING: &[u64] = &[2, 16, 840, 1, 113_730, 1, 13];

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = body.len();
    if n < 128 {
        out.push(n as u8);
    } else {
        let bytes = (n as u32).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (4 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(body);
    out
}

fn seq(parts: &[Vec<u8>]) -> Vec<u8> {
    tlv(SEQUENCE, &parts.concat())
}

fn oid(arcs: &[u64]) -> Vec<u8> {
    let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &a in &arcs[2..] {
        let mut chunk = vec![(a & 0x7f) as u8];
        let mut v = a >> 7;
        while v > 0 {
            chunk.push(0x80 | (v & 0x7f) as u8);
            v >>= 7;
        }
        chunk.reverse();
        body.extend(chunk);
    }
    tlv(OID, &body)
}

fn integer(v: u64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count().min(7);
    let mut body = bytes[skip..].to_vec();
    if body[0] & 0x80 != 0 {
        body.insert(0, 0);
    }
    tlv(INTEGER, &body)
}

fn algorithm(arcs: &[u64]) -> Vec<u8> {
    seq(&[oid(arcs), tlv(NULL, &[])])
}

fn name(cn: &str) -> Vec<u8> {
    seq(&[tlv(
        SET,
        &seq(&[oid(COMMON_NAME), tlv(UTF8_STRING, cn.as_bytes())]),
    )])
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn time(unix: i64) -> Vec<u8> {
    let (y, mo, d) = civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    let text = format!(
        "{y:04}{mo:02}{d:02}{:02}{:02}{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    );
    tlv(GENERALIZED_TIME, text.as_bytes())
}

fn extension(id: &[u64], critical: bool, value: &[u8]) -> Vec<u8> {
    let mut parts = vec![oid(id)];
    if critical {
        parts.push(tlv(BOOLEAN, &[0xff]));
    }
    parts.push(tlv(OCTET_STRING, value));
    seq(&parts)
}

fn tbs(c: &Certificate, padding: usize) -> Vec<u8> {
    // An RSA-2048 public key: a 257-byte modulus (leading zero) and 65537.
    let mut modulus = vec![0u8, 0xC0];
    modulus.extend(std::iter::repeat_n(0x5A, 255));
    let rsa_key = seq(&[tlv(INTEGER, &modulus), integer(65_537)]);
    let mut bits = vec![0u8];
    bits.extend(rsa_key);
    let spki = seq(&[algorithm(RSA_ENCRYPTION), tlv(BIT_STRING, &bits)]);
    let mut exts = vec![
        extension(
            BASIC_CONSTRAINTS,
            true,
            &if c.is_ca {
                seq(&[tlv(BOOLEAN, &[0xff])])
            } else {
                seq(&[])
            },
        ),
        extension(
            SUBJECT_KEY_ID,
            false,
            &tlv(OCTET_STRING, &c.key.0.to_be_bytes()),
        ),
        extension(
            AUTHORITY_KEY_ID,
            false,
            &seq(&[tlv(0x80, &c.signed_by.0.to_be_bytes())]),
        ),
    ];
    if !c.san.is_empty() {
        let names: Vec<Vec<u8>> = c.san.iter().map(|n| tlv(0x82, n.as_bytes())).collect();
        exts.push(extension(SUBJECT_ALT_NAME, false, &seq(&names)));
    }
    if padding > 0 {
        let mut text = b"netsim: padding to this certificate's configured size ".to_vec();
        text.resize(padding, b'.');
        exts.push(extension(PADDING, false, &tlv(0x16, &text)));
    }
    seq(&[
        tlv(0xa0, &integer(2)), // version v3
        integer(c.serial),
        algorithm(SHA256_WITH_RSA),
        name(&c.issuer),
        seq(&[time(c.not_before), time(c.not_after)]),
        name(&c.subject),
        spki,
        tlv(0xa3, &seq(&exts)),
    ])
}

/// The whole certificate around `tbs`; `signed` false leaves the
/// signature zero, which has the same length (for sizing without hashing).
fn assemble(c: &Certificate, padding: usize, signed: bool) -> Vec<u8> {
    let tbs = tbs(c, padding);
    let mut sig = vec![0u8];
    if signed {
        sig.extend(sign(PrivateKey(c.signed_by), &tbs));
    } else {
        sig.resize(1 + crate::keys::RSA_SIZE, 0);
    }
    seq(&[tbs, algorithm(SHA256_WITH_RSA), tlv(BIT_STRING, &sig)])
}

/// The certificate's DER, `c.size` bytes long when that is reachable
/// (length fields grow at 128 and 256 bytes, so a size a byte or two
/// past such a step may come out slightly larger).
pub fn encode(c: &Certificate) -> Vec<u8> {
    let bare = assemble(c, 0, false).len();
    let target = c.size as usize;
    if target <= bare {
        return assemble(c, 0, true);
    }
    // The padding extension costs its own framing: aim, then correct
    // (sizing unsigned, signing once).
    let mut pad = target - bare;
    for _ in 0..8 {
        let len = assemble(c, pad, false).len();
        match len.cmp(&target) {
            std::cmp::Ordering::Equal => break,
            std::cmp::Ordering::Greater => pad -= (len - target).min(pad),
            std::cmp::Ordering::Less => pad += target - len,
        }
    }
    assemble(c, pad, true)
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn tlv(&mut self) -> Result<(u8, &'a [u8]), DerError> {
        let [tag, first, rest @ ..] = self.0 else {
            return Err(DerError);
        };
        let (len, rest) = if first & 0x80 == 0 {
            (usize::from(*first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return Err(DerError);
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |a, b| a << 8 | usize::from(*b));
            (len, &rest[n..])
        };
        if rest.len() < len {
            return Err(DerError);
        }
        self.0 = &rest[len..];
        Ok((*tag, &rest[..len]))
    }

    fn expect(&mut self, tag: u8) -> Result<&'a [u8], DerError> {
        match self.tlv()? {
            (t, body) if t == tag => Ok(body),
            _ => Err(DerError),
        }
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn read_name(body: &[u8]) -> Result<String, DerError> {
    let set = Reader(body).expect(SET)?;
    let atv = Reader(set).expect(SEQUENCE)?;
    let mut r = Reader(atv);
    r.expect(OID)?;
    let s = r.expect(UTF8_STRING)?;
    String::from_utf8(s.to_vec()).map_err(|_| DerError)
}

fn read_time(body: &[u8]) -> Result<i64, DerError> {
    let t = std::str::from_utf8(body).map_err(|_| DerError)?;
    if t.len() != 15 || !t.ends_with('Z') {
        return Err(DerError);
    }
    let n = |a: usize, b: usize| t[a..b].parse::<i64>().map_err(|_| DerError);
    let days = days_from_civil(n(0, 4)?, n(4, 6)?, n(6, 8)?);
    Ok(days * 86_400 + n(8, 10)? * 3600 + n(10, 12)? * 60 + n(12, 14)?)
}

fn read_u32(b: &[u8]) -> Result<u32, DerError> {
    Ok(u32::from_be_bytes(b.try_into().map_err(|_| DerError)?))
}

/// Reads back a certificate [`encode`] made.
pub fn decode(der: &[u8]) -> Result<Certificate, DerError> {
    let mut outer = Reader(der);
    let cert = outer.expect(SEQUENCE)?;
    if !outer.is_empty() {
        return Err(DerError);
    }
    let mut tbs = Reader(Reader(cert).expect(SEQUENCE)?);
    tbs.expect(0xa0)?;
    let serial_bytes = tbs.expect(INTEGER)?;
    if serial_bytes.len() > 9 {
        return Err(DerError);
    }
    let serial = serial_bytes
        .iter()
        .fold(0u64, |a, b| a << 8 | u64::from(*b));
    tbs.expect(SEQUENCE)?;
    let issuer = read_name(tbs.expect(SEQUENCE)?)?;
    let mut validity = Reader(tbs.expect(SEQUENCE)?);
    let not_before = read_time(validity.expect(GENERALIZED_TIME)?)?;
    let not_after = read_time(validity.expect(GENERALIZED_TIME)?)?;
    let subject = read_name(tbs.expect(SEQUENCE)?)?;
    tbs.expect(SEQUENCE)?; // subjectPublicKeyInfo
    let mut exts = Reader(Reader(tbs.expect(0xa3)?).expect(SEQUENCE)?);
    let (mut key, mut signed_by, mut is_ca, mut san) = (None, None, false, Vec::new());
    while !exts.is_empty() {
        let mut e = Reader(exts.expect(SEQUENCE)?);
        let id = e.expect(OID)?;
        let (mut tag, mut value) = e.tlv()?;
        if tag == BOOLEAN {
            (tag, value) = e.tlv()?;
        }
        if tag != OCTET_STRING {
            return Err(DerError);
        }
        if id == &oid(SUBJECT_KEY_ID)[2..] {
            key = Some(KeyId(read_u32(Reader(value).expect(OCTET_STRING)?)?));
        } else if id == &oid(AUTHORITY_KEY_ID)[2..] {
            let aki = Reader(value).expect(SEQUENCE)?;
            signed_by = Some(KeyId(read_u32(Reader(aki).expect(0x80)?)?));
        } else if id == &oid(BASIC_CONSTRAINTS)[2..] {
            let mut bc = Reader(Reader(value).expect(SEQUENCE)?);
            is_ca = !bc.is_empty() && bc.expect(BOOLEAN)? == [0xff];
        } else if id == &oid(SUBJECT_ALT_NAME)[2..] {
            let mut names = Reader(Reader(value).expect(SEQUENCE)?);
            while !names.is_empty() {
                let n = names.expect(0x82)?;
                san.push(String::from_utf8(n.to_vec()).map_err(|_| DerError)?);
            }
        }
    }
    Ok(Certificate {
        serial,
        subject,
        san,
        issuer,
        not_before,
        not_after,
        key: key.ok_or(DerError)?,
        signed_by: signed_by.ok_or(DerError)?,
        is_ca,
        size: der.len() as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(size: u32) -> Certificate {
        Certificate {
            serial: 0x1234_5678_9abc,
            subject: "www.example.com".into(),
            san: vec!["www.example.com".into(), "*.cdn.example.com".into()],
            issuer: "Demo Intermediate CA".into(),
            not_before: 1_668_464_000,
            not_after: 1_731_536_000,
            key: KeyId(3),
            signed_by: KeyId(2),
            is_ca: false,
            size,
        }
    }

    #[test]
    fn certificates_round_trip_at_their_size() {
        for size in [0, 900, 1000, 1200, 1400, 4000] {
            let c = cert(size);
            let der = encode(&c);
            if size >= 900 {
                assert_eq!(der.len(), size as usize, "size {size}");
            }
            let back = decode(&der).unwrap();
            assert_eq!(
                back,
                Certificate {
                    size: der.len() as u32,
                    ..c
                }
            );
        }
    }

    #[test]
    fn dates_are_civil() {
        // 2023-11-14T22:13:20Z.
        let t = time(1_700_000_000);
        assert_eq!(&t[2..], b"20231114221320Z");
        assert_eq!(read_time(&t[2..]), Ok(1_700_000_000));
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
    }

    #[test]
    fn malformed_der_is_an_error_not_a_panic() {
        let der = encode(&cert(1200));
        for n in 0..der.len() {
            assert!(decode(&der[..n]).is_err());
        }
        assert!(decode(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_err());
    }
}
