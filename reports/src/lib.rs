//! Everything derived from a trace (docs/ARCHITECTURE.md, "One event stream,
//! many views"): the `trace.jsonl` contract, the compact `trace.txt` that
//! snapshot tests hold, the pcap, the per-connection figures of
//! `summary.json` and the pictures.
//!
//! Start at [`sink::RecordSink`]: every output is a sink fed the records
//! one at a time as the run makes them, holding bounded state, so memory
//! does not grow with the length of the run. The functions over a whole
//! `&[TraceRecord]` (`jsonl::write`, `ladder::ladder`, ...) are thin
//! wrappers that feed a sink. [`jsonl::read`] turns `trace.jsonl` back into
//! records, so pictures can be redrawn from a run folder.
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

pub mod canvas;
pub use canvas::Format;
pub mod conn_plots;
pub mod glyphs;
mod hops;
mod idmap;
pub mod jsonl;
pub mod ladder;
mod num;
pub mod pcap;
pub mod pictures;
pub mod plot;
pub mod series;
pub mod series_plots;
pub mod sink;
pub mod text;
pub mod thin;
