//! RFC 9293 TCP for netsim, as a sans-IO connection hosted on sim-core nodes.
//!
//! So far this crate holds the foundation every part of the TCP model needs:
//! sequence-number arithmetic modulo 2^32 ([`seq::SeqNum`]). The connection
//! state machine, timers, retransmission and congestion control are tracked
//! in the project's TCP issue and are not yet here.
//!
//! # Example
//!
//! ```
//! use sim_tcp::seq::SeqNum;
//! let near_wrap = SeqNum(u32::MAX - 10);
//! let after = near_wrap + 20;
//! assert_eq!(after, SeqNum(9));
//! assert!(near_wrap < after); // compared modulo 2^32, RFC 9293 section 3.4
//! assert_eq!(after - near_wrap, 20);
//! ```

pub mod seq;
