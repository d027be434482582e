//! The scenarios in `scenarios/` as snapshot tests: each must pass its
//! expectations and match `scenarios/snapshots/<name>.snap`.
//!
//! A new or changed snapshot fails the test and is written beside the old
//! one as `<name>.snap.new`. Review it (`git diff --no-index`, or `cargo
//! insta review`), then accept it with `NETSIM_ACCEPT=1 cargo test` or
//! `netsim test --accept scenarios`.

use scenarios::testing::{TestFailure, check};

/// Every scenario in the folder, including ones added later.
#[test]
fn every_scenario_matches_its_snapshot() {
    scenarios::assert_scenario_snapshot!("scenarios");
}

/// One file, through the function the macro calls: a test may return its
/// `Result`, whose error prints as the readable report.
#[test]
fn the_handshake_matches_its_snapshot() -> Result<(), TestFailure> {
    check(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/handshake.json"
    ))
}
