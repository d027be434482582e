//! Distributions in a scenario (a UDP sender's periods, an HTTP server's
//! response sizes, a client's think times), checked once for all of them
//! and turned into `sim_apps::dist::Dist`.

use sim_apps::dist::Dist;

use crate::error::InputError;
use crate::format::{PeriodSpec, SizeDistSpec, SizeSpec};

/// A period's distribution, checked: a constant or a mean above 0, and
/// the checks of [`checked`].
pub(super) fn period(p: &PeriodSpec, path: &str) -> Result<Dist, InputError> {
    let ns = |d: &crate::format::Duration| d.0.as_nanos();
    let d = match p {
        PeriodSpec::Constant(d) => {
            if d.0.as_nanos() == 0 {
                return Err(InputError::at(
                    format!("{path}.constant"),
                    "a period of 0 is not a period: give more than 0",
                ));
            }
            Dist::Constant(ns(d))
        }
        PeriodSpec::Uniform([lo, hi]) => Dist::Uniform {
            lo: ns(lo),
            hi: ns(hi),
        },
        PeriodSpec::Exponential(d) => Dist::Exponential { mean: ns(d) },
        PeriodSpec::Pareto(p) => Dist::Pareto {
            mean: ns(&p.mean),
            shape: p.shape,
        },
        PeriodSpec::Cdf(points) => {
            Dist::Empirical(points.iter().map(|(d, p)| (ns(d), *p)).collect())
        }
    };
    checked(
        d,
        path,
        "a period of 0 is not a period: give a mean above 0",
    )
}

/// A size in bytes, a constant at most `max` or a distribution (whose
/// draws the model cuts at its own bound).
pub(super) fn size(s: &SizeSpec, path: &str, max: u64) -> Result<Dist, InputError> {
    let d = match s {
        SizeSpec::Bytes(n) => {
            if *n > max {
                return Err(InputError::at(
                    path,
                    format!("{n} bytes is more than this model allows here ({max} bytes)"),
                ));
            }
            return Ok(Dist::Constant(*n));
        }
        SizeSpec::Drawn(SizeDistSpec::Uniform([lo, hi])) => Dist::Uniform { lo: *lo, hi: *hi },
        SizeSpec::Drawn(SizeDistSpec::Exponential(mean)) => Dist::Exponential { mean: *mean },
        SizeSpec::Drawn(SizeDistSpec::Pareto(p)) => Dist::Pareto {
            mean: p.mean,
            shape: p.shape,
        },
        SizeSpec::Drawn(SizeDistSpec::Cdf(points)) => Dist::Empirical(points.clone().into()),
    };
    checked(
        d,
        path,
        "a size with a mean of 0 is always 0: give a mean above 0",
    )
}

/// The checks every distribution gets: a range that does not end before
/// it begins, a mean above 0 (`zero_mean` says why), a Pareto shape above 1 (at or below 1 its
/// mean is infinite), and a CDF with points, ascending, ending at 1.
fn checked(d: Dist, path: &str, zero_mean: &str) -> Result<Dist, InputError> {
    match &d {
        Dist::Constant(_) => {}
        Dist::Uniform { lo, hi } => {
            if hi < lo {
                return Err(InputError::at(
                    format!("{path}.uniform"),
                    format!("the range [{lo}, {hi}] ends before it begins: give the smaller first"),
                ));
            }
        }
        Dist::Exponential { mean } => {
            if *mean == 0 {
                return Err(InputError::at(format!("{path}.exponential"), zero_mean));
            }
        }
        Dist::Pareto { mean, shape } => {
            if *mean == 0 {
                return Err(InputError::at(format!("{path}.pareto.mean"), zero_mean));
            }
            if !(shape.is_finite() && *shape > 1.0) {
                return Err(InputError::at(
                    format!("{path}.pareto.shape"),
                    format!(
                        "a Pareto shape of {shape} has no finite mean: give a shape above 1 (ns-3's default is 2)"
                    ),
                ));
            }
        }
        Dist::Empirical(points) => check_cdf(points, &format!("{path}.cdf"))?,
    }
    Ok(d)
}

fn check_cdf(points: &[(u64, f64)], path: &str) -> Result<(), InputError> {
    let Some(last) = points.last() else {
        return Err(InputError::at(
            path,
            "an empty CDF draws nothing: give [value, probability] points ending at probability 1",
        ));
    };
    let mut prev: Option<(u64, f64)> = None;
    for (i, &(v, p)) in points.iter().enumerate() {
        let at = format!("{path}[{i}]");
        if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
            return Err(InputError::at(
                at,
                format!("{p} is not a probability: give a number from 0 to 1"),
            ));
        }
        if let Some((v0, p0)) = prev
            && (v < v0 || p < p0)
        {
            return Err(InputError::at(
                at,
                format!(
                    "[{v}, {p}] comes after [{v0}, {p0}]: values and probabilities must both ascend"
                ),
            ));
        }
        prev = Some((v, p));
    }
    if last.1 != 1.0 {
        return Err(InputError::at(
            format!("{path}[{}]", points.len() - 1),
            format!(
                "a CDF ends at probability 1, this one at {}: every draw must find a value",
                last.1
            ),
        ));
    }
    Ok(())
}
