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

use sim_core::{Field, Kind, NodeId, SimDuration, SimTime, Topology, TraceRecord, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};

use plotters::prelude::*;

use plotters::coord::Shift;

use crate::canvas::{self, Draw, Format};
use crate::glyphs::{self, Label};
use crate::hops::{FirstHops, Hop};
use crate::idmap::IdMap;
use crate::plot::PlotError;
use crate::sink::NodeNames;

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

/// Most directions whose initial sequence numbers, sending addresses and
/// TLS records the ladder remembers (the oldest is forgotten beyond).
pub const MAX_DIRECTIONS: usize = 4096;
/// Most TLS records remembered per direction.
pub const MAX_TLS_RECORDS: usize = 256;
/// Most TCP state changes remembered for the lifelines.
pub const MAX_STATES: usize = 1024;

/// A map that forgets its oldest key beyond a size.
#[derive(Debug, Clone)]
struct Bounded<K, V> {
    map: IdMap<K, V>,
    order: VecDeque<K>,
    cap: usize,
}

impl<K: std::hash::Hash + Eq + Copy, V: Default> Bounded<K, V> {
    fn new(cap: usize) -> Self {
        Bounded {
            map: IdMap::default(),
            order: VecDeque::new(),
            cap,
        }
    }

    fn entry(&mut self, k: K) -> &mut V {
        if !self.map.contains_key(&k) {
            if self.order.len() >= self.cap
                && let Some(old) = self.order.pop_front()
            {
                self.map.remove(&old);
            }
            self.order.push_back(k);
        }
        self.map.entry(k).or_default()
    }

    fn get(&self, k: &K) -> Option<&V> {
        self.map.get(k)
    }
}

/// Initial sequence numbers seen by direction (two are enough to know a
/// direction used several).
type Isns = Bounded<Direction, Vec<u64>>;

/// TLS records sent, by the direction of the segments that carry them:
/// stream offset and name.
type TlsRecords = Bounded<Direction, VecDeque<(u64, String)>>;

/// The ISN of a direction that used exactly one; a direction with several
/// (a stale SYN, say) keeps absolute numbers, which is what makes such a
/// ladder readable.
fn isn_of(isns: &Isns, d: &Direction) -> Option<u64> {
    match isns.get(d).map(Vec::as_slice) {
        Some([one]) => Some(*one),
        _ => None,
    }
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

fn label(r: &TraceRecord, isn: &Isns, tls: &TlsRecords) -> String {
    match r.text(Field::Proto) {
        Some("tcp") => {
            let flags = r.text(Field::Flags).unwrap_or("?");
            let rel = |v: u64, key: Option<Direction>| match key.and_then(|k| isn_of(isn, &k)) {
                Some(base) => (v as u32).wrapping_sub(base as u32),
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
            // SACK blocks name the peer's sequence space, like the ACK
            // (RFC 2018 §3): `SACK 2449-3897,5345-6793`, right edges
            // exclusive as sent.
            if let Some(Value::List(blocks)) = r.field(Field::Sack) {
                let mut sep = " SACK ";
                for b in blocks {
                    if let Value::List(p) = b
                        && let [Value::U64(left), Value::U64(right)] = p.as_slice()
                    {
                        s.push_str(&format!("{sep}{}-{}", rel(*left, peer), rel(*right, peer)));
                        sep = ",";
                    }
                }
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
        Some("udp") => format!(
            "UDP {}>{} #{} len={}",
            r.u64(Field::Sport).unwrap_or(0),
            r.u64(Field::Dport).unwrap_or(0),
            r.u64(Field::Seq).unwrap_or(0),
            r.u64(Field::Len).unwrap_or(0)
        ),
        Some(p) => p.to_string(),
        None => format!("packet {}", r.u64(Field::Id).unwrap_or(0)),
    }
}

/// One arrow (or cross) of the ladder, with the record it came from; its
/// label is made when drawing, once every ISN and TLS record is known.
#[derive(Debug, Clone)]
struct Kept {
    msg: Msg,
    record: TraceRecord,
    /// A refusal: `dropped: <reason>` follows the label.
    refused: Option<String>,
}

/// The ladder's data, fed record by record.
///
/// Keeps the messages in the `[from, to]` window (at most
/// [`MAX_MESSAGES`], each with its record, and the open transmissions
/// among them waiting for their arrival), the TCP state changes from `from`
/// on while the picture can still grow (at most [`MAX_STATES`]), and, for
/// the labels, per direction the SYN sequence numbers seen (at most two),
/// the sending address of a connection and the TLS records sent (at most
/// [`MAX_TLS_RECORDS`] per direction, for [`MAX_DIRECTIONS`] directions).
/// Once the window is past, or full with every arrow finished, only the
/// count of messages left out grows.
#[derive(Debug, Clone)]
pub struct LadderCollector {
    from: SimTime,
    to: SimTime,
    isns: Isns,
    tls: TlsRecords,
    /// The address a node's connection sends from: its own, or the one it
    /// claims (a man-in-the-middle speaking as the server), as the first
    /// hop of its segments shows.
    address: Bounded<Direction, Option<NodeId>>,
    hops: FirstHops,
    open: IdMap<(u64, NodeId, NodeId), VecDeque<usize>>,
    kept: Vec<Kept>,
    states: Vec<(SimTime, NodeId, String)>,
    extra: usize,
    unfinished: usize,
    done: bool,
}

impl LadderCollector {
    /// A ladder of the window `[from, to]` (inclusive).
    pub fn new(from: SimTime, to: SimTime) -> Self {
        LadderCollector {
            from,
            to,
            isns: Bounded::new(MAX_DIRECTIONS),
            tls: Bounded::new(MAX_DIRECTIONS),
            address: Bounded::new(MAX_DIRECTIONS),
            hops: FirstHops::default(),
            open: IdMap::default(),
            kept: Vec::new(),
            states: Vec::new(),
            extra: 0,
            unfinished: 0,
            done: false,
        }
    }

    /// Takes the next record.
    pub fn push(&mut self, r: &TraceRecord) {
        // What labels need, from every record: ISNs (a later SYN can make
        // a direction's numbers absolute) and first hops.
        if r.kind == Kind::LinkTransmit
            && r.text(Field::Proto) == Some("tcp")
            && r.text(Field::Flags).is_some_and(|f| f.starts_with("SYN"))
            && let (Some(dir), Some(seq)) = (direction(r), r.u64(Field::Seq))
        {
            let v = self.isns.entry(dir);
            if !v.contains(&seq) && v.len() < 2 {
                v.push(seq);
            }
        }
        if self.hops.push(r) == Hop::First
            && let Some((src, sport, dst, dport)) = direction(r)
        {
            *self.address.entry((r.node, sport, dst, dport)) = Some(src);
        }
        let full = self.kept.len() >= MAX_MESSAGES;
        if r.kind == Kind::TlsRecord
            && r.text(Field::Dir) == Some("send")
            && !full
            && !self.done
            && let (Some(port), Some(peer), Some(pport), Some(off), Some(what)) = (
                r.u64(Field::Lport),
                r.node_field(Field::Peer),
                r.u64(Field::Pport),
                r.u64(Field::Off),
                r.text(Field::What),
            )
        {
            let own = self
                .address
                .get(&(r.node, port, peer, pport))
                .copied()
                .flatten()
                .unwrap_or(r.node);
            let list = self.tls.entry((own, port, peer, pport));
            if list.len() >= MAX_TLS_RECORDS {
                list.pop_front();
            }
            list.push_back((off, what.to_string()));
        }
        if self.done {
            return;
        }
        if r.t > self.to && self.unfinished == 0 {
            self.done = true;
            return;
        }
        let in_window = r.t >= self.from && r.t <= self.to;
        if in_window && full {
            let refused = r.kind == Kind::LinkDrop
                && !matches!(r.field(Field::Reason), Some(Value::Str(s)) if s == "random_loss");
            if r.kind == Kind::LinkTransmit || refused {
                self.extra += 1;
                return;
            }
            if self.unfinished == 0 && r.kind != Kind::TcpState {
                return;
            }
        }
        match r.kind {
            Kind::LinkTransmit => {
                if !in_window {
                    return;
                }
                let (Some(id), Some(f), Some(t)) = (
                    r.u64(Field::Id),
                    r.node_field(Field::From),
                    r.node_field(Field::To),
                ) else {
                    return;
                };
                self.unfinished += 1;
                self.open
                    .entry((id, f, t))
                    .or_default()
                    .push_back(self.kept.len());
                self.kept.push(Kept {
                    msg: Msg {
                        from: f,
                        to: t,
                        t0: r.t,
                        t1: Some(SimTime::MAX),
                        lost: false,
                        label: String::new(),
                    },
                    record: r.clone(),
                    refused: None,
                });
            }
            Kind::LinkDeliver | Kind::LinkDrop => {
                let (Some(id), Some(f), Some(t)) = (
                    r.u64(Field::Id),
                    r.node_field(Field::From),
                    r.node_field(Field::To),
                ) else {
                    return;
                };
                let reason = r.text(Field::Reason);
                if r.kind == Kind::LinkDrop && reason != Some("random_loss") {
                    if !in_window {
                        return;
                    }
                    // Refused before transmission: a cross at the sender.
                    self.kept.push(Kept {
                        msg: Msg {
                            from: f,
                            to: t,
                            t0: r.t,
                            t1: None,
                            lost: true,
                            label: String::new(),
                        },
                        record: r.clone(),
                        refused: Some(reason.unwrap_or("?").to_string()),
                    });
                    return;
                }
                let key = (id, f, t);
                if let Some(q) = self.open.get_mut(&key)
                    && let Some(i) = q.pop_front()
                {
                    if q.is_empty() {
                        self.open.remove(&key);
                    }
                    self.kept[i].msg.t1 = Some(r.t);
                    self.kept[i].msg.lost = r.kind == Kind::LinkDrop;
                    self.unfinished -= 1;
                }
            }
            Kind::TcpState => {
                if r.t < self.from || self.states.len() >= MAX_STATES {
                    return;
                }
                // With every arrow finished, a state after the last arrival
                // is not drawn.
                if full && self.unfinished == 0 {
                    let last = self.kept.iter().filter_map(|k| k.msg.t1).max();
                    if last.is_some_and(|l| r.t > l) {
                        return;
                    }
                }
                if let Some(to_state) = r.text(Field::To) {
                    self.states.push((r.t, r.node, to_state.to_string()));
                }
            }
            _ => {}
        }
    }

    /// The messages (labelled), the state changes to show, and how many
    /// messages the window held.
    fn collect(&self) -> (Vec<Msg>, Vec<(SimTime, NodeId, String)>, usize) {
        let mut msgs: Vec<Msg> = Vec::with_capacity(self.kept.len());
        for k in &self.kept {
            // Packets still in flight when the run ended have no arrival.
            if k.msg.t1 == Some(SimTime::MAX) {
                continue;
            }
            let mut m = k.msg.clone();
            let l = label(&k.record, &self.isns, &self.tls);
            m.label = match &k.refused {
                Some(reason) => format!("{l} dropped: {reason}"),
                None => l,
            };
            msgs.push(m);
        }
        let total = msgs.len() + self.extra;
        let last = msgs
            .iter()
            .map(|m| m.t1.unwrap_or(m.t0))
            .max()
            .unwrap_or(self.to);
        let first = msgs.first().map_or(self.from, |m| m.t0);
        let states = self
            .states
            .iter()
            .filter(|(t, _, _)| *t >= self.from.min(first) && *t <= last.max(first))
            .cloned()
            .collect();
        (msgs, states, total)
    }

    /// Draws the ladder titled `title`, or `None` when nothing crossed a
    /// link in the window.
    pub fn draw(
        &self,
        title: &str,
        names: &NodeNames,
        format: Format,
    ) -> Result<Option<Vec<u8>>, PlotError> {
        let (msgs, states, total) = self.collect();
        if msgs.is_empty() {
            return Ok(None);
        }
        let picture = LadderPicture::new(title, names, msgs, states, total);
        canvas::render(&picture, format).map(Some)
    }
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

/// The laid-out ladder.
struct LadderPicture {
    title: String,
    names: NodeNames,
    msgs: Vec<Msg>,
    states: Vec<(SimTime, NodeId, String)>,
    total: usize,
    order: Vec<NodeId>,
    col: BTreeMap<NodeId, usize>,
    axis: TimeAxis,
    width: u32,
    height: u32,
}

const COL_W: f64 = 340.0;
const LEFT: f64 = 190.0;

impl LadderPicture {
    fn new(
        title: &str,
        names: &NodeNames,
        msgs: Vec<Msg>,
        states: Vec<(SimTime, NodeId, String)>,
        total: usize,
    ) -> Self {
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
        let col_w = COL_W;
        let left = LEFT;
        let width = (left + col_w * (order.len().max(2) - 1) as f64 + 190.0) as u32;
        let footer = if total > msgs.len() { 60.0 } else { 36.0 };
        let height = (axis.bottom() + footer + 20.0).max(300.0) as u32;

        LadderPicture {
            title: title.to_string(),
            names: names.clone(),
            msgs,
            states,
            total,
            order,
            col,
            axis,
            width,
            height,
        }
    }
}

impl Draw for LadderPicture {
    fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (msgs, states, total, order, col, axis, width) = (
            &self.msgs,
            &self.states,
            self.total,
            &self.order,
            &self.col,
            &self.axis,
            self.width,
        );
        let top = 90.0;
        let x = |n: NodeId| LEFT + COL_W * col[&n] as f64;
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
        let p = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
        say(16.0, 10.0, 22.0, [0, 0, 0], self.title.clone(), true);
        // Lifelines and their names.
        for n in order {
            let name = self.names.name(*n);
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
            for n in order {
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
        for m in msgs {
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
        for (t, n, name) in states {
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
                name.to_string(),
                false,
            );
        }
        // The arrows.
        for m in msgs {
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
                cross(root, cx, cy, colour)?;
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
                cross(root, ex, ey, colour)?;
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

        draw_labels(root, &arrow_labels)?;
        draw_labels(root, &labels)
    }
}

/// Draws labels in order, each on its background if it has one.
fn draw_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    labels: &[Label],
) -> Result<(), PlotError> {
    for l in labels {
        if let Some(bg) = l.bg {
            let w = glyphs::width(&l.text, l.size, l.bold);
            let h = glyphs::line_height(glyphs::Face::Regular, l.size);
            root.draw(&Rectangle::new(
                [
                    ((l.x - 2.0).round() as i32, l.y.round() as i32),
                    (
                        (l.x + w + 2.0).round() as i32,
                        (l.y + h + 1.0).round() as i32,
                    ),
                ],
                RGBColor(bg[0], bg[1], bg[2]).filled(),
            ))
            .map_err(crate::plot::err)?;
        }
        let style = if l.bold {
            canvas::sans_bold(f64::from(l.size))
        } else {
            canvas::sans(f64::from(l.size))
        };
        canvas::text(
            root,
            l.x,
            l.y,
            &style,
            RGBColor(l.rgb[0], l.rgb[1], l.rgb[2]),
            &l.text,
        )?;
    }
    Ok(())
}

/// Draws the ladder of `records` between `from` and `to` (inclusive); at most
/// [`MAX_MESSAGES`] arrows. Returns the PNG bytes, or `None` when nothing
/// crossed a link in the window (a thin wrapper over [`LadderCollector`]).
pub fn ladder(
    title: &str,
    topo: &Topology,
    records: &[TraceRecord],
    from: SimTime,
    to: SimTime,
) -> Result<Option<Vec<u8>>, PlotError> {
    let mut c = LadderCollector::new(from, to);
    for r in records {
        c.push(r);
    }
    c.draw(title, &NodeNames::of(topo), Format::Png)
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
