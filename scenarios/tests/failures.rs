//! Hostile command lines and failures part way: each is refused with one
//! clear message and exit 2, or stops with nothing half-written (issue 13:
//! unchecked CLI values, path escape, atomic outputs, signals).

mod common;

use std::path::Path;
use std::process::Command;

use common::{library_file, netsim};

/// Every entry directly in a folder, sorted (none when it does not exist).
fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[track_caller]
fn assert_usage_error(args: &[&str], words: &str) {
    let o = netsim(args);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(
        stderr.contains(words),
        "{args:?}: expected {words:?} in {stderr}"
    );
}

#[test]
fn bad_jobs_seed_ranges_and_windows_are_refused_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let o = out.to_str().unwrap();
    let f = library_file("three-way-handshake");
    let sweep = library_file("sweep-goodput-vs-loss");
    let cases: [(Vec<&str>, &str); 8] = [
        (
            vec!["batch", &f, "--seeds", "0..4", "--jobs", "0", "--out", o],
            "from 1 to 1024",
        ),
        (
            vec![
                "batch", &f, "--seeds", "0..4", "--jobs", "100000", "--out", o,
            ],
            "from 1 to 1024",
        ),
        (vec!["test", &f, "--jobs", "0"], "from 1 to 1024"),
        (
            vec![
                "batch",
                &f,
                "--seeds",
                "0..18446744073709551615",
                "--out",
                o,
            ],
            "a batch holds at most 1000000",
        ),
        (
            vec!["batch", &sweep, "--seeds", "0..500000", "--out", o],
            "sweep point(s) times 500000 seeds",
        ),
        (
            vec!["run", &f, "--from", "2s", "--to", "1s", "--out", o],
            "--from 2s is not before --to 1s",
        ),
        (
            vec!["run", &f, "--from", "1s", "--to", "1s", "--out", o],
            "is not before",
        ),
        (
            vec!["report", o, "--from", "2s", "--to", "1s"],
            "is not before",
        ),
    ];
    for (args, words) in cases {
        assert_usage_error(&args, words);
        assert!(!out.exists(), "{args:?} wrote {:?}", entries(&out));
    }
}

#[test]
fn more_jobs_than_runs_is_fine() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o");
    let o = netsim(&[
        "batch",
        &library_file("three-way-handshake"),
        "--seeds",
        "0..2",
        "--jobs",
        "1024",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_scenario_name_cannot_write_outside_out() {
    for name in ["../../escaped", "/tmp/absolute", "..", "a/b\\c d"] {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("s.json");
        let text = std::fs::read_to_string(library_file("three-way-handshake"))
            .unwrap()
            .replacen(
                "\"name\": \"three-way-handshake\"",
                &format!("\"name\": {}", serde_json::to_string(name).unwrap()),
                1,
            );
        assert!(text.contains(&serde_json::to_string(name).unwrap()));
        std::fs::write(&file, text).unwrap();
        let work = tmp.path().join("work");
        std::fs::create_dir(&work).unwrap();
        for cmd in [vec!["run"], vec!["batch", "--seeds", "0..2"]] {
            let o = Command::new(env!("CARGO_BIN_EXE_netsim"))
                .args(&cmd)
                .arg(&file)
                .current_dir(&work)
                .output()
                .unwrap();
            assert_eq!(
                o.status.code(),
                Some(0),
                "{name}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        // Everything went into one folder each under work/out, nothing
        // beside it.
        assert_eq!(entries(&work), ["out"], "{name}");
        let folders = entries(&work.join("out"));
        assert_eq!(folders.len(), 2, "{name}: {folders:?}");
        for f in &folders {
            assert!(!f.starts_with('.') && !f.contains('/'), "{name}: {f}");
            assert!(work.join("out").join(f).is_dir());
        }
        assert_eq!(entries(tmp.path()), ["s.json", "work"], "{name}");
    }
}

#[test]
fn a_failed_batch_or_merge_leaves_the_earlier_files_and_no_temporary() {
    let tmp = tempfile::tempdir().unwrap();
    let f = library_file("three-way-handshake");
    // A batch folder from before, then a folder in the way of one output.
    let d = tmp.path().join("b");
    let d_s = d.to_str().unwrap();
    let o = netsim(&["batch", &f, "--seeds", "0..2", "--out", d_s]);
    assert_eq!(o.status.code(), Some(0));
    let before = common::files(&d);
    std::fs::remove_file(d.join("batch.json")).unwrap();
    std::fs::create_dir_all(d.join("batch.json").join("x")).unwrap();
    let o = netsim(&[
        "batch",
        &f,
        "--seeds",
        "5..9",
        "--keep-traces",
        "--out",
        d_s,
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut kept: Vec<(String, Vec<u8>)> = before
        .into_iter()
        .filter(|(n, _)| n != "batch.json")
        .collect();
    kept.sort();
    assert_eq!(
        common::files(&d),
        kept,
        "the earlier runs.jsonl and summary stay"
    );
    assert_eq!(entries(&d), ["batch.json", "runs.jsonl", "summary.json"]);

    // The same for a merge of two shards.
    let s1 = tmp.path().join("s1");
    let s2 = tmp.path().join("s2");
    for (s, k) in [(&s1, "1/2"), (&s2, "2/2")] {
        let o = netsim(&[
            "batch",
            &f,
            "--seeds",
            "0..4",
            "--shard",
            k,
            "--out",
            s.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0));
    }
    let m = tmp.path().join("m");
    std::fs::create_dir_all(m.join("summary.json").join("x")).unwrap();
    let o = netsim(&[
        "merge",
        s1.to_str().unwrap(),
        s2.to_str().unwrap(),
        "--out",
        m.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(entries(&m), ["summary.json"], "only the folder in the way");
}

#[test]
fn a_new_run_replaces_every_output_of_the_one_before() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("r");
    let d_s = d.to_str().unwrap();
    let f = library_file("three-way-handshake");
    let o = netsim(&["run", &f, "--out", d_s]);
    assert_eq!(o.status.code(), Some(0));
    assert!(entries(&d).contains(&"ladder.png".to_string()));
    std::fs::write(d.join("notes.txt"), "mine").unwrap();
    let o = netsim(&["run", &f, "--outputs", "summary", "--out", d_s]);
    assert_eq!(o.status.code(), Some(0));
    // No picture or trace of the earlier run sits beside the new summary;
    // the user's own file stays.
    assert_eq!(entries(&d), ["notes.txt", "summary.json"]);
}

#[cfg(unix)]
#[test]
fn sigterm_and_sigint_remove_the_temporaries() {
    for (signal, code) in [("TERM", 143), ("INT", 130)] {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path().join("b");
        let mut child = Command::new(env!("CARGO_BIN_EXE_netsim"))
            .args([
                "batch",
                &library_file("bulk-1pct-loss"),
                "--seeds",
                "0..100000",
                "--jobs",
                "1",
                "--keep-traces",
                "--out",
                d.to_str().unwrap(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Wait until it is writing.
        let start = std::time::Instant::now();
        while !entries(&d).iter().any(|n| n.ends_with(".partial")) {
            assert!(start.elapsed().as_secs() < 60, "no temporary appeared");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
        let k = Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(k.success());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(code), "SIG{signal}");
        assert_eq!(entries(&d), Vec::<String>::new(), "SIG{signal}");
    }
}

/// A small valid scenario to break one field of.
const BASE: &str = r#"{
  "name": "base",
  "topology": {
    "nodes": ["a", "b"],
    "links": [{"between": ["a", "b"], "delay": "10ms", "bandwidth": "100Mbps"}]
  },
  "endpoints": [
    {"node": "b", "tcp": {"listen": 80}},
    {"node": "a", "tcp": {"connect": "b:80", "send": 1000, "close": "after_send"}}
  ],
  "faults": [],
  "metrics": ["a.tcp.goodput_bps"]
}"#;

#[test]
fn values_that_would_mean_nothing_are_refused_with_their_paths() {
    let link = r#"{"between": ["a", "b"], "delay": "10ms", "bandwidth": "100Mbps"}"#;
    let cases: [(String, &str, &str); 9] = [
        (
            BASE.replace(link, &format!("{link}, {{\"between\": [\"b\", \"a\"]}}")),
            "topology.links[1].between",
            "already joined by topology.links[0]",
        ),
        (
            BASE.replace(
                "\"bandwidth\": \"100Mbps\"}",
                "\"bandwidth\": \"100Mbps\", \"one_way\": [{\"from\": \"a\", \"loss\": 0.1}, {\"from\": \"a\", \"delay\": \"1ms\"}]}",
            ),
            "topology.links[0].one_way[1].from",
            "already set by topology.links[0].one_way[0]",
        ),
        (
            BASE.replace("\"send\": 1000", "\"send\": 1000, \"local_port\": 0"),
            "endpoints[1].tcp.local_port",
            "port 0",
        ),
        (
            BASE.replace(
                "\"faults\": []",
                "\"faults\": [{\"from\": \"a\", \"drop\": true, \"after\": \"2s\", \"before\": \"1s\"}]",
            ),
            "faults[0].before",
            "could never match",
        ),
        (
            BASE.replace(
                "\"faults\": []",
                "\"faults\": [{\"from\": \"a\", \"drop\": true, \"after\": \"1s\", \"before\": \"1s\"}]",
            ),
            "faults[0].before",
            "not later than",
        ),
        (
            BASE.replace(
                "\"faults\": []",
                "\"reference\": {\"metric\": \"a.tcp.goodput_bps\", \"param\": \"loss\", \"mathis\": {\"mss\": 1460, \"rtt\": \"20ms\"}}",
            ),
            "reference.param",
            "the scenario sweeps nothing",
        ),
        (
            BASE.replace("\"delay\": \"10ms\"", "\"delay\": {\"sweep\": [\"10ms\", \"20ms\"], \"name\": \"rtt\"}")
                .replace(
                    "\"faults\": []",
                    "\"reference\": {\"metric\": \"a.tcp.goodput_bps\", \"param\": \"loss\", \"mathis\": {\"mss\": 1460, \"rtt\": \"20ms\"}}",
                ),
            "reference.param",
            "the swept parameters are: rtt",
        ),
        (
            BASE.replace("\"delay\": \"10ms\"", "\"delay\": {\"sweep\": [\"10ms\", \"20ms\"], \"name\": \"rtt\"}")
                .replace(
                    "\"faults\": []",
                    "\"reference\": {\"metric\": \"a.tcp.goodput_bps\", \"param\": \"rtt\", \"mathis\": {\"mss\": 0, \"rtt\": \"20ms\"}}",
                ),
            "reference.mathis.mss",
            "at least 1",
        ),
        (
            // Point 0 is valid, point 1 is not: `run` refuses the file as
            // `check` and `batch` do.
            BASE.replace(
                "\"bandwidth\": \"100Mbps\"}",
                "\"bandwidth\": \"100Mbps\", \"loss\": {\"sweep\": [0.1, 2.0]}}",
            ),
            "topology.links[0].loss",
            "sweep point 1",
        ),
    ];
    for (text, path, words) in cases {
        assert_ne!(text, BASE, "{path}: the case changed nothing");
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("s.json");
        std::fs::write(&file, &text).unwrap();
        let out = tmp.path().join("o");
        for cmd in ["check", "run"] {
            let mut args = vec![cmd, file.to_str().unwrap()];
            if cmd == "run" {
                args.extend(["--out", out.to_str().unwrap()]);
            }
            let o = netsim(&args);
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{cmd} {path}: {stderr}");
            assert!(
                stderr.contains(path) && stderr.contains(words),
                "{cmd} {path}: expected {words:?} in {stderr}"
            );
            assert_eq!(stderr.lines().count(), 1, "{stderr}");
            assert!(!out.exists(), "{cmd} {path}: wrote files");
        }
    }
}

#[test]
fn sections_written_as_arrays_are_refused() {
    let cases = [
        (
            r#"{"name": "p", "topology": ["x"], "endpoints": []}"#,
            "topology: invalid type: sequence, expected a JSON object",
        ),
        (
            r#"{"name": "p", "topology": {"nodes": ["a", "b"], "links": [[["a", "b"], "1ms"]]}, "endpoints": []}"#,
            "topology.links[0]: invalid type: sequence, expected a JSON object",
        ),
        (
            r#"["p", null, {"nodes": ["a"], "links": []}, []]"#,
            "invalid type: sequence, expected a JSON object",
        ),
    ];
    for (text, words) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("s.json");
        std::fs::write(&file, text).unwrap();
        let o = netsim(&["check", file.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{text}: {stderr}");
        assert!(
            stderr.contains(words),
            "{text}: expected {words:?} in {stderr}"
        );
    }
}

/// `netsim run ... | head` stops quietly when the reader goes away: no
/// panic, and the outputs were in place before anything was printed.
#[cfg(unix)]
#[test]
fn a_closed_stdout_is_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("r");
    let err = tmp.path().join("err.txt");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' run '{}' --out '{}' 2>'{}' | true",
            env!("CARGO_BIN_EXE_netsim"),
            library_file("three-way-handshake"),
            d.display(),
            err.display()
        ))
        .status()
        .unwrap();
    assert!(status.success());
    let stderr = std::fs::read_to_string(&err).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(entries(&d).contains(&"summary.json".to_string()));
    assert!(!entries(&d).iter().any(|n| n.ends_with(".partial")));
}
