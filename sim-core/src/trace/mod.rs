//! Typed, time-stamped trace records: the one stream every output is derived
//! from (docs/ARCHITECTURE.md, "One event stream, many views").
//!
//! A record is exactly what one line of `trace.jsonl` holds: a time, the node
//! it happened at, a `kind`, and the kind's fields in a fixed order. Models
//! build records from their own typed events; writers and reports read them
//! without knowing which model made them. Building a record allocates, so
//! callers check [`Tracer::enabled`] first and a disabled trace costs one
//! branch.

use std::borrow::Cow;

use crate::time::SimTime;
use crate::topology::NodeId;

mod vocab;
pub use vocab::{Field, Kind, PACKET_FIELDS, fault_match_fields};

/// A field value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// An unsigned integer (counts, sequence numbers, nanoseconds).
    U64(u64),
    /// A signed integer.
    I64(i64),
    /// A real number (ratios, rates).
    F64(f64),
    /// A flag.
    Bool(bool),
    /// Text: state names, reasons, flags.
    Str(Cow<'static, str>),
    /// A node, written by name.
    Node(NodeId),
    /// A list of values.
    List(Vec<Value>),
}

impl From<u64> for Value {
    fn from(v: u64) -> Self {
        Value::U64(v)
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::U64(u64::from(v))
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<&'static str> for Value {
    fn from(v: &'static str) -> Self {
        Value::Str(Cow::Borrowed(v))
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Str(Cow::Owned(v))
    }
}
impl From<NodeId> for Value {
    fn from(v: NodeId) -> Self {
        Value::Node(v)
    }
}
impl From<SimTime> for Value {
    fn from(v: SimTime) -> Self {
        Value::U64(v.as_nanos())
    }
}

/// The fields of a record, in the order they are written.
pub type Fields = Vec<(Field, Value)>;

/// One observable thing that happened.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceRecord {
    /// When it happened.
    pub t: SimTime,
    /// Where it happened.
    pub node: NodeId,
    /// What kind of thing (written `link_drop`, `ping_reply`, ...).
    pub kind: Kind,
    /// The kind's fields.
    pub fields: Fields,
}

impl TraceRecord {
    /// The value of a field, if the record has it.
    pub fn field(&self, name: Field) -> Option<&Value> {
        self.fields.iter().find(|(k, _)| *k == name).map(|(_, v)| v)
    }

    /// A numeric field.
    pub fn u64(&self, name: Field) -> Option<u64> {
        match self.field(name)? {
            Value::U64(n) => Some(*n),
            _ => None,
        }
    }

    /// A text field.
    pub fn text(&self, name: Field) -> Option<&str> {
        match self.field(name)? {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A node field.
    pub fn node_field(&self, name: Field) -> Option<NodeId> {
        match self.field(name)? {
            Value::Node(n) => Some(*n),
            _ => None,
        }
    }
}

/// Takes trace records as they happen, so a run's outputs can be written
/// while it goes and memory does not grow with its length
/// (docs/ARCHITECTURE.md, "One event stream, many views").
pub trait TraceSink {
    /// The next record, in event order.
    fn record(&mut self, r: TraceRecord);
}

/// Where records go.
#[derive(Default)]
enum Keep {
    /// Nowhere: tracing is off and no record is built.
    #[default]
    Off,
    /// Kept in memory, handed over at the end.
    Collect(Vec<TraceRecord>),
    /// Passed on as they happen.
    Sink(Box<dyn TraceSink>),
}

impl std::fmt::Debug for Keep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Keep::Off => f.write_str("Off"),
            Keep::Collect(v) => write!(f, "Collect({} records)", v.len()),
            Keep::Sink(_) => f.write_str("Sink"),
        }
    }
}

/// Collects records in event order when enabled, or passes them to a sink.
#[derive(Debug, Default)]
pub struct Tracer {
    keep: Keep,
    /// The kinds wanted, one bit per [`Kind`]; records of other kinds are
    /// not built where the builder asks ([`Tracer::wants`]) and never kept.
    wanted: u64,
}

/// A set of trace kinds, one bit each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindSet(u64);

impl KindSet {
    /// Every kind.
    pub const ALL: KindSet = KindSet(u64::MAX);
    /// No kind.
    pub const NONE: KindSet = KindSet(0);

    /// These kinds.
    pub fn of(kinds: &[Kind]) -> KindSet {
        KindSet(kinds.iter().fold(0, |m, k| m | k.bit()))
    }

    /// Both sets' kinds.
    pub fn union(self, other: KindSet) -> KindSet {
        KindSet(self.0 | other.0)
    }

    /// Whether `kind` is in the set.
    pub fn contains(self, kind: Kind) -> bool {
        self.0 & kind.bit() != 0
    }
}

impl Kind {
    fn bit(self) -> u64 {
        1 << (self as u32)
    }
}

impl Tracer {
    /// A tracer that keeps records in memory only if `enabled`.
    pub fn new(enabled: bool) -> Self {
        Tracer {
            keep: if enabled {
                Keep::Collect(Vec::new())
            } else {
                Keep::Off
            },
            wanted: if enabled { u64::MAX } else { 0 },
        }
    }

    /// A tracer that passes every record of the `wanted` kinds to `sink` as
    /// it happens.
    pub fn streaming(sink: Box<dyn TraceSink>, wanted: KindSet) -> Self {
        Tracer {
            keep: Keep::Sink(sink),
            wanted: wanted.0,
        }
    }

    /// Whether records of `kind` are wanted; a builder of frequent records
    /// checks before building one.
    #[inline]
    pub fn wants(&self, kind: Kind) -> bool {
        self.wanted & kind.bit() != 0
    }

    /// Whether records are built; check before building one.
    #[inline]
    pub fn enabled(&self) -> bool {
        !matches!(self.keep, Keep::Off)
    }

    /// Keeps or passes on a record (a no-op when disabled).
    #[inline]
    pub fn record(&mut self, t: SimTime, node: NodeId, kind: Kind, fields: Fields) {
        // The vocabulary is the whole truth about what records hold (the
        // scenario checker relies on it); every test run checks it.
        debug_assert!(
            fields.iter().all(|(f, _)| kind.has_field(*f)),
            "a {kind} record with a field its kind does not declare: {:?}",
            fields.iter().map(|(f, _)| f.name()).collect::<Vec<_>>()
        );
        if !self.wants(kind) {
            return;
        }
        let r = TraceRecord {
            t,
            node,
            kind,
            fields,
        };
        match &mut self.keep {
            Keep::Off => {}
            Keep::Collect(v) => v.push(r),
            Keep::Sink(s) => s.record(r),
        }
    }

    /// The records kept so far, in event order (none when streaming).
    pub fn records(&self) -> &[TraceRecord] {
        match &self.keep {
            Keep::Collect(v) => v,
            _ => &[],
        }
    }

    /// Hands the kept records over, leaving the tracer empty.
    pub fn take(&mut self) -> Vec<TraceRecord> {
        match &mut self.keep {
            Keep::Collect(v) => std::mem::take(v),
            _ => Vec::new(),
        }
    }
}
