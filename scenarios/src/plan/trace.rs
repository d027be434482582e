//! The `trace` section checked: which records the trace files hold.

use sim_core::{Kind, NodeId, Topology, TraceRecord};

use super::check;
use crate::error::InputError;
use crate::format::TraceSpec;
use crate::vocab;

/// Which records `trace.jsonl` and `trace.txt` hold. The pcap, the
/// pictures and the summary always see every record, so they do not change
/// with the filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceFilter {
    /// Only these kinds (all when empty).
    pub kinds: Vec<Kind>,
    /// Only records at these nodes (all when empty).
    pub nodes: Vec<NodeId>,
}

impl TraceFilter {
    /// Whether the trace files hold `r`.
    pub fn keeps(&self, r: &TraceRecord) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&r.kind))
            && (self.nodes.is_empty() || self.nodes.contains(&r.node))
    }
}

/// Checks the `trace` section's names against the vocabulary and the
/// topology.
pub(super) fn trace_filter(
    spec: Option<&TraceSpec>,
    topology: &Topology,
) -> Result<TraceFilter, InputError> {
    let Some(spec) = spec else {
        return Ok(TraceFilter::default());
    };
    let kinds = spec
        .kinds
        .iter()
        .enumerate()
        .map(|(i, k)| vocab::kind(k, &format!("trace.kinds[{i}]")))
        .collect::<Result<_, _>>()?;
    let nodes = spec
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| check::node(topology, &format!("trace.nodes[{i}]"), n))
        .collect::<Result<_, _>>()?;
    Ok(TraceFilter { kinds, nodes })
}
