//! A passive observer on a router: it copies nothing and changes nothing,
//! and records what anyone on the path can read.
//!
//! For every TCP direction crossing its router it puts the bytes back in
//! stream order (segments may come late, twice or out of order) and reads
//! them as a passive eavesdropper would: TLS records by their headers (the
//! content of plaintext handshake messages — SNI and offered versions in a
//! ClientHello, the chosen version and suite in a ServerHello, the
//! certificate chain in TLS 1.2 — and only the sizes of protected
//! records), or plain HTTP heads (request line, Host, Cookie). Each thing
//! read is an `observed` trace record.

use std::collections::BTreeMap;

use sim_core::hash::FastMap;
use sim_core::{Context, Field, Kind, NodeId, Packet, Value};

use sim_tls::msg::Message;
use sim_tls::record::{ContentType, Deframer, HandshakeJoiner};
use sim_tls::suite::{Suite, Version};

use crate::payload::Wire;

/// One direction of a TCP connection, as seen on the path: its bytes are
/// one stream. (Not `reports`' `Direction`, which is a link's.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Flow {
    src: NodeId,
    sport: u16,
    dst: NodeId,
    dport: u16,
}

/// What a direction's bytes turned out to be.
#[derive(Debug, Default)]
enum Reading {
    /// Nothing seen yet.
    #[default]
    Unknown,
    /// TLS records.
    Tls {
        deframer: Box<Deframer>,
        joiner: HandshakeJoiner,
        /// ChangeCipherSpec or a protected record went by: what follows
        /// is protected.
        protected: bool,
    },
    /// HTTP/1.1 in the clear: heads, and bodies to skip.
    Http { buf: Vec<u8>, body_left: u64 },
    /// Records stopped making sense (a broken stream): the rest is not
    /// read.
    Lost,
}

/// One direction's bytes, put back in order.
#[derive(Debug, Default)]
struct Stream {
    /// Stream offset of the next byte to read.
    next: u64,
    /// Segments that arrived ahead of `next`, by offset.
    ahead: BTreeMap<u64, Vec<u8>>,
    reading: Reading,
}

impl Stream {
    /// Files a segment's bytes; returns those now readable in order.
    fn put(&mut self, offset: u64, data: &[u8]) -> Vec<u8> {
        let end = offset + data.len() as u64;
        if end <= self.next {
            return Vec::new(); // a retransmission of what was read
        }
        self.ahead.entry(offset).or_insert_with(|| data.to_vec());
        let mut ready = Vec::new();
        while let Some((&at, _)) = self.ahead.first_key_value() {
            if at > self.next {
                break;
            }
            let (at, bytes) = self.ahead.pop_first().expect("non-empty");
            let skip = (self.next - at) as usize;
            if skip < bytes.len() {
                ready.extend_from_slice(&bytes[skip..]);
                self.next = at + bytes.len() as u64;
            }
        }
        ready
    }
}

/// Counters for the summary.
#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    plaintext_messages: u64,
    protected_records: u64,
    protected_bytes: u64,
    server_names: u64,
    certificates: u64,
    http_heads: u64,
    cookies: u64,
}

/// The running observer.
#[derive(Debug, Default)]
pub(crate) struct Observer {
    streams: FastMap<Flow, Stream>,
    seen: Seen,
}

impl Observer {
    /// A packet crossing the router.
    pub(crate) fn on_transit(&mut self, cx: &mut Context<'_, Wire>, packet: &Packet<Wire>) {
        let Wire::Tcp {
            seg,
            bytes: Some(bytes),
            ..
        } = &packet.payload
        else {
            return; // no content to read (or not TCP)
        };
        let flow = Flow {
            src: packet.src,
            sport: seg.src_port,
            dst: packet.dst,
            dport: seg.dst_port,
        };
        let stream = self.streams.entry(flow).or_default();
        let ready = stream.put(seg.data.offset, bytes);
        if ready.is_empty() {
            return;
        }
        if let Reading::Unknown = stream.reading {
            stream.reading = if ContentType::from_code(ready[0]).is_some() {
                Reading::Tls {
                    deframer: Box::default(),
                    joiner: HandshakeJoiner::new(),
                    protected: false,
                }
            } else {
                Reading::Http {
                    buf: Vec::new(),
                    body_left: 0,
                }
            };
        }
        let mut notes = Vec::new();
        match &mut stream.reading {
            Reading::Tls {
                deframer,
                joiner,
                protected,
            } => {
                if !read_tls(deframer, joiner, protected, &ready, &mut notes) {
                    stream.reading = Reading::Lost;
                }
            }
            Reading::Http { buf, body_left } => read_http(buf, body_left, &ready, &mut notes),
            Reading::Unknown | Reading::Lost => {}
        }
        for fields in notes {
            self.count(&fields);
            if cx.tracing() {
                let mut f = vec![
                    (Field::Src, Value::Node(flow.src)),
                    (Field::Sport, Value::from(u32::from(flow.sport))),
                    (Field::Dst, Value::Node(flow.dst)),
                    (Field::Dport, Value::from(u32::from(flow.dport))),
                ];
                f.extend(fields);
                cx.trace(Kind::Observed, f);
            }
        }
    }

    fn count(&mut self, fields: &[(Field, Value)]) {
        let has = |k: Field| fields.iter().any(|(n, _)| *n == k);
        let what = fields.iter().find_map(|(n, v)| match (n, v) {
            (&Field::What, Value::Str(s)) => Some(s.as_ref()),
            _ => None,
        });
        let s = &mut self.seen;
        match what {
            Some("protected") => {
                s.protected_records += 1;
                if let Some((_, Value::U64(b))) = fields.iter().find(|(n, _)| *n == Field::Bytes) {
                    s.protected_bytes += b;
                }
            }
            Some("http") => s.http_heads += 1,
            Some(_) => s.plaintext_messages += 1,
            None => {}
        }
        s.server_names += u64::from(has(Field::Sni));
        s.certificates += u64::from(has(Field::Certificate));
        s.cookies += u64::from(has(Field::Cookie));
    }

    pub(crate) fn metrics(&self) -> Vec<(String, Value)> {
        named(self.seen)
            .into_iter()
            .map(|(k, v)| (format!("observer.{k}"), Value::U64(v)))
            .collect()
    }

    pub(crate) fn metric_names() -> Vec<String> {
        named(Seen::default())
            .into_iter()
            .map(|(k, _)| format!("observer.{k}"))
            .collect()
    }
}

/// Its figures, by name.
fn named(s: Seen) -> [(&'static str, u64); 7] {
    [
        ("plaintext_messages", s.plaintext_messages),
        ("protected_records", s.protected_records),
        ("protected_bytes", s.protected_bytes),
        ("server_names", s.server_names),
        ("certificates", s.certificates),
        ("http_heads", s.http_heads),
        ("cookies", s.cookies),
    ]
}

type Note = sim_core::Fields;

/// TLS records: plaintext handshake messages in full, protected records
/// by size. False once a record header makes no sense (the stream is
/// noted as unreadable and no longer read).
fn read_tls(
    deframer: &mut Deframer,
    joiner: &mut HandshakeJoiner,
    protected: &mut bool,
    bytes: &[u8],
    notes: &mut Vec<Note>,
) -> bool {
    deframer.push(bytes);
    loop {
        let record = match deframer.pop() {
            None => return true,
            Some(Ok(r)) => r,
            Some(Err(_)) => {
                notes.push(vec![(Field::What, "unreadable".into())]);
                return false;
            }
        };
        let wire = Value::from(record.wire_len() as u64);
        match ContentType::from_code(record.outer_type) {
            Some(ContentType::Handshake) if !*protected => {
                joiner.push(&record.body);
                while let Some(m) = joiner.pop() {
                    notes.push(handshake_note(&m));
                }
            }
            Some(ContentType::ChangeCipherSpec) => {
                *protected = true;
                notes.push(vec![(Field::What, "ChangeCipherSpec".into())]);
            }
            Some(ContentType::Alert) if !*protected && record.body.len() == 2 => {
                let name =
                    sim_tls::alert::Alert::from_code(record.body[1]).map_or("?", |a| a.name());
                notes.push(vec![
                    (Field::What, "Alert".into()),
                    (Field::Alert, name.into()),
                ]);
            }
            _ => {
                *protected = true;
                notes.push(vec![
                    (Field::What, "protected".into()),
                    (Field::Bytes, wire),
                ]);
            }
        }
    }
}

/// What a plaintext handshake message shows.
fn handshake_note(bytes: &[u8]) -> Note {
    let Ok(m) = Message::decode(bytes, Version::Tls12) else {
        return vec![(Field::What, "undecodable".into())];
    };
    let mut note = vec![(Field::What, Value::from(m.name()))];
    match m {
        Message::ClientHello(ch) => {
            if let Some(sni) = ch.server_name {
                note.push((Field::Sni, Value::from(sni)));
            }
            let versions: Vec<String> = ch.versions.iter().map(|v| v.to_string()).collect();
            note.push((Field::Versions, Value::from(versions.join(","))));
            note.push((Field::Suites, Value::from(ch.suites.len() as u64)));
        }
        Message::ServerHello(sh) => {
            note.push((Field::Version, Value::from(sh.version.to_string())));
            let suite = Suite::ALL.into_iter().find(|s| s.code() == sh.suite);
            note.push((
                Field::Suite,
                Value::from(suite.map_or("?".to_string(), |s| s.name())),
            ));
        }
        Message::Certificate(chain) => {
            if let Some(leaf) = chain.first() {
                note.push((Field::Certificate, Value::from(leaf.subject.clone())));
                note.push((Field::Issuer, Value::from(leaf.issuer.clone())));
                note.push((Field::Names, Value::from(leaf.san.join(","))));
            }
        }
        _ => {}
    }
    note
}

/// HTTP/1.1 heads as they complete; bodies (by Content-Length) skipped.
fn read_http(buf: &mut Vec<u8>, body_left: &mut u64, bytes: &[u8], notes: &mut Vec<Note>) {
    let mut rest = bytes;
    while !rest.is_empty() {
        if *body_left > 0 {
            let n = (*body_left).min(rest.len() as u64) as usize;
            *body_left -= n as u64;
            rest = &rest[n..];
            continue;
        }
        buf.extend_from_slice(rest);
        rest = &[];
        let Some(end) = crate::http::head_len(buf) else {
            // No head is this long: what is held is not HTTP.
            if buf.len() > 1 << 16 {
                buf.clear();
                notes.push(vec![(Field::What, "unreadable".into())]);
            }
            break;
        };
        let head = crate::http::Head::parse(&buf[..end]);
        buf.drain(..end);
        let mut note = vec![
            (Field::What, Value::from("http")),
            (Field::FirstLine, Value::from(head.first_line.clone())),
        ];
        for field in [Field::Host, Field::Cookie] {
            if let Some(v) = head.get(field.name()) {
                note.push((field, Value::from(v.to_string())));
            }
        }
        *body_left = head.content_length().unwrap_or(0);
        notes.push(note);
        // What followed the head belongs to the body, or the next head.
        let after = std::mem::take(buf);
        if !after.is_empty() {
            read_http(buf, body_left, &after, notes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_read_in_order_whatever_the_arrival() {
        let mut s = Stream::default();
        assert!(s.put(5, b"world").is_empty(), "ahead of the gap");
        assert_eq!(s.put(0, b"hello"), b"helloworld");
        assert!(s.put(0, b"hello").is_empty(), "a retransmission");
        assert_eq!(s.put(8, b"ld!!"), b"!!", "overlapping the read part");
    }

    /// Whatever crosses the router (a corrupted or crafted stream), the
    /// observer reads on without a panic.
    #[test]
    fn garbage_never_panics() {
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut read_something = 0;
        for round in 0..300 {
            let mut stream: Vec<u8> = (0..(next() % 3000)).map(|_| next() as u8).collect();
            // Half the rounds look like TLS or HTTP at the start.
            match round % 3 {
                0 => stream.splice(0..0, [22, 3, 3, 0, 40]).for_each(drop),
                1 => stream.splice(0..0, *b"GET / HTTP/1.1\r\n").for_each(drop),
                _ => {}
            }
            let mut reading = if round % 3 == 1 {
                Reading::Http {
                    buf: Vec::new(),
                    body_left: 0,
                }
            } else {
                Reading::Tls {
                    deframer: Box::default(),
                    joiner: HandshakeJoiner::new(),
                    protected: false,
                }
            };
            let mut notes = Vec::new();
            for piece in stream.chunks((next() % 700 + 1) as usize) {
                match &mut reading {
                    Reading::Tls {
                        deframer,
                        joiner,
                        protected,
                    } => {
                        if !read_tls(deframer, joiner, protected, piece, &mut notes) {
                            reading = Reading::Lost;
                        }
                    }
                    Reading::Http { buf, body_left } => {
                        read_http(buf, body_left, piece, &mut notes)
                    }
                    Reading::Unknown | Reading::Lost => {}
                }
            }
            read_something += usize::from(!notes.is_empty());
        }
        // The TLS-looking rounds get at least their first record read: the
        // parsers really ran.
        assert!(read_something >= 90, "{read_something}");
    }

    #[test]
    fn http_heads_are_read_and_bodies_skipped() {
        let (mut buf, mut left, mut notes) = (Vec::new(), 0, Vec::new());
        let stream = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\nCookie: c=1\r\n\r\n";
        read_http(&mut buf, &mut left, &stream[..30], &mut notes);
        read_http(&mut buf, &mut left, &stream[30..], &mut notes);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[1].contains(&(Field::Cookie, Value::from("c=1".to_string()))));
    }
}
