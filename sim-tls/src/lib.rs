//! TLS 1.2 (RFC 5246) and TLS 1.3 (RFC 8446) for netsim, as sans-IO client
//! and server running over sim-tcp's byte stream.
//!
//! Nothing is implemented yet: the handshakes, certificates and trust stores,
//! record layer and alerts are the subject of the project's TLS issue. The
//! crate exists so the workspace layout of DESIGN.md holds from the start and
//! dependants can be wired up.
//!
//! # Example
//!
//! ```
//! // The crate currently exports no items.
//! ```
