//! Every picture of a run, from records fed one at a time: `ladder`,
//! `states`, and `seq-<conn>` and `cwnd-<conn>` for each connection that
//! sent data (the first [`crate::conn_plots::MAX_CONNECTIONS`]); with time
//! series, `throughput` and `queue-<from>-<to>` ([`crate::series_plots`]).
//!
//! [`Pictures`] holds the ladder's, the states band's and the connection
//! plots' collectors; each is bounded by constants (see
//! [`crate::ladder::LadderCollector`], [`crate::conn_plots::StatesCollector`],
//! [`crate::conn_plots::ConnCollector`]), so memory does not grow with the
//! length of the run. [`Pictures::draw`] draws them all, as PNG or SVG; the
//! same records always give the same bytes.

use std::io;

use sim_core::{SimTime, TraceRecord};

use crate::canvas::Format;
use crate::conn_plots::{ConnCollector, StatesCollector, name_of};
use crate::ladder::LadderCollector;
use crate::series::SeriesRow;
use crate::series_plots::SeriesCollector;
use crate::sink::{NodeNames, RecordSink};

/// The pictures of one run, fed record by record.
#[derive(Debug, Clone)]
pub struct Pictures {
    title: String,
    names: NodeNames,
    ladder: LadderCollector,
    states: StatesCollector,
    conns: ConnCollector,
    series: SeriesCollector,
}

impl Pictures {
    /// Pictures titled `title` (the scenario and seed), naming nodes by
    /// `names`, with the ladder drawn for the window `[from, to]`.
    pub fn new(title: &str, names: NodeNames, from: SimTime, to: SimTime) -> Self {
        Pictures {
            title: title.to_string(),
            names,
            ladder: LadderCollector::new(from, to),
            states: StatesCollector::default(),
            conns: ConnCollector::new(),
            series: SeriesCollector::default(),
        }
    }

    /// Takes the next time-series row.
    pub fn push_series(&mut self, r: &SeriesRow) {
        self.series.push(r);
    }

    /// Takes the next record.
    pub fn push(&mut self, r: &TraceRecord) {
        self.ladder.push(r);
        self.states.push(r);
        self.conns.push(r);
    }

    /// Every picture as (file name, bytes): `ladder`, `states`, then
    /// `seq-<conn>` and `cwnd-<conn>` per connection that sent data, with
    /// the format's extension. A picture with nothing to show is left out.
    pub fn draw(&self, format: Format) -> Vec<(String, Vec<u8>)> {
        let ext = format.extension();
        let title = &self.title;
        // The ladder, the biggest picture, is drawn on a thread of its own
        // while the others are drawn here; the list keeps its order.
        let (ladder, mut rest) = std::thread::scope(|s| {
            let ladder = s.spawn(|| self.ladder.draw(title, &self.names, format));
            let rest = self.draw_all_but_the_ladder(format);
            (ladder.join(), rest)
        });
        let mut v = Vec::new();
        match ladder {
            Ok(Ok(Some(b))) => v.push((format!("ladder.{ext}"), b)),
            Ok(_) => {}
            Err(panic) => std::panic::resume_unwind(panic),
        }
        v.append(&mut rest);
        v
    }

    /// What [`Pictures::draw`] draws after the ladder.
    fn draw_all_but_the_ladder(&self, format: Format) -> Vec<(String, Vec<u8>)> {
        let ext = format.extension();
        let title = &self.title;
        let mut v = Vec::new();
        if let Ok(Some(b)) = self
            .states
            .draw(&format!("{title}: TCP states"), &self.names, format)
        {
            v.push((format!("states.{ext}"), b));
        }
        for c in self.conns.senders() {
            let name = name_of(&self.names, *c);
            if let Ok(b) =
                self.conns
                    .draw_sequence(&format!("{title}: {name} sequence"), *c, format)
            {
                v.push((format!("seq-{name}.{ext}"), b));
            }
            if let Ok(b) =
                self.conns
                    .draw_cwnd(&format!("{title}: {name} window and RTT"), *c, format)
            {
                v.push((format!("cwnd-{name}.{ext}"), b));
            }
        }
        for (stem, b) in self.series.draw(title, format) {
            v.push((format!("{stem}.{ext}"), b));
        }
        v
    }
}

/// Whether `file` is a name [`Pictures::draw`] gives, in either format:
/// what a new run into the same folder replaces.
pub fn is_picture_name(file: &str) -> bool {
    let Some((stem, ext)) = file.rsplit_once('.') else {
        return false;
    };
    [Format::Png, Format::Svg]
        .iter()
        .any(|f| f.extension() == ext)
        && (stem == "ladder"
            || stem == "states"
            || stem == "throughput"
            || stem.starts_with("seq-")
            || stem.starts_with("cwnd-")
            || stem.starts_with("queue-"))
}

impl RecordSink for Pictures {
    fn push(&mut self, r: &TraceRecord) -> io::Result<()> {
        Pictures::push(self, r);
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        Ok(())
    }

    fn series(&mut self, row: &SeriesRow) -> io::Result<()> {
        self.push_series(row);
        Ok(())
    }
}
