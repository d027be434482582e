//! The `derived` section checked, and its figures computed after a run.

use reports::series::Series;
use sim_core::{LinkDirId, SimTime, Value};

use super::actions::LinkAction;
use super::check::{exactly_one, given};
use super::metrics::{MetricNames, as_number, unknown_metric};
use crate::error::InputError;
use crate::format::{DerivedSpec, SeriesStatSpec, Stat};
use crate::stats::Summary;

/// One derived figure, its inputs checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Derived {
    /// `derived.<name>`.
    pub name: String,
    op: Op,
}

#[derive(Clone, Debug, PartialEq)]
enum Op {
    Jain(Vec<String>),
    Sum(Vec<String>),
    Ratio(String, String),
    /// The direction and its bandwidth in bits per second.
    Utilisation(LinkDirId, u64),
    Series(SeriesStat),
}

/// A statistic of one time series, over its samples in the measure window.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesStat {
    series: Series,
    key: String,
    stat: Stat,
}

impl Derived {
    /// The time series this figure reads, if any.
    pub fn series(&self) -> Option<&SeriesStat> {
        match &self.op {
            Op::Series(s) => Some(s),
            _ => None,
        }
    }
}

/// The samples of one series that a [`SeriesStat`] reads, collected while
/// the run goes. Every sample is kept, so percentiles are exact: 8 bytes
/// each, at most [`MAX_SAMPLES`](crate::limits::MAX_SAMPLES) of them (one
/// per sampling time, which the `timeseries` check bounds).
#[derive(Clone, Debug, Default)]
pub struct SeriesSamples {
    values: Vec<f64>,
}

impl SeriesStat {
    /// Whether a sample of `series` for `key`, taken at `t`, counts: a
    /// sample covers the interval before it, so the window `(from, to]`.
    pub fn reads(
        &self,
        series: Series,
        key: &str,
        t: SimTime,
        window: Option<(SimTime, SimTime)>,
    ) -> bool {
        series == self.series
            && key == self.key
            && window.is_none_or(|(from, to)| t > from && t <= to)
    }
}

impl SeriesSamples {
    /// One sample's value.
    pub fn push(&mut self, v: u64) {
        self.values.push(v as f64);
    }

    fn stat(&self, stat: Stat) -> Option<f64> {
        Summary::of(&self.values).map(|s| s.get(stat))
    }
}

/// Checks each entry's name and inputs (metrics the run reports, or derived
/// figures listed before it) and adds its name to `known`.
pub(super) fn derived(
    specs: &[DerivedSpec],
    known: &mut MetricNames,
    actions: &[LinkAction],
    sampled: bool,
) -> Result<Vec<Derived>, InputError> {
    let mut out = Vec::with_capacity(specs.len());
    for (i, d) in specs.iter().enumerate() {
        let path = format!("derived[{i}]");
        if d.name.is_empty()
            || !d
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        {
            return Err(InputError::at(
                format!("{path}.name"),
                "a name of letters, digits, '_' and '-'",
            ));
        }
        let name = format!("derived.{}", d.name);
        if known.contains(&name) {
            return Err(InputError::at(
                format!("{path}.name"),
                format!("{name} is already defined"),
            ));
        }
        let which = exactly_one(
            &path,
            "give exactly one of",
            &[
                ("\"jain\"", given(&d.jain)),
                ("\"sum\"", given(&d.sum)),
                ("\"ratio\"", given(&d.ratio)),
                ("\"utilisation\"", given(&d.utilisation)),
                ("\"series\"", given(&d.series)),
            ],
        )?;
        let inputs = |field: &str, list: &[String], at_least: usize| {
            if list.len() < at_least {
                return Err(InputError::at(
                    format!("{path}.{field}"),
                    format!("needs at least {at_least} metrics"),
                ));
            }
            for (j, m) in list.iter().enumerate() {
                if !known.contains(m) {
                    return Err(InputError::at(
                        format!("{path}.{field}[{j}]"),
                        unknown_metric(m, known.all().iter(), "this scenario has"),
                    ));
                }
            }
            Ok(list.to_vec())
        };
        let op = match which {
            0 => Op::Jain(inputs("jain", d.jain.as_deref().unwrap_or_default(), 2)?),
            1 => Op::Sum(inputs("sum", d.sum.as_deref().unwrap_or_default(), 1)?),
            2 => {
                let r = d.ratio.as_deref().unwrap_or_default();
                if r.len() != 2 {
                    return Err(InputError::at(
                        format!("{path}.ratio"),
                        "two metrics: the numerator, then the denominator",
                    ));
                }
                let r = inputs("ratio", r, 2)?;
                Op::Ratio(r[0].clone(), r[1].clone())
            }
            3 => utilisation(
                &path,
                d.utilisation.as_deref().unwrap_or_default(),
                known,
                actions,
            )?,
            _ => series_stat(&path, d.series.as_ref().expect("given"), known, sampled)?,
        };
        known.insert(name.clone());
        out.push(Derived { name, op });
    }
    Ok(out)
}

fn utilisation(
    path: &str,
    pair: &str,
    known: &MetricNames,
    actions: &[LinkAction],
) -> Result<Op, InputError> {
    let path = format!("{path}.utilisation");
    let topo = known.topology();
    let dir = pair.match_indices("->").find_map(|(i, _)| {
        let (a, b) = (topo.node(&pair[..i])?, topo.node(&pair[i + 2..])?);
        topo.dirs_between(a, b)
            .into_iter()
            .find(|d| topo.link_dirs()[d.0 as usize].from == a)
    });
    let Some(dir) = dir else {
        return Err(InputError::at(
            path,
            format!("{pair:?} is not a link direction \"from->to\" of the topology"),
        ));
    };
    let d = &topo.link_dirs()[dir.0 as usize];
    let Some(rate) = d.params.rate else {
        return Err(InputError::at(
            path,
            format!("{pair} has no bandwidth, so no utilisation"),
        ));
    };
    if actions
        .iter()
        .any(|a| a.dirs.contains(&dir) && a.set.bandwidth.is_some())
    {
        return Err(InputError::at(
            path,
            format!("an action changes {pair}'s bandwidth, so its utilisation has no one rate"),
        ));
    }
    Ok(Op::Utilisation(dir, rate.bits_per_sec()))
}

fn series_stat(
    path: &str,
    spec: &SeriesStatSpec,
    known: &MetricNames,
    sampled: bool,
) -> Result<Op, InputError> {
    let path = format!("{path}.series");
    if !sampled {
        return Err(InputError::at(
            path,
            "reads a time series: the scenario needs a \"timeseries\" section",
        ));
    }
    let Some(series) = Series::from_name(&spec.name) else {
        let names: Vec<&str> = Series::ALL.iter().map(|s| s.name()).collect();
        return Err(InputError::at(
            format!("{path}.name"),
            format!(
                "{:?} is not a time series; one of {}",
                spec.name,
                names.join(", ")
            ),
        ));
    };
    let link_series = matches!(
        series,
        Series::QueuePackets | Series::QueueBytes | Series::SentBps | Series::Drops | Series::Marks
    );
    if link_series {
        let topo = known.topology();
        let is_dir = spec.key.match_indices("->").any(|(i, _)| {
            topo.node(&spec.key[..i])
                .zip(topo.node(&spec.key[i + 2..]))
                .is_some_and(|(a, b)| !topo.dirs_between(a, b).is_empty())
        });
        if !is_dir {
            return Err(InputError::at(
                format!("{path}.key"),
                format!(
                    "{:?} is not a link direction \"from->to\" of the topology ({} is a link series)",
                    spec.key, spec.name
                ),
            ));
        }
    }
    Ok(Op::Series(SeriesStat {
        series,
        key: spec.key.clone(),
        stat: spec.stat,
    }))
}

/// Appends every derived figure that can be computed to `metrics`, in
/// order (each may read those before it); `transmitted` gives a link
/// direction's bytes whose transmission began in the measured span (the
/// run, or its `measure` window) and that span's length in nanoseconds;
/// `samples` holds, for each entry in order, the samples its series
/// figure read (empty for the others).
pub fn compute(
    derived: &[Derived],
    metrics: &mut Vec<(String, Value)>,
    transmitted: &dyn Fn(LinkDirId) -> (u64, u64),
    samples: &[SeriesSamples],
) {
    for (i, d) in derived.iter().enumerate() {
        let get = |m: &str, metrics: &[(String, Value)]| {
            metrics
                .iter()
                .find(|(k, _)| k == m)
                .and_then(|(_, v)| as_number(v))
        };
        let all = |list: &[String], metrics: &[(String, Value)]| -> Option<Vec<f64>> {
            list.iter().map(|m| get(m, metrics)).collect()
        };
        let value = match &d.op {
            Op::Jain(list) => all(list, metrics).and_then(|x| {
                let sum: f64 = x.iter().sum();
                let squares: f64 = x.iter().map(|v| v * v).sum();
                (squares > 0.0).then(|| Value::F64(sum * sum / (x.len() as f64 * squares)))
            }),
            Op::Sum(list) => {
                let ints: Option<Vec<u64>> = list
                    .iter()
                    .map(|m| match metrics.iter().find(|(k, _)| k == m) {
                        Some((_, Value::U64(v))) => Some(*v),
                        _ => None,
                    })
                    .collect();
                match ints {
                    Some(v) => v
                        .iter()
                        .try_fold(0u64, |a, b| a.checked_add(*b))
                        .map(Value::U64),
                    None => all(list, metrics).map(|x| Value::F64(x.iter().sum())),
                }
            }
            Op::Ratio(a, b) => match (get(a, metrics), get(b, metrics)) {
                (Some(a), Some(b)) if b != 0.0 => Some(Value::F64(a / b)),
                _ => None,
            },
            Op::Utilisation(dir, rate) => match transmitted(*dir) {
                (bytes, ns) if ns > 0 => Some(Value::F64(
                    bytes as f64 * 8.0 * 1e9 / (*rate as f64 * ns as f64),
                )),
                _ => None,
            },
            Op::Series(s) => samples.get(i).and_then(|x| x.stat(s.stat)).map(Value::F64),
        };
        if let Some(v) = value {
            metrics.push((d.name.clone(), v));
        }
    }
}
