//! What `netsim run` writes and how: outputs chosen with `--outputs`, the
//! trace filter, runs stopped at a limit, pictures redrawn from a run
//! folder, SVG, and nothing half-written when a write fails.

mod common;

use std::path::Path;
use std::process::Output;

use common::{files, library_file as library, netsim};

fn names(dir: &Path) -> Vec<String> {
    files(dir).into_iter().map(|(n, _)| n).collect()
}

fn run_into(dir: &Path, scenario: &str, extra: &[&str]) -> Output {
    let mut args = vec!["run", scenario, "--out", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    netsim(&args)
}

#[test]
fn outputs_choose_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("o");
    let o = run_into(
        &d,
        &library("three-way-handshake"),
        &["--outputs", "summary,text"],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(names(&d), ["summary.json", "trace.txt"]);
    let o = run_into(
        &tmp.path().join("bad"),
        &library("three-way-handshake"),
        &["--outputs", "trace,ladder"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(
            "\"ladder\" is not an output; the outputs are: trace, text, pcap, summary, pictures"
        ),
        "{err}"
    );
    assert!(!tmp.path().join("bad").exists());
}

#[test]
fn the_trace_filter_shapes_only_the_trace_files() {
    let tmp = tempfile::tempdir().unwrap();
    let all = tmp.path().join("all");
    let some = tmp.path().join("some");
    let file = library("https-page-load");
    assert_eq!(run_into(&all, &file, &[]).status.code(), Some(0));
    let o = run_into(
        &some,
        &file,
        &[
            "--trace-kinds",
            "tcp_state,tls_state",
            "--trace-nodes",
            "client",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(some.join("trace.jsonl")).unwrap();
    assert!(text.lines().count() > 5);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(
            ["tcp_state", "tls_state"].contains(&v["kind"].as_str().unwrap()),
            "{line}"
        );
        assert_eq!(v["node"], "client", "{line}");
    }
    // The pcap and the pictures see every record.
    for f in ["trace.pcap", "ladder.png", "states.png"] {
        assert_eq!(
            std::fs::read(all.join(f)).unwrap(),
            std::fs::read(some.join(f)).unwrap(),
            "{f}"
        );
    }
    let o = run_into(
        &tmp.path().join("x"),
        &file,
        &["--trace-kinds", "tcp_states"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains(
        "--trace-kinds: unknown trace kind \"tcp_states\"; the kinds are: link_enqueue,"
    ));
}

#[test]
fn a_run_stopped_at_a_limit_exits_4_with_its_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("s");
    let o = run_into(&d, &library("bulk-1pct-loss"), &["--max-events", "100"]);
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("stopped at --max-events 100"));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["outcome"], "stopped");
    assert_eq!(summary["events"], 100);
    for f in ["trace.jsonl", "trace.txt", "trace.pcap", "ladder.png"] {
        assert!(d.join(f).exists(), "{f}");
    }
    // Stopping is deterministic for an event budget: the same bytes again.
    let again = tmp.path().join("again");
    run_into(&again, &library("bulk-1pct-loss"), &["--max-events", "100"]);
    assert_eq!(files(&d), files(&again));
    // Not a terminal: no progress line.
    assert!(!String::from_utf8_lossy(&o.stderr).contains('\r'));
}

#[test]
fn report_redraws_the_pictures_byte_for_byte_and_in_svg() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("r");
    assert_eq!(
        run_into(&d, &library("fast-retransmit"), &[]).status.code(),
        Some(0)
    );
    let before = files(&d);
    let pngs: Vec<&(String, Vec<u8>)> =
        before.iter().filter(|(n, _)| n.ends_with(".png")).collect();
    assert!(pngs.len() >= 4);
    for (n, _) in &pngs {
        std::fs::remove_file(d.join(n)).unwrap();
    }
    let o = netsim(&["report", d.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(files(&d), before, "redrawn pictures are the run's");
    let o = netsim(&[
        "report",
        d.to_str().unwrap(),
        "--format",
        "svg",
        "--from",
        "0s",
        "--to",
        "100ms",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let svg = std::fs::read_to_string(d.join("ladder.svg")).unwrap();
    assert!(svg.contains("<svg") && svg.contains("fast-retransmit (seed 1)"));
    // A filtered trace cannot be redrawn from.
    let f = tmp.path().join("f");
    run_into(
        &f,
        &library("fast-retransmit"),
        &["--trace-kinds", "tcp_state"],
    );
    let o = netsim(&["report", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("holds only some records"));
}

#[test]
fn run_can_draw_svg() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("v");
    let o = run_into(
        &d,
        &library("four-way-close"),
        &["--format", "svg", "--outputs", "pictures"],
    );
    assert_eq!(o.status.code(), Some(0));
    let n = names(&d);
    assert!(
        n.contains(&"ladder.svg".to_string()) && n.iter().all(|n| n.ends_with(".svg")),
        "{n:?}"
    );
}

#[test]
fn a_failed_write_leaves_nothing_under_a_final_name() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("w");
    std::fs::create_dir_all(d.join("trace.txt")).unwrap();
    let o = run_into(&d, &library("three-way-handshake"), &[]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let left: Vec<String> = std::fs::read_dir(&d)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(left, ["trace.txt"], "only the folder that was in the way");
}
