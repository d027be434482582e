//! Random and mutated bytes through everything that reads TLS from the
//! wire: the record deframer, handshake message decoding (both versions),
//! certificate DER, and whole client and server connections fed garbage
//! at every point of a real handshake. Nothing may panic; a bad input is
//! an alert or a decode error.
//!
//! The default suite runs a fixed number of cases from a fixed seed;
//! `cargo test -p sim-tls --release --test fuzz_decode -- --ignored` runs
//! `NETSIM_FUZZ_CASES` (default 200,000) of them.

use sim_core::RngStream;
use sim_tls::conn::Connection;
use sim_tls::msg::Message;
use sim_tls::pki::DemoPki;
use sim_tls::record::{Deframer, HandshakeJoiner};
use sim_tls::suite::{Suite, Version};

const NOW: i64 = 1_700_000_000;

/// What crossed the wire, flight by flight: (from the client, bytes).
type Flights = Vec<(bool, Vec<u8>)>;

fn rng(seed: u64) -> RngStream {
    RngStream::derive(seed, "fuzz")
}

fn random_bytes(r: &mut RngStream, max: usize) -> Vec<u8> {
    let n = r.below(max as u64 + 1) as usize;
    (0..n).map(|_| r.next_u32() as u8).collect()
}

/// Flips, overwrites, inserts, deletes or truncates a few bytes; sometimes
/// sets a length-like pair of bytes to an extreme value.
fn mutate(r: &mut RngStream, b: &mut Vec<u8>) {
    for _ in 0..1 + r.below(4) {
        if b.is_empty() {
            b.push(r.next_u32() as u8);
            continue;
        }
        let i = r.below(b.len() as u64) as usize;
        match r.below(6) {
            0 => b[i] ^= 1 << r.below(8),
            1 => b[i] = r.next_u32() as u8,
            2 => b.insert(i, r.next_u32() as u8),
            3 => {
                b.remove(i);
            }
            4 => b.truncate(i),
            _ => {
                let v: u16 = *[0, 1, 0x7fff, 0xffff].get(r.below(4) as usize).unwrap();
                b[i] = (v >> 8) as u8;
                if i + 1 < b.len() {
                    b[i + 1] = v as u8;
                }
            }
        }
    }
}

/// The bytes each side sent in a clean handshake and exchange, flight by
/// flight: (from the client, bytes).
fn clean_flights(version: Version) -> Flights {
    let pki = DemoPki::new("www.example.com", NOW);
    let suites: Vec<Suite> = Suite::ALL.to_vec();
    let mut c = Connection::client(pki.client(&[version], &suites), [1; 32], [2; 32]);
    let mut s = Connection::server(pki.server(&[version], &suites), [3; 32], [4; 32]);
    c.write_app(b"GET / HTTP/1.1\r\n\r\n");
    let mut flights = Vec::new();
    for _ in 0..10 {
        let out = c.take_tls();
        if !out.is_empty() {
            s.read_tls(&out);
            flights.push((true, out));
        }
        if s.can_write() && flights.len() < 8 {
            s.write_app(b"HTTP/1.1 200 OK\r\n\r\n");
        }
        let out = s.take_tls();
        if !out.is_empty() {
            c.read_tls(&out);
            flights.push((false, out));
        }
    }
    assert!(flights.len() >= 3, "a handshake happened");
    flights
}

/// Every decoder, fed one input.
fn decode_everything(bytes: &[u8]) {
    for v in [Version::Tls12, Version::Tls13] {
        let _ = Message::decode(bytes, v);
    }
    let _ = sim_tls::der::decode(bytes);
    let mut d = Deframer::new();
    d.push(bytes);
    let mut j = HandshakeJoiner::new();
    for _ in 0..64 {
        match d.pop() {
            Some(Ok(rec)) => {
                j.push(&rec.body);
                while let Some(m) = j.pop() {
                    let _ = Message::decode(&m, Version::Tls12);
                    let _ = Message::decode(&m, Version::Tls13);
                }
            }
            Some(Err(_)) | None => break,
        }
    }
}

/// A handshake replayed with one flight mutated (or replaced by random
/// bytes), each side reading what it is sent, to the end.
fn mutated_handshake(r: &mut RngStream, flights: &[(bool, Vec<u8>)], version: Version) {
    let pki = DemoPki::new("www.example.com", NOW);
    let suites: Vec<Suite> = Suite::ALL.to_vec();
    let mut c = Connection::client(pki.client(&[version], &suites), [1; 32], [2; 32]);
    let mut s = Connection::server(pki.server(&[version], &suites), [3; 32], [4; 32]);
    c.write_app(b"GET / HTTP/1.1\r\n\r\n");
    let victim = r.below(flights.len() as u64) as usize;
    for (i, (from_client, bytes)) in flights.iter().enumerate() {
        let mut bytes = bytes.clone();
        if i == victim {
            if r.chance(0.2) {
                bytes = random_bytes(r, 600);
            } else {
                mutate(r, &mut bytes);
            }
        }
        // Split where TCP might have.
        let cut = r.below(bytes.len() as u64 + 1) as usize;
        let to = if *from_client { &mut s } else { &mut c };
        to.read_tls(&bytes[..cut]);
        to.read_tls(&bytes[cut..]);
        let _ = to.take_tls();
        let _ = to.take_app();
        while to.poll_event().is_some() {}
        let _ = to.status();
    }
}

fn fuzz(cases: u64, seed: u64) {
    let mut r = rng(seed);
    let flights: Vec<(Version, Flights)> = [Version::Tls12, Version::Tls13]
        .into_iter()
        .map(|v| (v, clean_flights(v)))
        .collect();
    let cert = sim_tls::der::encode(&DemoPki::new("www.example.com", NOW).intermediate);
    for _ in 0..cases {
        match r.below(4) {
            0 => decode_everything(&random_bytes(&mut r, 300)),
            1 => {
                let mut b = cert.clone();
                mutate(&mut r, &mut b);
                decode_everything(&b);
            }
            2 => {
                let (_, f) = &flights[r.below(2) as usize];
                let mut b = f[r.below(f.len() as u64) as usize].1.clone();
                mutate(&mut r, &mut b);
                decode_everything(&b);
                // And each handshake message inside it, bare.
                if b.len() > 5 {
                    decode_everything(&b[5..]);
                }
            }
            _ => {
                let (v, f) = &flights[r.below(2) as usize];
                mutated_handshake(&mut r, f, *v);
            }
        }
    }
}

#[test]
fn random_and_mutated_tls_bytes_never_panic_a_decoder_or_a_connection() {
    fuzz(3_000, 13);
}

#[test]
fn extreme_lengths_in_record_and_handshake_headers_are_refused() {
    // Record headers claiming 0, one past the limit and 65535 bytes; a
    // handshake header claiming 16 MB.
    for len in [0u16, 16_384 + 2_048 + 1, 0xffff] {
        let mut b = vec![22, 3, 3];
        b.extend_from_slice(&len.to_be_bytes());
        b.extend(std::iter::repeat_n(0, 10));
        decode_everything(&b);
    }
    decode_everything(&[1, 0xff, 0xff, 0xff, 3, 3]);
    decode_everything(&[]);
}

#[test]
#[ignore = "minutes: the long decoder sweep"]
fn many_random_and_mutated_tls_bytes_never_panic() {
    let cases = std::env::var("NETSIM_FUZZ_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    fuzz(cases, 1);
}
