//! `trace.jsonl`: one JSON object a line, in event order, with `t_ns`,
//! `node`, `kind` first and then the kind's fields in the order the model
//! gave them. Field order is fixed so equal traces are equal bytes.

use std::io::{self, Write};

use sim_core::{Topology, TraceRecord, Value};

/// Writes one value as JSON.
pub fn write_value(out: &mut impl Write, topo: &Topology, v: &Value) -> io::Result<()> {
    match v {
        Value::U64(n) => write!(out, "{n}"),
        Value::I64(n) => write!(out, "{n}"),
        Value::F64(x) if x.is_finite() => out.write_all(
            serde_json::to_string(x)
                .map_err(io::Error::other)?
                .as_bytes(),
        ),
        Value::F64(_) => out.write_all(b"null"),
        Value::Bool(b) => write!(out, "{b}"),
        Value::Str(s) => write_str(out, s),
        Value::Node(n) => write_str(out, topo.name(*n)),
        Value::List(items) => {
            out.write_all(b"[")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.write_all(b",")?;
                }
                write_value(out, topo, item)?;
            }
            out.write_all(b"]")
        }
    }
}

fn write_str(out: &mut impl Write, s: &str) -> io::Result<()> {
    // Names, kinds and flags never need escaping: write them as they are.
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.write_all(b"\"")?;
        out.write_all(s.as_bytes())?;
        return out.write_all(b"\"");
    }
    out.write_all(
        serde_json::to_string(s)
            .map_err(io::Error::other)?
            .as_bytes(),
    )
}

/// Writes one record as a line.
pub fn write_record(out: &mut impl Write, topo: &Topology, r: &TraceRecord) -> io::Result<()> {
    write!(out, "{{\"t_ns\":{},\"node\":", r.t.as_nanos())?;
    write_str(out, topo.name(r.node))?;
    write!(out, ",\"kind\":\"{}\"", r.kind)?;
    for (k, v) in &r.fields {
        write!(out, ",\"{k}\":")?;
        write_value(out, topo, v)?;
    }
    out.write_all(b"}\n")
}

/// Writes every record, one a line.
pub fn write(out: &mut impl Write, topo: &Topology, records: &[TraceRecord]) -> io::Result<()> {
    for r in records {
        write_record(out, topo, r)?;
    }
    Ok(())
}
