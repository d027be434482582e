//! Scenario files for netsim, from JSON to judged results.
//!
//! Where to start reading (docs/ARCHITECTURE.md, "The walk of one TCP
//! segment", follows one packet through all of it):
//!
//! 1. [`mod@format`]: the scenario file as Rust types (serde and JSON Schema),
//!    one module per section of the file. This public module is the
//!    contract users write scenarios against.
//! 2. `plan`: checks a parsed file and resolves it into a [`Plan`] (a
//!    topology, each host's `sim_apps::HostApp`, faults, expectations),
//!    each check naming the JSON path of what is wrong.
//! 3. `run`: runs a plan on sim-core's simulator with sim-apps' hosts,
//!    applies the fault rules, and judges the expectations ([`run()`],
//!    [`RunOutput`]).
//! 4. `output`: writes a run's files (the trace in its forms, the summary,
//!    the pictures), atomically.
//! 5. `sweep` and `batch`: many seeds and parameter points in parallel,
//!    their statistics, shards and [`merge`].
//! 6. [`mod@limits`]: the largest input accepted (file size, nodes, links,
//!    sweep points), each checked before the work it bounds.
//! 7. [`mod@testing`]: scenario files as snapshot tests (`netsim test`, or
//!    [`testing::check`] in a crate's own `cargo test`), the other public
//!    module.
//!
//! The `netsim` binary (`src/bin/netsim.rs`) is the one place where errors
//! become messages and exit codes. The shipped scenarios live in
//! `scenarios/library/`.
//!
//! # Example
//!
//! ```
//! let text = r#"{
//!   "name": "two-hosts",
//!   "topology": {
//!     "nodes": ["a", "b"],
//!     "links": [{"between": ["a", "b"], "delay": "10ms", "bandwidth": "100Mbps"}]
//!   },
//!   "endpoints": [{"node": "a", "ping": {"target": "b", "count": 2, "size": 1500}}],
//!   "expect": [{"metric": "a.ping.rtt_max_ns", "equals": "20.24ms"}]
//! }"#;
//! let plan = scenarios::plan_from_str(text).unwrap();
//! let out = scenarios::run(&plan, plan.default_seed);
//! assert_eq!(out.outcome, scenarios::Outcome::Passed);
//!
//! let bad = text.replace("\"10ms\"", "\"10 parsecs\"");
//! let err = scenarios::plan_from_str(&bad).unwrap_err();
//! assert!(err.to_string().starts_with("topology.links[0].delay: \"10 parsecs\" is not a duration"));
//! ```

mod batch;
mod error;
mod expand;
mod flows;
pub mod format;
mod json;
pub mod limits;
mod output;
mod plan;
mod run;
mod staging;
mod stats;
mod sweep;
pub mod testing;
mod threaded;
mod vocab;

pub use batch::{Batch, BatchExpectResult, BatchOptions, BatchOutcome, Job, MAX_RUNS, merge};
pub use error::{Error, InputError};
pub use output::{
    OutputKind, OutputOptions, folder_name, pictures, redraw, run_to_dir, summary_json,
    write_outputs, write_outputs_window,
};
pub use plan::{Expectation, FaultRule, LinkAction, Measure, Plan, TraceFilter};
/// The pictures' file format (of [`OutputOptions`] and [`BatchOptions`]).
pub use reports::Format;
pub use run::{
    ExpectResult, Flow, Limits, NoSink, Observed, Outcome, Progress, RunOutput, Tracing, run,
    run_traced, run_with,
};
pub use staging::remove_temporaries_on_signal;
pub use stats::Summary;
pub use sweep::{Param, PathStep, Sweep};

use std::path::Path;

/// Parses scenario JSON, reporting the path of the first bad value.
/// Generators and flow groups are expanded (as [`expand`] does).
pub fn parse(text: &str) -> Result<format::ScenarioFile, InputError> {
    let mut de = serde_json::Deserializer::from_str(text);
    let file: format::ScenarioFile = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        InputError::at(path, plain_words(&e.into_inner().to_string()))
    })?;
    de.end()
        .map_err(|e| InputError::at("", format!("unexpected text after the scenario: {e}")))?;
    if expand::needs_expanding(&file) {
        let doc =
            serde_json::from_str(text).map_err(|e| InputError::at("", format!("not JSON: {e}")))?;
        return parse_value(doc);
    }
    Ok(file)
}

/// Parses a scenario document (sweeps already expanded), expanding its
/// generators and flow groups first.
pub fn parse_value(doc: serde_json::Value) -> Result<format::ScenarioFile, InputError> {
    serde_path_to_error::deserialize(expand(doc)?).map_err(|e| {
        let path = e.path().to_string();
        InputError::at(path, plain_words(&e.into_inner().to_string()))
    })
}

/// A scenario document with its topology generators and `flows` groups
/// replaced by the plain nodes, links and endpoints they stand for, as
/// `netsim check --expand` prints it: every command reads a file as this.
pub fn expand(doc: serde_json::Value) -> Result<serde_json::Value, InputError> {
    expand::expand(doc)
}

/// serde names the Rust type it expected ("expected struct LinkSpec"); a
/// user wrote JSON, so the message says "expected a JSON object".
fn plain_words(message: &str) -> String {
    const RUST: &str = "expected struct ";
    match message.find(RUST) {
        Some(i) => {
            let rest = &message[i + RUST.len()..];
            let end = rest
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .unwrap_or(rest.len());
            format!("{}expected a JSON object{}", &message[..i], &rest[end..])
        }
        None => message.to_string(),
    }
}

/// Checks point `point` of a (possibly swept) scenario. Errors say which
/// point, by its parameter values.
pub fn plan_point(sweep: &sweep::Sweep, point: usize) -> Result<Plan, InputError> {
    let swept: Vec<&str> = sweep.params.iter().map(|p| p.name.as_str()).collect();
    let plan = parse_value(sweep.document(point)).and_then(|file| plan::plan(&file, &swept));
    plan.map_err(|mut e| {
        if !sweep.params.is_empty() {
            let at: Vec<String> = sweep
                .values(point)
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            e.message = format!("{} (at sweep point {point}: {})", e.message, at.join(", "));
        }
        e
    })
}

/// Reads a scenario file whose JSON syntax is sound (errors with line and
/// column), then hands its text to `then`; errors name the file.
pub fn read_scenario<T>(
    path: &Path,
    then: impl FnOnce(String) -> Result<T, InputError>,
) -> Result<T, Error> {
    let text = read_text(path)?;
    let invalid = |error| Error::Invalid {
        file: path.to_path_buf(),
        error,
    };
    check_syntax(&text).map_err(invalid)?;
    then(text).map_err(invalid)
}

/// Reads a scenario file's text, refusing a file over
/// [`limits::MAX_FILE_BYTES`] before reading any of it (and one that grows
/// past it while being read, as a pipe may).
fn read_text(path: &Path) -> Result<String, Error> {
    use std::io::Read;
    let read = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let too_large = |size: String| Error::Invalid {
        file: path.to_path_buf(),
        error: InputError::at(
            "",
            format!(
                "the file is {size} bytes; a scenario file may be at most {} bytes (64 MiB)",
                limits::MAX_FILE_BYTES
            ),
        ),
    };
    let file = std::fs::File::open(path).map_err(read)?;
    let size = file.metadata().map_err(read)?.len();
    if size > limits::MAX_FILE_BYTES {
        return Err(too_large(size.to_string()));
    }
    let mut text = String::new();
    file.take(limits::MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(read)?;
    if text.len() as u64 > limits::MAX_FILE_BYTES {
        return Err(too_large(format!("more than {}", limits::MAX_FILE_BYTES)));
    }
    Ok(text)
}

/// Reads a scenario file and finds its sweeps.
pub fn load_sweep(path: &Path) -> Result<sweep::Sweep, Error> {
    read_scenario(path, |text| sweep::Sweep::parse(&text))
}

/// Checks that `text` is one JSON document, reporting syntax errors with
/// line and column.
pub fn check_syntax(text: &str) -> Result<(), InputError> {
    use serde::Deserialize;
    let mut de = serde_json::Deserializer::from_str(text);
    serde_json::Value::deserialize(&mut de).map_err(|e| InputError::at("", e.to_string()))?;
    de.end()
        .map_err(|e| InputError::at("", format!("unexpected text after the scenario: {e}")))
}

/// Parses and checks scenario JSON.
pub fn plan_from_str(text: &str) -> Result<Plan, InputError> {
    plan::plan(&parse(text)?, &[])
}

/// Reads, parses and checks a scenario file.
pub fn load(path: &Path) -> Result<Plan, Error> {
    let text = read_text(path)?;
    plan_from_str(&text).map_err(|error| Error::Invalid {
        file: path.to_path_buf(),
        error,
    })
}

/// The JSON Schema of scenario files, pretty-printed.
pub fn schema() -> String {
    let schema = schemars::schema_for!(format::ScenarioFile);
    let mut s = serde_json::to_string_pretty(&schema).expect("schema serialises");
    s.push('\n');
    s
}
