//! The `faults` and `inject` sections: packets changed on purpose, and
//! crafted segments put into the network.
//!
//! A fault rule's `match` fields are kept as written and compared with the
//! trace fields of each packet when the run offers it to a link
//! ([`value_matches`]); which field names exist is not checked here.

use sim_core::{FaultAction, LinkDirId, NodeId, SimDuration, SimTime, Topology, Value};

use super::check::{exactly_one, given, node};
use super::metrics::as_number;
use crate::error::InputError;
use crate::format::{FaultSpec, InjectSpec, TamperActionSpec, TamperName, TamperSpec};
use sim_apps::stream::{EXTENSIONS, FIELDS, Tamper};

/// A checked fault rule.
#[derive(Debug, Clone)]
pub struct FaultRule {
    /// Link directions it watches.
    pub dirs: Vec<LinkDirId>,
    /// Field values a packet must have.
    pub fields: Vec<(sim_core::Field, serde_json::Value)>,
    /// First affected match (1-based).
    pub first: u32,
    /// Number of matches affected; 0 for all from `first` on.
    pub times: u32,
    /// Window of send times.
    pub after: SimTime,
    /// End of the window (exclusive).
    pub before: SimTime,
    /// What happens.
    pub action: FaultAction,
    /// With [`FaultAction::Modified`]: the change to the segment's bytes.
    pub tamper: Option<Tamper>,
}

/// A crafted segment: (time, entry node, claimed source, destination,
/// segment).
type Injection = (SimTime, NodeId, NodeId, NodeId, sim_tcp::Segment);

/// True when a trace value equals a value written in a scenario (nodes
/// compare by name).
pub fn value_matches(v: &Value, want: &serde_json::Value, topology: &Topology) -> bool {
    match (v, want) {
        (Value::Str(s), serde_json::Value::String(w)) => s == w,
        (Value::Node(n), serde_json::Value::String(w)) => topology.name(*n) == w,
        (Value::Bool(b), serde_json::Value::Bool(w)) => b == w,
        (_, serde_json::Value::Number(w)) => as_number(v) == w.as_f64(),
        // SACK blocks: `"sack": [[4001, 5449]]` matches exactly those blocks.
        (Value::List(items), serde_json::Value::Array(w)) => {
            items.len() == w.len()
                && items
                    .iter()
                    .zip(w)
                    .all(|(i, w)| value_matches(i, w, topology))
        }
        _ => false,
    }
}

/// The fault rules, in file order.
pub(super) fn fault_rules(
    faults: &[FaultSpec],
    topology: &Topology,
) -> Result<Vec<FaultRule>, InputError> {
    faults
        .iter()
        .enumerate()
        .map(|(i, f)| fault_rule(f, &format!("faults[{i}]"), topology))
        .collect()
}

/// The crafted segments, in file order.
pub(super) fn injections(
    inject: &[InjectSpec],
    topology: &Topology,
) -> Result<Vec<Injection>, InputError> {
    inject
        .iter()
        .enumerate()
        .map(|(i, inj)| injection(inj, &format!("inject[{i}]"), topology))
        .collect()
}

fn fault_rule(f: &FaultSpec, path: &str, topology: &Topology) -> Result<FaultRule, InputError> {
    let dirs = watched_dirs(f, path, topology)?;
    let (action, tamper) = fault_action(f, path)?;
    let first = f.nth.unwrap_or(1);
    if first == 0 {
        return Err(InputError::at(
            format!("{path}.nth"),
            "matches are counted from 1",
        ));
    }
    if let (Some(a), Some(b)) = (f.after, f.before)
        && a.0 >= b.0
    {
        return Err(InputError::at(
            format!("{path}.before"),
            format!(
                "{} is not later than \"after\" ({}): the rule could never match",
                b.0, a.0
            ),
        ));
    }
    Ok(FaultRule {
        dirs,
        fields: match_fields(f, path)?,
        first,
        times: f.times.unwrap_or(1),
        after: SimTime::ZERO + f.after.map_or(SimDuration::ZERO, |d| d.0),
        before: f.before.map_or(SimTime::MAX, |d| SimTime::ZERO + d.0),
        action,
        tamper,
    })
}

/// The field values a packet must have, as written (names and values are
/// compared with each packet's trace fields during the run).
fn match_fields(
    f: &FaultSpec,
    path: &str,
) -> Result<Vec<(sim_core::Field, serde_json::Value)>, InputError> {
    crate::vocab::fault_fields(&f.match_fields, &format!("{path}.match"))
}

/// The link directions leaving `from` (towards `to`, if given).
fn watched_dirs(
    f: &FaultSpec,
    path: &str,
    topology: &Topology,
) -> Result<Vec<LinkDirId>, InputError> {
    let from = node(topology, &format!("{path}.from"), &f.from)?;
    let to = match &f.to {
        Some(t) => Some(node(topology, &format!("{path}.to"), t)?),
        None => None,
    };
    let dirs: Vec<LinkDirId> = topology
        .link_dirs()
        .iter()
        .enumerate()
        .filter(|(_, d)| d.from == from && to.is_none_or(|t| d.to == t))
        .map(|(i, _)| LinkDirId(i as u32))
        .collect();
    if dirs.is_empty() {
        return Err(InputError::at(
            path,
            format!(
                "no link leaves {:?}{}",
                f.from,
                f.to.as_ref()
                    .map_or(String::new(), |t| format!(" towards {t:?}"))
            ),
        ));
    }
    Ok(dirs)
}

fn fault_action(f: &FaultSpec, path: &str) -> Result<(FaultAction, Option<Tamper>), InputError> {
    let which = exactly_one(
        path,
        "give exactly one action:",
        &[
            ("\"drop\": true", f.drop),
            ("\"duplicate\": true", f.duplicate),
            ("\"delay\": duration", given(&f.delay)),
            ("\"tamper\": ...", given(&f.tamper)),
        ],
    )?;
    Ok(match (which, f.delay, &f.tamper) {
        (0, ..) => (FaultAction::Drop, None),
        (1, ..) => (FaultAction::Duplicate, None),
        (2, Some(d), _) => (FaultAction::Delay(d.0), None),
        (_, _, Some(t)) => {
            let t = tamper(t, &format!("{path}.tamper"))?;
            (FaultAction::Modified(t.reason()), Some(t))
        }
        _ => unreachable!("exactly_one found one of the four"),
    })
}

/// The change a `tamper` action names, its extension or field checked
/// against those the attacker knows.
fn tamper(t: &TamperSpec, path: &str) -> Result<Tamper, InputError> {
    let a = match t {
        TamperSpec::Name(TamperName::Corrupt) => return Ok(Tamper::Corrupt),
        TamperSpec::Name(TamperName::Downgrade) => return Ok(Tamper::Downgrade),
        TamperSpec::Action(a) => a,
    };
    let TamperActionSpec {
        strip,
        rewrite,
        value,
    } = a;
    match (strip, rewrite) {
        (Some(name), None) => {
            if value.is_some() {
                return Err(InputError::at(
                    format!("{path}.value"),
                    "\"value\" goes with \"rewrite\", not \"strip\"",
                ));
            }
            EXTENSIONS
                .iter()
                .find(|x| x.name == name)
                .map(Tamper::Strip)
                .ok_or_else(|| {
                    let names: Vec<&str> = EXTENSIONS.iter().map(|x| x.name).collect();
                    InputError::at(
                        format!("{path}.strip"),
                        format!("unknown extension {name:?} (one of {})", names.join(", ")),
                    )
                })
        }
        (None, Some(name)) => {
            let Some(field) = FIELDS.iter().find(|f| f.name == name) else {
                let names: Vec<&str> = FIELDS.iter().map(|f| f.name).collect();
                return Err(InputError::at(
                    format!("{path}.rewrite"),
                    format!("unknown field {name:?} (one of {})", names.join(", ")),
                ));
            };
            let vpath = format!("{path}.value");
            let Some(hex) = value else {
                return Err(InputError::at(
                    vpath,
                    format!("give the new {name} in hex ({} bytes)", field.len),
                ));
            };
            let bytes = parse_hex(hex).ok_or_else(|| {
                InputError::at(&vpath, format!("{hex:?} is not hex (two digits a byte)"))
            })?;
            if bytes.len() != field.len {
                return Err(InputError::at(
                    vpath,
                    format!(
                        "{} bytes, but {name} has {} (lengths never change in flight)",
                        bytes.len(),
                        field.len
                    ),
                ));
            }
            Ok(Tamper::Rewrite(field, bytes))
        }
        _ => Err(InputError::at(
            path,
            "give exactly one of {\"strip\": extension} and {\"rewrite\": field, \"value\": hex}",
        )),
    }
}

/// Bytes written as hex digits, two a byte.
fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text
        .chars()
        .map(|c| c.to_digit(16).and_then(|d| u8::try_from(d).ok()))
        .collect::<Option<_>>()?;
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    Some(digits.chunks(2).map(|p| p[0] << 4 | p[1]).collect())
}

/// Reads control bits written as `"SYN,ACK"`.
fn parse_flags(text: &str) -> Option<sim_tcp::Flags> {
    let mut f = sim_tcp::Flags::default();
    for name in text.split(',').map(str::trim) {
        f = f | match name {
            "SYN" => sim_tcp::Flags::SYN,
            "ACK" => sim_tcp::Flags::ACK,
            "FIN" => sim_tcp::Flags::FIN,
            "RST" => sim_tcp::Flags::RST,
            "PSH" => sim_tcp::Flags::PSH,
            "ECE" => sim_tcp::Flags::ECE,
            "CWR" => sim_tcp::Flags::CWR,
            _ => return None,
        };
    }
    Some(f)
}

/// Most bytes of TCP options (RFC 9293 §3.1: the data offset counts at
/// most 15 words of header).
const MAX_OPTIONS: u32 = 40;

/// The SACK blocks of an injected segment: at most 4, or 3 beside
/// timestamps (RFC 2018 §3: the option is 2 + 8n bytes of the 40).
fn sack_blocks(
    t: &crate::format::InjectTcp,
    path: &str,
    seg: &mut sim_tcp::Segment,
) -> Result<(), InputError> {
    let Some(blocks) = &t.sack else {
        return Ok(());
    };
    let most = if t.timestamps.is_some() {
        sim_tcp::segment::MAX_SACK_BLOCKS - 1
    } else {
        sim_tcp::segment::MAX_SACK_BLOCKS
    };
    if blocks.len() > most {
        let beside = if t.timestamps.is_some() {
            " beside timestamps"
        } else {
            ""
        };
        return Err(InputError::at(
            format!("{path}.tcp.sack"),
            format!(
                "{} SACK blocks do not fit in the 40 bytes of TCP options: at most \
                 {most}{beside} (RFC 2018 §3)",
                blocks.len()
            ),
        ));
    }
    if blocks.is_empty() {
        return Err(InputError::at(
            format!("{path}.tcp.sack"),
            "a SACK option holds at least one block (leave \"sack\" out for none)",
        ));
    }
    for [left, right] in blocks {
        // Any edges are accepted, even inverted ones: a scripted peer may
        // send what no stack would, to see the receiver cope.
        seg.sack
            .push(sim_tcp::seq::SeqNum(*left), sim_tcp::seq::SeqNum(*right));
    }
    Ok(())
}

fn injection(inj: &InjectSpec, path: &str, topology: &Topology) -> Result<Injection, InputError> {
    let entry = node(topology, &format!("{path}.from"), &inj.from)?;
    let src = match &inj.src {
        Some(s) => node(topology, &format!("{path}.src"), s)?,
        None => entry,
    };
    let dst = node(topology, &format!("{path}.to"), &inj.to)?;
    if entry != dst && !topology.reachable(entry, dst) {
        return Err(InputError::at(
            format!("{path}.to"),
            format!("{:?} cannot be reached from {:?}", inj.to, inj.from),
        ));
    }
    let t = &inj.tcp;
    let flags = parse_flags(&t.flags).ok_or_else(|| {
        InputError::at(
            format!("{path}.tcp.flags"),
            format!(
                "{:?} is not a list of SYN, ACK, FIN, RST, PSH, ECE, CWR",
                t.flags
            ),
        )
    })?;
    let mut seg = sim_tcp::Segment {
        src_port: t.sport,
        dst_port: t.dport,
        seq: sim_tcp::seq::SeqNum(t.seq),
        ack: sim_tcp::seq::SeqNum(t.ack),
        flags,
        wnd: t.wnd.unwrap_or(65_535),
        mss: t.mss,
        wscale: t.wscale,
        sack_permitted: t.sack_permitted.unwrap_or(false),
        timestamps: t.timestamps.map(|ts| sim_tcp::Timestamps {
            val: ts.val,
            ecr: ts.ecr,
        }),
        sack: Default::default(),
        fast_open: None,
        ecn: sim_core::Ecn::NotEct,
        data: sim_tcp::Data {
            offset: t.off.unwrap_or(0),
            len: t.len,
        },
    };
    sack_blocks(t, path, &mut seg)?;
    if let Some(off) = t.off {
        if t.len == 0 {
            return Err(InputError::at(
                format!("{path}.tcp.off"),
                "\"off\" places data: it goes with \"len\"",
            ));
        }
        if off.checked_add(u64::from(t.len)).is_none() {
            return Err(InputError::at(
                format!("{path}.tcp.off"),
                format!(
                    "{off} + {} bytes runs past the largest stream offset",
                    t.len
                ),
            ));
        }
    }
    // RFC 9293 §3.1: the data offset counts at most 15 words, so options
    // hold at most 40 bytes.
    let opts = seg.options_len();
    if opts > MAX_OPTIONS {
        return Err(InputError::at(
            format!("{path}.tcp"),
            format!(
                "the options take {opts} bytes; a TCP header holds at most {MAX_OPTIONS} \
                 (MSS 4, timestamps 12 with SACK-permitted, window scale 4, SACK 4 + 8 a block)"
            ),
        ));
    }
    // An IPv4 packet holds at most 65535 bytes, 40 of them headers.
    let max_len = 65_535 - sim_tcp::segment::IP_HEADER - sim_tcp::segment::TCP_HEADER - opts;
    if t.len > max_len {
        let with = if opts > 0 {
            format!(" and {opts} options")
        } else {
            String::new()
        };
        return Err(InputError::at(
            format!("{path}.tcp.len"),
            format!(
                "{} bytes do not fit in one segment (at most {max_len}: an IPv4 packet \
                 is at most 65535 bytes, 40 of them headers{with})",
                t.len
            ),
        ));
    }
    Ok((SimTime::ZERO + inj.at.0, entry, src, dst, seg))
}
