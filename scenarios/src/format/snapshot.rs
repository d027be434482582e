//! The `snapshot` section: what of a run `netsim test` and
//! `scenarios::testing` keep as the scenario's snapshot.
//!
//! Names are checked in `plan` against the trace vocabulary, the topology
//! and the metrics the run reports; the default (no `snapshot` field) is
//! documented on [`SnapshotSpec`].

use schemars::JsonSchema;
use serde::Deserialize;

/// What the snapshot of this scenario holds: the trace records of the given
/// kinds at the given nodes, one `trace.txt` line each, then `# metrics`
/// and the chosen metrics, one `name = value` line each.
///
/// Without this field the snapshot holds the significant events (TCP state
/// changes `tcp_state`, application events `tcp_app`, TLS states and alerts
/// `tls_state`, DNS steps `dns`, drops `link_drop` and `tcp_drop`) at every
/// node, and every metric.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct SnapshotSpec {
    /// Trace kinds to keep, as in `trace.jsonl` (`"tcp_state"`,
    /// `"link_drop"`, ...), or `"all"` for every kind; an empty list keeps
    /// no trace record (default: the significant events).
    #[serde(default)]
    pub kinds: Option<KindsChoice>,
    /// Keep only records written at these nodes (default: every node).
    /// Metrics are chosen by `metrics` alone.
    #[serde(default)]
    pub nodes: Option<Vec<String>>,
    /// Which metrics to keep: `true` every one (the default), `false` none,
    /// or a list of metric names, kept in the listed order.
    #[serde(default)]
    pub metrics: Option<MetricsChoice>,
}

/// `"all"` or a list of trace kinds.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "\"all\" or a list of trace kinds like [\"tcp_state\", \"link_drop\"]"
)]
pub enum KindsChoice {
    /// `"all"`: every record of the run.
    All(AllWord),
    /// These kinds.
    Named(Vec<String>),
}

/// The word `"all"`.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
pub enum AllWord {
    /// Every kind.
    #[serde(rename = "all")]
    All,
}

/// `true`, `false` or a list of metric names.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "true, false or a list of metric names like [\"a.ping.received\"]"
)]
pub enum MetricsChoice {
    /// Every metric (`true`) or none (`false`).
    All(bool),
    /// These metrics, in this order.
    Named(Vec<String>),
}

super::objects::objects_only!(SnapshotSpec);
