//! HTTP request/response traffic with drawn sizes and think times: a
//! server draws each response's size from a stream of its connection, a
//! client pauses between requests, and each request's response time is
//! measured.

mod common;

use common::{assert_refused, metric, netsim, run_text};
use sim_apps::dist::Dist;
use sim_core::RngStream;

/// A server answering from `response`, a client making `requests` a
/// connection over `connections` connections, one at a time, with
/// `think` (JSON, or empty) between.
fn exchange(response: &str, requests: u64, connections: u64, think: &str) -> String {
    let think = if think.is_empty() {
        String::new()
    } else {
        format!(r#", "think": {think}"#)
    };
    format!(
        r#"{{
  "name": "rr", "stop_at": "120s",
  "topology": {{"nodes": ["a", "b"], "links": [{{"between": ["a", "b"], "delay": "10ms", "bandwidth": "10Mbps"}}]}},
  "endpoints": [
    {{"node": "b", "tcp": {{"listen": 80, "http": {{"response": {response}}}}}}},
    {{"node": "a", "tcp": {{"connect": "b:80", "connections": {connections}, "concurrency": 1, "http": {{"request": 200, "requests": {requests}{think}}}}}}}
  ]
}}"#
    )
}

/// The bytes of an HTTP response whose body is `n` bytes.
fn response_bytes(n: u64) -> u64 {
    sim_apps::http::response(n).len() as u64
}

/// What the server's ends sent, connection by connection in the order
/// they were accepted.
fn server_sent(out: &scenarios::RunOutput) -> Vec<u64> {
    let b = out
        .flows
        .iter()
        .filter(|f| f.conn.lport == 80)
        .collect::<Vec<_>>();
    b.iter().map(|f| f.conn.stats.bytes_sent).collect()
}

#[test]
fn response_sizes_on_the_wire_are_the_seeded_draws() {
    let text = exchange(r#"{"exponential": 20000}"#, 5, 4, "");
    for seed in [1, 2] {
        let out = run_text(&text, seed).unwrap();
        let sent = server_sent(&out);
        assert_eq!(sent.len(), 4);
        let mut all = Vec::new();
        for (k, &bytes) in sent.iter().enumerate() {
            // Each accepted connection draws from a stream of its own.
            let mut rng = RngStream::derive(seed, &format!("http/b/response/{k}"));
            let d = Dist::Exponential { mean: 20_000 };
            let sizes: Vec<u64> = (0..5).map(|_| d.draw(&mut rng)).collect();
            // A lossless path: every byte sent once.
            assert_eq!(
                bytes,
                sizes.iter().map(|&n| response_bytes(n)).sum::<u64>(),
                "seed {seed} connection {k}: {sizes:?}"
            );
            all.extend(sizes);
        }
        assert_eq!(metric(&out, "a.http.responses"), 20);
        // The client received every byte the server wrote.
        assert_eq!(
            metric(&out, "a.http.app_bytes_received"),
            sent.iter().sum::<u64>()
        );
        // Drawn, not constant.
        assert!(all.iter().min() < all.iter().max());
    }
    // The same seed gives the same sizes; another seed others.
    let one = server_sent(&run_text(&text, 1).unwrap());
    assert_eq!(one, server_sent(&run_text(&text, 1).unwrap()));
    assert_ne!(one, server_sent(&run_text(&text, 2).unwrap()));
}

#[test]
fn an_empirical_cdf_draws_only_between_its_points() {
    let text = exchange(
        r#"{"cdf": [[1000, 0.5], [2000, 0.5], [50000, 1]]}"#,
        10,
        3,
        "",
    );
    let out = run_text(&text, 3).unwrap();
    let mut sizes = Vec::new();
    for (k, bytes) in server_sent(&out).into_iter().enumerate() {
        let mut rng = RngStream::derive(3, &format!("http/b/response/{k}"));
        let d = Dist::Empirical(vec![(1000, 0.5), (2000, 0.5), (50_000, 1.0)].into());
        let s: Vec<u64> = (0..10).map(|_| d.draw(&mut rng)).collect();
        assert_eq!(bytes, s.iter().map(|&n| response_bytes(n)).sum::<u64>());
        sizes.extend(s);
    }
    // Half the mass at 1000, none strictly between 1000 and 2000.
    assert!(
        sizes
            .iter()
            .all(|&n| n == 1000 || (2000..=50_000).contains(&n))
    );
    assert!(sizes.contains(&1000) && sizes.iter().any(|&n| n > 2000));
}

#[test]
fn response_times_are_per_request_and_leave_out_think_times() {
    // One request a connection, no think: a request's response time is
    // its connection's page time.
    let one = run_text(&exchange("20000", 1, 5, ""), 1).unwrap();
    assert_eq!(metric(&one, "a.http.responses"), 5);
    for (r, p) in [
        ("response_ns_mean", "page_ns_mean"),
        ("response_ns_p50", "page_ns_p50"),
        ("response_ns_p95", "page_ns_p95"),
    ] {
        assert_eq!(
            metric(&one, &format!("a.http.{r}")),
            metric(&one, &format!("a.http.{p}")),
            "{r}"
        );
    }
    // Three requests on one connection, 500 ms of thought between: the
    // page spans the three responses and the two pauses; the response
    // times hold no pause.
    let think = run_text(&exchange("20000", 3, 1, r#"{"constant": "500ms"}"#), 1).unwrap();
    assert_eq!(metric(&think, "a.http.responses"), 3);
    let page = metric(&think, "a.http.page_ns_max");
    let mean = metric(&think, "a.http.response_ns_mean");
    let max = metric(&think, "a.http.response_ns_max");
    assert!(max < 200_000_000, "{max}");
    let total = mean * 3;
    assert!(
        page.abs_diff(total + 1_000_000_000) < 3,
        "{page} = 3 x {mean} + 1 s"
    );
    // The first request waits for the handshake, later ones do not.
    assert!(metric(&think, "a.http.response_ns_p50") < max);
    // Between connections too: two connections of one request each take
    // a pause of 500 ms between them.
    let two = run_text(&exchange("20000", 1, 2, r#"{"constant": "500ms"}"#), 1).unwrap();
    let conns: Vec<_> = two.flows.iter().filter(|f| f.conn.lport != 80).collect();
    assert_eq!(conns.len(), 2);
    let closed_first = conns[0].conn.opened.as_nanos() + metric(&two, "a.http.closed_ns");
    assert_eq!(
        conns[1].conn.opened.as_nanos(),
        closed_first + 500_000_000,
        "the next connection opens 500 ms after the first was done (TIME_WAIT)"
    );
    // Drawn think times come from the client's stream: the same seed, the
    // same run.
    let drawn = exchange("20000", 4, 2, r#"{"exponential": "200ms"}"#);
    let (x, y) = (run_text(&drawn, 5).unwrap(), run_text(&drawn, 5).unwrap());
    assert_eq!(x.end_time, y.end_time);
    assert_eq!(x.metrics, y.metrics);
}

#[test]
fn no_response_no_response_time() {
    // Nobody listens on port 81: every connection is refused.
    let text = exchange("20000", 2, 2, "").replace("\"b:80\"", "\"b:81\"");
    let out = run_text(&text, 1).unwrap();
    assert_eq!(metric(&out, "a.http.responses"), 0);
    for k in ["mean", "p50", "p95", "max"] {
        let name = format!("a.http.response_ns_{k}");
        assert!(!out.metrics.iter().any(|(m, _)| *m == name), "{name}");
    }
}

#[test]
fn bad_distributions_are_refused_with_their_paths() {
    let r = "endpoints[0].tcp.http.response";
    let t = "endpoints[1].tcp.http.think";
    let bad = |response: &str, think: &str| exchange(response, 2, 1, think);
    assert_refused(&[
        (bad("-5", ""), r, "cannot be negative"),
        (bad("1.5", ""), r, "not a whole number"),
        (bad(r#"{"cdf": []}"#, ""), &format!("{r}.cdf"), "empty CDF"),
        (
            bad(r#"{"cdf": [[10, 0.5], [5, 1]]}"#, ""),
            &format!("{r}.cdf[1]"),
            "must both ascend",
        ),
        (
            bad(r#"{"cdf": [[10, 0.5], [20, 0.9]]}"#, ""),
            &format!("{r}.cdf[1]"),
            "ends at probability 1",
        ),
        (
            bad(r#"{"cdf": [[10, 1.5]]}"#, ""),
            &format!("{r}.cdf[0]"),
            "not a probability",
        ),
        (
            bad(r#"{"lognormal": 5}"#, ""),
            r,
            "unknown variant `lognormal`",
        ),
        (bad(r#"{"uniform": [-1, 5]}"#, ""), r, "invalid value"),
        (
            bad(r#"{"uniform": [50, 5]}"#, ""),
            &format!("{r}.uniform"),
            "ends before it begins",
        ),
        (
            bad(r#"{"pareto": {"mean": 1000, "shape": 1}}"#, ""),
            &format!("{r}.pareto.shape"),
            "no finite mean",
        ),
        (
            bad(r#"{"exponential": 0}"#, ""),
            &format!("{r}.exponential"),
            "mean of 0",
        ),
        (
            bad("100000000000", ""),
            r,
            "more than an HTTP message may have",
        ),
        (bad("1000", r#"{"exponential": "-5ms"}"#), t, "duration"),
        (
            bad("1000", r#"{"cdf": []}"#),
            &format!("{t}.cdf"),
            "empty CDF",
        ),
        (
            bad("1000", r#"{"normal": "5ms"}"#),
            t,
            "unknown variant `normal`",
        ),
        (
            exchange("1000", 1, 1, "").replace(
                r#""http": {"response": 1000}"#,
                r#""http": {"response": 1000, "think": {"constant": "1s"}}"#,
            ),
            "endpoints[0].tcp.http.think",
            "is for the client",
        ),
    ]);
}

#[test]
fn a_bad_distribution_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("bad.json");
    std::fs::write(&file, exchange(r#"{"cdf": []}"#, 2, 1, "")).unwrap();
    let out = tmp.path().join("out");
    let o = netsim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("endpoints[0].tcp.http.response.cdf"), "{err}");
    assert!(!out.exists());
}
