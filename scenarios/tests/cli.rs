//! The `netsim` binary as a user meets it: exit codes, messages, files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BASE: &str = r#"{
  "name": "base",
  "topology": {
    "nodes": ["a", "b", "c"],
    "routers": ["r"],
    "links": [
      {"between": ["a", "r"], "delay": "10ms", "bandwidth": "100Mbps"},
      {"between": ["r", "b"], "delay": "10ms", "bandwidth": "100Mbps", "loss": 0.1}
    ]
  },
  "endpoints": [{"node": "a", "ping": {"target": "b", "count": 20, "interval": "10ms"}}],
  "expect": [{"metric": "a.ping.sent", "equals": 20}]
}"#;

fn netsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_netsim"))
        .args(args)
        .output()
        .expect("netsim runs")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// Runs `text` as a scenario and returns (exit code, stderr, files in out).
fn run_text(text: &str) -> (i32, String, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "s.json", text);
    let out = tmp.path().join("out");
    let o = netsim(&["run", &file, "--out", out.to_str().unwrap()]);
    let files = std::fs::read_dir(&out)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    (
        o.status.code().unwrap(),
        String::from_utf8(o.stderr).unwrap(),
        files,
    )
}

#[track_caller]
fn assert_bad(text: &str, expected: &str) {
    let (code, stderr, files) = run_text(text);
    assert_eq!(code, 2, "stderr: {stderr}");
    assert!(
        stderr.contains(expected),
        "expected {expected:?} in: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one clear message: {stderr}");
    assert!(files.is_empty(), "bad input wrote {files:?}");
    // `check` reports the same and exits the same way.
    let tmp = tempfile::tempdir().unwrap();
    let o = netsim(&["check", &write(tmp.path(), "s.json", text)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8(o.stderr).unwrap().contains(expected));
}

/// Trace names in a scenario (fault `match` keys, `count.kind`, `count`
/// fields) must be ones the trace can hold: a misspelt one would silently
/// match nothing. The message lists the names that would work.
#[test]
fn trace_names_nothing_can_hold_are_refused_with_the_valid_names() {
    let with = |key: &str, value: &str| {
        BASE.replacen(
            "\n  \"expect\"",
            &format!("\n  \"{key}\": {value},\n  \"expect\""),
            1,
        )
    };
    assert_bad(
        &with(
            "faults",
            r#"[{"from": "a", "match": {"sequence": 3}, "drop": true}]"#,
        ),
        "faults[0].match.sequence: packets have no field \"sequence\"; a fault can match: src, dst, size, ecn, proto, sport, dport, flags, seq, ack, len,",
    );
    let count = |c: &str| {
        BASE.replace(
            r#""expect": [{"metric": "a.ping.sent", "equals": 20}]"#,
            &format!(r#""expect": [{{"count": {c}, "equals": 0}}]"#),
        )
    };
    assert_bad(
        &count(r#"{"kind": "ping_replies"}"#),
        "expect[0].count.kind: unknown trace kind \"ping_replies\"; the kinds are: link_enqueue, link_transmit, link_deliver, link_drop,",
    );
    assert_bad(
        &count(r#"{"kind": "ping_reply", "rtt": 5}"#),
        "expect[0].count.rtt: ping_reply records have no field \"rtt\"; they have: from, seq, rtt_ns, duplicate",
    );
    // The right names pass.
    let (code, stderr, _) = run_text(&count(r#"{"kind": "ping_reply", "duplicate": true}"#));
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr, _) = run_text(&with(
        "faults",
        r#"[{"from": "a", "match": {"seq": 3}, "drop": true}]"#,
    ));
    // Dropping request 3 leaves `a.ping.sent = 20` true: the rule is valid.
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn the_base_scenario_is_valid() {
    let (code, stderr, files) = run_text(BASE);
    assert_eq!(code, 0, "{stderr}");
    for f in [
        "trace.jsonl",
        "trace.txt",
        "summary.json",
        "trace.pcap",
        "ladder.png",
    ] {
        assert!(files.iter().any(|x| x == f), "{f} missing from {files:?}");
    }
    // Nothing half-written is left behind.
    assert!(files.iter().all(|f| !f.ends_with(".partial")), "{files:?}");
}

#[test]
fn malformed_json_names_line_and_column() {
    assert_bad(
        &BASE.replace("\"name\": \"base\",", "\"name\": \"base\""),
        "line 3 column 3",
    );
    assert_bad("", "EOF while parsing");
    assert_bad(
        &format!("{BASE} extra"),
        "unexpected text after the scenario",
    );
}

#[test]
fn an_unknown_node_is_named_with_its_path() {
    assert_bad(
        &BASE.replace(r#"["r", "b"]"#, r#"["r", "x"]"#),
        r#"topology.links[1].between[1]: unknown node "x""#,
    );
    assert_bad(
        &BASE.replace(r#""target": "b""#, r#""target": "zz""#),
        r#"endpoints[0].ping.target: unknown node "zz""#,
    );
    assert_bad(
        &BASE.replace(r#"{"node": "a", "ping""#, r#"{"node": "q", "ping""#),
        r#"endpoints[0].node: unknown node "q""#,
    );
}

#[test]
fn a_link_to_itself_is_refused() {
    assert_bad(
        &BASE.replace(r#"["a", "r"]"#, r#"["a", "a"]"#),
        r#"topology.links[0].between: a link from "a" to itself is not allowed"#,
    );
}

#[test]
fn bad_durations_are_refused() {
    assert_bad(
        &BASE.replace(
            r#""delay": "10ms", "bandwidth": "100Mbps", "loss""#,
            r#""delay": "10 parsecs", "bandwidth": "100Mbps", "loss""#,
        ),
        r#"topology.links[1].delay: "10 parsecs" is not a duration"#,
    );
    assert_bad(
        &BASE.replace(r#""interval": "10ms""#, r#""interval": "-5ms""#),
        r#"endpoints[0].ping.interval: "-5ms" is negative"#,
    );
    assert_bad(
        &BASE.replace(r#""interval": "10ms""#, r#""interval": 10"#),
        "endpoints[0].ping.interval: invalid type: integer `10`, expected a string",
    );
}

#[test]
fn bad_rates_are_refused() {
    assert_bad(
        &BASE.replace(
            r#""bandwidth": "100Mbps", "loss""#,
            r#""bandwidth": "fast", "loss""#,
        ),
        r#"topology.links[1].bandwidth: "fast" is not a rate"#,
    );
}

#[test]
fn probabilities_outside_zero_to_one_are_refused() {
    assert_bad(
        &BASE.replace(r#""loss": 0.1"#, r#""loss": 1.5"#),
        "topology.links[1].loss: 1.5 is not a probability",
    );
    assert_bad(
        &BASE.replace(r#""loss": 0.1"#, r#""loss": -0.1"#),
        "topology.links[1].loss: -0.1 is not a probability",
    );
}

#[test]
fn an_unreachable_destination_is_refused() {
    assert_bad(
        &BASE.replace(r#""target": "b""#, r#""target": "c""#),
        r#"endpoints[0].ping.target: "c" cannot be reached from "a""#,
    );
}

#[test]
fn unknown_fields_are_refused() {
    assert_bad(
        &BASE.replace(r#""loss": 0.1"#, r#""los": 0.1"#),
        "topology.links[1].los: unknown field `los`, expected one of",
    );
    assert_bad(
        &BASE.replace(r#""name": "base""#, r#""name": "base", "colour": "red""#),
        "unknown field `colour`",
    );
    assert_bad(
        &BASE.replace(r#""count": 20"#, r#""count": 20, "ttl": 3"#),
        "endpoints[0].ping.ttl: unknown field `ttl`",
    );
}

#[test]
fn other_impossible_values_are_refused() {
    assert_bad(
        &BASE.replace(r#""loss": 0.1"#, r#""queue_packets": 0"#),
        "topology.links[1].queue_packets: 0 is not allowed here",
    );
    assert_bad(
        &BASE.replace(
            r#""loss": 0.1"#,
            r#""queue_packets": 5, "queue_bytes": 9000"#,
        ),
        "topology.links[1]: give queue_packets or queue_bytes, not both",
    );
    assert_bad(
        &BASE.replace(r#""count": 20"#, r#""count": 20, "size": 10"#),
        "endpoints[0].ping.size: 10 bytes is impossible",
    );
    assert_bad(
        &BASE.replace(
            r#""nodes": ["a", "b", "c"]"#,
            r#""nodes": ["a", "b", "c", "a"]"#,
        ),
        r#"topology.nodes[3]: node "a" is declared twice"#,
    );
    assert_bad(
        &BASE.replace(r#"{"node": "a", "ping""#, r#"{"node": "r", "ping""#),
        r#"endpoints[0].node: "r" is a router"#,
    );
    assert_bad(
        &BASE.replace(r#""metric": "a.ping.sent""#, r#""metric": "a.ping.snt""#),
        r#"expect[0].metric: unknown metric "a.ping.snt""#,
    );
    assert_bad(
        &BASE.replace(r#", "equals": 20"#, ""),
        "expect[0]: give at least one bound",
    );
    assert_bad(
        &BASE
            .replace(r#""stop_at""#, "")
            .replace(r#""name": "base""#, r#""name": "base", "stop_at": "0s""#),
        "stop_at: must be later than 0s",
    );
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let o = netsim(&["run", "/nonexistent/scenario.json"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8(o.stderr).unwrap();
    assert!(
        err.contains("cannot read /nonexistent/scenario.json"),
        "{err}"
    );
}

#[test]
fn failed_expectations_exit_1_and_say_what_was_observed() {
    let text = BASE.replace(
        r#"[{"metric": "a.ping.sent", "equals": 20}]"#,
        r#"[{"metric": "a.ping.sent", "equals": 20}, {"metric": "a.ping.rtt_min_ns", "at_most": "30ms"}]"#,
    );
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "s.json", &text);
    let out = tmp.path().join("out");
    let o = netsim(&["run", &file, "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8(o.stdout).unwrap();
    assert!(
        stdout.contains("ok   a.ping.sent = 20 (observed 20)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL a.ping.rtt_min_ns <= 30ms (observed 40.02688ms)"),
        "{stdout}"
    );
    // The evidence is still written.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["outcome"], "failed");
    assert_eq!(summary["expectations"][1]["passed"], false);
    assert_eq!(summary["expectations"][1]["observed"], 40_026_880);
    assert!(out.join("trace.jsonl").exists());
}

#[test]
fn same_seed_gives_identical_files_and_other_seeds_differ() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "s.json", BASE);
    let run = |seed: &str, dir: &str| {
        let out = tmp.path().join(dir);
        let o = netsim(&["run", &file, "--seed", seed, "--out", out.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0));
        ["trace.jsonl", "trace.txt", "summary.json", "trace.pcap"]
            .map(|f| std::fs::read(out.join(f)).unwrap())
    };
    let first = run("7", "one");
    let again = run("7", "two");
    assert_eq!(first, again);
    let other = run("8", "three");
    assert_ne!(first[0], other[0], "loss on r-b must differ between seeds");
}

#[test]
fn every_trace_line_follows_the_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "s.json", BASE);
    let out = tmp.path().join("out");
    netsim(&["run", &file, "--out", out.to_str().unwrap()]);
    let text = std::fs::read_to_string(out.join("trace.jsonl")).unwrap();
    let mut last = 0;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        // t_ns, node and kind come first, in that order.
        assert!(line.starts_with("{\"t_ns\":"), "{line}");
        let node_at = line.find(",\"node\":").unwrap();
        let kind_at = line.find(",\"kind\":").unwrap();
        assert!(node_at < kind_at, "{line}");
        assert!(v["kind"].is_string());
        let t = v["t_ns"].as_u64().unwrap();
        assert!(t >= last, "events in time order");
        last = t;
        assert!(["a", "b", "c", "r"].contains(&v["node"].as_str().unwrap()));
    }
}

#[test]
fn schema_prints_a_json_schema_naming_every_section() {
    let o = netsim(&["schema"]);
    assert!(o.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let props = schema["properties"].as_object().unwrap();
    for key in [
        "name",
        "topology",
        "endpoints",
        "actions",
        "expect",
        "seed",
        "stop_at",
        "routing",
        "flows",
    ] {
        assert!(props.contains_key(key), "schema lacks {key}");
    }
    assert!(
        schema.to_string().contains("\"generate\""),
        "schema lacks topology.generate"
    );
    assert_eq!(schema["additionalProperties"], false);
}

const TCP: &str = r#"{
  "name": "tcp",
  "topology": {"nodes": ["a", "b"], "links": [{"between": ["a", "b"], "delay": "10ms"}]},
  "endpoints": [
    {"node": "b", "tcp": {"listen": 80}},
    {"node": "a", "tcp": {"connect": "b:80"}}
  ],
  "expect": [{"node": "a", "passes_through": ["SYN_SENT", "ESTABLISHED"]}]
}"#;

#[test]
fn tcp_mistakes_are_named_with_their_paths() {
    let (code, stderr, _) = run_text(TCP);
    assert_eq!(code, 0, "{stderr}");
    assert_bad(
        &TCP.replace(r#""b:80""#, r#""b""#),
        r#"endpoints[1].tcp.connect: "b" is not "node:port""#,
    );
    assert_bad(
        &TCP.replace(r#""b:80""#, r#""b:0""#),
        r#"endpoints[1].tcp.connect: "0" is not a port"#,
    );
    assert_bad(
        &TCP.replace(r#""b:80""#, r#""q:80""#),
        r#"endpoints[1].tcp.connect: unknown node "q""#,
    );
    assert_bad(
        &TCP.replace(r#""b:80""#, r#""a:80""#),
        "endpoints[1].tcp.connect: a host cannot connect to itself",
    );
    assert_bad(
        &TCP.replace(r#"{"listen": 80}"#, r#"{"listen": 80, "connect": "a:1"}"#),
        r#"endpoints[0].tcp: give exactly one of "listen" or "connect""#,
    );
    assert_bad(
        &TCP.replace(r#"["SYN_SENT", "ESTABLISHED"]"#, r#"["SYN-SENT"]"#),
        r#"expect[0].passes_through[0]: "SYN-SENT" is not a TCP state"#,
    );
    assert_bad(
        &TCP.replace(
            r#"{"connect": "b:80"}"#,
            r#"{"connect": "b:80", "min_rto": "2s", "max_rto": "1s"}"#,
        ),
        "endpoints[1].tcp: min_rto (2s) is above max_rto (1s)",
    );
    assert_bad(
        &TCP.replace(
            r#"{"connect": "b:80"}"#,
            r#"{"connect": "b:80", "mss": 10}"#,
        ),
        "endpoints[1].tcp.mss: 10 is not a usable MSS",
    );
    assert_bad(
        &TCP.replace(
            r#"{"connect": "b:80"}"#,
            r#"{"connect": "b:80", "rcv_buf": 100000, "rcv_buf_max": 50000}"#,
        ),
        "endpoints[1].tcp.rcv_buf_max: 50000 bytes: the largest window must be at least rcv_buf (100000)",
    );
    assert_bad(
        &TCP.replace(
            r#"{"connect": "b:80"}"#,
            r#"{"connect": "b:80", "connections": 2, "iss": [1]}"#,
        ),
        "endpoints[1].tcp.iss: 1 ISN for 2 connections: give one per connection (or one number for all)",
    );
    assert_bad(
        &TCP.replace(
            r#""expect""#,
            r#""actions": [{"at": "1s", "node": "a", "close": true, "abort": true}], "expect""#,
        ),
        "actions[0]: a node action needs exactly one of",
    );
    assert_bad(
        &TCP.replace(
            r#""expect""#,
            r#""faults": [{"from": "a", "drop": true, "delay": "1ms"}], "expect""#,
        ),
        "faults[0]: give exactly one action",
    );
    assert_bad(
        &TCP.replace(r#""expect""#, r#""inject": [{"at": "1s", "from": "a", "to": "b", "tcp": {"sport": 1, "dport": 80, "flags": "SYN,BOGUS"}}], "expect""#),
        r#"inject[0].tcp.flags: "SYN,BOGUS" is not a list of SYN, ACK, FIN, RST, PSH, ECE, CWR"#,
    );
}

#[test]
fn injected_options_that_do_not_fit_are_named_with_their_paths() {
    let inject = |tcp: &str| {
        TCP.replace(
            r#""expect""#,
            &format!(
                r#""inject": [{{"at": "1s", "from": "a", "to": "b", "tcp": {{"sport": 1, "dport": 80, "flags": "ACK", {tcp}}}}}], "expect""#
            ),
        )
    };
    let five = r#""sack": [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]"#;
    let four = r#""sack": [[1, 2], [3, 4], [5, 6], [7, 8]]"#;
    let ts = r#""timestamps": {"val": 1, "ecr": 2}"#;
    // Four blocks fit alone, three beside timestamps.
    let (code, stderr, _) = run_text(&inject(four));
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr, _) = run_text(&inject(&format!(
        r#""sack": [[1, 2], [3, 4], [5, 6]], {ts}"#
    )));
    assert_eq!(code, 0, "{stderr}");
    assert_bad(
        &inject(five),
        "inject[0].tcp.sack: 5 SACK blocks do not fit in the 40 bytes of TCP options: at most 4 (RFC 2018 §3)",
    );
    assert_bad(
        &inject(&format!("{four}, {ts}")),
        "inject[0].tcp.sack: 4 SACK blocks do not fit in the 40 bytes of TCP options: at most 3 beside timestamps",
    );
    assert_bad(
        &inject(r#""sack": []"#),
        "inject[0].tcp.sack: a SACK option holds at least one block",
    );
    // Every option together: 4 + 12 + 4 + 4 + 8n leaves room for 2 blocks.
    assert_bad(
        &inject(&format!(
            r#""mss": 1460, "wscale": 7, "sack_permitted": true, {ts}, "sack": [[1, 2], [3, 4], [5, 6]]"#
        )),
        "inject[0].tcp: the options take 48 bytes; a TCP header holds at most 40",
    );
    assert_bad(&inject(r#""sack": [[1, 2, 3]]"#), "inject[0].tcp.sack[0]");
    assert_bad(
        &inject(r#""timestamps": {"val": 1, "echo": 2}"#),
        "inject[0].tcp.timestamps.echo: unknown field `echo`, expected `val` or `ecr`",
    );
    assert_bad(
        &inject(r#""off": 100"#),
        r#"inject[0].tcp.off: "off" places data: it goes with "len""#,
    );
    assert_bad(
        &inject(r#""off": 18446744073709551615, "len": 10"#),
        "inject[0].tcp.off: 18446744073709551615 + 10 bytes runs past",
    );
    assert_bad(
        &inject(&format!(r#"{ts}, "len": 65484"#)),
        "inject[0].tcp.len: 65484 bytes do not fit in one segment (at most 65483",
    );
    assert_bad(&inject(r#""wscale": 256"#), "inject[0].tcp.wscale");
}

#[test]
fn the_summary_lists_each_connection() {
    let tmp = tempfile::tempdir().unwrap();
    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("library/bulk-1pct-loss.json");
    let out = tmp.path().join("o");
    let o = netsim(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let c = s["connections"].as_array().unwrap();
    assert_eq!(c.len(), 2);
    let a = &c[0];
    assert_eq!(
        (a["node"].as_str(), a["peer"].as_str()),
        (Some("a"), Some("b"))
    );
    assert_eq!(a["final_state"], "CLOSED");
    assert_eq!(a["established_ns"], a["handshake_ns"]);
    // Every byte once, plus what was retransmitted.
    let rtx = a["retransmissions"].as_u64().unwrap();
    assert!(rtx >= 1);
    assert_eq!(a["bytes_sent"].as_u64().unwrap(), 200_000 + 1460 * rtx);
    assert_eq!(c[1]["bytes_delivered"], 200_000);
}

#[test]
fn check_takes_every_library_file_and_checks_every_sweep_point() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("library");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let o = netsim(&["check", path.to_str().unwrap()]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // A sweep whose third value is impossible is refused, naming the point.
    let sweep = BASE.replace(
        r#""loss": 0.1"#,
        r#""loss": {"sweep": [0.1, 0.2, 1.5], "name": "p"}"#,
    );
    let tmp = tempfile::tempdir().unwrap();
    let o = netsim(&["check", &write(tmp.path(), "s.json", &sweep)]);
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("sweep point 2") && err.contains("p=1.5"),
        "{err}"
    );
}

/// A misspelt metric or node name is answered with the closest names the
/// scenario has, before the full list of metrics.
#[test]
fn misspelt_names_get_the_closest_known_names_suggested() {
    let metric = |field: &str| {
        TCP.replace(
            r#"  "expect": [{"node": "a", "passes_through": ["SYN_SENT", "ESTABLISHED"]}]"#,
            field,
        )
    };
    let (code, stderr, _) = run_text(&metric(
        r#"  "expect": [{"metric": "a.tcp.retransmisions", "equals": 0}]"#,
    ));
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(
            r#"expect[0].metric: unknown metric "a.tcp.retransmisions"; did you mean "a.tcp.retransmissions" or "b.tcp.retransmissions"? This scenario has: "#
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("a.tcp.handshake_ns"),
        "the full list follows: {stderr}"
    );
    assert_bad(
        &metric(r#"  "metrics": ["a.tcp.handshake_nss"]"#),
        r#"metrics[0]: unknown metric "a.tcp.handshake_nss"; did you mean "a.tcp.handshake_ns" or "b.tcp.handshake_ns"? This scenario has: "#,
    );
    assert_bad(
        &metric(
            r#"  "metrics": ["a.tcp.handshake_ns"],
  "batch_expect": [{"metric": "a.tcp.handshak_ns", "stat": "p50", "at_most": "1s"}]"#,
        ),
        r#"batch_expect[0].metric: unknown metric "a.tcp.handshak_ns"; did you mean "a.tcp.handshake_ns"? The batch keeps: a.tcp.handshake_ns"#,
    );
    assert_bad(
        &metric(
            r#"  "metrics": ["a.tcp.handshake_ns"],
  "reference": {"metric": "a.tcp.goodput_bps", "param": "loss", "mathis": {"mss": 1460, "rtt": "20ms"}}"#,
        ),
        r#"reference.metric: "a.tcp.goodput_bps" is not among the batch's metrics (list it in "metrics")"#,
    );
    // Nothing near: the list alone.
    assert_bad(
        &metric(r#"  "expect": [{"metric": "zzz", "equals": 0}]"#),
        r#"expect[0].metric: unknown metric "zzz"; this scenario has: "#,
    );
    // Nodes, wherever they are named.
    let nodes = BASE
        .replace(r#""routers": ["r"]"#, r#""routers": ["router"]"#)
        .replace(r#"["a", "r"]"#, r#"["a", "router"]"#)
        .replace(r#"["r", "b"]"#, r#"["router", "b"]"#);
    assert_bad(
        &nodes.replace(r#"["router", "b"]"#, r#"["routr", "b"]"#),
        r#"topology.links[1].between[0]: unknown node "routr"; did you mean "router"?"#,
    );
    assert_bad(
        &nodes.replace(r#""target": "b""#, r#""target": "routr""#),
        r#"endpoints[0].ping.target: unknown node "routr"; did you mean "router"?"#,
    );
    assert_bad(
        &nodes.replace(r#""target": "b""#, r#""target": "zz""#),
        r#"endpoints[0].ping.target: unknown node "zz" (not in topology.nodes or topology.routers)"#,
    );
}
