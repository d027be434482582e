//! Handshake messages and their bytes.
//!
//! Messages are encoded with TLS's real framing (a one-byte type and a
//! three-byte length, RFC 8446 §4 / RFC 5246 §7.4) and close to their real
//! layouts, so that their sizes are realistic and the transcript hash covers
//! exactly the bytes that crossed the network: change one byte in flight and
//! Finished fails. Certificates and public-key values are symbolic (see
//! [`crate::keys`]) but occupy their real sizes. Decoding checks every
//! length and answers malformed input with [`DecodeError`], never a panic.

use crate::cert::Certificate;
use crate::suite::Version;

/// Handshake message types (RFC 8446 §4).
pub mod kind {
    /// ClientHello.
    pub const CLIENT_HELLO: u8 = 1;
    /// ServerHello.
    pub const SERVER_HELLO: u8 = 2;
    /// NewSessionTicket (RFC 5077 §3.3; RFC 8446 §4.6.1).
    pub const NEW_SESSION_TICKET: u8 = 4;
    /// EndOfEarlyData (TLS 1.3).
    pub const END_OF_EARLY_DATA: u8 = 5;
    /// EncryptedExtensions (TLS 1.3).
    pub const ENCRYPTED_EXTENSIONS: u8 = 8;
    /// Certificate.
    pub const CERTIFICATE: u8 = 11;
    /// ServerKeyExchange (TLS 1.2 ECDHE).
    pub const SERVER_KEY_EXCHANGE: u8 = 12;
    /// ServerHelloDone (TLS 1.2).
    pub const SERVER_HELLO_DONE: u8 = 14;
    /// CertificateVerify (TLS 1.3).
    pub const CERTIFICATE_VERIFY: u8 = 15;
    /// ClientKeyExchange (TLS 1.2).
    pub const CLIENT_KEY_EXCHANGE: u8 = 16;
    /// Finished.
    pub const FINISHED: u8 = 20;
}

/// Extension types used here.
mod ext {
    pub const SERVER_NAME: u16 = 0;
    pub const STATUS_REQUEST: u16 = 5;
    pub const EC_POINT_FORMATS: u16 = 11;
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    pub const ALPN: u16 = 16;
    pub const SIGNATURE_ALGORITHMS_CERT: u16 = 50;
    pub const RENEGOTIATION_INFO: u16 = 0xff01;
    pub const SUPPORTED_VERSIONS: u16 = 43;
    pub const KEY_SHARE: u16 = 51;
    pub const SUPPORTED_GROUPS: u16 = 10;
    pub const EXTENDED_MASTER_SECRET: u16 = 23;
    pub const SESSION_TICKET: u16 = 35;
    pub const PRE_SHARED_KEY: u16 = 41;
    pub const EARLY_DATA: u16 = 42;
    pub const PSK_KEY_EXCHANGE_MODES: u16 = 45;
}

/// psk_dhe_ke: PSK with (EC)DHE key establishment (RFC 8446 §4.2.9), the
/// only mode this model uses (forward secrecy on resumption, as browsers).
pub const PSK_DHE_KE: u8 = 1;

/// The random of a HelloRetryRequest: SHA-256 of "HelloRetryRequest"
/// (RFC 8446 §4.1.3).
pub const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// The x25519 group.
pub const X25519: u16 = 0x001d;

/// rsa_pss_rsae_sha256 (RFC 8446 §4.2.3): what this model's TLS 1.3
/// servers sign CertificateVerify with.
pub const RSA_PSS_RSAE_SHA256: u16 = 0x0804;

/// rsa_pkcs1_sha256: what this model's TLS 1.2 servers sign
/// ServerKeyExchange with (RFC 5246 §7.4.1.4.1).
pub const RSA_PKCS1_SHA256: u16 = 0x0401;

/// The signature schemes a client offers in signature_algorithms and
/// signature_algorithms_cert, in a browser's order (ECDSA P-256, then
/// RSA-PSS and PKCS#1 v1.5 at SHA-256, SHA-384 and SHA-512).
pub const SIGNATURE_SCHEMES: [u16; 8] = [
    0x0403,
    RSA_PSS_RSAE_SHA256,
    RSA_PKCS1_SHA256,
    0x0503,
    0x0805,
    0x0501,
    0x0806,
    0x0601,
];

/// The one ALPN protocol this model speaks (RFC 7301 §3.1).
pub const HTTP_1_1: &str = "http/1.1";

/// A message was truncated or malformed.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DecodeError;

/// A decoded handshake message.
// A ClientHello with its extension lists is the large variant; a message
// lives only while it is handled (and is boxed where it waits, in the
// handshake's `Taken`), so its size costs nothing worth an indirection.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Message {
    /// The client's offer.
    ClientHello(ClientHello),
    /// The server's choice.
    ServerHello(ServerHello),
    /// TLS 1.3: a ServerHello asking for a key share in another group
    /// (RFC 8446 §4.1.4).
    HelloRetryRequest {
        /// The suite the server will choose.
        suite: u16,
        /// The group it wants a share for.
        group: u16,
    },
    /// TLS 1.3's encrypted extensions.
    EncryptedExtensions {
        /// The server accepts the client's early data (RFC 8446 §4.2.10).
        early_data: bool,
        /// The ALPN protocol chosen (RFC 7301 §3.1).
        alpn: Option<String>,
    },
    /// The server's chain, leaf first.
    Certificate(Vec<Certificate>),
    /// The server's signed ECDHE share (TLS 1.2).
    ServerKeyExchange {
        /// The ephemeral public value.
        share: Vec<u8>,
        /// The signature over the randoms and the share.
        signature: Vec<u8>,
    },
    /// End of the server's first flight (TLS 1.2).
    ServerHelloDone,
    /// The server's signature over the transcript (TLS 1.3).
    CertificateVerify(Vec<u8>),
    /// The client's key exchange (TLS 1.2): an RSA-encrypted premaster
    /// secret, or an ECDHE public value.
    ClientKeyExchange(Vec<u8>),
    /// verify_data.
    Finished(Vec<u8>),
    /// A session ticket for later resumption (TLS 1.2, RFC 5077 §3.3).
    NewSessionTicket {
        /// Lifetime hint, seconds.
        lifetime: u32,
        /// The opaque ticket.
        ticket: Vec<u8>,
    },
    /// A TLS 1.3 ticket, sent after the handshake (RFC 8446 §4.6.1).
    NewSessionTicket13 {
        /// Lifetime, seconds.
        lifetime: u32,
        /// Added to the ticket's age to hide it on the wire.
        age_add: u32,
        /// Makes this ticket's PSK differ from others of the connection.
        nonce: Vec<u8>,
        /// The opaque ticket (the PSK identity).
        ticket: Vec<u8>,
        /// The early_data extension's max_early_data_size, if 0-RTT is
        /// allowed with this ticket.
        max_early_data: Option<u32>,
    },
    /// The client's early data is over (TLS 1.3).
    EndOfEarlyData,
}

/// A PSK offered in a ClientHello's pre_shared_key extension (RFC 8446
/// §4.2.11; this model's clients offer one).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PskOffer {
    /// The ticket.
    pub identity: Vec<u8>,
    /// The ticket's age in milliseconds plus its age_add, mod 2^32.
    pub obfuscated_age: u32,
    /// HMAC over the ClientHello up to the binders (RFC 8446 §4.2.11.2).
    pub binder: Vec<u8>,
}

/// A ClientHello.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ClientHello {
    /// client_random.
    pub random: [u8; 32],
    /// Offered suites, by code, in preference order.
    pub suites: Vec<u16>,
    /// Offered versions (supported_versions), highest first.
    pub versions: Vec<Version>,
    /// SNI.
    pub server_name: Option<String>,
    /// Groups supported (supported_groups), by code, in preference order.
    pub groups: Vec<u16>,
    /// legacy_session_id: a TLS 1.2 session to resume, or empty.
    pub session_id: Vec<u8>,
    /// The session_ticket extension (RFC 5077): absent, empty (tickets
    /// welcome) or a ticket to resume with.
    pub ticket: Option<Vec<u8>>,
    /// extended_master_secret offered (RFC 7627).
    pub ems: bool,
    /// A key share (group code, public value), if offered.
    pub key_share: Option<(u16, Vec<u8>)>,
    /// psk_key_exchange_modes offered (RFC 8446 §4.2.9).
    pub psk_modes: Vec<u8>,
    /// The early_data extension: 0-RTT data follows (RFC 8446 §4.2.10).
    pub early_data: bool,
    /// The pre_shared_key extension, always the last (RFC 8446 §4.2.11).
    pub psk: Option<PskOffer>,
    /// signature_algorithms (RFC 8446 §4.2.3, RFC 5246 §7.4.1.4.1), by
    /// code; empty: absent.
    pub sig_algs: Vec<u16>,
    /// signature_algorithms_cert (RFC 8446 §4.2.3); empty: absent.
    pub sig_algs_cert: Vec<u16>,
    /// ec_point_formats (RFC 8422 §5.1.2); empty: absent.
    pub point_formats: Vec<u8>,
    /// An empty renegotiation_info: a first handshake from a client that
    /// knows secure renegotiation (RFC 5746 §3.4).
    pub reneg: bool,
    /// ALPN protocol names (RFC 7301 §3.1); empty: absent.
    pub alpn: Vec<String>,
    /// status_request for an OCSP response (RFC 6066 §8), with no
    /// responder ids and no extensions.
    pub status_request: bool,
}

impl ClientHello {
    /// Bytes at the end of the encoded message that the PSK binder does
    /// not cover: the binders list (RFC 8446 §4.2.11.2).
    pub fn binders_len(&self) -> usize {
        self.psk.as_ref().map_or(0, |p| 2 + 1 + p.binder.len())
    }
}

/// A ServerHello.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ServerHello {
    /// server_random.
    pub random: [u8; 32],
    /// The chosen suite's code.
    pub suite: u16,
    /// The chosen version.
    pub version: Version,
    /// The server's key share (group code, public value), TLS 1.3.
    pub key_share: Option<(u16, Vec<u8>)>,
    /// The session id (TLS 1.2): new, or the client's when resuming.
    pub session_id: Vec<u8>,
    /// An empty session_ticket extension: a ticket will follow.
    pub ticket_ack: bool,
    /// extended_master_secret accepted.
    pub ems: bool,
    /// The PSK the server selected, by its index in the offer (TLS 1.3).
    pub psk: Option<u16>,
    /// An empty renegotiation_info, in answer to the client's (TLS 1.2,
    /// RFC 5746 §3.6).
    pub reneg: bool,
    /// ec_point_formats, uncompressed only (TLS 1.2 with an ECDHE suite,
    /// RFC 8422 §5.2).
    pub point_formats: bool,
    /// The ALPN protocol chosen (TLS 1.2; in TLS 1.3 it goes in
    /// EncryptedExtensions, RFC 8446 §4.2).
    pub alpn: Option<String>,
}

struct W(Vec<u8>);

impl W {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend(v.to_be_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
    /// A vector with a length prefix of `len_bytes` bytes.
    fn vec(&mut self, len_bytes: usize, body: impl FnOnce(&mut W)) {
        let at = self.0.len();
        self.0.extend(std::iter::repeat_n(0, len_bytes));
        body(self);
        let n = self.0.len() - at - len_bytes;
        let be = (n as u32).to_be_bytes();
        self.0[at..at + len_bytes].copy_from_slice(&be[4 - len_bytes..]);
    }
}

/// Reads with bounds checks.
struct R<'a> {
    b: &'a [u8],
}

impl<'a> R<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.b.len() < n {
            return Err(DecodeError);
        }
        let (a, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(a)
    }
    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, DecodeError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, DecodeError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u24(&mut self) -> Result<usize, DecodeError> {
        let b = self.take(3)?;
        Ok((usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
    fn vec(&mut self, len_bytes: usize) -> Result<R<'a>, DecodeError> {
        let n = match len_bytes {
            1 => usize::from(self.u8()?),
            2 => usize::from(self.u16()?),
            _ => self.u24()?,
        };
        Ok(R { b: self.take(n)? })
    }
    /// The next extension of an extension list: its type and body.
    fn extension(&mut self) -> Result<Option<(u16, R<'a>)>, DecodeError> {
        if self.b.is_empty() {
            return Ok(None);
        }
        let kind = self.u16()?;
        Ok(Some((kind, self.vec(2)?)))
    }
    fn end(&self) -> Result<(), DecodeError> {
        if self.b.is_empty() {
            Ok(())
        } else {
            Err(DecodeError)
        }
    }
}

fn version_code(v: Version) -> u16 {
    v.code()
}

fn version_of(code: u16) -> Option<Version> {
    match code {
        0x0303 => Some(Version::Tls12),
        0x0304 => Some(Version::Tls13),
        _ => None,
    }
}

/// A list of two-byte codes with a two-byte length.
fn u16_list(e: &mut R<'_>) -> Result<Vec<u16>, DecodeError> {
    let mut l = e.vec(2)?;
    let mut out = Vec::new();
    while !l.b.is_empty() {
        out.push(l.u16()?);
    }
    Ok(out)
}

/// The server's ALPN answer: a list of exactly one name (RFC 7301 §3.1).
fn encode_alpn_choice(w: &mut W, p: &str) {
    w.u16(ext::ALPN);
    w.vec(2, |w| w.vec(2, |w| w.vec(1, |w| w.bytes(p.as_bytes()))));
}

fn decode_alpn_choice(e: &mut R<'_>) -> Result<String, DecodeError> {
    let mut l = e.vec(2)?;
    let p = l.vec(1)?.b.to_vec();
    l.end()?;
    if p.is_empty() {
        return Err(DecodeError);
    }
    String::from_utf8(p).map_err(|_| DecodeError)
}

/// A certificate as X.509 DER (see [`crate::der`]).
fn encode_cert(w: &mut W, c: &Certificate) {
    w.bytes(&crate::der::encode(c));
}

fn decode_cert(r: &mut R<'_>) -> Result<Certificate, DecodeError> {
    let c = crate::der::decode(r.b).map_err(|_| DecodeError)?;
    r.b = &[];
    Ok(c)
}

impl Message {
    /// The handshake type byte.
    pub fn kind(&self) -> u8 {
        match self {
            Message::ClientHello(_) => kind::CLIENT_HELLO,
            Message::ServerHello(_) | Message::HelloRetryRequest { .. } => kind::SERVER_HELLO,
            Message::EncryptedExtensions { .. } => kind::ENCRYPTED_EXTENSIONS,
            Message::Certificate(_) => kind::CERTIFICATE,
            Message::ServerKeyExchange { .. } => kind::SERVER_KEY_EXCHANGE,
            Message::ServerHelloDone => kind::SERVER_HELLO_DONE,
            Message::CertificateVerify(_) => kind::CERTIFICATE_VERIFY,
            Message::ClientKeyExchange(_) => kind::CLIENT_KEY_EXCHANGE,
            Message::Finished(_) => kind::FINISHED,
            Message::NewSessionTicket { .. } | Message::NewSessionTicket13 { .. } => {
                kind::NEW_SESSION_TICKET
            }
            Message::EndOfEarlyData => kind::END_OF_EARLY_DATA,
        }
    }

    /// The name used in traces and ladders.
    pub fn name(&self) -> &'static str {
        match self {
            Message::ClientHello(_) => "ClientHello",
            Message::ServerHello(_) => "ServerHello",
            Message::HelloRetryRequest { .. } => "HelloRetryRequest",
            Message::EncryptedExtensions { .. } => "EncryptedExtensions",
            Message::Certificate(_) => "Certificate",
            Message::ServerKeyExchange { .. } => "ServerKeyExchange",
            Message::ServerHelloDone => "ServerHelloDone",
            Message::CertificateVerify(_) => "CertificateVerify",
            Message::ClientKeyExchange(_) => "ClientKeyExchange",
            Message::Finished(_) => "Finished",
            Message::NewSessionTicket { .. } | Message::NewSessionTicket13 { .. } => {
                "NewSessionTicket"
            }
            Message::EndOfEarlyData => "EndOfEarlyData",
        }
    }

    /// The message with its four-byte handshake header.
    pub fn encode(&self, version: Version) -> Vec<u8> {
        let mut w = W(vec![self.kind()]);
        w.vec(3, |w| match self {
            Message::ClientHello(ch) => {
                w.u16(0x0303); // legacy_version
                w.bytes(&ch.random);
                w.vec(1, |w| w.bytes(&ch.session_id)); // legacy_session_id
                w.vec(2, |w| ch.suites.iter().for_each(|s| w.u16(*s)));
                w.vec(1, |w| w.u8(0)); // compression: null
                w.vec(2, |w| {
                    // A browser's order (RFC 8446 §4.2 leaves it free but
                    // for pre_shared_key, last).
                    if let Some(name) = &ch.server_name {
                        w.u16(ext::SERVER_NAME);
                        w.vec(2, |w| {
                            w.vec(2, |w| {
                                w.u8(0);
                                w.vec(2, |w| w.bytes(name.as_bytes()));
                            })
                        });
                    }
                    if ch.ems {
                        w.u16(ext::EXTENDED_MASTER_SECRET);
                        w.vec(2, |_| {});
                    }
                    if ch.reneg {
                        w.u16(ext::RENEGOTIATION_INFO);
                        w.vec(2, |w| w.vec(1, |_| {}));
                    }
                    if !ch.groups.is_empty() {
                        w.u16(ext::SUPPORTED_GROUPS);
                        w.vec(2, |w| {
                            w.vec(2, |w| ch.groups.iter().for_each(|g| w.u16(*g)))
                        });
                    }
                    if !ch.point_formats.is_empty() {
                        w.u16(ext::EC_POINT_FORMATS);
                        w.vec(2, |w| w.vec(1, |w| w.bytes(&ch.point_formats)));
                    }
                    if let Some(t) = &ch.ticket {
                        w.u16(ext::SESSION_TICKET);
                        w.vec(2, |w| w.bytes(t));
                    }
                    if !ch.alpn.is_empty() {
                        w.u16(ext::ALPN);
                        w.vec(2, |w| {
                            w.vec(2, |w| {
                                for p in &ch.alpn {
                                    w.vec(1, |w| w.bytes(p.as_bytes()));
                                }
                            })
                        });
                    }
                    if ch.status_request {
                        // ocsp, no responder ids, no request extensions.
                        w.u16(ext::STATUS_REQUEST);
                        w.vec(2, |w| {
                            w.u8(1);
                            w.vec(2, |_| {});
                            w.vec(2, |_| {});
                        });
                    }
                    for (code, list) in [
                        (ext::SIGNATURE_ALGORITHMS, &ch.sig_algs),
                        (ext::SIGNATURE_ALGORITHMS_CERT, &ch.sig_algs_cert),
                    ] {
                        if !list.is_empty() {
                            w.u16(code);
                            w.vec(2, |w| w.vec(2, |w| list.iter().for_each(|s| w.u16(*s))));
                        }
                    }
                    if let Some((group, share)) = &ch.key_share {
                        w.u16(ext::KEY_SHARE);
                        w.vec(2, |w| {
                            w.vec(2, |w| {
                                w.u16(*group);
                                w.vec(2, |w| w.bytes(share));
                            })
                        });
                    }
                    if !ch.psk_modes.is_empty() {
                        w.u16(ext::PSK_KEY_EXCHANGE_MODES);
                        w.vec(2, |w| w.vec(1, |w| w.bytes(&ch.psk_modes)));
                    }
                    if !ch.versions.is_empty() {
                        w.u16(ext::SUPPORTED_VERSIONS);
                        w.vec(2, |w| {
                            w.vec(1, |w| {
                                ch.versions.iter().for_each(|v| w.u16(version_code(*v)))
                            })
                        });
                    }
                    if ch.early_data {
                        w.u16(ext::EARLY_DATA);
                        w.vec(2, |_| {});
                    }
                    // Last, so the binders end the message (RFC 8446 §4.2.11).
                    if let Some(p) = &ch.psk {
                        w.u16(ext::PRE_SHARED_KEY);
                        w.vec(2, |w| {
                            w.vec(2, |w| {
                                w.vec(2, |w| w.bytes(&p.identity));
                                w.bytes(&p.obfuscated_age.to_be_bytes());
                            });
                            w.vec(2, |w| w.vec(1, |w| w.bytes(&p.binder)));
                        });
                    }
                });
            }
            Message::ServerHello(sh) => {
                w.u16(0x0303);
                w.bytes(&sh.random);
                w.vec(1, |w| w.bytes(&sh.session_id));
                w.u16(sh.suite);
                w.u8(0);
                w.vec(2, |w| {
                    if sh.reneg {
                        w.u16(ext::RENEGOTIATION_INFO);
                        w.vec(2, |w| w.vec(1, |_| {}));
                    }
                    if sh.point_formats {
                        w.u16(ext::EC_POINT_FORMATS);
                        w.vec(2, |w| w.vec(1, |w| w.u8(0)));
                    }
                    if sh.ticket_ack {
                        w.u16(ext::SESSION_TICKET);
                        w.vec(2, |_| {});
                    }
                    if let Some(p) = &sh.alpn {
                        encode_alpn_choice(w, p);
                    }
                    if sh.ems {
                        w.u16(ext::EXTENDED_MASTER_SECRET);
                        w.vec(2, |_| {});
                    }
                    // RFC 8446 §4.2.1: only a TLS 1.3 ServerHello carries
                    // supported_versions; a TLS 1.2 one says its version in
                    // legacy_version alone.
                    if sh.version == Version::Tls13 {
                        w.u16(ext::SUPPORTED_VERSIONS);
                        w.vec(2, |w| w.u16(version_code(sh.version)));
                    }
                    if let Some(i) = sh.psk {
                        w.u16(ext::PRE_SHARED_KEY);
                        w.vec(2, |w| w.u16(i));
                    }
                    if let Some((group, share)) = &sh.key_share {
                        w.u16(ext::KEY_SHARE);
                        w.vec(2, |w| {
                            w.u16(*group);
                            w.vec(2, |w| w.bytes(share));
                        });
                    }
                });
            }
            Message::HelloRetryRequest { suite, group } => {
                w.u16(0x0303);
                w.bytes(&HRR_RANDOM);
                w.vec(1, |_| {});
                w.u16(*suite);
                w.u8(0);
                w.vec(2, |w| {
                    w.u16(ext::SUPPORTED_VERSIONS);
                    w.vec(2, |w| w.u16(Version::Tls13.code()));
                    w.u16(ext::KEY_SHARE);
                    w.vec(2, |w| w.u16(*group));
                });
            }
            Message::EncryptedExtensions { early_data, alpn } => w.vec(2, |w| {
                if let Some(p) = alpn {
                    encode_alpn_choice(w, p);
                }
                if *early_data {
                    w.u16(ext::EARLY_DATA);
                    w.vec(2, |_| {});
                }
            }),
            Message::Certificate(chain) => {
                if version == Version::Tls13 {
                    w.vec(1, |_| {}); // certificate_request_context
                }
                w.vec(3, |w| {
                    for c in chain {
                        w.vec(3, |w| encode_cert(w, c));
                        if version == Version::Tls13 {
                            w.vec(2, |_| {}); // per-certificate extensions
                        }
                    }
                });
            }
            Message::ServerKeyExchange { share, signature } => {
                w.u8(3); // named_curve
                w.u16(X25519);
                w.vec(1, |w| w.bytes(share));
                w.u16(RSA_PKCS1_SHA256);
                w.vec(2, |w| w.bytes(signature));
            }
            Message::ServerHelloDone => {}
            Message::CertificateVerify(sig) => {
                w.u16(RSA_PSS_RSAE_SHA256);
                w.vec(2, |w| w.bytes(sig));
            }
            Message::ClientKeyExchange(v) => w.vec(2, |w| w.bytes(v)),
            Message::Finished(v) => w.bytes(v),
            Message::NewSessionTicket { lifetime, ticket } => {
                w.0.extend(lifetime.to_be_bytes());
                w.vec(2, |w| w.bytes(ticket));
            }
            Message::NewSessionTicket13 {
                lifetime,
                age_add,
                nonce,
                ticket,
                max_early_data,
            } => {
                w.0.extend(lifetime.to_be_bytes());
                w.0.extend(age_add.to_be_bytes());
                w.vec(1, |w| w.bytes(nonce));
                w.vec(2, |w| w.bytes(ticket));
                w.vec(2, |w| {
                    if let Some(max) = max_early_data {
                        w.u16(ext::EARLY_DATA);
                        w.vec(2, |w| w.bytes(&max.to_be_bytes()));
                    }
                });
            }
            Message::EndOfEarlyData => {}
        });
        w.0
    }

    /// Decodes one message (with its header) under `version` (which changes
    /// the Certificate layout).
    pub fn decode(bytes: &[u8], version: Version) -> Result<Message, DecodeError> {
        let mut r = R { b: bytes };
        let t = r.u8()?;
        let mut b = r.vec(3)?;
        r.end()?;
        let m = match t {
            kind::CLIENT_HELLO => {
                b.u16()?;
                let random: [u8; 32] = b.take(32)?.try_into().map_err(|_| DecodeError)?;
                let session_id = b.vec(1)?.b.to_vec();
                if session_id.len() > 32 {
                    return Err(DecodeError);
                }
                let mut s = b.vec(2)?;
                let mut suites = Vec::new();
                while !s.b.is_empty() {
                    suites.push(s.u16()?);
                }
                b.vec(1)?;
                let mut exts = b.vec(2)?;
                let (mut versions, mut server_name, mut key_share) = (Vec::new(), None, None);
                let mut groups = Vec::new();
                let (mut ticket, mut ems) = (None, false);
                let (mut psk_modes, mut early_data, mut psk) = (Vec::new(), false, None);
                let (mut sig_algs, mut sig_algs_cert) = (Vec::new(), Vec::new());
                let (mut point_formats, mut reneg) = (Vec::new(), false);
                let (mut alpn, mut status_request) = (Vec::new(), false);
                while let Some((et, mut e)) = exts.extension()? {
                    // RFC 8446 §4.2.11: pre_shared_key comes last. (The RFC
                    // answers a misplaced one with illegal_parameter; here
                    // it is a decode_error.)
                    if psk.is_some() {
                        return Err(DecodeError);
                    }
                    match et {
                        ext::PSK_KEY_EXCHANGE_MODES => psk_modes = e.vec(1)?.b.to_vec(),
                        ext::EARLY_DATA => early_data = true,
                        ext::PRE_SHARED_KEY => {
                            let mut ids = e.vec(2)?;
                            let identity = ids.vec(2)?.b.to_vec();
                            let obfuscated_age = ids.u32()?;
                            // Further identities are ignored, as are their
                            // binders: this model's clients send one.
                            let mut binders = e.vec(2)?;
                            let binder = binders.vec(1)?.b.to_vec();
                            if identity.is_empty() || binder.len() < 32 {
                                return Err(DecodeError);
                            }
                            psk = Some(PskOffer {
                                identity,
                                obfuscated_age,
                                binder,
                            });
                        }
                        ext::SERVER_NAME => {
                            let mut list = e.vec(2)?;
                            list.u8()?;
                            let name = list.vec(2)?;
                            server_name =
                                Some(String::from_utf8(name.b.to_vec()).map_err(|_| DecodeError)?);
                        }
                        ext::SUPPORTED_VERSIONS => {
                            let mut l = e.vec(1)?;
                            while !l.b.is_empty() {
                                if let Some(v) = version_of(l.u16()?) {
                                    versions.push(v);
                                }
                            }
                        }
                        ext::SESSION_TICKET => ticket = Some(e.b.to_vec()),
                        ext::EXTENDED_MASTER_SECRET => ems = true,
                        ext::SIGNATURE_ALGORITHMS => sig_algs = u16_list(&mut e)?,
                        ext::SIGNATURE_ALGORITHMS_CERT => sig_algs_cert = u16_list(&mut e)?,
                        ext::EC_POINT_FORMATS => point_formats = e.vec(1)?.b.to_vec(),
                        ext::RENEGOTIATION_INFO => {
                            e.vec(1)?;
                            reneg = true;
                        }
                        ext::ALPN => {
                            let mut l = e.vec(2)?;
                            while !l.b.is_empty() {
                                let p = l.vec(1)?.b.to_vec();
                                alpn.push(String::from_utf8(p).map_err(|_| DecodeError)?);
                            }
                        }
                        ext::STATUS_REQUEST => status_request = true,
                        ext::SUPPORTED_GROUPS => {
                            let mut l = e.vec(2)?;
                            while !l.b.is_empty() {
                                groups.push(l.u16()?);
                            }
                        }
                        ext::KEY_SHARE => {
                            let mut l = e.vec(2)?;
                            while !l.b.is_empty() {
                                let group = l.u16()?;
                                let k = l.vec(2)?;
                                // This model's clients send one share.
                                key_share.get_or_insert((group, k.b.to_vec()));
                            }
                        }
                        _ => {}
                    }
                }
                b.end()?;
                Message::ClientHello(ClientHello {
                    random,
                    suites,
                    versions,
                    server_name,
                    groups,
                    session_id,
                    ticket,
                    ems,
                    key_share,
                    psk_modes,
                    early_data,
                    psk,
                    sig_algs,
                    sig_algs_cert,
                    point_formats,
                    reneg,
                    alpn,
                    status_request,
                })
            }
            kind::SERVER_HELLO => {
                let legacy_version = b.u16()?;
                let random: [u8; 32] = b.take(32)?.try_into().map_err(|_| DecodeError)?;
                let session_id = b.vec(1)?.b.to_vec();
                if session_id.len() > 32 {
                    return Err(DecodeError);
                }
                let suite = b.u16()?;
                b.u8()?;
                let mut exts = b.vec(2)?;
                let hrr = random == HRR_RANDOM;
                let (mut version, mut key_share, mut hrr_group) = (None, None, None);
                let (mut ticket_ack, mut ems, mut psk) = (false, false, None);
                let (mut reneg, mut point_formats, mut alpn) = (false, false, None);
                while let Some((et, mut e)) = exts.extension()? {
                    match et {
                        ext::RENEGOTIATION_INFO => {
                            e.vec(1)?;
                            reneg = true;
                        }
                        ext::EC_POINT_FORMATS => point_formats = true,
                        ext::ALPN => alpn = Some(decode_alpn_choice(&mut e)?),
                        ext::PRE_SHARED_KEY => psk = Some(e.u16()?),
                        ext::SUPPORTED_VERSIONS => version = version_of(e.u16()?),
                        ext::KEY_SHARE if hrr => hrr_group = Some(e.u16()?),
                        ext::SESSION_TICKET => ticket_ack = true,
                        ext::EXTENDED_MASTER_SECRET => ems = true,
                        ext::KEY_SHARE => {
                            let group = e.u16()?;
                            key_share = Some((group, e.vec(2)?.b.to_vec()));
                        }
                        _ => {}
                    }
                }
                b.end()?;
                if hrr {
                    if version != Some(Version::Tls13) {
                        return Err(DecodeError);
                    }
                    return Ok(Message::HelloRetryRequest {
                        suite,
                        group: hrr_group.ok_or(DecodeError)?,
                    });
                }
                // RFC 8446 §4.1.3: without supported_versions the
                // version is legacy_version's (TLS 1.2 here).
                let version = match version {
                    Some(v) => v,
                    None => version_of(legacy_version)
                        .filter(|v| *v == Version::Tls12)
                        .ok_or(DecodeError)?,
                };
                Message::ServerHello(ServerHello {
                    random,
                    suite,
                    version,
                    key_share,
                    session_id,
                    ticket_ack,
                    ems,
                    psk,
                    reneg,
                    point_formats,
                    alpn,
                })
            }
            kind::ENCRYPTED_EXTENSIONS => {
                let mut exts = b.vec(2)?;
                b.end()?;
                let (mut early_data, mut alpn) = (false, None);
                while let Some((et, mut e)) = exts.extension()? {
                    match et {
                        ext::EARLY_DATA => {
                            e.end()?;
                            early_data = true;
                        }
                        ext::ALPN => alpn = Some(decode_alpn_choice(&mut e)?),
                        _ => {}
                    }
                }
                Message::EncryptedExtensions { early_data, alpn }
            }
            kind::CERTIFICATE => {
                if version == Version::Tls13 {
                    b.vec(1)?;
                }
                let mut list = b.vec(3)?;
                b.end()?;
                let mut chain = Vec::new();
                while !list.b.is_empty() {
                    let mut c = list.vec(3)?;
                    chain.push(decode_cert(&mut c)?);
                    if version == Version::Tls13 {
                        list.vec(2)?;
                    }
                }
                Message::Certificate(chain)
            }
            kind::SERVER_KEY_EXCHANGE => {
                if b.u8()? != 3 || b.u16()? != X25519 {
                    return Err(DecodeError);
                }
                let share = b.vec(1)?.b.to_vec();
                b.u16()?;
                let signature = b.vec(2)?.b.to_vec();
                b.end()?;
                Message::ServerKeyExchange { share, signature }
            }
            kind::SERVER_HELLO_DONE => {
                b.end()?;
                Message::ServerHelloDone
            }
            kind::CERTIFICATE_VERIFY => {
                b.u16()?;
                let sig = b.vec(2)?.b.to_vec();
                b.end()?;
                Message::CertificateVerify(sig)
            }
            kind::CLIENT_KEY_EXCHANGE => {
                let v = b.vec(2)?.b.to_vec();
                b.end()?;
                Message::ClientKeyExchange(v)
            }
            kind::FINISHED => {
                // verify_data: 12 bytes in TLS 1.2 (RFC 5246 §7.4.9),
                // Hash.length in TLS 1.3 (RFC 8446 §4.4.4: 32 or 48 with
                // this model's suites). A length wrong for the suite fails
                // the Finished check itself.
                let n = b.b.len();
                if ![12, 32, 48].contains(&n) {
                    return Err(DecodeError);
                }
                Message::Finished(b.take(n)?.to_vec())
            }
            kind::NEW_SESSION_TICKET if version == Version::Tls13 => {
                let lifetime = b.u32()?;
                let age_add = b.u32()?;
                let nonce = b.vec(1)?.b.to_vec();
                let ticket = b.vec(2)?.b.to_vec();
                let mut exts = b.vec(2)?;
                b.end()?;
                if ticket.is_empty() {
                    return Err(DecodeError);
                }
                let mut max_early_data = None;
                while let Some((et, mut e)) = exts.extension()? {
                    if et == ext::EARLY_DATA {
                        max_early_data = Some(e.u32()?);
                        e.end()?;
                    }
                }
                Message::NewSessionTicket13 {
                    lifetime,
                    age_add,
                    nonce,
                    ticket,
                    max_early_data,
                }
            }
            kind::NEW_SESSION_TICKET => {
                let lifetime = b.u32()?;
                let ticket = b.vec(2)?.b.to_vec();
                b.end()?;
                Message::NewSessionTicket { lifetime, ticket }
            }
            kind::END_OF_EARLY_DATA => {
                b.end()?;
                Message::EndOfEarlyData
            }
            _ => return Err(DecodeError),
        };
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::KeyId;

    fn ch() -> Message {
        Message::ClientHello(ClientHello {
            random: [7; 32],
            suites: vec![0x1301, 0xC02F],
            versions: vec![Version::Tls13, Version::Tls12],
            server_name: Some("www.example.com".into()),
            groups: vec![0x001d, 0x0017],
            session_id: vec![5; 32],
            ticket: Some(vec![6; 120]),
            ems: true,
            key_share: Some((0x001d, vec![9; 32])),
            psk_modes: vec![PSK_DHE_KE],
            early_data: true,
            psk: Some(PskOffer {
                identity: vec![4; 115],
                obfuscated_age: 0xdead_beef,
                binder: vec![5; 32],
            }),
            sig_algs: SIGNATURE_SCHEMES.to_vec(),
            sig_algs_cert: SIGNATURE_SCHEMES.to_vec(),
            point_formats: vec![0],
            reneg: true,
            alpn: vec![HTTP_1_1.into(), "h2".into()],
            status_request: true,
        })
    }

    #[test]
    fn messages_round_trip() {
        let cert = Certificate {
            serial: 1,
            subject: "s".into(),
            san: vec!["a.example".into()],
            issuer: "i".into(),
            not_before: -5,
            not_after: 99,
            key: KeyId(3),
            signed_by: KeyId(2),
            is_ca: false,
            size: 900,
        };
        for v in [Version::Tls12, Version::Tls13] {
            for m in [
                ch(),
                Message::ServerHello(ServerHello {
                    random: [1; 32],
                    suite: 0x1301,
                    version: v,
                    key_share: Some((0x001d, vec![4; 32])),
                    session_id: vec![3; 32],
                    ticket_ack: true,
                    ems: true,
                    psk: Some(0),
                    reneg: v == Version::Tls12,
                    point_formats: v == Version::Tls12,
                    alpn: Some(HTTP_1_1.into()),
                }),
                Message::NewSessionTicket {
                    lifetime: 7200,
                    ticket: vec![1; 120],
                },
                Message::HelloRetryRequest {
                    suite: 0x1301,
                    group: 0x0017,
                },
                Message::EncryptedExtensions {
                    early_data: true,
                    alpn: Some(HTTP_1_1.into()),
                },
                Message::EncryptedExtensions {
                    early_data: false,
                    alpn: None,
                },
                Message::EndOfEarlyData,
                Message::Certificate(vec![cert.clone(), cert.clone()]),
                Message::ServerKeyExchange {
                    share: vec![5; 32],
                    signature: vec![6; 256],
                },
                Message::ServerHelloDone,
                Message::CertificateVerify(vec![8; 256]),
                Message::ClientKeyExchange(vec![2; 256]),
                Message::Finished(vec![3; 12]),
            ] {
                // TLS 1.3 has its own NewSessionTicket layout (below).
                if v == Version::Tls13 && matches!(m, Message::NewSessionTicket { .. }) {
                    continue;
                }
                let bytes = m.encode(v);
                assert_eq!(Message::decode(&bytes, v), Ok(m.clone()), "{}", m.name());
            }
        }
        let nst = Message::NewSessionTicket13 {
            lifetime: 7200,
            age_add: 77,
            nonce: vec![0],
            ticket: vec![1; 115],
            max_early_data: Some(16_384),
        };
        let bytes = nst.encode(Version::Tls13);
        assert_eq!(Message::decode(&bytes, Version::Tls13), Ok(nst));
    }

    #[test]
    fn the_binders_end_the_client_hello() {
        let m = ch();
        let Message::ClientHello(hello) = &m else {
            unreachable!()
        };
        let bytes = m.encode(Version::Tls12);
        assert_eq!(hello.binders_len(), 35);
        let tail = &bytes[bytes.len() - 35..];
        assert_eq!(&tail[..3], &[0, 33, 32]);
        assert_eq!(&tail[3..], &[5; 32]);
    }

    #[test]
    fn the_retry_random_is_the_hash_of_its_name() {
        assert_eq!(crate::crypto::sha256(b"HelloRetryRequest"), HRR_RANDOM);
    }

    #[test]
    fn sizes_are_realistic() {
        let cert = Certificate {
            serial: 1,
            subject: "s".into(),
            san: vec![],
            issuer: "i".into(),
            not_before: 0,
            not_after: 1,
            key: KeyId(3),
            signed_by: KeyId(2),
            is_ca: false,
            size: 1400,
        };
        // 4 header + 3 list + (3 + 1400) per certificate, in TLS 1.2.
        let m = Message::Certificate(vec![cert.clone(), cert]);
        assert_eq!(m.encode(Version::Tls12).len(), 4 + 3 + 2 * 1403);
        // A ClientHello is a few hundred bytes; a ticket adds its length.
        let Message::ClientHello(mut hello) = ch() else {
            unreachable!()
        };
        hello.psk = None;
        hello.psk_modes.clear();
        hello.early_data = false;
        let with_ticket = Message::ClientHello(hello.clone())
            .encode(Version::Tls13)
            .len();
        hello.ticket = None;
        let plain = Message::ClientHello(hello).encode(Version::Tls13).len();
        assert!((150..300).contains(&plain), "{plain}");
        assert_eq!(with_ticket, plain + 4 + 120);
    }

    #[test]
    fn every_truncation_is_a_decode_error() {
        let bytes = ch().encode(Version::Tls13);
        for n in 0..bytes.len() {
            assert_eq!(
                Message::decode(&bytes[..n], Version::Tls13),
                Err(DecodeError),
                "cut at {n}"
            );
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(Message::decode(&long, Version::Tls13), Err(DecodeError));
    }
}
