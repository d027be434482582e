//! A histogram of values in bounded memory, for the percentiles of
//! observations that come in large numbers: a UDP sink's one-way delays,
//! a TCP connection's RTT samples (one per ACK in a bulk transfer).

use std::collections::BTreeMap;

/// Sub-buckets per power of two in [`Histogram`]: 2^10, so a bucket spans at
/// most 1/1024 of its values.
const SUB_BITS: u32 = 10;

/// Values (times in nanoseconds) in memory that does not grow with their
/// number: a log-linear histogram (HDR-style: exact below 1024 ns, then 1024
/// buckets for each power of two), each bucket with its count and sum,
/// beside the exact count, sum, minimum and maximum. A percentile is the
/// mean of the values in the bucket that holds its rank: exact when they
/// are all equal (a path without queueing), and otherwise within 1/1024
/// of the true value. A bucket exists only once a value fell in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Histogram {
    buckets: BTreeMap<u32, (u64, u128)>,
    n: u64,
    sum: u128,
    min: Option<u64>,
    max: Option<u64>,
}

impl Histogram {
    /// Values added.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// The least value; `None` without a value.
    pub fn min(&self) -> Option<u64> {
        self.min
    }

    /// The greatest value; `None` without a value.
    pub fn max(&self) -> Option<u64> {
        self.max
    }

    /// The bucket of `v`: monotone in `v`.
    fn bucket(v: u64) -> u32 {
        if v < 1 << SUB_BITS {
            return v as u32;
        }
        let e = 63 - v.leading_zeros();
        let m = (v >> (e - SUB_BITS)) & ((1 << SUB_BITS) - 1);
        ((e - SUB_BITS + 1) << SUB_BITS) | m as u32
    }

    /// Adds a value.
    pub fn push(&mut self, v: u64) {
        let b = self.buckets.entry(Histogram::bucket(v)).or_default();
        b.0 += 1;
        b.1 += u128::from(v);
        self.n += 1;
        self.sum += u128::from(v);
        self.min = Some(self.min.map_or(v, |m| m.min(v)));
        self.max = Some(self.max.map_or(v, |m| m.max(v)));
    }

    /// The mean in whole units; `None` without a value.
    pub fn mean(&self) -> Option<u64> {
        (self.n > 0).then(|| (self.sum / u128::from(self.n)) as u64)
    }

    /// The nearest-rank percentile `p` (as the page times), from the
    /// bucket that holds it.
    pub fn percentile(&self, p: u64) -> Option<u64> {
        if self.n == 0 {
            return None;
        }
        let rank = (self.n * p).div_ceil(100).max(1);
        let mut seen = 0;
        for &(count, sum) in self.buckets.values() {
            seen += count;
            if seen >= rank {
                return Some((sum / u128::from(count)) as u64);
            }
        }
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::RngStream;

    /// Buckets keep their order, and a percentile is within 1/1024 of the
    /// exact nearest-rank value, however spread the delays; equal delays
    /// give the exact value.
    #[test]
    fn delay_percentiles_are_close_in_bounded_memory() {
        let mut values: Vec<u64> = (0..5_000u64)
            .chain((10..64).flat_map(|k| [(1u64 << k) - 1, 1 << k, (1 << k) + 1]))
            .chain([u64::MAX])
            .collect();
        values.sort_unstable();
        for w in values.windows(2) {
            assert!(Histogram::bucket(w[0]) <= Histogram::bucket(w[1]), "{w:?}");
        }
        let mut rng = RngStream::derive(9, "delays");
        let mut d = Histogram::default();
        let mut exact = Vec::new();
        for _ in 0..50_000 {
            let v = 1_000_000 + rng.below(400_000_000);
            d.push(v);
            exact.push(v);
        }
        exact.sort_unstable();
        for p in [1, 50, 95, 99] {
            let want = exact[(exact.len() * p).div_ceil(100) - 1] as f64;
            let got = d.percentile(p as u64).unwrap() as f64;
            assert!((got - want).abs() <= want / 1024.0, "p{p}: {got} vs {want}");
        }
        assert!(d.buckets.len() < 8 * 1024, "{} buckets", d.buckets.len());
        let mut same = Histogram::default();
        for _ in 0..10 {
            same.push(123_456_789);
        }
        assert_eq!(same.percentile(50), Some(123_456_789));
        assert_eq!(same.percentile(95), Some(123_456_789));
    }
}
