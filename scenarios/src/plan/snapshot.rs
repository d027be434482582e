//! The `snapshot` section: which trace kinds, nodes and metrics a snapshot
//! test keeps. Kind names are checked against the trace vocabulary (the same
//! check and message as `count.kind`), nodes against the topology, metric
//! names against the figures the run will report.

use sim_core::{Kind, NodeId, Topology};

use super::metrics::MetricNames;

use super::check;
use crate::error::InputError;
use crate::format::{KindsChoice, MetricsChoice, SnapshotSpec};
use crate::vocab;

/// The trace kinds a snapshot keeps when the scenario does not choose:
/// TCP state changes, application events, TLS states (alerts included),
/// DNS steps and drops.
pub const SIGNIFICANT_KINDS: [Kind; 6] = [
    Kind::TcpState,
    Kind::TcpApp,
    Kind::TlsState,
    Kind::Dns,
    Kind::LinkDrop,
    Kind::TcpDrop,
];

/// What a scenario's snapshot holds, resolved from its `snapshot` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotSelection {
    /// Trace records of these kinds are kept.
    pub kinds: Vec<Kind>,
    /// Only records written at these nodes; `None` for every node.
    pub nodes: Option<Vec<NodeId>>,
    /// Which metrics follow the records.
    pub metrics: MetricSelection,
}

/// Which metrics a snapshot keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricSelection {
    /// Every metric, in the run's fixed order.
    All,
    /// No metric (and no `# metrics` line).
    None,
    /// These, in this order.
    Named(Vec<String>),
}

impl Default for SnapshotSelection {
    /// The significant events at every node, and every metric.
    fn default() -> Self {
        SnapshotSelection {
            kinds: SIGNIFICANT_KINDS.to_vec(),
            nodes: None,
            metrics: MetricSelection::All,
        }
    }
}

/// Checks the `snapshot` section against the vocabulary, the topology and
/// the metric names the run reports.
pub(super) fn snapshot(
    spec: Option<&SnapshotSpec>,
    topology: &Topology,
    known: &MetricNames,
) -> Result<SnapshotSelection, InputError> {
    let mut selection = SnapshotSelection::default();
    let Some(spec) = spec else {
        return Ok(selection);
    };
    match &spec.kinds {
        None => {}
        Some(KindsChoice::All(_)) => selection.kinds = Kind::ALL.to_vec(),
        Some(KindsChoice::Named(kinds)) => {
            selection.kinds = kinds
                .iter()
                .enumerate()
                .map(|(i, k)| vocab::kind(k, &format!("snapshot.kinds[{i}]")))
                .collect::<Result<_, _>>()?;
        }
    }
    if let Some(nodes) = &spec.nodes {
        let ids = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| check::node(topology, &format!("snapshot.nodes[{i}]"), n))
            .collect::<Result<_, _>>()?;
        selection.nodes = Some(ids);
    }
    selection.metrics = match &spec.metrics {
        None | Some(MetricsChoice::All(true)) => MetricSelection::All,
        Some(MetricsChoice::All(false)) => MetricSelection::None,
        Some(MetricsChoice::Named(names)) => {
            for (i, m) in names.iter().enumerate() {
                if !known.contains(m) {
                    return Err(InputError::at(
                        format!("snapshot.metrics[{i}]"),
                        format!(
                            "unknown metric {m:?}; the metrics are: {}",
                            known.all().into_iter().collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
            }
            MetricSelection::Named(names.clone())
        }
    };
    Ok(selection)
}
