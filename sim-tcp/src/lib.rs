//! RFC 9293 TCP for netsim, as a sans-IO connection hosted on sim-core nodes.
//!
//! [`conn::Connection`] is one TCP connection as a plain struct: feed it
//! segments, timer expiries and application calls with the current time; poll
//! it for segments to send, its next deadline and events for the application
//! and the trace. [`stack::TcpStack`] holds a node's listeners and
//! connections, demultiplexes segments and answers segments for unknown
//! connections with RST. Neither touches the scheduler: a host adapter does.
//!
//! # Example: a handshake between two connections, by hand
//!
//! ```
//! use sim_core::SimTime;
//! use sim_tcp::conn::Connection;
//! use sim_tcp::seq::SeqNum;
//! use sim_tcp::{State, TcpConfig};
//!
//! let cfg = TcpConfig::default();
//! let now = SimTime::ZERO;
//! let mut client = Connection::connect(cfg.clone(), now, 5000, 80, SeqNum(100));
//! let syn = client.poll_transmit().unwrap();
//! let mut server = Connection::accept(cfg, now, 80, 5000, SeqNum(300), &syn).unwrap();
//! let syn_ack = server.poll_transmit().unwrap();
//! client.handle_segment(now, &syn_ack);
//! let ack = client.poll_transmit().unwrap();
//! server.handle_segment(now, &ack);
//! assert_eq!(client.state(), State::Established);
//! assert_eq!(server.state(), State::Established);
//! ```

pub mod autotune;
mod chrono;
pub mod config;
pub mod congestion;
pub mod conn;
pub mod cookie;
mod cwnd_use;
pub mod ecn;
pub mod fastopen;
mod idle;
pub mod info;
pub mod pacing;
mod push;
pub mod rate;
pub mod reassembly;
mod records;
mod reordering;
pub mod rtt;
pub mod scoreboard;
pub mod segment;
pub mod seq;
pub mod spurious;
pub mod stack;
pub mod state;
mod tso;

pub use config::{
    Answers, CongestionKind, CwndUnit, EcnMode, HyStart, IdleRestart, InitialWindow, NagleRule,
    Profile, PushRule, RackRtt, RtoFormula, SockOpt, TcpConfig, WindowUpdate,
};
pub use segment::{Data, Flags, SackBlocks, Segment, Timestamps};
pub use state::State;
