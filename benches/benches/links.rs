//! 1,000,000 packets through a 3-hop path (a - r1 - r2 - b, 1 Gbps, 1 ms
//! each), sent one every 10 us, tracing off. Reported as packets per second.
//!
//! Run with `cargo bench -p benches --bench links`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn links(c: &mut Criterion) {
    let mut g = c.benchmark_group("links");
    g.sample_size(10);
    g.throughput(Throughput::Elements(benches::links::PACKETS));
    g.bench_function("3_hops_1M_packets", |b| {
        b.iter(|| {
            let delivered = benches::links::three_hops(benches::links::PACKETS);
            assert_eq!(delivered, benches::links::PACKETS);
        })
    });
    g.finish();
}

criterion_group!(benches, links);
criterion_main!(benches);
