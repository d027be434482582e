//! `trace.txt`: the compact, stable text trace that snapshot tests hold.
//!
//! One event a line: simulated time (exact, with its unit), the node, then a
//! rendering of the event. Link events read as arrows (`a -> r`), everything
//! else as `kind key=value ...`. Times are exact, so any change of timing
//! shows in a snapshot diff.

use sim_core::{Field, Kind, NodeId, Topology, TraceRecord, Value};
use std::io::Write as _;
use std::sync::OnceLock;

use crate::num::{self, DigitCache, Piece};
use crate::sink::{NodeNames, RecordSink};

// Lines are built as bytes (names and values are UTF-8, so a line is),
// with integers and times from `crate::num`: the bytes of `{}` and of
// `SimDuration`'s `Display`, without the formatting machinery. `name`
// appends a node's name.
fn value(out: &mut Vec<u8>, name: &impl Fn(NodeId, &mut Vec<u8>), v: &Value) {
    match v {
        Value::U64(n) => num::put_u64(out, *n),
        Value::I64(n) => num::put_i64(out, *n),
        Value::F64(x) => {
            let _ = write!(out, "{x}");
        }
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Str(s) => out.extend_from_slice(s.as_bytes()),
        Value::Node(n) => name(*n, out),
        Value::List(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                value(out, name, item);
            }
            out.push(b']');
        }
    }
}

/// Appends one record's line (without the newline) to `s`.
pub fn push_line(s: &mut String, topo: &Topology, r: &TraceRecord) {
    let mut line = Vec::new();
    line_into(
        &mut line,
        &|n, out: &mut Vec<u8>| out.extend_from_slice(topo.name(n).as_bytes()),
        r,
    );
    s.push_str(std::str::from_utf8(&line).expect("a line of UTF-8 pieces is UTF-8"));
}

/// How a field's key is written: ` name=`, and for a `_ns` field (a
/// duration, written with its unit) ` name-without-_ns=`.
struct Key {
    full: Piece,
    short: Option<Piece>,
}

/// Every field's [`Key`], by [`Field`] as an index.
fn keys() -> &'static [Key] {
    static KEYS: OnceLock<Vec<Key>> = OnceLock::new();
    KEYS.get_or_init(|| {
        Field::ALL
            .iter()
            .enumerate()
            .map(|(i, f)| {
                debug_assert_eq!(*f as usize, i);
                let name = f.name();
                Key {
                    full: Piece::new(format!(" {name}=").as_bytes()),
                    short: name
                        .strip_suffix("_ns")
                        .map(|k| Piece::new(format!(" {k}=").as_bytes())),
                }
            })
            .collect()
    })
}

/// How a kind is written: its name, and for a link event (`link_*`) the
/// word after the arrow (` deliver`).
struct KindText {
    name: Piece,
    link: Option<Piece>,
}

/// Every kind's [`KindText`], by [`Kind`] as an index.
fn kinds() -> &'static [KindText] {
    static KINDS: OnceLock<Vec<KindText>> = OnceLock::new();
    KINDS.get_or_init(|| {
        Kind::ALL
            .iter()
            .enumerate()
            .map(|(i, k)| {
                debug_assert_eq!(*k as usize, i);
                KindText {
                    name: Piece::new(k.name().as_bytes()),
                    link: k
                        .name()
                        .strip_prefix("link_")
                        .map(|w| Piece::new(format!(" {w}").as_bytes())),
                }
            })
            .collect()
    })
}

/// Spaces to pad the node name with.
const SPACES: &[u8; 8] = b"        ";

fn line_into(s: &mut Vec<u8>, names: &impl Fn(NodeId, &mut Vec<u8>), r: &TraceRecord) {
    num::put_duration_right(s, r.t.as_nanos(), 12);
    line_after_time(s, names, &mut DigitCache::new(0), r);
}

/// [`line_into`] after the time; a field's number goes through its slot of
/// `cache`.
fn line_after_time(
    s: &mut Vec<u8>,
    names: &impl Fn(NodeId, &mut Vec<u8>),
    cache: &mut DigitCache,
    r: &TraceRecord,
) {
    s.push(b' ');
    let start = s.len();
    names(r.node, s);
    let width = s.len() - start;
    if width < 6 {
        // A fixed-size copy, cut back (see `crate::num::put_piece`).
        let at = s.len();
        s.extend_from_slice(SPACES);
        s.truncate(at + 6 - width);
    }
    s.push(b' ');
    let kind = &kinds()[r.kind as usize];
    let mut skip: &[Field] = &[];
    if let (Some(what), Some(Value::Node(from)), Some(Value::Node(to))) =
        (&kind.link, r.field(Field::From), r.field(Field::To))
    {
        names(*from, s);
        s.extend_from_slice(b" -> ");
        names(*to, s);
        num::put_piece(s, what);
        skip = &[Field::From, Field::To];
    } else {
        num::put_piece(s, &kind.name);
    }
    if r.kind == Kind::TcpPayload {
        // The bytes themselves are for the pcap; their count says enough.
        skip = &[Field::Data];
    }
    let keys = keys();
    for (k, v) in &r.fields {
        if skip.contains(k) {
            continue;
        }
        let key = &keys[*k as usize];
        match (&key.short, v) {
            (Some(short), Value::U64(ns)) => {
                num::put_piece(s, short);
                num::put_duration(s, *ns);
            }
            (None, Value::U64(n)) => {
                num::put_piece(s, &key.full);
                cache.put_u64(s, *k as usize, *n);
            }
            (_, v) => {
                num::put_piece(s, &key.full);
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
    /// Each node's name, by [`NodeId`].
    pieces: Vec<Piece>,
    line: Vec<u8>,
    /// The last record's time and its text: records come in bursts at the
    /// same instant, and its text is written once for the burst.
    time: (Option<u64>, Vec<u8>),
    /// The digits of each field's last number.
    digits: DigitCache,
}

impl<W: std::io::Write> TextWriter<W> {
    /// A writer onto `out` naming nodes by `names`.
    pub fn new(out: W, names: NodeNames) -> Self {
        let pieces = names
            .as_slice()
            .iter()
            .map(|n| Piece::new(n.as_bytes()))
            .collect();
        TextWriter {
            out,
            names,
            pieces,
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

impl<W: std::io::Write> RecordSink for TextWriter<W> {
    fn push(&mut self, r: &TraceRecord) -> std::io::Result<()> {
        self.line.clear();
        let (names, pieces) = (&self.names, &self.pieces);
        let name = |n: NodeId, out: &mut Vec<u8>| match pieces.get(n.index()) {
            Some(p) => num::put_piece(out, p),
            None => out.extend_from_slice(names.name(n).as_bytes()),
        };
        let t = r.t.as_nanos();
        let (last, text) = &mut self.time;
        if *last != Some(t) {
            text.clear();
            num::put_duration_right(text, t, 12);
            *last = Some(t);
        }
        self.line.extend_from_slice(text);
        line_after_time(&mut self.line, &name, &mut self.digits, r);
        self.line.push(b'\n');
        self.out.write_all(&self.line)
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
