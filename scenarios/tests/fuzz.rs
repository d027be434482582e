//! Hostile scenario files through the real `netsim` binary: random
//! mutations of every library scenario and extreme values on every numeric
//! field, through `check` and a `run` held to a small event budget. Each must
//! end in exit 0, 1, 2 or 4: never a panic (101 or 3) or an abort (a
//! signal), and a run refused with exit 2 leaves no output file behind.
//!
//! The default suite tries a fixed sample (a fixed seed, a few seconds).
//! The long runs are ignored by default:
//!
//! ```sh
//! NETSIM_FUZZ_CASES=5000 cargo test -p scenarios --release --test fuzz -- --ignored
//! ```
//!
//! `NETSIM_FUZZ_CASES` sets how many random mutations the ignored sweep
//! tries (default 2,000) and `NETSIM_FUZZ_SEED` its seed; the other
//! ignored test tries every extreme value on every field (about 20,000
//! runs, on every core).

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};

/// Events a fuzzed run may take before it stops (exit 4).
const EVENT_BUDGET: &str = "3000";

/// Names of the files a finished run leaves (temporary files have others).
const FINAL_NAMES: &[&str] = &[
    "trace.jsonl",
    "trace.txt",
    "summary.json",
    "trace.pcap",
    "ladder.png",
    "states.png",
];

/// splitmix64: a small deterministic generator, enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// Numbers that have broken simulators: zero, one, negatives, the edges
/// of the integer types, and sizes far beyond any memory.
fn extreme_numbers() -> Vec<Value> {
    let mut v: Vec<Value> = [
        "0",
        "1",
        "-1",
        "2",
        "255",
        "65535",
        "65536",
        "4294967295",
        "4294967296",
        "2147483648",
        "9007199254740992",
        "9223372036854775807",
        "18446744073709551615",
        "1e15",
        "1e300",
        "-1e300",
        "0.5",
        "1e-300",
    ]
    .iter()
    .map(|s| serde_json::from_str(s).unwrap())
    .collect();
    v.push(Value::Null);
    v
}

/// Strings for duration, rate and size fields: overflowing, vanishing and
/// malformed.
const EXTREME_STRINGS: &[&str] = &[
    "0s",
    "0ns",
    "1ns",
    "1e300s",
    "1e15h",
    "99999999999h",
    "18446744073709551615ns",
    "18446744073709551616ns",
    "1e-300s",
    "0.0000000001ns",
    "-1s",
    "1e300Gbps",
    "1e300Tbps",
    "0bps",
    "0.0000001bps",
    "1bps",
    "18446744073709551615bps",
    "",
    "x",
    "1e15",
    "NaNs",
    "infs",
];

/// A location in a JSON document.
type JsonPath = Vec<PathStep>;

#[derive(Clone, Debug)]
enum PathStep {
    Key(String),
    Index(usize),
}

fn show(path: &JsonPath) -> String {
    let mut s = String::new();
    for step in path {
        match step {
            PathStep::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            PathStep::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

/// Every value's path, the document's own included.
fn paths(v: &Value, here: &mut JsonPath, out: &mut Vec<JsonPath>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                here.push(PathStep::Key(k.clone()));
                paths(x, here, out);
                here.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                here.push(PathStep::Index(i));
                paths(x, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn at_mut<'a>(v: &'a mut Value, path: &[PathStep]) -> &'a mut Value {
    path.iter().fold(v, |v, step| match step {
        PathStep::Key(k) => &mut v[k.as_str()],
        PathStep::Index(i) => &mut v[*i],
    })
}

/// Library scenarios parsed: (name, document).
fn library() -> Vec<(String, Value)> {
    common::library()
        .into_iter()
        .map(|(name, text)| (name, serde_json::from_str(&text).unwrap()))
        .collect()
}

/// One random change to `doc`; says what it did.
fn mutate(doc: &mut Value, rng: &mut Rng) -> String {
    let mut all = Vec::new();
    paths(doc, &mut Vec::new(), &mut all);
    let path = rng.pick(&all).clone();
    let target = at_mut(doc, &path);
    match rng.below(8) {
        0 | 1 => {
            let x = rng.pick(&extreme_numbers()).clone();
            let d = format!("{} = {x}", show(&path));
            *target = x;
            d
        }
        2 | 3 => {
            let s = *rng.pick(EXTREME_STRINGS);
            *target = Value::from(s);
            format!("{} = {s:?}", show(&path))
        }
        4 => {
            // A number scaled by a power of ten, or a string's number part
            // scaled the same way.
            let k = 10f64.powi(rng.below(20) as i32);
            match target {
                Value::Number(n) => {
                    let x = n.as_f64().unwrap_or(1.0) * k;
                    *target = serde_json::json!(x.round() as u64);
                }
                Value::String(s) => {
                    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
                    if let Ok(n) = digits.parse::<f64>() {
                        *s = format!("{}{}", n * k, &s[digits.len()..]);
                    }
                }
                _ => {}
            }
            format!("{} scaled by {k}", show(&path))
        }
        5 => {
            // Remove a key or an element.
            if let (Some(last), Some(parent)) = (path.last(), path.len().checked_sub(1)) {
                let parent = at_mut(doc, &path[..parent]);
                match (parent, last) {
                    (Value::Object(m), PathStep::Key(k)) => {
                        m.remove(k);
                    }
                    (Value::Array(a), PathStep::Index(i)) => {
                        a.remove(*i);
                    }
                    _ => {}
                }
            }
            format!("{} removed", show(&path))
        }
        6 => {
            // Repeat an element many times, or wrap a value in a list.
            if let Value::Array(a) = target
                && !a.is_empty()
            {
                let x = a[0].clone();
                let n = 1 + rng.below(50);
                a.extend(std::iter::repeat_n(x, n));
                format!("{}[0] repeated {n} times", show(&path))
            } else {
                *target = Value::Array(vec![target.clone()]);
                format!("{} wrapped in a list", show(&path))
            }
        }
        _ => {
            let x = match rng.below(4) {
                0 => Value::Bool(true),
                1 => serde_json::json!({}),
                2 => serde_json::json!([]),
                _ => Value::from("node-that-is-not-there:80"),
            };
            let d = format!("{} = {x}", show(&path));
            *target = x;
            d
        }
    }
}

/// How `netsim check` and `netsim run` ended for one scenario text: a
/// description of what was wrong, if anything.
fn try_scenario(text: &str, budget: &str, outputs: &[&str]) -> Result<Vec<i32>, String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fuzzed.json");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let file = file.to_str().unwrap();
    let check = common::netsim(&["check", file]);
    let mut codes = vec![status(&check)?];
    if codes[0] == 2 {
        return Ok(codes);
    }
    let mut args = vec![
        "run",
        file,
        "--out",
        out.to_str().unwrap(),
        "--seed",
        "1",
        "--max-events",
        budget,
        "--max-wall",
        "20s",
    ];
    let outputs = outputs.join(",");
    if !outputs.is_empty() {
        args.extend(["--outputs", &outputs]);
    }
    let run = common::netsim(&args);
    codes.push(status(&run)?);
    if codes[1] == 2 {
        let left = final_files(&out);
        if !left.is_empty() {
            return Err(format!("exit 2 left {left:?}"));
        }
    }
    Ok(codes)
}

/// The exit status if it is one a user may see (0, 1, 2, 4).
fn status(out: &std::process::Output) -> Result<i32, String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut tail: Vec<char> = stderr.chars().rev().take(600).collect();
    tail.reverse();
    let tail: String = tail.into_iter().collect();
    match out.status.code() {
        Some(c @ (0 | 1 | 2 | 4)) => Ok(c),
        Some(c) => Err(format!("exit {c}: {tail}")),
        None => Err(format!("killed by a signal ({:?}): {tail}", out.status)),
    }
}

/// Final-named outputs in `dir` (none if it does not exist).
fn final_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            FINAL_NAMES.contains(&name.as_ref())
                || name.starts_with("seq-")
                || name.starts_with("cwnd-")
        })
        .collect()
}

/// `cases` random mutations (one to three changes each) from `seed`:
/// (what was changed, the scenario text).
fn random_mutations(cases: usize, seed: u64) -> Vec<(String, String)> {
    let lib = library();
    let mut rng = Rng(seed);
    (0..cases)
        .map(|case| {
            let (name, doc) = rng.pick(&lib);
            let mut doc = doc.clone();
            let changes: Vec<String> = (0..1 + rng.below(3))
                .map(|_| mutate(&mut doc, &mut rng))
                .collect();
            let text = serde_json::to_string_pretty(&doc).unwrap();
            (format!("case {case}: {name}: {changes:?}"), text)
        })
        .collect()
}

/// Tries every case on as many threads as there are cores; panics listing
/// every case that crashed.
fn try_all(cases: &[(String, String)], budget: &str, outputs: &[&str]) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results = std::sync::Mutex::new((Vec::new(), std::collections::BTreeMap::new()));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((what, text)) = cases.get(i) else {
                        break;
                    };
                    let got = try_scenario(text, budget, outputs);
                    let mut r = results.lock().unwrap();
                    match got {
                        Ok(codes) => *r.1.entry(codes).or_insert(0usize) += 1,
                        Err(e) => r.0.push(format!("{what}: {e}")),
                    }
                }
            });
        }
    });
    let (failures, tally) = results.into_inner().unwrap();
    eprintln!("{} cases: exits (check, run) {tally:?}", cases.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every (scenario, field, extreme value): each number and each duration
/// or rate string of every library scenario, with every value of its kind.
fn extreme_cases() -> Vec<(String, JsonPath, Value)> {
    let mut cases = Vec::new();
    for (name, doc) in library() {
        let mut all = Vec::new();
        paths(&doc, &mut Vec::new(), &mut all);
        for path in all {
            let mut probe = doc.clone();
            let values: Vec<Value> = match at_mut(&mut probe, &path) {
                Value::Number(_) => extreme_numbers(),
                Value::String(s) if s.starts_with(|c: char| c.is_ascii_digit()) => {
                    EXTREME_STRINGS.iter().map(|s| Value::from(*s)).collect()
                }
                _ => continue,
            };
            for x in values {
                cases.push((name.clone(), path.clone(), x));
            }
        }
    }
    cases
}

/// Extreme-value cases (all of them, or `sample` picked from `seed`):
/// (what was changed, the scenario text).
fn extreme_values(sample: Option<(usize, u64)>) -> Vec<(String, String)> {
    let lib: std::collections::BTreeMap<String, Value> = library().into_iter().collect();
    let mut cases = extreme_cases();
    if let Some((n, seed)) = sample {
        let mut rng = Rng(seed);
        cases = (0..n).map(|_| rng.pick(&cases).clone()).collect();
    }
    cases
        .into_iter()
        .map(|(name, path, x)| {
            let mut doc = lib[&name].clone();
            *at_mut(&mut doc, &path) = x.clone();
            let text = serde_json::to_string_pretty(&doc).unwrap();
            (format!("{name}: {} = {x}", show(&path)), text)
        })
        .collect()
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The default suite's share: a fixed sample, cheap outputs (the ignored
/// sweeps below draw every picture).
const QUICK_OUTPUTS: &[&str] = &["summary", "trace"];

#[test]
fn random_mutations_of_the_library_end_in_a_user_facing_exit() {
    try_all(&random_mutations(30, 13), EVENT_BUDGET, QUICK_OUTPUTS);
}

#[test]
fn extreme_values_in_a_sample_of_fields_end_in_a_user_facing_exit() {
    try_all(&extreme_values(Some((30, 13))), "500", QUICK_OUTPUTS);
}

#[test]
#[ignore = "minutes: the long hostile sweep (see the README)"]
fn many_random_mutations_of_the_library_end_in_a_user_facing_exit() {
    let cases = env_number("NETSIM_FUZZ_CASES", 2000) as usize;
    let seed = env_number("NETSIM_FUZZ_SEED", 1);
    try_all(&random_mutations(cases, seed), "20000", &[]);
}

#[test]
#[ignore = "minutes: every extreme value on every field of every library scenario"]
fn extreme_values_on_every_field_of_every_library_scenario_end_in_a_user_facing_exit() {
    try_all(&extreme_values(None), "20000", &[]);
}

// Regressions: each bug the hostile sweep found, through the binary.

/// `library` scenario `name` with `change` made to its document.
fn changed(name: &str, change: impl FnOnce(&mut Value)) -> String {
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(common::library_file(name)).unwrap())
            .unwrap();
    change(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap()
}

/// Runs `args` (the scenario file's place marked by `{}`) on `text` with
/// an output folder; the exit status, stderr and the final files left.
fn netsim_on(text: &str, args: &[&str]) -> (Option<i32>, String, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.json");
    std::fs::write(&file, text).unwrap();
    let out = dir.path().join("out");
    let mut full: Vec<&str> = args
        .iter()
        .map(|a| {
            if *a == "{}" {
                file.to_str().unwrap()
            } else {
                a
            }
        })
        .collect();
    if args[0] == "run" {
        full.extend(["--out", out.to_str().unwrap()]);
    }
    let o = common::netsim(&full);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    (o.status.code(), err, final_files(&out))
}

/// Refused by `check` and by `run` with exit 2, one message naming `path`
/// and saying `words`, and no file written.
fn assert_refused_by_binary(text: &str, path: &str, words: &str) {
    for args in [&["check", "{}"][..], &["run", "{}"][..]] {
        let (code, err, left) = netsim_on(text, args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
        assert!(err.contains(path) && err.contains(words), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one message: {err}");
        assert!(left.is_empty(), "{args:?} left {left:?}");
    }
}

#[test]
fn an_https_response_of_a_petabyte_is_refused_at_check_not_a_capacity_overflow() {
    let text = changed("https-page-load", |d| {
        for e in d["endpoints"].as_array_mut().unwrap() {
            if e["tcp"]["tls"].get("certificate").is_some() || e["tcp"].get("listen").is_some() {
                e["tcp"]["tls"]["response"] = serde_json::json!(1_000_000_000_000_000u64);
            }
        }
    });
    assert_refused_by_binary(&text, ".tcp.tls.response", "1000000000000000 bytes");
}

#[test]
fn an_http_request_of_four_gigabytes_is_refused_at_check_not_an_allocation_abort() {
    let text = changed("http-vs-https", |d| {
        for e in d["endpoints"].as_array_mut().unwrap() {
            if e["tcp"].get("connect").is_some() && e["tcp"].get("http").is_some() {
                e["tcp"]["http"]["request"] = serde_json::json!(4_294_967_295u64);
            }
        }
    });
    assert_refused_by_binary(&text, ".tcp.http.request", "67108864");
}

#[test]
fn a_ping_count_of_two_to_the_32_minus_one_reserves_nothing_up_front() {
    // `check` used to reserve `count` bytes, aborting before a word.
    let text = changed("ping-across-router", |d| {
        d["endpoints"][0]["ping"]["count"] = serde_json::json!(4_294_967_295u64);
        d["endpoints"][0]["ping"]["interval"] = serde_json::json!("1us");
    });
    let (code, err, _) = netsim_on(&text, &["check", "{}"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, err, left) = netsim_on(
        &text,
        &["run", "{}", "--max-events", "20000", "--outputs", "summary"],
    );
    assert_eq!(code, Some(4), "stopped at the event budget: {err}");
    assert_eq!(left.len(), 1, "the summary is written: {left:?}");
}

#[test]
fn a_queue_of_a_trillion_packets_is_refused_at_check() {
    let text = changed("bulk-lossless", |d| {
        d["topology"]["links"][0]["queue_packets"] = serde_json::json!(1_000_000_000_000u64);
    });
    assert_refused_by_binary(&text, "topology.links[0].queue_packets", "1000000");
}

#[test]
fn a_billion_connections_at_once_is_refused_at_check() {
    let text = changed("tls13-resumption", |d| {
        d["endpoints"][1]["tcp"]["concurrency"] = serde_json::json!(4_294_967_295u64);
    });
    assert_refused_by_binary(&text, "endpoints[1].tcp.concurrency", "16384");
}

#[test]
fn an_injected_segment_longer_than_a_packet_is_refused_not_an_overflow() {
    let text = changed("rst-blind-injection", |d| {
        d["inject"][0]["tcp"]["len"] = serde_json::json!(4_294_967_295u64);
    });
    assert_refused_by_binary(&text, "inject[0].tcp.len", "65495");
}

#[test]
fn a_send_of_two_to_the_64_minus_one_bytes_is_refused_but_a_terabyte_runs() {
    let text = changed("bulk-lossless", |d| {
        d["endpoints"][1]["tcp"]["send"] = serde_json::json!(u64::MAX);
    });
    assert_refused_by_binary(&text, "endpoints[1].tcp.send", "2^50");
    // 10^12 bytes stay legal: streamed, not held.
    let text = changed("bulk-lossless", |d| {
        d["endpoints"][1]["tcp"]["send"] = serde_json::json!(1_000_000_000_000u64);
    });
    let (code, err, left) = netsim_on(
        &text,
        &["run", "{}", "--max-events", "20000", "--outputs", "summary"],
    );
    assert_eq!(code, Some(4), "{err}");
    assert_eq!(left.len(), 1, "{left:?}");
}

#[test]
fn a_client_whose_ports_are_all_in_time_wait_waits_instead_of_hanging() {
    // Sequential connections of one byte each: every finished one keeps
    // its port for 2 MSL (4 minutes), so after 16,384 the client used to
    // search for a free port forever inside one event.
    let text = r#"{
      "name": "ports",
      "stop_at": "30s",
      "topology": {"nodes": ["a", "b"], "links": [{"between": ["a", "b"], "delay": "1us"}]},
      "endpoints": [
        {"node": "b", "tcp": {"listen": 80}},
        {"node": "a", "tcp": {"connect": "b:80", "connections": 1000000000, "concurrency": 16384,
                              "send": 1, "close": "after_send"}}
      ],
      "expect": [{"metric": "a.tcp.connections", "equals": 16384}]
    }"#;
    let (code, err, left) = netsim_on(
        text,
        &[
            "run",
            "{}",
            "--max-events",
            "600000",
            "--outputs",
            "summary",
            // A guard against a hang, not a speed bound: the debug build
            // takes about 8 s alone and several times that beside the rest
            // of the suite on two cores.
            "--max-wall",
            "300s",
        ],
    );
    // Every port is taken by 30 s (the first TIME_WAIT ends at 4 min):
    // the run ends at `stop_at` with the rest waiting.
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(left.len(), 1, "{left:?}");
}
