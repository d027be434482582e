//! "Absent is not zero" (issue 16): an observation of something that never
//! happened is left out of the metrics, an expectation with bounds on it
//! fails with "never happened", and `"absent": true` says it must not
//! have happened.

mod common;

use common::{assert_refused, metric, run_text};

/// A client whose server never answers (the link loses everything) and a
/// ping that gets no reply.
fn silent(expect: &str) -> String {
    format!(
        r#"{{
  "name": "silent",
  "stop_at": "10s",
  "topology": {{
    "nodes": ["a", "b"],
    "links": [{{"between": ["a", "b"], "delay": "5ms", "loss": 1.0}}]
  }},
  "endpoints": [
    {{"node": "b", "tcp": {{"listen": 80}}}},
    {{"node": "a", "tcp": {{"connect": "b:80", "send": 1000, "syn_retries": 1}}}},
    {{"node": "a", "name": "probe", "ping": {{"target": "b", "count": 2}}}}
  ],
  "expect": [{expect}]
}}"#
    )
}

#[test]
fn observations_of_what_never_happened_are_left_out() {
    let out = run_text(&silent(""), 1).unwrap();
    let has = |m: &str| out.metrics.iter().any(|(k, _)| k == m);
    // Counters are there, at 0.
    assert_eq!(metric(&out, "a.tcp.bytes_acked"), 0);
    assert_eq!(metric(&out, "a.tcp.established"), 0);
    assert_eq!(metric(&out, "a.probe.received"), 0);
    assert_eq!(metric(&out, "a.probe.lost"), 2);
    // Observations are not.
    for m in [
        "a.tcp.handshake_ns",
        "a.tcp.all_acked_at_ns",
        "a.tcp.goodput_bps",
        "a.tcp.delivery_span_ns",
        "a.probe.rtt_min_ns",
        "a.probe.rtt_mean_ns",
        "a.probe.rtt_max_ns",
        "b.tcp.handshake_ns",
    ] {
        assert!(!has(m), "{m} is reported");
    }
    // The summary leaves them out too.
    let plan = {
        let sweep = scenarios::Sweep::parse(&silent("")).unwrap();
        scenarios::plan_point(&sweep, 0).unwrap()
    };
    let summary = scenarios::summary_json(&plan, &out);
    assert!(!summary.contains("rtt_mean_ns"), "{summary}");
    assert!(summary.contains("\"a.probe.lost\""), "{summary}");
}

#[test]
fn a_bound_on_what_never_happened_fails_and_absent_says_so() {
    let expect = r#"{"metric": "a.tcp.handshake_ns", "at_most": "5s"},
      {"metric": "a.probe.rtt_max_ns", "absent": true},
      {"metric": "a.probe.lost", "absent": false},
      {"metric": "a.probe.lost", "absent": true},
      {"metric": "a.tcp.goodput_bps", "absent": false}"#;
    let out = run_text(&silent(expect), 1).unwrap();
    let e = &out.expectations;
    assert!(!e[0].passed, "a bound on a missing metric fails");
    assert_eq!(e[0].observed_text, "never happened");
    assert!(e[1].passed, "{}", e[1].expect);
    assert_eq!(e[1].expect, "a.probe.rtt_max_ns never happened");
    assert!(e[2].passed, "{}", e[2].expect);
    assert!(!e[3].passed, "it happened: {}", e[3].observed_text);
    assert_eq!(e[3].observed_text, "2");
    assert!(!e[4].passed);
    assert_eq!(scenarios::Outcome::Failed, out.outcome);
}

#[test]
fn absent_is_checked() {
    let cases = [
        (
            silent(r#"{"metric": "a.probe.rtt_max_ns", "absent": true, "at_most": "1s"}"#),
            "expect[0].absent",
            "cannot also have bounds",
        ),
        (
            silent(r#"{"count": {"kind": "link_drop"}, "absent": true}"#),
            "expect[0].absent",
            "goes with \"metric\"",
        ),
        (
            silent(r#"{"node": "a", "ends_in": "CLOSED", "absent": true}"#),
            "expect[0]",
            "go with \"metric\" or \"count\"",
        ),
        (
            silent(r#"{"metric": "a.probe.rtt_max_ns"}"#),
            "expect[0]",
            "give at least one bound",
        ),
    ];
    assert_refused(&cases);
}
