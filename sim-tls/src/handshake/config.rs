//! The two ends' settings, and the Certificate message cache a server's
//! connections share.
//!
//! A configuration is plain data the host builds (see [`crate::pki`] for a
//! ready-made one); nothing here changes during a handshake except the
//! cache, which only saves re-encoding the same chain.

use std::sync::{Arc, Mutex, PoisonError};

use crate::cert::{Certificate, Revocations, TrustStore};
use crate::crypto::Hash;
use crate::keys::PrivateKey;
use crate::msg::Message;
use crate::session::{ClientSession, SessionCache, Ticket13};
use crate::suite::{Group, Suite, Version};

/// A client's settings.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Versions offered, highest first.
    pub versions: Vec<Version>,
    /// Suites offered, in preference order.
    pub suites: Vec<Suite>,
    /// Key-exchange groups supported, in preference order; the ClientHello
    /// carries a TLS 1.3 key share for the first only.
    pub groups: Vec<Group>,
    /// The host name (SNI) the certificate must name.
    pub server_name: String,
    /// Trusted roots.
    pub trust: TrustStore,
    /// Known revocations.
    pub revoked: Revocations,
    /// Calendar time for validity checks, seconds since the Unix epoch.
    pub now_unix: i64,
    /// Go on despite a certificate failure.
    pub accept_untrusted: bool,
    /// Refuse weak suites even if the server picks one it was offered.
    pub refuse_weak: bool,
    /// This connection is a browser's retry at lower versions after a
    /// failed attempt, so the ClientHello carries TLS_FALLBACK_SCSV
    /// (RFC 7507 §4).
    pub fallback: bool,
    /// A TLS 1.2 session to resume (by its ticket if it has one, else by
    /// its id).
    pub resume: Option<ClientSession>,
    /// Ask for a session ticket (an empty session_ticket extension).
    pub tickets: bool,
    /// Offer the extended master secret (RFC 7627).
    pub ems: bool,
    /// A TLS 1.3 ticket to resume with (a PSK, RFC 8446 §2.2).
    pub resume13: Option<Ticket13>,
    /// Send the first application data as early data (0-RTT) when the
    /// ticket allows it.
    pub early_data: bool,
    /// How old `resume13` is, milliseconds (the host knows the clock).
    pub ticket_age_ms: u32,
    /// The hello extensions a browser sends, each of which can be left
    /// out to see what a server makes of it.
    pub extensions: Extensions,
    /// Deliberate faults in what this end sends (negative tests).
    pub misbehave: Misbehave,
}

/// The hello extensions real peers send beside the ones the handshake
/// needs (RFC 8446 §9.2 for TLS 1.3; RFC 5246 §7.4.1.4.1, RFC 8422,
/// RFC 5746 and RFC 7301 for TLS 1.2), each on by default. A client
/// sends those set; a server answers those set (renegotiation_info,
/// ec_point_formats, ALPN) when the client sent them. session_ticket is
/// the client's [`ClientConfig::tickets`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extensions {
    /// signature_algorithms (RFC 8446 §4.2.3).
    pub signature_algorithms: bool,
    /// signature_algorithms_cert (RFC 8446 §4.2.3).
    pub signature_algorithms_cert: bool,
    /// supported_groups (RFC 8446 §4.2.7, RFC 8422 §5.1.1).
    pub supported_groups: bool,
    /// ec_point_formats, uncompressed (RFC 8422 §5.1.2), with TLS 1.2 on
    /// offer.
    pub ec_point_formats: bool,
    /// An empty renegotiation_info (RFC 5746 §3.4), with TLS 1.2 on
    /// offer.
    pub renegotiation_info: bool,
    /// ALPN offering `http/1.1` (RFC 7301).
    pub alpn: bool,
    /// status_request for OCSP stapling (RFC 6066 §8; this model's
    /// servers never staple, so it costs the client 9 bytes only).
    pub status_request: bool,
}

impl Default for Extensions {
    fn default() -> Self {
        Extensions {
            signature_algorithms: true,
            signature_algorithms_cert: true,
            supported_groups: true,
            ec_point_formats: true,
            renegotiation_info: true,
            alpn: true,
            status_request: true,
        }
    }
}

/// Deliberate faults an end commits in what it sends, for negative
/// tests: the peer's answer is what is under test (each fault has the
/// alert the RFCs name for it). Nothing is changed by default.
///
/// Every fault is applied to the message as it is sent, each time that
/// message is sent, and reported as
/// [`HandshakeEvent::Misbehaved`](super::HandshakeEvent::Misbehaved). The end's own transcript hashes
/// what it believes it sent (the message unchanged and in its place), as
/// a broken implementation's would.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Misbehave {
    /// Flip a bit of our Finished's verify_data: the peer's check fails
    /// and it answers decrypt_error (RFC 8446 §4.4.4, RFC 5246 §7.4.9).
    pub bad_verify_data: bool,
    /// Never send the handshake message of this name (a
    /// [`Message::name`]); the peer, expecting it, gets the next one
    /// instead: unexpected_message (RFC 8446 §6.2, RFC 5246 §7.3).
    pub skip: Option<&'static str>,
    /// Send the handshake message of this name before the one we sent
    /// just before it (the two swap places in the flight, each under the
    /// keys the earlier one had): unexpected_message at the peer.
    pub out_of_order: Option<&'static str>,
}

/// The handshake messages a client sends, by [`Message::name`]: what
/// [`Misbehave::skip`] and [`Misbehave::out_of_order`] may name on a
/// client.
pub const CLIENT_MESSAGES: &[&str] = &[
    "ClientHello",
    "ClientKeyExchange",
    "EndOfEarlyData",
    "Finished",
];

/// The handshake messages a server sends, by [`Message::name`].
pub const SERVER_MESSAGES: &[&str] = &[
    "ServerHello",
    "HelloRetryRequest",
    "EncryptedExtensions",
    "Certificate",
    "ServerKeyExchange",
    "CertificateVerify",
    "ServerHelloDone",
    "Finished",
    "NewSessionTicket",
];

/// A server's settings.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Versions accepted.
    pub versions: Vec<Version>,
    /// Suites in the server's order of preference.
    pub suites: Vec<Suite>,
    /// Groups in the server's order of preference (TLS 1.3).
    pub groups: Vec<Group>,
    /// Its chain, leaf first.
    pub chain: Vec<Certificate>,
    /// The leaf's private key.
    pub key: PrivateKey,
    /// Give TLS 1.2 sessions ids and keep them here for resumption.
    pub sessions: Option<SessionCache>,
    /// Issue session tickets sealed with this key (RFC 5077).
    pub ticket_key: Option<Hash>,
    /// The chain's Certificate message as last encoded, shared by the
    /// connections of this configuration (DER encoding and signing cost
    /// more than the rest of a handshake); re-encoded when the chain or
    /// the version differs.
    pub certificate_cache: CertificateCache,
    /// TLS 1.3 tickets (issued when `ticket_key` is set) allow this much
    /// early data (0: none).
    pub max_early_data: u32,
    /// Take early data offered with such a ticket; false refuses it (as a
    /// server does whose anti-replay check fails, RFC 8446 §8).
    pub accept_early_data: bool,
    /// The extensions it answers with when the client sent them
    /// (renegotiation_info, ec_point_formats, ALPN; the rest are the
    /// client's).
    pub extensions: Extensions,
    /// Deliberate faults in what this end sends (negative tests).
    pub misbehave: Misbehave,
    /// Take the extended master secret when a client offers it (RFC
    /// 7627); false answers as a server from before it.
    pub ems: bool,
}

/// See [`ServerConfig::certificate_cache`].
#[derive(Clone, Debug, Default)]
pub struct CertificateCache(Arc<Mutex<Option<EncodedChain>>>);

/// A chain, the version it was encoded for, and the message bytes.
type EncodedChain = (Vec<Certificate>, Version, Vec<u8>);

impl CertificateCache {
    /// The Certificate message for `chain` under `version`.
    pub(super) fn encoded(&self, chain: &[Certificate], version: Version) -> Vec<u8> {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((c, v, bytes)) = slot.as_ref()
            && c == chain
            && *v == version
        {
            return bytes.clone();
        }
        let bytes = Message::Certificate(chain.to_vec()).encode(version);
        *slot = Some((chain.to_vec(), version, bytes.clone()));
        bytes
    }
}
