//! Time series (the scenario's `timeseries` section): sampled inside the
//! run at a fixed interval into `timeseries.csv`, without changing any
//! other output.

mod common;

use common::{assert_refused, metric, netsim, run_text};
use reports::series::{Series, SeriesRow};

/// A 2 MB upload from a to b through a router, over a 5 Mbps / 10 ms
/// bottleneck with a 20-packet queue, sampled every `interval`.
fn upload(interval: &str) -> String {
    format!(
        r#"{{
  "name": "ts", "stop_at": "30s",
  "topology": {{"nodes": ["a", "b"], "routers": ["r"],
    "links": [{{"between": ["a", "r"], "delay": "1ms", "bandwidth": "100Mbps"}},
              {{"between": ["r", "b"], "delay": "10ms", "bandwidth": "5Mbps", "queue_packets": 20}}]}},
  "endpoints": [
    {{"node": "b", "tcp": {{"listen": 80, "profile": "linux"}}}},
    {{"node": "a", "tcp": {{"connect": "b:80", "send": 2000000, "close": "after_send", "profile": "linux", "rcv_buf": 1000000}}}}
  ],
  "timeseries": {{"interval": "{interval}"}}
}}"#
    )
}

fn rows(out: &scenarios::RunOutput, series: Series, key: &str) -> Vec<SeriesRow> {
    out.series
        .iter()
        .filter(|r| r.series == series && r.key == key)
        .cloned()
        .collect()
}

#[test]
fn samples_add_up_to_the_run_and_see_the_queue_build() {
    let out = run_text(&upload("100ms"), 1).unwrap();
    let acked = rows(&out, Series::AckedBps, "a:49152-b:80");
    // One sample per interval while the transfer runs (about 3.3 s).
    assert!(acked.len() >= 30, "{}", acked.len());
    for (i, r) in acked.iter().enumerate() {
        assert_eq!(r.t.as_nanos(), (i as u64 + 1) * 100_000_000);
    }
    // The bottleneck sends at most its 5 Mbps, give or take the packet
    // whose transmission began at an interval's end, and near it while
    // the transfer runs. (Bytes acknowledged, or delivered once a hole
    // fills, come in bursts, so those rates may exceed it briefly.)
    let sent = rows(&out, Series::SentBps, "r->b");
    for r in &sent {
        assert!(r.value <= 5_000_000 + 1500 * 8 * 10, "{r:?}");
    }
    let busy = sent.iter().filter(|r| r.value >= 4_500_000).count();
    assert!(busy >= 25, "{busy} of {}", sent.len());
    // The rates over every interval add up to the bytes acknowledged.
    let sum: u64 = acked.iter().map(|r| r.value / 8 / 10).sum();
    let total = metric(&out, "a.tcp.bytes_acked");
    assert!(
        sum.abs_diff(total) <= acked.len() as u64,
        "{sum} vs {total}"
    );
    // The receiver's delivery rate says the same.
    let delivered: u64 = rows(&out, Series::DeliveredBps, "b:80-a:49152")
        .iter()
        .map(|r| r.value / 8 / 10)
        .sum();
    assert!(
        delivered.abs_diff(total) <= acked.len() as u64,
        "{delivered} vs {total}"
    );
    // The bottleneck's queue fills (slow start overshoots it) and never
    // holds more than its 20 packets; its drops are counted per interval.
    let queue = rows(&out, Series::QueuePackets, "r->b");
    let most = queue.iter().map(|r| r.value).max().unwrap();
    assert!((10..=20).contains(&most), "{most}");
    let drops: u64 = rows(&out, Series::Drops, "r->b")
        .iter()
        .map(|r| r.value)
        .sum();
    assert_eq!(drops, metric(&out, "link.r->b.dropped_queue_full"));
    // cwnd and SRTT are the sender's; the sending rate is the link's.
    assert!(
        rows(&out, Series::Cwnd, "a:49152-b:80")
            .iter()
            .all(|r| r.value >= 1448)
    );
    let srtt = rows(&out, Series::SrttNs, "a:49152-b:80");
    assert!(
        srtt.iter().all(|r| r.value > 22_000_000),
        "above the 22 ms base RTT"
    );
    // Sampling stops once the run has nothing left to do.
    let last = out.series.last().unwrap().t;
    assert!(last.as_nanos() <= out.end_time.as_nanos() + 100_000_000);
}

/// A direction that can mark ECN has a `marks` series adding up to its
/// `marked` count; one that cannot has none.
#[test]
fn marks_are_sampled_where_a_queue_can_mark() {
    let text = upload("100ms")
        .replace(
            r#""queue_packets": 20}"#,
            r#""queue_packets": 100, "ecn_mark": {"threshold_packets": 10}}"#,
        )
        .replace(
            r#""profile": "linux", "rcv_buf""#,
            r#""profile": "linux", "ecn": "on", "rcv_buf""#,
        );
    let out = run_text(&text, 1).unwrap();
    let marks: u64 = rows(&out, Series::Marks, "r->b")
        .iter()
        .map(|r| r.value)
        .sum();
    assert!(marks > 0);
    assert_eq!(marks, metric(&out, "link.r->b.marked"));
    assert!(rows(&out, Series::Marks, "a->r").is_empty());
    assert_eq!(metric(&out, "link.r->b.dropped_queue_full"), 0);
}

#[test]
fn sampling_changes_no_other_output() {
    let tmp = tempfile::tempdir().unwrap();
    let with = tmp.path().join("with.json");
    let without = tmp.path().join("without.json");
    std::fs::write(&with, upload("50ms")).unwrap();
    let plain = upload("50ms").replace(
        r#",
  "timeseries": {"interval": "50ms"}"#,
        "",
    );
    assert!(!plain.contains("timeseries"));
    std::fs::write(&without, plain).unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for (file, dir) in [(&with, &a), (&without, &b)] {
        let o = netsim(&[
            "run",
            file.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    for f in ["trace.jsonl", "trace.txt", "trace.pcap", "summary.json"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    assert!(!b.join("timeseries.csv").exists());
    let csv = std::fs::read_to_string(a.join("timeseries.csv")).unwrap();
    let read = reports::series::read(&csv).unwrap();
    // The file holds what the run kept, row for row.
    let kept = run_text(&upload("50ms"), 1).unwrap().series;
    assert_eq!(read, kept);
    // `--outputs` without `timeseries` leaves it out.
    let c = tmp.path().join("c");
    let o = netsim(&[
        "run",
        with.to_str().unwrap(),
        "--out",
        c.to_str().unwrap(),
        "--outputs",
        "summary",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(!c.join("timeseries.csv").exists());
}

#[test]
fn bad_intervals_are_refused_with_their_path() {
    let p = "timeseries.interval";
    assert_refused(&[
        (upload("0s"), p, "longer than 0s"),
        (upload("31s"), p, "longer than the run"),
        (upload("1us"), p, "at most 1000000"),
        (upload("soon"), p, "duration"),
        (
            upload("1s").replace(r#"{"interval": "1s"}"#, r#"{"interval": "1s", "every": 2}"#),
            "timeseries",
            "unknown field `every`",
        ),
    ]);
}

#[test]
fn the_series_are_drawn_and_redrawn_from_the_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("up.json");
    std::fs::write(&file, upload("100ms")).unwrap();
    let d = tmp.path().join("out");
    let o = netsim(&["run", file.to_str().unwrap(), "--out", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    // One throughput plot for the flows; a queue plot for each direction
    // whose queue held packets (here the bottleneck only: the access link
    // is 20 times faster).
    let mut pictures: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("throughput") || n.starts_with("queue-"))
        .collect();
    pictures.sort();
    assert_eq!(pictures, ["queue-r-b.png", "throughput.png"]);
    let before: Vec<Vec<u8>> = pictures
        .iter()
        .map(|n| std::fs::read(d.join(n)).unwrap())
        .collect();
    for n in &pictures {
        std::fs::remove_file(d.join(n)).unwrap();
    }
    let o = netsim(&["report", d.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let after: Vec<Vec<u8>> = pictures
        .iter()
        .map(|n| std::fs::read(d.join(n)).unwrap())
        .collect();
    assert!(
        before == after,
        "redrawn from timeseries.csv, byte for byte"
    );
    // A damaged CSV is refused with its line.
    std::fs::write(
        d.join("timeseries.csv"),
        "t_ns,series,key,value\n1,cwnd_bytes,k\n",
    )
    .unwrap();
    let o = netsim(&["report", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("timeseries.csv: line 2"));
}
