//! The batch plots (histogram, empirical CDFs, a metric against a swept
//! parameter) and what every plot shares: units, tick labels, legends, the
//! embedded fonts and PNG encoding.
//!
//! Each batch plot is a [`Draw`] picture, rendered by [`canvas::render`] as
//! PNG (text placed by [`crate::glyphs`] from DejaVu Sans embedded in the
//! binary, no system font lookup) or SVG, so the same data gives the same
//! bytes on every machine. Plots are returned as bytes; callers write them
//! atomically.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::canvas::{self, Draw, Format};

/// Why a plot could not be made.
#[derive(Debug)]
pub struct PlotError(pub String);

impl std::fmt::Display for PlotError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlotError {}

pub(crate) fn err(e: impl std::fmt::Display) -> PlotError {
    PlotError(e.to_string())
}

static FONTS: Once = Once::new();

/// Registers the embedded fonts once (tests draw in parallel).
pub(crate) fn fonts() {
    FONTS.call_once(|| {
        // register_font's error has no Debug: map it to a panic message;
        // the embedded fonts are known to be valid.
        let ok = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        )
        .is_ok()
            && plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold())
                .is_ok();
        assert!(ok, "embedded DejaVu fonts must load");
    });
}

const W: u32 = 900;
const H: u32 = 560;
pub(crate) const COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
];

/// How values of an axis are shown: metrics in ns are plotted in ms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// Multiply values by this for display.
    pub factor: f64,
    /// Unit shown in the label.
    pub unit: &'static str,
}

impl Scale {
    /// The scale for a metric by its name: `_ns` metrics in ms, `_bps` in
    /// Mbit/s, others as they are.
    pub fn for_metric(name: &str) -> Scale {
        if name.ends_with("_ns") {
            Scale {
                factor: 1e-6,
                unit: "ms",
            }
        } else if name.ends_with("_bps") {
            Scale {
                factor: 1e-6,
                unit: "Mbit/s",
            }
        } else {
            Scale {
                factor: 1.0,
                unit: "",
            }
        }
    }

    /// An axis label: `name (unit)`.
    pub fn label(&self, name: &str) -> String {
        if self.unit.is_empty() {
            name.to_string()
        } else {
            format!("{name} ({})", self.unit)
        }
    }
}

/// A tick label: at most six significant digits, no float noise
/// (`0.03`, not `0.030000000000000002`).
pub fn tick(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = 6 - 1 - x.abs().log10().floor() as i32;
    let s = format!("{:.*}", digits.clamp(0, 12) as usize, x);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A display unit: values are divided by `div` and labelled `name`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unit {
    /// What one unit is worth in the base unit (ns, bytes).
    pub div: f64,
    /// Its symbol.
    pub name: &'static str,
}

impl Unit {
    /// A time unit for a span of `span_ns` nanoseconds: µs below 2 ms, ms
    /// below 2 s, else s.
    pub fn time(span_ns: f64) -> Unit {
        if span_ns < 2e6 {
            Unit {
                div: 1e3,
                name: "µs",
            }
        } else if span_ns < 2e9 {
            Unit {
                div: 1e6,
                name: "ms",
            }
        } else {
            Unit {
                div: 1e9,
                name: "s",
            }
        }
    }

    /// A byte unit for values up to `max`: B below 10 kB, kB below 10 MB,
    /// else MB (powers of 1000).
    pub fn bytes(max: f64) -> Unit {
        if max < 1e4 {
            Unit {
                div: 1.0,
                name: "B",
            }
        } else if max < 1e7 {
            Unit {
                div: 1e3,
                name: "kB",
            }
        } else {
            Unit {
                div: 1e6,
                name: "MB",
            }
        }
    }

    /// `v` in this unit.
    pub fn of(&self, v: f64) -> f64 {
        v / self.div
    }
}

/// PNG bytes of an RGB buffer of `w` x `h` pixels.
pub(crate) fn encode_rgb(buf: Vec<u8>, w: u32, h: u32) -> Result<Vec<u8>, PlotError> {
    let img = image::RgbImage::from_raw(w, h, buf).ok_or_else(|| err("bad image buffer"))?;
    let mut png = Vec::new();
    use image::ImageEncoder;
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(img.as_raw(), w, h, image::ColorType::Rgb8)
        .map_err(err)?;
    Ok(png)
}

/// A legend key: a short line in the series' colour and width.
pub(crate) fn line_key<C: Color + Copy + 'static>(
    colour: C,
    width: u32,
) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(width))
}

/// Draws a chart's legend box where it covers the least.
pub(crate) fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    at: SeriesLabelPosition,
    font: u32,
) -> Result<(), PlotError> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", font))
        .position(at)
        .draw()
        .map_err(err)
}

fn bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return None;
    }
    if hi - lo < f64::EPSILON * hi.abs().max(1.0) {
        let pad = (hi.abs() * 0.05).max(1.0);
        return Some((lo - pad, hi + pad));
    }
    let pad = (hi - lo) * 0.05;
    Some((lo - pad, hi + pad))
}

/// The frame every batch plot shares: its caption, margins and axis areas,
/// with the mesh drawn (ticks through `x_fmt` when given).
fn frame<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    y_label: &str,
    (x, y): (std::ops::Range<f64>, std::ops::Range<f64>),
    y_area: u32,
    x_fmt: Option<&dyn Fn(&f64) -> String>,
) -> Result<ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>, PlotError> {
    let mut chart = ChartBuilder::on(root)
        .caption(title, canvas::sans_bold(24.0))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x, y)
        .map_err(err)?;
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(x_label)
        .y_desc(y_label)
        .label_style(canvas::sans(15.0))
        .axis_desc_style(canvas::sans(17.0));
    if let Some(f) = x_fmt {
        mesh.x_label_formatter(f);
    }
    mesh.draw().map_err(err)?;
    Ok(chart)
}

/// A histogram of values in up to 40 bins (see [`histogram`]).
pub struct Histogram {
    title: String,
    x_label: String,
    lo: f64,
    width: f64,
    counts: Vec<u64>,
}

impl Histogram {
    /// The histogram of `values` (already scaled), or an error if none is
    /// finite.
    pub fn new(title: &str, x_label: &str, values: &[f64]) -> Result<Histogram, PlotError> {
        let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        let (lo, hi) = bounds(v.iter().copied()).ok_or_else(|| err("no finite value to plot"))?;
        let bins = 40usize.min(v.len().max(1));
        let width = (hi - lo) / bins as f64;
        let mut counts = vec![0u64; bins];
        for x in &v {
            let i = (((x - lo) / width) as usize).min(bins - 1);
            counts[i] += 1;
        }
        Ok(Histogram {
            title: title.to_string(),
            x_label: x_label.to_string(),
            lo,
            width,
            counts,
        })
    }
}

impl Draw for Histogram {
    fn size(&self) -> (u32, u32) {
        (W, H)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (lo, width) = (self.lo, self.width);
        let hi = lo + width * self.counts.len() as f64;
        let top = self.counts.iter().copied().max().unwrap_or(1) as f64 * 1.1;
        let mut chart = frame(
            root,
            &self.title,
            &self.x_label,
            "runs",
            (lo..hi, 0f64..top),
            64,
            None,
        )?;
        chart
            .draw_series(self.counts.iter().enumerate().map(|(i, c)| {
                let x0 = lo + i as f64 * width;
                Rectangle::new(
                    [(x0, 0.0), (x0 + width, *c as f64)],
                    COLOURS[0].mix(0.7).filled(),
                )
            }))
            .map_err(err)?;
        Ok(())
    }
}

/// A histogram of `values` (already scaled) in up to 40 bins, in `format`.
pub fn histogram(
    title: &str,
    x_label: &str,
    values: &[f64],
    format: Format,
) -> Result<Vec<u8>, PlotError> {
    canvas::render(&Histogram::new(title, x_label, values)?, format)
}

/// Whether `values` hold at least two different finite values: a
/// histogram or CDF of one value says nothing a summary does not.
pub fn varies(values: &[f64]) -> bool {
    let mut finite = values.iter().filter(|x| x.is_finite());
    finite
        .next()
        .is_some_and(|first| finite.any(|x| x != first))
}

/// The finite values of `values`, sorted.
fn sorted_finite(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// The step function of the empirical CDF of sorted `v`, from `lo` to
/// `hi`, decimated to at most 2,000 steps.
fn cdf_steps(v: &[f64], lo: f64, hi: f64) -> Vec<(f64, f64)> {
    let n = v.len() as f64;
    let stride = (v.len() / 2000).max(1);
    let mut points = vec![(lo, 0.0)];
    for (i, x) in v.iter().enumerate() {
        if i % stride == 0 || i + 1 == v.len() {
            let before = i as f64 / n;
            points.push((*x, before));
            points.push((*x, (i + 1) as f64 / n));
        }
    }
    points.push((hi, 1.0));
    points
}

/// Colours of the lines of [`ecdfs`]: ten, then they repeat.
const LINE_COLOURS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(23, 190, 207),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
];

/// Empirical CDFs on one chart: one line, unlabelled, for [`ecdf`]; one
/// labelled line per sample, with a legend, for [`ecdfs`].
pub struct Ecdfs {
    title: String,
    x_label: String,
    lo: f64,
    hi: f64,
    /// (label, sorted finite values); no label and no legend for one
    /// unlabelled sample.
    lines: Vec<(Option<String>, Vec<f64>)>,
}

impl Ecdfs {
    /// The CDF of one sample (already scaled), or an error if no value is
    /// finite.
    pub fn one(title: &str, x_label: &str, values: &[f64]) -> Result<Ecdfs, PlotError> {
        Ecdfs::build(title, x_label, vec![(None, sorted_finite(values))])
    }

    /// The CDFs of labelled samples (already scaled); a sample with no
    /// finite value is left out, and if none is left it is an error.
    pub fn labelled(
        title: &str,
        x_label: &str,
        lines: &[(String, Vec<f64>)],
    ) -> Result<Ecdfs, PlotError> {
        let lines = lines
            .iter()
            .map(|(label, v)| (Some(label.clone()), sorted_finite(v)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        Ecdfs::build(title, x_label, lines)
    }

    fn build(
        title: &str,
        x_label: &str,
        lines: Vec<(Option<String>, Vec<f64>)>,
    ) -> Result<Ecdfs, PlotError> {
        let (lo, hi) = bounds(lines.iter().flat_map(|(_, v)| v.iter().copied()))
            .ok_or_else(|| err("no finite value to plot"))?;
        Ok(Ecdfs {
            title: title.to_string(),
            x_label: x_label.to_string(),
            lo,
            hi,
            lines,
        })
    }
}

impl Draw for Ecdfs {
    fn size(&self) -> (u32, u32) {
        (W, H)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (lo, hi) = (self.lo, self.hi);
        let mut chart = frame(
            root,
            &self.title,
            &self.x_label,
            "fraction of runs",
            (lo..hi, 0f64..1.0),
            64,
            None,
        )?;
        let mut legend = false;
        for (i, (label, v)) in self.lines.iter().enumerate() {
            let c = LINE_COLOURS[i % LINE_COLOURS.len()];
            let drawn = chart
                .draw_series(LineSeries::new(cdf_steps(v, lo, hi), c.stroke_width(2)))
                .map_err(err)?;
            if let Some(label) = label {
                drawn.label(label.as_str()).legend(line_key(c, 2));
                legend = true;
            }
        }
        if legend {
            draw_legend(&mut chart, SeriesLabelPosition::LowerRight, 14)?;
        }
        Ok(())
    }
}

/// The empirical CDF of `values` (already scaled), in `format`.
pub fn ecdf(
    title: &str,
    x_label: &str,
    values: &[f64],
    format: Format,
) -> Result<Vec<u8>, PlotError> {
    canvas::render(&Ecdfs::one(title, x_label, values)?, format)
}

/// Empirical CDFs of several samples on one chart, one labelled line each
/// (values already scaled), in `format`; a sample with no finite value is
/// left out.
pub fn ecdfs(
    title: &str,
    x_label: &str,
    lines: &[(String, Vec<f64>)],
    format: Format,
) -> Result<Vec<u8>, PlotError> {
    canvas::render(&Ecdfs::labelled(title, x_label, lines)?, format)
}

/// One line of a metric-versus-parameter plot: per x, (p10, p50, p90).
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label (the other parameters' values).
    pub label: String,
    /// (x, p10, p50, p90), by x.
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// A labelled reference curve (a formula to compare with).
#[derive(Debug, Clone)]
pub struct Reference {
    /// Legend label.
    pub label: String,
    /// (x, y) points.
    pub points: Vec<(f64, f64)>,
}

/// A metric against a swept parameter (see [`metric_vs_param`]).
pub struct MetricVsParam {
    title: String,
    x_label: String,
    y_label: String,
    series: Vec<Series>,
    reference: Option<Reference>,
    x_names: Option<Vec<String>>,
    x: (f64, f64),
    y: (f64, f64),
}

impl MetricVsParam {
    /// The plot of `series` (and `reference`), or an error if there is no
    /// point; `x_names` labels categorical x positions.
    pub fn new(
        title: &str,
        x_label: &str,
        y_label: &str,
        series: &[Series],
        reference: Option<&Reference>,
        x_names: Option<&[String]>,
    ) -> Result<MetricVsParam, PlotError> {
        let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
        let x = bounds(xs).ok_or_else(|| err("no point to plot"))?;
        let ys = series
            .iter()
            .flat_map(|s| s.points.iter().flat_map(|p| [p.1, p.3]))
            .chain(
                reference
                    .into_iter()
                    .flat_map(|r| r.points.iter().map(|p| p.1)),
            );
        let (y_lo, y_hi) = bounds(ys).ok_or_else(|| err("no value to plot"))?;
        Ok(MetricVsParam {
            title: title.to_string(),
            x_label: x_label.to_string(),
            y_label: y_label.to_string(),
            series: series.to_vec(),
            reference: reference.cloned(),
            x_names: x_names.map(<[String]>::to_vec),
            x,
            y: (y_lo.min(0.0), y_hi),
        })
    }
}

impl Draw for MetricVsParam {
    fn size(&self) -> (u32, u32) {
        (W, H)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let fmt = |x: &f64| match &self.x_names {
            Some(n) => {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < n.len() {
                    n[i as usize].clone()
                } else {
                    String::new()
                }
            }
            None => tick(*x),
        };
        let mut chart = frame(
            root,
            &self.title,
            &self.x_label,
            &self.y_label,
            (self.x.0..self.x.1, self.y.0..self.y.1),
            72,
            Some(&fmt),
        )?;
        for (i, s) in self.series.iter().enumerate() {
            let c = COLOURS[i % COLOURS.len()];
            let mut band: Vec<(f64, f64)> = s.points.iter().map(|p| (p.0, p.3)).collect();
            band.extend(s.points.iter().rev().map(|p| (p.0, p.1)));
            chart
                .draw_series(std::iter::once(Polygon::new(band, c.mix(0.18).filled())))
                .map_err(err)?;
            let label = format!("{} (median, p10-p90)", s.label);
            chart
                .draw_series(LineSeries::new(
                    s.points.iter().map(|p| (p.0, p.2)),
                    c.stroke_width(2),
                ))
                .map_err(err)?
                .label(label)
                .legend(line_key(c, 2));
            chart
                .draw_series(
                    s.points
                        .iter()
                        .map(|p| Circle::new((p.0, p.2), 4, c.filled())),
                )
                .map_err(err)?;
        }
        if let Some(r) = &self.reference {
            chart
                .draw_series(LineSeries::new(
                    r.points.iter().copied(),
                    BLACK.stroke_width(1),
                ))
                .map_err(err)?
                .label(r.label.clone())
                .legend(line_key(BLACK, 1));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 15)
    }
}

/// Metric against a swept parameter, in `format`: the median as a line and
/// the p10-p90 band shaded, one colour per series; `x_names` labels
/// categorical x positions.
pub fn metric_vs_param(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    reference: Option<&Reference>,
    x_names: Option<&[String]>,
    format: Format,
) -> Result<Vec<u8>, PlotError> {
    let picture = MetricVsParam::new(title, x_label, y_label, series, reference, x_names)?;
    canvas::render(&picture, format)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png: &[u8]) -> image::RgbImage {
        image::load_from_memory(png).unwrap().to_rgb8()
    }

    #[test]
    fn plots_are_deterministic_and_not_blank() {
        let v: Vec<f64> = (0..500).map(|i| f64::from(i % 37) * 1.5).collect();
        let a = histogram("h", "x (ms)", &v, Format::Png).unwrap();
        assert_eq!(a, histogram("h", "x (ms)", &v, Format::Png).unwrap());
        let img = decode(&a);
        assert_eq!(img.dimensions(), (W, H));
        let non_white = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
        assert!(non_white > 5_000, "{non_white} drawn pixels");
        let c = ecdf("c", "x", &v, Format::Png).unwrap();
        assert!(decode(&c).pixels().any(|p| p.0 == [31, 119, 180]));
        let lines = vec![
            ("p0".to_string(), v.clone()),
            ("p1".to_string(), v.iter().map(|x| x * 2.0).collect()),
        ];
        let cs = ecdfs("c", "x", &lines, Format::Png).unwrap();
        assert_eq!(cs, ecdfs("c", "x", &lines, Format::Png).unwrap());
        let img = decode(&cs);
        assert!(img.pixels().any(|p| p.0 == [31, 119, 180]));
        assert!(img.pixels().any(|p| p.0 == [214, 39, 40]));
        assert!(varies(&v) && !varies(&[3.0, 3.0, f64::NAN]) && !varies(&[]));
        let s = Series {
            label: "all".into(),
            points: vec![(1.0, 1.0, 2.0, 3.0), (2.0, 2.0, 3.0, 4.0)],
        };
        let r = Reference {
            label: "ref".into(),
            points: vec![(1.0, 2.0), (2.0, 3.5)],
        };
        let m = metric_vs_param("m", "x", "y", &[s], Some(&r), None, Format::Png).unwrap();
        assert_eq!(decode(&m).dimensions(), (W, H));
    }

    #[test]
    fn ticks_have_no_float_noise() {
        assert_eq!(tick(0.1 + 0.2), "0.3");
        assert_eq!(tick(0.030000000000000002), "0.03");
        assert_eq!(tick(1234.5), "1234.5");
        assert_eq!(tick(20.0), "20");
        assert_eq!(tick(0.0), "0");
    }

    #[test]
    fn nothing_to_plot_is_an_error_not_a_panic() {
        assert!(histogram("h", "x", &[f64::NAN], Format::Svg).is_err());
        assert!(ecdf("c", "x", &[], Format::Png).is_err());
    }
}
