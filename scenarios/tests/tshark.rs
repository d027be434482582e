//! Every library scenario's outputs, read by tshark. Each scenario runs
//! and writes its outputs once; then
//!
//! - its capture opens with no malformed packet and no checksum error,
//!   holds one packet per packet sent, and tshark's TCP analysis flags our
//!   retransmissions as retransmissions; its hellos carry what real peers
//!   send;
//! - if it runs TLS, it wrote `keylog.txt`, and with it tshark decrypts
//!   `trace.pcap`: every connection whose handshake completed and whose
//!   client got response bytes shows its HTTP request and response;
//!   without the key log none does.
//!
//! The scenarios are spread over the machine's cores (tshark runs beside
//! the simulations). `.ci/run` installs tshark; without it this test is
//! skipped locally and fails under `CI=true`.

mod common;

use common::tshark;
use sim_core::{Field, Kind, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What one scenario's checks found, for the checks over the library.
#[derive(Clone, Copy, Debug)]
struct Found {
    /// Its trace retransmits data (and tshark flagged it).
    retransmits: bool,
    /// It runs TLS (and tshark decrypted it with its key log).
    tls: bool,
}

#[test]
fn tshark_reads_and_decrypts_every_library_capture() {
    if !common::tshark_available() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let library = common::library();
    let next = AtomicUsize::new(0);
    let found: Mutex<Vec<(String, Option<Found>)>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                while let Some((name, text)) = library.get(next.fetch_add(1, Ordering::Relaxed)) {
                    // A failed check prints its message as it panics; the
                    // others go on, and the test fails below naming all.
                    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        check(name, text, tmp.path())
                    }));
                    found.lock().unwrap().push((name.clone(), r.ok()));
                }
            });
        }
    });
    let found = found.into_inner().unwrap();
    assert_eq!(found.len(), library.len());
    let failed: Vec<&str> = found
        .iter()
        .filter(|(_, f)| f.is_none())
        .map(|(n, _)| n.as_str())
        .collect();
    assert!(failed.is_empty(), "failed (messages above): {failed:?}");
    let count = |f: fn(&Found) -> bool| {
        found
            .iter()
            .filter(|(_, x)| x.as_ref().is_some_and(f))
            .count()
    };
    let retransmitting = count(|f| f.retransmits);
    assert!(
        retransmitting >= 3,
        "only {retransmitting} scenarios retransmit data"
    );
    let with_tls = count(|f| f.tls);
    assert!(with_tls >= 20, "only {with_tls} library scenarios run TLS");
}

/// Runs one library scenario, writes its outputs under `tmp` and checks
/// them.
fn check(name: &str, text: &str, tmp: &Path) -> Found {
    let sweep = scenarios::Sweep::parse(text).unwrap();
    let plan = scenarios::plan_point(&sweep, 0).unwrap();
    let out = scenarios::run(&plan, plan.default_seed);
    let d = tmp.join(name);
    scenarios::write_outputs(&d, &plan, &out).unwrap();
    let pcap = d.join("trace.pcap");
    Found {
        retransmits: check_capture(name, &pcap, &out),
        tls: check_key_log(name, &d, &pcap, &out),
    }
}

/// The capture reads cleanly and matches the trace; whether the trace
/// retransmits data.
fn check_capture(name: &str, pcap: &Path, out: &scenarios::RunOutput) -> bool {
    let p = pcap.to_str().unwrap();
    // Wireshark's Thrift heuristic takes some stretches of the
    // stream pattern on a flow group's ports for a Thrift call and
    // then reports it malformed; the bytes are the pattern, not
    // Thrift, so the guess is turned off.
    let bad = tshark(&[
        "-n",
        "--disable-heuristic",
        "thrift_tcp",
        "-r",
        p,
        "-o",
        "tcp.check_checksum:TRUE",
        "-o",
        "ip.check_checksum:TRUE",
        "-o",
        "udp.check_checksum:TRUE",
        "-Y",
        "_ws.malformed || _ws.expert.severity >= error || tcp.checksum.status == 0 || ip.checksum.status == 0 || icmp.checksum.status == 0 || udp.checksum.status == 0",
    ]);
    // Wireshark 4.0's desegmentation reports "New fragment overlaps old
    // data (retransmission?)" as an error for a segment it itself
    // labels a retransmission (or out-of-order) when it overlaps data
    // of an HTTP body it is reassembling, though the bytes are the same
    // (a retransmission carries the pattern of its offset, as the
    // original did: compared byte for byte with tshark's tcp.payload
    // for every such segment of incast and web-beside-download when
    // this filter was added). Those lines are not a fault of the
    // capture.
    let bad: Vec<&str> = bad
        .lines()
        .filter(|l| {
            !(l.contains("overlaps old data (retransmission?)")
                && ["Retransmission]", "Out-Of-Order]"]
                    .iter()
                    .any(|t| l.contains(t)))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{name}: tshark reports:\n{}",
        bad.join("\n")
    );
    check_hellos(name, p, out);
    // One captured packet per packet that left a host.
    let sent: BTreeSet<u64> = out
        .records
        .iter()
        .filter(|r| r.kind == Kind::LinkTransmit)
        .filter_map(|r| match r.field(Field::Id) {
            Some(Value::U64(id)) => Some(*id),
            _ => None,
        })
        .collect();
    let count = tshark(&["-n", "-r", p, "-T", "fields", "-e", "frame.number"]);
    assert_eq!(count.lines().count(), sent.len(), "{name}");
    // Data retransmissions in our trace are retransmissions to tshark.
    let ours = out
        .records
        .iter()
        .filter(|r| r.kind == Kind::LinkTransmit)
        .filter(|r| r.field(Field::Rtx) == Some(&Value::Bool(true)))
        .filter(|r| matches!(r.field(Field::Len), Some(Value::U64(n)) if *n > 0))
        .count();
    if ours > 0 {
        let flagged = tshark(&[
            "-n",
            "-r",
            p,
            "-Y",
            "tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.spurious_retransmission",
            "-T",
            "fields",
            "-e",
            "frame.number",
        ]);
        assert!(
            flagged.lines().count() > 0,
            "{name}: {ours} retransmissions, none flagged by tshark"
        );
    }
    ours > 0
}

/// With a key log, tshark decrypts what completed; without, nothing.
/// Whether the scenario runs TLS.
fn check_key_log(name: &str, d: &Path, pcap: &Path, out: &scenarios::RunOutput) -> bool {
    let keylog = d.join("keylog.txt");
    let (completed, answered) = completed_clients(out);
    if !keylog.exists() {
        assert!(completed.is_empty(), "{name}: TLS but no keylog.txt");
        return false;
    }
    assert!(
        decrypted_exchanges(pcap, None).is_empty(),
        "{name}: HTTP readable over TLS without the key log"
    );
    let shown = decrypted_exchanges(pcap, Some(&keylog));
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
    if name == "tls-keylog-decrypt" {
        // One client per suite, nothing in the way: every one completes,
        // is answered, and shows its request and response decrypted,
        // the two `_SHA384` suites (SHA-384 key schedule and PRF) too.
        assert_eq!(
            (completed.len(), answered.len(), shown.len()),
            (11, 11, 11),
            "{name}: completed {completed:?}, answered {answered:?}, shown {shown:?}\n{}",
            std::fs::read_to_string(&keylog).unwrap()
        );
    }
    true
}

/// Hellos as real peers send them: tshark finds every ClientHello the
/// trace says was sent, each with signature_algorithms (13; but in the
/// scenario whose client leaves it out), supported_groups (10) and ALPN
/// (16) (RFC 8446 §9.2, RFC 7301); and a ServerHello carries
/// supported_versions exactly when it picks a TLS 1.3 suite (RFC 8446
/// §4.2.1: never in TLS 1.2).
fn check_hellos(name: &str, pcap: &str, out: &scenarios::RunOutput) {
    let str_is = |r: &sim_core::TraceRecord, f: Field, v: &str| matches!(r.field(f), Some(Value::Str(s)) if s == v);
    let sent = out
        .records
        .iter()
        .filter(|r| r.kind == Kind::TlsRecord)
        .filter(|r| str_is(r, Field::Dir, "send") && str_is(r, Field::What, "ClientHello"))
        .count();
    let hellos = tshark(&[
        "-n",
        "-r",
        pcap,
        "-Y",
        "tls.handshake.type == 1",
        "-T",
        "fields",
        "-e",
        "tls.handshake.extension.type",
    ]);
    // A segment holds one ClientHello at most; a hello split over two
    // segments is shown once, reassembled.
    let hellos: Vec<Vec<u16>> = hellos
        .lines()
        .map(|l| l.split(',').filter_map(|t| t.parse().ok()).collect())
        .collect();
    assert_eq!(hellos.len(), sent, "{name}: ClientHellos tshark finds");
    for types in &hellos {
        let wanted: &[u16] = if name == "tls-missing-extension" {
            &[10, 16]
        } else {
            &[13, 10, 16]
        };
        for t in wanted {
            assert!(
                types.contains(t),
                "{name}: a ClientHello without {t}: {types:?}"
            );
        }
        if name == "tls-missing-extension" {
            assert!(
                !types.contains(&13),
                "{name}: signature_algorithms left out"
            );
        }
    }
    let servers = tshark(&[
        "-n",
        "-r",
        pcap,
        "-Y",
        "tls.handshake.type == 2",
        "-T",
        "fields",
        "-e",
        "tls.handshake.ciphersuite",
        "-e",
        "tls.handshake.extensions.supported_version",
    ]);
    for l in servers.lines() {
        let (suite, versions) = l.split_once('\t').unwrap_or((l, ""));
        let tls13 = suite.starts_with("0x13");
        assert_eq!(
            !versions.is_empty(),
            tls13,
            "{name}: ServerHello with suite {suite}: supported_versions {versions:?}"
        );
    }
}

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
