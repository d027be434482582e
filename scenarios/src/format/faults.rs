//! What happens to the network on purpose: timed `actions`, `faults` on
//! packets in flight and crafted segments to `inject`.
//!
//! They share a file because each one changes what the hosts would
//! otherwise see, and each is resolved against the topology in
//! `plan`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use super::topology::LinkParamsSpec;
use super::values::Duration;

/// Something that happens at a time, before anything else at that time:
/// a link changes (`link` and `set`), or a host's application acts (`node`
/// with `close`, `abort` or `send`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    /// When.
    pub at: Duration,
    /// The link to change, by its two nodes.
    #[serde(default)]
    pub link: Option<[String; 2]>,
    /// With `link`: only the direction leaving this node (default: both).
    #[serde(default)]
    pub from: Option<String>,
    /// With `link`: the parameters to change; routes are not recomputed.
    #[serde(default)]
    pub set: Option<LinkParamsSpec>,
    /// The host whose application acts.
    #[serde(default)]
    pub node: Option<String>,
    /// Close every TCP connection of `node`.
    #[serde(default)]
    pub close: Option<bool>,
    /// Reset every TCP connection of `node`.
    #[serde(default)]
    pub abort: Option<bool>,
    /// Send this many more bytes on every TCP connection of `node`.
    #[serde(default)]
    pub send: Option<u64>,
    /// `node` crashes: its connections vanish without sending anything (its
    /// listeners come back at once, as after a quick reboot).
    #[serde(default)]
    pub crash: Option<bool>,
}

/// A crafted TCP segment put into the network at a time.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct InjectSpec {
    /// When.
    pub at: Duration,
    /// The node where it enters the network.
    pub from: String,
    /// The source address it claims (default: `from`); may be spoofed.
    #[serde(default)]
    pub src: Option<String>,
    /// Its destination.
    pub to: String,
    /// The segment.
    pub tcp: InjectTcp,
}

/// The header of an injected segment.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct InjectTcp {
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
    /// Control bits, comma-separated: `"SYN"`, `"RST"`, `"FIN,ACK"`.
    pub flags: String,
    /// Sequence number.
    #[serde(default)]
    pub seq: u32,
    /// Acknowledgment number.
    #[serde(default)]
    pub ack: u32,
    /// Bytes of data.
    #[serde(default)]
    pub len: u32,
    /// Where the data sits in the sender's byte stream (default 0): the
    /// bytes are the stream pattern's from this offset, as a real sender's
    /// would be, so a scripted peer's data reads as a stream.
    #[serde(default)]
    pub off: Option<u64>,
    /// Window field (default 65535).
    #[serde(default)]
    pub wnd: Option<u16>,
    /// MSS option (RFC 9293 §3.2).
    #[serde(default)]
    pub mss: Option<u16>,
    /// Window-scale option: the shift (RFC 7323 §2; a receiver treats more
    /// than 14 as 14).
    #[serde(default)]
    pub wscale: Option<u8>,
    /// SACK-permitted option (RFC 2018 §2).
    #[serde(default)]
    pub sack_permitted: Option<bool>,
    /// SACK option: blocks `[left, right]` of sequence numbers as on the
    /// wire, right edge exclusive, first sent first (RFC 2018 §3); at most
    /// 4, or 3 beside timestamps (the options fit in 40 bytes).
    #[serde(default)]
    pub sack: Option<Vec<[u32; 2]>>,
    /// Timestamps option (RFC 7323 §3).
    #[serde(default)]
    pub timestamps: Option<InjectTimestamps>,
}

/// The timestamps option of an injected segment (RFC 7323 §3.2).
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct InjectTimestamps {
    /// TSval: the sender's timestamp clock.
    pub val: u32,
    /// TSecr: the TSval echoed (default 0).
    #[serde(default)]
    pub ecr: u32,
}
/// A fault: packets leaving `from` (towards `to`, if given) whose fields
/// match `match` are counted; matches number `nth` to `nth + times - 1` get
/// the action. Exactly one of `drop`, `duplicate` or `delay`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// The node the packet leaves (sender or router).
    pub from: String,
    /// The next hop; any link leaving `from` if absent.
    #[serde(default)]
    pub to: Option<String>,
    /// Field values the packet must have, as its trace lines show them
    /// (`"flags": "ACK"`, `"len": 0`, `"proto": "tcp"`, `"dst": "b"`).
    #[serde(default, rename = "match")]
    pub match_fields: BTreeMap<String, serde_json::Value>,
    /// The first match affected, counting from 1 (default 1).
    #[serde(default)]
    pub nth: Option<u32>,
    /// How many matches are affected from `nth` on (default 1; 0 means
    /// every one).
    #[serde(default)]
    pub times: Option<u32>,
    /// Only packets sent at or after this time.
    #[serde(default)]
    pub after: Option<Duration>,
    /// Only packets sent before this time.
    #[serde(default)]
    pub before: Option<Duration>,
    /// Drop the packet.
    #[serde(default)]
    pub drop: Option<bool>,
    /// Send the packet twice.
    #[serde(default)]
    pub duplicate: Option<bool>,
    /// Deliver the packet this much later (later packets may overtake it).
    #[serde(default)]
    pub delay: Option<Duration>,
    /// Change the packet in flight, as an on-path attacker would.
    #[serde(default)]
    pub tamper: Option<TamperSpec>,
}

/// What an on-path attacker does: a named change, or a change to a
/// named part of the hellos.
#[derive(Debug, Clone)]
pub enum TamperSpec {
    /// `"corrupt"` or `"downgrade"`.
    Name(TamperName),
    /// `{"strip": extension}` or `{"rewrite": field, "value": hex}`.
    Action(TamperActionSpec),
}

impl JsonSchema for TamperSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TamperSpec".into()
    }
    fn json_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let name = g.subschema_for::<TamperName>();
        let action = g.subschema_for::<TamperActionSpec>();
        schemars::json_schema!({
            "description": "A named change (\"corrupt\", \"downgrade\"), or {\"strip\": extension} or {\"rewrite\": field, \"value\": hex}.",
            "anyOf": [name, action]
        })
    }
}

/// By hand rather than `untagged`, so that a mistake says what it is at
/// its own path.
impl<'de> Deserialize<'de> for TamperSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{self, IntoDeserializer, Visitor};
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TamperSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "\"corrupt\", \"downgrade\", {\"strip\": extension} or \
                     {\"rewrite\": field, \"value\": hex}",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TamperSpec, E> {
                TamperName::deserialize(v.into_deserializer()).map(TamperSpec::Name)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, m: A) -> Result<TamperSpec, A::Error> {
                TamperActionSpec::deserialize(de::value::MapAccessDeserializer::new(m))
                    .map(TamperSpec::Action)
            }
        }
        d.deserialize_any(V)
    }
}

/// A change to a named part of the plaintext hellos, made without
/// changing any length (TCP's sequence numbers stay right). Give one of
/// `strip` and `rewrite`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(remote = "Self")]
#[serde(deny_unknown_fields)]
pub struct TamperActionSpec {
    /// Take this extension out of every hello in the segment (it becomes
    /// padding, RFC 7685): `key_share`, `signature_algorithms`,
    /// `supported_groups`, `supported_versions`, `extended_master_secret`,
    /// ... (IANA names; `alpn` for application_layer_protocol_negotiation).
    #[serde(default)]
    pub strip: Option<String>,
    /// Overwrite this field of a hello: `ClientHello.random`,
    /// `ServerHello.random`, `ClientHello.legacy_version`,
    /// `ServerHello.legacy_version`, `ServerHello.cipher_suite`.
    #[serde(default)]
    pub rewrite: Option<String>,
    /// With `rewrite`: the new bytes in hex, as many as the field has.
    #[serde(default)]
    pub value: Option<String>,
}

/// What an on-path attacker does to a TLS segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TamperName {
    /// Flip one bit of the segment's last byte (inside a record's MAC or
    /// tag, or its ciphertext): the receiver must answer bad_record_mac.
    Corrupt,
    /// Rewrite a ClientHello's cipher-suite list to its last (weakest)
    /// suite: a downgrade attempt that the Finished check must catch.
    Downgrade,
}

super::objects::objects_only!(
    ActionSpec,
    InjectSpec,
    InjectTcp,
    InjectTimestamps,
    FaultSpec,
    TamperActionSpec
);
