//! DNS over UDP (RFC 1035): a stub resolver with a hosts table and a cache
//! that honours TTLs, an authoritative server answering A queries from its
//! zone, and a recursive resolver ([`recursive`]) that walks the
//! delegations from the root.
//!
//! All are sans-IO: a resolver is told the time and the messages that
//! arrive, and hands back the messages to send, the next deadline and what
//! it resolved. Messages travel as typed values; [`Message::encode`] gives
//! their exact RFC 1035 bytes, which set their size on the wire and fill the
//! pcap, and [`wire::decode`] reads them back (the recursive resolver reads
//! every response that way). An address is a node: A records hold the
//! node's IPv4 address ([`NodeId::ipv4`]).
//!
//! Where to read: this file (messages, the stub), [`wire`] (sections,
//! records, the decoder), [`authority`] (how a zone with an origin
//! answers: referrals, CNAMEs, NXDOMAIN with its SOA), [`recursive`] (the
//! recursive resolver and its cache).
//!
//! Simplifications (also in the README's model notes): one question per
//! message, A records only (NS, CNAME and SOA only as the sections of a
//! response), a server without an origin is authoritative for every name
//! it holds and answers NXDOMAIN for the rest, the stub does not cache
//! negative answers (the recursive resolver does, RFC 2308 §5), and no TCP
//! fallback (answers are far below 512 bytes).
//!
//! ```
//! use sim_apps::dns::{Lookup, Resolver, ResolverConfig, Zone, serve};
//! use sim_core::{NodeId, RngStream, SimDuration, SimTime};
//! use std::collections::BTreeMap;
//! use std::sync::Arc;
//!
//! let www = NodeId(2);
//! let mut records = BTreeMap::new();
//! records.insert("www.example.com".to_string(), (www, 300));
//! let zone = Zone { records, ..Zone::default() };
//! let cfg = ResolverConfig {
//!     server: Some(NodeId(1)),
//!     hosts: BTreeMap::new(),
//!     timeout: SimDuration::from_secs(5),
//!     attempts: 2,
//! };
//! let mut r = Resolver::new(Arc::new(cfg), RngStream::derive(1, "dns"));
//! let name: Arc<str> = Arc::from("www.example.com");
//! assert_eq!(r.lookup(SimTime::ZERO, &name), Lookup::Pending);
//! let query = r.poll_transmit().unwrap();
//! let answer = serve(&zone, &query);
//! r.handle_message(SimTime::ZERO, NodeId(1), &answer);
//! let event = r.poll_event().unwrap();
//! assert_eq!(event.outcome, sim_apps::dns::LookupResult::Resolved { addr: www, source: sim_apps::dns::Source::Server });
//! // The answer is cached for its TTL.
//! assert!(matches!(r.lookup(SimTime::ZERO, &name), Lookup::Ready(a, _) if a == www));
//! ```

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use sim_core::{NodeId, RngStream, SimDuration, SimTime};

pub mod authority;
pub mod recursive;
mod resolver_app;
mod server;
pub mod wire;
pub(crate) use resolver_app::DnsResolver;
pub(crate) use server::DnsServer;
pub use wire::{RData, Rcode, Record, Reply, Soa};

/// The DNS port (RFC 1035 §4.2.1).
pub const PORT: u16 = 53;

/// Bytes of an IPv4 header plus a UDP header.
const IP_UDP_HEADERS: u32 = 20 + 8;

/// What a response says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The name's A record.
    Address {
        /// The node the name points at.
        addr: NodeId,
        /// How long the answer may be cached, seconds.
        ttl: u32,
    },
    /// No such name (RCODE 3).
    NxDomain,
    /// A full response with its sections: a referral, a CNAME chain, a
    /// negative answer with its SOA, or a recursive resolver's answer.
    /// Servers of zones with an `origin` and the recursive resolver send
    /// these; the other two forms stay as they always were.
    Reply(Arc<Reply>),
}

/// A DNS message with one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Transaction id, matched between query and response.
    pub id: u16,
    /// UDP source port.
    pub src_port: u16,
    /// UDP destination port.
    pub dst_port: u16,
    /// The name asked about.
    pub name: Arc<str>,
    /// RD: a stub asks for recursion; a recursive resolver's iterative
    /// queries do not (RFC 1034 §5.3.3); a response copies its query's.
    pub recursion_desired: bool,
    /// `None` for a query.
    pub answer: Option<Answer>,
}

impl Message {
    /// The message as RFC 1035 §4.1 lays it out (without the UDP header).
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(64);
        b.extend(self.id.to_be_bytes());
        // Flags: RD as asked; a response also has QR and, in its two
        // simple forms, AA (the server is authoritative).
        let rd: u16 = if self.recursion_desired { 0x0100 } else { 0 };
        let flags: u16 = match &self.answer {
            None => rd,
            Some(Answer::Address { .. }) => 0x8400 | rd,
            Some(Answer::NxDomain) => 0x8403 | rd,
            Some(Answer::Reply(r)) => {
                let aa = if r.authoritative { 0x0400 } else { 0 };
                let ra = if r.recursion_available { 0x0080 } else { 0 };
                0x8000 | aa | rd | ra | u16::from(r.rcode.code())
            }
        };
        b.extend(flags.to_be_bytes());
        let counts = match &self.answer {
            Some(Answer::Address { .. }) => [1, 0, 0],
            Some(Answer::Reply(r)) => [r.answers.len(), r.authority.len(), r.additional.len()]
                .map(|n| n.min(usize::from(u16::MAX)) as u16),
            None | Some(Answer::NxDomain) => [0, 0, 0],
        };
        b.extend(1u16.to_be_bytes());
        for n in counts {
            b.extend(n.to_be_bytes());
        }
        // The name as asked, case kept (RFC 4343); records name it by a
        // pointer when they own the question's name.
        wire::put_name(&mut b, &self.name);
        let qname = canonical(&self.name);
        b.extend([0, 1, 0, 1]); // QTYPE A, QCLASS IN
        if let Some(Answer::Reply(r)) = &self.answer {
            for rec in r.answers.iter().chain(&r.authority).chain(&r.additional) {
                wire::put_record(&mut b, rec, &qname);
            }
        }
        if let Some(&Answer::Address { addr, ttl }) = self.answer.as_ref() {
            b.extend([0xc0, 12]); // the name, by pointer to the question
            b.extend([0, 1, 0, 1]);
            b.extend(ttl.to_be_bytes());
            b.extend([0, 4]);
            b.extend(addr.ipv4());
        }
        b
    }

    /// Bytes on the wire: IP and UDP headers plus the message.
    pub fn wire_size(&self) -> u32 {
        IP_UDP_HEADERS + self.encode().len() as u32
    }
}

/// Checks a DNS name (RFC 1035 §2.3.4: labels of 1 to 63 bytes, 253 in
/// all; letters, digits and hyphens, as RFC 952 host names have them).
pub fn check_name(name: &str) -> Result<(), String> {
    let name = name.strip_suffix('.').unwrap_or(name);
    if name.is_empty() || name.len() > 253 {
        return Err(format!("{name:?} is not a DNS name (1 to 253 bytes)"));
    }
    for label in name.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(format!(
                "{name:?} is not a DNS name: each label holds 1 to 63 bytes"
            ));
        }
        if !label
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-')
        {
            return Err(format!(
                "{name:?} is not a DNS name: labels hold letters, digits and hyphens"
            ));
        }
    }
    Ok(())
}

/// Names compare without regard to case or a final dot (RFC 4343).
pub fn canonical(name: &str) -> String {
    name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase()
}

/// An authoritative server's records: name to (node, TTL in seconds).
///
/// With an `origin`, the server is the authority for that zone alone and
/// answers as RFC 1034 §4.3.2 says (see [`authority`]): referrals to the
/// `delegations` below it with NS records and glue, CNAMEs, and NXDOMAIN
/// with the zone's SOA. Without one it answers as it always has: the A
/// record or a bare NXDOMAIN for any name.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Zone {
    /// Canonical names and their A records.
    pub records: BTreeMap<String, (NodeId, u32)>,
    /// The zone's apex, canonical ("" for the root).
    pub origin: Option<String>,
    /// Aliases: canonical name to (target, TTL).
    pub cnames: BTreeMap<String, (String, u32)>,
    /// Child zones: canonical apex to their servers.
    pub delegations: BTreeMap<String, Delegation>,
    /// The SOA, its owner the origin, and the TTL of the SOA record.
    pub soa: Option<(Soa, u32)>,
}

/// A child zone's servers: each name server and the node its glue A record
/// names, with the TTL of the NS and glue records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delegation {
    /// Name server names (canonical) and their addresses.
    pub servers: Vec<(String, NodeId)>,
    /// TTL of the NS and glue records, seconds.
    pub ttl: u32,
}

/// The server's answer to `query`: the A record, or NXDOMAIN.
pub fn serve(zone: &Zone, query: &Message) -> Message {
    let answer = if zone.origin.is_some() {
        Answer::Reply(Arc::new(authority::answer(zone, &canonical(&query.name))))
    } else {
        match zone.records.get(&canonical(&query.name)) {
            Some(&(addr, ttl)) => Answer::Address { addr, ttl },
            None => Answer::NxDomain,
        }
    };
    Message {
        id: query.id,
        src_port: query.dst_port,
        dst_port: query.src_port,
        name: query.name.clone(),
        recursion_desired: query.recursion_desired,
        answer: Some(answer),
    }
}

/// Whether `name` is `zone` or below it (canonical names; "" is the root).
pub fn in_zone(name: &str, zone: &str) -> bool {
    zone.is_empty()
        || name == zone
        || (name.len() > zone.len()
            && name.ends_with(zone)
            && name.as_bytes()[name.len() - zone.len() - 1] == b'.')
}

/// A client's resolver settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolverConfig {
    /// The server it asks (`None`: only the hosts table).
    pub server: Option<NodeId>,
    /// Names answered locally, never asked (canonical names).
    pub hosts: BTreeMap<String, NodeId>,
    /// How long to wait for each answer.
    pub timeout: SimDuration,
    /// Queries per lookup, the first included.
    pub attempts: u32,
}

impl ResolverConfig {
    /// glibc's defaults (resolv.conf(5)): 5 s timeout, 2 attempts.
    pub const DEFAULT_TIMEOUT: SimDuration = SimDuration::from_secs(5);
    /// See [`Self::DEFAULT_TIMEOUT`].
    pub const DEFAULT_ATTEMPTS: u32 = 2;
}

/// Where an address came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The hosts table.
    Hosts,
    /// The cache, within the answer's TTL.
    Cache,
    /// The server, just now.
    Server,
}

impl Source {
    /// The trace's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Source::Hosts => "hosts",
            Source::Cache => "cache",
            Source::Server => "server",
        }
    }
}

/// Why a lookup failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The server says the name does not exist.
    NxDomain,
    /// Every attempt timed out.
    Timeout,
    /// The name is not in the hosts table and there is no server to ask.
    NoServer,
    /// The server could not answer (SERVFAIL, REFUSED, or an answer with
    /// no address).
    ServFail,
}

impl Failure {
    /// The trace's name for it.
    pub fn name(self) -> &'static str {
        match self {
            Failure::NxDomain => "nxdomain",
            Failure::Timeout => "timeout",
            Failure::NoServer => "no_server",
            Failure::ServFail => "servfail",
        }
    }
}

/// The answer to [`Resolver::lookup`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Known already.
    Ready(NodeId, Source),
    /// Cannot be known.
    Failed(Failure),
    /// A query is out; an [`Event`] will tell.
    Pending,
}

/// How a pending lookup ended, or a step on the way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LookupResult {
    /// The name's address.
    Resolved {
        /// The address.
        addr: NodeId,
        /// Where it came from.
        source: Source,
    },
    /// No address.
    Failed(Failure),
    /// An attempt timed out and the query went again.
    Retried {
        /// The attempt now under way, from 2.
        attempt: u32,
    },
}

/// Something the resolver did, for the application and the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The name.
    pub name: Arc<str>,
    /// What happened.
    pub outcome: LookupResult,
}

/// A query waiting for its answer.
#[derive(Debug)]
struct Pending {
    /// The canonical name asked.
    key: String,
    msg: Message,
    attempt: u32,
    deadline: SimTime,
}

/// Counters for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Lookups asked for.
    pub lookups: u64,
    /// Answered by the hosts table.
    pub hosts_hits: u64,
    /// Answered from the cache.
    pub cache_hits: u64,
    /// Queries sent, retries included.
    pub queries_sent: u64,
    /// Attempts that timed out.
    pub timeouts: u64,
    /// Addresses the server gave.
    pub answers: u64,
    /// NXDOMAIN responses.
    pub nxdomain: u64,
    /// Lookups that failed.
    pub failures: u64,
    /// Responses matching no pending query (late, duplicated or forged).
    pub unmatched: u64,
}

/// A stub resolver (RFC 1123 §6.1.3.1) with a cache.
#[derive(Debug)]
pub struct Resolver {
    cfg: Arc<ResolverConfig>,
    /// Transaction ids and source ports are random (RFC 5452 §9.2).
    rng: RngStream,
    /// Canonical name to (address, expiry).
    cache: HashMap<String, (NodeId, SimTime)>,
    pending: Vec<Pending>,
    transmit: VecDeque<Message>,
    events: VecDeque<Event>,
    stats: Stats,
}

impl Resolver {
    /// A resolver with an empty cache.
    pub fn new(cfg: Arc<ResolverConfig>, rng: RngStream) -> Self {
        Resolver {
            cfg,
            rng,
            cache: HashMap::new(),
            pending: Vec::new(),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
        }
    }

    /// Its counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Looks `name` up: from the hosts table, the cache, or by a query
    /// (one per name: lookups of a name already asked about wait for the
    /// same answer).
    pub fn lookup(&mut self, now: SimTime, name: &Arc<str>) -> Lookup {
        self.stats.lookups += 1;
        let key = canonical(name);
        if let Some(&addr) = self.cfg.hosts.get(&key) {
            self.stats.hosts_hits += 1;
            return Lookup::Ready(addr, Source::Hosts);
        }
        // RFC 1035 §3.2.1: a TTL is how long the record may be cached; it
        // is used while strictly younger than that.
        match self.cache.get(&key) {
            Some(&(addr, expires)) if now < expires => {
                self.stats.cache_hits += 1;
                return Lookup::Ready(addr, Source::Cache);
            }
            Some(_) => {
                self.cache.remove(&key);
            }
            None => {}
        }
        if self.cfg.server.is_none() {
            self.stats.failures += 1;
            return Lookup::Failed(Failure::NoServer);
        }
        if self.pending.iter().any(|p| p.key == key) {
            return Lookup::Pending;
        }
        let id = self.rng.next_u32() as u16;
        // An ephemeral port (49152-65535), fresh for each query.
        let port = 49_152 + (self.rng.next_u32() % 16_384) as u16;
        let msg = Message {
            id,
            src_port: port,
            dst_port: PORT,
            name: name.clone(),
            recursion_desired: true,
            answer: None,
        };
        self.send(now, key, msg, 1);
        Lookup::Pending
    }

    fn send(&mut self, now: SimTime, key: String, msg: Message, attempt: u32) {
        self.stats.queries_sent += 1;
        self.transmit.push_back(msg.clone());
        self.pending.push(Pending {
            key,
            msg,
            attempt,
            deadline: now + self.cfg.timeout,
        });
    }

    /// Whether `msg` from `from` answers one of its pending queries (what
    /// [`handle_message`](Self::handle_message) accepts): a host with
    /// several resolving clients gives each answer to the one that asked.
    pub fn awaits(&self, from: NodeId, msg: &Message) -> bool {
        let key = canonical(&msg.name);
        msg.answer.is_some()
            && Some(from) == self.cfg.server
            && self
                .pending
                .iter()
                .any(|p| p.msg.id == msg.id && p.msg.src_port == msg.dst_port && p.key == key)
    }

    /// A message arrived from `from`. Responses count only when they come
    /// from the server asked, to the port asked from, with the id and name
    /// asked (RFC 5452 §4); anything else is ignored.
    pub fn handle_message(&mut self, now: SimTime, from: NodeId, msg: &Message) {
        let Some(answer) = &msg.answer else {
            return;
        };
        let key = canonical(&msg.name);
        let i = self.pending.iter().position(|p| {
            Some(from) == self.cfg.server
                && p.msg.id == msg.id
                && p.msg.src_port == msg.dst_port
                && p.key == key
        });
        let Some(i) = i else {
            self.stats.unmatched += 1;
            return;
        };
        let p = self.pending.swap_remove(i);
        // A full response: the address at the end of its CNAME chain, kept
        // for the chain's smallest TTL (RFC 2181 §5.2 as a stub applies it).
        let answer = match answer {
            Answer::Reply(r) => match (r.rcode, r.address_of(&key)) {
                (Rcode::NoError, Some((addr, ttl))) => Answer::Address { addr, ttl },
                (Rcode::NxDomain, _) => Answer::NxDomain,
                _ => {
                    self.stats.failures += 1;
                    self.events.push_back(Event {
                        name: p.msg.name,
                        outcome: LookupResult::Failed(Failure::ServFail),
                    });
                    return;
                }
            },
            a => a.clone(),
        };
        let outcome = match answer {
            Answer::Address { addr, ttl } => {
                self.stats.answers += 1;
                let expires = now + SimDuration::from_secs(u64::from(ttl));
                self.cache.insert(p.key, (addr, expires));
                LookupResult::Resolved {
                    addr,
                    source: Source::Server,
                }
            }
            Answer::NxDomain | Answer::Reply(_) => {
                self.stats.nxdomain += 1;
                self.stats.failures += 1;
                LookupResult::Failed(Failure::NxDomain)
            }
        };
        self.events.push_back(Event {
            name: p.msg.name,
            outcome,
        });
    }

    /// Retries or gives up on every query whose deadline has come.
    pub fn handle_timeout(&mut self, now: SimTime) {
        let mut i = 0;
        while i < self.pending.len() {
            if self.pending[i].deadline > now {
                i += 1;
                continue;
            }
            // Keep the order of the rest: deadlines stay sorted by sending.
            let p = self.pending.remove(i);
            self.stats.timeouts += 1;
            let outcome = if p.attempt < self.cfg.attempts {
                // The same query again, same id and port, so a late answer
                // to the first still counts (as glibc's resolver does).
                let attempt = p.attempt + 1;
                self.send(now, p.key, p.msg.clone(), attempt);
                LookupResult::Retried { attempt }
            } else {
                self.stats.failures += 1;
                LookupResult::Failed(Failure::Timeout)
            };
            self.events.push_back(Event {
                name: p.msg.name,
                outcome,
            });
        }
    }

    /// The next message to send to the server.
    pub fn poll_transmit(&mut self) -> Option<Message> {
        self.transmit.pop_front()
    }

    /// The next thing that happened.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Self::handle_timeout`] must next be called.
    pub fn next_timeout(&self) -> Option<SimTime> {
        self.pending.iter().map(|p| p.deadline).min()
    }

    /// The server the resolver asks.
    pub fn server(&self) -> Option<NodeId> {
        self.cfg.server
    }
}

#[cfg(test)]
mod tests;
