//! The `derived` section: figures computed after the run from others.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Stat;

/// A figure computed from the run's metrics once it is over, reported as
/// `derived.<name>` beside them: usable in `expect`, `metrics` and
/// `batch_expect`. Give exactly one of `jain`, `sum`, `ratio`,
/// `utilisation` and `series`. A derived figure is absent when a metric it
/// reads is (something never happened), it would divide by zero, or its
/// series was never sampled. Each may read the derived figures listed
/// before it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct DerivedSpec {
    /// Its name: the figure is `derived.<name>`.
    pub name: String,
    /// Jain's fairness index of these metrics (at least two): (Σx)² / (n
    /// Σx²), 1 when all are equal, 1/n when one has everything.
    #[serde(default)]
    pub jain: Option<Vec<String>>,
    /// The sum of these metrics.
    #[serde(default)]
    pub sum: Option<Vec<String>>,
    /// The first metric divided by the second.
    #[serde(default)]
    pub ratio: Option<Vec<String>>,
    /// A link direction `"from->to"`: the bits whose transmission began
    /// during the run over its bandwidth times the run's length (a
    /// fraction; the direction needs a bandwidth that no action changes).
    #[serde(default)]
    pub utilisation: Option<String>,
    /// A statistic of one time series over its samples in the `measure`
    /// window (all of them without one): the queue a link direction held
    /// on average, a flow's 90th-percentile window. Needs the
    /// `timeseries` section.
    #[serde(default)]
    pub series: Option<SeriesStatSpec>,
}

/// Which time series, and what of it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct SeriesStatSpec {
    /// The series, as in `timeseries.csv`'s `series` column:
    /// `queue_packets`, `cwnd_bytes`, ...
    pub name: String,
    /// Its key, as in `timeseries.csv`'s `key` column: a link direction
    /// `"from->to"` for the link series, a flow end
    /// `"node:port-peer:port"` for the flow series.
    pub key: String,
    /// The statistic: `mean`, `std`, `min`, `p50`, `p90`, `p99` or `max`
    /// (percentiles within 1/1024 of the true value above 1023).
    pub stat: Stat,
}

super::objects::objects_only!(DerivedSpec);
super::objects::objects_only!(SeriesStatSpec);
