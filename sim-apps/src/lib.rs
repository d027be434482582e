//! What runs on a netsim host: the applications that scenario files place on
//! nodes, each a sans-IO model hosted by [`Host`] through sim-core's
//! `Endpoint` trait.
//!
//! Start reading at [`host`]: a [`Host`] is the echo responder plus the
//! host's applications, each described by a [`HostApp`] with a name
//! ([`NamedApp`]) and dispatched by one `match` per input. From there, each application has its module:
//!
//! - [`tcp`]: a TCP application (bulk data, or HTTP over a [`stream`]),
//!   split by concern into one folder;
//! - [`stream`]: the byte stream on a connection, TLS or plain, with the
//!   HTTP exchange on top; [`http`] writes and reads the messages;
//! - [`dns`]: the resolver a client uses and the server;
//! - [`mitm`]: the TLS-terminating man-in-the-middle (two TCP
//!   applications relaying);
//! - `observer`: the passive eavesdropper on a router;
//! - [`flood`]: the SYN flood; `ping`: echo and ping; [`udp`]: UDP
//!   traffic, constant bit rate or on/off, and its sink;
//! - [`start`]: an application's start time, fixed or drawn;
//! - [`timer`]: every timer a host sets, as a typed [`Timer`];
//! - [`payload`]: what packets carry ([`Wire`]).
//!
//! `docs/ARCHITECTURE.md` draws the layers.

pub mod dist;
pub mod dns;
pub mod flood;
pub mod histogram;
pub mod host;
pub mod http;
pub mod mitm;
mod observer;
pub mod payload;
mod ping;
pub mod start;
pub mod stream;
pub mod tcp;
pub mod timer;
pub mod udp;

pub use host::{Host, HostAction, HostApp, NamedApp};
pub use payload::Wire;
pub use ping::PingApp;
pub use timer::Timer;
