//! The scenario file, version 1, as it is written in JSON.
//!
//! Every struct refuses unknown fields, and every value with a unit or a range
//! is parsed into a checked type as it is read, so a mistake is reported with
//! the JSON path of the offending value (`topology.links[2].delay: "10
//! parsecs" is not a duration ...`). What can only be checked against the
//! rest of the file (node names, reachability) is checked in
//! `plan`, which reports the same kind of path.
//!
//! The types follow the file's sections, one submodule each, so the Rust
//! side reads in the same order as a scenario: [`ScenarioFile`] here, then
//! its topology, the applications on the hosts (endpoints), the changes and
//! faults put into the network, the expectations, and what a snapshot test
//! keeps. Values with units
//! (durations, rates, probabilities, bounds) sit apart because every section
//! uses them. The JSON Schema that `netsim schema` prints is derived from
//! these types, doc comments included.

use schemars::JsonSchema;
use serde::Deserialize;

mod apps;
mod derived;
mod expect;
mod faults;
mod generate;
mod measure;
mod objects;
mod series;
mod snapshot;
mod topology;
mod trace;
mod values;

pub use apps::{
    AnswersName, CertificateSpec, CloseWhen, CongestionName, CwndUnitName, DelegationSpec,
    DnsClientSpec, DnsResolverSpec, DnsServerSpec, EcnName, EndpointSpec, ExtensionsSpec, HttpSpec,
    HyStartName, IdleRestartName, IssuerName, MisbehaveSpec, MitmSpec, NagleRuleName, ObserverSpec,
    OnOffSpec, ParetoSpec, PeriodSpec, PingSpec, ProfileName, PushName, RackRttName, ReconnectName,
    ResponseSpec, ServerCloseSpec, SizeDistSpec, SizeParetoSpec, SizeSpec, SoaSpec, SynFloodSpec,
    TcpSpec, TlsSpec, TlsVersionName, UdpSpec, WindowUpdateName, ZoneRecordSpec,
};
pub use derived::{DerivedSpec, SeriesStatSpec};
pub use expect::{BatchExpectSpec, Bounds, CountSpec, ExpectSpec, MathisSpec, ReferenceSpec, Stat};
pub use faults::{
    ActionSpec, FaultSpec, InjectSpec, InjectTcp, InjectTimestamps, TamperActionSpec, TamperName,
    TamperSpec,
};
pub use generate::{
    DumbbellSpec, EcmpName, FatTreeSpec, FlowsSpec, GeneratorSpec, ParkingLotSpec, RoutingSpec,
};
pub use measure::MeasureSpec;
pub use series::TimeSeriesSpec;
pub use snapshot::{AllWord, KindsChoice, MetricsChoice, SnapshotSpec};
pub use topology::{
    CodelSpec, DisciplineName, DisciplineSpec, FqCodelSpec, LinkParamsSpec, LinkSpec, MarkSpec,
    OneWaySpec, PieSpec, RedSpec, TokenBucketSpec, TopologySpec, TunedDiscipline,
};
pub use trace::TraceSpec;
pub use values::{Bandwidth, Count, Duration, Isns, Probability, Quantity, StartSpec};

/// A whole scenario.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Short name, used for the default output folder and in summaries.
    pub name: String,
    /// What the scenario shows, for people reading the library.
    #[serde(default)]
    pub description: Option<String>,
    /// Run seed when the command line gives none.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Simulated time at which the run stops even if events remain
    /// (default `"1h"`). A run also stops when nothing is left to happen.
    #[serde(default)]
    pub stop_at: Option<Duration>,
    /// Nodes and links.
    pub topology: TopologySpec,
    /// How routers choose among equally short paths.
    #[serde(default)]
    pub routing: Option<RoutingSpec>,
    /// What runs on the hosts. Every host answers echo requests.
    #[serde(default)]
    pub endpoints: Vec<EndpointSpec>,
    /// TCP flows between groups of hosts, expanded into endpoints after
    /// the plain ones.
    #[serde(default)]
    pub flows: Vec<FlowsSpec>,
    /// Changes to the network at given times.
    #[serde(default)]
    pub actions: Vec<ActionSpec>,
    /// Crafted segments to put into the network.
    #[serde(default)]
    pub inject: Vec<InjectSpec>,
    /// Packets to drop, delay or duplicate on purpose.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
    /// What must be true of the run for it to pass.
    #[serde(default)]
    pub expect: Vec<ExpectSpec>,
    /// The metrics that matter in a batch: summarised, plotted and kept in
    /// `runs.jsonl` (default: every metric that is not a link counter).
    #[serde(default)]
    pub metrics: Vec<String>,
    /// What must be true of a batch, for each point of a sweep.
    #[serde(default)]
    pub batch_expect: Vec<BatchExpectSpec>,
    /// A formula drawn with a metric in the batch's metric-versus-parameter
    /// plot, for comparison.
    #[serde(default)]
    pub reference: Option<ReferenceSpec>,
    /// What `netsim test` keeps as this scenario's snapshot (default: the
    /// significant events and every metric).
    #[serde(default)]
    pub snapshot: Option<SnapshotSpec>,
    /// Which records `trace.jsonl` and `trace.txt` hold (default: all).
    #[serde(default)]
    pub trace: Option<TraceSpec>,
    /// Values sampled at a fixed interval into `timeseries.csv` (default:
    /// none).
    #[serde(default)]
    pub timeseries: Option<TimeSeriesSpec>,
    /// Figures computed from the metrics after the run (Jain's fairness
    /// index, sums, ratios, link utilisation, a statistic of a time
    /// series), named `derived.<name>`.
    #[serde(default)]
    pub derived: Vec<DerivedSpec>,
    /// The window rates are measured over (default: the whole run).
    #[serde(default)]
    pub measure: Option<MeasureSpec>,
}

fn default_seed() -> u64 {
    1
}

objects::objects_only!(ScenarioFile);
