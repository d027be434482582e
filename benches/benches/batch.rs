//! 1,000 seeds of a handshake-send-close scenario as a batch, on one and on
//! two threads (files written to a temporary folder, plots included). Run
//! with `cargo bench -p benches --bench batch`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use scenarios::{Batch, BatchOptions, Format};

const SCENARIO: &str = r#"{
  "name": "handshake-and-close",
  "stop_at": "10min",
  "topology": {"nodes": ["a", "b"], "links": [{"between": ["a", "b"], "delay": "10ms", "bandwidth": "100Mbps", "loss": 0.001}]},
  "endpoints": [
    {"node": "b", "tcp": {"listen": 80}},
    {"node": "a", "tcp": {"connect": "b:80", "send": 1000, "close": "after_send"}}
  ],
  "metrics": ["a.tcp.handshake_ns", "a.tcp.all_acked_at_ns", "b.tcp.bytes_delivered", "a.tcp.retransmissions"],
  "expect": [{"metric": "b.tcp.bytes_delivered", "equals": 1000}],
  "batch_expect": [{"success_rate": true, "at_least": 0.99}]
}"#;

fn batch(c: &mut Criterion) {
    let b = Batch::from_text(SCENARIO.to_string()).expect("valid");
    let dir = std::env::temp_dir().join("netsim-bench-batch");
    let mut g = c.benchmark_group("batch_1000_seeds");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1000));
    for jobs in [1, 2] {
        g.bench_function(format!("jobs_{jobs}"), |bench| {
            bench.iter(|| {
                let opts = BatchOptions {
                    seeds: 0..1000,
                    jobs,
                    shard: None,
                    keep_traces: false,
                    format: Format::Png,
                };
                let out = b.run(&opts, &dir, &|_| {}).expect("batch runs");
                assert!(out.passed);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, batch);
criterion_main!(benches);
