//! The documented limits (README, "Limits"): input over one is refused by
//! `check`, `run` and `batch` with exit 2, one line naming the JSON path,
//! the figure and the limit, and nothing written; input at the scale the
//! limits allow is checked quickly.

use std::path::Path;

mod common;
use common::netsim;

/// A star of `n` nodes: hosts h0.. around router hub, 1 ms links, and a
/// ping from the first host to the last.
fn star(n: usize) -> String {
    let hosts: Vec<String> = (0..n - 1).map(|i| format!("\"h{i}\"")).collect();
    let links: Vec<String> = (0..n - 1)
        .map(|i| format!(r#"{{"between": ["hub", "h{i}"], "delay": "1ms"}}"#))
        .collect();
    format!(
        r#"{{"name": "star", "stop_at": "5s",
  "topology": {{"nodes": [{}], "routers": ["hub"], "links": [{}]}},
  "endpoints": [{{"node": "h0", "ping": {{"target": "h{}", "count": 2, "interval": "1s"}}}}],
  "expect": [{{"metric": "h0.ping.received", "equals": 2}}]}}"#,
        hosts.join(", "),
        links.join(", "),
        n - 2
    )
}

/// Runs `check`, `run` and `batch` on `file` and asserts each refuses it:
/// exit 2, one line of stderr holding every one of `words`, no output.
#[track_caller]
fn assert_refused_everywhere(dir: &Path, file: &str, words: &[&str]) {
    let out = dir.join("out");
    let out = out.to_str().unwrap();
    for args in [
        vec!["check", file],
        vec!["run", file, "--out", out],
        vec!["batch", file, "--seeds", "0..2", "--out", out],
    ] {
        let o = netsim(&args);
        let stderr = String::from_utf8(o.stderr).unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: one message: {stderr}");
        for w in words {
            assert!(stderr.contains(w), "{args:?}: expected {w:?} in {stderr}");
        }
        assert!(o.stdout.is_empty(), "{args:?}: printed {:?}", o.stdout);
        assert!(!Path::new(out).exists(), "{args:?}: wrote {out}");
    }
}

#[test]
fn a_sweep_with_too_many_points_is_refused_without_enumerating_them() {
    // 1000^3 = 10^9 points: enumerating them would take hours; the
    // refusal must come from the counts alone. Sweeps are counted in key
    // order (stop_at, then the link's delay, then its jitter), so the
    // delay's is the one that takes the product past the limit.
    let values: Vec<String> = (0..1000).map(|i| format!("\"{}us\"", i + 1)).collect();
    let sweep = format!(r#"{{"sweep": [{}]}}"#, values.join(", "));
    let text = format!(
        r#"{{"name": "big-sweep", "stop_at": {{"sweep": [{}]}},
  "topology": {{"nodes": ["a", "b"], "links": [{{"between": ["a", "b"], "delay": {sweep}, "jitter": {sweep}}}]}}}}"#,
        (1..=1000)
            .map(|i| format!("\"{i}s\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.json");
    std::fs::write(&file, text).unwrap();
    assert_refused_everywhere(
        tmp.path(),
        file.to_str().unwrap(),
        &[
            "topology.links[0].delay",
            "1000000000 points",
            "at most 100000",
        ],
    );
}

#[test]
fn a_sweep_at_the_limit_is_counted_not_refused() {
    // 100 x 1000 = 100,000 points: allowed. `run --point` checks every
    // point (it refuses what `check` refuses), which for this two-node
    // file takes seconds.
    let a: Vec<String> = (1..=100).map(|i| format!("\"{i}ms\"")).collect();
    let b: Vec<String> = (1..=1000).map(|i| format!("\"{i}s\"")).collect();
    let text = format!(
        r#"{{"name": "sweep-at-limit", "stop_at": {{"sweep": [{}]}},
  "topology": {{"nodes": ["a", "b"], "links": [{{"between": ["a", "b"], "delay": {{"sweep": [{}]}}}}]}}}}"#,
        b.join(", "),
        a.join(", ")
    );
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.json");
    std::fs::write(&file, text).unwrap();
    let out = tmp.path().join("out");
    let o = netsim(&[
        "run",
        file.to_str().unwrap(),
        "--point",
        "99999",
        "--out",
        out.to_str().unwrap(),
        "--outputs",
        "summary",
    ]);
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("sweep point 99999 of 100000"), "{stderr}");
}

#[test]
fn a_scenario_file_over_64_mib_is_refused_before_it_is_parsed() {
    // Not even JSON: the size is checked before the text is read.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("huge.json");
    let f = std::fs::File::create(&file).unwrap();
    f.set_len(64 * 1024 * 1024 + 1).unwrap();
    assert_refused_everywhere(
        tmp.path(),
        file.to_str().unwrap(),
        &["huge.json", "67108865 bytes", "at most 67108864 bytes"],
    );
}

#[test]
fn too_many_nodes_are_refused_with_the_count_and_the_limit() {
    // Names are short so that the file stays under the size limit.
    let names: Vec<String> = (0..1_000_001).map(|i| format!("\"{i:x}\"")).collect();
    let text = format!(
        r#"{{"name": "many", "topology": {{"nodes": [{}]}}}}"#,
        names.join(",")
    );
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.json");
    std::fs::write(&file, text).unwrap();
    assert_refused_everywhere(
        tmp.path(),
        file.to_str().unwrap(),
        &["topology.nodes", "1000001 nodes", "at most 1000000"],
    );
}

#[test]
fn a_10k_node_star_is_checked_and_run() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("star.json");
    std::fs::write(&file, star(10_000)).unwrap();
    let file = file.to_str().unwrap();
    let o = netsim(&["check", file]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert!(
        String::from_utf8(o.stdout)
            .unwrap()
            .contains("10000 nodes, 9999 links")
    );
    let out = tmp.path().join("out");
    let o = netsim(&[
        "run",
        file,
        "--out",
        out.to_str().unwrap(),
        "--outputs",
        "summary",
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
}

/// 100,000 nodes: a second or two in a release build, about 10 s in a
/// debug one, so it stays out of the default suite; the 10,000-node star
/// above runs there and exercises the same code.
#[test]
#[ignore = "about 10 s in a debug build: cargo test -p scenarios --release --test limits -- --ignored"]
fn a_100k_node_star_is_checked_and_run() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("star.json");
    std::fs::write(&file, star(100_000)).unwrap();
    let file = file.to_str().unwrap();
    let o = netsim(&["check", file]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    let out = tmp.path().join("out");
    let o = netsim(&[
        "run",
        file,
        "--out",
        out.to_str().unwrap(),
        "--outputs",
        "summary",
    ]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
}
