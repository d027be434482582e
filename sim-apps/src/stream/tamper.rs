//! What an on-path attacker does to a segment's bytes (a scenario's
//! `tamper` injection): kept apart from the stream, which only suffers it.
//!
//! The attacker sits on a router and sees TCP segments, not TLS messages:
//! it changes a segment's bytes in place and never its length, since a
//! segment one byte longer or shorter would break TCP's sequence space
//! (doing that takes a TCP-terminating proxy: the scenario's `mitm`).
//! So stripping an extension renames it to padding (RFC 7685) and zeroes
//! its body: the receiver no longer finds it, and every length stays
//! right. `strip` and `rewrite` reach the hellos only, in records that
//! start and end within the segment; TLS 1.3's later messages are
//! encrypted and cannot be read.

/// A change an on-path attacker makes to a TLS segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// Flip one bit of the segment's last byte.
    Corrupt,
    /// Rewrite a ClientHello's cipher-suite list to its last suite.
    Downgrade,
    /// Take an extension (an [`EXTENSIONS`] entry) out of the hellos.
    Strip(&'static Extension),
    /// Overwrite a hello's field (a [`FIELDS`] entry) with `value`, whose
    /// length is the field's.
    Rewrite(&'static HelloField, Vec<u8>),
}

/// A hello extension an attacker can strip: its name, its code (IANA TLS
/// ExtensionType registry) and the trace reason for stripping it.
#[derive(Debug, PartialEq, Eq)]
pub struct Extension {
    /// The name scenarios use.
    pub name: &'static str,
    /// The ExtensionType code.
    pub code: u16,
    /// `link_tamper`'s reason.
    pub reason: &'static str,
}

macro_rules! extensions {
    ($($name:literal = $code:literal),* $(,)?) => {
        /// The extensions [`Tamper::Strip`] may name.
        pub const EXTENSIONS: &[Extension] = &[
            $(Extension { name: $name, code: $code, reason: concat!("strip ", $name) },)*
        ];
    };
}

extensions!(
    "server_name" = 0,
    "status_request" = 5,
    "supported_groups" = 10,
    "ec_point_formats" = 11,
    "signature_algorithms" = 13,
    "alpn" = 16,
    "extended_master_secret" = 23,
    "session_ticket" = 35,
    "pre_shared_key" = 41,
    "early_data" = 42,
    "supported_versions" = 43,
    "psk_key_exchange_modes" = 45,
    "signature_algorithms_cert" = 50,
    "key_share" = 51,
    "renegotiation_info" = 0xff01,
);

/// padding (RFC 7685), what a stripped extension becomes.
const PADDING: u16 = 21;

/// A fixed-size field of a hello that [`Tamper::Rewrite`] may overwrite.
#[derive(Debug, PartialEq, Eq)]
pub struct HelloField {
    /// `ClientHello.random` and so on.
    pub name: &'static str,
    /// The handshake type of the hello holding it (1 ClientHello, 2
    /// ServerHello).
    pub hello: u8,
    /// Its length, bytes.
    pub len: usize,
    /// `link_tamper`'s reason.
    pub reason: &'static str,
}

macro_rules! fields {
    ($($name:literal = ($hello:literal, $len:literal)),* $(,)?) => {
        /// The fields [`Tamper::Rewrite`] may name.
        pub const FIELDS: &[HelloField] = &[
            $(HelloField { name: $name, hello: $hello, len: $len, reason: concat!("rewrite ", $name) },)*
        ];
    };
}

fields!(
    "ClientHello.legacy_version" = (1, 2),
    "ClientHello.random" = (1, 32),
    "ServerHello.legacy_version" = (2, 2),
    "ServerHello.random" = (2, 32),
    "ServerHello.cipher_suite" = (2, 2),
);

impl Tamper {
    /// What `link_tamper` traces as the reason.
    pub fn reason(&self) -> &'static str {
        match self {
            Tamper::Corrupt => "corrupt",
            Tamper::Downgrade => "downgrade",
            Tamper::Strip(x) => x.reason,
            Tamper::Rewrite(f, _) => f.reason,
        }
    }

    /// Changes a segment's bytes; true if it found something to change.
    pub fn apply(&self, bytes: &mut [u8]) -> bool {
        match self {
            Tamper::Corrupt => tamper("corrupt", bytes),
            Tamper::Downgrade => tamper("downgrade", bytes),
            Tamper::Strip(x) => {
                let mut done = false;
                each_hello(bytes, |kind, body| {
                    if let Some(exts) = extensions_of(kind, body) {
                        done |= strip(exts, x.code);
                    }
                });
                done
            }
            Tamper::Rewrite(f, value) => {
                let mut done = false;
                each_hello(bytes, |kind, body| {
                    if kind != f.hello {
                        return;
                    }
                    let at = match f.name {
                        "ClientHello.legacy_version" | "ServerHello.legacy_version" => Some(0),
                        "ClientHello.random" | "ServerHello.random" => Some(2),
                        // After version, random and the session id.
                        _ => body.get(34).map(|&n| 35 + usize::from(n)),
                    };
                    if let Some(slot) = at.and_then(|a| body.get_mut(a..a + f.len))
                        && slot.len() == value.len()
                    {
                        slot.copy_from_slice(value);
                        done = true;
                    }
                });
                done
            }
        }
    }
}

/// Changes a segment's bytes as an on-path attacker would; true if it
/// found something to change.
pub fn tamper(how: &str, bytes: &mut [u8]) -> bool {
    match how {
        "corrupt" => match bytes.last_mut() {
            Some(b) => {
                *b ^= 0x01;
                true
            }
            None => false,
        },
        "downgrade" => downgrade_client_hello(bytes),
        _ => false,
    }
}

/// Calls `f(kind, body)` for each ClientHello (1) and ServerHello (2)
/// whole in a handshake record that starts a record boundary in `bytes`
/// (records are walked from the segment's first byte; one that runs past
/// the segment ends the walk). RFC 8446 §5.1 and §4 layouts.
fn each_hello(bytes: &mut [u8], mut f: impl FnMut(u8, &mut [u8])) {
    let mut pos = 0;
    while let Some(h) = bytes.get(pos..pos + 5) {
        let (kind, major) = (h[0], h[1]);
        let len = usize::from(u16::from_be_bytes([h[3], h[4]]));
        let end = pos + 5 + len;
        if major != 3 || end > bytes.len() {
            return;
        }
        if kind == 22 {
            let mut m = pos + 5;
            while let Some(mh) = bytes.get(m..m + 4).filter(|_| m + 4 <= end) {
                let body_len =
                    usize::from(mh[1]) << 16 | usize::from(mh[2]) << 8 | usize::from(mh[3]);
                let (mkind, body) = (mh[0], m + 4);
                if body + body_len > end {
                    break;
                }
                if matches!(mkind, 1 | 2) {
                    f(mkind, &mut bytes[body..body + body_len]);
                }
                m = body + body_len;
            }
        }
        pos = end;
    }
}

/// The extensions block (after its two-byte length) of a hello body.
fn extensions_of(kind: u8, body: &mut [u8]) -> Option<&mut [u8]> {
    let u8_at = |b: &[u8], i: usize| b.get(i).map(|&n| usize::from(n));
    let u16_at = |b: &[u8], i: usize| {
        b.get(i..i + 2)
            .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
    };
    // legacy_version (2), random (32), legacy_session_id (1 + n).
    let mut at = 34 + 1 + u8_at(body, 34)?;
    if kind == 1 {
        at += 2 + u16_at(body, at)?; // cipher_suites
        at += 1 + u8_at(body, at)?; // legacy_compression_methods
    } else {
        at += 2 + 1; // cipher_suite, legacy_compression_method
    }
    let len = u16_at(body, at)?;
    body.get_mut(at + 2..at + 2 + len)
}

/// Renames every extension of type `code` in `exts` to padding with a
/// zeroed body; true if there was one.
fn strip(exts: &mut [u8], code: u16) -> bool {
    let mut at = 0;
    let mut done = false;
    while let Some(h) = exts.get(at..at + 4) {
        let kind = u16::from_be_bytes([h[0], h[1]]);
        let len = usize::from(u16::from_be_bytes([h[2], h[3]]));
        let Some(data) = exts.get_mut(at + 4..at + 4 + len) else {
            break;
        };
        if kind == code {
            data.fill(0);
            exts[at..at + 2].copy_from_slice(&PADDING.to_be_bytes());
            done = true;
        }
        at += 4 + len;
    }
    done
}

/// Rewrites every suite in a ClientHello at the start of `bytes` to the
/// list's last one, keeping every length (RFC 5246 §7.4.1.2 layout).
fn downgrade_client_hello(bytes: &mut [u8]) -> bool {
    // Record header (5), handshake header (4), version (2), random (32).
    if bytes.len() < 44 || bytes[0] != 22 || bytes[5] != 1 {
        return false;
    }
    let sid = 43 + 1 + usize::from(bytes[43]);
    let Some(len) = bytes
        .get(sid..sid + 2)
        .map(|l| usize::from(u16::from_be_bytes([l[0], l[1]])))
    else {
        return false;
    };
    let list = sid + 2;
    if len < 2 || bytes.len() < list + len {
        return false;
    }
    let last = [bytes[list + len - 2], bytes[list + len - 1]];
    for i in (list..list + len).step_by(2) {
        bytes[i..i + 2].copy_from_slice(&last);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_tls::alert::Alert;
    use sim_tls::handshake::{Client, HandshakeEvent, Input, Output, Server};
    use sim_tls::msg::Message;
    use sim_tls::pki::DemoPki;
    use sim_tls::suite::{Suite, Version};

    const NOW: i64 = 1_700_000_000;

    fn ext(name: &str) -> &'static Extension {
        EXTENSIONS.iter().find(|x| x.name == name).unwrap()
    }

    fn field(name: &str) -> &'static HelloField {
        FIELDS.iter().find(|f| f.name == name).unwrap()
    }

    /// A handshake record around one message.
    fn record(msg: &[u8]) -> Vec<u8> {
        let mut r = vec![22, 3, 1];
        r.extend_from_slice(&(msg.len() as u16).to_be_bytes());
        r.extend_from_slice(msg);
        r
    }

    /// A TLS 1.3 client's ClientHello, in its record.
    fn client_hello() -> Vec<u8> {
        let pki = DemoPki::new("www.example.com", NOW);
        let cfg = pki.client(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
        let mut c = Client::new(cfg, [1; 32], [2; 32]);
        match c.poll_output() {
            Some(Output::Handshake("ClientHello", b)) => record(&b),
            o => panic!("{o:?}"),
        }
    }

    /// The alert a TLS 1.3 server sends for this record's message.
    fn server_alert(rec: &[u8]) -> Option<Alert> {
        let pki = DemoPki::new("www.example.com", NOW);
        let cfg = pki.server(&[Version::Tls13], &[Suite::TLS_AES_128_GCM_SHA256]);
        let mut s = Server::new(cfg, [3; 32], [4; 32]);
        s.handle(Input::Handshake(&rec[5..]));
        std::iter::from_fn(|| s.poll_event()).find_map(|e| match e {
            HandshakeEvent::AlertSent(a, _) => Some(a),
            _ => None,
        })
    }

    /// RFC 8446 §9.2: a ClientHello with supported_groups but no
    /// key_share is answered with missing_extension; stripping keeps
    /// every length, so the hello still decodes.
    #[test]
    fn stripped_key_share_is_missing_extension() {
        let mut rec = client_hello();
        let len = rec.len();
        assert_eq!(server_alert(&rec), None);
        let t = Tamper::Strip(ext("key_share"));
        assert!(t.apply(&mut rec));
        assert_eq!(rec.len(), len);
        assert_eq!(t.reason(), "strip key_share");
        match Message::decode(&rec[5..], Version::Tls12) {
            Ok(Message::ClientHello(ch)) => assert!(ch.key_share.is_none()),
            m => panic!("{m:?}"),
        }
        assert_eq!(server_alert(&rec), Some(Alert::MissingExtension));
    }

    /// signature_algorithms stripped: missing_extension too (RFC 8446
    /// §9.2); an extension the hello does not carry changes nothing.
    #[test]
    fn stripped_signature_algorithms_and_absent_extensions() {
        let mut rec = client_hello();
        assert!(Tamper::Strip(ext("signature_algorithms")).apply(&mut rec));
        assert_eq!(server_alert(&rec), Some(Alert::MissingExtension));
        let mut rec = client_hello();
        let before = rec.clone();
        assert!(!Tamper::Strip(ext("pre_shared_key")).apply(&mut rec));
        assert_eq!(rec, before);
    }

    /// A rewritten ClientHello.random reaches the decoder; a ServerHello
    /// field in a ClientHello is not there to rewrite.
    #[test]
    fn rewrite_changes_only_the_named_field() {
        let mut rec = client_hello();
        let t = Tamper::Rewrite(field("ClientHello.random"), vec![0xAB; 32]);
        assert!(t.apply(&mut rec));
        match Message::decode(&rec[5..], Version::Tls12) {
            Ok(Message::ClientHello(ch)) => assert_eq!(ch.random, [0xAB; 32]),
            m => panic!("{m:?}"),
        }
        let before = rec.clone();
        assert!(!Tamper::Rewrite(field("ServerHello.random"), vec![0; 32]).apply(&mut rec));
        assert_eq!(rec, before);
    }

    /// A record that runs past the segment is left alone, as is garbage.
    #[test]
    fn partial_records_and_garbage_are_left_alone() {
        let rec = client_hello();
        let mut head = rec[..rec.len() - 10].to_vec();
        assert!(!Tamper::Strip(ext("key_share")).apply(&mut head));
        assert_eq!(head, rec[..rec.len() - 10]);
        let mut junk = vec![0xFF; 64];
        assert!(!Tamper::Strip(ext("key_share")).apply(&mut junk));
    }
}
