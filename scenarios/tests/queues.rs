//! Queue disciplines as a scenario writer meets them: the JSON shapes, the
//! checks with their paths, and the bufferbloat experiment's result.

mod common;

use common::{assert_refused, metric};

fn with_discipline(d: &str) -> String {
    format!(
        r#"{{
  "name": "q",
  "topology": {{
    "nodes": ["a", "b"],
    "links": [{{"between": ["a", "b"], "delay": "10ms", "bandwidth": "10Mbps", "discipline": {d}}}]
  }},
  "endpoints": [{{"node": "a", "ping": {{"target": "b", "count": 3}}}}]
}}"#
    )
}

#[test]
fn every_discipline_is_accepted_by_name_and_with_parameters() {
    for d in [
        r#""drop_tail""#,
        r#""red""#,
        r#""codel""#,
        r#""fq_codel""#,
        r#""pie""#,
        r#"{"pie": {"target": "20ms", "t_update": "30ms", "alpha": 0.125, "beta": 1.25, "max_burst": "100ms"}}"#,
        r#"{"token_bucket": {"rate": "2Mbps", "burst": 3000}}"#,
        r#"{"red": {"min_th": 10, "max_th": 30, "max_p": 0.1, "weight": 0.01, "gentle": false}}"#,
        r#"{"codel": {"target": "2ms", "interval": "50ms"}}"#,
        r#"{"fq_codel": {"flows": 64, "quantum": 300, "target": "5ms", "interval": "100ms"}}"#,
    ] {
        let out = common::run_text(&with_discipline(d), 1).unwrap_or_else(|e| panic!("{d}: {e}"));
        assert_eq!(metric(&out, "a.ping.received"), 3, "{d}");
    }
}

#[test]
fn bad_disciplines_are_refused_with_their_paths() {
    let l = "topology.links[0].discipline";
    assert_refused(&[
        (with_discipline(r#""sfq""#), l, "unknown variant `sfq`, expected one of `drop_tail`, `red`, `codel`, `fq_codel`, `pie`"),
        (with_discipline(r#""token_bucket""#), l, "unknown variant `token_bucket`"),
        (with_discipline(r#"{"token_bucket": {"rate": "2Mbps"}}"#), &format!("{l}.token_bucket"), "missing field `burst`"),
        (with_discipline(r#"{"pie": {"alpha": -1}}"#), &format!("{l}.pie.alpha"), "not a weight"),
        (with_discipline("5"), l, "a queue discipline: \"drop_tail\""),
        (with_discipline(r#"{"codel": {"taget": "1ms"}}"#), &format!("{l}.codel.taget"), "unknown field `taget`"),
        (with_discipline(r#"{"codel": {"target": "0s"}}"#), &format!("{l}.codel.target"), "longer than 0s"),
        (with_discipline(r#"{"red": {"min_th": 20, "max_th": 10}}"#), &format!("{l}.red.max_th"), "more than min_th"),
        (with_discipline(r#"{"red": {"max_p": 0}}"#), &format!("{l}.red.max_p"), "above 0"),
        (with_discipline(r#"{"fq_codel": {"flows": 0}}"#), &format!("{l}.fq_codel.flows"), "at least 1"),
        (with_discipline(r#"{"fq_codel": {"flows": 100000}}"#), &format!("{l}.fq_codel.flows"), "from 1 to 65536"),
        (with_discipline(r#"{"fq_codel": {"quantum": 0}}"#), &format!("{l}.fq_codel.quantum"), "at least 1"),
        (
            with_discipline(r#""codel""#).replace(
                r#""endpoints""#,
                r#""actions": [{"at": "1s", "link": ["a", "b"], "set": {"discipline": "red"}}], "endpoints""#,
            ),
            "actions[0].set.discipline",
            "keeps its queue discipline",
        ),
    ]);
}

/// The library's bufferbloat experiment: a ping across a bottleneck that a
/// bulk transfer fills. Drop-tail's standing queue adds hundreds of
/// milliseconds; RED, CoDel and FQ-CoDel keep the ping near the base RTT
/// (24.1 ms), FQ-CoDel closest; PIE steers the queueing delay towards its
/// 15 ms target, so its pings take about that much longer.
#[test]
fn aqm_keeps_the_ping_short_under_load() {
    let text = common::library_file("bufferbloat");
    let text = std::fs::read_to_string(text).unwrap();
    let sweep = scenarios::Sweep::parse(&text).unwrap();
    let mean_ms: Vec<(String, f64)> = (0..sweep.points())
        .map(|k| {
            let plan = scenarios::plan_point(&sweep, k).unwrap();
            let out = scenarios::run(&plan, 1);
            assert_eq!(out.outcome, scenarios::Outcome::Passed);
            let name = sweep.values(k)[0].1.as_str().unwrap().to_string();
            (name, metric(&out, "c.ping.rtt_mean_ns") as f64 / 1e6)
        })
        .collect();
    let get = |n: &str| mean_ms.iter().find(|(k, _)| k == n).unwrap().1;
    assert!(get("drop_tail") > 300.0, "{mean_ms:?}");
    for aqm in ["red", "codel", "fq_codel"] {
        assert!(get(aqm) < 40.0, "{mean_ms:?}");
    }
    assert!((35.0..60.0).contains(&get("pie")), "{mean_ms:?}");
    assert!(
        get("fq_codel") < 26.0 && get("fq_codel") < get("codel"),
        "{mean_ms:?}"
    );
}

/// The library's sweep-aqm-vs-queue-size says what its name promises at
/// every point, not only at point 0 (which the library test runs): with
/// drop-tail the ping's RTT after slow start grows with the buffer, while
/// CoDel and FQ-CoDel hold it near the 24 ms path at every size, and the
/// link stays busy throughout. Points run queue fastest: drop_tail 50, 200,
/// 1000, then codel, then fq_codel.
#[test]
fn aqm_holds_the_delay_whatever_the_buffer_and_drop_tail_does_not() {
    let text = std::fs::read_to_string(common::library_file("sweep-aqm-vs-queue-size")).unwrap();
    let sweep = scenarios::Sweep::parse(&text).unwrap();
    assert_eq!(sweep.points(), 9);
    let results: Vec<(u64, f64)> = (0..9)
        .map(|i| {
            let plan = scenarios::plan_point(&sweep, i).unwrap();
            let out = scenarios::run_with(&plan, 1, false);
            let util = match out.metrics.iter().find(|(k, _)| k == "derived.bottleneck") {
                Some((_, sim_core::Value::F64(u))) => *u,
                other => panic!("{other:?}"),
            };
            (metric(&out, "c.ping.rtt_mean_ns"), util)
        })
        .collect();
    let rtt_ms = |i: usize| results[i].0 as f64 / 1e6;
    // Drop-tail: each larger buffer holds a longer standing queue.
    assert!(
        rtt_ms(0) < rtt_ms(1) && rtt_ms(1) < rtt_ms(2),
        "{results:?}"
    );
    assert!(rtt_ms(2) > 300.0, "{results:?}");
    // CoDel and FQ-CoDel: within 6 ms of the 24.1 ms path at every size.
    for i in 3..9 {
        assert!(rtt_ms(i) < 30.0, "point {i}: {results:?}");
    }
    for (i, (_, u)) in results.iter().enumerate() {
        assert!(*u > 0.85, "point {i}: {results:?}");
    }
}
