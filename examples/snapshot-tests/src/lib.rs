//! Nothing here: this crate exists for its tests (`tests/scenarios.rs`),
//! which check the scenarios in `scenarios/` against their snapshots.
