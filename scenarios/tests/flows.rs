//! `flows.csv`: one line per TCP connection end, its figures agreeing
//! with the summary's, its goodput taken over the measurement window, and
//! written (or not) like every other output.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::{library_file as library, netsim};

/// The rows of a `flows.csv` (none of these scenarios quotes a cell), each
/// as column name to cell.
fn rows(dir: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(dir.join("flows.csv")).unwrap();
    let mut lines = text.lines();
    let head: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(cells.len(), head.len(), "{l}");
            head.iter()
                .cloned()
                .zip(cells.into_iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn run_ok(dir: &Path, scenario: &str, extra: &[&str]) {
    let mut args = vec!["run", scenario, "--out", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = netsim(&args);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn n(row: &HashMap<String, String>, col: &str) -> Option<u64> {
    let v = &row[col];
    (!v.is_empty()).then(|| v.parse().unwrap_or_else(|_| panic!("{col}: {v}")))
}

#[test]
fn each_connection_end_has_a_line_that_agrees_with_the_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("o");
    // Two bulk flows, 10 ms and 80 ms round trips, measured from 10 s to
    // the end (30 s).
    run_ok(
        &d,
        &library("rtt-unfairness"),
        &["--outputs", "summary,flows"],
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("summary.json")).unwrap()).unwrap();
    let m = &summary["metrics"];
    let rows = rows(&d);
    // Both ends of both connections, in the summary's order.
    let ends: Vec<(String, String)> = rows
        .iter()
        .map(|r| (r["local"].clone(), r["remote"].clone()))
        .collect();
    let conns = summary["connections"].as_array().unwrap();
    assert_eq!(rows.len(), conns.len());
    for (r, c) in rows.iter().zip(conns) {
        let local = format!("{}:{}", c["node"].as_str().unwrap(), c["lport"]);
        assert_eq!(r["local"], local);
        assert_eq!(r["host"], c["node"].as_str().unwrap());
        assert_eq!(r["app"], "tcp");
        assert_eq!(r["congestion"], "newreno");
        for col in ["bytes_sent", "bytes_delivered", "retransmissions"] {
            assert_eq!(n(r, col), c[col].as_u64(), "{local} {col}");
        }
        assert_eq!(n(r, "opened_ns"), c["opened_ns"].as_u64());
        assert_eq!(n(r, "established_ns"), c["established_ns"].as_u64());
        assert_eq!(r["ended_ns"], "", "still open at the end: no end time");
        assert_eq!(r["final_state"], "ESTABLISHED");
    }
    assert_eq!(
        ends,
        [
            ("a1:49152".into(), "b1:80".into()),
            ("a2:49152".into(), "b2:80".into()),
            ("b1:80".into(), "a1:49152".into()),
            ("b2:80".into(), "a2:49152".into()),
        ]
    );
    let (mut window_sum, mut short, mut long) = (0, 0, 0);
    for r in &rows[..2] {
        let host = &r["host"];
        // One connection per application: its figures are the
        // application's.
        assert_eq!(
            n(r, "bytes_acked"),
            m[format!("{host}.tcp.bytes_acked")].as_u64()
        );
        assert_eq!(n(r, "timeouts"), m[format!("{host}.tcp.timeouts")].as_u64());
        let window = n(r, "window_goodput_bps").unwrap();
        assert_eq!(Some(window), m[format!("{host}.tcp.goodput_bps")].as_u64());
        // Over its life the flow also counts its slow start, before the
        // window: a different figure, of the same order.
        let life = n(r, "goodput_bps").unwrap();
        assert!(
            life != window && life > window / 2 && life < window * 2,
            "{life} {window}"
        );
        window_sum += window;
        let (samples, mean, p95) = (
            n(r, "rtt_samples").unwrap(),
            n(r, "rtt_mean_ns").unwrap(),
            n(r, "rtt_p95_ns").unwrap(),
        );
        assert!(samples > 1000, "an RTT sample per ACK: {samples}");
        assert!(p95 > mean, "a queue that fills and drains: {p95} <= {mean}");
        if host == "a1" {
            short = mean;
        } else {
            long = mean;
        }
    }
    // The base round trips are 10 and 80 ms; the shared queue adds to both.
    assert!(
        short > 10_000_000 && long > 80_000_000 && long > short,
        "{short} {long}"
    );
    // Together the flows fill the 10 Mbps bottleneck in the window, and
    // no more.
    assert!(
        window_sum > 9_400_000 && window_sum <= 10_000_000,
        "{window_sum}"
    );
    // The receivers sent no data: no goodput, observed or not.
    for r in &rows[2..] {
        assert_eq!(n(r, "bytes_sent"), Some(0));
        assert_eq!(r["goodput_bps"], "");
        assert_eq!(r["window_goodput_bps"], "");
    }
}

#[test]
fn an_end_without_rtt_samples_has_empty_rtt_cells_and_no_window_goodput_without_a_window() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("o");
    // No `measure`: no window goodput; a handshake's SYN gives the client
    // a sample, the server's SYN,ACK with its ACK gives one too.
    run_ok(&d, &library("three-way-handshake"), &["--outputs", "flows"]);
    let rows = rows(&d);
    assert_eq!(rows.len(), 2);
    for r in &rows {
        assert_eq!(r["window_goodput_bps"], "");
        assert_eq!(r["goodput_bps"], "", "no data sent");
        let samples = n(r, "rtt_samples").unwrap();
        assert_eq!(
            r["rtt_mean_ns"].is_empty(),
            samples == 0,
            "an RTT mean exactly when sampled"
        );
    }
}

#[test]
fn flows_are_written_only_for_tcp_and_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let udp = tmp.path().join("ping");
    run_ok(&udp, &library("ping-across-router"), &[]);
    assert!(udp.join("summary.json").exists());
    assert!(!udp.join("flows.csv").exists(), "no TCP, no table");
    let summary_only = tmp.path().join("s");
    run_ok(
        &summary_only,
        &library("three-way-handshake"),
        &["--outputs", "summary"],
    );
    assert!(!summary_only.join("flows.csv").exists());
}

#[test]
fn a_failed_flows_write_leaves_nothing_under_a_final_name() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("w");
    std::fs::create_dir_all(d.join("flows.csv")).unwrap();
    let o = netsim(&[
        "run",
        &library("three-way-handshake"),
        "--out",
        d.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let left: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(left, ["flows.csv"], "only the folder that was in the way");
}
