//! PNG plots, drawn with plotters into memory and encoded here.
//!
//! Text uses DejaVu Sans embedded in the binary (no system font lookup), so
//! the same data gives the same PNG bytes on every machine. Plots are drawn
//! into a buffer and returned as PNG bytes; callers write them atomically.

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::FontStyle;

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
const COLOURS: [RGBColor; 6] = [
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

fn encode(buf: Vec<u8>) -> Result<Vec<u8>, PlotError> {
    encode_rgb(buf, W, H)
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

/// A histogram of `values` (already scaled) in up to 40 bins.
pub fn histogram(title: &str, x_label: &str, values: &[f64]) -> Result<Vec<u8>, PlotError> {
    fonts();
    let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    let (lo, hi) = bounds(v.iter().copied()).ok_or_else(|| err("no finite value to plot"))?;
    let bins = 40usize.min(v.len().max(1));
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0u64; bins];
    for x in &v {
        let i = (((x - lo) / width) as usize).min(bins - 1);
        counts[i] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(1) as f64 * 1.1;
    let mut buf = vec![0u8; (W * H * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 24, FontStyle::Bold))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(lo..hi, 0f64..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc("runs")
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 17))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(counts.iter().enumerate().map(|(i, c)| {
                let x0 = lo + i as f64 * width;
                Rectangle::new(
                    [(x0, 0.0), (x0 + width, *c as f64)],
                    COLOURS[0].mix(0.7).filled(),
                )
            }))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    encode(buf)
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

/// The empirical CDF of `values` (already scaled).
pub fn ecdf(title: &str, x_label: &str, values: &[f64]) -> Result<Vec<u8>, PlotError> {
    fonts();
    let v = sorted_finite(values);
    let (lo, hi) = bounds(v.iter().copied()).ok_or_else(|| err("no finite value to plot"))?;
    let points = cdf_steps(&v, lo, hi);
    let mut buf = vec![0u8; (W * H * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 24, FontStyle::Bold))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(lo..hi, 0f64..1.0)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc("fraction of runs")
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 17))
            .draw()
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(points, COLOURS[0].stroke_width(2)))
            .map_err(err)?;
        root.present().map_err(err)?;
    }
    encode(buf)
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

/// Empirical CDFs of several samples on one chart, one labelled line each
/// (values already scaled); a sample with no finite value is left out.
pub fn ecdfs(
    title: &str,
    x_label: &str,
    lines: &[(String, Vec<f64>)],
) -> Result<Vec<u8>, PlotError> {
    fonts();
    let lines: Vec<(&str, Vec<f64>)> = lines
        .iter()
        .map(|(label, v)| (label.as_str(), sorted_finite(v)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let (lo, hi) = bounds(lines.iter().flat_map(|(_, v)| v.iter().copied()))
        .ok_or_else(|| err("no finite value to plot"))?;
    let mut buf = vec![0u8; (W * H * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 24, FontStyle::Bold))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d(lo..hi, 0f64..1.0)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc("fraction of runs")
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 17))
            .draw()
            .map_err(err)?;
        for (i, (label, v)) in lines.iter().enumerate() {
            let c = LINE_COLOURS[i % LINE_COLOURS.len()];
            chart
                .draw_series(LineSeries::new(cdf_steps(v, lo, hi), c.stroke_width(2)))
                .map_err(err)?
                .label(*label)
                .legend(line_key(c, 2));
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight, 14)?;
        root.present().map_err(err)?;
    }
    encode(buf)
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

/// Metric against a swept parameter: the median as a line and the p10-p90
/// band shaded, one colour per series; `x_names` labels categorical x
/// positions; `log_x` plots x on a log scale.
pub fn metric_vs_param(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    reference: Option<&Reference>,
    x_names: Option<&[String]>,
) -> Result<Vec<u8>, PlotError> {
    fonts();
    let xs = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let (x_lo, x_hi) = bounds(xs).ok_or_else(|| err("no point to plot"))?;
    let ys = series
        .iter()
        .flat_map(|s| s.points.iter().flat_map(|p| [p.1, p.3]))
        .chain(
            reference
                .into_iter()
                .flat_map(|r| r.points.iter().map(|p| p.1)),
        );
    let (y_lo, y_hi) = bounds(ys).ok_or_else(|| err("no value to plot"))?;
    let y_lo = y_lo.min(0.0);
    let mut buf = vec![0u8; (W * H * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 24, FontStyle::Bold))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(72)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)
            .map_err(err)?;
        let names = x_names.map(|n| n.to_vec());
        let fmt = move |x: &f64| match &names {
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
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .x_label_formatter(&fmt)
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 17))
            .draw()
            .map_err(err)?;
        for (i, s) in series.iter().enumerate() {
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
        if let Some(r) = reference {
            chart
                .draw_series(LineSeries::new(
                    r.points.iter().copied(),
                    BLACK.stroke_width(1),
                ))
                .map_err(err)?
                .label(r.label.clone())
                .legend(line_key(BLACK, 1));
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight, 15)?;
        root.present().map_err(err)?;
    }
    encode(buf)
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
        let a = histogram("h", "x (ms)", &v).unwrap();
        assert_eq!(a, histogram("h", "x (ms)", &v).unwrap());
        let img = decode(&a);
        assert_eq!(img.dimensions(), (W, H));
        let non_white = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
        assert!(non_white > 5_000, "{non_white} drawn pixels");
        let c = ecdf("c", "x", &v).unwrap();
        assert!(decode(&c).pixels().any(|p| p.0 == [31, 119, 180]));
        let lines = vec![
            ("p0".to_string(), v.clone()),
            ("p1".to_string(), v.iter().map(|x| x * 2.0).collect()),
        ];
        let cs = ecdfs("c", "x", &lines).unwrap();
        assert_eq!(cs, ecdfs("c", "x", &lines).unwrap());
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
        let m = metric_vs_param("m", "x", "y", &[s], Some(&r), None).unwrap();
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
        assert!(histogram("h", "x", &[f64::NAN]).is_err());
        assert!(ecdf("c", "x", &[]).is_err());
    }
}
