//! Values with a unit or a range, used by every section: durations, bit
//! rates, probabilities, counts and the bounds of expectations.
//!
//! Each is parsed and checked as it is read, so a bad value is reported
//! with its JSON path, and each has a hand-written schema that says what
//! text is accepted.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use sim_core::{Rate, SimDuration};

macro_rules! string_schema {
    ($ty:ty, $name:literal, $pattern:literal, $desc:literal) => {
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "pattern": $pattern,
                    "description": $desc,
                })
            }
        }
    };
}

/// A duration written with a unit: `"10ms"`, `"1.5s"`, `"250us"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Duration(pub SimDuration);

string_schema!(
    Duration,
    "Duration",
    "^\\s*[0-9]*\\.?[0-9]+\\s*(ns|us|µs|ms|s|min|h)\\s*$",
    "A duration: a non-negative number and a unit (ns, us, ms, s, min, h), like \"10ms\" or \"1.5s\"."
);

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        sim_core::parse_duration(&s)
            .map(Duration)
            .map_err(de::Error::custom)
    }
}

/// A bit rate with a unit: `"100Mbps"`, `"1Gbps"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bandwidth(pub Rate);

string_schema!(
    Bandwidth,
    "Bandwidth",
    "^\\s*[0-9]*\\.?[0-9]+\\s*(bps|kbps|Kbps|Mbps|Gbps|Tbps)\\s*$",
    "A rate in bits per second with a decimal prefix, like \"100Mbps\" or \"1Gbps\"."
);

impl<'de> Deserialize<'de> for Bandwidth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        sim_core::parse_rate(&s)
            .map(Bandwidth)
            .map_err(de::Error::custom)
    }
}

/// A probability: a number from 0 to 1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probability(pub f64);

impl JsonSchema for Probability {
    fn schema_name() -> Cow<'static, str> {
        "Probability".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "number", "minimum": 0.0, "maximum": 1.0})
    }
}

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let p = f64::deserialize(d)?;
        if (0.0..=1.0).contains(&p) {
            Ok(Probability(p))
        } else {
            Err(de::Error::custom(format_args!(
                "{p} is not a probability (it must be between 0 and 1)"
            )))
        }
    }
}

/// A positive whole number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub u64);

impl JsonSchema for Count {
    fn schema_name() -> Cow<'static, str> {
        "Count".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": "integer", "minimum": 1})
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = i64::deserialize(d)?;
        if n >= 1 {
            Ok(Count(n as u64))
        } else {
            Err(de::Error::custom(format_args!(
                "{n} is not allowed here: it must be at least 1"
            )))
        }
    }
}

/// A bound in an expectation: a number, or a duration (compared in ns).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Quantity {
    /// A plain number.
    Number(f64),
    /// A duration, compared with metrics in nanoseconds.
    Duration(#[serde(serialize_with = "ser_duration")] SimDuration),
}

fn ser_duration<S: serde::Serializer>(d: &SimDuration, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

impl Quantity {
    /// The value compared: the number, or the duration in nanoseconds.
    pub fn value(self) -> f64 {
        match self {
            Quantity::Number(x) => x,
            Quantity::Duration(d) => d.as_nanos() as f64,
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Quantity::Number(x) => write!(f, "{x}"),
            Quantity::Duration(d) => write!(f, "{d}"),
        }
    }
}

impl JsonSchema for Quantity {
    fn schema_name() -> Cow<'static, str> {
        "Quantity".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A number, or a duration string such as \"20ms\" (compared in nanoseconds).",
            "type": ["number", "string"]
        })
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a duration such as \"20ms\"")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v as f64))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
                sim_core::parse_duration(v)
                    .map(Quantity::Duration)
                    .map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Initial sequence numbers: one for every connection (`1000`), or one
/// per connection in the order they open (`[1000, 90000]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Isns {
    /// The same ISN for every connection.
    One(u32),
    /// One ISN per connection, in order.
    Each(Vec<u32>),
}

impl JsonSchema for Isns {
    fn schema_name() -> Cow<'static, str> {
        "Isns".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                {"type": "integer", "minimum": 0, "maximum": 4_294_967_295u64},
                {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "integer", "minimum": 0, "maximum": 4_294_967_295u64}
                }
            ],
            "description": "An initial sequence number for every connection, or a list of one per connection in the order they open."
        })
    }
}

impl<'de> Deserialize<'de> for Isns {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Isns;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence number (0 to 4294967295) or a list of them")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Isns, E> {
                u32::try_from(v).map(Isns::One).map_err(|_| {
                    E::custom(format_args!(
                        "{v} is not a sequence number (0 to 4294967295)"
                    ))
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Isns, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::custom(format_args!(
                        "{v} is not a sequence number (0 to 4294967295)"
                    ))),
                }
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Isns, A::Error> {
                let mut v = Vec::new();
                while let Some(n) = seq.next_element::<u32>()? {
                    v.push(n);
                }
                Ok(Isns::Each(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// When an application starts: at a time (`"2s"`), or at a time drawn
/// uniformly from a range when the run starts (`{"uniform": ["0s",
/// "1s"]}`), from a random stream of the run named after the host and the
/// application (`start/<host>/<name>`), so the same seed gives the same
/// start and another application's draws never move it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartSpec {
    /// At this time.
    At(Duration),
    /// Uniformly between the two times, both included.
    Uniform(Duration, Duration),
}

impl JsonSchema for StartSpec {
    fn schema_name() -> Cow<'static, str> {
        "StartSpec".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let d = g.subschema_for::<Duration>();
        json_schema!({
            "description": "A start time: a duration such as \"2s\", or {\"uniform\": [from, to]} for a time drawn uniformly between two durations (both included) from the run's seed.",
            "anyOf": [
                d,
                {
                    "type": "object",
                    "properties": {"uniform": {"type": "array", "items": d, "minItems": 2, "maxItems": 2}},
                    "required": ["uniform"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// The object form of [`StartSpec`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UniformStart {
    uniform: [Duration; 2],
}

/// By hand rather than `untagged`, so a mistake inside keeps its own
/// message and path.
impl<'de> Deserialize<'de> for StartSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StartSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as \"2s\" or {\"uniform\": [\"0s\", \"1s\"]}")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<StartSpec, E> {
                sim_core::parse_duration(v)
                    .map(|d| StartSpec::At(Duration(d)))
                    .map_err(E::custom)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, m: A) -> Result<StartSpec, A::Error> {
                let u = UniformStart::deserialize(de::value::MapAccessDeserializer::new(m))?;
                Ok(StartSpec::Uniform(u.uniform[0], u.uniform[1]))
            }
        }
        d.deserialize_any(V)
    }
}
