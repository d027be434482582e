//! The measurement window (the scenario's `measure`): rates over
//! `[from, to]` only, to leave out a warm-up.

mod common;

use common::{assert_refused, library, metric, run_text};

/// The library's udp-cbr-vs-tcp (a 3 Mbps CBR flow from 1 s to 9 s beside
/// a CUBIC upload on a 10 Mbps bottleneck, 10 s), with `extra` fields.
fn udp_cbr(extra: &str) -> String {
    let (_, text) = library()
        .into_iter()
        .find(|(n, _)| n == "udp-cbr-vs-tcp")
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let extra: serde_json::Value = serde_json::from_str(extra).unwrap();
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    v["expect"] = serde_json::json!([]);
    v.to_string()
}

#[test]
fn rates_are_taken_over_the_window() {
    let whole = run_text(&udp_cbr("{}"), 1).unwrap();
    let windowed = run_text(&udp_cbr(r#"{"measure": {"from": "3s", "to": "8s"}}"#), 1).unwrap();
    // Inside [3 s, 8 s] the CBR flow sends 3 Mbit/s of payload; what
    // arrives in the window differs from that by the few datagrams the
    // shared drop-tail queue drops (8 in the whole run) and by the change
    // in queueing delay at the window's edges (the queue holds up to
    // 120 ms): a handful of 1472-byte datagrams.
    let cbr = metric(&windowed, "b.sink.goodput_bps");
    assert!(cbr.abs_diff(3_000_000) <= 30_000, "{cbr}");
    assert!(metric(&windowed, "b.sink.lost") <= 10);
    // TCP's goodput over the window is its bytes acknowledged there over
    // 5 s: between the whole run's rate and the link's rate left by UDP.
    let tcp = metric(&windowed, "a.bulk.goodput_bps");
    let tcp_whole = metric(&whole, "a.bulk.goodput_bps");
    assert!((5_500_000..=6_940_000).contains(&tcp), "{tcp}");
    assert_ne!(
        tcp, tcp_whole,
        "the whole run's rate includes slow start and the UDP-free seconds"
    );
    // Counters and everything else but rates and means are those of the
    // whole run: the window changes no event.
    for (a, b) in whole.metrics.iter().zip(&windowed.metrics) {
        if !a.0.ends_with("goodput_bps") && !a.0.ends_with("_mean_ns") {
            assert_eq!(a, b);
        }
    }
    assert_eq!(whole.records.len(), windowed.records.len());
}

#[test]
fn utilisation_over_the_window() {
    let d = r#"[{"name": "u", "utilisation": "r->b"}]"#;
    let text = udp_cbr(&format!(r#"{{"derived": {d}}}"#));
    let whole = run_text(&text, 1).unwrap();
    let text = udp_cbr(&format!(
        r#"{{"derived": {d}, "measure": {{"from": "3s", "to": "8s"}}}}"#
    ));
    let windowed = run_text(&text, 1).unwrap();
    let u = |o: &scenarios::RunOutput| match o.metrics.iter().find(|(k, _)| k == "derived.u") {
        Some((_, sim_core::Value::F64(x))) => *x,
        other => panic!("{other:?}"),
    };
    // Slow start's first round trips are left out: the window is busier.
    assert!(u(&windowed) > u(&whole), "{} {}", u(&windowed), u(&whole));
    // A packet whose transmission began just before `to` counts whole: at
    // most one packet (1500 bytes over 5 s at 10 Mbps, 0.00024) above 1.
    assert!(
        u(&windowed) > 0.97 && u(&windowed) <= 1.00024,
        "{}",
        u(&windowed)
    );
}

#[test]
fn bad_windows_are_refused_with_their_paths() {
    assert_refused(&[
        (
            udp_cbr(r#"{"measure": {"from": "5s", "to": "5s"}}"#),
            "measure.to",
            "end after it starts",
        ),
        (
            udp_cbr(r#"{"measure": {"from": "5s", "to": "11s"}}"#),
            "measure.to",
            "after stop_at",
        ),
        (
            udp_cbr(r#"{"measure": {"from": "10s"}}"#),
            "measure.from",
            "end after it starts",
        ),
        (
            udp_cbr(r#"{"measure": {"to": "5s"}}"#),
            "measure",
            "missing field `from`",
        ),
    ]);
}

/// A ping every 100 ms across a link whose delay goes from 10 ms to 50 ms
/// at 5 s, measured from `from` (or over the whole run).
fn ping_through_a_delay_change(measure: &str) -> String {
    format!(
        r#"{{
  "name": "m", "stop_at": "10s",
  "topology": {{"nodes": ["a", "b"], "links": [{{"between": ["a", "b"], "delay": "10ms", "bandwidth": "100Mbps"}}]}},
  "endpoints": [{{"node": "a", "ping": {{"target": "b", "count": 95, "interval": "100ms"}}}}],
  "actions": [{{"at": "5s", "link": ["a", "b"], "set": {{"delay": "50ms"}}}}]
  {measure}
}}"#
    )
}

#[test]
fn means_are_taken_over_what_arrived_in_the_window() {
    let whole = run_text(&ping_through_a_delay_change(""), 1).unwrap();
    let late = run_text(
        &ping_through_a_delay_change(r#", "measure": {"from": "6s"}"#),
        1,
    )
    .unwrap();
    let base = 2 * (84 * 8 * 10); // two 84-byte serialisations at 100 Mbps, in ns
    // After 6 s every reply took 100 ms plus serialisation (the window's
    // mean comes from whole-nanosecond means: within 1 ns).
    let m = metric(&late, "a.ping.rtt_mean_ns");
    assert!(m.abs_diff(100_000_000 + base) <= 1, "{m}");
    // The whole run mixes 20 ms and 100 ms replies.
    let m = metric(&whole, "a.ping.rtt_mean_ns");
    assert!((55_000_000..65_000_000).contains(&m), "{m}");
    // Min, max and counts stay whole-run.
    assert_eq!(
        metric(&late, "a.ping.rtt_min_ns"),
        metric(&whole, "a.ping.rtt_min_ns")
    );
    assert_eq!(metric(&late, "a.ping.received"), 95);
    // A window with no reply has no mean (never happened), not 0.
    let none = run_text(
        &ping_through_a_delay_change(r#", "measure": {"from": "9.6s", "to": "10s"}"#),
        1,
    )
    .unwrap();
    assert!(!none.metrics.iter().any(|(k, _)| k == "a.ping.rtt_mean_ns"));
}

/// Twenty 20 kB HTTP pages one after another across a link whose delay
/// goes from 10 ms to 50 ms at 1 s, measured as `measure` says.
fn pages_through_a_delay_change(measure: &str) -> String {
    format!(
        r#"{{
  "name": "p", "stop_at": "30s",
  "topology": {{"nodes": ["a", "b"], "links": [{{"between": ["a", "b"], "delay": "10ms", "bandwidth": "100Mbps"}}]}},
  "endpoints": [
    {{"node": "b", "tcp": {{"listen": 80, "http": {{"response": 20000}}}}}},
    {{"node": "a", "tcp": {{"connect": "b:80", "connections": 20, "concurrency": 1, "http": {{"request": 300}}}}}}
  ],
  "actions": [{{"at": "1s", "link": ["a", "b"], "set": {{"delay": "50ms"}}}}]
  {measure}
}}"#
    )
}

#[test]
fn page_times_are_taken_over_the_pages_that_started_in_the_window() {
    let whole = run_text(&pages_through_a_delay_change(""), 1).unwrap();
    let late = run_text(
        &pages_through_a_delay_change(r#", "measure": {"from": "1s"}"#),
        1,
    )
    .unwrap();
    // Every page loaded in both, and the count stays whole-run.
    assert_eq!(metric(&whole, "a.http.pages"), 20);
    assert_eq!(metric(&late, "a.http.pages"), 20);
    // The first page took five 20 ms round trips (handshake, request,
    // slow start of 20 kB, close); after 1 s a round trip is 100 ms.
    let fast = metric(&whole, "a.http.page_ns");
    assert!((100_000_000..110_000_000).contains(&fast), "{fast}");
    // Over the whole run the mean mixes fast and slow pages ...
    let mean = metric(&whole, "a.http.page_ns_mean");
    assert!(mean > 2 * fast && mean < 4 * fast, "{mean}");
    // ... from 1 s on every page is a slow one, all alike.
    let slow = metric(&late, "a.http.page_ns_mean");
    assert!((500_000_000..510_000_000).contains(&slow), "{slow}");
    for k in ["page_ns_p50", "page_ns_p95", "page_ns_max"] {
        assert_eq!(metric(&late, &format!("a.http.{k}")), slow, "{k}");
    }
    // Before 1 s: the fast ones (a page that starts before the change and
    // ends after it is the window's slowest).
    let early = run_text(
        &pages_through_a_delay_change(r#", "measure": {"from": "0s", "to": "1s"}"#),
        1,
    )
    .unwrap();
    let p50 = metric(&early, "a.http.page_ns_p50");
    assert!(p50.abs_diff(fast) < 100_000, "{p50} {fast}");
    assert!(metric(&early, "a.http.page_ns_max") < slow);
    // A window no page started in has no page time (never happened).
    let none = run_text(
        &pages_through_a_delay_change(r#", "measure": {"from": "29s"}"#),
        1,
    )
    .unwrap();
    assert_eq!(metric(&none, "a.http.pages"), 20);
    for k in ["page_ns_mean", "page_ns_p50", "page_ns_p95", "page_ns_max"] {
        let name = format!("a.http.{k}");
        assert!(!none.metrics.iter().any(|(m, _)| *m == name), "{name}");
    }
}
