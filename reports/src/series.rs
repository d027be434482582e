//! Time series sampled inside a run (the scenario's `timeseries` section):
//! what each row holds and how `timeseries.csv` is written.
//!
//! They are sampled from the models at fixed times, not derived from the
//! trace, so trace filters do not touch them. The file is long format, one
//! value per line (`t_ns,series,key,value`), so pandas or polars load it in
//! one call and pivot it as they like.

use std::io::{self, Write};

use sim_core::SimTime;

/// What a row measures. Flow series are keyed by the connection end
/// (`node:port-peer:port`); link series by the direction (`a->b`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Series {
    /// Data bytes the peer acknowledged over the last interval, as bits
    /// per second: what this end sent that got through.
    AckedBps,
    /// Data bytes delivered in order to this end's application over the
    /// last interval, as bits per second.
    DeliveredBps,
    /// The congestion window, in bytes.
    Cwnd,
    /// The smoothed round-trip time, in nanoseconds, once measured.
    SrttNs,
    /// Data bytes sent and not yet acknowledged.
    InflightBytes,
    /// Packets waiting in the link direction's queue (not the one being
    /// transmitted).
    QueuePackets,
    /// Bytes waiting in the queue.
    QueueBytes,
    /// Bytes whose transmission began over the last interval, as bits per
    /// second: the link's utilisation times its rate.
    SentBps,
    /// Packets the queue dropped over the last interval (full, or by its
    /// discipline's rule).
    Drops,
    /// Packets marked CE over the last interval; only for a direction
    /// that can mark (an ECN marker, or a discipline with ECN).
    Marks,
}

impl Series {
    /// The name in `timeseries.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Series::AckedBps => "acked_bps",
            Series::DeliveredBps => "delivered_bps",
            Series::Cwnd => "cwnd_bytes",
            Series::SrttNs => "srtt_ns",
            Series::InflightBytes => "inflight_bytes",
            Series::QueuePackets => "queue_packets",
            Series::QueueBytes => "queue_bytes",
            Series::SentBps => "sent_bps",
            Series::Drops => "drops",
            Series::Marks => "marks",
        }
    }

    /// The series named `name`.
    pub fn from_name(name: &str) -> Option<Series> {
        Series::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Every series, flows' first.
    pub const ALL: [Series; 10] = [
        Series::AckedBps,
        Series::DeliveredBps,
        Series::Cwnd,
        Series::SrttNs,
        Series::InflightBytes,
        Series::QueuePackets,
        Series::QueueBytes,
        Series::SentBps,
        Series::Drops,
        Series::Marks,
    ];
}

/// One sampled value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeriesRow {
    /// When it was sampled.
    pub t: SimTime,
    /// What it measures.
    pub series: Series,
    /// Which flow end or link direction.
    pub key: String,
    /// The value, in the series' unit.
    pub value: u64,
}

/// The header line of `timeseries.csv`.
pub const HEADER: &str = "t_ns,series,key,value\n";

/// Writes rows as `timeseries.csv` lines, header first.
#[derive(Debug)]
pub struct CsvWriter<W: Write> {
    out: W,
    started: bool,
}

impl<W: Write> CsvWriter<W> {
    /// A writer that puts the header before the first row (or at
    /// [`CsvWriter::finish`] if there is none).
    pub fn new(out: W) -> Self {
        CsvWriter {
            out,
            started: false,
        }
    }

    /// Writes one row. A key holding a comma, quote or line break (node
    /// names may) is quoted as RFC 4180 says.
    pub fn push(&mut self, r: &SeriesRow) -> io::Result<()> {
        if !self.started {
            self.out.write_all(HEADER.as_bytes())?;
            self.started = true;
        }
        write!(self.out, "{},{},", r.t.as_nanos(), r.series.name())?;
        if r.key.contains([',', '"', '\n', '\r']) {
            write!(self.out, "\"{}\"", r.key.replace('"', "\"\""))?;
        } else {
            self.out.write_all(r.key.as_bytes())?;
        }
        writeln!(self.out, ",{}", r.value)
    }

    /// The writer underneath.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Writes the header if nothing was written, and flushes.
    pub fn finish(&mut self) -> io::Result<()> {
        if !self.started {
            self.out.write_all(HEADER.as_bytes())?;
            self.started = true;
        }
        self.out.flush()
    }
}

/// Reads `timeseries.csv` back (to redraw its plots).
pub fn read(text: &str) -> Result<Vec<SeriesRow>, String> {
    let Some(body) = text.strip_prefix(HEADER) else {
        return Err(format!(
            "line 1: expected the header {:?}",
            HEADER.trim_end()
        ));
    };
    let mut rows = Vec::new();
    let mut rest = body;
    let mut line = 1;
    while !rest.is_empty() {
        line += 1;
        let bad = |what: &str| format!("line {line}: {what}");
        let mut fields = [""; 2];
        for f in &mut fields {
            let (head, tail) = rest
                .split_once(',')
                .ok_or_else(|| bad("expected four fields"))?;
            *f = head;
            rest = tail;
        }
        let key = if let Some(quoted) = rest.strip_prefix('"') {
            // RFC 4180: a quoted field ends at a quote not doubled.
            let mut key = String::new();
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next() {
                    Some((i, '"')) if quoted[i + 1..].starts_with('"') => {
                        key.push('"');
                        chars.next();
                    }
                    Some((i, '"')) => break i + 1,
                    Some((_, c)) => key.push(c),
                    None => return Err(bad("unterminated quoted key")),
                }
            };
            rest = quoted[end..]
                .strip_prefix(',')
                .ok_or_else(|| bad("expected four fields"))?;
            key
        } else {
            let (k, tail) = rest
                .split_once(',')
                .ok_or_else(|| bad("expected four fields"))?;
            rest = tail;
            k.to_string()
        };
        let (value, tail) = rest.split_once('\n').unwrap_or((rest, ""));
        rest = tail;
        rows.push(SeriesRow {
            t: SimTime(
                fields[0]
                    .parse()
                    .map_err(|_| bad("t_ns is not a whole number"))?,
            ),
            series: Series::from_name(fields[1]).ok_or_else(|| bad("unknown series"))?,
            key,
            value: value
                .parse()
                .map_err(|_| bad("value is not a whole number"))?,
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_through_the_csv() {
        let rows = vec![
            SeriesRow {
                t: SimTime(100_000_000),
                series: Series::Cwnd,
                key: "a:49152-b:80".into(),
                value: 14480,
            },
            SeriesRow {
                t: SimTime(100_000_000),
                series: Series::QueuePackets,
                key: "r1->r2".into(),
                value: 7,
            },
            SeriesRow {
                t: SimTime(200_000_000),
                series: Series::Drops,
                key: "odd, \"name\"->b".into(),
                value: 0,
            },
        ];
        let mut out = Vec::new();
        let mut w = CsvWriter::new(&mut out);
        for r in &rows {
            w.push(r).unwrap();
        }
        w.finish().unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "t_ns,series,key,value\n100000000,cwnd_bytes,a:49152-b:80,14480\n\
             100000000,queue_packets,r1->r2,7\n\
             200000000,drops,\"odd, \"\"name\"\"->b\",0\n"
        );
        assert_eq!(read(&text).unwrap(), rows);
        assert!(read("x\n").is_err());
        assert!(read("t_ns,series,key,value\n1,nope,k,2\n").is_err());
    }
}
