//! Random quantities an application draws as it runs: a UDP sender's on
//! and off periods, a web server's response sizes, a client's think times.
//! One type for all of them, in whole units (nanoseconds or bytes), so
//! each distribution is written, checked and tested once.
//!
//! Draws use `libm` and integer arithmetic, so a value is the same on
//! every platform, and come only from the [`RngStream`] the caller passes
//! (a stream named after the host and application: docs/ARCHITECTURE.md,
//! "Determinism").

use std::sync::Arc;

use sim_core::RngStream;

/// How a quantity is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Dist {
    /// Always this; draws nothing.
    Constant(u64),
    /// Uniformly in `lo..=hi` (an integer draw).
    Uniform {
        /// The least value.
        lo: u64,
        /// The greatest value.
        hi: u64,
    },
    /// Exponential with this mean.
    Exponential {
        /// The mean.
        mean: u64,
    },
    /// Pareto with this mean and shape (greater than 1, or the mean is
    /// infinite): scale `mean * (shape - 1) / shape`, as ns-3's
    /// `ParetoRandomVariable` sets it from a mean.
    Pareto {
        /// The mean.
        mean: u64,
        /// The shape (tail index).
        shape: f64,
    },
    /// An empirical distribution by its cumulative distribution function:
    /// (value, probability of a draw at most that value) points, values
    /// and probabilities ascending, the last probability 1. A draw below
    /// the first point's probability is its value; between two points the
    /// value is interpolated linearly, as ns-3's
    /// `EmpiricalRandomVariable` does (and the data-centre workload CDFs
    /// it is fed with assume).
    Empirical(Arc<[(u64, f64)]>),
}

/// No draw is greater than this (about 146 years in nanoseconds): far
/// beyond any run, and clear of overflow when added to a time.
pub const MAX_DRAW: u64 = 4_600_000_000_000_000_000;

impl Dist {
    /// A value drawn from `rng`, at most [`MAX_DRAW`].
    pub fn draw(&self, rng: &mut RngStream) -> u64 {
        let x = match self {
            Dist::Constant(v) => return *v,
            Dist::Uniform { lo, hi } => return lo + rng.below((hi - lo).saturating_add(1)),
            Dist::Exponential { mean } => rng.exponential(*mean as f64),
            Dist::Pareto { mean, shape } => {
                let scale = *mean as f64 * (shape - 1.0) / shape;
                // Inverse transform; 1 - u is in (0, 1].
                scale / libm::pow(1.0 - rng.uniform(), 1.0 / shape)
            }
            Dist::Empirical(points) => empirical(points, rng.uniform()),
        };
        libm::round(x.clamp(0.0, MAX_DRAW as f64)) as u64
    }

    /// The value when it is a constant.
    pub fn constant(&self) -> Option<u64> {
        match self {
            Dist::Constant(v) => Some(*v),
            _ => None,
        }
    }

    /// The greatest value it can draw ([`MAX_DRAW`] for the unbounded
    /// ones).
    pub fn max(&self) -> u64 {
        match self {
            Dist::Constant(v) | Dist::Uniform { hi: v, .. } => *v,
            Dist::Exponential { .. } | Dist::Pareto { .. } => MAX_DRAW,
            Dist::Empirical(p) => p.last().map_or(0, |(v, _)| *v),
        }
    }
}

/// The value at cumulative probability `u` of a checked CDF.
fn empirical(points: &[(u64, f64)], u: f64) -> f64 {
    let mut prev: Option<(u64, f64)> = None;
    for &(v, p) in points {
        if u < p {
            return match prev {
                None => v as f64,
                Some((v0, p0)) => v0 as f64 + (v - v0) as f64 * (u - p0) / (p - p0),
            };
        }
        prev = Some((v, p));
    }
    points.last().map_or(0.0, |(v, _)| *v as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(d: &Dist, n: usize) -> Vec<u64> {
        let mut rng = RngStream::derive(7, "dist/test");
        (0..n).map(|_| d.draw(&mut rng)).collect()
    }

    fn mean(v: &[u64]) -> f64 {
        v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64
    }

    #[test]
    fn means_are_near_the_asked_mean() {
        let n = 20_000;
        let e = draws(&Dist::Exponential { mean: 1_000_000 }, n);
        assert!((mean(&e) / 1e6 - 1.0).abs() < 0.03, "{}", mean(&e));
        let p = draws(
            &Dist::Pareto {
                mean: 1_000_000,
                shape: 2.5,
            },
            n,
        );
        assert!((mean(&p) / 1e6 - 1.0).abs() < 0.1, "{}", mean(&p));
        // Pareto never draws below its scale, mean (shape - 1) / shape.
        assert!(p.iter().all(|&x| x >= 600_000));
        let u = draws(&Dist::Uniform { lo: 10, hi: 20 }, n);
        assert!(u.iter().all(|x| (10..=20).contains(x)));
        assert!(u.contains(&10) && u.contains(&20), "both ends included");
        assert_eq!(draws(&Dist::Constant(5), 3), [5, 5, 5]);
    }

    #[test]
    fn an_empirical_cdf_interpolates_between_its_points() {
        let cdf: Arc<[(u64, f64)]> = vec![(100, 0.5), (1_100, 1.0)].into();
        assert_eq!(empirical(&cdf, 0.0), 100.0);
        assert_eq!(empirical(&cdf, 0.49), 100.0);
        assert_eq!(empirical(&cdf, 0.75), 600.0);
        let d = draws(&Dist::Empirical(cdf), 20_000);
        let half = d.iter().filter(|&&x| x == 100).count() as f64 / d.len() as f64;
        assert!((half - 0.5).abs() < 0.02, "{half}");
        assert!(d.iter().all(|x| (100..=1_100).contains(x)));
        // Uniform between the points: the mean of the upper half is 600.
        let upper: Vec<u64> = d.into_iter().filter(|&x| x > 100).collect();
        assert!((mean(&upper) - 600.0).abs() < 15.0, "{}", mean(&upper));
    }

    #[test]
    fn the_same_stream_draws_the_same_values() {
        let d = Dist::Exponential { mean: 1_000 };
        assert_eq!(draws(&d, 50), draws(&d, 50));
        let mut other = RngStream::derive(8, "dist/test");
        let o: Vec<u64> = (0..50).map(|_| d.draw(&mut other)).collect();
        assert_ne!(o, draws(&d, 50), "another seed, other values");
    }
}
