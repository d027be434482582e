//! `netsim test`: scenario files as snapshot tests, through the binary as a
//! user meets it (exit codes, messages, the files it writes and leaves).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HANDSHAKE: &str = r#"{
  "name": "handshake",
  "stop_at": "1s",
  "topology": {
    "nodes": ["a", "b"],
    "links": [{"between": ["a", "b"], "delay": "10ms", "bandwidth": "100Mbps"}]
  },
  "endpoints": [
    {"node": "b", "tcp": {"listen": 80, "iss": 5000}},
    {"node": "a", "tcp": {"connect": "b:80", "iss": 1000, "close": "never"}}
  ],
  "expect": [{"node": "a", "passes_through": ["SYN_SENT", "ESTABLISHED"]}]
}"#;

const PING: &str = r#"{
  "name": "ping",
  "topology": {
    "nodes": ["a", "b"],
    "links": [{"between": ["a", "b"], "delay": "5ms", "bandwidth": "10Mbps", "loss": 0.3}]
  },
  "endpoints": [{"node": "a", "ping": {"target": "b", "count": 10, "interval": "10ms"}}],
  "expect": [{"metric": "a.ping.sent", "equals": 10}]
}"#;

fn netsim_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_netsim"));
    cmd.args(args)
        .env_remove("NETSIM_ACCEPT")
        .env_remove("INSTA_UPDATE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("netsim runs")
}

fn netsim(args: &[&str]) -> Output {
    netsim_env(args, &[])
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// The names in a folder, sorted (empty if it does not exist).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// A scenario text with `"snapshot": ...` added.
fn with_snapshot(text: &str, snapshot: &str) -> String {
    let body = text.trim_end().strip_suffix('}').unwrap();
    format!("{body},\n  \"snapshot\": {snapshot}\n}}")
}

/// The contents of a `.snap` file (after its `---` header).
fn contents(snap: &Path) -> String {
    let text = read(snap);
    let rest = text.strip_prefix("---\n").unwrap();
    rest.split_once("\n---\n").unwrap().1.to_string()
}

#[test]
fn accept_pass_change_fail_accept_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "handshake.json", HANDSHAKE);
    let snaps = tmp.path().join("snapshots");

    // Accepting writes the snapshot in insta's format.
    let o = netsim(&["test", &file, "--accept"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).ends_with("\n1 passed, 0 failed\n"),
        "{}",
        stdout(&o)
    );
    assert_eq!(names(&snaps), ["handshake.snap"]);
    let snap = read(snaps.join("handshake.snap"));
    assert!(
        snap.starts_with("---\nsource: handshake.json\nexpression: handshake\n---\n"),
        "{snap}"
    );
    assert!(snap.contains("tcp_state lport=49152 peer=b pport=80 from=CLOSED to=SYN_SENT"));
    assert!(snap.contains("\n# metrics\nrun.events = "), "{snap}");

    // Unchanged: it passes and writes nothing.
    let o = netsim(&["test", &file]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert_eq!(stdout(&o), format!("ok     {file}\n\n1 passed, 0 failed\n"));
    assert_eq!(read(snaps.join("handshake.snap")), snap);

    // A slower link: exit 1, a .snap.new beside the old one, a diff.
    write(
        tmp.path(),
        "handshake.json",
        &HANDSHAKE.replace("\"10ms\"", "\"12ms\""),
    );
    let o = netsim(&["test", &file]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!("FAILED {file}: snapshot changed\n")),
        "{out}"
    );
    assert!(out.contains("netsim test --accept"), "{out}");
    let old = snaps.join("handshake.snap");
    let new = snaps.join("handshake.snap.new");
    assert!(
        out.contains(&format!(
            "--- {}\n+++ {}\n@@ ",
            old.display(),
            new.display()
        )),
        "{out}"
    );
    assert!(out.contains("\n-  10.00384ms b      tcp_state"), "{out}");
    assert!(out.contains("\n+  12.00384ms b      tcp_state"), "{out}");
    assert!(out.ends_with("\n0 passed, 1 failed\n"), "{out}");
    assert_eq!(names(&snaps), ["handshake.snap", "handshake.snap.new"]);
    assert_eq!(read(&old), snap, "the snapshot is not touched");
    assert!(read(&new).contains("12.00384ms"));
    assert_eq!(o.stderr, b"");

    // Accepting takes the new one and removes the .snap.new.
    let o = netsim(&["test", &file, "--accept"]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    assert!(stdout(&o).contains("(accepted: wrote"), "{}", stdout(&o));
    assert_eq!(names(&snaps), ["handshake.snap"]);
    assert!(read(&old).contains("12.00384ms"));
    let o = netsim(&["test", &file]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}

#[test]
fn a_new_scenario_fails_under_ci_and_its_snapshot_is_not_written() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "ping.json", PING);
    let o = netsim_env(&["test", &file], &[("CI", "true")]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!("FAILED {file}: no snapshot\n")),
        "{out}"
    );
    assert!(out.contains("no snapshot yet: wrote"), "{out}");
    assert!(
        out.contains(&format!("netsim test --accept {file}")),
        "{out}"
    );
    assert!(out.ends_with("\n0 passed, 1 failed\n"), "{out}");
    assert_eq!(names(&tmp.path().join("snapshots")), ["ping.snap.new"]);
}

#[test]
fn failing_expectations_fail_the_test_even_with_a_matching_snapshot() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = PING.replace("\"equals\": 10", "\"equals\": 11");
    let file = write(tmp.path(), "ping.json", &bad);
    // --accept writes the snapshot, but the test still fails.
    let o = netsim(&["test", &file, "--accept"]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(
        stdout(&o).contains("expectation failed: "),
        "{}",
        stdout(&o)
    );
    assert_eq!(names(&tmp.path().join("snapshots")), ["ping.snap"]);
    let o = netsim(&["test", &file]);
    assert_eq!(code(&o), 1);
    let out = stdout(&o);
    assert!(
        out.starts_with(&format!("FAILED {file}: 1 expectation failed\n")),
        "{out}"
    );
    assert!(out.contains("(observed 10)"), "{out}");
}

#[test]
fn a_folder_is_its_json_files_in_name_order_and_a_sweep_snapshots_every_point() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "b-ping.json", PING);
    write(tmp.path(), "a-handshake.json", HANDSHAKE);
    write(tmp.path(), "notes.txt", "not a scenario");
    std::fs::create_dir(tmp.path().join("deeper")).unwrap();
    write(&tmp.path().join("deeper"), "c.json", "not even JSON");
    let swept = PING.replace(
        "\"loss\": 0.3",
        "\"loss\": {\"sweep\": [0.0, 0.5], \"name\": \"loss\"}",
    );
    write(tmp.path(), "c-sweep.json", &swept);
    let dir = tmp.path().to_str().unwrap();
    let o = netsim(&["test", dir, "--accept"]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let lines: Vec<String> = stdout(&o)
        .lines()
        .filter_map(|l| l.strip_prefix("ok     "))
        .map(|l| {
            Path::new(l.split(" (").next().unwrap())
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(lines, ["a-handshake.json", "b-ping.json", "c-sweep.json"]);
    assert!(stdout(&o).ends_with("\n3 passed, 0 failed\n"));
    let sweep = contents(&tmp.path().join("snapshots/c-sweep.snap"));
    assert!(sweep.starts_with("## point 0: loss=0.0\n"), "{sweep}");
    assert!(sweep.contains("\n## point 1: loss=0.5\n"), "{sweep}");
    assert_eq!(sweep.matches("# metrics\n").count(), 2);
}

#[test]
fn the_snapshot_section_chooses_kinds_nodes_and_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let accept = |name: &str, text: &str| {
        let file = write(tmp.path(), &format!("{name}.json"), text);
        let o = netsim(&["test", &file, "--accept"]);
        assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
        contents(&tmp.path().join(format!("snapshots/{name}.snap")))
    };
    let records = |text: &str| -> Vec<String> {
        text.lines()
            .take_while(|l| *l != "# metrics")
            .map(str::to_string)
            .collect()
    };

    // The default: significant kinds at every node, every metric.
    let default = accept("default", HANDSHAKE);
    let kept = records(&default);
    assert!(kept.iter().any(|l| l.contains(" tcp_state ")));
    assert!(kept.iter().any(|l| l.contains(" tcp_app ")));
    assert!(
        kept.iter()
            .all(|l| l.contains(" tcp_state ") || l.contains(" tcp_app ")),
        "{default}"
    );
    assert!(
        kept.iter().any(|l| l.contains(" a      ")) && kept.iter().any(|l| l.contains(" b      "))
    );
    assert!(default.contains("# metrics\nrun.events = "), "{default}");
    assert!(
        default.contains("\nlink.b->a.duplicated = 0\n"),
        "{default}"
    );

    // Kinds and nodes filter the records; listed metrics come in order.
    let chosen = accept(
        "chosen",
        &with_snapshot(
            HANDSHAKE,
            r#"{"kinds": ["tcp_state", "link_transmit"], "nodes": ["b"], "metrics": ["b.tcp.segments_sent", "a.tcp.handshake_ns"]}"#,
        ),
    );
    let kept = records(&chosen);
    assert_eq!(kept.len(), 3, "{chosen}");
    assert!(kept.iter().all(|l| l[13..].starts_with("b ")), "{chosen}");
    assert!(
        kept.iter().any(|l| l.contains("b -> a transmit")),
        "{chosen}"
    );
    assert!(kept.iter().any(|l| l.contains("tcp_state")), "{chosen}");
    assert!(
        chosen.ends_with("# metrics\nb.tcp.segments_sent = 1\na.tcp.handshake_ns = 20007680\n"),
        "{chosen}"
    );

    // No metrics at all, and no kinds: an empty snapshot.
    let none = accept(
        "none",
        &with_snapshot(HANDSHAKE, r#"{"kinds": [], "metrics": false}"#),
    );
    assert_eq!(none, "\n");
    // "metrics": true is the default.
    let all = accept("all", &with_snapshot(HANDSHAKE, r#"{"metrics": true}"#));
    assert_eq!(all, default);
    // "kinds": "all" keeps every record: as many as trace.txt has lines.
    let every = accept(
        "every",
        &with_snapshot(HANDSHAKE, r#"{"kinds": "all", "metrics": false}"#),
    );
    let out = tmp.path().join("out");
    let o = netsim(&[
        "run",
        tmp.path().join("every.json").to_str().unwrap(),
        "--outputs",
        "text",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0);
    let text = read(out.join("trace.txt"));
    assert!(text.lines().count() > 10, "{text}");
    assert_eq!(every.trim(), text.trim());
}

#[test]
fn bad_snapshot_fields_are_exit_2_with_the_path_and_the_valid_names() {
    let cases = [
        (
            r#"{"kinds": ["tcp_state", "tcp_sate"]}"#,
            "snapshot.kinds[1]: unknown trace kind \"tcp_sate\"; the kinds are: link_enqueue, link_transmit,",
        ),
        (
            r#"{"nodes": ["a", "z"]}"#,
            "snapshot.nodes[1]: unknown node \"z\"",
        ),
        (
            r#"{"metrics": ["a.tcp.handshake"]}"#,
            "snapshot.metrics[0]: unknown metric \"a.tcp.handshake\"; the metrics are: a.echo.answered,",
        ),
        (
            r#"{"metrics": "all"}"#,
            "snapshot.metrics: true, false or a list of metric names",
        ),
        (
            r#"{"kinds": "every"}"#,
            "snapshot.kinds: \"all\" or a list of trace kinds",
        ),
        (
            r#"{"kind": ["tcp_state"]}"#,
            "snapshot.kind: unknown field `kind`, expected one of `kinds`, `nodes`, `metrics`",
        ),
    ];
    for (snapshot, words) in cases {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "good.json", HANDSHAKE);
        let file = write(tmp.path(), "bad.json", &with_snapshot(HANDSHAKE, snapshot));
        let o = netsim(&["test", tmp.path().to_str().unwrap(), "--accept"]);
        assert_eq!(code(&o), 2, "{snapshot}: {}", stdout(&o));
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!("netsim: error: {file}: ")),
            "{err}"
        );
        assert!(
            err.contains(words),
            "{snapshot}: expected {words:?} in {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert_eq!(stdout(&o), "", "nothing ran");
        assert!(!tmp.path().join("snapshots").exists(), "nothing written");
        // `netsim check` refuses it the same way.
        let o = netsim(&["check", &file]);
        assert_eq!(code(&o), 2);
        assert!(stderr(&o).contains(words));
    }
}

#[test]
fn unreadable_or_unparsable_scenarios_are_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "broken.json", "{\"name\": ");
    let o = netsim(&["test", &file]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).starts_with(&format!("netsim: error: {file}: ")),
        "{}",
        stderr(&o)
    );
    let missing = tmp.path().join("missing.json");
    let o = netsim(&["test", missing.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
    assert!(!tmp.path().join("snapshots").exists());
    // A folder with nothing to test is a mistake, not a pass.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = netsim(&["test", empty.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("no *.json scenario files"),
        "{}",
        stderr(&o)
    );
}

/// The printed JSON Schema knows the `snapshot` section, in each of its
/// forms, and refuses a misspelt field in it.
#[test]
fn the_schema_describes_the_snapshot_section() {
    let schema: serde_json::Value = serde_json::from_str(&scenarios::schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let doc = |snapshot: &str| -> serde_json::Value {
        serde_json::from_str(&with_snapshot(HANDSHAKE, snapshot)).unwrap()
    };
    for good in [
        r#"{}"#,
        r#"{"kinds": ["tcp_state"], "nodes": ["a"], "metrics": false}"#,
        r#"{"metrics": true}"#,
        r#"{"metrics": ["a.tcp.handshake_ns"]}"#,
    ] {
        assert!(validator.is_valid(&doc(good)), "{good}");
    }
    for bad in [r#"{"kind": []}"#, r#"{"metrics": "all"}"#] {
        assert!(!validator.is_valid(&doc(bad)), "{bad}");
    }
}

/// A small strict check that `xml` is well-formed: one root, tags nested
/// and closed, attributes quoted, `<` and `&` only as markup or entities.
fn assert_well_formed(xml: &str) {
    let body = xml
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .expect("an XML declaration");
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = body;
    let check_text = |t: &str| {
        let mut s = t;
        while let Some(i) = s.find('&') {
            let after = &s[i + 1..];
            let end = after.find(';').expect("an entity ends with ;");
            assert!(
                ["amp", "lt", "gt", "quot", "apos"].contains(&&after[..end]),
                "entity {}",
                &after[..end]
            );
            s = &after[end + 1..];
        }
    };
    while let Some(open) = rest.find('<') {
        check_text(&rest[..open]);
        if stack.is_empty() {
            assert!(rest[..open].trim().is_empty(), "text outside the root");
        }
        let close = rest[open..].find('>').expect("a tag ends") + open;
        let tag = &rest[open + 1..close];
        assert!(!tag.contains('<'), "< inside a tag: {tag}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "closing tag");
        } else {
            let self_closing = tag.ends_with('/');
            let tag = tag.trim_end_matches('/');
            let (name, mut attrs) = tag.split_once(' ').unwrap_or((tag, ""));
            assert!(
                name.chars().all(|c| c.is_ascii_alphanumeric()),
                "name {name}"
            );
            while !attrs.trim().is_empty() {
                let (key, value) = attrs.trim_start().split_once("=\"").expect("key=\"value\"");
                assert!(
                    key.chars().all(|c| c.is_ascii_alphanumeric()),
                    "attribute {key}"
                );
                let end = value.find('"').expect("a closing quote");
                check_text(&value[..end]);
                attrs = &value[end + 1..];
            }
            if stack.is_empty() {
                roots += 1;
            }
            if !self_closing {
                stack.push(name.to_string());
            }
        }
        rest = &rest[close + 1..];
    }
    assert!(rest.trim().is_empty());
    assert!(stack.is_empty(), "unclosed {stack:?}");
    assert_eq!(roots, 1);
}

#[test]
fn junit_is_well_formed_xml_with_the_counts_and_the_reasons() {
    let tmp = tempfile::tempdir().unwrap();
    // A name with XML's special characters in it, and a failing diff full of `->`.
    write(tmp.path(), "a<&'\">.json", HANDSHAKE);
    write(tmp.path(), "b.json", HANDSHAKE);
    write(tmp.path(), "c.json", PING);
    let dir = tmp.path().to_str().unwrap();
    assert_eq!(code(&netsim(&["test", dir, "--accept"])), 0);
    write(
        tmp.path(),
        "b.json",
        &HANDSHAKE.replace("\"10ms\"", "\"11ms\""),
    );
    write(tmp.path(), "d.json", PING);
    let junit = tmp.path().join("out/report.xml");
    std::fs::create_dir(tmp.path().join("out")).unwrap();
    let o = netsim(&["test", dir, "--junit", junit.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).ends_with("\n2 passed, 2 failed\n"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        names(&tmp.path().join("out")),
        ["report.xml"],
        "no temporary file left"
    );
    let xml = read(&junit);
    assert_well_formed(&xml);
    assert!(
        xml.contains("<testsuites name=\"netsim test\" tests=\"4\" failures=\"2\" errors=\"0\">"),
        "{xml}"
    );
    assert_eq!(xml.matches("<testcase ").count(), 4);
    assert_eq!(xml.matches("<failure ").count(), 2);
    assert!(xml.contains("a&lt;&amp;&apos;&quot;&gt;.json"), "{xml}");
    assert!(
        xml.contains("<failure message=\"snapshot changed\""),
        "{xml}"
    );
    assert!(xml.contains("<failure message=\"no snapshot\""), "{xml}");
    assert!(xml.contains("\n+  11.00384ms b      tcp_state"), "{xml}");
}

#[test]
fn the_output_does_not_depend_on_jobs() {
    let tmp = tempfile::tempdir().unwrap();
    for (i, text) in [HANDSHAKE, PING, HANDSHAKE, PING, HANDSHAKE]
        .iter()
        .enumerate()
    {
        write(tmp.path(), &format!("s{i}.json"), text);
    }
    let dir = tmp.path().to_str().unwrap();
    assert_eq!(code(&netsim(&["test", dir, "--accept", "--jobs", "2"])), 0);
    // Some pass, one changed, one new.
    write(tmp.path(), "s1.json", &PING.replace("0.3", "0.4"));
    write(tmp.path(), "s5.json", PING);
    let run = |jobs: &str| {
        let junit: PathBuf = tmp.path().join(format!("junit-{jobs}.xml"));
        let o = netsim(&[
            "test",
            dir,
            "--jobs",
            jobs,
            "--junit",
            junit.to_str().unwrap(),
        ]);
        assert_eq!(code(&o), 1);
        (stdout(&o), read(&junit))
    };
    let one = run("1");
    let two = run("2");
    assert_eq!(one, two);
    assert!(one.0.ends_with("\n4 passed, 2 failed\n"), "{}", one.0);
}
