//! Every library scenario with TLS writes `keylog.txt`, and with it
//! tshark decrypts `trace.pcap`: every connection whose handshake
//! completed and whose client got response bytes shows its HTTP request
//! and response; without the key log none does. `.ci/run` installs
//! tshark; without it this test is skipped locally and fails under
//! `CI=true` (as `tests/pcap.rs`).

mod common;

use common::tshark;
use sim_core::{Field, Kind, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The TCP streams (tshark's `tcp.stream`) in which tshark shows, over
/// TLS, both an HTTP request and an HTTP response.
fn decrypted_exchanges(pcap: &Path, keylog: Option<&Path>) -> BTreeSet<u64> {
    let p = pcap.to_str().unwrap();
    let opt = keylog.map(|k| format!("tls.keylog_file:{}", k.to_str().unwrap()));
    // A segment lost on its way is in the capture only as its later
    // retransmission; by default Wireshark's TCP reassembly does not put
    // out-of-order segments back in order, and the TLS dissector then
    // misses the handshake messages they carry (tls-handshake-loss loses
    // the ServerHello's first segment). This preference has it reassemble
    // them, as it would a capture taken at the receiver.
    let mut args = vec!["-n", "-r", p, "-o", "tcp.reassemble_out_of_order:TRUE"];
    if let Some(o) = &opt {
        args.extend(["-o", o]);
    }
    args.extend([
        "-Y",
        "tls && http",
        "-T",
        "fields",
        "-e",
        "tcp.stream",
        "-e",
        "http.request",
        "-e",
        "http.response",
    ]);
    let mut seen: BTreeMap<u64, (bool, bool)> = BTreeMap::new();
    for line in tshark(&args).lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let stream: u64 = cols[0].parse().unwrap();
        let e = seen.entry(stream).or_default();
        e.0 |= cols.get(1).is_some_and(|c| !c.is_empty());
        e.1 |= cols.get(2).is_some_and(|c| !c.is_empty());
    }
    seen.into_iter()
        .filter(|(_, (req, resp))| *req && *resp)
        .map(|(s, _)| s)
        .collect()
}

/// Connection ends as (node, local port).
type Ends = BTreeSet<(u32, u64)>;

/// The TLS client connection ends (node, local port) whose handshake
/// completed, and those of them that received application data: a client
/// is the end that traces `first_app_data`.
fn completed_clients(out: &scenarios::RunOutput) -> (Ends, Ends) {
    let key = |r: &sim_core::TraceRecord| match r.field(Field::Lport) {
        Some(Value::U64(p)) => Some((r.node.0, *p)),
        _ => None,
    };
    let with = |kind: Kind, f: Field, v: &'static str| -> BTreeSet<(u32, u64)> {
        out.records
            .iter()
            .filter(|r| r.kind == kind && r.field(f) == Some(&Value::from(v)))
            .filter_map(key)
            .collect()
    };
    let established = with(Kind::TlsState, Field::Event, "established");
    let clients = with(Kind::TlsState, Field::Event, "first_app_data");
    let got_data: BTreeSet<(u32, u64)> = out
        .records
        .iter()
        .filter(|r| {
            r.kind == Kind::TlsRecord
                && r.field(Field::Dir) == Some(&Value::from("recv"))
                && r.field(Field::What) == Some(&Value::from("ApplicationData"))
        })
        .filter_map(key)
        .collect();
    let completed: BTreeSet<(u32, u64)> = established.intersection(&clients).copied().collect();
    let answered = completed
        .iter()
        .filter(|c| got_data.contains(c))
        .copied()
        .collect();
    (completed, answered)
}

#[test]
fn tshark_decrypts_every_library_tls_capture_with_its_key_log() {
    if !common::tshark_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut with_tls = 0;
    for (name, text) in common::library() {
        let sweep = scenarios::Sweep::parse(&text).unwrap();
        let plan = scenarios::plan_point(&sweep, 0).unwrap();
        let out = scenarios::run(&plan, plan.default_seed);
        let d = tmp.path().join(&name);
        scenarios::write_outputs(&d, &plan, &out).unwrap();
        let keylog = d.join("keylog.txt");
        let (completed, answered) = completed_clients(&out);
        if !keylog.exists() {
            assert!(completed.is_empty(), "{name}: TLS but no keylog.txt");
            continue;
        }
        with_tls += 1;
        let pcap = d.join("trace.pcap");
        assert!(
            decrypted_exchanges(&pcap, None).is_empty(),
            "{name}: HTTP readable over TLS without the key log"
        );
        let shown = decrypted_exchanges(&pcap, Some(&keylog));
        // Every connection that completed its handshake and got its
        // response shows both decrypted; none but those that completed
        // can (a response tampered with on the way, as in
        // tls-record-tamper, is captured as sent and still decrypts).
        assert!(
            answered.len() <= shown.len() && shown.len() <= completed.len(),
            "{name}: tshark shows a decrypted request and response in TCP streams {shown:?}; \
             completed TLS clients (node, port): {completed:?}, answered: {answered:?}\n{}",
            std::fs::read_to_string(&keylog).unwrap()
        );
    }
    assert!(with_tls >= 20, "only {with_tls} library scenarios run TLS");
}
