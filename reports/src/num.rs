//! Numbers as text without `core::fmt`: the writers format hundreds of
//! thousands of integers and times a second, and these append exactly the
//! bytes of `{}` on a `u64`, an `i64` and a [`sim_core::SimDuration`],
//! straight into the line being built; and short fixed pieces of text
//! ([`Piece`]) appended the same cheap way.

/// Two decimal digits of every number below 100.
const PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// The decimal digits of `n`, at least `width` of them (zero-padded;
/// `width` is at most 20), at the front of twenty bytes, and their count.
#[inline]
fn digits(mut n: u64, width: usize) -> ([u8; 20], usize) {
    // The digits are written from the right into the first half of a
    // buffer of zeros, four at a time (one division by 10 000, two pairs
    // from the table) while the number is large; the twenty bytes ending
    // with the last digit are the answer. No count of the digits
    // beforehand, no copy of variable length (a `memcpy` call).
    let mut buf = [b'0'; 40];
    let mut i = 20;
    while n >= 10_000 {
        let r = (n % 10_000) as usize;
        n /= 10_000;
        let (hi, lo) = (r / 100 * 2, r % 100 * 2);
        buf[i - 4..i - 2].copy_from_slice(&PAIRS[hi..hi + 2]);
        buf[i - 2..i].copy_from_slice(&PAIRS[lo..lo + 2]);
        i -= 4;
    }
    let mut n = n as usize;
    if n >= 100 {
        let d = n % 100 * 2;
        n /= 100;
        buf[i - 2..i].copy_from_slice(&PAIRS[d..d + 2]);
        i -= 2;
    }
    if n >= 10 {
        let d = n * 2;
        buf[i - 2..i].copy_from_slice(&PAIRS[d..d + 2]);
        i -= 2;
    } else {
        buf[i - 1] = b'0' + n as u8;
        i -= 1;
    }
    let len = (20 - i).max(width.min(20));
    let from = 20 - len;
    let digits: [u8; 20] = buf[from..from + 20]
        .try_into()
        .expect("twenty bytes of a forty-byte buffer");
    (digits, len)
}

/// Appends the first `len` of twenty bytes with one fixed-size copy and
/// cuts the line back.
#[inline]
fn put_front(out: &mut Vec<u8>, bytes: &[u8; 20], len: usize) {
    let start = out.len();
    out.extend_from_slice(bytes);
    out.truncate(start + len);
}

/// Appends the decimal digits of `n`, at least `width` of them
/// (zero-padded; `width` is at most 20).
fn put_padded(out: &mut Vec<u8>, n: u64, width: usize) {
    let (d, len) = digits(n, width);
    put_front(out, &d, len);
}

/// The digits of the last number written for each of a few slots (a
/// writer's slot is a [`sim_core::Field`]): a field often holds the same
/// number in record after record (ports, sizes, a packet's id and sequence
/// number on its enqueue and its transmission), and then its digits are
/// copied instead of computed again.
#[derive(Debug, Clone)]
pub(crate) struct DigitCache {
    slots: Vec<Slot>,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    n: u64,
    len: u8,
    digits: [u8; 20],
}

impl DigitCache {
    /// A cache of `slots` slots.
    pub(crate) fn new(slots: usize) -> Self {
        let (digits, len) = digits(0, 0);
        DigitCache {
            slots: vec![
                Slot {
                    n: 0,
                    len: len as u8,
                    digits
                };
                slots
            ],
        }
    }

    /// Appends `n` as [`put_u64`] does, through slot `slot`.
    #[inline]
    pub(crate) fn put_u64(&mut self, out: &mut Vec<u8>, slot: usize, n: u64) {
        let Some(s) = self.slots.get_mut(slot) else {
            return put_u64(out, n);
        };
        if s.n != n {
            let (d, len) = digits(n, 0);
            *s = Slot {
                n,
                len: len as u8,
                digits: d,
            };
        }
        put_front(out, &s.digits, usize::from(s.len));
    }
}

/// A short, fixed piece of text (a key, a kind, a node name) written with
/// one fixed-size copy, like the digits of [`put_u64`].
#[derive(Debug, Clone)]
pub(crate) struct Piece {
    /// The text, padded, when it fits.
    short: [u8; Piece::MAX],
    /// The text.
    text: Box<[u8]>,
}

impl Piece {
    const MAX: usize = 32;

    pub(crate) fn new(text: &[u8]) -> Self {
        let mut short = [0; Piece::MAX];
        if text.len() <= Piece::MAX {
            short[..text.len()].copy_from_slice(text);
        }
        Piece {
            short,
            text: text.into(),
        }
    }
}

/// Appends `p`.
pub(crate) fn put_piece(out: &mut Vec<u8>, p: &Piece) {
    let len = p.text.len();
    if len <= Piece::MAX {
        let start = out.len();
        out.extend_from_slice(&p.short);
        out.truncate(start + len);
    } else {
        out.extend_from_slice(&p.text);
    }
}

/// Appends `n` as `format!("{n}")` writes it.
pub(crate) fn put_u64(out: &mut Vec<u8>, n: u64) {
    put_padded(out, n, 0);
}

/// Appends `n` as `format!("{n}")` writes it.
pub(crate) fn put_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    put_padded(out, n.unsigned_abs(), 0);
}

/// Appends `ns` nanoseconds as `SimDuration(ns)` displays: the largest
/// unit that keeps the value at least 1, exact, trailing zeros of the
/// fraction dropped (`10.12ms`, `2s`, `250us`, `7ns`, `0s`).
pub(crate) fn put_duration(out: &mut Vec<u8>, ns: u64) {
    put_duration_right(out, ns, 0);
}

/// [`put_duration`], right-aligned in `width` columns (at most 32): spaces
/// first when it is shorter, as `{:>width$}` pads.
pub(crate) fn put_duration_right(out: &mut Vec<u8>, ns: u64, width: usize) {
    let (unit_ns, unit, digits): (u64, &[u8], usize) = match ns {
        0 => (1, b"s", 0),
        n if n >= 1_000_000_000 => (1_000_000_000, b"s", 9),
        n if n >= 1_000_000 => (1_000_000, b"ms", 6),
        n if n >= 1_000 => (1_000, b"us", 3),
        _ => (1, b"ns", 0),
    };
    let whole = ns / unit_ns;
    let mut frac = ns % unit_ns;
    let mut digits = digits;
    if frac != 0 {
        while frac.is_multiple_of(10) {
            frac /= 10;
            digits -= 1;
        }
    }
    let len = whole.checked_ilog10().unwrap_or(0) as usize
        + 1
        + if frac != 0 { 1 + digits } else { 0 }
        + unit.len();
    if len < width {
        let start = out.len();
        out.extend_from_slice(&[b' '; 32]);
        out.truncate(start + width - len);
    }
    put_u64(out, whole);
    if frac != 0 {
        out.push(b'.');
        put_padded(out, frac, digits);
    }
    out.extend_from_slice(unit);
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

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = b"x".to_vec();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn integers_read_as_display_writes_them() {
        for n in samples() {
            assert_eq!(text(|o| put_u64(o, n)), format!("x{n}"));
            let i = n as i64;
            assert_eq!(text(|o| put_i64(o, i)), format!("x{i}"));
        }
        assert_eq!(text(|o| put_i64(o, i64::MIN)), format!("x{}", i64::MIN));
    }

    #[test]
    fn cached_digits_read_as_display_writes_them() {
        let mut cache = DigitCache::new(3);
        for (i, n) in samples().into_iter().enumerate() {
            // Repeats and changes, in every slot and one past the last.
            for slot in [i % 3, (i / 2) % 3, 3] {
                assert_eq!(text(|o| cache.put_u64(o, slot, n)), format!("x{n}"));
            }
        }
    }

    #[test]
    fn pieces_read_as_written() {
        for len in [0, 1, 31, 32, 33, 100] {
            let text: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let p = Piece::new(&text);
            let mut out = b"x".to_vec();
            put_piece(&mut out, &p);
            assert_eq!(out[1..], text);
        }
    }

    #[test]
    fn durations_read_as_display_writes_them() {
        for n in samples() {
            let want = format!("x{}", SimDuration(n));
            assert_eq!(text(|o| put_duration(o, n)), want);
            let want = format!("x{:>12}", SimDuration(n).to_string());
            assert_eq!(text(|o| put_duration_right(o, n, 12)), want);
        }
    }
}
