//! PHOLD from the command line:
//!
//! ```text
//! cargo run --release -p benches --example phold -- --entities 1000 --per-entity 10 --events 10000000
//! ```
//!
//! prints `events_per_s=<n> checksum=<hex>` for sim-core's scheduler.
//! `--queue heap` runs the bare binary heap instead, `--queue both` runs both
//! (one line each, then their ratio); both give the same checksum.

use std::process::ExitCode;
use std::time::Instant;

use benches::{Phold, PholdHeap, PholdNetsim};

fn usage() -> ExitCode {
    eprintln!(
        "usage: phold [--entities N] [--per-entity N] [--events N] [--seed N] [--queue netsim|heap|both]"
    );
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut cfg = Phold {
        entities: 1000,
        per_entity: 1,
        events: 10_000_000,
        seed: 1,
    };
    let mut queue = "netsim".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let Some(value) = args.next() else {
            return usage();
        };
        let number = value.parse::<u64>();
        match (flag.as_str(), number) {
            ("--entities", Ok(n)) if n > 0 && n <= u64::from(u32::MAX) => cfg.entities = n as u32,
            ("--per-entity", Ok(n)) if n > 0 && n <= u64::from(u32::MAX) => {
                cfg.per_entity = n as u32
            }
            ("--events", Ok(n)) => cfg.events = n,
            ("--seed", Ok(n)) => cfg.seed = n,
            ("--queue", _) if ["netsim", "heap", "both"].contains(&value.as_str()) => queue = value,
            _ => return usage(),
        }
    }
    let measure = |name: &str| {
        // Filling the queue is not timed: only handling events is.
        let (checksum, secs) = if name == "heap" {
            let mut w = PholdHeap::new(&cfg);
            let start = Instant::now();
            (w.run(), start.elapsed().as_secs_f64())
        } else {
            let mut w = PholdNetsim::new(&cfg);
            let start = Instant::now();
            (w.run(), start.elapsed().as_secs_f64())
        };
        let rate = cfg.events as f64 / secs;
        println!("queue={name} events_per_s={rate:.0} checksum={checksum:016x}");
        rate
    };
    match queue.as_str() {
        "both" => {
            let ours = measure("netsim");
            let heap = measure("heap");
            println!("ratio={:.2}", ours / heap);
        }
        q => {
            measure(q);
        }
    }
    ExitCode::SUCCESS
}
