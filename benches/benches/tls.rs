//! The sans-IO TLS endpoint on its own, no network: complete handshakes
//! (TLS 1.3, TLS 1.2 RSA and ECDHE_RSA) with a 1 KB request and a 16 KB
//! response, and bulk protection of 1 MB through the record layer. Run
//! with `cargo bench -p benches --bench tls`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sim_tls::conn::{Connection, Status};
use sim_tls::pki::DemoPki;
use sim_tls::suite::Suite;

fn exchange(pki: &DemoPki, suite: Suite, response: &[u8]) -> usize {
    let v = [suite.version()];
    let mut c = Connection::client(pki.client(&v, &[suite]), [1; 32], [2; 32]);
    let mut s = Connection::server(pki.server(&v, &[suite]), [3; 32], [4; 32]);
    c.write_app(&[b'G'; 1024]);
    let mut wire = 0;
    for _ in 0..4 {
        let up = c.take_tls();
        s.read_tls(&up);
        if s.status() == Status::Established && !s.take_app().is_empty() {
            s.write_app(response);
        }
        let down = s.take_tls();
        c.read_tls(&down);
        wire += up.len() + down.len();
    }
    assert_eq!(c.take_app().len(), response.len());
    wire
}

fn tls(c: &mut Criterion) {
    let pki = DemoPki::new("www.example.com", 1_700_000_000);
    let response = vec![7u8; 16 * 1024];
    let mut g = c.benchmark_group("tls");
    for suite in [
        Suite::TLS_AES_128_GCM_SHA256,
        Suite::TLS_RSA_WITH_AES_128_CBC_SHA,
        Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ] {
        g.bench_function(format!("handshake_1KB_req_16KB_resp/{suite}"), |b| {
            b.iter(|| exchange(&pki, suite, &response))
        });
    }
    let mb = vec![0u8; 1 << 20];
    g.throughput(Throughput::Bytes(mb.len() as u64));
    let suite = Suite::TLS_AES_128_GCM_SHA256;
    g.bench_function("record_layer_1MB", |b| {
        b.iter(|| exchange(&pki, suite, &mb))
    });
    g.finish();
}

criterion_group!(benches, tls);
criterion_main!(benches);
