//! Full DNS responses (RFC 1035 §4.1): the three record sections a
//! referral, a CNAME chain or a negative answer needs, their exact bytes,
//! and a decoder that reads them back without trusting them.
//!
//! The decoder is what the recursive resolver reads every response with,
//! as a real one reads the datagram: a truncated message, a label or name
//! over its limits, or a compression pointer that does not point strictly
//! backwards (the way a pointer loop is built) is an error naming what is
//! wrong, never a panic.

use std::sync::Arc;

use sim_core::NodeId;

/// Record types (RFC 1035 §3.2.2).
pub const TYPE_A: u16 = 1;
/// NS.
pub const TYPE_NS: u16 = 2;
/// CNAME.
pub const TYPE_CNAME: u16 = 5;
/// SOA.
pub const TYPE_SOA: u16 = 6;
/// Class IN (RFC 1035 §3.2.4).
pub const CLASS_IN: u16 = 1;

/// A response code (RFC 1035 §4.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rcode {
    /// 0.
    NoError,
    /// 2: the server could not answer.
    ServFail,
    /// 3: the name does not exist.
    NxDomain,
    /// 5: the server will not answer.
    Refused,
    /// Any other code.
    Other(u8),
}

impl Rcode {
    /// Its 4-bit value.
    pub fn code(self) -> u8 {
        match self {
            Rcode::NoError => 0,
            Rcode::ServFail => 2,
            Rcode::NxDomain => 3,
            Rcode::Refused => 5,
            Rcode::Other(c) => c & 0x0f,
        }
    }

    /// The code of a 4-bit value.
    pub fn from_code(c: u8) -> Rcode {
        match c & 0x0f {
            0 => Rcode::NoError,
            2 => Rcode::ServFail,
            3 => Rcode::NxDomain,
            5 => Rcode::Refused,
            c => Rcode::Other(c),
        }
    }

    /// The name tshark gives it, as the trace writes it.
    pub fn name(self) -> &'static str {
        match self {
            Rcode::NoError => "NOERROR",
            Rcode::ServFail => "SERVFAIL",
            Rcode::NxDomain => "NXDOMAIN",
            Rcode::Refused => "REFUSED",
            Rcode::Other(_) => "OTHER",
        }
    }
}

/// A zone's SOA record data (RFC 1035 §3.3.13).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Soa {
    /// The primary server's name.
    pub mname: String,
    /// The responsible person's mailbox, as a name.
    pub rname: String,
    /// Serial number.
    pub serial: u32,
    /// Refresh interval, seconds.
    pub refresh: u32,
    /// Retry interval, seconds.
    pub retry: u32,
    /// Expire limit, seconds.
    pub expire: u32,
    /// MINIMUM: the negative-caching TTL (RFC 2308 §4).
    pub minimum: u32,
}

/// A record's data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RData {
    /// An address: a node.
    A(NodeId),
    /// A name server of the zone the owner names.
    Ns(String),
    /// The canonical name of the owner, an alias.
    Cname(String),
    /// The zone's start of authority.
    Soa(Soa),
}

impl RData {
    /// Its record type.
    pub fn rtype(&self) -> u16 {
        match self {
            RData::A(_) => TYPE_A,
            RData::Ns(_) => TYPE_NS,
            RData::Cname(_) => TYPE_CNAME,
            RData::Soa(_) => TYPE_SOA,
        }
    }
}

/// A resource record of class IN (RFC 1035 §4.1.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The owner's canonical name ("" for the root).
    pub name: String,
    /// Seconds it may be cached.
    pub ttl: u32,
    /// Its data.
    pub data: RData,
}

/// The sections of a full response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The response code.
    pub rcode: Rcode,
    /// AA: the server is an authority for the name.
    pub authoritative: bool,
    /// RA: the server offers recursion.
    pub recursion_available: bool,
    /// The answer section.
    pub answers: Vec<Record>,
    /// The authority section (NS of a referral, SOA of a negative answer).
    pub authority: Vec<Record>,
    /// The additional section (glue addresses).
    pub additional: Vec<Record>,
}

impl Reply {
    /// An empty reply with `rcode`.
    pub fn empty(rcode: Rcode) -> Reply {
        Reply {
            rcode,
            authoritative: false,
            recursion_available: false,
            answers: Vec::new(),
            authority: Vec::new(),
            additional: Vec::new(),
        }
    }

    /// The address `name` leads to through the answer section's CNAME
    /// chain, and the smallest TTL on the way (how long the whole answer
    /// may be kept). At most as many steps as there are records.
    pub fn address_of(&self, name: &str) -> Option<(NodeId, u32)> {
        let mut at = name.to_string();
        let mut ttl = u32::MAX;
        for _ in 0..=self.answers.len() {
            let r = self.answers.iter().find(|r| r.name == at)?;
            ttl = ttl.min(r.ttl);
            match &r.data {
                RData::A(a) => return Some((*a, ttl)),
                RData::Cname(t) => at = t.clone(),
                RData::Ns(_) | RData::Soa(_) => return None,
            }
        }
        None
    }
}

/// Appends `name` (canonical, "" for the root) as uncompressed labels.
pub(crate) fn put_name(b: &mut Vec<u8>, name: &str) {
    for label in name.split('.').filter(|l| !l.is_empty()) {
        b.push(label.len() as u8);
        b.extend(label.as_bytes());
    }
    b.push(0);
}

/// Appends a record. An owner equal to the question's name is written as
/// a pointer to it (offset 12, RFC 1035 §4.1.4), as servers do.
pub(crate) fn put_record(b: &mut Vec<u8>, r: &Record, qname: &str) {
    if r.name == qname {
        b.extend([0xc0, 12]);
    } else {
        put_name(b, &r.name);
    }
    b.extend(r.data.rtype().to_be_bytes());
    b.extend(CLASS_IN.to_be_bytes());
    b.extend(r.ttl.to_be_bytes());
    let at = b.len();
    b.extend([0, 0]);
    match &r.data {
        RData::A(a) => b.extend(a.ipv4()),
        RData::Ns(n) | RData::Cname(n) => put_name(b, n),
        RData::Soa(s) => {
            put_name(b, &s.mname);
            put_name(b, &s.rname);
            for v in [s.serial, s.refresh, s.retry, s.expire, s.minimum] {
                b.extend(v.to_be_bytes());
            }
        }
    }
    let len = (b.len() - at - 2) as u16;
    b[at..at + 2].copy_from_slice(&len.to_be_bytes());
}

/// Why bytes are not a DNS message this model reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// It ends inside a field.
    Truncated,
    /// A compression pointer does not point strictly backwards (a loop or
    /// a forward reference, RFC 1035 §4.1.4).
    BadPointer,
    /// A label over 63 bytes, or a reserved label type.
    BadLabel,
    /// A name over 255 bytes.
    NameTooLong,
    /// Not exactly one question (RFC 1035 §4.1.2 as used in practice).
    QuestionCount,
    /// A record's data does not fit its type or its length.
    BadRdata,
    /// An A record for an address outside the simulated network.
    UnknownAddress,
}

impl DecodeError {
    /// What the trace and the counters call it.
    pub fn name(self) -> &'static str {
        match self {
            DecodeError::Truncated => "truncated",
            DecodeError::BadPointer => "bad compression pointer",
            DecodeError::BadLabel => "bad label",
            DecodeError::NameTooLong => "name too long",
            DecodeError::QuestionCount => "not one question",
            DecodeError::BadRdata => "bad record data",
            DecodeError::UnknownAddress => "address outside the network",
        }
    }
}

/// A message as read from its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Transaction id.
    pub id: u16,
    /// QR: a response.
    pub response: bool,
    /// RD.
    pub recursion_desired: bool,
    /// The question's name, canonical.
    pub qname: String,
    /// The question's type.
    pub qtype: u16,
    /// Flags, code and sections (empty for a query).
    pub reply: Reply,
}

/// Reads a message. Records of types this model does not know are
/// skipped by their length.
pub fn decode(b: &[u8]) -> Result<Decoded, DecodeError> {
    let u16_at = |i: usize| -> Result<u16, DecodeError> {
        b.get(i..i + 2)
            .map(|s| u16::from_be_bytes([s[0], s[1]]))
            .ok_or(DecodeError::Truncated)
    };
    let id = u16_at(0)?;
    let flags = u16_at(2)?;
    let counts = [u16_at(4)?, u16_at(6)?, u16_at(8)?, u16_at(10)?];
    if counts[0] != 1 {
        return Err(DecodeError::QuestionCount);
    }
    let (qname, mut at) = read_name(b, 12)?;
    let qtype = u16_at(at)?;
    u16_at(at + 2)?;
    at += 4;
    let mut reply = Reply {
        rcode: Rcode::from_code((flags & 0x0f) as u8),
        authoritative: flags & 0x0400 != 0,
        recursion_available: flags & 0x0080 != 0,
        answers: Vec::new(),
        authority: Vec::new(),
        additional: Vec::new(),
    };
    for (section, &n) in counts[1..].iter().enumerate() {
        for _ in 0..n {
            let (name, next) = read_name(b, at)?;
            let rtype = u16_at(next)?;
            let class = u16_at(next + 2)?;
            let ttl = b
                .get(next + 4..next + 8)
                .map(|s| u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
                .ok_or(DecodeError::Truncated)?;
            let len = usize::from(u16_at(next + 8)?);
            let start = next + 10;
            let end = start + len;
            if end > b.len() {
                return Err(DecodeError::Truncated);
            }
            at = end;
            if class != CLASS_IN {
                continue;
            }
            let data = match rtype {
                TYPE_A => {
                    if len != 4 {
                        return Err(DecodeError::BadRdata);
                    }
                    RData::A(node_of([
                        b[start],
                        b[start + 1],
                        b[start + 2],
                        b[start + 3],
                    ])?)
                }
                TYPE_NS | TYPE_CNAME => {
                    let (n, after) = read_name(b, start)?;
                    if after != end {
                        return Err(DecodeError::BadRdata);
                    }
                    if rtype == TYPE_NS {
                        RData::Ns(n)
                    } else {
                        RData::Cname(n)
                    }
                }
                TYPE_SOA => {
                    let (mname, i) = read_name(b, start)?;
                    let (rname, i) = read_name(b, i)?;
                    if i + 20 != end {
                        return Err(DecodeError::BadRdata);
                    }
                    let v = |k: usize| {
                        let s = &b[i + 4 * k..i + 4 * k + 4];
                        u32::from_be_bytes([s[0], s[1], s[2], s[3]])
                    };
                    RData::Soa(Soa {
                        mname,
                        rname,
                        serial: v(0),
                        refresh: v(1),
                        retry: v(2),
                        expire: v(3),
                        minimum: v(4),
                    })
                }
                _ => continue,
            };
            // RFC 2181 §8: a TTL with its top bit set is read as zero.
            let ttl = if ttl > i32::MAX as u32 { 0 } else { ttl };
            let r = Record { name, ttl, data };
            match section {
                0 => reply.answers.push(r),
                1 => reply.authority.push(r),
                _ => reply.additional.push(r),
            }
        }
    }
    Ok(Decoded {
        id,
        response: flags & 0x8000 != 0,
        recursion_desired: flags & 0x0100 != 0,
        qname,
        qtype,
        reply,
    })
}

/// The node of a simulated address (10.x.y.z is node index x.y.z - 1).
fn node_of(ip: [u8; 4]) -> Result<NodeId, DecodeError> {
    let v = u32::from_be_bytes([0, ip[1], ip[2], ip[3]]);
    if ip[0] != 10 || v == 0 {
        return Err(DecodeError::UnknownAddress);
    }
    Ok(NodeId(v - 1))
}

/// Reads a name at `at`: its canonical text and where the bytes after it
/// (after the first pointer, if any) start. Every pointer must point
/// strictly before the label it sits in, so following them ends.
fn read_name(b: &[u8], mut at: usize) -> Result<(String, usize), DecodeError> {
    let mut name = String::new();
    let mut wire_len = 0usize;
    let mut after = None;
    // The lowest offset a pointer may reach: strictly before the name's
    // first byte, then before each pointer's target.
    let mut limit = at;
    loop {
        let len = *b.get(at).ok_or(DecodeError::Truncated)?;
        match len & 0xc0 {
            0xc0 => {
                let lo = *b.get(at + 1).ok_or(DecodeError::Truncated)?;
                let target = usize::from(u16::from_be_bytes([len & 0x3f, lo]));
                if target >= limit {
                    return Err(DecodeError::BadPointer);
                }
                after.get_or_insert(at + 2);
                limit = target;
                at = target;
            }
            0x00 => {
                let len = usize::from(len);
                wire_len += len + 1;
                if wire_len > 255 {
                    return Err(DecodeError::NameTooLong);
                }
                if len == 0 {
                    return Ok((name, after.unwrap_or(at + 1)));
                }
                let label = b.get(at + 1..at + 1 + len).ok_or(DecodeError::Truncated)?;
                if !name.is_empty() {
                    name.push('.');
                }
                name.extend(label.iter().map(|c| c.to_ascii_lowercase() as char));
                at += 1 + len;
            }
            _ => return Err(DecodeError::BadLabel),
        }
    }
}

/// A shared reply, as a message carries it.
pub type SharedReply = Arc<Reply>;
