//! Pictures from real traces: deterministic, the same after a trip through
//! `trace.jsonl`, and well-formed SVG with text as text.

mod support;

use reports::Format;
use reports::jsonl::JsonlWriter;
use reports::pictures::Pictures;
use reports::sink::{NodeNames, feed};
use sim_core::{SimTime, TraceRecord};
use support::svg::well_formed;
use support::*;

fn pictures(
    title: &str,
    names: &NodeNames,
    records: &[TraceRecord],
    f: Format,
) -> Vec<(String, Vec<u8>)> {
    let mut p = Pictures::new(title, names.clone(), SimTime::ZERO, SimTime::MAX);
    for r in records {
        p.push(r);
    }
    p.draw(f)
}

#[test]
fn pictures_are_deterministic_and_survive_a_trip_through_jsonl() {
    for dir in fixtures() {
        let n = name(&dir);
        let (_, names, records) = load(&dir);
        let a = pictures(&n, &names, &records, Format::Png);
        assert!(!a.is_empty(), "{n}");
        assert_eq!(a, pictures(&n, &names, &records, Format::Png), "{n}");
        // Written and read back: the same pictures, byte for byte.
        let mut w = JsonlWriter::new(Vec::new(), names.clone());
        feed(&mut w, &records).unwrap();
        let text = String::from_utf8(w.into_inner()).unwrap();
        let (names2, records2) = reports::jsonl::read_with_nodes(&text, nodes(&dir)).unwrap();
        assert_eq!(records2, records, "{n}");
        assert_eq!(a, pictures(&n, &names2, &records2, Format::Png), "{n}");
        if let Ok(out) = std::env::var("NETSIM_PICTURES_OUT") {
            let d = std::path::Path::new(&out).join(&n);
            std::fs::create_dir_all(&d).unwrap();
            for (file, bytes) in a
                .iter()
                .chain(pictures(&n, &names, &records, Format::Svg).iter())
            {
                std::fs::write(d.join(file), bytes).unwrap();
            }
        }
    }
}

#[test]
fn every_picture_is_also_svg_with_text_as_text() {
    for dir in fixtures() {
        let n = name(&dir);
        let (_, names, records) = load(&dir);
        let svgs = pictures(&n, &names, &records, Format::Svg);
        assert_eq!(svgs, pictures(&n, &names, &records, Format::Svg), "{n}");
        let pngs = pictures(&n, &names, &records, Format::Png);
        let stems = |v: &[(String, Vec<u8>)]| -> Vec<String> {
            v.iter()
                .map(|(f, _)| f.rsplit_once('.').unwrap().0.to_string())
                .collect()
        };
        assert_eq!(stems(&svgs), stems(&pngs), "{n}");
        for (file, bytes) in &svgs {
            assert!(file.ends_with(".svg"));
            let text = std::str::from_utf8(bytes).unwrap();
            assert!(text.contains("<svg"), "{n} {file}");
            well_formed(text).unwrap_or_else(|e| panic!("{n} {file}: {e}"));
            // The title is text, in a generic family.
            assert!(text.contains(&n), "{n} {file}: title not found as text");
            assert!(text.contains("font-family=\"sans-serif\""), "{n} {file}");
        }
    }
}

#[test]
fn well_formed_check_catches_mistakes() {
    assert!(well_formed("<svg><text>a &amp; b</text></svg>").is_ok());
    assert!(well_formed("<svg><text>a & b</text></svg>").is_err());
    assert!(well_formed("<svg><g></svg>").is_err());
}

/// Every batch plot, as (name, PNG or SVG bytes).
fn batch_plots(f: Format) -> Vec<(&'static str, Vec<u8>)> {
    use reports::plot::{Reference, Series, ecdf, ecdfs, histogram, metric_vs_param};
    let v: Vec<f64> = (0..300).map(|i| f64::from(i % 23) * 0.7).collect();
    let lines = vec![
        ("loss=0.01".to_string(), v.clone()),
        (
            "loss=0.02 & more".to_string(),
            v.iter().map(|x| x * 3.0).collect(),
        ),
    ];
    let series = [Series {
        label: "delay=<5ms>".into(),
        points: vec![(0.01, 1.0, 2.0, 3.0), (0.02, 0.5, 1.0, 2.5)],
    }];
    let reference = Reference {
        label: "Mathis".into(),
        points: vec![(0.01, 2.2), (0.02, 1.5)],
    };
    let names = ["cubic".to_string(), "reno".to_string()];
    let title = "batch-client";
    vec![
        ("hist", histogram(title, "x (ms)", &v, f).unwrap()),
        ("cdf", ecdf(title, "x (ms)", &v, f).unwrap()),
        ("cdfs", ecdfs(title, "x (ms)", &lines, f).unwrap()),
        (
            "vs",
            metric_vs_param(title, "loss", "y", &series, Some(&reference), None, f).unwrap(),
        ),
        (
            "vs-names",
            metric_vs_param(title, "cc", "y", &series, None, Some(&names), f).unwrap(),
        ),
    ]
}

#[test]
fn batch_plots_are_deterministic_png_and_well_formed_svg() {
    let pngs = batch_plots(Format::Png);
    assert_eq!(pngs, batch_plots(Format::Png));
    for (n, png) in &pngs {
        let img = image::load_from_memory(png).unwrap();
        assert_eq!((img.width(), img.height()), (900, 560), "{n}");
    }
    let svgs = batch_plots(Format::Svg);
    assert_eq!(svgs, batch_plots(Format::Svg));
    for (n, bytes) in &svgs {
        let text = std::str::from_utf8(bytes).unwrap();
        assert!(text.starts_with("<svg"), "{n}");
        well_formed(text).unwrap_or_else(|e| panic!("{n}: {e}"));
        assert!(
            text.contains("batch-client"),
            "{n}: title not found as text"
        );
        assert!(text.contains("font-family=\"sans-serif\""), "{n}");
    }
    // Legend labels are text too, escaped.
    let cdfs = std::str::from_utf8(&svgs[2].1).unwrap();
    assert!(cdfs.contains("loss=0.02 &amp; more"), "{cdfs}");
    let vs = std::str::from_utf8(&svgs[3].1).unwrap();
    assert!(vs.contains("delay=&lt;5ms&gt; (median, p10-p90)"));
}
