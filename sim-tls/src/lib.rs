//! TLS 1.2 (RFC 5246) and TLS 1.3 (RFC 8446) for netsim.
//!
//! So far this crate holds the parts every handshake needs, each tested on
//! its own: the real hashes and key schedules ([`crypto`]: SHA-256
//! transcripts, the TLS 1.2 PRF, HKDF and TLS 1.3's labels, Finished
//! values), the cipher suite registry with per-suite record overheads
//! ([`suite`]), alerts ([`alert`]), certificates with chain validation
//! against trust stores ([`cert`]), the handshake message codec ([`msg`]),
//! symbolic keys ([`keys`]) and a ready-made PKI ([`pki`]). [`handshake`]
//! puts them together as a sans-IO [`handshake::Client`] and
//! [`handshake::Server`] for TLS 1.3 1-RTT and TLS 1.2 RSA/ECDHE_RSA full
//! handshakes, with the RFC's alerts for every failure. [`record`] frames,
//! fragments and protects records with byte-exact wire sizes, catching any
//! change in flight as `bad_record_mac`. [`conn::Connection`] joins the two
//! into one sans-IO TLS endpoint over any byte stream: bytes in, bytes out,
//! application data and events (every record with its wire size) for traces.
//! [`cost`] counts each end's public-key operations and prices them.
//! Carrying it over sim-tcp in scenarios, with DNS and HTTP around it, is
//! the rest of the project's TLS issue.
//!
//! # Example
//!
//! A TLS 1.3 handshake and one request between two in-memory ends; a
//! simulation does the same with sim-tcp carrying the bytes.
//!
//! ```
//! use sim_tls::conn::{Connection, Status};
//! use sim_tls::pki::DemoPki;
//! use sim_tls::suite::{Suite, Version};
//!
//! let pki = DemoPki::new("www.example.com", 1_700_000_000);
//! let (v, s) = ([Version::Tls13], [Suite::TLS_AES_128_GCM_SHA256]);
//! let mut client = Connection::client(pki.client(&v, &s), [1; 32], [2; 32]);
//! let mut server = Connection::server(pki.server(&v, &s), [3; 32], [4; 32]);
//! client.write_app(b"GET / HTTP/1.1\r\n\r\n");
//! for _ in 0..3 {
//!     server.read_tls(&client.take_tls());
//!     client.read_tls(&server.take_tls());
//! }
//! assert_eq!(client.status(), Status::Established);
//! assert_eq!(server.take_app(), b"GET / HTTP/1.1\r\n\r\n");
//! ```

pub mod alert;
pub mod cert;
pub mod conn;
pub mod cost;
pub mod crypto;
pub mod der;
pub mod handshake;
pub mod keylog;
pub mod keys;
pub mod msg;
pub mod pki;
pub mod record;
pub mod session;
pub mod suite;
