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

/// A tiny exchange with SACK, as records: `a` (ISN 1000) sends three
/// segments, the second is lost, and `b` (ISN 5000) acknowledges the first
/// with the third SACKed, then the first and third both below a later
/// hole. (`link_transmit` and its `link_deliver` or `link_drop` each.)
fn sack_exchange() -> Vec<TraceRecord> {
    use sim_core::{Field, Kind, NodeId, Value};
    let (a, b) = (NodeId(0), NodeId(1));
    let mut out = Vec::new();
    let mut id = 0;
    let mut seg = |t_ms: u64,
                   from: NodeId,
                   flags: &'static str,
                   seq: u64,
                   ack: u64,
                   len: u64,
                   lost: bool,
                   extra: Vec<(Field, Value)>| {
        id += 1;
        let to = if from == a { b } else { a };
        let (sp, dp) = if from == a { (49152, 80) } else { (80, 49152) };
        let mut fields = vec![
            (Field::Id, Value::U64(id)),
            (Field::From, Value::Node(from)),
            (Field::To, Value::Node(to)),
            (Field::Src, Value::Node(from)),
            (Field::Dst, Value::Node(to)),
            (Field::Size, Value::U64(52 + len)),
            (Field::Proto, "tcp".into()),
            (Field::Sport, Value::U64(sp)),
            (Field::Dport, Value::U64(dp)),
            (Field::Flags, flags.into()),
            (Field::Seq, Value::U64(seq)),
            (Field::Ack, Value::U64(ack)),
            (Field::Len, Value::U64(len)),
        ];
        if len > 0 {
            fields.push((Field::Off, Value::U64(seq - 1001)));
        }
        fields.push((Field::Wnd, Value::U64(65535)));
        fields.extend(extra);
        let t = SimTime::ZERO + sim_core::SimDuration::from_millis(t_ms);
        out.push(TraceRecord {
            t,
            node: from,
            kind: Kind::LinkTransmit,
            fields: fields.clone(),
        });
        if lost {
            fields.push((Field::Reason, "random_loss".into()));
        }
        out.push(TraceRecord {
            t: t + sim_core::SimDuration::from_millis(10),
            node: to,
            kind: if lost {
                Kind::LinkDrop
            } else {
                Kind::LinkDeliver
            },
            fields,
        });
    };
    let sack = |blocks: &[(u64, u64)]| {
        (
            Field::Sack,
            Value::List(
                blocks
                    .iter()
                    .map(|(l, r)| Value::List(vec![Value::U64(*l), Value::U64(*r)]))
                    .collect(),
            ),
        )
    };
    let ts = |v: u64, e: u64| vec![(Field::Tsval, Value::U64(v)), (Field::Tsecr, Value::U64(e))];
    seg(
        0,
        a,
        "SYN",
        1000,
        0,
        0,
        false,
        vec![(Field::SackOk, Value::Bool(true))],
    );
    seg(
        10,
        b,
        "SYN,ACK",
        5000,
        1001,
        0,
        false,
        vec![(Field::SackOk, Value::Bool(true))],
    );
    seg(20, a, "ACK", 1001, 5001, 0, false, ts(1, 1));
    seg(21, a, "PSH,ACK", 1001, 5001, 1448, false, ts(2, 1));
    seg(22, a, "PSH,ACK", 2449, 5001, 1448, true, ts(3, 1));
    seg(23, a, "PSH,ACK", 3897, 5001, 1448, false, ts(4, 1));
    seg(24, a, "PSH,ACK", 5345, 5001, 1448, true, ts(5, 1));
    seg(25, a, "PSH,ACK", 6793, 5001, 1448, false, ts(6, 1));
    let mut e = ts(7, 2);
    e.push(sack(&[(3897, 5345)]));
    seg(33, b, "ACK", 5001, 2449, 0, false, e);
    let mut e = ts(8, 6);
    e.push(sack(&[(6793, 8241), (3897, 5345)]));
    seg(35, b, "ACK", 5001, 2449, 0, false, e);
    out
}

#[test]
fn the_ladder_names_sack_blocks_and_the_sequence_plot_draws_them() {
    use reports::conn_plots::ConnCollector;
    use reports::ladder::LadderCollector;
    use sim_core::NodeId;
    let records = sack_exchange();
    let names = NodeNames::new(vec!["a".into(), "b".into()]);
    // The options survive a trip through trace.jsonl.
    let mut w = JsonlWriter::new(Vec::new(), names.clone());
    feed(&mut w, &records).unwrap();
    let text = String::from_utf8(w.into_inner()).unwrap();
    assert!(
        text.contains(r#""sack":[[6793,8241],[3897,5345]]"#),
        "{text}"
    );
    assert!(text.contains(r#""sack_ok":true"#) && text.contains(r#""tsval":8,"tsecr":6"#));
    let (_, back) = reports::jsonl::read_with_nodes(&text, names.clone()).unwrap();
    assert_eq!(back, records);
    // Relative to a's ISN, like the ACK beside them.
    let mut l = LadderCollector::new(SimTime::ZERO, SimTime::MAX);
    for r in &records {
        l.push(r);
    }
    let svg = String::from_utf8(l.draw("sack", &names, Format::Svg).unwrap().unwrap()).unwrap();
    well_formed(&svg).unwrap();
    assert!(
        svg.contains("\nACK seq=1 ack=1449 SACK 2897-4345\n"),
        "{svg}"
    );
    assert!(
        svg.contains("\nACK seq=1 ack=1449 SACK 5793-7241,2897-4345\n"),
        "{svg}"
    );
    // Segments without SACK keep their labels.
    assert!(svg.contains("\nPSH,ACK seq=1 ack=1 len=1448\n"), "{svg}");
    // The PNG is drawn too, and the same twice.
    let png = |recs: &[TraceRecord]| {
        let mut l = LadderCollector::new(SimTime::ZERO, SimTime::MAX);
        for r in recs {
            l.push(r);
        }
        l.draw("sack", &names, Format::Png).unwrap().unwrap()
    };
    assert_eq!(png(&records), png(&records));

    // The sequence plot of a's sending side: a legend entry and one bar
    // per block (three), each between its ends at the ACK's time.
    let conn = (NodeId(0), 49152, NodeId(1), 80);
    let seq = |recs: &[TraceRecord], f: Format| {
        let mut c = ConnCollector::new();
        for r in recs {
            c.push(r);
        }
        assert_eq!(c.senders(), [conn]);
        c.draw_sequence("sack", conn, f).unwrap()
    };
    let svg = String::from_utf8(seq(&records, Format::Svg)).unwrap();
    well_formed(&svg).unwrap();
    assert!(svg.contains("SACKed"), "no SACK legend entry");
    let purple = "stroke=\"#9467BD\"";
    let bars = svg.matches(purple).count();
    // Without the SACK blocks: no legend entry, and three fewer purple paths.
    let plain: Vec<TraceRecord> = records
        .iter()
        .cloned()
        .map(|mut r| {
            r.fields.retain(|(f, _)| *f != sim_core::Field::Sack);
            r
        })
        .collect();
    let svg0 = String::from_utf8(seq(&plain, Format::Svg)).unwrap();
    assert!(!svg0.contains("SACKed"));
    assert_eq!(
        bars,
        svg0.matches(purple).count() + 3 + 1,
        "3 bars and a legend key"
    );
    assert_eq!(seq(&records, Format::Png), seq(&records, Format::Png));
    assert_ne!(seq(&records, Format::Png), seq(&plain, Format::Png));
}

/// A UDP traffic datagram is an arrow labelled with its ports, sequence
/// number and length; one lost on the way is a cross with the same label.
#[test]
fn the_ladder_labels_udp_datagrams() {
    use reports::ladder::LadderCollector;
    use sim_core::{Field, Kind, NodeId, SimDuration, Value};
    let (a, b) = (NodeId(0), NodeId(1));
    let mut records = Vec::new();
    for (seq, lost) in [(0u64, false), (1, true)] {
        let t = SimTime(seq * 8_000_000);
        let mut fields = vec![
            (Field::Id, Value::U64(seq)),
            (Field::From, Value::Node(a)),
            (Field::To, Value::Node(b)),
            (Field::Src, Value::Node(a)),
            (Field::Dst, Value::Node(b)),
            (Field::Size, Value::U64(1028)),
            (Field::Proto, "udp".into()),
            (Field::Sport, Value::U64(49152)),
            (Field::Dport, Value::U64(9000)),
            (Field::Seq, Value::U64(seq)),
            (Field::Len, Value::U64(1000)),
            (Field::SentNs, Value::U64(t.as_nanos())),
        ];
        records.push(TraceRecord {
            t,
            node: a,
            kind: Kind::LinkTransmit,
            fields: fields.clone(),
        });
        if lost {
            fields.push((Field::Reason, "random_loss".into()));
        }
        records.push(TraceRecord {
            t: t + SimDuration::from_millis(10),
            node: b,
            kind: if lost {
                Kind::LinkDrop
            } else {
                Kind::LinkDeliver
            },
            fields,
        });
    }
    let names = NodeNames::new(vec!["a".into(), "b".into()]);
    let mut l = LadderCollector::new(SimTime::ZERO, SimTime::MAX);
    for r in &records {
        l.push(r);
    }
    let svg = String::from_utf8(l.draw("udp", &names, Format::Svg).unwrap().unwrap()).unwrap();
    well_formed(&svg).unwrap();
    // (SVG escapes the `>`.)
    assert!(svg.contains("\nUDP 49152&gt;9000 #0 len=1000\n"), "{svg}");
    assert!(svg.contains("\nUDP 49152&gt;9000 #1 len=1000\n"), "{svg}");
}
