//! Per-run plots of TCP connections, from the trace: `states` (a band per
//! connection, coloured by state over time) and, for each connection that
//! sent data, `seq-<conn>` (the time-sequence graph: data sent,
//! retransmissions, ACKs received, the ranges their SACK blocks cover and
//! the receive window's right edge) and
//! `cwnd-<conn>` (cwnd and ssthresh, with SRTT and RTO on a second axis).
//!
//! [`StatesCollector`] and [`ConnCollector`] are fed record by record and
//! hold bounded state (see each); the whole-trace functions ([`states`],
//! [`sequence`], [`cwnd`], [`data_senders`]) feed them. Values that hold
//! until the next one (ACKs, window edge, cwnd, ssthresh, SRTT, RTO) are
//! drawn as steps.

use std::collections::VecDeque;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use sim_core::{Field, Kind, NodeId, SimTime, Topology, TraceRecord, Value};

use crate::canvas::{self, Draw, Format};
use crate::idmap::IdMap;
use crate::ladder::state_colour;
use crate::plot::{PlotError, Unit, draw_legend, err, line_key, tick};
use crate::sink::NodeNames;
use crate::thin::Thinned;

const W: u32 = 1000;
/// Most connections that get their own sequence and cwnd plots.
pub const MAX_CONNECTIONS: usize = 8;
/// Most connections drawn on the states band.
pub const MAX_STATE_ROWS: usize = 40;
/// Most state changes kept per connection on the states band.
pub const MAX_STATE_CHANGES: usize = 64;
/// Most connections followed before they send data (beyond them the oldest
/// is forgotten).
pub const MAX_CANDIDATES: usize = 1024;
/// Buckets per series of a connection that has not sent data yet.
const CANDIDATE_BUCKETS: usize = 16;

/// A connection seen from one end: (node, local port, peer, peer port).
pub type Conn = (NodeId, u64, NodeId, u64);

fn conn_of(r: &TraceRecord) -> Option<Conn> {
    Some((
        r.node,
        r.u64(Field::Lport)?,
        r.node_field(Field::Peer)?,
        r.u64(Field::Pport)?,
    ))
}

/// A file-name part for a connection: `a-49152-b-80`.
pub fn conn_name(topo: &Topology, c: Conn) -> String {
    name_of(&NodeNames::of(topo), c)
}

pub(crate) fn name_of(names: &NodeNames, c: Conn) -> String {
    format!("{}-{}-{}-{}", names.name(c.0), c.1, names.name(c.2), c.3)
}

// ---------------------------------------------------------------- states

/// The state band's data, fed record by record: for the first
/// [`MAX_STATE_ROWS`] connections, at most [`MAX_STATE_CHANGES`] state
/// changes each (the first ones and the latest), and the time of the last
/// record.
#[derive(Debug, Clone, Default)]
pub struct StatesCollector {
    order: Vec<Conn>,
    spans: IdMap<Conn, Vec<(SimTime, String)>>,
    end: SimTime,
}

impl StatesCollector {
    /// Takes the next record.
    pub fn push(&mut self, r: &TraceRecord) {
        self.end = self.end.max(r.t);
        if r.kind != Kind::TcpState {
            return;
        }
        let (Some(c), Some(from), Some(to)) = (conn_of(r), r.text(Field::From), r.text(Field::To))
        else {
            return;
        };
        let v = match self.spans.get_mut(&c) {
            Some(v) => v,
            None if self.order.len() < MAX_STATE_ROWS => {
                self.order.push(c);
                self.spans
                    .entry(c)
                    .or_insert_with(|| vec![(r.t, from.to_string())])
            }
            None => return,
        };
        if v.len() >= MAX_STATE_CHANGES {
            // Keep the start and the latest state; the middle is lost.
            v.pop();
        }
        v.push((r.t, to.to_string()));
    }

    /// Draws the band titled `title`, or `None` without TCP.
    pub fn draw(
        &self,
        title: &str,
        names: &NodeNames,
        format: Format,
    ) -> Result<Option<Vec<u8>>, PlotError> {
        if self.order.is_empty() {
            return Ok(None);
        }
        let rows: Vec<Row> = self
            .order
            .iter()
            .map(|c| {
                let v = &self.spans[c];
                let mut bands = Vec::new();
                for (k, (t, st)) in v.iter().enumerate() {
                    let t1 = v.get(k + 1).map_or(self.end, |x| x.0);
                    // CLOSED is no connection at all, and a state left in
                    // the instant it was entered cannot be seen: neither is
                    // drawn (nor listed in the legend).
                    if st == "CLOSED" || t1 <= *t {
                        continue;
                    }
                    bands.push((*t, t1, st.clone()));
                }
                let name = format!("{}:{} > {}", names.name(c.0), c.1, names.name(c.2));
                (name, bands)
            })
            .collect();
        let picture = StatesPicture {
            title: title.to_string(),
            rows,
            end: self.end,
        };
        canvas::render(&picture, format).map(Some)
    }
}

/// Time on the state timeline: ln(1 + t / 1 ms), so a handshake of a few
/// milliseconds and a four-minute TIME_WAIT both show.
fn log_t(t: SimTime) -> f64 {
    (1.0 + t.as_nanos() as f64 / 1e6).ln()
}

/// Ticks for the log-time axis: 0, then 1, 2, 5 times powers of ten of
/// milliseconds, thinned to keep labels apart.
fn log_ticks(u_end: f64) -> Vec<(f64, String)> {
    let mut v = vec![(0.0, "0".to_string())];
    let mut decade = 0.001f64;
    let mut last = 0.0f64;
    while decade < 1e9 {
        for m in [1.0, 2.0, 5.0] {
            let ms = decade * m;
            let u = (1.0 + ms).ln();
            if u > u_end {
                return v;
            }
            // Keep ticks at least 1/14 of the axis apart.
            if u - last >= u_end / 14.0 {
                v.push((u, duration_label(ms * 1e6)));
                last = u;
            }
        }
        decade *= 10.0;
    }
    v
}

/// A short duration label: `500µs`, `2ms`, `1.5s`, `4min`.
fn duration_label(ns: f64) -> String {
    if ns < 1e6 {
        format!("{}µs", tick(ns / 1e3))
    } else if ns < 1e9 {
        format!("{}ms", tick(ns / 1e6))
    } else if ns < 120e9 {
        format!("{}s", tick(ns / 1e9))
    } else {
        format!("{}min", tick(ns / 60e9))
    }
}

/// A connection's name and its state bands (start, end, state).
type Row = (String, Vec<(SimTime, SimTime, String)>);

struct StatesPicture {
    title: String,
    rows: Vec<Row>,
    end: SimTime,
}

impl Draw for StatesPicture {
    fn size(&self) -> (u32, u32) {
        (W, (150 + 34 * self.rows.len() as u32).max(330))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let n = self.rows.len();
        let legend_w = 170u32;
        let u_end = log_t(self.end).max(0.1) * 1.02;
        let (chart_area, legend_area) = root.split_horizontally(W - legend_w);
        let label_w = self
            .rows
            .iter()
            .map(|(name, _)| crate::glyphs::width(name, 14.0, false))
            .fold(60.0, f64::max);
        let mut chart = ChartBuilder::on(&chart_area)
            .caption(&self.title, canvas::sans_bold(22.0))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size((label_w + 16.0) as u32)
            .build_cartesian_2d(0f64..u_end, 0f64..n as f64)
            .map_err(err)?;
        let names: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        chart
            .configure_mesh()
            .x_desc("time since start (log scale)")
            .x_labels(0)
            .y_labels(n.max(1) * 2 + 1)
            .y_label_formatter(&move |y: &f64| {
                let i = y.floor() as usize;
                if (y - i as f64 - 0.5).abs() < 0.01 && i < names.len() {
                    names[n - 1 - i].clone()
                } else {
                    String::new()
                }
            })
            .disable_mesh()
            .label_style(canvas::sans(14.0))
            .axis_desc_style(canvas::sans(16.0))
            .draw()
            .map_err(err)?;
        // Our own ticks on the log axis: round durations.
        let grey = RGBColor(200, 200, 200);
        for (u, label) in log_ticks(u_end) {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(u, 0.0), (u, n as f64)],
                    grey.stroke_width(1),
                )))
                .map_err(err)?;
            let (px, py) = chart.backend_coord(&(u, 0.0));
            let w = crate::glyphs::width(&label, 14.0, false);
            let (ox, oy) = chart_area.get_base_pixel();
            canvas::text(
                root,
                f64::from(px + ox) - w / 2.0,
                f64::from(py + oy) + 6.0,
                &canvas::sans(14.0),
                BLACK,
                &label,
            )?;
        }
        let mut seen: Vec<&str> = Vec::new();
        for (i, (_, bands)) in self.rows.iter().enumerate() {
            let row = (n - 1 - i) as f64;
            for (t0, t1, st) in bands {
                let (u0, u1) = (log_t(*t0), log_t(*t1).max(log_t(*t0) + u_end * 0.003));
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(u0, row + 0.15), (u1, row + 0.85)],
                        state_colour(st).filled(),
                    )))
                    .map_err(err)?;
                if !seen.contains(&st.as_str()) {
                    seen.push(st);
                }
            }
        }
        // The legend, in its own column, in the order states were first
        // drawn: only states that are drawn.
        for (i, st) in seen.iter().enumerate() {
            let y = 60 + 22 * i as i32;
            legend_area
                .draw(&Rectangle::new(
                    [(10, y + 3), (26, y + 15)],
                    state_colour(st).filled(),
                ))
                .map_err(err)?;
            canvas::text(
                &legend_area,
                32.0,
                f64::from(y),
                &canvas::sans(14.0),
                RGBColor(30, 30, 30),
                st,
            )?;
        }
        Ok(())
    }
}

/// `states`, or `None` without TCP (a thin wrapper over
/// [`StatesCollector`]).
pub fn states(
    title: &str,
    topo: &Topology,
    records: &[TraceRecord],
) -> Result<Option<Vec<u8>>, PlotError> {
    let mut c = StatesCollector::default();
    for r in records {
        c.push(r);
    }
    c.draw(title, &NodeNames::of(topo), Format::Png)
}

// ------------------------------------------------- sequence and window

/// Most SACK blocks kept per connection for the sequence plot.
pub const MAX_SACK_BLOCKS: usize = 4096;

/// The SACK blocks of received ACKs, as (time, left, right) in relative
/// sequence numbers, bounded: when [`MAX_SACK_BLOCKS`] are held every
/// second one is forgotten and from then on only every second block seen
/// is kept (then every fourth, ...), so what is kept depends only on the
/// blocks, and spreads over the whole run.
#[derive(Debug, Clone, Default)]
struct SackTicks {
    kept: Vec<(u64, f64, f64)>,
    stride: u64,
    seen: u64,
}

impl SackTicks {
    fn push(&mut self, t: u64, left: f64, right: f64) {
        // Block number k is kept while k is a multiple of the stride, so
        // kept[i] is block i * stride.
        let stride = self.stride.max(1);
        let k = self.seen;
        self.seen += 1;
        if !k.is_multiple_of(stride) {
            return;
        }
        self.kept.push((t, left, right));
        if self.kept.len() > MAX_SACK_BLOCKS {
            let mut i = 0;
            self.kept.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.stride = stride * 2;
        }
    }
}

/// What one connection end's plots need, thinned.
#[derive(Debug, Clone)]
struct Series {
    isn: Option<u64>,
    peer_scale: u32,
    sent: Thinned,
    rtx: Thinned,
    acks: Thinned,
    sacked: SackTicks,
    edge: Thinned,
    cwnd: Thinned,
    ssthresh: Thinned,
    srtt: Thinned,
    rto: Thinned,
}

impl Series {
    fn new(buckets: usize) -> Self {
        let t = || Thinned::with_limit(buckets);
        Series {
            isn: None,
            peer_scale: 0,
            sent: t(),
            rtx: t(),
            acks: t(),
            sacked: SackTicks::default(),
            edge: t(),
            cwnd: t(),
            ssthresh: t(),
            srtt: t(),
            rto: t(),
        }
    }

    fn promote(&mut self) {
        for s in [
            &mut self.sent,
            &mut self.rtx,
            &mut self.acks,
            &mut self.edge,
            &mut self.cwnd,
            &mut self.ssthresh,
            &mut self.srtt,
            &mut self.rto,
        ] {
            s.set_limit(crate::thin::MAX_BUCKETS);
        }
    }

    fn rel(&self, v: u64) -> f64 {
        f64::from((v as u32).wrapping_sub(self.isn.unwrap_or(0) as u32))
    }
}

/// The sequence and window plots' data, fed record by record.
///
/// Follows every connection end from its first record, because a
/// connection's first data segment may come long after its SYN; until it
/// sends data a connection keeps at most 16 buckets per series, and at most
/// [`MAX_CANDIDATES`] such connections are followed (the oldest is
/// forgotten). The first [`MAX_CONNECTIONS`] that send data keep their
/// series, each thinned to [`crate::thin::MAX_BUCKETS`] buckets. Memory is
/// bounded by these constants, not by the length of the run.
#[derive(Debug, Clone, Default)]
pub struct ConnCollector {
    /// Follow only this connection (for [`sequence`] and [`cwnd`]).
    only: Option<Conn>,
    senders: Vec<Conn>,
    followed: IdMap<Conn, Series>,
    candidates: VecDeque<Conn>,
}

impl ConnCollector {
    /// A collector for the first connections that send data.
    pub fn new() -> Self {
        ConnCollector::default()
    }

    /// A collector for connection `c` only.
    pub fn only(c: Conn) -> Self {
        ConnCollector {
            only: Some(c),
            ..ConnCollector::default()
        }
    }

    /// Connections that sent data, in order of their first data segment
    /// (at most [`MAX_CONNECTIONS`]).
    pub fn senders(&self) -> &[Conn] {
        &self.senders
    }

    fn series(&mut self, c: Conn) -> Option<&mut Series> {
        if self.only.is_some_and(|o| o != c) {
            return None;
        }
        if !self.followed.contains_key(&c) {
            if self.senders.len() >= MAX_CONNECTIONS && self.only.is_none() {
                // Only a connection already followed can still matter.
                return None;
            }
            if self.candidates.len() >= MAX_CANDIDATES
                && let Some(old) = self.candidates.pop_front()
            {
                self.followed.remove(&old);
            }
            self.candidates.push_back(c);
            self.followed.insert(c, Series::new(CANDIDATE_BUCKETS));
        }
        self.followed.get_mut(&c)
    }

    fn became_sender(&mut self, c: Conn) {
        if self.senders.contains(&c) || self.senders.len() >= MAX_CONNECTIONS {
            return;
        }
        if self.series(c).is_none() {
            return;
        }
        self.senders.push(c);
        self.candidates.retain(|x| *x != c);
        if let Some(s) = self.followed.get_mut(&c) {
            s.promote();
        }
        if self.senders.len() == MAX_CONNECTIONS {
            // Nobody else will be drawn: forget the candidates.
            for old in self.candidates.drain(..) {
                self.followed.remove(&old);
            }
        }
    }

    /// Takes the next record.
    pub fn push(&mut self, r: &TraceRecord) {
        let t = r.t.as_nanos();
        match r.kind {
            Kind::LinkTransmit if r.text(Field::Proto) == Some("tcp") => {
                let (Some(src), Some(from)) = (r.node_field(Field::Src), r.node_field(Field::From))
                else {
                    return;
                };
                if src != from {
                    return; // forwarded by a router
                }
                let (Some(sp), Some(dst), Some(dp)) = (
                    r.u64(Field::Sport),
                    r.node_field(Field::Dst),
                    r.u64(Field::Dport),
                ) else {
                    return;
                };
                let c = (src, sp, dst, dp);
                let len = r.u64(Field::Len).unwrap_or(0);
                if len > 0 {
                    self.became_sender(c);
                }
                let flags = r.text(Field::Flags).unwrap_or("");
                let Some(s) = self.series(c) else { return };
                let seq = r.u64(Field::Seq).unwrap_or(0);
                if flags.contains("SYN") {
                    s.isn.get_or_insert(seq);
                }
                if len > 0 {
                    let y = s.rel(seq) + len as f64;
                    if r.field(Field::Rtx) == Some(&Value::Bool(true)) {
                        s.rtx.push(t, y);
                    } else {
                        s.sent.push(t, y);
                    }
                }
            }
            Kind::LinkDeliver if r.text(Field::Proto) == Some("tcp") => {
                let (Some(src), Some(sp), Some(dp)) = (
                    r.node_field(Field::Src),
                    r.u64(Field::Sport),
                    r.u64(Field::Dport),
                ) else {
                    return;
                };
                if r.node_field(Field::To) != Some(r.node) {
                    return;
                }
                let c = (r.node, dp, src, sp);
                if !self.followed.contains_key(&c) && self.only.is_none_or(|o| o != c) {
                    // ACKs for a connection that has sent nothing yet are
                    // followed only once it exists.
                    if self.senders.len() >= MAX_CONNECTIONS {
                        return;
                    }
                }
                let flags = r.text(Field::Flags).unwrap_or("");
                let Some(s) = self.series(c) else { return };
                if flags.contains("SYN") {
                    s.peer_scale = r.u64(Field::Wscale).unwrap_or(0) as u32;
                    return;
                }
                if flags.contains("ACK") {
                    let ack = s.rel(r.u64(Field::Ack).unwrap_or(0));
                    s.acks.push(t, ack);
                    // RFC 2018 §3: each block is data received above the
                    // cumulative ACK, drawn as tcptrace draws SACKs.
                    if let Some(Value::List(blocks)) = r.field(Field::Sack) {
                        for b in blocks {
                            if let Value::List(p) = b
                                && let [Value::U64(left), Value::U64(right)] = p.as_slice()
                            {
                                let (l, rr) = (s.rel(*left), s.rel(*right));
                                s.sacked.push(t, l, rr);
                            }
                        }
                    }
                    let wnd = (r.u64(Field::Wnd).unwrap_or(0) << s.peer_scale) as f64;
                    s.edge.push(t, ack + wnd);
                }
            }
            Kind::TcpCwnd | Kind::TcpRtt => {
                let Some(c) = conn_of(r) else { return };
                if !self.followed.contains_key(&c) && self.senders.len() >= MAX_CONNECTIONS {
                    return;
                }
                let Some(s) = self.series(c) else { return };
                if r.kind == Kind::TcpCwnd {
                    s.cwnd.push(t, r.u64(Field::Cwnd).unwrap_or(0) as f64);
                    let ss = r.u64(Field::Ssthresh).unwrap_or(0);
                    // "Arbitrarily high" before the first loss: not drawn.
                    if ss < (1 << 31) {
                        s.ssthresh.push(t, ss as f64);
                    }
                } else {
                    s.srtt.push(t, r.u64(Field::SrttNs).unwrap_or(0) as f64);
                    s.rto.push(t, r.u64(Field::RtoNs).unwrap_or(0) as f64);
                }
            }
            _ => {}
        }
    }

    /// The time-sequence graph of `c`.
    pub fn draw_sequence(
        &self,
        title: &str,
        c: Conn,
        format: Format,
    ) -> Result<Vec<u8>, PlotError> {
        let s = self
            .followed
            .get(&c)
            .ok_or_else(|| err("connection not followed"))?;
        if s.sent.is_empty() && s.rtx.is_empty() {
            return Err(err("no data segment"));
        }
        canvas::render(
            &SeqPicture {
                title: title.to_string(),
                sent: s.sent.points(),
                rtx: s.rtx.points(),
                acks: s.acks.points(),
                sacked: s.sacked.kept.clone(),
                edge: s.edge.points(),
            },
            format,
        )
    }

    /// cwnd and ssthresh of `c`, with SRTT and RTO on a second axis.
    pub fn draw_cwnd(&self, title: &str, c: Conn, format: Format) -> Result<Vec<u8>, PlotError> {
        let s = self
            .followed
            .get(&c)
            .ok_or_else(|| err("connection not followed"))?;
        if s.cwnd.is_empty() {
            return Err(err("no cwnd record"));
        }
        canvas::render(
            &CwndPicture {
                title: title.to_string(),
                cwnd: s.cwnd.points(),
                ssthresh: s.ssthresh.points(),
                srtt: s.srtt.points(),
                rto: s.rto.points(),
            },
            format,
        )
    }
}

/// The grid, ticks and axis names of a plot against time (the sequence,
/// window and time-series pictures share them).
pub(crate) fn time_mesh<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    x_desc: &str,
    y_desc: &str,
) -> Result<(), PlotError> {
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|x: &f64| tick(*x))
        .y_label_formatter(&|y: &f64| tick(*y))
        .light_line_style(RGBColor(235, 235, 235))
        .label_style(canvas::sans(14.0))
        .axis_desc_style(canvas::sans(16.0))
        .draw()
        .map_err(err)
}

/// A step function through `points` (each value holds until the next),
/// carried on to `end`, in display units.
fn steps(points: &[(u64, f64)], end: u64, tu: Unit, yu: Unit) -> Vec<(f64, f64)> {
    let mut v = Vec::with_capacity(points.len() * 2 + 1);
    for (i, (t, y)) in points.iter().enumerate() {
        if i > 0 {
            v.push((tu.of(*t as f64), yu.of(points[i - 1].1)));
        }
        v.push((tu.of(*t as f64), yu.of(*y)));
    }
    if let Some((t, y)) = points.last()
        && end > *t
    {
        v.push((tu.of(end as f64), yu.of(*y)));
    }
    v
}

fn span(series: &[&[(u64, f64)]]) -> Option<(u64, u64)> {
    let mut it = series.iter().flat_map(|s| s.iter().map(|p| p.0));
    let first = it.next()?;
    Some(it.fold((first, first), |(a, b), t| (a.min(t), b.max(t))))
}

fn ymax(series: &[&[(u64, f64)]]) -> f64 {
    series
        .iter()
        .flat_map(|s| s.iter().map(|p| p.1))
        .fold(0.0, f64::max)
}

struct SeqPicture {
    title: String,
    sent: Vec<(u64, f64)>,
    rtx: Vec<(u64, f64)>,
    acks: Vec<(u64, f64)>,
    /// SACK blocks: (time, left, right).
    sacked: Vec<(u64, f64, f64)>,
    edge: Vec<(u64, f64)>,
}

const BLUE_: RGBColor = RGBColor(31, 119, 180);
const RED_: RGBColor = RGBColor(214, 39, 40);
const GREEN_: RGBColor = RGBColor(44, 160, 44);
const GREY_: RGBColor = RGBColor(150, 150, 150);
const ORANGE_: RGBColor = RGBColor(255, 127, 14);
const PURPLE_: RGBColor = RGBColor(148, 103, 189);

impl Draw for SeqPicture {
    fn size(&self) -> (u32, u32) {
        (W, 620)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let sack_ends: Vec<(u64, f64)> = self.sacked.iter().map(|b| (b.0, b.2)).collect();
        let all: [&[(u64, f64)]; 5] = [&self.sent, &self.rtx, &self.acks, &self.edge, &sack_ends];
        let (t0, t1) = span(&all).ok_or_else(|| err("nothing to plot"))?;
        let tu = Unit::time((t1 - t0) as f64);
        let yu = Unit::bytes(ymax(&all));
        let (x0, x1) = (tu.of(t0 as f64), tu.of(t1 as f64));
        let pad = ((x1 - x0) * 0.02).max(tu.of(1e3));
        let y1 = yu.of(ymax(&all).max(1.0)) * 1.05;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, canvas::sans_bold(22.0))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d((x0 - pad)..(x1 + pad), 0f64..y1)
            .map_err(err)?;
        time_mesh(
            &mut chart,
            &format!("time ({})", tu.name),
            &format!("relative sequence number ({})", yu.name),
        )?;
        let at = |p: &(u64, f64)| (tu.of(p.0 as f64), yu.of(p.1));
        if !self.edge.is_empty() {
            chart
                .draw_series(LineSeries::new(
                    steps(&self.edge, t1, tu, yu),
                    GREY_.stroke_width(1),
                ))
                .map_err(err)?
                .label("receive window right edge")
                .legend(line_key(GREY_, 2));
        }
        if !self.acks.is_empty() {
            chart
                .draw_series(LineSeries::new(
                    steps(&self.acks, t1, tu, yu),
                    GREEN_.stroke_width(2),
                ))
                .map_err(err)?
                .label("ACK received")
                .legend(line_key(GREEN_, 2));
        }
        if !self.sacked.is_empty() {
            // A short vertical bar over each block's range at the time its
            // ACK arrived, with small ticks at its ends (tcptrace's "SACK").
            let tick_w = (x1 - x0 + 2.0 * pad) * 0.003;
            chart
                .draw_series(self.sacked.iter().map(|(t, l, r)| {
                    let x = tu.of(*t as f64);
                    let (yl, yr) = (yu.of(*l), yu.of(*r));
                    PathElement::new(
                        vec![(x - tick_w, yl), (x, yl), (x, yr), (x - tick_w, yr)],
                        PURPLE_.stroke_width(2),
                    )
                }))
                .map_err(err)?
                .label("SACKed (block of an ACK received)")
                .legend(line_key(PURPLE_, 2));
        }
        if !self.sent.is_empty() {
            chart
                .draw_series(
                    self.sent
                        .iter()
                        .map(|p| Circle::new(at(p), 2, BLUE_.filled())),
                )
                .map_err(err)?
                .label("data sent (segment end)")
                .legend(move |(x, y)| Circle::new((x + 9, y), 3, BLUE_.filled()));
        }
        if !self.rtx.is_empty() {
            chart
                .draw_series(
                    self.rtx
                        .iter()
                        .map(|p| Cross::new(at(p), 5, RED_.stroke_width(2))),
                )
                .map_err(err)?
                .label("retransmission")
                .legend(move |(x, y)| Cross::new((x + 9, y), 4, RED_.stroke_width(2)));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, 13)
    }
}

struct CwndPicture {
    title: String,
    cwnd: Vec<(u64, f64)>,
    ssthresh: Vec<(u64, f64)>,
    srtt: Vec<(u64, f64)>,
    rto: Vec<(u64, f64)>,
}

impl Draw for CwndPicture {
    fn size(&self) -> (u32, u32) {
        (W, 620)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let all: [&[(u64, f64)]; 4] = [&self.cwnd, &self.ssthresh, &self.srtt, &self.rto];
        let (t0, t1) = span(&all).ok_or_else(|| err("nothing to plot"))?;
        let t1 = t1.max(t0 + 1000);
        let tu = Unit::time((t1 - t0) as f64);
        let wu = Unit::bytes(ymax(&[&self.cwnd, &self.ssthresh]));
        let ru = Unit::time(ymax(&[&self.srtt, &self.rto]));
        let (x0, x1) = (tu.of(t0 as f64), tu.of(t1 as f64));
        let y1 = wu.of(ymax(&[&self.cwnd, &self.ssthresh]).max(1.0)) * 1.1;
        let r1 = ru.of(ymax(&[&self.srtt, &self.rto]).max(1.0)) * 1.1;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, canvas::sans_bold(22.0))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .right_y_label_area_size(80)
            .build_cartesian_2d(x0..x1, 0f64..y1)
            .map_err(err)?
            .set_secondary_coord(x0..x1, 0f64..r1);
        time_mesh(
            &mut chart,
            &format!("time ({})", tu.name),
            &format!("window ({})", wu.name),
        )?;
        chart
            .configure_secondary_axes()
            .y_desc(format!("RTT estimate ({})", ru.name))
            .y_label_formatter(&|y: &f64| tick(*y))
            .label_style(canvas::sans(14.0))
            .axis_desc_style(canvas::sans(16.0))
            .draw()
            .map_err(err)?;
        for (points, colour, label) in [
            (&self.cwnd, BLUE_, "cwnd"),
            (&self.ssthresh, ORANGE_, "ssthresh"),
        ] {
            if points.is_empty() {
                continue;
            }
            chart
                .draw_series(LineSeries::new(
                    steps(points, t1, tu, wu),
                    colour.stroke_width(2),
                ))
                .map_err(err)?
                .label(format!("{label} ({})", wu.name))
                .legend(line_key(colour, 2));
        }
        for (points, colour, label) in [(&self.srtt, GREEN_, "SRTT"), (&self.rto, PURPLE_, "RTO")] {
            if points.is_empty() {
                continue;
            }
            chart
                .draw_secondary_series(LineSeries::new(
                    steps(points, t1, tu, ru),
                    colour.stroke_width(1),
                ))
                .map_err(err)?
                .label(format!("{label} ({}, right axis)", ru.name))
                .legend(line_key(colour, 2));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, 13)
    }
}

/// Connections that sent data, in order of their first data segment (a
/// thin wrapper over [`ConnCollector`]).
pub fn data_senders(records: &[TraceRecord]) -> Vec<Conn> {
    let mut c = ConnCollector::new();
    for r in records {
        c.push(r);
    }
    c.senders
}

/// The time-sequence graph of connection `c`'s sending side (PNG).
pub fn sequence(title: &str, records: &[TraceRecord], c: Conn) -> Result<Vec<u8>, PlotError> {
    let mut col = ConnCollector::only(c);
    for r in records {
        col.push(r);
    }
    col.draw_sequence(title, c, Format::Png)
}

/// cwnd and ssthresh of connection `c`, with SRTT and RTO on a second axis
/// (PNG).
pub fn cwnd(title: &str, records: &[TraceRecord], c: Conn) -> Result<Vec<u8>, PlotError> {
    let mut col = ConnCollector::only(c);
    for r in records {
        col.push(r);
    }
    col.draw_cwnd(title, c, Format::Png)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sack_blocks_stay_bounded_and_spread_over_the_run() {
        let mut s = SackTicks::default();
        let n = 5 * MAX_SACK_BLOCKS as u64 + 3;
        for k in 0..n {
            s.push(k, k as f64, k as f64 + 1.0);
        }
        assert!(s.kept.len() <= MAX_SACK_BLOCKS);
        assert!(s.kept.len() > MAX_SACK_BLOCKS / 4);
        // Evenly spaced blocks, from the first to near the last.
        let stride = s.stride;
        assert!(
            s.kept
                .iter()
                .enumerate()
                .all(|(i, b)| b.0 == i as u64 * stride)
        );
        assert!(s.kept.last().unwrap().0 + stride >= n - 1);
    }
}
