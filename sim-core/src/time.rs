//! Simulated time and data rates.
//!
//! Time is an integer count of nanoseconds so that event order never depends
//! on floating-point rounding (docs/ARCHITECTURE.md, "Determinism").
//! Durations and rates are parsed from the human forms that scenario files
//! use (`"10ms"`, `"1.5s"`, `"100Mbps"`) with integer arithmetic only.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

use thiserror::Error;

/// A point in simulated time, in nanoseconds since the start of the run.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct SimTime(pub u64);

/// A span of simulated time, in nanoseconds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);
    /// Later than any event; used as "never".
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// Nanoseconds since the start of the run.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// Time elapsed since `earlier`, or zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A duration of `n` nanoseconds.
    pub const fn from_nanos(n: u64) -> Self {
        SimDuration(n)
    }
    /// A duration of `n` microseconds.
    pub const fn from_micros(n: u64) -> Self {
        SimDuration(n * 1_000)
    }
    /// A duration of `n` milliseconds.
    pub const fn from_millis(n: u64) -> Self {
        SimDuration(n * 1_000_000)
    }
    /// A duration of `n` seconds.
    pub const fn from_secs(n: u64) -> Self {
        SimDuration(n * 1_000_000_000)
    }
    /// Length in nanoseconds.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    /// Saturates at [`SimTime::MAX`] so that "never" stays "never".
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    /// Panics in debug builds if `rhs` is later; use
    /// [`SimTime::saturating_since`] where that can happen.
    fn sub(self, rhs: SimTime) -> SimDuration {
        debug_assert!(self >= rhs, "time went backwards: {self} - {rhs}");
        SimDuration(self.0.saturating_sub(rhs.0))
    }
}

/// Writes `ns` nanoseconds as a decimal number of `unit_ns`-sized units with
/// trailing zeros trimmed (`10.12ms`, `1.5s`, `250us`).
fn write_scaled(f: &mut fmt::Formatter<'_>, ns: u64, unit_ns: u64, unit: &str) -> fmt::Result {
    let whole = ns / unit_ns;
    let mut frac = ns % unit_ns;
    if frac == 0 {
        return write!(f, "{whole}{unit}");
    }
    // The fraction's digits, trailing zeros dropped, without allocating.
    let mut digits = unit_ns.ilog10() as usize;
    while frac.is_multiple_of(10) {
        frac /= 10;
        digits -= 1;
    }
    write!(f, "{whole}.{frac:0digits$}{unit}")
}

impl fmt::Display for SimDuration {
    /// The largest unit that keeps the value at least 1, exact to the
    /// nanosecond: `10.12ms`, `2s`, `250us`, `7ns`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        match ns {
            0 => f.write_str("0s"),
            n if n >= 1_000_000_000 => write_scaled(f, n, 1_000_000_000, "s"),
            n if n >= 1_000_000 => write_scaled(f, n, 1_000_000, "ms"),
            n if n >= 1_000 => write_scaled(f, n, 1_000, "us"),
            n => write!(f, "{n}ns"),
        }
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == SimTime::MAX {
            return f.write_str("never");
        }
        SimDuration(self.0).fmt(f)
    }
}

/// A data rate in bits per second.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Rate(pub u64);

impl Rate {
    /// The time to serialise `bytes` onto a link at this rate, rounded up to
    /// the next nanosecond so that a packet is never on the wire for less time
    /// than it takes.
    pub fn transmit_time(self, bytes: u32) -> SimDuration {
        let bits = u128::from(bytes) * 8 * 1_000_000_000;
        let rate = u128::from(self.0.max(1));
        SimDuration(bits.div_ceil(rate).min(u128::from(u64::MAX)) as u64)
    }
    /// Bits per second.
    pub const fn bits_per_sec(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bps = self.0;
        let (unit_bps, unit) = match bps {
            n if n >= 1_000_000_000 => (1_000_000_000, "Gbps"),
            n if n >= 1_000_000 => (1_000_000, "Mbps"),
            n if n >= 1_000 => (1_000, "kbps"),
            _ => (1, "bps"),
        };
        write_scaled(f, bps, unit_bps, unit)
    }
}

/// Why a duration or rate string could not be read.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ParseQuantityError {
    /// The text is not a number followed by a known unit.
    #[error("{text:?} is not a {what} (expected a number and a unit, like {example})")]
    Malformed {
        /// The rejected text.
        text: String,
        /// "duration" or "rate".
        what: &'static str,
        /// An example of a valid value.
        example: &'static str,
    },
    /// The number is negative.
    #[error("{text:?} is negative; a {what} must be zero or more")]
    Negative {
        /// The rejected text.
        text: String,
        /// "duration" or "rate".
        what: &'static str,
    },
    /// The value has more precision than the base unit can hold, or is too big.
    #[error("{text:?} {reason}")]
    OutOfRange {
        /// The rejected text.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Parses `number unit` where number is a non-negative decimal and `unit_scale`
/// maps a unit suffix to the number of base units (ns, bit/s) it stands for.
fn parse_scaled(
    text: &str,
    what: &'static str,
    example: &'static str,
    unit_scale: impl Fn(&str) -> Option<u64>,
) -> Result<u64, ParseQuantityError> {
    let malformed = || ParseQuantityError::Malformed {
        text: text.to_string(),
        what,
        example,
    };
    let t = text.trim();
    if t.starts_with('-') {
        return Err(ParseQuantityError::Negative {
            text: text.to_string(),
            what,
        });
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .ok_or_else(malformed)?;
    let (num, unit) = t.split_at(split);
    let scale = unit_scale(unit.trim()).ok_or_else(malformed)?;
    let (int_part, frac_part) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(malformed());
    }
    if frac_part.contains('.') {
        return Err(malformed());
    }
    let too_big = || ParseQuantityError::OutOfRange {
        text: text.to_string(),
        reason: "is too large",
    };
    let int: u128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().map_err(|_| too_big())?
    };
    let mut value = int.checked_mul(u128::from(scale)).ok_or_else(too_big)?;
    // The fraction in base units: digits * scale / 10^len, which must be whole.
    if !frac_part.is_empty() {
        if frac_part.len() > 30 {
            return Err(malformed());
        }
        let digits: u128 = frac_part.parse().map_err(|_| malformed())?;
        let denom = 10u128.pow(frac_part.len() as u32);
        let scaled = digits * u128::from(scale);
        if !scaled.is_multiple_of(denom) {
            return Err(ParseQuantityError::OutOfRange {
                text: text.to_string(),
                reason: "is finer than the smallest unit (1ns, or 1bps)",
            });
        }
        value += scaled / denom;
    }
    u64::try_from(value).map_err(|_| too_big())
}

/// Reads a duration such as `"10ms"`, `"1.5s"`, `"250us"`, `"7ns"` or `"2min"`.
pub fn parse_duration(text: &str) -> Result<SimDuration, ParseQuantityError> {
    parse_scaled(text, "duration", "\"10ms\" or \"1.5s\"", |u| match u {
        "ns" => Some(1),
        "us" | "µs" => Some(1_000),
        "ms" => Some(1_000_000),
        "s" => Some(1_000_000_000),
        "min" => Some(60_000_000_000),
        "h" => Some(3_600_000_000_000),
        _ => None,
    })
    .map(SimDuration)
}

/// Reads a rate such as `"100Mbps"`, `"1Gbps"`, `"56kbps"` or `"9600bps"`
/// (decimal prefixes, bits per second).
pub fn parse_rate(text: &str) -> Result<Rate, ParseQuantityError> {
    let r = parse_scaled(text, "rate", "\"100Mbps\" or \"1Gbps\"", |u| match u {
        "bps" => Some(1),
        "kbps" | "Kbps" => Some(1_000),
        "Mbps" => Some(1_000_000),
        "Gbps" => Some(1_000_000_000),
        "Tbps" => Some(1_000_000_000_000),
        _ => None,
    })?;
    if r == 0 {
        return Err(ParseQuantityError::OutOfRange {
            text: text.to_string(),
            reason: "is zero: a rate must be above 0 (leave a link's bandwidth out for an unlimited link)",
        });
    }
    Ok(Rate(r))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations_exactly() {
        assert_eq!(parse_duration("10ms").unwrap(), SimDuration(10_000_000));
        assert_eq!(parse_duration("1.5s").unwrap(), SimDuration(1_500_000_000));
        assert_eq!(parse_duration("250us").unwrap(), SimDuration(250_000));
        assert_eq!(parse_duration("7ns").unwrap(), SimDuration(7));
        assert_eq!(parse_duration("0.001ms").unwrap(), SimDuration(1_000));
        assert_eq!(
            parse_duration("2min").unwrap(),
            SimDuration(120_000_000_000)
        );
        assert_eq!(parse_duration(" 3 ms ").unwrap(), SimDuration(3_000_000));
        assert_eq!(parse_duration("0s").unwrap(), SimDuration(0));
    }

    #[test]
    fn rejects_bad_durations_with_reasons() {
        for bad in ["10 parsecs", "ms", "", "1.2.3s", "10", "abc"] {
            let e = parse_duration(bad).unwrap_err();
            assert!(
                matches!(e, ParseQuantityError::Malformed { .. }),
                "{bad}: {e}"
            );
        }
        assert!(matches!(
            parse_duration("-5ms").unwrap_err(),
            ParseQuantityError::Negative { .. }
        ));
        assert!(matches!(
            parse_duration("0.5ns").unwrap_err(),
            ParseQuantityError::OutOfRange { .. }
        ));
        assert!(matches!(
            parse_duration("99999999999999h").unwrap_err(),
            ParseQuantityError::OutOfRange { .. }
        ));
        assert_eq!(
            parse_duration("10 parsecs").unwrap_err().to_string(),
            "\"10 parsecs\" is not a duration (expected a number and a unit, like \"10ms\" or \"1.5s\")"
        );
    }

    #[test]
    fn parses_rates() {
        assert_eq!(parse_rate("100Mbps").unwrap(), Rate(100_000_000));
        assert_eq!(parse_rate("1Gbps").unwrap(), Rate(1_000_000_000));
        assert_eq!(parse_rate("1.5Mbps").unwrap(), Rate(1_500_000));
        assert_eq!(parse_rate("56kbps").unwrap(), Rate(56_000));
        assert!(parse_rate("0Mbps").is_err());
        assert!(parse_rate("100MB/s").is_err());
    }

    #[test]
    fn displays_round_trip() {
        for s in ["10.12ms", "1.5s", "250us", "7ns", "2s", "0s"] {
            assert_eq!(parse_duration(s).unwrap().to_string(), s);
        }
        for s in ["100Mbps", "1Gbps", "1.5Mbps", "56kbps"] {
            assert_eq!(parse_rate(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn serialisation_delay_is_exact() {
        // 1500 bytes at 100 Mbps = 12,000 bits / 1e8 bit/s = 120 us.
        assert_eq!(Rate(100_000_000).transmit_time(1500), SimDuration(120_000));
        // Rounded up: 1 byte at 3 bps is 2.666..s.
        assert_eq!(Rate(3).transmit_time(1), SimDuration(2_666_666_667));
    }
}
