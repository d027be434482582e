//! `netsim batch` and `netsim merge` as users run them: outputs independent
//! of the thread count, shards that merge into the unsharded result, failing
//! seeds reported and reproducible, statistics that match the runs.

mod common;

use std::path::Path;
use std::process::Output;

#[path = "../../reports/tests/support/svg.rs"]
mod svg;

use common::{files, library_file as library, netsim};

const LOSSY: &str = r#"{
  "name": "lossy-handshake",
  "stop_at": "10min",
  "topology": {"nodes": ["a", "b"], "links": [{"between": ["a", "b"], "delay": {"sweep": ["5ms", "20ms"], "name": "delay"}, "loss": 0.1}]},
  "endpoints": [
    {"node": "b", "tcp": {"listen": 80}},
    {"node": "a", "tcp": {"connect": "b:80", "send": 2000, "close": "after_send"}}
  ],
  "metrics": ["a.tcp.handshake_ns", "a.tcp.retransmissions"],
  "expect": [{"description": "no retransmission", "metric": "a.tcp.retransmissions", "equals": 0}]
}"#;

fn write_tmp(dir: &Path, text: &str) -> String {
    let p = dir.join("s.json");
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// Runs a library batch with one and with two threads, checks the outputs
/// are the same, and returns them.
fn on_one_and_two_threads(name: &str, seeds: &str) -> Vec<Vec<(String, Vec<u8>)>> {
    let tmp = tempfile::tempdir().unwrap();
    let file = library(name);
    let mut all = Vec::new();
    for jobs in ["1", "2"] {
        let out = tmp.path().join(format!("j{jobs}"));
        let o = netsim(&[
            "batch",
            &file,
            "--seeds",
            seeds,
            "--jobs",
            jobs,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
        all.push(files(&out));
    }
    assert_eq!(
        all[0], all[1],
        "{name}: outputs differ between 1 and 2 threads"
    );
    all
}

#[test]
fn outputs_do_not_depend_on_the_number_of_threads() {
    let all = on_one_and_two_threads("sweep-goodput-vs-loss", "0..6");
    let names: Vec<&str> = all[0].iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.contains(&"runs.jsonl") && names.contains(&"summary.json"));
    assert!(
        names.contains(&"a.tcp.goodput_bps-vs-loss.png"),
        "{names:?}"
    );
    // A sweep draws one CDF per metric (a line per point) and a histogram
    // per point...
    assert!(names.contains(&"a.tcp.goodput_bps-cdf.png"), "{names:?}");
    for p in 0..5 {
        let hist = format!("a.tcp.goodput_bps-hist-p{p}.png");
        assert!(names.contains(&hist.as_str()), "{names:?}");
    }
    // ... but none for a metric with one value at every point.
    assert!(
        names.contains(&"b.tcp.bytes_delivered-vs-loss.png")
            && !names
                .iter()
                .any(|n| n.starts_with("b.tcp.bytes_delivered-") && !n.contains("-vs-")),
        "{names:?}"
    );
    let runs = String::from_utf8(
        all[0]
            .iter()
            .find(|(n, _)| n == "runs.jsonl")
            .unwrap()
            .1
            .clone(),
    )
    .unwrap();
    assert_eq!(runs.lines().count(), 5 * 6);
}

#[test]
fn shards_merge_into_the_unsharded_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_tmp(tmp.path(), LOSSY);
    let whole = tmp.path().join("whole");
    netsim(&[
        "batch",
        &file,
        "--seeds",
        "0..40",
        "--jobs",
        "2",
        "--out",
        whole.to_str().unwrap(),
    ]);
    let mut shard_dirs = Vec::new();
    for k in 1..=3 {
        let d = tmp.path().join(format!("shard{k}"));
        let o = netsim(&[
            "batch",
            &file,
            "--seeds",
            "0..40",
            "--shard",
            &format!("{k}/3"),
            "--out",
            d.to_str().unwrap(),
        ]);
        // LOSSY's runs fail their expectation at 10% loss, yet a shard that
        // carried out its runs exits 0: the batch is judged at merge.
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        shard_dirs.push(d.to_str().unwrap().to_string());
    }
    // Shards hold disjoint slices.
    let sizes: Vec<usize> = shard_dirs
        .iter()
        .map(|d| {
            std::fs::read_to_string(Path::new(d).join("runs.jsonl"))
                .unwrap()
                .lines()
                .count()
        })
        .collect();
    assert_eq!(sizes.iter().sum::<usize>(), 80);
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge"];
    args.extend(shard_dirs.iter().map(String::as_str));
    args.extend(["--out", merged.to_str().unwrap()]);
    let o = netsim(&args);
    assert!(
        o.status.code().is_some(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(files(&whole), files(&merged));
    // A missing shard is refused.
    let o = netsim(&[
        "merge",
        &shard_dirs[0],
        &shard_dirs[1],
        "--out",
        tmp.path().join("x").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("shard 3 of 3 is missing"));
}

/// `--format svg` draws every plot as well-formed SVG (the same plots as
/// PNG, and no PNG), whatever `--jobs` is; the other files do not change;
/// and a merge with `--format svg` is the unsharded SVG batch, byte for byte.
#[test]
fn batch_and_merge_can_draw_svg() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_tmp(tmp.path(), LOSSY);
    let batch = |name: &str, extra: &[&str]| {
        let d = tmp.path().join(name);
        let mut args = vec!["batch", &file, "--seeds", "0..30"];
        args.extend_from_slice(extra);
        args.extend(["--out", d.to_str().unwrap()]);
        let o = netsim(&args);
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        files(&d)
    };
    let png = batch("png", &["--jobs", "2"]);
    let svg = batch("svg", &["--jobs", "1", "--format", "svg"]);
    assert_eq!(svg, batch("svg2", &["--jobs", "2", "--format", "svg"]));
    let plots = |v: &[(String, Vec<u8>)], ext: &str| -> Vec<String> {
        v.iter()
            .filter_map(|(n, _)| n.strip_suffix(ext).map(str::to_string))
            .collect()
    };
    assert!(plots(&svg, ".png").is_empty(), "{:?}", plots(&svg, ".png"));
    assert!(!plots(&svg, ".svg").is_empty());
    assert_eq!(plots(&svg, ".svg"), plots(&png, ".png"));
    for (n, bytes) in svg.iter().filter(|(n, _)| n.ends_with(".svg")) {
        let text = std::str::from_utf8(bytes).unwrap();
        assert!(text.starts_with("<svg"), "{n}");
        svg::well_formed(text).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert!(text.contains("lossy-handshake"), "{n}: title not text");
    }
    let data = |v: &[(String, Vec<u8>)]| -> Vec<(String, Vec<u8>)> {
        v.iter()
            .filter(|(n, _)| !n.ends_with(".svg") && !n.ends_with(".png"))
            .cloned()
            .collect()
    };
    assert_eq!(data(&svg), data(&png));
    let shards = run_shards(&file, "0..30", 2, tmp.path(), &[]);
    let merged = tmp.path().join("merged");
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(|(_, d)| d.as_str()));
    args.extend(["--out", merged.to_str().unwrap(), "--format", "svg"]);
    let o = netsim(&args);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(files(&merged), svg);
    // A bad format is a usage error.
    let o = netsim(&["batch", &file, "--seeds", "0..2", "--format", "jpg"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a picture format"));
}

/// Runs `netsim batch` for every shard K/N of `file` into `root/shards/K`
/// and returns (exit code, folder) per shard.
fn run_shards(file: &str, seeds: &str, n: u64, root: &Path, extra: &[&str]) -> Vec<(i32, String)> {
    (1..=n)
        .map(|k| {
            let d = root.join("shards").join(k.to_string());
            let shard = format!("{k}/{n}");
            let mut args = vec![
                "batch", file, "--seeds", seeds, "--jobs", "1", "--shard", &shard,
            ];
            args.extend_from_slice(extra);
            args.extend(["--out", d.to_str().unwrap()]);
            let o = netsim(&args);
            (o.status.code().unwrap(), d.to_str().unwrap().to_string())
        })
        .collect()
}

fn merge_into(shards: &[(i32, String)], out: &Path) -> Output {
    let mut args = vec!["merge"];
    args.extend(shards.iter().map(|(_, d)| d.as_str()));
    args.extend(["--out", out.to_str().unwrap()]);
    netsim(&args)
}

/// Batch expectations are judged on the whole batch, never on a shard's
/// slice: a shard that lacks a point, or holds no run at all, still exits
/// 0, and the merge decides (here: passes, like the unsharded batch).
#[test]
fn shards_exit_0_and_batch_expectations_are_judged_at_merge() {
    let tmp = tempfile::tempdir().unwrap();
    let file = library("sweep-goodput-vs-loss");
    // 5 points x 1 seed = 5 jobs over 7 shards: two shards hold nothing,
    // the others one point each.
    let shards = run_shards(&file, "0..1", 7, tmp.path(), &[]);
    for (code, d) in &shards {
        assert_eq!(*code, 0, "{d}");
        let summary: serde_json::Value =
            serde_json::from_slice(&std::fs::read(Path::new(d).join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(summary["outcome"], "unjudged", "{d}");
        assert_eq!(summary["batch_expectations"], serde_json::json!([]), "{d}");
    }
    let merged = tmp.path().join("merged");
    let o = merge_into(&shards, &merged);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let whole = tmp.path().join("whole");
    let o = netsim(&[
        "batch",
        &file,
        "--seeds",
        "0..1",
        "--out",
        whole.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(files(&whole), files(&merged));

    // A batch expectation that fails on the whole fails the merge (exit 1)
    // while every shard still exits 0.
    let strict = std::fs::read_to_string(&file).unwrap().replace(
        r#"{"success_rate": true, "equals": 1}"#,
        r#"{"success_rate": true, "equals": 2}"#,
    );
    assert!(
        strict.contains(r#""equals": 2}"#),
        "the library file changed"
    );
    let strict_file = write_tmp(tmp.path(), &strict);
    let root = tmp.path().join("strict");
    let shards = run_shards(&strict_file, "0..2", 3, &root, &[]);
    assert!(shards.iter().all(|(c, _)| *c == 0), "{shards:?}");
    let o = merge_into(&shards, &root.join("merged"));
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("FAIL point 0: success_rate"));
}

/// A shard that did not finish is named plainly, whether its folder has no
/// `batch.json` or a `runs.jsonl` that falls short.
#[test]
fn merge_names_an_incomplete_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_tmp(tmp.path(), LOSSY);
    let shards = run_shards(&file, "0..6", 3, tmp.path(), &[]);
    let two = Path::new(&shards[1].1);
    // Killed before it finished: no batch.json (it is written last).
    let saved = std::fs::read(two.join("batch.json")).unwrap();
    std::fs::remove_file(two.join("batch.json")).unwrap();
    let o = merge_into(&shards, &tmp.path().join("m1"));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("shard 2 of 3 is incomplete") && err.contains("has no batch.json"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!tmp.path().join("m1").exists(), "nothing written");
    // Runs missing from runs.jsonl.
    std::fs::write(two.join("batch.json"), saved).unwrap();
    let runs = std::fs::read_to_string(two.join("runs.jsonl")).unwrap();
    let first = runs.lines().next().unwrap();
    std::fs::write(two.join("runs.jsonl"), format!("{first}\n")).unwrap();
    let o = merge_into(&shards, &tmp.path().join("m2"));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("shard 2 of 3 is incomplete") && err.contains("holds 1 of its 4 runs"),
        "{err}"
    );
    // Merging into one of the shard folders is refused.
    let o = merge_into(&shards, Path::new(&shards[0].1));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is one of the shard folders"));
}

/// Traces kept with `--keep-traces` in the shards are carried into the
/// merged folder, exactly as an unsharded batch keeps them.
#[test]
fn merge_carries_kept_traces_over() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_tmp(tmp.path(), LOSSY);
    let shards = run_shards(&file, "0..3", 2, tmp.path(), &["--keep-traces"]);
    let merged = tmp.path().join("merged");
    let o = merge_into(&shards, &merged);
    let whole = tmp.path().join("whole");
    let w = netsim(&[
        "batch",
        &file,
        "--seeds",
        "0..3",
        "--keep-traces",
        "--out",
        whole.to_str().unwrap(),
    ]);
    // The merge judges the whole batch exactly as the unsharded one does.
    assert_eq!(
        o.status.code(),
        w.status.code(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let runs: Vec<String> = std::fs::read_dir(whole.join("traces"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(runs.len(), 6, "2 points x 3 seeds");
    for run in runs {
        assert_eq!(
            files(&whole.join("traces").join(&run)),
            files(&merged.join("traces").join(&run)),
            "{run}"
        );
    }
    assert!(!merged.join(".traces.partial").exists());
}

#[test]
fn a_failing_seed_is_reported_and_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_tmp(tmp.path(), LOSSY);
    let out = tmp.path().join("b");
    let o = netsim(&[
        "batch",
        &file,
        "--seeds",
        "0..30",
        "--out",
        out.to_str().unwrap(),
    ]);
    // 10% loss: some runs retransmit and fail their expectation.
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(stdout.contains("FAIL  point"), "{stdout}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let failed = &summary["failed_runs"][0];
    let (point, seed) = (
        failed["point"].as_u64().unwrap(),
        failed["seed"].as_u64().unwrap(),
    );
    // The batch's record of that run...
    let runs = std::fs::read_to_string(out.join("runs.jsonl")).unwrap();
    let line: serde_json::Value = runs
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["point"] == point && v["seed"] == seed)
        .unwrap();
    assert_eq!(line["outcome"], "failed");
    // ... is what the printed command gives: the first failure listed is
    // the first in the summary, and its command names the real file.
    let command = stdout
        .lines()
        .find_map(|l| l.split_once("(reproduce: ")?.1.strip_suffix(')'))
        .unwrap_or_else(|| panic!("no reproduce hint: {stdout}"));
    assert_eq!(
        command,
        format!("netsim run {file} --seed {seed} --point {point}")
    );
    let one = tmp.path().join("one");
    let mut args: Vec<&str> = command.split(' ').skip(1).collect();
    args.extend(["--out", one.to_str().unwrap()]);
    let o = netsim(&args);
    assert_eq!(o.status.code(), Some(1));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(one.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        s["metrics"]["a.tcp.retransmissions"],
        line["metrics"]["a.tcp.retransmissions"]
    );
    assert_eq!(
        s["metrics"]["a.tcp.handshake_ns"],
        line["metrics"]["a.tcp.handshake_ns"]
    );
}

/// After a merge the scenario's file is not known (only its text, kept in
/// `batch.json`), and the hint says so instead of naming a file.
#[test]
fn a_merge_reproduce_hint_points_at_the_scenario_text() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_tmp(tmp.path(), LOSSY);
    let shards = run_shards(&file, "0..30", 2, tmp.path(), &[]);
    let merged = tmp.path().join("merged");
    let o = merge_into(&shards, &merged);
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(
        stdout.contains("(reproduce: netsim run <the scenario file> --seed "),
        "{stdout}"
    );
    let batch_json = merged.join("batch.json");
    assert!(
        stdout.contains(&format!(
            "the scenario file's text is \"scenario_text\" in {}",
            batch_json.display()
        )),
        "{stdout}"
    );
}

/// Without sweeps: a histogram and a CDF for each metric that varies over
/// the seeds, nothing for one that does not.
#[test]
fn histograms_and_cdfs_only_for_metrics_that_vary() {
    let tmp = tempfile::tempdir().unwrap();
    let text = LOSSY
        .replace(r#"{"sweep": ["5ms", "20ms"], "name": "delay"}"#, r#""5ms""#)
        .replace(
            r#""metrics": ["a.tcp.handshake_ns", "a.tcp.retransmissions"]"#,
            r#""metrics": ["a.tcp.handshake_ns", "b.tcp.bytes_delivered"]"#,
        );
    assert!(!text.contains("sweep") && text.contains("b.tcp.bytes_delivered"));
    let file = write_tmp(tmp.path(), &text);
    let out = tmp.path().join("b");
    netsim(&[
        "batch",
        &file,
        "--seeds",
        "0..20",
        "--out",
        out.to_str().unwrap(),
    ]);
    let names: Vec<String> = files(&out).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        names
            .iter()
            .filter(|n| n.ends_with(".png"))
            .collect::<Vec<_>>(),
        ["a.tcp.handshake_ns-cdf.png", "a.tcp.handshake_ns-hist.png"]
    );
}

#[test]
fn summary_statistics_match_the_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write_tmp(tmp.path(), LOSSY);
    let out = tmp.path().join("b");
    netsim(&[
        "batch",
        &file,
        "--seeds",
        "0..101",
        "--out",
        out.to_str().unwrap(),
    ]);
    let runs = std::fs::read_to_string(out.join("runs.jsonl")).unwrap();
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    for point in 0..2u64 {
        let mut v: Vec<f64> = runs
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
            .filter(|r| r["point"] == point)
            .map(|r| r["metrics"]["a.tcp.handshake_ns"].as_f64().unwrap())
            .collect();
        assert_eq!(v.len(), 101);
        v.sort_by(f64::total_cmp);
        let s = &summary["points"][point as usize]["metrics"]["a.tcp.handshake_ns"];
        let mean = v.iter().sum::<f64>() / 101.0;
        assert!((s["mean"].as_f64().unwrap() - mean).abs() < 1e-6 * mean);
        // Nearest rank over 101 values: p50 is the 51st, p90 the 91st, p99
        // the 100th.
        assert_eq!(s["p50"].as_f64().unwrap(), v[50]);
        assert_eq!(s["p90"].as_f64().unwrap(), v[90]);
        assert_eq!(s["p99"].as_f64().unwrap(), v[99]);
        assert_eq!(s["min"].as_f64().unwrap(), v[0]);
        assert_eq!(s["max"].as_f64().unwrap(), v[100]);
        assert_eq!(s["count"], 101);
    }
    assert_eq!(summary["points"][1]["params"]["delay"], "20ms");
}

#[test]
fn batch_expectations_fail_with_exit_1_and_name_the_point() {
    let tmp = tempfile::tempdir().unwrap();
    let text = LOSSY.replace(
        r#""expect": [{"description": "no retransmission", "metric": "a.tcp.retransmissions", "equals": 0}]"#,
        r#""batch_expect": [{"metric": "a.tcp.handshake_ns", "stat": "p50", "at_most": "30ms"}]"#,
    );
    let file = write_tmp(tmp.path(), &text);
    let o = netsim(&[
        "batch",
        &file,
        "--seeds",
        "0..50",
        "--out",
        tmp.path().join("b").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8(o.stdout).unwrap();
    // 5 ms: the median handshake is 10 ms; 20 ms: 40 ms, over the bound.
    assert!(
        stdout.contains("ok   point 0: p50(a.tcp.handshake_ns) <= 30ms"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL point 1: p50(a.tcp.handshake_ns) <= 30ms"),
        "{stdout}"
    );
}

#[test]
fn bad_batch_arguments_are_clear_errors() {
    let file = library("three-way-handshake");
    for (args, msg) in [
        (vec!["--seeds", "5..5"], "holds no seed"),
        (vec!["--seeds", "1-10"], "is not a seed range"),
        (
            vec!["--seeds", "0..10", "--shard", "4/3"],
            "K must be from 1 to N",
        ),
    ] {
        let mut a = vec!["batch", file.as_str()];
        a.extend(args);
        let o = netsim(&a);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(msg),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// The showcase: goodput falls with loss as 1/sqrt(p), within the Mathis
/// formula's range where its assumptions (no timeouts) hold.
#[test]
fn goodput_follows_mathis_where_timeouts_are_rare() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b");
    let o = netsim(&[
        "batch",
        &library("sweep-goodput-vs-loss"),
        "--seeds",
        "0..12",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let mut last = f64::INFINITY;
    for p in summary["points"].as_array().unwrap() {
        let loss = p["params"]["loss"].as_f64().unwrap();
        let g = p["metrics"]["a.tcp.goodput_bps"]["p50"].as_f64().unwrap();
        assert!(g < last, "goodput must fall as loss grows ({loss}: {g})");
        last = g;
        let mathis = 1460.0 * 8.0 / 0.02024 * 1.5f64.sqrt() / loss.sqrt();
        if loss <= 0.01 {
            let ratio = g / mathis;
            assert!(
                (0.6..=1.6).contains(&ratio),
                "loss {loss}: {g} is {ratio} x Mathis"
            );
        }
    }
}

#[test]
fn traces_are_kept_only_when_asked() {
    let tmp = tempfile::tempdir().unwrap();
    let file = library("three-way-handshake");
    let plain = tmp.path().join("plain");
    netsim(&[
        "batch",
        &file,
        "--seeds",
        "0..3",
        "--out",
        plain.to_str().unwrap(),
    ]);
    assert!(!plain.join("traces").exists());
    let kept = tmp.path().join("kept");
    let o = netsim(&[
        "batch",
        &file,
        "--seeds",
        "0..3",
        "--keep-traces",
        "--out",
        kept.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    for seed in 0..3 {
        let d = kept.join("traces").join(format!("p0-s{seed}"));
        for f in ["trace.jsonl", "trace.txt", "summary.json"] {
            assert!(d.join(f).exists(), "{}", d.join(f).display());
        }
    }
}

/// The TLS showcase: a TLS 1.3 server saves one round trip per page over a
/// TLS 1.2 one, so the median gap is about 2 x the one-way delay at every
/// point, and the TLS batch is the same whatever the thread count.
#[test]
fn https_page_time_tls13_saves_a_round_trip_at_every_rtt() {
    let all = on_one_and_two_threads("sweep-https-page-vs-rtt", "0..4");
    let summary: serde_json::Value =
        serde_json::from_slice(&all[0].iter().find(|(n, _)| n == "summary.json").unwrap().1)
            .unwrap();
    let points = summary["points"].as_array().unwrap();
    let median = |tls: &str, delay: &str| -> f64 {
        let p = points
            .iter()
            .find(|p| p["params"]["server_tls"][0] == tls && p["params"]["delay"] == delay)
            .unwrap_or_else(|| panic!("{tls} {delay}"));
        p["metrics"]["client.tls.page_ns"]["p50"].as_f64().unwrap()
    };
    for (delay, ms) in [
        ("5ms", 5.0),
        ("10ms", 10.0),
        ("20ms", 20.0),
        ("40ms", 40.0),
        ("80ms", 80.0),
    ] {
        let gap = (median("1.2", delay) - median("1.3", delay)) / 1e6;
        assert!(
            (1.8 * ms..=2.5 * ms).contains(&gap),
            "delay {delay}: TLS 1.2 - TLS 1.3 = {gap} ms"
        );
    }
}
