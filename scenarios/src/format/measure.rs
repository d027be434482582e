//! The `measure` section: the window rates are measured over.

use schemars::JsonSchema;
use serde::Deserialize;

use super::Duration;

/// Measure rates and means over `[from, to]` instead of the whole run, to
/// leave out a warm-up (slow start) or a cool-down: every `goodput_bps`
/// (TCP: bytes acknowledged; UDP sink: bytes received, in the window, over
/// its length), every derived `utilisation`, and the ping's `rtt_mean_ns`
/// and the UDP sink's `delay_mean_ns` (over what arrived in the window).
/// Counters, times, minima, maxima, percentiles and TLS page times stay
/// over the whole run.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct MeasureSpec {
    /// Where the window starts.
    pub from: Duration,
    /// Where it ends (default: `stop_at`); after `from`, at most
    /// `stop_at`.
    #[serde(default)]
    pub to: Option<Duration>,
}

super::objects::objects_only!(MeasureSpec);
