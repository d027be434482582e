//! Throughput of the record layer alone: sealing and opening 1 MB in
//! 16 KB records with the real ciphers of each protection kind, beside
//! the model cipher the record layer used before it was real (an
//! HMAC-seeded SplitMix64 keystream and a four-lane multiply-xor tag,
//! kept here as the baseline it was). Run with
//! `cargo bench -p benches --bench record`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use sim_tls::crypto::hmac_sha256;
use sim_tls::record::{ContentType, Deframer, Opener, Sealer, TrafficKeys};
use sim_tls::suite::{MAX_FRAGMENT, Suite, Version};

/// Seals `data` and opens every record again; returns the bytes opened.
fn round_trip(suite: Suite, data: &[u8]) -> usize {
    let keys = if suite.version() == Version::Tls13 {
        TrafficKeys::tls13(&[5; 32])
    } else {
        TrafficKeys::tls12(&[1; 48], &[2; 32], &[3; 32]).0
    };
    let mut s = Sealer::new(suite, keys);
    let mut o = Opener::new(suite, keys);
    let wire = s.seal(ContentType::ApplicationData, data);
    let mut d = Deframer::new();
    d.push(&wire);
    let mut n = 0;
    while let Some(r) = d.pop() {
        n += o.open_owned(r.unwrap()).unwrap().1.len();
    }
    n
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The former model cipher over one record: keystream, then tag.
fn model_record(key: &[u8; 32], iv: &[u8; 32], seq: u64, data: &mut [u8]) -> [u8; 16] {
    let seed = hmac_sha256(key, &[iv, &seq.to_be_bytes()]);
    let mut state = u64::from_le_bytes(seed[..8].try_into().unwrap());
    for chunk in data.chunks_mut(8) {
        let k = splitmix64(&mut state).to_le_bytes();
        chunk.iter_mut().zip(k).for_each(|(b, k)| *b ^= k);
    }
    let k = hmac_sha256(iv, &[key, &seq.to_be_bytes()]);
    let word = |i: usize| u64::from_le_bytes(k[i * 8..i * 8 + 8].try_into().unwrap());
    let mut lanes = [word(0), word(1), word(2), word(3)];
    let mults = lanes.map(|h| h.rotate_left(29) | 1);
    for chunk in data.chunks(8) {
        let mut w = [0u8; 8];
        w[..chunk.len()].copy_from_slice(chunk);
        let w = u64::from_le_bytes(w);
        for (h, m) in lanes.iter_mut().zip(mults) {
            *h = (*h ^ w).wrapping_mul(m);
        }
    }
    let mut out = [0u8; 16];
    for (o, mut h) in out.chunks_mut(8).zip(lanes) {
        o.copy_from_slice(&splitmix64(&mut h).to_le_bytes());
    }
    out
}

/// The model's round trip: each record protected once to seal and once
/// to open (the keystream and tag cost the same both ways).
fn model_round_trip(data: &[u8]) -> usize {
    let (key, iv) = ([7u8; 32], [9u8; 32]);
    let mut n = 0;
    for (seq, chunk) in data.chunks(MAX_FRAGMENT).enumerate() {
        let mut rec = chunk.to_vec();
        let t = model_record(&key, &iv, seq as u64, &mut rec);
        let t2 = model_record(&key, &iv, seq as u64, &mut rec);
        n += rec.len() + usize::from(t != t2);
    }
    n
}

fn record(c: &mut Criterion) {
    let mb = vec![0x5Au8; 1 << 20];
    let mut g = c.benchmark_group("record_1MB_seal_and_open");
    g.throughput(Throughput::Bytes(mb.len() as u64));
    g.bench_function("model_cipher_before", |b| b.iter(|| model_round_trip(&mb)));
    for suite in [
        Suite::TLS_AES_128_GCM_SHA256,
        Suite::TLS_AES_256_GCM_SHA384,
        Suite::TLS_CHACHA20_POLY1305_SHA256,
        Suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        Suite::TLS_RSA_WITH_AES_128_CBC_SHA,
        Suite::TLS_RSA_WITH_3DES_EDE_CBC_SHA,
        Suite::TLS_RSA_WITH_RC4_128_SHA,
    ] {
        g.bench_function(suite.name(), |b| b.iter(|| round_trip(suite, &mb)));
    }
    g.finish();
}

criterion_group!(benches, record);
criterion_main!(benches);
