//! Numbers as text without `core::fmt`: the writers format hundreds of
//! thousands of integers and times a second, and these give exactly the
//! bytes of `{}` on a `u64`, an `i64` and a [`sim_core::SimDuration`].

/// Two decimal digits of every number below 100.
const PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// A short piece of ASCII text built on the stack, read back as `&str`.
pub(crate) struct Small {
    buf: [u8; 48],
    start: usize,
}

impl Small {
    fn new() -> Self {
        Small {
            buf: [0; 48],
            start: 48,
        }
    }

    /// Puts `b` in front of what is there.
    fn prepend(&mut self, b: &[u8]) {
        self.start -= b.len();
        self.buf[self.start..self.start + b.len()].copy_from_slice(b);
    }

    /// Puts the decimal digits of `n` in front, at least `width` of them
    /// (zero-padded).
    fn prepend_u64(&mut self, mut n: u64, width: usize) {
        let end = self.start;
        while n >= 100 {
            let d = (n % 100) as usize * 2;
            n /= 100;
            self.prepend(&PAIRS[d..d + 2]);
        }
        if n >= 10 {
            let d = n as usize * 2;
            self.prepend(&PAIRS[d..d + 2]);
        } else {
            self.prepend(&[b'0' + n as u8]);
        }
        while end - self.start < width {
            self.prepend(b"0");
        }
    }

    /// The text.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// The text as a `str` (it is ASCII).
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

/// `n` as `format!("{n}")` writes it.
pub(crate) fn u64(n: u64) -> Small {
    let mut s = Small::new();
    s.prepend_u64(n, 0);
    s
}

/// `n` as `format!("{n}")` writes it.
pub(crate) fn i64(n: i64) -> Small {
    let mut s = Small::new();
    s.prepend_u64(n.unsigned_abs(), 0);
    if n < 0 {
        s.prepend(b"-");
    }
    s
}

/// `ns` nanoseconds as `SimDuration(ns)` displays: the largest unit that
/// keeps the value at least 1, exact, trailing zeros of the fraction
/// dropped (`10.12ms`, `2s`, `250us`, `7ns`, `0s`).
pub(crate) fn duration(ns: u64) -> Small {
    let mut s = Small::new();
    let (unit_ns, unit, digits): (u64, &[u8], usize) = match ns {
        0 => {
            s.prepend(b"0s");
            return s;
        }
        n if n >= 1_000_000_000 => (1_000_000_000, b"s", 9),
        n if n >= 1_000_000 => (1_000_000, b"ms", 6),
        n if n >= 1_000 => (1_000, b"us", 3),
        n => {
            s.prepend(b"ns");
            s.prepend_u64(n, 0);
            return s;
        }
    };
    s.prepend(unit);
    let mut frac = ns % unit_ns;
    if frac != 0 {
        let mut digits = digits;
        while frac.is_multiple_of(10) {
            frac /= 10;
            digits -= 1;
        }
        s.prepend_u64(frac, digits);
        s.prepend(b".");
    }
    s.prepend_u64(ns / unit_ns, 0);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::SimDuration;

    /// Values around every power of ten and a spread between.
    fn samples() -> Vec<u64> {
        let mut v = vec![0, 1, 9, 10, 11, 99, 100, 101, u64::MAX, u64::MAX - 1];
        let mut p = 1u64;
        while let Some(q) = p.checked_mul(10) {
            v.extend([p - 1, p, p + 1, q - 1, p * 3 + 7, p * 5]);
            p = q;
        }
        let mut x = 0x1234_5678_9abc_def1u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v.extend([x, x >> (x % 64), (x >> 40) * 1_000, (x >> 34) * 1_000_000]);
        }
        v
    }

    #[test]
    fn integers_read_as_display_writes_them() {
        for n in samples() {
            assert_eq!(u64(n).as_str(), n.to_string());
            let i = n as i64;
            assert_eq!(i64(i).as_str(), i.to_string());
        }
        assert_eq!(i64(i64::MIN).as_str(), i64::MIN.to_string());
    }

    #[test]
    fn durations_read_as_display_writes_them() {
        for n in samples() {
            assert_eq!(duration(n).as_str(), SimDuration(n).to_string(), "{n}");
        }
    }
}
