//! Snapshot tests of scenario files: a run's significant trace events and
//! metrics kept in a reviewed file, and compared on every test run.
//!
//! A scenario file `dir/NAME.json` has its snapshot in
//! `dir/snapshots/NAME.snap`, in insta's `.snap` format, so `cargo insta
//! review` can review a folder of them (netsim reads and writes them
//! itself; insta is not needed). What the snapshot holds is chosen by the
//! scenario's `snapshot` section ([`crate::format::SnapshotSpec`]; by
//! default the significant events and every metric). A sweep file
//! snapshots every point, each after a `## point K: ...` line. The test
//! passes when the snapshot is unchanged and every expectation holds.
//!
//! Two ways in:
//!
//! - `netsim test PATH... [--jobs N] [--junit FILE] [--accept]` (the
//!   binary calls [`run_tests`] and prints [`Report::text`]);
//! - from a crate's own `cargo test`, [`check`] or
//!   [`assert_scenario_snapshot!`](crate::assert_scenario_snapshot), which
//!   take the update mode from the environment ([`Update::from_env`]).
//!
//! ```no_run
//! #[test]
//! fn my_scenarios_are_unchanged() {
//!     scenarios::assert_scenario_snapshot!("scenarios");
//! }
//! ```
//!
//! A missing or changed snapshot fails and is written beside the old one as
//! `NAME.snap.new`; it becomes the snapshot only when asked
//! (`netsim test --accept`, `NETSIM_ACCEPT=1 cargo test`, or
//! `INSTA_UPDATE=always`). The pieces are public for tools of their own:
//! the reductions ([`snapshot_text`], the library's
//! [`library_snapshot_text`]), the file format ([`SnapFile`]), the diff
//! ([`unified_diff`]) and the JUnit report ([`Report::junit`]).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::Error;

mod diff;
mod junit;
mod reduce;
mod snap;
mod suite;

pub use crate::plan::{MetricSelection, SIGNIFICANT_KINDS, SnapshotSelection};
pub use diff::{MAX_DIFF_LINES, unified_diff};
pub use reduce::{
    FULL_TRACE_LINES, Policy, library_snapshot_text, plan_points, run_points, snapshot,
    snapshot_text,
};
pub use snap::SnapFile;
pub use suite::{
    Case, Options, Report, SnapshotResult, Update, run_tests, scenario_files, snapshot_path,
};

/// Why [`check`] failed. Its `Debug` is its readable `Display`, so a test
/// that returns `Result<(), TestFailure>` shows the report.
pub enum TestFailure {
    /// A scenario could not be read or is not valid, or a snapshot could not
    /// be written; nothing ran (or nothing more was written).
    Input(Error),
    /// These scenarios ran and failed their snapshot or expectations.
    Failed(Vec<Case>),
}

impl fmt::Display for TestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestFailure::Input(e) => write!(f, "{e}"),
            TestFailure::Failed(cases) => {
                let n = cases.len();
                writeln!(
                    f,
                    "{n} scenario{} failed its snapshot test:",
                    if n == 1 { "" } else { "s" }
                )?;
                for c in cases {
                    f.write_str(&c.report())?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Debug for TestFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for TestFailure {}

impl From<Error> for TestFailure {
    fn from(e: Error) -> Self {
        TestFailure::Input(e)
    }
}

/// Tests the scenario file at `path`, or every `*.json` file directly in
/// the folder at `path`: each must pass its expectations and match its
/// snapshot. What is written follows the environment
/// ([`Update::from_env`]); the scenarios run on every core.
pub fn check(path: impl AsRef<Path>) -> Result<(), TestFailure> {
    let opts = Options {
        jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        update: Update::from_env(),
    };
    let report = run_tests(&[PathBuf::from(path.as_ref())], &opts)?;
    let failed: Vec<Case> = report.cases.into_iter().filter(|c| !c.passed()).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(TestFailure::Failed(failed))
    }
}

/// Panics with the readable report unless [`check`] passes. A relative path
/// is taken from the calling crate's folder (`CARGO_MANIFEST_DIR`), so the
/// test finds its scenarios wherever it runs from.
#[macro_export]
macro_rules! assert_scenario_snapshot {
    ($path:expr) => {{
        let path = ::std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join($path);
        if let Err(failure) = $crate::testing::check(&path) {
            panic!("{failure}");
        }
    }};
}
