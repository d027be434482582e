//! Per-run plots of TCP connections, from the trace: `states.png` (a band
//! per connection, coloured by state over time) and, for each connection
//! that sent data, `seq-<conn>.png` (the time-sequence graph: data sent,
//! retransmissions, ACKs received and the receive window's right edge) and
//! `cwnd-<conn>.png` (cwnd and ssthresh, with SRTT and RTO on a second axis).
//! Long transfers are decimated to a few thousand points per series.

use sim_core::{Field, Kind};
use std::collections::BTreeMap;

use plotters::prelude::*;
use plotters::style::FontStyle;
use sim_core::{NodeId, SimTime, Topology, TraceRecord, Value};

use crate::ladder::state_colour;
use crate::plot::{PlotError, draw_legend, encode_rgb, err, fonts, line_key};

const W: u32 = 1000;
/// Most points drawn per series.
const MAX_POINTS: usize = 4000;
/// Most connections that get their own sequence and cwnd plots.
pub const MAX_CONNECTIONS: usize = 8;

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
    format!("{}-{}-{}-{}", topo.name(c.0), c.1, topo.name(c.2), c.3)
}

fn secs(t: SimTime) -> f64 {
    t.as_nanos() as f64 / 1e9
}

fn thin<T: Clone>(v: Vec<T>) -> Vec<T> {
    let stride = v.len().div_ceil(MAX_POINTS).max(1);
    v.into_iter().step_by(stride).collect()
}

/// Time on the state timeline: ln(1 + t / 1 ms), so a handshake of a few
/// milliseconds and a four-minute TIME_WAIT both show.
fn log_t(t: SimTime) -> f64 {
    (1.0 + t.as_nanos() as f64 / 1e6).ln()
}

/// A tick label for a log-time position.
fn log_tick(u: f64) -> String {
    let ms = (u.exp() - 1.0).max(0.0);
    if ms < 1.0 {
        format!("{:.2}ms", ms)
    } else if ms < 1000.0 {
        format!("{}ms", crate::plot::tick((ms * 10.0).round() / 10.0))
    } else {
        format!("{}s", crate::plot::tick((ms / 100.0).round() / 10.0))
    }
}

/// `states.png`, or `None` without TCP.
pub fn states(
    title: &str,
    topo: &Topology,
    records: &[TraceRecord],
) -> Result<Option<Vec<u8>>, PlotError> {
    let mut spans: BTreeMap<Conn, Vec<(SimTime, String)>> = BTreeMap::new();
    let mut order: Vec<Conn> = Vec::new();
    let mut end = SimTime::ZERO;
    for r in records {
        end = end.max(r.t);
        if r.kind != Kind::TcpState {
            continue;
        }
        let (Some(c), Some(from), Some(to)) = (conn_of(r), r.text(Field::From), r.text(Field::To))
        else {
            continue;
        };
        let v = spans.entry(c).or_default();
        if v.is_empty() {
            order.push(c);
            v.push((r.t, from.to_string()));
        }
        v.push((r.t, to.to_string()));
    }
    if order.is_empty() {
        return Ok(None);
    }
    fonts();
    let order: Vec<Conn> = order.into_iter().take(40).collect();
    let n = order.len();
    let legend_w = 170u32;
    let h = (150 + 34 * n as u32).max(330);
    let u_end = log_t(end).max(0.1) * 1.02;
    let mut buf = vec![0u8; (W * h * 3) as usize];
    let mut states_seen: Vec<String> = Vec::new();
    {
        let root = BitMapBackend::with_buffer(&mut buf, (W, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (chart_area, _legend_area) = root.split_horizontally(W - legend_w);
        let names: Vec<String> = order
            .iter()
            .map(|c| format!("{} :{} > {}", topo.name(c.0), c.1, topo.name(c.2)))
            .collect();
        let mut chart = ChartBuilder::on(&chart_area)
            .caption(title, ("sans-serif", 22, FontStyle::Bold))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(150)
            .build_cartesian_2d(0f64..u_end, 0f64..n as f64)
            .map_err(err)?;
        let label_names = names.clone();
        chart
            .configure_mesh()
            .x_desc("time (log scale)")
            .x_label_formatter(&|u: &f64| log_tick(*u))
            .y_labels(n.max(1) * 2 + 1)
            .y_label_formatter(&move |y: &f64| {
                let i = y.floor() as usize;
                if (y - i as f64 - 0.5).abs() < 0.01 && i < label_names.len() {
                    label_names[n - 1 - i].clone()
                } else {
                    String::new()
                }
            })
            .disable_y_mesh()
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 16))
            .draw()
            .map_err(err)?;
        for (i, c) in order.iter().enumerate() {
            let row = (n - 1 - i) as f64;
            let v = &spans[c];
            for (k, (t, st)) in v.iter().enumerate() {
                // CLOSED before the first change and after the last is no
                // connection at all: left blank.
                if st == "CLOSED" {
                    continue;
                }
                let t1 = v.get(k + 1).map_or(end, |x| x.0);
                let (u0, u1) = (log_t(*t), log_t(t1).max(log_t(*t) + u_end * 0.003));
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(u0, row + 0.15), (u1, row + 0.85)],
                        state_colour(st).filled(),
                    )))
                    .map_err(err)?;
                if !states_seen.contains(st) {
                    states_seen.push(st.clone());
                }
            }
        }
        root.present().map_err(err)?;
    }
    // The legend, in its own column, in the order states were first seen.
    let x0 = f64::from(W - legend_w) + 10.0;
    let mut labels = Vec::new();
    for (i, st) in states_seen.iter().enumerate() {
        let y = 60.0 + 22.0 * i as f64;
        let c = state_colour(st);
        for py in (y as u32 + 3)..(y as u32 + 15) {
            for px in (x0 as u32)..(x0 as u32 + 16) {
                let k = ((py * W + px) * 3) as usize;
                buf[k..k + 3].copy_from_slice(&[c.0, c.1, c.2]);
            }
        }
        labels.push(crate::glyphs::Label {
            x: x0 + 22.0,
            y,
            size: 14.0,
            rgb: [30, 30, 30],
            text: st.clone(),
            bold: false,
            bg: None,
        });
    }
    crate::glyphs::draw(&mut buf, W, h, &labels);
    encode_rgb(buf, W, h).map(Some)
}

/// Connections that sent data, in order of their first data segment.
pub fn data_senders(records: &[TraceRecord]) -> Vec<Conn> {
    let mut v: Vec<Conn> = Vec::new();
    for r in records.iter().filter(|r| r.kind == Kind::LinkTransmit) {
        if r.text(Field::Proto) != Some("tcp") || r.u64(Field::Len).unwrap_or(0) == 0 {
            continue;
        }
        let (Some(src), Some(from)) = (r.node_field(Field::Src), r.node_field(Field::From)) else {
            continue;
        };
        if src != from {
            continue; // forwarded by a router
        }
        let (Some(sp), Some(dst), Some(dp)) = (
            r.u64(Field::Sport),
            r.node_field(Field::Dst),
            r.u64(Field::Dport),
        ) else {
            continue;
        };
        let c = (src, sp, dst, dp);
        if !v.contains(&c) {
            v.push(c);
        }
    }
    v.truncate(MAX_CONNECTIONS);
    v
}

/// The time-sequence graph of connection `c`'s sending side.
pub fn sequence(title: &str, records: &[TraceRecord], c: Conn) -> Result<Vec<u8>, PlotError> {
    let (me, lport, peer, pport) = c;
    let mut isn: Option<u64> = None;
    let mut sent = Vec::new();
    let mut rtx = Vec::new();
    let mut acks = Vec::new();
    let mut edge = Vec::new();
    let mut peer_scale = 0u32;
    let rel =
        |isn: Option<u64>, v: u64| f64::from((v as u32).wrapping_sub(isn.unwrap_or(0) as u32));
    // Cheap tests first: a million-event trace is scanned once.
    let candidates = records.iter().filter(|r| {
        (r.kind == Kind::LinkTransmit || (r.kind == Kind::LinkDeliver && r.node == me))
            && r.text(Field::Proto) == Some("tcp")
    });
    for r in candidates {
        let flags = r.text(Field::Flags).unwrap_or("");
        if r.kind == Kind::LinkTransmit
            && r.node_field(Field::Src) == Some(me)
            && r.node_field(Field::From) == Some(me)
            && r.u64(Field::Sport) == Some(lport)
            && r.u64(Field::Dport) == Some(pport)
        {
            let seq = r.u64(Field::Seq).unwrap_or(0);
            if flags.contains("SYN") {
                isn.get_or_insert(seq);
            }
            let len = r.u64(Field::Len).unwrap_or(0);
            if len > 0 {
                let p = (secs(r.t), rel(isn, seq) + len as f64);
                if r.field(Field::Rtx) == Some(&Value::Bool(true)) {
                    rtx.push(p);
                } else {
                    sent.push(p);
                }
            }
        } else if r.kind == Kind::LinkDeliver
            && r.node == me
            && r.node_field(Field::Src) == Some(peer)
            && r.u64(Field::Sport) == Some(pport)
            && r.u64(Field::Dport) == Some(lport)
        {
            if flags.contains("SYN") {
                peer_scale = r.u64(Field::Wscale).unwrap_or(0) as u32;
                continue;
            }
            if flags.contains("ACK") {
                let ack = rel(isn, r.u64(Field::Ack).unwrap_or(0));
                acks.push((secs(r.t), ack));
                let wnd = (r.u64(Field::Wnd).unwrap_or(0) << peer_scale) as f64;
                edge.push((secs(r.t), ack + wnd));
            }
        }
    }
    let series = [thin(sent), thin(rtx), thin(acks), thin(edge)];
    let xs = series.iter().flatten().map(|p| p.0);
    let ys = series.iter().flatten().map(|p| p.1);
    let (x0, x1) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let y1 = ys.fold(1.0f64, f64::max);
    if !x0.is_finite() {
        return Err(err("no data segment"));
    }
    fonts();
    let h = 620;
    let mut buf = vec![0u8; (W * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (W, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let pad = ((x1 - x0) * 0.02).max(1e-4);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22, FontStyle::Bold))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(90)
            .build_cartesian_2d((x0 - pad)..(x1 + pad), 0f64..(y1 * 1.05))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc("relative sequence number (bytes)")
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 16))
            .draw()
            .map_err(err)?;
        let [sent, rtx, acks, edge] = series;
        let blue = RGBColor(31, 119, 180);
        let red = RGBColor(214, 39, 40);
        let green = RGBColor(44, 160, 44);
        let grey = RGBColor(150, 150, 150);
        chart
            .draw_series(LineSeries::new(edge, grey.stroke_width(1)))
            .map_err(err)?
            .label("receive window right edge")
            .legend(line_key(grey, 2));
        chart
            .draw_series(LineSeries::new(acks, green.stroke_width(2)))
            .map_err(err)?
            .label("ACK received")
            .legend(line_key(green, 2));
        chart
            .draw_series(sent.iter().map(|p| Circle::new(*p, 2, blue.filled())))
            .map_err(err)?
            .label("data sent (segment end)")
            .legend(move |(x, y)| Circle::new((x + 9, y), 3, blue.filled()));
        chart
            .draw_series(rtx.iter().map(|p| Cross::new(*p, 5, red.stroke_width(2))))
            .map_err(err)?
            .label("retransmission")
            .legend(move |(x, y)| Cross::new((x + 9, y), 4, red.stroke_width(2)));
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, 13)?;
        root.present().map_err(err)?;
    }
    encode_rgb(buf, W, h)
}

/// cwnd and ssthresh of connection `c` (KB), with SRTT and RTO (ms) on a
/// second axis.
pub fn cwnd(title: &str, records: &[TraceRecord], c: Conn) -> Result<Vec<u8>, PlotError> {
    let mut cw = Vec::new();
    let mut ss = Vec::new();
    let mut srtt = Vec::new();
    let mut rto = Vec::new();
    for r in records.iter().filter(|r| {
        (r.kind == Kind::TcpCwnd || r.kind == Kind::TcpRtt)
            && r.node == c.0
            && conn_of(r) == Some(c)
    }) {
        match r.kind {
            Kind::TcpCwnd => {
                let t = secs(r.t);
                cw.push((t, r.u64(Field::Cwnd).unwrap_or(0) as f64 / 1000.0));
                let s = r.u64(Field::Ssthresh).unwrap_or(0);
                // "Arbitrarily high" before the first loss: not drawn.
                if s < (1 << 31) {
                    ss.push((t, s as f64 / 1000.0));
                }
            }
            Kind::TcpRtt => {
                let t = secs(r.t);
                srtt.push((t, r.u64(Field::SrttNs).unwrap_or(0) as f64 / 1e6));
                rto.push((t, r.u64(Field::RtoNs).unwrap_or(0) as f64 / 1e6));
            }
            _ => {}
        }
    }
    if cw.is_empty() {
        return Err(err("no cwnd record"));
    }
    let (cw, ss, srtt, rto) = (thin(cw), thin(ss), thin(srtt), thin(rto));
    let x0 = cw
        .first()
        .map_or(0.0, |p| p.0)
        .min(srtt.first().map_or(f64::INFINITY, |p| p.0));
    let x1 = cw
        .iter()
        .chain(&srtt)
        .map(|p| p.0)
        .fold(x0 + 1e-3, f64::max);
    let y1 = cw.iter().chain(&ss).map(|p| p.1).fold(1.0, f64::max) * 1.1;
    let r1 = rto.iter().chain(&srtt).map(|p| p.1).fold(1.0, f64::max) * 1.1;
    fonts();
    let h = 620;
    let mut buf = vec![0u8; (W * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (W, h)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22, FontStyle::Bold))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .right_y_label_area_size(80)
            .build_cartesian_2d(x0..x1, 0f64..y1)
            .map_err(err)?
            .set_secondary_coord(x0..x1, 0f64..r1);
        chart
            .configure_mesh()
            .x_desc("time (s)")
            .y_desc("window (kB)")
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 16))
            .draw()
            .map_err(err)?;
        chart
            .configure_secondary_axes()
            .y_desc("time (ms)")
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 16))
            .draw()
            .map_err(err)?;
        let blue = RGBColor(31, 119, 180);
        let orange = RGBColor(255, 127, 14);
        let green = RGBColor(44, 160, 44);
        let purple = RGBColor(148, 103, 189);
        let step = |v: Vec<(f64, f64)>| -> Vec<(f64, f64)> {
            let mut out = Vec::with_capacity(v.len() * 2);
            for (i, p) in v.iter().enumerate() {
                if i > 0 {
                    out.push((p.0, v[i - 1].1));
                }
                out.push(*p);
            }
            out
        };
        chart
            .draw_series(LineSeries::new(step(cw), blue.stroke_width(2)))
            .map_err(err)?
            .label("cwnd (kB)")
            .legend(line_key(blue, 2));
        chart
            .draw_series(LineSeries::new(step(ss), orange.stroke_width(2)))
            .map_err(err)?
            .label("ssthresh (kB)")
            .legend(line_key(orange, 2));
        chart
            .draw_secondary_series(LineSeries::new(srtt, green.stroke_width(1)))
            .map_err(err)?
            .label("SRTT (ms)")
            .legend(line_key(green, 2));
        chart
            .draw_secondary_series(LineSeries::new(rto, purple.stroke_width(1)))
            .map_err(err)?
            .label("RTO (ms)")
            .legend(line_key(purple, 2));
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft, 13)?;
        root.present().map_err(err)?;
    }
    encode_rgb(buf, W, h)
}
