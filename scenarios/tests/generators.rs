//! Topology generators, the `flows` shorthand and equal-cost multipath as
//! a user meets them: `check --expand`, the routes flows take (seen on the
//! link counters), and bad input refused with its JSON path.

mod common;

use std::path::Path;

use common::{files, metric, netsim, run_text};

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

/// A dumbbell of three pairs with a flow across each, beside a plain host
/// and link that name a generated router.
const DUMBBELL: &str = r#"{
  "name": "dumbbell-flows",
  "stop_at": "2s",
  "topology": {
    "nodes": ["extra"],
    "links": [{"between": ["extra", "router_left"], "delay": "3ms"}],
    "generate": [{"dumbbell": {
      "pairs": 3,
      "access": {"delay": "1ms", "bandwidth": "100Mbps"},
      "bottleneck": {"delay": "10ms", "bandwidth": "10Mbps", "queue_packets": 30}
    }}]
  },
  "endpoints": [{"node": "extra", "ping": {"target": "right2", "count": 2}}],
  "flows": [{"name": "bulk", "from": ["left*"], "to": ["right*"], "count": 3,
             "tcp": {"send": 200000, "congestion": "cubic"}}],
  "expect": [{"metric": "right1.bulk1.bytes_delivered", "equals": 200000}]
}"#;

#[test]
fn check_expand_prints_a_plain_scenario_that_runs_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let original = write(tmp.path(), "s.json", DUMBBELL);
    let o = netsim(&["check", "--expand", &original]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(doc["topology"].get("generate").is_none());
    assert!(doc.get("flows").is_none());
    assert_eq!(doc["topology"]["nodes"].as_array().unwrap().len(), 7);
    assert_eq!(doc["topology"]["links"].as_array().unwrap().len(), 8);
    assert_eq!(doc["endpoints"].as_array().unwrap().len(), 7);
    assert_eq!(
        doc["endpoints"][2],
        serde_json::json!({"node": "left0", "name": "bulk0",
            "tcp": {"connect": "right0:5001", "send": 200000, "congestion": "cubic"}})
    );
    let expanded = write(
        tmp.path(),
        "expanded.json",
        &String::from_utf8(o.stdout).unwrap(),
    );
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for (file, out) in [(&original, &a), (&expanded, &b)] {
        let o = netsim(&["run", file, "--out", out.to_str().unwrap()]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let (fa, fb) = (files(&a), files(&b));
    assert!(fa.iter().any(|(n, _)| n == "trace.txt"));
    assert_eq!(
        fa, fb,
        "the expanded file's outputs differ from the original's"
    );
}

#[test]
fn check_expand_refuses_a_swept_file() {
    let tmp = tempfile::tempdir().unwrap();
    let text = DUMBBELL.replace("\"pairs\": 3", "\"pairs\": {\"sweep\": [3, 4]}");
    let o = netsim(&["check", "--expand", &write(tmp.path(), "s.json", &text)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("2 sweep points"));
    assert!(o.stdout.is_empty());
}

/// A k = 4 fat tree: 16 flows from pod 0's hosts to pod 2's, 100 kB each.
fn fat_tree(ecmp: &str) -> String {
    format!(
        r#"{{
  "name": "fat-tree",
  "stop_at": "5s",
  "routing": {{"ecmp": "{ecmp}"}},
  "topology": {{"generate": [{{"fat_tree": {{"k": 4,
    "host_link": {{"delay": "10us", "bandwidth": "100Mbps"}},
    "edge_link": {{"delay": "10us", "bandwidth": "100Mbps"}},
    "core_link": {{"delay": "10us", "bandwidth": "100Mbps"}}}}}}]}},
  "flows": [{{"from": ["pod0_*"], "to": ["pod2_*"], "count": 16,
             "tcp": {{"send": 100000, "close": "after_send"}}}}]
}}"#
    )
}

/// Packets pod 0's aggregation switches sent up to each core switch.
fn core_uplinks(ecmp: &str) -> Vec<u64> {
    let out = run_text(&fat_tree(ecmp), 1).unwrap();
    let mut up = Vec::new();
    for (agg, cores) in [(0, [0, 1]), (1, [2, 3])] {
        for c in cores {
            up.push(metric(&out, &format!("link.pod0_agg{agg}->core{c}.sent")));
        }
    }
    for i in 0..16 {
        let got = metric(
            &out,
            &format!(
                "pod2_edge{}_host{}.flow{i}.bytes_delivered",
                (i % 4) / 2,
                i % 2
            ),
        );
        assert_eq!(got, 100_000, "flow {i} under ecmp {ecmp}");
    }
    up
}

#[test]
fn ecmp_off_sends_every_flow_through_one_core_switch() {
    let up = core_uplinks("off");
    assert!(up[0] > 0);
    assert_eq!(up[1..], [0, 0, 0], "{up:?}");
}

#[test]
fn ecmp_flow_and_packet_spread_flows_over_every_core_switch() {
    for mode in ["flow", "packet"] {
        let up = core_uplinks(mode);
        assert!(up.iter().all(|&n| n > 0), "{mode}: {up:?}");
    }
    // The default is per flow.
    let default = run_text(
        &fat_tree("flow").replace(r#""routing": {"ecmp": "flow"},"#, ""),
        1,
    )
    .unwrap()
    .metrics;
    assert_eq!(default, run_text(&fat_tree("flow"), 1).unwrap().metrics);
}

#[test]
fn a_batch_of_a_fat_tree_is_the_same_on_one_thread_or_several() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "s.json", &fat_tree("flow"));
    let mut got = Vec::new();
    for jobs in ["1", "3"] {
        let out = tmp.path().join(format!("j{jobs}"));
        let o = netsim(&[
            "batch",
            &file,
            "--seeds",
            "0..3",
            "--jobs",
            jobs,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        got.push(files(&out));
    }
    assert_eq!(got[0], got[1]);
}

/// Each (edit of a base scenario, JSON path, words): `run` and `check`
/// exit 2 naming the path, and nothing is written.
#[test]
fn bad_generators_flows_and_modes_are_refused_with_their_path() {
    let cases: [(&str, &str, &str, &str); 10] = [
        (
            r#""pairs": 3"#,
            r#""pairs": 0"#,
            "topology.generate[0].dumbbell.pairs",
            "at least 1",
        ),
        (
            r#""generate": ["#,
            r#""generate": [{"fat_tree": {"k": 3}}, "#,
            "topology.generate[0].fat_tree.k",
            "must be even",
        ),
        (
            r#""generate": ["#,
            r#""generate": [{"fat_tree": {"k": 0}}, "#,
            "topology.generate[0].fat_tree.k",
            "must be even",
        ),
        (
            r#""generate": ["#,
            r#""generate": [{"parking_lot": {"hops": 0}}, "#,
            "topology.generate[0].parking_lot.hops",
            "at least 1",
        ),
        (
            r#""to": ["right*"]"#,
            r#""to": ["rigth*"]"#,
            "flows[0].to[0]",
            "matches no host",
        ),
        (
            r#""to": ["right*"]"#,
            r#""to": ["router_right"]"#,
            "flows[0].to[0]",
            "is a router",
        ),
        (
            r#""count": 3"#,
            r#""count": 0"#,
            "flows[0].count",
            "at least 1",
        ),
        (
            r#""nodes": ["extra"]"#,
            r#""nodes": ["extra", "left1"]"#,
            "topology.generate[0].dumbbell",
            "topology.nodes[1] already declares",
        ),
        (
            r#""stop_at": "2s","#,
            r#""stop_at": "2s", "routing": {"ecmp": "sometimes"},"#,
            "routing.ecmp",
            "unknown variant",
        ),
        (
            r#""send": 200000"#,
            r#""send": 200000, "connect": "right0:80""#,
            "flows[0].tcp.connect",
            "each flow sets its own",
        ),
    ];
    for (from, to, path, words) in cases {
        let text = DUMBBELL.replacen(from, to, 1);
        assert_ne!(text, DUMBBELL, "{from}");
        let tmp = tempfile::tempdir().unwrap();
        let file = write(tmp.path(), "s.json", &text);
        let out = tmp.path().join("out");
        for args in [
            vec!["run", &file, "--out", out.to_str().unwrap()],
            vec!["check", "--expand", &file],
        ] {
            let o = netsim(&args);
            let stderr = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(2), "{path}: {stderr}");
            assert!(
                stderr.contains(&format!("{path}: ")) && stderr.contains(words),
                "{path}: {stderr}"
            );
            assert!(
                o.stdout.is_empty(),
                "{path}: printed {}",
                String::from_utf8_lossy(&o.stdout)
            );
        }
        assert!(!out.exists(), "{path}: wrote {out:?}");
    }
}

/// The README's example of a generator and a flow group is a valid
/// scenario fragment, and makes what the README says it makes.
#[test]
fn the_readme_example_plans_as_described() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    let section = &readme[readme
        .find("### Generated topologies, flow groups and multipath")
        .expect("the section")..];
    let start = section.find("```json\n").unwrap() + "```json\n".len();
    let fragment = &section[start..start + section[start..].find("```").unwrap()];
    let text = format!("{{\"name\": \"readme\", {fragment}}}");
    let doc = scenarios::expand(serde_json::from_str(&text).unwrap()).unwrap();
    let names = |key: &str| doc["topology"][key].as_array().unwrap().len();
    assert_eq!(
        (names("nodes"), names("routers"), names("links")),
        (9, 2, 10)
    );
    let plan = scenarios::plan_from_str(&text).unwrap();
    assert_eq!(
        plan.hosts
            .iter()
            .filter(|(_, apps)| !apps.is_empty())
            .count(),
        8
    );
}

/// Two UDP flows, on/off and constant, across the dumbbell beside its
/// TCP flows.
fn with_udp_flows(udp: &str) -> String {
    DUMBBELL.replacen(
        r#""tcp": {"send": 200000, "congestion": "cubic"}}],"#,
        &format!(
            r#""tcp": {{"send": 200000, "congestion": "cubic"}}}},
            {{"name": "voice", "from": ["left0", "left1"], "to": ["right2"], "count": 2, "port": 7000, "udp": {udp}}}],"#
        ),
        1,
    )
}

#[test]
fn udp_flow_groups_expand_into_senders_and_sinks_and_run() {
    let text = with_udp_flows(
        r#"{"rate": "1Mbps", "size": 500, "on_off": {"on": {"exponential": "100ms"}, "off": {"uniform": ["50ms", "150ms"]}}}"#,
    );
    assert_ne!(text, DUMBBELL);
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "u.json", &text);
    let o = netsim(&["check", "--expand", &file]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let eps = doc["endpoints"].as_array().unwrap();
    assert_eq!(eps.len(), 1 + 6 + 4);
    // Flow i: a sink on right2 at port 7000 + i, and a sender from the
    // i-th host of `from` to it, with the group's settings.
    let on_off =
        serde_json::json!({"on": {"exponential": "100ms"}, "off": {"uniform": ["50ms", "150ms"]}});
    for i in 0..2 {
        assert_eq!(
            eps[7 + 2 * i],
            serde_json::json!({"node": "right2", "name": format!("voice{i}"),
                "udp": {"listen": 7000 + i}})
        );
        assert_eq!(
            eps[8 + 2 * i],
            serde_json::json!({"node": format!("left{i}"), "name": format!("voice{i}"),
                "udp": {"target": format!("right2:{}", 7000 + i), "rate": "1Mbps",
                        "size": 500, "on_off": on_off}})
        );
    }
    // It runs: each sink hears its sender, on and off (about half the
    // time on: less than the rate's worth over the run).
    let out = run_text(&text, 1).unwrap();
    for i in 0..2 {
        let sent = metric(&out, &format!("left{i}.voice{i}.sent"));
        let got = metric(&out, &format!("right2.voice{i}.received"));
        assert!(sent > 50, "{sent}");
        assert!(got > 0 && got <= sent, "{got} of {sent}");
        // 1 Mbps of 500-byte datagrams for 2 s is 500; on/off sends less.
        assert!(sent < 450, "on and off: {sent}");
    }
    // A constant-rate group: exactly the rate's datagrams over the run,
    // one every 4 ms from 0 s to 2 s, both included.
    let cbr = run_text(&with_udp_flows(r#"{"rate": "1Mbps", "size": 500}"#), 1).unwrap();
    assert_eq!(metric(&cbr, "left0.voice0.sent"), 501);
}

#[test]
fn a_udp_flow_group_refuses_tcp_settings_and_its_own_fields() {
    let cases = [
        (
            with_udp_flows(r#"{"rate": "1Mbps"}, "server": {}"#),
            "flows[1].server",
            "TCP or UDP",
        ),
        (
            with_udp_flows(r#"{"rate": "1Mbps", "target": "right0:9"}"#),
            "flows[1].udp.target",
            "each flow sets its own",
        ),
        (
            with_udp_flows(r#"{"rate": "1Mbps", "local_port": 9}"#),
            "flows[1].udp.local_port",
            "each flow sets its own",
        ),
        (
            with_udp_flows(
                r#"{"rate": "1Mbps", "on_off": {"on": {"cdf": []}, "off": {"constant": "1s"}}}"#,
            ),
            "endpoints[8].udp.on_off.on.cdf",
            "empty CDF",
        ),
    ];
    for (text, path, words) in cases {
        let err = run_text(&text, 1)
            .err()
            .unwrap_or_else(|| panic!("{path}: accepted"));
        assert!(err.contains(path) && err.contains(words), "{path}: {err}");
    }
}
