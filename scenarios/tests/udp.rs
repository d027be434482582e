//! UDP traffic (issue 16): datagrams on the wire at the times the rate and
//! the on/off periods give, what the sink counts, start times drawn from
//! the seed, `stop` for every sending application, and bad input refused.

mod common;

use common::{files, metric, netsim, run_text};
use sim_core::{Field, Kind, NodeId, TraceRecord};

/// Hosts `a` and `b` on one 100 Mbps, 10 ms link, running `endpoints`.
fn scenario(endpoints: &str, extra: &str) -> String {
    format!(
        r#"{{
  "name": "udp",
  "stop_at": "2s",
  "topology": {{
    "nodes": ["a", "b"],
    "links": [{{"between": ["a", "b"], "delay": "10ms", "bandwidth": "100Mbps"}}]
  }},
  "endpoints": [{endpoints}]{extra}
}}"#
    )
}

/// The send times (ns) of the datagrams leaving `node` with `proto`.
fn sends(records: &[TraceRecord], node: u32, proto: &str) -> Vec<u64> {
    records
        .iter()
        .filter(|r| r.kind == Kind::LinkTransmit && r.node == NodeId(node))
        .filter(|r| r.text(Field::Proto) == Some(proto))
        .map(|r| r.t.as_nanos())
        .collect()
}

fn has(out: &scenarios::RunOutput, name: &str) -> bool {
    out.metrics.iter().any(|(k, _)| k == name)
}

/// 1000-byte payloads at 1 Mbps are 8 ms apart: from `at` (100 ms) to
/// before `stop` (500 ms), 50 datagrams of 1028 bytes on the wire, each
/// reaching the sink after the link's 10 ms and its 82.24 us of
/// serialisation.
#[test]
fn a_constant_bit_rate_sender_sends_on_time_from_at_until_stop() {
    let text = scenario(
        r#"{"node": "b", "udp": {"listen": 9000}},
           {"node": "a", "udp": {"target": "b:9000", "rate": "1Mbps", "size": 1000, "at": "100ms", "stop": "500ms"}}"#,
        "",
    );
    let out = run_text(&text, 1).unwrap();
    let t = sends(&out.records, 0, "udp");
    let want: Vec<u64> = (0..50).map(|k| 100_000_000 + k * 8_000_000).collect();
    assert_eq!(t, want);
    let first = out
        .records
        .iter()
        .find(|r| r.kind == Kind::LinkTransmit && r.text(Field::Proto) == Some("udp"))
        .unwrap();
    assert_eq!(first.u64(Field::Size), Some(1028));
    assert_eq!(first.u64(Field::Sport), Some(49_152));
    assert_eq!(first.u64(Field::Dport), Some(9000));
    assert_eq!(first.u64(Field::SentNs), Some(100_000_000));
    assert_eq!(metric(&out, "a.udp.sent"), 50);
    assert_eq!(metric(&out, "a.udp.bytes_sent"), 50_000);
    assert_eq!(metric(&out, "b.udp.received"), 50);
    assert_eq!(metric(&out, "b.udp.bytes_received"), 50_000);
    assert_eq!(metric(&out, "b.udp.lost"), 0);
    assert_eq!(metric(&out, "b.udp.delay_min_ns"), 10_082_240);
    assert_eq!(metric(&out, "b.udp.delay_p95_ns"), 10_082_240);
    assert_eq!(metric(&out, "b.udp.delay_max_ns"), 10_082_240);
    // 400,000 bits from the first send (100 ms) to the last arrival
    // (492 ms + 10.08224 ms).
    assert_eq!(
        metric(&out, "b.udp.goodput_bps"),
        400_000u64 * 1_000_000_000 / 402_082_240
    );
}

/// Two datagrams dropped on the way (a fault on sequence numbers 3 and 7)
/// are two losses; a later one duplicated is a duplicate, not a datagram.
#[test]
fn the_sink_counts_losses_and_duplicates_by_sequence_number() {
    let text = scenario(
        r#"{"node": "b", "udp": {"listen": 9000}},
           {"node": "a", "udp": {"target": "b:9000", "rate": "1Mbps", "size": 1000, "stop": "80ms"}}"#,
        r#",
  "faults": [
    {"from": "a", "match": {"proto": "udp", "seq": 3}, "drop": true},
    {"from": "a", "match": {"proto": "udp", "seq": 7}, "drop": true},
    {"from": "a", "match": {"proto": "udp", "seq": 8}, "duplicate": true}
  ]"#,
    );
    let out = run_text(&text, 1).unwrap();
    assert_eq!(metric(&out, "a.udp.sent"), 10);
    assert_eq!(metric(&out, "b.udp.received"), 8);
    assert_eq!(metric(&out, "b.udp.lost"), 2);
    assert_eq!(metric(&out, "b.udp.duplicates"), 1);
    assert_eq!(metric(&out, "b.udp.bytes_received"), 8000);
}

/// A sink that never got a datagram has counters at 0 and no delay or
/// goodput at all (README: absent, not 0); a datagram to a port nobody
/// listens on is traced as `udp_unmatched`.
#[test]
fn nothing_received_is_absent_and_a_closed_port_is_traced() {
    let text = scenario(
        r#"{"node": "b", "udp": {"listen": 9000}},
           {"node": "a", "udp": {"target": "b:9001", "rate": "1Mbps", "size": 1000, "stop": "20ms"}}"#,
        "",
    );
    let out = run_text(&text, 1).unwrap();
    assert_eq!(metric(&out, "a.udp.sent"), 3);
    assert_eq!(metric(&out, "b.udp.received"), 0);
    assert_eq!(metric(&out, "b.udp.lost"), 0);
    for name in [
        "b.udp.delay_mean_ns",
        "b.udp.delay_p50_ns",
        "b.udp.goodput_bps",
    ] {
        assert!(!has(&out, name), "{name} reported");
    }
    let unmatched = out
        .records
        .iter()
        .filter(|r| r.kind == Kind::UdpUnmatched && r.u64(Field::Port) == Some(9001))
        .count();
    assert_eq!(unmatched, 3);
}

/// Constant on (100 ms) and off (200 ms) periods: datagrams only while
/// on, 8 ms apart, the first of a period a gap after it begins less the
/// part of a gap spent at the end of the one before (ns-3's residual
/// bits): 12 in [0, 100 ms], the next at 304 ms.
#[test]
fn an_on_off_sender_is_silent_while_off() {
    let text = scenario(
        r#"{"node": "b", "udp": {"listen": 9000}},
           {"node": "a", "udp": {"target": "b:9000", "rate": "1Mbps", "size": 1000,
             "on_off": {"on": {"constant": "100ms"}, "off": {"constant": "200ms"}}, "stop": "900ms"}}"#,
        "",
    );
    let out = run_text(&text, 1).unwrap();
    let t = sends(&out.records, 0, "udp");
    let ms = 1_000_000;
    for &s in &t {
        let in_on = (0..3).any(|k| (k * 300 * ms..=(k * 300 + 100) * ms).contains(&s));
        assert!(in_on, "a datagram at {s} ns, in an off period");
    }
    let first: Vec<u64> = t.iter().copied().filter(|&s| s <= 100 * ms).collect();
    assert_eq!(first.len(), 12);
    assert_eq!(first[0], 8 * ms);
    assert_eq!(t[12], 304 * ms);
    // 3 on periods of 100 ms at 125 datagrams a second: 37 or 38.
    assert!((36..=38).contains(&t.len()), "{}", t.len());
}

/// Pareto on/off periods come from the run's seed only: the same seed
/// gives the same datagrams at the same times, another seed other times.
#[test]
fn drawn_periods_and_starts_follow_the_seed() {
    let text = scenario(
        r#"{"node": "b", "udp": {"listen": 9000}},
           {"node": "a", "udp": {"target": "b:9000", "rate": "2Mbps", "size": 500,
             "at": {"uniform": ["100ms", "300ms"]},
             "on_off": {"on": {"pareto": {"mean": "50ms", "shape": 1.5}}, "off": {"exponential": "50ms"}}}}"#,
        "",
    );
    let one = sends(&run_text(&text, 1).unwrap().records, 0, "udp");
    let again = sends(&run_text(&text, 1).unwrap().records, 0, "udp");
    let other = sends(&run_text(&text, 2).unwrap().records, 0, "udp");
    assert!(!one.is_empty());
    assert_eq!(one, again);
    assert_ne!(one, other);
    // The first datagram leaves a gap (2 ms) after the drawn start.
    for t in [&one, &other] {
        assert!(
            (102_000_000..=302_000_000).contains(&t[0]),
            "first datagram at {}",
            t[0]
        );
    }
}

/// `at` drawn from a range for a ping, a TCP client and a SYN flood: each
/// starts inside its range, at a time the seed fixes, and adding another
/// application does not move it (its own stream).
#[test]
fn every_sending_application_takes_a_drawn_start() {
    let apps = r#"{"node": "b", "tcp": {"listen": 80}},
           {"node": "a", "tcp": {"connect": "b:80", "send": 1000, "close": "after_send", "at": {"uniform": ["1s", "1.5s"]}}},
           {"node": "a", "ping": {"target": "b", "at": {"uniform": ["0s", "500ms"]}}},
           {"node": "b", "syn_flood": {"target": "a:99", "count": 1, "at": {"uniform": ["200ms", "300ms"]}}}"#;
    let text = scenario(apps, "");
    let first = |out: &scenarios::RunOutput, node: u32, proto: &str| {
        sends(&out.records, node, proto).first().copied().unwrap()
    };
    // a's first SYN (a answers the flood's SYNs with RSTs).
    let syn = |out: &scenarios::RunOutput| {
        out.records
            .iter()
            .find(|r| {
                r.kind == Kind::LinkTransmit
                    && r.node == NodeId(0)
                    && r.text(Field::Flags) == Some("SYN")
            })
            .map(|r| r.t.as_nanos())
            .unwrap()
    };
    let mut starts = Vec::new();
    for seed in 1..=4 {
        let out = run_text(&text, seed).unwrap();
        let tcp = syn(&out);
        let ping = first(&out, 0, "echo");
        let flood = first(&out, 1, "tcp");
        assert!((1_000_000_000..=1_500_000_000).contains(&tcp), "{tcp}");
        assert!(ping <= 500_000_000, "{ping}");
        assert!((200_000_000..=300_000_000).contains(&flood), "{flood}");
        starts.push((tcp, ping, flood));
    }
    starts.dedup();
    assert_eq!(starts.len(), 4, "each seed its own starts: {starts:?}");
    // Another application on a's side draws from its own stream.
    let more = scenario(
        &format!(
            r#"{apps}, {{"node": "a", "name": "x", "udp": {{"target": "b:7", "rate": "1Mbps", "at": {{"uniform": ["0s", "1s"]}}, "stop": "1.2s"}}}}"#
        ),
        "",
    );
    let a = run_text(&text, 3).unwrap();
    let b = run_text(&more, 3).unwrap();
    assert_eq!(syn(&a), syn(&b));
    assert_eq!(first(&a, 0, "echo"), first(&b, 0, "echo"));
}

/// `stop` ends a ping, a SYN flood and a TCP client: nothing new leaves
/// at or after it.
#[test]
fn stop_ends_every_sending_application() {
    let text = scenario(
        r#"{"node": "b", "tcp": {"listen": 80}},
           {"node": "a", "ping": {"target": "b", "count": 10, "interval": "100ms", "stop": "450ms"}},
           {"node": "a", "name": "flood", "syn_flood": {"target": "b:81", "count": 100, "interval": "1ms", "stop": "10ms"}},
           {"node": "a", "name": "web", "tcp": {"connect": "b:80", "connections": 50, "send": 1000, "close": "after_send", "stop": "300ms"}}"#,
        "",
    );
    let out = run_text(&text, 1).unwrap();
    assert_eq!(metric(&out, "a.ping.sent"), 5);
    assert_eq!(metric(&out, "a.flood.syns_sent"), 10);
    let opened = metric(&out, "a.web.connections");
    assert!((2..50).contains(&opened), "{opened} connections");
    let late_syns = out
        .records
        .iter()
        .filter(|r| r.kind == Kind::LinkTransmit && r.node == NodeId(0))
        .filter(|r| r.text(Field::Flags) == Some("SYN") && r.t.as_nanos() >= 300_000_000)
        .count();
    assert_eq!(late_syns, 0);
}

/// A connection whose name is still being looked up when `stop` comes is
/// not opened when the answer arrives (200 ms, a round trip later).
#[test]
fn a_tcp_client_waiting_for_dns_at_stop_opens_nothing() {
    let text = scenario(
        r#"{"node": "b", "dns_server": {"zone": {"www.example.com": {"address": "b"}}}},
           {"node": "b", "tcp": {"listen": 80}},
           {"node": "a", "tcp": {"connect": "www.example.com:80", "dns": {"server": "b"}, "send": 1000, "stop": "15ms"}}"#,
        "",
    )
    .replace("\"delay\": \"10ms\"", "\"delay\": \"100ms\"");
    let out = run_text(&text, 1).unwrap();
    assert_eq!(metric(&out, "a.dns.answers"), 1);
    assert!(
        sends(&out.records, 0, "tcp").is_empty(),
        "a SYN left after stop"
    );
    // Without the stop, the same client connects.
    let go = run_text(&text.replace(", \"stop\": \"15ms\"", ""), 1).unwrap();
    assert!(!sends(&go.records, 0, "tcp").is_empty());
}

/// A TCP client's `stop` closes its open connection: the FIN follows the
/// bytes already written, and no new connection opens.
#[test]
fn a_tcp_client_stops_by_closing() {
    let text = scenario(
        r#"{"node": "b", "tcp": {"listen": 80}},
           {"node": "a", "tcp": {"connect": "b:80", "send": 5000, "stop": "500ms"}}"#,
        "",
    );
    let out = run_text(&text, 1).unwrap();
    let fin = out
        .records
        .iter()
        .find(|r| {
            r.kind == Kind::LinkTransmit
                && r.node == NodeId(0)
                && r.text(Field::Flags).is_some_and(|f| f.contains("FIN"))
        })
        .expect("a FIN");
    assert_eq!(fin.t.as_nanos(), 500_000_000);
    assert_eq!(metric(&out, "b.tcp.bytes_delivered"), 5000);
}

/// The files of a run with UDP traffic are the same bytes for the same
/// seed, and its capture holds one UDP datagram per datagram sent.
#[test]
fn a_run_writes_the_same_files_twice_and_its_pcap_holds_the_datagrams() {
    let text = scenario(
        r#"{"node": "b", "udp": {"listen": 9000}},
           {"node": "a", "udp": {"target": "b:9000", "rate": "1Mbps", "size": 100,
             "on_off": {"on": {"exponential": "20ms"}, "off": {"pareto": {"mean": "20ms", "shape": 2}}}, "stop": "300ms"}}"#,
        "",
    );
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("s.json");
    std::fs::write(&file, &text).unwrap();
    let mut runs = Vec::new();
    for k in 0..2 {
        let out = tmp.path().join(format!("o{k}"));
        let o = netsim(&[
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--outputs",
            "trace,text,pcap,summary",
        ]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        runs.push(files(&out));
    }
    assert_eq!(runs[0], runs[1]);
    let names: Vec<&str> = runs[0].iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        ["summary.json", "trace.jsonl", "trace.pcap", "trace.txt"]
    );
    let summary = String::from_utf8(runs[0][0].1.clone()).unwrap();
    let v: serde_json::Value = serde_json::from_str(&summary).unwrap();
    let sent = v["metrics"]["a.udp.sent"].as_u64().unwrap();
    assert!(sent > 0);
    // Each pcap record: 16-byte header, then a raw IPv4 packet.
    let pcap = &runs[0][2].1;
    let (mut at, mut udp) = (24, 0);
    while at < pcap.len() {
        let len = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        let ip = &pcap[at + 16..at + 16 + len];
        if ip[9] == 17 {
            udp += 1;
            assert_eq!(len, 128, "100 payload bytes and 28 of headers");
        }
        at += 16 + len;
    }
    assert_eq!(udp, sent);
}

/// Values that would mean nothing are refused through the binary: exit 2,
/// the JSON path named, nothing written.
#[test]
fn bad_udp_and_timing_values_are_refused_with_their_paths() {
    let sender = r#"{"node": "a", "udp": {"target": "b:9000", "rate": "1Mbps"}}"#;
    let sink = r#"{"node": "b", "udp": {"listen": 9000}}"#;
    let with = |send: &str| scenario(&format!("{sink}, {send}"), "");
    let cases: Vec<(String, &str, &str)> = vec![
        (
            with(&sender.replace("1Mbps", "0bps")),
            "endpoints[1].udp.rate",
            "is zero",
        ),
        (
            with(&sender.replace("\"1Mbps\"", "\"1Mbps\", \"size\": 0")),
            "endpoints[1].udp.size",
            "from 1 to 65507",
        ),
        (
            with(&sender.replace("\"1Mbps\"", "\"1Mbps\", \"size\": 65508")),
            "endpoints[1].udp.size",
            "65508 bytes",
        ),
        (
            with(&sender.replace("\"1Mbps\"", "\"1Mbps\", \"at\": \"2s\", \"stop\": \"1s\"")),
            "endpoints[1].udp.stop",
            "must come after its start",
        ),
        (
            with(&sender.replace(
                "\"1Mbps\"",
                "\"1Mbps\", \"at\": {\"uniform\": [\"0s\", \"2s\"]}, \"stop\": \"1s\"",
            )),
            "endpoints[1].udp.stop",
            "latest start",
        ),
        (
            with(&sender.replace("\"1Mbps\"", "\"1Mbps\", \"at\": {\"uniform\": [\"2s\", \"1s\"]}")),
            "endpoints[1].udp.at.uniform",
            "ends before it begins",
        ),
        (
            with(&sender.replace(
                "\"1Mbps\"",
                "\"1Mbps\", \"on_off\": {\"on\": {\"pareto\": {\"mean\": \"1s\", \"shape\": 1}}, \"off\": {\"constant\": \"1s\"}}",
            )),
            "endpoints[1].udp.on_off.on.pareto.shape",
            "above 1",
        ),
        (
            with(&sender.replace(
                "\"1Mbps\"",
                "\"1Mbps\", \"on_off\": {\"on\": {\"constant\": \"1s\"}, \"off\": {\"exponential\": \"0s\"}}",
            )),
            "endpoints[1].udp.on_off.off.exponential",
            "a period of 0",
        ),
        (
            with(r#"{"node": "a", "udp": {"target": "b:9000"}}"#),
            "endpoints[1].udp",
            "needs a \"rate\"",
        ),
        (
            with(r#"{"node": "b", "name": "two", "udp": {"listen": 9000}}"#),
            "endpoints[1].udp.listen",
            "two applications on one port",
        ),
        (
            scenario(
                r#"{"node": "b", "dns_server": {"zone": {}}}, {"node": "b", "udp": {"listen": 53}}"#,
                "",
            ),
            "endpoints[1].udp.listen",
            "UDP port 53 is already endpoints[0]'s",
        ),
        (
            scenario(
                &format!(r#"{sink}, {{"node": "b", "name": "tx", "udp": {{"target": "a:1", "rate": "1Mbps", "local_port": 9000}}}}"#),
                "",
            ),
            "endpoints[1].udp.local_port",
            "two applications on one port",
        ),
        (
            with(r#"{"node": "a", "udp": {"listen": 9000, "rate": "1Mbps"}}"#),
            "endpoints[1].udp.rate",
            "goes with \"target\"",
        ),
        (
            with(r#"{"node": "a", "udp": {"target": "b:9000", "listen": 1, "rate": "1Mbps"}}"#),
            "endpoints[1].udp",
            "give exactly one of",
        ),
        (
            with(r#"{"node": "a", "ping": {"target": "b", "at": "1s", "stop": "1s"}}"#),
            "endpoints[1].ping.stop",
            "must come after",
        ),
        (
            with(r#"{"node": "a", "tcp": {"listen": 80, "stop": "1s"}}"#),
            "endpoints[1].tcp",
            "go with \"connect\"",
        ),
    ];
    for (text, path, words) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("s.json");
        std::fs::write(&file, &text).unwrap();
        let out = tmp.path().join("o");
        let o = netsim(&[
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{path}: {stderr}");
        assert!(
            stderr.contains(path) && stderr.contains(words),
            "{path}: expected {words:?} in {stderr}"
        );
        assert!(!out.exists(), "{path}: wrote files");
    }
}
