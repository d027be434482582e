//! Summary statistics of a metric over a batch, computed exactly: mean,
//! sample standard deviation (n - 1 in the denominator), min, max, and
//! percentiles by the nearest-rank method (the p-th percentile is the value
//! at rank ceil(p/100 * n) of the sorted values). Non-finite values are
//! left out and counted.

use serde::Serialize;

use crate::format::Stat;

/// Statistics of one metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Values summarised.
    pub count: usize,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation; 0 for fewer than two values.
    pub std: f64,
    /// Smallest.
    pub min: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest.
    pub max: f64,
}

/// The nearest-rank percentile of sorted values.
fn rank(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    let r = ((p / 100.0) * n as f64).ceil() as usize;
    sorted[r.clamp(1, n) - 1]
}

impl Summary {
    /// Summarises `values`; `None` when no value is finite.
    pub fn of(values: &[f64]) -> Option<Summary> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let n = v.len();
        // Summing in sorted order makes the result independent of the order
        // runs finished in.
        let mean = v.iter().sum::<f64>() / n as f64;
        let std = if n > 1 {
            (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        Some(Summary {
            count: n,
            mean,
            std,
            min: v[0],
            p50: rank(&v, 50.0),
            p90: rank(&v, 90.0),
            p99: rank(&v, 99.0),
            max: v[n - 1],
        })
    }

    /// One statistic by name.
    pub fn get(&self, s: Stat) -> f64 {
        match s {
            Stat::Mean => self.mean,
            Stat::Std => self.std,
            Stat::Min => self.min,
            Stat::P50 => self.p50,
            Stat::P90 => self.p90,
            Stat::P99 => self.p99,
            Stat::Max => self.max,
        }
    }

    /// The nearest-rank percentile `p` of `values` (for plots' bands).
    pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        Some(rank(&v, p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_hand_computed_values() {
        // 1..=10: mean 5.5; sample variance = sum((x-5.5)^2)/9 = 82.5/9.
        let v: Vec<f64> = (1..=10).map(f64::from).collect();
        let s = Summary::of(&v).unwrap();
        assert_eq!(s.count, 10);
        assert_eq!(s.mean, 5.5);
        assert!((s.std - (82.5f64 / 9.0).sqrt()).abs() < 1e-12);
        assert_eq!((s.min, s.max), (1.0, 10.0));
        // Nearest rank: p50 -> rank 5, p90 -> rank 9, p99 -> rank 10.
        assert_eq!((s.p50, s.p90, s.p99), (5.0, 9.0, 10.0));
    }

    #[test]
    fn percentiles_of_a_hundred_values() {
        let v: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        let s = Summary::of(&v).unwrap();
        assert_eq!((s.p50, s.p90, s.p99), (50.0, 90.0, 99.0));
    }

    #[test]
    fn one_value_and_non_finite_values() {
        let s = Summary::of(&[f64::NAN, 7.0, f64::INFINITY]).unwrap();
        assert_eq!(s.count, 1);
        assert_eq!((s.mean, s.std, s.p99), (7.0, 0.0, 7.0));
        assert!(Summary::of(&[f64::NAN]).is_none());
    }
}
