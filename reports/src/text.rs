//! `trace.txt`: the compact, stable text trace that snapshot tests hold.
//!
//! One event a line: simulated time (exact, with its unit), the node, then a
//! rendering of the event. Link events read as arrows (`a -> r`), everything
//! else as `kind key=value ...`. Times are exact, so any change of timing
//! shows in a snapshot diff.

use std::fmt::Write as _;

use sim_core::{SimDuration, Topology, TraceRecord, Value};

fn value(topo: &Topology, v: &Value) -> String {
    match v {
        Value::U64(n) => n.to_string(),
        Value::I64(n) => n.to_string(),
        Value::F64(x) => format!("{x}"),
        Value::Bool(b) => b.to_string(),
        Value::Str(s) => s.to_string(),
        Value::Node(n) => topo.name(*n).to_string(),
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(|i| value(topo, i)).collect();
            format!("[{}]", parts.join(","))
        }
    }
}

/// Renders one record as a line (without the newline).
pub fn line(topo: &Topology, r: &TraceRecord) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "{:>12} {:<6} ",
        SimDuration(r.t.as_nanos()).to_string(),
        topo.name(r.node)
    );
    let link_event = r.kind.strip_prefix("link_");
    let mut skip: &[&str] = &[];
    if let (Some(what), Some(Value::Node(from)), Some(Value::Node(to))) =
        (link_event, r.field("from"), r.field("to"))
    {
        let _ = write!(s, "{} -> {} {what}", topo.name(*from), topo.name(*to));
        skip = &["from", "to"];
    } else {
        s.push_str(r.kind);
    }
    for (k, v) in &r.fields {
        if skip.contains(k) {
            continue;
        }
        let rendered = match (*k, v) {
            (k, Value::U64(ns)) if k.ends_with("_ns") => SimDuration(*ns).to_string(),
            _ => value(topo, v),
        };
        let key = k.strip_suffix("_ns").unwrap_or(k);
        let _ = write!(s, " {key}={rendered}");
    }
    s
}

/// Renders every record, one a line, each ending in a newline.
pub fn render(topo: &Topology, records: &[TraceRecord]) -> String {
    let mut out = String::new();
    for r in records {
        out.push_str(&line(topo, r));
        out.push('\n');
    }
    out
}
