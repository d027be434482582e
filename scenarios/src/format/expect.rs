//! What a run, or a batch of runs, must show for it to pass: the `expect`,
//! `metrics`, `batch_expect` and `reference` sections.
//!
//! Each expectation names one thing to measure and bounds on it; which
//! combinations make sense is checked in `plan`, where the names
//! can be resolved.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::values::{Duration, Quantity};

/// One expectation: a `metric` or a `count` of trace events, with bounds.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct ExpectSpec {
    /// Words to show with the result.
    #[serde(default)]
    pub description: Option<String>,
    /// A figure from the run summary, such as `a.ping.received` or
    /// `link.a->r.dropped_queue_full`.
    #[serde(default)]
    pub metric: Option<String>,
    /// Counts trace events of a kind, optionally at a node and with given
    /// field values.
    #[serde(default)]
    pub count: Option<CountSpec>,
    /// With `passes_through`, `in_state` or `ends_in`: the host whose TCP
    /// connections are checked.
    #[serde(default)]
    pub node: Option<String>,
    /// One of the node's connections goes through exactly these states, one
    /// right after the other (`["FIN_WAIT_1", "TIME_WAIT"]` fails if
    /// FIN_WAIT_2 came between).
    #[serde(default)]
    pub passes_through: Option<Vec<String>>,
    /// One of the node's connections is in this state at time `at`.
    #[serde(default)]
    pub in_state: Option<String>,
    /// With `in_state`: when.
    #[serde(default)]
    pub at: Option<Duration>,
    /// One of the node's connections ends the run in this state, reached no
    /// later than `by` (if given).
    #[serde(default)]
    pub ends_in: Option<String>,
    /// With `ends_in`: the latest time to reach it.
    #[serde(default)]
    pub by: Option<Duration>,
    /// The value must equal this.
    #[serde(default)]
    pub equals: Option<Quantity>,
    /// The value must be at least this.
    #[serde(default)]
    pub at_least: Option<Quantity>,
    /// The value must be at most this.
    #[serde(default)]
    pub at_most: Option<Quantity>,
    /// With `metric`: `true`, the observation was never made (a flow that
    /// never completed has no completion time; a ping without a reply has
    /// no round-trip time); `false`, it was made (and meets any bounds
    /// given). A bound on an observation never made fails ("never
    /// happened"): it is never read as 0.
    #[serde(default)]
    pub absent: Option<bool>,
}

/// Which trace events to count: `kind` and `node`, plus any field values
/// (`"reason": "queue_full"`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
pub struct CountSpec {
    /// Event kind, as in `trace.jsonl`.
    pub kind: String,
    /// Only events at this node.
    #[serde(default)]
    pub node: Option<String>,
    /// Field values the event must have.
    #[serde(flatten)]
    pub fields: BTreeMap<String, serde_json::Value>,
}

/// A reference curve for a batch plot.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct ReferenceSpec {
    /// The metric it is drawn with.
    pub metric: String,
    /// The swept parameter (by name) on the x axis: a loss probability.
    pub param: String,
    /// The Mathis et al. steady-state TCP throughput,
    /// MSS / RTT x sqrt(3/2) / sqrt(p), in bits per second.
    pub mathis: MathisSpec,
}

/// Parameters of the Mathis formula.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct MathisSpec {
    /// Segment size, bytes.
    pub mss: u32,
    /// Round-trip time.
    pub rtt: Duration,
}

/// A statistic of a metric over a batch's runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Stat {
    /// Arithmetic mean.
    Mean,
    /// Sample standard deviation.
    Std,
    /// Smallest value.
    Min,
    /// Median (nearest rank).
    P50,
    /// 90th percentile (nearest rank).
    P90,
    /// 99th percentile (nearest rank).
    P99,
    /// Largest value.
    Max,
}

/// A batch expectation: a `stat` of a `metric`, or the `success_rate` (the
/// fraction of runs whose expectations all passed), with bounds.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct BatchExpectSpec {
    /// Words to show with the result.
    #[serde(default)]
    pub description: Option<String>,
    /// The metric.
    #[serde(default)]
    pub metric: Option<String>,
    /// Which statistic of it (default `mean`).
    #[serde(default)]
    pub stat: Option<Stat>,
    /// Measure the fraction of runs that passed instead.
    #[serde(default)]
    pub success_rate: Option<bool>,
    /// The value must equal this.
    #[serde(default)]
    pub equals: Option<Quantity>,
    /// The value must be at least this.
    #[serde(default)]
    pub at_least: Option<Quantity>,
    /// The value must be at most this.
    #[serde(default)]
    pub at_most: Option<Quantity>,
}

/// The bounds of an expectation: `equals`, `at_least`, `at_most`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Bounds {
    /// The value must equal this.
    pub equals: Option<Quantity>,
    /// The value must be at least this.
    pub at_least: Option<Quantity>,
    /// The value must be at most this.
    pub at_most: Option<Quantity>,
}

impl Bounds {
    /// Whether no bound is given.
    pub fn is_empty(&self) -> bool {
        self.equals.is_none() && self.at_least.is_none() && self.at_most.is_none()
    }

    /// Whether `observed` lies within every bound given.
    pub fn hold(&self, observed: f64) -> bool {
        self.equals.is_none_or(|q| observed == q.value())
            && self.at_least.is_none_or(|q| observed >= q.value())
            && self.at_most.is_none_or(|q| observed <= q.value())
    }

    /// The expectation in words: `what = 3 and what <= 20ms`, with the
    /// user's description in front if there is one.
    pub fn describe(&self, what: &str, description: Option<&str>) -> String {
        let mut parts = Vec::new();
        if let Some(q) = &self.equals {
            parts.push(format!("{what} = {q}"));
        }
        if let Some(q) = &self.at_least {
            parts.push(format!("{what} >= {q}"));
        }
        if let Some(q) = &self.at_most {
            parts.push(format!("{what} <= {q}"));
        }
        let s = parts.join(" and ");
        match description {
            Some(d) => format!("{d} ({s})"),
            None => s,
        }
    }
}

super::objects::objects_only!(
    ExpectSpec,
    CountSpec,
    ReferenceSpec,
    MathisSpec,
    BatchExpectSpec
);
