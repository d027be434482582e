//! Batch runs: every (point, seed) of a scenario, in parallel, with outputs
//! that do not depend on how many threads ran them.
//!
//! Jobs are ordered by point, then seed, and run in chunks on a rayon pool;
//! each chunk's records are written in job order before the next chunk
//! starts, so `runs.jsonl` is the same bytes for any `--jobs`, and memory
//! holds one chunk of runs (plus the kept metric values the statistics
//! need) however many seeds there are. Summaries are computed from the same
//! parsed records a merge of shards reads back, so a merged batch writes the
//! same files as an unsharded one.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value as Json;

use crate::error::{Error, InputError};
use crate::format::{BatchExpectSpec, Stat};
use crate::plan::{Plan, as_number};
use crate::run::{Observed, Outcome, run_with};
use crate::stats::Summary;
use crate::sweep::Sweep;

/// How to run a batch.
#[derive(Debug, Clone)]
pub struct BatchOptions {
    /// Seeds, `start..end` (end excluded).
    pub seeds: Range<u64>,
    /// Worker threads.
    pub jobs: usize,
    /// Run only slice `k` (from 1) of `n`.
    pub shard: Option<(u64, u64)>,
    /// Keep each run's trace files under `traces/`.
    pub keep_traces: bool,
}

/// One (point, seed) to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Job {
    /// Sweep point.
    pub point: usize,
    /// Seed.
    pub seed: u64,
}

/// What a run contributes to a batch: its `runs.jsonl` line and the values
/// the summary needs.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// Which run.
    pub job: Job,
    /// Passed, failed or error.
    pub outcome: Outcome,
    /// The model failure, for an error.
    pub error: Option<String>,
    /// The batch's metrics, in the scenario's order (NaN if missing).
    pub metrics: Vec<f64>,
    /// The line, without its newline.
    pub line: String,
}

/// A scenario loaded for batch runs: its sweep and a checked plan per point.
pub struct Batch {
    /// The file as written.
    pub text: String,
    /// Its sweeps.
    pub sweep: Sweep,
    /// One plan per point.
    pub plans: Vec<Plan>,
}

/// Files a batch writes.
pub const FILES: [&str; 3] = ["runs.jsonl", "summary.json", "batch.json"];

/// A JSON object from pairs, in their order.
struct Ordered<'a, V: Serialize>(&'a [(String, V)]);

impl<V: Serialize> Serialize for Ordered<'_, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

fn number(x: f64) -> Json {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        (x as i64).into()
    } else {
        serde_json::Number::from_f64(x).map_or(Json::Null, Into::into)
    }
}

impl Batch {
    /// Loads a scenario and checks every point of its sweep.
    pub fn from_text(text: String) -> Result<Batch, InputError> {
        let sweep = Sweep::parse(&text)?;
        let plans = (0..sweep.points())
            .map(|p| crate::plan_point(&sweep, p))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Batch { text, sweep, plans })
    }

    /// Reads and checks a scenario file.
    pub fn load(path: &Path) -> Result<Batch, Error> {
        crate::read_scenario(path, Batch::from_text)
    }

    /// The scenario's name.
    pub fn name(&self) -> &str {
        &self.plans[0].name
    }

    /// The metrics the batch keeps (those of point 0; every point has the
    /// same scenario shape).
    pub fn metrics(&self) -> &[String] {
        &self.plans[0].batch_metrics
    }

    /// Every job of the batch, or of one shard, in order.
    pub fn jobs(&self, seeds: &Range<u64>, shard: Option<(u64, u64)>) -> Vec<Job> {
        let mut jobs = Vec::new();
        let mut i = 0u64;
        for point in 0..self.plans.len() {
            for seed in seeds.clone() {
                if shard.is_none_or(|(k, n)| i % n == k - 1) {
                    jobs.push(Job { point, seed });
                }
                i += 1;
            }
        }
        jobs
    }

    fn params_json(&self, point: usize) -> Vec<(String, Json)> {
        self.sweep.values(point)
    }

    /// Runs one job.
    pub fn run_one(&self, job: Job, traces: Option<&Path>) -> RunRecord {
        let plan = &self.plans[job.point];
        let needs_trace = traces.is_some()
            || plan
                .expectations
                .iter()
                .any(|e| !matches!(e.measure, crate::plan::Measure::Metric(_)));
        let out = run_with(plan, job.seed, needs_trace);
        if let Some(dir) = traces {
            let d = dir.join(format!("p{}-s{}", job.point, job.seed));
            // A failed write is reported in the record rather than stopping
            // the batch.
            let _ = crate::output::write_outputs(&d, plan, &out);
        }
        let metrics: Vec<f64> = self
            .metrics()
            .iter()
            .map(|m| {
                out.metrics
                    .iter()
                    .find(|(k, _)| k == m)
                    .and_then(|(_, v)| as_number(v))
                    .unwrap_or(f64::NAN)
            })
            .collect();
        let expectations: Vec<Json> = out
            .expectations
            .iter()
            .map(|e| {
                let observed = match &e.observed {
                    Observed::Number(x) => number(*x),
                    Observed::Text(t) => t.clone().into(),
                };
                serde_json::json!({"expect": e.expect, "passed": e.passed, "observed": observed})
            })
            .collect();
        let named: Vec<(String, Json)> = self
            .metrics()
            .iter()
            .cloned()
            .zip(metrics.iter().map(|x| number(*x)))
            .collect();
        #[derive(Serialize)]
        struct Line<'a> {
            point: usize,
            params: Ordered<'a, Json>,
            seed: u64,
            outcome: Outcome,
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<&'a str>,
            expectations: Vec<Json>,
            metrics: Ordered<'a, Json>,
        }
        let params = self.params_json(job.point);
        let line = serde_json::to_string(&Line {
            point: job.point,
            params: Ordered(&params),
            seed: job.seed,
            outcome: out.outcome,
            error: out.error.as_deref(),
            expectations,
            metrics: Ordered(&named),
        })
        .expect("record serialises");
        RunRecord {
            job,
            outcome: out.outcome,
            error: out.error.clone(),
            metrics,
            line,
        }
    }

    /// Reads a record back from its `runs.jsonl` line.
    pub fn parse_record(&self, line: &str) -> Result<RunRecord, String> {
        let v: Json = serde_json::from_str(line).map_err(|e| e.to_string())?;
        let point = v["point"].as_u64().ok_or("no point")? as usize;
        let seed = v["seed"].as_u64().ok_or("no seed")?;
        let outcome = match v["outcome"].as_str() {
            Some("passed") => Outcome::Passed,
            Some("failed") => Outcome::Failed,
            Some("error") => Outcome::Error,
            _ => return Err("no outcome".to_string()),
        };
        let metrics = self
            .metrics()
            .iter()
            .map(|m| v["metrics"][m].as_f64().unwrap_or(f64::NAN))
            .collect();
        Ok(RunRecord {
            job: Job { point, seed },
            outcome,
            error: v["error"].as_str().map(str::to_string),
            metrics,
            line: line.to_string(),
        })
    }
}

/// A point's parameters, outcome counts and metric statistics, for the
/// summary.
type PointParts = (
    Vec<(String, Json)>,
    Vec<(String, u64)>,
    Vec<(String, Option<Summary>)>,
);

/// Accumulates what the summary needs, point by point.
struct Tally {
    outcomes: Vec<[u64; 3]>,
    /// values[point][metric] = every run's value.
    values: Vec<Vec<Vec<f64>>>,
    failures: Vec<(Job, Outcome, Option<String>)>,
}

const MAX_LISTED_FAILURES: usize = 100;

impl Tally {
    fn new(points: usize, metrics: usize) -> Self {
        Tally {
            outcomes: vec![[0; 3]; points],
            values: vec![vec![Vec::new(); metrics]; points],
            failures: Vec::new(),
        }
    }

    fn add(&mut self, r: &RunRecord) {
        let i = match r.outcome {
            Outcome::Passed => 0,
            Outcome::Failed => 1,
            Outcome::Error => 2,
        };
        self.outcomes[r.job.point][i] += 1;
        for (m, x) in r.metrics.iter().enumerate() {
            self.values[r.job.point][m].push(*x);
        }
        if r.outcome != Outcome::Passed && self.failures.len() < MAX_LISTED_FAILURES {
            self.failures.push((r.job, r.outcome, r.error.clone()));
        }
    }
}

/// One batch expectation's result at one point.
#[derive(Debug, Clone, Serialize)]
pub struct BatchExpectResult {
    /// What was expected.
    pub expect: String,
    /// At which point of the sweep.
    pub point: usize,
    /// Whether it held.
    pub passed: bool,
    /// What was measured.
    pub observed: Json,
}

/// The outcome of a whole batch.
#[derive(Debug, Clone)]
pub struct BatchOutcome {
    /// Runs made.
    pub runs: u64,
    /// Runs that passed, failed, errored.
    pub outcomes: [u64; 3],
    /// Batch expectations, per point.
    pub expectations: Vec<BatchExpectResult>,
    /// True when the batch passed.
    pub passed: bool,
    /// The first failing runs (at most 100).
    pub failures: Vec<(Job, Outcome, Option<String>)>,
    /// Per point: the values of each metric (for plots).
    pub values: Vec<Vec<Vec<f64>>>,
}

fn describe_batch(b: &BatchExpectSpec) -> String {
    let what = match (&b.metric, b.success_rate) {
        (Some(m), _) => {
            let stat = b.stat.unwrap_or(Stat::Mean);
            format!(
                "{}({m})",
                serde_json::to_value(stat)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            )
        }
        _ => "success_rate".to_string(),
    };
    let bounds = crate::format::Bounds {
        equals: b.equals,
        at_least: b.at_least,
        at_most: b.at_most,
    };
    bounds.describe(&what, b.description.as_deref())
}

impl Batch {
    fn judge(&self, tally: &Tally) -> Vec<BatchExpectResult> {
        let mut out = Vec::new();
        let specs = &self.plans[0].batch_expect;
        for point in 0..self.plans.len() {
            for b in specs {
                let [passed, failed, errors] = tally.outcomes[point];
                let total = passed + failed + errors;
                let observed = match &b.metric {
                    Some(m) => {
                        let i = self
                            .metrics()
                            .iter()
                            .position(|x| x == m)
                            .expect("checked metric");
                        Summary::of(&tally.values[point][i])
                            .map_or(f64::NAN, |s| s.get(b.stat.unwrap_or(Stat::Mean)))
                    }
                    None => {
                        if total == 0 {
                            f64::NAN
                        } else {
                            passed as f64 / total as f64
                        }
                    }
                };
                let ok = crate::format::Bounds {
                    equals: b.equals,
                    at_least: b.at_least,
                    at_most: b.at_most,
                }
                .hold(observed);
                out.push(BatchExpectResult {
                    expect: describe_batch(b),
                    point,
                    passed: ok,
                    observed: number(observed),
                });
            }
        }
        out
    }

    fn summary_json(
        &self,
        seeds: &Range<u64>,
        shard: Option<(u64, u64)>,
        tally: &Tally,
        outcome: &BatchOutcome,
    ) -> String {
        #[derive(Serialize)]
        struct Point<'a> {
            point: usize,
            params: Ordered<'a, Json>,
            runs: u64,
            outcomes: Ordered<'a, u64>,
            metrics: Ordered<'a, Option<Summary>>,
        }
        #[derive(Serialize)]
        struct Failure {
            point: usize,
            seed: u64,
            outcome: Outcome,
            #[serde(skip_serializing_if = "Option::is_none")]
            error: Option<String>,
        }
        #[derive(Serialize)]
        struct Top<'a> {
            netsim: &'static str,
            scenario: &'a str,
            seeds: [u64; 2],
            #[serde(skip_serializing_if = "Option::is_none")]
            shard: Option<[u64; 2]>,
            runs: u64,
            outcome: &'static str,
            outcomes: Ordered<'a, u64>,
            batch_expectations: &'a [BatchExpectResult],
            failed_runs: Vec<Failure>,
            points: Vec<Point<'a>>,
        }
        let names: Vec<String> = ["passed", "failed", "error"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let counts = |o: [u64; 3]| -> Vec<(String, u64)> { names.iter().cloned().zip(o).collect() };
        let all = counts(outcome.outcomes);
        let per_point: Vec<PointParts> = (0..self.plans.len())
            .map(|p| {
                let stats = self
                    .metrics()
                    .iter()
                    .cloned()
                    .zip(tally.values[p].iter().map(|v| Summary::of(v)))
                    .collect();
                (self.params_json(p), counts(tally.outcomes[p]), stats)
            })
            .collect();
        let top = Top {
            netsim: env!("CARGO_PKG_VERSION"),
            scenario: self.name(),
            seeds: [seeds.start, seeds.end],
            shard: shard.map(|(k, n)| [k, n]),
            runs: outcome.runs,
            outcome: if outcome.passed { "passed" } else { "failed" },
            outcomes: Ordered(&all),
            batch_expectations: &outcome.expectations,
            failed_runs: outcome
                .failures
                .iter()
                .map(|(j, o, e)| Failure {
                    point: j.point,
                    seed: j.seed,
                    outcome: *o,
                    error: e.clone(),
                })
                .collect(),
            points: per_point
                .iter()
                .enumerate()
                .map(|(p, (params, oc, stats))| Point {
                    point: p,
                    params: Ordered(params),
                    runs: oc.iter().map(|(_, n)| n).sum(),
                    outcomes: Ordered(oc),
                    metrics: Ordered(stats),
                })
                .collect(),
        };
        let mut s = serde_json::to_string_pretty(&top).expect("summary serialises");
        s.push('\n');
        s
    }

    fn batch_json(&self, seeds: &Range<u64>, shard: Option<(u64, u64)>) -> String {
        let v = serde_json::json!({
            "netsim": env!("CARGO_PKG_VERSION"),
            "scenario": self.name(),
            "seeds": [seeds.start, seeds.end],
            "points": self.plans.len(),
            "shard": shard.map(|(k, n)| [k, n]),
            "scenario_text": self.text,
        });
        let mut s = serde_json::to_string_pretty(&v).expect("serialises");
        s.push('\n');
        s
    }

    /// Runs the batch (or one shard of it) and writes its files into `dir`.
    /// `progress` is called with the number of runs finished so far.
    pub fn run(
        &self,
        opts: &BatchOptions,
        dir: &Path,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<BatchOutcome, Error> {
        let werr = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Write { path, source }
        };
        fs::create_dir_all(dir).map_err(werr(dir))?;
        let traces = opts.keep_traces.then(|| dir.join("traces"));
        let jobs = self.jobs(&opts.seeds, opts.shard);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.jobs.max(1))
            .build()
            .map_err(|e| Error::Usage(format!("cannot start {} worker threads: {e}", opts.jobs)))?;
        let tmp_runs = dir.join(".runs.jsonl.partial");
        let mut w = std::io::BufWriter::new(fs::File::create(&tmp_runs).map_err(werr(&tmp_runs))?);
        let mut tally = Tally::new(self.plans.len(), self.metrics().len());
        let chunk = (opts.jobs.max(1) * 64).max(256);
        let done = std::sync::atomic::AtomicU64::new(0);
        for part in jobs.chunks(chunk) {
            let records: Vec<RunRecord> = pool.install(|| {
                part.par_iter()
                    .map(|j| {
                        let r = self.run_one(*j, traces.as_deref());
                        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                        progress(n);
                        r
                    })
                    .collect()
            });
            for r in &records {
                writeln!(w, "{}", r.line).map_err(werr(&tmp_runs))?;
                tally.add(r);
            }
        }
        w.flush().map_err(werr(&tmp_runs))?;
        drop(w);
        // Plots are drawn on the batch's own threads too.
        pool.install(|| {
            self.finish(
                opts.seeds.clone(),
                opts.shard,
                tally,
                jobs.len() as u64,
                dir,
                tmp_runs,
            )
        })
    }

    /// Writes summary and metadata (the runs file is already at `tmp_runs`)
    /// and renames everything into place.
    fn finish(
        &self,
        seeds: Range<u64>,
        shard: Option<(u64, u64)>,
        tally: Tally,
        runs: u64,
        dir: &Path,
        tmp_runs: PathBuf,
    ) -> Result<BatchOutcome, Error> {
        let werr = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Write { path, source }
        };
        let expectations = self.judge(&tally);
        let outcomes = tally.outcomes.iter().fold([0u64; 3], |mut a, o| {
            for i in 0..3 {
                a[i] += o[i];
            }
            a
        });
        let passed = if self.plans[0].batch_expect.is_empty() {
            outcomes[1] == 0 && outcomes[2] == 0
        } else {
            outcomes[2] == 0 && expectations.iter().all(|e| e.passed)
        };
        let outcome = BatchOutcome {
            runs,
            outcomes,
            expectations,
            passed,
            failures: tally.failures.clone(),
            values: Vec::new(),
        };
        let summary = self.summary_json(&seeds, shard, &tally, &outcome);
        let meta = self.batch_json(&seeds, shard);
        let tmp = |n: &str| dir.join(format!(".{n}.partial"));
        fs::write(tmp("summary.json"), summary).map_err(werr(&tmp("summary.json")))?;
        fs::write(tmp("batch.json"), meta).map_err(werr(&tmp("batch.json")))?;
        fs::rename(&tmp_runs, dir.join("runs.jsonl")).map_err(werr(&dir.join("runs.jsonl")))?;
        for n in ["summary.json", "batch.json"] {
            fs::rename(tmp(n), dir.join(n)).map_err(werr(&dir.join(n)))?;
        }
        self.plot(&tally.values, dir)?;
        Ok(BatchOutcome {
            values: tally.values,
            ..outcome
        })
    }
}

/// Combines shard folders into the files one unsharded batch would have
/// written.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<(Batch, BatchOutcome), Error> {
    let bad = |m: String| Error::Usage(m);
    let mut meta: Option<(String, [u64; 2], u64)> = None;
    let mut shards: BTreeMap<u64, PathBuf> = BTreeMap::new();
    let mut text = String::new();
    for d in dirs {
        let p = d.join("batch.json");
        let raw = fs::read_to_string(&p).map_err(|source| Error::Read {
            path: p.clone(),
            source,
        })?;
        let v: Json =
            serde_json::from_str(&raw).map_err(|e| bad(format!("{}: {e}", p.display())))?;
        let seeds = [
            v["seeds"][0].as_u64().unwrap_or(0),
            v["seeds"][1].as_u64().unwrap_or(0),
        ];
        let (k, n) = match v["shard"].as_array() {
            Some(a) => (a[0].as_u64().unwrap_or(0), a[1].as_u64().unwrap_or(0)),
            None => (1, 1),
        };
        let this = (
            v["scenario_text"].as_str().unwrap_or("").to_string(),
            seeds,
            n,
        );
        match &meta {
            None => {
                text = this.0.clone();
                meta = Some(this);
            }
            Some(m) if *m != this => {
                return Err(bad(format!(
                    "{} belongs to another batch (different scenario, seeds or shard count)",
                    d.display()
                )));
            }
            _ => {}
        }
        if shards.insert(k, d.clone()).is_some() {
            return Err(bad(format!("shard {k} is given twice")));
        }
    }
    let Some((_, seeds, n)) = meta else {
        return Err(bad("no folders to merge".to_string()));
    };
    let missing: Vec<u64> = (1..=n).filter(|k| !shards.contains_key(k)).collect();
    if !missing.is_empty() {
        return Err(bad(format!("shards {missing:?} of {n} are missing")));
    }
    let batch = Batch::from_text(text).map_err(|error| Error::Invalid {
        file: PathBuf::from("batch.json"),
        error,
    })?;
    let mut records = Vec::new();
    for d in shards.values() {
        let p = d.join("runs.jsonl");
        let raw = fs::read_to_string(&p).map_err(|source| Error::Read {
            path: p.clone(),
            source,
        })?;
        for (i, line) in raw.lines().enumerate() {
            records.push(
                batch
                    .parse_record(line)
                    .map_err(|e| bad(format!("{}:{}: {e}", p.display(), i + 1)))?,
            );
        }
    }
    records.sort_by_key(|r| r.job);
    let expected = batch.jobs(&(seeds[0]..seeds[1]), None);
    let got: Vec<Job> = records.iter().map(|r| r.job).collect();
    if got != expected {
        return Err(bad(format!(
            "the shards hold {} runs, not the {} of the batch (runs missing or repeated)",
            got.len(),
            expected.len()
        )));
    }
    let werr = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Write { path, source }
    };
    fs::create_dir_all(out).map_err(werr(out))?;
    let tmp_runs = out.join(".runs.jsonl.partial");
    let mut w = std::io::BufWriter::new(fs::File::create(&tmp_runs).map_err(werr(&tmp_runs))?);
    let mut tally = Tally::new(batch.plans.len(), batch.metrics().len());
    for r in &records {
        writeln!(w, "{}", r.line).map_err(werr(&tmp_runs))?;
        tally.add(r);
    }
    w.flush().map_err(werr(&tmp_runs))?;
    drop(w);
    let outcome = batch.finish(
        seeds[0]..seeds[1],
        None,
        tally,
        records.len() as u64,
        out,
        tmp_runs,
    )?;
    Ok((batch, outcome))
}

/// A file name part from a metric or parameter name.
fn file_part(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A parameter's values on an axis: numbers as they are, durations in ms,
/// anything else by position (with its names).
fn axis(values: &[Json]) -> (Vec<f64>, Option<Vec<String>>, &'static str) {
    if values.iter().all(|v| v.is_number()) {
        return (
            values
                .iter()
                .map(|v| v.as_f64().unwrap_or(f64::NAN))
                .collect(),
            None,
            "",
        );
    }
    let durations: Option<Vec<f64>> = values
        .iter()
        .map(|v| {
            v.as_str()
                .and_then(|s| sim_core::parse_duration(s).ok())
                .map(|d| d.as_nanos() as f64 / 1e6)
        })
        .collect();
    if let Some(d) = durations {
        return (d, None, "ms");
    }
    let names = values
        .iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .collect();
    (
        (0..values.len()).map(|i| i as f64).collect(),
        Some(names),
        "",
    )
}

impl Batch {
    /// Draws the batch's plots into `dir`: for each metric a histogram and
    /// an empirical CDF without sweeps, or the metric against each swept
    /// parameter (median and p10-p90 band, one line per value of the other
    /// parameters). Returns the files written.
    pub fn plot(&self, values: &[Vec<Vec<f64>>], dir: &Path) -> Result<Vec<PathBuf>, Error> {
        // Drawn in parallel (on the caller's rayon pool), written in order.
        let drawn: Vec<Vec<(String, Vec<u8>)>> = (0..self.metrics().len())
            .into_par_iter()
            .map(|m| self.draw_metric(m, values))
            .collect();
        let mut written = Vec::new();
        for (name, png) in drawn.into_iter().flatten() {
            let to = dir.join(&name);
            let tmp = dir.join(format!(".{name}.partial"));
            fs::write(&tmp, png).map_err(|source| Error::Write {
                path: to.clone(),
                source,
            })?;
            fs::rename(&tmp, &to).map_err(|source| Error::Write {
                path: to.clone(),
                source,
            })?;
            written.push(to);
        }
        Ok(written)
    }

    /// The plots of metric `m`, as (file name, PNG bytes).
    fn draw_metric(&self, m: usize, values: &[Vec<Vec<f64>>]) -> Vec<(String, Vec<u8>)> {
        use reports::plot::{Reference, Scale, Series, ecdf, histogram, metric_vs_param};
        let name = &self.metrics()[m];
        let mut out = Vec::new();
        {
            let scale = Scale::for_metric(name);
            let label = scale.label(name);
            if self.sweep.params.is_empty() {
                let v: Vec<f64> = values[0][m].iter().map(|x| x * scale.factor).collect();
                // A metric with no finite value has nothing to draw.
                if let Ok(png) = histogram(&format!("{} — {name}", self.name()), &label, &v) {
                    out.push((format!("{}-hist.png", file_part(name)), png));
                }
                if let Ok(png) = ecdf(&format!("{} — {name}", self.name()), &label, &v) {
                    out.push((format!("{}-cdf.png", file_part(name)), png));
                }
                return out;
            }
            for (pi, param) in self.sweep.params.iter().enumerate() {
                let (xs, names, unit) = axis(&param.values);
                // One series per combination of the other parameters.
                let mut series: BTreeMap<Vec<usize>, Series> = BTreeMap::new();
                for (point, per_metric) in values.iter().enumerate() {
                    let idx = self.sweep.indices(point);
                    let mut key = idx.clone();
                    key.remove(pi);
                    let label: Vec<String> = self
                        .sweep
                        .values(point)
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| *i != pi)
                        .map(|(_, (n, v))| {
                            format!(
                                "{n}={}",
                                v.as_str().map_or_else(|| v.to_string(), str::to_string)
                            )
                        })
                        .collect();
                    let v: Vec<f64> = per_metric[m].iter().map(|x| x * scale.factor).collect();
                    let (Some(p10), Some(p50), Some(p90)) = (
                        Summary::percentile(&v, 10.0),
                        Summary::percentile(&v, 50.0),
                        Summary::percentile(&v, 90.0),
                    ) else {
                        continue;
                    };
                    let s = series.entry(key).or_insert_with(|| Series {
                        label: if label.is_empty() {
                            "all runs".to_string()
                        } else {
                            label.join(", ")
                        },
                        points: Vec::new(),
                    });
                    s.points.push((xs[idx[pi]], p10, p50, p90));
                }
                let mut series: Vec<Series> = series.into_values().collect();
                for s in &mut series {
                    s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
                }
                let reference = self.plans[0].reference.as_ref().and_then(|r| {
                    (r.metric == *name && r.param == param.name).then(|| {
                        let mss_bits = f64::from(r.mathis.mss) * 8.0;
                        let rtt = r.mathis.rtt.0.as_nanos() as f64 / 1e9;
                        let (lo, hi) = xs
                            .iter()
                            .fold((f64::INFINITY, 0f64), |(a, b), x| (a.min(*x), b.max(*x)));
                        let points = (0..=100)
                            .map(|i| lo + (hi - lo) * f64::from(i) / 100.0)
                            .filter(|p| *p > 0.0)
                            .map(|p| {
                                (
                                    p,
                                    mss_bits / rtt * (1.5f64).sqrt() / p.sqrt() * scale.factor,
                                )
                            })
                            .collect();
                        Reference {
                            label: format!(
                                "Mathis: MSS/RTT x sqrt(3/2)/sqrt(p), MSS {} B, RTT {}",
                                r.mathis.mss, r.mathis.rtt.0
                            ),
                            points,
                        }
                    })
                });
                let x_label = if unit.is_empty() {
                    param.name.clone()
                } else {
                    format!("{} ({unit})", param.name)
                };
                if let Ok(png) = metric_vs_param(
                    &format!("{} — {name}", self.name()),
                    &x_label,
                    &label,
                    &series,
                    reference.as_ref(),
                    names.as_deref(),
                ) {
                    out.push((
                        format!("{}-vs-{}.png", file_part(name), file_part(&param.name)),
                        png,
                    ));
                }
            }
        }
        out
    }
}
