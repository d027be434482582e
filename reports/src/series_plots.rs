//! Pictures of the time series (`timeseries.csv`): `throughput` (every
//! flow's delivery rate against time, on one plot) and `queue-<from>-<to>`
//! (a link direction's queue against time).
//!
//! [`SeriesCollector`] is fed row by row and holds bounded state: the first
//! [`MAX_FLOWS`] receiving flow ends and the first [`MAX_QUEUES`] link
//! directions whose queue ever held a packet, each thinned
//! ([`crate::thin`]). The CSV has every series; the pictures show these.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::canvas::{self, Draw, Format};
use crate::conn_plots::time_mesh;
use crate::plot::{COLOURS, PlotError, Unit, draw_legend, err, line_key};
use crate::series::{Series, SeriesRow};
use crate::thin::Thinned;

/// Most flows drawn on the throughput plot (one colour each).
pub const MAX_FLOWS: usize = COLOURS.len();
/// Most link directions that get a queue plot.
pub const MAX_QUEUES: usize = 8;

/// The rows the pictures need.
#[derive(Debug, Default, Clone)]
pub struct SeriesCollector {
    flows: Vec<(String, Thinned)>,
    queues: Vec<(String, Thinned)>,
    /// Link directions whose queue has been empty at every sample so far,
    /// with their samples, until one is not (then it moves to `queues`)
    /// or [`MAX_QUEUES`] others did.
    empty: Vec<(String, Thinned)>,
}

impl SeriesCollector {
    /// Takes the next row (rows come in time order).
    pub fn push(&mut self, r: &SeriesRow) {
        let t = r.t.as_nanos();
        match r.series {
            Series::DeliveredBps => {
                if let Some(s) = find(&mut self.flows, &r.key) {
                    s.push(t, r.value as f64);
                } else if self.flows.len() < MAX_FLOWS {
                    let mut s = Thinned::new();
                    s.push(t, r.value as f64);
                    self.flows.push((r.key.clone(), s));
                }
            }
            Series::QueuePackets => {
                if let Some(s) = find(&mut self.queues, &r.key) {
                    s.push(t, r.value as f64);
                    return;
                }
                if self.queues.len() >= MAX_QUEUES {
                    return;
                }
                // Zeros before a direction's first packet are kept (its
                // plot starts at the first sample), but only for as many
                // directions as could still get a plot.
                let at = self.empty.iter().position(|(k, _)| *k == r.key);
                let mut s = match at {
                    Some(i) => self.empty.swap_remove(i).1,
                    None => Thinned::new(),
                };
                s.push(t, r.value as f64);
                if r.value > 0 {
                    self.queues.push((r.key.clone(), s));
                } else if self.empty.len() < 4 * MAX_QUEUES || at.is_some() {
                    self.empty.push((r.key.clone(), s));
                }
            }
            _ => {}
        }
    }

    /// `throughput` and `queue-<from>-<to>` as (file stem, bytes); none if
    /// there is nothing to show.
    pub fn draw(&self, title: &str, format: Format) -> Vec<(String, Vec<u8>)> {
        let mut v = Vec::new();
        if !self.flows.is_empty() {
            let lines = self
                .flows
                .iter()
                .map(|(k, s)| (k.clone(), s.points()))
                .collect();
            let p = LinesPicture {
                title: format!("{title}: throughput"),
                y_desc: "delivered",
                unit: Rate,
                lines,
            };
            if let Ok(b) = canvas::render(&p, format) {
                v.push(("throughput".to_string(), b));
            }
        }
        for (k, s) in &self.queues {
            let p = LinesPicture {
                title: format!("{title}: queue {k}"),
                y_desc: "packets waiting",
                unit: Count,
                lines: vec![(k.clone(), s.points())],
            };
            if let Ok(b) = canvas::render(&p, format) {
                v.push((format!("queue-{}", file_part(k)), b));
            }
        }
        v
    }
}

fn find<'a>(v: &'a mut [(String, Thinned)], key: &str) -> Option<&'a mut Thinned> {
    v.iter_mut().find(|(k, _)| k == key).map(|(_, s)| s)
}

/// A file-name part for a link direction `a->b`: `a-b`, every character
/// but letters, digits, `.` and `_` made `_`.
fn file_part(key: &str) -> String {
    key.replacen("->", "-", 1)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// How a plot's values read.
trait YUnit {
    /// The unit for values up to `max`: its name and scale.
    fn unit(&self, max: f64) -> (String, f64);
}

struct Rate;
struct Count;

impl YUnit for Rate {
    fn unit(&self, max: f64) -> (String, f64) {
        match max {
            m if m >= 1e9 => ("Gbit/s".into(), 1e9),
            m if m >= 1e6 => ("Mbit/s".into(), 1e6),
            m if m >= 1e3 => ("kbit/s".into(), 1e3),
            _ => ("bit/s".into(), 1.0),
        }
    }
}

impl YUnit for Count {
    fn unit(&self, _max: f64) -> (String, f64) {
        ("packets".into(), 1.0)
    }
}

/// Several sampled series against time, each a line through its samples.
struct LinesPicture<U> {
    title: String,
    y_desc: &'static str,
    unit: U,
    lines: Vec<(String, Vec<(u64, f64)>)>,
}

impl<U: YUnit> Draw for LinesPicture<U> {
    fn size(&self) -> (u32, u32) {
        (1000, 560)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let all = self.lines.iter().flat_map(|(_, p)| p.iter());
        let (t1, ymax) = all.fold((0u64, 0f64), |(t, y), p| (t.max(p.0), y.max(p.1)));
        let tu = Unit::time(t1.max(1) as f64);
        let (yname, yscale) = self.unit.unit(ymax);
        let y1 = (ymax / yscale).max(1.0) * 1.1;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, canvas::sans_bold(22.0))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(80)
            .build_cartesian_2d(0f64..tu.of(t1.max(1) as f64), 0f64..y1)
            .map_err(err)?;
        time_mesh(
            &mut chart,
            &format!("time ({})", tu.name),
            &format!("{} ({yname})", self.y_desc),
        )?;
        for (i, (label, points)) in self.lines.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            chart
                .draw_series(LineSeries::new(
                    points.iter().map(|p| (tu.of(p.0 as f64), p.1 / yscale)),
                    colour.stroke_width(2),
                ))
                .map_err(err)?
                .label(label.as_str())
                .legend(line_key(colour, 2));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 13)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::SimTime;

    fn row(t: u64, series: Series, key: &str, value: u64) -> SeriesRow {
        SeriesRow {
            t: SimTime(t),
            series,
            key: key.into(),
            value,
        }
    }

    #[test]
    fn draws_the_flows_and_the_queues_that_held_packets() {
        let mut c = SeriesCollector::default();
        for i in 1..=50u64 {
            let t = i * 100_000_000;
            c.push(&row(
                t,
                Series::DeliveredBps,
                "b:80-a:49152",
                4_000_000 + i * 1000,
            ));
            c.push(&row(t, Series::DeliveredBps, "d:80-c:49152", 1_000_000));
            c.push(&row(
                t,
                Series::QueuePackets,
                "r->b",
                if i > 10 { i % 20 } else { 0 },
            ));
            c.push(&row(t, Series::QueuePackets, "b->r", 0));
        }
        let drawn = c.draw("t", Format::Svg);
        let names: Vec<&str> = drawn.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["throughput", "queue-r-b"]);
        let svg = String::from_utf8(drawn[0].1.clone()).unwrap();
        assert!(
            svg.contains("b:80-a:49152") && svg.contains("Mbit/s"),
            "{svg}"
        );
        // The queue plot starts at the first sample, zeros included.
        assert_eq!(c.queues[0].1.points()[0], (100_000_000, 0.0));
    }

    #[test]
    fn file_parts_are_safe() {
        assert_eq!(file_part("r1->r2"), "r1-r2");
        assert_eq!(file_part("a b/c->d"), "a_b_c-d");
    }
}
