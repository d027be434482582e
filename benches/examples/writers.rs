//! Each output writer alone over a recorded trace, to time the writing
//! without the simulation:
//!
//! ```text
//! netsim run scenario.json --out /tmp/run
//! cargo run --release -p benches --example writers -- /tmp/run/trace.jsonl [rounds [writer]]
//! ```
//!
//! Prints the best of `rounds` (default 3) per writer (or only `writer`:
//! `jsonl`, `text`, `pcap`, `pictures`, `draw` (the pictures' PNGs
//! after feeding)); output goes to a
//! buffered sink, so file system costs are left out.

use std::io::BufWriter;
use std::time::Instant;

use reports::sink::RecordSink;
use sim_core::{SimTime, TraceRecord};

fn time(
    only: Option<&str>,
    name: &str,
    rounds: usize,
    records: &[TraceRecord],
    mut make: impl FnMut() -> Box<dyn RecordSink>,
) {
    if only.is_some_and(|o| o != name) {
        return;
    }
    let mut best = f64::MAX;
    for _ in 0..rounds {
        let mut sink = make();
        let t = Instant::now();
        reports::sink::feed(&mut sink, records).expect("writing to a sink");
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("{name:>10}: {best:.3} s");
}

fn out() -> BufWriter<std::io::Sink> {
    BufWriter::with_capacity(1 << 16, std::io::sink())
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: writers TRACE.jsonl [rounds [writer]]");
    let rounds = args
        .next()
        .map_or(3, |r| r.parse().expect("a number of rounds"));
    let only = args.next();
    let only = only.as_deref();
    let text = std::fs::read_to_string(&path).expect("a readable trace");
    let (names, records) = reports::jsonl::read(&text).expect("a valid trace");
    drop(text);
    println!("{} records", records.len());
    let n = names.clone();
    time(only, "jsonl", rounds, &records, || {
        Box::new(reports::jsonl::JsonlWriter::new(out(), n.clone()))
    });
    let n = names.clone();
    time(only, "text", rounds, &records, || {
        Box::new(reports::text::TextWriter::new(out(), n.clone()))
    });
    time(only, "pcap", rounds, &records, || {
        Box::new(reports::pcap::PcapWriter::new(out()))
    });
    let n = names.clone();
    time(only, "pictures", rounds, &records, || {
        Box::new(reports::pictures::Pictures::new(
            "bench",
            n.clone(),
            SimTime::ZERO,
            SimTime::MAX,
        ))
    });
    if only.is_none_or(|o| o == "draw") {
        let mut p =
            reports::pictures::Pictures::new("bench", names.clone(), SimTime::ZERO, SimTime::MAX);
        reports::sink::feed(&mut p, &records).expect("fed");
        let mut best = f64::MAX;
        for _ in 0..rounds {
            let t = Instant::now();
            let files = p.draw(reports::Format::Png);
            best = best.min(t.elapsed().as_secs_f64());
            assert!(!files.is_empty());
        }
        println!("{:>10}: {best:.3} s", "draw");
    }
}
