//! `ladder.png`: the sequence diagram textbooks draw for handshakes and
//! closes, from the trace alone.
//!
//! One vertical lifeline per node that sends or forwards traffic, in the
//! order nodes first appear; time runs down on a true scale, except that
//! very short intervals are stretched to keep labels apart and long idle
//! gaps are compressed behind a break mark that says how long they were.
//! Each hop of each packet is an arrow from its transmission to its arrival,
//! labelled with what it carried (TCP flags with sequence numbers relative to
//! each side's initial sequence number; echo messages); a packet lost on the
//! wire ends in a cross halfway; a packet refused by a full queue is a cross
//! at its sender. TCP state changes are written beside the lifelines.

use sim_core::{Field, Kind};
use std::collections::{BTreeMap, HashMap, VecDeque};

use plotters::prelude::*;

use sim_core::{NodeId, SimDuration, SimTime, Topology, TraceRecord, Value};

use crate::glyphs::{self, Label};
use crate::plot::{PlotError, encode_rgb};

/// Most arrows drawn; a longer run is cut (choose a window with `from`/`to`).
pub const MAX_MESSAGES: usize = 60;

#[derive(Debug, Clone)]
struct Msg {
    from: NodeId,
    to: NodeId,
    t0: SimTime,
    /// Arrival (or when a lost packet would have arrived); `None` for a
    /// packet refused at its sender.
    t1: Option<SimTime>,
    lost: bool,
    label: String,
}

/// A TCP direction by its addresses and ports: (source, source port,
/// destination, destination port) as the segment claims them.
type Direction = (NodeId, u64, NodeId, u64);

fn direction(r: &TraceRecord) -> Option<Direction> {
    Some((
        r.node_field(Field::Src)?,
        r.u64(Field::Sport)?,
        r.node_field(Field::Dst)?,
        r.u64(Field::Dport)?,
    ))
}

/// Initial sequence numbers by direction, for directions that used exactly
/// one; a direction with several (a stale SYN, say) keeps absolute numbers,
/// which is what makes such a ladder readable.
fn initial_sequence_numbers(records: &[TraceRecord]) -> HashMap<Direction, u64> {
    let mut seen: HashMap<Direction, Vec<u64>> = HashMap::new();
    for r in records.iter().filter(|r| r.kind == Kind::LinkTransmit) {
        if r.text(Field::Proto) == Some("tcp")
            && r.text(Field::Flags).is_some_and(|f| f.starts_with("SYN"))
            && let (Some(dir), Some(seq)) = (direction(r), r.u64(Field::Seq))
        {
            let v = seen.entry(dir).or_default();
            if !v.contains(&seq) {
                v.push(seq);
            }
        }
    }
    seen.into_iter()
        .filter(|(_, v)| v.len() == 1)
        .map(|(k, v)| (k, v[0]))
        .collect()
}

/// TLS records sent, by the direction of the segments that carry them:
/// stream offset and name.
type TlsRecords = HashMap<Direction, Vec<(u64, String)>>;

fn tls_records(records: &[TraceRecord]) -> TlsRecords {
    // The address a node's connection sends from: its own, or the one it
    // claims (a man-in-the-middle speaking as the server), as the first
    // hop of its segments shows.
    let mut first_hop = std::collections::HashSet::new();
    let mut address: HashMap<Direction, NodeId> = HashMap::new();
    for r in records.iter().filter(|r| r.kind == Kind::LinkTransmit) {
        if let (Some(id), Some((src, sport, dst, dport))) = (r.u64(Field::Id), direction(r))
            && first_hop.insert(id)
        {
            address.insert((r.node, sport, dst, dport), src);
        }
    }
    let mut m: TlsRecords = HashMap::new();
    for r in records
        .iter()
        .filter(|r| r.kind == Kind::TlsRecord && r.text(Field::Dir) == Some("send"))
    {
        if let (Some(port), Some(peer), Some(pport), Some(off), Some(what)) = (
            r.u64(Field::Lport),
            r.node_field(Field::Peer),
            r.u64(Field::Pport),
            r.u64(Field::Off),
            r.text(Field::What),
        ) {
            let own = address
                .get(&(r.node, port, peer, pport))
                .copied()
                .unwrap_or(r.node);
            m.entry((own, port, peer, pport))
                .or_default()
                .push((off, what.to_string()));
        }
    }
    m
}

/// The TLS records that start inside a segment, named once each in order
/// (`ApplicationData` repeated collapses to one).
fn tls_names(r: &TraceRecord, tls: &TlsRecords) -> Option<String> {
    let (off, len) = (r.u64(Field::Off)?, r.u64(Field::Len)?);
    let list = tls.get(&direction(r)?)?;
    let mut names: Vec<&str> = Vec::new();
    for (o, what) in list {
        if (off..off + len).contains(o) && names.last() != Some(&what.as_str()) {
            names.push(what);
        }
    }
    (!names.is_empty()).then(|| names.join(", "))
}

fn label(r: &TraceRecord, isn: &HashMap<Direction, u64>, tls: &TlsRecords) -> String {
    match r.text(Field::Proto) {
        Some("tcp") => {
            let flags = r.text(Field::Flags).unwrap_or("?");
            let rel = |v: u64, key: Option<Direction>| match key.and_then(|k| isn.get(&k)) {
                Some(base) => (v as u32).wrapping_sub(*base as u32),
                None => v as u32,
            };
            // Our numbers count from our SYN; acknowledgments from the
            // peer's, in the opposite direction.
            let own = direction(r);
            let peer = own.map(|(s, sp, d, dp)| (d, dp, s, sp));
            let mut s = format!("{flags} seq={}", rel(r.u64(Field::Seq).unwrap_or(0), own));
            if flags.contains("ACK") {
                s.push_str(&format!(
                    " ack={}",
                    rel(r.u64(Field::Ack).unwrap_or(0), peer)
                ));
            }
            let len = r.u64(Field::Len).unwrap_or(0);
            if len > 0 {
                s.push_str(&format!(" len={len}"));
            }
            if flags.contains("SYN") {
                if let Some(m) = r.u64(Field::Mss) {
                    s.push_str(&format!(" mss={m}"));
                }
            } else if r.u64(Field::Wnd) == Some(0) && !flags.contains("RST") {
                s.push_str(" win=0");
            }
            if r.field(Field::Rtx) == Some(&Value::Bool(true)) {
                s.push_str(" (rtx)");
            }
            if let Some(names) = tls_names(r, tls) {
                s.push_str(&format!(" [{names}]"));
            }
            s
        }
        Some("echo") => format!(
            "echo {} #{}",
            r.text(Field::Msg).unwrap_or("?"),
            r.u64(Field::Seq).unwrap_or(0)
        ),
        Some("dns") => {
            let name = r.text(Field::Name).unwrap_or("?");
            match (r.text(Field::Msg), r.text(Field::Rcode)) {
                (Some("query"), _) => format!("DNS A? {name}"),
                (_, Some("NOERROR")) => {
                    let addr = match r.field(Field::Addr) {
                        Some(Value::Node(n)) => {
                            let [a, b, c, d] = n.ipv4();
                            format!("{a}.{b}.{c}.{d}")
                        }
                        _ => "?".to_string(),
                    };
                    format!("DNS {name} A {addr} ttl={}", r.u64(Field::Ttl).unwrap_or(0))
                }
                (_, rcode) => format!("DNS {name} {}", rcode.unwrap_or("?")),
            }
        }
        Some(p) => p.to_string(),
        None => format!("packet {}", r.u64(Field::Id).unwrap_or(0)),
    }
}

/// The messages and state changes in `[from, to]`.
fn collect(
    records: &[TraceRecord],
    from: SimTime,
    to: SimTime,
) -> (Vec<Msg>, Vec<(SimTime, NodeId, String)>, usize) {
    let isn = initial_sequence_numbers(records);
    let tls = tls_records(records);
    let mut open: HashMap<(u64, NodeId, NodeId), VecDeque<usize>> = HashMap::new();
    let mut msgs: Vec<Msg> = Vec::new();
    let mut states = Vec::new();
    // Messages in the window beyond those kept are only counted.
    let mut extra = 0usize;
    let mut unfinished = 0usize;
    for r in records {
        if r.t > to && unfinished == 0 {
            break;
        }
        let in_window = r.t >= from && r.t <= to;
        let full = msgs.len() >= MAX_MESSAGES;
        if in_window && full {
            let refused = r.kind == Kind::LinkDrop
                && !matches!(r.field(Field::Reason), Some(Value::Str(s)) if s == "random_loss");
            if r.kind == Kind::LinkTransmit || refused {
                extra += 1;
                continue;
            }
            if unfinished == 0 && r.kind != Kind::TcpState {
                continue;
            }
        }
        match r.kind {
            Kind::LinkTransmit => {
                if !in_window {
                    continue;
                }
                let (Some(id), Some(f), Some(t)) = (
                    r.u64(Field::Id),
                    r.node_field(Field::From),
                    r.node_field(Field::To),
                ) else {
                    continue;
                };
                unfinished += 1;
                open.entry((id, f, t)).or_default().push_back(msgs.len());
                msgs.push(Msg {
                    from: f,
                    to: t,
                    t0: r.t,
                    t1: Some(SimTime::MAX),
                    lost: false,
                    label: label(r, &isn, &tls),
                });
            }
            Kind::LinkDeliver | Kind::LinkDrop => {
                let (Some(id), Some(f), Some(t)) = (
                    r.u64(Field::Id),
                    r.node_field(Field::From),
                    r.node_field(Field::To),
                ) else {
                    continue;
                };
                let reason = r.text(Field::Reason);
                if r.kind == Kind::LinkDrop && reason != Some("random_loss") {
                    if !in_window {
                        continue;
                    }
                    // Refused before transmission: a cross at the sender.
                    msgs.push(Msg {
                        from: f,
                        to: t,
                        t0: r.t,
                        t1: None,
                        lost: true,
                        label: format!(
                            "{} dropped: {}",
                            label(r, &isn, &tls),
                            reason.unwrap_or("?")
                        ),
                    });
                    continue;
                }
                if let Some(i) = open.get_mut(&(id, f, t)).and_then(|q| q.pop_front()) {
                    msgs[i].t1 = Some(r.t);
                    msgs[i].lost = r.kind == Kind::LinkDrop;
                    unfinished -= 1;
                }
            }
            Kind::TcpState => {
                if let Some(to_state) = r.text(Field::To) {
                    states.push((r.t, r.node, to_state.to_string()));
                }
            }
            _ => {}
        }
    }
    // Packets still in flight when the run ended have no arrival.
    msgs.retain(|m| m.t1 != Some(SimTime::MAX));
    let total = msgs.len() + extra;
    let shown = msgs;
    let last = shown
        .iter()
        .map(|m| m.t1.unwrap_or(m.t0))
        .max()
        .unwrap_or(to);
    let first = shown.first().map_or(from, |m| m.t0);
    let states = states
        .into_iter()
        .filter(|(t, _, _)| *t >= from.min(first) && *t <= last.max(first))
        .collect();
    (shown, states, total)
}

/// Maps times to y: true scale where events are close, with a minimum
/// spacing between distinct times and long gaps compressed.
struct TimeAxis {
    marks: Vec<(SimTime, f64)>,
    /// Compressed gaps: (y where the break is drawn, length of the gap).
    breaks: Vec<(f64, SimDuration)>,
}

const MIN_GAP_PX: f64 = 16.0;
const MAX_GAP_PX: f64 = 110.0;
const BREAK_PX: f64 = 46.0;

impl TimeAxis {
    fn new(times: &mut Vec<SimTime>, flight_ns: f64, top: f64) -> Self {
        times.sort();
        times.dedup();
        // A typical one-way trip is drawn 70 px tall.
        let k = 70.0 / flight_ns.max(1.0);
        let mut marks = Vec::with_capacity(times.len());
        let mut breaks = Vec::new();
        let mut y = top;
        for (i, t) in times.iter().enumerate() {
            if i > 0 {
                let g = t.as_nanos() - times[i - 1].as_nanos();
                let h = g as f64 * k;
                if h > MAX_GAP_PX {
                    breaks.push((y + BREAK_PX / 2.0, SimDuration(g)));
                    y += BREAK_PX;
                } else {
                    y += h.max(MIN_GAP_PX);
                }
            }
            marks.push((*t, y));
        }
        TimeAxis { marks, breaks }
    }

    fn y(&self, t: SimTime) -> f64 {
        match self.marks.binary_search_by(|(m, _)| m.cmp(&t)) {
            Ok(i) => self.marks[i].1,
            Err(0) => self.marks.first().map_or(0.0, |m| m.1),
            Err(i) if i >= self.marks.len() => self.marks.last().map_or(0.0, |m| m.1),
            Err(i) => {
                let (a, ya) = self.marks[i - 1];
                let (b, yb) = self.marks[i];
                let f = (t.as_nanos() - a.as_nanos()) as f64 / (b.as_nanos() - a.as_nanos()) as f64;
                ya + f * (yb - ya)
            }
        }
    }

    fn bottom(&self) -> f64 {
        self.marks.last().map_or(0.0, |m| m.1)
    }
}

const STATE_COLOURS: [(&str, RGBColor); 11] = [
    ("CLOSED", RGBColor(120, 120, 120)),
    ("LISTEN", RGBColor(90, 90, 160)),
    ("SYN_SENT", RGBColor(214, 120, 0)),
    ("SYN_RCVD", RGBColor(200, 90, 20)),
    ("ESTABLISHED", RGBColor(30, 140, 50)),
    ("FIN_WAIT_1", RGBColor(160, 40, 140)),
    ("FIN_WAIT_2", RGBColor(130, 50, 170)),
    ("CLOSE_WAIT", RGBColor(190, 30, 60)),
    ("CLOSING", RGBColor(170, 110, 30)),
    ("LAST_ACK", RGBColor(200, 50, 90)),
    ("TIME_WAIT", RGBColor(20, 110, 170)),
];

/// The colour of a TCP state, shared with the state timeline.
pub fn state_colour(name: &str) -> RGBColor {
    STATE_COLOURS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(RGBColor(0, 0, 0), |(_, c)| *c)
}

/// Draws the ladder of `records` between `from` and `to` (inclusive); at most
/// [`MAX_MESSAGES`] arrows. Returns the PNG bytes, or `None` when nothing
/// crossed a link in the window.
pub fn ladder(
    title: &str,
    topo: &Topology,
    records: &[TraceRecord],
    from: SimTime,
    to: SimTime,
) -> Result<Option<Vec<u8>>, PlotError> {
    let (msgs, states, total) = collect(records, from, to);
    if msgs.is_empty() {
        return Ok(None);
    }
    // Lifelines in order of first appearance.
    let mut order: Vec<NodeId> = Vec::new();
    for m in &msgs {
        for n in [m.from, m.to] {
            if !order.contains(&n) {
                order.push(n);
            }
        }
    }
    let col: BTreeMap<NodeId, usize> = order.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut flights: Vec<u64> = msgs
        .iter()
        .filter_map(|m| m.t1.map(|t1| t1.as_nanos().saturating_sub(m.t0.as_nanos())))
        .filter(|d| *d > 0)
        .collect();
    flights.sort_unstable();
    let flight = flights.get(flights.len() / 2).copied().unwrap_or(1_000_000) as f64;
    let mut times: Vec<SimTime> = msgs
        .iter()
        .flat_map(|m| [Some(m.t0), m.t1].into_iter().flatten())
        .chain(
            states
                .iter()
                .filter(|(_, n, _)| col.contains_key(n))
                .map(|(t, _, _)| *t),
        )
        .collect();
    let top = 90.0;
    let axis = TimeAxis::new(&mut times, flight, top);
    let col_w = 340.0;
    let left = 190.0;
    let width = (left + col_w * (order.len().max(2) - 1) as f64 + 190.0) as u32;
    let footer = if total > msgs.len() { 60.0 } else { 36.0 };
    let height = (axis.bottom() + footer + 20.0).max(300.0) as u32;
    let x = |n: NodeId| left + col_w * col[&n] as f64;
    let mut buf = vec![0u8; (width * height * 3) as usize];
    let mut labels: Vec<Label> = Vec::new();
    let mut arrow_labels: Vec<Label> = Vec::new();
    let mut say = |x: f64, y: f64, size: f32, rgb: [u8; 3], text: String, bold: bool| {
        labels.push(Label {
            x,
            y,
            size,
            rgb,
            text,
            bold,
            bg: None,
        });
    };
    {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(crate::plot::err)?;
        let p = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
        say(16.0, 10.0, 22.0, [0, 0, 0], title.to_string(), true);
        // Lifelines and their names.
        for n in &order {
            let name = topo.name(*n);
            let w = glyphs::width(name, 18.0, true);
            say(
                x(*n) - w / 2.0,
                50.0,
                18.0,
                [0, 0, 0],
                name.to_string(),
                true,
            );
            root.draw(&PathElement::new(
                vec![p(x(*n), top - 12.0), p(x(*n), axis.bottom() + 12.0)],
                RGBColor(150, 150, 150).stroke_width(2),
            ))
            .map_err(crate::plot::err)?;
        }
        // Break marks for compressed gaps.
        for (y, gap) in &axis.breaks {
            for n in &order {
                let (cx, cy) = (x(*n), *y);
                root.draw(&PathElement::new(
                    vec![p(cx - 10.0, cy - 6.0), p(cx + 10.0, cy - 2.0)],
                    BLACK.stroke_width(2),
                ))
                .map_err(crate::plot::err)?;
                root.draw(&PathElement::new(
                    vec![p(cx - 10.0, cy + 2.0), p(cx + 10.0, cy + 6.0)],
                    BLACK.stroke_width(2),
                ))
                .map_err(crate::plot::err)?;
            }
            say(
                12.0,
                *y - 8.0,
                13.0,
                [90, 90, 90],
                format!("... {gap} later ..."),
                false,
            );
        }
        // Time labels at the left, kept apart.
        let mut last_y = f64::NEG_INFINITY;
        for m in &msgs {
            let y = axis.y(m.t0);
            if y - last_y >= 15.0 {
                say(
                    12.0,
                    y - 8.0,
                    13.0,
                    [70, 70, 70],
                    SimDuration(m.t0.as_nanos()).to_string(),
                    false,
                );
                last_y = y;
            }
        }
        // States beside the lifelines: left of the first, right of the rest.
        let mut last_state_y: HashMap<NodeId, f64> = HashMap::new();
        for (t, n, name) in &states {
            let Some(&c) = col.get(n) else { continue };
            let y = axis
                .y(*t)
                .max(last_state_y.get(n).map_or(f64::NEG_INFINITY, |v| v + 15.0));
            last_state_y.insert(*n, y);
            let w = glyphs::width(name, 13.0, false);
            let tx = if c == 0 {
                x(*n) - 14.0 - w
            } else {
                x(*n) + 14.0
            };
            let colour = state_colour(name);
            root.draw(&Rectangle::new(
                [p(tx - 4.0, y - 9.0), p(tx + w + 4.0, y + 8.0)],
                colour.mix(0.15).filled(),
            ))
            .map_err(crate::plot::err)?;
            say(
                tx,
                y - 8.0,
                13.0,
                [colour.0, colour.1, colour.2],
                name.clone(),
                false,
            );
        }
        // The arrows.
        for m in &msgs {
            let (x0, y0) = (x(m.from), axis.y(m.t0));
            let colour = if m.lost {
                RGBColor(200, 30, 30)
            } else {
                RGBColor(30, 80, 170)
            };
            let Some(t1) = m.t1 else {
                // Refused at the sender.
                let (cx, cy) = (
                    x0 + if col[&m.to] > col[&m.from] {
                        18.0
                    } else {
                        -18.0
                    },
                    y0,
                );
                cross(&root, cx, cy, colour)?;
                let w = glyphs::width(&m.label, 12.5, false);
                let lx = if col[&m.to] > col[&m.from] {
                    cx + 10.0
                } else {
                    cx - 10.0 - w
                };
                say(
                    lx,
                    cy - 8.0,
                    12.5,
                    [colour.0, colour.1, colour.2],
                    m.label.clone(),
                    false,
                );
                continue;
            };
            let (x1, y1) = (x(m.to), axis.y(t1));
            let (ex, ey) = if m.lost {
                ((x0 + x1) / 2.0, (y0 + y1) / 2.0)
            } else {
                (x1, y1)
            };
            root.draw(&PathElement::new(
                vec![p(x0, y0), p(ex, ey)],
                colour.stroke_width(2),
            ))
            .map_err(crate::plot::err)?;
            if m.lost {
                cross(&root, ex, ey, colour)?;
            } else {
                // Arrowhead.
                let (dx, dy) = (x1 - x0, y1 - y0);
                let l = (dx * dx + dy * dy).sqrt().max(1.0);
                let (ux, uy) = (dx / l, dy / l);
                let (bx, by) = (x1 - ux * 12.0, y1 - uy * 12.0);
                root.draw(&Polygon::new(
                    vec![
                        p(x1, y1),
                        p(bx - uy * 5.0, by + ux * 5.0),
                        p(bx + uy * 5.0, by - ux * 5.0),
                    ],
                    colour.filled(),
                ))
                .map_err(crate::plot::err)?;
            }
            // The label sits above the arrow, a third of the way along.
            let (lx, ly) = (x0 + (ex - x0) * 0.33, y0 + (ey - y0) * 0.33);
            let w = glyphs::width(&m.label, 12.5, false);
            let lx = if x1 > x0 { lx - w * 0.2 } else { lx - w * 0.8 };
            // A long label stays inside the picture.
            let lx = lx.clamp(4.0, (f64::from(width) - w - 4.0).max(4.0));
            // Move down past labels already placed that it would cover.
            let mut ly = ly - 18.0;
            while arrow_labels.iter().any(|o: &Label| {
                let ow = glyphs::width(&o.text, o.size, false);
                ly < o.y + 15.0 && o.y < ly + 15.0 && lx < o.x + ow && o.x < lx + w
            }) {
                ly += 15.0;
            }
            arrow_labels.push(Label {
                x: lx,
                y: ly,
                size: 12.5,
                rgb: [20, 20, 20],
                text: m.label.clone(),
                bold: false,
                bg: Some([255, 255, 255]),
            });
        }
        let note = if total > msgs.len() {
            format!(
                "showing the first {} of {} messages in the window; choose another with --from/--to",
                msgs.len(),
                total
            )
        } else {
            "time runs down; arrows from transmission to arrival; x = lost".to_string()
        };
        say(16.0, axis.bottom() + 22.0, 13.0, [90, 90, 90], note, false);
        root.present().map_err(crate::plot::err)?;
    }
    glyphs::draw(&mut buf, width, height, &arrow_labels);
    glyphs::draw(&mut buf, width, height, &labels);
    encode_rgb(buf, width, height).map(Some)
}

fn cross<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    x: f64,
    y: f64,
    c: RGBColor,
) -> Result<(), PlotError> {
    let p = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
    for (a, b) in [((-7.0, -7.0), (7.0, 7.0)), ((-7.0, 7.0), (7.0, -7.0))] {
        root.draw(&PathElement::new(
            vec![p(x + a.0, y + a.1), p(x + b.0, y + b.1)],
            c.stroke_width(3),
        ))
        .map_err(|e| PlotError(e.to_string()))?;
    }
    Ok(())
}
