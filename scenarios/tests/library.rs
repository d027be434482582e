//! Every scenario shipped in `scenarios/library/` validates against the
//! printed JSON Schema, runs, passes its expectations, and keeps its text
//! trace as a reviewed snapshot.

mod common;

use common::library;
use scenarios::testing::{Policy, run_points, snapshot};
use scenarios::{Outcome, run};

#[test]
fn the_library_is_not_empty() {
    assert!(library().len() >= 6);
}

#[test]
fn every_library_scenario_validates_against_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(&scenarios::schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema");
    for (name, text) in library() {
        // A sweep file stands for one scenario per point; each must be valid.
        let sweep = scenarios::Sweep::parse(&text).unwrap();
        for point in 0..sweep.points() {
            let doc = sweep.document(point);
            let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
            assert!(errors.is_empty(), "{name} point {point}: {errors:?}");
        }
    }
    // And the schema really constrains: a misspelt field fails it.
    let bad: serde_json::Value =
        serde_json::from_str(r#"{"name": "x", "topology": {"nodes": ["a"]}, "expct": []}"#)
            .unwrap();
    assert!(!validator.is_valid(&bad));
}

#[test]
fn every_library_scenario_passes_and_its_trace_is_unchanged() {
    for (name, text) in library() {
        let sweep = scenarios::Sweep::parse(&text).unwrap();
        let points = run_points(&sweep).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (point, (plan, out)) in points.iter().enumerate() {
            assert_eq!(plan.name, name, "file name and scenario name agree");
            // Every record holds only fields its kind declares, so the
            // scenario checker's vocabulary is the whole truth.
            for r in &out.records {
                for (f, _) in &r.fields {
                    assert!(r.kind.has_field(*f), "{name}: {} has {f}", r.kind);
                }
            }
            let failed: Vec<_> = out.expectations.iter().filter(|e| !e.passed).collect();
            assert_eq!(
                out.outcome,
                Outcome::Passed,
                "{name} point {point}: {failed:?} {:?}",
                out.error
            );
        }
        // The library's policy: the whole trace.txt when it is short, its
        // significant events and the metrics when it is long.
        let snapshot = snapshot(&sweep, &points, Policy::Library);
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/snapshots/library__{name}.snap"));
        let reduced = snapshot.clone();
        insta::assert_snapshot!(name, snapshot);
        // What insta accepted, netsim's own `.snap` reader accepts too.
        let stored = scenarios::testing::SnapFile::parse(&std::fs::read_to_string(&file).unwrap());
        assert!(
            stored.matches(&reduced),
            "{}: SnapFile disagrees with insta",
            file.display()
        );
    }
}

/// The expectations check what the names promise: change the behaviour
/// and they fail.
#[test]
fn library_expectations_fail_when_the_behaviour_changes() {
    let cases = [
        // A longer queue drops fewer packets.
        (
            "queue-overflow",
            &[(r#""queue_packets": 10"#, r#""queue_packets": 20"#)][..],
        ),
        // A slower link changes the exact round trip.
        (
            "ping-across-router",
            &[(
                r#"{"between": ["r", "b"], "delay": "10ms""#,
                r#"{"between": ["r", "b"], "delay": "11ms""#,
            )][..],
        ),
        // No reordering allowed: nothing is reordered.
        (
            "jitter-reorder",
            &[(r#""reorder": true"#, r#""reorder": false"#)][..],
        ),
        // Both flows on NewReno: nobody moves 12 MB.
        (
            "cubic-vs-newreno",
            &[(r#""congestion": "cubic""#, r#""congestion": "newreno""#)][..],
        ),
        // b keeps its half-open connection: no reset, no return to LISTEN.
        (
            "stale-syn",
            &[(
                r#""flags": "SYN", "seq": 90"#,
                r#""flags": "SYN", "seq": 100"#,
            )][..],
        ),
        // Without cookies the flood wins.
        (
            "syn-flood-cookies",
            &[(r#""syn_cookies": true"#, r#""syn_cookies": false"#)][..],
        ),
        // b closes later: a visits FIN_WAIT_2.
        (
            "fin-ack-to-time-wait",
            &[(r#""close": "on_peer_close""#, r#""close": "never""#)][..],
        ),
        // Nothing lost: no fast retransmit.
        (
            "fast-retransmit",
            &[(r#""nth": 6, "drop": true"#, r#""nth": 6, "delay": "0ms""#)][..],
        ),
        // The outage never ends.
        (
            "link-outage",
            &[(r#""set": {"loss": 0.0}"#, r#""set": {"loss": 1.0}"#)][..],
        ),
        // Equal delays, equal-cost multipath off: the faster-serialising
        // path through r1 ties, and the declared-first link wins. (With
        // the default, per flow, each direction's flow hashes to one of
        // the two paths: for seed 1 both take r2.)
        (
            "shortest-path",
            &[
                (r#""delay": "30ms""#, r#""delay": "5ms""#),
                (
                    r#""topology": {"#,
                    r#""routing": {"ecmp": "off"}, "topology": {"#,
                ),
            ][..],
        ),
        // One path for every flow: core1 to core3 carry nothing.
        (
            "fat-tree-ecmp",
            &[(r#""ecmp": "flow""#, r#""ecmp": "off""#)][..],
        ),
        // a without HyStart overshoots and loses packets too.
        (
            "hystart-exit",
            &[(
                r#""congestion": "cubic", "rcv_buf""#,
                r#""congestion": "cubic", "hystart": "off", "rcv_buf""#,
            )][..],
        ),
        // a1 on NewReno: one fast retransmit repairs all three, no timeout.
        (
            "reno-vs-newreno",
            &[(r#""congestion": "reno""#, r#""congestion": "newreno""#)][..],
        ),
    ];
    let lib = library();
    for (name, edits) in cases {
        let mut text = lib.iter().find(|(n, _)| n == name).unwrap().1.clone();
        for (from, to) in edits {
            assert!(text.contains(from), "{name} has {from}");
            text = text.replace(from, to);
        }
        let plan = scenarios::plan_from_str(&text).unwrap();
        let out = run(&plan, plan.default_seed);
        assert_eq!(
            out.outcome,
            Outcome::Failed,
            "{name} with {edits:?} should fail"
        );
    }
}

/// The summary's connection figures come from the TCP model, not the
/// trace: a run without records lists the same ends with the same figures,
/// and each host's ends add up to its own `tcp.*` counters.
#[test]
fn connection_figures_are_the_models_own_whatever_the_tracing() {
    for (name, text) in library() {
        let sweep = scenarios::Sweep::parse(&text).unwrap();
        let plan = scenarios::plan_point(&sweep, 0).unwrap();
        let traced = run(&plan, 1);
        let untraced = scenarios::run_with(&plan, 1, false);
        assert_eq!(traced.connections, untraced.connections, "{name}");
        assert!(
            traced.connections.is_sorted_by_key(|c| (c.opened, c.node)),
            "{name}"
        );
        if traced.connections.len() >= sim_apps::tcp::KEPT_CONNECTIONS {
            continue;
        }
        let metric = |host: &str, m: &str| {
            traced
                .metrics
                .iter()
                .find(|(k, _)| *k == format!("{host}.tcp.{m}"))
                .map(|(_, v)| match v {
                    sim_core::Value::U64(n) => *n,
                    v => panic!("{name}: {host}.tcp.{m} = {v:?}"),
                })
        };
        for node in plan.topology.nodes() {
            let host = node.name.as_str();
            let Some(segments) = metric(host, "segments_sent") else {
                continue;
            };
            // The host's totals leave out an end that went back to
            // LISTEN (it never became the application's connection).
            let ends: Vec<_> = traced
                .connections
                .iter()
                .filter(|c| plan.topology.name(c.node) == host)
                .filter(|c| c.final_state != sim_tcp::State::Listen)
                .collect();
            let sum = |f: fn(&sim_tcp::conn::ConnStats) -> u64| -> u64 {
                ends.iter().map(|c| f(&c.stats)).sum()
            };
            assert_eq!(sum(|s| s.segments_sent), segments, "{name} {host}");
            assert_eq!(
                Some(sum(|s| s.retransmissions)),
                metric(host, "retransmissions"),
                "{name} {host}"
            );
            assert_eq!(
                Some(sum(|s| s.bytes_delivered)),
                metric(host, "bytes_delivered"),
                "{name} {host}"
            );
        }
    }
}
