//! `trace.txt`: the compact, stable text trace that snapshot tests hold.
//!
//! One event a line: simulated time (exact, with its unit), the node, then a
//! rendering of the event. Link events read as arrows (`a -> r`), everything
//! else as `kind key=value ...`. Times are exact, so any change of timing
//! shows in a snapshot diff.

use sim_core::{Field, Kind};
use std::fmt::Write as _;

use sim_core::{NodeId, Topology, TraceRecord, Value};

use crate::num;
use crate::sink::{NodeNames, RecordSink};

fn value<'n>(out: &mut String, name: &impl Fn(NodeId) -> &'n str, v: &Value) {
    match v {
        Value::U64(n) => out.push_str(num::u64(*n).as_str()),
        Value::I64(n) => out.push_str(num::i64(*n).as_str()),
        Value::F64(x) => {
            let _ = write!(out, "{x}");
        }
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Str(s) => out.push_str(s),
        Value::Node(n) => out.push_str(name(*n)),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                value(out, name, item);
            }
            out.push(']');
        }
    }
}

/// Appends one record's line (without the newline) to `s`.
pub fn push_line(s: &mut String, topo: &Topology, r: &TraceRecord) {
    line_into(s, &|n| topo.name(n), r);
}

/// Spaces to pad the time and the node name with.
const SPACES: &str = "            ";

fn line_into<'n>(s: &mut String, names: &impl Fn(NodeId) -> &'n str, r: &TraceRecord) {
    // Integers and times go through `crate::num`: the bytes of `{}` and of
    // `SimDuration`'s `Display`, without the formatting machinery.
    let time = num::duration(r.t.as_nanos());
    let time = time.as_str();
    s.push_str(&SPACES[..12usize.saturating_sub(time.len())]);
    s.push_str(time);
    s.push(' ');
    let name = names(r.node);
    s.push_str(name);
    s.push_str(&SPACES[..6usize.saturating_sub(name.len())]);
    s.push(' ');
    let link_event = r.kind.name().strip_prefix("link_");
    let mut skip: &[Field] = &[];
    if let (Some(what), Some(Value::Node(from)), Some(Value::Node(to))) =
        (link_event, r.field(Field::From), r.field(Field::To))
    {
        s.push_str(names(*from));
        s.push_str(" -> ");
        s.push_str(names(*to));
        s.push(' ');
        s.push_str(what);
        skip = &[Field::From, Field::To];
    } else {
        s.push_str(r.kind.name());
    }
    if r.kind == Kind::TcpPayload {
        // The bytes themselves are for the pcap; their count says enough.
        skip = &[Field::Data];
    }
    for (k, v) in &r.fields {
        if skip.contains(k) {
            continue;
        }
        s.push(' ');
        match (k.name().strip_suffix("_ns"), v) {
            (Some(key), Value::U64(ns)) => {
                s.push_str(key);
                s.push('=');
                s.push_str(num::duration(*ns).as_str());
            }
            (_, v) => {
                s.push_str(k.name());
                s.push('=');
                value(s, names, v);
            }
        }
    }
}

/// Renders one record as a line (without the newline).
pub fn line(topo: &Topology, r: &TraceRecord) -> String {
    let mut s = String::new();
    push_line(&mut s, topo, r);
    s
}

/// Renders every record, one a line, each ending in a newline.
pub fn render(topo: &Topology, records: &[TraceRecord]) -> String {
    let mut out = Vec::new();
    write(&mut out, topo, records).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("the trace is UTF-8")
}

/// Writes every record, one a line, to `out` (a thin wrapper over
/// [`TextWriter`]).
pub fn write(
    out: &mut impl std::io::Write,
    topo: &Topology,
    records: &[TraceRecord],
) -> std::io::Result<()> {
    let mut w = TextWriter::new(out, NodeNames::of(topo));
    crate::sink::feed(&mut w, records)
}

/// Writes `trace.txt` record by record. Holds the node names and one
/// line's buffer; `finish` flushes the output.
#[derive(Debug)]
pub struct TextWriter<W: std::io::Write> {
    out: W,
    names: NodeNames,
    line: String,
}

impl<W: std::io::Write> TextWriter<W> {
    /// A writer onto `out` naming nodes by `names`.
    pub fn new(out: W, names: NodeNames) -> Self {
        TextWriter {
            out,
            names,
            line: String::with_capacity(256),
        }
    }

    /// The output, once finished.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: std::io::Write> RecordSink for TextWriter<W> {
    fn push(&mut self, r: &TraceRecord) -> std::io::Result<()> {
        self.line.clear();
        let names = &self.names;
        line_into(&mut self.line, &|n| names.name(n), r);
        self.line.push('\n');
        self.out.write_all(self.line.as_bytes())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
