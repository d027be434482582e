//! Everything derived from a finished trace (docs/ARCHITECTURE.md, "One event stream, many views"): the
//! `trace.jsonl` contract and the compact `trace.txt` that snapshot tests
//! hold. Writers take records and the topology (for node names) and never run
//! a simulation.
//!
//! # Example
//!
//! ```
//! use reports::jsonl;
//! use sim_core::{Field, Kind, NodeKind, SimTime, TopologyBuilder, TraceRecord, Value};
//!
//! let mut t = TopologyBuilder::new();
//! let a = t.add_node("a", NodeKind::Host).unwrap();
//! let topo = t.build();
//! let rec = TraceRecord {
//!     t: SimTime(1500),
//!     node: a,
//!     kind: Kind::PingRequest,
//!     fields: vec![(Field::Seq, Value::U64(0))],
//! };
//! let mut out = Vec::new();
//! jsonl::write(&mut out, &topo, &[rec]).unwrap();
//! assert_eq!(String::from_utf8(out).unwrap(),
//!            "{\"t_ns\":1500,\"node\":\"a\",\"kind\":\"ping_request\",\"seq\":0}\n");
//! ```

pub mod conn_plots;
pub mod connections;
pub mod glyphs;
pub mod jsonl;
pub mod ladder;
pub mod pcap;
pub mod plot;
pub mod text;
