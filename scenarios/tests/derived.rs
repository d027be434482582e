//! Derived figures (the scenario's `derived` section): Jain's fairness
//! index, sums, ratios, link utilisation and statistics of a time series,
//! computed after the run and usable in expectations.

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

/// `with_derived`, sampled every 100 ms and measured from 5 s to 15 s.
fn sampled(derived: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&with_derived(derived)).unwrap();
    v["timeseries"] = serde_json::json!({"interval": "100ms"});
    v["measure"] = serde_json::json!({"from": "5s", "to": "15s"});
    v.to_string()
}

#[test]
fn a_series_statistic_reads_the_samples_in_the_measure_window() {
    let text = sampled(
        r#"[{"name": "q_mean", "series": {"name": "queue_packets", "key": "r1->r2", "stat": "mean"}},
            {"name": "q_max", "series": {"name": "queue_packets", "key": "r1->r2", "stat": "max"}},
            {"name": "q_p90", "series": {"name": "queue_packets", "key": "r1->r2", "stat": "p90"}},
            {"name": "never", "series": {"name": "marks", "key": "r1->r2", "stat": "mean"}}]"#,
    );
    let out = run_text(&text, 1).unwrap();
    // The same figures from the rows timeseries.csv holds: samples at
    // 5.1 s .. 15 s (each covers the 100 ms before it).
    let mut q: Vec<f64> = out
        .series
        .iter()
        .filter(|r| r.series.name() == "queue_packets" && r.key == "r1->r2")
        .filter(|r| r.t.as_nanos() > 5_000_000_000 && r.t.as_nanos() <= 15_000_000_000)
        .map(|r| r.value as f64)
        .collect();
    assert_eq!(q.len(), 100);
    q.sort_by(f64::total_cmp);
    let mean = q.iter().sum::<f64>() / q.len() as f64;
    assert!(
        mean > 1.0,
        "two bulk flows keep a queue at the bottleneck: {mean}"
    );
    assert_eq!(value(&out, "derived.q_mean"), Some(mean));
    assert_eq!(value(&out, "derived.q_max"), Some(q[99]));
    assert_eq!(value(&out, "derived.q_p90"), Some(q[89]));
    // A drop-tail direction cannot mark: no marks series, no figure.
    assert_eq!(value(&out, "derived.never"), None);
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
        (
            d(
                r#"[{"name": "q", "series": {"name": "queue_packets", "key": "r1->r2", "stat": "mean"}}]"#,
            ),
            "derived[0].series",
            "needs a \"timeseries\" section",
        ),
        (
            sampled(
                r#"[{"name": "q", "series": {"name": "queue", "key": "r1->r2", "stat": "mean"}}]"#,
            ),
            "derived[0].series.name",
            "one of acked_bps",
        ),
        (
            sampled(
                r#"[{"name": "q", "series": {"name": "queue_packets", "key": "a1->b1", "stat": "mean"}}]"#,
            ),
            "derived[0].series.key",
            "not a link direction",
        ),
        (
            sampled(
                r#"[{"name": "q", "series": {"name": "queue_packets", "key": "r1->r2", "stat": "p42"}}]"#,
            ),
            "derived[0].series.stat",
            "unknown variant",
        ),
    ]);
}
