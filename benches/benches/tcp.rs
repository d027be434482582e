//! The TCP workloads of issue 4 (tracing off): a 100 MB bulk transfer over
//! 1 Gbps / 5 ms with and without 1% loss, and 10,000 short connections, 100
//! at a time. Run with `cargo bench -p benches --bench tcp`.

use benches::tcp::{bulk_scenario, https_pages_scenario, run_checked, short_connections_scenario};
use criterion::{Criterion, criterion_group, criterion_main};

fn tcp(c: &mut Criterion) {
    let mut g = c.benchmark_group("tcp");
    g.sample_size(10);
    let lossless = bulk_scenario(100_000_000, 0.0);
    g.bench_function("bulk_100MB_no_loss", |b| b.iter(|| run_checked(&lossless)));
    let lossy = bulk_scenario(100_000_000, 0.01);
    g.bench_function("bulk_100MB_1pct_loss", |b| b.iter(|| run_checked(&lossy)));
    let short = short_connections_scenario(10_000, 100);
    g.bench_function("10k_short_connections_100_concurrent", |b| {
        b.iter(|| run_checked(&short))
    });
    let https = https_pages_scenario(10_000);
    g.bench_function("10k_https_pages_tls13_100_concurrent", |b| {
        b.iter(|| run_checked(&https))
    });
    g.finish();
}

criterion_group!(benches, tcp);
criterion_main!(benches);
