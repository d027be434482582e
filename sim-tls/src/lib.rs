//! TLS 1.2 (RFC 5246) and TLS 1.3 (RFC 8446) for netsim.
//!
//! So far this crate holds the parts every handshake needs, each tested on
//! its own: the real hashes and key schedules ([`crypto`]: SHA-256
//! transcripts, the TLS 1.2 PRF, HKDF and TLS 1.3's labels, Finished
//! values), the cipher suite registry with per-suite record overheads
//! ([`suite`]), alerts ([`alert`]), certificates with chain validation
//! against trust stores ([`cert`]), the handshake message codec ([`msg`])
//! and symbolic keys ([`keys`]). [`handshake`] puts them together as a
//! sans-IO [`handshake::Client`] and [`handshake::Server`] for TLS 1.3 1-RTT
//! and TLS 1.2 RSA/ECDHE_RSA full handshakes, with the RFC's alerts for
//! every failure. [`record`] frames, fragments and protects records with
//! byte-exact wire sizes, catching any change in flight as
//! `bad_record_mac`. [`conn::Connection`] joins the two into one sans-IO
//! TLS endpoint over any byte stream: bytes in, bytes out, application data
//! and events (every record with its wire size) for traces. Carrying it
//! over sim-tcp in scenarios, with DNS and HTTP around it, is the rest of
//! the project's TLS issue.
//!
//! # Example
//!
//! ```
//! use sim_tls::crypto::{derive_secret, hex, hkdf_extract, sha256};
//! // The TLS 1.3 key schedule starts from HKDF-Extract(0, 0) (RFC 8446 §7.1).
//! let early = hkdf_extract(&[], &[0u8; 32]);
//! let derived = derive_secret(&early, "derived", &sha256(&[]));
//! assert_eq!(hex(&derived)[..8], *"6f2615a1");
//! ```

pub mod alert;
pub mod cert;
pub mod conn;
pub mod crypto;
pub mod handshake;
pub mod keys;
pub mod msg;
pub mod record;
pub mod suite;
