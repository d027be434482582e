//! Writing a run's files: `trace.jsonl`, `trace.txt`, `trace.pcap`,
//! `summary.json`, `timeseries.csv`, `flows.csv`, `keylog.txt` and the
//! pictures, streamed while the run goes.
//!
//! Every file is first written under a temporary name in the output folder and
//! renamed into place only when all of them are complete, so a folder never
//! holds a half-written output.

use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use reports::Format;
use reports::pictures::Pictures;
use reports::sink::{NodeNames, RecordSink};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use sim_core::{KindSet, SimTime, Topology, TraceRecord, Value};

use crate::error::Error;
use crate::json::number;
use crate::plan::{Plan, TraceFilter};
use crate::run::{
    ExpectResult, Limits, Observed, Outcome, Progress, RunOutput, Tracing, run_traced,
};
use crate::staging::{Staging, partial, werr, write_durable};
use crate::threaded::Threaded;

/// Names of the files a run writes, in the order they are written.
pub const FILES: [&str; 7] = [
    "trace.jsonl",
    "trace.txt",
    "summary.json",
    "trace.pcap",
    "timeseries.csv",
    "flows.csv",
    "keylog.txt",
];

/// The folder name a scenario's `name` gives under `out/`: one path
/// component, whatever the name holds. Letters, digits, `.`, `_` and `-`
/// stay; anything else (a `/`, a space, a drive letter's `:`) becomes `_`;
/// a leading dot becomes `_` too (no `..`, no hidden folder); at most 100
/// characters; an empty name gives `scenario`. Only `--out` writes
/// anywhere else.
pub fn folder_name(name: &str) -> String {
    let mut s: String = name
        .chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.starts_with('.') {
        s.replace_range(..1, "_");
    }
    if s.is_empty() {
        s.push_str("scenario");
    }
    s
}

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
    /// Every node by id, for redrawing the pictures from `trace.jsonl`.
    nodes: Vec<&'a str>,
    /// Set when `trace.jsonl` holds only some records.
    #[serde(skip_serializing_if = "Option::is_none")]
    trace_filter: Option<FilterLine>,
}

/// The records `trace.jsonl` and `trace.txt` were limited to.
#[derive(Serialize)]
struct FilterLine {
    kinds: Vec<&'static str>,
    nodes: Vec<String>,
}

/// One TCP connection end in the summary.
#[derive(Serialize)]
struct ConnLine {
    node: String,
    lport: u64,
    peer: String,
    pport: u64,
    final_state: &'static str,
    /// Always present: a connection end appears when it opens.
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

/// The `summary.json` text of a run whose trace was kept.
pub fn summary_json(plan: &Plan, out: &RunOutput) -> String {
    summary_text(plan, out, &TraceFilter::default())
}

/// The `summary.json` text of a run. Its connections are the models' own
/// figures ([`RunOutput::connections`]: at most
/// [`sim_apps::tcp::KEPT_CONNECTIONS`], a batch of short connections has
/// thousands and the metrics total them all), so the summary needs no
/// trace record.
fn summary_text(plan: &Plan, out: &RunOutput, filter: &TraceFilter) -> String {
    let s = Summary {
        nodes: plan
            .topology
            .nodes()
            .iter()
            .map(|n| n.name.as_str())
            .collect(),
        trace_filter: (*filter != TraceFilter::default()).then(|| FilterLine {
            kinds: filter.kinds.iter().map(|k| k.name()).collect(),
            nodes: filter
                .nodes
                .iter()
                .map(|n| plan.topology.name(*n).to_string())
                .collect(),
        }),
        netsim: env!("CARGO_PKG_VERSION"),
        scenario: &plan.name,
        seed: out.seed,
        outcome: out.outcome,
        error: out.error.as_deref(),
        end_time_ns: out.end_time.as_nanos(),
        events: out.events,
        expectations: out.expectations.iter().map(ExpectLine::from).collect(),
        metrics: Metrics(&plan.topology, &out.metrics),
        connections: out
            .connections
            .iter()
            .map(|c| ConnLine {
                node: plan.topology.name(c.node).to_string(),
                lport: u64::from(c.lport),
                peer: plan.topology.name(c.peer).to_string(),
                pport: u64::from(c.pport),
                final_state: c.final_state.name(),
                opened_ns: Some(c.opened.as_nanos()),
                established_ns: c.established.map(|t| t.as_nanos()),
                handshake_ns: c
                    .established
                    .map(|b| b.saturating_since(c.opened).as_nanos()),
                ended_ns: c.ended.map(|t| t.as_nanos()),
                segments_sent: c.stats.segments_sent,
                retransmissions: c.stats.retransmissions,
                bytes_sent: c.stats.bytes_sent,
                bytes_delivered: c.stats.bytes_delivered,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&s).expect("summary serialises");
    text.push('\n');
    text
}

/// One of the files, or groups of files, a run writes; `--outputs`
/// chooses among them (default: all).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutputKind {
    /// `trace.jsonl`.
    Trace,
    /// `trace.txt`.
    Text,
    /// `trace.pcap`.
    Pcap,
    /// `summary.json`.
    Summary,
    /// The ladder, states, sequence and window pictures.
    Pictures,
    /// `timeseries.csv`, for a scenario with a `timeseries` section.
    TimeSeries,
    /// `flows.csv`, for a scenario with a TCP application.
    Flows,
    /// `keylog.txt`, for a scenario with TLS: the NSS key log that lets
    /// Wireshark decrypt `trace.pcap`.
    KeyLog,
}

impl OutputKind {
    /// Every kind, in the order the files are written.
    pub const ALL: [OutputKind; 8] = [
        OutputKind::Trace,
        OutputKind::Text,
        OutputKind::Pcap,
        OutputKind::Summary,
        OutputKind::Pictures,
        OutputKind::TimeSeries,
        OutputKind::Flows,
        OutputKind::KeyLog,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            OutputKind::Trace => "trace",
            OutputKind::Text => "text",
            OutputKind::Pcap => "pcap",
            OutputKind::Summary => "summary",
            OutputKind::Pictures => "pictures",
            OutputKind::TimeSeries => "timeseries",
            OutputKind::Flows => "flows",
            OutputKind::KeyLog => "keylog",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<OutputKind> {
        OutputKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// How `netsim run` writes a run.
#[derive(Clone, Debug)]
pub struct OutputOptions {
    /// The files to write.
    pub outputs: Vec<OutputKind>,
    /// The records of `trace.jsonl` and `trace.txt`.
    pub filter: TraceFilter,
    /// The ladder's window.
    pub from: SimTime,
    /// The ladder's window's end.
    pub to: SimTime,
    /// PNG or SVG pictures.
    pub format: Format,
    /// Where the run stops early.
    pub limits: Limits,
}

impl Default for OutputOptions {
    fn default() -> Self {
        OutputOptions {
            outputs: OutputKind::ALL.to_vec(),
            filter: TraceFilter::default(),
            from: SimTime::ZERO,
            to: SimTime::MAX,
            format: Format::Png,
            limits: Limits::default(),
        }
    }
}

type FileWriter = BufWriter<fs::File>;

/// Every output of a run, fed record by record while it runs: the trace
/// writers put their bytes in temporary files at once, the pictures keep
/// bounded state. Nothing grows with the length of the run. (The summary
/// reads no record: it is written from the run's output.)
struct FileSinks {
    jsonl: Option<reports::jsonl::JsonlWriter<FileWriter>>,
    text: Option<reports::text::TextWriter<FileWriter>>,
    pcap: Option<reports::pcap::PcapWriter<FileWriter>>,
    pictures: Option<Pictures>,
    series: Option<reports::series::CsvWriter<FileWriter>>,
    filter: TraceFilter,
}

impl RecordSink for FileSinks {
    fn push(&mut self, r: &TraceRecord) -> std::io::Result<()> {
        if (self.jsonl.is_some() || self.text.is_some()) && self.filter.keeps(r) {
            if let Some(w) = &mut self.jsonl {
                w.push(r)?;
            }
            if let Some(w) = &mut self.text {
                w.push(r)?;
            }
        }
        if let Some(w) = &mut self.pcap {
            w.push(r)?;
        }
        if let Some(p) = &mut self.pictures {
            p.push(r);
        }
        Ok(())
    }

    fn finish(&mut self) -> std::io::Result<()> {
        if let Some(w) = &mut self.jsonl {
            w.finish()?;
        }
        if let Some(w) = &mut self.text {
            w.finish()?;
        }
        if let Some(w) = &mut self.pcap {
            w.finish()?;
        }
        if let Some(w) = &mut self.series {
            w.finish()?;
        }
        Ok(())
    }

    fn series(&mut self, row: &reports::series::SeriesRow) -> std::io::Result<()> {
        if let Some(w) = &mut self.series {
            w.push(row)?;
        }
        if let Some(p) = &mut self.pictures {
            p.push_series(row);
        }
        Ok(())
    }
}

/// The record kinds the chosen outputs read: the trace files those their
/// filter keeps, the pcap and pictures every kind, the summary none (its
/// figures come from the models; the judge adds what the expectations
/// read). Nothing else is built.
fn wanted(opts: &OutputOptions) -> KindSet {
    let mut set = KindSet::NONE;
    for k in &opts.outputs {
        set = set.union(match k {
            OutputKind::Trace | OutputKind::Text if !opts.filter.kinds.is_empty() => {
                KindSet::of(&opts.filter.kinds)
            }
            OutputKind::Trace | OutputKind::Text | OutputKind::Pcap | OutputKind::Pictures => {
                KindSet::ALL
            }
            OutputKind::Summary
            | OutputKind::TimeSeries
            | OutputKind::Flows
            | OutputKind::KeyLog => KindSet::NONE,
        });
    }
    set
}

impl FileSinks {
    /// The outputs in groups of about equal work, each to be fed on a
    /// thread of its own (`crate::threaded`): the two text traces, and the
    /// capture with the pictures and the time series. Groups with nothing
    /// to write are left out; [`FileSinks::merge`] puts them back together.
    fn split(self) -> Vec<FileSinks> {
        let FileSinks {
            jsonl,
            text,
            pcap,
            pictures,
            series,
            filter,
        } = self;
        let traces = FileSinks {
            jsonl,
            text,
            pcap: None,
            pictures: None,
            series: None,
            filter: filter.clone(),
        };
        let rest = FileSinks {
            jsonl: None,
            text: None,
            pcap,
            pictures,
            series,
            filter,
        };
        let groups: Vec<FileSinks> = [traces, rest]
            .into_iter()
            .filter(|g| !g.is_empty())
            .collect();
        if groups.is_empty() {
            // Nothing to write: one idle group still gives the filter back.
            vec![FileSinks {
                jsonl: None,
                text: None,
                pcap: None,
                pictures: None,
                series: None,
                filter: TraceFilter::default(),
            }]
        } else {
            groups
        }
    }

    /// Whether the group writes nothing.
    fn is_empty(&self) -> bool {
        self.jsonl.is_none()
            && self.text.is_none()
            && self.pcap.is_none()
            && self.pictures.is_none()
            && self.series.is_none()
    }

    /// The groups of [`FileSinks::split`] as one again.
    fn merge(groups: Vec<FileSinks>, filter: TraceFilter) -> FileSinks {
        groups.into_iter().fold(
            FileSinks {
                jsonl: None,
                text: None,
                pcap: None,
                pictures: None,
                series: None,
                filter,
            },
            |a, g| FileSinks {
                jsonl: a.jsonl.or(g.jsonl),
                text: a.text.or(g.text),
                pcap: a.pcap.or(g.pcap),
                pictures: a.pictures.or(g.pictures),
                series: a.series.or(g.series),
                filter: a.filter,
            },
        )
    }

    /// Opens the temporary files of the chosen outputs in `dir`.
    fn open(dir: &Path, plan: &Plan, seed: u64, opts: &OutputOptions) -> Result<Self, Error> {
        let wants = |k| opts.outputs.contains(&k);
        let create = |name: &str| -> Result<FileWriter, Error> {
            let p = partial(dir, name);
            Ok(BufWriter::with_capacity(
                1 << 16,
                fs::File::create(&p).map_err(werr(&p))?,
            ))
        };
        let names = NodeNames::of(&plan.topology);
        Ok(FileSinks {
            jsonl: if wants(OutputKind::Trace) {
                Some(reports::jsonl::JsonlWriter::new(
                    create(FILES[0])?,
                    names.clone(),
                ))
            } else {
                None
            },
            text: if wants(OutputKind::Text) {
                Some(reports::text::TextWriter::new(
                    create(FILES[1])?,
                    names.clone(),
                ))
            } else {
                None
            },
            pcap: if wants(OutputKind::Pcap) {
                Some(reports::pcap::PcapWriter::new(create(FILES[3])?))
            } else {
                None
            },
            pictures: wants(OutputKind::Pictures).then(|| {
                let title = format!("{} (seed {seed})", plan.name);
                Pictures::new(&title, names, opts.from, opts.to)
            }),
            // Written only for a scenario that asks for time series.
            series: if wants(OutputKind::TimeSeries) && plan.sample_every.is_some() {
                Some(reports::series::CsvWriter::new(create(FILES[4])?))
            } else {
                None
            },
            filter: opts.filter.clone(),
        })
    }

    /// Flushes and closes the trace files; writes the summary and the
    /// pictures under temporary names; returns every temporary's final name.
    fn close(
        mut self,
        dir: &Path,
        plan: &Plan,
        out: &RunOutput,
        opts: &OutputOptions,
    ) -> Result<Vec<String>, Error> {
        self.finish().map_err(werr(dir))?;
        let mut names = Vec::new();
        // The big trace files are flushed now and made durable while the
        // summary and the pictures are drawn, each on its own thread.
        let mut open: Vec<(&str, FileWriter)> = Vec::new();
        if let Some(w) = self.jsonl.take() {
            open.push((FILES[0], w.into_inner()));
        }
        if let Some(w) = self.text.take() {
            open.push((FILES[1], w.into_inner()));
        }
        if let Some(w) = self.pcap.take() {
            open.push((FILES[3], w.into_inner()));
        }
        if let Some(w) = self.series.take() {
            open.push((FILES[4], w.into_inner()));
        }
        let synced: Vec<Result<String, Error>> = std::thread::scope(|s| {
            let syncs: Vec<_> = open
                .into_iter()
                .map(|(name, w)| {
                    s.spawn(move || {
                        let p = partial(dir, name);
                        w.into_inner()
                            .map_err(|e| e.into_error())
                            .and_then(|f| f.sync_all())
                            .map_err(werr(&p))?;
                        Ok(name.to_string())
                    })
                })
                .collect();
            let drawn = self.write_summary_and_pictures(dir, plan, out, opts);
            let mut done: Vec<Result<String, Error>> = syncs
                .into_iter()
                .map(|h| h.join().expect("a sync thread does not panic"))
                .collect();
            match drawn {
                Ok(more) => done.extend(more.into_iter().map(Ok)),
                Err(e) => done.push(Err(e)),
            }
            done
        });
        for r in synced {
            names.push(r?);
        }
        // Reported in the order of `FILES`, then the pictures.
        names.sort_by_key(|n| FILES.iter().position(|f| f == n).unwrap_or(FILES.len()));
        Ok(names)
    }
}

impl FileSinks {
    /// Writes `summary.json`, `flows.csv`, `keylog.txt` and the pictures under temporary
    /// names.
    fn write_summary_and_pictures(
        &mut self,
        dir: &Path,
        plan: &Plan,
        out: &RunOutput,
        opts: &OutputOptions,
    ) -> Result<Vec<String>, Error> {
        let mut names = Vec::new();
        if opts.outputs.contains(&OutputKind::Summary) {
            let text = summary_text(plan, out, &self.filter);
            let p = partial(dir, FILES[2]);
            write_durable(&p, text.as_bytes()).map_err(werr(&p))?;
            names.push(FILES[2].to_string());
        }
        // Like the summary, from the models' own figures: no record needed.
        if opts.outputs.contains(&OutputKind::Flows) && crate::flows::has_tcp(plan) {
            let text = crate::flows::csv(plan, out);
            let p = partial(dir, FILES[5]);
            write_durable(&p, text.as_bytes()).map_err(werr(&p))?;
            names.push(FILES[5].to_string());
        }
        // From the TLS state, not the trace: a trace filter leaves it whole.
        if opts.outputs.contains(&OutputKind::KeyLog) && crate::flows::has_tls(plan) {
            let text = key_log_text(out);
            let p = partial(dir, FILES[6]);
            write_durable(&p, text.as_bytes()).map_err(werr(&p))?;
            names.push(FILES[6].to_string());
        }
        if let Some(p) = &self.pictures {
            for (name, bytes) in p.draw(opts.format) {
                let p = partial(dir, &name);
                write_durable(&p, &bytes).map_err(werr(&p))?;
                names.push(name);
            }
        }
        Ok(names)
    }
}

/// The `keylog.txt` text of a run: one NSS key log line per secret (see
/// `sim_tls::keylog`).
pub fn key_log_text(out: &RunOutput) -> String {
    let mut text = String::with_capacity(out.key_log.len() * 180);
    for line in &out.key_log {
        text.push_str(&line.to_string());
        text.push('\n');
    }
    text
}

/// Runs `plan` with `seed` and writes its outputs into `dir` while it runs
/// (docs/ARCHITECTURE.md, "One event stream, many views"): memory does not
/// grow with the length of the run. Files go to temporary names and are
/// renamed into place only when the run and every write succeeded; on a
/// failure nothing is left under a final name. A run stopped at a limit
/// still writes everything up to where it stopped.
pub fn run_to_dir(
    dir: &Path,
    plan: &Plan,
    seed: u64,
    opts: &OutputOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<(RunOutput, Vec<PathBuf>), Error> {
    let staging = Staging::open(dir)?;
    let result = (|| {
        let groups = FileSinks::open(dir, plan, seed, opts)?.split();
        let sinks = Threaded::new(groups).map_err(werr(dir))?;
        let (out, sinks, failed) = run_traced(
            plan,
            seed,
            Tracing::Stream(sinks, wanted(opts)),
            &opts.limits,
            progress,
        );
        let (sinks, written) = sinks.expect("a streamed run gives its sink back").join();
        if let Some(source) = failed.or(written.err()) {
            return Err(Error::Write {
                path: dir.to_path_buf(),
                source,
            });
        }
        let sinks = FileSinks::merge(
            sinks.expect("the writers gave their sinks back"),
            opts.filter.clone(),
        );
        let names = sinks.close(dir, plan, &out, opts)?;
        Ok((out, names))
    })();
    staging.finish(result, &is_run_output)
}

/// Whether `file` is one of the outputs `netsim run` writes: a new run
/// into the same folder replaces them all, so none is left from before.
fn is_run_output(file: &str) -> bool {
    FILES.contains(&file) || reports::pictures::is_picture_name(file)
}

/// Writes the files of a run whose trace was kept into `dir` (created if
/// missing) and returns their paths.
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
    let staging = Staging::open(dir)?;
    let opts = OutputOptions {
        from,
        to,
        ..OutputOptions::default()
    };
    let result = (|| {
        let mut sinks = FileSinks::open(dir, plan, out.seed, &opts)?;
        for r in &out.records {
            sinks.push(r).map_err(werr(dir))?;
        }
        for r in &out.series {
            sinks.series(r).map_err(werr(dir))?;
        }
        let names = sinks.close(dir, plan, out, &opts)?;
        Ok(((), names))
    })();
    staging
        .finish(result, &is_run_output)
        .map(|((), paths)| paths)
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
    let title = format!("{} (seed {})", plan.name, out.seed);
    let mut p = Pictures::new(&title, NodeNames::of(&plan.topology), from, to);
    for r in &out.records {
        p.push(r);
    }
    for r in &out.series {
        p.push_series(r);
    }
    p.draw(Format::Png)
}

/// Redraws the pictures of a folder `netsim run` wrote, from its
/// `trace.jsonl` and `summary.json` alone: the same bytes the run drew for
/// the same window, or a new window or format. Pictures are written under
/// temporary names and renamed into place together.
pub fn redraw(
    dir: &Path,
    from: SimTime,
    to: SimTime,
    format: Format,
) -> Result<Vec<PathBuf>, Error> {
    let read = |name: &str| {
        let path = dir.join(name);
        fs::read_to_string(&path).map_err(|source| Error::Read { path, source })
    };
    let summary: serde_json::Value = serde_json::from_str(&read(FILES[2])?)
        .map_err(|e| Error::Usage(format!("{}: {e}", dir.join(FILES[2]).display())))?;
    if !summary["trace_filter"].is_null() {
        return Err(Error::Usage(format!(
            "{}: trace.jsonl holds only some records (it was written with --trace-kinds or --trace-nodes), so the pictures cannot be redrawn from it",
            dir.display()
        )));
    }
    let (Some(name), Some(seed), Some(nodes)) = (
        summary["scenario"].as_str(),
        summary["seed"].as_u64(),
        summary["nodes"].as_array(),
    ) else {
        return Err(Error::Usage(format!(
            "{}: not a summary.json that netsim run wrote (no scenario, seed or nodes)",
            dir.join(FILES[2]).display()
        )));
    };
    let names = NodeNames::new(
        nodes
            .iter()
            .map(|n| n.as_str().unwrap_or_default().to_string())
            .collect(),
    );
    let (names, records) = reports::jsonl::read_with_nodes(&read(FILES[0])?, names)
        .map_err(|e| Error::Usage(format!("{}: {e}", dir.join(FILES[0]).display())))?;
    let mut p = Pictures::new(&format!("{name} (seed {seed})"), names, from, to);
    for r in &records {
        p.push(r);
    }
    // The time series' pictures come from timeseries.csv, when the run
    // wrote one.
    let csv = dir.join(FILES[4]);
    if csv.exists() {
        let rows = reports::series::read(&read(FILES[4])?)
            .map_err(|e| Error::Usage(format!("{}: {e}", csv.display())))?;
        for r in &rows {
            p.push_series(r);
        }
    }
    let staging = Staging::open(dir)?;
    let result = (|| {
        let mut names = Vec::new();
        for (file, bytes) in p.draw(format) {
            staging.write(&file, &bytes)?;
            names.push(file);
        }
        Ok(((), names))
    })();
    // A redraw in another format or window leaves the other pictures be.
    staging.finish(result, &|_| false).map(|((), paths)| paths)
}
