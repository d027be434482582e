//! A recursive resolver (RFC 1034 §5.3.3): it answers stubs' queries from
//! its cache or by asking the authorities itself, one iterative query at a
//! time, from the root down.
//!
//! Sans-IO, as the stub: [`Recursive::handle_query`] takes a stub's query,
//! [`Recursive::handle_response`] the bytes of an authority's response
//! (decoded here, as a real resolver reads its datagrams: malformed bytes
//! are counted and dropped, never trusted), [`Recursive::handle_timeout`]
//! its deadline; the host then polls [`Recursive::poll_transmit`] for
//! messages to send, [`Recursive::poll_event`] for what to trace and
//! [`Recursive::next_timeout`] for the next deadline. Time comes in as
//! `now`, randomness (query ids, ports) from the stream it is given.
//!
//! The algorithm, for QTYPE A:
//!
//! 1. look the name up in the cache (RFC 1034 §5.3.3 step 1): an address
//!    answers, a CNAME moves on to its target, a negative entry answers
//!    NXDOMAIN with its SOA (RFC 2308 §5);
//! 2. otherwise ask a server of the closest enclosing zone whose servers
//!    are cached, or a root server (step 2);
//! 3. a referral (NS records for a zone closer to the name, with glue) is
//!    cached and followed (step 4b); an answer is cached and returned, a
//!    CNAME followed (step 4c); NXDOMAIN with an SOA is cached for
//!    min(SOA TTL, SOA MINIMUM) (RFC 2308 §5) and returned.
//!
//! Bounds: at most `max_depth` referrals and CNAMEs per query (a loop of
//! either ends in SERVFAIL); a referral must lead strictly closer to the
//! name (RFC 1034 §5.3.3 4b), so a server referring back up or to itself
//! is a SERVFAIL; the cache holds at most `cache_size` entries, the one
//! expiring soonest leaving first when full. Not modelled: glueless
//! delegations (a referral without glue is a SERVFAIL), QNAME
//! minimisation, DNSSEC, EDNS, TCP fallback, negative caching of NODATA.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use sim_core::{NodeId, RngStream, SimDuration, SimTime};

use super::wire::{DecodeError, RData, Rcode, Record, Reply, Soa, decode};
use super::{Answer, Message, PORT, canonical, in_zone};

/// The resolver's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecursiveConfig {
    /// The root servers it starts from (its root hints): name and node.
    pub roots: Vec<(String, NodeId)>,
    /// Entries the cache holds at most (addresses, aliases, negative
    /// answers and zones' servers together).
    pub cache_size: usize,
    /// Referrals plus CNAMEs one query may follow.
    pub max_depth: u32,
    /// How long to wait for each upstream answer.
    pub timeout: SimDuration,
    /// Queries to each server, the first included, before the next is
    /// tried.
    pub attempts: u32,
}

impl RecursiveConfig {
    /// Default cache size: 10,000 entries.
    pub const DEFAULT_CACHE_SIZE: usize = 10_000;
    /// Default chain bound: 16 referrals and CNAMEs (BIND gives up after
    /// 16 CNAMEs).
    pub const DEFAULT_MAX_DEPTH: u32 = 16;
    /// Default upstream timeout: 1 s.
    pub const DEFAULT_TIMEOUT: SimDuration = SimDuration::from_secs(1);
    /// Default queries per server: 2.
    pub const DEFAULT_ATTEMPTS: u32 = 2;
}

/// Something the resolver did, for the trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The cache held the name's address.
    CacheHit {
        /// The name.
        name: String,
        /// Its address.
        addr: NodeId,
    },
    /// The cache held an alias for the name.
    CacheCname {
        /// The alias.
        name: String,
        /// Its target.
        target: String,
    },
    /// The cache held a negative answer for the name (RFC 2308 §5).
    NegativeCacheHit {
        /// The name.
        name: String,
    },
    /// The cache could not answer: a query goes to `server`, a server of
    /// `zone` found in the cache or the root hints.
    CacheMiss {
        /// The name asked.
        name: String,
        /// The server asked.
        server: NodeId,
        /// Its zone ("" for the root).
        zone: String,
        /// Whether the zone's servers came from the cache (else from the
        /// root hints).
        cached: bool,
    },
    /// A referral was followed to a server of `zone`.
    Referral {
        /// The name asked.
        name: String,
        /// The zone referred to.
        zone: String,
        /// The server asked next.
        server: NodeId,
    },
    /// An answer's CNAME was followed.
    Cname {
        /// The alias.
        name: String,
        /// Its target.
        target: String,
    },
    /// An upstream query timed out and went again.
    Retry {
        /// The name asked.
        name: String,
        /// The attempt now under way (counting across servers).
        attempt: u32,
    },
    /// The query failed: the stub gets SERVFAIL.
    ServFail {
        /// The name the stub asked.
        name: String,
        /// Why.
        reason: &'static str,
    },
    /// A response was dropped because its bytes are not a DNS message.
    Malformed {
        /// Why.
        reason: DecodeError,
    },
}

/// A message to send and where to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// The destination node.
    pub to: NodeId,
    /// The message.
    pub msg: Message,
}

/// Counters for the summary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Stubs' queries received.
    pub queries_received: u64,
    /// Responses sent to stubs.
    pub responses_sent: u64,
    /// Names answered by a cached address.
    pub cache_hits: u64,
    /// Names answered by a cached negative answer.
    pub negative_cache_hits: u64,
    /// Names the cache could not answer.
    pub cache_misses: u64,
    /// Queries sent to authorities, retries included.
    pub upstream_queries: u64,
    /// Referrals followed.
    pub referrals: u64,
    /// CNAMEs followed (from answers or the cache).
    pub cnames: u64,
    /// Upstream queries that timed out.
    pub timeouts: u64,
    /// NXDOMAIN answers sent to stubs.
    pub nxdomain_sent: u64,
    /// SERVFAIL answers sent to stubs.
    pub servfail_sent: u64,
    /// Responses whose bytes did not decode.
    pub malformed: u64,
    /// Responses matching no outstanding query.
    pub unmatched: u64,
    /// Entries pushed out of a full cache before they expired.
    pub cache_evictions: u64,
}

/// What the cache holds for a name.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Entry {
    Address(NodeId),
    Alias(String),
    /// NXDOMAIN, with the SOA that came with it (RFC 2308 §5).
    Negative(Soa, String),
}

/// The cache: names' entries and zones' servers, each with its expiry.
#[derive(Debug, Default)]
struct Cache {
    names: BTreeMap<String, (Entry, SimTime)>,
    zones: BTreeMap<String, (Vec<NodeId>, SimTime)>,
}

impl Cache {
    fn len(&self) -> usize {
        self.names.len() + self.zones.len()
    }

    /// The name's live entry and its expiry; an expired one is dropped.
    fn name(&mut self, now: SimTime, name: &str) -> Option<(Entry, SimTime)> {
        match self.names.get(name) {
            // RFC 1035 §3.2.1: used while strictly younger than its TTL.
            Some((e, exp)) if now < *exp => Some((e.clone(), *exp)),
            Some(_) => {
                self.names.remove(name);
                None
            }
            None => None,
        }
    }

    /// The closest enclosing zone of `name` with live servers.
    fn closest(&mut self, now: SimTime, name: &str) -> Option<(String, Vec<NodeId>)> {
        let mut at = name;
        loop {
            if let Some((servers, exp)) = self.zones.get(at) {
                if now < *exp {
                    return Some((at.to_string(), servers.clone()));
                }
                self.zones.remove(at);
            }
            if at.is_empty() {
                return None;
            }
            at = at.split_once('.').map_or("", |(_, rest)| rest);
        }
    }
}

/// How far an answer section took a query.
enum Walk {
    /// To the address.
    Address(Record),
    /// Along CNAMEs, to a name it has no more about.
    Moved,
    /// Nowhere: nothing for the name.
    Nothing,
}

/// An upstream query waiting for its answer.
#[derive(Debug)]
struct Outstanding {
    id: u16,
    port: u16,
    server: NodeId,
    deadline: SimTime,
    /// Queries to this server so far.
    attempt: u32,
    /// Queries for this step in all, across servers.
    total: u32,
}

/// A stub's query being resolved.
#[derive(Debug)]
struct Task {
    /// Who asked, and their query (id, port, name, RD).
    client: NodeId,
    query: Message,
    /// The name now being resolved (the query's, or a CNAME target).
    name: String,
    /// The CNAME records met so far, in order.
    chain: Vec<Record>,
    /// Referrals and CNAMEs followed.
    depth: u32,
    /// The zone whose servers are asked, and the ones left to try.
    zone: String,
    servers: Vec<NodeId>,
    out: Option<Outstanding>,
}

/// Seconds left of an entry expiring at `exp`.
fn ttl_left(now: SimTime, exp: SimTime) -> u32 {
    let s = exp.saturating_since(now).as_nanos() / 1_000_000_000;
    s.min(u64::from(i32::MAX as u32)) as u32
}

/// The recursive resolver.
#[derive(Debug)]
pub struct Recursive {
    cfg: Arc<RecursiveConfig>,
    rng: RngStream,
    cache: Cache,
    tasks: Vec<Task>,
    transmit: VecDeque<Transmit>,
    events: VecDeque<Step>,
    stats: Stats,
}

impl Recursive {
    /// A resolver with an empty cache.
    pub fn new(cfg: Arc<RecursiveConfig>, rng: RngStream) -> Self {
        Recursive {
            cfg,
            rng,
            cache: Cache::default(),
            tasks: Vec::new(),
            transmit: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
        }
    }

    /// Its counters.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Entries in the cache now (expired ones included until touched).
    pub fn cache_len(&self) -> usize {
        self.cache.len()
    }

    /// A stub's query `m` from `client`.
    pub fn handle_query(&mut self, now: SimTime, client: NodeId, m: &Message) {
        if m.answer.is_some() {
            return;
        }
        self.stats.queries_received += 1;
        let task = Task {
            client,
            query: m.clone(),
            name: canonical(&m.name),
            chain: Vec::new(),
            depth: 0,
            zone: String::new(),
            servers: Vec::new(),
            out: None,
        };
        self.resolve(now, task);
    }

    /// Goes on with `t` from its current name: from the cache, or by a
    /// query upstream (RFC 1034 §5.3.3 steps 1 and 2).
    fn resolve(&mut self, now: SimTime, mut t: Task) {
        loop {
            if t.depth > self.cfg.max_depth {
                return self.fail(t, "chain too long");
            }
            match self.cache.name(now, &t.name) {
                Some((Entry::Address(addr), exp)) => {
                    self.stats.cache_hits += 1;
                    self.events.push_back(Step::CacheHit {
                        name: t.name.clone(),
                        addr,
                    });
                    let rec = Record {
                        name: t.name.clone(),
                        ttl: ttl_left(now, exp),
                        data: RData::A(addr),
                    };
                    return self.finish(t, Rcode::NoError, Some(rec), None);
                }
                Some((Entry::Alias(target), exp)) => {
                    self.stats.cnames += 1;
                    self.events.push_back(Step::CacheCname {
                        name: t.name.clone(),
                        target: target.clone(),
                    });
                    let rec = Record {
                        name: t.name.clone(),
                        ttl: ttl_left(now, exp),
                        data: RData::Cname(target.clone()),
                    };
                    if !self.follow(&mut t, rec) {
                        return self.fail(t, "CNAME loop");
                    }
                }
                Some((Entry::Negative(soa, zone), exp)) => {
                    self.stats.negative_cache_hits += 1;
                    self.events.push_back(Step::NegativeCacheHit {
                        name: t.name.clone(),
                    });
                    // RFC 2308 §5: the SOA goes back with its TTL counted
                    // down, as the negative answer's.
                    let rec = Record {
                        name: zone,
                        ttl: ttl_left(now, exp),
                        data: RData::Soa(soa),
                    };
                    return self.finish(t, Rcode::NxDomain, None, Some(rec));
                }
                None => break,
            }
        }
        self.stats.cache_misses += 1;
        let (zone, servers, cached) = match self.cache.closest(now, &t.name) {
            Some((z, s)) => (z, s, true),
            None => (
                String::new(),
                self.cfg.roots.iter().map(|(_, n)| *n).collect(),
                false,
            ),
        };
        let Some(&server) = servers.first() else {
            return self.fail(t, "no root servers");
        };
        self.events.push_back(Step::CacheMiss {
            name: t.name.clone(),
            server,
            zone: zone.clone(),
            cached,
        });
        t.zone = zone;
        t.servers = servers;
        self.ask(now, t, server, 1, 1);
    }

    /// Adds a CNAME to the chain and moves to its target; false on a loop.
    fn follow(&mut self, t: &mut Task, rec: Record) -> bool {
        let RData::Cname(target) = &rec.data else {
            return false;
        };
        let target = target.clone();
        let seen = target == canonical(&t.query.name) || t.chain.iter().any(|r| r.name == target);
        t.chain.push(rec);
        t.depth += 1;
        t.name = target;
        !seen
    }

    /// Sends `t`'s iterative query to `server` (RD clear, RFC 1034 §5.3.3)
    /// from a fresh id and port (RFC 5452 §9.2).
    fn ask(&mut self, now: SimTime, mut t: Task, server: NodeId, attempt: u32, total: u32) {
        let (id, port) = match &t.out {
            // A retry to the same server repeats the id and port.
            Some(o) if o.server == server => (o.id, o.port),
            _ => (
                self.rng.next_u32() as u16,
                49_152 + (self.rng.next_u32() % 16_384) as u16,
            ),
        };
        let msg = Message {
            id,
            src_port: port,
            dst_port: PORT,
            name: Arc::from(t.name.as_str()),
            recursion_desired: false,
            answer: None,
        };
        self.stats.upstream_queries += 1;
        self.transmit.push_back(Transmit { to: server, msg });
        t.out = Some(Outstanding {
            id,
            port,
            server,
            deadline: now + self.cfg.timeout,
            attempt,
            total,
        });
        self.tasks.push(t);
    }

    /// Whether a response from `from` to `port` is for one of its queries
    /// (the host gives it the message then).
    pub fn awaits(&self, from: NodeId, port: u16) -> bool {
        self.tasks.iter().any(|t| {
            t.out
                .as_ref()
                .is_some_and(|o| o.server == from && o.port == port)
        })
    }

    /// The bytes of a response from `from` to our `port`. It counts only
    /// from the server asked, to the port asked from, with the id and name
    /// asked (RFC 5452 §4).
    pub fn handle_response(&mut self, now: SimTime, from: NodeId, port: u16, bytes: &[u8]) {
        let d = match decode(bytes) {
            Ok(d) => d,
            Err(reason) => {
                // Dropped as if lost: the timeout asks again.
                self.stats.malformed += 1;
                self.events.push_back(Step::Malformed { reason });
                return;
            }
        };
        let i = self.tasks.iter().position(|t| {
            t.out.as_ref().is_some_and(|o| {
                o.server == from && o.port == port && o.id == d.id && d.qname == t.name
            })
        });
        let (Some(i), true) = (i, d.response) else {
            self.stats.unmatched += 1;
            return;
        };
        let mut t = self.tasks.swap_remove(i);
        t.out = None;
        let r = d.reply;
        match r.rcode {
            Rcode::NoError => self.on_noerror(now, t, r),
            Rcode::NxDomain => self.on_nxdomain(now, t, r),
            _ => self.fail(t, "upstream error"),
        }
    }

    /// Follows the answer section from `t`'s name (RFC 1034 §5.3.3 steps
    /// 4a and 4c): CNAMEs are cached and followed, an address ends it.
    /// Only records within the zone asked are believed (RFC 2181 §5.4.1:
    /// no data from outside the server's bailiwick).
    fn walk(&mut self, now: SimTime, t: &mut Task, r: &Reply) -> Result<Walk, &'static str> {
        let mut moved = false;
        for _ in 0..r.answers.len() {
            let Some(rec) = r
                .answers
                .iter()
                .find(|x| x.name == t.name && in_zone(&x.name, &t.zone))
            else {
                break;
            };
            let rec = rec.clone();
            match &rec.data {
                RData::A(addr) => {
                    self.store(now, &rec.name, Entry::Address(*addr), rec.ttl);
                    return Ok(Walk::Address(rec));
                }
                RData::Cname(target) => {
                    self.store(now, &rec.name, Entry::Alias(target.clone()), rec.ttl);
                    self.stats.cnames += 1;
                    self.events.push_back(Step::Cname {
                        name: rec.name.clone(),
                        target: target.clone(),
                    });
                    if !self.follow(t, rec) {
                        return Err("CNAME loop");
                    }
                    if t.depth > self.cfg.max_depth {
                        return Err("chain too long");
                    }
                    moved = true;
                }
                RData::Ns(_) | RData::Soa(_) => break,
            }
        }
        Ok(if moved { Walk::Moved } else { Walk::Nothing })
    }

    /// An answer or a referral (RFC 1034 §5.3.3 step 4).
    fn on_noerror(&mut self, now: SimTime, mut t: Task, r: Reply) {
        match self.walk(now, &mut t, &r) {
            Err(why) => return self.fail(t, why),
            Ok(Walk::Address(rec)) => return self.finish(t, Rcode::NoError, Some(rec), None),
            // The chain left what this answer holds: resolve the target
            // afresh (step 4c), from the cache or from its own zone.
            Ok(Walk::Moved) => return self.resolve(now, t),
            Ok(Walk::Nothing) => {}
        }
        // Step 4b: a referral to a zone strictly closer to the name.
        let cut = r.authority.iter().find_map(|x| match x.data {
            RData::Ns(_) => Some(x.name.clone()),
            _ => None,
        });
        let Some(cut) = cut else {
            // NODATA: no address, and no negative caching of it here.
            return self.finish(t, Rcode::NoError, None, None);
        };
        if !in_zone(&t.name, &cut) || !in_zone(&cut, &t.zone) || cut == t.zone {
            return self.fail(t, "referral does not lead closer");
        }
        let mut servers = Vec::new();
        let mut ttl = u32::MAX;
        for ns in &r.authority {
            let RData::Ns(host) = &ns.data else { continue };
            if ns.name != cut {
                continue;
            }
            ttl = ttl.min(ns.ttl);
            for g in &r.additional {
                if let (true, RData::A(a)) = (&g.name == host, &g.data)
                    && !servers.contains(a)
                {
                    servers.push(*a);
                    ttl = ttl.min(g.ttl);
                }
            }
        }
        let Some(&server) = servers.first() else {
            return self.fail(t, "referral without glue");
        };
        t.depth += 1;
        if t.depth > self.cfg.max_depth {
            return self.fail(t, "chain too long");
        }
        self.stats.referrals += 1;
        self.store_zone(now, &cut, servers.clone(), ttl);
        self.events.push_back(Step::Referral {
            name: t.name.clone(),
            zone: cut.clone(),
            server,
        });
        t.zone = cut;
        t.servers = servers;
        self.ask(now, t, server, 1, 1);
    }

    /// NXDOMAIN: about the last name of the answer's CNAME chain (RFC 2308
    /// §2.1), cached with its SOA (§5), then answered.
    fn on_nxdomain(&mut self, now: SimTime, mut t: Task, r: Reply) {
        if let Err(why) = self.walk(now, &mut t, &r) {
            return self.fail(t, why);
        }
        let soa = r.authority.iter().find_map(|x| match &x.data {
            RData::Soa(s) if in_zone(&t.name, &x.name) && in_zone(&x.name, &t.zone) => {
                Some((x.clone(), s.clone()))
            }
            _ => None,
        });
        let soa_rec = soa.map(|(mut rec, s)| {
            // RFC 2308 §5: the negative answer lives for the SOA record's
            // TTL or its MINIMUM field, whichever is less.
            let ttl = rec.ttl.min(s.minimum);
            self.store(now, &t.name, Entry::Negative(s, rec.name.clone()), ttl);
            rec.ttl = ttl;
            rec
        });
        // Without an SOA the answer is passed on but not cached (§5).
        self.finish(t, Rcode::NxDomain, None, soa_rec);
    }

    /// Caches `entry` for `ttl` seconds (RFC 2181 §8: a TTL of 0 is not
    /// kept).
    fn store(&mut self, now: SimTime, name: &str, entry: Entry, ttl: u32) {
        if ttl == 0 || self.cfg.cache_size == 0 {
            return;
        }
        let exp = now + SimDuration::from_secs(u64::from(ttl));
        if !self.cache.names.contains_key(name) {
            self.make_room(now);
        }
        self.cache.names.insert(name.to_string(), (entry, exp));
    }

    fn store_zone(&mut self, now: SimTime, zone: &str, servers: Vec<NodeId>, ttl: u32) {
        if ttl == 0 || self.cfg.cache_size == 0 {
            return;
        }
        let exp = now + SimDuration::from_secs(u64::from(ttl));
        if !self.cache.zones.contains_key(zone) {
            self.make_room(now);
        }
        self.cache.zones.insert(zone.to_string(), (servers, exp));
    }

    /// Frees one entry if the cache is full: the expired first, then the
    /// one expiring soonest (the first such name in order on a tie).
    fn make_room(&mut self, now: SimTime) {
        if self.cache.len() < self.cfg.cache_size {
            return;
        }
        self.cache.names.retain(|_, (_, exp)| now < *exp);
        self.cache.zones.retain(|_, (_, exp)| now < *exp);
        if self.cache.len() < self.cfg.cache_size {
            return;
        }
        let name = self.cache.names.iter().map(|(k, (_, e))| (*e, k)).min();
        let zone = self.cache.zones.iter().map(|(k, (_, e))| (*e, k)).min();
        self.stats.cache_evictions += 1;
        match (name, zone) {
            (Some((ne, n)), Some((ze, _))) if ne <= ze => {
                let n = n.clone();
                self.cache.names.remove(&n);
            }
            (_, Some((_, z))) => {
                let z = z.clone();
                self.cache.zones.remove(&z);
            }
            (Some((_, n)), None) => {
                let n = n.clone();
                self.cache.names.remove(&n);
            }
            (None, None) => {}
        }
    }

    fn fail(&mut self, t: Task, reason: &'static str) {
        self.events.push_back(Step::ServFail {
            name: canonical(&t.query.name),
            reason,
        });
        self.finish(t, Rcode::ServFail, None, None);
    }

    /// Answers the stub: the CNAME chain then `last` in the answer
    /// section, `soa` in the authority section; RA set, AA clear (the
    /// answer is not the resolver's own data).
    fn finish(&mut self, t: Task, rcode: Rcode, last: Option<Record>, soa: Option<Record>) {
        let mut answers = if rcode == Rcode::ServFail {
            Vec::new()
        } else {
            t.chain
        };
        answers.extend(last);
        let reply = Reply {
            rcode,
            authoritative: false,
            recursion_available: true,
            answers,
            authority: soa.into_iter().collect(),
            additional: Vec::new(),
        };
        match rcode {
            Rcode::NxDomain => self.stats.nxdomain_sent += 1,
            Rcode::ServFail => self.stats.servfail_sent += 1,
            _ => {}
        }
        self.stats.responses_sent += 1;
        let q = t.query;
        self.transmit.push_back(Transmit {
            to: t.client,
            msg: Message {
                id: q.id,
                src_port: q.dst_port,
                dst_port: q.src_port,
                name: q.name,
                recursion_desired: q.recursion_desired,
                answer: Some(Answer::Reply(Arc::new(reply))),
            },
        });
    }

    /// Asks again, or the next server, or gives up, for every upstream
    /// query whose deadline has come.
    pub fn handle_timeout(&mut self, now: SimTime) {
        let due: Vec<usize> = (0..self.tasks.len())
            .filter(|&i| {
                self.tasks[i]
                    .out
                    .as_ref()
                    .is_some_and(|o| o.deadline <= now)
            })
            .collect();
        // Take them out last first so the indices stay right, then handle
        // them in the order they were sent.
        let mut taken: Vec<Task> = due.iter().rev().map(|&i| self.tasks.remove(i)).collect();
        taken.reverse();
        for t in taken {
            self.stats.timeouts += 1;
            let o = t.out.as_ref().expect("due tasks have one");
            let (server, attempt, total) = (o.server, o.attempt, o.total);
            let next = if attempt < self.cfg.attempts {
                Some((server, attempt + 1))
            } else {
                let k = t.servers.iter().position(|&s| s == server);
                k.and_then(|k| t.servers.get(k + 1)).map(|&s| (s, 1))
            };
            match next {
                Some((s, a)) => {
                    self.events.push_back(Step::Retry {
                        name: t.name.clone(),
                        attempt: total + 1,
                    });
                    self.ask(now, t, s, a, total + 1);
                }
                None => self.fail(t, "no server answered"),
            }
        }
    }

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmit.pop_front()
    }

    /// The next thing it did.
    pub fn poll_event(&mut self) -> Option<Step> {
        self.events.pop_front()
    }

    /// When [`Self::handle_timeout`] must next be called.
    pub fn next_timeout(&self) -> Option<SimTime> {
        self.tasks
            .iter()
            .filter_map(|t| t.out.as_ref().map(|o| o.deadline))
            .min()
    }
}

#[cfg(test)]
mod tests;
