//! Writing a run's files: `trace.jsonl`, `trace.txt` and `summary.json`.
//!
//! Every file is first written under a temporary name in the output folder and
//! renamed into place only when all of them are complete, so a folder never
//! holds a half-written output.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use sim_core::{SimTime, Topology, Value};

use crate::error::Error;
use crate::json::number;
use crate::plan::Plan;
use crate::run::{ExpectResult, Observed, Outcome, RunOutput};

/// Names of the files a run writes, in the order they are written.
pub const FILES: [&str; 4] = ["trace.jsonl", "trace.txt", "summary.json", "trace.pcap"];

fn to_json(topo: &Topology, v: &Value) -> serde_json::Value {
    match v {
        Value::U64(n) => (*n).into(),
        Value::I64(n) => (*n).into(),
        Value::F64(x) => {
            serde_json::Number::from_f64(*x).map_or(serde_json::Value::Null, Into::into)
        }
        Value::Bool(b) => (*b).into(),
        Value::Str(s) => s.to_string().into(),
        Value::Node(n) => topo.name(*n).into(),
        Value::List(items) => items.iter().map(|i| to_json(topo, i)).collect(),
    }
}

/// Metrics as a JSON object in their fixed order.
struct Metrics<'a>(&'a Topology, &'a [(String, Value)]);

impl Serialize for Metrics<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.1.len()))?;
        for (k, v) in self.1 {
            m.serialize_entry(k, &to_json(self.0, v))?;
        }
        m.end()
    }
}

#[derive(Serialize)]
struct ExpectLine<'a> {
    expect: &'a str,
    passed: bool,
    observed: serde_json::Value,
}

impl<'a> From<&'a ExpectResult> for ExpectLine<'a> {
    fn from(e: &'a ExpectResult) -> Self {
        ExpectLine {
            expect: &e.expect,
            passed: e.passed,
            observed: match &e.observed {
                Observed::Number(x) => number(*x),
                Observed::Text(t) => t.clone().into(),
            },
        }
    }
}

#[derive(Serialize)]
struct Summary<'a> {
    netsim: &'static str,
    scenario: &'a str,
    seed: u64,
    outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    end_time_ns: u64,
    events: u64,
    expectations: Vec<ExpectLine<'a>>,
    metrics: Metrics<'a>,
    connections: Vec<ConnLine>,
}

/// One TCP connection end in the summary.
#[derive(Serialize)]
struct ConnLine {
    node: String,
    lport: u64,
    peer: String,
    pport: u64,
    final_state: String,
    opened_ns: Option<u64>,
    established_ns: Option<u64>,
    /// From opening to ESTABLISHED.
    handshake_ns: Option<u64>,
    ended_ns: Option<u64>,
    segments_sent: u64,
    retransmissions: u64,
    bytes_sent: u64,
    bytes_delivered: u64,
}

/// At most this many connections are listed (a batch of short connections
/// has thousands; the metrics total them all).
const MAX_LISTED_CONNECTIONS: usize = 100;

/// The `summary.json` text of a run.
pub fn summary_json(plan: &Plan, out: &RunOutput) -> String {
    let s = Summary {
        netsim: env!("CARGO_PKG_VERSION"),
        scenario: &plan.name,
        seed: out.seed,
        outcome: out.outcome,
        error: out.error.as_deref(),
        end_time_ns: out.end_time.as_nanos(),
        events: out.events,
        expectations: out.expectations.iter().map(ExpectLine::from).collect(),
        metrics: Metrics(&plan.topology, &out.metrics),
        connections: reports::connections::figures(&out.records)
            .into_iter()
            .take(MAX_LISTED_CONNECTIONS)
            .map(|c| {
                let name = |n: Option<sim_core::NodeId>| {
                    n.map_or(String::new(), |n| plan.topology.name(n).to_string())
                };
                ConnLine {
                    node: name(c.node),
                    lport: c.lport,
                    peer: name(c.peer),
                    pport: c.pport,
                    final_state: c.final_state,
                    opened_ns: c.opened.map(|t| t.as_nanos()),
                    established_ns: c.established.map(|t| t.as_nanos()),
                    handshake_ns: c
                        .opened
                        .zip(c.established)
                        .map(|(a, b)| b.saturating_since(a).as_nanos()),
                    ended_ns: c.ended.map(|t| t.as_nanos()),
                    segments_sent: c.segments_sent,
                    retransmissions: c.retransmissions,
                    bytes_sent: c.bytes_sent,
                    bytes_delivered: c.bytes_delivered,
                }
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&s).expect("summary serialises");
    text.push('\n');
    text
}

fn write_file(
    path: &Path,
    f: impl FnOnce(&mut BufWriter<fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut w = BufWriter::new(fs::File::create(path)?);
    f(&mut w)?;
    w.flush()?;
    w.into_inner().map_err(|e| e.into_error())?.sync_all()
}

/// Writes the run's files into `dir` (created if missing) and returns their
/// paths.
pub fn write_outputs(dir: &Path, plan: &Plan, out: &RunOutput) -> Result<Vec<PathBuf>, Error> {
    write_outputs_window(dir, plan, out, SimTime::ZERO, SimTime::MAX)
}

/// As [`write_outputs`], with the ladder diagram drawn for `[from, to]`.
pub fn write_outputs_window(
    dir: &Path,
    plan: &Plan,
    out: &RunOutput,
    from: SimTime,
    to: SimTime,
) -> Result<Vec<PathBuf>, Error> {
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    fs::create_dir_all(dir).map_err(werr(dir))?;
    let topo = &plan.topology;
    let pictures = pictures(plan, out, from, to);
    let tmp = |name: &str| dir.join(format!(".{name}.partial"));
    let result = (|| {
        write_file(&tmp(FILES[0]), |w| {
            reports::jsonl::write(w, topo, &out.records)
        })
        .map_err(werr(&tmp(FILES[0])))?;
        write_file(&tmp(FILES[1]), |w| {
            reports::text::write(w, topo, &out.records)
        })
        .map_err(werr(&tmp(FILES[1])))?;
        write_file(&tmp(FILES[2]), |w| {
            w.write_all(summary_json(plan, out).as_bytes())
        })
        .map_err(werr(&tmp(FILES[2])))?;
        write_file(&tmp(FILES[3]), |w| {
            reports::pcap::write(w, topo, &out.records)
        })
        .map_err(werr(&tmp(FILES[3])))?;
        for (name, png) in &pictures {
            write_file(&tmp(name), |w| w.write_all(png)).map_err(werr(&tmp(name)))?;
        }
        let mut done = Vec::new();
        for name in FILES
            .iter()
            .copied()
            .chain(pictures.iter().map(|(n, _)| n.as_str()))
        {
            let to = dir.join(name);
            fs::rename(tmp(name), &to).map_err(werr(&to))?;
            done.push(to);
        }
        Ok(done)
    })();
    if result.is_err() {
        for name in FILES
            .iter()
            .copied()
            .chain(pictures.iter().map(|(n, _)| n.as_str()))
        {
            let _ = fs::remove_file(tmp(name));
        }
    }
    result
}

/// The run's pictures as (file name, PNG bytes): `ladder.png` (for the
/// window `[from, to]`), `states.png`, and `seq-<conn>.png` and
/// `cwnd-<conn>.png` for each connection that sent data. A picture with
/// nothing to show is left out.
pub fn pictures(
    plan: &Plan,
    out: &RunOutput,
    from: SimTime,
    to: SimTime,
) -> Vec<(String, Vec<u8>)> {
    let mut v = Vec::new();
    let title = format!("{} (seed {})", plan.name, out.seed);
    if let Ok(Some(png)) = reports::ladder::ladder(&title, &plan.topology, &out.records, from, to) {
        v.push(("ladder.png".to_string(), png));
    }
    let topo = &plan.topology;
    if let Ok(Some(png)) =
        reports::conn_plots::states(&format!("{title}: TCP states"), topo, &out.records)
    {
        v.push(("states.png".to_string(), png));
    }
    for c in reports::conn_plots::data_senders(&out.records) {
        let name = reports::conn_plots::conn_name(topo, c);
        if let Ok(png) =
            reports::conn_plots::sequence(&format!("{title}: {name} sequence"), &out.records, c)
        {
            v.push((format!("seq-{name}.png"), png));
        }
        if let Ok(png) =
            reports::conn_plots::cwnd(&format!("{title}: {name} window and RTT"), &out.records, c)
        {
            v.push((format!("cwnd-{name}.png"), png));
        }
    }
    v
}
