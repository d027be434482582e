//! The `timeseries` section: values sampled inside the run.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Duration;

/// Samples every flow (congestion window, SRTT, bytes in flight, goodput)
/// and every link direction (queue packets and bytes, sending rate, drops)
/// at a fixed interval from the start, into `timeseries.csv`. Sampled from
/// the models, not from the trace, so trace filters do not change it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct TimeSeriesSpec {
    /// The sampling interval ("100ms"): longer than 0, at most the run's
    /// `stop_at`, and at most 1,000,000 samples in all.
    pub interval: Duration,
}

super::objects::objects_only!(TimeSeriesSpec);
