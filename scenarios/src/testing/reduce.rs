//! What of a run goes into its snapshot: the scenario's own selection
//! ([`snapshot_text`]) or the library's policy ([`library_snapshot_text`]),
//! and a whole (possibly swept) scenario's text ([`snapshot`]).

use sim_core::{Kind, TraceRecord};

use crate::error::InputError;
use crate::plan::{MetricSelection, Plan};
use crate::run::{RunOutput, run};
use crate::sweep::Sweep;

/// Which reduction a snapshot uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// What the scenario's `snapshot` section chooses (by default the
    /// significant events and every metric): [`snapshot_text`].
    Scenario,
    /// The shipped library's: the whole `trace.txt` when it is short, its
    /// significant events and the metrics when it is long:
    /// [`library_snapshot_text`].
    Library,
}

/// The library keeps a trace whole up to this many lines. Longer traces are
/// snapshotted as their significant events (a bulk transfer's hundreds of
/// thousands of segment lines cannot be reviewed as a diff) together with
/// the run's metrics, which pin the rest.
pub const FULL_TRACE_LINES: usize = 20_000;

/// The kinds the library keeps of a long trace.
const LIBRARY_KINDS: [Kind; 7] = [
    Kind::TcpState,
    Kind::TcpApp,
    Kind::LinkDrop,
    Kind::TcpDrop,
    Kind::TcpChallengeAck,
    Kind::TcpUnmatched,
    Kind::LinkChange,
];

/// Appends `# metrics` and a `name = value` line for each metric.
fn push_metrics<'a>(
    text: &mut String,
    metrics: impl IntoIterator<Item = &'a (String, sim_core::Value)>,
) {
    text.push_str("# metrics\n");
    for (k, v) in metrics {
        text.push_str(&format!("{k} = {}\n", value_text(v)));
    }
}

/// A metric's value as a reader writes it: `20`, `0.5`, `true`, `"text"`.
fn value_text(v: &sim_core::Value) -> String {
    use sim_core::Value;
    match v {
        Value::U64(n) => n.to_string(),
        Value::I64(n) => n.to_string(),
        Value::F64(x) => x.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Str(s) => format!("{s:?}"),
        Value::Node(n) => format!("node {}", n.0),
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(value_text).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

/// The snapshot of one run as the scenario's `snapshot` section chooses:
/// the kept records as `trace.txt` lines, then `# metrics` and the chosen
/// metrics (nothing of them when the section says `"metrics": false`).
pub fn snapshot_text(plan: &Plan, out: &RunOutput) -> String {
    let sel = &plan.snapshot;
    let kept: Vec<TraceRecord> = out
        .records
        .iter()
        .filter(|r| sel.kinds.contains(&r.kind))
        .filter(|r| sel.nodes.as_ref().is_none_or(|n| n.contains(&r.node)))
        .cloned()
        .collect();
    let mut text = reports::text::render(&plan.topology, &kept);
    match &sel.metrics {
        MetricSelection::All => push_metrics(&mut text, &out.metrics),
        MetricSelection::None => {}
        MetricSelection::Named(names) => {
            let chosen: Vec<&(String, sim_core::Value)> = names
                .iter()
                .filter_map(|n| out.metrics.iter().find(|(k, _)| k == n))
                .collect();
            push_metrics(&mut text, chosen);
        }
    }
    text
}

/// The snapshot of one run under the library's policy: what the
/// scenario's `snapshot` section chooses when it has one (a scenario whose
/// significant events alone run to thousands of drops says what to keep);
/// otherwise the whole `trace.txt` when it has at most
/// [`FULL_TRACE_LINES`] lines, else a line saying how long it was, the
/// significant events and every metric.
pub fn library_snapshot_text(plan: &Plan, out: &RunOutput) -> String {
    if plan.snapshot != crate::plan::SnapshotSelection::default() {
        return snapshot_text(plan, out);
    }
    let full = reports::text::render(&plan.topology, &out.records);
    if full.lines().count() <= FULL_TRACE_LINES {
        return full;
    }
    let kept: Vec<TraceRecord> = out
        .records
        .iter()
        .filter(|r| LIBRARY_KINDS.contains(&r.kind))
        .cloned()
        .collect();
    let mut text = format!(
        "# {} trace lines; significant events and metrics only\n",
        full.lines().count()
    );
    text.push_str(&reports::text::render(&plan.topology, &kept));
    push_metrics(&mut text, &out.metrics);
    text
}

/// Checks every point of a (possibly swept) scenario, in point order; the
/// first bad point is the error.
pub fn plan_points(sweep: &Sweep) -> Result<Vec<Plan>, InputError> {
    (0..sweep.points())
        .map(|k| crate::plan_point(sweep, k))
        .collect()
}

/// Checks and runs every point of a scenario with its own seed.
pub fn run_points(sweep: &Sweep) -> Result<Vec<(Plan, RunOutput)>, InputError> {
    Ok(plan_points(sweep)?
        .into_iter()
        .map(|plan| {
            let out = run(&plan, plan.default_seed);
            (plan, out)
        })
        .collect())
}

/// The snapshot of a whole scenario: its one run's text, or for a sweep
/// each point's text after a `## point K: name=value, ...` line.
pub fn snapshot(sweep: &Sweep, points: &[(Plan, RunOutput)], policy: Policy) -> String {
    let mut text = String::new();
    for (k, (plan, out)) in points.iter().enumerate() {
        if points.len() > 1 {
            let at: Vec<String> = sweep
                .values(k)
                .iter()
                .map(|(name, v)| format!("{name}={v}"))
                .collect();
            text.push_str(&format!("## point {k}: {}\n", at.join(", ")));
        }
        text.push_str(&match policy {
            Policy::Scenario => snapshot_text(plan, out),
            Policy::Library => library_snapshot_text(plan, out),
        });
    }
    text
}
