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
//!
//! The parts: running the jobs and writing the files (here), one run's
//! record (`record`), the statistics and the batch's own expectations
//! (`summary`), combining shards (`merge`) and the plots (`plots`).

use std::fs;
use std::io::Write;
use std::ops::Range;
use std::path::Path;

use rayon::prelude::*;
use reports::Format;
use serde_json::Value as Json;

use crate::error::{Error, InputError};
use crate::plan::Plan;
use crate::run::Outcome;
use crate::staging::{Staging, werr};
use crate::sweep::Sweep;

mod merge;
mod plots;
mod record;
mod summary;

pub use merge::merge;
use summary::Tally;
pub use summary::{BatchExpectResult, BatchOutcome};

/// The most runs (sweep points times seeds) one batch holds; its summary
/// keeps each run's metric values in memory (README, "Limits").
pub const MAX_RUNS: u64 = 1_000_000;

/// The files and the folder a batch writes.
const RUNS: &str = "runs.jsonl";
const SUMMARY: &str = "summary.json";
const META: &str = "batch.json";
const TRACES: &str = "traces";

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
    /// The plots' file format (a shard draws none).
    pub format: Format,
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

impl Batch {
    /// Refuses a batch of more than [`MAX_RUNS`] runs (sweep points times
    /// seeds) before anything is allocated for it: its summary keeps every
    /// run's metric values, so the size must be bounded up front.
    pub fn check_size(&self, seeds: &Range<u64>) -> Result<(), Error> {
        let runs = (self.plans.len() as u128) * u128::from(seeds.end - seeds.start);
        if runs > MAX_RUNS as u128 {
            return Err(Error::Usage(format!(
                "--seeds {}..{}: {} sweep point(s) times {} seeds is {runs} runs; a batch holds at most {MAX_RUNS} (split the seeds over several batches)",
                seeds.start,
                seeds.end,
                self.plans.len(),
                seeds.end - seeds.start
            )));
        }
        Ok(())
    }

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
        debug_assert!(self.check_size(seeds).is_ok(), "checked before");
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

    /// Runs the batch (or one shard of it) and writes its files into `dir`,
    /// all of them put in place together once complete
    /// (docs/ARCHITECTURE.md, "Outputs are all or nothing").
    /// `progress` is called with the number of runs finished so far.
    pub fn run(
        &self,
        opts: &BatchOptions,
        dir: &Path,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<BatchOutcome, Error> {
        self.check_size(&opts.seeds)?;
        let staging = Staging::open(dir)?;
        let result = (|| {
            let mut names = Vec::new();
            let traces = opts.keep_traces.then(|| staging.temp(TRACES));
            let jobs = self.jobs(&opts.seeds, opts.shard);
            // No more threads than runs.
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(opts.jobs.clamp(1, jobs.len().max(1)))
                .build()
                .map_err(|e| {
                    Error::Usage(format!("cannot start {} worker threads: {e}", opts.jobs))
                })?;
            let tmp_runs = staging.temp(RUNS);
            let mut w =
                std::io::BufWriter::new(fs::File::create(&tmp_runs).map_err(werr(&tmp_runs))?);
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
                        .collect::<Result<_, _>>()
                })?;
                for r in &records {
                    writeln!(w, "{}", r.line).map_err(werr(&tmp_runs))?;
                    tally.add(r);
                }
            }
            w.flush().map_err(werr(&tmp_runs))?;
            drop(w);
            if traces.as_deref().is_some_and(Path::is_dir) {
                names.push(TRACES.to_string());
            }
            // Plots are drawn on the batch's own threads too. A shard's
            // plots would show a slice; the merge draws the whole.
            let outcome = pool.install(|| {
                let (outcome, written) = self.finish(
                    opts.seeds.clone(),
                    opts.shard,
                    tally,
                    jobs.len() as u64,
                    &staging,
                )?;
                names.extend(written);
                if opts.shard.is_none() {
                    names.extend(self.plot(&outcome.values, &staging, opts.format)?);
                }
                Ok::<_, Error>(outcome)
            })?;
            Ok((outcome, names))
        })();
        staging
            .finish(result, &|_| false)
            .map(|(outcome, _)| outcome)
    }

    /// Writes the summary and metadata beside the runs file (all under
    /// temporary names) and returns the outcome and the names written.
    fn finish(
        &self,
        seeds: Range<u64>,
        shard: Option<(u64, u64)>,
        tally: Tally,
        runs: u64,
        staging: &Staging,
    ) -> Result<(BatchOutcome, Vec<String>), Error> {
        // A shard holds a slice of the batch: its expectations are judged
        // only on the whole, at merge (or in an unsharded batch).
        let expectations = if shard.is_none() {
            self.judge(&tally)
        } else {
            Vec::new()
        };
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
            shard,
            failures: tally.failures.clone(),
            values: Vec::new(),
        };
        let summary = self.summary_json(&seeds, shard, &tally, &outcome);
        let meta = self.batch_json(&seeds, shard);
        staging.write(SUMMARY, summary.as_bytes())?;
        staging.write(META, meta.as_bytes())?;
        let names = [RUNS, SUMMARY, META].map(String::from).to_vec();
        Ok((
            BatchOutcome {
                values: tally.values,
                ..outcome
            },
            names,
        ))
    }
}
