//! One run of a batch: its line in `runs.jsonl` and the metric values the
//! summary needs, and the same read back from a line (for merges).

use std::path::Path;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value as Json;

use super::{Batch, Job, RunRecord};
use crate::error::Error;
use crate::json::number;
use crate::plan::as_number;
use crate::run::{Observed, Outcome, run_with};

/// A JSON object from pairs, in their order.
pub(super) struct Ordered<'a, V: Serialize>(pub(super) &'a [(String, V)]);

impl<V: Serialize> Serialize for Ordered<'_, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Batch {
    /// Runs one job; with `traces`, keeps its files in a folder of its own
    /// there (a failed write fails the batch: a kept trace is an output).
    pub fn run_one(&self, job: Job, traces: Option<&Path>) -> Result<RunRecord, Error> {
        let plan = &self.plans[job.point];
        let needs_trace = traces.is_some()
            || plan
                .expectations
                .iter()
                .any(|e| !matches!(e.measure, crate::plan::Measure::Metric(_)));
        let out = run_with(plan, job.seed, needs_trace);
        if let Some(dir) = traces {
            let d = dir.join(format!("p{}-s{}", job.point, job.seed));
            let _writing = crate::staging::writing();
            crate::output::write_outputs(&d, plan, &out)?;
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
        Ok(RunRecord {
            job,
            outcome: out.outcome,
            error: out.error.clone(),
            metrics,
            line,
        })
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
