//! Shared by the integration tests: real traces saved from library
//! scenarios (`tests/fixtures/<scenario>/trace.jsonl`, with the topology's
//! node names in declaration order in `nodes.txt` and the length and FNV-1a
//! hash of the `trace.txt` and `trace.pcap` the writers made before they
//! became streaming in `expected.txt`; the pcap hashes were taken again
//! when window scale moved behind a NOP, as Linux lays the options out:
//! the SYNs' option bytes and checksums changed, nothing else).

#![allow(dead_code)]

pub mod svg;

use std::path::{Path, PathBuf};

use reports::sink::NodeNames;
use sim_core::TraceRecord;

pub fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("trace.jsonl").exists())
        .collect();
    v.sort();
    v
}

pub fn name(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

pub fn nodes(dir: &Path) -> NodeNames {
    let text = std::fs::read_to_string(dir.join("nodes.txt")).unwrap();
    NodeNames::new(text.lines().map(str::to_string).collect())
}

/// The trace of a fixture, read back with the run's own node ids.
pub fn load(dir: &Path) -> (String, NodeNames, Vec<TraceRecord>) {
    let text = std::fs::read_to_string(dir.join("trace.jsonl")).unwrap();
    let (names, records) = reports::jsonl::read_with_nodes(&text, nodes(dir)).unwrap();
    (text, names, records)
}

/// (file, length, hash) lines of `expected.txt`.
pub fn expected(dir: &Path) -> Vec<(String, usize, String)> {
    std::fs::read_to_string(dir.join("expected.txt"))
        .unwrap()
        .lines()
        .map(|l| {
            let mut p = l.split(' ');
            (
                p.next().unwrap().to_string(),
                p.next().unwrap().parse().unwrap(),
                p.next().unwrap().to_string(),
            )
        })
        .collect()
}

/// FNV-1a, 64 bits, as 16 hex digits.
pub fn fnv(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A topology with these names (all hosts), for the functions that take one.
pub fn topology(names: &NodeNames) -> sim_core::Topology {
    let mut b = sim_core::TopologyBuilder::new();
    for n in names.as_slice() {
        b.add_node(n, sim_core::NodeKind::Host).unwrap();
    }
    b.build()
}
