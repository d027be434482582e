//! The `trace` section: which records `trace.jsonl` and `trace.txt` hold.

use schemars::JsonSchema;
use serde::Deserialize;

/// Limits `trace.jsonl` and `trace.txt` to some records, for a long run
/// whose full trace would be too big to read. The pcap, the pictures and
/// `summary.json` still see every record, so they do not change. The
/// command line's `--trace-kinds` and `--trace-nodes` replace these.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct TraceSpec {
    /// Only these kinds, as in `trace.jsonl` (`"tcp_state"`, ...; default:
    /// every kind).
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Only records written at these nodes (default: every node).
    #[serde(default)]
    pub nodes: Vec<String>,
}

super::objects::objects_only!(TraceSpec);
