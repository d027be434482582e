//! `trace.jsonl`: one JSON object a line, in event order, with `t_ns`,
//! `node`, `kind` first and then the kind's fields in the order the model
//! gave them. Field order is fixed so equal traces are equal bytes.
//!
//! [`JsonlWriter`] writes records as they come; [`read`] turns the file back
//! into records (for redrawing pictures from a run folder), using
//! [`is_node_field`] to know which names are nodes.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::OnceLock;

use serde::de::{Deserializer, MapAccess, Visitor};
use sim_core::{Field, Kind, NodeId, SimTime, Topology, TraceRecord, Value};

use crate::num::{DigitCache, Piece, put_piece};
use crate::sink::{NodeNames, RecordSink};

/// Writes one value as JSON.
pub fn write_value(out: &mut impl Write, topo: &Topology, v: &Value) -> io::Result<()> {
    let mut buf = Vec::new();
    put_value(&mut buf, &|n, out| write_str(out, topo.name(n)), v)?;
    out.write_all(&buf)
}

// The writing itself goes into a `Vec<u8>` (a line buffer), with integers
// formatted by `crate::num`: the same bytes as `write!`, without the
// formatting machinery.
// `name` appends a node's name as a JSON string.
fn put_value(
    out: &mut Vec<u8>,
    name: &impl Fn(NodeId, &mut Vec<u8>) -> io::Result<()>,
    v: &Value,
) -> io::Result<()> {
    match v {
        Value::U64(n) => crate::num::put_u64(out, *n),
        Value::I64(n) => crate::num::put_i64(out, *n),
        Value::F64(x) if x.is_finite() => {
            serde_json::to_writer(&mut *out, x).map_err(io::Error::other)?
        }
        Value::F64(_) => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Str(s) => write_str(out, s)?,
        Value::Node(n) => name(*n, out)?,
        Value::List(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                put_value(out, name, item)?;
            }
            out.push(b']');
        }
    }
    Ok(())
}

fn write_str(out: &mut Vec<u8>, s: &str) -> io::Result<()> {
    // Names, kinds and flags never need escaping: write them as they are.
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return Ok(());
    }
    serde_json::to_writer(out, s).map_err(io::Error::other)
}

/// `,"<name>":` of every field, by [`Field`] as an index.
fn keys() -> &'static [Piece] {
    static KEYS: OnceLock<Vec<Piece>> = OnceLock::new();
    KEYS.get_or_init(|| {
        Field::ALL
            .iter()
            .enumerate()
            .map(|(i, f)| {
                debug_assert_eq!(*f as usize, i);
                Piece::new(format!(",\"{}\":", f.name()).as_bytes())
            })
            .collect()
    })
}

/// `,"kind":"<name>"` of every kind, by [`Kind`] as an index.
fn kinds() -> &'static [Piece] {
    static KINDS: OnceLock<Vec<Piece>> = OnceLock::new();
    KINDS.get_or_init(|| {
        Kind::ALL
            .iter()
            .enumerate()
            .map(|(i, k)| {
                debug_assert_eq!(*k as usize, i);
                Piece::new(format!(",\"kind\":\"{}\"", k.name()).as_bytes())
            })
            .collect()
    })
}

fn put_record(
    out: &mut Vec<u8>,
    name: &impl Fn(NodeId, &mut Vec<u8>) -> io::Result<()>,
    r: &TraceRecord,
) -> io::Result<()> {
    put_time(out, r.t.as_nanos());
    put_after_time(out, name, &mut DigitCache::new(0), r)
}

/// `{"t_ns":<t>` (the start of a record's line).
fn put_time(out: &mut Vec<u8>, t: u64) {
    out.extend_from_slice(b"{\"t_ns\":");
    crate::num::put_u64(out, t);
}

/// [`put_record`] after [`put_time`]; a field's number goes through its
/// slot of `cache`.
fn put_after_time(
    out: &mut Vec<u8>,
    name: &impl Fn(NodeId, &mut Vec<u8>) -> io::Result<()>,
    cache: &mut DigitCache,
    r: &TraceRecord,
) -> io::Result<()> {
    out.extend_from_slice(b",\"node\":");
    name(r.node, out)?;
    put_piece(out, &kinds()[r.kind as usize]);
    let keys = keys();
    for (k, v) in &r.fields {
        put_piece(out, &keys[*k as usize]);
        match v {
            Value::U64(n) => cache.put_u64(out, *k as usize, *n),
            v => put_value(out, name, v)?,
        }
    }
    out.extend_from_slice(b"}\n");
    Ok(())
}

/// Writes one record as a line.
pub fn write_record(out: &mut impl Write, topo: &Topology, r: &TraceRecord) -> io::Result<()> {
    let mut buf = Vec::new();
    put_record(&mut buf, &|n, out| write_str(out, topo.name(n)), r)?;
    out.write_all(&buf)
}

/// Writes every record, one a line (a thin wrapper over [`JsonlWriter`]).
pub fn write(out: &mut impl Write, topo: &Topology, records: &[TraceRecord]) -> io::Result<()> {
    let mut w = JsonlWriter::new(out, NodeNames::of(topo));
    crate::sink::feed(&mut w, records)
}

/// Writes `trace.jsonl` record by record. Holds only the node names and a
/// line buffer; `finish` flushes the output.
#[derive(Debug)]
pub struct JsonlWriter<W: Write> {
    out: W,
    names: NodeNames,
    /// Each node's name as a JSON string, by [`NodeId`].
    quoted: Vec<Piece>,
    line: Vec<u8>,
    /// The last record's time and the start of its line ([`put_time`]):
    /// records come in bursts at the same instant.
    time: (Option<u64>, Vec<u8>),
    /// The digits of each field's last number.
    digits: DigitCache,
}

impl<W: Write> JsonlWriter<W> {
    /// A writer onto `out` naming nodes by `names`.
    pub fn new(out: W, names: NodeNames) -> Self {
        let quoted = names
            .as_slice()
            .iter()
            .map(|n| {
                let mut q = Vec::new();
                write_str(&mut q, n).expect("writing to memory cannot fail");
                Piece::new(&q)
            })
            .collect();
        JsonlWriter {
            out,
            names,
            quoted,
            line: Vec::with_capacity(256),
            time: (None, Vec::new()),
            digits: DigitCache::new(Field::ALL.len()),
        }
    }

    /// The output, once finished.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> RecordSink for JsonlWriter<W> {
    fn push(&mut self, r: &TraceRecord) -> io::Result<()> {
        self.line.clear();
        let (names, quoted) = (&self.names, &self.quoted);
        let name = |n: NodeId, out: &mut Vec<u8>| {
            match quoted.get(n.index()) {
                Some(q) => put_piece(out, q),
                None => write_str(out, names.name(n))?,
            }
            Ok(())
        };
        let t = r.t.as_nanos();
        let (last, text) = &mut self.time;
        if *last != Some(t) {
            text.clear();
            put_time(text, t);
            *last = Some(t);
        }
        self.line.extend_from_slice(text);
        put_after_time(&mut self.line, &name, &mut self.digits, r)?;
        self.out.write_all(&self.line)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Whether `field` of a `kind` record holds a node (written by name).
///
/// This table is the one place readers decide between a node and a plain
/// string; it follows what the models write: packet addresses (`src`,
/// `dst`), a link's ends (`from`, `to` of link records and `link_change`),
/// a connection's `peer`, a ping's `target` and the reply's `from`, the
/// sender of an unmatched segment or datagram (`from`), and a resolved DNS
/// `addr`. `tcp_state`'s `from` and `to` are state names.
pub fn is_node_field(kind: Kind, field: Field) -> bool {
    match field {
        Field::Src | Field::Dst | Field::Peer | Field::Target | Field::Addr => true,
        Field::From => matches!(
            kind,
            Kind::LinkEnqueue
                | Kind::LinkTransmit
                | Kind::LinkDeliver
                | Kind::LinkDrop
                | Kind::LinkTamper
                | Kind::LinkChange
                | Kind::PingReply
                | Kind::TcpUnmatched
                | Kind::UdpUnmatched
        ),
        Field::To => matches!(
            kind,
            Kind::LinkEnqueue
                | Kind::LinkTransmit
                | Kind::LinkDeliver
                | Kind::LinkDrop
                | Kind::LinkTamper
                | Kind::LinkChange
        ),
        _ => false,
    }
}

/// Why `trace.jsonl` text could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// A line is not a JSON object.
    #[error("line {line}: not a JSON object: {source}")]
    Json {
        /// 1-based line number.
        line: usize,
        /// What the JSON parser said.
        source: serde_json::Error,
    },
    /// A required key (`t_ns`, `node`, `kind`) is missing or of the wrong type.
    #[error("line {line}: `{key}` is missing or not {expected}")]
    Missing {
        /// 1-based line number.
        line: usize,
        /// The key.
        key: &'static str,
        /// What it should have been.
        expected: &'static str,
    },
    /// A kind the vocabulary does not know.
    #[error("line {line}: unknown kind `{kind}`")]
    UnknownKind {
        /// 1-based line number.
        line: usize,
        /// The kind as written.
        kind: String,
    },
    /// A field the vocabulary does not know.
    #[error("line {line}: unknown field `{field}`")]
    UnknownField {
        /// 1-based line number.
        line: usize,
        /// The field as written.
        field: String,
    },
    /// A node-valued field that is not a string.
    #[error("line {line}: field `{field}` should name a node")]
    NotANode {
        /// 1-based line number.
        line: usize,
        /// The field.
        field: Field,
    },
    /// A value no writer makes (an object).
    #[error("line {line}: field `{field}` has a value no trace holds")]
    BadValue {
        /// 1-based line number.
        line: usize,
        /// The field.
        field: Field,
    },
}

/// Reads `trace.jsonl` text back into records. Nodes get ids in order of
/// first appearance; the names come back indexed by [`NodeId`]. Use
/// [`read_with_nodes`] to keep the run's own ids (a node's id decides its
/// address in the pcap and in DNS answers on the ladder).
pub fn read(text: &str) -> Result<(NodeNames, Vec<TraceRecord>), ReadError> {
    read_with_nodes(text, NodeNames::default())
}

/// Reads `trace.jsonl` text back into records, numbering nodes as `known`
/// does (the topology's names in declaration order); names it does not
/// hold get the next ids. Integers come back as [`Value::U64`] (or
/// [`Value::I64`] when negative), numbers with a fraction or exponent as
/// [`Value::F64`], `null` as a non-finite [`Value::F64`].
pub fn read_with_nodes(
    text: &str,
    known: NodeNames,
) -> Result<(NodeNames, Vec<TraceRecord>), ReadError> {
    let mut names = known;
    let mut index: HashMap<String, NodeId> = names
        .as_slice()
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), NodeId(i as u32)))
        .collect();
    let mut intern = |name: &str| -> NodeId {
        if let Some(id) = index.get(name) {
            return *id;
        }
        let id = names.intern(name);
        index.insert(name.to_string(), id);
        id
    };
    let mut records = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let entries = parse_line(line).map_err(|source| ReadError::Json {
            line: line_no,
            source,
        })?;
        records.push(record(line_no, entries, &mut intern)?);
    }
    Ok((names, records))
}

fn record(
    line: usize,
    entries: Vec<(String, serde_json::Value)>,
    intern: &mut impl FnMut(&str) -> NodeId,
) -> Result<TraceRecord, ReadError> {
    let mut it = entries.into_iter();
    let missing = |key, expected| ReadError::Missing {
        line,
        key,
        expected,
    };
    let t = match it.next() {
        Some((k, v)) if k == "t_ns" => v.as_u64().ok_or(missing("t_ns", "an integer"))?,
        _ => return Err(missing("t_ns", "the first key")),
    };
    let node = match it.next() {
        Some((k, serde_json::Value::String(s))) if k == "node" => intern(&s),
        _ => return Err(missing("node", "the second key, a string")),
    };
    let kind = match it.next() {
        Some((k, serde_json::Value::String(s))) if k == "kind" => {
            Kind::from_name(&s).ok_or(ReadError::UnknownKind { line, kind: s })?
        }
        _ => return Err(missing("kind", "the third key, a string")),
    };
    let mut fields = Vec::new();
    for (k, v) in it {
        let field = Field::from_name(&k).ok_or(ReadError::UnknownField { line, field: k })?;
        let value = if is_node_field(kind, field) {
            match v {
                serde_json::Value::String(s) => Value::Node(intern(&s)),
                _ => return Err(ReadError::NotANode { line, field }),
            }
        } else {
            value(v).ok_or(ReadError::BadValue { line, field })?
        };
        fields.push((field, value));
    }
    Ok(TraceRecord {
        t: SimTime(t),
        node,
        kind,
        fields,
    })
}

fn value(v: serde_json::Value) -> Option<Value> {
    use serde_json::Value as J;
    Some(match v {
        J::Null => Value::F64(f64::NAN),
        J::Bool(b) => Value::Bool(b),
        J::Number(n) => {
            if let Some(u) = n.as_u64() {
                Value::U64(u)
            } else if let Some(i) = n.as_i64() {
                Value::I64(i)
            } else {
                Value::F64(n.as_f64()?)
            }
        }
        J::String(s) => Value::from(s),
        J::Array(items) => Value::List(items.into_iter().map(value).collect::<Option<_>>()?),
        J::Object(_) => return None,
    })
}

/// The keys and values of one JSON object line, in the order written
/// (`serde_json::Map` would sort them).
fn parse_line(line: &str) -> Result<Vec<(String, serde_json::Value)>, serde_json::Error> {
    struct Ordered;
    impl<'de> Visitor<'de> for Ordered {
        type Value = Vec<(String, serde_json::Value)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut v = Vec::new();
            while let Some(entry) = map.next_entry::<String, serde_json::Value>()? {
                v.push(entry);
            }
            Ok(v)
        }
    }
    let mut de = serde_json::Deserializer::from_str(line);
    let v = (&mut de).deserialize_map(Ordered)?;
    de.end()?;
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_name_their_number() {
        let good = r#"{"t_ns":1,"node":"a","kind":"ping_request","target":"b","seq":0}"#;
        let (names, recs) = read(good).unwrap();
        assert_eq!(names.as_slice(), ["a", "b"]);
        assert_eq!(recs[0].field(Field::Target), Some(&Value::Node(NodeId(1))));
        let text = format!("{good}\n{{\"t_ns\":2,\"node\":\"a\"");
        let e = read(&text).unwrap_err();
        assert!(matches!(e, ReadError::Json { line: 2, .. }), "{e}");
        let text = format!("{good}\n\n{}", good.replace("ping_request", "ping_sent"));
        let e = read(&text).unwrap_err();
        assert_eq!(e.to_string(), "line 3: unknown kind `ping_sent`");
        let e = read(r#"{"node":"a","t_ns":1,"kind":"dns"}"#).unwrap_err();
        assert!(matches!(e, ReadError::Missing { line: 1, .. }), "{e}");
        let e = read(r#"{"t_ns":1,"node":"a","kind":"dns","addr":3}"#).unwrap_err();
        assert_eq!(e.to_string(), "line 1: field `addr` should name a node");
    }

    #[test]
    fn state_names_are_not_nodes() {
        let line = r#"{"t_ns":1,"node":"a","kind":"tcp_state","lport":1,"peer":"b","pport":2,"from":"CLOSED","to":"SYN_SENT","cause":"connect"}"#;
        let (_, recs) = read(line).unwrap();
        assert_eq!(recs[0].text(Field::To), Some("SYN_SENT"));
        assert_eq!(recs[0].node_field(Field::Peer), Some(NodeId(1)));
    }

    #[test]
    fn numbers_keep_their_variant() {
        let line = r#"{"t_ns":1,"node":"a","kind":"link_change","from":"a","to":"b","loss":0.0,"rate_bps":5,"duplicate":null}"#;
        let (names, recs) = read(line).unwrap();
        assert_eq!(recs[0].field(Field::Loss), Some(&Value::F64(0.0)));
        assert_eq!(recs[0].field(Field::RateBps), Some(&Value::U64(5)));
        let mut out = Vec::new();
        let mut w = JsonlWriter::new(&mut out, names);
        crate::sink::feed(&mut w, &recs).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), format!("{line}\n"));
    }
}
