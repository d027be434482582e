//! Injected segments can carry options and data at a stream offset, so a
//! scripted peer can be written: the options reach the trace and the pcap
//! as sent, and data placed at the right offsets reads as one stream.

mod common;

use sim_core::{Field, Kind, TraceRecord, Value};

/// `a` plays a scripted client to `b`'s listener: a SYN with Linux's
/// options, the handshake's ACK, then two data segments carrying the
/// stream from offset 0 and 100 (the second sent first), with timestamps
/// and a SACK block.
const SCRIPTED: &str = r#"{
  "name": "scripted",
  "stop_at": "1s",
  "topology": {"nodes": ["a", "b"], "links": [{"between": ["a", "b"], "delay": "5ms"}]},
  "endpoints": [{"node": "b", "tcp": {"listen": 80, "iss": 5000, "close": "never"}}],
  "inject": [
    {"at": "0ms", "from": "a", "to": "b", "tcp": {"sport": 40000, "dport": 80, "flags": "SYN", "seq": 1000,
      "mss": 1460, "wscale": 7, "sack_permitted": true, "timestamps": {"val": 100}}},
    {"at": "20ms", "from": "a", "to": "b", "tcp": {"sport": 40000, "dport": 80, "flags": "ACK", "seq": 1001, "ack": 5001,
      "wnd": 502, "timestamps": {"val": 120, "ecr": 7}}},
    {"at": "21ms", "from": "a", "to": "b", "tcp": {"sport": 40000, "dport": 80, "flags": "PSH,ACK", "seq": 1101, "ack": 5001,
      "len": 100, "off": 100, "timestamps": {"val": 121, "ecr": 7}, "sack": [[5001, 5002], [4000000000, 5]]}},
    {"at": "22ms", "from": "a", "to": "b", "tcp": {"sport": 40000, "dport": 80, "flags": "PSH,ACK", "seq": 1001, "ack": 5001,
      "len": 100, "off": 0, "timestamps": {"val": 122, "ecr": 7}}}
  ]
}"#;

fn injected(out: &scenarios::RunOutput) -> Vec<&TraceRecord> {
    out.records
        .iter()
        .filter(|r| r.kind == Kind::PacketInjected)
        .collect()
}

fn pairs(blocks: &[(u64, u64)]) -> Value {
    Value::List(
        blocks
            .iter()
            .map(|(l, r)| Value::List(vec![Value::U64(*l), Value::U64(*r)]))
            .collect(),
    )
}

#[test]
fn injected_options_reach_the_trace_and_the_data_reads_as_a_stream() {
    let out = common::run_text(SCRIPTED, 1).unwrap();
    let inj = injected(&out);
    assert_eq!(inj.len(), 4);
    let syn = inj[0];
    assert_eq!(syn.u64(Field::Mss), Some(1460));
    assert_eq!(syn.u64(Field::Wscale), Some(7));
    assert_eq!(syn.field(Field::SackOk), Some(&Value::Bool(true)));
    assert_eq!(
        (syn.u64(Field::Tsval), syn.u64(Field::Tsecr)),
        (Some(100), Some(0))
    );
    // Linux's SYN: 20 bytes of options.
    assert_eq!(syn.u64(Field::Size), Some(60));
    let data = inj[2];
    assert_eq!(data.u64(Field::Off), Some(100));
    assert_eq!(
        data.field(Field::Sack),
        Some(&pairs(&[(5001, 5002), (4_000_000_000, 5)]))
    );
    assert_eq!(data.u64(Field::Size), Some(40 + 12 + 20 + 100));
    // Segments without these options carry no such fields.
    let ack = inj[1];
    assert!(ack.field(Field::Sack).is_none() && ack.field(Field::SackOk).is_none());
    // The same fields on the wire.
    let tx = out
        .records
        .iter()
        .find(|r| r.kind == Kind::LinkTransmit && r.u64(Field::Id) == data.u64(Field::Id))
        .unwrap();
    assert_eq!(tx.field(Field::Sack), data.field(Field::Sack));
    assert_eq!(tx.u64(Field::Tsval), Some(121));
    // b read 200 bytes in order, each the stream's own: the scripted
    // peer's data was placed where a real sender's would be.
    assert_eq!(common::metric(&out, "b.tcp.bytes_delivered"), 200);
    assert_eq!(common::metric(&out, "b.tcp.integrity_errors"), 0);
    // And the text trace shows them.
    let sweep = scenarios::Sweep::parse(SCRIPTED).unwrap();
    let plan = scenarios::plan_point(&sweep, 0).unwrap();
    let text = reports::text::render(&plan.topology, &out.records);
    assert!(
        text.contains("mss=1460 wscale=7 sack_ok=true tsval=100 tsecr=0"),
        "{text}"
    );
    assert!(
        text.contains("tsval=121 tsecr=7 sack=[[5001,5002],[4000000000,5]]"),
        "{text}"
    );
}

/// The TCP options of each packet in a pcap: (kind, body) with NOPs left
/// out, after checking the data offset covers them exactly.
fn pcap_options(pcap: &[u8]) -> Vec<Vec<(u8, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut at = 24;
    while at < pcap.len() {
        let caplen = u32::from_le_bytes(pcap[at + 8..at + 12].try_into().unwrap()) as usize;
        let ip = &pcap[at + 16..at + 16 + caplen];
        at += 16 + caplen;
        if ip[9] != 6 {
            continue;
        }
        let t = &ip[20..];
        let off = usize::from(t[12] >> 4) * 4;
        let mut opts = Vec::new();
        let mut i = 20;
        while i < off {
            match t[i] {
                0 => break,
                1 => i += 1,
                kind => {
                    let len = usize::from(t[i + 1]);
                    assert!(len >= 2 && i + len <= off, "option {kind} overruns");
                    opts.push((kind, t[i + 2..i + len].to_vec()));
                    i += len;
                }
            }
        }
        out.push(opts);
    }
    out
}

#[test]
fn injected_options_reach_the_pcap() {
    let sweep = scenarios::Sweep::parse(SCRIPTED).unwrap();
    let plan = scenarios::plan_point(&sweep, 0).unwrap();
    let out = scenarios::run(&plan, 1);
    let tmp = tempfile::tempdir().unwrap();
    scenarios::write_outputs(tmp.path(), &plan, &out).unwrap();
    let pcap = std::fs::read(tmp.path().join("trace.pcap")).unwrap();
    let all = pcap_options(&pcap);
    let be32 = |v: u32| v.to_be_bytes().to_vec();
    let ts = |v: u32, e: u32| [be32(v), be32(e)].concat();
    // Packets in time order: the SYN, b's SYN,ACK, then a's ACK and data.
    assert_eq!(
        all[0],
        vec![
            (2, 1460u16.to_be_bytes().to_vec()),
            (4, vec![]),
            (8, ts(100, 0)),
            (3, vec![7]),
        ]
    );
    assert_eq!(all[2], vec![(8, ts(120, 7))]);
    assert_eq!(
        all[3],
        vec![
            (8, ts(121, 7)),
            (
                5,
                [be32(5001), be32(5002), be32(4_000_000_000), be32(5)].concat()
            ),
        ]
    );
}

#[test]
fn a_fault_can_match_sack_blocks_and_timestamps() {
    let with_fault = |m: &str| {
        SCRIPTED.replace(
            r#""inject": ["#,
            &format!(r#""faults": [{{"from": "a", "match": {m}, "drop": true}}], "inject": ["#),
        )
    };
    let dropped = |text: &str| -> Vec<u64> {
        let out = common::run_text(text, 1).unwrap();
        out.records
            .iter()
            .filter(|r| r.kind == Kind::LinkDrop && r.text(Field::Reason) == Some("fault"))
            .filter_map(|r| r.u64(Field::Seq))
            .collect()
    };
    assert_eq!(
        dropped(&with_fault(r#"{"sack": [[5001, 5002], [4000000000, 5]]}"#)),
        [1101]
    );
    // Blocks compare whole, in order.
    assert!(dropped(&with_fault(r#"{"sack": [[5001, 5002]]}"#)).is_empty());
    assert_eq!(dropped(&with_fault(r#"{"tsval": 122}"#)), [1001]);
    assert_eq!(dropped(&with_fault(r#"{"sack_ok": true}"#)), [1000]);
}
