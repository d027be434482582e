//! Pictures from real traces: deterministic, the same after a trip through
//! `trace.jsonl`, and well-formed SVG with text as text.

mod support;

use reports::Format;
use reports::jsonl::JsonlWriter;
use reports::pictures::Pictures;
use reports::sink::{NodeNames, feed};
use sim_core::{SimTime, TraceRecord};
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

/// A small well-formedness check: every tag closes in order, attributes are
/// quoted, and text holds no raw `<` or unescaped `&`.
fn well_formed(xml: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        let text = &rest[..i];
        if let Some(j) = text.find('&') {
            let ent = &text[j..];
            if !["&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#"]
                .iter()
                .any(|e| ent.starts_with(e))
            {
                return Err(format!("bad entity near {:?}", &ent[..ent.len().min(20)]));
            }
        }
        rest = &rest[i + 1..];
        let end = rest.find('>').ok_or("unclosed tag")?;
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if !tag.matches('"').count().is_multiple_of(2) {
            return Err(format!("unbalanced quotes in <{tag}>"));
        }
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name.trim() => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
        } else if !tag.ends_with('/') {
            let name = tag.split_whitespace().next().ok_or("empty tag")?;
            stack.push(name.to_string());
        }
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed {stack:?}"))
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
