//! Derived figures (the scenario's `derived` section): Jain's fairness
//! index, sums, ratios and link utilisation, computed from the metrics
//! after the run and usable in expectations.

mod common;

use common::{assert_refused, library, run_text};
use sim_core::Value;

/// The library's cubic-vs-newreno (two bulk flows over a 10 Mbps
/// bottleneck for 20 s) with `derived` entries added.
fn with_derived(derived: &str) -> String {
    let (_, text) = library()
        .into_iter()
        .find(|(n, _)| n == "cubic-vs-newreno")
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["derived"] = serde_json::from_str(derived).unwrap();
    v["expect"] = serde_json::json!([]);
    v.to_string()
}

fn value(out: &scenarios::RunOutput, name: &str) -> Option<f64> {
    out.metrics
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| match v {
            Value::U64(x) => *x as f64,
            Value::F64(x) => *x,
            other => panic!("{other:?}"),
        })
}

#[test]
fn fairness_sums_ratios_and_utilisation_follow_from_the_metrics() {
    let text = with_derived(
        r#"[
        {"name": "fairness", "jain": ["a1.tcp.goodput_bps", "a2.tcp.goodput_bps"]},
        {"name": "total", "sum": ["b1.tcp.bytes_delivered", "b2.tcp.bytes_delivered"]},
        {"name": "cubic_share", "ratio": ["b1.tcp.bytes_delivered", "derived.total"]},
        {"name": "bottleneck", "utilisation": "r1->r2"},
        {"name": "never", "ratio": ["a1.tcp.timed_out", "a2.tcp.timed_out"]}
    ]"#,
    );
    let out = run_text(&text, 1).unwrap();
    let (x1, x2) = (
        value(&out, "a1.tcp.goodput_bps").unwrap(),
        value(&out, "a2.tcp.goodput_bps").unwrap(),
    );
    let jain = value(&out, "derived.fairness").unwrap();
    assert!((jain - (x1 + x2).powi(2) / (2.0 * (x1 * x1 + x2 * x2))).abs() < 1e-12);
    assert!(jain > 0.5 && jain <= 1.0, "{jain}");
    let (d1, d2) = (
        value(&out, "b1.tcp.bytes_delivered").unwrap(),
        value(&out, "b2.tcp.bytes_delivered").unwrap(),
    );
    // A sum of counters stays a whole number.
    let total = out
        .metrics
        .iter()
        .find(|(k, _)| k == "derived.total")
        .unwrap();
    assert_eq!(total.1, Value::U64((d1 + d2) as u64));
    assert_eq!(value(&out, "derived.cubic_share").unwrap(), d1 / (d1 + d2));
    // Two bulk flows keep the bottleneck busy most of the run.
    let u = value(&out, "derived.bottleneck").unwrap();
    assert!((0.85..=1.0).contains(&u), "{u}");
    // 0 / 0 is no figure: absent, as something that never happened.
    assert_eq!(value(&out, "derived.never"), None);
    // Expectations read them.
    let text = text.replace(
        r#""expect":[]"#,
        r#""expect":[{"metric": "derived.bottleneck", "at_least": 0.85}, {"metric": "derived.fairness", "at_least": 0.99}]"#,
    );
    let out = run_text(&text, 1).unwrap();
    assert!(out.expectations[0].passed);
    assert_eq!(out.expectations[1].passed, jain >= 0.99);
}

#[test]
fn bad_derived_entries_are_refused_with_their_paths() {
    let d = |s: &str| with_derived(s);
    assert_refused(&[
        (
            d(r#"[{"name": "f", "jain": ["a1.tcp.goodput_bps"]}]"#),
            "derived[0].jain",
            "at least 2",
        ),
        (
            d(r#"[{"name": "f", "jain": ["a1.tcp.goodput_bps", "a9.tcp.goodput_bps"]}]"#),
            "derived[0].jain[1]",
            "unknown metric \"a9.tcp.goodput_bps\"",
        ),
        (d(r#"[{"name": "f"}]"#), "derived[0]", "give exactly one of"),
        (
            d(r#"[{"name": "f", "sum": ["run.events"], "ratio": ["run.events", "run.events"]}]"#),
            "derived[0]",
            "give exactly one of",
        ),
        (
            d(r#"[{"name": "f", "ratio": ["run.events"]}]"#),
            "derived[0].ratio",
            "two metrics",
        ),
        (
            d(r#"[{"name": "a b", "sum": ["run.events"]}]"#),
            "derived[0].name",
            "letters, digits",
        ),
        (
            d(r#"[{"name": "f", "sum": ["run.events"]}, {"name": "f", "sum": ["run.events"]}]"#),
            "derived[1].name",
            "already defined",
        ),
        (
            d(r#"[{"name": "f", "sum": ["derived.g"]}, {"name": "g", "sum": ["run.events"]}]"#),
            "derived[0].sum[0]",
            "unknown metric",
        ),
        (
            d(r#"[{"name": "u", "utilisation": "a1->b1"}]"#),
            "derived[0].utilisation",
            "not a link direction",
        ),
        (d(r#"{"name": "u"}"#), "derived", "expected a sequence"),
    ]);
}
