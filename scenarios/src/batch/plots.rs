//! The batch's plots. Without sweeps: per metric, a histogram and an
//! empirical CDF of its values over the seeds. With sweeps: per metric, one
//! CDF with a line per sweep point (labelled with the point's parameters,
//! so the points' distributions can be compared on one axis), a histogram
//! per point (`-hist-p<point>`), and the metric against each swept
//! parameter.
//!
//! A histogram or CDF of values that never differ (a metric with one value
//! over every seed of a point) would look empty and say nothing the
//! summary does not: such pictures are not drawn. A sweep's CDF is drawn
//! when some point's values differ.

use std::collections::BTreeMap;

use rayon::prelude::*;
use reports::Format;
use reports::plot::{Reference, Scale, Series, ecdf, ecdfs, histogram, metric_vs_param, varies};
use serde_json::Value as Json;

use super::Batch;
use crate::error::Error;
use crate::staging::Staging;
use crate::stats::Summary;

/// A file name part from a metric or parameter name.
fn file_part(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A parameter's values on an axis: numbers as they are, durations in ms,
/// anything else by position (with its names).
fn axis(values: &[Json]) -> (Vec<f64>, Option<Vec<String>>, &'static str) {
    if values.iter().all(|v| v.is_number()) {
        return (
            values
                .iter()
                .map(|v| v.as_f64().unwrap_or(f64::NAN))
                .collect(),
            None,
            "",
        );
    }
    let durations: Option<Vec<f64>> = values
        .iter()
        .map(|v| {
            v.as_str()
                .and_then(|s| sim_core::parse_duration(s).ok())
                .map(|d| d.as_nanos() as f64 / 1e6)
        })
        .collect();
    if let Some(d) = durations {
        return (d, None, "ms");
    }
    let names = values
        .iter()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
        .collect();
    (
        (0..values.len()).map(|i| i as f64).collect(),
        Some(names),
        "",
    )
}

impl Batch {
    /// Draws the batch's plots into `staging` (see the module's comment): for
    /// each metric that varies, a histogram and an empirical CDF, per point
    /// with sweeps; with sweeps also the metric against each swept
    /// parameter (median and p10-p90 band, one line per value of the other
    /// parameters), as PNG or SVG files by `format`. Returns the names
    /// written (under their temporary names until the staging commits).
    pub(crate) fn plot(
        &self,
        values: &[Vec<Vec<f64>>],
        staging: &Staging,
        format: Format,
    ) -> Result<Vec<String>, Error> {
        // Drawn in parallel (on the caller's rayon pool), written in order.
        let drawn: Vec<Vec<(String, Vec<u8>)>> = (0..self.metrics().len())
            .into_par_iter()
            .map(|m| self.draw_metric(m, values, format))
            .collect();
        let mut written = Vec::new();
        for (name, bytes) in drawn.into_iter().flatten() {
            staging.write(&name, &bytes)?;
            written.push(name);
        }
        Ok(written)
    }

    /// The plots of metric `m` in `format`, as (file name, bytes).
    fn draw_metric(
        &self,
        m: usize,
        values: &[Vec<Vec<f64>>],
        format: Format,
    ) -> Vec<(String, Vec<u8>)> {
        let ext = format.extension();
        let name = &self.metrics()[m];
        let scale = Scale::for_metric(name);
        let label = scale.label(name);
        let title = format!("{} — {name}", self.name());
        let mut out = Vec::new();
        let scaled = |point: usize| -> Vec<f64> {
            values[point][m].iter().map(|x| x * scale.factor).collect()
        };
        if self.sweep.params.is_empty() {
            let v = scaled(0);
            // A metric with one value (or none) has nothing to show.
            if !varies(&v) {
                return out;
            }
            if let Ok(bytes) = histogram(&title, &label, &v, format) {
                out.push((format!("{}-hist.{ext}", file_part(name)), bytes));
            }
            if let Ok(bytes) = ecdf(&title, &label, &v, format) {
                out.push((format!("{}-cdf.{ext}", file_part(name)), bytes));
            }
            return out;
        }
        let points: Vec<(String, Vec<f64>)> = (0..values.len())
            .map(|p| (self.point_label(p), scaled(p)))
            .collect();
        if points.iter().any(|(_, v)| varies(v))
            && let Ok(bytes) = ecdfs(&title, &label, &points, format)
        {
            out.push((format!("{}-cdf.{ext}", file_part(name)), bytes));
        }
        for (p, (params, v)) in points.iter().enumerate() {
            if !varies(v) {
                continue;
            }
            let x_label = format!("{label} at point {p}: {params}");
            if let Ok(bytes) = histogram(&title, &x_label, v, format) {
                out.push((format!("{}-hist-p{p}.{ext}", file_part(name)), bytes));
            }
        }
        for (pi, param) in self.sweep.params.iter().enumerate() {
            let (xs, names, unit) = axis(&param.values);
            let series = self.series(m, pi, &xs, values, &scale);
            let reference = self.reference(name, &param.name, &xs, &scale);
            let x_label = if unit.is_empty() {
                param.name.clone()
            } else {
                format!("{} ({unit})", param.name)
            };
            if let Ok(bytes) = metric_vs_param(
                &title,
                &x_label,
                &label,
                &series,
                reference.as_ref(),
                names.as_deref(),
                format,
            ) {
                out.push((
                    format!("{}-vs-{}.{ext}", file_part(name), file_part(&param.name)),
                    bytes,
                ));
            }
        }
        out
    }

    /// A sweep point's parameters as a legend says them: `loss=0.01,
    /// delay=5ms`.
    fn point_label(&self, point: usize) -> String {
        self.sweep
            .values(point)
            .iter()
            .map(|(n, v)| {
                format!(
                    "{n}={}",
                    v.as_str().map_or_else(|| v.to_string(), str::to_string)
                )
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Metric `m` against parameter `pi` (at `xs`): median and p10-p90
    /// band, one series per combination of the other parameters.
    fn series(
        &self,
        m: usize,
        pi: usize,
        xs: &[f64],
        values: &[Vec<Vec<f64>>],
        scale: &Scale,
    ) -> Vec<Series> {
        let mut series: BTreeMap<Vec<usize>, Series> = BTreeMap::new();
        for (point, per_metric) in values.iter().enumerate() {
            let idx = self.sweep.indices(point);
            let mut key = idx.clone();
            key.remove(pi);
            let label: Vec<String> = self
                .sweep
                .values(point)
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != pi)
                .map(|(_, (n, v))| {
                    format!(
                        "{n}={}",
                        v.as_str().map_or_else(|| v.to_string(), str::to_string)
                    )
                })
                .collect();
            let v: Vec<f64> = per_metric[m].iter().map(|x| x * scale.factor).collect();
            let (Some(p10), Some(p50), Some(p90)) = (
                Summary::percentile(&v, 10.0),
                Summary::percentile(&v, 50.0),
                Summary::percentile(&v, 90.0),
            ) else {
                continue;
            };
            let s = series.entry(key).or_insert_with(|| Series {
                label: if label.is_empty() {
                    "all runs".to_string()
                } else {
                    label.join(", ")
                },
                points: Vec::new(),
            });
            s.points.push((xs[idx[pi]], p10, p50, p90));
        }
        let mut series: Vec<Series> = series.into_values().collect();
        for s in &mut series {
            s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        series
    }

    /// The scenario's reference curve, if it is drawn with this metric
    /// against this parameter (over the range of `xs`).
    fn reference(&self, name: &str, param: &str, xs: &[f64], scale: &Scale) -> Option<Reference> {
        let r = self.plans[0].reference.as_ref()?;
        (r.metric == name && r.param == param).then(|| {
            let mss_bits = f64::from(r.mathis.mss) * 8.0;
            let rtt = r.mathis.rtt.0.as_nanos() as f64 / 1e9;
            let (lo, hi) = xs
                .iter()
                .fold((f64::INFINITY, 0f64), |(a, b), x| (a.min(*x), b.max(*x)));
            let points = (0..=100)
                .map(|i| lo + (hi - lo) * f64::from(i) / 100.0)
                .filter(|p| *p > 0.0)
                .map(|p| {
                    (
                        p,
                        mss_bits / rtt * (1.5f64).sqrt() / p.sqrt() * scale.factor,
                    )
                })
                .collect();
            Reference {
                label: format!(
                    "Mathis: MSS/RTT x sqrt(3/2)/sqrt(p), MSS {} B, RTT {}",
                    r.mathis.mss, r.mathis.rtt.0
                ),
                points,
            }
        })
    }
}
