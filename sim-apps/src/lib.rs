//! What runs on a netsim host: the applications that scenario files place on
//! nodes, each a sans-IO model hosted by [`host::Host`] through sim-core's
//! `Endpoint` trait.
//!
//! Start with [`host`]: a `Host` is the echo responder plus one application
//! (TCP bulk, a TLS or HTTP client or server, DNS, a SYN flood, an on-path
//! observer or man-in-the-middle). The byte stream a TCP connection carries
//! (plain or under TLS, with HTTP on top) is in [`tls_app`]; DNS in [`dns`];
//! HTTP messages in [`http`]; what packets carry in [`payload`].
//! `docs/ARCHITECTURE.md` draws the layers.

pub mod dns;
pub mod host;
pub mod http;
pub mod mitm;
pub mod observer;
pub mod payload;
pub mod tls_app;
