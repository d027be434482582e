//! The `derived` section: figures computed after the run from others.

use schemars::JsonSchema;
use serde::Deserialize;

/// A figure computed from the run's metrics once it is over, reported as
/// `derived.<name>` beside them: usable in `expect`, `metrics` and
/// `batch_expect`. Give exactly one of `jain`, `sum`, `ratio` and
/// `utilisation`. A derived figure is absent when a metric it reads is
/// (something never happened) or it would divide by zero. Each may read
/// the derived figures listed before it.
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
}

super::objects::objects_only!(DerivedSpec);
